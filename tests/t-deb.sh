#!/usr/bin/env bash
# The Debian package (debian/): `dpkg-buildpackage -us -uc -b` builds it
# from a copy of the tree (dh_auto_clean would wipe build/); lintian has
# nothing to say, down to pedantic; installed into this machine (dpkg, by
# apt-get for its lock timeout) it gives /usr/bin/xpaint that answers -h,
# the VM scripts, man pages, the units naming /usr/bin and the xs-ring
# libvirt hook as a conffile; purged, it leaves none of them.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "installing a package needs root"; exit 77; }
for t in dpkg-buildpackage lintian dh apt-get; do command -v $t >/dev/null || fail "no $t (scripts/deps)"; done
PKG=xs-display
if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q 'install ok installed'; then
	fail "$PKG is installed on this machine already: not touching it"
fi
mkdir -p "$T/src"
(cd "$TOP" && tar --exclude=./build --exclude=./.git --exclude=./debian/xs-display --exclude=./debian/.debhelper -cf - .) | tar -xf - -C "$T/src"
t0=$SECONDS
(cd "$T/src" && nice dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 || fail "dpkg-buildpackage: $(tail -n 15 "$T/build.log")"
secs=$((SECONDS - t0))
deb=$(ls "$T"/${PKG}_*_*.deb)
[ -f "$deb" ] || fail "no .deb: $(ls "$T")"
lintian --display-level '>=pedantic' --fail-on error,warning,info,pedantic "$T"/${PKG}_*.changes >"$T/lintian.out" 2>"$T/lintian.err" ||
	fail "lintian: $(cat "$T/lintian.out")"
grep -q '^[EWIP]:' "$T/lintian.out" && fail "lintian: $(cat "$T/lintian.out")"

# what it holds
dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$T/files"
for f in /usr/bin/xpaint /usr/bin/xcap /usr/bin/shmring /usr/bin/vsockd /usr/bin/xsnd /usr/bin/xs-host-find \
	/usr/bin/xs-guest-bar /usr/share/man/man1/xpaint.1.gz /usr/share/man/man1/xs-host-find.1.gz \
	/etc/libvirt/hooks/qemu.d/xs-ring /usr/lib/systemd/user/xpaint@.service /usr/lib/systemd/user/xs-guest@.service \
	/lib/systemd/system/xs-guest-bar@.service; do
	grep -qx "$f" "$T/files" || fail "the package has no $f"
done

# installed into this machine, then purged
installed=
trap '[ -z "$installed" ] || apt-get purge -y -q -o DPkg::Lock::Timeout=300 $PKG >/dev/null 2>&1 || true; cleanup' EXIT
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "$deb" \
	>"$T/install.log" 2>&1 || fail "installing: $(tail -n5 "$T/install.log")"
/usr/bin/xpaint -h >"$T/h.out" 2>&1 || fail "xpaint -h exited $?: $(cat "$T/h.out")"
grep -q '^usage: xpaint' "$T/h.out" || fail "xpaint -h: $(head -n2 "$T/h.out")"
/usr/bin/xs-host-find -h | grep -q '^usage: xs-host-find' || fail "xs-host-find -h"
dpkg-query -W -f='${Conffiles}\n' $PKG | grep -q '/etc/libvirt/hooks/qemu.d/xs-ring' || fail "the hook is no conffile"
grep -q '^Environment=PATH=/usr/bin:' /usr/lib/systemd/user/xs-guest@.service || fail "the units do not name /usr/bin"
perl -c /etc/libvirt/hooks/qemu.d/xs-ring >/dev/null 2>&1 || fail "the installed hook does not compile"
apt-get purge -y -q -o DPkg::Lock::Timeout=300 $PKG >"$T/purge.log" 2>&1 || fail "purge: $(tail -n3 "$T/purge.log")"
installed=
for f in /usr/bin/xpaint /etc/libvirt/hooks/qemu.d/xs-ring /usr/lib/systemd/user/xpaint@.service; do
	[ ! -e "$f" ] || fail "$f is left after the purge"
done
pass "dpkg-buildpackage -us -uc -b ${secs}s, lintian quiet down to pedantic, $(wc -l <"$T/files") paths; installed: xpaint -h, scripts, hook (conffile), units naming /usr/bin; purged clean"
