#!/usr/bin/env bash
# Key repeat is the host's (as Xpra does): while a controller is attached
# xcap turns the guest server's autorepeat off, and xpaint forwards the
# repeats of the host's X server. xdotool holds 'a' in xpaint on the host
# (host autorepeat on); xkeyrec -r on the guest records presses and
# releases; xpaint -d input logs every key record it sends. xcap is stopped
# (SIGSTOP) for a while during each hold: a release (and repeats) that
# reach the guest late. Whatever the latency, the guest gets the presses
# the host sent (a repeat is a release and a press, as a core client sees
# a server's own repeat), one final release and nothing after it.
#  (a) delayed release: press, xcap stopped, release, 1.2 s, xcap goes on;
#  (b) host repeat: press, 0.8 s of host repeats, xcap stopped 1 s, release;
#  (c) the guest's autorepeat is off while xcap has a controller and as
#      found again after it exits, and after an xcap killed with SIGKILL
#      (the next xcap puts it back).
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$TOOLS/xkeyrec"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
command -v xdotool >/dev/null || { echo "no xdotool"; exit 77; }

xvfb GUEST 640x480
xvfb HOST 1024x768
repeat() { DISPLAY=$1 "$TOOLS/xkeyrec" -a ${2:-}; }
[ "$(repeat "$HOST" on)" = "autorepeat on" ] || fail "cannot turn the host's autorepeat on"
[ "$(repeat "$GUEST")" = "autorepeat on" ] || fail "a fresh guest Xvfb without autorepeat: $(repeat "$GUEST")"

env DISPLAY="$GUEST" "$TOOLS/xkeyrec" -r rec 600x400+20+20 >"$T/rec" & PIDS+=($!)
waitfor 10 winid "$GUEST" rec || fail "guest recorder did not map"

# xpaint with xcap under it; $T/xcap.pid: xcap's pid (to stop it)
start() {
	rm -f "$T/xcap.pid"
	DISPLAY=$HOST "$BIN/xpaint" -v -d input -t rep -- sh -c "echo \$\$ >$T/xcap.pid; exec $BIN/xcap -v $GUEST" \
		>/dev/null 2>"$T/xp.err" &
	XP=$!
	PIDS+=($XP)
	waitfor 15 winid "$HOST" rep || fail "no xpaint window: $(cat "$T/xp.err")"
	waitfor 15 grep -q 'input enabled' "$T/xp.err" || fail "input never bound: $(cat "$T/xp.err")"
	XC=$(cat "$T/xcap.pid")
	W=$(winid "$HOST" rep)
	DISPLAY=$HOST xdotool windowfocus --sync "$W" mousemove --window "$W" 100 100
	sleep 0.3
}
start
[ "$(repeat "$GUEST")" = "autorepeat off" ] || fail "(c) guest autorepeat still on with a controller attached"

# hold CASE BEFORE_STOP STOPPED_BEFORE_RELEASE STOPPED_AFTER_RELEASE: 'a'
# held on the host; xcap stopped from BEFORE_STOP s into the hold for
# the rest; the guest's events of this hold checked against xpaint's.
hold() {
	local r0 x0 sent got rel
	r0=$(wc -l <"$T/rec") x0=$(wc -l <"$T/xp.err")
	DISPLAY=$HOST xdotool keydown a
	waitfor 10 sh -c "tail -n +$((r0 + 1)) $T/rec | grep -q '^a '" || fail "$1: the press never reached the guest"
	sleep "$2"
	kill -STOP "$XC"
	sleep "$3"
	DISPLAY=$HOST xdotool keyup a
	sleep "$4"
	kill -CONT "$XC"
	waitfor 10 sh -c "tail -n +$((r0 + 1)) $T/rec | grep -q '^release a '" || fail "$1: the release never reached the guest"
	sleep 1 # anything the guest would still add
	tail -n +$((r0 + 1)) "$T/rec" | awk '{print $1 == "release" ? "R" : "P"}' | tr -d '\n' >"$T/got"
	sent=$(tail -n +$((x0 + 1)) "$T/xp.err" | grep -c 'key 0x61 .* down' || true)
	got=$(tr -cd P <"$T/got" | wc -c)
	rel=$(tr -cd R <"$T/got" | wc -c)
	[ "$got" = "$sent" ] && [ "$rel" = "$got" ] && grep -Eqx '(PR)+' "$T/got" ||
		fail "$1: the host sent $sent presses and one release; the guest got $got presses, $rel releases: $(head -c 80 "$T/got") (P press, R release)"
	echo "$1: $sent presses (host repeats: $((sent - 1))) and the release, as the host sent them"
	SENT=$sent
}
hold "(a) delayed release" 0 0 1.2
hold "(b) host repeat" 0.8 1 0
[ "$SENT" -ge 3 ] || fail "(b) the host repeated 'a' only $((SENT - 1)) times in 1.8 s (host autorepeat on?)"

# (c) xpaint quits: xcap exits, the guest repeats keys again
kill "$XP"
waitfor 10 sh -c "! kill -0 $XC 2>/dev/null" || fail "(c) xcap did not exit with xpaint"
[ "$(repeat "$GUEST")" = "autorepeat on" ] || fail "(c) guest autorepeat not restored after xcap exited"
# ... and after an xcap killed with SIGKILL, by the next xcap
start
kill -KILL "$XC"
kill "$XP"
[ "$(repeat "$GUEST")" = "autorepeat off" ] || fail "(c) the killed xcap's setting is not the one expected"
"$BIN/xcap" -E "$GUEST" </dev/null >/dev/null 2>"$T/xcap2.err" || fail "(c) xcap -E: $(cat "$T/xcap2.err")"
[ "$(repeat "$GUEST")" = "autorepeat on" ] || fail "(c) the next xcap did not set the guest's autorepeat back"
grep -q 'autorepeat set back on' "$T/xcap2.err" || fail "(c) the next xcap did not say it: $(cat "$T/xcap2.err")"
# ... and a guest whose autorepeat was off stays so
repeat "$GUEST" off >/dev/null
start
kill "$XP"
waitfor 10 sh -c "! kill -0 $XC 2>/dev/null" || fail "(c) xcap did not exit with xpaint"
[ "$(repeat "$GUEST")" = "autorepeat off" ] || fail "(c) guest autorepeat turned on though it was off before xcap"
pass "delayed release and host repeat typed as on the host; guest autorepeat off while attached, restored after"
