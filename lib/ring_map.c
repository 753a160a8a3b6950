/*
 * The shared-memory ring: sizing and mapping (docs/RING.md is the spec).
 * The writer is ring_write.c, the reader ring_read.c.
 */
#include "ring_impl.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

uint64_t ring_size_for(uint32_t w, uint32_t h)
{
	uint64_t need = (uint64_t)w * 4 * h * 3 + (4u << 20), s = 1;
	while (s < need)
		s <<= 1;
	return s;
}

/* Owner, type and mode checks of an opened ring file (Xpra's lesson). */
static int check_file(const struct stat *st, const char *path, char *err, size_t n)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, n, "%s: not a regular file", path);
		return -1;
	}
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		snprintf(err, n, "%s: owned by uid %u, not by us or root", path, (unsigned)st->st_uid);
		return -1;
	}
	if (st->st_mode & 022) {
		snprintf(err, n, "%s: writable by group or others (mode %03o)", path, (unsigned)(st->st_mode & 0777));
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
	return 0;
}

int ring_map_open(struct ring_map *m, const char *path, uint64_t create_size, char *err, size_t n)
{
	struct stat st;
	memset(m, 0, sizeof *m);
	m->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create_size ? O_CREAT : 0), 0600);
	if (m->fd < 0) {
		snprintf(err, n, "%s: %s", path, errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
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
	if (m->base)
		munmap(m->base, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->fd = -1;
}

