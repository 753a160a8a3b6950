/*
 * storm: a hostile guest's storms of state records, for t-hostile-storm
 * (docs/SECURITY.md "Storms").
 *   storm KIND [-n N] [-s WxH]   a hello, then N records of KIND (0: no
 *       end, until the reader goes) on stdout, as fast as they are taken
 *   storm bell PATH              listens on the unix socket PATH and, to
 *       every caller (xpaint -r -B unix:PATH), writes bytes without end
 * KIND is one of
 *   resize   resize records alternating 100x100 and 4100x4100
 *   hello    hellos alternating 100x100 and 4100x4100 (the same source)
 *   cursor   cursors alternating 16x16 and 64x64, every one new pixels
 *   pointer  pointer records, shown and hidden in turn
 *   title    the whole-screen window's title, a new text each time
 *   clip     clipboard offers of CLIPBOARD and PRIMARY, a new serial each
 *   wchurn   seamless: a new window, then it goes, ids never reused
 *   wgeom    seamless: one window moved and resized (40x30 to 1500x1000)
 *   wtitle   seamless: one window's title, a new text each time
 *   icon     seamless: one window's 64x64 icon, new pixels each time
 *   stack    seamless: eight windows restacked, a new order each time
 *   shape    seamless: one window's shape, 4096 new rects each time
 *   hints    seamless: one window's kind, modality and sizes, new each time
 * The stream stops without a frame: what the viewer must show afterwards
 * is the caller's to send (t-hostile-storm appends xsgen valid).
 * Exit: 0 at the end or when the reader went, 64 usage, 71 system error.
 */
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static uint8_t out[1 << 16];
static size_t olen;

static void flush_out(void)
{
	if (olen && write_all(1, out, olen) < 0) {
		if (errno == EPIPE)
			exit(0); /* the reader went: the storm is over */
		die(EX_IO, "write:");
	}
	olen = 0;
}

static void emit(const void *p, size_t n)
{
	if (olen + n > sizeof out)
		flush_out();
	if (n > sizeof out) {
		if (write_all(1, p, n) < 0)
			exit(errno == EPIPE ? 0 : EX_IO);
		return;
	}
	memcpy(out + olen, p, n);
	olen += n;
}

static uint8_t rec[XS_HDR_LEN + 4 + 8 * XS_WIN_SHAPE_MAX + 12 + 4 * 64 * 64 + XS_WIN_TEXT_MAX]; /* the largest: a shape, an icon */

static void win(uint16_t type, uint32_t id, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	struct xs_win m = { id, x, y, w, h, 0, 0 };
	emit(rec, xs_build_win(rec, type, &m));
}

static void cursor(unsigned long i)
{
	uint32_t s = i & 1 ? 64 : 16;
	size_t k = xs_build_cursor_hdr(rec, s, s, s / 2, s / 2, (uint32_t)i);
	for (uint32_t p = 0; p < s * s; p++)
		xs_put32(rec + k + 4 * p, 0xff000000u | (uint32_t)(i * 2654435761u + p));
	emit(rec, k + 4 * s * s);
}

static void icon(unsigned long i)
{
	size_t k = xs_build_wicon_hdr(rec, 1, 64, 64);
	for (uint32_t p = 0; p < 64 * 64; p++)
		xs_put32(rec + k + 4 * p, 0xff000000u | (uint32_t)(i * 40503u + p));
	emit(rec, k + 4 * 64 * 64);
}

static void shape(unsigned long i)
{
	size_t k = xs_build_wshape_hdr(rec, 1, XS_WIN_SHAPE_MAX);
	for (uint32_t p = 0; p < XS_WIN_SHAPE_MAX; p++) { /* 1x1 rects over the 40x30 window, shifted each time */
		uint32_t v = (uint32_t)(p + i) % (40 * 30);
		xs_put16(rec + k + 8 * p, (uint16_t)(v % 40)), xs_put16(rec + k + 8 * p + 2, (uint16_t)(v / 40));
		xs_put16(rec + k + 8 * p + 4, 1), xs_put16(rec + k + 8 * p + 6, 1);
	}
	emit(rec, k + 8 * XS_WIN_SHAPE_MAX);
}

static void hints(unsigned long i)
{
	struct xs_whints h = { 1, (uint32_t)(i % XS_WT_N), (uint32_t)(i & 1), 10 + (uint32_t)(i % 20), 10, 1000, 900, 0, 0,
			       0, 0 };
	emit(rec, xs_build_whints(rec, &h));
}

static void stack(unsigned long i)
{
	size_t k = xs_build_wstack_hdr(rec, 8);
	for (uint32_t p = 0; p < 8; p++)
		xs_put32(rec + k + 4 * p, 1 + (uint32_t)((p + i) % 8));
	emit(rec, k + 32);
}

/* One record of the storm, the i-th. */
static void one(const char *kind, unsigned long i)
{
	char t[64];
	int n = snprintf(t, sizeof t, "storm %lu", i);
	uint8_t z[XS_NONCE_LEN] = { 0 };
	if (!strcmp(kind, "resize"))
		emit(rec, xs_build_size(rec, XS_RESIZE, i & 1 ? 4100 : 100, i & 1 ? 4100 : 100));
	else if (!strcmp(kind, "hello"))
		emit(rec, xs_build_hello(rec, i & 1 ? 4100 : 100, i & 1 ? 4100 : 100, 0, z));
	else if (!strcmp(kind, "cursor"))
		cursor(i);
	else if (!strcmp(kind, "pointer"))
		emit(rec, xs_build_pointer(rec, (int32_t)(i % 300), 10, (uint32_t)(i & 1)));
	else if (!strcmp(kind, "title"))
		emit(rec, xs_build_title(rec, (const uint8_t *)t, (uint32_t)n));
	else if (!strcmp(kind, "clip"))
		emit(rec, xs_build_clip_offer(rec, XS_CLIP_OFFER, (uint32_t)(i & 1), (uint32_t)i + 1, 1u << XS_FMT_TEXT));
	else if (!strcmp(kind, "wchurn")) {
		win(XS_WIN, (uint32_t)(1000 + i), (int32_t)(i % 500), (int32_t)(i % 300), 200, 150);
		emit(rec, xs_build_winid(rec, XS_WIN_GONE, (uint32_t)(1000 + i)));
	} else if (!strcmp(kind, "wgeom"))
		win(XS_WIN_GEOM, 1, (int32_t)(i % 97), (int32_t)(i % 89), i & 1 ? 1500 : 40, i & 1 ? 1000 : 30);
	else if (!strcmp(kind, "wtitle"))
		emit(rec, xs_build_wtext(rec, XS_WIN_TITLE, 1, t, (uint32_t)n));
	else if (!strcmp(kind, "icon"))
		icon(i);
	else if (!strcmp(kind, "stack"))
		stack(i);
	else if (!strcmp(kind, "shape"))
		shape(i);
	else if (!strcmp(kind, "hints"))
		hints(i);
	else
		die(EX_CMDLINE, "unknown storm %s", kind);
}

static int seamless(const char *kind)
{
	return !strcmp(kind, "wchurn") || !strcmp(kind, "wgeom") || !strcmp(kind, "wtitle") || !strcmp(kind, "icon") ||
	       !strcmp(kind, "stack") || !strcmp(kind, "shape") || !strcmp(kind, "hints");
}

static void storm(const char *kind, unsigned long n, uint32_t w, uint32_t h)
{
	uint8_t z[XS_NONCE_LEN] = { 0 };
	uint32_t flags = seamless(kind) ? XS_HF_WINDOWS : !strcmp(kind, "clip") ? XS_HF_CLIP : 0;
	emit(rec, xs_build_hello(rec, w, h, flags, z));
	if (!strcmp(kind, "wgeom") || !strcmp(kind, "wtitle") || !strcmp(kind, "icon") || !strcmp(kind, "shape") ||
	    !strcmp(kind, "hints"))
		win(XS_WIN, 1, 10, 10, 40, 30);
	if (!strcmp(kind, "stack"))
		for (uint32_t k = 1; k <= 8; k++)
			win(XS_WIN, k, (int32_t)(10 * k), (int32_t)(10 * k), 40, 30);
	for (unsigned long i = 0; !n || i < n; i++)
		one(kind, i);
	flush_out();
}

/* Every caller of PATH gets bytes until it hangs up; then the next. */
static void bell(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static uint8_t junk[4096];
	if (strlen(path) >= sizeof a.sun_path)
		die(EX_CMDLINE, "%s: too long for a unix socket", path);
	strcpy(a.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 4) < 0)
		die(EX_OS, "%s:", path);
	memset(junk, 'b', sizeof junk);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			die(EX_OS, "accept:");
		for (unsigned long i = 0; write(c, junk, i % 2 ? sizeof junk : 1) > 0; i++)
			;
		close(c);
	}
}

int main(int argc, char **argv)
{
	unsigned long n = 3000;
	uint32_t w = 320, h = 240;
	set_argv0("storm");
	if (argc < 2)
		die(EX_CMDLINE, "usage: storm KIND [-n N] [-s WxH] | storm bell PATH");
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "bell") && argc == 3)
		bell(argv[2]);
	for (int i = 2; i < argc; i++) {
		unsigned long u;
		if (!strcmp(argv[i], "-n") && i + 1 < argc && parse_uint(argv[++i], 0, 100000000, &u) == 0)
			n = u;
		else if (!strcmp(argv[i], "-s") && i + 1 < argc && sscanf(argv[++i], "%ux%u", &w, &h) == 2 &&
			 !xs_check_size(w, h))
			;
		else
			die(EX_CMDLINE, "usage: storm KIND [-n N] [-s WxH] | storm bell PATH");
	}
	storm(argv[1], n, w, h);
	return 0;
}
