/*
 * ctlgen: writes control records named on its command line, for tests.
 *   ctlgen [-c unix:PATH|tcp:HOST:PORT] WORD...
 * Words: hello [HEX32] | key SYM DOWN [KEYCODE STATE] | button N DOWN [X Y]
 *        motion X Y | refresh | reset | size W H | nonce HEX32
 *        raw HEX (bytes as they are) | hdr TYPE LEN (a header alone)
 *        sleep MS (send what is pending, then pause)
 * Records go to stdout, or to the socket given with -c; everything between
 * two sleeps leaves in one write. Numbers take C syntax (0x61, 97).
 */
#include "proto.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static uint8_t buf[1 << 20];
static size_t len;

static void fail(const char *m, const char *w)
{
	fprintf(stderr, "ctlgen: %s%s%s\n", m, w ? ": " : "", w ? w : "");
	exit(64);
}

static unsigned long num(char **argv, int i, int argc)
{
	char *end;
	if (i >= argc)
		fail("missing number after", argv[i - 1]);
	unsigned long v = strtoul(argv[i], &end, 0);
	if (*end || !*argv[i])
		fail("bad number", argv[i]);
	return v;
}

static void hexbytes(const char *s, uint8_t *out, size_t *n, size_t max)
{
	size_t k = strlen(s);
	if (k % 2 || k / 2 > max)
		fail("bad hex", s);
	for (size_t i = 0; i < k / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			fail("bad hex", s);
		out[i] = (uint8_t)v;
	}
	*n = k / 2;
}

static void flushbuf(int fd)
{
	if (write_all(fd, buf, len) < 0) {
		perror("ctlgen: write");
		exit(74);
	}
	len = 0;
}

/* The optional pair of numbers after argv[*i] (a keycode and state, a
 * button's x and y): taken when the next word is a number. */
static void opt_pair(char **argv, int argc, int *i, unsigned long *a, unsigned long *b)
{
	if (*i + 2 < argc && argv[*i + 1][0] >= '0' && argv[*i + 1][0] <= '9') {
		*a = num(argv, *i + 1, argc);
		*b = num(argv, *i + 2, argc);
		*i += 2;
	}
}

static int dial(const char *a)
{
	int fd;
	if (!strncmp(a, "unix:", 5)) {
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		snprintf(un.sun_path, sizeof un.sun_path, "%s", a + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&un, sizeof un) < 0)
			fail("cannot connect", a);
		return fd;
	}
	if (!strncmp(a, "tcp:", 4)) {
		char host[64];
		const char *c = strrchr(a + 4, ':');
		if (!c || (size_t)(c - a - 4) >= sizeof host)
			fail("bad address", a);
		memcpy(host, a + 4, (size_t)(c - a - 4));
		host[c - a - 4] = 0;
		struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(c + 1)) };
		if (inet_pton(AF_INET, host, &in.sin_addr) != 1)
			fail("bad address", a);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&in, sizeof in) < 0)
			fail("cannot connect", a);
		return fd;
	}
	fail("address must be unix:PATH or tcp:HOST:PORT", a);
	return -1;
}

int main(int argc, char **argv)
{
	int fd = 1, i = 1;
	if (argc > 2 && !strcmp(argv[1], "-c")) {
		fd = dial(argv[2]);
		i = 3;
	}
	for (; i < argc; i++) {
		const char *w = argv[i];
		uint8_t *p = buf + len, v[XS_NONCE_LEN] = { 0 };
		size_t n;
		if (sizeof buf - len < 4096)
			flushbuf(fd);
		p = buf + len;
		if (!strcmp(w, "hello")) {
			if (i + 1 < argc && strlen(argv[i + 1]) == 2 * XS_NONCE_LEN)
				hexbytes(argv[++i], v, &n, XS_NONCE_LEN);
			len += xs_build_chello(p, 0, v);
		} else if (!strcmp(w, "key")) {
			unsigned long sym = num(argv, i + 1, argc), down = num(argv, i + 2, argc), kc = 0, state = 0;
			i += 2;
			opt_pair(argv, argc, &i, &kc, &state);
			len += xs_build_key(p, (uint32_t)sym, (uint32_t)kc, (uint32_t)state, (int)down);
		} else if (!strcmp(w, "button")) {
			unsigned long b = num(argv, i + 1, argc), down = num(argv, i + 2, argc), x = 0, y = 0;
			i += 2;
			opt_pair(argv, argc, &i, &x, &y);
			len += xs_build_button(p, (uint32_t)b, (int)down, (int32_t)x, (int32_t)y);
		} else if (!strcmp(w, "motion")) {
			len += xs_build_motion(p, (int32_t)num(argv, i + 1, argc), (int32_t)num(argv, i + 2, argc));
			i += 2;
		} else if (!strcmp(w, "size")) {
			len += xs_build_size(p, XS_C_SIZE, (uint32_t)num(argv, i + 1, argc), (uint32_t)num(argv, i + 2, argc));
			i += 2;
		} else if (!strcmp(w, "refresh") || !strcmp(w, "reset")) {
			len += xs_build_empty(p, w[2] == 'f' ? XS_C_REFRESH : XS_C_RESET);
		} else if (!strcmp(w, "nonce")) {
			if (i + 1 >= argc)
				fail("missing hex after", w);
			hexbytes(argv[++i], v, &n, XS_NONCE_LEN);
			len += xs_build_nonce(p, XS_C_NONCE, v);
		} else if (!strcmp(w, "raw")) {
			if (i + 1 >= argc)
				fail("missing hex after", w);
			hexbytes(argv[++i], p, &n, 2048);
			len += n;
		} else if (!strcmp(w, "hdr")) {
			xs_put_hdr(p, (uint16_t)num(argv, i + 1, argc), (uint32_t)num(argv, i + 2, argc));
			len += XS_HDR_LEN;
			i += 2;
		} else if (!strcmp(w, "sleep")) {
			unsigned long ms = num(argv, i + 1, argc);
			struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
			i++;
			flushbuf(fd);
			nanosleep(&ts, NULL);
		} else {
			fail("unknown word", w);
		}
	}
	flushbuf(fd);
	return 0;
}
