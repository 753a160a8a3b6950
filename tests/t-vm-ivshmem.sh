#!/usr/bin/env bash
# A real guest (qemu TCG) writes a recorded frame stream into ivshmem's
# resource2_wc with the static shmring; the host reads the same memory from
# /dev/shm with shmring -r and must end with the recording's picture. The
# guest first runs shmring with the device disabled: the error must say so.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing"; exit 77; }
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "no kernel in /boot"; exit 77; }
command -v busybox >/dev/null || { echo "busybox-static missing"; exit 77; }
[ -x "$OPTBIN/shmring.static" ] || fail "build/shmring.static missing (make build/shmring.static)"
RING=/dev/shm/xs-vm-$$
trap 'rm -f "$RING"; cleanup' EXIT
"$TOOLS/ringgen" gen 640x480 10 7 >"$T/rec.xcs"
"$TOP/scripts/vm-initramfs" "$T/initrd.gz" "$OPTBIN/shmring.static" "$T/rec.xcs" 4
truncate -s 32M "$RING"; chmod 600 "$RING"
bg "$BIN/shmring" -v -r "$RING" >"$T/out.xcs" 2>"$T/reader.err"
"$TOP/scripts/vm-run" "$T/initrd.gz" "$RING" 150 "$T/vm.log" || fail "qemu: rc $? $(tail -5 "$T/vm.log")"
grep -aq 'vm: disabled rc=69' "$T/vm.log" || fail "no EX_NOX for a disabled device: $(grep -a vm: "$T/vm.log")"
grep -aq 'is not enabled.*echo 1 > /sys/bus/pci/devices/.*/enable' "$T/vm.log" || fail "no enable hint in the guest's error"
grep -aq 'vm: writer rc=0' "$T/vm.log" || fail "guest writer failed: $(grep -a 'vm:\|shmring' "$T/vm.log")"
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true
want=$("$TOOLS/ringgen" pic <"$T/rec.xcs" | sed 's/frames=[0-9]* //')
got=$("$TOOLS/ringgen" pic <"$T/out.xcs" | sed 's/frames=[0-9]* //') || fail "bad stream from the ring: $got"
[ "$want" = "$got" ] || fail "picture through the VM ring: got '$got', want '$want'; $(cat "$T/reader.err")"
# the reader says what it attached to, and no corruption was reported
grep -q 'attached; first record: hello' "$T/reader.err" || fail "reader did not attach: $(cat "$T/reader.err")"
! grep -q corrupt "$T/reader.err" || fail "$(cat "$T/reader.err")"
if [ -x "$BIN/xpaint" ] && "$BIN/xpaint" -h 2>&1 | grep -q -- '-r'; then
	: # xpaint -r on Xvfb is compared in t-ring-xpaint.sh once it lands
fi
pass "guest writes resource2_wc, host reads /dev/shm: same picture ($got)"
