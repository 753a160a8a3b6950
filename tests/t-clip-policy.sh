#!/usr/bin/env bash
# The host decides what crosses. Default (-C in, 1 MiB cap): host to guest
# only while the xpaint window has the focus; a guest copy stays in the
# guest until Ctrl+Shift+C in the window; 5 MB from the host is refused
# with one line on stderr that does not show the content. -C none: nothing
# crosses, and an xcap with the clipboard flag is told no (control hello
# without it).
. "$(dirname "$0")/lib.sh"
command -v xclip >/dev/null || fail "xclip missing (scripts/deps)"
xvfb G 320x240
xvfb H 800x600
copy() { bg env DISPLAY="$1" xclip -quiet -selection "$2" -i "$3" >/dev/null 2>&1; }
pasted() { DISPLAY=$1 timeout 10 xclip -selection "$2" -o >"$T/got" 2>/dev/null && cmp -s "$3" "$T/got"; }
nopaste() { ! DISPLAY=$1 timeout 10 xclip -selection "$2" -o >"$T/got" 2>/dev/null || ! cmp -s "$3" "$T/got"; }

bg env DISPLAY="$H" xterm -geometry 20x4+500+400 -title other -e 'exec sleep 300'
waitfor 10 winid "$H" other || fail "host xterm did not map"
OTHER=$(winid "$H" other)
bg env DISPLAY="$H" "$BIN/xpaint" -v -t vm -- "$BIN/xcap" -v "$G" 2>"$T/xp.err"
XP=$!
waitfor 10 winid "$H" vm || fail "no xpaint window: $(cat "$T/xp.err")"
WID=$(winid "$H" vm)
DISPLAY=$H xdotool windowfocus --sync "$WID"
waitfor 10 grep -q 'xcap: clipboard on' "$T/xp.err" || fail "clipboard not negotiated: $(cat "$T/xp.err")"

printf 'host says hi' >"$T/h1"
copy "$H" clipboard "$T/h1"
waitfor 10 pasted "$G" clipboard "$T/h1" || fail "host to guest refused by default: $(cat "$T/xp.err")"
# guest to host: not without the keystroke
printf 'guest secret' >"$T/g1"
copy "$G" clipboard "$T/g1"
waitfor 10 grep -q "the guest offers its CLIPBOARD: not taken (-C in); Ctrl+Shift+C takes it" "$T/xp.err" ||
	fail "guest offer not reported: $(cat "$T/xp.err")"
pasted "$H" clipboard "$T/h1" || fail "guest copy reached the host without the keystroke: $(cat "$T/got")"
DISPLAY=$H xdotool key --clearmodifiers ctrl+shift+c
waitfor 10 pasted "$H" clipboard "$T/g1" || fail "Ctrl+Shift+C did not give the host the guest's clipboard"

# not focused: the guest reads neither the host's new copy nor the one it
# was offered while focused but had not pasted yet
printf 'host again' >"$T/h1b"
copy "$H" clipboard "$T/h1b"
waitfor 10 sh -c "DISPLAY=$G xclip -selection clipboard -o -t TARGETS | grep -q text/plain.charset=utf-8" ||
	fail "the host's offer did not reach the guest"
DISPLAY=$H xdotool windowfocus --sync "$OTHER"
nopaste "$G" clipboard "$T/h1b" || fail "the guest read the host clipboard while xpaint had no focus"
grep -q "the guest asked for the host's CLIPBOARD: refused (the window does not have the focus)" "$T/xp.err" ||
	fail "no refusal said: $(cat "$T/xp.err")"
printf 'host while away' >"$T/h2"
copy "$H" clipboard "$T/h2"
sleep 0.3
nopaste "$G" clipboard "$T/h2" || fail "the guest read the host clipboard while xpaint had no focus"
DISPLAY=$H xdotool windowfocus --sync "$WID"
waitfor 10 pasted "$G" clipboard "$T/h2" || fail "focus back: host clipboard not offered"

# over the cap: refused, one line, no content
head -c 5000000 /dev/zero | tr '\0' 'x' >"$T/big"
copy "$H" clipboard "$T/big"
sleep 0.3
nopaste "$G" clipboard "$T/big" || fail "5 MB over the 1 MiB cap reached the guest"
waitfor 5 grep -q 'clipboard: host CLIPBOARD to the guest: at least [0-9]* bytes, over the 1048576-byte cap (-L); not sent' \
	"$T/xp.err" || fail "no cap warning: $(cat "$T/xp.err")"
grep -q 'xxxx\|secret\|host says' "$T/xp.err" && fail "clipboard content in the log"
kill "$XP" 2>/dev/null || true
sleep 0.3

# -C none: nothing either way; the control hello says no clipboard
bg env DISPLAY="$H" "$BIN/xpaint" -t vmnone -C none -- "$TOOLS/xsgen" clip ok -l "$T/ctl.log" 2>"$T/none.err"
waitfor 10 grep -q '^control-hello [0-9a-f]* match$' "$T/ctl.log" ||
	fail "-C none: control hello with a clipboard flag: $(cat "$T/ctl.log")"
sleep 0.3
grep -q 'clip-' "$T/ctl.log" && fail "-C none: clipboard records sent: $(cat "$T/ctl.log")"
pass "host to guest by default, guest to host only after Ctrl+Shift+C, no focus no paste, 1 MiB cap, -C none"
