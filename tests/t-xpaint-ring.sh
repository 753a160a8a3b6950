#!/usr/bin/env bash
# xpaint -r: the frame stream straight from a shared-memory ring (written
# here by xsgen ringw, a test writer over lib/ring.c). Raw rects are
# painted from ring memory (MIT-SHM attach of the ring file); the picture
# is exact; a refresh goes out at attach; a writer restart (new session) is
# followed; a file that is not a ring is refused with exit 65, a missing
# one with 69.
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/xsgen" ] || fail "build/tools/xsgen missing"
xvfb D 800x600
export DISPLAY=$D
R=/dev/shm/xs-test-ring.$$
trap 'rm -f "$R" "$R.bad"; cleanup' EXIT

"$TOOLS/xsgen" valid -o "$T/exp.xwd" >"$T/v.xcs"
"$TOOLS/xsgen" ringw "$R" 4 <"$T/v.xcs" &
W=$!
PIDS+=($W)
waitfor 10 test -s "$R" || fail "ring writer did not start"
"$BIN/xpaint" -d stream -t ring -r "$R" >"$T/ctl.bin" 2>"$T/r.err" &
P=$!
PIDS+=($P)
waitfor 10 haswin "$D" ring || fail "no window: $(cat "$T/r.err")"
wid=$(winid "$D" ring)
waitfor 10 matches "$T/exp.xwd" "$wid" || fail "picture through the ring: $(cat "$T/cmp")"
grep -q 'rect raw 320x120+0+0 153600 bytes (from the ring)' "$T/r.err" || fail "raw rect not painted in place: $(cat "$T/r.err")"

# a new writer on the same file (new session): the reader follows it
kill $W
wait $W 2>/dev/null || true
"$TOOLS/xsgen" resize -o "$T/rexp.xwd" >"$T/rs.xcs"
"$TOOLS/xsgen" ringw "$R" 4 <"$T/rs.xcs" &
PIDS+=($!)
waitfor 10 matches "$T/rexp.xwd" "$wid" || fail "after the writer restarted: $(cat "$T/cmp") $(tail -3 "$T/r.err")"
grep -q 'writer restarted' "$T/r.err" || fail "restart not reported: $(grep -v rect "$T/r.err")"
kill $P
wait $P || fail "xpaint -r did not exit cleanly on SIGTERM"
"$TOOLS/xsgen" dump <"$T/ctl.bin" >"$T/ctl.txt"
head -n1 "$T/ctl.txt" | grep -q '^refresh$' || fail "no refresh at attach: $(cat "$T/ctl.txt")"
[ "$(grep -c '^control-hello' "$T/ctl.txt")" -ge 2 ] || fail "no control hello per session: $(cat "$T/ctl.txt")"

# not a ring; no such file
head -c 1048576 /dev/urandom >"$R.bad"
chmod 600 "$R.bad"
rc=0
"$BIN/xpaint" -x -r "$R.bad" >/dev/null 2>"$T/bad.err" || rc=$?
[ $rc -eq 65 ] && grep -q 'not a ring' "$T/bad.err" || fail "not a ring: exit $rc: $(cat "$T/bad.err")"
rc=0
"$BIN/xpaint" -x -r "$R.none" >/dev/null 2>"$T/none.err" || rc=$?
[ $rc -eq 69 ] || fail "missing ring: exit $rc: $(cat "$T/none.err")"
pass "exact picture from ring memory, refresh at attach, writer restart followed, bad and missing rings"
