#!/usr/bin/env bash
# Held modifiers reach the guest application: every combination of Shift,
# Ctrl, Alt and Super on letters, digits, symbols, arrows, Home/End/PageUp,
# function keys, Insert, Return, Tab, Space and the keypad, typed by
# xdotool into xpaint on the host, recorded on the guest by xkeyrec (what
# XLookupString gives an application there: keysym and state). The
# reference is the same recorder on the host, fed the same keys: the guest
# must see what a host application sees. Whole screen and seamless
# (xpaint -- xcap [-W] GUEST), us and de guest layouts (the host stays us:
# with de, a keysym such as @ needs AltGr and no Shift on the guest, so
# for digits and symbols Shift is not compared, everything else is).
# Key repeat cannot add a key under load: the host's autorepeat is off
# here (a host repeat is forwarded, and the reference run and the guest
# runs would differ), and the guest's is off while xcap has a controller
# (checked below; t-keys-repeat tests repeat itself).
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$TOOLS/xkeyrec"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xdotool setxkbmap; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done

xvfb GUEST 640x480
xvfb HOST 1024x768
[ "$(DISPLAY=$HOST "$TOOLS/xkeyrec" -a off)" = "autorepeat off" ] || fail "cannot turn the host's autorepeat off"
# guest_norepeat MODE: xcap has turned the guest's autorepeat off
guest_norepeat() {
	[ "$(DISPLAY=$GUEST "$TOOLS/xkeyrec" -a)" = "autorepeat off" ] || fail "$1: guest autorepeat on with a controller attached"
}

# The keys; SYMS are those whose keysym a de guest makes with other modifiers.
SYMS="1 2 7 minus slash bracketleft comma"
KEYS="a q z $SYMS Left Right Up Down Home End Prior F1 F10 F12 Insert Return Tab space KP_End KP_Begin KP_Enter"
seq=()
for m in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	p=
	((m & 1)) && p+=shift+
	((m & 2)) && p+=ctrl+
	((m & 4)) && p+=alt+
	((m & 8)) && p+=super+
	for k in $KEYS; do
		[[ $p == *ctrl+alt+* && $k == F* ]] && continue # the X server's VT switch: never delivered
		seq+=("$p$k")
	done
done
seq+=(Pause) # the end

# play WID LOG: the keys into host window WID (pointer on it), until LOG has the end.
play() {
	DISPLAY=$HOST xdotool windowfocus --sync "$1" mousemove --window "$1" 100 100
	sleep 0.3
	DISPLAY=$HOST xdotool key --delay 4 "${seq[@]}"
	waitfor 60 grep -q '^Pause ' "$2" || fail "the end key never reached the recorder: $(tail -3 "$2")"
}
# keys LOG [SYMMASK]: the recorded presses, modifier keys left out (xcap
# may press and release Shift or AltGr around a key to make its keysym),
# state masked to Shift, Control, Mod1, Mod4; for SYMS keysyms to SYMMASK.
keys() {
	local k st m sm=${2:-0x4d} syms=" $SYMS exclam at ampersand underscore question braceleft less "
	while read -r k st; do
		case $k in Shift* | Control* | Alt* | Meta* | Super* | Hyper* | ISO_Level3* | Mode_switch) continue ;; esac
		m=0x4d
		[[ $syms == *" $k "* ]] && m=$sm
		printf '%s 0x%x\n' "$k" $((st & m))
	done <"$1"
}

# the reference: a host application
bg env DISPLAY="$HOST" "$TOOLS/xkeyrec" ref 300x200+600+400 >"$T/ref.log"
waitfor 10 winid "$HOST" ref || fail "host recorder did not map"
play "$(winid "$HOST" ref)" "$T/ref.log"
n=$(keys "$T/ref.log" | wc -l)
[ "$n" -eq "${#seq[@]}" ] || fail "the host recorder saw $n keys of ${#seq[@]}"
grep -qx 'Right 0x1' "$T/ref.log" && grep -qx 'Home 0x5' "$T/ref.log" || fail "xdotool's Shift+Right, Ctrl+Shift+Home not as expected on the host"

# check MODE LAYOUT WID: the guest recorder (restarted) against the reference
check() {
	local log=$T/rec.$1.$2 sm=0x4d
	[ "$2" = de ] && sm=0x4c
	: >"$log"
	play "$3" "$log"
	keys "$T/ref.log" "$sm" >"$T/want"
	keys "$log" "$sm" >"$T/got"
	diff "$T/want" "$T/got" >"$T/diff" ||
		fail "$1, $2 guest layout: $(grep -c '^<' "$T/diff") of ${#seq[@]} keys differ (< host, > guest): $(head -12 "$T/diff" | tr '\n' ' ')"
	echo "$1 $2: ${#seq[@]} keys as on the host"
}
recorder() {
	if [ -n "${REC:-}" ]; then kill "$REC"; wait "$REC" 2>/dev/null || true; fi
	env DISPLAY="$GUEST" "$TOOLS/xkeyrec" rec 600x400+20+20 >"$T/rec.$1" & REC=$!
	PIDS+=($REC)
	waitfor 10 winid "$GUEST" rec || fail "guest recorder did not map"
}

# whole screen
recorder whole.us
DISPLAY=$HOST "$BIN/xpaint" -v -t whole -- "$BIN/xcap" -v "$GUEST" >/dev/null 2>"$T/xp.whole.err" &
XP=$!
PIDS+=($XP)
waitfor 15 winid "$HOST" whole || fail "no whole-screen window: $(cat "$T/xp.whole.err")"
waitfor 15 grep -q 'input enabled' "$T/xp.whole.err" || fail "whole: input never bound: $(cat "$T/xp.whole.err")"
W=$(winid "$HOST" whole)
guest_norepeat whole
check whole us "$W"
setxkbmap -display "$GUEST" -layout de || fail "setxkbmap de failed"
recorder whole.de
check whole de "$W"
kill $XP
wait $XP 2>/dev/null || true

# seamless
setxkbmap -display "$GUEST" -layout us
recorder seamless.us
DISPLAY=$HOST "$BIN/xpaint" -v -t sm -- "$BIN/xcap" -v -W "$GUEST" >/dev/null 2>"$T/xp.sm.err" &
PIDS+=($!)
waitfor 15 winid "$HOST" '\[sm\] rec' || fail "no seamless window: $(cat "$T/xp.sm.err")"
waitfor 15 grep -q 'input enabled' "$T/xp.sm.err" || fail "seamless: input never bound: $(cat "$T/xp.sm.err")"
guest_norepeat seamless
check seamless us "$(winid "$HOST" '\[sm\] rec')"
setxkbmap -display "$GUEST" -layout de || fail "setxkbmap de failed"
recorder seamless.de
waitfor 15 winid "$HOST" '\[sm\] rec' || fail "no seamless window for the new recorder"
check seamless de "$(winid "$HOST" '\[sm\] rec')"
pass "$((${#seq[@]} - 1)) key and modifier combinations, whole screen and seamless, us and de guest layouts"
