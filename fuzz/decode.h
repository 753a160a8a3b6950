/*
 * Shared by the decoder targets (fuzz_lz4, fuzz_jpeg, fuzz_solid): one rect
 * of one encoding decoded into a surface, the way xpaint and shmring -w do
 * it (xs_parse, xs_check_rect, xs_decode). Input: u16 surface w, h, u16
 * rect x, y, w, h, u32 param, then the payload. The surface is filled with
 * a pattern first: a decoder that writes outside its rect (even inside the
 * surface) aborts, as does any read past the payload (ASan: the payload is
 * an exact-size copy).
 */
#include "codec.h"
#include "proto.h"

#include <stdlib.h>
#include <string.h>

#define SURF_DIM 128u /* keep the target fast: at most 128 x 128 (64 KiB to check) */
#define PATTERN 0xa5u

static int decode_one(uint32_t enc, const uint8_t *data, size_t size)
{
	static struct xs_codec *codec;
	static uint8_t *surf;
	char err[256];
	if (!codec)
		codec = xs_codec_new();
	if (!surf && !(surf = malloc((size_t)SURF_DIM * SURF_DIM * 4)))
		return 0;
	if (size < 16 || size - 16 > XS_MAX_RECORD - XS_RECT_LEN)
		return 0;
	uint32_t sw = 1 + xs_get16(data) % SURF_DIM, sh = 1 + xs_get16(data + 2) % SURF_DIM;
	size_t plen = size - 16;
	uint8_t *body = malloc(XS_RECT_LEN + plen);
	if (!body)
		return 0;
	xs_put32(body, enc);
	xs_put32(body + 4, xs_get16(data + 4));
	xs_put32(body + 8, xs_get16(data + 6));
	xs_put32(body + 12, xs_get16(data + 8));
	xs_put32(body + 16, xs_get16(data + 10));
	xs_put32(body + 20, xs_get32(data + 12));
	memcpy(body + XS_RECT_LEN, data + 16, plen);
	struct xs_hdr h = { (uint32_t)(XS_RECT_LEN + plen), XS_RECT, 0 };
	struct xs_msg m;
	size_t stride = (size_t)sw * 4;
	if (xs_parse(h, body, &m, err, sizeof err) || xs_check_rect(m.u.rect.r, sw, sh, err, sizeof err)) {
		free(body);
		return 0;
	}
	const struct xs_rect_msg *rm = &m.u.rect;
	struct xs_rect r = rm->r;
	if (rm->enc != enc || rm->data != body + XS_RECT_LEN || rm->len != plen)
		abort(); /* the parse must hand back exactly what it was given */
	memset(surf, PATTERN, stride * sh);
	xs_decode(codec, rm, xs_pixel_at(surf, stride, r), stride, err, sizeof err);
	/* whatever it decoded, nothing outside the rect may have changed */
	for (uint32_t y = 0; y < sh; y++) {
		const uint8_t *row = surf + y * stride;
		int inside = y >= r.y && y < r.y + r.h;
		for (uint32_t x = 0; x < sw; x++)
			if (!(inside && x >= r.x && x < r.x + r.w))
				for (unsigned k = 0; k < 4; k++)
					if (row[x * 4 + k] != PATTERN)
						abort();
	}
	free(body);
	return 0;
}
