#!/usr/bin/env bash
# The ring handed up a pipe (lib/pipering.h, docs/RING.md): a stranger who
# holds neither end of the pipe can neither offer xcap a ring (xcap would
# write the screen into it) nor take the one shmring offers; after the
# stranger, the real reader still hands its ring up and xcap writes it.
# The pipe is a named FIFO, so the stranger can find the socket's name.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xcap" "$BIN/shmring" "$TOOLS/pipepeer"; do [ -x "$t" ] || fail "$t missing (make check builds it)"; done
R=/dev/shm/xs-test-ph-$$
trap 'rm -f "$R" "$R.2"; cleanup' EXIT
xvfb SRC 640x480
F=$T/stream.fifo
mkfifo "$F"

# 1. a stranger offers xcap a ring: refused, one line; xcap goes on
exec 3<>"$F" # a reader for xcap's open; closed once shmring reads
( exec "$BIN/xcap" -v -d ring "$SRC" </dev/null >"$F" 2>"$T/xcap.err" ) &
PIDS+=($!)
waitfor 10 grep -q 'its reader may hand us a ring' "$T/xcap.err" || fail "xcap does not listen up its pipe: $(cat "$T/xcap.err")"
out=$("$TOOLS/pipepeer" offer "$F" 3<&-) || fail "a stranger's ring offered up the pipe: $out; $(tail -n2 "$T/xcap.err")"
grep -q 'a ring offered up the pipe refused: the peer (pid [0-9]*) does not hold the read end of the pipe' "$T/xcap.err" ||
	fail "no refusal said: $(tail -n3 "$T/xcap.err")"

# 2. the real reader: the ring handed up the pipe, xcap writes it. This
# shell still holds the FIFO open for writing too (fd 3): the hand-over
# does not wait for an end of file that another holder would hold back
"$BIN/shmring" -v -w "$R" -s 16M <"$F" 2>"$T/shm.err" 3<&- &
PIDS+=($!)
waitfor 10 grep -q 'the ring handed up the pipe: xcap writes it' "$T/shm.err" || fail "no hand-over after the stranger: $(cat "$T/shm.err")"
exec 3<&-
waitfor 5 grep -q 'writing the ring shmring handed up the pipe' "$T/xcap.err" || fail "xcap did not take the ring: $(tail -n3 "$T/xcap.err")"
"$BIN/shmring" -r "$R" >"$T/from-ring" 2>/dev/null &
PIDS+=($!)
waitfor 5 test -s "$T/from-ring" || fail "nothing to read from the ring xcap writes"

# 3. a stranger listens where shmring looks (before any xcap): shmring
# refuses to hand it the ring and copies the stream, which still arrives
F2=$T/stream2.fifo
mkfifo "$F2"
"$TOOLS/pipepeer" listen "$F2" >"$T/peer.out" &
pp=$!
PIDS+=($pp)
sleep 0.2
( exec "$BIN/xcap" "$SRC" </dev/null >"$F2" 2>"$T/xcap2.err" ) & # the name is taken: xcap does not listen
PIDS+=($!)
"$BIN/shmring" -v -w "$R.2" -s 16M <"$F2" 2>"$T/shm2.err" &
PIDS+=($!)
wait $pp || fail "shmring offered its ring to a stranger: $(cat "$T/peer.out")"
[ "$(cat "$T/peer.out")" = "no offer" ] || fail "the stranger: $(cat "$T/peer.out")"
grep -q 'the ring is not handed up the pipe: the peer (pid [0-9]*) does not hold the write end of the pipe' "$T/shm2.err" ||
	fail "no refusal said: $(cat "$T/shm2.err")"
"$BIN/shmring" -r "$R.2" >"$T/from-ring2" 2>/dev/null &
PIDS+=($!)
waitfor 5 test -s "$T/from-ring2" || fail "the copied stream did not reach the ring"
pass "a stranger's ring refused by xcap, shmring's ring refused to a stranger (stream copied); the real pair hands over after the stranger"
