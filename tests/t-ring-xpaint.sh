#!/usr/bin/env bash
# The whole pipeline through a /dev/shm ring on two Xvfb displays:
# xcap SRC | shmring -w RING, and xpaint -r RING on DST with no control
# channel, while real clients draw on the source (xterm printing, x11perf,
# xdotool moving a window). Pixel exact once the source is still. Then:
# xpaint killed and restarted shows the whole screen again (from the
# writer's snapshot: the source is still, xcap sends nothing, and xpaint's
# refresh goes nowhere); the writer pipeline killed and restarted is
# followed (new session); a ring smaller than one frame is refused with
# exit 65 and the size needed.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$TOOLS/xwdcmp"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xterm x11perf xdotool xwd; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RING=/dev/shm/xs-test-$$
trap 'rm -f "$RING"; cleanup' EXIT

xvfb SRC 800x600
xvfb DST 1024x768
mover_xterm

# writer N [-C]: xcap SRC | shmring -w RING in the background; $wpipe is
# its subshell. -C: shmring copies the stream (else it hands xcap the ring).
writer() {
	( exec "$BIN/xcap" -v "$SRC" </dev/null 2>"$T/xcap.$1.err" |
		"$BIN/shmring" -v -w "$RING" -s 32M ${2:-} 2>"$T/shmring.$1.err" ) &
	PIDS+=($!)
	wpipe=$!
}
stop_writer() {
	pkill -TERM -P "$wpipe" 2>/dev/null || true
	kill "$wpipe" 2>/dev/null || true
	wait "$wpipe" 2>/dev/null || true
}
# viewer N: xpaint -r RING on DST, no control channel; $vp is its pid.
viewer() {
	DISPLAY=$DST "$BIN/xpaint" -v -r "$RING" -t ringview >/dev/null 2>"$T/xpaint.$1.err" &
	PIDS+=($!)
	vp=$!
	waitfor 10 winid "$DST" ringview || fail "viewer $1: no window: $(cat "$T/xpaint.$1.err")"
}

# 1. the live pipeline, pixel exact, shmring copying the stream (-C)
writer 1 -C
waitfor 10 test -s "$RING" || fail "no ring: $(cat "$T/shmring.1.err")"
viewer 1
live_picture ringview

# 2. xpaint killed and restarted: the whole screen again, from the snapshot
kill "$vp"
wait "$vp" || fail "xpaint -r exited $? on SIGTERM"
waitfor 5 sh -c "[ -z \"\$(DISPLAY=$DST xdotool search --name '^ringview\$' 2>/dev/null)\" ]" || fail "old viewer window stayed"
viewer 2
settle "$SRC" "$DST" "$(winid "$DST" ringview)" 20 || fail "restarted viewer did not show the whole screen"
echo "reader restarted: $(cat "$T/cmp.out")"
waitfor 5 grep -q 'reader attached: sent a 800x600 snapshot' "$T/shmring.1.err" ||
	fail "no snapshot sent: $(cat "$T/shmring.1.err")"

grep -q 'handed up the pipe' "$T/shmring.1.err" "$T/xcap.1.err" && fail "shmring -C handed the ring up the pipe"

# 3. the writer pipeline killed and restarted: xpaint follows the new
# session. This time shmring hands the ring up the pipe: xcap writes it
# itself (the X server captures straight into it), as under shmring -w
# RING -- xcap; a restarted viewer gets its snapshot from xcap.
stop_writer
bg env DISPLAY="$SRC" xterm -geometry 40x6+200+200 -bg darkgreen -fg white -title newcomer -e 'echo after the restart; exec sleep 300'
waitfor 10 winid "$SRC" newcomer || fail "xterm did not map"
writer 2
source_activity 2
settle "$SRC" "$DST" "$(winid "$DST" ringview)" 20 || fail "viewer did not follow the restarted writer"
echo "writer restarted: $(cat "$T/cmp.out")"
kill -0 "$vp" || fail "viewer died across the writer restart: $(tail -3 "$T/xpaint.2.err")"
grep -q 'the ring handed up the pipe: xcap writes it' "$T/shmring.2.err" || fail "no hand-over up the pipe: $(cat "$T/shmring.2.err")"
grep -q 'writing the ring shmring handed up the pipe.*the X server captures straight into it' "$T/xcap.2.err" ||
	fail "xcap did not take the ring: $(grep -v '^xterm' "$T/xcap.2.err" | tail -3)"
kill "$vp"
wait "$vp" || fail "xpaint -r exited $? on SIGTERM"
viewer 3
settle "$SRC" "$DST" "$(winid "$DST" ringview)" 20 || fail "a viewer restarted after the hand-over did not show the whole screen"
echo "handed up the pipe, reader restarted: $(cat "$T/cmp.out")"
# the pipe's reader killed: xcap goes too, as when a pipe's reader dies
pkill -KILL -P "$wpipe" -x shmring
waitfor 5 sh -c "! pgrep -P $wpipe -x xcap >/dev/null" || fail "xcap stayed after the shmring that handed it the ring was killed"
stop_writer
kill "$vp"
wait "$vp" || fail "xpaint -r exited $? on SIGTERM"

# 4. a ring smaller than one frame: exit 65 with the size needed
rm -f "$RING"
set +e
"$BIN/xcap" "$SRC" </dev/null 2>"$T/xcap.small.err" | "$BIN/shmring" -w "$RING" -s 1M 2>"$T/small.err"
rc=${PIPESTATUS[1]}
set -e
[ "$rc" = 65 ] || fail "ring smaller than a frame: exit $rc, want 65: $(cat "$T/small.err")"
grep -q 'too small for a 800x600 screen.*use a ring of at least 16777216 bytes' "$T/small.err" ||
	fail "no size advice: $(cat "$T/small.err")"
pass "live (shmring copying), reader restarted (snapshot), writer restarted (the ring handed up the pipe to xcap), reader restarted again, shmring killed ends xcap, small ring refused ($(cat "$T/small.err" | grep -o 'at least [0-9]* bytes'))"
