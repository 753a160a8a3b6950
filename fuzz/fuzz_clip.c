/*
 * Fuzz target for the desktop records: the input is a frame or control
 * stream of title, clip-offer, clip-request and clip-data records (and
 * any others), read as xpaint and xcap read them (xs_reader, xs_parse).
 * Titles go through xs_title_prefixed (its output must be valid UTF-8 of
 * bounded length); clip-data records go into one capped transfer per
 * selection (lib/clip.c), restarted by each request, whose buffer must
 * never exceed the cap; what arrives is sent back out in pieces, which
 * must parse again.
 */
#include "clip.h"
#include "fuzz.h"
#include "title.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CAP 4096u /* a small cap, so the fuzzer reaches it */

static void check_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!k || i + k > n || (c < 0x20 && c) || c == 0x7f)
			abort();
		for (size_t j = 1; j < k; j++)
			if (((unsigned char)s[i + j] & 0xc0) != 0x80)
				abort();
		i += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rec[XS_CLIP_REC_MAX];
	struct xs_reader *r = fuzz_pipe(data, size);
	if (!r)
		return 0;
	struct fuzz_rec f;
	struct xs_clip_in in[XS_NSEL] = { 0 };
	while (fuzz_read(r, &f) == 1) {
		struct xs_msg m;
		if (xs_parse(f.h, f.body, &m, f.err, sizeof f.err))
			continue;
		if (m.type == XS_TITLE) {
			char t[XS_TITLE_BUF];
			size_t n = xs_title_prefixed(t, "fuzz", m.u.title.text, m.u.title.len);
			if (n >= XS_TITLE_BUF || strlen(t) != n)
				abort();
			check_utf8(t, n);
		} else if (m.type == XS_CLIP_REQ || m.type == XS_C_CLIP_REQ) {
			xs_clip_in_start(&in[m.u.req.sel], m.u.req.sel, m.u.req.serial, m.u.req.format, CAP);
		} else if (m.type == XS_CLIP_DATA || m.type == XS_C_CLIP_DATA) {
			struct xs_clip_in *t = &in[m.u.cdata.sel];
			int k = xs_clip_in_data(t, &m.u.cdata, f.err, sizeof f.err);
			if (t->alloc > CAP || t->len > CAP)
				abort();
			if (k == XS_CLIP_DONE) { /* back out in pieces; each must parse */
				struct xs_clip_out o = { 0 };
				uint8_t *copy = malloc(t->len ? t->len : 1);
				if (t->len) /* an empty transfer has no buffer */
					memcpy(copy, t->buf, t->len);
				xs_clip_out_start(&o, XS_C_CLIP_DATA, t->sel, t->serial, t->format, XS_CLIP_OK, copy, t->len);
				size_t n, total = 0;
				while ((n = xs_clip_out_next(&o, rec))) {
					struct xs_msg m2;
					if (xs_parse(xs_get_hdr(rec), rec + XS_HDR_LEN, &m2, f.err, sizeof f.err))
						abort();
					total += m2.u.cdata.len;
				}
				if (total != t->len)
					abort();
				xs_clip_in_free(t);
			}
		}
	}
	for (int s = 0; s < XS_NSEL; s++)
		xs_clip_in_free(&in[s]);
	close(r->fd);
	return 0;
}
