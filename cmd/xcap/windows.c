/*
 * xcap -W, seamless windows: every mapped top-level window of the display
 * travels on its own (docs/PROTOCOL.md, "Seamless windows"). The windows
 * are redirected with Composite (automatic: the screen looks the same), so
 * each keeps its own pixmap and is read whole even where others cover it;
 * each has its own damage object, and its changed areas go as rects in its
 * own coordinates after a window-rects record naming it. Window records
 * (shown, geometry, stacking, title, class, gone) are built at the frame,
 * from what X events marked, so a frame carries a window's state and then
 * its pixels. The guest should run no window manager: its frames would be
 * the top-level windows (xcap shows the clients as they are, the host's
 * window manager decorates them).
 * Captures go through xcap's output (the pipe, or copied into the ring):
 * the ring's direct capture serves the whole-screen mode only.
 */
#include "util.h"
#include "xcap.h"
#include "xwm.h"

#include <X11/Xatom.h>
#include <X11/Xlib-xcb.h>
#include <X11/extensions/shape.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xcomposite.h>
#include <stdio.h>
#include <stdlib.h>
#include <xcb/shm.h>

#define WIN_DAMAGE_RECTS 32 /* more than this in a window: its bounding box */
#define BAND_BYTES REC_BODY_MAX /* one capture: at most a record's body */
#define TITLE_SEND_MAX 1024u /* bytes of a title xcap sends; the viewer cuts to its own limit */

struct win {
	Window id;
	int32_t x, y;        /* inside the border, root coordinates */
	uint32_t w, h, bw, depth, flags;
	Window transient;
	Damage dmg;
	Pixmap pix;          /* Composite's pixmap of the window (border included) */
	int shown;           /* its window record was sent */
	int gone, full, damaged, geom, title, klass;
	int iconic;          /* unmapped as iconified: kept (its record sent when iconic_sent) */
	int iconic_sent, focus_at_map;
	int icon;            /* _NET_WM_ICON to send */
	int hints;           /* kind, modality, size hints to send */
	int shape;           /* its bounding shape to send */
	int shaped;          /* a shape was sent (an unshaped window sends none) */
};

struct wins {
	struct win *v;
	size_t n, cap;
	int stack;           /* the stacking order changed */
	XShmSegmentInfo shm; /* one band of captures */
	XImage *img;
	XserverRegion region; /* a window's damage, fetched at its frame */
	Atom net_name, utf8, protocols, del, wm_state, change_state, net_icon;
	Atom net_type, net_state, modal, types[XS_WT_N]; /* _NET_WM_WINDOW_TYPE_x by enum xs_wtype */
	int shape_ev;        /* the SHAPE extension's event code, -1: none */
};

static struct win *find(struct cap *c, Window id)
{
	for (size_t i = 0; i < c->wins->n; i++)
		if (c->wins->v[i].id == id && !c->wins->v[i].gone)
			return &c->wins->v[i];
	return NULL;
}

/* Composite's pixmap follows the window's size: named again after each. */
static void name_pixmap(struct cap *c, struct win *w)
{
	if (w->pix)
		XFreePixmap(c->dpy, w->pix);
	w->pix = XCompositeNameWindowPixmap(c->dpy, w->id);
}

/* WM_STATE as a window manager sets it; only when none runs (ICCCM's
 * WM_S0 has no owner), else the manager's own. */
static void set_state(struct cap *c, Window id, long state)
{
	long v[2] = { state, None };
	if (!xwm_running(c->dpy))
		XChangeProperty(c->dpy, id, c->wins->wm_state, c->wins->wm_state, 32, PropModeReplace,
				(unsigned char *)v, 2);
}

/* Iconified as a window manager would: with one, asked of it
 * (WM_CHANGE_STATE, which it answers with an unmap); without, WM_STATE
 * Iconic and the unmap done here. */
static void iconify(struct cap *c, struct win *w)
{
	if (w->iconic || (w->flags & XS_WF_OVERRIDE))
		return;
	if (xwm_running(c->dpy)) {
		XIconifyWindow(c->dpy, w->id, DefaultScreen(c->dpy));
	} else {
		set_state(c, w->id, IconicState);
		XUnmapWindow(c->dpy, w->id);
	}
	VERB("window 0x%lx iconified", (unsigned long)w->id);
}

/* A window just mapped (or found mapped at start): tracked, announced at
 * the next frame. Input-only windows have no pixels and are skipped. */
static void add(struct cap *c, Window id)
{
	XWindowAttributes a;
	struct wins *s = c->wins;
	struct win *k = find(c, id);
	if (k && k->iconic) { /* restored: announced again, whole */
		k->iconic = k->iconic_sent = 0;
		k->shown = 0;
		k->full = 1;
		s->stack = 1;
		name_pixmap(c, k);
		set_state(c, k->id, NormalState);
		if (k->focus_at_map)
			XSetInputFocus(c->dpy, k->id, RevertToPointerRoot, CurrentTime);
		k->focus_at_map = 0;
		return;
	}
	if (k || !XGetWindowAttributes(c->dpy, id, &a) || a.class != InputOutput || a.map_state != IsViewable)
		return;
	s->v = xs_grow(s->v, &s->cap, s->n + 1, sizeof *s->v, 16);
	struct win *w = &s->v[s->n++];
	memset(w, 0, sizeof *w);
	w->id = id;
	w->x = a.x + a.border_width, w->y = a.y + a.border_width;
	w->w = (uint32_t)a.width, w->h = (uint32_t)a.height, w->bw = (uint32_t)a.border_width;
	w->depth = (uint32_t)a.depth;
	w->flags = a.override_redirect ? XS_WF_OVERRIDE : 0;
	if (!XGetTransientForHint(c->dpy, id, &w->transient))
		w->transient = 0;
	XSelectInput(c->dpy, id, PropertyChangeMask);
	if (s->shape_ev >= 0)
		XShapeSelectInput(c->dpy, id, ShapeNotifyMask);
	w->dmg = XDamageCreate(c->dpy, id, XDamageReportNonEmpty);
	name_pixmap(c, w);
	w->full = w->title = w->klass = w->icon = w->shape = 1;
	s->stack = 1;
	DBG(D_X, "window 0x%lx %ux%u+%d+%d%s", id, w->w, w->h, w->x, w->y, w->flags ? " override-redirect" : "");
}

static void drop(struct cap *c, struct win *w)
{
	if (w->dmg)
		XDamageDestroy(c->dpy, w->dmg);
	if (w->pix)
		XFreePixmap(c->dpy, w->pix);
	w->dmg = 0, w->pix = 0;
	w->gone = 1;
	c->wins->stack = 1;
}

/* -W: Composite redirects the top-level windows, the root reports their
 * life cycle, the windows already mapped are tracked. */
void win_init(struct cap *c)
{
	int ev, err, maj = 0, min = 4;
	Window r, p, *kids = NULL;
	unsigned n = 0;
	if (!XCompositeQueryExtension(c->dpy, &ev, &err) || !XCompositeQueryVersion(c->dpy, &maj, &min) ||
	    (maj == 0 && min < 2))
		die(EX_NOX, "display %s lacks Composite 0.2 (needed by -W)", DisplayString(c->dpy));
	c->wins = calloc(1, sizeof *c->wins);
	if (!c->wins)
		die(EX_OS, "no memory");
	struct wins *s = c->wins;
	s->net_name = XInternAtom(c->dpy, "_NET_WM_NAME", False);
	s->utf8 = XInternAtom(c->dpy, "UTF8_STRING", False);
	s->protocols = XInternAtom(c->dpy, "WM_PROTOCOLS", False);
	s->del = XInternAtom(c->dpy, "WM_DELETE_WINDOW", False);
	s->wm_state = XInternAtom(c->dpy, "WM_STATE", False);
	s->change_state = XInternAtom(c->dpy, "WM_CHANGE_STATE", False);
	s->net_icon = XInternAtom(c->dpy, "_NET_WM_ICON", False);
	int shape_err;
	if (!XShapeQueryExtension(c->dpy, &s->shape_ev, &shape_err))
		s->shape_ev = -1;
	s->net_type = XInternAtom(c->dpy, "_NET_WM_WINDOW_TYPE", False);
	s->net_state = XInternAtom(c->dpy, "_NET_WM_STATE", False);
	s->modal = XInternAtom(c->dpy, "_NET_WM_STATE_MODAL", False);
	static const char *const tn[XS_WT_N] = { "NORMAL", "DIALOG", "UTILITY", "TOOLBAR", "MENU", "SPLASH" };
	for (int i = 0; i < XS_WT_N; i++) {
		char an[64];
		snprintf(an, sizeof an, "_NET_WM_WINDOW_TYPE_%s", tn[i]);
		s->types[i] = XInternAtom(c->dpy, an, False);
	}
	XDamageDestroy(c->dpy, c->damage); /* the screen's damage is not needed: each window has its own */
	c->damage = 0;
	s->region = XFixesCreateRegion(c->dpy, NULL, 0);
	/* the one band image (BAND_BYTES), viewed at each capture's size */
	s->img = cap_shm_image(c, &s->shm, 24, TILE, BAND_BYTES / (TILE * 4));
	XCompositeRedirectSubwindows(c->dpy, c->root, CompositeRedirectAutomatic);
	XSelectInput(c->dpy, c->root, SubstructureNotifyMask);
	XGrabServer(c->dpy); /* no window maps between the query and the first look at each */
	if (XQueryTree(c->dpy, c->root, &r, &p, &kids, &n))
		for (unsigned i = 0; i < n; i++)
			add(c, kids[i]);
	XUngrabServer(c->dpy);
	if (kids)
		XFree(kids);
	VERB("seamless: %zu windows shown", s->n);
}

/* X events about windows; 1 when this one was about them. */
int win_event(struct cap *c, XEvent *ev)
{
	struct win *w;
	if (!c->wins)
		return 0;
	if (ev->type == c->dmg_ev + XDamageNotify) {
		if ((w = find(c, ((XDamageNotifyEvent *)ev)->drawable)))
			w->damaged = 1, c->damaged = 1;
		return 1;
	}
	if (c->wins->shape_ev >= 0 && ev->type == c->wins->shape_ev + ShapeNotify) {
		XShapeEvent *e = (XShapeEvent *)ev;
		if (e->kind == ShapeBounding && (w = find(c, e->window)))
			w->shape = 1, c->damaged = 1;
		return 1;
	}
	switch (ev->type) {
	case MapNotify:
		if (ev->xmap.event != c->root)
			return 1;
		add(c, ev->xmap.window);
		break;
	case UnmapNotify:
		if (ev->xunmap.event != c->root || !(w = find(c, ev->xunmap.window)))
			break;
		if (!(w->flags & XS_WF_OVERRIDE) && xwm_iconic(c->dpy, w->id)) {
			w->iconic = 1, w->iconic_sent = 0, w->damaged = 0;
			c->wins->stack = 1;
		} else {
			drop(c, w);
		}
		break;
	case DestroyNotify:
		if ((w = find(c, ev->xdestroywindow.window)))
			drop(c, w);
		break;
	case ClientMessage: /* XIconifyWindow of a guest client, seen through SubstructureNotify */
		if (ev->xclient.message_type != c->wins->change_state || ev->xclient.format != 32 ||
		    ev->xclient.data.l[0] != IconicState || !(w = find(c, ev->xclient.window)) ||
		    xwm_running(c->dpy))
			return 1;
		iconify(c, w);
		return 1;
	case ReparentNotify:
		if ((w = find(c, ev->xreparent.window)) && ev->xreparent.parent != c->root)
			drop(c, w);
		break;
	case ConfigureNotify: {
		XConfigureEvent *e = &ev->xconfigure;
		c->wins->stack = 1;
		if (e->event != c->root || !(w = find(c, e->window)))
			break;
		int32_t x = e->x + e->border_width, y = e->y + e->border_width;
		if ((uint32_t)e->width != w->w || (uint32_t)e->height != w->h || (uint32_t)e->border_width != w->bw) {
			w->w = (uint32_t)e->width, w->h = (uint32_t)e->height, w->bw = (uint32_t)e->border_width;
			name_pixmap(c, w);
			w->full = w->geom = 1;
		}
		if (x != w->x || y != w->y)
			w->x = x, w->y = y, w->geom = 1;
		break;
	}
	case CirculateNotify:
		c->wins->stack = 1;
		break;
	case PropertyNotify:
		if (!(w = find(c, ev->xproperty.window)))
			return 1;
		if (ev->xproperty.atom == XA_WM_NAME || ev->xproperty.atom == c->wins->net_name)
			w->title = 1;
		else if (ev->xproperty.atom == XA_WM_CLASS)
			w->klass = 1;
		else if (ev->xproperty.atom == c->wins->net_icon)
			w->icon = 1;
		else if (ev->xproperty.atom == c->wins->net_type || ev->xproperty.atom == c->wins->net_state ||
			 ev->xproperty.atom == XA_WM_NORMAL_HINTS)
			w->hints = 1;
		else
			return 1;
		break;
	case CreateNotify:
	case GravityNotify:
		return 1;
	default:
		return 0;
	}
	c->damaged = 1;
	return 1;
}

/* The title as UTF-8: _NET_WM_NAME, else WM_NAME converted. At most
 * TITLE_SEND_MAX bytes; the viewer sanitises it anyway. */
static size_t get_title(struct cap *c, Window id, char *out)
{
	Atom type;
	int fmt;
	unsigned long n = 0, after;
	unsigned char *p = NULL;
	size_t len = 0;
	if (XGetWindowProperty(c->dpy, id, c->wins->net_name, 0, TITLE_SEND_MAX / 4, False, c->wins->utf8, &type, &fmt,
			       &n, &after, &p) == Success && p && type == c->wins->utf8 && fmt == 8) {
		len = n < TITLE_SEND_MAX ? n : TITLE_SEND_MAX;
		memcpy(out, p, len);
		XFree(p);
		return len;
	}
	if (p)
		XFree(p);
	XTextProperty tp;
	char **list = NULL;
	int cnt = 0;
	if (XGetWMName(c->dpy, id, &tp)) {
		if (Xutf8TextPropertyToTextList(c->dpy, &tp, &list, &cnt) >= Success && cnt > 0 && list) {
			len = strlen(list[0]);
			len = len < TITLE_SEND_MAX ? len : TITLE_SEND_MAX;
			memcpy(out, list[0], len);
		}
		if (list)
			XFreeStringList(list);
		XFree(tp.value);
	}
	return len;
}

static void put_text(struct cap *c, uint16_t type, uint32_t id, const char *s, size_t n)
{
	uint8_t *p = out_reserve(&c->out, XS_HDR_LEN + 4 + n);
	c->out.len += xs_build_wtext(p, type, id, s, (uint32_t)n);
}

static void put_icon(struct cap *c, struct win *w);

/* Whether the ATOM list property prop of id holds atom a (the first of
 * table[0..n) it holds, by index, for type lists: *which). */
static int atom_in(struct cap *c, Window id, Atom prop, const Atom *table, int n, int *which)
{
	Atom t;
	int f, found = 0;
	unsigned long k = 0, left;
	unsigned char *p = NULL;
	if (XGetWindowProperty(c->dpy, id, prop, 0, 64, False, XA_ATOM, &t, &f, &k, &left, &p) == Success && p &&
	    f == 32) {
		const unsigned long *v = (const unsigned long *)(void *)p;
		for (unsigned long i = 0; i < k && !found; i++) /* the first one known wins, as EWMH says */
			for (int j = 0; j < n && !found; j++)
				if (v[i] == table[j])
					found = 1, *which = j;
	}
	if (p)
		XFree(p);
	return found;
}

/* The window's kind (_NET_WM_WINDOW_TYPE, a dock or desktop is normal
 * here), _NET_WM_STATE_MODAL and WM_NORMAL_HINTS' sizes and aspect. */
static void put_hints(struct cap *c, struct win *w)
{
	struct xs_whints h = { .id = (uint32_t)w->id };
	int k = 0;
	uint8_t rec[XS_BUILD_MAX];
	if (atom_in(c, w->id, c->wins->net_type, c->wins->types, XS_WT_N, &k))
		h.type = (uint32_t)k;
	if (atom_in(c, w->id, c->wins->net_state, &c->wins->modal, 1, &k))
		h.flags |= XS_WH_MODAL;
	XSizeHints sh;
	long supplied;
	if (XGetWMNormalHints(c->dpy, w->id, &sh, &supplied)) {
		if ((sh.flags & PMinSize) && sh.min_width > 0 && sh.min_height > 0)
			h.min_w = (uint32_t)sh.min_width, h.min_h = (uint32_t)sh.min_height;
		if ((sh.flags & PMaxSize) && sh.max_width > 0 && sh.max_height > 0)
			h.max_w = (uint32_t)sh.max_width, h.max_h = (uint32_t)sh.max_height;
		if ((sh.flags & PAspect) && sh.min_aspect.x > 0 && sh.min_aspect.y > 0 && sh.max_aspect.x > 0 &&
		    sh.max_aspect.y > 0) {
			h.min_an = (uint32_t)sh.min_aspect.x, h.min_ad = (uint32_t)sh.min_aspect.y;
			h.max_an = (uint32_t)sh.max_aspect.x, h.max_ad = (uint32_t)sh.max_aspect.y;
		}
	}
	out_record(c, rec, xs_build_whints(rec, &h));
}

/*
 * The window's bounding shape (xeyes, xclock -shape), clipped to its
 * inside, in u16 rects; nothing for a window that was never shaped, an
 * empty list when it stops being shaped. More than XS_WIN_SHAPE_MAX
 * rects: their bounding box (the window shows as a rectangle).
 */
static void put_shape(struct cap *c, struct win *w)
{
	int bs = 0, cs = 0, n = 0, order;
	int bx, by, cx, cy;
	unsigned bw_, bh_, cw, ch;
	if (c->wins->shape_ev < 0 || !XShapeQueryExtents(c->dpy, w->id, &bs, &bx, &by, &bw_, &bh_, &cs, &cx, &cy, &cw, &ch))
		return;
	if (!bs && !w->shaped)
		return;
	XRectangle *r = bs ? XShapeGetRectangles(c->dpy, w->id, ShapeBounding, &n, &order) : NULL;
	uint32_t k = 0;
	uint8_t *h = out_reserve(&c->out, XS_HDR_LEN + 4 + 8 * XS_WIN_SHAPE_MAX);
	uint8_t *q = h + XS_HDR_LEN + 4;
	for (int i = 0; r && i < n && k < XS_WIN_SHAPE_MAX; i++) {
		/* the bounding region is relative to the inside corner and may take the border in */
		struct xs_rect v = xs_rect_clip(r[i].x, r[i].y, r[i].width, r[i].height, w->w, w->h);
		if (!v.w || !v.h)
			continue;
		xs_put16(q + 8 * k, (uint16_t)v.x), xs_put16(q + 8 * k + 2, (uint16_t)v.y);
		xs_put16(q + 8 * k + 4, (uint16_t)v.w), xs_put16(q + 8 * k + 6, (uint16_t)v.h);
		k++;
	}
	if (r && n > (int)XS_WIN_SHAPE_MAX) { /* too fine: its box */
		k = 1;
		xs_put16(q, 0), xs_put16(q + 2, 0), xs_put16(q + 4, (uint16_t)w->w), xs_put16(q + 6, (uint16_t)w->h);
	}
	if (r)
		XFree(r);
	if (bs && !k) { /* shaped to nothing inside: one empty-looking pixel would lie; show it whole */
		k = 1;
		xs_put16(q, 0), xs_put16(q + 2, 0), xs_put16(q + 4, (uint16_t)w->w), xs_put16(q + 6, (uint16_t)w->h);
	}
	c->out.len += xs_build_wshape_hdr(h, (uint32_t)w->id, bs ? k : 0) + 8 * (bs ? k : 0);
	w->shaped = bs;
	DBG(D_STREAM, "window 0x%lx: shape of %u rects", (unsigned long)w->id, bs ? k : 0);
}

static void announce(struct cap *c, struct win *w)
{
	uint8_t rec[XS_BUILD_MAX];
	struct xs_win m = { (uint32_t)w->id, w->x, w->y, w->w, w->h, w->flags, (uint32_t)w->transient };
	if (!w->shown)
		out_record(c, rec, xs_build_win(rec, XS_WIN, &m));
	else if (w->geom)
		out_record(c, rec, xs_build_win(rec, XS_WIN_GEOM, &m));
	if (w->title || !w->shown) {
		char t[TITLE_SEND_MAX];
		put_text(c, XS_WIN_TITLE, (uint32_t)w->id, t, get_title(c, w->id, t));
	}
	if (w->klass || !w->shown) {
		XClassHint ch = { 0 };
		char t[512];
		int n = 0;
		if (XGetClassHint(c->dpy, w->id, &ch)) {
			n = snprintf(t, sizeof t, "%s%c%s", ch.res_name ? ch.res_name : "", 0, ch.res_class ? ch.res_class : "");
			n = n < 0 ? 0 : n >= (int)sizeof t ? (int)sizeof t - 1 : n;
			XFree(ch.res_name);
			XFree(ch.res_class);
		}
		put_text(c, XS_WIN_CLASS, (uint32_t)w->id, t, (size_t)n);
	}
	if (w->icon || !w->shown)
		put_icon(c, w);
	if ((w->hints || !w->shown) && !(w->flags & XS_WF_OVERRIDE))
		put_hints(c, w);
	if (w->shape || (w->geom && w->shaped) || !w->shown)
		put_shape(c, w);
	w->shown = 1;
	w->geom = w->title = w->klass = w->icon = w->hints = w->shape = 0;
}

/*
 * The window's _NET_WM_ICON, the largest of its icons that fits
 * XS_WIN_ICON_MAX square (none: nothing sent). The property is read up to
 * ICON_READ_MAX values; a malformed list ends the walk.
 */
#define ICON_READ_MAX (1L << 18)
static void put_icon(struct cap *c, struct win *w)
{
	Atom t;
	int f;
	unsigned long n = 0, left, best = 0, bw = 0, bh = 0;
	unsigned char *p = NULL;
	if (XGetWindowProperty(c->dpy, w->id, c->wins->net_icon, 0, ICON_READ_MAX, False, XA_CARDINAL, &t, &f, &n,
			       &left, &p) != Success || !p || f != 32) {
		if (p)
			XFree(p);
		return;
	}
	const unsigned long *v = (const unsigned long *)(void *)p; /* format 32 comes as longs */
	for (unsigned long i = 0; i + 2 <= n;) {
		unsigned long iw = v[i] & 0xffffffffu, ih = v[i + 1] & 0xffffffffu;
		if (!iw || !ih || iw > 4096 || ih > 4096 || iw * ih > n - i - 2)
			break;
		if (iw <= XS_WIN_ICON_MAX && ih <= XS_WIN_ICON_MAX && iw * ih > bw * bh)
			best = i, bw = iw, bh = ih;
		i += 2 + iw * ih;
	}
	if (bw) {
		uint8_t *h = out_reserve(&c->out, XS_HDR_LEN + 12 + 4 * bw * bh);
		size_t k = xs_build_wicon_hdr(h, (uint32_t)w->id, (uint32_t)bw, (uint32_t)bh);
		for (unsigned long i = 0; i < bw * bh; i++)
			xs_put32(h + k + 4 * i, (uint32_t)v[best + 2 + i]);
		c->out.len += k + 4 * bw * bh;
		DBG(D_STREAM, "window 0x%lx: a %lux%lu icon", (unsigned long)w->id, bw, bh);
	}
	XFree(p);
}

/* The shown windows bottom to top, as the server stacks them. */
static void send_stack(struct cap *c)
{
	Window r, p, *kids = NULL;
	unsigned n = 0, k = 0;
	c->wins->stack = 0;
	if (!XQueryTree(c->dpy, c->root, &r, &p, &kids, &n))
		return;
	uint8_t *h = out_reserve(&c->out, XS_HDR_LEN + 4 * (size_t)XS_WIN_STACK_MAX);
	for (unsigned i = 0; i < n && k < XS_WIN_STACK_MAX; i++) {
		struct win *w = find(c, kids[i]);
		if (w && w->shown)
			xs_put32(h + XS_HDR_LEN + 4 * k++, (uint32_t)w->id);
	}
	xs_build_wstack_hdr(h, k);
	c->out.len += XS_HDR_LEN + 4 * (size_t)k;
	if (kids)
		XFree(kids);
}

/* One band of a window's pixmap, read (the sound going out while the X
 * server answers: audio_await) and encoded into the output. */
static int band(struct cap *c, struct win *w, struct xs_rect r)
{
	struct wins *s = c->wins;
	xcb_generic_error_t *e = NULL;
	uint64_t t0 = mono_ns();
	xcb_shm_get_image_cookie_t ck =
		xcb_shm_get_image_unchecked(XGetXCBConnection(c->dpy), (xcb_drawable_t)w->pix, (int16_t)(r.x + w->bw),
					    (int16_t)(r.y + w->bw), (uint16_t)r.w, (uint16_t)r.h, ~0u,
					    XCB_IMAGE_FORMAT_Z_PIXMAP, (xcb_shm_seg_t)s->shm.shmseg, 0);
	void *rep = audio_await(c, ck.sequence, &e);
	free(rep);
	if (!rep) { /* resized or gone under us: its events follow */
		free(e);
		return 0;
	}
	uint64_t t1 = mono_ns();
	c->st.captures++;
	const uint8_t *px = (const uint8_t *)s->img->data;
	size_t stride = (size_t)r.w * 4, raw = stride * r.h;
	uint32_t col, enc = c->enc == ENC_AUTO ? XS_ENC_LZ4 : (uint32_t)c->enc;
	uint8_t *p;
	if (c->enc == ENC_AUTO && xs_is_solid(px, stride, r, &col)) {
		p = out_reserve(&c->out, XS_HDR_LEN + XS_RECT_LEN);
		c->out.len += xs_build_rect_hdr(p, XS_ENC_SOLID, r, col, 0);
		enc = XS_ENC_SOLID, raw = 0;
	} else {
		size_t len = raw;
		if (enc != XS_ENC_RAW) {
			p = out_reserve(&c->out, XS_HDR_LEN + XS_RECT_LEN + xs_encode_bound(enc, r));
			len = xs_encode(c->codec, enc, px, stride, r, c->quality, p + XS_HDR_LEN + XS_RECT_LEN);
			if (!len)
				die(EX_SOFT, "%s encoder failed on %ux%u", xs_enc_name(enc), r.w, r.h);
			if (c->enc == ENC_AUTO && len >= raw - raw / 8)
				enc = XS_ENC_RAW, len = raw; /* lz4 does not pay here */
		}
		p = out_reserve(&c->out, XS_HDR_LEN + XS_RECT_LEN + len);
		if (enc == XS_ENC_RAW)
			memcpy(p + XS_HDR_LEN + XS_RECT_LEN, px, raw);
		xs_build_rect_hdr(p, enc, r, 0, (uint32_t)len);
		c->out.len += XS_HDR_LEN + XS_RECT_LEN + len;
		raw = len;
	}
	c->st.nrec[enc]++;
	c->st.bytes[enc] += XS_HDR_LEN + XS_RECT_LEN + raw;
	c->st.capture_ns += t1 - t0;
	c->st.encode_ns += mono_ns() - t1;
	return 1;
}

/* A rect of the window in bands of at most a record's body. */
static uint32_t rect_out(struct cap *c, struct win *w, struct xs_rect r)
{
	uint32_t n = 0, rows = (BAND_BYTES - XS_RECT_LEN) / (r.w * 4);
	for (uint32_t y = r.y; y < r.y + r.h; y += rows)
		n += (uint32_t)band(c, w, (struct xs_rect){ r.x, y, r.w, r.y + r.h - y < rows ? r.y + r.h - y : rows });
	return n;
}

/* What changed in one window since its last frame, clipped to it: the
 * rects, or their bounding box past WIN_DAMAGE_RECTS. */
static uint32_t pixels(struct cap *c, struct win *w)
{
	struct xs_rect list[WIN_DAMAGE_RECTS], bbox = { 0, 0, 0, 0 };
	XRectangle *r = NULL;
	int n = 0, k = 0;
	uint32_t nr = 0;
	if (w->full) {
		XDamageSubtract(c->dpy, w->dmg, None, None);
		bbox = (struct xs_rect){ 0, 0, w->w, w->h };
	} else {
		XDamageSubtract(c->dpy, w->dmg, None, c->wins->region);
		r = XFixesFetchRegion(c->dpy, c->wins->region, &n);
	}
	for (int i = 0; i < n; i++) {
		struct xs_rect a = xs_rect_clip(r[i].x, r[i].y, r[i].width, r[i].height, w->w, w->h);
		if (!a.w)
			continue;
		if (k < WIN_DAMAGE_RECTS)
			list[k] = a;
		k++;
		bbox = xs_rect_union(bbox, a);
	}
	int cnt = w->full || k > WIN_DAMAGE_RECTS ? 1 : k;
	if (cnt) {
		uint8_t rec[XS_BUILD_MAX];
		out_record(c, rec, xs_build_winid(rec, XS_WIN_RECTS, (uint32_t)w->id));
	}
	for (int i = 0; i < cnt; i++)
		nr += rect_out(c, w, cnt == k ? list[i] : bbox);
	if (r)
		XFree(r);
	w->full = w->damaged = 0;
	return nr;
}

/*
 * A seamless frame: windows gone, windows shown or changed, the stacking
 * order, then each window's changed pixels, then the frame record.
 * Returns 1 when a frame was produced.
 */
int win_frame(struct cap *c)
{
	struct wins *s = c->wins;
	uint8_t rec[XS_BUILD_MAX];
	uint64_t t = now_ns();
	int force = c->full, meta = 0;
	uint32_t nrects = 0;
	c->damaged = 0;
	c->full = 0;
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct win *w = &s->v[i];
		if (!w->gone) {
			s->v[k++] = *w;
			continue;
		}
		if (w->shown)
			out_record(c, rec, xs_build_winid(rec, XS_WIN_GONE, (uint32_t)w->id)), meta = 1;
	}
	s->n = k;
	if (force) { /* a new reader or a refresh: everything again */
		for (size_t i = 0; i < s->n; i++)
			s->v[i].shown = 0, s->v[i].full = 1;
		s->stack = 1;
		c->st.full++;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct win *w = &s->v[i];
		if (!w->shown || w->geom || w->title || w->klass || w->icon)
			announce(c, w), meta = 1, w->iconic_sent = 0;
		if (w->iconic && !w->iconic_sent)
			out_record(c, rec, xs_build_winid(rec, XS_WIN_ICONIC, (uint32_t)w->id)), meta = 1, w->iconic_sent = 1;
	}
	if (s->stack)
		send_stack(c), meta = 1;
	for (size_t i = 0; i < s->n; i++)
		if ((s->v[i].full || s->v[i].damaged) && !s->v[i].iconic)
			nrects += pixels(c, &s->v[i]);
	if (!nrects && !meta && !force)
		return 0;
	out_record(c, rec, xs_build_frame(rec, ++c->seq, t, nrects, 0));
	c->st.frames++;
	c->st.rects += nrects;
	DBG(D_STREAM, "frame %llu: %zu windows, %u rects", (unsigned long long)c->seq, s->n, nrects);
	return 1;
}

/* Control: a window the viewer names, if xcap shows it. */
static struct win *shown(struct cap *c, uint32_t id, const char *what)
{
	struct win *w = c->wins ? find(c, (Window)id) : NULL;
	if (!w || !w->shown) {
		DBG(D_INPUT, "%s of window 0x%x: not a shown window, ignored", what, id);
		return NULL;
	}
	return w;
}

void win_configure(struct cap *c, const struct xs_win *m)
{
	struct win *w = shown(c, m->id, "configure");
	if (!w || m->w < 1 || m->h < 1 || m->w > XS_MAX_DIM || m->h > XS_MAX_DIM || m->x < -(int32_t)XS_MAX_DIM ||
	    m->x > (int32_t)XS_MAX_DIM || m->y < -(int32_t)XS_MAX_DIM || m->y > (int32_t)XS_MAX_DIM)
		return;
	XMoveResizeWindow(c->dpy, w->id, m->x - (int32_t)w->bw, m->y - (int32_t)w->bw, m->w, m->h);
	DBG(D_INPUT, "window 0x%x to %ux%u+%d+%d", m->id, m->w, m->h, m->x, m->y);
}

/* WM_DELETE_WINDOW when the client takes it (the polite close a window
 * manager sends), else the client is disconnected as a window manager
 * would. */
void win_close(struct cap *c, uint32_t id)
{
	struct win *w = shown(c, id, "close");
	Atom *p = NULL;
	int n = 0, polite = 0;
	if (!w)
		return;
	if (XGetWMProtocols(c->dpy, w->id, &p, &n)) {
		for (int i = 0; i < n; i++)
			polite |= p[i] == c->wins->del;
		XFree(p);
	}
	if (polite) {
		XEvent e = { 0 };
		e.xclient.type = ClientMessage;
		e.xclient.window = w->id;
		e.xclient.message_type = c->wins->protocols;
		e.xclient.format = 32;
		e.xclient.data.l[0] = (long)c->wins->del;
		e.xclient.data.l[1] = CurrentTime;
		XSendEvent(c->dpy, w->id, False, NoEventMask, &e);
	} else {
		XKillClient(c->dpy, w->id);
	}
	VERB("window 0x%x: %s", id, polite ? "WM_DELETE_WINDOW sent" : "no WM_DELETE_WINDOW: client killed");
}

/* Raised, and the keyboard focus: XTest keys go to the focused window. */
void win_focus(struct cap *c, uint32_t id)
{
	struct win *w = shown(c, id, "focus");
	if (!w)
		return;
	if (w->iconic) { /* restored; the focus once it is mapped again */
		w->focus_at_map = !(w->flags & XS_WF_OVERRIDE);
		XMapRaised(c->dpy, w->id);
		DBG(D_INPUT, "window 0x%x restored", id);
		return;
	}
	XRaiseWindow(c->dpy, w->id);
	if (!(w->flags & XS_WF_OVERRIDE))
		XSetInputFocus(c->dpy, w->id, RevertToPointerRoot, CurrentTime);
	DBG(D_INPUT, "window 0x%x raised and focused", id);
}

/* The viewer's window was minimized: this one is iconified too. */
void win_iconify(struct cap *c, uint32_t id)
{
	struct win *w = shown(c, id, "iconify");
	if (w)
		iconify(c, w);
}
