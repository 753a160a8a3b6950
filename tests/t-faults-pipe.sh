#!/usr/bin/env bash
# The pipe composition under kill -9, twice each:
#   guest: vsockd -l unix:S | xcap -E SRC | shmring -w RING
#   host:  shmring -r RING | xpaint -x | vsockd -c unix:S
# Any process killed ends the rest of its pipeline (EOF, EPIPE, -E, -x),
# which is then restarted; the other side waits and follows. See
# tests/faults.sh for what each kill checks.
. "$(dirname "$0")/lib.sh"
COMPOSE=pipe
. "$(dirname "$0")/faults.sh"
boot
for i in 1 2; do
	fault xcap "$XC" "$VL $SW" "$HOST" start_guest
	fault "shmring -w" "$SW" "$VL $XC" "$HOST" start_guest
	fault "vsockd -l" "$VL" "$XC $SW" "$HOST" start_guest
	fault "shmring -r" "$SR" "$XP $VC" "$GUEST" start_host
	fault xpaint "$XP" "$SR $VC" "$GUEST" start_host
	fault "vsockd -c" "$VC" "$SR $XP" "$GUEST" start_host
done
report
