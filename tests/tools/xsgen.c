/*
 * xsgen: frame streams for xpaint's tests, valid and deliberately broken.
 *   xsgen valid [-s WxH] [-o EXPECTED.xwd] [-B WIDTH,RRGGBB]
 *       frames with raw, lz4, jpeg and solid rects, a cursor, then a frame
 *       left open (never to be shown); -o writes the picture a viewer must
 *       show (with the border of -B around it) as an xwd dump
 *   xsgen resize [-o EXPECTED.xwd]   a 200x100 surface resized to 300x150
 *   xsgen bad KIND                   one broken stream (xsgen bad list)
 *   xsgen echo [-n] [-u US] [-l LOG] a fake source: a hello and a frame on
 *       stdout, control records from stdin logged as text lines; nonces are
 *       echoed (-n: a wrong one; -u: US microseconds late); refresh sends the frame again
 *   xsgen clip KIND [-l LOG]         a fake source doing the clipboard: a
 *       hello (clipboard flag), a frame, a hostile title; control records
 *       logged as with echo; after a control hello with the clipboard flag
 *       it offers CLIPBOARD (text), and answers a clip-request by KIND: ok
 *       (a short text), huge (pieces announcing 1 TiB), unasked (data
 *       for a serial never asked, then ok), none (no content)
 *   xsgen dump                       a control stream on stdin as text
 *   xsgen cursor                     the current cursor on $DISPLAY: WxH
 *       and the pixel on its diagonal (XFixes), for cursor checks
 *   xsgen ringw PATH MIB             a ring writer for tests: creates
 *       PATH (MIB MiB), copies the stream on stdin into it record by
 *       record, then keeps the heartbeat going until killed; a reader
 *       that attaches gets the whole stream again (up to 64 MiB of it)
 *   xsgen bench WxH N [-u USEC] [-m]  N frames of full raw WxH (-m: one
 *       64x64 change each) paced USEC apart, capture time stamped
 *   xsgen windows N [-s WxH]         a hostile seamless stream of N windows
 *       (see gen_windows)
 *   xsgen close WID                  WM_DELETE_WINDOW to WID on $DISPLAY
 */
#include "codec.h"
#include "proto.h"
#include "ring.h"
#include "ringput.h"
#include "stream.h"
#include "util.h"

#include <X11/Xlib.h>
#include <X11/extensions/Xfixes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t *buf;
static size_t blen, bcap;
static struct xs_codec *codec;
static uint32_t SW = 320, SH = 240;
static uint32_t *model; /* the picture a viewer must show */

static void emit(const void *p, size_t n)
{
	if (blen + n > bcap) {
		while (blen + n > bcap)
			bcap = bcap ? bcap * 2 : 1 << 20;
		buf = realloc(buf, bcap);
		if (!buf)
			die(EX_OS, "realloc:");
	}
	memcpy(buf + blen, p, n);
	blen += n;
}

static void flush_out(void)
{
	if (write_all(1, buf, blen) < 0)
		die(EX_IO, "write:");
	blen = 0;
}

static uint32_t pat(uint32_t x, uint32_t y, uint32_t k)
{
	return ((x * 7 + y * 3 + k) & 255) | ((x ^ y ^ k) & 255) << 8 | ((x + y * 5 + k * 3) & 255) << 16;
}

static uint32_t smooth(uint32_t x, uint32_t y) { return (x * 4 & 255) | (y * 4 & 255) << 8 | 0x800000; }

static void hello(uint32_t w, uint32_t h, const uint8_t *ch)
{
	uint8_t b[XS_BUILD_MAX], z[XS_NONCE_LEN] = { 0 };
	emit(b, xs_build_hello(b, w, h, 0, ch ? ch : z));
}

static void frame(uint64_t seq)
{
	uint8_t b[XS_BUILD_MAX];
	emit(b, xs_build_frame(b, seq, now_ns(), 0, 0));
}

/* A rect of pixels from f, encoded as enc; the model gets what a decoder
 * makes of it (jpeg is lossy: decode it with the same library). */
static void rect(uint32_t enc, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t (*f)(uint32_t, uint32_t, uint32_t),
		 uint32_t k)
{
	uint8_t b[XS_BUILD_MAX];
	uint8_t *px = malloc((size_t)w * h * 4), *out = malloc(xs_encode_bound(enc, (struct xs_rect){ 0, 0, w, h }) + 16);
	for (uint32_t j = 0; j < h; j++)
		for (uint32_t i = 0; i < w; i++)
			xs_put32(px + ((size_t)j * w + i) * 4, f(x + i, y + j, k));
	size_t n = xs_encode(codec, enc, px, (size_t)w * 4, (struct xs_rect){ 0, 0, w, h }, 90, out);
	emit(b, xs_build_rect_hdr(b, enc, (struct xs_rect){ x, y, w, h }, 0, (uint32_t)n));
	emit(out, n);
	if (model) {
		struct xs_rect_msg r = { enc, { x, y, w, h }, 0, out, (uint32_t)n };
		char err[200];
		if (xs_decode(codec, &r, (uint8_t *)(model + (size_t)y * SW + x), (size_t)SW * 4, err, sizeof err))
			die(EX_SOFT, "decode: %s", err);
	}
	free(px);
	free(out);
}

static uint32_t pat_smooth(uint32_t x, uint32_t y, uint32_t k) { (void)k; return smooth(x, y); }

static void solid(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t c)
{
	uint8_t b[XS_BUILD_MAX];
	emit(b, xs_build_rect_hdr(b, XS_ENC_SOLID, (struct xs_rect){ x, y, w, h }, c, 0));
	if (model)
		for (uint32_t j = 0; j < h; j++)
			for (uint32_t i = 0; i < w; i++)
				model[(size_t)(y + j) * SW + x + i] = c;
}

static void cursor(void)
{
	uint8_t b[XS_BUILD_MAX], px[16 * 16 * 4];
	for (int i = 0; i < 256; i++)
		xs_put32(px + 4 * i, (i % 16 == i / 16) ? 0xffff0000u : 0);
	emit(b, xs_build_cursor_hdr(b, 16, 16, 1, 1, 7));
	emit(px, sizeof px);
}

/* The model as an xwd dump, inside a border of bw pixels of colour bc. */
static void write_xwd(const char *path, uint32_t bw, uint32_t bc)
{
	uint32_t W = SW + 2 * bw, H = SH + 2 * bw;
	uint32_t hd[25] = { 100, 7, 2, 24, W, H, 0, 0, 32, 0, 32, 32, W * 4, 4, 0xff0000, 0xff00, 0xff, 8, 0, 0,
			    W, H, 0, 0, 0 };
	FILE *f = fopen(path, "wb");
	if (!f)
		die(EX_OS, "%s:", path);
	for (int i = 0; i < 25; i++) {
		uint8_t be[4] = { (uint8_t)(hd[i] >> 24), (uint8_t)(hd[i] >> 16), (uint8_t)(hd[i] >> 8), (uint8_t)hd[i] };
		fwrite(be, 4, 1, f);
	}
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++) {
			uint32_t c = bc;
			if (x >= bw && y >= bw && x < bw + SW && y < bw + SH)
				c = model[(size_t)(y - bw) * SW + x - bw];
			uint8_t le[4];
			xs_put32(le, c & 0xffffff);
			fwrite(le, 4, 1, f);
		}
	if (fclose(f))
		die(EX_IO, "%s:", path);
}

static void gen_valid(void)
{
	hello(SW, SH, NULL);
	rect(XS_ENC_RAW, 0, 0, SW, SH / 2, pat, 0);
	rect(XS_ENC_LZ4, 0, SH / 2, SW, SH - SH / 2, pat, 0);
	frame(1);
	solid(SW / 32, SH / 24, SW / 8, SH / 8, 0x123456);
	rect(XS_ENC_LZ4, SW / 3, SH / 4, SW / 3, SH / 5, pat, 9);
	rect(XS_ENC_JPEG, SW / 2, SH / 2, SW / 5, SH / 5, pat_smooth, 0);
	cursor();
	frame(2);
	rect(XS_ENC_RAW, 0, 0, SW / 40, SH / 30, pat, 77);
	frame(3);
	/* an open frame at the end: a viewer must never show it */
	uint32_t *keep = model;
	model = NULL;
	solid(0, 0, SW, SH, 0xff0000);
	model = keep;
}

static void gen_resize(void)
{
	SW = 200;
	SH = 100;
	hello(SW, SH, NULL);
	rect(XS_ENC_RAW, 0, 0, SW, SH, pat, 1);
	frame(1);
	uint8_t b[XS_BUILD_MAX];
	SW = 300;
	SH = 150;
	free(model);
	model = calloc((size_t)SW * SH, 4);
	emit(b, xs_build_size(b, XS_RESIZE, SW, SH));
	rect(XS_ENC_RAW, 0, 0, SW, SH, pat, 2);
	frame(2);
}

static const char *bad_kinds =
	"truncated trunchdr magic version type length flags first outside zero huge overflow zerorect rawlen "
	"solidpayload lz4size lz4corrupt jpegdim rects cursor hotspot control hflags winplain winid winflags winrect cliprange clipsel titlelen";

static void gen_broken(const char *k);

/* A valid start (hello, one frame), then the broken record, which the
 * model (what stays on screen) never sees. */
static void gen_bad(const char *k)
{
	uint8_t b[256];
	size_t n;
	if (!strcmp(k, "first")) {
		solid(0, 0, 1, 1, 0);
		return;
	}
	if (!strcmp(k, "winid") || !strcmp(k, "winflags") || !strcmp(k, "winrect")) { /* seamless streams */
		uint8_t z[XS_NONCE_LEN] = { 0 };
		struct xs_win w = { 7, 10, 10, 20, 20, 0, 0 };
		emit(b, xs_build_hello(b, SW, SH, XS_HF_WINDOWS, z));
		frame(1);
		w.id = k[3] == 'i' ? 0 : 7;
		w.flags = k[3] == 'f' ? 6 : 0;
		emit(b, xs_build_win(b, XS_WIN, &w));
		if (k[3] == 'r')
			solid(0, 0, 4, 4, 0);
		return;
	}
	if (!strcmp(k, "magic") || !strcmp(k, "version") || !strcmp(k, "zero") || !strcmp(k, "huge") ||
	    !strcmp(k, "overflow") || !strcmp(k, "hflags")) {
		uint8_t z[XS_NONCE_LEN] = { 0 };
		n = xs_build_hello(b, !strcmp(k, "zero") ? 0 : !strcmp(k, "huge") ? 20000 : !strcmp(k, "overflow") ? 65536 : SW,
				   !strcmp(k, "overflow") ? 65536 : SH, 0, z);
		if (!strcmp(k, "magic"))
			xs_put32(b + 8, 0x12345678);
		if (!strcmp(k, "version"))
			xs_put16(b + 12, 2);
		if (!strcmp(k, "hflags"))
			xs_put32(b + 28, 1u << 5); /* a feature this reader does not know */
		emit(b, n);
		return;
	}
	hello(SW, SH, NULL);
	solid(0, 0, SW, SH, 0x203040);
	frame(1);
	uint32_t *keep = model;
	model = NULL;
	gen_broken(k);
	model = keep;
}

static void gen_broken(const char *k)
{
	uint8_t b[256];
	size_t n;
	if (!strcmp(k, "truncated")) {
		rect(XS_ENC_RAW, 0, 0, 16, 16, pat, 0);
		blen -= 100;
	} else if (!strcmp(k, "trunchdr")) {
		n = xs_build_frame(b, 2, 0, 0, 0);
		emit(b, 5);
	} else if (!strcmp(k, "type")) {
		xs_put_hdr(b, 42, 4);
		emit(b, 12);
	} else if (!strcmp(k, "length")) {
		xs_build_frame(b, 2, 0, 0, 0);
		xs_put32(b, 23);
		emit(b, 8 + 23);
	} else if (!strcmp(k, "flags")) {
		n = xs_build_frame(b, 2, 0, 0, 0);
		xs_put16(b + 6, 1);
		emit(b, n);
	} else if (!strcmp(k, "outside")) {
		solid(SW - 5, 0, 10, 10, 0);
	} else if (!strcmp(k, "zerorect")) {
		emit(b, xs_build_rect_hdr(b, XS_ENC_SOLID, (struct xs_rect){ 0, 0, 0, 5 }, 0, 0));
	} else if (!strcmp(k, "rawlen")) {
		emit(b, xs_build_rect_hdr(b, XS_ENC_RAW, (struct xs_rect){ 0, 0, 4, 4 }, 0, 60));
		emit(memset(b + 100, 0, 60), 60);
	} else if (!strcmp(k, "solidpayload")) {
		emit(b, xs_build_rect_hdr(b, XS_ENC_SOLID, (struct xs_rect){ 0, 0, 4, 4 }, 0, 4));
		emit(b, 4);
	} else if (!strcmp(k, "lz4size") || !strcmp(k, "jpegdim")) {
		int jpeg = k[0] == 'j';
		size_t at = blen;
		rect(jpeg ? XS_ENC_JPEG : XS_ENC_LZ4, 0, 0, 16, 16, pat, 0);
		xs_put32(buf + at + 8 + 12, 32); /* claim a wider rect */
	} else if (!strcmp(k, "lz4corrupt")) {
		emit(b, xs_build_rect_hdr(b, XS_ENC_LZ4, (struct xs_rect){ 0, 0, 16, 16 }, 0, 40));
		emit(memset(b + 100, 0xff, 40), 40);
	} else if (!strcmp(k, "rects")) {
		for (uint32_t i = 0; i <= XS_MAX_RECTS; i++)
			emit(b, xs_build_rect_hdr(b, XS_ENC_SOLID, (struct xs_rect){ i % SW, (i / SW) % SH, 1, 1 }, i, 0));
		frame(2);
	} else if (!strcmp(k, "cursor") || !strcmp(k, "hotspot")) {
		int big = k[0] == 'c';
		uint32_t w = big ? 300 : 4;
		n = xs_build_cursor_hdr(b, w, w, big ? 0 : 9, 0, 1);
		emit(b, n);
		uint8_t *px = calloc((size_t)w * w, 4);
		emit(px, (size_t)w * w * 4);
		free(px);
	} else if (!strcmp(k, "control")) {
		emit(b, xs_build_key(b, 'a', 38, 0, 1));
	} else if (!strcmp(k, "cliprange")) { /* 8 bytes of a 4-byte whole */
		struct xs_clip_data d = { 0, 1, 0, 0, 4, 0, NULL, 8 };
		emit(b, xs_build_clip_data_hdr(b, XS_CLIP_DATA, &d));
		emit("12345678", 8);
	} else if (!strcmp(k, "clipsel")) {
		emit(b, xs_build_clip_offer(b, XS_CLIP_OFFER, 5, 1, 1));
	} else if (!strcmp(k, "titlelen")) {
		xs_put_hdr(b, XS_TITLE, XS_TITLE_WIRE + 1);
		emit(b, XS_HDR_LEN);
		for (unsigned i = 0; i <= XS_TITLE_WIRE; i++)
			emit("t", 1);
	} else if (!strcmp(k, "winplain")) {
		struct xs_win w = { 7, 10, 10, 20, 20, 0, 0 };
		emit(b, xs_build_win(b, XS_WIN, &w));
	} else {
		die(EX_CMDLINE, "unknown bad kind %s; kinds: %s", k, bad_kinds);
	}
}

static void print_ctl(FILE *f, struct xs_hdr h, const uint8_t *body, const uint8_t *challenge)
{
	struct xs_msg m;
	char err[200], hx[2 * XS_NONCE_LEN + 1];
	if (xs_parse(h, body, &m, err, sizeof err)) {
		fprintf(f, "bad %s: %s\n", xs_type_name(h.type), err);
		return;
	}
	switch (h.type) {
	case XS_C_HELLO:
		hex(hx, m.u.chello.challenge, XS_NONCE_LEN);
		fprintf(f, "control-hello %s%s", hx,
			challenge ? (memcmp(challenge, m.u.chello.challenge, XS_NONCE_LEN) ? " mismatch" : " match") : "");
		if (m.u.chello.flags)
			fprintf(f, " flags 0x%x", m.u.chello.flags);
		fprintf(f, "\n");
		break;
	case XS_C_CLIP_OFFER:
		fprintf(f, "clip-offer %u serial %u formats 0x%x\n", m.u.offer.sel, m.u.offer.serial, m.u.offer.formats);
		break;
	case XS_C_CLIP_REQ:
		fprintf(f, "clip-request %u serial %u format %u max %u\n", m.u.req.sel, m.u.req.serial, m.u.req.format,
			m.u.req.max);
		break;
	case XS_C_CLIP_DATA:
		fprintf(f, "clip-data %u serial %u status %u total %llu offset %llu len %u\n", m.u.cdata.sel,
			m.u.cdata.serial, m.u.cdata.status, (unsigned long long)m.u.cdata.total,
			(unsigned long long)m.u.cdata.offset, m.u.cdata.len);
		break;
	case XS_C_KEY:
		fprintf(f, "key 0x%x %s\n", m.u.key.keysym, m.u.key.down ? "down" : "up");
		break;
	case XS_C_BUTTON:
		fprintf(f, "button %u %s %d %d\n", m.u.button.button, m.u.button.down ? "down" : "up", m.u.button.x,
			m.u.button.y);
		break;
	case XS_C_MOTION:
		fprintf(f, "motion %d %d\n", m.u.pointer.x, m.u.pointer.y);
		break;
	case XS_C_SIZE:
		fprintf(f, "size %u %u\n", m.u.size.w, m.u.size.h);
		break;
	case XS_C_NONCE:
		hex(hx, m.u.nonce.v, XS_NONCE_LEN);
		fprintf(f, "nonce %s\n", hx);
		break;
	default:
		fprintf(f, "%s\n", xs_type_name(h.type));
	}
	fflush(f);
}

static void dump(void)
{
	struct xs_reader r;
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	char err[200];
	int k;
	xs_reader_init(&r, 0);
	while ((k = xs_read(&r, &h, &body, &off, err, sizeof err)) > 0)
		print_ctl(stdout, h, body, NULL);
	if (k < 0)
		die(EX_DATA, "%s", err);
}

static void echo(int wrong, unsigned long usec, const char *log)
{
	uint8_t ch[XS_NONCE_LEN], b[XS_BUILD_MAX];
	FILE *f = log ? fopen(log, "w") : stderr;
	struct xs_reader r;
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off, seq = 1;
	char err[200];
	if (!f)
		die(EX_OS, "%s:", log);
	random_bytes(ch, sizeof ch);
	hello(SW, SH, ch);
	rect(XS_ENC_RAW, 0, 0, SW, SH, pat, 5);
	frame(seq++);
	flush_out();
	xs_reader_init(&r, 0);
	while (xs_read(&r, &h, &body, &off, err, sizeof err) > 0) {
		print_ctl(f, h, body, ch);
		if (h.type == XS_C_NONCE) {
			uint8_t v[XS_NONCE_LEN];
			memcpy(v, body, sizeof v);
			if (wrong)
				v[0] ^= 1;
			if (usec) /* -u: a slow source, the echo late */
				usleep((useconds_t)usec);
			emit(b, xs_build_nonce(b, XS_ECHO, v));
		} else if (h.type == XS_C_REFRESH) {
			rect(XS_ENC_RAW, 0, 0, SW, SH, pat, 5);
			frame(seq++);
		}
		flush_out();
	}
}

/* One clip-data record of the fake source. */
static void clip_piece(uint32_t serial, uint32_t status, uint64_t total, uint64_t offset, const void *p, uint32_t len)
{
	static uint8_t b[XS_HDR_LEN + XS_CLIP_HDR + XS_CLIP_CHUNK];
	struct xs_clip_data d = { XS_SEL_CLIPBOARD, serial, XS_FMT_TEXT, status, total, offset, NULL, len };
	size_t n = xs_build_clip_data_hdr(b, XS_CLIP_DATA, &d);
	memcpy(b + n, p, len);
	emit(b, n + len);
}

static void clip_source(const char *kind, const char *log)
{
	static const uint8_t title[] = "\x1b]0;evil\x07x\xffy\nz\xe2\x80\xae";
	static uint8_t junk[XS_CLIP_CHUNK];
	uint8_t ch[XS_NONCE_LEN], b[XS_HDR_LEN + XS_TITLE_WIRE];
	FILE *f = log ? fopen(log, "w") : stderr;
	struct xs_reader r;
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	char err[200];
	const char *ok = "guest says hi\n";
	if (!f)
		die(EX_OS, "%s:", log);
	random_bytes(ch, sizeof ch);
	emit(b, xs_build_hello(b, SW, SH, XS_HF_CLIP, ch));
	rect(XS_ENC_RAW, 0, 0, SW, SH, pat, 5);
	frame(1);
	emit(b, xs_build_title(b, title, sizeof title - 1));
	flush_out();
	memset(junk, 'j', sizeof junk);
	xs_reader_init(&r, 0);
	while (xs_read(&r, &h, &body, &off, err, sizeof err) > 0) {
		struct xs_msg m;
		print_ctl(f, h, body, ch);
		if (xs_parse(h, body, &m, err, sizeof err))
			continue;
		if (h.type == XS_C_NONCE)
			emit(b, xs_build_nonce(b, XS_ECHO, m.u.nonce.v));
		else if (h.type == XS_C_HELLO && (m.u.chello.flags & XS_CF_CLIP))
			emit(b, xs_build_clip_offer(b, XS_CLIP_OFFER, XS_SEL_CLIPBOARD, 1, 1u << XS_FMT_TEXT));
		else if (h.type == XS_C_CLIP_REQ && !strcmp(kind, "huge"))
			for (int i = 0; i < 64; i++) /* 1 MiB of pieces of a 1 TiB whole */
				clip_piece(m.u.req.serial, XS_CLIP_OK, 1ull << 40, (uint64_t)i * sizeof junk, junk, sizeof junk);
		else if (h.type == XS_C_CLIP_REQ && !strcmp(kind, "none"))
			clip_piece(m.u.req.serial, XS_CLIP_NONE, 0, 0, NULL, 0);
		else if (h.type == XS_C_CLIP_REQ) {
			if (!strcmp(kind, "unasked"))
				clip_piece(m.u.req.serial + 7, XS_CLIP_OK, 5, 0, "wrong", 5);
			clip_piece(m.u.req.serial, XS_CLIP_OK, strlen(ok), 0, ok, (uint32_t)strlen(ok));
		}
		flush_out();
	}
}

static void bench(const char *size, unsigned long n, unsigned long usec, int small)
{
	if (sscanf(size, "%ux%u", &SW, &SH) != 2 || SW < 64 || SH < 64)
		die(EX_CMDLINE, "bench: size WxH");
	hello(SW, SH, NULL);
	flush_out();
	size_t fl = (size_t)SW * SH * 4;
	uint8_t *px = malloc(fl), b[XS_BUILD_MAX];
	for (unsigned long i = 0; i < n; i++) {
		uint32_t w = small ? 64 : SW, h = small ? 64 : SH, x = small ? (uint32_t)(i * 64) % (SW - 64) : 0;
		for (size_t j = 0; j < (size_t)w * h; j++)
			xs_put32(px + 4 * j, (uint32_t)(j * 2654435761u + i));
		/* xcap splits at 4 MiB a record: do the same */
		uint32_t band = (4u << 20) / (w * 4), y0 = 0;
		while (y0 < h) {
			uint32_t bh = h - y0 < band ? h - y0 : band;
			emit(b, xs_build_rect_hdr(b, XS_ENC_RAW, (struct xs_rect){ x, y0, w, bh }, 0, w * bh * 4));
			emit(px + (size_t)y0 * w * 4, (size_t)w * bh * 4);
			y0 += bh;
		}
		emit(b, xs_build_frame(b, i + 1, now_ns(), 0, 0));
		flush_out();
		if (usec)
			usleep((useconds_t)usec);
	}
	free(px);
}

static void replay(struct ring_writer *w, const uint8_t *b, size_t n)
{
	for (size_t o = 0; o + XS_HDR_LEN <= n;) {
		struct xs_hdr h = xs_get_hdr(b + o);
		ring_put(w, h, b + o + XS_HDR_LEN);
		o += XS_HDR_LEN + h.len;
	}
}

static void ring_writer_main(const char *path, unsigned long mib)
{
	struct ring_map m;
	struct ring_writer *w;
	struct xs_reader r;
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	char err[256];
	int k;
	if (ring_map_open(&m, path, (uint64_t)mib << 20, err, sizeof err) < 0)
		die(EX_NOX, "%s", err);
	w = ring_writer_new(&m, 0);
	xs_reader_init(&r, 0);
	while ((k = xs_read(&r, &h, &body, &off, err, sizeof err)) > 0) {
		ring_put(w, h, body);
		if (blen + XS_HDR_LEN + h.len <= (64u << 20)) { /* kept for late readers */
			uint8_t hb[XS_HDR_LEN];
			xs_put_hdr(hb, h.type, h.len);
			emit(hb, XS_HDR_LEN);
			emit(body, h.len);
		}
		ring_writer_tick(w);
	}
	if (k < 0)
		die(EX_DATA, "%s", err);
	for (;;) {
		if (ring_writer_tick(w))
			replay(w, buf, blen);
		usleep(5000);
	}
}

static void cursor_probe(void)
{
	Display *d = XOpenDisplay(NULL);
	if (!d)
		die(EX_NOX, "cannot open display");
	XFixesCursorImage *c = XFixesGetCursorImage(d);
	if (!c)
		die(EX_NOX, "XFixesGetCursorImage failed");
	printf("%ux%u hot %u,%u pixel1 %08lx\n", c->width, c->height, c->xhot, c->yhot,
	       c->width > 1 && c->height > 1 ? c->pixels[c->width + 1] & 0xffffffffu : 0ul);
	XFree(c);
	XCloseDisplay(d);
}

static void wtext(uint16_t type, uint32_t id, const char *t, size_t n)
{
	uint8_t b[XS_HDR_LEN + 4 + XS_WIN_TEXT_MAX];
	emit(b, xs_build_wtext(b, type, id, t, (uint32_t)n));
}

static void win(uint16_t type, uint32_t id, int32_t x, int32_t y, uint32_t w, uint32_t h, uint32_t flags)
{
	uint8_t b[XS_BUILD_MAX];
	struct xs_win m = { id, x, y, w, h, flags, 0 };
	emit(b, xs_build_win(b, type, &m));
}

/*
 * A hostile seamless stream: n windows of 40x30 (ids 1..n) each painted
 * one colour; among the first ones an override-redirect window over the
 * whole screen, one too wide, one whose rect falls outside it, a title
 * full of controls, bidi overrides and broken UTF-8, a 4096-byte title,
 * a 128x32 icon (whole, but over the 64x64 limit: dropped), a 16x16 one;
 * then windows 1..100 go and 100 new ones (ids 100001..) come. The
 * stream ends there: the viewer keeps what it shows.
 */
static void gen_windows(unsigned long n)
{
	uint8_t b[XS_BUILD_MAX], z[XS_NONCE_LEN] = { 0 };
	static const char evil[] = "evil\a\x1b]0;pwned\a \xe2\x80\xae txt \xc0\xaf end\n";
	static char longt[XS_WIN_TEXT_MAX];
	emit(b, xs_build_hello(b, SW, SH, XS_HF_WINDOWS, z));
	for (unsigned long i = 1; i <= n; i++) {
		int32_t x = (int32_t)(i * 41 % (SW - 40)), y = (int32_t)(i * 31 % (SH - 30));
		if (i == 3)
			win(XS_WIN, i, 0, 0, SW, SH, XS_WF_OVERRIDE); /* covers the screen: dropped */
		else if (i == 4)
			win(XS_WIN, i, 0, 0, 20000, 10, 0); /* over the size limit: dropped */
		else
			win(XS_WIN, i, x, y, 40, 30, 0);
		if (i == 150)
			wtext(XS_WIN_TITLE, i, evil, sizeof evil - 1);
		else if (i == 151)
			wtext(XS_WIN_TITLE, i, memset(longt, 'x', sizeof longt), sizeof longt);
		else
			wtext(XS_WIN_TITLE, i, "w", 1);
		if (i == 6 || i == 152) {
			static uint8_t ic[XS_HDR_LEN + 12 + 4 * XS_WIN_ICON_MAX * XS_WIN_ICON_MAX];
			uint32_t iw = i == 6 ? 128 : 16, ih = i == 6 ? 32 : 16;
			size_t k = xs_build_wicon_hdr(ic, (uint32_t)i, iw, ih);
			for (uint32_t p = 0; p < iw * ih; p++)
				xs_put32(ic + k + 4 * p, 0xff000000u | p);
			emit(ic, k + 4 * iw * ih);
		}
		emit(b, xs_build_winid(b, XS_WIN_RECTS, (uint32_t)i));
		solid(0, 0, 40, i == 5 ? 31 : 30, (uint32_t)i * 0x10101u); /* 5: outside its window, dropped */
		if (i % 1000 == 0 || i == n)
			frame(i);
	}
	for (unsigned long i = 1; i <= 100; i++)
		emit(b, xs_build_winid(b, XS_WIN_GONE, (uint32_t)i));
	for (unsigned long i = 100001; i <= 100100; i++) {
		win(XS_WIN, i, 500, 400, 40, 30, 0);
		wtext(XS_WIN_TITLE, i, "late", 4);
	}
	frame(n + 1);
}

/* WM_DELETE_WINDOW to window id on $DISPLAY, as a window manager sends it. */
static void wm_close(const char *id)
{
	Display *d = XOpenDisplay(NULL);
	if (!d)
		die(EX_NOX, "cannot open display");
	XEvent e = { 0 };
	e.xclient.type = ClientMessage;
	e.xclient.window = (Window)strtoul(id, NULL, 0);
	e.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
	e.xclient.format = 32;
	e.xclient.data.l[0] = (long)XInternAtom(d, "WM_DELETE_WINDOW", False);
	e.xclient.data.l[1] = CurrentTime;
	XSendEvent(d, e.xclient.window, False, NoEventMask, &e);
	XCloseDisplay(d);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *log = NULL;
	uint32_t bw = 0, bc = 0;
	int opt_n = 0, small = 0;
	unsigned long usec = 0;
	set_argv0("xsgen");
	if (argc < 2)
		die(EX_CMDLINE, "usage: xsgen valid|resize|bad KIND|echo|dump|bench WxH N [options]");
	const char *mode = argv[1], *arg = argc > 2 && argv[2][0] != '-' ? argv[2] : NULL;
	const char *arg2 = arg && argc > 3 && argv[3][0] != '-' ? argv[3] : NULL;
	for (int i = 2 + (arg != NULL) + (arg2 != NULL); i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-l") && i + 1 < argc)
			log = argv[++i];
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			sscanf(argv[++i], "%ux%u", &SW, &SH);
		else if (!strcmp(argv[i], "-B") && i + 1 < argc)
			sscanf(argv[++i], "%u,%x", &bw, &bc);
		else if (!strcmp(argv[i], "-u") && i + 1 < argc)
			usec = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-n"))
			opt_n = 1;
		else if (!strcmp(argv[i], "-m"))
			small = 1;
		else
			die(EX_CMDLINE, "unknown option %s", argv[i]);
	}
	if (SW < 40 || SH < 30 || xs_check_size(SW, SH))
		die(EX_CMDLINE, "-s: at least 40x30, within the protocol's limits");
	codec = xs_codec_new();
	model = calloc((size_t)SW * SH, 4);
	if (!strcmp(mode, "valid"))
		gen_valid();
	else if (!strcmp(mode, "resize"))
		gen_resize();
	else if (!strcmp(mode, "bad") && arg)
		gen_bad(arg);
	else if (!strcmp(mode, "bad"))
		return printf("%s\n", bad_kinds), 0;
	else if (!strcmp(mode, "echo"))
		echo(opt_n, usec, log);
	else if (!strcmp(mode, "clip") && arg)
		clip_source(arg, log);
	else if (!strcmp(mode, "ringw") && arg && arg2)
		ring_writer_main(arg, strtoul(arg2, NULL, 10));
	else if (!strcmp(mode, "cursor"))
		cursor_probe();
	else if (!strcmp(mode, "windows") && arg)
		model = NULL, gen_windows(strtoul(arg, NULL, 10));
	else if (!strcmp(mode, "close") && arg)
		wm_close(arg);
	else if (!strcmp(mode, "dump"))
		dump();
	else if (!strcmp(mode, "bench") && arg && arg2)
		bench(arg, strtoul(arg2, NULL, 10), usec, small);
	else
		die(EX_CMDLINE, "unknown mode %s", mode);
	flush_out();
	if (out)
		write_xwd(out, bw, bc);
	return 0;
}
