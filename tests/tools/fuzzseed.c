/*
 * fuzzseed DIR: writes the seed corpora of the fuzz targets that have no
 * recorded corpus of their own (fuzz_lz4, fuzz_jpeg, fuzz_solid,
 * fuzz_frame, fuzz_cursor, fuzz_control, fuzz_window) into DIR/fuzz_NAME/, from the
 * library's own builders and encoders: small, valid inputs the fuzzer
 * mutates. The checked-in seeds in fuzz/corpus/ were made with it.
 * Exit 0, or 71 when a file cannot be written.
 */
#include "codec.h"
#include "proto.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *top;
static uint8_t buf[1 << 20];

static void put(const char *target, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", top, target);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", top, target, name);
	FILE *f = fopen(path, "wbe");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		die(EX_OS, "%s:", path);
}

/* decode.h's layout: u16 sw, sh, x, y, w, h, u32 param, payload. */
static size_t dec_hdr(uint8_t *p, uint16_t sw, uint16_t sh, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
		      uint32_t param)
{
	xs_put16(p, (uint16_t)(sw - 1));
	xs_put16(p + 2, (uint16_t)(sh - 1));
	xs_put16(p + 4, x);
	xs_put16(p + 6, y);
	xs_put16(p + 8, w);
	xs_put16(p + 10, h);
	xs_put32(p + 12, param);
	return 16;
}

/* A w x h BGRX picture: a gradient with some noise (lz4 and jpeg both work). */
static uint8_t *picture(uint32_t w, uint32_t h)
{
	uint8_t *px = malloc((size_t)w * h * 4);
	for (uint32_t i = 0; i < w * h; i++) {
		px[4 * i] = (uint8_t)(i % w * 8);
		px[4 * i + 1] = (uint8_t)(i / w * 8);
		px[4 * i + 2] = (uint8_t)((i * 2654435761u) >> 24 & 0x0f);
		px[4 * i + 3] = 0;
	}
	return px;
}

static void decoders(struct xs_codec *c)
{
	static const struct { uint16_t sw, sh, x, y, w, h; } g[] = {
		{ 16, 16, 2, 3, 8, 8 }, { 64, 4, 0, 0, 64, 4 }, { 40, 30, 5, 7, 17, 9 }, { 8, 8, 0, 0, 1, 1 },
	};
	char name[32];
	for (unsigned i = 0; i < sizeof g / sizeof g[0]; i++) {
		uint8_t *px = picture(g[i].w, g[i].h);
		size_t o = dec_hdr(buf, g[i].sw, g[i].sh, g[i].x, g[i].y, g[i].w, g[i].h, 0);
		size_t n = xs_encode(c, XS_ENC_LZ4, px, (size_t)g[i].w * 4, (struct xs_rect){ 0, 0, g[i].w, g[i].h }, 0, buf + o);
		snprintf(name, sizeof name, "lz4-%ux%u", g[i].w, g[i].h);
		put("fuzz_lz4", name, buf, o + n);
		n = xs_encode(c, XS_ENC_JPEG, px, (size_t)g[i].w * 4, (struct xs_rect){ 0, 0, g[i].w, g[i].h }, 50 + 15 * (int)i, buf + o);
		snprintf(name, sizeof name, "jpeg-%ux%u", g[i].w, g[i].h);
		put("fuzz_jpeg", name, buf, o + n);
		buf[0] = 1; /* fuzz_solid: raw */
		o = 1 + dec_hdr(buf + 1, g[i].sw, g[i].sh, g[i].x, g[i].y, g[i].w, g[i].h, 0);
		memcpy(buf + o, px, (size_t)g[i].w * g[i].h * 4);
		snprintf(name, sizeof name, "raw-%ux%u", g[i].w, g[i].h);
		put("fuzz_solid", name, buf, o + (size_t)g[i].w * g[i].h * 4);
		buf[0] = 0;
		o = 1 + dec_hdr(buf + 1, g[i].sw, g[i].sh, g[i].x, g[i].y, g[i].w, g[i].h, 0x00123456u + i);
		snprintf(name, sizeof name, "solid-%ux%u", g[i].w, g[i].h);
		put("fuzz_solid", name, buf, o);
		free(px);
	}
}

static size_t cursor(uint8_t *p, uint32_t w, uint32_t h, uint32_t xh, uint32_t yh)
{
	size_t o = xs_build_cursor_hdr(p, w, h, xh, yh, 7);
	for (uint32_t i = 0; i < w * h; i++)
		xs_put32(p + o + 4 * i, i & 1 ? 0xff000000u : 0xffffffffu);
	return o + (size_t)w * h * 4;
}

static void frames(struct xs_codec *c)
{
	uint8_t ch[XS_NONCE_LEN] = "0123456789abcde";
	size_t n = xs_build_hello(buf, 64, 48, 0, ch), o;
	n += cursor(buf + n, 2, 2, 1, 0);
	uint8_t *px = picture(4, 2);
	n += xs_build_rect_hdr(buf + n, XS_ENC_RAW, (struct xs_rect){ 1, 1, 4, 2 }, 0, 32);
	memcpy(buf + n, px, 32);
	n += 32;
	o = xs_build_rect_hdr(buf + n, XS_ENC_LZ4, (struct xs_rect){ 10, 10, 4, 2 }, 0, 0);
	size_t k = xs_encode(c, XS_ENC_LZ4, px, 16, (struct xs_rect){ 0, 0, 4, 2 }, 0, buf + n + o);
	xs_build_rect_hdr(buf + n, XS_ENC_LZ4, (struct xs_rect){ 10, 10, 4, 2 }, 0, (uint32_t)k);
	n += o + k;
	n += xs_build_rect_hdr(buf + n, XS_ENC_SOLID, (struct xs_rect){ 0, 40, 64, 8 }, 0x00ff8000u, 0);
	n += xs_build_frame(buf + n, 1, 1700000000000000000ull, 3, 0);
	n += xs_build_pointer(buf + n, 30, -2, 1);
	n += xs_build_size(buf + n, XS_RESIZE, 32, 32);
	n += xs_build_rect_hdr(buf + n, XS_ENC_SOLID, (struct xs_rect){ 0, 0, 32, 32 }, 0, 0);
	n += xs_build_frame(buf + n, 2, 1700000000000000001ull, 1, 0);
	n += xs_build_nonce(buf + n, XS_ECHO, ch);
	n += xs_build_bye(buf + n, 0);
	put("fuzz_frame", "stream", buf, n);
	free(px);

	static const uint32_t cur[][4] = { { 1, 1, 0, 0 }, { 4, 3, 3, 2 }, { 16, 16, 8, 8 } };
	char name[32];
	for (unsigned i = 0; i < 3; i++) {
		n = cursor(buf, cur[i][0], cur[i][1], cur[i][2], cur[i][3]);
		snprintf(name, sizeof name, "cursor-%ux%u", cur[i][0], cur[i][1]);
		put("fuzz_cursor", name, buf + XS_HDR_LEN, n - XS_HDR_LEN);
	}
}

static void windows(void)
{
	struct xs_win w = { 7, 10, -20, 300, 200, 0, 0 };
	size_t n = xs_build_win(buf, XS_WIN, &w);
	w.flags = XS_WF_OVERRIDE, w.transient = 7, w.id = 8;
	n += xs_build_win(buf + n, XS_WIN, &w);
	w.x = 40;
	n += xs_build_win(buf + n, XS_WIN_GEOM, &w);
	n += xs_build_wstack_hdr(buf + n, 2);
	xs_put32(buf + n, 7), xs_put32(buf + n + 4, 8), n += 8;
	static const char t1[] = "xterm: ~ \xe2\x80\xae evil\x1b[31m \xf0\x9f\x90\xa7 \xc0\xaf";
	n += xs_build_wtext(buf + n, XS_WIN_TITLE, 7, t1, sizeof t1 - 1);
	n += xs_build_wtext(buf + n, XS_WIN_CLASS, 7, "xterm\0XTerm", 11);
	n += xs_build_winid(buf + n, XS_WIN_RECTS, 7);
	n += xs_build_winid(buf + n, XS_WIN_GONE, 8);
	n += xs_build_winid(buf + n, XS_WIN_ICONIC, 7);
	n += xs_build_wicon_hdr(buf + n, 7, 2, 2);
	for (int i = 0; i < 4; i++)
		xs_put32(buf + n, 0xff000000u | (uint32_t)i * 0x404040u), n += 4;
	struct xs_whints wh = { 7, XS_WT_DIALOG, XS_WH_MODAL, 200, 100, 800, 600, 4, 3, 16, 9 };
	n += xs_build_whints(buf + n, &wh);
	n += xs_build_wshape_hdr(buf + n, 7, 2);
	static const uint16_t sr[8] = { 0, 0, 300, 100, 50, 100, 200, 100 };
	for (int i = 0; i < 8; i++)
		xs_put16(buf + n, sr[i]), n += 2;
	n += xs_build_winid(buf + n, XS_C_WIN_ICONIFY, 7);
	n += xs_build_win(buf + n, XS_C_WIN_CONFIGURE, &w);
	n += xs_build_winid(buf + n, XS_C_WIN_FOCUS, 7);
	n += xs_build_winid(buf + n, XS_C_WIN_CLOSE, 7);
	put("fuzz_window", "session", buf, n);
}

static void control(void)
{
	static const uint8_t ch[XS_NONCE_LEN] = "XCAP-CHALLENGE!"; /* fuzz_control's */
	for (unsigned chunk = 0; chunk < 2; chunk++) {
		size_t n = 0;
		buf[n++] = chunk ? 5 : 63;
		n += xs_build_chello(buf + n, 0, ch);
		n += xs_build_nonce(buf + n, XS_C_NONCE, ch);
		n += xs_build_empty(buf + n, XS_C_REFRESH);
		n += xs_build_key(buf + n, 0x61, 38, 0, 1);
		n += xs_build_key(buf + n, 0x61, 38, 0, 0);
		n += xs_build_button(buf + n, 1, 1, 10, 20);
		n += xs_build_motion(buf + n, 11, 21);
		n += xs_build_button(buf + n, 1, 0, 11, 21);
		n += xs_build_size(buf + n, XS_C_SIZE, 800, 600);
		n += xs_build_empty(buf + n, XS_C_RESET);
		n += xs_build_key(buf + n, 0x62, 56, 0, 1);
		put("fuzz_control", chunk ? "session-chunks" : "session", buf, n);
	}
}

int main(int argc, char **argv)
{
	set_argv0(argv[0]);
	if (argc != 2) {
		fprintf(stderr, "usage: fuzzseed DIR\n");
		return 64;
	}
	top = argv[1];
	struct xs_codec *c = xs_codec_new();
	decoders(c);
	frames(c);
	control();
	windows();
	xs_codec_free(c);
	return 0;
}
