#!/usr/bin/env bash
# A real guest (qemu TCG) writes a recorded frame stream into ivshmem's
# resource2_wc with the static shmring (through private memory: it never
# reads the BAR); the host reads the same memory from /dev/shm with
# shmring -r and must end with the recording's picture. Then xpaint -r on
# an Xvfb attaches to the ring while the guest lingers and must show the
# same picture as the recording replayed over a pipe (xwd -id, xwdcmp).
# The guest first runs shmring with the device disabled: the error must say so.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing"; exit 77; }
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "no kernel in /boot"; exit 77; }
command -v busybox >/dev/null || { echo "busybox-static missing"; exit 77; }
for t in Xvfb xwd xdotool; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
[ -x "$OPTBIN/shmring.static" ] || fail "build/shmring.static missing (make build/shmring.static)"
RING=/dev/shm/xs-vm-$$
trap 'rm -f "$RING"; cleanup' EXIT
"$TOOLS/ringgen" gen 640x480 10 7 >"$T/rec.xcs"
# the guest lingers after its stream so xpaint -r can attach and get a snapshot
"$TOP/scripts/vm-initramfs" "$T/initrd.gz" "$OPTBIN/shmring.static" "$T/rec.xcs" 20
truncate -s 32M "$RING"; chmod 600 "$RING"
want=$("$TOOLS/ringgen" pic <"$T/rec.xcs" | sed 's/frames=[0-9]* //')
pic_is() { [ "$("$TOOLS/ringgen" pic <"$1" 2>/dev/null | sed 's/frames=[0-9]* //')" = "$2" ]; }
bg "$BIN/shmring" -v -r "$RING" >"$T/out.xcs" 2>"$T/reader.err"
rpid=$!
bg "$TOP/scripts/vm-run" "$T/initrd.gz" "$RING" 150 "$T/vm.log"
vm=$!
vm_says() { grep -aq "$1" "$T/vm.log"; }
waitfor 120 pic_is "$T/out.xcs" "$want" ||
	fail "shmring -r did not get the recording's picture: $("$TOOLS/ringgen" pic <"$T/out.xcs" 2>&1); $(grep -a 'vm:\|shmring' "$T/vm.log")"
kill "$rpid"; wait "$rpid" 2>/dev/null || true
vm_says 'vm: disabled rc=69' || fail "no EX_NOX for a disabled device: $(grep -a vm: "$T/vm.log")"
vm_says 'is not enabled.*echo 1 > /sys/bus/pci/devices/.*/enable' || fail "no enable hint in the guest's error"
vm_says 'resource2_wc.*records through private memory' || fail "the guest writer may read the BAR: $(grep -a 'writing' "$T/vm.log")"
# the reader says what it attached to, and no corruption was reported
grep -q 'attached; first record: hello' "$T/reader.err" || fail "reader did not attach: $(cat "$T/reader.err")"
! grep -q corrupt "$T/reader.err" || fail "$(cat "$T/reader.err")"

# xpaint -r on the ring the guest is still writing (lingering: it answers the
# attach with a snapshot through the BAR) against the recording replayed over
# a pipe on another Xvfb
xvfb VIEW 800x600
xvfb REF 800x600
DISPLAY=$REF "$BIN/xpaint" -t vmref <"$T/rec.xcs" >/dev/null 2>"$T/ref.err" & PIDS+=($!)
DISPLAY=$VIEW "$BIN/xpaint" -v -r "$RING" -t vmring >/dev/null 2>"$T/xpaint.err" & PIDS+=($!)
xp=$!
waitfor 10 winid "$REF" vmref || fail "no replay window: $(cat "$T/ref.err")"
waitfor 10 winid "$VIEW" vmring || fail "no xpaint -r window: $(cat "$T/xpaint.err")"
ref=$(winid "$REF" vmref) view=$(winid "$VIEW" vmring)
same() {
	xwd -silent -id "$ref" -display "$REF" >"$T/ref.xwd" && xwd -silent -id "$view" -display "$VIEW" >"$T/view.xwd" &&
		"$TOOLS/xwdcmp" "$T/ref.xwd" "$T/view.xwd" >"$T/cmp.out"
}
waitfor 15 same || fail "xpaint -r shows another picture than the replay: $(cat "$T/cmp.out"); $(tail -3 "$T/xpaint.err")"
vm_says 'reader attached: sent a 640x480 snapshot' || fail "the guest sent no snapshot: $(grep -a 'shmring' "$T/vm.log")"
kill "$xp"; wait "$xp" || fail "xpaint -r exited $? on SIGTERM"
wait "$vm" || fail "qemu: rc $? $(tail -5 "$T/vm.log")"
vm_says 'vm: writer rc=0' || fail "guest writer failed: $(grep -a 'vm:\|shmring' "$T/vm.log")"
pass "guest writes resource2_wc, host reads /dev/shm: same picture ($want); xpaint -r equals the replay ($(cat "$T/cmp.out"))"
