#!/usr/bin/env bash
# Control input through xcap's stdin: without this display's challenge
# nothing is typed; with it, keysyms reach an xterm on the source as the
# right characters, with a us keymap and after `setxkbmap -layout de` (the
# keysyms still come from a us layout: Shift and AltGr must be worked out
# on the guest side). A reset releases a Shift the controller held.
. "$(dirname "$0")/lib.sh"
for t in xsdump; do [ -x "$TOOLS/$t" ] || { echo "no $TOOLS/$t (make $TOOLS/$t)"; exit 77; }; done
command -v setxkbmap >/dev/null || { echo "no setxkbmap"; exit 77; }

xvfb SRC 640x480
mkfifo "$T/ctl"
exec 3<>"$T/ctl" # read-write: opening it never blocks, and xcap sees no EOF
"$BIN/xcap" -d input "$SRC" <"$T/ctl" >"$T/s.xcs" 2>"$T/xcap.err" & PIDS+=($!) # not bg: & in a function reads /dev/null
waitfor 10 "$TOOLS/xsdump" -c "$T/s.xcs" || fail "no hello from xcap: $(cat "$T/xcap.err")"
CH=$("$TOOLS/xsdump" -c "$T/s.xcs")
ctl() { "$TOOLS/xsdump" -w "$@" >&3; }

# type LINE FILE: an xterm runs cat > FILE; LINE is typed; FILE must hold it.
typed() {
	local want=$1 f=$2
	waitfor 10 grep -qxF -- "$want" "$f" || fail "typed \"$want\", the xterm got \"$(cat "$f" 2>/dev/null)\""
}
bg env DISPLAY="$SRC" xterm -geometry 60x10+0+0 -title keys -e sh -c "stty -echo; cat > $T/typed"
mapped() { [ -n "$(winid "$SRC" keys)" ]; }
waitfor 10 mapped || fail "xterm did not map"
waitfor 10 test -e "$T/typed" || fail "xterm did not start cat"

# Refused: no hello, then a hello with another challenge.
ctl "motion 100 50" $'text nope\n' "hello 00000000000000000000000000000000" $'text nope\n'
# Accepted: the pointer over the xterm (focus follows it), then text.
US='Hello, World! @#{}|~ yz <>'
ctl "hello $CH" "motion 100 50" $'text '"$US"$'\n'
typed "$US" "$T/typed"
grep -q 'input refused: control hello without this display' "$T/xcap.err" || fail "no refusal logged"
[ "$(grep -c 'input refused' "$T/xcap.err")" = 1 ] || fail "refusal logged more than once"
grep -q nope "$T/typed" && fail "input typed without the challenge"

# The keysym wins over a Shift the controller holds ('a' stays 'a', xcap
# lifts Shift around it); a reset then releases that Shift ('c', not 'C').
ctl "key 0xffe1 1" "text aB" "reset" "hello $CH" $'text c\n'
typed "aBc" "$T/typed"

# The guest switches to a German layout; the keysyms stay the same.
DISPLAY=$SRC setxkbmap -layout de || fail "setxkbmap de failed"
DE='Grüße @{[]}\|~ yz <> ?'
ctl "motion 110 50" $'text '"$DE"$'\n'
typed "$DE" "$T/typed"
# A keysym neither layout has (U+03B1 alpha) goes on a spare keycode.
ctl $'text α!\n'
typed "α!" "$T/typed"
pass "us and de guest layouts, challenge enforced, reset releases"
