#!/usr/bin/env bash
# A malicious guest (tests/tools/ringevil) against a live `xpaint -r` and
# `shmring -r`: each case of docs/SECURITY.md ("Hostile ring") has its
# documented outcome, checked here: one line on stderr per event, exit 65
# where the ring is unusable, else recovery (xpaint's picture exact again,
# shmring -r's stream whole again), never a crash, a sanitizer report or
# a spinning reader. The X server survives the file shrinking under it.
# HOSTILE_P=-p: both readers copy every record out first, as on a PCI BAR
# (t-ring-hostile-bar.sh): the same cases, the same outcomes.
. "$(dirname "$0")/lib.sh"
P=${HOSTILE_P:-}
xvfb D 800x600
export DISPLAY=$D
R=/dev/shm/xs-hostile.$$
trap 'rm -f "$R"; cleanup' EXIT
"$TOOLS/xsgen" valid -o "$T/exp.xwd" >"$T/v.xcs"
XP_OK='^xpaint: ring: (corrupt ring: .*|writer restarted \(new session\): resynchronised|the writer.s heartbeat stopped; waiting for it)$'
SR_OK="^shmring: ($R: corrupt ring: .*|$R: writer stopped \(its heartbeat stopped\); waiting|writer restarted \(new session\): resynchronised|reading $R .*|attached; first record: hello)$"

# start CASE SECS [N]: the evil writer and the two readers (N readers in all)
start() {
	C=$1
	rm -f "$R"
	rm -f "$T/go"
	"$TOOLS/ringevil" "$R" "$1" -T "$2" -a "${3:-2}" -g "$T/go" <"$T/v.xcs" >"$T/$C.ev" 2>"$T/$C.everr" & EV=$!
	PIDS+=($EV)
	waitfor 5 test -s "$R" || fail "$C: ringevil did not start: $(cat "$T/$C.everr")"
	"$BIN/xpaint" $P -x -t "h$C" -r "$R" >/dev/null 2>"$T/$C.xp" & XP=$!
	PIDS+=($XP)
	"$BIN/shmring" $P -v -r "$R" >"$T/$C.out" 2>"$T/$C.sr" & SR=$!
	PIDS+=($SR)
	# the attack starts once both show the picture
	waitfor 10 grep -q 'attached; first record: hello' "$T/$C.sr" || fail "$C: shmring -r did not attach"
	waitfor 10 matches || fail "$C: no picture before the case: $(cat "$T/cmp" "$T/$C.xp")"
	[ -n "${4:-}" ] || touch "$T/go"
}
stop() { kill "$EV" "$XP" "$SR" 2>/dev/null || true; wait "$EV" "$XP" "$SR" 2>/dev/null || true; }
clean() { grep -q '^clean$' "$T/$C.ev"; }
matches() { xwd -silent -id "$(winid "$D" "h$C")" >"$T/got.xwd" && "$TOOLS/xwdcmp" "$T/exp.xwd" "$T/got.xwd" >"$T/cmp"; }
# the stream shmring -r wrote since its last hello paints the expected picture
stream_whole() { "$TOOLS/xsdump" -q -p -o "$T/sr.xwd" "$T/$C.out" >/dev/null 2>&1 && "$TOOLS/xwdcmp" "$T/exp.xwd" "$T/sr.xwd" >/dev/null; }
# only known one-line messages, none of a sanitizer
lines_ok() {
	! grep -vE "$XP_OK" "$T/$C.xp" | grep -q . || fail "$C: xpaint said: $(grep -vE "$XP_OK" "$T/$C.xp" | head -3)"
	! grep -vE "$SR_OK" "$T/$C.sr" | grep -q . || fail "$C: shmring -r said: $(grep -vE "$SR_OK" "$T/$C.sr" | head -3)"
}
# recovered [stream]: both readers alive, xpaint's picture exact, the lines known
recovered() {
	waitfor 10 clean || fail "$C: the case did not end: $(cat "$T/$C.everr")"
	kill -0 "$XP" 2>/dev/null || fail "$C: xpaint -r died: $(tail -3 "$T/$C.xp")"
	kill -0 "$SR" 2>/dev/null || fail "$C: shmring -r died: $(tail -3 "$T/$C.sr")"
	waitfor 10 matches || fail "$C: picture not back: $(cat "$T/cmp")"
	[ -z "${1:-}" ] || waitfor 5 stream_whole || fail "$C: shmring -r's stream does not end in the picture"
	lines_ok
}
said() { grep -qE "$2" "$T/$C.$1" || fail "$C: no '$2' from $1: $(head -3 "$T/$C.$1")"; }
# cpu PID: clock ticks (1/100 s) of user and system time so far
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
exited() { ! kill -0 "$1" 2>/dev/null; }

# rewrites racing the readers' copies: resynchronisations, never a crash.
# A rewrite inside a body that passes the header checks makes xpaint end
# as at any bad record (65, one line naming it); else it recovers.
start race 2
waitfor 10 clean || fail "race: the case did not end: $(cat "$T/race.everr")"
if ! kill -0 "$XP" 2>/dev/null; then
	rc=0; wait "$XP" || rc=$?
	last=$(tail -n1 "$T/race.xp")
	[ $rc = 65 ] && echo "$last" | grep -qE '^xpaint: [a-z-]+ record at (offset|ring position) [0-9]+: ' ||
		fail "race: xpaint -r exit $rc: $last"
	sed -i '$d' "$T/race.xp"
	race_xp="xpaint -r ended 65 at a bad body"
	"$BIN/xpaint" $P -x -t hrace -r "$R" >/dev/null 2>>"$T/race.xp" & XP=$!
	PIDS+=($XP)
else
	race_xp="xpaint -r recovered"
fi
recovered
said sr 'corrupt ring'
# hundreds of bad records in 2 s: one line a kind (at most 8 kinds), then a count every few seconds
# (lib/util.c warn_limited), never a line each: a guest cannot flood the journal
for r in sr xp; do
	n=$(grep -c 'corrupt ring' "$T/race.$r" || true)
	[ "$n" -le 12 ] || fail "race: $n 'corrupt ring' lines from $r in 2 s (rate-limited: at most 12)"
done
stop
for c in behind ahead wrap; do
	start $c 0.5
	recovered stream
	said xp 'corrupt ring: producer position'
	said sr 'corrupt ring: producer position'
	stop
done
start session 0.5
recovered stream
said xp 'writer restarted'
said sr 'writer restarted'
stop
start bigrec 0.5
recovered stream
said xp 'crosses the end of the ring'
said sr 'crosses the end of the ring'
stop

# the heartbeat stops: said once each, no spinning, then back
start noheart 2.5
waitfor 5 grep -q '^attack$' "$T/$C.ev" || fail "noheart: no attack"
sleep 1.3
x0=$(cpu "$XP") s0=$(cpu "$SR")
sleep 1
x1=$(cpu "$XP") s1=$(cpu "$SR")
[ $((x1 - x0)) -le 5 ] && [ $((s1 - s0)) -le 5 ] || fail "noheart: readers busy while the writer is stopped: $((x1 - x0)) and $((s1 - s0)) ticks in 1 s"
recovered stream
[ "$(grep -c 'heartbeat stopped' "$T/$C.xp")" = 1 ] || fail "noheart: xpaint: $(cat "$T/$C.xp")"
[ "$(grep -c 'writer stopped' "$T/$C.sr")" = 1 ] || fail "noheart: shmring -r: $(cat "$T/$C.sr")"
stop

# a rect outside the surface: xpaint -r ends with 65; shmring -r passes it
# on and the xpaint behind it (the pipe composition) ends with 65 too
start oversize 0.5 3 later
(set +e; "$BIN/shmring" $P -v -r "$R" 2>"$T/p.sr" | "$BIN/xpaint" -x -t hpipe >/dev/null 2>"$T/p.xp"; echo "${PIPESTATUS[*]}" >"$T/p.rc") &
PIDS+=($!)
waitfor 10 grep -q 'attached; first record: hello' "$T/p.sr" || fail "oversize: the pipe's shmring -r did not attach"
touch "$T/go"
waitfor 10 exited "$XP" || fail "oversize: xpaint -r still running"
rc=0; wait "$XP" || rc=$?
[ $rc = 65 ] || fail "oversize: xpaint -r exit $rc: $(cat "$T/$C.xp")"
grep -qx 'xpaint: rect record at offset [0-9]*: rect 640x4+0+0 outside the 320x240 surface' "$T/$C.xp" ||
	fail "oversize: xpaint -r said: $(cat "$T/$C.xp")"
waitfor 10 test -s "$T/p.rc" || fail "oversize: the pipe composition did not end"
[ "$(cat "$T/p.rc")" = "74 65" ] || fail "oversize: shmring -r | xpaint exit $(cat "$T/p.rc"): $(cat "$T/p.sr" "$T/p.xp")"
grep -q 'outside the 320x240 surface' "$T/p.xp" || fail "oversize: xpaint after the pipe said: $(cat "$T/p.xp")"
grep -q '^shmring: stdout closed by the reader of the stream$' "$T/p.sr" || fail "oversize: shmring -r said: $(cat "$T/p.sr")"
kill -0 "$SR" || fail "oversize: shmring -r died"
stop

# the file shrinks under both (and under the X server, which maps it too)
start shrink 0.5
waitfor 10 exited "$XP" && waitfor 5 exited "$SR" || fail "shrink: the readers did not end"
rc=0; wait "$XP" || rc=$?
rs=0; wait "$SR" || rs=$?
[ "$rc $rs" = "65 65" ] || fail "shrink: exit $rc and $rs: $(cat "$T/$C.xp" "$T/$C.sr")"
grep -qx 'xpaint: the ring file shrank under us: 4096 bytes now, 2097152 mapped.*' "$T/$C.xp" || fail "shrink: xpaint said $(cat "$T/$C.xp")"
grep -qx "shmring: $R: the ring file shrank under us: 4096 bytes now, 2097152 mapped.*" "$T/$C.sr" || fail "shrink: shmring said $(cat "$T/$C.sr")"
xdpyinfo -display "$D" >/dev/null 2>&1 || fail "shrink: the X server died"
stop
pass "${P:+copy-out readers: }race ($race_xp), behind, ahead, wrap, session, bigrec, noheart recovered; oversize and shrink exit 65 with one line"
