#!/usr/bin/env bash
# The xs-ring libvirt hook (scripts/xs-libvirt-hook) run as libvirtd runs
# it (DOMAIN prepare begin -, the domain's XML on stdin), against what a
# local user could have put in /dev/shm first: a missing ring is created
# libvirt-qemu:libvirt 0660; QEMU's 0644 is repaired in place (same inode);
# a symlink (to a file of root's), a FIFO, a hard-linked file, another
# user's file and a name with a slash stop the start (exit 1, one line) and
# change nothing; an ivshmem-doorbell shmem (a server's memory) and other
# operations than prepare are left alone.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "the hook runs as root (chown)"; exit 77; }
id libvirt-qemu >/dev/null 2>&1 && getent group libvirt >/dev/null ||
	fail "no libvirt-qemu user or libvirt group (libvirt-daemon-system, scripts/deps)"
H=$TOP/scripts/xs-libvirt-hook
N=xs-hook-$$
trap 'rm -rf /dev/shm/$N.*; cleanup' EXIT
xml() { # xml NAME [MODEL [SERVER]]: a domain with one shmem
	printf '%s\n' "<domain type='qemu'><name>d</name><devices>" "<shmem name='$1'>" \
		"  <model type='${2:-ivshmem-plain}'/>" ${3:+"  <server path='$3'/>"} "  <size unit='M'>8</size>" \
		"</shmem></devices></domain>"
}
hook() { xml "$@" | "$H" d prepare begin - 2>"$T/hook.err"; }
st() { stat -c '%U:%G %a' "$1"; }

hook $N.new || fail "a missing ring: $(cat "$T/hook.err")"
[ "$(st /dev/shm/$N.new)" = "libvirt-qemu:libvirt 660" ] || fail "created as $(st /dev/shm/$N.new)"
truncate -s 8M /dev/shm/$N.old
chown libvirt-qemu /dev/shm/$N.old && chmod 644 /dev/shm/$N.old
ino=$(stat -c %i /dev/shm/$N.old)
hook $N.old || fail "QEMU's 0644 ring: $(cat "$T/hook.err")"
[ "$(st /dev/shm/$N.old)" = "libvirt-qemu:libvirt 660" ] && [ "$(stat -c %i /dev/shm/$N.old)" = "$ino" ] &&
	[ "$(stat -c %s /dev/shm/$N.old)" = 8388608 ] || fail "repaired as $(st /dev/shm/$N.old), inode $ino -> $(stat -c %i /dev/shm/$N.old)"
# another operation than prepare: nothing happens
chmod 644 /dev/shm/$N.old
xml $N.old | "$H" d started begin - || fail "started"
[ "$(st /dev/shm/$N.old)" = "libvirt-qemu:libvirt 644" ] || fail "'started' changed the ring"

# refused NAME WHAT: exit 1, one line naming WHAT
refused() {
	local rc=0
	timeout 10 "$H" d prepare begin - < <(xml "$1") 2>"$T/hook.err" || rc=$?
	[ $rc = 1 ] || fail "$1: exit $rc: $(cat "$T/hook.err")"
	grep -q -- "$2" "$T/hook.err" && [ "$(wc -l <"$T/hook.err")" = 1 ] || fail "$1: said $(cat "$T/hook.err")"
}
echo secret >/dev/shm/$N.target && chmod 600 /dev/shm/$N.target
ln -s /dev/shm/$N.target /dev/shm/$N.link
refused $N.link 'a symbolic link: refused'
[ "$(st /dev/shm/$N.target)" = "root:root 600" ] || fail "the symlink's target changed: $(st /dev/shm/$N.target)"
mkfifo /dev/shm/$N.fifo
refused $N.fifo 'is not a regular file'
truncate -s 8M /dev/shm/$N.hard && ln /dev/shm/$N.hard /dev/shm/$N.hard2
refused $N.hard2 'has 2 links: refused'
truncate -s 8M /dev/shm/$N.squat && chown nobody /dev/shm/$N.squat && chmod 666 /dev/shm/$N.squat
refused $N.squat "belongs to uid $(id -u nobody), not to libvirt-qemu or root"
[ "$(st /dev/shm/$N.squat)" = "nobody:root 666" ] || fail "the squatter's file changed: $(st /dev/shm/$N.squat)"
refused "../$N.x" "is not a plain file name"
# a doorbell shmem (the ivshmem server's memory) is not ours
xml $N.bell ivshmem-doorbell /tmp/sock | "$H" d prepare begin - || fail "doorbell: $(cat "$T/hook.err")"
[ ! -e /dev/shm/$N.bell ] || fail "a doorbell shmem got a file"
pass "missing: created 660 libvirt-qemu:libvirt; 0644: repaired in place; symlink, FIFO, hard link, another user's file, a slash: refused (1, one line), nothing changed; doorbell and other operations left alone"
