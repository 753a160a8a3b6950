#!/usr/bin/env bash
# xpaint paints the exact picture of a generated stream (raw, lz4, jpeg,
# solid rects; a trailing open frame is never shown), inside its border;
# repaints an exposure from its own copy; follows a resize; -x exits 0 at
# a clean end; the cursor record becomes the window's cursor.
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/xsgen" ] || fail "build/tools/xsgen missing"
xvfb D 800x600
export DISPLAY=$D

# the picture, with a 6-pixel red border around it
"$TOOLS/xsgen" valid -o "$T/exp.xwd" -B 6,ff0000 >"$T/v.xcs"
"$BIN/xpaint" -b red -w 6 -t pic <"$T/v.xcs" >/dev/null 2>"$T/pic.err" &
PIDS+=($!)
waitfor 10 haswin "$D" pic || fail "no window: $(cat "$T/pic.err")"
wid=$(winid "$D" pic)
waitfor 10 matches "$T/exp.xwd" "$wid" || fail "picture with border: $(cat "$T/cmp")"
geo=$(xwininfo -id "$wid" | awk '/Width:/{w=$2} /Height:/{h=$2} END{print w "x" h}')
[ "$geo" = 332x252 ] || fail "window is $geo, want 332x252 (320x240 and the border)"

# an exposure: a window over it, then gone; xpaint repaints from its pixmap
xlogo -geometry 300x200+20+20 &
L=$!
PIDS+=($L)
waitfor 10 haswin "$D" xlogo || fail "xlogo did not start"
xwd -silent -id "$wid" >"$T/covered.xwd"
! "$TOOLS/xwdcmp" "$T/exp.xwd" "$T/covered.xwd" >/dev/null || fail "the covering window did not cover xpaint"
kill $L
waitfor 10 matches "$T/exp.xwd" "$wid" || fail "exposure not repainted: $(cat "$T/cmp")"

# the cursor: the pointer over the window shows the stream's 16x16 cursor
xdotool mousemove --window "$wid" 50 50
cur=$("$TOOLS/xsgen" cursor)
case $cur in "16x16 hot 1,1 pixel1 ffff0000") ;; *) fail "cursor over the window: $cur" ;; esac

# a resize: 200x100, then 300x150
"$TOOLS/xsgen" resize -o "$T/rexp.xwd" >"$T/r.xcs"
"$BIN/xpaint" -t rsz <"$T/r.xcs" >/dev/null 2>"$T/r.err" &
PIDS+=($!)
waitfor 10 haswin "$D" rsz || fail "no resize window: $(cat "$T/r.err")"
rid=$(winid "$D" rsz)
waitfor 10 matches "$T/rexp.xwd" "$rid" || fail "picture after resize: $(cat "$T/cmp")"

# a display without MIT-SHM: plain PutImage, the same picture
mkfifo "$T/dfd2"
Xvfb -displayfd 3 -screen 0 800x600x24 -nolisten tcp -noreset -extension MIT-SHM 3>"$T/dfd2" 2>"$T/xvfb2.log" &
PIDS+=($!)
read -r -t 10 n <"$T/dfd2" || fail "second Xvfb did not start"
"$TOOLS/xsgen" valid -o "$T/exp0.xwd" >/dev/null
DISPLAY=:$n "$BIN/xpaint" -t noshm <"$T/v.xcs" >/dev/null 2>"$T/ns.err" &
PIDS+=($!)
waitfor 10 haswin ":$n" noshm || fail "no window without MIT-SHM: $(cat "$T/ns.err")"
nid=$(winid ":$n" noshm)
DISPLAY=:$n waitfor 10 matches "$T/exp0.xwd" "$nid" || fail "picture without MIT-SHM: $(cat "$T/cmp")"
grep -q 'no MIT-SHM' "$T/ns.err" || fail "no word about the missing MIT-SHM: $(cat "$T/ns.err")"

# -x: a clean end exits 0 (and the open trailing frame is no error)
rc=0
"$BIN/xpaint" -x <"$T/v.xcs" >/dev/null 2>"$T/x.err" || rc=$?
[ $rc -eq 0 ] || fail "-x at a clean end: exit $rc: $(cat "$T/x.err")"
[ ! -s "$T/x.err" ] || fail "-x is not quiet: $(cat "$T/x.err")"
pass "exact picture in its border, exposure repainted, cursor, resize followed, without MIT-SHM, -x"
