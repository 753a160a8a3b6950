/*
 * Clipboard transfers on the wire (clip.h). The one place where pieces of
 * a peer's clipboard become content: each is checked against the transfer
 * asked for, its announced total against the cap before any allocation,
 * and its offset against what came before.
 */
#include "clip.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

static const char *sel_name(uint32_t s) { return s == XS_SEL_PRIMARY ? "PRIMARY" : "CLIPBOARD"; }

void xs_clip_in_start(struct xs_clip_in *t, uint32_t sel, uint32_t serial, uint32_t format, size_t limit)
{
	xs_clip_in_free(t);
	t->active = 1;
	t->sel = sel, t->serial = serial, t->format = format;
	t->limit = limit;
}

void xs_clip_in_free(struct xs_clip_in *t)
{
	free(t->buf);
	*t = (struct xs_clip_in){ 0 };
}

/* Ends the transfer; err gets the selection's name and why. */
static int fail(struct xs_clip_in *t, char *err, size_t n, const char *why, unsigned long long a,
		unsigned long long b)
{
	int k = snprintf(err, n, "%s: ", sel_name(t->sel));
	if (k > 0 && (size_t)k < n)
		snprintf(err + k, n - (size_t)k, why, a, b);
	xs_clip_in_free(t);
	return XS_CLIP_FAIL;
}

int xs_clip_in_data(struct xs_clip_in *t, const struct xs_clip_data *d, char *err, size_t n)
{
	if (!t->active || d->sel != t->sel || d->serial != t->serial || d->format != t->format) {
		snprintf(err, n, "%s data (serial %u, format %u) that was not asked for", sel_name(d->sel), d->serial,
			 d->format);
		return XS_CLIP_IGNORED;
	}
	if (d->status == XS_CLIP_NONE)
		return fail(t, err, n, "the owner has no content in that format", 0, 0);
	if (d->status == XS_CLIP_OVER)
		return fail(t, err, n, "at least %llu bytes, over the %llu-byte cap", d->total, t->limit);
	if (d->total > t->limit)
		return fail(t, err, n, "%llu bytes announced, over the %llu-byte cap", d->total, t->limit);
	if (t->started && d->total != t->total)
		return fail(t, err, n, "total changed from %llu to %llu bytes", t->total, d->total);
	if (d->offset != t->len)
		return fail(t, err, n, "piece at offset %llu, expected %llu", d->offset, t->len);
	t->started = 1;
	t->total = d->total;
	size_t need = t->len + d->len; /* <= total <= limit: xs_parse checked offset + len <= total */
	if (need > t->alloc) {
		size_t a = t->alloc * 2 > need ? t->alloc * 2 : need;
		if (a > t->total)
			a = (size_t)t->total;
		uint8_t *b = realloc(t->buf, a ? a : 1);
		if (!b)
			die(EX_OS, "clipboard buffer of %zu bytes:", a);
		t->buf = b, t->alloc = a;
	}
	if (d->len)
		memcpy(t->buf + t->len, d->data, d->len);
	t->len = need;
	return t->len == t->total ? XS_CLIP_DONE : XS_CLIP_MORE;
}

void xs_clip_out_start(struct xs_clip_out *o, uint16_t type, uint32_t sel, uint32_t serial, uint32_t format,
		       uint32_t status, uint8_t *data, size_t len)
{
	xs_clip_out_free(o);
	*o = (struct xs_clip_out){ 1, type, sel, serial, format, status, data, len, 0 };
}

size_t xs_clip_out_next(struct xs_clip_out *o, uint8_t *p)
{
	if (!o->active)
		return 0;
	struct xs_clip_data d = { o->sel, o->serial, o->format, o->status, o->len, o->off, NULL, 0 };
	if (o->status == XS_CLIP_OK) {
		size_t k = o->len - o->off;
		d.len = (uint32_t)(k > XS_CLIP_CHUNK ? XS_CLIP_CHUNK : k);
	}
	size_t h = xs_build_clip_data_hdr(p, o->type, &d);
	if (d.len)
		memcpy(p + h, o->data + o->off, d.len);
	o->off += d.len;
	if (o->status != XS_CLIP_OK || o->off == o->len)
		xs_clip_out_free(o);
	return h + d.len;
}

void xs_clip_out_free(struct xs_clip_out *o)
{
	free(o->data);
	*o = (struct xs_clip_out){ 0 };
}

int xs_parse_cap(const char *s, size_t *out)
{
	char num[32];
	size_t n = strlen(s), mul = 1;
	unsigned long v;
	if (!n || n >= sizeof num)
		return -1;
	memcpy(num, s, n + 1);
	if (num[n - 1] == 'k' || num[n - 1] == 'K')
		mul = 1024, num[n - 1] = 0;
	else if (num[n - 1] == 'm' || num[n - 1] == 'M')
		mul = 1024 * 1024, num[n - 1] = 0;
	if (parse_uint(num, 1, XS_CLIP_CAP_MAX / mul, &v) < 0)
		return -1;
	*out = v * mul;
	return 0;
}

const char *xs_sel_name(uint32_t sel) { return sel == XS_SEL_PRIMARY ? "PRIMARY" : "CLIPBOARD"; }
