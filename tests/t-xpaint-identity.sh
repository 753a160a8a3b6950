#!/usr/bin/env bash
# Per-VM window identity (issue 11, as Qubes does it): the -t name
# prefixes every title the guest sets ("[vm] ..."), the guest can never set
# the title without it, nor move the host window (a resize keeps its
# place), nor grab the host keyboard (another client can grab it while
# xpaint has the focus and keys go through); the window is a normal
# managed one (no override-redirect) with the -b border around the picture;
# when the source goes, the window stays and its title says "(disconnected)".
. "$(dirname "$0")/lib.sh"
xvfb G 320x240
xvfb H 1024x768
bg env DISPLAY="$G" xterm -geometry 20x5+10+10 -title gterm -e 'exec sleep 300'
waitfor 10 winid "$G" gterm || fail "guest xterm"
GW=$(winid "$G" gterm)
bg env DISPLAY="$H" "$BIN/xpaint" -b red -t vm -- "$BIN/xcap" "$G" 2>"$T/xp.err"
XPV=${PIDS[-1]}
waitfor 10 winid "$H" vm || fail "no window: $(cat "$T/xp.err")"
WID=$(winid "$H" vm)
title() { DISPLAY=$H xprop -id "$WID" -notype _NET_WM_NAME | sed 's/^_NET_WM_NAME = //'; }
is_title() { [ "$(title)" = "$1" ]; }
is_title '"vm"' || fail "title before the guest names a window: $(title)"
DISPLAY=$G xdotool windowfocus --sync "$GW"
waitfor 10 is_title '"[vm] gterm"' || fail "focused guest window: title $(title)"
DISPLAY=$G xdotool set_window --name 'root shell' "$GW"
waitfor 10 is_title '"[vm] root shell"' || fail "renamed guest window: title $(title)"
DISPLAY=$G xprop -id "$GW" -f _NET_WM_NAME 8u -set _NET_WM_NAME "$(printf 'vm\nfake\tbank \xe2\x80\xae')"
waitfor 10 is_title '"[vm] vmfakebank "' || fail "hostile guest name: title $(title)"
DISPLAY=$H xprop -id "$WID" WM_ICON_NAME | grep -qF '"[vm] vmfakebank "' || fail "icon name without the prefix"
DISPLAY=$H xwininfo -id "$WID" | grep -q 'Override Redirect State: no' || fail "override-redirect window"

# a guest resize keeps the window's place; the border stays red
DISPLAY=$H xdotool windowmove "$WID" 123 77
pos() { DISPLAY=$H xwininfo -id "$WID" | awk '/Absolute upper-left X/ { x = $NF } /Absolute upper-left Y/ { y = $NF }
	/Width:/ { w = $NF } END { print w "+" x "+" y }'; }
is_pos() { [ "$(pos)" = "$1" ]; }
waitfor 5 is_pos 328+123+77 || fail "window at $(pos) before the guest resize"
mkfifo "$T/rs"
exec 3<>"$T/rs"
DISPLAY=$H "$BIN/xpaint" -b red -t vmr <"$T/rs" >/dev/null 2>"$T/r.err" &
PIDS+=($!)
"$TOOLS/xsgen" valid >&3
waitfor 10 winid "$H" vmr || fail "no window for the resize stream: $(cat "$T/r.err")"
RW=$(winid "$H" vmr)
DISPLAY=$H xdotool windowmove "$RW" 200 150
ppos() { DISPLAY=$H xwininfo -id "$RW" | awk '/Absolute upper-left X/ { x = $NF } /Absolute upper-left Y/ { y = $NF }
	/Width:/ { w = $NF } END { print w "+" x "+" y }'; }
is_ppos() { [ "$(ppos)" = "$1" ]; }
waitfor 5 is_ppos 328+200+150 || fail "window at $(ppos) before the guest resize"
"$TOOLS/xsgen" resize >&3 # a new hello at 200x100, then a resize to 300x150
waitfor 10 is_ppos 308+200+150 || fail "a guest resize: window at $(ppos), want 308 wide at +200+150"

# no keyboard grab: xpaint focused and forwarding keys, another client grabs
DISPLAY=$H xdotool windowfocus --sync "$WID" key a
DISPLAY=$H "$TOOLS/xgrab" >"$T/grab" || fail "the keyboard is grabbed while xpaint has the focus: $(cat "$T/grab")"

# the source goes (xcap killed): the window stays, its title says so
kill "$(pgrep -P "$XPV" -x xcap)"
waitfor 10 is_title '"[vm] vmfakebank  (disconnected)"' || fail "the source went, the title is $(title)"
DISPLAY=$H xprop -id "$WID" WM_ICON_NAME | grep -qF '(disconnected)' || fail "icon name without (disconnected)"
pass "[vm] prefix on every guest title (sanitised), icon name too, no override-redirect, a guest resize keeps the window's place, keyboard never grabbed, (disconnected) when the source goes"
