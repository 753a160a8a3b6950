/*
 * The shared-memory ring: sizing and mapping (docs/RING.md is the spec).
 * The writer is ring_write.c, the reader ring_read.c.
 */
#include "ring_impl.h"
#include "util.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static int allow_shared; /* ring_map_allow_shared(): -S given */

/*
 * Mappings a bus error may hit: the file shrank under us (a peer, or
 * anyone who may write it, truncated it) and a page past its new end was
 * touched. The handler puts zero pages over the whole mapping, so the
 * access goes on harmlessly, and marks it: the next ring call reports
 * "the ring file shrank" instead of the process dying of SIGBUS.
 */
#define BUS_MAPS 8
static struct { uint8_t *base; uint64_t size; int faulted; } bus_maps[BUS_MAPS];
static struct sigaction bus_old;
static int bus_installed;

static void on_bus(int sig, siginfo_t *si, void *ctx)
{
	uint8_t *a = si->si_addr;
	for (unsigned i = 0; i < BUS_MAPS; i++) {
		uint8_t *b = __atomic_load_n(&bus_maps[i].base, __ATOMIC_ACQUIRE);
		if (b && a >= b && a < b + bus_maps[i].size &&
		    mmap(b, bus_maps[i].size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
			    MAP_FAILED) {
			__atomic_store_n(&bus_maps[i].faulted, 1, __ATOMIC_RELEASE);
			return; /* the access is retried on the zero pages */
		}
	}
	/* not a ring: what would have happened without us (the access faults again) */
	sigaction(SIGBUS, &bus_old, NULL);
	if (!(bus_old.sa_flags & SA_SIGINFO) && bus_old.sa_handler != SIG_DFL && bus_old.sa_handler != SIG_IGN)
		bus_old.sa_handler(sig);
	else if ((bus_old.sa_flags & SA_SIGINFO) && bus_old.sa_sigaction)
		bus_old.sa_sigaction(sig, si, ctx);
}

static void bus_watch(uint8_t *base, uint64_t size)
{
	if (!bus_installed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_bus;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, &bus_old);
		bus_installed = 1;
	}
	for (unsigned i = 0; i < BUS_MAPS; i++)
		if (!bus_maps[i].base) {
			bus_maps[i].size = size;
			bus_maps[i].faulted = 0;
			__atomic_store_n(&bus_maps[i].base, base, __ATOMIC_RELEASE);
			return;
		}
}

static void bus_unwatch(const uint8_t *base)
{
	for (unsigned i = 0; i < BUS_MAPS; i++)
		if (bus_maps[i].base == base)
			__atomic_store_n(&bus_maps[i].base, NULL, __ATOMIC_RELEASE);
}

int ring_map_faulted(const struct ring_map *m)
{
	for (unsigned i = 0; i < BUS_MAPS; i++)
		if (m->base && bus_maps[i].base == m->base && __atomic_load_n(&bus_maps[i].faulted, __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

int ring_map_lost(const struct ring_map *m, char *err, size_t n)
{
	struct stat st;
	int faulted = ring_map_faulted(m);
	if (m->fd >= 0 && fstat(m->fd, &st) == 0 && (uint64_t)st.st_size < m->size) {
		snprintf(err, n, "the ring file shrank under us: %llu bytes now, %llu mapped%s",
			 (unsigned long long)st.st_size, (unsigned long long)m->size, faulted ? " (bus error caught)" : "");
		return 1;
	}
	if (faulted) {
		snprintf(err, n, "the ring file shrank under us (bus error caught), %llu bytes mapped",
			 (unsigned long long)m->size);
		return 1;
	}
	return 0;
}

void ring_map_allow_shared(int on) { allow_shared = on; }

uint64_t ring_size_for(uint32_t w, uint32_t h)
{
	uint64_t need = (uint64_t)w * 4 * h * 3 + (4u << 20), s = 1;
	while (s < need)
		s <<= 1;
	return s;
}

/*
 * The user QEMU runs as under libvirt (Debian's libvirt-qemu, elsewhere
 * qemu). It runs the guest, which writes the ring anyway: a file it owns
 * gives it nothing it does not have. The static build (no NSS, in guests)
 * knows no names.
 */
static const char *hypervisor_user(uid_t uid)
{
#ifndef XS_NUMERIC_HOSTS
	static const char *const names[] = { "libvirt-qemu", "qemu" };
	for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
		struct passwd *pw = getpwnam(names[i]);
		if (pw && pw->pw_uid == uid && uid != 0)
			return names[i];
	}
#else
	(void)uid;
#endif
	return NULL;
}

static int in_group(gid_t g)
{
	gid_t l[256];
	int k = getgroups(256, l);
	if (geteuid() == 0 || g == getegid())
		return 1;
	for (int i = 0; i < k; i++)
		if (l[i] == g)
			return 1;
	return 0;
}

/*
 * A ring of the hypervisor's user (docs/SECURITY.md, "The ring under
 * libvirt"): the xs libvirt hook gives it to a viewers' group, mode 0660,
 * at every domain start. The group is the access list, so group write is
 * expected; any bit for others would let every local user see the guest's
 * screen (QEMU's own 0644) or paint over it.
 */
static int check_hypervisor_file(const struct stat *st, const char *path, char *err, size_t n)
{
	const char *who = hypervisor_user(st->st_uid);
	if (st->st_mode & 07) {
		snprintf(err, n, "%s: the hypervisor's (%s) and open to others (mode %03o): every local user can "
			 "see the guest's screen; the xs libvirt hook makes it 660 at the next domain start "
			 "(docs/VM.md)", path, who, (unsigned)(st->st_mode & 0777));
		return -1;
	}
	if (!in_group(st->st_gid)) {
		snprintf(err, n, "%s: the hypervisor's (%s), group %u, which we are not in (-S accepts it)", path,
			 who, (unsigned)st->st_gid);
		return -1;
	}
	return 0;
}

/* Owner, type and mode checks of an opened ring file (Xpra's lesson). */
static int check_file(const struct stat *st, const char *path, char *err, size_t n)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, n, "%s: not a regular file (%s)", path, S_ISDIR(st->st_mode) ? "a directory" :
			 S_ISFIFO(st->st_mode) ? "a FIFO" : S_ISSOCK(st->st_mode) ? "a socket" :
			 S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? "a device" : "not a file");
		return -1;
	}
	if (allow_shared)
		return 0; /* -S: shared on purpose (a file QEMU created) */
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		if (hypervisor_user(st->st_uid)) /* NSS only for a file that is not ours */
			return check_hypervisor_file(st, path, err, n);
		snprintf(err, n, "%s: owned by uid %u, not by us or root (-S accepts it)", path, (unsigned)st->st_uid);
		return -1;
	}
	if (st->st_mode & 022) {
		snprintf(err, n, "%s: writable by group or others (mode %03o; -S accepts it)", path,
			 (unsigned)(st->st_mode & 0777));
		return -1;
	}
	return 0;
}

/* Maps m->size bytes of m->fd: never more than the file holds (a larger
 * mapping would SIGBUS). 0 or -1 with a message. */
static int map_size(struct ring_map *m, const char *path, char *err, size_t n)
{
	if (m->size < RING_HDR + RING_MIN_DATA) {
		snprintf(err, n, "%s: %llu bytes is too small for a ring (at least %u; for a W x H screen use "
			 "stride*H*3+4 MiB rounded up to a power of two, 32 MiB for 1920x1080)", path,
			 (unsigned long long)m->size, RING_HDR + RING_MIN_DATA);
		return -1;
	}
	m->base = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		snprintf(err, n, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	bus_watch(m->base, m->size);
	return 0;
}

int ring_map_open(struct ring_map *m, const char *path, uint64_t create_size, char *err, size_t n)
{
	struct stat st;
	memset(m, 0, sizeof *m);
	/* O_NONBLOCK: a FIFO put in its place must not block the open */
	m->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (create_size ? O_CREAT : 0), 0600);
	if (m->fd < 0) {
		snprintf(err, n, "%s: %s", path, errno == ELOOP ? "is a symbolic link (refused)" :
			 errno == EISDIR ? "is a directory" : strerror(errno));
		return -1;
	}
	if (fstat(m->fd, &st) < 0 || check_file(&st, path, err, n) < 0)
		goto fail_msg;
	if (create_size && st.st_size == 0) {
		if (ftruncate(m->fd, (off_t)create_size) < 0 || fstat(m->fd, &st) < 0)
			goto fail_errno;
	} else if (create_size && (uint64_t)st.st_size != create_size) {
		snprintf(err, n, "%s: is %llu bytes, -s asked for %llu", path, (unsigned long long)st.st_size,
			 (unsigned long long)create_size);
		goto fail_msg;
	}
	m->size = (uint64_t)st.st_size;
	if (map_size(m, path, err, n) == 0)
		return 0;
	goto fail_msg;
fail_errno:
	snprintf(err, n, "%s: %s", path, strerror(errno));
fail_msg:
	close(m->fd);
	m->fd = -1;
	return -1;
}

int ring_map_fd(struct ring_map *m, int fd, char *err, size_t n)
{
	struct stat st;
	char name[32];
	memset(m, 0, sizeof *m);
	m->fd = -1;
	snprintf(name, sizeof name, "ring fd %d", fd);
	if (fstat(fd, &st) < 0) {
		snprintf(err, n, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, n, "%s: not a regular file", name);
		return -1;
	}
	m->fd = fd;
	m->size = (uint64_t)st.st_size;
	if (map_size(m, name, err, n) < 0) {
		m->fd = -1;
		return -1;
	}
	return 0;
}

void ring_map_close(struct ring_map *m)
{
	if (m->base) {
		bus_unwatch(m->base);
		munmap(m->base, m->size);
	}
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->fd = -1;
}

