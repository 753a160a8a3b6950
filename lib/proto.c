/*
 * Record checks and builders. Every reader goes through xs_check_hdr() on
 * the header and xs_parse() on the body, both on private copies: this is
 * the one place where untrusted bytes become trusted values. What a type
 * is (its name, stream, length bounds, parser, gate) is its row in the
 * table at the end of the parsers, and nowhere else.
 */
#include "proto.h"
#include "codec.h"

#include <stdarg.h>
#include <stdio.h>

#define HELLO_LEN 40u
#define CHELLO_LEN 28u
#define EXT_MAX 256u /* hellos may grow in minor versions, up to this */

/* What a parser is given: a header that passed xs_check_hdr(), its body
 * (a private copy of h.len bytes), the message to fill (zeroed, its type
 * set) and room for a message. */
struct xs_parsing {
	struct xs_hdr h;
	const uint8_t *b;
	struct xs_msg *m;
	char *err;
	size_t n;
};

/* A parser's refusal: the message written into the caller's buffer. */
static const char *fail(const struct xs_parsing *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *fail(const struct xs_parsing *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->n, fmt, ap);
	va_end(ap);
	return p->err;
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

/* What both hellos open with at the same offsets: the magic, then the
 * version, whose major must be ours (the minor is the peer's). */
static const char *parse_opening(const struct xs_parsing *p, uint32_t magic, uint16_t *major, uint16_t *minor)
{
	if (xs_get32(p->b) != magic)
		return fail(p, "bad magic 0x%08x", xs_get32(p->b));
	*major = xs_get16(p->b + 4);
	*minor = xs_get16(p->b + 6);
	if (*major != XS_VERSION_MAJOR)
		return fail(p, "version %u.%u, this reader speaks %u.x", *major, *minor, XS_VERSION_MAJOR);
	return NULL;
}

/* A hello's feature bits: one this reader does not know is refused. */
static const char *check_features(const struct xs_parsing *p, const char *what, uint32_t flags, uint32_t known)
{
	if (flags & ~known)
		return fail(p, "%s flags 0x%x: feature bits 0x%x unknown to this reader", what, flags, flags & ~known);
	return NULL;
}

/* The frame stream's hello: magic, major version, format, size, known flags. */
static const char *parse_hello(const struct xs_parsing *p)
{
	struct xs_hello *o = &p->m->u.hello;
	const uint8_t *b = p->b;
	const char *e;
	if ((e = parse_opening(p, XS_MAGIC, &o->major, &o->minor)))
		return e;
	o->width = xs_get32(b + 8);
	o->height = xs_get32(b + 12);
	o->format = xs_get32(b + 16);
	o->flags = xs_get32(b + 20);
	memcpy(o->challenge, b + 24, XS_NONCE_LEN);
	if (o->format != XS_FORMAT_BGRX)
		return fail(p, "unknown pixel format %u", o->format);
	if ((e = xs_check_size(o->width, o->height)))
		return fail(p, "%s (%ux%u)", e, o->width, o->height);
	return check_features(p, "hello", o->flags, XS_HF_KNOWN);
}

/* The control stream's hello: magic, major version, known flags. */
static const char *parse_chello(const struct xs_parsing *p)
{
	struct xs_chello *o = &p->m->u.chello;
	const char *e;
	if ((e = parse_opening(p, XS_CMAGIC, &o->major, &o->minor)))
		return e;
	o->flags = xs_get32(p->b + 8);
	memcpy(o->challenge, p->b + 12, XS_NONCE_LEN);
	return check_features(p, "control hello", o->flags, XS_CF_KNOWN);
}

/* A rect: a size within the limits; the payload its encoding's (codec.c). */
static const char *parse_rect(const struct xs_parsing *p)
{
	struct xs_rect_msg *r = &p->m->u.rect;
	const uint8_t *b = p->b;
	r->enc = xs_rect_enc(b);
	r->r = (struct xs_rect){ xs_get32(b + 4), xs_get32(b + 8), xs_get32(b + 12), xs_get32(b + 16) };
	r->param = xs_get32(b + 20);
	r->data = b + XS_RECT_LEN;
	r->len = p->h.len - XS_RECT_LEN;
	if (!r->r.w || !r->r.h || r->r.w > XS_MAX_DIM || r->r.h > XS_MAX_DIM)
		return fail(p, "rect size %ux%u is zero or over %u", r->r.w, r->r.h, XS_MAX_DIM);
	return xs_enc_check(r, p->err, p->n);
}

static const char *parse_frame(const struct xs_parsing *p)
{
	struct xs_frame *f = &p->m->u.frame;
	f->seq = xs_get64(p->b);
	f->time_ns = xs_get64(p->b + 8);
	f->nrects = xs_get32(p->b + 16);
	f->flags = xs_get32(p->b + 20);
	return NULL;
}

/* A cursor: size within the limit and the body, hotspot inside. */
static const char *parse_cursor(const struct xs_parsing *p)
{
	struct xs_cursor *c = &p->m->u.cursor;
	c->w = xs_get32(p->b);
	c->h = xs_get32(p->b + 4);
	c->xhot = xs_get32(p->b + 8);
	c->yhot = xs_get32(p->b + 12);
	c->serial = xs_get32(p->b + 16);
	c->argb = p->b + 20;
	if (!c->w || !c->h || c->w > XS_MAX_CURSOR || c->h > XS_MAX_CURSOR ||
	    (uint64_t)c->w * c->h * 4 + 20 != p->h.len)
		return fail(p, "cursor %ux%u does not fit %u bytes or the %u limit", c->w, c->h, p->h.len,
			    XS_MAX_CURSOR);
	if (c->xhot >= c->w || c->yhot >= c->h)
		return fail(p, "cursor hotspot %u,%u outside %ux%u", c->xhot, c->yhot, c->w, c->h);
	return NULL;
}

static const char *parse_pointer(const struct xs_parsing *p)
{
	p->m->u.pointer.x = (int32_t)xs_get32(p->b);
	p->m->u.pointer.y = (int32_t)xs_get32(p->b + 4);
	p->m->u.pointer.visible = xs_get32(p->b + 8);
	return NULL;
}

/* The host's motion: a pointer record that is always visible. */
static const char *parse_motion(const struct xs_parsing *p)
{
	p->m->u.pointer.x = (int32_t)xs_get32(p->b);
	p->m->u.pointer.y = (int32_t)xs_get32(p->b + 4);
	p->m->u.pointer.visible = 1;
	return NULL;
}

/* A resize, or the host's size request: a surface size within the limits. */
static const char *parse_size(const struct xs_parsing *p)
{
	struct xs_size *s = &p->m->u.size;
	const char *e;
	s->w = xs_get32(p->b);
	s->h = xs_get32(p->b + 4);
	if ((e = xs_check_size(s->w, s->h)))
		return fail(p, "%s (%ux%u)", e, s->w, s->h);
	return NULL;
}

static const char *parse_nonce(const struct xs_parsing *p)
{
	memcpy(p->m->u.nonce.v, p->b, XS_NONCE_LEN);
	return NULL;
}

static const char *parse_bye(const struct xs_parsing *p)
{
	p->m->u.reason = xs_get32(p->b);
	return NULL;
}

/* A key: its down flag 0 or 1. */
static const char *parse_key(const struct xs_parsing *p)
{
	struct xs_key *k = &p->m->u.key;
	k->keysym = xs_get32(p->b);
	k->keycode = xs_get32(p->b + 4);
	k->state = xs_get32(p->b + 8);
	k->down = xs_get32(p->b + 12);
	if (k->down > 1)
		return fail(p, "key down flag %u is not 0 or 1", k->down);
	return NULL;
}

/* A button: 1..9, its down flag 0 or 1. */
static const char *parse_button(const struct xs_parsing *p)
{
	struct xs_button *k = &p->m->u.button;
	k->button = xs_get32(p->b);
	k->down = xs_get32(p->b + 4);
	k->x = (int32_t)xs_get32(p->b + 8);
	k->y = (int32_t)xs_get32(p->b + 12);
	if (k->button < 1 || k->button > 9 || k->down > 1)
		return fail(p, "button %u down %u out of range", k->button, k->down);
	return NULL;
}

/* The guest's title: text the viewers sanitise (lib/title.c). */
static const char *parse_title(const struct xs_parsing *p)
{
	p->m->u.title.text = p->b;
	p->m->u.title.len = p->h.len;
	return NULL;
}

/* Clipboard records, either way: every field in range, sizes consistent. */
static const char *parse_clip_offer(const struct xs_parsing *p)
{
	struct xs_clip_offer *o = &p->m->u.offer;
	o->sel = xs_get32(p->b), o->serial = xs_get32(p->b + 4), o->formats = xs_get32(p->b + 8);
	if (o->sel >= XS_NSEL || o->formats >> XS_NFMT)
		return fail(p, "selection %u or formats 0x%x unknown", o->sel, o->formats);
	return NULL;
}

static const char *parse_clip_req(const struct xs_parsing *p)
{
	struct xs_clip_req *q = &p->m->u.req;
	q->sel = xs_get32(p->b), q->serial = xs_get32(p->b + 4), q->format = xs_get32(p->b + 8);
	q->max = xs_get32(p->b + 12);
	if (q->sel >= XS_NSEL || q->format >= XS_NFMT)
		return fail(p, "selection %u or format %u unknown", q->sel, q->format);
	return NULL;
}

static const char *parse_clip_data(const struct xs_parsing *p)
{
	struct xs_clip_data *d = &p->m->u.cdata;
	const uint8_t *b = p->b;
	d->sel = xs_get32(b), d->serial = xs_get32(b + 4), d->format = xs_get32(b + 8), d->status = xs_get32(b + 12);
	d->total = xs_get64(b + 16), d->offset = xs_get64(b + 24);
	d->data = b + XS_CLIP_HDR;
	d->len = p->h.len - XS_CLIP_HDR;
	if (d->sel >= XS_NSEL || d->format >= XS_NFMT || d->status > XS_CLIP_OVER)
		return fail(p, "selection %u, format %u or status %u unknown", d->sel, d->format, d->status);
	if (d->status != XS_CLIP_OK && (d->len || d->offset))
		return fail(p, "clipboard status %u with %u payload bytes at offset %llu", d->status, d->len,
			    (unsigned long long)d->offset);
	if (d->offset > d->total || d->len > d->total - d->offset)
		return fail(p, "clipboard piece of %u bytes at offset %llu outside its %llu-byte total", d->len,
			    (unsigned long long)d->offset, (unsigned long long)d->total);
	return NULL;
}

/*
 * Seamless window records: the structure only (id nonzero, known flags,
 * whole ids). Sizes, counts and placement are the viewer's policy: a
 * window that breaks them is dropped there, the stream goes on.
 */
static const char *parse_win_id(const struct xs_parsing *p)
{
	p->m->u.win.id = xs_get32(p->b);
	return p->m->u.win.id ? NULL : fail(p, "window id 0");
}

/* Geometry (and the host's configure): the id, then x, y, w, h. */
static const char *parse_win_geom(const struct xs_parsing *p)
{
	struct xs_win *w = &p->m->u.win;
	w->x = (int32_t)xs_get32(p->b + 4);
	w->y = (int32_t)xs_get32(p->b + 8);
	w->w = xs_get32(p->b + 12);
	w->h = xs_get32(p->b + 16);
	return parse_win_id(p);
}

/* A window shown: its flags known, then the geometry. */
static const char *parse_win(const struct xs_parsing *p)
{
	struct xs_win *w = &p->m->u.win;
	w->flags = xs_get32(p->b + 20);
	w->transient = xs_get32(p->b + 24);
	if (w->flags & ~XS_WF_OVERRIDE)
		return fail(p, "window flags 0x%x: unknown bits", w->flags);
	return parse_win_geom(p);
}

/* A window's title or class: the id, then text the viewer sanitises. */
static const char *parse_win_text(const struct xs_parsing *p)
{
	struct xs_wtext *t = &p->m->u.wtext;
	t->id = xs_get32(p->b);
	t->text = p->b + 4;
	t->len = p->h.len - 4;
	return t->id ? NULL : fail(p, "window id 0");
}

static const char *parse_win_icon(const struct xs_parsing *p)
{
	struct xs_wicon *c = &p->m->u.wicon;
	c->id = xs_get32(p->b), c->w = xs_get32(p->b + 4), c->h = xs_get32(p->b + 8), c->argb = p->b + 12;
	if (!c->id)
		return fail(p, "window id 0");
	/* the length caps the pixels at 64 x 64; the shape is the viewer's policy */
	if (c->w < 1 || c->h < 1 || (uint64_t)4 * c->w * c->h + 12 != p->h.len)
		return fail(p, "icon %ux%u in %u bytes (4 a pixel after 12)", c->w, c->h, p->h.len);
	return NULL;
}

/*
 * Audio (the guest's sound, the host's microphone): the set docs/AUDIO.md
 * lists. PCM at 44.1 or 48 kHz, one or two channels, exactly frames x
 * channels x 2 bytes; Opus at 48 kHz in one of its frame durations (2.5
 * to 60 ms), one packet of 1..4000 bytes (its decoder checks the packet).
 */
const char *xs_check_audio(const struct xs_audio *a, char *err, size_t n)
{
	if ((a->format != XS_AFMT_PCM16 && a->format != XS_AFMT_OPUS) || (a->rate != 44100 && a->rate != 48000) ||
	    (a->channels != 1 && a->channels != 2)) {
		snprintf(err, n, "audio format %u, rate %u, channels %u: not one of the set", a->format, a->rate,
			 a->channels);
		return err;
	}
	if (a->format == XS_AFMT_PCM16) {
		if (!a->frames || a->frames > XS_AUDIO_FRAMES_MAX || (uint64_t)a->frames * a->channels * 2 != a->len) {
			snprintf(err, n, "pcm piece of %u frames x %u channels in %u bytes (1..%u frames, 2 bytes a sample)",
				 a->frames, a->channels, a->len, XS_AUDIO_FRAMES_MAX);
			return err;
		}
		return NULL;
	}
	uint32_t f = a->frames;
	if (a->rate != 48000 || (f != 120 && f != 240 && f != 480 && f != 960 && f != 1920 && f != 2880) ||
	    !a->len || a->len > XS_AUDIO_OPUS_MAX) {
		snprintf(err, n, "opus piece of %u frames at %u Hz in %u bytes (48000 Hz, 120..2880 frames, 1..%u bytes)",
			 f, a->rate, a->len, XS_AUDIO_OPUS_MAX);
		return err;
	}
	return NULL;
}

static const char *parse_audio(const struct xs_parsing *p)
{
	struct xs_audio *a = &p->m->u.audio;
	const uint8_t *b = p->b;
	a->format = xs_get32(b), a->rate = xs_get32(b + 4), a->channels = xs_get32(b + 8), a->frames = xs_get32(b + 12);
	a->seq = xs_get64(b + 16), a->time_ns = xs_get64(b + 24);
	a->data = b + XS_AUDIO_HDR;
	a->len = p->h.len - XS_AUDIO_HDR;
	return xs_check_audio(a, p->err, p->n);
}

/* Hints: a known kind and flags; the sizes are the viewer's to judge. */
static const char *parse_win_hints(const struct xs_parsing *p)
{
	struct xs_whints *h = &p->m->u.whints;
	uint32_t *f[11] = { &h->id, &h->type, &h->flags, &h->min_w, &h->min_h, &h->max_w, &h->max_h,
			    &h->min_an, &h->min_ad, &h->max_an, &h->max_ad };
	for (int i = 0; i < 11; i++)
		*f[i] = xs_get32(p->b + 4 * i);
	if (!h->id)
		return fail(p, "window id 0");
	if (h->type >= XS_WT_N || h->flags & ~XS_WH_MODAL)
		return fail(p, "window kind %u or hint flags 0x%x unknown", h->type, h->flags);
	return NULL;
}

static const char *parse_win_shape(const struct xs_parsing *p)
{
	struct xs_wshape *w = &p->m->u.wshape;
	w->id = xs_get32(p->b), w->rects = p->b + 4, w->n = (p->h.len - 4) / 8;
	if (!w->id)
		return fail(p, "window id 0");
	if ((p->h.len - 4) % 8)
		return fail(p, "shape of %u bytes is not whole rects (8 bytes each after 4)", p->h.len);
	return NULL;
}

static const char *parse_win_stack(const struct xs_parsing *p)
{
	p->m->u.wstack.n = p->h.len / 4;
	p->m->u.wstack.ids = p->b;
	if (p->h.len % 4)
		return fail(p, "stack of %u bytes is not whole window ids", p->h.len);
	return NULL;
}

/*
 * The record table: a row per type, indexed by its number (docs/PROTOCOL.md
 * has the layouts). Columns: name (in messages), the stream it travels in,
 * the smallest and largest body, the parser (NULL: no fields), then, for
 * the control stream, .gated (acted on only after a control hello with the
 * display's challenge) and .feature (the hello flag bit that offers it;
 * XS_HF_x and XS_CF_x are the same bits). A row here is the whole of what
 * the readers, xcap's gate, vsockd and the fuzz targets know of a type.
 */
#define FRAME XS_STREAM_FRAME
#define CONTROL XS_STREAM_CONTROL
static const struct xs_type_info types[XS_NTYPES] = {
	[XS_HELLO] = { "hello", FRAME, HELLO_LEN, EXT_MAX, parse_hello },
	[XS_RECT] = { "rect", FRAME, XS_RECT_LEN, XS_MAX_RECORD, parse_rect },
	[XS_FRAME] = { "frame", FRAME, 24, 24, parse_frame },
	[XS_CURSOR] = { "cursor", FRAME, 20 + 4, 20 + XS_MAX_CURSOR * XS_MAX_CURSOR * 4, parse_cursor },
	[XS_POINTER] = { "pointer", FRAME, 12, 12, parse_pointer },
	[XS_RESIZE] = { "resize", FRAME, 8, 8, parse_size },
	[XS_ECHO] = { "echo", FRAME, XS_NONCE_LEN, XS_NONCE_LEN, parse_nonce },
	[XS_BYE] = { "bye", FRAME, 4, 4, parse_bye },
	/* desktop: title and clipboard */
	[XS_TITLE] = { "title", FRAME, 0, XS_TITLE_WIRE, parse_title },
	[XS_CLIP_OFFER] = { "clip-offer", FRAME, 12, 12, parse_clip_offer, .feature = XS_HF_CLIP },
	[XS_CLIP_DATA] = { "clip-data", FRAME, XS_CLIP_HDR, XS_CLIP_HDR + XS_CLIP_CHUNK, parse_clip_data,
			   .feature = XS_HF_CLIP },
	[XS_CLIP_REQ] = { "clip-request", FRAME, 16, 16, parse_clip_req, .feature = XS_HF_CLIP },
	/* seamless windows */
	[XS_WIN] = { "window", FRAME, 28, 28, parse_win, .feature = XS_HF_WINDOWS },
	[XS_WIN_GEOM] = { "window-geometry", FRAME, 20, 20, parse_win_geom, .feature = XS_HF_WINDOWS },
	[XS_WIN_STACK] = { "window-stack", FRAME, 0, 4 * XS_WIN_STACK_MAX, parse_win_stack, .feature = XS_HF_WINDOWS },
	[XS_WIN_TITLE] = { "window-title", FRAME, 4, 4 + XS_WIN_TEXT_MAX, parse_win_text, .feature = XS_HF_WINDOWS },
	[XS_WIN_CLASS] = { "window-class", FRAME, 4, 4 + XS_WIN_TEXT_MAX, parse_win_text, .feature = XS_HF_WINDOWS },
	[XS_WIN_GONE] = { "window-gone", FRAME, 4, 4, parse_win_id, .feature = XS_HF_WINDOWS },
	[XS_WIN_RECTS] = { "window-rects", FRAME, 4, 4, parse_win_id, .feature = XS_HF_WINDOWS },
	[XS_WIN_ICONIC] = { "window-iconic", FRAME, 4, 4, parse_win_id, .feature = XS_HF_WINDOWS },
	[XS_WIN_ICON] = { "window-icon", FRAME, 16, 12 + 4 * XS_WIN_ICON_MAX * XS_WIN_ICON_MAX, parse_win_icon,
			  .feature = XS_HF_WINDOWS },
	/* sound (docs/AUDIO.md) */
	[XS_AUDIO] = { "audio", FRAME, XS_AUDIO_HDR + 1, XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX, parse_audio,
		       .feature = XS_HF_AUDIO },
	[XS_WIN_HINTS] = { "window-hints", FRAME, 44, 44, parse_win_hints, .feature = XS_HF_WINDOWS },
	[XS_WIN_SHAPE] = { "window-shape", FRAME, 4, 4 + 8 * XS_WIN_SHAPE_MAX, parse_win_shape, .feature = XS_HF_WINDOWS },

	[XS_C_HELLO] = { "control-hello", CONTROL, CHELLO_LEN, EXT_MAX, parse_chello },
	[XS_C_KEY] = { "key", CONTROL, 16, 16, parse_key, .gated = 1 },
	[XS_C_BUTTON] = { "button", CONTROL, 16, 16, parse_button, .gated = 1 },
	[XS_C_MOTION] = { "motion", CONTROL, 8, 8, parse_motion, .gated = 1 },
	[XS_C_REFRESH] = { "refresh", CONTROL, 0, 0, NULL },
	[XS_C_SIZE] = { "size", CONTROL, 8, 8, parse_size, .gated = 1 },
	[XS_C_NONCE] = { "nonce", CONTROL, XS_NONCE_LEN, XS_NONCE_LEN, parse_nonce },
	[XS_C_RESET] = { "reset", CONTROL, 0, 0, NULL },
	/* desktop: the host's clipboard */
	[XS_C_CLIP_OFFER] = { "control-clip-offer", CONTROL, 12, 12, parse_clip_offer, .gated = 1,
			      .feature = XS_CF_CLIP },
	[XS_C_CLIP_DATA] = { "control-clip-data", CONTROL, XS_CLIP_HDR, XS_CLIP_HDR + XS_CLIP_CHUNK, parse_clip_data,
			     .gated = 1, .feature = XS_CF_CLIP },
	[XS_C_CLIP_REQ] = { "control-clip-request", CONTROL, 16, 16, parse_clip_req, .gated = 1,
			    .feature = XS_CF_CLIP },
	/* seamless windows: the host's moves, closes, focus, minimize */
	[XS_C_WIN_CONFIGURE] = { "window-configure", CONTROL, 20, 20, parse_win_geom, .gated = 1,
				 .feature = XS_CF_WINDOWS },
	[XS_C_WIN_CLOSE] = { "window-close", CONTROL, 4, 4, parse_win_id, .gated = 1, .feature = XS_CF_WINDOWS },
	[XS_C_WIN_FOCUS] = { "window-focus", CONTROL, 4, 4, parse_win_id, .gated = 1, .feature = XS_CF_WINDOWS },
	[XS_C_WIN_ICONIFY] = { "window-iconify", CONTROL, 4, 4, parse_win_id, .gated = 1, .feature = XS_CF_WINDOWS },
	/* sound: the host's microphone, as the guest's sound */
	[XS_C_AUDIO] = { "control-audio", CONTROL, XS_AUDIO_HDR + 1, XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX, parse_audio,
			 .gated = 1, .feature = XS_CF_MIC },
};
#undef FRAME
#undef CONTROL

const struct xs_type_info *xs_type_info(unsigned type)
{
	return type < XS_NTYPES && types[type].name ? &types[type] : NULL;
}

const char *xs_type_name(unsigned type)
{
	const struct xs_type_info *t = xs_type_info(type);
	return t ? t->name : "unknown";
}

const char *xs_check_hdr(struct xs_hdr h)
{
	const struct xs_type_info *t = xs_type_info(h.type);
	if (!t)
		return "unknown record type";
	if (h.flags)
		return "nonzero flags";
	if (h.len < t->min || h.len > t->max)
		return "length does not fit its type";
	return NULL;
}

/* One record body into m: the header again, then its row's parser. */
const char *xs_parse(struct xs_hdr h, const uint8_t *b, struct xs_msg *m, char *err, size_t n)
{
	const char *e = xs_check_hdr(h);
	if (e) {
		snprintf(err, n, "%s", e);
		return err;
	}
	memset(m, 0, sizeof *m);
	m->type = h.type;
	const struct xs_parsing p = { h, b, m, err, n };
	const struct xs_type_info *t = xs_type_info(h.type);
	return t->parse ? t->parse(&p) : NULL;
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

size_t xs_build_whints(uint8_t *p, const struct xs_whints *h)
{
	const uint32_t f[11] = { h->id, h->type, h->flags, h->min_w, h->min_h, h->max_w, h->max_h,
				 h->min_an, h->min_ad, h->max_an, h->max_ad };
	xs_put_hdr(p, XS_WIN_HINTS, 44);
	for (int i = 0; i < 11; i++)
		xs_put32(p + 8 + 4 * i, f[i]);
	return XS_HDR_LEN + 44;
}

size_t xs_build_wshape_hdr(uint8_t *p, uint32_t id, uint32_t n)
{
	xs_put_hdr(p, XS_WIN_SHAPE, 4 + 8 * n);
	xs_put32(p + 8, id);
	return XS_HDR_LEN + 4;
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

size_t xs_build_audio_hdr(uint8_t *p, uint16_t type, const struct xs_audio *a)
{
	xs_put_hdr(p, type, XS_AUDIO_HDR + a->len);
	uint8_t *b = p + XS_HDR_LEN;
	xs_put32(b, a->format);
	xs_put32(b + 4, a->rate);
	xs_put32(b + 8, a->channels);
	xs_put32(b + 12, a->frames);
	xs_put64(b + 16, a->seq);
	xs_put64(b + 24, a->time_ns);
	return XS_HDR_LEN + XS_AUDIO_HDR;
}
