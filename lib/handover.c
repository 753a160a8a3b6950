/* The control socket handed from vsockd to the tool beside it: handover.h. */
#include "handover.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int fdpass_send(int sock, const void *b, size_t n, const int *fds, int nfds)
{
	union { struct cmsghdr h; char c[CMSG_SPACE(3 * sizeof(int))]; } u;
	int v[3], k = 0;
	for (int i = 0; i < nfds && k < 3; i++)
		if (fds[i] >= 0)
			v[k++] = fds[i];
	struct iovec iov = { (void *)b, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	memset(&u, 0, sizeof u);
	if (k) {
		m.msg_control = u.c;
		m.msg_controllen = CMSG_SPACE(k * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(k * sizeof(int));
		memcpy(CMSG_DATA(c), v, k * sizeof(int));
	}
	ssize_t r;
	while ((r = sendmsg(sock, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return r == (ssize_t)n ? 0 : -1;
}

ssize_t fdpass_recv(int sock, uint8_t *b, size_t cap, int *fds, int max, int *nfds, int flags)
{
	union { struct cmsghdr h; char c[CMSG_SPACE(4 * sizeof(int))]; } u;
	struct iovec iov = { b, cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.c, .msg_controllen = sizeof u.c };
	ssize_t r;
	*nfds = 0;
	while ((r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | flags)) < 0 && errno == EINTR)
		;
	/* every descriptor the kernel installed is ours: keep max, close the rest */
	for (struct cmsghdr *h = r >= 0 ? CMSG_FIRSTHDR(&m) : NULL; h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS || h->cmsg_len < CMSG_LEN(0))
			continue;
		for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int f;
			memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof f);
			if (*nfds < max)
				fds[(*nfds)++] = f;
			else
				close(f);
		}
	}
	if (r > 0 && (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return errno = EMSGSIZE, -1;
	return r;
}

void fdpass_close(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int handover_send(int chan, char what, int fd)
{
	return fdpass_send(chan, &what, 1, &fd, 1);
}

int handover_recv(int chan, char *what, int *fd)
{
	uint8_t c;
	int fds[2], nfds;
	ssize_t n = fdpass_recv(chan, &c, 1, fds, 2, &nfds, MSG_DONTWAIT);
	*fd = -1;
	if (n == 0 && !nfds)
		return 0;
	if (n < 0 && errno != EMSGSIZE)
		return -1;
	/* one byte of the three; 'c' with exactly one descriptor, the others
	 * with none (a descriptor there would leak) */
	if (n != 1 || (c != HANDOVER_CONN && c != HANDOVER_LOST && c != HANDOVER_DROPPED) ||
	    nfds != (c == HANDOVER_CONN)) {
		fdpass_close(fds, nfds);
		errno = EAGAIN;
		return -1;
	}
	*what = (char)c;
	if (nfds)
		*fd = fds[0];
	return 1;
}

static int env_sock(const char *name, const char *who)
{
	const char *s = getenv(name);
	unsigned long v;
	struct stat st;
	if (!s)
		return -1;
	if (parse_uint(s, 0, 65535, &v) < 0 || fstat((int)v, &st) < 0 || !S_ISSOCK(st.st_mode))
		die(EX_CMDLINE, "$%s=%s: not an open socket (%s sets it)", name, s, who);
	unsetenv(name);
	fcntl((int)v, F_SETFD, FD_CLOEXEC);
	fcntl((int)v, F_SETFL, fcntl((int)v, F_GETFL) | O_NONBLOCK);
	return (int)v;
}

int handover_env(void)
{
	return env_sock(HANDOVER_ENV, "vsockd -c/-l ADDR -- COMMAND");
}

int handover_give_env(void)
{
	return env_sock(HANDOVER_GIVE_ENV, "xpaint -r RING -- COMMAND");
}
