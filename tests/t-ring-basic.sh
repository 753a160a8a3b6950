#!/usr/bin/env bash
# shmring -w into a /dev/shm ring and shmring -r out of it: records are
# byte-identical after attach; a restarted reader gets a snapshot (hello
# first, then the whole picture); a restarted writer is followed; writes
# into the ring behind the reader's back give one-line errors, a resync,
# or exit 65 for a header that is no longer a ring. An idle reader sleeps.
. "$(dirname "$0")/lib.sh"
RING=/dev/shm/xs-test-$$
trap 'rm -f "$RING"; cleanup' EXIT
G=$TOOLS/ringgen
MAGIC=$((0x474e5258))
"$G" gen 800x600 15 3 >"$T/s1.xcs"
"$G" gen 800x600 8 9 >"$T/s2.xcs"
pic() { "$G" pic <"$1" | sed 's/ frames=[0-9]*//'; }
want1=$(pic "$T/s1.xcs"); want2=$(pic "$T/s2.xcs")
hdr() { "$G" hdr "$RING" "$1"; }
# the writer has run two heartbeat ticks since the reader attached
ticks_after() { W0=$(hdr whb); waitfor 5 whb_past || fail "writer heartbeat stuck at $(hdr whb) (from $W0)"; }
whb_past() { [ "$(hdr whb)" -ge $((W0 + 2)) ]; }
has_magic() { [ "$(hdr magic)" = $MAGIC ]; }
attached() { [ "$(hdr attach)" -ge 1 ]; }
size_ge() { [ "$(stat -c %s "$1")" -ge "$(stat -c %s "$2")" ]; }
pic_is() { [ "$(pic "$1" 2>/dev/null)" = "$2" ]; }

# 1. attach first, then the stream: byte-identical records
mkfifo "$T/in"
exec 3<>"$T/in"
# (not through bg: a background job without its own redirection reads /dev/null)
"$BIN/shmring" -w "$RING" -s 32M <"$T/in" 2>"$T/w1.err" & PIDS+=($!); wpid=$!
waitfor 5 has_magic || fail "writer did not initialise the ring"
bg "$BIN/shmring" -v -r "$RING" >"$T/o1.xcs" 2>"$T/r1.err"; r1=$!
waitfor 5 attached || fail "reader did not attach"
ticks_after
cat "$T/s1.xcs" >&3
waitfor 20 size_ge "$T/o1.xcs" "$T/s1.xcs" || fail "reader got $(stat -c %s "$T/o1.xcs") bytes"
cmp "$T/s1.xcs" "$T/o1.xcs" || fail "records differ after attach"
# an idle reader sleeps in poll (the library's notifier thread beats for
# it): wake-ups of all its threads in 2 s, counted, not timed (2-4 measured;
# 40 when it woke every 50 ms)
wakeups() { cat /proc/"$1"/task/*/schedstat | awk '{ n += $3 } END { print n }'; }
sleep 0.5
a=$(wakeups "$r1"); sleep 2; a=$(($(wakeups "$r1") - a))
[ "$a" -le 8 ] || fail "idle shmring -r: $a wake-ups in 2 s"

# 2. reader killed and restarted: a snapshot, hello first, the whole picture
kill "$r1"
bg "$BIN/shmring" -v -r "$RING" >"$T/o2.xcs" 2>"$T/r2.err"; r2=$!
waitfor 10 pic_is "$T/o2.xcs" "$want1" || fail "restarted reader: $(pic "$T/o2.xcs") want $want1"
[ "$("$G" pic <"$T/o2.xcs" | grep -o 'first=[a-z]*')" = first=hello ] || fail "snapshot does not start with hello"

# 3. writer killed and restarted with another stream: the reader follows
kill "$wpid"; exec 3>&-
waitfor 5 sh -c "! kill -0 $wpid"
"$BIN/shmring" -w "$RING" -s 32M -l 30 <"$T/s2.xcs" & PIDS+=($!); w2=$!
waitfor 10 pic_is "$T/o2.xcs" "$want2" || fail "reader did not follow the new writer: $(pic "$T/o2.xcs")"
waitfor 5 grep -q 'writer restarted' "$T/r2.err" || fail "no restart message: $(cat "$T/r2.err")"

# 4. a bad record header at the producer position, published
p=$(hdr prod); dl=$(hdr datalen)
"$G" poke "$RING" $((4096 + p % dl)) 10000000630000000000000000000000
"$G" poke "$RING" 64 "$(printf '%016x' $((p + 64)) | sed 's/../& /g' | awk '{for(i=8;i>0;i--) printf $i}')"
waitfor 5 grep -q 'corrupt ring: record header at position' "$T/r2.err" || fail "no record error: $(cat "$T/r2.err")"
kill -0 "$r2" || fail "reader died on a bad record"
# 5. a producer position far ahead of the reader, poked once the writer
# has answered the reader's new attach (its resync) with a hello: that
# publish would overwrite the poke
moved() { [ "$(hdr prod)" != "$1" ]; }
waitfor 5 moved $((p + 64)) || fail "the writer did not answer the reader's new attach (producer still $(hdr prod))"
"$G" poke "$RING" 64 2000000000000100
waitfor 5 grep -q 'corrupt ring: producer position' "$T/r2.err" || fail "no producer error: $(cat "$T/r2.err")"
kill -0 "$r2" || fail "reader died on a bad producer position"
[ "$(grep -c . "$T/r2.err")" -lt 20 ] || fail "error flood: $(wc -l <"$T/r2.err") lines"
# 6. a magic that is not a ring any more: exit 65 with the field named
"$G" poke "$RING" 0 efbeadde
rc=0; waitfor 5 sh -c "! kill -0 $r2" || fail "reader ignored a bad magic"
wait "$r2" || rc=$?
[ $rc = 65 ] || fail "bad magic: exit $rc, want 65"
grep -q 'not a ring: magic 0xdeadbeef at offset 0' "$T/r2.err" || fail "$(tail -1 "$T/r2.err")"
kill "$w2"

# 7. sizing errors: ring smaller than a frame, file too small, size mismatch, not a ring
rm -f "$RING"
rc=0; "$BIN/shmring" -w "$RING" -s 1M <"$T/s1.xcs" 2>"$T/e1" || rc=$?
[ $rc = 65 ] && grep -q 'too small for a 800x600 screen.*at least 16777216 bytes' "$T/e1" || fail "small ring: rc $rc $(cat "$T/e1")"
rm -f "$RING"
rc=0; "$BIN/shmring" -w "$RING" -s 8K </dev/null 2>"$T/e2" || rc=$?
[ $rc = 69 ] && grep -q 'too small for a ring' "$T/e2" || fail "tiny file: rc $rc $(cat "$T/e2")"
rm -f "$RING"
"$G" gen 64x48 1 | "$BIN/shmring" -w "$RING" -s 1M
truncate -s 2M "$RING"
rc=0; timeout 5 "$BIN/shmring" -r "$RING" >/dev/null 2>"$T/e3" || rc=$?
[ $rc = 65 ] && grep -q 'size mismatch: the ring header says 1048576 bytes, the file has 2097152' "$T/e3" || fail "mismatch: rc $rc $(cat "$T/e3")"
head -c 1M /dev/urandom >"$RING"
rc=0; timeout 5 "$BIN/shmring" -r "$RING" >/dev/null 2>"$T/e4" || rc=$?
[ $rc = 65 ] && grep -q 'not a ring: magic' "$T/e4" || fail "random file: rc $rc $(cat "$T/e4")"

# 7b. the newcomer's picture after many laps of a small ring: shmring -w
# decodes a rect into it only when the ring is about to overwrite the
# record, or a reader attaches, and skips rects a later one covers; the
# snapshot must be the stream's picture (a missed decode, or one from
# bytes already overwritten, gives another crc). Also the BAR-like path (-p).
"$G" gen 800x600 100 11 >"$T/s3.xcs"
want3=$(pic "$T/s3.xcs")
for p in "" -p; do
	rm -f "$RING"
	"$BIN/shmring" $p -w "$RING" -s 4M -l 30 <"$T/s3.xcs" 2>"$T/w3.err" & PIDS+=($!); w3=$!
	sleep 0.5
	bg "$BIN/shmring" -r "$RING" >"$T/o3.xcs" 2>"$T/r3.err"; r3=$!
	waitfor 30 pic_is "$T/o3.xcs" "$want3" || fail "snapshot after laps ($p): $(pic "$T/o3.xcs") want $want3: $(cat "$T/w3.err")"
	kill "$r3" "$w3"
done

# 8. a PCI BAR that is not enabled, or reads back as all ones (fake sysfs layout)
D=$T/sys/bus/pci/devices/0000:00:05.0; mkdir -p "$D"
echo 0 >"$D/enable"; echo 0x1af4 >"$D/vendor"
truncate -s 1M "$D/resource2_wc"; chmod 600 "$D/resource2_wc"
rc=0; "$BIN/shmring" -w "$D/resource2_wc" </dev/null 2>"$T/e5" || rc=$?
[ $rc = 69 ] && grep -q "not enabled.*echo 1 > $D/enable" "$T/e5" || fail "disabled BAR: rc $rc $(cat "$T/e5")"
echo 1 >"$D/enable"
head -c 1M /dev/zero | tr '\0' '\377' >"$D/resource2_wc"
rc=0; "$BIN/shmring" -w "$D/resource2_wc" </dev/null 2>"$T/e6" || rc=$?
[ $rc = 69 ] && grep -q "reads back as all ones.*echo 1 > $D/enable" "$T/e6" || fail "all-ones BAR: rc $rc $(cat "$T/e6")"
pass
