#!/usr/bin/env bash
# The fast composition's frame pacing (docs/RING.md, "Frames in flight"):
# xcap takes the next capture only when the ring's reader has consumed the
# frame before the last. While it waits for a slow reader (alive: its
# heartbeat moves) and the source keeps changing, xcap must sleep between
# its looks, not spin: its CPU over 2 s (schedstat, every thread) is
# counted, not timed. A spinning xcap used a whole core while it waited.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xcap" "$BIN/shmring"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xterm perl; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RING=/dev/shm/xs-test-pacing-$$
trap 'rm -f "$RING"; cleanup' EXIT

xvfb SRC 800x600
# cpu_ns PID: time on a CPU of all its threads, ns
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ n += $1 } END { printf "%d\n", n }'; }
# switches PID: voluntary context switches of all its threads (sleeps)
switches() { cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }'; }

"$BIN/shmring" -w "$RING" -s 16M -- "$BIN/xcap" -v -d ring "$SRC" </dev/null 2>"$T/w.err" &
PIDS+=($!)
wp=$!
waitfor 10 test -s "$RING" || fail "no ring: $(cat "$T/w.err")"

# the reader: shmring -r into a pipe drained at ~2 MB/s (a frame of the
# xterm below, ~0.5 MB, every quarter second), sleeping between reads:
# its heartbeat moves, so xcap keeps waiting for it
"$BIN/shmring" -r "$RING" 2>"$T/r.err" | perl -e '
	$| = 1;
	while (sysread(STDIN, $b, 16384)) {
		select(undef, undef, undef, 0.008);
		$n += length $b;
	}
	print STDERR "read $n bytes\n";' 2>"$T/slow.err" &
PIDS+=($!)
waitfor 10 grep -q 'reader attached' "$T/w.err" || fail "xcap saw no reader: $(cat "$T/w.err" "$T/r.err")"

# the source changes all the time: an xterm printing 200 lines a second
bg env DISPLAY="$SRC" xterm -geometry 80x24+10+10 -title busy \
	-e perl -e '$| = 1; for ($i = 0;; $i++) { print "line $i ", rand(), "\n"; select(undef, undef, undef, 0.005) }'
waitfor 10 winid "$SRC" busy || fail "xterm did not map"
sleep 1

c0=$(cpu_ns "$wp") s0=$(switches "$wp")
sleep 2
c1=$(cpu_ns "$wp") s1=$(switches "$wp")
kill -0 "$wp" || fail "xcap died: $(cat "$T/w.err")"
ms=$(((c1 - c0) / 1000000)) sw=$((s1 - s0))
grep -q 'reader heartbeat stopped' "$T/w.err" && fail "xcap counted the slow reader gone: nothing was measured"
echo "xcap waiting on a slow reader for 2 s: ${ms} ms of CPU, $sw sleeps"
# a spinning xcap: 250-1500 ms here (what the load leaves it, between the
# sleeps of a full ring);
# sleeping 1 ms between looks: 46-82 ms (optimised and ASan builds alike)
[ "$ms" -le 200 ] || fail "xcap used $ms ms of CPU in 2 s while its ring's reader was a frame behind ($sw sleeps): spinning?"
pass "xcap waiting for a slow ring reader: $ms ms of CPU and $sw sleeps in 2 s"
