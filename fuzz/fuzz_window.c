/*
 * libFuzzer target: seamless window records one by one (window, geometry,
 * stack, title, class, gone, rects, icon, hints, shape; and the host's configure,
 * close, focus as the guest reads them), parsed from exact-size private copies as the
 * readers make them, then titles and classes through the sanitiser every
 * viewer uses (lib/title.c). Aborts when a parse hands back text or ids
 * outside the body, when a window record does not build back to its
 * bytes, or when a sanitised title is not what title.h promises: valid
 * UTF-8 within XS_TITLE_MAX, NUL-terminated, no control character (C0,
 * DEL, C1), no line or paragraph separator, no bidi control.
 */
#include "fuzz.h"
#include "title.h"

/* The next code point of valid UTF-8 at s (n bytes left), its length in *k; -1 if not valid. */
static long utf8(const uint8_t *s, size_t n, size_t *k)
{
	static const uint8_t len[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4 };
	size_t l = len[s[0] >> 4];
	long c = l == 1 ? s[0] : l == 2 ? s[0] & 31 : l == 3 ? s[0] & 15 : s[0] & 7;
	if (!l || l > n || (l == 4 && s[0] > 0xf4))
		return -1;
	for (size_t i = 1; i < l; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 63);
	}
	if ((l == 2 && c < 0x80) || (l == 3 && c < 0x800) || (l == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*k = l;
	return c;
}

static void check_title(const char *t, size_t n, size_t max)
{
	if (n > max || t[n])
		abort();
	for (size_t i = 0, k; i < n; i += k) {
		long c = utf8((const uint8_t *)t + i, n - i, &k);
		if (c < 0 || c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 ||
		    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;
	struct xs_hdr h;
	uint8_t *rec;
	while ((rec = fuzz_record(data, size, &at, &h))) {
		const uint8_t *body = rec + XS_HDR_LEN;
		struct xs_msg m;
		char err[256];
		int bad = xs_parse(h, body, &m, err, sizeof err) != NULL;
		if (!bad) {
			uint8_t b[XS_BUILD_MAX];
			if (m.type != h.type)
				abort();
			switch (m.type) {
			case XS_WIN:
			case XS_WIN_GEOM:
			case XS_C_WIN_CONFIGURE:
				if (memcmp(b, rec, xs_build_win(b, m.type, &m.u.win)))
					abort();
				break;
			case XS_WIN_GONE:
			case XS_WIN_RECTS:
			case XS_WIN_ICONIC:
			case XS_C_WIN_CLOSE:
			case XS_C_WIN_FOCUS:
			case XS_C_WIN_ICONIFY: /* an id alone: rebuilt, the same bytes */
				if (memcmp(b, rec, xs_build_winid(b, m.type, m.u.win.id)))
					abort();
				break;
			case XS_WIN_ICON: /* whole, at most 64 x 64 pixels, the pixels where they are */
				if (m.u.wicon.w < 1 || m.u.wicon.h < 1 ||
				    (uint64_t)m.u.wicon.w * m.u.wicon.h > XS_WIN_ICON_MAX * XS_WIN_ICON_MAX ||
				    m.u.wicon.argb != body + 12 ||
				    (uint64_t)12 + 4ull * m.u.wicon.w * m.u.wicon.h != h.len ||
				    memcmp(b, rec, xs_build_wicon_hdr(b, m.u.wicon.id, m.u.wicon.w, m.u.wicon.h)))
					abort();
				break;
			case XS_WIN_HINTS: /* a known kind and flags, rebuilt to the same bytes */
				if (m.u.whints.type >= XS_WT_N || (m.u.whints.flags & ~XS_WH_MODAL) ||
				    memcmp(b, rec, xs_build_whints(b, &m.u.whints)))
					abort();
				break;
			case XS_WIN_SHAPE: /* whole rects, within the body */
				if (m.u.wshape.rects != body + 4 || (uint64_t)8 * m.u.wshape.n + 4 != h.len ||
				    m.u.wshape.n > XS_WIN_SHAPE_MAX || memcmp(b, rec, xs_build_wshape_hdr(b, m.u.wshape.id, m.u.wshape.n)))
					abort();
				break;
			case XS_WIN_STACK:
				if (m.u.wstack.ids != body || (uint64_t)m.u.wstack.n * 4 != h.len ||
				    m.u.wstack.n > XS_WIN_STACK_MAX)
					abort();
				break;
			case XS_WIN_TITLE:
			case XS_WIN_CLASS: {
				const struct xs_wtext *t = &m.u.wtext;
				char s[XS_TITLE_MAX + 1], p[XS_TITLE_BUF];
				if (t->text < body || t->len > XS_WIN_TEXT_MAX || t->text + t->len > body + h.len)
					abort();
				check_title(s, xs_title_sanitize(s, t->text, t->len), XS_TITLE_MAX);
				size_t sn = strlen(s), pn = xs_title_prefixed(p, "vm", t->text, t->len);
				/* "[vm] text", or "vm" alone when nothing is left of the text */
				if (pn >= XS_TITLE_BUF || p[pn] || (sn ? strncmp(p, "[vm] ", 5) || strcmp(p + 5, s) : strcmp(p, "vm")))
					abort();
				break;
			}
			}
		}
		free(rec);
		if (bad)
			break;
	}
	return 0;
}
