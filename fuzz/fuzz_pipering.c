/*
 * libFuzzer target: the messages of the ring handed up a pipe
 * (lib/pipering.c) as the peer might send them, through a real
 * SOCK_SEQPACKET socketpair. First byte: bits 0-1 pick the reader (the
 * offer xcap takes, the word to go it waits for, the byte count shmring
 * reads, or a control hand-over message, lib/handover.h, which since
 * session 11 also comes from a peer found by a pipe's name: vsockd to xcap
 * down the pipe), bits 2-3 how many descriptors ride along (0-3, each
 * /dev/null).
 * No descriptor may leak (each run checks the count of open ones), and a
 * bell address taken must be NUL-terminated within its bound.
 */
#include "handover.h"
#include "pipering.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int sv[2] = { -1, -1 }, base;
	if (sv[0] < 0) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
			return 0;
		base = open_fds();
	}
	if (size < 2 || size > 1024)
		return 0;
	int nfd = (data[0] >> 2) & 3, fds[3];
	for (int i = 0; i < nfd; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int sent = fdpass_send(sv[1], data + 1, size - 1, fds, nfd);
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
	if (sent < 0)
		return 0;
	char err[256], bell[PIPERING_BELL_MAX + 1];
	int fd, bar, l, c;
	uint64_t total;
	char what;
	switch (data[0] & 3) {
	case 3: /* one byte, one of three, a descriptor with 'c' alone */
		if (handover_recv(sv[0], &what, &fd) == 1) {
			if (size != 2 || (what == HANDOVER_CONN) != (fd >= 0) || what != (char)data[1])
				abort();
			if (fd >= 0)
				close(fd);
		}
		break;
	case 0:
		if (pipering_take(sv[0], &fd, &bar, bell, err, sizeof err) == 1) {
			if (fd < 0 || bar > 1 || memchr(bell, 0, sizeof bell) == NULL)
				abort();
			close(fd);
		}
		break;
	case 1:
		if (pipering_wait_go(sv[0], 0, &l, &c, err, sizeof err) == 0) {
			if (l >= 0)
				close(l);
			if (c >= 0)
				close(c);
		}
		break;
	case 2:
		pipering_read_stopped(sv[0], &total);
		break;
	}
	if (open_fds() != base)
		abort(); /* a descriptor leaked */
	return 0;
}
