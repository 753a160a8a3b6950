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
 * The codec's pixels are the rect's: dst and src below point at the rect's
 * top-left pixel in a BGRX image of the given stride (a surface, or an image
 * of the rect alone); the rect's size is read, its place is the caller's.
 */

/* r's top-left pixel in a BGRX surface of the given stride. */
static inline uint8_t *xs_pixel_at(uint8_t *surf, size_t stride, struct xs_rect r)
{
	return surf + (size_t)r.y * stride + (size_t)r.x * 4;
}

/* An encoding's name ("lz4"; "unknown" past XS_NENC), from the encoding
 * table in codec.c: a row per encoding, its payload rule and its codec. */
const char *xs_enc_name(unsigned enc);

/* A rect's payload against its encoding's rule (xs_parse calls it):
 * raw exactly w*h*4 bytes, solid none, lz4 and jpeg some, decoding to at
 * most a record. Returns NULL or a message in err. */
const char *xs_enc_check(const struct xs_rect_msg *r, char *err, size_t n);

/*
 * Decodes a checked rect record (xs_parse, xs_check_rect) into dst. The
 * payload must be private memory. Returns NULL or a message in err: lz4
 * that decodes to another size, jpeg whose dimensions differ from the rect.
 */
const char *xs_decode(struct xs_codec *c, const struct xs_rect_msg *rm, uint8_t *dst, size_t stride, char *err,
		      size_t n);

/* Bound of an encoded payload for rect r (for output buffers). */
size_t xs_encode_bound(uint32_t enc, struct xs_rect r);

/*
 * Encodes r's BGRX pixels at src as enc into out (xs_encode_bound bytes).
 * Returns the payload length, 0 on failure. quality is for jpeg (1..100).
 */
size_t xs_encode(struct xs_codec *c, uint32_t enc, const uint8_t *src, size_t stride, struct xs_rect r, int quality,
		 uint8_t *out);

/* If r's pixels at src are one colour, returns 1 and that colour (0x00RRGGBB). */
int xs_is_solid(const uint8_t *src, size_t stride, struct xs_rect r, uint32_t *color);

#endif
