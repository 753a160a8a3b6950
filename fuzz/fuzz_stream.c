/*
 * Fuzz target for the record parser and the decoders: the input is a frame
 * or control stream, read the way xpaint reads it (xs_reader over a pipe,
 * xs_parse, xs_check_rect against the hello's surface, xs_decode into a
 * surface; the text of seamless window titles through the title
 * sanitiser xpaint uses). Any crash, overread or UB here is a hole a guest could use.
 */
#include "codec.h"
#include "fuzz.h"
#include "title.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SURF_MAX (256u * 256u) /* keep fuzzing fast: cap the surface */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xs_codec *codec;
	if (!codec)
		codec = xs_codec_new();
	static uint8_t *mem;
	uint8_t *surf = NULL;
	struct fuzz_rec f;
	uint32_t sw = 0, sh = 0;
	if (!mem && !(mem = malloc(SURF_MAX * 4u)))
		return 0;
	struct xs_reader *r = fuzz_pipe(data, size);
	if (!r)
		return 0;
	while (fuzz_read(r, &f) == 1) {
		struct xs_msg m;
		if (xs_parse(f.h, f.body, &m, f.err, sizeof f.err))
			break;
		if (m.type == XS_HELLO || m.type == XS_RESIZE) {
			uint32_t w = m.type == XS_HELLO ? m.u.hello.width : m.u.size.w;
			uint32_t hh = m.type == XS_HELLO ? m.u.hello.height : m.u.size.h;
			if ((uint64_t)w * hh > SURF_MAX)
				break;
			/* the surface ends where the allocation ends: a write past
			 * it lands in ASan's redzone */
			surf = mem + (SURF_MAX - (size_t)w * hh) * 4;
			memset(surf, 0, (size_t)w * hh * 4);
			sw = w;
			sh = hh;
		} else if (m.type == XS_WIN_TITLE || m.type == XS_WIN_CLASS) {
			char t[XS_TITLE_BUF];
			size_t tn = xs_title_prefixed(t, "fuzz", m.u.wtext.text, m.u.wtext.len);
			if (tn >= XS_TITLE_BUF || t[tn])
				abort();
		} else if (m.type == XS_RECT) {
			if (!sw || xs_check_rect(m.u.rect.r, sw, sh, f.err, sizeof f.err))
				break;
			uint8_t *dst = xs_pixel_at(surf, (size_t)sw * 4, m.u.rect.r);
			if (xs_decode(codec, &m.u.rect, dst, (size_t)sw * 4, f.err, sizeof f.err))
				break;
		}
	}
	close(r->fd);
	return 0;
}
