#!/usr/bin/env bash
# Seamless: every visible pixel of a host window is clickable and lands on
# the same pixel of its guest window, wherever the host puts the window.
# The guest screen (640x480) is smaller than the host's (1024x768): xpaint
# asks the guest to grow it to the host's size (RandR, as Xpra does: Xorg
# with the dummy driver when root can run it); where the guest cannot
# (Xvfb without RANDR), a host window moved beyond the guest
# screen keeps its place on the host while its guest window is kept
# inside the guest screen. xkeyrec on the guest records where the
# clicks land.   xpaint -t sm -- xcap -W GUEST
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$TOOLS/xkeyrec"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xdotool xwininfo; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
xvfb HOST 1024x768
export DISPLAY=$HOST
abs() { DISPLAY=$1 xwininfo -id "$2" | awk '/Absolute upper-left X/ {x=$NF} /Absolute upper-left Y/ {y=$NF} END {print x "," y}'; }

# run NAME GUEST: a recorder on GUEST, its host window moved to 800,600
# (the guest screen ends at 640,480), clicks at three of its pixels.
run() {
	local n=$1 g=$2 w
	bg env DISPLAY="$g" "$TOOLS/xkeyrec" "rec$n" 200x150+400+300 >"$T/rec.$n"
	waitfor 10 winid "$g" "rec$n" || fail "$n: guest recorder did not map"
	"$BIN/xpaint" -v -t "$n" -- "$BIN/xcap" -v -W "$g" >/dev/null 2>"$T/xp.$n.err" &
	XP=$!
	PIDS+=($XP)
	waitfor 15 winid "$HOST" "\\[$n\\] rec$n" || fail "$n: no seamless window: $(cat "$T/xp.$n.err")"
	waitfor 15 grep -q 'input enabled' "$T/xp.$n.err" || fail "$n: input never bound: $(cat "$T/xp.$n.err")"
	w=$(winid "$HOST" "\\[$n\\] rec$n")
	xdotool windowmove "$w" 800 600
	waitfor 10 eval '[ "$(abs "$HOST" "$w")" = 800,600 ]' || fail "$n: the host window is at $(abs "$HOST" "$w")"
	sleep 0.5 # the guest answers the move
	[ "$(abs "$HOST" "$w")" = 800,600 ] || fail "$n: the host window went back to $(abs "$HOST" "$w")"
	xdotool mousemove --window "$w" 5 5 click 1 mousemove --window "$w" 150 120 click 1 mousemove --window "$w" 199 149 click 3
	waitfor 10 eval '[ "$(grep -c button "$T/rec.$n")" -ge 3 ]' || fail "$n: $(grep -c button "$T/rec.$n") of 3 clicks reached the guest window: $(tail -3 "$T/xp.$n.err")"
	[ "$(grep button "$T/rec.$n" | tr '\n' ' ')" = "button 1 5,5 button 1 150,120 button 3 199,149 " ] ||
		fail "$n: clicks at 5,5 150,120 199,149 of the host window landed at $(grep button "$T/rec.$n" | tr '\n' ' ') (guest window at $(abs "$g" "$(winid "$g" "rec$n")"))"
	kill $XP
	wait $XP 2>/dev/null || true
	echo "$n: 3 clicks beyond the guest screen landed on their pixels (guest window at $(abs "$g" "$(winid "$g" "rec$n")"))"
}

# a guest that can grow (Xorg with the dummy driver; Xvfb cannot): its
# screen becomes the host's, the guest window goes where the host has it
if [ "$(id -u)" = 0 ] && command -v Xorg >/dev/null && [ -e /usr/lib/xorg/modules/drivers/dummy_drv.so ]; then
	xorg_dummy GROW
	run grow "$GROW"
	grep -q 'resize to 1024x768 requested' "$T/xp.grow.err" || fail "grow: the guest screen was not grown: $(grep -i resize "$T/xp.grow.err")"
	[ "$(abs "$GROW" "$(winid "$GROW" recgrow)")" = 800,600 ] || fail "grow: the guest window is at $(abs "$GROW" "$(winid "$GROW" recgrow)"), want 800,600"
else
	echo "grow: not run (Xorg with the dummy driver needs root and xserver-xorg-video-dummy)"
fi

# a guest without RANDR: its screen stays 640x480
mkfifo "$T/fixed.fd"
Xvfb -displayfd 3 -screen 0 640x480x24 -nolisten tcp -noreset +extension DAMAGE -extension RANDR 3>"$T/fixed.fd" 2>"$T/xvfb.fixed.log" &
PIDS+=($!)
read -r -t 10 n <"$T/fixed.fd" || fail "Xvfb without RANDR did not start: $(cat "$T/xvfb.fixed.log")"
run fixed ":$n"
grep -q 'resize to 1024x768 refused' "$T/xp.fixed.err" || fail "fixed: no refusal said: $(grep -i resize "$T/xp.fixed.err")"
[ "$(abs ":$n" "$(winid ":$n" recfixed)")" = 440,330 ] || fail "fixed: the guest window is at $(abs ":$n" "$(winid ":$n" recfixed)"), want 440,330 (inside)"
pass "clicks beyond the guest screen land on their pixels: guest screen grown (RandR), or guest window kept inside"
