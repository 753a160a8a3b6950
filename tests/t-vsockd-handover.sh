#!/usr/bin/env bash
# The control hand-over (issue 23): `vsockd -l ADDR -- shmring -w RING --
# xcap GUEST` and `vsockd -c ADDR -- xpaint -r RING`. vsockd keeps the
# address, the peer checks and the reconnects in a helper, and hands each
# connected socket over, so a key goes xpaint -> socket -> xcap. Over unix:
# and tcp:127.0.0.1 (never AF_VSOCK on this host): the picture is exact,
# typed text reaches bash in a guest xterm; the processes are the tools
# themselves (vsockd exec'd them); a second controller is refused while one
# is served; after the viewer is killed a stranger's junk is dropped by xcap
# with one line, nothing stays pressed, and a new viewer types again; after
# the guest side is killed and started again the same viewer's vsockd
# reconnects and its keys reach the new guest.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$BIN/vsockd" "$TOOLS/ctlgen" "$TOOLS/xwdcmp"; do
	[ -x "$t" ] || { echo "no $t"; exit 77; }
done
for t in xterm xdotool; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RING=/dev/shm/xs-handover-$$
trap 'rm -f "$RING"; cleanup' EXIT

xvfb GUEST 640x480
xvfb HOST 800x600
bg env DISPLAY="$GUEST" xterm -geometry 60x10+0+0 -title gterm -e bash --norc --noprofile
waitfor 10 winid "$GUEST" gterm || fail "guest xterm did not map"
export DISPLAY=$HOST

# guest ADDR TAG: the guest side; LADDR the bound address, GP xcap's pid.
guest() {
	rm -f "$T/rdy.$2"
	mkfifo "$T/rdy.$2"
	"$BIN/vsockd" -l "$1" -v -N 3 -- "$BIN/shmring" -w "$RING" -s 16M -- "$BIN/xcap" -v "$GUEST" \
		3>"$T/rdy.$2" 2>"$T/g.$2.err" &
	GP=$!
	PIDS+=($GP)
	read -r -t 10 LADDR <"$T/rdy.$2" || fail "guest $2 not ready: $(cat "$T/g.$2.err")"
}
# viewer TAG: the host side on the guest's address; XP xpaint's pid.
viewer() {
	"$BIN/vsockd" -c "$LADDR" -v -- "$BIN/xpaint" -v -w 0 -r "$RING" -t "view$1" 2>"$T/xp.$1.err" &
	XP=$!
	PIDS+=($XP)
	waitfor 15 winid "$HOST" "view$1" || fail "viewer $1: no window: $(cat "$T/xp.$1.err")"
	WID=$(winid "$HOST" "view$1")
	waitfor 15 grep -q 'input enabled' "$T/xp.$1.err" || fail "viewer $1 never bound: $(cat "$T/xp.$1.err")"
}
typed() { waitfor 15 grep -qx "$1" "$T/typed.txt" || fail "$2: \"$1\" not typed on the guest: $(tail -5 "$T/g.$3.err")"; }

# 1. unix: the picture, keys, the processes
guest "unix:$T/ctl" u
viewer 1
settle "$GUEST" "$HOST" "$WID" 20 || fail "viewer not exact"
typeline "echo one > $T/typed.txt"
typed one "unix" u
[ "$(cat /proc/$GP/comm)" = xcap ] && [ "$(cat /proc/$XP/comm)" = xpaint ] ||
	fail "vsockd did not become the tool: $(cat /proc/$GP/comm) $(cat /proc/$XP/comm)"
grep -q 'control connection from vsockd' "$T/g.u.err" || fail "xcap did not read the socket: $(cat "$T/g.u.err")"

# 2. one controller at a time
"$TOOLS/ctlgen" -c "$LADDR" key 0x61 1 2>/dev/null || true
waitfor 5 grep -q 'refused .*one controller at a time' "$T/g.u.err" || fail "second controller: $(cat "$T/g.u.err")"

# 3. the viewer killed: the hang-up releases input; a stranger's junk is
# dropped by xcap with one line; a new viewer types again
kill "$XP"
waitfor 10 grep -q 'the controller hung up: input released' "$T/g.u.err" || fail "no hang-up: $(cat "$T/g.u.err")"
"$TOOLS/ctlgen" -c "$LADDR" key 0x62 1 raw deadbeefdeadbeef 2>/dev/null || true
waitfor 10 grep -q 'control connection: unknown record (type 44510.*dropping the connection' "$T/g.u.err" ||
	fail "junk not dropped: $(cat "$T/g.u.err")"
kill -0 "$GP" || fail "xcap died of a stranger's junk"
viewer 2
typeline "echo two > $T/typed.txt"
typed two "new viewer" u

# 4. the guest side killed and started again: viewer 2's vsockd reconnects
kill "$GP"
wait "$GP" 2>/dev/null
waitfor 10 grep -q 'control connection lost' "$T/xp.2.err" || fail "viewer not told: $(cat "$T/xp.2.err")"
guest "unix:$T/ctl" u2
waitfor 15 grep -q 'reconnected to' "$T/xp.2.err" || fail "no reconnect: $(cat "$T/xp.2.err")"
waitfor 15 sh -c "[ \$(grep -c 'input enabled' '$T/xp.2.err') -ge 2 ]" || fail "not bound again: $(cat "$T/xp.2.err")"
settle "$GUEST" "$HOST" "$WID" 20 || fail "viewer not exact after the guest restart"
typeline "echo three > $T/typed.txt"
typed three "after the guest restart" u2
kill "$XP" "$GP"
wait "$XP" "$GP" 2>/dev/null

# 5. tcp:127.0.0.1 (port 0: the kernel picks, the readiness line names it)
guest "tcp:127.0.0.1:0" t
viewer 3
typeline "echo four > $T/typed.txt"
typed four "tcp" t
pass "unix and tcp: exact, typed, one controller, junk dropped by xcap, viewer and guest restarts"
