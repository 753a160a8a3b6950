/*
 * xsdump [-q] [-l] [-c] [-p] [-n FRAMES] [-o OUT.xwd] [FILE]   reads a frame stream
 * xsdump -w WORD...                                   writes control records
 *
 * Reading (stdin or FILE): prints one line a record (type and fields),
 * applies every rect to a private surface and, with -o, writes the picture
 * at the end as an xwd dump (compare it with xwdcmp). -n stops after that
 * many frame records; -c prints only the hello's challenge (hex) and
 * stops; -q prints only the summary; -l adds the latency of
 * each frame (arrival minus capture time) as p50/p99 in the summary.
 * -p reads a stream still being written: a record cut at the end of the
 * input ends it quietly. Rects after a window-rects record are in that
 * window's coordinates: counted, not applied to the surface. Exit 0, or 65 with a message on a bad stream.
 *
 * Writing: each argument is one control record: "hello HEX32", "key
 * KEYSYM DOWN", "button B DOWN X Y", "motion X Y", "refresh", "reset",
 * "nonce HEX32", "size W H", "whello HEX32" (a control hello with the
 * seamless flag), "wconf ID X Y W H", "wclose ID", "wfocus ID"; "text STRING" expands to key down and up
 * records for each character of the UTF-8 STRING (Latin-1 keysyms below
 * U+0100, Unicode keysyms 0x1000000+U above, newline as Return).
 */
#include "codec.h"
#include "proto.h"
#include "stream.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static int unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static void emit(const uint8_t *p, size_t n)
{
	if (write_all(1, p, n) < 0)
		die(EX_IO, "write:");
}

static void write_word(const char *w)
{
	uint8_t rec[XS_BUILD_MAX], nonce[XS_NONCE_LEN];
	unsigned long a, b;
	int x, y;
	char hx[64];
	struct xs_win wm = { 0 };
	if (sscanf(w, "hello %63s", hx) == 1 && !unhex(hx, nonce, XS_NONCE_LEN))
		emit(rec, xs_build_chello(rec, 0, nonce));
	else if (sscanf(w, "whello %63s", hx) == 1 && !unhex(hx, nonce, XS_NONCE_LEN))
		emit(rec, xs_build_chello(rec, XS_CF_WINDOWS, nonce));
	else if (sscanf(w, "wconf %li %d %d %u %u", (long *)&a, &wm.x, &wm.y, &wm.w, &wm.h) == 5)
		wm.id = (uint32_t)a, emit(rec, xs_build_win(rec, XS_C_WIN_CONFIGURE, &wm));
	else if (sscanf(w, "wclose %li", (long *)&a) == 1)
		emit(rec, xs_build_winid(rec, XS_C_WIN_CLOSE, (uint32_t)a));
	else if (sscanf(w, "wfocus %li", (long *)&a) == 1)
		emit(rec, xs_build_winid(rec, XS_C_WIN_FOCUS, (uint32_t)a));
	else if (sscanf(w, "nonce %63s", hx) == 1 && !unhex(hx, nonce, XS_NONCE_LEN))
		emit(rec, xs_build_nonce(rec, XS_C_NONCE, nonce));
	else if (sscanf(w, "key %li %lu", (long *)&a, &b) == 2)
		emit(rec, xs_build_key(rec, (uint32_t)a, 0, 0, (int)b));
	else if (sscanf(w, "button %lu %lu %d %d", &a, &b, &x, &y) == 4)
		emit(rec, xs_build_button(rec, (uint32_t)a, (int)b, x, y));
	else if (sscanf(w, "motion %d %d", &x, &y) == 2)
		emit(rec, xs_build_motion(rec, x, y));
	else if (sscanf(w, "size %lu %lu", &a, &b) == 2)
		emit(rec, xs_build_size(rec, XS_C_SIZE, (uint32_t)a, (uint32_t)b));
	else if (!strcmp(w, "refresh"))
		emit(rec, xs_build_empty(rec, XS_C_REFRESH));
	else if (!strcmp(w, "reset"))
		emit(rec, xs_build_empty(rec, XS_C_RESET));
	else if (!strncmp(w, "text ", 5))
		for (const unsigned char *s = (const unsigned char *)w + 5; *s; s++) {
			uint32_t cp = *s; /* UTF-8 to a code point, then to a keysym */
			int more = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
			if (more)
				cp &= 0x3fu >> more;
			for (; more && (s[1] & 0xc0) == 0x80; more--)
				cp = cp << 6 | (*++s & 0x3fu);
			uint32_t ks = cp == '\n' ? 0xff0d : cp < 0x100 ? cp : 0x1000000u | cp;
			emit(rec, xs_build_key(rec, ks, 0, 0, 1));
			emit(rec, xs_build_key(rec, ks, 0, 0, 0));
		}
	else
		die(EX_CMDLINE, "cannot make a control record of \"%s\"", w);
}

static void put_be32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	fwrite(b, 1, 4, f);
}

/* An XWD (version 7) ZPixmap of depth 24, 32 bits a pixel, LSBFirst. */
static void write_xwd(const char *path, const uint8_t *px, uint32_t w, uint32_t h)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		die(EX_OS, "%s:", path);
	const char name[8] = "xsdump";
	uint32_t hdr[25] = { 100 + sizeof name, 7, 2, 24, w, h, 0, 0, 32, 0, 32, 32, w * 4, 4,
			     0xff0000, 0xff00, 0xff, 8, 0, 0, w, h, 0, 0, 0 };
	for (int i = 0; i < 25; i++)
		put_be32(f, hdr[i]);
	fwrite(name, 1, sizeof name, f);
	fwrite(px, 4, (size_t)w * h, f);
	if (fclose(f))
		die(EX_IO, "%s:", path);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct dump {
	int quiet, lat, chal, partial;
	uint32_t target; /* window-rects: the rects that follow are that window's */
	uint32_t w, h;
	uint8_t *px;
	uint64_t frames, rects, bytes, *lats;
	size_t nlat, cap;
};

static void surface(struct dump *d, uint32_t w, uint32_t h)
{
	free(d->px);
	d->w = w, d->h = h;
	d->px = calloc((size_t)w * h, 4);
	if (!d->px)
		die(EX_OS, "calloc:");
}

static void print_rec(struct dump *d, const struct xs_msg *m, uint64_t off)
{
	char hx[2 * XS_NONCE_LEN + 1];
	if (d->quiet)
		return;
	printf("%llu %s", (unsigned long long)off, xs_type_name(m->type));
	switch (m->type) {
	case XS_HELLO:
		hex(hx, m->u.hello.challenge, XS_NONCE_LEN);
		printf(" %ux%u v%u.%u challenge %s", m->u.hello.width, m->u.hello.height, m->u.hello.major,
		       m->u.hello.minor, hx);
		break;
	case XS_RECT:
		printf(" %s %ux%u+%u+%u param %06x len %u", xs_enc_name(m->u.rect.enc), m->u.rect.r.w, m->u.rect.r.h,
		       m->u.rect.r.x, m->u.rect.r.y, m->u.rect.param, m->u.rect.len);
		break;
	case XS_FRAME:
		printf(" seq %llu rects %u time %llu", (unsigned long long)m->u.frame.seq, m->u.frame.nrects,
		       (unsigned long long)m->u.frame.time_ns);
		break;
	case XS_AUDIO: /* got: when the capture had the whole piece (its first sample's time and its length) */
		printf(" seq %llu frames %u got %llu", (unsigned long long)m->u.audio.seq, m->u.audio.frames,
		       (unsigned long long)(m->u.audio.time_ns +
					    (m->u.audio.rate ? m->u.audio.frames * 1000000000ull / m->u.audio.rate : 0)));
		break;
	case XS_CURSOR:
		printf(" %ux%u hot %u,%u serial %u", m->u.cursor.w, m->u.cursor.h, m->u.cursor.xhot, m->u.cursor.yhot,
		       m->u.cursor.serial);
		break;
	case XS_POINTER: printf(" %d,%d visible %u", m->u.pointer.x, m->u.pointer.y, m->u.pointer.visible); break;
	case XS_RESIZE: printf(" %ux%u", m->u.size.w, m->u.size.h); break;
	case XS_ECHO: hex(hx, m->u.nonce.v, XS_NONCE_LEN); printf(" %s", hx); break;
	case XS_BYE: printf(" reason %u", m->u.reason); break;
	case XS_WIN:
	case XS_WIN_GEOM:
		printf(" 0x%x %ux%u%+d%+d", m->u.win.id, m->u.win.w, m->u.win.h, m->u.win.x, m->u.win.y);
		if (m->type == XS_WIN)
			printf(" flags %u transient 0x%x", m->u.win.flags, m->u.win.transient);
		break;
	case XS_WIN_GONE:
	case XS_WIN_RECTS: printf(" 0x%x", m->u.win.id); break;
	case XS_WIN_TITLE:
	case XS_WIN_CLASS:
		printf(" 0x%x \"", m->u.wtext.id);
		for (uint32_t i = 0; i < m->u.wtext.len; i++) {
			uint8_t ch = m->u.wtext.text[i];
			printf(ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ? "%c" : "\\x%02x", ch);
		}
		printf("\"");
		break;
	case XS_WIN_STACK:
		for (uint32_t i = 0; i < m->u.wstack.n; i++)
			printf(" 0x%x", xs_get32(m->u.wstack.ids + 4 * i));
		break;
	}
	printf("\n");
	fflush(stdout);
}

static void apply(struct dump *d, struct xs_codec *codec, const struct xs_msg *m, uint64_t off)
{
	char err[200];
	switch (m->type) {
	case XS_HELLO: surface(d, m->u.hello.width, m->u.hello.height); break;
	case XS_RESIZE: surface(d, m->u.size.w, m->u.size.h); break;
	case XS_WIN_RECTS: d->target = m->u.win.id; break;
	case XS_RECT:
		if (!d->px)
			die(EX_DATA, "rect at offset %llu before a hello", (unsigned long long)off);
		if (d->target) {
			d->rects++;
			break;
		}
		if (xs_check_rect(m->u.rect.r, d->w, d->h, err, sizeof err) ||
		    xs_decode(codec, &m->u.rect, xs_pixel_at(d->px, (size_t)d->w * 4, m->u.rect.r),
			      (size_t)d->w * 4, err, sizeof err))
			die(EX_DATA, "rect at offset %llu: %s", (unsigned long long)off, err);
		d->rects++;
		break;
	case XS_FRAME:
		d->target = 0;
		d->frames++;
		if (d->lat) {
			if (d->nlat == d->cap && !(d->lats = realloc(d->lats, (d->cap = d->cap * 2 + 64) * 8)))
				die(EX_OS, "realloc:");
			d->lats[d->nlat++] = now_ns() - m->u.frame.time_ns;
		}
		break;
	}
}

static void summary(struct dump *d)
{
	printf("summary: %llu frames, %llu rects, %llu bytes, surface %ux%u", (unsigned long long)d->frames,
	       (unsigned long long)d->rects, (unsigned long long)d->bytes, d->w, d->h);
	if (d->lat && d->nlat) {
		qsort(d->lats, d->nlat, 8, cmp_u64);
		printf(", latency p50 %.3f ms p99 %.3f ms max %.3f ms", d->lats[d->nlat / 2] / 1e6,
		       d->lats[d->nlat * 99 / 100] / 1e6, d->lats[d->nlat - 1] / 1e6);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct dump d = { 0 };
	const char *outp = NULL;
	unsigned long maxframes = 0;
	int o;
	set_argv0(argv[0]);
	if (argc > 1 && !strcmp(argv[1], "-w")) {
		for (int i = 2; i < argc; i++)
			write_word(argv[i]);
		return 0;
	}
	while ((o = getopt(argc, argv, "qlcpn:o:")) != -1) {
		switch (o) {
		case 'c': d.chal = 1; break;
		case 'p': d.partial = 1; break;
		case 'q': d.quiet = 1; break;
		case 'l': d.lat = 1; break;
		case 'n': if (parse_uint(optarg, 1, 1ul << 40, &maxframes)) die(EX_CMDLINE, "-n %s", optarg); break;
		case 'o': outp = optarg; break;
		default: die(EX_CMDLINE, "usage: xsdump [-q] [-l] [-c] [-p] [-n FRAMES] [-o OUT.xwd] [FILE] | -w WORD...");
		}
	}
	int fd = 0;
	if (optind < argc && (fd = open(argv[optind], O_RDONLY)) < 0)
		die(EX_OS, "%s:", argv[optind]);
	struct xs_reader rd;
	struct xs_codec *codec = xs_codec_new();
	xs_reader_init(&rd, fd);
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	char err[200];
	int k;
	while ((k = xs_read(&rd, &h, &body, &off, err, sizeof err)) == 1) {
		struct xs_msg m;
		if (xs_parse(h, body, &m, err, sizeof err))
			die(EX_DATA, "%s record at offset %llu: %s", xs_type_name(h.type), (unsigned long long)off, err);
		d.bytes += XS_HDR_LEN + h.len;
		if (d.chal && m.type == XS_HELLO) {
			char hx[2 * XS_NONCE_LEN + 1];
			hex(hx, m.u.hello.challenge, XS_NONCE_LEN);
			printf("%s\n", hx);
			return 0;
		}
		print_rec(&d, &m, off);
		apply(&d, codec, &m, off);
		if ((m.type == XS_FRAME && maxframes && d.frames >= maxframes) || m.type == XS_BYE)
			break;
	}
	if (k < 0 && !(d.partial && strstr(err, "truncated")))
		die(EX_DATA, "%s", err);
	if (d.chal)
		die(1, "no hello in the stream");
	if (outp && d.px)
		write_xwd(outp, d.px, d.w, d.h);
	summary(&d);
	return 0;
}
