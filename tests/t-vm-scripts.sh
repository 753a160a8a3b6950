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
# a fake virsh: the XML libvirt 9 gives for a running domain, vsock (vm1)
# or user-net forwards through <qemu:commandline> (vm2, q35); it logs its
# arguments (qemu:///system unless told, even for a normal user)
cat >"$T/bin/virsh" <<'V'
#!/bin/sh
echo "$*" >>"$VIRSH_LOG"
[ "$1 $3" = "-c dumpxml" ] || exit 2
case $4 in
vm1) printf '%s\n' "<domain type='qemu' id='1'><name>vm1</name><devices>" "<shmem name='vm1'>" \
	"  <model type='ivshmem-plain'/>" "  <size unit='M'>32</size>" "  <alias name='shmem0'/>" "</shmem>" \
	"<vsock model='virtio'>" "<cid auto='yes' address='7'/>" "</vsock></devices></domain>" ;;
vm2) printf '%s\n' "<domain type='qemu' id='2' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>" \
	"<devices><shmem name='doorbell'><model type='ivshmem-doorbell'/><server path='/tmp/s'/></shmem>" \
	"<shmem name='vm2'><model type='ivshmem-plain'/><size unit='M'>8</size></shmem></devices>" "<qemu:commandline>" \
	"<qemu:arg value='-netdev'/>" \
	"<qemu:arg value='user,id=xsnet0,restrict=on,hostfwd=tcp:127.0.0.1:24500-:14500,hostfwd=tcp::24501-:14501'/>" \
	"<qemu:arg value='-device'/>" "<qemu:arg value='virtio-net-pci,netdev=xsnet0,bus=pcie.0,addr=0x10,romfile='/>" \
	"</qemu:commandline></domain>" ;;
vm3) printf '%s\n' "<domain type='qemu'><name>vm3</name><devices><shmem name='vm3'/></devices></domain>" ;;
*) echo "error: failed to get domain '$4'" >&2; exit 1 ;;
esac
V
chmod +x "$T/bin/virsh"
export VIRSH_LOG=$T/virsh.log
vfind() { PATH=$T/bin:$PATH LIBVIRT_DEFAULT_URI= find "$@"; }
[ "$(vfind -d vm1 | tail -n1)" = "vsockd -c 7:14500 -- xpaint -t vm1 -r /dev/shm/vm1 -B 7:14501" ] || fail "virsh vsock: $(cat "$T/find.err")"
[ "$(tail -n1 "$T/virsh.log")" = "-c qemu:///system dumpxml vm1" ] || fail "virsh called as: $(tail -n1 "$T/virsh.log")"
[ "$(vfind -d vm1 -c)" = 7 ] && [ "$(vfind -d vm1 -m)" = /dev/shm/vm1 ] || fail "virsh -c/-m"
[ "$(vfind -d vm1 -b 0 -P 900 -x)" = "vsockd -c 7:900 -- xpaint -t vm1 -r /dev/shm/vm1" ] || fail "-b 0 -P 900: $(vfind -d vm1 -b 0 -P 900 -x)"
PATH=$T/bin:$PATH find -u qemu:///session -d vm1 >/dev/null
[ "$(tail -n1 "$T/virsh.log")" = "-c qemu:///session dumpxml vm1" ] || fail "-u: $(tail -n1 "$T/virsh.log")"
# user-net: the forwards to the guest's 14500 and 14501 (empty host address: 127.0.0.1)
[ "$(vfind -d vm2 -x)" = "vsockd -c tcp:127.0.0.1:24500 -- xpaint -t vm2 -r /dev/shm/vm2 -B tcp:127.0.0.1:24501" ] ||
	fail "virsh user-net: $(vfind -d vm2 -x; cat "$T/find.err")"
[ "$(PATH=$T/bin:$PATH rc find -d vm2 -c)" = 69 ] && grep -q 'no vsock device' "$T/find.err" || fail "-c without vsock"
[ "$(PATH=$T/bin:$PATH rc find -d nope)" = 66 ] || fail "unknown domain"
[ "$(PATH=$T/bin:$PATH rc find -d vm3 -x)" = 69 ] && grep -q 'vm3 is not running (virsh -c qemu:///system start vm3)' "$T/find.err" ||
	fail "a domain that is not running: $(cat "$T/find.err")"
# QEMU command lines: key=value, and JSON as libvirt 9 writes it (pasted
# from its log, quoted); the CID, the ring, forwards
q="qemu-system-x86_64 -object memory-backend-file,id=m0,size=32M,mem-path=/dev/shm/g,share=on -device ivshmem-plain,memdev=m0 -device vhost-vsock-pci,guest-cid=9"
[ "$(find -q "$q" -c)" = 9 ] && [ "$(find -q "$q" -m)" = /dev/shm/g ] || fail "qemu line: $(cat "$T/find.err")"
[ "$(find -q "$q" -x)" = "vsockd -c 9:14500 -- xpaint -r /dev/shm/g -B 9:14501" ] || fail "qemu line -x: $(find -q "$q" -x)"
j="/usr/bin/qemu-system-x86_64 -name guest=lv,debug-threads=on -S
-object '{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":536870912}'
-device '{\"driver\":\"vhost-vsock-pci\",\"id\":\"vsock0\",\"guest-cid\":4,\"vhostfd\":\"28\",\"bus\":\"pci.5\",\"addr\":\"0x0\"}'
-object '{\"qom-type\":\"memory-backend-file\",\"id\":\"shmmem-shmem0\",\"mem-path\":\"/dev/shm/lv\",\"size\":8388608,\"share\":true}'
-device '{\"driver\":\"ivshmem-plain\",\"id\":\"shmem0\",\"memdev\":\"shmmem-shmem0\",\"bus\":\"pci.16\",\"addr\":\"0x1\"}'"
[ "$(find -q "$j" -x)" = "vsockd -c 4:14500 -- xpaint -t lv -r /dev/shm/lv -B 4:14501" ] || fail "libvirt JSON: $(find -q "$j" -x; cat "$T/find.err")"
[ ! -s "$T/find.err" ] || fail "libvirt JSON warned: $(cat "$T/find.err")"
find -q "${j/true/false}" -m >/dev/null && grep -q 'no share=on' "$T/find.err" || fail "JSON share false: no warning"
u="qemu-system-x86_64 -object memory-backend-file,id=m0,size=8M,mem-path=/dev/shm/u,share=on -device ivshmem-plain,memdev=m0
-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:6100-:20500,hostfwd=tcp:127.0.0.1:24600-:14500 -device virtio-net-pci,netdev=n0"
[ "$(find -q "$u" -x)" = "vsockd -c tcp:127.0.0.1:24600 -- xpaint -r /dev/shm/u" ] || fail "user-net without a bell: $(find -q "$u" -x)"
[ "$(rc find -q "qemu-system-x86_64 -m 1G")" = 69 ] && grep -q 'no ivshmem-plain' "$T/find.err" || fail "no shm"
find -q "${q/share=on/share=off}" -m >/dev/null && grep -q 'no share=on' "$T/find.err" || fail "no share warning"
# the ring's rights, said before xpaint would refuse
R=/dev/shm/xs-scripts-$$
trap 'rm -f "$R"; cleanup' EXIT
truncate -s 8M "$R" && chmod 644 "$R"
find -q "${u//\/dev\/shm\/u/$R}" >/dev/null && grep -q "is mode 644: every local user can read the guest's screen" "$T/find.err" ||
	fail "no warning on a 644 ring: $(cat "$T/find.err")"
[ "$(find -s 1920x1080 | head -n1)" = "size=32M (advised for 1920x1080; at least 16M)" ] || fail "sizing 1080p"
[ "$(find -s 3840x2160 | head -n1)" = "size=128M (advised for 3840x2160; at least 64M)" ] || fail "sizing 4K"
pass "xs-guest-bar: missing, disabled, too small, several; xs-host-find: virsh (vsock, user-net, URI), QEMU lines (key=value, libvirt JSON), forwards, bell, the ring's mode, sizing; -h"
