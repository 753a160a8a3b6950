#!/usr/bin/env bash
# Input goes only where the picture comes from, and survives a guest restart.
# 1. A viewer showing pipeline A's ring with its control going to pipeline
#    B's vsockd says "control channel does not reach this display" and
#    nothing is typed into either guest.
# 2. The guest pipeline (vsockd -l | xcap | shmring -w) killed and started
#    again while the host keeps running: vsockd -c reconnects and says so,
#    the picture comes back pixel for pixel (including what changed while it
#    was down), and typing works again.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$BIN/vsockd" "$TOOLS/xwdcmp"; do
	[ -x "$t" ] || { echo "no $t"; exit 77; }
done
for t in xterm xdotool xwd; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RA=/dev/shm/xs-bind-a-$$ RB=/dev/shm/xs-bind-b-$$
trap 'rm -f "$RA" "$RB"; cleanup' EXIT

xvfb GA 640x480
xvfb GB 640x480
xvfb HOST 1024x768
for g in GA GB; do
	bg env DISPLAY="${!g}" xterm -geometry 60x10+0+0 -title "term$g" -e bash --norc --noprofile
	waitfor 10 winid "${!g}" "term$g" || fail "xterm on $g did not map"
done

# guest NAME DISPLAY RING: start vsockd -l unix:$T/ctl.NAME | xcap | shmring -w; sets GP.
guest() {
	local n=$1
	rm -f "$T/rdy.$n"
	mkfifo "$T/rdy.$n"
	( "$BIN/vsockd" -l "unix:$T/ctl.$n" -v -N 3 3>"$T/rdy.$n" 2>>"$T/l.$n.err" | "$BIN/xcap" "$2" 2>>"$T/xcap.$n.err" |
		"$BIN/shmring" -w "$3" -s 32M 2>>"$T/w.$n.err" ) &
	GP=$!
	PIDS+=($GP)
	read -r -t 10 _ <"$T/rdy.$n" || fail "guest $n: vsockd not ready: $(cat "$T/l.$n.err")"
	waitfor 10 test -s "$3" || fail "guest $n: no ring"
}
# viewer TAG RING CTL: xpaint on HOST; sets XP and WID.
viewer() { ring_viewer "$1" "$2" "unix:$T/ctl.$3"; }
export DISPLAY=$HOST
guest A "$GA" "$RA"
GPA=$GP
guest B "$GB" "$RB"

# 1. the ring of A, the control of B
viewer wrong "$RA" B
waitfor 15 settle "$GA" "$HOST" "$WID" 1 || fail "viewer does not show A"
typeline "touch $T/wrong"
waitfor 10 grep -q 'control channel does not reach this display' "$T/xp.wrong.err" ||
	fail "no refusal: $(cat "$T/xp.wrong.err")"
sleep 0.5
[ ! -e "$T/wrong" ] || fail "a viewer bound to another pipeline typed into a guest"
grep -q 'input enabled' "$T/xp.wrong.err" && fail "input enabled without the echo"
kill "$XP"
wait "$XP" 2>/dev/null || true

# 2. the right pipeline, then the guest restarted under a running viewer
viewer right "$RA" A
waitfor 15 grep -q 'input enabled' "$T/xp.right.err" || fail "never bound: $(cat "$T/xp.right.err")"
typeline "echo before > $T/before.txt"
waitfor 15 grep -qx before "$T/before.txt" || fail "typing before the restart"
pkill -TERM -P "$GPA" || true
wait "$GPA" 2>/dev/null || true
waitfor 10 grep -q "lost unix:$T/ctl.A" "$T/xp.right.err" || fail "vsockd -c did not notice: $(cat "$T/xp.right.err")"
# the guest's screen changes while nothing captures it
bg env DISPLAY="$GA" xterm -geometry 30x5+250+250 -bg darkred -fg white -title downtime -e sh -c 'echo changed while down; exec sleep 300'
waitfor 10 winid "$GA" downtime || fail "downtime xterm did not map"
guest A "$GA" "$RA"
waitfor 15 grep -q "reconnected to unix:$T/ctl.A" "$T/xp.right.err" || fail "no reconnect: $(cat "$T/xp.right.err")"
settle "$GA" "$HOST" "$WID" 15 || fail "the picture did not come back after the guest restart"
waitfor 15 eval '[ "$(grep -c "input enabled" "$T/xp.right.err")" -ge 2 ]' || true # bound again after the restart
typeline "echo after > $T/after.txt"
waitfor 15 grep -qx after "$T/after.txt" || fail "typing after the restart: $(tail -5 "$T/xp.right.err"; tail -5 "$T/xcap.A.err")"
kill -0 "$XP" || fail "the viewer died during the restart"
pass "wrong pipeline refused; guest restart: reconnected, picture back, typing again"
