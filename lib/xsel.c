/*
 * X selections for the clipboard (xsel.h). Three jobs, each a small state
 * machine driven by events:
 *   - owner watch: XFixes says a local client took a selection; its
 *     TARGETS are read to learn the formats it offers, then ops->owner;
 *   - fetch: ConvertSelection into a property of our window, read at once
 *     or, for INCR, piece by piece as the owner writes them; capped;
 *   - serve: we own a selection for the peer; a SelectionRequest is
 *     answered from the cache, or waits (bounded) for the peer's content;
 *     a large answer goes as INCR in pieces the requestor deletes.
 * Local clients are not trusted to answer: every wait has a deadline.
 */
#include "xsel.h"
#include "proto.h"
#include "util.h"

#include <X11/Xatom.h>
#include <X11/extensions/Xfixes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_NS 3000000000ull  /* a client that does not answer for this long is given up */
#define PIECE (64u << 10)      /* bytes of one INCR piece we write */
#define NPEND 16               /* pastes waiting for the peer */
#define NSEND 8                /* INCR answers under way */
enum { K_TARGETS, K_TEXT, K_PNG, NKIND }; /* fetch kinds: one property each */

struct fetch {
	int active, incr, latin1;
	size_t cap;
	Atom target, prop;
	uint8_t *buf;
	size_t len, alloc;
	uint64_t deadline;
};

struct pend { int active, sel, fmt; Window req; Atom prop, target; uint64_t deadline; };
struct send {
	int active;
	Window req;
	long mask;           /* what we selected on req before (restored after) */
	Atom prop, type;
	uint8_t *data;
	size_t len, off;
	uint64_t deadline;
};
struct cache { int have, status; uint8_t *data; size_t len; };

struct xsel {
	Display *dpy;
	Window win, root;
	int fix_ev;
	const struct xsel_ops *ops;
	void *u;
	Atom sel_atom[XS_NSEL];
	Atom a_targets, a_utf8, a_text, a_plain, a_plain_utf8, a_png, a_incr, a_multiple, a_timestamp;
	struct fetch f[XS_NSEL][NKIND];
	int owned[XS_NSEL];
	unsigned formats[XS_NSEL];
	int wanted[XS_NSEL][XS_NFMT];
	struct cache c[XS_NSEL][XS_NFMT];
	struct pend p[NPEND];
	struct send s[NSEND];
	size_t direct_max; /* larger answers go as INCR */
};

static int sel_index(const struct xsel *s, Atom a)
{
	for (int i = 0; i < XS_NSEL; i++)
		if (s->sel_atom[i] == a)
			return i;
	return -1;
}

struct xsel *xsel_open(Display *d, const struct xsel_ops *ops, void *u)
{
	int ev, err;
	if (!XFixesQueryExtension(d, &ev, &err))
		return NULL;
	struct xsel *s = calloc(1, sizeof *s);
	if (!s)
		die(EX_OS, "calloc:");
	s->dpy = d, s->ops = ops, s->u = u, s->fix_ev = ev;
	s->root = DefaultRootWindow(d);
	s->win = XCreateSimpleWindow(d, s->root, -10, -10, 1, 1, 0, 0, 0);
	XSelectInput(d, s->win, PropertyChangeMask);
	s->sel_atom[XS_SEL_CLIPBOARD] = XInternAtom(d, "CLIPBOARD", False);
	s->sel_atom[XS_SEL_PRIMARY] = XA_PRIMARY;
	s->a_targets = XInternAtom(d, "TARGETS", False);
	s->a_utf8 = XInternAtom(d, "UTF8_STRING", False);
	s->a_text = XInternAtom(d, "TEXT", False);
	s->a_plain = XInternAtom(d, "text/plain", False);
	s->a_plain_utf8 = XInternAtom(d, "text/plain;charset=utf-8", False);
	s->a_png = XInternAtom(d, "image/png", False);
	s->a_incr = XInternAtom(d, "INCR", False);
	s->a_multiple = XInternAtom(d, "MULTIPLE", False);
	s->a_timestamp = XInternAtom(d, "TIMESTAMP", False);
	for (int i = 0; i < XS_NSEL; i++) {
		for (int k = 0; k < NKIND; k++) {
			char name[32];
			snprintf(name, sizeof name, "XS_SEL_%d_%d", i, k);
			s->f[i][k].prop = XInternAtom(d, name, False);
		}
		XFixesSelectSelectionInput(d, s->root, s->sel_atom[i],
					   XFixesSetSelectionOwnerNotifyMask | XFixesSelectionWindowDestroyNotifyMask |
						   XFixesSelectionClientCloseNotifyMask);
	}
	long max = XExtendedMaxRequestSize(d) ? XExtendedMaxRequestSize(d) : XMaxRequestSize(d);
	s->direct_max = (size_t)max * 4 - 1024 < (256u << 10) ? (size_t)max * 4 - 1024 : (256u << 10);
	return s;
}

int xsel_owned(const struct xsel *s, int sel) { return s->owned[sel]; }

/* --- fetch: a local owner's content into our window's property ---- */

static void fetch_end(struct xsel *s, int sel, int kind, int status)
{
	struct fetch *f = &s->f[sel][kind];
	uint8_t *data = f->buf;
	size_t len = f->len;
	f->active = 0;
	f->buf = NULL;
	f->len = f->alloc = 0;
	if (kind == K_TARGETS) { /* the formats the new owner offers */
		unsigned formats = 0;
		const long *a = (const long *)data;
		for (size_t i = 0; status == XS_CLIP_OK && i < len / sizeof(long); i++) {
			Atom t = (Atom)a[i];
			if (t == s->a_utf8 || t == XA_STRING || t == s->a_text || t == s->a_plain || t == s->a_plain_utf8)
				formats |= 1u << XS_FMT_TEXT;
			else if (t == s->a_png)
				formats |= 1u << XS_FMT_PNG;
		}
		free(data);
		if (status != XS_CLIP_OK) /* no TARGETS answer: text is the most likely */
			formats = 1u << XS_FMT_TEXT;
		if (formats)
			s->ops->owner(s->u, sel, formats);
		return;
	}
	if (status == XS_CLIP_OK && f->latin1) { /* STRING is Latin-1: to UTF-8 */
		size_t n = 0;
		for (size_t i = 0; i < len; i++)
			n += data[i] >= 0x80 ? 2 : 1;
		if (n > f->cap) {
			status = XS_CLIP_OVER, len = n;
		} else if (n != len) {
			uint8_t *u = malloc(n ? n : 1);
			if (!u)
				die(EX_OS, "malloc:");
			for (size_t i = 0, o = 0; i < len; i++)
				if (data[i] < 0x80)
					u[o++] = data[i];
				else
					u[o++] = (uint8_t)(0xc0 | data[i] >> 6), u[o++] = (uint8_t)(0x80 | (data[i] & 0x3f));
			free(data);
			data = u, len = n;
		}
	}
	if (status != XS_CLIP_OK) {
		free(data);
		data = NULL;
	}
	s->ops->got(s->u, sel, kind == K_TEXT ? XS_FMT_TEXT : XS_FMT_PNG, status, data, len);
}

static void fetch_start(struct xsel *s, int sel, int kind, Atom target, size_t cap, int latin1)
{
	struct fetch *f = &s->f[sel][kind];
	free(f->buf);
	f->buf = NULL;
	f->len = f->alloc = 0;
	f->active = 1, f->incr = 0, f->latin1 = latin1;
	f->cap = cap, f->target = target;
	f->deadline = mono_ns() + WAIT_NS;
	XDeleteProperty(s->dpy, s->win, f->prop);
	XConvertSelection(s->dpy, s->sel_atom[sel], target, f->prop, s->win, CurrentTime);
	XFlush(s->dpy);
}

void xsel_fetch(struct xsel *s, int sel, int fmt, size_t cap)
{
	if (fmt == XS_FMT_PNG)
		fetch_start(s, sel, K_PNG, s->a_png, cap, 0);
	else
		fetch_start(s, sel, K_TEXT, s->a_utf8, cap, 0);
}

/* Appends n bytes; 0 when that would pass the cap (the fetch is over). */
static int fetch_add(struct fetch *f, const uint8_t *p, size_t n)
{
	if (n > f->cap - f->len) {
		f->len += n;
		return 0;
	}
	if (f->len + n > f->alloc) {
		size_t a = f->alloc ? f->alloc : 4096;
		while (a < f->len + n)
			a *= 2;
		if (a > f->cap)
			a = f->cap;
		uint8_t *b = realloc(f->buf, a ? a : 1);
		if (!b)
			die(EX_OS, "realloc:");
		f->buf = b, f->alloc = a;
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return 1;
}

/* Reads (and deletes) our property for fetch f. Returns 1 when the fetch
 * is over (status in *st), 0 when more pieces are to come. */
static int fetch_read(struct xsel *s, struct fetch *f, int *st)
{
	Atom type;
	int format;
	unsigned long nitems, after;
	unsigned char *data = NULL;
	long want = (long)(f->cap / 4 + 2); /* at most the cap (in 32-bit units), plus one */
	if (XGetWindowProperty(s->dpy, s->win, f->prop, 0, want, True, AnyPropertyType, &type, &format, &nitems,
			       &after, &data) != Success || type == None) {
		if (data)
			XFree(data);
		*st = XS_CLIP_NONE;
		return 1;
	}
	size_t unit = format == 32 ? sizeof(long) : format == 16 ? sizeof(short) : 1;
	size_t bytes = nitems * unit;
	if (type == s->a_incr && !f->incr) { /* pieces follow, one per PropertyNotify */
		unsigned long hint = nitems && format == 32 ? (unsigned long)*(long *)data : 0;
		XFree(data);
		f->incr = 1;
		f->deadline = mono_ns() + WAIT_NS;
		if (hint > f->cap) {
			f->len = hint;
			*st = XS_CLIP_OVER;
			return 1;
		}
		return 0;
	}
	int fits = after == 0 && fetch_add(f, data, bytes);
	XFree(data);
	if (!fits) {
		if (after)
			f->len += after;
		*st = XS_CLIP_OVER;
		return 1;
	}
	f->deadline = mono_ns() + WAIT_NS;
	if (f->incr && bytes)
		return 0;
	*st = XS_CLIP_OK;
	return 1;
}

static void on_notify(struct xsel *s, XSelectionEvent *e)
{
	int sel = sel_index(s, e->selection);
	if (sel < 0 || e->requestor != s->win)
		return;
	for (int k = 0; k < NKIND; k++) {
		struct fetch *f = &s->f[sel][k];
		if (!f->active || f->incr || e->target != f->target)
			continue;
		int st;
		if (e->property == None) { /* refused: UTF8_STRING falls back to STRING */
			if (k == K_TEXT && f->target == s->a_utf8) {
				fetch_start(s, sel, K_TEXT, XA_STRING, f->cap, 1);
				return;
			}
			fetch_end(s, sel, k, XS_CLIP_NONE);
			return;
		}
		if (fetch_read(s, f, &st))
			fetch_end(s, sel, k, st);
		return;
	}
}

/* --- serve: answering local pastes of what we own for the peer ----- */

static void notify(struct xsel *s, Window req, Atom sel, Atom target, Atom prop, Time t)
{
	XEvent ev = { 0 };
	ev.xselection.type = SelectionNotify;
	ev.xselection.requestor = req;
	ev.xselection.selection = sel;
	ev.xselection.target = target;
	ev.xselection.property = prop;
	ev.xselection.time = t;
	XSendEvent(s->dpy, req, False, NoEventMask, &ev);
}

static int is_text(const struct xsel *s, Atom t)
{
	return t == s->a_utf8 || t == XA_STRING || t == s->a_text || t == s->a_plain || t == s->a_plain_utf8;
}

/* UTF-8 to Latin-1 for STRING; characters outside it become '?'. */
static uint8_t *to_latin1(const uint8_t *p, size_t n, size_t *out)
{
	uint8_t *b = malloc(n ? n : 1);
	size_t o = 0;
	if (!b)
		die(EX_OS, "malloc:");
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (k == 2 && i + 1 < n && c <= 0xc3)
			b[o++] = (uint8_t)((c & 3) << 6 | (p[i + 1] & 0x3f));
		else
			b[o++] = c < 0x80 ? c : '?';
		i += k;
	}
	*out = o;
	return b;
}

/* Writes the content for one request: at once, or as INCR. */
static void answer(struct xsel *s, Window req, Atom sel, Atom target, Atom prop, Time t, const struct cache *c)
{
	if (c->status != XS_CLIP_OK) {
		notify(s, req, sel, target, None, t);
		return;
	}
	Atom type = target == s->a_text ? s->a_utf8 : target;
	size_t len = c->len;
	uint8_t *data = target == XA_STRING ? to_latin1(c->data, c->len, &len) : NULL;
	const uint8_t *src = data ? data : c->data;
	if (len <= s->direct_max) {
		XChangeProperty(s->dpy, req, prop, type, 8, PropModeReplace, src ? src : (const uint8_t *)"", (int)len);
		notify(s, req, sel, target, prop, t);
		free(data);
		return;
	}
	int i = 0;
	while (i < NSEND && s->s[i].active)
		i++;
	if (i == NSEND) {
		notify(s, req, sel, target, None, t);
		free(data);
		return;
	}
	if (!data) {
		data = malloc(len);
		if (!data)
			die(EX_OS, "malloc:");
		memcpy(data, c->data, len);
	}
	/* PropertyNotify from the requestor, added to what this client already
	 * selects there (XSelectInput replaces the mask: xcap -W watches
	 * top-level windows) */
	XWindowAttributes wa;
	long mask = XGetWindowAttributes(s->dpy, req, &wa) ? wa.your_event_mask : 0;
	s->s[i] = (struct send){ 1, req, mask, prop, type, data, len, 0, mono_ns() + WAIT_NS };
	XSelectInput(s->dpy, req, mask | PropertyChangeMask);
	long hint = (long)len;
	XChangeProperty(s->dpy, req, prop, s->a_incr, 32, PropModeReplace, (unsigned char *)&hint, 1);
	notify(s, req, sel, target, prop, t);
}

/* The requestor deleted the property: the next INCR piece, or the end.
 * Returns 1 when the event was one of our answers'. */
static int on_delete(struct xsel *s, XPropertyEvent *e)
{
	for (int i = 0; i < NSEND; i++) {
		struct send *x = &s->s[i];
		if (!x->active || x->req != e->window || x->prop != e->atom)
			continue;
		size_t n = x->len - x->off > PIECE ? PIECE : x->len - x->off;
		XChangeProperty(s->dpy, x->req, x->prop, x->type, 8, PropModeReplace, x->data + x->off, (int)n);
		x->off += n;
		x->deadline = mono_ns() + WAIT_NS;
		if (!n) { /* the zero-length piece: done */
			free(x->data);
			x->active = 0;
			if (x->req != s->win)
				XSelectInput(s->dpy, x->req, x->mask);
		}
		return 1;
	}
	return 0;
}

static void on_request(struct xsel *s, XSelectionRequestEvent *e)
{
	int sel = sel_index(s, e->selection), fmt = -1;
	Atom prop = e->property ? e->property : e->target; /* obsolete clients */
	if (sel < 0 || !s->owned[sel] || e->owner != s->win) {
		notify(s, e->requestor, e->selection, e->target, None, e->time);
		return;
	}
	if (e->target == s->a_targets) {
		Atom t[8];
		int n = 0;
		t[n++] = s->a_targets;
		if (s->formats[sel] & 1u << XS_FMT_TEXT)
			t[n++] = s->a_utf8, t[n++] = XA_STRING, t[n++] = s->a_text, t[n++] = s->a_plain_utf8,
			t[n++] = s->a_plain;
		if (s->formats[sel] & 1u << XS_FMT_PNG)
			t[n++] = s->a_png;
		XChangeProperty(s->dpy, e->requestor, prop, XA_ATOM, 32, PropModeReplace, (unsigned char *)t, n);
		notify(s, e->requestor, e->selection, e->target, prop, e->time);
		return;
	}
	if (is_text(s, e->target) && s->formats[sel] & 1u << XS_FMT_TEXT)
		fmt = XS_FMT_TEXT;
	else if (e->target == s->a_png && s->formats[sel] & 1u << XS_FMT_PNG)
		fmt = XS_FMT_PNG;
	if (fmt < 0) { /* MULTIPLE, TIMESTAMP and the rest: refused */
		notify(s, e->requestor, e->selection, e->target, None, e->time);
		return;
	}
	if (s->c[sel][fmt].have) {
		answer(s, e->requestor, e->selection, e->target, prop, e->time, &s->c[sel][fmt]);
		return;
	}
	int i = 0;
	while (i < NPEND && s->p[i].active)
		i++;
	if (i == NPEND) {
		notify(s, e->requestor, e->selection, e->target, None, e->time);
		return;
	}
	s->p[i] = (struct pend){ 1, sel, fmt, e->requestor, prop, e->target, mono_ns() + WAIT_NS };
	if (!s->wanted[sel][fmt]) {
		s->wanted[sel][fmt] = 1;
		s->ops->want(s->u, sel, fmt);
	}
}

static void refuse_pending(struct xsel *s, int sel, int fmt)
{
	for (int i = 0; i < NPEND; i++) {
		struct pend *p = &s->p[i];
		if (p->active && p->sel == sel && (fmt < 0 || p->fmt == fmt)) {
			notify(s, p->req, s->sel_atom[sel], p->target, None, CurrentTime);
			p->active = 0;
		}
	}
}

static void drop_cache(struct xsel *s, int sel)
{
	for (int f = 0; f < XS_NFMT; f++) {
		free(s->c[sel][f].data);
		s->c[sel][f] = (struct cache){ 0 };
		s->wanted[sel][f] = 0;
	}
}

void xsel_supply(struct xsel *s, int sel, int fmt, int status, const uint8_t *data, size_t len)
{
	struct cache *c = &s->c[sel][fmt];
	s->wanted[sel][fmt] = 0;
	if (!s->owned[sel])
		return;
	free(c->data);
	*c = (struct cache){ 1, status, NULL, 0 };
	if (status == XS_CLIP_OK) {
		c->data = malloc(len ? len : 1);
		if (!c->data)
			die(EX_OS, "malloc:");
		if (len) /* an empty selection comes with no buffer at all */
			memcpy(c->data, data, len);
		c->len = len;
	}
	for (int i = 0; i < NPEND; i++) {
		struct pend *p = &s->p[i];
		if (p->active && p->sel == sel && p->fmt == fmt) {
			answer(s, p->req, s->sel_atom[sel], p->target, p->prop, CurrentTime, c);
			p->active = 0;
		}
	}
	XFlush(s->dpy);
}

int xsel_supply_piece(struct xsel *s, struct xs_clip_in *t, const struct xs_clip_data *d, char *err, size_t n)
{
	int r = xs_clip_in_data(t, d, err, n);
	if (r == XS_CLIP_DONE) {
		xsel_supply(s, (int)d->sel, (int)d->format, XS_CLIP_OK, t->buf, t->len);
		xs_clip_in_free(t);
	} else if (r == XS_CLIP_FAIL) {
		xsel_supply(s, (int)d->sel, (int)d->format, XS_CLIP_NONE, NULL, 0);
	}
	return r;
}

void xsel_own(struct xsel *s, int sel, unsigned formats)
{
	refuse_pending(s, sel, -1);
	drop_cache(s, sel);
	s->formats[sel] = formats;
	XSetSelectionOwner(s->dpy, s->sel_atom[sel], s->win, CurrentTime);
	s->owned[sel] = XGetSelectionOwner(s->dpy, s->sel_atom[sel]) == s->win;
}

void xsel_disown(struct xsel *s, int sel)
{
	if (!s->owned[sel])
		return;
	refuse_pending(s, sel, -1);
	drop_cache(s, sel);
	s->owned[sel] = 0;
	if (XGetSelectionOwner(s->dpy, s->sel_atom[sel]) == s->win)
		XSetSelectionOwner(s->dpy, s->sel_atom[sel], None, CurrentTime);
}

/* --- events and deadlines ------------------------------------------ */

static void on_owner(struct xsel *s, XFixesSelectionNotifyEvent *e)
{
	int sel = sel_index(s, e->selection);
	if (sel < 0 || e->owner == s->win)
		return;
	if (s->owned[sel]) { /* a local client took it from us */
		refuse_pending(s, sel, -1);
		drop_cache(s, sel);
		s->owned[sel] = 0;
	}
	if (e->owner == None) {
		s->f[sel][K_TARGETS].active = 0;
		s->ops->owner(s->u, sel, 0);
		return;
	}
	fetch_start(s, sel, K_TARGETS, s->a_targets, 4096, 0);
}

int xsel_event(struct xsel *s, XEvent *e)
{
	if (!s)
		return 0;
	switch (e->type) {
	case SelectionRequest:
		on_request(s, &e->xselectionrequest);
		XFlush(s->dpy);
		return 1;
	case SelectionNotify:
		if (e->xselection.requestor != s->win)
			return 0;
		on_notify(s, &e->xselection);
		return 1;
	case SelectionClear:
		if (e->xselectionclear.window != s->win)
			return 0;
		return 1; /* XFixes reports the new owner */
	case PropertyNotify:
		if (e->xproperty.state == PropertyDelete) {
			int ours = on_delete(s, &e->xproperty);
			XFlush(s->dpy);
			return ours || e->xproperty.window == s->win;
		}
		if (e->xproperty.window != s->win)
			return 0;
		for (int i = 0; i < XS_NSEL; i++)
			for (int k = 0; k < NKIND; k++) {
				struct fetch *f = &s->f[i][k];
				int st;
				if (f->active && f->incr && f->prop == e->xproperty.atom && fetch_read(s, f, &st))
					fetch_end(s, i, k, st);
			}
		return 1;
	}
	if (e->type == s->fix_ev + XFixesSelectionNotify) {
		on_owner(s, (XFixesSelectionNotifyEvent *)e);
		return 1;
	}
	return 0;
}

int64_t xsel_next_ms(const struct xsel *s)
{
	uint64_t next = UINT64_MAX, now = mono_ns();
	if (!s)
		return -1;
	for (int i = 0; i < XS_NSEL; i++)
		for (int k = 0; k < NKIND; k++)
			if (s->f[i][k].active && s->f[i][k].deadline < next)
				next = s->f[i][k].deadline;
	for (int i = 0; i < NPEND; i++)
		if (s->p[i].active && s->p[i].deadline < next)
			next = s->p[i].deadline;
	for (int i = 0; i < NSEND; i++)
		if (s->s[i].active && s->s[i].deadline < next)
			next = s->s[i].deadline;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int64_t)((next - now + 999999) / 1000000);
}

void xsel_tick(struct xsel *s)
{
	uint64_t now = mono_ns();
	if (!s)
		return;
	for (int i = 0; i < XS_NSEL; i++)
		for (int k = 0; k < NKIND; k++)
			if (s->f[i][k].active && s->f[i][k].deadline <= now)
				fetch_end(s, i, k, XS_CLIP_NONE);
	for (int i = 0; i < NPEND; i++)
		if (s->p[i].active && s->p[i].deadline <= now) {
			notify(s, s->p[i].req, s->sel_atom[s->p[i].sel], s->p[i].target, None, CurrentTime);
			s->p[i].active = 0;
			s->wanted[s->p[i].sel][s->p[i].fmt] = 0;
		}
	for (int i = 0; i < NSEND; i++)
		if (s->s[i].active && s->s[i].deadline <= now) {
			XSelectInput(s->dpy, s->s[i].req, s->s[i].mask);
			free(s->s[i].data);
			s->s[i].active = 0;
		}
	XFlush(s->dpy);
}
