/*
 * Guest titles to host titles (title.h). A strict UTF-8 decoder: what it
 * cannot decode becomes U+FFFD byte by byte, so the output is always valid
 * UTF-8 whatever the guest sent, and a window manager never sees a control
 * character or a bidi control that could reorder or hide the prefix.
 */
#include "title.h"

#include <string.h>

/* Decodes one character at p (n bytes left). Returns its length, 0 when
 * the bytes do not start a well-formed sequence. */
static size_t utf8_char(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t b = p[0];
	size_t len;
	uint32_t c, min;
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf)
		len = 2, c = b & 0x1fu, min = 0x80;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3, c = b & 0x0fu, min = 0x800;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4, c = b & 0x07u, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters a title never carries: controls, separators, bidi controls. */
static int dropped(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
	       c == 0x061c;
}

/* Appends sanitised src to out[*o..max), stopping before a character that
 * would not fit. */
static void append(char *out, size_t *o, size_t max, const uint8_t *src, size_t len)
{
	static const uint8_t repl[3] = { 0xef, 0xbf, 0xbd }; /* U+FFFD */
	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t k = utf8_char(src + i, len - i, &c);
		const uint8_t *from = src + i;
		if (!k) {
			from = repl, i++;
			k = sizeof repl;
		} else {
			i += k;
			if (dropped(c))
				continue;
		}
		if (*o + k > max)
			return;
		memcpy(out + *o, from, k);
		*o += k;
	}
}

size_t xs_title_sanitize(char *out, const uint8_t *untrusted, size_t len)
{
	size_t o = 0;
	append(out, &o, XS_TITLE_MAX, untrusted, len);
	out[o] = 0;
	return o;
}

size_t xs_title_prefixed(char *out, const char *name, const uint8_t *untrusted, size_t len)
{
	char text[XS_TITLE_MAX + 1];
	size_t o = 0, n = xs_title_sanitize(text, untrusted, len);
	if (n)
		out[o++] = '[';
	append(out, &o, (n ? 1 : 0) + XS_NAME_MAX, (const uint8_t *)name, strlen(name));
	if (n) {
		memcpy(out + o, "] ", 2);
		memcpy(out + o + 2, text, n);
		o += 2 + n;
	}
	out[o] = 0;
	return o;
}
