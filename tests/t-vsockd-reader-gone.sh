#!/usr/bin/env bash
# vsockd -l ends (exit 0, socket removed) as soon as its stdout reader
# exits, with no controller connected and no record to write: a supervised
# guest pipeline (xs-guest@.service, the test guest's /init) must restart
# when xcap dies, not at the next keystroke.
. "$(dirname "$0")/lib.sh"
mkfifo "$T/out"
"$BIN/vsockd" -l "unix:$T/s" -N 3 3>"$T/ready" >"$T/out" 2>"$T/err" &
PIDS+=($!)
v=$!
exec 4<"$T/out"
waitfor 10 test -S "$T/s" || fail "vsockd did not listen: $(cat "$T/err")"
exec 4<&-
waitfor 5 sh -c "! kill -0 $v 2>/dev/null" || fail "vsockd -l still runs after its reader exited"
wait "$v" || fail "vsockd -l exited $?: $(cat "$T/err")"
[ ! -e "$T/s" ] || fail "the socket was left behind"
pass "exits 0 when its reader goes, socket removed"
