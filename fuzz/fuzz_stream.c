/*
 * Fuzz target for the record parser and the decoders: the input is a frame
 * or control stream, read the way xpaint reads it (xs_reader over a pipe,
 * xs_parse, xs_check_rect against the hello's surface, xs_decode into a
 * surface; the text of seamless window titles through the title
 * sanitiser xpaint uses). Any crash, overread or UB here is a hole a guest could use.
 */
#include "codec.h"
#include "proto.h"
#include "stream.h"
#include "title.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SURF_MAX (1024u * 1024u) /* keep fuzzing fast: cap the surface */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xs_codec *codec;
	int p[2];
	if (!codec)
		codec = xs_codec_new();
	if (size > 60000 || pipe(p))
		return 0;
	if (write(p[1], data, size) != (ssize_t)size) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	close(p[1]);

	struct xs_reader r;
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	char err[256];
	uint8_t *surf = NULL;
	uint32_t sw = 0, sh = 0;
	xs_reader_init(&r, p[0]);
	while (xs_read(&r, &h, &body, &off, err, sizeof err) == 1) {
		struct xs_msg m;
		if (xs_parse(h, body, &m, err, sizeof err))
			break;
		if (m.type == XS_HELLO || m.type == XS_RESIZE) {
			uint32_t w = m.type == XS_HELLO ? m.u.hello.width : m.u.size.w;
			uint32_t hh = m.type == XS_HELLO ? m.u.hello.height : m.u.size.h;
			if ((uint64_t)w * hh > SURF_MAX)
				break;
			free(surf);
			surf = calloc((size_t)w * hh, 4);
			sw = w;
			sh = hh;
		} else if (m.type == XS_WIN_TITLE || m.type == XS_WIN_CLASS) {
			char t[XS_TITLE_BUF];
			size_t tn = xs_title_prefixed(t, "fuzz", m.u.wtext.text, m.u.wtext.len);
			if (tn >= XS_TITLE_BUF || t[tn])
				abort();
		} else if (m.type == XS_RECT) {
			if (!surf || xs_check_rect(&m.u.rect, sw, sh, err, sizeof err))
				break;
			uint8_t *dst = surf + ((size_t)m.u.rect.y * sw + m.u.rect.x) * 4;
			if (xs_decode(codec, &m.u.rect, dst, (size_t)sw * 4, err, sizeof err))
				break;
		}
	}
	xs_reader_free(&r);
	close(p[0]);
	free(surf);
	return 0;
}
