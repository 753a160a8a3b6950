#!/usr/bin/env bash
# xcap follows a busy source (xterm printing, x11perf, xdotool moving,
# unmapping and mapping windows) in each encoding; the recorded stream,
# replayed by xsdump, ends on the source's picture: exactly for raw, lz4
# and auto (its jpeg areas get a lossless refresh once still), and for
# jpeg (-q 85) within PSNR 30 dB (q85 4:2:0 on text measures about 40-44).
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/xsdump" ] || { echo "no $TOOLS/xsdump"; exit 77; }
ENCS=${ENCS:-raw lz4 jpeg auto}

# settled FILE CMP-ARGS...: the stream so far renders to the source's root.
settled() {
	local f=$1; shift
	"$TOOLS/xsdump" -q -p -o "$T/view.xwd" "$f" >/dev/null || return 1
	xwd -silent -root -display "$SRC" >"$T/root.xwd"
	"$TOOLS/xwdcmp" "$T/root.xwd" "$T/view.xwd" "$@" >"$T/cmp.out"
}
mapped() { [ -n "$(winid "$SRC" "$1")" ]; }

one() {
	local enc=$1 opts=$2 cmp=$3 f=$T/$1.xcs
	xvfb SRC 800x600
	"$BIN/xcap" $opts "$SRC" >"$f" 2>"$T/$enc.err" </dev/null & PIDS+=($!)
	local xcap=$!
	bg env DISPLAY="$SRC" xterm -geometry 80x24+5+5 -title busy \
		-e "ls -lR /usr/share/doc | head -1500; touch $T/$enc.done; exec sleep 100"
	bg env DISPLAY="$SRC" xterm -geometry 30x8+400+300 -bg navy -fg yellow -title mover -e 'exec sleep 100'
	waitfor 10 mapped mover || fail "$enc: xterm did not map"
	local wid
	wid=$(winid "$SRC" mover)
	DISPLAY=$SRC x11perf -repeat 1 -reps 40 -rect100 -seg100 -copywinwin100 >/dev/null 2>&1 ||
		fail "$enc: x11perf failed"
	DISPLAY=$SRC xdotool windowmove "$wid" 100 350 windowunmap --sync "$wid" windowmap --sync "$wid" \
		windowmove "$wid" 450 50
	waitfor 20 test -e "$T/$enc.done" || fail "$enc: xterm did not finish"
	waitfor 15 settled "$f" $cmp || fail "$enc: picture did not settle: $(cat "$T/cmp.out" 2>/dev/null)"
	kill -0 "$xcap" || fail "$enc: xcap died: $(cat "$T/$enc.err")"
	echo "$enc: $("$TOOLS/xsdump" -q -p "$f" | sed 's/^summary: //'); $(cat "$T/cmp.out")"
}

for e in $ENCS; do
	case $e in
	raw) one raw "-e raw ${XCAPDBG:-}" "" ;;
	lz4) one lz4 "-e lz4" "" ;;
	jpeg) one jpeg "-e jpeg -q 85" "-p 30" ;;
	auto) one auto "-e auto -q 70" "" ;;
	esac
done
pass "$ENCS"
