#!/usr/bin/env bash
# Seamless windows under a reparenting host window manager (openbox):
# placement round-trips exactly. Over several viewer starts a guest window
# stays where the guest has it and its host window (the client, inside
# openbox's frame) sits at the same place; a window the user moves on the
# host goes to exactly that place on the guest and stays there after
# another viewer start.   xpaint -t sm -- xcap -W GUEST
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$TOOLS/xkeyrec"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xdotool xwininfo openbox; do command -v $t >/dev/null || { echo "no $t (scripts/deps)"; exit 77; }; done
xvfb GUEST 800x600
xvfb HOST 1024x768
export DISPLAY=$HOST
bg openbox --sm-disable --config-file /etc/xdg/openbox/rc.xml
waitfor 10 eval 'xprop -root _NET_SUPPORTING_WM_CHECK | grep -q "window id"' || fail "openbox did not start"

bg env DISPLAY="$GUEST" "$TOOLS/xkeyrec" one 200x150+100+120 >/dev/null
bg env DISPLAY="$GUEST" "$TOOLS/xkeyrec" two 200x150+400+300 >/dev/null
waitfor 10 winid "$GUEST" two || fail "guest windows did not map"
abs() { DISPLAY=$1 xwininfo -id "$2" | awk '/Absolute upper-left X/ {x=$NF} /Absolute upper-left Y/ {y=$NF} END {print x "," y}'; }
gpos() { abs "$GUEST" "$(winid "$GUEST" "$1")"; }
hpos() { abs "$HOST" "$(winid "$HOST" "\\[sm\\] $1")"; }
framed() { xwininfo -tree -id "$(winid "$HOST" '\[sm\] one')" | grep -q 'Parent window id: .*(has no name)'; }

# viewer N: a new xpaint; both windows framed by openbox, each where the guest has it
viewer() {
	[ -z "${XP:-}" ] || { kill "$XP"; wait "$XP" 2>/dev/null || true; }
	"$BIN/xpaint" -v -t sm -- "$BIN/xcap" -v -W "$GUEST" >/dev/null 2>"$T/xp.$1.err" &
	XP=$!
	PIDS+=($XP)
	waitfor 15 eval 'winid "$HOST" "\\[sm\\] one" && winid "$HOST" "\\[sm\\] two"' || fail "start $1: no host windows: $(cat "$T/xp.$1.err")"
	waitfor 10 framed || fail "start $1: openbox did not frame the window"
	waitfor 15 grep -q 'input enabled' "$T/xp.$1.err" || fail "start $1: input never bound"
	sleep 0.5 # a drift would be asked of the guest now
}
at() { [ "$(gpos "$1")" = "$2" ] && [ "$(hpos "$1")" = "$2" ]; }
for i in 1 2 3 4; do
	viewer $i
	waitfor 5 at one 100,120 || fail "start $i: one on the guest at $(gpos one), on the host at $(hpos one), want 100,120 both"
	waitfor 5 at two 400,300 || fail "start $i: two on the guest at $(gpos two), on the host at $(hpos two), want 400,300 both"
done
echo "4 viewer starts: no drift"

# the user moves a host window (its client to 250,200): the guest follows exactly, and it stays
xdotool windowmove "$(winid "$HOST" '\[sm\] one')" 250 200
waitfor 10 at one 250,200 || fail "moved on the host to 250,200: guest $(gpos one), host $(hpos one)"
viewer 5
waitfor 5 at one 250,200 || fail "after a restart: guest $(gpos one), host $(hpos one), want 250,200"
pass "4 viewer starts under openbox without drift; a host move lands exactly on the guest and survives a restart"
