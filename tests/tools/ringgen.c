/*
 * ringgen: helpers for the ring tests and benchmark.
 *   ringgen gen WxH FRAMES [SEED]  a frame stream: hello, cursor, a full raw
 *                                  frame, then FRAMES frames of raw, lz4 and
 *                                  solid rects (deterministic by SEED)
 *   ringgen raw WxH FRAMES         full raw frames only (throughput)
 *   ringgen frames WxH FRAMES      xcap-shaped raw frames (bands of 128 rows, a frame
 *                                  record, a bye at the end) from one prepared picture:
 *                                  to stdout, or with $XS_RING_FD (shmring -w PATH --
 *                                  ringgen frames ...) straight into the ring, as
 *                                  xcap writes it: the producer side of the throughput
 *                                  figures, one copy a frame either way
 *   ringgen pic [-f]               reads a stream on stdin, paints it, prints
 *                                  "WxH frames=N first=TYPE crc=HEX" of the
 *                                  final picture (-f: one line per frame)
 *   ringgen hdr FILE FIELD         prints a header field: prod cons whb rhb attach magic
 *   ringgen poke FILE OFFSET HEX   writes bytes into FILE at OFFSET
 *   ringgen sink                   reads stdin to EOF, prints bytes and GB/s
 *   ringgen bench WxH FRAMES       memcpy and in-process ring (two threads) GB/s
 *   ringgen copyout WxH FRAMES     copy-out of frames from a shared mapping: memcpy,
 *                                  ring_load_copy (streaming loads, plain), the copy-out reader
 *   ringgen lat PATH CMD N IDLE_MS wake-up delay of the reader CMD (shmring -r PATH)
 * Exit: 0, 64 usage, 65 bad stream.
 */
#include "codec.h"
#include "proto.h"
#include "ring.h"
#include "stream.h"
#include "util.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static void out(const void *p, size_t n)
{
	if (write_all(1, p, n) < 0)
		die(EX_IO, "write:");
}

static void geom(const char *s, uint32_t *w, uint32_t *h)
{
	if (sscanf(s, "%ux%u", w, h) != 2 || xs_check_size(*w, *h))
		die(EX_CMDLINE, "bad geometry '%s'", s);
}

static void rect(struct xs_codec *c, uint32_t enc, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		 uint64_t *seed)
{
	uint8_t hdr[64];
	size_t n = (size_t)w * h * 4, i;
	uint8_t *px = malloc(n), *enc_buf = NULL;
	uint32_t col = rnd(seed) & 0xffffff;
	for (i = 0; i < n; i += 4) {
		uint32_t v = (i / 4 % w) / 8 % 2 ? col : rnd(seed) & 0xffffff;
		xs_put32(px + i, v);
	}
	if (enc == XS_ENC_SOLID) {
		out(hdr, xs_build_rect_hdr(hdr, enc, (struct xs_rect){ x, y, w, h }, col, 0));
	} else if (enc == XS_ENC_LZ4) {
		enc_buf = malloc(xs_encode_bound(enc, (struct xs_rect){ 0, 0, w, h }));
		size_t l = xs_encode(c, enc, px, (size_t)w * 4, (struct xs_rect){ 0, 0, w, h }, 100, enc_buf);
		out(hdr, xs_build_rect_hdr(hdr, enc, (struct xs_rect){ x, y, w, h }, 0, (uint32_t)l));
		out(enc_buf, l);
	} else {
		out(hdr, xs_build_rect_hdr(hdr, XS_ENC_RAW, (struct xs_rect){ x, y, w, h }, 0, (uint32_t)n));
		out(px, n);
	}
	free(px);
	free(enc_buf);
}

static int gen(uint32_t w, uint32_t h, unsigned frames, uint64_t seed, int rawonly)
{
	struct xs_codec *c = xs_codec_new();
	uint8_t b[64], ch[XS_NONCE_LEN] = { 0 }, cur[16 * 16 * 4];
	out(b, xs_build_hello(b, w, h, 0, ch));
	if (!rawonly) {
		memset(cur, 0x80, sizeof cur);
		out(b, xs_build_cursor_hdr(b, 16, 16, 1, 1, 1));
		out(cur, sizeof cur);
	}
	for (unsigned f = 0; f <= frames; f++) {
		unsigned n = 1;
		if (f == 0 || rawonly) {
			rect(c, XS_ENC_RAW, 0, 0, w, h, &seed);
		} else {
			n = 1 + rnd(&seed) % 5;
			for (unsigned i = 0; i < n; i++) {
				uint32_t rw = 1 + rnd(&seed) % (w / 2), rh = 1 + rnd(&seed) % (h / 2);
				uint32_t x = rnd(&seed) % (w - rw + 1), y = rnd(&seed) % (h - rh + 1);
				rect(c, rnd(&seed) % 3 == 0 ? XS_ENC_SOLID : rnd(&seed) % 2 ? XS_ENC_LZ4 : XS_ENC_RAW,
				     x, y, rw, rh, &seed);
			}
		}
		out(b, xs_build_frame(b, f, now_ns(), n, 0));
	}
	xs_codec_free(c);
	return 0;
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static int pic(int perframe)
{
	struct xs_reader rd;
	struct xs_codec *c = xs_codec_new();
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off, frames = 0;
	uint32_t w = 0, hh = 0;
	uint8_t *px = NULL;
	int first = -1, rc;
	char err[256];
	struct xs_msg m;
	xs_reader_init(&rd, 0);
	while ((rc = xs_read(&rd, &h, &body, &off, err, sizeof err)) == 1) {
		if (first < 0)
			first = h.type;
		if (xs_parse(h, body, &m, err, sizeof err))
			die(EX_DATA, "offset %llu: %s", (unsigned long long)off, err);
		if (h.type == XS_HELLO || h.type == XS_RESIZE) {
			w = h.type == XS_HELLO ? m.u.hello.width : m.u.size.w;
			hh = h.type == XS_HELLO ? m.u.hello.height : m.u.size.h;
			free(px);
			px = calloc((size_t)w * hh, 4);
		} else if (h.type == XS_RECT) {
			if (!px || xs_check_rect(m.u.rect.r, w, hh, err, sizeof err) ||
			    xs_decode(c, &m.u.rect, xs_pixel_at(px, (size_t)w * 4, m.u.rect.r), (size_t)w * 4, err,
				      sizeof err))
				die(EX_DATA, "offset %llu: %s", (unsigned long long)off, px ? err : "rect before hello");
		} else if (h.type == XS_FRAME) {
			frames++;
			if (perframe)
				printf("frame %llu crc=%08x\n", (unsigned long long)m.u.frame.seq,
				       crc32(px, (size_t)w * hh * 4));
		}
	}
	if (rc < 0)
		die(EX_DATA, "%s", err);
	printf("%ux%u frames=%llu first=%s crc=%08x\n", w, hh, (unsigned long long)frames,
	       first < 0 ? "none" : xs_type_name((unsigned)first), px ? crc32(px, (size_t)w * hh * 4) : 0);
	return 0;
}

static int hdr(const char *path, const char *field)
{
	static const struct { const char *n; unsigned off; } f[] = {
		{ "prod", RING_OFF_PROD }, { "cons", RING_OFF_CONS }, { "whb", RING_OFF_WHB },
		{ "rhb", RING_OFF_RHB }, { "attach", RING_OFF_ATTACH }, { "magic", RING_OFF_MAGIC },
		{ "datalen", RING_OFF_DATALEN }, { "flags", RING_OFF_FLAGS }, { "bell", RING_OFF_BELL },
	};
	uint8_t b[8];
	int fd = open(path, O_RDONLY);
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (!strcmp(field, f[i].n)) {
			if (fd < 0 || pread(fd, b, 8, f[i].off) != 8)
				die(EX_IO, "%s:", path);
			int narrow = f[i].off == RING_OFF_MAGIC || f[i].off == RING_OFF_FLAGS || f[i].off == RING_OFF_BELL;
			printf("%llu\n", (unsigned long long)(narrow ? xs_get32(b) : xs_get64(b)));
			return 0;
		}
	die(EX_CMDLINE, "unknown field %s", field);
}

static int poke(const char *path, const char *off, const char *hx)
{
	uint8_t b[256];
	size_t n = 0;
	unsigned long o;
	if (parse_uint(off, 0, ~0ul, &o) < 0)
		die(EX_CMDLINE, "bad offset");
	for (; hx[0] && hx[1] && n < sizeof b; hx += 2)
		sscanf(hx, "%2hhx", &b[n++]);
	int fd = open(path, O_RDWR);
	if (fd < 0 || pwrite(fd, b, n, (off_t)o) != (ssize_t)n)
		die(EX_IO, "%s:", path);
	return 0;
}

static int sink(void)
{
	static uint8_t b[1 << 20];
	uint64_t t0 = 0, total = 0;
	ssize_t r;
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	while ((r = read(0, b, sizeof b)) > 0) {
		if (!t0)
			t0 = mono_ns();
		total += (uint64_t)r;
	}
	double s = (double)(mono_ns() - t0) / 1e9;
	printf("bytes=%llu secs=%.3f GB/s=%.2f\n", (unsigned long long)total, s, s > 0 ? total / s / 1e9 : 0);
	return 0;
}

/* One record (header and body from two places) to stdout or into the ring. */
static void put_rec(struct ring_writer *rw, const uint8_t *hdr, size_t hl, const uint8_t *body, size_t bl)
{
	if (!rw) {
		out(hdr, hl);
		if (bl)
			out(body, bl);
		return;
	}
	ring_writer_tick(rw);
	uint8_t *d = ring_writer_reserve(rw, (uint32_t)(hl + bl - XS_HDR_LEN));
	if (!d)
		die(EX_DATA, "a %zu-byte record does not fit the ring", hl + bl);
	memcpy(d, hdr, hl);
	memcpy(d + hl, body, bl);
	ring_writer_commit(rw, (uint32_t)(hl + bl - XS_HDR_LEN));
}

static int frames_out(uint32_t w, uint32_t h, unsigned frames)
{
	struct ring_writer *ring = NULL;
	uint8_t b[64], ch[XS_NONCE_LEN] = { 0 };
	size_t stride = (size_t)w * 4;
	uint8_t *px = malloc(stride * h);
	uint64_t seed = 7;
	if (!px)
		die(EX_OS, "no memory");
	for (size_t i = 0; i < stride * h; i += 4)
		xs_put32(px + i, (uint32_t)rnd(&seed) & 0xfcfcfc);
	const char *fd = getenv(RING_FD_ENV);
	if (!fd)
		fcntl(1, F_SETPIPE_SZ, 1 << 20); /* as xcap does on a pipe */
	if (fd) {
		struct ring_map m;
		char err[256];
		if (ring_map_fd(&m, atoi(fd), err, sizeof err) < 0)
			die(EX_NOX, "%s", err);
		ring = ring_writer_new(&m, getenv(RING_BAR_ENV) != NULL);
		/* wait for a reader (up to 2 s): the figure is the transfer, not the start */
		for (int i = 0; i < 400 && !ring_writer_reader_live(ring); i++) {
			ring_writer_tick(ring);
			usleep(5000);
		}
	}
	uint64_t t0 = mono_ns();
	put_rec(ring, b, xs_build_hello(b, w, h, 0, ch), NULL, 0);
	for (unsigned f = 0; f < frames; f++) {
		unsigned n = 0;
		for (uint32_t y = 0; y < h; y += 128, n++) {
			uint32_t bh = h - y < 128 ? h - y : 128;
			put_rec(ring, b, xs_build_rect_hdr(b, XS_ENC_RAW, (struct xs_rect){ 0, y, w, bh }, 0, (uint32_t)(stride * bh)),
				px + stride * y, stride * bh);
		}
		put_rec(ring, b, xs_build_frame(b, f + 1, now_ns(), n, 0), NULL, 0);
		if (ring)
			ring_writer_boundary(ring); /* as xcap does after a frame */
	}
	put_rec(ring, b, xs_build_bye(b, 0), NULL, 0);
	double s = (double)(mono_ns() - t0) / 1e9;
	fprintf(stderr, "ringgen frames: %u frames %.3f s %.2f GB/s written\n", frames, s,
		(double)stride * h * frames / s / 1e9);
	return 0;
}

struct bench { struct ring_map m; uint32_t len; unsigned frames; uint8_t *src; int go; };

static void *bench_writer(void *a)
{
	struct bench *b = a;
	struct ring_writer *w = ring_writer_new(&b->m, 0);
	__atomic_store_n(&b->go, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&b->go, __ATOMIC_ACQUIRE) != 2)
		;
	ring_writer_tick_now(w); /* the reader attached: it is live */
	for (unsigned f = 0; f < b->frames; f++) {
		uint8_t *d = ring_writer_reserve(w, b->len);
		xs_put_hdr(d, XS_RECT, b->len);
		memcpy(d + XS_HDR_LEN, b->src, b->len);
		ring_writer_commit(w, b->len);
	}
	ring_writer_free(w);
	return NULL;
}

/* memcpy of one frame, then the ring with a writer thread and a reader that
 * copies each body out (what shmring -r's reader side must at least do);
 * copyout: the reader copies out itself (ring_reader_copyout, as on a BAR)
 * and the GB/s returned are its, with no caller's copy. */
static double bench_ring(uint32_t w, uint32_t h, unsigned frames, int copyout, double *memcpy_gbs)
{
	struct bench b;
	char err[256], path[64];
	uint32_t len = XS_RECT_LEN + w * h * 4;
	uint8_t *dst = malloc(len);
	b.src = malloc(len);
	memset(b.src, 1, len);
	memset(dst, 2, len);
	uint64_t t = mono_ns();
	for (unsigned f = 0; f < frames; f++)
		memcpy(dst, b.src, len), b.src[f % len]++;
	double mc = (double)len * frames / ((mono_ns() - t) / 1e9) / 1e9;
	snprintf(path, sizeof path, "/dev/shm/ringgen-bench-%d", (int)getpid());
	if (ring_map_open(&b.m, path, ring_size_for(w, h), err, sizeof err) < 0)
		die(EX_OS, "%s", err);
	unlink(path);
	b.len = len;
	b.frames = frames;
	struct ring_reader *r;
	b.go = 0;
	pthread_t th;
	pthread_create(&th, NULL, bench_writer, &b);
	/* attach on the same mapping once the header is there */
	while (!__atomic_load_n(&b.go, __ATOMIC_ACQUIRE))
		;
	if (ring_reader_open_mem(&r, b.m.base, b.m.size, 1, err, sizeof err) < 0)
		die(EX_DATA, "%s", err);
	ring_reader_copyout(r, copyout);
	t = mono_ns();
	__atomic_store_n(&b.go, 2, __ATOMIC_RELEASE);
	for (unsigned got = 0; got < frames;) {
		struct ring_rec rec;
		int rc = ring_reader_next(r, &rec, err, sizeof err);
		if (rc == RING_REC) {
			if (!copyout)
				memcpy(dst, rec.in_ring ? rec.payload - XS_RECT_LEN : rec.body, rec.h.len);
			else if (rec.in_ring)
				die(EX_SOFT, "a copy-out reader returned a record in place");
			ring_reader_release(r);
			got++;
		} else if (rc == RING_NONE) {
			ring_reader_wait(r, 100);
		} else {
			die(EX_DATA, "%s", err);
		}
	}
	pthread_join(th, NULL);
	double rg = (double)len * frames / ((mono_ns() - t) / 1e9) / 1e9;
	ring_reader_close(r);
	ring_map_close(&b.m);
	free(b.src);
	free(dst);
	*memcpy_gbs = mc;
	return rg;
}

static int bench(uint32_t w, uint32_t h, unsigned frames)
{
	double mc, rg = bench_ring(w, h, frames, 0, &mc);
	printf("frame=%u bytes memcpy=%.2f GB/s ring(copy in + copy out)=%.2f GB/s\n", XS_RECT_LEN + w * h * 4, mc, rg);
	return 0;
}

/* GB/s of copying FRAMES frames out of a shared file mapping (a /dev/shm
 * file, as QEMU backs a BAR) into one private buffer with copy, each frame
 * from the next of 8 slots so the source is not in the cache (the private
 * destination is, as a reader's stage is). */
static double copy_rate(const uint8_t *area, uint8_t *dst, size_t len, unsigned frames,
			void (*copy)(uint8_t *, const uint8_t *, size_t))
{
	uint64_t t = mono_ns();
	for (unsigned f = 0; f < frames; f++)
		copy(dst, area + (size_t)(f % 8) * len, len);
	return (double)len * frames / ((mono_ns() - t) / 1e9) / 1e9;
}

static void plain_copy(uint8_t *d, const uint8_t *s, size_t n) { memcpy(d, s, n); }

/*
 * The copy-out of a reader on a PCI BAR, measured on this host's RAM (no
 * WC memory here: the streaming loads act as ordinary loads on WB memory,
 * so this is their overhead, not their gain; docs/RING.md says what to
 * expect on a WC BAR): memcpy, ring_load_copy, and the whole copy-out
 * reader against the in-place one.
 */
static int copyout_bench(uint32_t w, uint32_t h, unsigned frames)
{
	char path[64], err[256];
	struct ring_map m;
	size_t len = (size_t)XS_RECT_LEN + (size_t)w * h * 4, area = (len * 8 + 4095) & ~(size_t)4095;
	snprintf(path, sizeof path, "/dev/shm/ringgen-copyout-%d", (int)getpid());
	if (ring_map_open(&m, path, area, err, sizeof err) < 0)
		die(EX_OS, "%s", err);
	unlink(path);
	uint8_t *dst = malloc(len);
	memset(m.base, 3, area);
	memset(dst, 0, len);
	double mc = copy_rate(m.base, dst, len, frames, plain_copy);
	double sl = copy_rate(m.base, dst, len, frames, ring_load_copy);
	double mc2 = copy_rate(m.base, dst, len, frames, plain_copy);
	double sl2 = copy_rate(m.base, dst, len, frames, ring_load_copy);
	ring_map_close(&m);
	free(dst);
	double bm, in = bench_ring(w, h, frames, 0, &bm), co = bench_ring(w, h, frames, 1, &bm);
	printf("frame=%zu bytes memcpy_gbs=%.2f copyout_gbs=%.2f (%s loads) ring_inplace_gbs=%.2f ring_copyout_gbs=%.2f\n",
	       len, mc > mc2 ? mc : mc2, sl > sl2 ? sl : sl2, ring_load_streaming() ? "streaming" : "plain", in, co);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Wake-up delay of `READER_CMD` (e.g. "shmring -r PATH"): be the writer of
 * a fresh ring at path, then N times: stay idle IDLE_MS (the reader is in
 * its sleeping back-off), publish a frame record, time until the reader's
 * stdout delivers it. Prints p50, p90, max in microseconds.
 */
static int lat(const char *path, const char *cmd, unsigned n, unsigned idle_ms)
{
	struct ring_map m;
	struct ring_writer *w;
	char err[256];
	uint8_t b[64], rec[64], ch[XS_NONCE_LEN] = { 0 };
	uint64_t *d = calloc(n, sizeof *d);
	unlink(path);
	if (ring_map_open(&m, path, 1 << 20, err, sizeof err) < 0)
		die(EX_OS, "%s", err);
	w = ring_writer_new(&m, 0);
	int pfd[2];
	if (pipe(pfd) < 0)
		die(EX_OS, "pipe:");
	char full[4096]; /* exec: the reader replaces the shell, so killing pid kills it */
	snprintf(full, sizeof full, "exec %s", cmd);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl("/bin/sh", "sh", "-c", full, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	while (!ring_writer_tick(w))
		usleep(1000);
	size_t l = xs_build_hello(b, 64, 64, 0, ch);
	uint8_t *p = ring_writer_reserve(w, (uint32_t)(l - XS_HDR_LEN));
	memcpy(p, b, l);
	ring_writer_commit(w, (uint32_t)(l - XS_HDR_LEN));
	if (fread(rec, 1, l, f) != l)
		die(EX_IO, "reader gave no hello");
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = mono_ns() + (uint64_t)idle_ms * 1000000;
		while (mono_ns() < t0) {
			ring_writer_tick(w);
			usleep(2000);
		}
		l = xs_build_frame(b, i, now_ns(), 0, 0);
		p = ring_writer_reserve(w, (uint32_t)(l - XS_HDR_LEN));
		memcpy(p, b, l);
		t0 = mono_ns();
		ring_writer_commit(w, (uint32_t)(l - XS_HDR_LEN));
		if (fread(rec, 1, l, f) != l)
			die(EX_IO, "reader stopped");
		d[i] = mono_ns() - t0;
	}
	qsort(d, n, sizeof *d, cmp_u64);
	printf("wakeup us: p50=%.0f p90=%.0f max=%.0f (n=%u, idle %u ms before each)\n", d[n / 2] / 1e3,
	       d[n * 9 / 10] / 1e3, d[n - 1] / 1e3, n, idle_ms);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	fclose(f);
	unlink(path);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t w, h;
	set_argv0(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 4 && (!strcmp(argv[1], "gen") || !strcmp(argv[1], "raw"))) {
		geom(argv[2], &w, &h);
		return gen(w, h, (unsigned)atoi(argv[3]), argc > 4 ? strtoull(argv[4], NULL, 10) : 1, argv[1][0] == 'r');
	}
	if (argc >= 2 && !strcmp(argv[1], "pic"))
		return pic(argc > 2 && !strcmp(argv[2], "-f"));
	if (argc == 4 && !strcmp(argv[1], "hdr"))
		return hdr(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "poke"))
		return poke(argv[2], argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "lat"))
		return lat(argv[2], argv[3], (unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]));
	if (argc == 4 && !strcmp(argv[1], "frames")) {
		geom(argv[2], &w, &h);
		return frames_out(w, h, (unsigned)atoi(argv[3]));
	}
	if (argc == 2 && !strcmp(argv[1], "sink"))
		return sink();
	if (argc == 4 && !strcmp(argv[1], "copyout")) {
		geom(argv[2], &w, &h);
		return copyout_bench(w, h, (unsigned)atoi(argv[3]));
	}
	if (argc == 4 && !strcmp(argv[1], "bench")) {
		geom(argv[2], &w, &h);
		return bench(w, h, (unsigned)atoi(argv[3]));
	}
	die(EX_CMDLINE, "usage: ringgen gen|raw WxH FRAMES [SEED] | pic [-f] | hdr FILE FIELD | poke FILE OFF HEX | "
	    "sink | bench WxH FRAMES | copyout WxH FRAMES | frames WxH FRAMES");
}
