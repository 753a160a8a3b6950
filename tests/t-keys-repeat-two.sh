#!/usr/bin/env bash
# Two xcaps on one guest display (a whole-screen viewer and a second one,
# or a capture started while a viewer is attached): the guest's autorepeat
# stays off while any controller is attached, and is set back as found
# when the last one goes, also when one of them was killed with SIGKILL.
# An xcap that starts while another holds the setting does not take the
# holder's "off" for a killed xcap's leftover.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$TOOLS/xkeyrec"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done

xvfb GUEST 640x480
xvfb HOST 1024x768
repeat() { DISPLAY=$GUEST "$TOOLS/xkeyrec" -a ${1:-}; }
[ "$(repeat)" = "autorepeat on" ] || fail "a fresh guest Xvfb without autorepeat: $(repeat)"

# view NAME: xpaint titled NAME with an xcap under it; XP_NAME, XC_NAME
view() {
	DISPLAY=$HOST "$BIN/xpaint" -v -t "$1" -- sh -c "echo \$\$ >$T/$1.pid; exec $BIN/xcap -v $GUEST" \
		>/dev/null 2>"$T/$1.err" &
	PIDS+=($!)
	printf -v "XP_$1" %s $!
	waitfor 15 grep -q 'input enabled' "$T/$1.err" || fail "$1: input never bound: $(cat "$T/$1.err")"
	printf -v "XC_$1" %s "$(cat "$T/$1.pid")"
}
gone() { waitfor 10 sh -c "! kill -0 $1 2>/dev/null" || fail "$2 did not exit"; }

view a
[ "$(repeat)" = "autorepeat off" ] || fail "guest autorepeat on with a controller attached"
# a capture that starts and ends while a is attached leaves it off
"$BIN/xcap" -E "$GUEST" </dev/null >/dev/null 2>"$T/e.err" || fail "xcap -E: $(cat "$T/e.err")"
[ "$(repeat)" = "autorepeat off" ] || fail "a second xcap's start turned autorepeat on under an attached one: $(cat "$T/e.err")"
! grep -q 'autorepeat set back' "$T/e.err" || fail "a second xcap took a live xcap's setting for a leftover: $(cat "$T/e.err")"
view b
[ "$(repeat)" = "autorepeat off" ] || fail "autorepeat on with two controllers attached"
kill "$XP_a"
gone "$XC_a" "xcap a"
[ "$(repeat)" = "autorepeat off" ] || fail "the first viewer's xcap turned autorepeat on while the second is attached"
kill "$XP_b"
gone "$XC_b" "xcap b"
[ "$(repeat)" = "autorepeat on" ] || fail "autorepeat not set back on after the last xcap"
echo "two viewers: off while either is attached, on after the last"

# the same with the first xcap killed (SIGKILL): the second sets it back
view a
view b
kill -KILL "$XC_a"
kill "$XP_a"
[ "$(repeat)" = "autorepeat off" ] || fail "autorepeat on after one of two xcaps was killed"
kill "$XP_b"
gone "$XC_b" "xcap b"
[ "$(repeat)" = "autorepeat on" ] || fail "autorepeat not set back on by the survivor of a killed xcap"
# ... and a guest whose autorepeat was off before stays off
repeat off >/dev/null
view a
view b
kill "$XP_b"
gone "$XC_b" "xcap b"
kill -KILL "$XC_a"
kill "$XP_a"
"$BIN/xcap" -E "$GUEST" </dev/null >/dev/null 2>"$T/e2.err" || fail "xcap -E: $(cat "$T/e2.err")"
[ "$(repeat)" = "autorepeat off" ] || fail "autorepeat turned on though it was off before any xcap"
pass "two xcaps share the guest's autorepeat: off while any is attached, as found after the last, also after SIGKILL"
