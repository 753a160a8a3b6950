#!/usr/bin/env bash
# A hostile seamless stream (xsgen windows 10000): xpaint shows at most 256
# windows (-n), drops an override-redirect window over the host screen, a
# window over the size limit, one painted outside itself and an icon over
# 64x64 (the window kept), each with one line, and keeps the others (a
# 16x16 icon is set); when windows go, new ones are shown again up
# to the limit. Titles arrive sanitised and prefixed: no control or bidi
# character, broken UTF-8 replaced, at most 256 bytes of the guest's text.
# The stream ends cleanly (exit 0 with -x), no sanitizer report.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$TOOLS/xsgen"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xdotool xwininfo; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
xvfb HOST 1024x768
export DISPLAY=$HOST
"$TOOLS/xsgen" windows 10000 -s 1024x768 >"$T/h.xcs"
count() { xwininfo -root -children | grep -c '"\[hostile\] ' || true; }

# without -x the windows stay after the end of the stream
"$BIN/xpaint" -t hostile <"$T/h.xcs" >/dev/null 2>"$T/h.err" &
P=$!
PIDS+=($P)
waitfor 30 grep -q 'window 0x18702: over the limit' "$T/h.err" || fail "the late windows never reached the limit: $(cat "$T/h.err")"
waitfor 10 eval '[ "$(count)" -eq 256 ]' || fail "$(count) host windows, want 256: $(cat "$T/h.err")"
kill -0 $P || fail "xpaint left"
grep -qx 'xpaint: window 0x3: override-redirect 1024x768+0+0 covers over 90% of the 1024x768 host screen: dropped, the others kept' "$T/h.err" ||
	fail "no line for the covering window: $(cat "$T/h.err")"
grep -qx 'xpaint: window 0x4: size 20000x10: surface larger than the limits: dropped, the others kept' "$T/h.err" ||
	fail "no line for the wide window: $(cat "$T/h.err")"
grep -qx 'xpaint: window 0x5: rect 40x31+0+0 outside the 40x30 surface: dropped, the others kept' "$T/h.err" ||
	fail "no line for the rect outside: $(cat "$T/h.err")"
grep -q 'window 0x104: over the limit of 256 windows' "$T/h.err" || fail "no line at the limit: $(cat "$T/h.err")"
grep -qx 'xpaint: window 0x6: a 128x32 icon (at most 64x64): icon dropped' "$T/h.err" ||
	fail "no line for the icon over the limit: $(cat "$T/h.err")"
[ -n "$(xdotool search --name '^\[hostile\] w \(disconnected\)$' | while read -r i; do xprop -id "$i" _NET_WM_ICON | grep -q '16 x 16' && echo "$i"; done)" ] ||
	fail "the 16x16 icon did not reach its window"
[ "$(wc -l <"$T/h.err")" -eq 6 ] || fail "not one line per kind of violation: $(cat "$T/h.err")"
[ "$(xwininfo -root -children | grep -c '"\[hostile\] late (disconnected)"')" -eq 97 ] || fail "the late windows are not all shown"

# titles: no control or bidi character left, broken UTF-8 as U+FFFD, the
# prefix first, a cap (the stream has ended: each ends in " (disconnected)")
w=$(xdotool search --name 'evil' | head -n1)
[ -n "$w" ] || fail "no window with the evil title"
xdotool getwindowname "$w" >"$T/evil"
printf '[hostile] evil]0;pwned  txt \xef\xbf\xbd\xef\xbf\xbd end (disconnected)\n' | cmp -s - "$T/evil" ||
	fail "title not sanitised: $(od -c "$T/evil" | head)"
w=$(xdotool search --name '^\[hostile\] xxxx' | head -n1)
[ "$(xdotool getwindowname "$w" | tr -d '\n' | wc -c)" -eq $((10 + 256 + 15)) ] || fail "a long title is not cut to 256 bytes (then ' (disconnected)')"
kill $P
wait $P 2>/dev/null || true

# with -x: a clean end; -n bounds the windows
rc=0
timeout 60 "$BIN/xpaint" -x -n 10 -t hostile <"$T/h.xcs" >/dev/null 2>"$T/x.err" || rc=$?
[ $rc -eq 0 ] || fail "xpaint -x: exit $rc: $(cat "$T/x.err")"
grep -q 'over the limit of 10 windows' "$T/x.err" || fail "-n 10: $(cat "$T/x.err")"
pass "10000 windows: 256 shown, 3 dropped with a line each, an icon over 64x64 dropped (window kept), a 16x16 set, the limit said once per episode, titles sanitised"
