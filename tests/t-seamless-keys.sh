#!/usr/bin/env bash
# xpaint's own keys in seamless windows, as in the whole-screen window:
# Ctrl+Shift+C (default -C in) gives the host the guest's CLIPBOARD, and
# Ctrl+Alt+F puts that window full screen and back; neither reaches the
# guest application (xkeyrec records what it gets), other keys still do.
# When the host pointer leaves the window the guest pointer leaves the
# guest window (else its tooltips show where the user is not).
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

# the host pointer leaves the window: the guest pointer leaves the guest
# window too (no hover, no tooltip where the user is not)
gptr() { DISPLAY=$GUEST xdotool getmouselocation | sed 's/^x:\([0-9]*\) y:\([0-9]*\) .*/\1 \2/'; }
in_rec() { read -r px py < <(gptr); [ "$px" -ge 50 ] && [ "$px" -lt 350 ] && [ "$py" -ge 50 ] && [ "$py" -lt 250 ]; }
xdotool mousemove --window "$W" 100 80
waitfor 10 eval '[ "$(gptr)" = "150 130" ]' || fail "pointer at 100,80 of the window, the guest's at $(gptr)"
xdotool mousemove 900 700
waitfor 10 eval '! in_rec' || fail "the host pointer left the window, the guest's stayed on it at $(gptr)"
xdotool mousemove --window "$W" 10 20
waitfor 10 eval '[ "$(gptr)" = "60 70" ]' || fail "pointer back at 10,20 of the window, the guest's at $(gptr)"
pass "Ctrl+Shift+C and Ctrl+Alt+F handled by xpaint in a seamless window, not forwarded; the guest pointer leaves with the host's"
