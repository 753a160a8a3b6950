/*
 * ringevil: a malicious guest for the hostile-ring tests (t-ring-hostile).
 *   ringevil PATH CASE [-s MIB] [-T SECS] [-a N] [-g FILE] < STREAM
 * Creates PATH (MIB MiB, default 2) and writes the frame stream on stdin
 * into it, as a writer would (lib/ring_write.c), again for each reader
 * that attaches; once N readers attached (-a, default 1; 10 s at most),
 * FILE exists (-g: the test says its readers are ready) and a second went
 * by, it plays CASE against them for SECS seconds
 * (default 2), then
 * writes the stream cleanly again (a new session where the case left the
 * ring in a state no honest writer would) until killed. It prints
 * "attack" when the case starts and "clean" when it is over.
 *   race     rewrites the producer, record headers and rect headers of
 *            published records while the reader reads them (double fetch)
 *   behind   the producer behind the consumer      ahead   far ahead
 *   wrap     positions just below 2^64, crossing the wrap
 *   session  a new session id in the middle of a frame
 *   noheart  the heartbeat (and everything else) stops
 *   shrink   the file shrinks to 4096 bytes under the reader (no clean phase)
 *   bigrec   one record as large as the ring
 *   oversize a rect larger than the surface the hello announced
 * Exit: 0 at SIGTERM, 64 usage, 65 a bad stream on stdin, 69 ring file.
 */
#include "proto.h"
#include "ring.h"
#include "ringput.h"
#include "stream.h"
#include "util.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ring_map map;
static struct ring_writer *w;
static uint8_t *stream; /* the stream up to its last frame record */
static size_t slen;
static volatile int attacking, stop;
static int pending; /* a reader attached: it wants the stream from its hello */

static void tick(void)
{
	if (ring_writer_tick(w))
		pending = 1;
}

static uint64_t ld(unsigned off) { return __atomic_load_n((uint64_t *)(void *)(map.base + off), __ATOMIC_ACQUIRE); }
static void st(unsigned off, uint64_t v) { __atomic_store_n((uint64_t *)(void *)(map.base + off), v, __ATOMIC_RELEASE); }
static uint8_t *at(uint64_t pos) { return map.base + RING_HDR + pos % ring_writer_data_len(w); }

/* The stream once; stop after the n-th record when n is nonzero. */
static void replay(size_t n)
{
	size_t k = 0;
	for (size_t o = 0; o < slen && (!n || k < n); k++) {
		struct xs_hdr h = xs_get_hdr(stream + o);
		ring_put(w, h, stream + o + XS_HDR_LEN);
		o += XS_HDR_LEN + h.len;
		tick();
	}
}

/* busy: the stream again and again (records keep flowing), else only
 * when a reader attached. */
static void serve_for(double secs, int busy)
{
	uint64_t end = mono_ns() + (uint64_t)(secs * 1e9);
	while (!stop && mono_ns() < end) {
		tick();
		if (busy || pending) {
			pending = 0;
			replay(0);
		}
		usleep(busy ? 20000 : 5000);
	}
}

static uint64_t rnd(void)
{
	static uint64_t s = 88172645463325252ull;
	s ^= s << 13, s ^= s >> 7, s ^= s << 17;
	return s;
}

/* The attacker's thread for race: one corruption after another, each
 * undone a few microseconds later (so the data races the reader's copies). */
static void *racer(void *arg)
{
	(void)arg;
	while (!stop && attacking) {
		uint64_t prod = ld(RING_OFF_PROD), r = rnd();
		uint64_t pos = prod - RING_SKEW - (r >> 8) % (ring_writer_data_len(w) / 2) / 64 * 64 + RING_SKEW - 64;
		uint8_t *p = at(pos), save[32];
		if (pos % ring_writer_data_len(w) + 32 > ring_writer_data_len(w))
			continue;
		memcpy(save, p, 32);
		switch (r % 4) {
		case 0: /* the producer: behind, ahead, unaligned, huge */
			st(RING_OFF_PROD, r & 16 ? prod - 64 * (r >> 40 & 255) : r & 32 ? prod + 64 * (r >> 40) : r >> 3);
			break;
		case 1: /* a record header: another length, another type */
			xs_put32(p, (uint32_t)(r >> 16));
			if (r & 64)
				xs_put16(p + 4, (uint16_t)(r >> 48 & 7) + 1);
			break;
		case 2: /* a rect header: encoding, position, size */
			xs_put32(p + 8 + 4 * (r >> 8 & 3), (uint32_t)(r >> 32));
			break;
		case 3: /* a header and its rect header at once, to a raw 4 KiB rect */
			xs_put_hdr(p, XS_RECT, 4096 + 24);
			xs_put32(p + 8, XS_ENC_RAW);
			xs_put32(p + 20, (uint32_t)(r >> 20 & 0xffff));
			xs_put32(p + 24, 1);
			break;
		}
		for (volatile unsigned i = 0; i < (r >> 56) * 20; i++)
			;
		memcpy(p, save, 32);
		if (r % 4 == 0)
			st(RING_OFF_PROD, ring_writer_published(w));
	}
	return NULL;
}

static void say(const char *s)
{
	printf("%s\n", s);
	fflush(stdout);
}

/* A fresh session and the stream: what an honest writer does at start. */
static void restart(void)
{
	ring_writer_free(w);
	w = ring_writer_new(&map, 0);
	replay(0);
}

static void attack(const char *c, double secs)
{
	char err[256];
	say("attack");
	if (!strcmp(c, "race")) {
		pthread_t t;
		attacking = 1;
		pthread_create(&t, NULL, racer, NULL);
		serve_for(secs, 1);
		attacking = 0;
		pthread_join(t, NULL);
		restart();
	} else if (!strcmp(c, "behind") || !strcmp(c, "ahead")) {
		uint64_t p = ring_writer_published(w);
		st(RING_OFF_PROD, c[0] == 'b' ? p - 64 * 16 : p + 64 * (ring_writer_data_len(w) / 32));
		usleep((useconds_t)(secs * 1e6));
		st(RING_OFF_PROD, ring_writer_published(w));
		restart();
	} else if (!strcmp(c, "wrap")) {
		/* a writer whose positions run over 2^64: a few laps below it */
		ring_writer_free(w);
		w = ring_writer_new(&map, 0);
		uint64_t p = (0 - 3 * ring_writer_data_len(w)) / 64 * 64 + RING_SKEW;
		ring_writer_start_at(w, p);
		serve_for(secs, 1);
		if (ring_writer_published(w) > p)
			die(EX_SOFT, "the positions did not wrap in %.1f s", secs);
	} else if (!strcmp(c, "session")) {
		replay(2); /* a hello and the first rect: a frame begun */
		random_bytes(map.base + RING_OFF_SESSION, 16);
		replay(0); /* the rest as if nothing had happened: no HELLO before it */
		usleep((useconds_t)(secs * 1e6));
	} else if (!strcmp(c, "noheart")) {
		usleep((useconds_t)(secs * 1e6));
		if (ring_writer_tick_now(w)) /* at once */
			pending = 1;
		replay(0);
	} else if (!strcmp(c, "shrink")) {
		if (ftruncate(map.fd, RING_HDR) < 0)
			die(EX_OS, "ftruncate:");
		for (;;)
			pause();
	} else if (!strcmp(c, "bigrec")) {
		uint64_t p = ring_writer_published(w);
		xs_put_hdr(at(p), XS_RECT, (uint32_t)(ring_writer_data_len(w) - XS_HDR_LEN));
		xs_put32(at(p) + 8, XS_ENC_RAW);
		st(RING_OFF_PROD, p + ring_writer_data_len(w));
		usleep((useconds_t)(secs * 1e6));
		restart();
	} else if (!strcmp(c, "oversize")) {
		/* the hello said SW x SH; this rect is twice as wide */
		struct xs_msg m;
		struct xs_hdr h = xs_get_hdr(stream);
		if (xs_parse(h, stream + XS_HDR_LEN, &m, err, sizeof err))
			die(EX_DATA, "stdin: %s", err);
		uint32_t rw = 2 * m.u.hello.width, rh = 4;
		uint8_t b[XS_BUILD_MAX];
		struct xs_hdr rh_ = { XS_RECT_LEN, XS_RECT, 0 };
		xs_build_rect_hdr(b, XS_ENC_SOLID, (struct xs_rect){ 0, 0, rw, rh }, 0xff00ff, 0);
		ring_put(w, rh_, b + XS_HDR_LEN);
		xs_build_frame(b, 99, now_ns(), 1, 0);
		ring_put(w, (struct xs_hdr){ 24, XS_FRAME, 0 }, b + XS_HDR_LEN);
		usleep((useconds_t)(secs * 1e6));
		restart();
	} else {
		die(EX_CMDLINE, "unknown case %s", c);
	}
	say("clean");
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned long mib = 2, readers = 1;
	const char *go = NULL;
	double secs = 2;
	int o;
	char err[256];
	set_argv0("ringevil");
	while ((o = getopt(argc, argv, "s:T:a:g:")) != -1) {
		if (o == 'g') {
			go = optarg;
			continue;
		}
		if (o == 's' && !parse_uint(optarg, 1, 1024, &mib))
			continue;
		if (o == 'a' && !parse_uint(optarg, 0, 100, &readers))
			continue;
		if (o == 'T' && (secs = atof(optarg)) > 0)
			continue;
		die(EX_CMDLINE, "usage: ringevil PATH CASE [-s MIB] [-T SECS] [-a N] [-g FILE] < STREAM");
	}
	if (argc - optind != 2)
		die(EX_CMDLINE, "usage: ringevil PATH CASE [-s MIB] [-T SECS] [-a N] [-g FILE] < STREAM");
	signal(SIGTERM, on_term);
	struct xs_reader r;
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	size_t cap = 0, last = 0;
	int k;
	xs_reader_init(&r, 0);
	while ((k = xs_read(&r, &h, &body, &off, err, sizeof err)) > 0) {
		stream = xs_grow(stream, &cap, slen + XS_HDR_LEN + h.len, 1, 1 << 20);
		xs_put_hdr(stream + slen, h.type, h.len);
		memcpy(stream + slen + XS_HDR_LEN, body, h.len);
		slen += XS_HDR_LEN + h.len;
		if (h.type == XS_FRAME)
			last = slen;
	}
	if (k < 0 || !last || xs_get_hdr(stream).type != XS_HELLO)
		die(EX_DATA, "stdin: %s", k < 0 ? err : "no hello and whole frame");
	slen = last;
	if (ring_map_open(&map, argv[optind], (uint64_t)mib << 20, err, sizeof err) < 0)
		die(EX_NOX, "%s", err);
	restart();
	for (int i = 0; i < 2000 && (ld(RING_OFF_ATTACH) < readers || (go && access(go, F_OK))); i++)
		serve_for(0.005, 0);
	serve_for(1.0, 0); /* the readers show the picture */
	attack(argv[optind + 1], secs);
	for (;;)
		serve_for(3600, 0);
}
