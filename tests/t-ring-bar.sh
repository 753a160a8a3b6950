#!/usr/bin/env bash
# The readers on something named like a PCI BAR (a fake device folder:
# resource2_wc beside an `enable` file), as a second guest sees its ivshmem
# device: xpaint -r and shmring -r take it for a BAR by its name, copy
# every record out first (docs/RING.md, "On a PCI BAR") and must still
# show the writer's picture pixel-exact: xpaint's window against the
# recording replayed over a pipe on another Xvfb, the stream shmring -r
# wrote against the recording's picture; a disabled device (`enable` reads 0) and one whose
# memory reads as all ones are refused by both with exit 69 and the fix.
. "$(dirname "$0")/lib.sh"
xvfb D 800x600
xvfb REF 800x600
export DISPLAY=$D
dev=$T/pci/0000:00:05.0 # a ':' in the path, as in sysfs
mkdir -p "$dev"
bar=$dev/resource2_wc
(umask 077 && truncate -s 4M "$bar")
echo 1 >"$dev/enable"
"$TOOLS/ringgen" gen 320x240 10 7 >"$T/v.xcs"
want=$("$TOOLS/ringgen" pic <"$T/v.xcs" | sed 's/frames=[0-9]* //')
DISPLAY=$REF "$BIN/xpaint" -t ref <"$T/v.xcs" >/dev/null 2>"$T/ref.err" &
PIDS+=($!)

# the writer (it too takes the file for a BAR: private copy) lingers to
# answer the readers' attaches with a snapshot
"$BIN/shmring" -v -w "$bar" -l 60 <"$T/v.xcs" 2>"$T/w.err" &
w=$!
PIDS+=($w)
waitfor 10 grep -q 'through private memory' "$T/w.err" || fail "the writer did not take $bar for a BAR: $(cat "$T/w.err")"
bg "$BIN/xpaint" -v -t fakebar -r "$bar" >/dev/null 2>"$T/xp.err"
bg "$BIN/shmring" -v -r "$bar" >"$T/sr.out" 2>"$T/sr.err"
waitfor 10 winid "$D" fakebar || fail "no xpaint window: $(cat "$T/xp.err")"
waitfor 10 winid "$REF" ref || fail "no replay window: $(cat "$T/ref.err")"
matches() {
	xwd -silent -id "$(winid "$REF" ref)" -display "$REF" >"$T/exp.xwd" &&
		xwd -silent -id "$(winid "$D" fakebar)" >"$T/got.xwd" && "$TOOLS/xwdcmp" "$T/exp.xwd" "$T/got.xwd" >"$T/cmp"
}
waitfor 10 matches || fail "xpaint -r on the BAR shows another picture: $(cat "$T/cmp"; tail -3 "$T/xp.err")"
grep -q "resource2_wc: a PCI BAR: every record is copied out of it first" "$T/xp.err" ||
	fail "xpaint did not copy out of the BAR: $(head -3 "$T/xp.err")"
grep -q "attached to the X server" "$T/xp.err" && fail "xpaint gave the BAR to its X server: $(head -3 "$T/xp.err")"
whole() { [ "$("$TOOLS/ringgen" pic <"$T/sr.out" 2>/dev/null | sed 's/frames=[0-9]* //')" = "$want" ]; }
waitfor 10 whole || fail "shmring -r's stream from the BAR does not end in the recording's picture ($want): $(cat "$T/sr.err")"
grep -q "copied out with" "$T/sr.err" || fail "shmring -r did not copy out of the BAR: $(head -2 "$T/sr.err")"
! grep -q corrupt "$T/xp.err" "$T/sr.err" || fail "a reader saw a corrupt ring: $(grep corrupt "$T/xp.err" "$T/sr.err")"
kill "$w"

# refused: disabled, then enabled but all ones (a device that is gone)
refused() { # WHAT PATTERN
	local rc=0
	"$BIN/shmring" -r "$bar" >/dev/null 2>"$T/r.err" || rc=$?
	[ $rc = 69 ] && [ "$(wc -l <"$T/r.err")" = 1 ] && grep -q "$2" "$T/r.err" ||
		fail "$1: shmring -r exit $rc: $(cat "$T/r.err")"
	rc=0
	timeout 10 "$BIN/xpaint" -r "$bar" >/dev/null 2>"$T/x.err" || rc=$?
	[ $rc = 69 ] && grep -q "$2" "$T/x.err" || fail "$1: xpaint -r exit $rc: $(cat "$T/x.err")"
}
echo 0 >"$dev/enable"
refused disabled "the PCI device is not enabled .*echo 1 > $dev/enable"
echo 1 >"$dev/enable"
head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$bar" conv=notrunc status=none
refused "all ones" "reads back as all ones .*echo 1 > $dev/enable"
pass "xpaint -r and shmring -r on a BAR copy out and show the picture exactly ($(cat "$T/cmp"); $want); disabled and all-ones devices refused (69)"
