/* The control socket handed from vsockd to the tool beside it: handover.h. */
#include "handover.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int handover_send(int chan, char what, int fd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec iov = { &what, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	memset(&u, 0, sizeof u);
	if (fd >= 0) {
		m.msg_control = u.b;
		m.msg_controllen = sizeof u.b;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	for (;;) {
		ssize_t n = sendmsg(chan, &m, MSG_NOSIGNAL);
		if (n == 1)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

int handover_recv(int chan, char *what, int *fd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
	ssize_t n;
	*fd = -1;
	while ((n = recvmsg(chan, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return (int)n;
	/* every descriptor the kernel installed is ours to close: the buffer
	 * holds two ints (CMSG_SPACE rounds up), so a message with two is not
	 * truncated, and one with more arrives as the two that fit */
	int got = 0;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS || h->cmsg_len < CMSG_LEN(0))
			continue;
		for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++, got++) {
			int f;
			memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof f);
			if (*fd >= 0)
				close(*fd);
			*fd = f;
		}
	}
	int want_fd = c == HANDOVER_CONN;
	if ((m.msg_flags & MSG_CTRUNC) || (c != HANDOVER_CONN && c != HANDOVER_LOST && c != HANDOVER_DROPPED) ||
	    want_fd != (got == 1)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		errno = EAGAIN;
		return -1;
	}
	*what = c;
	return 1;
}

int handover_env(void)
{
	const char *s = getenv(HANDOVER_ENV);
	unsigned long v;
	struct stat st;
	if (!s)
		return -1;
	if (parse_uint(s, 0, 65535, &v) < 0 || fstat((int)v, &st) < 0 || !S_ISSOCK(st.st_mode))
		die(EX_CMDLINE, "$%s=%s: not an open socket (vsockd -c/-l ADDR -- COMMAND sets it)", HANDOVER_ENV, s);
	unsetenv(HANDOVER_ENV);
	fcntl((int)v, F_SETFD, FD_CLOEXEC);
	fcntl((int)v, F_SETFL, fcntl((int)v, F_GETFL) | O_NONBLOCK);
	return (int)v;
}
