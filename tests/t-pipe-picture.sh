#!/usr/bin/env bash
# xcap | xpaint on two Xvfb displays while real clients draw on the source
# (xterm printing, x11perf, xdotool moving, unmapping, mapping): once the
# source is still, the viewer window equals the source root exactly for
# raw, lz4 and auto (-q 70: jpeg while moving, lossless once still), and
# within PSNR 30 dB for jpeg -q 85 (text at q85 4:2:0 measures 40-44 dB).
# The source's cursor shape reaches the viewer window (XFixes on both
# displays), and a recorded stream replays to the same picture.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$TOOLS/xscursor"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
ENCS=${ENCS:-raw lz4 jpeg auto}

xvfb SRC 800x600
xvfb DST 1024x768
mover_xterm

for e in $ENCS; do
	case $e in
	raw) opts="-e raw" cmp="" ;;
	lz4) opts="-e lz4" cmp="" ;;
	jpeg) opts="-e jpeg -q 85" cmp="-p 30" ;;
	auto) opts="-e auto -q 70" cmp="" ;;
	esac
	( exec "$BIN/xcap" $opts "$SRC" </dev/null 2>"$T/xcap.$e.err" | DISPLAY=$DST "$BIN/xpaint" -t "xs-test-$e" 2>"$T/xpaint.$e.err" >/dev/null ) &
	PIDS+=($!)
	pipe=$!
	waitfor 10 winid "$DST" "xs-test-$e" || fail "$e: no viewer window: $(cat "$T/xpaint.$e.err")"
	source_activity "$e"
	settle "$SRC" "$DST" "$(winid "$DST" "xs-test-$e")" 15 $cmp || fail "$e: viewer did not settle on the source"
	echo "$e: $(cat "$T/cmp.out")"
	if [ "$e" = raw ]; then
		# cursor: pointer over the source xterm and over the viewer's copy of it
		DISPLAY=$SRC xdotool mousemove 450 320
		wid=$(winid "$DST" "xs-test-$e")
		DISPLAY=$DST xdotool mousemove --window "$wid" 450 320
		same_cursor() { [ "$("$TOOLS/xscursor" "$SRC")" = "$("$TOOLS/xscursor" "$DST")" ]; }
		waitfor 10 same_cursor || fail "cursor differs: source $("$TOOLS/xscursor" "$SRC"), viewer $("$TOOLS/xscursor" "$DST")"
		echo "cursor: $("$TOOLS/xscursor" "$DST")"
	fi
	pkill -TERM -P "$pipe" 2>/dev/null || true
	kill "$pipe" 2>/dev/null || true
	wait "$pipe" 2>/dev/null || true
done

# Record while the source changes, then replay the file.
"$BIN/xcap" -e lz4 "$SRC" </dev/null >"$T/rec.xcs" 2>"$T/rec.err" & PIDS+=($!)
rec=$!
source_activity rec
waitfor 10 sh -c "'$TOOLS/xsdump' -q -p -o '$T/rec.xwd' '$T/rec.xcs' >/dev/null && xwd -silent -root -display '$SRC' >'$T/root.xwd' && '$TOOLS/xwdcmp' '$T/root.xwd' '$T/rec.xwd'" ||
	fail "recording did not catch up with the source"
kill -TERM "$rec"
wait "$rec" || fail "xcap exited $? on SIGTERM"
DISPLAY=$DST "$BIN/xpaint" -t replay <"$T/rec.xcs" 2>"$T/replay.err" >/dev/null & PIDS+=($!)
waitfor 10 winid "$DST" replay || fail "no replay window: $(cat "$T/replay.err")"
settle "$SRC" "$DST" "$(winid "$DST" replay)" 10 || fail "replay differs from the source"
DISPLAY=$DST timeout 20 "$BIN/xpaint" -x -t replay-x <"$T/rec.xcs" 2>"$T/replayx.err" >/dev/null || fail "xpaint -x did not exit 0 at EOF: $(cat "$T/replayx.err")"
pass "$ENCS, cursor, record and replay"
