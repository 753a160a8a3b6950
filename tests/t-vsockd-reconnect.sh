#!/usr/bin/env bash
# vsockd -c survives its listener restarting: it says so once per outage,
# discards input while disconnected, and after reconnecting replays the
# latest control hello and nonce and asks for a refresh.
. "$(dirname "$0")/lib.sh"
G=$TOOLS/ctlgen
[ -x "$G" ] || fail "$G missing (make build/tools/ctlgen)"
H1=00112233445566778899aabbccddeeff H2=0102030405060708090a0b0c0d0e0f10 H3=a1a2a3a4a5a6a7a8a9aaabacadaeafa0
N1=ffeeddccbbaa99887766554433221100 N2=f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff
ADDR=unix:$T/ctl

# listen TAG: start a listener on $ADDR writing to out.TAG; sets LPID.
listen() {
	mkfifo "$T/rdy.$1"
	"$BIN/vsockd" -l "$ADDR" -N 3 5>&- 3>"$T/rdy.$1" >"$T/out.$1" 2>"$T/err.$1" &
	LPID=$!
	PIDS+=($LPID)
	read -r -t 10 _ <"$T/rdy.$1" || fail "listener $1 not ready: $(cat "$T/err.$1")"
	: >"$T/exp.$1"
}
caught_up() { [ "$(stat -c %s "$T/out.$1")" -ge "$(stat -c %s "$T/exp.$1")" ]; }
expect() {
	waitfor 10 caught_up "$1" || true
	cmp "$T/exp.$1" "$T/out.$1" || { xxd "$T/out.$1" >&2; fail "listener $1: $2"; }
}
stop() { kill -TERM "$LPID"; wait "$LPID" || fail "listener exit $?"; }

listen 1
mkfifo "$T/in" "$T/rdyc"
"$BIN/vsockd" -c "$ADDR" -N 3 <"$T/in" 3>"$T/rdyc" 2>"$T/cerr" &
CPID=$!
PIDS+=($CPID)
exec 5>"$T/in"
read -r -t 10 _ <"$T/rdyc" || fail "vsockd -c not ready: $(cat "$T/cerr")"

"$G" hello $H1 nonce $N1 key 0x61 1 key 0x61 0 >&5
"$G" hello $H1 nonce $N1 key 0x61 1 key 0x61 0 >"$T/exp.1"
expect 1 "first session"

# outage 1: the listener restarts; input typed meanwhile is dropped
stop
waitfor 10 grep -q "lost $ADDR (closed by the peer); reconnecting" "$T/cerr" || fail "no outage message: $(cat "$T/cerr")"
"$G" key 0x62 1 >&5
sleep 0.5 # several retries while nobody listens
listen 2
waitfor 10 grep -q "reconnected to $ADDR (replayed hello, nonce and refresh)" "$T/cerr" || fail "no reconnect message: $(cat "$T/cerr")"
"$G" hello $H1 nonce $N1 refresh >"$T/exp.2"
expect 2 "replay after the restart"
"$G" key 0x63 1 key 0x63 0 hello $H2 nonce $N2 >&5
"$G" key 0x63 1 key 0x63 0 hello $H2 nonce $N2 >>"$T/exp.2"
expect 2 "input after the reconnect"
"$G" reset >>"$T/exp.1"
expect 1 "reset at the listener's exit"

# outage 2, after a stable connection: a hello given while down is the one replayed
sleep 1
stop
waitfor 10 eval '[ "$(grep -c "lost " "$T/cerr")" = 2 ]' || fail "second outage not announced: $(cat "$T/cerr")"
"$G" hello $H3 key 0x64 1 motion 1 2 >&5
listen 3
"$G" hello $H3 nonce $N2 refresh >"$T/exp.3"
expect 3 "latest hello replayed"
kill -USR1 $CPID
waitfor 5 grep -q 'stats: connections 3 refused 0 records 12 .* outages 2 dropped 3' "$T/cerr" || fail "stats: $(cat "$T/cerr")"

[ "$(grep -c 'lost ' "$T/cerr")" = 2 ] && [ "$(grep -c 'reconnected' "$T/cerr")" = 2 ] ||
	fail "outages not said once each: $(cat "$T/cerr")"

# end of input: exit 0
exec 5>&-
rc=0; wait $CPID || rc=$?
[ $rc = 0 ] || fail "vsockd -c exit $rc at end of input"
"$G" reset >>"$T/exp.3"
expect 3 "reset after the controller left"

# garbage on stdin is bad input (65), named by offset
rc=0; { "$G" key 0x61 1; printf 'garbage!'; } | "$BIN/vsockd" -c "$ADDR" 2>"$T/gerr" || rc=$?
[ $rc = 65 ] && grep -q 'stdin: .* at offset 24: not a control record type' "$T/gerr" || fail "garbage on stdin: rc $rc $(cat "$T/gerr")"
rc=0; "$G" raw 1000000041000000 | "$BIN/vsockd" -c "$ADDR" 2>"$T/gerr" || rc=$?
[ $rc = 65 ] && grep -q 'key record at offset 0 cut by end of input' "$T/gerr" || fail "cut record on stdin: rc $rc $(cat "$T/gerr")"

# a viewer started before the guest listens: the hello and nonce it gave
# while nobody listened reach the first connection (before, only a
# reconnect replayed them, and xcap never saw a control hello: input was
# ignored until the viewer restarted); the key typed meanwhile is dropped
ADDR=unix:$T/ctl.late
mkfifo "$T/in4"
"$BIN/vsockd" -c "$ADDR" <"$T/in4" 2>"$T/cerr4" &
CPID=$!
PIDS+=($CPID)
exec 5>"$T/in4"
"$G" hello $H2 nonce $N1 key 0x65 1 >&5
sleep 0.5 # several attempts refused
listen 4
"$G" hello $H2 nonce $N1 >"$T/exp.4"
expect 4 "hello and nonce given before the first connection"
"$G" key 0x66 1 >&5
"$G" key 0x66 1 >>"$T/exp.4"
expect 4 "input after the first connection"
exec 5>&-
wait $CPID || fail "vsockd -c exit $? at end of input"
pass "2 outages announced once each, replay of hello/nonce/refresh, input dropped while down; a hello given before the first connection reaches it"
