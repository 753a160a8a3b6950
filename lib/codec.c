#include "codec.h"
#include "util.h"

#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

struct xs_codec {
	tjhandle dec, enc;
	uint8_t *tmp; /* lz4 staging when the destination is not contiguous */
	size_t tmpcap;
};

struct xs_codec *xs_codec_new(void)
{
	struct xs_codec *c = calloc(1, sizeof *c);
	if (!c)
		die(EX_OS, "calloc:");
	return c;
}

void xs_codec_free(struct xs_codec *c)
{
	if (!c)
		return;
	if (c->dec)
		tjDestroy(c->dec);
	if (c->enc)
		tjDestroy(c->enc);
	free(c->tmp);
	free(c);
}

static uint8_t *tmp(struct xs_codec *c, size_t n)
{
	if (c->tmpcap < n) {
		free(c->tmp);
		c->tmp = malloc(n);
		if (!c->tmp)
			die(EX_OS, "malloc:");
		c->tmpcap = n;
	}
	return c->tmp;
}

static const char *decode_raw(struct xs_codec *c, const struct xs_rect_msg *rm, uint8_t *dst, size_t stride, char *err,
			      size_t n)
{
	size_t row = (size_t)rm->r.w * 4;
	(void)c, (void)err, (void)n;
	for (uint32_t y = 0; y < rm->r.h; y++)
		memcpy(dst + y * stride, rm->data + y * row, row);
	return NULL;
}

static const char *decode_solid(struct xs_codec *c, const struct xs_rect_msg *rm, uint8_t *dst, size_t stride,
				char *err, size_t n)
{
	(void)c, (void)err, (void)n;
	for (uint32_t y = 0; y < rm->r.h; y++) {
		uint32_t *p = (uint32_t *)(void *)(dst + y * stride);
		for (uint32_t x = 0; x < rm->r.w; x++)
			p[x] = rm->param & 0xffffffu; /* BGRX in memory is 0x00RRGGBB on little endian */
	}
	return NULL;
}

static const char *decode_lz4(struct xs_codec *c, const struct xs_rect_msg *rm, uint8_t *dst, size_t stride, char *err,
			      size_t n)
{
	struct xs_rect r = rm->r;
	size_t row = (size_t)r.w * 4, want = row * r.h; /* <= XS_MAX_RECORD, checked by xs_parse */
	uint8_t *out = stride == row ? dst : tmp(c, want);
	if (rm->len > (uint32_t)LZ4_compressBound(XS_MAX_RECORD)) {
		snprintf(err, n, "lz4 payload of %u bytes is larger than any block", rm->len);
		return err;
	}
	int got = LZ4_decompress_safe((const char *)rm->data, (char *)out, (int)rm->len, (int)want);
	if (got < 0) {
		snprintf(err, n, "lz4 payload is corrupt or decodes to more than the %zu bytes of %ux%u", want, r.w,
			 r.h);
		return err;
	}
	if ((size_t)got != want) {
		snprintf(err, n, "lz4 payload decodes to %d bytes, %ux%u needs %zu", got, r.w, r.h, want);
		return err;
	}
	if (out != dst)
		for (uint32_t y = 0; y < r.h; y++)
			memcpy(dst + y * stride, out + y * row, row);
	return NULL;
}

static const char *decode_jpeg(struct xs_codec *c, const struct xs_rect_msg *rm, uint8_t *dst, size_t stride, char *err,
			       size_t n)
{
	int w, h, sub, cs;
	if (!c->dec && !(c->dec = tjInitDecompress()))
		die(EX_OS, "tjInitDecompress: %s", tjGetErrorStr());
	if (tjDecompressHeader3(c->dec, rm->data, rm->len, &w, &h, &sub, &cs) < 0) {
		snprintf(err, n, "jpeg header: %s", tjGetErrorStr2(c->dec));
		return err;
	}
	if ((uint32_t)w != rm->r.w || (uint32_t)h != rm->r.h) {
		snprintf(err, n, "jpeg is %dx%d, its rect is %ux%u", w, h, rm->r.w, rm->r.h);
		return err;
	}
	if (tjDecompress2(c->dec, rm->data, rm->len, dst, w, (int)stride, h, TJPF_BGRX, TJFLAG_FASTDCT) < 0 &&
	    tjGetErrorCode(c->dec) == TJERR_FATAL) {
		snprintf(err, n, "jpeg data: %s", tjGetErrorStr2(c->dec));
		return err;
	}
	return NULL;
}

static size_t bound_raw(struct xs_rect r) { return (size_t)r.w * r.h * 4; }
static size_t bound_lz4(struct xs_rect r) { return (size_t)LZ4_compressBound((int)bound_raw(r)); }
static size_t bound_jpeg(struct xs_rect r) { return tjBufSize((int)r.w, (int)r.h, TJSAMP_420); }

static size_t encode_raw(struct xs_codec *c, const uint8_t *src, size_t stride, struct xs_rect r, int quality,
			 uint8_t *out)
{
	size_t row = (size_t)r.w * 4;
	(void)c, (void)quality;
	for (uint32_t y = 0; y < r.h; y++)
		memcpy(out + y * row, src + y * stride, row);
	return row * r.h;
}

static size_t encode_lz4(struct xs_codec *c, const uint8_t *src, size_t stride, struct xs_rect r, int quality,
			 uint8_t *out)
{
	size_t row = (size_t)r.w * 4;
	const uint8_t *in = src;
	(void)quality;
	if (stride != row) {
		uint8_t *t = tmp(c, row * r.h);
		for (uint32_t y = 0; y < r.h; y++)
			memcpy(t + y * row, src + y * stride, row);
		in = t;
	}
	int k = LZ4_compress_default((const char *)in, (char *)out, (int)(row * r.h), LZ4_compressBound((int)(row * r.h)));
	return k > 0 ? (size_t)k : 0;
}

static size_t encode_jpeg(struct xs_codec *c, const uint8_t *src, size_t stride, struct xs_rect r, int quality,
			  uint8_t *out)
{
	if (!c->enc && !(c->enc = tjInitCompress()))
		die(EX_OS, "tjInitCompress: %s", tjGetErrorStr());
	unsigned long len = tjBufSize((int)r.w, (int)r.h, TJSAMP_420);
	unsigned char *o = out;
	if (tjCompress2(c->enc, src, (int)r.w, (int)stride, (int)r.h, TJPF_BGRX, &o, &len, TJSAMP_420, quality,
			TJFLAG_NOREALLOC | TJFLAG_FASTDCT) < 0)
		return 0;
	return len;
}

/*
 * The encoding table: a row per enum xs_enc value (XS_NENC of them), the
 * one place that says what an encoding is. payload: what xs_parse lets a
 * rect of it carry; bound and encode NULL: xcap never encodes into it (a
 * solid rect is found by xs_is_solid and has no payload).
 */
enum { PAY_RAW, PAY_NONE, PAY_CODED }; /* exactly w*h*4 bytes; none; some, decoding to at most a record */
static const struct {
	const char *name;
	int payload;
	const char *(*decode)(struct xs_codec *c, const struct xs_rect_msg *rm, uint8_t *dst, size_t stride,
			      char *err, size_t n);
	size_t (*bound)(struct xs_rect r);
	size_t (*encode)(struct xs_codec *c, const uint8_t *src, size_t stride, struct xs_rect r, int quality,
			 uint8_t *out);
} encs[XS_NENC] = {
	[XS_ENC_RAW] = { "raw", PAY_RAW, decode_raw, bound_raw, encode_raw },
	[XS_ENC_LZ4] = { "lz4", PAY_CODED, decode_lz4, bound_lz4, encode_lz4 },
	[XS_ENC_JPEG] = { "jpeg", PAY_CODED, decode_jpeg, bound_jpeg, encode_jpeg },
	[XS_ENC_SOLID] = { "solid", PAY_NONE, decode_solid, NULL, NULL },
};

const char *xs_enc_name(unsigned enc)
{
	return enc < XS_NENC ? encs[enc].name : "unknown";
}

const char *xs_enc_check(const struct xs_rect_msg *r, char *err, size_t n)
{
	uint64_t raw = xs_rect_area(r->r) * 4;
	if (r->enc >= XS_NENC) {
		snprintf(err, n, "unknown encoding %u", r->enc);
		return err;
	}
	switch (encs[r->enc].payload) {
	case PAY_RAW:
		if (raw != r->len) {
			snprintf(err, n, "raw rect %ux%u needs %llu payload bytes, has %u", r->r.w, r->r.h,
				 (unsigned long long)raw, r->len);
			return err;
		}
		break;
	case PAY_NONE:
		if (r->len) {
			snprintf(err, n, "%s rect with %u payload bytes", encs[r->enc].name, r->len);
			return err;
		}
		break;
	case PAY_CODED:
		if (!r->len) {
			snprintf(err, n, "%s rect with an empty payload", encs[r->enc].name);
			return err;
		}
		if (raw > XS_MAX_RECORD) {
			snprintf(err, n, "%s rect %ux%u decodes larger than a record", encs[r->enc].name, r->r.w, r->r.h);
			return err;
		}
		break;
	}
	return NULL;
}

const char *xs_decode(struct xs_codec *c, const struct xs_rect_msg *rm, uint8_t *dst, size_t stride, char *err, size_t n)
{
	if (rm->enc >= XS_NENC) {
		snprintf(err, n, "unknown encoding %u", rm->enc);
		return err;
	}
	return encs[rm->enc].decode(c, rm, dst, stride, err, n);
}

size_t xs_encode_bound(uint32_t enc, struct xs_rect r)
{
	if (enc >= XS_NENC)
		return bound_raw(r);
	return encs[enc].bound ? encs[enc].bound(r) : 0;
}

size_t xs_encode(struct xs_codec *c, uint32_t enc, const uint8_t *src, size_t stride, struct xs_rect r, int quality,
		 uint8_t *out)
{
	if (enc >= XS_NENC || !encs[enc].encode)
		return 0;
	return encs[enc].encode(c, src, stride, r, quality, out);
}

int xs_is_solid(const uint8_t *src, size_t stride, struct xs_rect r, uint32_t *color)
{
	uint32_t w = r.w, h = r.h;
	uint32_t c0;
	memcpy(&c0, src, 4);
	c0 &= 0xffffffu;
	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *p = src + y * stride;
		for (uint32_t x = 0; x < w; x++) {
			uint32_t v;
			memcpy(&v, p + 4 * x, 4);
			if ((v & 0xffffffu) != c0)
				return 0;
		}
	}
	*color = c0;
	return 1;
}
