#!/usr/bin/env bash
# xcap splices raw pixels into a pipe from where its X server captured
# them (the SHM segment's two banks: a tile row damaged whole is held in
# the bank it was captured into, smaller damage is compared and folded
# into the held bank). Behind a slow reader the pipe keeps those pages
# long, and a page rewritten while the pipe held it (a capture into a
# spliced bank, a fold into a spliced row) reaches the viewer as a stale
# or torn band that no later frame repairs: xcap believes the viewer has
# those tiles and never sends them again. So: a source that changes
# faster than frames can go (tests/tools/churn: new pictures, the same
# picture again, full-width bands off the tile grid, parts, small rects),
# each pipeline drained at ~16 MB/s, and once the source holds still
# every viewer must equal it exactly: raw and auto into xpaint, and the
# seed's composition (xcap | shmring -w RING, xpaint -r RING).
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xcap" "$BIN/xpaint" "$BIN/shmring" "$TOOLS/churn"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
command -v perl >/dev/null || { echo "no perl"; exit 77; }

xvfb SRC 1024x768
# a viewer display each: a window another covers reads back as that one
xvfb DRAW 1280x1024
xvfb DAUTO 1280x1024
xvfb DSEED 1280x1024
R=/dev/shm/xs-test-churn.$$
trap 'rm -f "$R"; cleanup' EXIT

# slow: 64 KiB at a time, 4 ms apart
slow() { perl -e '$| = 1; while (sysread(STDIN, $b, 65536)) { syswrite(STDOUT, $b); select(undef, undef, undef, 0.004) }'; }

for e in raw auto; do
	( "$BIN/xcap" -e $e "$SRC" </dev/null 2>"$T/xcap.$e.err" | slow |
		DISPLAY=$([ $e = raw ] && echo "$DRAW" || echo "$DAUTO") exec "$BIN/xpaint" -t "churn-$e" >/dev/null \
		2>"$T/xpaint.$e.err" ) &
	PIDS+=($!)
done
( "$BIN/xcap" -e raw "$SRC" </dev/null 2>"$T/xcap.seed.err" | slow |
	exec "$BIN/shmring" -w "$R" -s 32M 2>"$T/shmring.err" ) &
PIDS+=($!)
waitfor 10 test -s "$R" || fail "shmring -w did not make the ring: $(cat "$T/shmring.err")"
DISPLAY=$DSEED "$BIN/xpaint" -t churn-seed -r "$R" >/dev/null 2>"$T/xpaint.seed.err" &
PIDS+=($!)
dst() { case $1 in raw) echo "$DRAW" ;; auto) echo "$DAUTO" ;; *) echo "$DSEED" ;; esac; }
for v in raw auto seed; do
	waitfor 10 winid "$(dst $v)" "churn-$v" || fail "$v: no viewer window: $(cat "$T/xpaint.$v.err")"
done

bg "$TOOLS/churn" -s "$SRC" -T 4 -x $((RANDOM + 1)) >"$T/churn.out" 2>"$T/churn.err"
waitfor 20 grep -q done "$T/churn.out" || fail "churn did not finish: $(cat "$T/churn.err")"
for v in raw auto seed; do
	settle "$SRC" "$(dst $v)" "$(winid "$(dst $v)" "churn-$v")" 30 ||
		fail "$v: the viewer differs from the still source (stale or torn band); $(cat "$T/churn.out")"
done
pass "raw, auto and the seed's composition behind a slow reader equal the source: $(cat "$T/churn.out")"
