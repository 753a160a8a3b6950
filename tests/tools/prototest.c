/*
 * Unit checks of lib/proto.c and lib/codec.c: every builder round-trips
 * through xs_parse, and each kind of bad record is refused with the right
 * message. Prints one line per failed check; exit 1 if any failed.
 */
#include "codec.h"
#include "proto.h"
#include "title.h"

#include <stdio.h>
#include <stdlib.h>

static int failed;

#define CHECK(cond, ...) do { if (!(cond)) { failed = 1; printf("prototest: " __VA_ARGS__); printf("\n"); } } while (0)

static const char *parse(uint8_t *rec, struct xs_msg *m)
{
	static char err[256];
	return xs_parse(xs_get_hdr(rec), rec + XS_HDR_LEN, m, err, sizeof err);
}

/* The message for a record, or "" when it parses. */
static const char *why(uint8_t *rec)
{
	struct xs_msg m;
	const char *e = parse(rec, &m);
	return e ? e : "";
}

static void roundtrips(void)
{
	uint8_t b[512], ch[16];
	struct xs_msg m;
	for (int i = 0; i < 16; i++)
		ch[i] = (uint8_t)(i * 17);
	xs_build_hello(b, 1920, 1080, 0, ch);
	CHECK(!parse(b, &m) && m.u.hello.width == 1920 && m.u.hello.height == 1080 &&
	      !memcmp(m.u.hello.challenge, ch, 16), "hello round trip");
	xs_build_chello(b, 0, ch);
	CHECK(!parse(b, &m) && !memcmp(m.u.chello.challenge, ch, 16), "control hello round trip");
	xs_build_frame(b, 0x1122334455667788ull, 42, 3, 0);
	CHECK(!parse(b, &m) && m.u.frame.seq == 0x1122334455667788ull && m.u.frame.time_ns == 42 &&
	      m.u.frame.nrects == 3, "frame round trip");
	xs_build_pointer(b, -5, 7, 1);
	CHECK(!parse(b, &m) && m.u.pointer.x == -5 && m.u.pointer.y == 7, "pointer round trip");
	xs_build_key(b, 0xfe03, 92, 4, 1);
	CHECK(!parse(b, &m) && m.u.key.keysym == 0xfe03 && m.u.key.down == 1 && m.u.key.state == 4, "key round trip");
	xs_build_button(b, 5, 0, 10, 20);
	CHECK(!parse(b, &m) && m.u.button.button == 5 && m.u.button.y == 20, "button round trip");
	xs_build_motion(b, 3, 4);
	CHECK(!parse(b, &m) && m.type == XS_C_MOTION && m.u.pointer.x == 3 && m.u.pointer.y == 4, "motion round trip");
	xs_build_size(b, XS_C_SIZE, 800, 600);
	CHECK(!parse(b, &m) && m.u.size.w == 800, "size round trip");
	xs_build_nonce(b, XS_ECHO, ch);
	CHECK(!parse(b, &m) && !memcmp(m.u.nonce.v, ch, 16), "echo round trip");
	xs_build_empty(b, XS_C_RESET);
	CHECK(!parse(b, &m) && m.type == XS_C_RESET, "reset round trip");
	size_t n = xs_build_cursor_hdr(b, 2, 2, 1, 1, 9);
	memset(b + n, 0xff, 16);
	CHECK(!parse(b, &m) && m.u.cursor.w == 2 && m.u.cursor.serial == 9, "cursor round trip");
}

static void bad_records(void)
{
	uint8_t b[512], ch[16] = { 0 };
	xs_build_hello(b, 100, 100, 0, ch);
	xs_put32(b + 8, 0xdeadbeef);
	CHECK(strstr(why(b), "bad magic"), "wrong magic refused: '%s'", why(b));
	xs_build_hello(b, 100, 100, 0, ch);
	xs_put16(b + 12, 2);
	CHECK(strstr(why(b), "version"), "wrong version refused: '%s'", why(b));
	xs_build_hello(b, 0, 100, 0, ch);
	CHECK(strstr(why(b), "zero"), "zero size refused: '%s'", why(b));
	xs_build_hello(b, 16385, 100, 0, ch);
	CHECK(strstr(why(b), "limit"), "huge size refused: '%s'", why(b));
	xs_build_hello(b, 16384, 16384, 0, ch);
	CHECK(strstr(why(b), "limit"), "huge area refused: '%s'", why(b));
	xs_put_hdr(b, 99, 0);
	CHECK(strstr(why(b), "unknown record type"), "unknown type refused: '%s'", why(b));
	xs_build_frame(b, 1, 1, 1, 0);
	xs_put32(b, 23);
	CHECK(strstr(why(b), "length"), "bad length refused: '%s'", why(b));
	xs_build_frame(b, 1, 1, 1, 0);
	xs_put16(b + 6, 1);
	CHECK(strstr(why(b), "flags"), "flags refused: '%s'", why(b));
	xs_build_rect_hdr(b, XS_ENC_RAW, (struct xs_rect){ 0, 0, 2, 2 }, 0, 15);
	CHECK(strstr(why(b), "payload"), "raw size mismatch refused: '%s'", why(b));
	xs_build_rect_hdr(b, XS_ENC_RAW, (struct xs_rect){ 0, 0, 65536, 65536 }, 0, 0);
	CHECK(strstr(why(b), "zero or over"), "w*h*4 overflow refused: '%s'", why(b));
	xs_build_rect_hdr(b, XS_ENC_SOLID, (struct xs_rect){ 0, 0, 0, 5 }, 0, 0);
	CHECK(strstr(why(b), "zero"), "zero rect refused: '%s'", why(b));
	xs_build_rect_hdr(b, 9, (struct xs_rect){ 0, 0, 1, 1 }, 0, 4);
	CHECK(strstr(why(b), "encoding"), "unknown encoding refused: '%s'", why(b));
	xs_build_button(b, 10, 1, 0, 0);
	CHECK(strstr(why(b), "button"), "button 10 refused: '%s'", why(b));
	size_t n = xs_build_cursor_hdr(b, 2, 2, 2, 0, 1);
	memset(b + n, 0, 16);
	CHECK(strstr(why(b), "hotspot"), "cursor hotspot refused: '%s'", why(b));

	struct xs_rect r = { .x = 0xfffffff0u, .y = 0, .w = 32, .h = 1 };
	char err[256];
	CHECK(xs_check_rect(r, 100, 100, err, sizeof err), "rect whose x + w wraps refused");
	r.x = 90, r.w = 10;
	CHECK(!xs_check_rect(r, 100, 100, err, sizeof err), "rect at the edge accepted");
	r.w = 11;
	CHECK(xs_check_rect(r, 100, 100, err, sizeof err), "rect past the edge refused");
}

static void codecs(void)
{
	struct xs_codec *c = xs_codec_new();
	enum { W = 37, H = 23 };
	uint8_t src[W * H * 4], dst[W * H * 4], enc[65536];
	char err[256];
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (uint8_t)(i % 4 == 3 ? 0 : (i * 31) >> 3);
	size_t n = xs_encode(c, XS_ENC_LZ4, src, W * 4, (struct xs_rect){ 0, 0, W, H }, 0, enc);
	struct xs_rect_msg rm = { .enc = XS_ENC_LZ4, .r = { 0, 0, W, H }, .data = enc, .len = (uint32_t)n };
	CHECK(n && !xs_decode(c, &rm, dst, W * 4, err, sizeof err) && !memcmp(src, dst, sizeof src), "lz4 round trip");
	rm.r.h = H - 1;
	CHECK(xs_decode(c, &rm, dst, W * 4, err, sizeof err) && strstr(err, "decodes"), "lz4 of another size: %s", err);
	n = xs_encode(c, XS_ENC_JPEG, src, W * 4, (struct xs_rect){ 0, 0, W, H }, 90, enc);
	rm = (struct xs_rect_msg){ .enc = XS_ENC_JPEG, .r = { 0, 0, W, H }, .data = enc, .len = (uint32_t)n };
	CHECK(n && !xs_decode(c, &rm, dst, W * 4, err, sizeof err), "jpeg decodes");
	rm.r.w = W + 1;
	CHECK(xs_decode(c, &rm, dst, W * 4, err, sizeof err) && strstr(err, "jpeg is"), "jpeg of other size: %s", err);
	rm.len = 10;
	CHECK(xs_decode(c, &rm, dst, W * 4, err, sizeof err), "truncated jpeg refused");
	uint32_t col;
	memset(dst, 0x40, sizeof dst);
	CHECK(xs_is_solid(dst, W * 4, (struct xs_rect){ 0, 0, W, H }, &col) && col == 0x404040, "solid detected");
	xs_codec_free(c);
}

/* Guest titles: prefix, length cap, bad UTF-8, controls, bidi controls. */
static void titles(void)
{
	char out[XS_TITLE_BUF];
	uint8_t big[4000];
	size_t n;
#define T(name, s) xs_title_prefixed(out, name, (const uint8_t *)(s), sizeof(s) - 1)
	T("work", "xterm");
	CHECK(!strcmp(out, "[work] xterm"), "title prefixed: '%s'", out);
	T("work", "");
	CHECK(!strcmp(out, "work"), "empty title is the name alone: '%s'", out);
	T("work", "\n\t\x1b\x7f");
	CHECK(!strcmp(out, "work"), "a title of controls only is the name alone: '%s'", out);
	T("work", "a\nb\x1b[31mc\xc2\x85" "d");
	CHECK(!strcmp(out, "[work] ab[31mcd"), "controls (C0, ESC, C1 NEL) dropped: '%s'", out);
	T("work", "\xff" "a\xc0\xaf" "b\xed\xa0\x80" "c\xf4\x90\x80\x80" "d\xe2\x82");
	CHECK(!strcmp(out, "[work] \xef\xbf\xbd" "a\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			   "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd\xef\xbf\xbd"),
	      "bad UTF-8 (invalid byte, overlong, surrogate, over U+10FFFF, truncated) replaced: '%s'", out);
	T("work", "\xe2\x80\xae" "gnp.exe\xe2\x81\xa6x\xe2\x80\xa8y");
	CHECK(!strcmp(out, "[work] gnp.exexy"), "bidi controls and separators dropped: '%s'", out);
	T("work", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK(!strcmp(out, "[work] caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "valid UTF-8 kept: '%s'", out);
	memset(big, 'x', sizeof big);
	n = xs_title_prefixed(out, "work", big, sizeof big);
	CHECK(n == 7 + XS_TITLE_MAX && strlen(out) == n, "long title capped at %u bytes: %zu", XS_TITLE_MAX, n);
	for (size_t i = 0; i + 2 < sizeof big; i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3);
	n = xs_title_sanitize(out, big, sizeof big - 1);
	CHECK(n == XS_TITLE_MAX / 3 * 3 && n % 3 == 0, "cap at a character boundary: %zu", n);
	memset(big, 0xff, sizeof big);
	n = xs_title_sanitize(out, big, sizeof big);
	CHECK(n == XS_TITLE_MAX / 3 * 3, "replacements capped too: %zu", n);
	char longname[200];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	n = xs_title_prefixed(out, longname, (const uint8_t *)"t", 1);
	CHECK(n == 1 + XS_NAME_MAX + 2 + 1 && out[1 + XS_NAME_MAX] == ']', "name capped at %u bytes: %zu", XS_NAME_MAX, n);
#undef T
}

/* Seamless window records: round trips, and the structure checks. */
static void windows(void)
{
	uint8_t b[512], ch[16] = { 0 };
	struct xs_msg m;
	struct xs_win w = { 0x40000a, -3, 7, 640, 480, XS_WF_OVERRIDE, 0x20000c };
	xs_build_win(b, XS_WIN, &w);
	CHECK(!parse(b, &m) && m.u.win.id == w.id && m.u.win.x == -3 && m.u.win.y == 7 && m.u.win.w == 640 &&
	      m.u.win.h == 480 && m.u.win.flags == XS_WF_OVERRIDE && m.u.win.transient == w.transient, "window round trip");
	xs_build_win(b, XS_C_WIN_CONFIGURE, &w);
	CHECK(!parse(b, &m) && m.type == XS_C_WIN_CONFIGURE && m.u.win.x == -3 && m.u.win.h == 480, "configure round trip");
	xs_build_winid(b, XS_WIN_RECTS, 9);
	CHECK(!parse(b, &m) && m.u.win.id == 9, "window-rects round trip");
	xs_build_wtext(b, XS_WIN_TITLE, 9, "t\0x", 3);
	CHECK(!parse(b, &m) && m.u.wtext.id == 9 && m.u.wtext.len == 3 && !memcmp(m.u.wtext.text, "t\0x", 3),
	      "title round trip");
	xs_build_wstack_hdr(b, 2);
	xs_put32(b + 8, 5), xs_put32(b + 12, 6);
	CHECK(!parse(b, &m) && m.u.wstack.n == 2 && xs_get32(m.u.wstack.ids + 4) == 6, "stack round trip");
	xs_put32(b, 5);
	CHECK(strstr(why(b), "whole window ids"), "stack of 5 bytes refused: '%s'", why(b));
	xs_build_winid(b, XS_WIN_GONE, 0);
	CHECK(strstr(why(b), "window id 0"), "window id 0 refused: '%s'", why(b));
	w.flags = 2;
	xs_build_win(b, XS_WIN, &w);
	CHECK(strstr(why(b), "unknown bits"), "unknown window flags refused: '%s'", why(b));
	xs_put_hdr(b, XS_WIN_TITLE, 4 + XS_WIN_TEXT_MAX + 1);
	CHECK(strstr(why(b), "length"), "title over the limit refused: '%s'", why(b));
	xs_build_hello(b, 100, 100, XS_HF_WINDOWS, ch);
	CHECK(!parse(b, &m) && m.u.hello.flags == XS_HF_WINDOWS && m.u.hello.minor == 1, "hello with windows");
	xs_build_hello(b, 100, 100, 1u << 9, ch);
	CHECK(strstr(why(b), "unknown to this reader"), "unknown hello flag refused: '%s'", why(b));
	xs_build_chello(b, XS_CF_WINDOWS, ch);
	CHECK(!parse(b, &m) && m.u.chello.flags == XS_CF_WINDOWS, "control hello with windows");
	xs_build_chello(b, 1u << 9, ch);
	CHECK(strstr(why(b), "unknown to this reader"), "unknown control hello flag refused: '%s'", why(b));
}

/*
 * The record and encoding tables against the rules every reader relies
 * on: a row's number says its stream (frame 1..63, control 64..127), only
 * control records are gated, features are known bits, the bounds are the
 * header check's, names are unique. A new row that breaks one fails here.
 */
static void tables(void)
{
	const char *names[XS_NTYPES] = { 0 };
	for (unsigned type = 0; type < 65536; type++) {
		const struct xs_type_info *t = xs_type_info(type);
		struct xs_hdr h = { 0, (uint16_t)type, 0 };
		if (!t) {
			CHECK(!strcmp(xs_type_name(type), "unknown") && xs_check_hdr(h), "type %u: no row, yet known", type);
			continue;
		}
		unsigned want = type >= 1 && type < XS_C_HELLO ? XS_STREAM_FRAME : XS_STREAM_CONTROL;
		CHECK(type >= 1 && type < XS_NTYPES && t->stream == want, "type %u (%s): number and stream disagree",
		      type, t->name);
		CHECK(!t->gated || t->stream == XS_STREAM_CONTROL, "type %u (%s): a gated frame record", type, t->name);
		CHECK(!(t->feature & ~(t->stream == XS_STREAM_FRAME ? XS_HF_KNOWN : XS_CF_KNOWN)),
		      "type %u (%s): feature 0x%x unknown", type, t->name, t->feature);
		CHECK(t->min <= t->max && t->max <= XS_MAX_RECORD && !strcmp(xs_type_name(type), t->name),
		      "type %u (%s): bounds %u..%u", type, t->name, t->min, t->max);
		h.len = t->max;
		CHECK(!xs_check_hdr(h), "type %u (%s): its largest body refused", type, t->name);
		h.len = t->max + 1;
		CHECK(xs_check_hdr(h), "type %u (%s): a body past its largest let through", type, t->name);
		h.len = t->min - 1;
		CHECK(!t->min || xs_check_hdr(h), "type %u (%s): a body under its smallest let through", type, t->name);
		for (unsigned o = 0; o < type; o++)
			CHECK(!names[o] || strcmp(names[o], t->name), "types %u and %u: both '%s'", o, type, t->name);
		names[type] = t->name;
	}
	for (unsigned e = 0; e < XS_NENC; e++) {
		CHECK(strcmp(xs_enc_name(e), "unknown"), "encoding %u has no row", e);
		for (unsigned o = 0; o < e; o++)
			CHECK(strcmp(xs_enc_name(o), xs_enc_name(e)), "encodings %u and %u: both '%s'", o, e, xs_enc_name(e));
	}
	CHECK(!strcmp(xs_enc_name(XS_NENC), "unknown"), "an encoding past XS_NENC has a name");
}

int main(void)
{
	tables();
	windows();
	roundtrips();
	bad_records();
	codecs();
	titles();
	if (!failed)
		printf("prototest: all checks passed\n");
	return failed;
}
