#!/usr/bin/env bash
# A sound command that ignores SIGTERM (xcap -A): when its output goes bad
# xcap says "sound off", ends the command (SIGKILL after a short grace) and
# goes on: it still answers SIGTERM at once. Before, it waited for the
# command forever and the capture stopped with it.
. "$(dirname "$0")/lib.sh"
xvfb D
"$BIN/xcap" -A 'trap "" TERM; printf "not a record, not a record"; exec sleep 60' "$D" >/dev/null 2>"$T/err" </dev/null &
cap=$!
PIDS+=($cap)
waitfor 10 grep -q 'sound off' "$T/err" || fail "no 'sound off' line: $(tail -n3 "$T/err")"
sleep 0.5
kill -TERM $cap
waitfor 3 sh -c "! kill -0 $cap 2>/dev/null" || fail "xcap did not end within 3 s of SIGTERM (stuck on its sound command)"
pass "a sound command ignoring SIGTERM is killed; xcap goes on and answers SIGTERM"
