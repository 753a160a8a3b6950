#!/usr/bin/env bash
# Seamless windows minimized and restored, both ways, and their icons
# (xpaint -- xcap -W):
# a guest client that iconifies itself (XIconifyWindow: WM_CHANGE_STATE to
# the root; the guest runs no window manager, so xcap does what one would:
# WM_STATE Iconic and an unmap) leaves its host window iconified, not
# destroyed (no host window manager either: xpaint unmaps it), and mapped
# again it comes back pixel exact; a host window the host's window manager
# iconifies (here the test does what one does: WM_STATE Iconic, then the
# unmap) iconifies the guest window, and mapped again on the host restores
# it in the guest, pixel exact. Nothing else is touched meanwhile. A
# guest icon (_NET_WM_ICON) becomes the host window's, the largest that
# fits 64x64, exactly.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$TOOLS/xwdcmp"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xterm xdotool xwd xwininfo xprop; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
trap cleanup EXIT

xvfb GUEST 800x600
xvfb HOST 1024x768
state() { DISPLAY=$1 xwininfo -id "$2" | awk '/Map State/ {print $NF}'; }
wmstate() { DISPLAY=$GUEST xprop -id "$1" WM_STATE | awk '/window state/ {print $NF}'; }
same() {
	xwd -silent -nobdrs -id "$G" -display "$GUEST" >"$T/g.xwd" && xwd -silent -id "$H" -display "$HOST" >"$T/h.xwd" &&
		"$TOOLS/xwdcmp" "$T/g.xwd" "$T/h.xwd" >"$T/cmp.out"
}

bg env DISPLAY="$GUEST" xterm -geometry 30x6+10+10 -title icy -e sh -c 'echo iconify me; exec sleep 300'
bg env DISPLAY="$GUEST" xterm -geometry 30x6+10+300 -bg navy -fg yellow -title other -e 'exec sleep 300'
waitfor 10 winid "$GUEST" icy || fail "guest xterm did not map"
waitfor 10 winid "$GUEST" other || fail "second guest xterm did not map"
DISPLAY=$HOST "$BIN/xpaint" -v -t vm -- "$BIN/xcap" -v -W "$GUEST" >/dev/null 2>"$T/xp.err" &
PIDS+=($!)
waitfor 10 winid "$HOST" "\\[vm\\] icy" || fail "no host window for icy: $(cat "$T/xp.err")"
G=$(winid "$GUEST" icy) H=$(winid "$HOST" "\\[vm\\] icy") O=$(winid "$HOST" "\\[vm\\] other")
waitfor 10 same || fail "icy not shown exactly: $(cat "$T/cmp.out")"

# its icon: of a 2x2, a 3x3 and a 100x100, the largest within 64x64, exact
i3="3, 3, $(seq -s ', ' 4278190080 4278190088)"
i100="100, 100, $(seq -s ', ' 4278190080 4278200079)"
DISPLAY=$GUEST xprop -id "$G" -f _NET_WM_ICON 32c -set _NET_WM_ICON "2, 2, 1, 2, 3, 4, $i3, $i100"
icon() { DISPLAY=$HOST xprop -id "$H" -notype -f _NET_WM_ICON 32c ' $0+' _NET_WM_ICON; }
waitfor 5 eval '[ "$(icon)" = "_NET_WM_ICON $i3" ]' || fail "host icon: '$(icon | cut -c1-80)', want the 3x3 one"

# the guest client iconifies itself
DISPLAY=$GUEST xdotool windowminimize "$G"
waitfor 5 eval '[ "$(state "$GUEST" "$G")" = IsUnMapped ]' || fail "guest: icy still $(state "$GUEST" "$G") after XIconifyWindow"
[ "$(wmstate "$G")" = Iconic ] || fail "guest: icy's WM_STATE is '$(wmstate "$G")', want Iconic"
waitfor 5 eval '[ "$(state "$HOST" "$H")" = IsUnMapped ]' || fail "host: icy still $(state "$HOST" "$H"): $(tail -3 "$T/xp.err")"
[ "$(winid "$HOST" "\\[vm\\] icy")" = "$H" ] || fail "host: icy's window was destroyed, not iconified"
[ "$(state "$HOST" "$O")" = IsViewable ] || fail "host: the other window went too"
# mapped again in the guest: back on the host, the same window, exact
DISPLAY=$GUEST xdotool windowmap "$G"
waitfor 5 eval '[ "$(state "$HOST" "$H")" = IsViewable ]' || fail "host: icy not back after the guest mapped it"
waitfor 10 same || fail "icy not exact after its restore in the guest: $(cat "$T/cmp.out")"
[ "$(wmstate "$G")" = Normal ] || fail "guest: icy's WM_STATE is '$(wmstate "$G")' after the restore, want Normal"

# minimized on the host (as a window manager does it): the guest follows
DISPLAY=$HOST xprop -id "$H" -f WM_STATE 32c -set WM_STATE 3,0
DISPLAY=$HOST xdotool windowunmap "$H"
waitfor 5 eval '[ "$(state "$GUEST" "$G")" = IsUnMapped ]' || fail "guest: icy still $(state "$GUEST" "$G") after the host minimized it: $(tail -3 "$T/xp.err")"
[ "$(wmstate "$G")" = Iconic ] || fail "guest: icy's WM_STATE is '$(wmstate "$G")', want Iconic"
[ "$(state "$GUEST" "$(winid "$GUEST" other)")" = IsViewable ] || fail "guest: the other window went too"
# restored on the host: mapped again in the guest, exact
DISPLAY=$HOST xprop -id "$H" -f WM_STATE 32c -set WM_STATE 1,0
DISPLAY=$HOST xdotool windowmap "$H"
waitfor 5 eval '[ "$(state "$GUEST" "$G")" = IsViewable ]' || fail "guest: icy not restored after the host mapped it: $(tail -3 "$T/xp.err")"
waitfor 10 same || fail "icy not exact after its restore on the host: $(cat "$T/cmp.out")"
[ "$(DISPLAY=$HOST xdotool search --name '^\[vm\] ' | wc -l)" -eq 2 ] || fail "host windows: want 2"
pass "icon exact; guest-iconified window kept and restored, host minimize and restore reach the guest, pixel exact"
