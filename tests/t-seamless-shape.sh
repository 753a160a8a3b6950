#!/usr/bin/env bash
# Shaped windows (XShape): xeyes on the guest, seamless through a pipe. Its
# host window takes the guest window's bounding shape: at a corner of its
# rectangle, where xeyes has no pixels, the host shows what lies under it
# (a red host window), and in the middle of each eye the same pixel as the
# guest. Without the shape the host showed xeyes' whole rectangle.
#   xpaint -t sm -- xcap -W GUEST    (no host window manager)
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$TOOLS/xwdcmp"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xeyes xterm xdotool xwd xwininfo; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
xvfb GUEST 640x480
xvfb HOST 1024x768
export DISPLAY=$HOST
bg xterm -geometry 80x30+0+0 -bg red -fg red -title under -e 'exec sleep 300'
waitfor 10 winid "$HOST" under || fail "host xterm did not map"
bg env DISPLAY="$GUEST" xeyes -geometry 200x100+100+100
waitfor 10 eval 'DISPLAY=$GUEST xdotool search --class xeyes' || fail "xeyes did not map"
"$BIN/xpaint" -v -t sm -- "$BIN/xcap" -v -W "$GUEST" >/dev/null 2>"$T/xp.err" &
PIDS+=($!)
waitfor 15 eval 'xwininfo -root -children | grep -q "\"\\[sm\\] "' || fail "no host window for xeyes: $(cat "$T/xp.err")"
# same X Y: guest and host show the same pixel at X Y
same() {
	xwd -silent -root -display "$GUEST" >"$T/g.xwd" && xwd -silent -root -display "$HOST" >"$T/h.xwd" &&
		"$TOOLS/xwdcmp" "$T/g.xwd" "$T/h.xwd" -a "$1,$2" -b "$1,$2" -s 1x1 >"$T/cmp.out"
}
# under X Y: the host shows there what it shows at 450,350 (the red
# window, beside xeyes)
under() {
	xwd -silent -root -display "$HOST" >"$T/h.xwd" &&
		"$TOOLS/xwdcmp" "$T/h.xwd" "$T/h.xwd" -a "$1,$2" -b 450,350 -s 1x1 >"$T/cmp.out"
}
waitfor 10 same 150 150 || fail "the left eye differs: $(cat "$T/cmp.out")"
waitfor 10 same 250 150 || fail "the right eye differs: $(cat "$T/cmp.out")"
for p in "101 101" "298 101" "101 198" "298 198" "200 102"; do
	waitfor 10 under $p || fail "at $p, outside xeyes' shape, the host does not show the window under it: $(cat "$T/cmp.out")"
done
pass "xeyes' shape on the host: its eyes as on the guest, the red window under it seen at 5 points outside them"
