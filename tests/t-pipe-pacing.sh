#!/usr/bin/env bash
# xcap into a pipe behind a slow reader (xpaint over ssh, a busy host):
# large pixel runs are vmspliced from the private copy, so a due frame
# waits until the pipe holds none of its pages (out_copy_free). No event
# says the pipe drained: xcap looks again after a while. While the reader
# is slow and the source keeps changing, those looks must stay few: its
# CPU and its sleeps over 2 s are counted, not timed. Looking every
# 100 us was up to 10,000 wake-ups a second.
. "$(dirname "$0")/lib.sh"
[ -x "$BIN/xcap" ] || { echo "no $BIN/xcap"; exit 77; }
for t in xterm perl; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done

xvfb SRC 800x600
# cpu_ns PID: time on a CPU of all its threads, ns
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ n += $1 } END { printf "%d\n", n }'; }
# switches PID: voluntary context switches of all its threads (sleeps)
switches() { cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }'; }

# the source changes all the time: an xterm over the whole screen (full
# width rows: contiguous runs, spliced) printing 200 long lines a second
# (text across every tile: no solid tile breaks a run)
bg env DISPLAY="$SRC" xterm -geometry 200x60+0+0 -title busy \
	-e perl -e '$| = 1; for ($i = 0;; $i++) { print "line $i ", join("", map { chr(33 + int rand 90) } 1 .. 190), "\n"; select(undef, undef, undef, 0.005) }'
waitfor 10 winid "$SRC" busy || fail "xterm did not map"

# the reader: a pipe drained at ~2 MB/s, sleeping between reads
mkfifo "$T/fifo"
perl -e '
	$| = 1;
	while (sysread(STDIN, $b, 16384)) {
		select(undef, undef, undef, 0.008);
		$n += length $b;
	}
	print STDERR "read $n bytes\n";' <"$T/fifo" 2>"$T/slow.err" &
PIDS+=($!)
"$BIN/xcap" -e raw -v "$SRC" </dev/null >"$T/fifo" 2>"$T/xcap.err" &
PIDS+=($!)
xp=$!
sleep 2
kill -0 "$xp" || fail "xcap died: $(cat "$T/xcap.err")"

c0=$(cpu_ns "$xp") s0=$(switches "$xp")
sleep 2
c1=$(cpu_ns "$xp") s1=$(switches "$xp")
kill -0 "$xp" || fail "xcap died: $(cat "$T/xcap.err")"
ms=$(((c1 - c0) / 1000000)) sw=$((s1 - s0))
echo "xcap waiting on a slow pipe reader for 2 s: ${ms} ms of CPU, $sw sleeps"
# looking every 100 us: ~6,100 sleeps and 132 ms of CPU here; backing off
# from 100 us to 2 ms: 620-660 sleeps, 13-18 ms (ASan and optimised alike)
[ "$sw" -le 2000 ] || fail "xcap woke $sw times in 2 s ($ms ms of CPU) waiting for its pipe to drain: polling?"
pass "xcap waiting for a slow pipe reader: $ms ms of CPU and $sw sleeps in 2 s"
