/* The ring handed up a pipe from shmring -w to xcap: pipering.h. */
#include "handover.h"
#include "pipering.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The abstract address kind (a PIPE*_NAME) names after the pipe st. */
static socklen_t named(const char *kind, const struct stat *st, struct sockaddr_un *a)
{
	if (!S_ISFIFO(st->st_mode))
		return 0;
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "%s:%llx:%llx", kind, (unsigned long long)st->st_dev,
			 (unsigned long long)st->st_ino);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

socklen_t pipering_addr(const struct stat *st, struct sockaddr_un *a)
{
	return named(PIPERING_NAME, st, a);
}

socklen_t pipectl_addr(const struct stat *st, struct sockaddr_un *a)
{
	return named(PIPECTL_NAME, st, a);
}

/* The abstract address of kind named after the pipe on fd; its length, or
 * 0 when fd is not a pipe. */
static socklen_t pipe_addr(const char *kind, int fd, struct sockaddr_un *a)
{
	struct stat st;
	return fstat(fd, &st) < 0 ? 0 : named(kind, &st, a);
}

int pipe_listen(const char *kind, int fd)
{
	struct sockaddr_un a;
	socklen_t len = pipe_addr(kind, fd, &a);
	int s = len ? socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
	if (s >= 0 && (bind(s, (struct sockaddr *)&a, len) < 0 || listen(s, 2) < 0)) {
		close(s);
		return -1;
	}
	return s;
}

/* Does process pid hold the pipe st with the access mode acc? */
static int holds(pid_t pid, const struct stat *st, int acc)
{
	char dir[64], p[400], line[128];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;
	while (d && !found && (e = readdir(d))) {
		struct stat s;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(p, &s) < 0 || s.st_dev != st->st_dev || s.st_ino != st->st_ino)
			continue;
		snprintf(p, sizeof p, "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
		FILE *f = fopen(p, "re");
		unsigned long flags;
		/* read-write holds either end (a FIFO opened <> so that the open
		 * does not wait for the other side) */
		while (f && fgets(line, sizeof line, f))
			if (sscanf(line, "flags: %lo", &flags) == 1 &&
			    ((int)(flags & O_ACCMODE) == acc || (int)(flags & O_ACCMODE) == O_RDWR))
				found = 1;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* Is the peer of sock the same user and a process holding the other end
 * of the pipe on fd (want_write: its write end)? 1 yes, 0 no (why in err). */
static int peer_ok(int sock, int fd, int want_write, char *err, size_t n)
{
	struct ucred u;
	socklen_t ul = sizeof u;
	struct stat st;
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &u, &ul) < 0 || fstat(fd, &st) < 0) {
		snprintf(err, n, "no peer credentials: %s", strerror(errno));
		return 0;
	}
	if (u.uid != geteuid()) {
		snprintf(err, n, "the peer (pid %d) is user %u, not %u", (int)u.pid, (unsigned)u.uid, (unsigned)geteuid());
		return 0;
	}
	if (!holds(u.pid, &st, want_write ? O_WRONLY : O_RDONLY)) {
		snprintf(err, n, "the peer (pid %d) does not hold the %s end of the pipe", (int)u.pid,
			 want_write ? "write" : "read");
		return 0;
	}
	return 1;
}

int pipe_connect(const char *kind, int fd, char *err, size_t n)
{
	struct sockaddr_un a;
	socklen_t len = pipe_addr(kind, fd, &a);
	/* non-blocking: a listener whose queue a stranger filled answers
	 * EAGAIN at once instead of holding us; blocking again once connected */
	int s = len ? socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
	err[0] = 0;
	if (s >= 0 && (connect(s, (struct sockaddr *)&a, len) < 0 || fcntl(s, F_SETFL, 0) < 0 || !peer_ok(s, fd, 1, err, n))) {
		close(s);
		return -1;
	}
	return s;
}

int pipe_accept(int lfd, int fd, char *err, size_t n)
{
	int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	err[0] = 0;
	if (s >= 0 && !peer_ok(s, fd, 0, err, n)) {
		close(s);
		return -1;
	}
	return s;
}

int pipering_offer(int sock, int ring_fd, int bar, const char *bell)
{
	uint8_t b[2 + PIPERING_BELL_MAX];
	size_t bl = bell ? strlen(bell) : 0;
	if (bl > PIPERING_BELL_MAX)
		return errno = ENAMETOOLONG, -1;
	b[0] = 'R', b[1] = bar ? 1 : 0;
	memcpy(b + 2, bell ? bell : "", bl);
	return fdpass_send(sock, b, 2 + bl, &ring_fd, 1);
}

int pipering_take(int sock, int *ring_fd, int *bar, char bell[PIPERING_BELL_MAX + 1], char *err, size_t n)
{
	uint8_t b[2 + PIPERING_BELL_MAX + 1];
	int fds[1], nfds;
	ssize_t r = fdpass_recv(sock, b, sizeof b, fds, 1, &nfds, 0);
	*ring_fd = -1;
	if (r == 0 && !nfds) {
		snprintf(err, n, "it hung up");
		return 0;
	}
	const char *why = r < 0 ? "a broken or overlong message"
		: r < 2 || b[0] != 'R' ? "not an offer"
		: r > 2 + PIPERING_BELL_MAX ? "an offer too long"
		: b[1] > 1 ? "unknown flags"
		: nfds != 1 ? "an offer without the ring"
		: memchr(b + 2, 0, (size_t)r - 2) ? "a bell address with a NUL" : NULL;
	if (why) {
		snprintf(err, n, "%s", why);
		fdpass_close(fds, nfds);
		return -1;
	}
	*ring_fd = fds[0];
	*bar = b[1];
	memcpy(bell, b + 2, (size_t)r - 2);
	bell[r - 2] = 0;
	return 1;
}

int pipering_go(int sock, int bell_lfd, int bell_cfd)
{
	uint8_t b[2] = { 'G', (uint8_t)((bell_lfd >= 0 ? 1 : 0) | (bell_cfd >= 0 ? 2 : 0)) };
	int fds[2] = { bell_lfd, bell_cfd };
	return fdpass_send(sock, b, sizeof b, fds, 2);
}

int pipering_wait_go(int sock, int ms, int *bell_lfd, int *bell_cfd, char *err, size_t n)
{
	struct pollfd p = { sock, POLLIN, 0 };
	uint8_t b[4];
	int fds[2], nfds = 0;
	*bell_lfd = *bell_cfd = -1;
	int pr = poll(&p, 1, ms);
	ssize_t r = pr > 0 ? fdpass_recv(sock, b, sizeof b, fds, 2, &nfds, 0) : -1;
	const char *why = pr == 0 ? "no word from it in time"
		: r <= 0 ? "it went away"
		: r != 2 || b[0] != 'G' ? "not the word to go"
		: b[1] > 3 || nfds != (b[1] & 1) + (b[1] >> 1) ? "the bell's sockets do not match" : NULL;
	if (why) {
		snprintf(err, n, "%s", why);
		fdpass_close(fds, nfds);
		return -1;
	}
	int k = 0;
	if (b[1] & 1)
		*bell_lfd = fds[k++];
	if (b[1] & 2)
		*bell_cfd = fds[k++];
	return 0;
}

int pipering_stopped(int sock, uint64_t total)
{
	uint8_t b[9] = { 'S' };
	for (int i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)(total >> (8 * i));
	return fdpass_send(sock, b, sizeof b, NULL, 0);
}

int pipering_read_stopped(int sock, uint64_t *total)
{
	uint8_t b[16];
	int fds[1], nfds;
	ssize_t r = fdpass_recv(sock, b, sizeof b, fds, 1, &nfds, 0);
	fdpass_close(fds, nfds);
	if (r != 9 || b[0] != 'S' || nfds)
		return -1;
	*total = 0;
	for (int i = 7; i >= 0; i--)
		*total = *total << 8 | b[1 + i];
	return 0;
}
