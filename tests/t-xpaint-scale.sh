#!/usr/bin/env bash
# xpaint -s: at 1:1 the picture is the source's, pixel for pixel (nearest
# and bilinear); with the window twice the size, nearest is each source
# pixel as a 2x2 block, exactly; a window of another aspect keeps the
# picture's, centred; pointer input is scaled back to surface coordinates;
# bilinear is smooth (close to nearest, not equal). Ctrl+Alt+F covers the
# host screen (no window manager: xpaint does it) and restores the window.
. "$(dirname "$0")/lib.sh"
xvfb G 320x240
xvfb H 1024x768
bg env DISPLAY="$G" xterm -geometry 30x8+10+10 -bg navy -fg yellow -title g -e 'echo scale me; exec sleep 300'
waitfor 10 winid "$G" g || fail "guest xterm"
bg env DISPLAY="$H" "$BIN/xpaint" -v -s nearest -t vm -- "$BIN/xcap" "$G" 2>"$T/xp.err"
waitfor 10 winid "$H" vm || fail "no window: $(cat "$T/xp.err")"
WID=$(winid "$H" vm)
waitfor 10 grep -q 'input enabled' "$T/xp.err" || fail "not bound: $(cat "$T/xp.err")"
settle "$G" "$H" "$WID" 10 || fail "nearest at 1:1 is not exact"
DISPLAY=$H xdotool windowsize "$WID" 640 480
settle "$G" "$H" "$WID" 10 -z 2 || fail "nearest 2x is not each pixel as a 2x2 block"
DISPLAY=$H xdotool mousemove --window "$WID" 201 101
waitfor 5 sh -c "DISPLAY=$G xdotool getmouselocation | grep -q 'x:100 y:50 '" ||
	fail "pointer at 201,101 of the 2x window is not 100,50 in the guest: $(DISPLAY=$G xdotool getmouselocation)"
DISPLAY=$H xdotool windowsize "$WID" 700 480
settle "$G" "$H" "$WID" 10 -z 2 -b 30,0 || fail "700x480: picture not 640x480 centred"

# full screen and back
DISPLAY=$H xdotool windowmove "$WID" 50 60
geom() { DISPLAY=$H xwininfo -id "$WID" | awk '/Absolute upper-left X/ { x = $NF } /Absolute upper-left Y/ { y = $NF }
	/Width:/ { w = $NF } /Height:/ { h = $NF } END { print w "x" h "+" x "+" y }'; }
is_geom() { [ "$(geom)" = "$1" ]; }
waitfor 5 is_geom 700x480+50+60 || fail "window at $(geom)"
DISPLAY=$H xdotool windowfocus --sync "$WID" key --clearmodifiers ctrl+alt+f
waitfor 5 is_geom 1024x768+0+0 || fail "Ctrl+Alt+F: window at $(geom), not the screen"
DISPLAY=$H xdotool key --clearmodifiers ctrl+alt+f
waitfor 5 is_geom 700x480+50+60 || fail "Ctrl+Alt+F again: window at $(geom), not restored"

# bilinear: exact at 1:1, smooth at 2x
bg env DISPLAY="$H" "$BIN/xpaint" -s bilinear -t vmb -- "$BIN/xcap" "$G" 2>"$T/xpb.err"
waitfor 10 winid "$H" vmb || fail "no bilinear window: $(cat "$T/xpb.err")"
WB=$(winid "$H" vmb)
settle "$G" "$H" "$WB" 10 || fail "bilinear at 1:1 is not exact"
DISPLAY=$H xdotool windowsize "$WB" 640 480
settle "$G" "$H" "$WB" 10 -z 2 -p 20 || fail "bilinear 2x far from the picture"
same_picture "$G" "$H" "$WB" -z 2 && fail "bilinear 2x equals nearest: no filtering"
pass "1:1 exact (nearest, bilinear), nearest 2x exact, aspect kept, pointer scaled, full screen and back, bilinear smooth ($(cat "$T/cmp.out"))"
