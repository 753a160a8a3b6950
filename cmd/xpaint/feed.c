/*
 * From a record to the screen. Every record arrives here as a private
 * copy; xs_parse() and xs_check_rect() turn it into trusted values, and
 * anything they refuse becomes one line naming the record, its offset and
 * what was wrong.
 */
#include "codec.h"
#include "util.h"
#include "xpaint.h"

#include <stdio.h>
#include <stdlib.h>

static int bad(struct xpaint *x, struct xs_hdr h, uint64_t off, const char *what)
{
	snprintf(x->err, sizeof x->err, "%s record at offset %llu: %s", xs_type_name(h.type),
		 (unsigned long long)off, what);
	return -1;
}

/* A new source (or the same one again): size, control hello, nonce, refresh. */
static void hello(struct xpaint *x, const struct xs_hello *m)
{
	char ch[2 * XS_NONCE_LEN + 1];
	hex(ch, m->challenge, XS_NONCE_LEN);
	VERB("hello: version %u.%u, %ux%u", m->major, m->minor, m->width, m->height);
	DBG(D_STREAM, "hello challenge %s", ch);
	/* the same challenge: the same source announcing itself again (a ring
	 * reader's snapshot), whose binding stands: no key is lost meanwhile */
	int same = x->have_hello && same_bytes(x->challenge, m->challenge, XS_NONCE_LEN);
	x->nrects = 0;
	x->have_hello = 1;
	memcpy(x->challenge, m->challenge, XS_NONCE_LEN);
	uint32_t clip = clip_hello(x, m->flags) | snd_hello(x, m->flags); /* the features the viewer takes */
	x->ctl_flags = (m->flags & XS_HF_WINDOWS ? XS_CF_WINDOWS : 0) | clip;
	if (m->flags & XS_HF_WINDOWS) {
		x->pend.size = 0; /* no whole-screen surface to make */
		sm_hello(x, m->width, m->height);
		ctl_hello(&x->k, m->challenge, XS_CF_WINDOWS | clip, same);
		sm_grow(x);
		clip_start(x);
		return;
	}
	sm_off(x);
	x->pend.size = 1, x->pend.w = m->width, x->pend.h = m->height;
	if (!x->v.win)
		feed_settle(x); /* the first: the window is there at once */
	ctl_hello(&x->k, m->challenge, clip, same);
	clip_start(x);
	x->pend.title = 1, x->pend.len = 0; /* a new source: the name alone until it names a window */
}

/* The latest cursor, copied: its body is only ours until the next read. */
static void pend_cursor(struct xpaint *x, const struct xs_cursor *c)
{
	struct pending *p = &x->pend;
	size_t n = (size_t)c->w * c->h * 4;
	p->argb = xs_grow(p->argb, &p->argb_cap, n, 1, 4096);
	memcpy(p->argb, c->argb, n);
	p->c = *c;
	p->c.argb = p->argb;
	p->cursor = 1;
}

void feed_settle(struct xpaint *x)
{
	struct pending *p = &x->pend;
	p->settled = mono_ns();
	if (p->size && !sm_on(x)) {
		if (x->v.win && (p->w != x->v.sw || p->h != x->v.sh))
			VERB("resize to %ux%u", p->w, p->h); /* the latest of a storm only */
		view_surface(&x->v, p->w, p->h);
	}
	p->size = 0;
	if (p->cursor) {
		view_cursor(&x->v, &p->c);
		sm_cursor(x);
		p->cursor = 0;
	}
	if (p->pointer) {
		view_pointer_visible(&x->v, p->visible);
		sm_cursor(x);
		p->pointer = 0;
	}
	if (p->title && x->v.win) {
		view_title(&x->v, p->len ? p->text : NULL, p->len);
		p->title = 0;
	}
	sm_settle(x);
}

void feed_turn_end(struct xpaint *x, int drained)
{
	if (drained || mono_ns() - x->pend.settled >= SETTLE_NS)
		feed_settle(x);
}

static int rect(struct xpaint *x, struct xs_hdr h, uint64_t off, const struct xs_rect_msg *rm, uint64_t payload_off)
{
	struct view *v = &x->v;
	struct xs_rect r = rm->r;
	char e[200];
	if (x->pend.size)
		feed_settle(x); /* the rect is of the new surface */
	if (!sm_on(x) && xs_check_rect(r, v->sw, v->sh, e, sizeof e))
		return bad(x, h, off, e);
	if (++x->nrects > XS_MAX_RECTS) {
		snprintf(e, sizeof e, "more than %u rects in one frame", XS_MAX_RECTS);
		return bad(x, h, off, e);
	}
	if (!v->nops)
		x->t_arrive = x->t_fill;
	struct op o = { r, 0, 0, NULL };
	if (payload_off != UINT64_MAX && rm->enc != XS_ENC_RAW)
		return bad(x, h, off, "encoding changed in the ring while it was read");
	if (sm_on(x))
		return sm_rect(x, h, off, rm);
	if (payload_off != UINT64_MAX && v->ring_attached && payload_off + rm->len <= UINT32_MAX) {
		o.ring = 1; /* zero copy: the server reads the ring */
		o.off = payload_off;
		o.src = rm->data;
	} else {
		size_t stride = (size_t)v->sw * 4;
		if (xs_decode(x->codec, rm, xs_pixel_at(view_stage(v), stride, r), stride, e, sizeof e))
			return bad(x, h, off, e);
	}
	view_add(v, &o);
	x->st.rects++;
	DBG(D_STREAM, "rect %s %ux%u+%u+%u %u bytes%s", xs_enc_name(rm->enc), r.w, r.h, r.x, r.y, rm->len,
	    o.ring ? " (from the ring)" : "");
	return 0;
}

/*
 * A large raw rect whose payload the caller reads from the pipe straight
 * into the staging image: only its header is buffered (a private copy),
 * checked here as any rect before a byte of payload is read. Returns the
 * staging address of its first pixel, or NULL (x->err).
 */
uint8_t *feed_raw_begin(struct xpaint *x, struct xs_hdr h, const uint8_t *body, uint64_t off, struct xs_rect_msg *rm)
{
	struct xs_msg m;
	char e[200];
	struct view *v = &x->v;
	x->st.bytes += XS_HDR_LEN + h.len;
	if (!x->have_hello)
		return bad(x, h, off, "the stream must begin with a hello"), NULL;
	if (h.type != XS_RECT || h.len < XS_RECT_LEN || xs_rect_enc(body) != XS_ENC_RAW)
		return bad(x, h, off, "not a raw rect"), NULL;
	if (xs_parse(h, body, &m, e, sizeof e)) /* reads the rect header only */
		return bad(x, h, off, e), NULL;
	if (x->pend.size)
		feed_settle(x); /* the rect is of the new surface */
	*rm = m.u.rect;
	rm->data = NULL; /* the payload is not in the buffer */
	if (xs_check_rect(rm->r, v->sw, v->sh, e, sizeof e))
		return bad(x, h, off, e), NULL;
	if (++x->nrects > XS_MAX_RECTS) {
		snprintf(e, sizeof e, "more than %u rects in one frame", XS_MAX_RECTS);
		return bad(x, h, off, e), NULL;
	}
	if (!v->nops)
		x->t_arrive = x->t_fill;
	return xs_pixel_at(view_stage(v), (size_t)v->sw * 4, rm->r);
}

/* Its payload is in place: the rect joins the open frame. */
void feed_raw_end(struct xpaint *x, const struct xs_rect_msg *rm)
{
	struct op o = { rm->r, 0, 0, NULL };
	view_add(&x->v, &o);
	x->st.rects++;
	DBG(D_STREAM, "rect raw %ux%u+%u+%u %u bytes (read in place)", rm->r.w, rm->r.h, rm->r.x, rm->r.y, rm->len);
}

static void sample(uint64_t *a, unsigned *n, uint64_t v)
{
	a[*n % 1024] = v;
	(*n)++;
}

static void frame(struct xpaint *x, const struct xs_frame *f)
{
	feed_settle(x); /* the frame shows the latest state */
	uint64_t t0 = mono_ns();
	if (!x->v.nops)
		x->t_arrive = x->t_fill;
	view_flush_frame(&x->v);
	sm_frame(x);
	if (debug_mask & D_STATS)
		view_sync(&x->v); /* honest figure: until the server has painted */
	uint64_t t = mono_ns();
	sample(x->st.paint, &x->st.npaint, t - x->t_arrive);
	sample(x->st.fin, &x->st.nfin, t - t0);
	/* Our clock only: the frame's capture time is the source's clock (a
	 * guest's, which is not ours), so no figure subtracts it from ours. */
	if (x->st.last_frame)
		sample(x->st.gap, &x->st.ngap, t - x->st.last_frame);
	x->st.last_frame = t;
	x->st.frames++;
	if (f->nrects != x->nrects)
		DBG(D_STREAM, "frame %llu says %u rects, had %u", (unsigned long long)f->seq, f->nrects, x->nrects);
	DBG(D_STREAM, "frame %llu: %u rects, paint %.3f ms", (unsigned long long)f->seq, x->nrects,
	    (double)(t - x->t_arrive) / 1e6);
	x->nrects = 0;
}

int feed(struct xpaint *x, struct xs_hdr h, const uint8_t *body, uint64_t off)
{
	struct xs_msg m;
	char e[200];
	if (!x->have_hello && h.type != XS_HELLO) {
		x->st.bytes += XS_HDR_LEN + h.len;
		return bad(x, h, off, "the stream must begin with a hello");
	}
	if (xs_parse(h, body, &m, e, sizeof e)) {
		x->st.bytes += XS_HDR_LEN + h.len;
		return bad(x, h, off, e);
	}
	return feed_msg(x, h, &m, off, UINT64_MAX);
}

int feed_msg(struct xpaint *x, struct xs_hdr h, const struct xs_msg *mp, uint64_t off, uint64_t payload_off)
{
	struct xs_msg m = *mp;
	x->st.bytes += XS_HDR_LEN + h.len;
	if (!x->have_hello && h.type != XS_HELLO)
		return bad(x, h, off, "the stream must begin with a hello");
	switch (h.type) {
	case XS_HELLO:
		hello(x, &m.u.hello);
		break;
	case XS_RECT:
		return rect(x, h, off, &m.u.rect, payload_off);
	case XS_FRAME:
		frame(x, &m.u.frame);
		break;
	case XS_CURSOR:
		pend_cursor(x, &m.u.cursor);
		break;
	case XS_POINTER:
		x->pend.pointer = 1, x->pend.visible = m.u.pointer.visible != 0;
		break;
	case XS_RESIZE:
		DBG(D_STREAM, "resize to %ux%u", m.u.size.w, m.u.size.h);
		if (sm_on(x))
			x->v.sw = m.u.size.w, x->v.sh = m.u.size.h; /* the guest's screen: input is clamped to it */
		else
			x->pend.size = 1, x->pend.w = m.u.size.w, x->pend.h = m.u.size.h;
		x->nrects = 0;
		break;
	case XS_WIN:
	case XS_WIN_GEOM:
	case XS_WIN_STACK:
	case XS_WIN_TITLE:
	case XS_WIN_CLASS:
	case XS_WIN_GONE:
	case XS_WIN_RECTS:
	case XS_WIN_ICONIC:
	case XS_WIN_ICON:
	case XS_WIN_HINTS:
	case XS_WIN_SHAPE:
		if (!sm_on(x))
			return bad(x, h, off, "a window record in a stream without seamless windows");
		sm_record(x, &m);
		break;
	case XS_ECHO:
		ctl_echo(&x->k, m.u.nonce.v);
		break;
	case XS_AUDIO:
		if (!x->snd.on)
			return bad(x, h, off, "an audio record in a stream whose hello announced no sound");
		snd_record(x, &m.u.audio);
		break;
	case XS_BYE:
		VERB("bye (reason %u)", m.u.reason);
		return 1;
	case XS_TITLE: /* the parser: at most XS_TITLE_WIRE bytes */
		x->pend.title = 1, x->pend.len = m.u.title.len;
		memcpy(x->pend.text, m.u.title.text, m.u.title.len);
		break;
	case XS_CLIP_OFFER:
	case XS_CLIP_REQ:
	case XS_CLIP_DATA:
		clip_record(x, &m);
		break;
	default:
		return bad(x, h, off, "a control record in the frame stream");
	}
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *a, unsigned n, double p)
{
	uint64_t s[1024];
	n = n > 1024 ? 1024 : n;
	if (!n)
		return 0;
	memcpy(s, a, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp64);
	return (double)s[(unsigned)(p * (n - 1))] / 1e6;
}

/*
 * SIGUSR1 and -v at exit; percentiles over the last 1024 frames. Only
 * what our own clock measures: paint times, the intervals between frames
 * and the control echo's round trip (nonce out, echo back through the
 * source's stream). Never the source's capture time against our clock: a
 * guest's clock is another machine's (it read 530-840 ms for ~5 ms).
 */
void stats_print(struct xpaint *x)
{
	struct stats *s = &x->st;
	char echo[32] = "none";
	if (x->k.echo_ns)
		snprintf(echo, sizeof echo, "%.3f ms", (double)x->k.echo_ns / 1e6);
	warn_line("stats: frames %llu rects %llu bytes %llu; paint ms (first byte of a frame to painted) p50 %.3f "
	       "p99 %.3f; frame end to painted p50 %.3f; frame interval ms p50 %.3f p99 %.3f; echo round trip %s; "
	       "motion dropped %llu; bells %llu",
	       (unsigned long long)s->frames, (unsigned long long)s->rects, (unsigned long long)s->bytes,
	       pct(s->paint, s->npaint, 0.5), pct(s->paint, s->npaint, 0.99), pct(s->fin, s->nfin, 0.5),
	       pct(s->gap, s->ngap, 0.5), pct(s->gap, s->ngap, 0.99), echo,
	       (unsigned long long)x->k.motion_dropped, (unsigned long long)s->bells);
	if (x->snd.pieces || x->snd.mic_sent || x->snd.mic_dropped)
		warn_line("stats: audio pieces %llu, dropped %llu (the player behind); microphone pieces sent %llu, "
			  "dropped %llu", (unsigned long long)x->snd.pieces, (unsigned long long)x->snd.q.dropped,
			  (unsigned long long)x->snd.mic_sent, (unsigned long long)x->snd.mic_dropped);
}
