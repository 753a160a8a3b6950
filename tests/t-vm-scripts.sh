#!/usr/bin/env bash
# The VM helper scripts without a VM: xs-guest-bar on a fake sysfs (no
# device, disabled then enabled, too small, several, -n), xs-host-find on a
# fake virsh and on QEMU command lines, sizing; each script answers -h.
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts
for s in xs-guest-bar xs-host-find vm-boot vm-demo; do
	"$S/$s" -h >"$T/h.out" 2>&1 || fail "$s -h exited $?"
	grep -qi usage "$T/h.out" || grep -q 'vm-demo' "$T/h.out" || fail "$s -h says no usage"
done
sys=$T/sys d=$T/sys/bus/pci/devices/0000:00:05.0
mkdir -p "$T/sys/bus/pci/devices"
bar() { XS_SYSFS=$sys "$S/xs-guest-bar" "$@" 2>"$T/bar.err"; }
rc() { "$@" >"$T/rc.out" && echo 0 || echo $?; }
[ "$(rc bar)" = 69 ] && grep -q 'no ivshmem device (PCI 1af4:1110)' "$T/bar.err" || fail "no device: $(cat "$T/bar.err")"
mkdir -p "$d" && echo 0x1af4 >"$d/vendor" && echo 0x1110 >"$d/device" && echo 0 >"$d/enable"
truncate -s 8M "$d/resource2" && : >"$d/resource2_wc"
[ "$(rc bar -n)" = 69 ] && grep -q 'is not enabled: echo 1 >' "$T/bar.err" || fail "-n on a disabled device: $(cat "$T/bar.err")"
[ "$(bar -g 640x480)" = "$d/resource2_wc" ] && [ "$(cat "$d/enable")" = 1 ] || fail "enable + path: $(cat "$T/bar.err")"
[ "$(rc bar -g 1920x1080)" = 65 ] && grep -q 'too small for a 1920x1080 screen: give the device at least 16 MiB, 32 MiB advised' "$T/bar.err" ||
	fail "too small: $(cat "$T/bar.err")"
truncate -s 4M "$d/resource2"
[ "$(rc bar -g 640x480)" = 0 ] && grep -q 'below the 8 MiB advised' "$T/bar.err" || fail "no warning below the advised size"
[ "$(rc bar -g 64x)" = 64 ] || fail "bad -g accepted"
cp -r "$d" "$T/sys/bus/pci/devices/0000:00:06.0"
[ "$(rc bar)" = 69 ] && grep -q 'several ivshmem devices' "$T/bar.err" || fail "several: $(cat "$T/bar.err")"
[ "$(bar -d 0000:00:06.0)" = "$T/sys/bus/pci/devices/0000:00:06.0/resource2_wc" ] || fail "-d"

find() { "$S/xs-host-find" "$@" 2>"$T/find.err"; }
mkdir -p "$T/bin"
cat >"$T/bin/virsh" <<'V'
#!/bin/sh
[ "$1 $2" = "dumpxml vm1" ] || { echo "error: failed to get domain '$2'" >&2; exit 1; }
printf '%s\n' "<domain><devices><shmem name='vm1'><model type='ivshmem-plain'/><size unit='M'>32</size></shmem>" \
	"<vsock model='virtio'>" "<cid auto='yes' address='7'/>" "</vsock></devices></domain>"
V
chmod +x "$T/bin/virsh"
[ "$(PATH=$T/bin:$PATH find -d vm1 | tail -n1)" = "xpaint -r /dev/shm/vm1 -- vsockd -c 7:14500" ] || fail "virsh: $(cat "$T/find.err")"
[ "$(PATH=$T/bin:$PATH rc find -d nope)" = 66 ] || fail "unknown domain"
q="qemu-system-x86_64 -object memory-backend-file,id=m0,size=32M,mem-path=/dev/shm/g,share=on -device ivshmem-plain,memdev=m0 -device vhost-vsock-pci,guest-cid=9"
[ "$(find -q "$q" -c)" = 9 ] && [ "$(find -q "$q" -m)" = /dev/shm/g ] || fail "qemu line: $(cat "$T/find.err")"
[ "$(rc find -q "qemu-system-x86_64 -m 1G")" = 69 ] && grep -q 'no ivshmem-plain' "$T/find.err" || fail "no shm"
find -q "${q/share=on/share=off}" -m >/dev/null && grep -q 'no share=on' "$T/find.err" || fail "no share warning"
[ "$(find -s 1920x1080 | head -n1)" = "size=32M (advised for 1920x1080; at least 16M)" ] || fail "sizing 1080p"
[ "$(find -s 3840x2160 | head -n1)" = "size=128M (advised for 3840x2160; at least 64M)" ] || fail "sizing 4K"
pass "xs-guest-bar: missing, disabled, too small, several; xs-host-find: virsh, QEMU lines, sizing; -h"
