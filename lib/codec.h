/* Pixel encodings of rect records: decode into a BGRX surface, encode from one. */
#ifndef CODEC_H
#define CODEC_H

#include "proto.h"

#include <stddef.h>
#include <stdint.h>

struct xs_codec; /* decoder and encoder state (libjpeg-turbo handles) */

struct xs_codec *xs_codec_new(void);
void xs_codec_free(struct xs_codec *c);

/*
 * Decodes a checked rect (xs_parse, xs_check_rect) into dst, which points
 * at the rect's top-left pixel in a BGRX surface of the given stride. The
 * payload must be private memory. Returns NULL or a message in err: lz4
 * that decodes to another size, jpeg whose dimensions differ from the rect.
 */
const char *xs_decode(struct xs_codec *c, const struct xs_rect *r, uint8_t *dst, size_t stride, char *err,
		      size_t n);

/* Bound of an encoded payload for a w x h rect (for output buffers). */
size_t xs_encode_bound(uint32_t enc, uint32_t w, uint32_t h);

/*
 * Encodes w x h BGRX pixels at src (stride bytes a row) as enc into out
 * (xs_encode_bound bytes). Returns the payload length, 0 on failure.
 * quality is for jpeg (1..100).
 */
size_t xs_encode(struct xs_codec *c, uint32_t enc, const uint8_t *src, size_t stride, uint32_t w, uint32_t h,
		 int quality, uint8_t *out);

/* If the w x h area is one colour, returns 1 and that colour (0x00RRGGBB). */
int xs_is_solid(const uint8_t *src, size_t stride, uint32_t w, uint32_t h, uint32_t *color);

#endif
