#!/usr/bin/env bash
# The systemd units as installed, without systemd (none runs here): `make
# install` with PREFIX and DESTDIR puts the tools, the scripts, the man
# pages, the xs-ring hook and the units where they belong, the units
# naming $(BINDIR); systemd-analyze verify finds nothing to say. Then the
# units' own command lines, run as systemd would (their Environment=, %i):
# the guest unit's ExecStartPre waits for an X server that is not there yet
# (where the seed's unit exited 0 at once and hit the start limit); its
# ExecStart captures a guest X server into a BAR-like file (a fake PCI
# device in sysfs, its resource2_wc the ring in /dev/shm); the host unit's
# ExecStart runs the command xs-host-find prints for a domain (a fake
# virsh: the ring's <shmem>, forwards to the guest's control and bell): the
# window equals the guest pixel for pixel and keys typed into it run a
# command in the guest's xterm.
. "$(dirname "$0")/lib.sh"
for t in Xvfb xterm xwd xdotool; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
for t in xcap xpaint vsockd shmring; do [ -x "$OPTBIN/$t" ] || fail "$OPTBIN/$t missing (make all)"; done

# --- make install: PREFIX and DESTDIR ----------------------------------
inst() { make -s -C "$TOP" install "$@" >"$T/install.out" 2>&1 || fail "make install $*: $(tail -n3 "$T/install.out")"; }
inst DESTDIR="$T/dest"
for f in usr/local/bin/xpaint usr/local/bin/xcap usr/local/bin/shmring usr/local/bin/vsockd \
	usr/local/bin/xs-host-find usr/local/bin/xs-guest-bar usr/local/share/man/man1/xpaint.1 \
	usr/local/share/man/man1/xs-host-find.1 etc/libvirt/hooks/qemu.d/xs-ring \
	usr/local/lib/systemd/user/xpaint@.service usr/local/lib/systemd/user/xs-guest@.service \
	usr/local/lib/systemd/system/xs-guest-bar@.service; do
	[ -e "$T/dest/$f" ] || fail "make install DESTDIR: no $f"
done
[ -x "$T/dest/etc/libvirt/hooks/qemu.d/xs-ring" ] || fail "the hook is not executable"
grep -q '^Environment=PATH=/usr/local/bin:' "$T/dest/usr/local/lib/systemd/user/xs-guest@.service" || fail "units' PATH"
P=$T/prefix
inst PREFIX="$P" LIBVIRT_HOOKDIR="$T/hooks"
U=$P/lib/systemd
grep -rq '@BINDIR@\|/usr/local/bin/xs' "$U" && fail "a unit names no or the wrong BINDIR: $(grep -r 'BINDIR\|/usr/local/bin/xs' "$U")"
grep -q "xs-guest-bar@ \|$P/bin/xs-guest-bar" "$U/system/xs-guest-bar@.service" || fail "xs-guest-bar@ names $(grep ExecStart "$U/system/xs-guest-bar@.service")"
verified=
if command -v systemd-analyze >/dev/null; then
	for u in user/xpaint@ user/xs-guest@ system/xs-guest-bar@; do
		cp "$U/$u.service" "$T/${u#*/}t1.service"
		# Documentation=man:... against the installed pages (man-db), if any
		(cd "$T" && MANPATH=$P/share/man systemd-analyze verify $(command -v man >/dev/null || echo --man=no) \
			"./${u#*/}t1.service") >"$T/verify.out" 2>&1 ||
			fail "systemd-analyze verify $u: $(cat "$T/verify.out")"
		[ ! -s "$T/verify.out" ] || fail "systemd-analyze verify $u: $(cat "$T/verify.out")"
	done
	verified="systemd-analyze verify quiet; "
fi

# unit FILE INSTANCE KEY: becomes KEY's command line (ExecStart,
# ExecStartPre) as systemd runs it: the unit's Environment=, %i and %h.
# It execs: call it in a subshell, or in the background ($! is the unit's).
unit() {
	local f=$1 i=$2 key=$3 line e
	line=$(sed -n "s/^$key=//p" "$f")
	line=${line//%i/$i} line=${line//%h/$HOME}
	while IFS= read -r e; do eval "export ${e#Environment=}"; done < <(grep '^Environment=' "$f")
	[ -z "${UNIT_ENV:-}" ] || eval "export $UNIT_ENV"
	eval "exec $line"
}

# --- the guest: its unit waits for X, then captures into the "BAR" -----
xvfb GX 640x480
gn=${GX#:}
# an X server that is not there: the unit waits (the seed's exited 0)
missing=$((gn + 700))
while [ -e "/tmp/.X11-unix/X$missing" ]; do missing=$((missing + 1)); done
unit "$U/user/xs-guest@.service" "$missing" ExecStartPre & pre=$!
PIDS+=($pre)
sleep 2
kill -0 $pre 2>/dev/null || fail "xs-guest@$missing's ExecStartPre ended without an X server"
kill $pre
wait $pre 2>/dev/null || true
(unit "$U/user/xs-guest@.service" "$gn" ExecStartPre) || fail "ExecStartPre with :$gn up"

R=/dev/shm/xs-units-$$ S=/dev/shm/xs-units-$$.sys
trap 'rm -rf "$R" "$S"; cleanup' EXIT
dev=$S/bus/pci/devices/0000:00:05.0
mkdir -p "$dev"
echo 0x1af4 >"$dev/vendor"; echo 0x1110 >"$dev/device"; echo 1 >"$dev/enable"
(umask 077 && truncate -s 8M "$R")
truncate -s 8M "$dev/resource2"
ln "$R" "$dev/resource2_wc" # the same memory, as QEMU's file and the guest's BAR are
busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p; while :; do p=$((20000 + RANDOM % 10000)); busy $p || { echo $p; return; }; done; }
cp=$(free_port) bp=$(free_port)
while [ "$bp" = "$cp" ]; do bp=$(free_port); done
bg env DISPLAY="$GX" xterm -geometry 80x24+8+8 -title guest-term -e /bin/sh
waitfor 10 winid "$GX" guest-term || fail "no guest xterm"
# the guest's environment file, as ~/.config/xs/guest.env would set it
UNIT_ENV="XS_SYSFS=$S PATH=$OPTBIN:$TOP/scripts:\$PATH XS_CTL=tcp:127.0.0.1:$cp XS_BELL=tcp:127.0.0.1:$bp" \
	unit "$U/user/xs-guest@.service" "$gn" ExecStart 2>"$T/guest.err" &
PIDS+=($!)

# --- the host: its unit runs what xs-host-find prints for the domain ---
DOM=xs-units-$$
mkdir -p "$T/bin"
cat >"$T/bin/virsh" <<V
#!/bin/sh
[ "\$3 \$4" = "dumpxml $DOM" ] || { echo "error: failed to get domain '\$4'" >&2; exit 1; }
printf '%s\\n' "<domain type='qemu' id='1' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><devices>" \\
	"<shmem name='$DOM'><model type='ivshmem-plain'/><size unit='M'>8</size></shmem></devices>" \\
	"<qemu:commandline><qemu:arg value='-netdev'/>" \\
	"<qemu:arg value='user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$cp-:14500,hostfwd=tcp:127.0.0.1:$bp-:14501'/>" \\
	"</qemu:commandline></domain>"
V
chmod +x "$T/bin/virsh"
xvfb VIEW 800x600
want="vsockd -c tcp:127.0.0.1:$cp -- xpaint -t $DOM -r $R -B tcp:127.0.0.1:$bp"
got=$(PATH=$T/bin:$P/bin:$PATH xs-host-find -d "$DOM" -x 2>"$T/find.err") || fail "xs-host-find: $(cat "$T/find.err")"
[ "$got" = "$want" ] || fail "xs-host-find printed: $got ($(cat "$T/find.err"))"
DISPLAY=$VIEW UNIT_ENV="PATH=$T/bin:$BIN:\$PATH" unit "$U/user/xpaint@.service" "$DOM" ExecStart 2>"$T/host.err" &
PIDS+=($!)
xp=$!
waitfor 20 winid "$VIEW" "$DOM" || fail "the host unit shows no window: $(cat "$T/host.err" "$T/guest.err")"
wid=$(winid "$VIEW" "$DOM")
settle "$GX" "$VIEW" "$wid" 30 || fail "the host unit's window is not the guest: $(tail -n3 "$T/host.err" "$T/guest.err")"
[ "$(readlink /proc/$xp/exe)" = "$(readlink -f "$BIN/xpaint")" ] || fail "the host unit's process is not xpaint: $(readlink /proc/$xp/exe)"
tok=u$RANDOM
sleep 1
DISPLAY=$VIEW xdotool mousemove --window "$wid" 100 100 sleep 0.3
DISPLAY=$VIEW xdotool type --delay 30 "echo $tok >$T/typed"
DISPLAY=$VIEW xdotool key Return
waitfor 20 grep -qx "$tok" "$T/typed" || fail "keys typed into the host unit's window did not reach the guest: $(tail -n3 "$T/host.err")"
settle "$GX" "$VIEW" "$wid" 20 || fail "the window did not follow the guest"
pass "make install (DESTDIR, PREFIX: tools, scripts, man pages, hook, units naming BINDIR); ${verified}the guest unit waits for its X server, captures; the host unit runs xs-host-find's command: pixel-exact ($(cat "$T/cmp.out")), keys reach the guest"
