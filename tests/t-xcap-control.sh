#!/usr/bin/env bash
# xcap's stream and control edges: the opening records, refresh (a full
# frame while the source is still), nonce (echoed), a resize the server
# cannot do (said clearly), SIGTERM (bye, exit 0), a reader that goes away
# (exit 0), a bad control record (exit 65 naming it), a display without
# DAMAGE (exit 69 naming it).
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/xsdump" ] || { echo "no $TOOLS/xsdump"; exit 77; }

xvfb SRC 640x480
mkfifo "$T/ctl"
exec 3<>"$T/ctl"
"$BIN/xcap" -v "$SRC" <"$T/ctl" >"$T/s.xcs" 2>"$T/xcap.err" & PIDS+=($!)
XCAP=$!
ctl() { "$TOOLS/xsdump" -w "$@" >&3; }
frames() { "$TOOLS/xsdump" -q -p "$T/s.xcs" | sed -n 's/^summary: \([0-9]*\) frames.*/\1/p'; }
atleast() { [ "$(frames)" -ge "$1" ]; }
has() { "$TOOLS/xsdump" -p "$T/s.xcs" | grep -q "$1"; }

waitfor 10 atleast 1 || fail "no first frame: $(cat "$T/xcap.err")"
"$TOOLS/xsdump" -p "$T/s.xcs" >"$T/dump"
head -n 3 "$T/dump" | awk '{print $2}' | tr '\n' ' ' | grep -qx 'hello cursor pointer ' ||
	fail "stream does not open with hello, cursor, pointer: $(head -n 3 "$T/dump")"
grep -q '^0 hello 640x480 v1.1 challenge [0-9a-f]\{32\}$' "$T/dump" || fail "bad hello: $(head -n1 "$T/dump")"
# the first frame covers the screen: its rects' areas sum to 640x480
area=$(awk '$2 == "rect" { split($4, a, "[x+]"); s += a[1] * a[2] } $2 == "frame" { print s; exit }' "$T/dump")
[ "$area" = $((640 * 480)) ] || fail "first frame covers $area pixels, not $((640 * 480))"

# refresh: a second full frame though nothing changed
ctl refresh
waitfor 10 atleast 2 || fail "refresh gave no frame"
# nonce: echoed in the frame stream
N=0123456789abcdef0123456789abcdef
ctl "nonce $N"
waitfor 10 has "echo $N" || fail "nonce not echoed"
# size: accepted only after the challenge; Xvfb cannot resize: a clear no
CH=$("$TOOLS/xsdump" -c "$T/s.xcs")
ctl "hello $CH" "size 320 200"
waitfor 10 grep -q 'resize to 320x200 refused' "$T/xcap.err" || has "resize 320x200" ||
	fail "size request neither done nor refused: $(cat "$T/xcap.err")"
# SIGTERM: bye, exit 0
kill -TERM "$XCAP"
rc=0; wait "$XCAP" || rc=$?
[ $rc = 0 ] || fail "xcap exited $rc on SIGTERM: $(cat "$T/xcap.err")"
"$TOOLS/xsdump" "$T/s.xcs" | tail -n 2 | grep -q ' bye reason 0' || fail "no bye at the end"
grep -q 'frames' "$T/xcap.err" || fail "-v printed no statistics at exit"

# The reader goes away: exit 0.
set +e
"$BIN/xcap" "$SRC" </dev/null 2>"$T/pipe.err" | head -c 100 >/dev/null
rc=${PIPESTATUS[0]}
set -e
[ $rc = 0 ] || fail "xcap exited $rc when its reader closed: $(cat "$T/pipe.err")"

# A bad control record: exit 65, naming the record.
set +e
printf '\x04\x00\x00\x00\x63\x00\x00\x00abcd' | "$BIN/xcap" "$SRC" >/dev/null 2>"$T/bad.err"
rc=$?
set -e
[ $rc = 65 ] || fail "bad control record: exit $rc, not 65: $(cat "$T/bad.err")"
grep -q 'control stream: unknown record (type 99, length 4) at offset 0' "$T/bad.err" ||
	fail "bad control record message: $(cat "$T/bad.err")"
set +e
"$TOOLS/xsdump" -w "key 97 1" | head -c 20 | "$BIN/xcap" "$SRC" >/dev/null 2>"$T/cut.err"
rc=$?
set -e
[ $rc = 65 ] && grep -q 'key record at offset 0 truncated' "$T/cut.err" || fail "cut control record: exit $rc: $(cat "$T/cut.err")"

# A display without DAMAGE: exit 69, naming it.
fifo=$T/dfd
mkfifo "$fifo"
Xvfb -displayfd 3 -screen 0 320x200x24 -nolisten tcp -extension DAMAGE 3>"$fifo" 2>/dev/null & PIDS+=($!)
read -r -t 10 n <"$fifo" || fail "second Xvfb did not start"
set +e
"$BIN/xcap" ":$n" </dev/null >/dev/null 2>"$T/nodmg.err"
rc=$?
set -e
[ $rc = 69 ] && grep -q 'lacks DAMAGE' "$T/nodmg.err" || fail "no DAMAGE: exit $rc: $(cat "$T/nodmg.err")"
pass "opening records, refresh, nonce echo, size refusal, bye, EPIPE, bad control, missing DAMAGE"
