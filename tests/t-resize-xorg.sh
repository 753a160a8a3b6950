#!/usr/bin/env bash
# Host-driven resize on a real X server that allows it: Xorg with the
# dummy driver as the guest display. The xpaint -R window is resized on
# the host several times in quick succession; xpaint asks once, for the
# last size (debounced), xcap applies it with RandR, the stream follows
# (a resize record) and the picture is the guest's, pixel for pixel, at
# the new size. (Xvfb's refusal is in t-xcap-control.)
. "$(dirname "$0")/lib.sh"
xorg_dummy G
xvfb H 1280x1024
bg env DISPLAY="$G" xterm -geometry 60x10+20+20 -bg navy -fg yellow -title guestterm -e 'echo resize me; exec sleep 300'
bg env DISPLAY="$H" "$BIN/xpaint" -v -R -t vm -- "$BIN/xcap" -v "$G" 2>"$T/xp.err"
waitfor 10 winid "$H" vm || fail "no xpaint window: $(cat "$T/xp.err")"
WID=$(winid "$H" vm)
settle "$G" "$H" "$WID" 10 || fail "picture before the resize"
size() { DISPLAY=$1 xdpyinfo | awk '/dimensions:/ { print $2 }'; }
sized() { [ "$(size "$1")" = "$2" ]; }
[ "$(size "$G")" = 640x480 ] || fail "guest starts at $(size "$G")"

t0=$(date +%s%N)
for s in "700 500" "760 540" "800 600"; do
	DISPLAY=$H xdotool windowsize "$WID" $s
	sleep 0.03
done
waitfor 10 sized "$G" 800x600 || fail "guest is $(size "$G"), not 800x600: $(cat "$T/xp.err")"
waitfor 10 grep -q 'xpaint: resize to 800x600' "$T/xp.err" || fail "the stream did not follow: $(cat "$T/xp.err")"
t1=$(date +%s%N)
settle "$G" "$H" "$WID" 10 || fail "picture after the resize"
[ "$(grep -c 'asking the source for' "$T/xp.err")" = 1 ] && grep -q 'asking the source for 800x600' "$T/xp.err" ||
	fail "not one request for the last size: $(grep asking "$T/xp.err")"
# and back down, once more
DISPLAY=$H xdotool windowsize "$WID" 512 384
waitfor 10 sized "$G" 512x384 || fail "guest is $(size "$G"), not 512x384"
settle "$G" "$H" "$WID" 10 || fail "picture after the second resize"
pass "Xorg dummy up in $XORG_MS ms; three host resizes, one request, guest 800x600 and pixel-exact $(((t1 - t0) / 1000000)) ms after the first; 512x384 too"
