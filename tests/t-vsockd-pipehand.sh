#!/usr/bin/env bash
# The control socket handed down the pipes of the seed's composition
# (issue 23): `vsockd -l ADDR | xcap GUEST | shmring -w RING` in the guest
# and `xpaint -r RING -- vsockd -c ADDR` on the host, typed as the README
# types them, carry a key xpaint -> socket -> xcap as `vsockd -- TOOL`
# does: vsockd hands xcap each connection down its stdout's pipe
# (lib/pipering.h, PIPECTL_NAME), and xpaint's vsockd hands its sockets
# to xpaint ($XS_CTL_GIVE). Checked: the picture is exact, typed text
# reaches bash in a guest xterm, and neither vsockd carried a record
# (their stats); `vsockd -p` on both sides carries them as before; a
# connection vsockd carried before xcap came (xcap started late) is handed
# over between two records, the records already in the pipe first, and
# keys go on; a stranger can neither take vsockd's connections nor give
# xcap one.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$BIN/vsockd" "$TOOLS/pipepeer" "$TOOLS/xwdcmp"; do
	[ -x "$t" ] || { echo "no $t"; exit 77; }
done
for t in xterm xdotool; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RING=/dev/shm/xs-pipehand-$$
trap 'rm -f "$RING"*; cleanup' EXIT

xvfb GUEST 640x480
xvfb HOST 800x600
bg env DISPLAY="$GUEST" xterm -geometry 60x10+0+0 -title gterm -e bash --norc --noprofile
waitfor 10 winid "$GUEST" gterm || fail "guest xterm did not map"
export DISPLAY=$HOST

# guest TAG [AWAIT] [VSOCKD-OPTS]: the seed's guest line on unix:$T/ctl.TAG
# (xcap started once vsockd's log has a line matching AWAIT, if given); VP
# vsockd's pid.
guest() {
	G=$1
	rm -f "$T/rdy.$1"
	mkfifo "$T/rdy.$1"
	( exec "$BIN/vsockd" -l "unix:$T/ctl.$1" -v ${3-} -N 3 3>"$T/rdy.$1" 2>"$T/v.$1.err" ) |
		( if [ -n "${2-}" ]; then waitfor 60 grep -q "$2" "$T/v.$1.err" || exit 1; fi
		  exec "$BIN/xcap" -v "$GUEST" 2>"$T/x.$1.err" ) |
		"$BIN/shmring" -w "$RING.$1" -s 16M 2>"$T/s.$1.err" &
	PIDS+=($!)
	read -r -t 10 LADDR <"$T/rdy.$1" || fail "guest $1 not ready: $(cat "$T/v.$1.err")"
	VP=$(pgrep -f "vsockd -l unix:$T/ctl.$1") || fail "no vsockd -l"
	PIDS+=($VP)
}
# viewer TAG [VSOCKD-OPTS]: the README's host line on the last guest's
# ring (G), bound; XP xpaint's pid, WID its window.
viewer() {
	ring_viewer "$1" "$RING.$G" "$LADDR" "-v -d stats ${2-}"
	waitfor 15 grep -q 'input enabled' "$T/xp.$1.err" || fail "viewer $1 never bound: $(cat "$T/xp.$1.err")"
}
typed() { waitfor 15 grep -qx "$1" "$T/typed.txt" || fail "$2: \"$1\" not typed on the guest: $(tail -5 "$T/x.$3.err")"; }
# records VSOCKD-LOG: the records count of vsockd's last stats line
records() { grep 'stats: connections' "$1" | tail -n1 | sed 's/.* records \([0-9]*\) .*/\1/'; }
stats_of() { kill -USR1 "$1"; waitfor 5 grep -q 'stats: connections' "$2" || fail "no stats from $2"; }

# 1. the seed's composition as typed: both sockets handed over. The
# viewer connects once xcap has joined (a viewer that comes first is
# carried until xcap joins: case 3); on a loaded machine xcap's start can
# come after the viewer's first records.
guest h
waitfor 15 grep -q 'the reader of stdout takes the connections' "$T/v.h.err" || fail "xcap did not join: $(cat "$T/v.h.err" "$T/x.h.err")"
viewer h
settle "$GUEST" "$HOST" "$WID" 20 || fail "viewer not exact"
typeline "echo one > $T/typed.txt"
typed one "handed over" h
grep -q 'the reader of stdout takes the connections' "$T/v.h.err" || fail "vsockd -l kept the records: $(cat "$T/v.h.err")"
grep -q 'vsockd hands its connections down the pipe' "$T/x.h.err" || fail "xcap did not join: $(cat "$T/x.h.err")"
grep -q 'control connection from vsockd' "$T/x.h.err" || fail "xcap did not read the socket: $(cat "$T/x.h.err")"
grep -q 'the control command hands over its connections' "$T/xp.h.err" || fail "xpaint kept the pipe: $(cat "$T/xp.h.err")"
stats_of "$VP" "$T/v.h.err"
[ "$(records "$T/v.h.err")" = 0 ] || fail "vsockd -l carried records: $(grep stats "$T/v.h.err")"
VC=$(pgrep -P "$XP" vsockd) || fail "no vsockd under xpaint"
stats_of "$VC" "$T/xp.h.err"
[ "$(records "$T/xp.h.err")" = 0 ] || fail "vsockd -c carried records: $(grep stats "$T/xp.h.err")"
# the viewer goes and comes back: xcap drops the connection, vsockd
# takes and hands over the next one
kill "$XP"
waitfor 10 grep -q 'the controller hung up: input released' "$T/x.h.err" || fail "no hang-up: $(cat "$T/x.h.err")"
viewer h2
typeline "echo two > $T/typed.txt"
typed two "a second viewer" h
kill "$XP"
kill "$VP"
wait "$XP" 2>/dev/null

# 2. -p on both sides: the records pass through both vsockd, as before
guest p '' -p
viewer p -p
typeline "echo three > $T/typed.txt"
typed three "-p" p
stats_of "$VP" "$T/v.p.err"
[ "$(records "$T/v.p.err")" -gt 0 ] || fail "-p: vsockd -l carried nothing: $(grep stats "$T/v.p.err")"
VC=$(pgrep -P "$XP" vsockd) || fail "no vsockd under xpaint"
stats_of "$VC" "$T/xp.p.err"
[ "$(records "$T/xp.p.err")" -gt 0 ] || fail "-p: vsockd -c carried nothing: $(grep stats "$T/xp.p.err")"
! grep -q 'takes the connections\|hands its connections\|hands over its connections' "$T/v.p.err" "$T/x.p.err" "$T/xp.p.err" ||
	fail "-p handed over"
kill "$XP"
kill "$VP"
wait "$XP" 2>/dev/null

# 3. xcap comes after the viewer has connected and vsockd has carried its
# first record (a refresh) into the pipe: vsockd hands the live
# connection over when xcap joins; xcap reads the pipe's records first,
# then the socket's (the hello and nonce: it binds)
guest l 'forwarded' '-d net'
viewer l
grep -q 'the reader of stdout takes the connections' "$T/v.l.err" || fail "late xcap did not join: $(cat "$T/v.l.err")"
grep -q 'controller unix:.* connected' "$T/v.l.err" || fail "no controller before xcap: $(cat "$T/v.l.err")"
typeline "echo four > $T/typed.txt"
typed four "a connection handed over mid-way" l
stats_of "$VP" "$T/v.l.err"
n=$(records "$T/v.l.err")
[ "$n" -gt 0 ] && [ "$n" -lt 10 ] || fail "vsockd -l carried $n records before the hand-over (the first few only)"
! grep -q 'hung up\|input released' "$T/x.l.err" || fail "the hand-over cut the controller: $(cat "$T/x.l.err")"
kill "$XP"
wait "$XP" 2>/dev/null

# 4. strangers (holding neither end of the pipe, found by a named FIFO):
# vsockd keeps its connections from one, xcap takes none from another
F=$T/ctl.fifo
mkfifo "$F"
exec 3<>"$F"
"$BIN/vsockd" -l "unix:$T/ctl.s" -v >"$F" 2>"$T/v.s.err" 3<&- &
PIDS+=($!)
waitfor 5 test -S "$T/ctl.s" || fail "vsockd did not listen"
out=$("$TOOLS/pipepeer" join "$F" 3<&-) || fail "a stranger took vsockd's connections: $out"
waitfor 5 grep -q 'refused a hand-over down the pipe: the peer (pid [0-9]*) does not hold the read end' "$T/v.s.err" ||
	fail "no refusal said: $(cat "$T/v.s.err")"
F2=$T/ctl2.fifo
mkfifo "$F2"
"$TOOLS/pipepeer" give "$F2" >"$T/peer.out" 3<&- &
pp=$!
PIDS+=($pp)
sleep 0.2
exec 4<>"$F2"
"$BIN/xcap" -v "$GUEST" <"$F2" >/dev/null 2>"$T/x.s.err" 3<&- 4<&- &
PIDS+=($!)
wait $pp || fail "xcap took a stranger's connection: $(cat "$T/peer.out")"
grep -q 'refused a hand-over down stdin: the peer (pid [0-9]*) does not hold the write end' "$T/x.s.err" ||
	fail "no refusal said: $(cat "$T/x.s.err")"
pass "the seed's composition: both sockets handed over (no record through vsockd), exact, typed; -p carries; a late xcap takes a live connection; strangers refused"
