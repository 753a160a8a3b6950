#!/usr/bin/env bash
# The host's clipboard is offered to the guest (default -C in) whenever
# host keys reach xpaint's window, under every kind of host focus:
#  - no window manager (the focus is PointerRoot: moving the pointer in
#    makes no FocusIn at all, only an EnterNotify with its focus flag);
#  - twm with a focus-follows-mouse configuration (no TitleFocus: the
#    focus stays PointerRoot), seamless windows.
# When the pointer leaves, a new host copy is not offered, and a guest
# paste of it gets nothing.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xdotool xclip xterm twm; do command -v $t >/dev/null || { echo "no $t (scripts/deps)"; exit 77; }; done
xvfb GUEST 320x240
xvfb HOST 800x600
copy() { bg env DISPLAY="$HOST" xclip -quiet -selection clipboard -i "$1" >/dev/null 2>&1; }
pasted() { DISPLAY=$GUEST timeout 5 xclip -selection clipboard -o >"$T/got" 2>/dev/null && cmp -s "$1" "$T/got"; }
export DISPLAY=$HOST

# case NAME TITLE: the pointer into the window titled TITLE, a host copy
# reaches the guest; the pointer out, the next copy does not.
case_() {
	local w
	w=$(winid "$HOST" "$2")
	xdotool mousemove 790 590 mousemove --window "$w" 30 30
	printf '%s: host in' "$1" >"$T/in.$1"
	copy "$T/in.$1"
	waitfor 10 pasted "$T/in.$1" || fail "$1: pointer in the window, the guest did not get the host's copy (got '$(cat "$T/got")'): $(grep clipboard "$T/xp.$1.err" | tail -3)"
	xdotool mousemove 790 590
	sleep 0.3
	printf '%s: host out' "$1" >"$T/out.$1"
	copy "$T/out.$1"
	sleep 1
	! pasted "$T/out.$1" || fail "$1: pointer out of the window, the guest still got the host's copy"
	echo "$1: offered with the pointer in, not with it out"
}

# no window manager: whole screen
bg "$BIN/xpaint" -v -t whole -- "$BIN/xcap" -v "$GUEST" 2>"$T/xp.nowm.err"
XP=$!
waitfor 10 winid "$HOST" whole || fail "no xpaint window: $(cat "$T/xp.nowm.err")"
waitfor 10 grep -q 'clipboard on' "$T/xp.nowm.err" || fail "clipboard not negotiated: $(cat "$T/xp.nowm.err")"
case_ nowm whole
kill $XP
wait $XP 2>/dev/null || true

# twm, focus follows the mouse (PointerRoot), seamless windows
cat >"$T/twmrc" <<'TWM'
NoTitleFocus
RandomPlacement
UsePPosition "on"
TitleFont "fixed"
ResizeFont "fixed"
MenuFont "fixed"
IconFont "fixed"
IconManagerFont "fixed"
TWM
bg env LC_ALL=C twm -f "$T/twmrc" 2>"$T/twm.err" # twm's default fonts are not on a bare machine
bg env DISPLAY="$GUEST" xterm -geometry 20x4+10+10 -title gx -e 'exec sleep 300'
waitfor 10 winid "$GUEST" gx || fail "guest xterm did not map"
bg "$BIN/xpaint" -v -t sm -- "$BIN/xcap" -v -W "$GUEST" 2>"$T/xp.twm.err"
waitfor 10 winid "$HOST" '\[sm\] gx' || fail "no seamless window: $(cat "$T/xp.twm.err")"
waitfor 10 grep -q 'clipboard on' "$T/xp.twm.err" || fail "clipboard not negotiated: $(cat "$T/xp.twm.err")"
framed() { xwininfo -tree -id "$(winid "$HOST" '\[sm\] gx')" | grep -q 'Parent window id: 0x[0-9a-f]* (has no name)'; }
waitfor 10 framed || fail "twm did not frame the seamless window: $(xwininfo -tree -id "$(winid "$HOST" '\[sm\] gx')" | grep Parent)"
case_ twm '\[sm\] gx'
pass "host clipboard offered under PointerRoot focus: no WM (whole screen), twm (seamless)"
