#!/usr/bin/env bash
# The ring composition (the fast path) under kill -9, twice each:
#   guest: vsockd -l unix:S | shmring -w RING -- xcap -E SRC
#   host:  xpaint -r RING -- vsockd -c unix:S
# xcap (shmring -w's exec) or vsockd -l killed: the guest pipeline ends and
# is restarted, xpaint -r follows the new session; vsockd -c killed: xpaint
# starts it again itself; xpaint killed: its vsockd -c ends, xpaint is
# restarted. See tests/faults.sh for what each kill checks.
. "$(dirname "$0")/lib.sh"
COMPOSE=ring
. "$(dirname "$0")/faults.sh"
restart_host() { start_host; }
boot
for i in 1 2; do
	fault xcap "$XC" "$VL" "$XP $VC" start_guest
	fault "vsockd -l" "$VL" "$XC" "$XP $VC" start_guest
	old=$VC
	fault "vsockd -c" "$VC" "" "$XP $GUEST" ""
	waitfor 3 vc_now && [ "$VC" != "$old" ] || fail "xpaint did not start vsockd -c again"
	fault xpaint "$XP" "$VC" "$GUEST" restart_host
done
report
