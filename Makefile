# Five small tools over one library. `make` builds optimised binaries in
# build/; `make check` builds a second set with AddressSanitizer and UBSan in
# build/san/ and runs every test and fuzz target against it.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man
# libvirt looks for its hooks there whatever the PREFIX (docs/VM.md, "libvirt")
LIBVIRT_HOOKDIR ?= /etc/libvirt/hooks/qemu.d
# systemd finds units under /usr/local/lib and /usr/lib (Debian: /lib for system units)
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSTEMD_USERUNITDIR ?= $(PREFIX)/lib/systemd/user
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
WARN = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wvla -Wformat=2 -Wno-format-nonliteral
SAN = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

TOOLS = xcap xpaint shmring vsockd xsnd
# lib/xsel.c (X selections, XFixes) and lib/xwm.c (the window manager's
# ICCCM) need Xlib: only the two X tools take them.
XLIBSRC = lib/xsel.c lib/xwm.c
LIBSRC = $(filter-out $(XLIBSRC),$(wildcard lib/*.c))

PKGS_xcap = x11 xext x11-xcb xcb xcb-shm xdamage xfixes xtst xrandr xi xcomposite liblz4 libturbojpeg
PKGS_xpaint = x11 xext x11-xcb xcb xcb-shm xcursor xrandr xfixes xrender liblz4 libturbojpeg
PKGS_shmring =
PKGS_vsockd =
# xsnd: sound (PulseAudio or pipewire-pulse; Opus), the only tool that links them.
PKGS_xsnd = libpulse-simple libpulse opus
PKGS_lib = liblz4 libturbojpeg
X_xcap = $(XLIBSRC)
X_xpaint = $(XLIBSRC)

pkg = $(if $(1),$(shell $(PKG_CONFIG) --$(2) $(1)))

all: $(TOOLS:%=build/%)

# --- optimised build ---------------------------------------------------
build/lib/%.o: lib/%.c lib/*.h | build/lib
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(call pkg,$(PKGS_lib),cflags) -Ilib -c -o $@ $<
build/libxs.a: $(LIBSRC:lib/%.c=build/lib/%.o)
	$(AR) rcs $@ $^

define tool
build/$(1): $(wildcard cmd/$(1)/*.c) $(wildcard cmd/$(1)/*.h) $(X_$(1)) build/libxs.a lib/*.h
	$$(CC) $$(WARN) $$(CPPFLAGS) $$(CFLAGS) $$(call pkg,$$(PKGS_$(1)),cflags) -Ilib -o $$@ $$(filter %.c,$$^) build/libxs.a \
		$$(call pkg,$$(PKGS_$(1)) $$(PKGS_lib),libs) $$(LDFLAGS) -lm
build/san/$(1): $(wildcard cmd/$(1)/*.c) $(wildcard cmd/$(1)/*.h) $(X_$(1)) $(LIBSRC) lib/*.h | build/san
	$$(CC) $$(WARN) $$(SAN) $$(call pkg,$$(PKGS_$(1)) $$(PKGS_lib),cflags) -Ilib -o $$@ $$(filter %.c,$$^) \
		$$(call pkg,$$(PKGS_$(1)) $$(PKGS_lib),libs) -lm
endef
$(foreach t,$(TOOLS),$(eval $(call tool,$(t))))

# shmring runs inside minimal guests: a static build (libc, and liblz4 and
# libturbojpeg from their -dev packages' .a files for the newcomer's picture).
build/shmring.static: $(wildcard cmd/shmring/*.c) lib/addr.c lib/ring_map.c lib/ring_bar.c lib/ring_write.c lib/ring_read.c lib/util.c lib/proto.c lib/codec.c lib/handover.c lib/pipering.c lib/*.h | build/lib
	$(CC) $(WARN) $(CFLAGS) -static -DXS_NUMERIC_HOSTS -Ilib -o $@ $(filter %.c,$^) -l:liblz4.a -l:libturbojpeg.a -lm

# Test and bench helpers (latprobe, framegen, limit) talk to X directly.
PKGS_tools = x11 xext xdamage xfixes xtst
# audlat (sound latency) and avsync (flash and beep) talk to PulseAudio.
build/tools/audlat: tests/tools/audlat.c tests/tools/paprobe.h | build/tools
	$(CC) $(WARN) -O2 -g -pthread $(call pkg,libpulse-simple libpulse,cflags) -o $@ $< $(call pkg,libpulse-simple libpulse,libs)
build/tools/avsync: tests/tools/avsync.c tests/tools/paprobe.h | build/tools
	$(CC) $(WARN) -O2 -g -pthread $(call pkg,libpulse-simple libpulse x11,cflags) -o $@ $< \
		$(call pkg,libpulse-simple libpulse x11,libs)
build/tools/%: tests/tools/%.c tests/tools/*.h build/libxs.a lib/*.h | build/tools
	$(CC) $(WARN) -O2 -g -Ilib $(call pkg,$(PKGS_tools) $(PKGS_lib),cflags) -o $@ $< build/libxs.a \
		$(call pkg,$(PKGS_tools) $(PKGS_lib),libs) -lm

build/lib build/san build/fuzz build/tools:
	mkdir -p $@

# --- fuzz targets (clang libFuzzer), one per parser --------------------
# fuzz/fuzz_NAME.c is a target, fuzz/corpus/fuzz_NAME/ its seeds,
# fuzz/regress/fuzz_NAME/ the inputs that once crashed it (replayed by
# `make fuzz`), fuzz/xs.dict the dictionary of all. `make fuzz` runs each
# FUZZTIME seconds, FUZZSMOKEJOBS at a time (in make check; scripts/fuzz-smoke);
# `make fuzz-long` is the campaign:
# each target FUZZLONG seconds (or FUZZRUNS inputs, if fewer), FUZZJOBS at a time, figures appended to
# build/fuzz/campaign.log (docs/SECURITY.md).
FUZZ = $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZCC ?= clang
build/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(LIBSRC) lib/*.h | build/fuzz
	$(FUZZCC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Ilib $(call pkg,$(PKGS_lib),cflags) -o $@ $< $(LIBSRC) $(call pkg,$(PKGS_lib),libs) -lm
# fuzz_audio also runs xsnd's decoder (Opus, from the guest) as the player does.
build/fuzz/fuzz_audio: fuzz/fuzz_audio.c cmd/xsnd/decode.c cmd/xsnd/xsnd.h $(wildcard fuzz/*.h) $(LIBSRC) lib/*.h | build/fuzz
	$(FUZZCC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Ilib $(call pkg,$(PKGS_lib) opus,cflags) -o $@ $< cmd/xsnd/decode.c $(LIBSRC) $(call pkg,$(PKGS_lib) opus,libs) -lm
FUZZTIME ?= 20
FUZZLONG ?= 600
FUZZJOBS ?= 1
FUZZSMOKEJOBS ?= 2
FUZZRUNS ?= -1

fuzz: $(FUZZ:%=build/fuzz/%)
	@scripts/fuzz-smoke $(FUZZTIME) $(FUZZSMOKEJOBS) $(FUZZ)

fuzz-long: $(FUZZ:%=build/fuzz/%)
	FUZZLONG=$(FUZZLONG) FUZZJOBS=$(FUZZJOBS) FUZZRUNS=$(FUZZRUNS) scripts/fuzz-long $(FUZZ)

# --- tests and benchmarks ----------------------------------------------
TESTTOOLS = $(patsubst tests/tools/%.c,build/tools/%,$(wildcard tests/tools/*.c))

check: deps all $(TOOLS:%=build/san/%) build/shmring.static $(TESTTOOLS) fuzz
	BIN=$(CURDIR)/build/san OPTBIN=$(CURDIR)/build tests/run

bench: deps all build/shmring.static $(TESTTOOLS)
	BIN=$(CURDIR)/build scripts/bench

# A long run under load, not in check (docs/SECURITY.md): SOAK_SECS (600).
soak: deps all $(TESTTOOLS)
	BIN=$(CURDIR)/build scripts/soak

demo: deps all $(TESTTOOLS)
	BIN=$(CURDIR)/build scripts/demo

# The live guest (docs/VM.md): an initramfs of the host's kernel modules,
# busybox, Xvfb, xterm and the tools, rebuilt only when one of them changes.
VMIMG_IN = scripts/vm-image scripts/vm-guest-init scripts/xs-guest-bar build/xcap build/vsockd build/shmring build/xsnd \
	build/xpaint build/tools/ctlgen build/tools/framegen build/tools/latprobe build/tools/audgen $(wildcard /boot/vmlinuz-*)
build/vm/initrd.gz: $(VMIMG_IN)
	scripts/vm-image build/vm build build/tools

vm: deps build/vm/initrd.gz

vm-demo: vm all $(TESTTOOLS)
	BIN=$(CURDIR)/build scripts/vm-demo

# One guest shows another (docs/VM.md): two guests, figures beside the host viewer's.
vm-two: vm all $(TESTTOOLS)
	BIN=$(CURDIR)/build scripts/vm-two

# Installs the Debian packages the build, the tests and the demo need
# (scripts/bench adds its own with scripts/deps --bench).
deps:
	scripts/deps

# The VM helpers (docs/VM.md) install next to the tools; the units
# (scripts/systemd/) with @BINDIR@ made $(BINDIR).
VMSCRIPTS = xs-guest-bar xs-host-find
SYSUNIT = xs-guest-bar@.service
USERUNITS = xpaint@.service xs-guest@.service

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1
	for t in $(TOOLS); do install -m 755 build/$$t $(DESTDIR)$(BINDIR)/$$t; done
	for s in $(VMSCRIPTS); do install -m 755 scripts/$$s $(DESTDIR)$(BINDIR)/$$s; done
	for m in man/*.1; do install -m 644 $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	mkdir -p $(DESTDIR)$(LIBVIRT_HOOKDIR)
	install -m 755 scripts/xs-libvirt-hook $(DESTDIR)$(LIBVIRT_HOOKDIR)/xs-ring
	mkdir -p $(DESTDIR)$(SYSTEMD_UNITDIR) $(DESTDIR)$(SYSTEMD_USERUNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' scripts/systemd/$(SYSUNIT) >$(DESTDIR)$(SYSTEMD_UNITDIR)/$(SYSUNIT)
	for u in $(USERUNITS); do sed 's|@BINDIR@|$(BINDIR)|g' scripts/systemd/$$u >$(DESTDIR)$(SYSTEMD_USERUNITDIR)/$$u; done
	chmod 644 $(DESTDIR)$(SYSTEMD_UNITDIR)/$(SYSUNIT) $(USERUNITS:%=$(DESTDIR)$(SYSTEMD_USERUNITDIR)/%)

uninstall:
	for t in $(TOOLS) $(VMSCRIPTS); do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	rm -f $(DESTDIR)$(LIBVIRT_HOOKDIR)/xs-ring
	rm -f $(DESTDIR)$(SYSTEMD_UNITDIR)/$(SYSUNIT) $(USERUNITS:%=$(DESTDIR)$(SYSTEMD_USERUNITDIR)/%)
	for m in man/*.1; do rm -f $(DESTDIR)$(MANPREFIX)/man1/$${m#man/}; done

clean:
	rm -rf build

.PHONY: all deps check bench demo vm vm-demo vm-two fuzz fuzz-long soak install uninstall clean
