#!/usr/bin/env bash
# xpaint's own keys in seamless windows, as in the whole-screen window:
# Ctrl+Shift+C (default -C in) gives the host the guest's CLIPBOARD, and
# Ctrl+Alt+F puts that window full screen and back; neither reaches the
# guest application (xkeyrec records what it gets), other keys still do.
#   xpaint -t sm -- xcap -W GUEST    (no host window manager)
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$TOOLS/xkeyrec"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xdotool xclip xwininfo; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
xvfb GUEST 640x480
xvfb HOST 1024x768

bg env DISPLAY="$GUEST" "$TOOLS/xkeyrec" rec 300x200+50+50 >"$T/rec.log"
waitfor 10 winid "$GUEST" rec || fail "guest recorder did not map"
DISPLAY=$HOST "$BIN/xpaint" -v -t sm -- "$BIN/xcap" -v -W "$GUEST" >/dev/null 2>"$T/xp.err" &
PIDS+=($!)
waitfor 15 winid "$HOST" '\[sm\] rec' || fail "no seamless window: $(cat "$T/xp.err")"
waitfor 15 grep -q 'input enabled' "$T/xp.err" || fail "input never bound: $(cat "$T/xp.err")"
W=$(winid "$HOST" '\[sm\] rec')
export DISPLAY=$HOST
# typed: the recorder's keys, modifiers left out, on one line
typed() { grep -Ev '^(Shift|Control|Alt|Meta|Super)' "$T/rec.log" | awk '{ printf "%s ", $1 }'; }
geom() { xwininfo -id "$W" | awk '/Width/ {w=$NF} /Height/ {h=$NF} END {print w "x" h}'; }
xdotool windowfocus --sync "$W" mousemove --window "$W" 20 20 key a
waitfor 10 eval '[ "$(typed)" = "a " ]' || fail "a typed, the guest got '$(typed)'"

# Ctrl+Shift+C: the guest's copy becomes the host's
printf 'from the guest' >"$T/g"
bg env DISPLAY="$GUEST" xclip -quiet -selection clipboard -i "$T/g"
waitfor 10 grep -q 'Ctrl+Shift+C takes it' "$T/xp.err" || fail "guest offer not seen: $(tail -3 "$T/xp.err")"
xdotool key ctrl+shift+c
got() { timeout 5 xclip -selection clipboard -o >"$T/got" 2>/dev/null && cmp -s "$T/g" "$T/got"; }
waitfor 10 got || fail "Ctrl+Shift+C in a seamless window did not give the host the guest's clipboard (keys there: '$(typed)')"

# Ctrl+Alt+F: full screen, and back
xdotool key ctrl+alt+f
waitfor 10 eval '[ "$(geom)" = 1024x768 ]' || fail "Ctrl+Alt+F: the window is $(geom), not the host screen"
xdotool key ctrl+alt+f
waitfor 10 eval '[ "$(geom)" = 300x200 ]' || fail "Ctrl+Alt+F again: the window is $(geom), not 300x200"
xdotool windowfocus --sync "$W" key b
waitfor 10 eval '[ "$(typed)" = "a b " ]' || fail "the guest got '$(typed)', want 'a b ' (xpaint's keys are not forwarded)"
pass "Ctrl+Shift+C and Ctrl+Alt+F handled by xpaint in a seamless window, not forwarded"
