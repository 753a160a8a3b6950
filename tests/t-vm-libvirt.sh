#!/usr/bin/env bash
# The deployment under real libvirt (docs/VM.md, "libvirt"): the project's
# guest image booted by virt-install with the seed's --shmem, domain type
# qemu (TCG), q35, user-net forwards for control and bell through
# <qemu:commandline> (this host has no vhost-vsock), the xs-ring hook
# installed. The test starts virtlogd and libvirtd itself (no systemd
# here; a config with Debian's socket rights for the libvirt group without
# polkit) and a user of its own in the libvirt group. As that user, the
# command `xs-host-find -d DOMAIN -x` prints, run as printed, must show the
# guest pixel-exact and carry keys into its xterm; the ring file must be
# libvirt-qemu:libvirt 0660, unreadable by others (nobody's cat refused);
# `xs-host-find -p` on libvirt's QEMU (JSON -object/-device) must find the
# ring and the same addresses. Then, twice, as that user: virsh destroy,
# virsh start, and the same again with no other step.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing"; exit 77; }
k=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
[ -n "$k" ] && [ -r "$k" ] || { echo "no readable kernel in /boot (linux-image-amd64; reading it needs root)"; exit 77; }
command -v busybox >/dev/null || { echo "busybox-static missing"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root: starts libvirtd, adds a user to the libvirt group"; exit 77; }
for t in libvirtd virtlogd virsh virt-install jq setpriv useradd Xvfb xwd xdotool; do
	command -v $t >/dev/null || fail "no $t (scripts/deps)"
done
for t in xcap vsockd shmring; do [ -x "$OPTBIN/$t" ] || fail "$OPTBIN/$t missing (make all)"; done
getent passwd libvirt-qemu >/dev/null && getent group libvirt >/dev/null || fail "no libvirt-qemu user or libvirt group (libvirt-daemon-system)"

DOM=xs-lv-$$-$RANDOM U=xslv$$ URI=qemu:///system
# a directory QEMU (libvirt-qemu) and the user can reach: the kernel, the
# image, the console, the binaries under test (the tree may sit in /root)
D=$(mktemp -d /tmp/xs-lv.XXXXXX)
chmod 755 "$D"
started= hooked= HOOK=/etc/libvirt/hooks/qemu.d/xs-ring
finish() {
	virsh -c $URI destroy "$DOM" >/dev/null 2>&1 || true
	virsh -c $URI undefine "$DOM" >/dev/null 2>&1 || true
	rm -f "/dev/shm/$DOM" "/var/log/libvirt/qemu/$DOM.log"
	[ -z "$started" ] || { kill $started 2>/dev/null; sleep 0.3; }
	[ -z "$hooked" ] || rm -f "$HOOK"
	userdel -f "$U" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$D"
	cleanup
}
trap finish EXIT

# --- libvirt: the hook (read when libvirtd starts), the daemons --------
mkdir -p "$(dirname "$HOOK")"
if ! cmp -s "$TOP/scripts/xs-libvirt-hook" "$HOOK"; then
	[ ! -e "$HOOK" ] || fail "$HOOK is another version: install this one (make install) and restart libvirtd"
	install -m 755 "$TOP/scripts/xs-libvirt-hook" "$HOOK"
	hooked=1
fi
alive() { [ -r "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if alive /run/libvirtd.pid; then
	[ -z "$hooked" ] || fail "libvirtd runs already, without the xs-ring hook: restart it"
else
	alive /run/virtlogd.pid || { virtlogd -d && started="$(cat /run/virtlogd.pid)"; }
	# Debian's libvirtd.socket under systemd: 0666 and polkit's rule for the
	# libvirt group; without polkit, the group and 0770 (libvirtd.conf)
	printf '%s\n' 'unix_sock_group = "libvirt"' 'unix_sock_rw_perms = "0770"' 'auth_unix_rw = "none"' \
		'auth_unix_ro = "none"' >"$D/libvirtd.conf"
	libvirtd -d -f "$D/libvirtd.conf" || fail "libvirtd did not start"
	waitfor 10 alive /run/libvirtd.pid || fail "libvirtd did not start"
	started="$started $(cat /run/libvirtd.pid)"
	waitfor 10 virsh -c $URI version || fail "libvirtd does not answer"
fi

useradd -M -N -g users -G libvirt -d "$D/home" -s /bin/sh "$U" || fail "useradd $U"
mkdir -p "$D/home" "$D/bin" "$D/vm"
chown "$U" "$D/home"
cp "$BIN/xpaint" "$BIN/vsockd" "$TOP/scripts/xs-host-find" "$D/bin/"
chmod 755 "$D/bin/"*
# as_user CMD...: run as the libvirt group's user, its PATH the tools under test
# (exec: started in the background, $! is the command itself)
as_user() { exec setpriv --reuid="$U" --regid=users --init-groups env -i HOME="$D/home" PATH="$D/bin:/usr/bin:/bin" \
	DISPLAY="${VIEW:-}" ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" "$@"; }
# user CMD...: the same, waited for
user() { (as_user "$@"); }

# --- the domain: the seed's virt-install, user-net forwards on q35 ------
"$TOP/scripts/vm-image" "$D/vm" "$OPTBIN" "$TOOLS" 2>"$T/image.err" || fail "vm-image: $(cat "$T/image.err")"
cp "$k" "$D/vm/kernel.img"
chmod 644 "$D/vm/"*
busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p; while :; do p=$((20000 + RANDOM % 10000)); busy $p || { echo $p; return; }; done; }
xn=$((100 + RANDOM % 800)) cp=$(free_port) bp=$(free_port)
while [ "$bp" = "$cp" ]; do bp=$(free_port); done
GUEST=127.0.0.1:$xn
t0=$(date +%s%3N)
virt-install --connect $URI --name "$DOM" --virt-type qemu --machine q35 --memory 512 --vcpus 1 \
	--osinfo detect=on,require=off --disk none --network none --graphics none --noautoconsole --import \
	--serial "file,path=$D/console.log" \
	--boot "kernel=$D/vm/kernel.img,initrd=$D/vm/initrd.gz,kernel_args=console=ttyS0 quiet panic=-1 xs.display=14500 xs.geom=640x480 xs.ctl=tcp:10.0.2.15:14500 xs.bell=tcp:10.0.2.15:14501" \
	--shmem "name=$DOM,model.type=ivshmem-plain,size.unit=M,size=8" \
	--qemu-commandline="-netdev user,id=xsnet0,restrict=on,hostfwd=tcp:127.0.0.1:$cp-:14500,hostfwd=tcp:127.0.0.1:$bp-:14501,hostfwd=tcp:127.0.0.1:$((6000 + xn))-:20500 -device virtio-net-pci,netdev=xsnet0,bus=pcie.0,addr=0x10,romfile=" \
	>"$T/install.out" 2>&1 || fail "virt-install: $(tail -n3 "$T/install.out")"

vm_lines() { grep -a 'vm:' "$D/console.log" 2>/dev/null | tail -n "${1:-6}" | tr -d '\r'; }
# ready: "vm: ready" past byte $OFF of the console (0 when libvirt truncated it)
OFF=0
ready() {
	local sz
	sz=$(stat -c %s "$D/console.log" 2>/dev/null) || return 1
	[ "$sz" -ge "$OFF" ] || OFF=0
	tail -c +$((OFF + 1)) "$D/console.log" | grep -aq 'vm: ready'
}
vm_says() { tail -c +$((OFF + 1)) "$D/console.log" | grep -aq -- "$1"; }
ring_ok() { # the hook's model, and nobody else reads it
	local st
	st=$(stat -c '%U:%G %a' "/dev/shm/$DOM") || fail "$1: no ring file"
	[ "$st" = "libvirt-qemu:libvirt 660" ] || fail "$1: the ring is $st, not libvirt-qemu:libvirt 660"
	setpriv --reuid=nobody --regid=nogroup --clear-groups cat "/dev/shm/$DOM" >/dev/null 2>&1 &&
		fail "$1: nobody could read the ring"
	return 0
}

xvfb VIEW 800x600
V=
# show N: the printed command, run as printed by the user, shows the guest
# pixel-exact and carries keys into its xterm
show() {
	local n=$1 cmd tok wid
	waitfor 150 ready || fail "$n: the guest did not come up: $(vm_lines; tail -n3 "/var/log/libvirt/qemu/$DOM.log")"
	ring_ok "$n"
	cmd=$(user xs-host-find -d "$DOM" -x 2>"$T/find.err") || fail "$n: xs-host-find -d: $(cat "$T/find.err")"
	[ "$cmd" = "vsockd -c tcp:127.0.0.1:$cp -- xpaint -t $DOM -r /dev/shm/$DOM -B tcp:127.0.0.1:$bp" ] ||
		fail "$n: xs-host-find printed: $cmd"
	[ ! -s "$T/find.err" ] || fail "$n: xs-host-find warned: $(cat "$T/find.err")"
	# XS_LV_V=1: the viewer and vsockd say what happens (debugging this test)
	[ -z "${XS_LV_V:-}" ] || cmd=$(echo "$cmd" | sed 's/xpaint /xpaint -v -d input,stream /; s/vsockd -c/vsockd -v -c/')
	as_user sh -c "exec $cmd" >/dev/null 2>"$T/view.$n.err" &
	V=$!
	PIDS+=($V)
	waitfor 20 winid "$VIEW" "$DOM" || fail "$n: no viewer window: $(tail -n3 "$T/view.$n.err")"
	wid=$(winid "$VIEW" "$DOM")
	settle "$GUEST" "$VIEW" "$wid" 60 || fail "$n: the viewer does not show the guest: $(tail -n3 "$T/view.$n.err")"
	tok=k$n$RANDOM
	sleep 1 # the binding proof's round trip, before the first key
	DISPLAY=$VIEW xdotool mousemove --window "$wid" 120 120 sleep 0.3
	DISPLAY=$VIEW xdotool type --delay 40 "echo $tok >/tmp/typed"
	DISPLAY=$VIEW xdotool key Return
	waitfor 30 vm_says "vm: typed: $tok" || fail "$n: keys typed in the viewer did not reach the guest: $(vm_lines 3; tail -n3 "$T/view.$n.err")"
	settle "$GUEST" "$VIEW" "$wid" 30 || fail "$n: the viewer did not follow the guest: $(DISPLAY=$VIEW xdotool search --name . 2>&1 | tr '\n' ' '; xwininfo -display "$VIEW" -id "$wid" | grep -E 'Map State|geometry')"
	first=$(($(date +%s%3N) - t0))
}
show start
pic1=$(cat "$T/cmp.out")
first1=$first

# libvirt's QEMU command line: JSON -object/-device, our forwards key=value
qpid=$(cat "/run/libvirt/qemu/$DOM.pid")
tr '\0' '\n' <"/proc/$qpid/cmdline" | grep -q '^{"qom-type":"memory-backend-file"' ||
	fail "libvirt's QEMU has no JSON memory-backend-file: $(tr '\0' ' ' <"/proc/$qpid/cmdline" | head -c 300)"
p=$(user xs-host-find -p "$qpid" -x 2>"$T/find.err") || fail "xs-host-find -p: $(cat "$T/find.err")"
[ "$p" = "$(user xs-host-find -d "$DOM" -x)" ] || fail "xs-host-find -p printed: $p"

# twice: destroyed and started again by the user, nothing else
times=
for n in 1 2; do
	kill "$V"; wait "$V" 2>/dev/null || true
	OFF=$(stat -c %s "$D/console.log")
	user virsh -c $URI destroy "$DOM" >"$T/virsh.out" 2>&1 || fail "restart $n: virsh destroy: $(cat "$T/virsh.out")"
	t0=$(date +%s%3N)
	user virsh -c $URI start "$DOM" >"$T/virsh.out" 2>&1 || fail "restart $n: virsh start: $(cat "$T/virsh.out")"
	show "restart$n"
	times="$times $((first / 100))"
done
kill "$V"; wait "$V" 2>/dev/null || true
ring_ok end
pass "as a libvirt-group user, the printed command shows the guest pixel-exact ($pic1) and keys reach it, first at $((first1 / 1000)).$((first1 % 1000 / 100)) s after virt-install; the same after two destroy/start ($(echo $times | sed 's/\([0-9]*\)\([0-9]\)/\1.\2 s/g')); ring libvirt-qemu:libvirt 660, nobody refused; xs-host-find -p on libvirt's JSON command line agrees"
