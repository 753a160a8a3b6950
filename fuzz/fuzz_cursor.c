/*
 * libFuzzer target: cursor records as xpaint turns them into an X cursor
 * (view_cursor reads w*h ARGB pixels) and shmring -w keeps them for the
 * snapshot. The input is the body; the header says its length. A parse
 * that accepts a cursor whose pixels do not fill the body exactly, or a
 * hotspot outside it, aborts; reading the pixels from an exact-size copy
 * shows any overread.
 */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_hdr h = { (uint32_t)size, XS_CURSOR, 0 };
	struct xs_msg m;
	char err[256];
	if (size > XS_MAX_RECORD || xs_check_hdr(h))
		return 0;
	uint8_t *body = malloc(size ? size : 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	if (!xs_parse(h, body, &m, err, sizeof err)) {
		const struct xs_cursor *c = &m.u.cursor;
		if (c->xhot >= c->w || c->yhot >= c->h || c->w > XS_MAX_CURSOR || c->h > XS_MAX_CURSOR ||
		    c->argb + (size_t)c->w * c->h * 4 != body + size)
			abort();
		uint32_t *px = malloc((size_t)c->w * c->h * 4);
		uint32_t sum = 0;
		for (uint32_t i = 0; px && i < c->w * c->h; i++)
			sum += px[i] = xs_get32(c->argb + 4 * i); /* as view_cursor does */
		if (px && sum == 0x12345678u && c->w == 1234)
			abort(); /* unreachable: keeps the loop from being optimised away */
		free(px);
	}
	free(body);
	return 0;
}
