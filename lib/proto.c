/*
 * Record checks and builders. Every reader goes through xs_check_hdr() on
 * the header and xs_parse() on the body, both on private copies: this is
 * the one place where untrusted bytes become trusted values.
 */
#include "proto.h"

#include <stdio.h>

#define HELLO_LEN 40u
#define CHELLO_LEN 28u
#define EXT_MAX 256u /* hellos may grow in minor versions, up to this */

const char *xs_type_name(unsigned t)
{
	switch (t) {
	case XS_HELLO: return "hello";
	case XS_RECT: return "rect";
	case XS_FRAME: return "frame";
	case XS_CURSOR: return "cursor";
	case XS_POINTER: return "pointer";
	case XS_RESIZE: return "resize";
	case XS_ECHO: return "echo";
	case XS_BYE: return "bye";
	case XS_C_HELLO: return "control-hello";
	case XS_C_KEY: return "key";
	case XS_C_BUTTON: return "button";
	case XS_C_MOTION: return "motion";
	case XS_C_REFRESH: return "refresh";
	case XS_C_SIZE: return "size";
	case XS_C_NONCE: return "nonce";
	case XS_C_RESET: return "reset";
	/* desktop: title and clipboard */
	case XS_TITLE: return "title";
	case XS_CLIP_OFFER: return "clip-offer";
	case XS_CLIP_DATA: return "clip-data";
	case XS_CLIP_REQ: return "clip-request";
	case XS_C_CLIP_OFFER: return "control-clip-offer";
	case XS_C_CLIP_DATA: return "control-clip-data";
	case XS_C_CLIP_REQ: return "control-clip-request";
	/* seamless windows */
	case XS_WIN: return "window";
	case XS_WIN_GEOM: return "window-geometry";
	case XS_WIN_STACK: return "window-stack";
	case XS_WIN_TITLE: return "window-title";
	case XS_WIN_CLASS: return "window-class";
	case XS_WIN_GONE: return "window-gone";
	case XS_WIN_ICONIC: return "window-iconic";
	case XS_WIN_ICON: return "window-icon";
	case XS_WIN_RECTS: return "window-rects";
	case XS_C_WIN_CONFIGURE: return "window-configure";
	case XS_C_WIN_CLOSE: return "window-close";
	case XS_C_WIN_ICONIFY: return "window-iconify";
	case XS_C_WIN_FOCUS: return "window-focus";
	}
	return "unknown";
}

const char *xs_enc_name(unsigned e)
{
	switch (e) {
	case XS_ENC_RAW: return "raw";
	case XS_ENC_LZ4: return "lz4";
	case XS_ENC_JPEG: return "jpeg";
	case XS_ENC_SOLID: return "solid";
	}
	return "unknown";
}

/* Smallest and largest body length of each type; 0,0 for unknown. */
static void bounds(unsigned t, uint32_t *lo, uint32_t *hi)
{
	uint32_t fixed = 0;
	*lo = *hi = 0;
	switch (t) {
	case XS_HELLO: *lo = HELLO_LEN; *hi = EXT_MAX; return;
	case XS_C_HELLO: *lo = CHELLO_LEN; *hi = EXT_MAX; return;
	case XS_RECT: *lo = XS_RECT_LEN; *hi = XS_MAX_RECORD; return;
	case XS_CURSOR: *lo = 20 + 4; *hi = 20 + XS_MAX_CURSOR * XS_MAX_CURSOR * 4; return;
	case XS_FRAME: fixed = 24; break;
	case XS_POINTER: fixed = 12; break;
	case XS_RESIZE: case XS_C_SIZE: case XS_C_MOTION: fixed = 8; break;
	case XS_ECHO: case XS_C_NONCE: case XS_C_KEY: case XS_C_BUTTON: fixed = 16; break;
	case XS_BYE: fixed = 4; break;
	case XS_C_REFRESH: case XS_C_RESET: *lo = *hi = 0; return;
	/* desktop: title and clipboard */
	case XS_TITLE: *lo = 0; *hi = XS_TITLE_WIRE; return;
	case XS_CLIP_OFFER: case XS_C_CLIP_OFFER: fixed = 12; break;
	case XS_CLIP_REQ: case XS_C_CLIP_REQ: fixed = 16; break;
	case XS_CLIP_DATA: case XS_C_CLIP_DATA: *lo = XS_CLIP_HDR; *hi = XS_CLIP_HDR + XS_CLIP_CHUNK; return;
	/* seamless windows */
	case XS_WIN: fixed = 28; break;
	case XS_WIN_GEOM: case XS_C_WIN_CONFIGURE: fixed = 20; break;
	case XS_WIN_GONE: case XS_WIN_RECTS: case XS_WIN_ICONIC: case XS_C_WIN_CLOSE: case XS_C_WIN_FOCUS:
	case XS_C_WIN_ICONIFY: fixed = 4; break;
	case XS_WIN_TITLE: case XS_WIN_CLASS: *lo = 4; *hi = 4 + XS_WIN_TEXT_MAX; return;
	case XS_WIN_ICON: *lo = 16; *hi = 12 + 4 * XS_WIN_ICON_MAX * XS_WIN_ICON_MAX; return;
	case XS_WIN_STACK: *lo = 0; *hi = 4 * XS_WIN_STACK_MAX; return;
	default: *lo = 1; *hi = 0; return; /* empty range: unknown type */
	}
	*lo = *hi = fixed;
}

const char *xs_check_hdr(struct xs_hdr h)
{
	uint32_t lo, hi;
	bounds(h.type, &lo, &hi);
	if (lo > hi)
		return "unknown record type";
	if (h.flags)
		return "nonzero flags";
	if (h.len < lo || h.len > hi)
		return "length does not fit its type";
	return NULL;
}

const char *xs_check_size(uint32_t w, uint32_t h)
{
	if (!w || !h)
		return "zero surface size";
	if (w > XS_MAX_DIM || h > XS_MAX_DIM || (uint64_t)w * h > XS_MAX_PIXELS)
		return "surface larger than the limits";
	return NULL;
}

const char *xs_check_rect(struct xs_rect r, uint32_t W, uint32_t H, char *err, size_t n)
{
	if (!xs_rect_inside(r, W, H)) {
		snprintf(err, n, "rect %ux%u+%u+%u outside the %ux%u surface", r.w, r.h, r.x, r.y, W, H);
		return err;
	}
	return NULL;
}

static const char *parse_rect(const uint8_t *b, uint32_t len, struct xs_rect_msg *r, char *err, size_t n)
{
	r->enc = xs_rect_enc(b);
	r->r = (struct xs_rect){ xs_get32(b + 4), xs_get32(b + 8), xs_get32(b + 12), xs_get32(b + 16) };
	r->param = xs_get32(b + 20);
	r->data = b + XS_RECT_LEN;
	r->len = len - XS_RECT_LEN;
	if (!r->r.w || !r->r.h || r->r.w > XS_MAX_DIM || r->r.h > XS_MAX_DIM) {
		snprintf(err, n, "rect size %ux%u is zero or over %u", r->r.w, r->r.h, XS_MAX_DIM);
		return err;
	}
	uint64_t raw = xs_rect_area(r->r) * 4;
	switch (r->enc) {
	case XS_ENC_RAW:
		if (raw != r->len) {
			snprintf(err, n, "raw rect %ux%u needs %llu payload bytes, has %u", r->r.w, r->r.h,
				 (unsigned long long)raw, r->len);
			return err;
		}
		break;
	case XS_ENC_SOLID:
		if (r->len) {
			snprintf(err, n, "solid rect with %u payload bytes", r->len);
			return err;
		}
		break;
	case XS_ENC_LZ4:
	case XS_ENC_JPEG:
		if (!r->len) {
			snprintf(err, n, "%s rect with an empty payload", xs_enc_name(r->enc));
			return err;
		}
		if (raw > XS_MAX_RECORD) {
			snprintf(err, n, "%s rect %ux%u decodes larger than a record", xs_enc_name(r->enc), r->r.w, r->r.h);
			return err;
		}
		break;
	default:
		snprintf(err, n, "unknown encoding %u", r->enc);
		return err;
	}
	return NULL;
}

/* Title and clipboard records: every field in range, sizes consistent. */
static const char *parse_desk(struct xs_hdr h, const uint8_t *b, struct xs_msg *m, char *err, size_t n)
{
	switch (h.type) {
	case XS_TITLE:
		m->u.title.text = b;
		m->u.title.len = h.len;
		return NULL;
	case XS_CLIP_OFFER:
	case XS_C_CLIP_OFFER: {
		struct xs_clip_offer *o = &m->u.offer;
		o->sel = xs_get32(b), o->serial = xs_get32(b + 4), o->formats = xs_get32(b + 8);
		if (o->sel >= XS_NSEL || o->formats >> XS_NFMT) {
			snprintf(err, n, "selection %u or formats 0x%x unknown", o->sel, o->formats);
			return err;
		}
		return NULL;
	}
	case XS_CLIP_REQ:
	case XS_C_CLIP_REQ: {
		struct xs_clip_req *q = &m->u.req;
		q->sel = xs_get32(b), q->serial = xs_get32(b + 4), q->format = xs_get32(b + 8), q->max = xs_get32(b + 12);
		if (q->sel >= XS_NSEL || q->format >= XS_NFMT) {
			snprintf(err, n, "selection %u or format %u unknown", q->sel, q->format);
			return err;
		}
		return NULL;
	}
	case XS_CLIP_DATA:
	case XS_C_CLIP_DATA: {
		struct xs_clip_data *d = &m->u.cdata;
		d->sel = xs_get32(b), d->serial = xs_get32(b + 4), d->format = xs_get32(b + 8), d->status = xs_get32(b + 12);
		d->total = xs_get64(b + 16), d->offset = xs_get64(b + 24);
		d->data = b + XS_CLIP_HDR;
		d->len = h.len - XS_CLIP_HDR;
		if (d->sel >= XS_NSEL || d->format >= XS_NFMT || d->status > XS_CLIP_OVER) {
			snprintf(err, n, "selection %u, format %u or status %u unknown", d->sel, d->format, d->status);
			return err;
		}
		if (d->status != XS_CLIP_OK && (d->len || d->offset)) {
			snprintf(err, n, "clipboard status %u with %u payload bytes at offset %llu", d->status, d->len,
				 (unsigned long long)d->offset);
			return err;
		}
		if (d->offset > d->total || d->len > d->total - d->offset) {
			snprintf(err, n, "clipboard piece of %u bytes at offset %llu outside its %llu-byte total", d->len,
				 (unsigned long long)d->offset, (unsigned long long)d->total);
			return err;
		}
		return NULL;
	}
	}
	return NULL;
}

/*
 * Seamless window records: the structure only (id nonzero, known flags,
 * whole ids). Sizes, counts and placement are the viewer's policy: a
 * window that breaks them is dropped there, the stream goes on.
 */
static const char *parse_win(struct xs_hdr h, const uint8_t *b, struct xs_msg *m, char *err, size_t n)
{
	struct xs_win *w = &m->u.win;
	switch (h.type) {
	case XS_WIN:
		w->flags = xs_get32(b + 20);
		w->transient = xs_get32(b + 24);
		if (w->flags & ~XS_WF_OVERRIDE) {
			snprintf(err, n, "window flags 0x%x: unknown bits", w->flags);
			return err;
		}
		/* fall through */
	case XS_WIN_GEOM:
	case XS_C_WIN_CONFIGURE:
		w->x = (int32_t)xs_get32(b + 4);
		w->y = (int32_t)xs_get32(b + 8);
		w->w = xs_get32(b + 12);
		w->h = xs_get32(b + 16);
		/* fall through */
	case XS_WIN_GONE:
	case XS_WIN_RECTS:
	case XS_WIN_ICONIC:
	case XS_C_WIN_CLOSE:
	case XS_C_WIN_FOCUS:
	case XS_C_WIN_ICONIFY:
		w->id = xs_get32(b);
		break;
	case XS_WIN_TITLE:
	case XS_WIN_CLASS:
		m->u.wtext.id = xs_get32(b);
		m->u.wtext.text = b + 4;
		m->u.wtext.len = h.len - 4;
		if (!m->u.wtext.id) {
			snprintf(err, n, "window id 0");
			return err;
		}
		return NULL;
	case XS_WIN_ICON: {
		struct xs_wicon *c = &m->u.wicon;
		c->id = xs_get32(b), c->w = xs_get32(b + 4), c->h = xs_get32(b + 8), c->argb = b + 12;
		if (!c->id) {
			snprintf(err, n, "window id 0");
			return err;
		}
		/* the length caps the pixels at 64 x 64; the shape is the viewer's policy */
		if (c->w < 1 || c->h < 1 || (uint64_t)4 * c->w * c->h + 12 != h.len) {
			snprintf(err, n, "icon %ux%u in %u bytes (4 a pixel after 12)", c->w, c->h, h.len);
			return err;
		}
		return NULL;
	}
	case XS_WIN_STACK:
		m->u.wstack.n = h.len / 4;
		m->u.wstack.ids = b;
		if (h.len % 4) {
			snprintf(err, n, "stack of %u bytes is not whole window ids", h.len);
			return err;
		}
		return NULL;
	}
	if (!w->id) {
		snprintf(err, n, "window id 0");
		return err;
	}
	return NULL;
}

/* What both hellos open with at the same offsets: the magic, then the
 * version, whose major must be ours (the minor is the peer's). */
static const char *parse_opening(const uint8_t *b, uint32_t magic, uint16_t *major, uint16_t *minor, char *err,
				 size_t n)
{
	if (xs_get32(b) != magic) {
		snprintf(err, n, "bad magic 0x%08x", xs_get32(b));
		return err;
	}
	*major = xs_get16(b + 4);
	*minor = xs_get16(b + 6);
	if (*major != XS_VERSION_MAJOR) {
		snprintf(err, n, "version %u.%u, this reader speaks %u.x", *major, *minor, XS_VERSION_MAJOR);
		return err;
	}
	return NULL;
}

/* A hello's feature bits: one this reader does not know is refused. */
static const char *check_features(const char *what, uint32_t flags, uint32_t known, char *err, size_t n)
{
	if (flags & ~known) {
		snprintf(err, n, "%s flags 0x%x: feature bits 0x%x unknown to this reader", what, flags, flags & ~known);
		return err;
	}
	return NULL;
}

/* The frame stream's hello: magic, major version, format, size, known flags. */
static const char *parse_hello(const uint8_t *b, struct xs_msg *m, char *err, size_t n)
{
	struct xs_hello *o = &m->u.hello;
	const char *e;
	if (parse_opening(b, XS_MAGIC, &o->major, &o->minor, err, n))
		return err;
	o->width = xs_get32(b + 8);
	o->height = xs_get32(b + 12);
	o->format = xs_get32(b + 16);
	o->flags = xs_get32(b + 20);
	memcpy(o->challenge, b + 24, XS_NONCE_LEN);
	if (o->format != XS_FORMAT_BGRX) {
		snprintf(err, n, "unknown pixel format %u", o->format);
		return err;
	}
	if ((e = xs_check_size(o->width, o->height))) {
		snprintf(err, n, "%s (%ux%u)", e, o->width, o->height);
		return err;
	}
	return check_features("hello", o->flags, XS_HF_KNOWN, err, n);
}

/* The control stream's hello: magic, major version, known flags. */
static const char *parse_chello(const uint8_t *b, struct xs_msg *m, char *err, size_t n)
{
	struct xs_chello *o = &m->u.chello;
	if (parse_opening(b, XS_CMAGIC, &o->major, &o->minor, err, n))
		return err;
	o->flags = xs_get32(b + 8);
	memcpy(o->challenge, b + 12, XS_NONCE_LEN);
	return check_features("control hello", o->flags, XS_CF_KNOWN, err, n);
}

/* A cursor: size within the limit and the body, hotspot inside. */
static const char *parse_cursor(struct xs_hdr h, const uint8_t *b, struct xs_msg *m, char *err, size_t n)
{
	struct xs_cursor *c = &m->u.cursor;
	c->w = xs_get32(b);
	c->h = xs_get32(b + 4);
	c->xhot = xs_get32(b + 8);
	c->yhot = xs_get32(b + 12);
	c->serial = xs_get32(b + 16);
	c->argb = b + 20;
	if (!c->w || !c->h || c->w > XS_MAX_CURSOR || c->h > XS_MAX_CURSOR ||
	    (uint64_t)c->w * c->h * 4 + 20 != h.len) {
		snprintf(err, n, "cursor %ux%u does not fit %u bytes or the %u limit", c->w, c->h, h.len,
			 XS_MAX_CURSOR);
		return err;
	}
	if (c->xhot >= c->w || c->yhot >= c->h) {
		snprintf(err, n, "cursor hotspot %u,%u outside %ux%u", c->xhot, c->yhot, c->w, c->h);
		return err;
	}
	return NULL;
}

/* Keys and buttons: flags 0 or 1, buttons 1..9. */
static const char *parse_input(struct xs_hdr h, const uint8_t *b, struct xs_msg *m, char *err, size_t n)
{
	if (h.type == XS_C_KEY) {
		m->u.key.keysym = xs_get32(b);
		m->u.key.keycode = xs_get32(b + 4);
		m->u.key.state = xs_get32(b + 8);
		m->u.key.down = xs_get32(b + 12);
		if (m->u.key.down > 1) {
			snprintf(err, n, "key down flag %u is not 0 or 1", m->u.key.down);
			return err;
		}
		return NULL;
	}
	m->u.button.button = xs_get32(b);
	m->u.button.down = xs_get32(b + 4);
	m->u.button.x = (int32_t)xs_get32(b + 8);
	m->u.button.y = (int32_t)xs_get32(b + 12);
	if (m->u.button.button < 1 || m->u.button.button > 9 || m->u.button.down > 1) {
		snprintf(err, n, "button %u down %u out of range", m->u.button.button, m->u.button.down);
		return err;
	}
	return NULL;
}

/* One record body into m: the header again, then the type's own parser. */
const char *xs_parse(struct xs_hdr h, const uint8_t *b, struct xs_msg *m, char *err, size_t n)
{
	const char *e = xs_check_hdr(h);
	if (e) {
		snprintf(err, n, "%s", e);
		return err;
	}
	memset(m, 0, sizeof *m);
	m->type = h.type;
	switch (h.type) {
	case XS_HELLO:
		return parse_hello(b, m, err, n);
	case XS_C_HELLO:
		return parse_chello(b, m, err, n);
	case XS_RECT:
		return parse_rect(b, h.len, &m->u.rect, err, n);
	case XS_FRAME:
		m->u.frame.seq = xs_get64(b);
		m->u.frame.time_ns = xs_get64(b + 8);
		m->u.frame.nrects = xs_get32(b + 16);
		m->u.frame.flags = xs_get32(b + 20);
		break;
	case XS_CURSOR:
		return parse_cursor(h, b, m, err, n);
	case XS_POINTER:
		m->u.pointer.x = (int32_t)xs_get32(b);
		m->u.pointer.y = (int32_t)xs_get32(b + 4);
		m->u.pointer.visible = xs_get32(b + 8);
		break;
	case XS_RESIZE:
	case XS_C_SIZE:
		m->u.size.w = xs_get32(b);
		m->u.size.h = xs_get32(b + 4);
		if ((e = xs_check_size(m->u.size.w, m->u.size.h))) {
			snprintf(err, n, "%s (%ux%u)", e, m->u.size.w, m->u.size.h);
			return err;
		}
		break;
	case XS_ECHO:
	case XS_C_NONCE:
		memcpy(m->u.nonce.v, b, XS_NONCE_LEN);
		break;
	case XS_BYE:
		m->u.reason = xs_get32(b);
		break;
	case XS_C_KEY:
	case XS_C_BUTTON:
		return parse_input(h, b, m, err, n);
	case XS_C_MOTION:
		m->u.pointer.x = (int32_t)xs_get32(b);
		m->u.pointer.y = (int32_t)xs_get32(b + 4);
		m->u.pointer.visible = 1;
		break;
	case XS_C_REFRESH:
	case XS_C_RESET:
		break;
	default:
		if (h.type == XS_TITLE || (h.type >= XS_CLIP_OFFER && h.type <= XS_CLIP_REQ) ||
		    (h.type >= XS_C_CLIP_OFFER && h.type <= XS_C_CLIP_REQ))
			return parse_desk(h, b, m, err, n);
		return parse_win(h, b, m, err, n);
	}
	return NULL;
}

size_t xs_build_hello(uint8_t *p, uint32_t w, uint32_t h, uint32_t flags, const uint8_t ch[XS_NONCE_LEN])
{
	xs_put_hdr(p, XS_HELLO, HELLO_LEN);
	uint8_t *b = p + XS_HDR_LEN;
	xs_put32(b, XS_MAGIC);
	xs_put16(b + 4, XS_VERSION_MAJOR);
	xs_put16(b + 6, XS_VERSION_MINOR);
	xs_put32(b + 8, w);
	xs_put32(b + 12, h);
	xs_put32(b + 16, XS_FORMAT_BGRX);
	xs_put32(b + 20, flags);
	memcpy(b + 24, ch, XS_NONCE_LEN);
	return XS_HDR_LEN + HELLO_LEN;
}

size_t xs_build_chello(uint8_t *p, uint32_t flags, const uint8_t ch[XS_NONCE_LEN])
{
	xs_put_hdr(p, XS_C_HELLO, CHELLO_LEN);
	uint8_t *b = p + XS_HDR_LEN;
	xs_put32(b, XS_CMAGIC);
	xs_put16(b + 4, XS_VERSION_MAJOR);
	xs_put16(b + 6, XS_VERSION_MINOR);
	xs_put32(b + 8, flags);
	memcpy(b + 12, ch, XS_NONCE_LEN);
	return XS_HDR_LEN + CHELLO_LEN;
}

size_t xs_build_rect_hdr(uint8_t *p, uint32_t enc, struct xs_rect r, uint32_t param, uint32_t payload_len)
{
	xs_put_hdr(p, XS_RECT, XS_RECT_LEN + payload_len);
	uint8_t *b = p + XS_HDR_LEN;
	xs_put32(b, enc);
	xs_put32(b + 4, r.x);
	xs_put32(b + 8, r.y);
	xs_put32(b + 12, r.w);
	xs_put32(b + 16, r.h);
	xs_put32(b + 20, param);
	return XS_HDR_LEN + XS_RECT_LEN;
}

size_t xs_build_frame(uint8_t *p, uint64_t seq, uint64_t t, uint32_t nrects, uint32_t flags)
{
	xs_put_hdr(p, XS_FRAME, 24);
	xs_put64(p + 8, seq);
	xs_put64(p + 16, t);
	xs_put32(p + 24, nrects);
	xs_put32(p + 28, flags);
	return XS_HDR_LEN + 24;
}

size_t xs_build_cursor_hdr(uint8_t *p, uint32_t w, uint32_t h, uint32_t xhot, uint32_t yhot, uint32_t serial)
{
	xs_put_hdr(p, XS_CURSOR, 20 + w * h * 4);
	xs_put32(p + 8, w);
	xs_put32(p + 12, h);
	xs_put32(p + 16, xhot);
	xs_put32(p + 20, yhot);
	xs_put32(p + 24, serial);
	return XS_HDR_LEN + 20;
}

size_t xs_build_pointer(uint8_t *p, int32_t x, int32_t y, uint32_t visible)
{
	xs_put_hdr(p, XS_POINTER, 12);
	xs_put32(p + 8, (uint32_t)x);
	xs_put32(p + 12, (uint32_t)y);
	xs_put32(p + 16, visible);
	return XS_HDR_LEN + 12;
}

size_t xs_build_size(uint8_t *p, uint16_t type, uint32_t w, uint32_t h)
{
	xs_put_hdr(p, type, 8);
	xs_put32(p + 8, w);
	xs_put32(p + 12, h);
	return XS_HDR_LEN + 8;
}

size_t xs_build_nonce(uint8_t *p, uint16_t type, const uint8_t v[XS_NONCE_LEN])
{
	xs_put_hdr(p, type, XS_NONCE_LEN);
	memcpy(p + 8, v, XS_NONCE_LEN);
	return XS_HDR_LEN + XS_NONCE_LEN;
}

size_t xs_build_bye(uint8_t *p, uint32_t reason)
{
	xs_put_hdr(p, XS_BYE, 4);
	xs_put32(p + 8, reason);
	return XS_HDR_LEN + 4;
}

size_t xs_build_key(uint8_t *p, uint32_t keysym, uint32_t keycode, uint32_t state, int down)
{
	xs_put_hdr(p, XS_C_KEY, 16);
	xs_put32(p + 8, keysym);
	xs_put32(p + 12, keycode);
	xs_put32(p + 16, state);
	xs_put32(p + 20, down ? 1 : 0);
	return XS_HDR_LEN + 16;
}

size_t xs_build_button(uint8_t *p, uint32_t button, int down, int32_t x, int32_t y)
{
	xs_put_hdr(p, XS_C_BUTTON, 16);
	xs_put32(p + 8, button);
	xs_put32(p + 12, down ? 1 : 0);
	xs_put32(p + 16, (uint32_t)x);
	xs_put32(p + 20, (uint32_t)y);
	return XS_HDR_LEN + 16;
}

size_t xs_build_motion(uint8_t *p, int32_t x, int32_t y)
{
	xs_put_hdr(p, XS_C_MOTION, 8);
	xs_put32(p + 8, (uint32_t)x);
	xs_put32(p + 12, (uint32_t)y);
	return XS_HDR_LEN + 8;
}

size_t xs_build_empty(uint8_t *p, uint16_t type)
{
	xs_put_hdr(p, type, 0);
	return XS_HDR_LEN;
}

/* Seamless windows. */
size_t xs_build_win(uint8_t *p, uint16_t type, const struct xs_win *w)
{
	uint32_t len = type == XS_WIN ? 28 : 20;
	xs_put_hdr(p, type, len);
	xs_put32(p + 8, w->id);
	xs_put32(p + 12, (uint32_t)w->x);
	xs_put32(p + 16, (uint32_t)w->y);
	xs_put32(p + 20, w->w);
	xs_put32(p + 24, w->h);
	if (type == XS_WIN) {
		xs_put32(p + 28, w->flags);
		xs_put32(p + 32, w->transient);
	}
	return XS_HDR_LEN + len;
}

size_t xs_build_winid(uint8_t *p, uint16_t type, uint32_t id)
{
	xs_put_hdr(p, type, 4);
	xs_put32(p + 8, id);
	return XS_HDR_LEN + 4;
}

size_t xs_build_wicon_hdr(uint8_t *p, uint32_t id, uint32_t w, uint32_t h)
{
	xs_put_hdr(p, XS_WIN_ICON, 12 + 4 * w * h);
	xs_put32(p + 8, id);
	xs_put32(p + 12, w);
	xs_put32(p + 16, h);
	return XS_HDR_LEN + 12;
}

size_t xs_build_wtext(uint8_t *p, uint16_t type, uint32_t id, const void *text, uint32_t len)
{
	xs_put_hdr(p, type, 4 + len);
	xs_put32(p + 8, id);
	memcpy(p + 12, text, len);
	return XS_HDR_LEN + 4 + len;
}

size_t xs_build_wstack_hdr(uint8_t *p, uint32_t n)
{
	xs_put_hdr(p, XS_WIN_STACK, 4 * n);
	return XS_HDR_LEN;
}

size_t xs_build_title(uint8_t *p, const uint8_t *text, uint32_t len)
{
	if (len > XS_TITLE_WIRE)
		len = XS_TITLE_WIRE;
	xs_put_hdr(p, XS_TITLE, len);
	memcpy(p + XS_HDR_LEN, text, len);
	return XS_HDR_LEN + len;
}

size_t xs_build_clip_offer(uint8_t *p, uint16_t type, uint32_t sel, uint32_t serial, uint32_t formats)
{
	xs_put_hdr(p, type, 12);
	xs_put32(p + 8, sel);
	xs_put32(p + 12, serial);
	xs_put32(p + 16, formats);
	return XS_HDR_LEN + 12;
}

size_t xs_build_clip_req(uint8_t *p, uint16_t type, uint32_t sel, uint32_t serial, uint32_t format, uint32_t max)
{
	xs_put_hdr(p, type, 16);
	xs_put32(p + 8, sel);
	xs_put32(p + 12, serial);
	xs_put32(p + 16, format);
	xs_put32(p + 20, max);
	return XS_HDR_LEN + 16;
}

size_t xs_build_clip_data_hdr(uint8_t *p, uint16_t type, const struct xs_clip_data *d)
{
	xs_put_hdr(p, type, XS_CLIP_HDR + d->len);
	uint8_t *b = p + XS_HDR_LEN;
	xs_put32(b, d->sel);
	xs_put32(b + 4, d->serial);
	xs_put32(b + 8, d->format);
	xs_put32(b + 12, d->status);
	xs_put64(b + 16, d->total);
	xs_put64(b + 24, d->offset);
	return XS_HDR_LEN + XS_CLIP_HDR;
}
