#!/usr/bin/env bash
# The fast composition: shmring -w RING -- xcap SRC (xcap captures straight
# into the ring) and xpaint -r RING on DST. Pixel exact after real clients
# drew; xpaint restarted gets the whole screen from the writer's snapshot;
# a stopped writer (SIGSTOP) is reported once by xpaint and followed again
# after SIGCONT; the writer killed and restarted is followed. Idle, both
# sides sleep: their wake-ups in 2 s are counted (schedstat), not timed.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$TOOLS/xwdcmp"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xterm x11perf xdotool xwd; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RING=/dev/shm/xs-test-fast-$$
trap 'rm -f "$RING"; cleanup' EXIT

xvfb SRC 800x600
xvfb DST 1024x768
mover_xterm

# writer N: shmring -w RING -- xcap SRC; $wp is its pid (xcap after the exec).
writer() {
	"$BIN/shmring" -w "$RING" -s 32M -- "$BIN/xcap" -v -d ring "$SRC" </dev/null 2>"$T/w.$1.err" &
	PIDS+=($!)
	wp=$!
}
viewer() {
	DISPLAY=$DST "$BIN/xpaint" -v -r "$RING" -t fastview >/dev/null 2>"$T/xpaint.$1.err" &
	PIDS+=($!)
	vp=$!
	waitfor 10 winid "$DST" fastview || fail "viewer $1: no window: $(cat "$T/xpaint.$1.err")"
}
# wakeups PID: voluntary and involuntary switches of all its threads.
wakeups() { cat /proc/"$1"/task/*/schedstat | awk '{ n += $3 } END { print n }'; }

writer 1
waitfor 10 test -s "$RING" || fail "no ring: $(cat "$T/w.1.err")"
viewer 1
live_picture fastview

# idle: nothing changes; the heartbeats slow to one a second on each side
# (2-3 wake-ups in 2 s measured; 4 and 2 a second while they were fixed)
sleep 2
a=$(wakeups "$wp") b=$(wakeups "$vp")
sleep 2
a=$(($(wakeups "$wp") - a)) b=$(($(wakeups "$vp") - b))
[ "$a" -le 8 ] && [ "$b" -le 8 ] || fail "idle: xcap woke $a times, xpaint $b times in 2 s (polling?)"
echo "idle 2 s: xcap $a wake-ups, xpaint $b"

# xpaint restarted: the snapshot
kill "$vp"
wait "$vp" || fail "xpaint -r exited $? on SIGTERM"
waitfor 5 sh -c "[ -z \"\$(DISPLAY=$DST xdotool search --name '^fastview\$' 2>/dev/null)\" ]" || fail "old viewer window stayed"
viewer 2
settle "$SRC" "$DST" "$(winid "$DST" fastview)" 20 || fail "restarted viewer did not show the whole screen"
grep -q 'reader attached' "$T/w.1.err" || fail "xcap did not see the reader attach: $(cat "$T/w.1.err")"
echo "reader restarted: $(cat "$T/cmp.out")"

# the writer stopped: reported once, then followed again
kill -STOP "$wp"
waitfor 5 grep -q "writer's heartbeat stopped" "$T/xpaint.2.err" || { kill -CONT "$wp"; fail "no stop report: $(cat "$T/xpaint.2.err")"; }
kill -CONT "$wp"
DISPLAY=$SRC xdotool windowmove --sync "$MOVER" 150 120
settle "$SRC" "$DST" "$(winid "$DST" fastview)" 10 || fail "viewer did not follow the writer after SIGCONT"
[ "$(grep -c "writer's heartbeat stopped" "$T/xpaint.2.err")" = 1 ] || fail "stop reported more than once"

# the writer killed and restarted: a new session
kill -9 "$wp"
wait "$wp" 2>/dev/null || true
bg env DISPLAY="$SRC" xterm -geometry 40x6+200+200 -bg darkgreen -fg white -title newcomer -e 'echo after the restart; exec sleep 300'
waitfor 10 winid "$SRC" newcomer || fail "xterm did not map"
writer 2
settle "$SRC" "$DST" "$(winid "$DST" fastview)" 20 || fail "viewer did not follow the restarted writer"
kill -0 "$vp" || fail "viewer died across the writer restart: $(tail -3 "$T/xpaint.2.err")"
kill "$vp" "$wp"
wait "$vp" || fail "xpaint -r exited $? on SIGTERM"
pass "live, idle wake-ups xcap $a xpaint $b in 2 s, reader restarted, writer stopped and continued, killed and restarted"
