/*
 * Unit checks of lib/handover.c's receiver against a sender that breaks
 * the rules: a message with two or three descriptors (the kernel installs
 * what fits the control buffer and closes the rest), a lost message with
 * one, an unknown byte with one. Each must read as EAGAIN and leave no
 * descriptor open in the receiver; a proper 'c' + fd is taken. Prints one
 * line per failed check; exit 1 if any failed.
 */
#include "handover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failed;

#define CHECK(cond, ...) do { if (!(cond)) { failed = 1; printf("handovertest: " __VA_ARGS__); printf("\n"); } } while (0)

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* what with nfd descriptors of /dev/null, sent raw (as a rogue helper would) */
static void send_raw(int s, char what, int nfd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(8 * sizeof(int))]; } u;
	int fds[8];
	struct iovec iov = { &what, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	memset(&u, 0, sizeof u);
	for (int i = 0; i < nfd; i++)
		fds[i] = open("/dev/null", O_RDONLY);
	if (nfd) {
		m.msg_control = u.b;
		m.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfd * sizeof(int));
	}
	if (sendmsg(s, &m, 0) != 1) {
		perror("handovertest: sendmsg");
		exit(2);
	}
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
}

static void refused(int sp[2], char what, int nfd)
{
	char w;
	int fd, before = open_fds();
	send_raw(sp[0], what, nfd);
	int r = handover_recv(sp[1], &w, &fd);
	CHECK(r == -1 && errno == EAGAIN && fd == -1, "'%c' with %d fds: got %d (errno %d), fd %d", what, nfd, r,
	      errno, fd);
	CHECK(open_fds() == before, "'%c' with %d fds: %d descriptors left open", what, nfd, open_fds() - before);
}

int main(void)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		perror("handovertest: socketpair");
		return 2;
	}
	refused(sp, HANDOVER_CONN, 2);
	refused(sp, HANDOVER_CONN, 3);
	refused(sp, HANDOVER_CONN, 0);
	refused(sp, HANDOVER_LOST, 1);
	refused(sp, 'x', 1);
	char w;
	int fd, before = open_fds();
	send_raw(sp[0], HANDOVER_CONN, 1);
	CHECK(handover_recv(sp[1], &w, &fd) == 1 && w == HANDOVER_CONN && fd >= 0, "'c' with one fd refused");
	CHECK(fd < 0 || (fcntl(fd, F_GETFD) & FD_CLOEXEC), "the passed fd is not close-on-exec");
	if (fd >= 0)
		close(fd);
	CHECK(open_fds() == before, "'c' with one fd: %d descriptors left open", open_fds() - before);
	send_raw(sp[0], HANDOVER_LOST, 0);
	CHECK(handover_recv(sp[1], &w, &fd) == 1 && w == HANDOVER_LOST && fd == -1, "'l' refused");
	return failed;
}
