#!/usr/bin/env bash
# Files a peer or another user could put in the ring's place: a symlink
# (even to a good ring), a FIFO, a directory, a file of another user, a
# file writable by group or others; each refused by shmring -w, shmring -r
# and xpaint -r with one line naming it and exit 69, and accepted with -S
# where the file is a ring shared on purpose. A created ring is mode 0600
# whatever the umask; no descriptor leaks into a command the tools start
# (O_CLOEXEC): shmring -w -- COMMAND gets the ring's only, xpaint -- COMMAND
# none. vsockd -l refuses a symlink where its socket goes.
. "$(dirname "$0")/lib.sh"
xvfb D 640x480
export DISPLAY=$D
R=/dev/shm/xs-paths.$$
trap 'rm -rf "$R" "$R".*; cleanup' EXIT
"$TOOLS/xsgen" valid >"$T/v.xcs"

# refused HOW WHAT PATH: all three readers and writers refuse PATH with exit 69 and WHAT
refused() {
	local rc out
	for tool in "shmring -w" "shmring -r" "xpaint -x -r"; do
		rc=0
		# shellcheck disable=SC2086
		out=$(timeout 10 "$BIN/"${tool%% *} ${tool#* } "$2" </dev/null 2>&1 >/dev/null) || rc=$?
		[ $rc = 69 ] || fail "$1: $tool exit $rc: $out"
		echo "$out" | grep -q -- "$3" || fail "$1: $tool said: $out"
		[ "$(echo "$out" | wc -l)" = 1 ] || fail "$1: $tool said more than one line: $out"
	done
}

# a good ring to point at, written once
(umask 000; exec "$BIN/shmring" -w "$R" -s 1M -l 30 <"$T/v.xcs" 2>"$T/w.err") & PIDS+=($!)
waitfor 5 test -s "$R" || fail "no ring: $(cat "$T/w.err")"
[ "$(stat -c %a "$R")" = 600 ] || fail "created with mode $(stat -c %a "$R") under umask 000"

ln -s "$R" "$R.link"
refused symlink "$R.link" 'is a symbolic link (refused)'
mkfifo "$R.fifo"
refused FIFO "$R.fifo" 'not a regular file (a FIFO)'
mkdir "$R.dir"
refused directory "$R.dir" 'is a directory'
cp "$R" "$R.gw"
chmod 620 "$R.gw"
refused "group-writable file" "$R.gw" 'writable by group or others (mode 620; -S accepts it)'
chmod 602 "$R.gw"
refused "world-writable file" "$R.gw" 'writable by group or others (mode 602; -S accepts it)'
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	cp "$R" "$R.other"
	chmod 600 "$R.other"
	chown nobody "$R.other"
	refused "another user's file" "$R.other" "owned by uid $(id -u nobody), not by us or root (-S accepts it)"
	others="another user's file,"
	# -S: shared on purpose; the reader takes it (a copy: a blank-free ring, no writer)
	rc=0; timeout 2 "$BIN/shmring" -S -r "$R.other" >/dev/null 2>"$T/s.err" || rc=$?
	[ $rc = 124 ] || fail "shmring -S -r on another user's ring: exit $rc: $(cat "$T/s.err")"
else
	others="(another user's file skipped: not root),"
fi
# The hypervisor's ring (docs/SECURITY.md, "The ring under libvirt"): owned
# by libvirt-qemu, accepted without -S for the group it is given to, mode
# 660; QEMU's own 644 (every local user reads the screen) refused
hyp="(the hypervisor's ring skipped: no libvirt-qemu user or not root)"
if [ "$(id -u)" = 0 ] && id libvirt-qemu >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	cp "$R" "$R.qemu"
	chown libvirt-qemu:nogroup "$R.qemu"
	chmod 644 "$R.qemu"
	refused "the hypervisor's ring open to others" "$R.qemu" \
		"the hypervisor's (libvirt-qemu) and open to others (mode 644): every local user can see the guest's screen"
	chmod 660 "$R.qemu"
	# accepted (the reader waits for a writer: timeout's 124) by root and by a member of its group
	for who in root nobody; do
		for tool in "shmring -r" "xpaint -x -r"; do
			rc=0
			# shellcheck disable=SC2086
			setpriv --reuid=$who --regid=nogroup --clear-groups env ASAN_OPTIONS="$ASAN_OPTIONS" \
				timeout 2 "$BIN/"${tool%% *} ${tool#* } "$R.qemu" </dev/null >/dev/null 2>"$T/q.err" || rc=$?
			[ $rc = 124 ] || fail "$tool as $who on libvirt-qemu:nogroup 660: exit $rc: $(cat "$T/q.err")"
		done
	done
	# a group we are not in: refused even where the file can be opened (root)
	chgrp "$(getent group libvirt-qemu >/dev/null && echo libvirt-qemu || echo daemon)" "$R.qemu"
	rc=0; setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN/shmring" -r "$R.qemu" </dev/null >/dev/null 2>"$T/q.err" || rc=$?
	[ $rc = 69 ] || fail "shmring -r by nobody on another group's ring: exit $rc: $(cat "$T/q.err")"
	hyp="the hypervisor's ring (libvirt-qemu, 660: root and its group accept, 644 refused),"
fi

# -S on a group-writable ring: xpaint shows it
rc=0; timeout 2 "$BIN/xpaint" -S -r "$R.gw" >/dev/null 2>"$T/x.err" || rc=$?
[ $rc = 124 ] || fail "xpaint -S -r on a group-writable ring: exit $rc: $(cat "$T/x.err")"
# -S never follows a symlink or takes a FIFO
rc=0; "$BIN/shmring" -S -r "$R.link" >/dev/null 2>"$T/s.err" || rc=$?
[ $rc = 69 ] || fail "shmring -S -r followed a symlink: exit $rc"
rc=0; "$BIN/shmring" -S -w "$R.fifo" </dev/null 2>"$T/s.err" || rc=$?
[ $rc = 69 ] || fail "shmring -S -w took a FIFO: exit $rc"

# descriptors: shmring -w -- COMMAND passes the ring's alone, xpaint --
# COMMAND its $XS_CTL_GIVE alone, beyond what the test itself was started with (looked at
# from outside, in /proc, while COMMAND sleeps)
fds() { ls "/proc/$1/fd" | sort -n | tr '\n' ' '; }
sleep 30 </dev/null >/dev/null 2>&1 & base=$!
PIDS+=($base)
XS_RING_FD= "$BIN/shmring" -w "$R.cmd" -s 1M -- sleep 30 </dev/null >/dev/null 2>"$T/fdw.err" & W=$!
PIDS+=($W)
waitfor 5 eval '[ "$(readlink /proc/$W/exe)" = "$(readlink /proc/$base/exe)" ]' || fail "shmring -w -- sleep did not exec: $(cat "$T/fdw.err")"
ring=$(tr '\0' '\n' <"/proc/$W/environ" | sed -n 's/^XS_RING_FD=//p')
want=$(echo $(fds $base) $ring | tr ' ' '\n' | sort -nu | tr '\n' ' ')
# (the kernel shows the new exe before it closes the close-on-exec fds: an
# fd seen for an instant then is no leak; one still there 2 s later is)
waitfor 2 eval '[ "$(fds $W)" = "$want" ]' || fail "shmring -w -- COMMAND has fds $(fds $W), want $want"
"$BIN/xpaint" -r "$R" -- sleep 30 >/dev/null 2>"$T/fdx.err" & XP=$!
PIDS+=($XP)
waitfor 5 eval 'C=$(pgrep -P $XP -x sleep)' || fail "xpaint -- sleep did not run: $(cat "$T/fdx.err")"
give=$(tr '\0' '\n' <"/proc/$C/environ" | sed -n 's/^XS_CTL_GIVE=//p')
[ -n "$give" ] || fail "xpaint -r -- COMMAND has no \$XS_CTL_GIVE"
want=$(echo $(fds $base) $give | tr ' ' '\n' | sort -nu | tr '\n' ' ')
waitfor 2 eval '[ "$(fds $C)" = "$want" ]' || fail "xpaint -r -- COMMAND has fds $(fds $C), want $want"
kill "$XP" "$W" "$base"

# vsockd -l: a symlink where the socket goes is not replaced
ln -s /etc/passwd "$T/sock"
rc=0; "$BIN/vsockd" -l "unix:$T/sock" 2>"$T/v.err" </dev/null >/dev/null || rc=$?
[ $rc = 64 ] && grep -q 'exists and is not a socket' "$T/v.err" || fail "vsockd -l on a symlink: exit $rc: $(cat "$T/v.err")"
[ -L "$T/sock" ] || fail "vsockd -l removed the symlink"
pass "symlink, FIFO, directory, $others group and world writable refused, $hyp (69, one line); -S; mode 0600 under umask 000; no fd leaks"
