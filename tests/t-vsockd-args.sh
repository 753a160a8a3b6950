#!/usr/bin/env bash
# vsockd command line: bad addresses and options exit 64 with a message
# naming what was wrong; -a parsing; a real AF_VSOCK listener binds and
# reports readiness (never connected to: there is no vsock transport here).
. "$(dirname "$0")/lib.sh"

# bad ARGS... / EXPECTED-TEXT: exit 64 and the message on stderr.
bad() {
	local want=$1 rc=0; shift
	"$BIN/vsockd" "$@" </dev/null >"$T/out" 2>"$T/err" || rc=$?
	[ $rc = 64 ] || fail "vsockd $* exited $rc, want 64: $(cat "$T/err")"
	grep -q -- "$want" "$T/err" || fail "vsockd $*: message \"$(cat "$T/err")\" lacks \"$want\""
	[ "$(wc -l <"$T/err")" -le 12 ] || fail "vsockd $*: more than a short message"
}
bad 'usage' 
bad 'usage' -l
bad 'one of -l or -c' -l 1 -c 2:1
bad 'needs a CID' -c 14500
bad 'bad address "x:14500"' -c x:14500
bad 'bad vsock CID "x"' -c vsock:x:14500
bad 'bad vsock CID "4294967295"' -c 4294967295:14500
bad 'bad vsock port "0"' -l 0
bad 'bad vsock port "99999999999"' -l 99999999999
bad 'bad vsock address' -l 1:2:3
bad 'bad address "foo"' -c foo
bad 'bad address "http://x"' -l http://x
bad 'bad unix socket path ""' -l unix:
bad 'longer than 107 bytes' -l "unix:/tmp/$(printf 'x%.0s' $(seq 120))"
bad 'expected tcp:HOST:PORT' -c tcp:localhost
bad 'bad tcp port "0"' -c tcp:127.0.0.1:0
bad 'bad tcp port "70000"' -l tcp:127.0.0.1:70000
bad 'cannot resolve tcp host' -c tcp:no.such.host.invalid:1
bad '-a x: expected a vsock CID' -l 14599 -a x
bad '-a -1: expected a vsock CID' -l 14599 -a -1
bad '-a applies to vsock listeners only' -l unix:$T/s -a 3
bad '-a applies to vsock listeners only' -c 3:14599 -a 3
bad '-N 9: not an open file descriptor' -l unix:$T/s -N 9
bad '-N 1: with -l, stdout carries records' -l unix:$T/s -N 1
bad '-d bogus' -l unix:$T/s -d bogus
[ ! -e "$T/s" ] || fail "a refused command line created a socket"

# A path that exists and is not a socket is never replaced.
: >"$T/plain"
rc=0; "$BIN/vsockd" -l "unix:$T/plain" 2>"$T/err" || rc=$?
[ $rc = 64 ] && grep -q 'exists and is not a socket' "$T/err" || fail "plain file: rc $rc, $(cat "$T/err")"
[ -f "$T/plain" ] || fail "plain file removed"

# A real vsock listener (bind works here, connect does not: never connect).
if ! python3 -c 'import socket; socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)' 2>/dev/null; then
	echo "no AF_VSOCK sockets here"; exit 77
fi
mkfifo "$T/rdy"
"$BIN/vsockd" -l 14599 -a 3 -a 5 -N 3 -v 3>"$T/rdy" >/dev/null 2>"$T/verr" &
PIDS+=($!)
read -r -t 10 a <"$T/rdy" || fail "vsock listener not ready: $(cat "$T/verr")"
[ "$a" = vsock:4294967295:14599 ] || fail "vsock readiness line \"$a\""
grep -q 'listening on vsock:4294967295:14599, host CID 2 and 2 more allowed' "$T/verr" || fail "log: $(cat "$T/verr")"
rc=0; "$BIN/vsockd" -l 14599 2>"$T/err2" >/dev/null || rc=$?
[ $rc = 71 ] && grep -q 'bind vsock:4294967295:14599: Address already in use' "$T/err2" || fail "second bind: rc $rc $(cat "$T/err2")"
mkfifo "$T/rdy2"
"$BIN/vsockd" -l any:14598 -N 3 3>"$T/rdy2" >/dev/null 2>"$T/verr2" &
PIDS+=($!)
read -r -t 10 a <"$T/rdy2" || fail "any:PORT listener not ready: $(cat "$T/verr2")"
pass "bad addresses exit 64; -a; vsock listener bound ($a)"
