/*
 * pipepeer: a stranger at the socket where a ring is handed up a pipe
 * (lib/pipering.h), for tests/t-ring-pipehand.sh. It never opens the pipe
 * (a named FIFO, found by its path), so it holds neither end.
 *   pipepeer offer FIFO   connects to the listener named after FIFO (an
 *                         xcap writing it) and offers a ring of its own
 *                         (a 16 MiB memfd); prints "refused" when the
 *                         listener hangs up without taking it, exit 0;
 *                         "taken" and exit 1 if it reads the offer and stays
 *   pipepeer listen FIFO  listens under that name (before any xcap) and
 *                         waits up to 10 s for a shmring to call; prints
 *                         "no offer" when the caller hangs up without one,
 *                         exit 0; "offered" and exit 1 when it gets a ring
 * The control socket handed down a pipe (vsockd -l ADDR | xcap):
 *   pipepeer join FIFO    connects to the listener named after FIFO (a
 *                         vsockd writing it); prints "refused" when it
 *                         hangs up within 3 s, exit 0; "kept" and exit 1
 *   pipepeer give FIFO    listens under that name (before any vsockd) and
 *                         waits up to 10 s for an xcap to call; hands it a
 *                         connection (one end of a socketpair) and prints
 *                         "refused" when the caller hangs up within 3 s
 *                         without a word, exit 0; "kept" and exit 1
 */
#include "handover.h"
#include "pipering.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t name_of(const char *path, struct sockaddr_un *a, int ctl)
{
	struct stat st;
	socklen_t len = stat(path, &st) < 0 ? 0 : ctl ? pipectl_addr(&st, a) : pipering_addr(&st, a);
	if (!len)
		fprintf(stderr, "pipepeer: %s is not a FIFO\n", path);
	return len;
}

/* Waits up to ms for s to say something: 1 data, 0 hung up or nothing. */
static int hears(int s, int ms)
{
	struct pollfd p = { s, POLLIN, 0 };
	char b[512];
	return poll(&p, 1, ms) == 1 && recv(s, b, sizeof b, MSG_DONTWAIT) > 0;
}

/* Waits up to 3 s for s to hang up without a word (0 bytes, or
 * ECONNRESET: what we sent was left unread): 1 it did, 0 it stayed. */
static int hangs_up(int s)
{
	struct pollfd p = { s, POLLIN, 0 };
	char b[16];
	return poll(&p, 1, 3000) == 1 && recv(s, b, sizeof b, MSG_DONTWAIT) <= 0;
}

/* Listens on s under the name and takes the first caller within 10 s: its
 * socket, or -1 (said). */
static int first_caller(int s, const struct sockaddr_un *a, socklen_t len)
{
	struct pollfd p = { s, POLLIN, 0 };
	if (bind(s, (const struct sockaddr *)a, len) < 0 || listen(s, 1) < 0) {
		perror("pipepeer: bind");
		return -1;
	}
	if (poll(&p, 1, 10000) != 1) {
		puts("nobody called");
		return -1;
	}
	return accept(s, NULL, NULL);
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t len;
	if (argc != 3)
		return 64;
	int ctl = !strcmp(argv[1], "join") || !strcmp(argv[1], "give");
	if (!(len = name_of(argv[2], &a, ctl)))
		return 64;
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (!strcmp(argv[1], "join")) {
		if (connect(s, (struct sockaddr *)&a, len) < 0) {
			perror("pipepeer: connect");
			return 69;
		}
		int gone = hangs_up(s);
		puts(gone ? "refused" : "kept");
		return !gone;
	}
	if (!strcmp(argv[1], "give")) {
		int sp[2], c;
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 || (c = first_caller(s, &a, len)) < 0)
			return 1;
		handover_send(c, HANDOVER_CONN, sp[0]); /* a taker would read records from sp[1]'s peer */
		int gone = hangs_up(c);
		puts(gone ? "refused" : "kept");
		return !gone;
	}
	if (!strcmp(argv[1], "offer")) {
		if (connect(s, (struct sockaddr *)&a, len) < 0) {
			perror("pipepeer: connect");
			return 69;
		}
		int fd = memfd_create("pipepeer", 0);
		if (fd < 0 || ftruncate(fd, 16 << 20) < 0) {
			perror("pipepeer: memfd");
			return 71;
		}
		if (pipering_offer(s, fd, 0, "") < 0) { /* hung up before the offer was read */
			if (errno != EPIPE && errno != ECONNRESET) {
				perror("pipepeer: offer");
				return 71;
			}
			puts("refused");
			return 0;
		}
		/* a taker writes its output down the pipe and waits for the word
		 * to go; a refuser hangs up */
		struct pollfd p = { s, POLLIN, 0 };
		int r = poll(&p, 1, 3000);
		puts(r == 1 ? "refused" : "taken");
		return r == 1 ? 0 : 1;
	}
	if (!strcmp(argv[1], "listen")) {
		int c = first_caller(s, &a, len);
		if (c < 0)
			return 1;
		int got = hears(c, 2000);
		puts(got ? "offered" : "no offer");
		return got;
	}
	return 64;
}
