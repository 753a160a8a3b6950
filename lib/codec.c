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

const char *xs_decode(struct xs_codec *c, const struct xs_rect_msg *rm, uint8_t *dst, size_t stride, char *err, size_t n)
{
	struct xs_rect r = rm->r;
	size_t row = (size_t)r.w * 4;
	switch (rm->enc) {
	case XS_ENC_RAW:
		for (uint32_t y = 0; y < r.h; y++)
			memcpy(dst + y * stride, rm->data + y * row, row);
		return NULL;
	case XS_ENC_SOLID:
		for (uint32_t y = 0; y < r.h; y++) {
			uint32_t *p = (uint32_t *)(void *)(dst + y * stride);
			for (uint32_t x = 0; x < r.w; x++)
				p[x] = rm->param & 0xffffffu; /* BGRX in memory is 0x00RRGGBB on little endian */
		}
		return NULL;
	case XS_ENC_LZ4:
		return decode_lz4(c, rm, dst, stride, err, n);
	case XS_ENC_JPEG:
		return decode_jpeg(c, rm, dst, stride, err, n);
	}
	snprintf(err, n, "unknown encoding %u", rm->enc);
	return err;
}

size_t xs_encode_bound(uint32_t enc, struct xs_rect r)
{
	int w = (int)r.w, h = (int)r.h;
	size_t raw = (size_t)r.w * r.h * 4;
	switch (enc) {
	case XS_ENC_LZ4:
		return (size_t)LZ4_compressBound((int)raw);
	case XS_ENC_JPEG:
		return tjBufSize(w, h, TJSAMP_420);
	case XS_ENC_SOLID:
		return 0;
	}
	return raw;
}

size_t xs_encode(struct xs_codec *c, uint32_t enc, const uint8_t *src, size_t stride, struct xs_rect r, int quality,
		 uint8_t *out)
{
	uint32_t w = r.w, h = r.h;
	size_t row = (size_t)w * 4;
	switch (enc) {
	case XS_ENC_RAW:
		for (uint32_t y = 0; y < h; y++)
			memcpy(out + y * row, src + y * stride, row);
		return row * h;
	case XS_ENC_LZ4: {
		const uint8_t *in = src;
		if (stride != row) {
			uint8_t *t = tmp(c, row * h);
			for (uint32_t y = 0; y < h; y++)
				memcpy(t + y * row, src + y * stride, row);
			in = t;
		}
		int k = LZ4_compress_default((const char *)in, (char *)out, (int)(row * h),
					     LZ4_compressBound((int)(row * h)));
		return k > 0 ? (size_t)k : 0;
	}
	case XS_ENC_JPEG: {
		if (!c->enc && !(c->enc = tjInitCompress()))
			die(EX_OS, "tjInitCompress: %s", tjGetErrorStr());
		unsigned long len = tjBufSize((int)w, (int)h, TJSAMP_420);
		unsigned char *o = out;
		if (tjCompress2(c->enc, src, (int)w, (int)stride, (int)h, TJPF_BGRX, &o, &len, TJSAMP_420, quality,
				TJFLAG_NOREALLOC | TJFLAG_FASTDCT) < 0)
			return 0;
		return len;
	}
	}
	return 0;
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
