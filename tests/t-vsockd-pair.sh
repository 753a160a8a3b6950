#!/usr/bin/env bash
# vsockd -l / -c over unix:PATH and tcp:127.0.0.1: records arrive byte for
# byte; garbage, oversized records and a peer hanging up mid-record leave
# nothing half-written, a reset follows every disconnect, and the listener
# keeps serving; a second controller is refused while one is served.
. "$(dirname "$0")/lib.sh"
G=$TOOLS/ctlgen
[ -x "$G" ] || fail "$G missing (make build/tools/ctlgen)"
H1=00112233445566778899aabbccddeeff
N1=ffeeddccbbaa99887766554433221100

# listen ADDR TAG: start vsockd -l, wait for its readiness line, set LADDR.
listen() {
	mkfifo "$T/rdy.$2"
	"$BIN/vsockd" -l "$1" -N 3 -v 3>"$T/rdy.$2" >"$T/out.$2" 2>"$T/err.$2" &
	LPID=$!
	PIDS+=($LPID)
	read -r -t 10 LADDR <"$T/rdy.$2" || fail "vsockd -l $1 not ready: $(cat "$T/err.$2")"
}
# caught_up TAG: out.TAG has at least as many bytes as exp.TAG.
caught_up() { [ "$(stat -c %s "$T/out.$1")" -ge "$(stat -c %s "$T/exp.$1")" ]; }
# expect TAG: wait until out.TAG equals exp.TAG byte for byte.
expect() {
	waitfor 10 caught_up "$1" || true
	cmp "$T/exp.$1" "$T/out.$1" || { xxd "$T/out.$1" | tail -8 >&2; fail "$1: output differs ($2)"; }
}
logged() { waitfor 5 grep -q -- "$2" "$T/err.$1" || fail "$1: no log line \"$2\": $(cat "$T/err.$1")"; }

one() {
	local tag=$1
	listen "$2" "$tag"
	: >"$T/exp.$tag"

	# a whole session through vsockd -c, then the reset of its hang-up
	"$G" hello $H1 nonce $N1 key 0x61 1 key 0x61 0 button 4 1 10 20 button 4 0 10 20 motion 5 7 \
		refresh size 800 600 | "$BIN/vsockd" -c "$LADDR" 2>"$T/cerr.$tag" || fail "$tag: vsockd -c failed: $(cat "$T/cerr.$tag")"
	"$G" hello $H1 nonce $N1 key 0x61 1 key 0x61 0 button 4 1 10 20 button 4 0 10 20 motion 5 7 \
		refresh size 800 600 reset >>"$T/exp.$tag"
	expect "$tag" "session"

	# garbage after a good record: the good one passes, then a reset
	"$G" -c "$LADDR" key 0x62 1 raw deadbeefdeadbeef key 0x63 1
	"$G" key 0x62 1 reset >>"$T/exp.$tag"
	expect "$tag" "garbage"
	logged "$tag" "unknown record (type 44510, length 4022250974) at offset 24: not a control record type"

	# a frame-stream record and an oversized control record are refused
	"$G" -c "$LADDR" hdr 65 20000 raw 00000000
	"$G" -c "$LADDR" hdr 5 12 raw 000000000000000000000000
	"$G" reset reset >>"$T/exp.$tag"
	expect "$tag" "oversized"
	logged "$tag" "longer than any control record"
	logged "$tag" "not a control record type"

	# hang up mid-record: nothing of it is written, even while it waits
	"$G" -c "$LADDR" key 0x64 1 raw 100000004100 sleep 400 &
	local gp=$!
	"$G" key 0x64 1 >>"$T/exp.$tag"
	expect "$tag" "mid-record, before the hang-up"
	sleep 0.1
	cmp -s "$T/exp.$tag" "$T/out.$tag" || fail "$tag: partial record written before the hang-up"
	wait $gp
	"$G" reset >>"$T/exp.$tag"
	expect "$tag" "mid-record"
	logged "$tag" "hung up mid-record at offset 24: 6 bytes dropped"

	# one controller at a time: a second one is refused, the first goes on
	"$G" -c "$LADDR" key 0x65 1 sleep 600 key 0x65 0 &
	gp=$!
	"$G" key 0x65 1 >>"$T/exp.$tag"
	expect "$tag" "first controller"
	"$G" -c "$LADDR" key 0x66 1 || true
	logged "$tag" "refused .*one controller at a time"
	wait $gp
	"$G" key 0x65 0 reset >>"$T/exp.$tag"
	expect "$tag" "second controller refused"

	# statistics on SIGUSR1, and the listener still serves
	kill -USR1 "$LPID"
	logged "$tag" "stats: connections 6 refused 1 records 13 bytes 292 rejects 3 resets 6"
	"$G" refresh | "$BIN/vsockd" -c "$LADDR"
	"$G" refresh reset >>"$T/exp.$tag"
	expect "$tag" "after errors"
	kill -TERM "$LPID"
	wait "$LPID" || fail "$tag: vsockd -l exit status $? on SIGTERM"
}

one unix "unix:$T/ctl:with:colons"
[ ! -e "$T/ctl:with:colons" ] || fail "unix socket left behind"
one tcp tcp:127.0.0.1:0
case $LADDR in tcp:127.0.0.1:[1-9]*) ;; *) fail "tcp readiness line \"$LADDR\"" ;; esac

# stdout closed (xcap went away): exit 0 at the next write
mkfifo "$T/rdy.pipe"
( "$BIN/vsockd" -l "unix:$T/p" -N 3 3>"$T/rdy.pipe" 2>"$T/err.pipe"; echo $? >"$T/rc.pipe" ) | head -c 24 >/dev/null &
read -r -t 10 a <"$T/rdy.pipe" || fail "pipe listener not ready"
"$G" -c "$a" key 0x61 1 key 0x61 0 sleep 200
"$G" -c "$a" key 0x61 1 2>/dev/null || true
waitfor 10 test -s "$T/rc.pipe" || fail "vsockd -l did not exit when stdout closed"
[ "$(cat "$T/rc.pipe")" = 0 ] || fail "vsockd -l exit $(cat "$T/rc.pipe") on a closed stdout"
pass "unix and tcp: byte-exact, garbage, oversized, mid-record, busy, EPIPE"
