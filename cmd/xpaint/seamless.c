/*
 * Seamless windows (a hello with XS_HF_WINDOWS, from xcap -W): one host
 * window per guest window, placed where the guest puts it, override-
 * redirect for the guest's menus and tooltips, titled "[NAME] title",
 * bordered like the whole-screen window. Each has a pixmap holding its
 * picture; rects go into it as they come, and at the frame end the
 * changed part of every window is copied to the screen, so what shows are
 * whole frames. Input, moves, resizes, focus and close requests go back
 * as control records, guest-screen coordinates for the pointer.
 *
 * The guest is hostile: window records are checked here against the
 * host's policy (a window count, sizes, a pixel budget for all of them,
 * no override-redirect window over most of the host screen). A window
 * that breaks it is dropped with one line saying why (rate-limited:
 * the first, then a count every few seconds), and the others are kept; records naming a window the
 * host does not show are ignored.
 */
#include "codec.h"
#include "title.h"
#include "util.h"
#include "xpaint.h"
#include "xwm.h"

#include <X11/Xatom.h>
#include <X11/Xlib-xcb.h>
#include <X11/Xutil.h>
#include <X11/extensions/shape.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SM_PIXELS (1u << 27)  /* pixels of all windows' pixmaps together (512 MiB) */
#define SM_COVER 90           /* an override-redirect window over this % of the host screen is dropped */
#define SM_STAGE (8u << 20)   /* first staging size; it grows to the largest rect */
#define SM_ECHO_NS 500000000ull /* a geometry this soon after our own request may be its stale echo */

struct swin {
	uint32_t id;          /* the guest's window */
	Window win;           /* ours; 0 until made (made_now): a window gone before
			       * it is needed costs the X server nothing */
	Pixmap pic;           /* its picture, w x h */
	uint32_t transient;   /* the guest's window it is transient for, 0: none */
	int32_t x, y;         /* the guest's geometry of its content */
	uint32_t w, h, flags;
	int dirty;            /* changed in the open frame: in box */
	struct xs_rect box;
	int req;              /* we asked the guest for rx,ry rw x rh at req_at */
	int32_t rx, ry;
	uint32_t rw, rh;
	uint64_t req_at;
	int stale;            /* not announced again since the last hello */
	int iconic;           /* iconified (by the guest, or by the host and told to it) */
	struct full full;     /* Ctrl+Alt+F */
	int fitted;           /* asked once to fit the host screen */
	int unmapped;         /* new, mapped at its first frame end (its title, class, hints set by then) */
	struct xs_whints hints; /* the guest's, checked (sizes 0: none) */
	/* the latest geometry, title, icon, hints and shape from the guest,
	 * not yet shown (sm_settle: a storm of them costs one of each) */
	int pgeom, ptitle, picon;
	struct xs_win g;
	uint8_t *text;        /* XS_WIN_TEXT_MAX bytes once a title came */
	uint32_t tlen;
	uint32_t *icon;       /* XS_WIN_ICON_MAX squared, once an icon came */
	uint32_t iw, ih;
	int phints, pshape;   /* and the latest hints and shape */
	struct xs_whints ph;
	uint8_t *shp;         /* XS_WIN_SHAPE_MAX rects of 8 bytes, once a shape came */
	uint32_t nshp;
};

struct seamless {
	int on;
	struct swin *v;
	size_t n, cap;
	uint32_t target;      /* the window the current rects paint (it may not be shown here) */
	int have_target;      /* a window-rects record came in this frame */
	uint64_t pixels;      /* sum of w*h over the windows */
	unsigned violations;
	int at_limit;         /* the window limit was reported: not again until below it */
	int sweep;            /* a hello came: windows still stale at its first frame go */
	uint32_t focus;       /* the guest window our last focus record named */
	int pstack;           /* the latest stacking, not yet shown */
	uint32_t *stack;      /* XS_WIN_STACK_MAX ids */
	uint32_t nstack;
	Atom net_name, utf8, wm_delete, net_icon;
	Atom net_type, net_state, modal, types[XS_WT_N]; /* _NET_WM_WINDOW_TYPE_x by enum xs_wtype */
	uint32_t scr_w, scr_h; /* the host screen */
	/* staging: rects decoded here, the server reads them (MIT-SHM) */
	uint8_t *stage;
	size_t stage_len, used;
	xcb_shm_seg_t seg;
	GC gc;
};

int sm_on(const struct xpaint *x) { return x->sm && x->sm->on; }
unsigned sm_count(const struct xpaint *x) { return x->sm ? (unsigned)x->sm->n : 0; }

/* The kinds of violation, each rate-limited on its own. */
enum { V_SIZE, V_POS, V_PIXELS, V_COVER, V_RECT, V_KINDS };

/* One line for the first violation of a kind, then a count every few
 * seconds (warn_limited): a guest breaking a limit without end cannot
 * flood the host's log. */
static void violation(struct xpaint *x, int kind, uint32_t id, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void violation(struct xpaint *x, int kind, uint32_t id, const char *fmt, ...)
{
	static struct warn_limit said[V_KINDS];
	char m[200];
	va_list ap;
	x->sm->violations++;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	warn_limited(&said[kind], "window 0x%x: %s: dropped, the others kept", id, m);
}

static struct swin *find(struct seamless *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

static struct swin *by_host(struct seamless *s, Window w)
{
	for (size_t i = 0; w && i < s->n; i++)
		if (s->v[i].win == w)
			return &s->v[i];
	return NULL;
}

static void destroy(struct xpaint *x, struct swin *w)
{
	struct seamless *s = x->sm;
	if (w->win) {
		XDestroyWindow(x->v.dpy, w->win);
		XFreePixmap(x->v.dpy, w->pic);
	}
	free(w->text);
	free(w->icon);
	free(w->shp);
	s->pixels -= (uint64_t)w->w * w->h;
	if (s->focus == w->id)
		s->focus = 0;
	size_t i = (size_t)(w - s->v);
	memmove(w, w + 1, (s->n - i - 1) * sizeof *w);
	s->n--;
}

static void destroy_all(struct xpaint *x)
{
	while (x->sm && x->sm->n)
		destroy(x, &x->sm->v[x->sm->n - 1]);
}

/* The host's policy for a window's geometry; NULL when it passes. */
static const char *check_geom(struct xpaint *x, const struct xs_win *m, uint64_t other, int *kind, char *e, size_t n)
{
	struct seamless *s = x->sm;
	const char *why = xs_check_size(m->w, m->h);
	uint64_t area = (uint64_t)m->w * m->h;
	if (why) {
		snprintf(e, n, "size %ux%u: %s", m->w, m->h, why);
		return *kind = V_SIZE, e;
	}
	if (m->x < -(int32_t)XS_MAX_DIM || m->x > (int32_t)XS_MAX_DIM || m->y < -(int32_t)XS_MAX_DIM ||
	    m->y > (int32_t)XS_MAX_DIM) {
		snprintf(e, n, "position %d,%d beyond +-%u", m->x, m->y, XS_MAX_DIM);
		return *kind = V_POS, e;
	}
	if (other + area > SM_PIXELS) {
		snprintf(e, n, "%ux%u would take the windows past %u pixels in all", m->w, m->h, SM_PIXELS);
		return *kind = V_PIXELS, e;
	}
	if (m->flags & XS_WF_OVERRIDE) { /* what the host screen shows of it */
		uint64_t seen = xs_rect_area(xs_rect_clip(m->x, m->y, m->w, m->h, s->scr_w, s->scr_h));
		if (seen * 100 > (uint64_t)s->scr_w * s->scr_h * SM_COVER) {
			snprintf(e, n, "override-redirect %ux%u%+d%+d covers over %d%% of the %ux%u host screen", m->w,
				 m->h, m->x, m->y, SM_COVER, s->scr_w, s->scr_h);
			return *kind = V_COVER, e;
		}
	}
	return NULL;
}

/*
 * The WM_NORMAL_HINTS that keep a managed window where the guest put it:
 * StaticGravity, so that a reparenting manager puts the window itself (not
 * its frame) at the position asked, and reports it there. With the
 * default NorthWest gravity the frame went there and the window one frame
 * offset further, which configured() then asked of the guest: the guest
 * window walked by the title bar's height at every viewer start.
 */
static void place_hints_at(struct xpaint *x, struct swin *w, int32_t gx, int32_t gy, uint32_t gw, uint32_t gh)
{
	XSizeHints *h = XAllocSizeHints();
	if (!h)
		die(EX_OS, "XAllocSizeHints:");
	int bw = x->v.bw;
	h->flags = USPosition | PPosition | PSize | PWinGravity;
	h->win_gravity = StaticGravity;
	const struct xs_whints *g = &w->hints; /* the guest's, in host window sizes */
	if (g->min_w)
		h->flags |= PMinSize, h->min_width = (int)g->min_w + 2 * bw, h->min_height = (int)g->min_h + 2 * bw;
	if (g->max_w)
		h->flags |= PMaxSize, h->max_width = (int)g->max_w + 2 * bw, h->max_height = (int)g->max_h + 2 * bw;
	if (g->min_ad) {
		h->flags |= PAspect;
		h->min_aspect.x = (int)g->min_an, h->min_aspect.y = (int)g->min_ad;
		h->max_aspect.x = (int)g->max_an, h->max_aspect.y = (int)g->max_ad;
	}
	h->x = gx - bw, h->y = gy - bw;
	h->width = (int)gw + 2 * bw, h->height = (int)gh + 2 * bw;
	XSetWMNormalHints(x->v.dpy, w->win, h);
	XFree(h);
}

/* ... at the guest's geometry, or the one we asked of it */
static void place_hints(struct xpaint *x, struct swin *w)
{
	if (w->req)
		place_hints_at(x, w, w->rx, w->ry, w->rw, w->rh);
	else
		place_hints_at(x, w, w->x, w->y, w->w, w->h);
}

/* n CARDINALs of property prop on window w into v; 1 when all were there. */
static int cardinals(Display *d, Window w, const char *prop, long *v, int n)
{
	Atom t;
	int f, ok = 0;
	unsigned long k = 0, left;
	unsigned char *p = NULL;
	if (XGetWindowProperty(d, w, XInternAtom(d, prop, False), 0, n, False, XA_CARDINAL, &t, &f, &k, &left, &p) ==
		    Success && p && f == 32 && k == (unsigned long)n) {
		memcpy(v, p, (size_t)n * sizeof *v);
		ok = 1;
	}
	if (p)
		XFree(p);
	return ok;
}

/* A position that keeps n pixels from pos inside a screen of size lim
 * (from 0 when they do not fit). */
static int32_t inside(int32_t pos, uint32_t n, uint32_t lim)
{
	if (n >= lim || pos < 0)
		return 0;
	return (uint32_t)pos + n > lim ? (int32_t)(lim - n) : pos;
}

/*
 * A managed window larger than the host screen (a GTK file chooser is
 * 1096x856 on a guest without a window manager) would have its buttons
 * beyond the host screen's edge: the guest is asked once to make it the
 * host screen's size at most, inside it, as a window manager would, and
 * the host window takes that geometry at once. The guest application
 * may refuse (its minimum size); it is not asked again.
 */
static void fit(struct xpaint *x, struct swin *w)
{
	struct seamless *s = x->sm;
	Display *d = x->v.dpy;
	uint8_t rec[XS_BUILD_MAX];
	int bw = x->v.bw;
	uint32_t b2 = 2u * (uint32_t)bw;
	/* the room: the host's work area (_NET_WORKAREA), less the frame the
	 * window manager gives our windows (_NET_FRAME_EXTENTS of one already
	 * shown), within the guest's screen, whose places are the host's */
	long a[4] = { 0, 0, (long)s->scr_w, (long)s->scr_h }, f[4] = { 0, 0, 0, 0 };
	if (w->fitted || (w->flags & XS_WF_OVERRIDE))
		return;
	cardinals(d, RootWindow(d, DefaultScreen(d)), "_NET_WORKAREA", a, 4);
	for (size_t i = 0; i < s->n; i++)
		if (&s->v[i] != w && s->v[i].win && !s->v[i].unmapped && !(s->v[i].flags & XS_WF_OVERRIDE) &&
		    cardinals(d, s->v[i].win, "_NET_FRAME_EXTENTS", f, 4))
			break;
	long lx = a[0] + f[0], ly = a[1] + f[2], hx = a[0] + a[2] - f[1], hy = a[1] + a[3] - f[3];
	hx = hx < (long)x->v.sw ? hx : (long)x->v.sw, hy = hy < (long)x->v.sh ? hy : (long)x->v.sh;
	lx = lx < 0 ? 0 : lx, ly = ly < 0 ? 0 : ly;
	if (hx - lx <= (long)b2 || hy - ly <= (long)b2 || (w->w + b2 <= (uint32_t)(hx - lx) && w->h + b2 <= (uint32_t)(hy - ly)))
		return;
	struct xs_win m = { w->id, 0, 0, w->w + b2 <= (uint32_t)(hx - lx) ? w->w : (uint32_t)(hx - lx) - b2,
			    w->h + b2 <= (uint32_t)(hy - ly) ? w->h : (uint32_t)(hy - ly) - b2, 0, 0 };
	long cx = w->x - bw, cy = w->y - bw; /* the host window's corner, kept inside the room */
	cx = cx < lx ? lx : cx + (long)(m.w + b2) > hx ? hx - (long)(m.w + b2) : cx;
	cy = cy < ly ? ly : cy + (long)(m.h + b2) > hy ? hy - (long)(m.h + b2) : cy;
	m.x = (int32_t)cx + bw, m.y = (int32_t)cy + bw;
	if (!ctl_window(&x->k, rec, xs_build_win(rec, XS_C_WIN_CONFIGURE, &m)))
		return;
	w->fitted = 1;
	w->req = 1, w->rx = m.x, w->ry = m.y, w->rw = m.w, w->rh = m.h, w->req_at = mono_ns();
	place_hints_at(x, w, m.x, m.y, m.w, m.h);
	XMoveResizeWindow(d, w->win, m.x - bw, m.y - bw, m.w + b2, m.h + b2);
	VERB("window 0x%x: %ux%u is over the %ux%u host screen: asked for %ux%u%+d%+d", w->id, w->w, w->h, s->scr_w,
	     s->scr_h, m.w, m.h, m.x, m.y);
}

static void show_new(struct xpaint *x, const struct xs_win *m)
{
	struct seamless *s = x->sm;
	char e[200];
	if (s->n >= x->max_windows) {
		s->violations++;
		if (!s->at_limit)
			warn_line("window 0x%x: over the limit of %u windows (-n): dropped, and so is every new one until "
			       "fewer are shown", m->id, x->max_windows);
		s->at_limit = 1;
		return;
	}
	s->at_limit = 0;
	int kind;
	if (check_geom(x, m, s->pixels, &kind, e, sizeof e)) {
		violation(x, kind, m->id, "%s", e);
		return;
	}
	s->v = xs_grow(s->v, &s->cap, s->n + 1, sizeof *s->v, 16);
	struct swin *w = &s->v[s->n++];
	memset(w, 0, sizeof *w);
	w->id = m->id, w->x = m->x, w->y = m->y, w->w = m->w, w->h = m->h, w->flags = m->flags;
	w->transient = m->transient;
	w->unmapped = !(m->flags & XS_WF_OVERRIDE);
	s->pixels += (uint64_t)m->w * m->h;
	DBG(D_X, "window 0x%x: %ux%u%+d%+d%s, made when first needed", m->id, m->w, m->h, m->x, m->y,
	    (m->flags & XS_WF_OVERRIDE) ? " override-redirect" : "");
}

/*
 * The host window and picture of w, made when first needed (its settling,
 * its first rect, the frame end, a record that changes it on the X
 * server): a guest that makes and ends windows without end (a churn
 * storm) makes the X server do nothing for those gone before that.
 */
static void made_now(struct xpaint *x, struct swin *w)
{
	struct seamless *s = x->sm;
	struct view *v = &x->v;
	Display *d = v->dpy;
	int scr = DefaultScreen(d), bw = v->bw;
	if (w->win)
		return;
	XSetWindowAttributes a = { 0 };
	a.background_pixel = v->border_px; /* the border; the picture covers the rest */
	a.override_redirect = (w->flags & XS_WF_OVERRIDE) ? True : False;
	a.event_mask = ExposureMask | KeyPressMask | KeyReleaseMask | ButtonPressMask | ButtonReleaseMask |
		       PointerMotionMask | FocusChangeMask | StructureNotifyMask | EnterWindowMask | LeaveWindowMask;
	a.cursor = v->hidden ? v->blank : v->cursor;
	w->win = XCreateWindow(d, RootWindow(d, scr), w->x - bw, w->y - bw, w->w + 2u * (unsigned)bw,
			       w->h + 2u * (unsigned)bw, 0, 24, InputOutput, DefaultVisual(d, scr),
			       CWBackPixel | CWOverrideRedirect | CWEventMask | (a.cursor ? CWCursor : 0u), &a);
	w->pic = XCreatePixmap(d, w->win, w->w, w->h, 24);
	XSetForeground(d, s->gc, 0);
	XFillRectangle(d, w->pic, s->gc, 0, 0, w->w, w->h);
	char t[XS_TITLE_BUF];
	xs_title_prefixed(t, x->name, (const uint8_t *)"", 0);
	XStoreName(d, w->win, t);
	XClassHint ch = { "xpaint", "Xpaint" };
	XSetClassHint(d, w->win, &ch);
	XWMHints wm = { .flags = InputHint, .input = True };
	XSetWMHints(d, w->win, &wm);
	XSetWMProtocols(d, w->win, &s->wm_delete, 1);
	place_hints(x, w);
	struct swin *tr = w->transient ? find(s, w->transient) : NULL;
	if (tr) { /* made first (it is made now, or its own transient-for is w, made above) */
		made_now(x, tr);
		XSetTransientForHint(d, w->win, tr->win);
	}
	if (w->flags & XS_WF_OVERRIDE) /* a menu, now; a managed one at the frame end, described */
		XMapWindow(d, w->win);
	DBG(D_X, "window 0x%x: %ux%u%+d%+d%s as 0x%lx", w->id, w->w, w->h, w->x, w->y,
	    (w->flags & XS_WF_OVERRIDE) ? " override-redirect" : "", w->win);
	fit(x, w);
}

/* The guest moved or resized it: the host window follows, unless this
 * is the stale echo of a request of ours (a drag on the host). */
static int geometry(struct xpaint *x, struct swin *w, const struct xs_win *m)
{
	struct seamless *s = x->sm;
	Display *d = x->v.dpy;
	struct xs_win g = *m;
	char e[200];
	int bw = x->v.bw;
	g.flags = w->flags;
	int kind;
	if (check_geom(x, &g, s->pixels - (uint64_t)w->w * w->h, &kind, e, sizeof e)) {
		violation(x, kind, w->id, "%s", e);
		destroy(x, w);
		return 0;
	}
	if (m->w != w->w || m->h != w->h) { /* a new pixmap, the old picture where it fits */
		Pixmap p = XCreatePixmap(d, w->win, m->w, m->h, 24);
		XSetForeground(d, s->gc, 0);
		XFillRectangle(d, p, s->gc, 0, 0, m->w, m->h);
		XCopyArea(d, w->pic, p, s->gc, 0, 0, w->w < m->w ? w->w : m->w, w->h < m->h ? w->h : m->h, 0, 0);
		XFreePixmap(d, w->pic);
		w->pic = p;
		s->pixels = s->pixels - (uint64_t)w->w * w->h + (uint64_t)m->w * m->h;
		w->box = xs_rect_intersect(w->box, (struct xs_rect){ 0, 0, m->w, m->h });
	}
	int mine = w->req && m->x == w->rx && m->y == w->ry && m->w == w->rw && m->h == w->rh;
	int stale = w->req && !mine && mono_ns() - w->req_at < SM_ECHO_NS;
	if (mine)
		w->req = 0;
	w->x = m->x, w->y = m->y, w->w = m->w, w->h = m->h;
	if (!mine && !stale) {
		XMoveResizeWindow(d, w->win, m->x - bw, m->y - bw, m->w + 2u * (unsigned)bw, m->h + 2u * (unsigned)bw);
		if (!(w->flags & XS_WF_OVERRIDE))
			place_hints(x, w);
		fit(x, w);
	}
	return 1;
}

static void title(struct xpaint *x, struct swin *w, const struct xs_wtext *m)
{
	char t[XS_TITLE_BUF];
	size_t n = xs_title_prefixed(t, x->name, m->text, m->len);
	Display *d = x->v.dpy;
	char *list[1] = { t };
	XTextProperty tp;
	if (Xutf8TextListToTextProperty(d, list, 1, XStdICCTextStyle, &tp) >= Success) {
		XSetWMName(d, w->win, &tp);
		XFree(tp.value);
	}
	XChangeProperty(d, w->win, x->sm->net_name, x->sm->utf8, 8, PropModeReplace, (const unsigned char *)t, (int)n);
	DBG(D_X, "window 0x%x title \"%s\"", w->id, t);
}

/* WM_CLASS as "NAME:instance", "NAME:class", printable ASCII only: the
 * host's window manager rules for a class never match a guest window. */
static void klass(struct xpaint *x, struct swin *w, const struct xs_wtext *m)
{
	char part[2][64 + XS_NAME_MAX + 2];
	size_t i = 0;
	for (int k = 0; k < 2; k++) {
		int o = snprintf(part[k], sizeof part[k], "%.*s:", (int)XS_NAME_MAX, x->name);
		for (; i < m->len && m->text[i]; i++)
			if (m->text[i] > 0x20 && m->text[i] < 0x7f && o < (int)sizeof part[k] - 1)
				part[k][o++] = (char)m->text[i];
		part[k][o] = 0;
		i++; /* past the NUL */
	}
	XClassHint ch = { part[0], part[1] };
	XSetClassHint(x->v.dpy, w->win, &ch);
}

/*
 * The guest's kind, modality and size hints for a managed window, so that
 * the host's window manager treats it as the guest's would (a dialog over
 * its parent, a utility window, a minimum size). The sizes are checked
 * here: beyond the protocol's dimensions, or a maximum under the minimum,
 * they are dropped (the window is kept).
 */
static void hints(struct xpaint *x, struct swin *w, const struct xs_whints *m)
{
	struct seamless *s = x->sm;
	Display *d = x->v.dpy;
	struct xs_whints g = *m;
	if (w->flags & XS_WF_OVERRIDE)
		return;
	if (!g.min_w || !g.min_h || g.min_w > XS_MAX_DIM || g.min_h > XS_MAX_DIM)
		g.min_w = g.min_h = 0;
	if (!g.max_w || !g.max_h || g.max_w > XS_MAX_DIM || g.max_h > XS_MAX_DIM || g.max_w < g.min_w ||
	    g.max_h < g.min_h)
		g.max_w = g.max_h = 0;
	if (!g.min_an || !g.min_ad || !g.max_an || !g.max_ad || g.min_an > XS_MAX_DIM || g.min_ad > XS_MAX_DIM ||
	    g.max_an > XS_MAX_DIM || g.max_ad > XS_MAX_DIM)
		g.min_an = g.min_ad = g.max_an = g.max_ad = 0;
	w->hints = g;
	long type = (long)s->types[g.type];
	XChangeProperty(d, w->win, s->net_type, XA_ATOM, 32, PropModeReplace, (unsigned char *)&type, 1);
	int modal = !!(g.flags & XS_WH_MODAL);
	if (!w->unmapped && xwm_running(d)) { /* mapped: the manager owns _NET_WM_STATE */
		XEvent e = { 0 };
		e.xclient.type = ClientMessage;
		e.xclient.window = w->win;
		e.xclient.message_type = s->net_state;
		e.xclient.format = 32;
		e.xclient.data.l[0] = modal; /* _NET_WM_STATE_ADD or _REMOVE */
		e.xclient.data.l[1] = (long)s->modal;
		e.xclient.data.l[3] = 1;
		XSendEvent(d, RootWindow(d, DefaultScreen(d)), False, SubstructureRedirectMask | SubstructureNotifyMask,
			   &e);
	} else if (modal) {
		long v = (long)s->modal;
		XChangeProperty(d, w->win, s->net_state, XA_ATOM, 32, PropModeReplace, (unsigned char *)&v, 1);
	} else {
		XDeleteProperty(d, w->win, s->net_state);
	}
	place_hints(x, w);
	DBG(D_X, "window 0x%x: kind %u%s, min %ux%u, max %ux%u", w->id, g.type, modal ? " modal" : "", g.min_w,
	    g.min_h, g.max_w, g.max_h);
}

/*
 * The guest window's bounding shape (xeyes): the host window shows only
 * those rects of the picture, clipped to the window (a rect outside it is
 * cut, not trusted); its -b border is then not drawn. No rects: the whole
 * window again.
 */
static void shape(struct xpaint *x, struct swin *w, const struct xs_wshape *m)
{
	Display *d = x->v.dpy;
	int bw = x->v.bw;
	if (!m->n) {
		XShapeCombineMask(d, w->win, ShapeBounding, 0, 0, None, ShapeSet);
		DBG(D_X, "window 0x%x: not shaped", w->id);
		return;
	}
	XRectangle *r = malloc(m->n * sizeof *r);
	int k = 0;
	if (!r)
		die(EX_OS, "no memory for a shape of %u rects", m->n);
	for (uint32_t i = 0; i < m->n; i++) {
		const uint8_t *q = m->rects + 8 * i;
		struct xs_rect v = xs_rect_clip(xs_get16(q), xs_get16(q + 2), xs_get16(q + 4), xs_get16(q + 6), w->w, w->h);
		if (v.w && v.h)
			r[k++] = (XRectangle){ (short)v.x, (short)v.y, (unsigned short)v.w, (unsigned short)v.h };
	}
	/* nothing left inside: an invisible window would still take clicks
	 * nowhere the user can see; show it whole instead */
	if (k)
		XShapeCombineRectangles(d, w->win, ShapeBounding, bw, bw, r, k, ShapeSet, Unsorted);
	else
		XShapeCombineMask(d, w->win, ShapeBounding, 0, 0, None, ShapeSet);
	free(r);
	DBG(D_X, "window 0x%x: shaped by %d rects", w->id, k);
}

/* The latest stacking, bottom to top from the guest; XRestackWindows
 * wants top first. */
static void stack(struct xpaint *x)
{
	struct seamless *s = x->sm;
	Window *list = malloc((s->nstack + 1) * sizeof *list);
	int k = 0;
	if (!list)
		die(EX_OS, "no memory for a stack of %u windows", s->nstack);
	for (uint32_t i = s->nstack; i-- > 0;) {
		struct swin *w = find(s, s->stack[i]);
		if (w && w->win)
			list[k++] = w->win;
	}
	if (k > 1)
		XRestackWindows(x->v.dpy, list, k);
	free(list);
	s->pstack = 0;
}

static void *once(void *p, size_t n)
{
	if (!p && !(p = malloc(n)))
		die(EX_OS, "no memory");
	return p;
}

/* Keeps the latest title, icon or stacking (copied: the body is only
 * ours until the next read) for sm_settle. */
static void pend_title(struct swin *w, const struct xs_wtext *m)
{
	w->text = once(w->text, XS_WIN_TEXT_MAX);
	memcpy(w->text, m->text, m->len); /* the parser: at most XS_WIN_TEXT_MAX */
	w->tlen = m->len;
	w->ptitle = 1;
}

static void pend_icon(struct swin *w, const struct xs_wicon *ic)
{
	w->icon = once(w->icon, sizeof *w->icon * XS_WIN_ICON_MAX * XS_WIN_ICON_MAX);
	for (uint32_t i = 0; i < ic->w * ic->h; i++)
		w->icon[i] = xs_get32(ic->argb + 4 * i);
	w->iw = ic->w, w->ih = ic->h;
	w->picon = 1;
}

static void pend_shape(struct swin *w, const struct xs_wshape *m)
{
	w->shp = once(w->shp, 8 * XS_WIN_SHAPE_MAX);
	memcpy(w->shp, m->rects, 8 * (size_t)m->n); /* the parser: at most XS_WIN_SHAPE_MAX */
	w->nshp = m->n;
	w->pshape = 1;
}

static void pend_stack(struct seamless *s, const struct xs_wstack *m)
{
	s->stack = once(s->stack, sizeof *s->stack * XS_WIN_STACK_MAX);
	for (uint32_t i = 0; i < m->n; i++) /* the parser: at most XS_WIN_STACK_MAX */
		s->stack[i] = xs_get32(m->ids + 4 * i);
	s->nstack = m->n;
	s->pstack = 1;
}

static void set_icon(struct xpaint *x, struct swin *w)
{
	long v[2 + XS_WIN_ICON_MAX * XS_WIN_ICON_MAX];
	v[0] = (long)w->iw, v[1] = (long)w->ih;
	for (uint32_t i = 0; i < w->iw * w->ih; i++)
		v[2 + i] = (long)w->icon[i];
	XChangeProperty(x->v.dpy, w->win, x->sm->net_icon, XA_CARDINAL, 32, PropModeReplace, (unsigned char *)v,
			(int)(2 + w->iw * w->ih));
	w->picon = 0;
}

/* What window w has pending goes to the X server; 0 when the geometry
 * broke the limits and the window is gone. */
static int settle_win(struct xpaint *x, struct swin *w)
{
	made_now(x, w);
	if (w->pgeom) {
		struct xs_win g = w->g;
		w->pgeom = 0;
		if (!geometry(x, w, &g))
			return 0;
	}
	if (w->ptitle) {
		title(x, w, &(struct xs_wtext){ w->id, w->tlen, w->text });
		w->ptitle = 0;
	}
	if (w->picon)
		set_icon(x, w);
	if (w->phints) {
		w->phints = 0;
		hints(x, w, &w->ph);
	}
	if (w->pshape) {
		w->pshape = 0;
		shape(x, w, &(struct xs_wshape){ w->id, w->nshp, w->shp });
	}
	return 1;
}

/* Every window's pending state, then the stacking. */
void sm_settle(struct xpaint *x)
{
	struct seamless *s = x->sm;
	if (!sm_on(x))
		return;
	for (size_t i = s->n; i-- > 0;)
		settle_win(x, &s->v[i]);
	if (s->pstack)
		stack(x);
}

void sm_record(struct xpaint *x, const struct xs_msg *m)
{
	struct seamless *s = x->sm;
	struct swin *w = NULL;
	uint32_t id = m->type == XS_WIN_TITLE || m->type == XS_WIN_CLASS ? m->u.wtext.id
		      : m->type == XS_WIN_ICON				  ? m->u.wicon.id
		      : m->type == XS_WIN_HINTS				  ? m->u.whints.id
		      : m->type == XS_WIN_SHAPE				  ? m->u.wshape.id
									  : m->u.win.id;
	if (m->type != XS_WIN_STACK && !(w = find(s, id)) && m->type != XS_WIN && m->type != XS_WIN_RECTS) {
		DBG(D_STREAM, "%s of window 0x%x, not shown here: ignored", xs_type_name(m->type), id);
		return;
	}
	switch (m->type) {
	case XS_WIN:
		if (w && ((w->flags ^ m->u.win.flags) & XS_WF_OVERRIDE))
			destroy(x, w), w = NULL; /* a new kind of window: made again */
		if (w) {
			w->stale = 0, w->g = m->u.win, w->pgeom = 1;
			if (w->iconic) { /* restored in the guest */
				w->iconic = 0;
				made_now(x, w);
				XMapRaised(x->v.dpy, w->win);
			}
		} else
			show_new(x, &m->u.win);
		break;
	case XS_WIN_GEOM: w->g = m->u.win, w->pgeom = 1; break;
	case XS_WIN_TITLE: pend_title(w, &m->u.wtext); break;
	case XS_WIN_CLASS: made_now(x, w), klass(x, w, &m->u.wtext); break;
	case XS_WIN_GONE: destroy(x, w); break;
	case XS_WIN_ICON: { /* the parser: whole, at most XS_WIN_ICON_MAX squared pixels */
		const struct xs_wicon *ic = &m->u.wicon;
		if (ic->w > XS_WIN_ICON_MAX || ic->h > XS_WIN_ICON_MAX)
			WARN_LIMITED("window 0x%x: a %ux%u icon (at most %ux%u): icon dropped", w->id, ic->w, ic->h,
				     XS_WIN_ICON_MAX, XS_WIN_ICON_MAX);
		else
			pend_icon(w, ic);
		break;
	}
	case XS_WIN_ICONIC:
		if (!w->iconic) { /* iconified in the guest: here too (unmapped when no manager would) */
			w->iconic = 1;
			made_now(x, w);
			XIconifyWindow(x->v.dpy, w->win, DefaultScreen(x->v.dpy));
			if (!xwm_running(x->v.dpy))
				XUnmapWindow(x->v.dpy, w->win);
			VERB("window 0x%x iconified by the guest", w->id);
		}
		break;
	case XS_WIN_STACK: pend_stack(s, &m->u.wstack); break;
	case XS_WIN_HINTS: w->ph = m->u.whints, w->phints = 1; break;
	case XS_WIN_SHAPE: pend_shape(w, &m->u.wshape); break;
	case XS_WIN_RECTS:
		s->target = id;
		s->have_target = 1;
		break;
	}
}

/* The staging memory for the windows' rects (view_stage_map). */
static void stage_new(struct xpaint *x, size_t len)
{
	struct seamless *s = x->sm;
	struct view *v = &x->v;
	if (s->stage) {
		if (s->seg)
			view_sync(v); /* the server has read it */
		view_stage_unmap(v, s->stage, s->stage_len, s->seg);
	}
	s->used = 0;
	s->stage_len = len;
	s->stage = view_stage_map(v, "xpaint-windows", "window staging", len, &s->seg);
}

/* Room for n bytes: after the used part, or from the start once the
 * server has read what it was given (a round trip). */
static uint8_t *stage_get(struct xpaint *x, size_t n, size_t *off)
{
	struct seamless *s = x->sm;
	n = (n + 63) & ~(size_t)63;
	if (n > s->stage_len)
		stage_new(x, n > SM_STAGE ? n : SM_STAGE);
	if (s->used + n > s->stage_len) {
		view_sync(&x->v);
		s->used = 0;
	}
	*off = s->used;
	s->used += n;
	return s->stage + *off;
}

static void put(struct xpaint *x, struct swin *w, struct xs_rect r, size_t off)
{
	struct seamless *s = x->sm;
	struct view *v = &x->v;
	if (s->seg) {
		xcb_shm_put_image(v->c, w->pic, XGContextFromGC(s->gc), (uint16_t)r.w, (uint16_t)r.h, 0, 0,
				  (uint16_t)r.w, (uint16_t)r.h, (int16_t)r.x, (int16_t)r.y, 24,
				  XCB_IMAGE_FORMAT_Z_PIXMAP, 0, s->seg, (uint32_t)off);
		return;
	}
	XImage *im = XCreateImage(v->dpy, DefaultVisual(v->dpy, DefaultScreen(v->dpy)), 24, ZPixmap, 0,
				  (char *)s->stage + off, r.w, r.h, 32, (int)r.w * 4);
	if (!im)
		die(EX_OS, "XCreateImage %ux%u:", r.w, r.h);
	XPutImage(v->dpy, w->pic, s->gc, im, 0, 0, (int)r.x, (int)r.y, r.w, r.h);
	im->data = NULL;
	XDestroyImage(im);
	s->used = 0; /* Xlib copied it */
}

/*
 * A rect of the window named by the last window-rects record, checked
 * against that window; decoded (or copied out of the ring) into staging
 * and put into the window's picture. A rect outside its window drops the
 * window; one before any window-rects record is a broken stream.
 */
int sm_rect(struct xpaint *x, struct xs_hdr h, uint64_t off, const struct xs_rect_msg *rm)
{
	struct xs_rect r = rm->r;
	struct seamless *s = x->sm;
	struct swin *w = find(s, s->target);
	char e[200];
	if (!s->have_target) {
		snprintf(x->err, sizeof x->err, "%s record at offset %llu: a rect before any window-rects record in a "
			 "seamless stream", xs_type_name(h.type), (unsigned long long)off);
		return -1;
	}
	if (!w)
		return 0; /* a window not shown here */
	if ((w->pgeom || !w->win) && !settle_win(x, w))
		return 0; /* its new geometry broke the limits: gone */
	if (xs_check_rect(r, w->w, w->h, e, sizeof e)) {
		violation(x, V_RECT, w->id, "%s", e);
		destroy(x, w);
		return 0;
	}
	size_t so;
	uint8_t *dst = stage_get(x, xs_rect_area(r) * 4, &so);
	if (xs_decode(x->codec, rm, dst, (size_t)r.w * 4, e, sizeof e)) {
		snprintf(x->err, sizeof x->err, "%s record at offset %llu: %s", xs_type_name(h.type),
			 (unsigned long long)off, e);
		return -1;
	}
	put(x, w, r, so);
	w->box = w->dirty ? xs_rect_union(w->box, r) : r;
	w->dirty = 1;
	x->st.rects++;
	DBG(D_STREAM, "window 0x%x rect %s %ux%u+%u+%u", w->id, xs_enc_name(rm->enc), r.w, r.h, r.x, r.y);
	return 0;
}

/* The frame end: every changed window shows its new picture at once. */
void sm_frame(struct xpaint *x)
{
	struct seamless *s = x->sm;
	struct view *v = &x->v;
	unsigned nd = 0;
	if (!sm_on(x))
		return;
	s->target = 0;
	s->have_target = 0;
	sm_settle(x);
	if (s->sweep) { /* the source announced again what it still shows */
		for (size_t i = s->n; i-- > 0;)
			if (s->v[i].stale)
				destroy(x, &s->v[i]);
		s->sweep = 0;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct swin *w = &s->v[i];
		if (w->unmapped && !(w->iconic && !xwm_running(v->dpy))) {
			if (w->iconic) { /* iconified in the guest before it was ever shown here */
				XWMHints wm = { .flags = InputHint | StateHint, .input = True, .initial_state = IconicState };
				XSetWMHints(v->dpy, w->win, &wm);
			}
			XMapWindow(v->dpy, w->win);
			w->unmapped = 0;
		}
		nd += (unsigned)w->dirty;
	}
	if (nd > 1)
		XGrabServer(v->dpy);
	for (size_t i = 0; i < s->n; i++) {
		struct swin *w = &s->v[i];
		if (!w->dirty)
			continue;
		struct xs_rect b = w->box;
		if (b.w && b.h)
			XCopyArea(v->dpy, w->pic, w->win, s->gc, (int)b.x, (int)b.y, b.w, b.h, (int)b.x + v->bw,
				  (int)b.y + v->bw);
		w->dirty = 0;
	}
	if (nd > 1)
		XUngrabServer(v->dpy);
	XFlush(v->dpy);
}

void sm_cursor(struct xpaint *x)
{
	if (!sm_on(x))
		return;
	Cursor c = x->v.hidden ? x->v.blank : x->v.cursor;
	for (size_t i = 0; i < x->sm->n; i++)
		if (x->sm->v[i].win)
			XDefineCursor(x->v.dpy, x->sm->v[i].win, c);
}

/* A hello asking for seamless windows: the source sends every window it
 * shows again before its first frame. A host window whose guest id comes
 * again is kept (its focus, its place on the host), the others go at that
 * frame; the whole-screen window (an earlier source's) hides. */
void sm_hello(struct xpaint *x, uint32_t w, uint32_t h)
{
	struct view *v = &x->v;
	if (!x->sm) {
		if (!(x->sm = calloc(1, sizeof *x->sm)))
			die(EX_OS, "no memory");
		x->sm->net_name = XInternAtom(v->dpy, "_NET_WM_NAME", False);
		x->sm->utf8 = XInternAtom(v->dpy, "UTF8_STRING", False);
		x->sm->wm_delete = XInternAtom(v->dpy, "WM_DELETE_WINDOW", False);
		x->sm->net_icon = XInternAtom(v->dpy, "_NET_WM_ICON", False);
		x->sm->net_type = XInternAtom(v->dpy, "_NET_WM_WINDOW_TYPE", False);
		x->sm->net_state = XInternAtom(v->dpy, "_NET_WM_STATE", False);
		x->sm->modal = XInternAtom(v->dpy, "_NET_WM_STATE_MODAL", False);
		static const char *const tn[XS_WT_N] = { "NORMAL", "DIALOG", "UTILITY", "TOOLBAR", "MENU", "SPLASH" };
		for (int i = 0; i < XS_WT_N; i++) {
			char an[64];
			snprintf(an, sizeof an, "_NET_WM_WINDOW_TYPE_%s", tn[i]);
			x->sm->types[i] = XInternAtom(v->dpy, an, False);
		}
		x->sm->gc = XCreateGC(v->dpy, RootWindow(v->dpy, DefaultScreen(v->dpy)), 0, NULL);
		stage_new(x, SM_STAGE);
	}
	struct seamless *s = x->sm;
	if (!s->on)
		destroy_all(x);
	for (size_t i = 0; i < s->n; i++)
		s->v[i].stale = 1;
	s->sweep = 1;
	s->on = 1;
	s->target = 0, s->have_target = 0, s->focus = 0; /* named again before the next key */
	s->scr_w = (uint32_t)DisplayWidth(v->dpy, DefaultScreen(v->dpy));
	s->scr_h = (uint32_t)DisplayHeight(v->dpy, DefaultScreen(v->dpy));
	view_discard_frame(v);
	if (v->win)
		XUnmapWindow(v->dpy, v->win);
	v->sw = w, v->sh = h; /* the guest's screen: pointer positions are clamped to it */
	VERB("seamless windows from a %ux%u screen, at most %u", w, h, x->max_windows);
}

/*
 * After the control hello: a guest screen smaller than the host's is
 * asked to grow to it (RandR; as Xpra sizes its virtual screen to the
 * client's), so that every place on the host screen is a place on the
 * guest's. A guest that cannot keeps its size (xcap says so), and
 * configured() keeps its windows inside it.
 */
void sm_grow(struct xpaint *x)
{
	struct seamless *s = x->sm;
	uint32_t w = x->v.sw > s->scr_w ? x->v.sw : s->scr_w, h = x->v.sh > s->scr_h ? x->v.sh : s->scr_h;
	if (w == x->v.sw && h == x->v.sh)
		return;
	VERB("asking the source to grow its %ux%u screen to %ux%u (the host's)", x->v.sw, x->v.sh, w, h);
	ctl_size(&x->k, w, h);
}

/* A whole-screen hello after seamless windows: they go. */
void sm_off(struct xpaint *x)
{
	if (!sm_on(x))
		return;
	destroy_all(x);
	x->sm->on = 0;
	if (x->v.win)
		XMapWindow(x->v.dpy, x->v.win);
}

/*
 * The host moved or resized our window (a window manager, the user):
 * ask the guest for the same, once per distinct geometry. A place beyond
 * the guest's screen (smaller than the host's, and it could not grow) is
 * asked as the nearest place inside it: the host window stays where the
 * user put it and shows the guest window from there, and input, sent
 * relative to the guest window, lands on the pixel clicked (the pointer
 * cannot go beyond the guest screen).
 */
static void configured(struct xpaint *x, struct swin *w, XConfigureEvent *e)
{
	Window child;
	int rx, ry, bw = x->v.bw;
	uint8_t rec[XS_BUILD_MAX];
	if (!XTranslateCoordinates(x->v.dpy, w->win, RootWindow(x->v.dpy, DefaultScreen(x->v.dpy)), 0, 0, &rx, &ry,
				   &child))
		return;
	if (e->width <= 2 * bw || e->height <= 2 * bw)
		return;
	struct xs_win m = { w->id, rx + bw, ry + bw, (uint32_t)(e->width - 2 * bw), (uint32_t)(e->height - 2 * bw), 0, 0 };
	m.x = inside(m.x, m.w, x->v.sw), m.y = inside(m.y, m.h, x->v.sh);
	if (m.x == w->x && m.y == w->y && m.w == w->w && m.h == w->h)
		return; /* where the guest has it */
	if (w->req && m.x == w->rx && m.y == w->ry && m.w == w->rw && m.h == w->rh)
		return; /* asked already */
	if (ctl_window(&x->k, rec, xs_build_win(rec, XS_C_WIN_CONFIGURE, &m))) {
		w->req = 1, w->rx = m.x, w->ry = m.y, w->rw = m.w, w->rh = m.h, w->req_at = mono_ns();
		DBG(D_INPUT, "window 0x%x: asked for %ux%u%+d%+d", w->id, m.w, m.h, m.x, m.y);
	}
}

/* Keys go to the focused guest window: it is named before input (again
 * at every host focus change, in case the guest moved its focus). */
static void focus(struct xpaint *x, struct swin *w, int again)
{
	uint8_t rec[XS_BUILD_MAX];
	if ((x->sm->focus == w->id && !again) || (w->flags & XS_WF_OVERRIDE))
		return;
	if (ctl_window(&x->k, rec, xs_build_winid(rec, XS_C_WIN_FOCUS, w->id)))
		x->sm->focus = w->id;
}

static void close_req(struct xpaint *x, struct swin *w)
{
	uint8_t rec[XS_BUILD_MAX];
	if (x->stream_over) { /* nobody to ask: it goes here */
		destroy(x, w);
		return;
	}
	ctl_window(&x->k, rec, xs_build_winid(rec, XS_C_WIN_CLOSE, w->id));
	VERB("window 0x%x: close asked of the guest", w->id);
}

/* Minimized or restored on the host: the guest window follows. */
static void host_state(struct xpaint *x, struct swin *w, int mapped)
{
	uint8_t rec[XS_BUILD_MAX];
	if (w->flags & XS_WF_OVERRIDE)
		return;
	if (!mapped && !w->iconic && xwm_iconic(x->v.dpy, w->win)) {
		w->iconic = 1;
		ctl_window(&x->k, rec, xs_build_winid(rec, XS_C_WIN_ICONIFY, w->id));
		VERB("window 0x%x: iconify asked of the guest", w->id);
	} else if (mapped && w->iconic) {
		w->iconic = 0;
		x->sm->focus = w->id;
		ctl_window(&x->k, rec, xs_build_winid(rec, XS_C_WIN_FOCUS, w->id));
		VERB("window 0x%x: restore asked of the guest", w->id);
	}
}

/* Ctrl+Alt+F in seamless window hw: that window full screen and back (the
 * guest window follows as for any host resize). 0: not one of ours. */
int sm_fullscreen(struct xpaint *x, Window hw)
{
	struct swin *w = x->sm ? by_host(x->sm, hw) : NULL;
	if (!w)
		return 0;
	if (!(w->flags & XS_WF_OVERRIDE))
		view_fullscreen_win(x->v.dpy, w->win, &w->full);
	return 1;
}

static int covered(const struct seamless *s, int32_t px, int32_t py)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct swin *w = &s->v[i];
		if (!w->iconic && px >= w->x && py >= w->y && px - w->x < (int64_t)w->w && py - w->y < (int64_t)w->h)
			return 1;
	}
	return 0;
}

/*
 * The host pointer left our windows: the guest pointer leaves its windows
 * too, to a place of the guest screen no window covers (a corner, else a
 * 32-pixel grid), so that the guest window it was over gets its
 * LeaveNotify and shows no hover or tooltip for a pointer that is not
 * there. A pointer going into another of our windows follows at once
 * (its EnterNotify, its motion).
 */
static void park(struct xpaint *x)
{
	const struct seamless *s = x->sm;
	int32_t w = (int32_t)x->v.sw, h = (int32_t)x->v.sh;
	const int32_t cx[4] = { w - 1, 0, w - 1, 0 }, cy[4] = { h - 1, h - 1, 0, 0 };
	for (int i = 0; i < 4; i++)
		if (!covered(s, cx[i], cy[i])) {
			ctl_motion(&x->k, &x->v, cx[i], cy[i]);
			return;
		}
	for (int32_t py = 0; py < h; py += 32)
		for (int32_t px = 0; px < w; px += 32)
			if (!covered(s, px, py)) {
				ctl_motion(&x->k, &x->v, px, py);
				return;
			}
}

/* The stream ended: every managed window's title says so (they stay
 * until closed). */
void sm_disconnected(struct xpaint *x)
{
	for (size_t i = 0; sm_on(x) && i < x->sm->n; i++)
		if (!(x->sm->v[i].flags & XS_WF_OVERRIDE) && x->sm->v[i].win)
			view_title_disconnected(x->v.dpy, x->sm->v[i].win);
}

/* X events of our seamless windows; 1 when e was one of theirs. */
int sm_event(struct xpaint *x, XEvent *e)
{
	struct seamless *s = x->sm;
	struct view *v = &x->v;
	struct swin *w = by_host(s, e->xany.window);
	if (!w)
		return 0;
	switch (e->type) {
	case Expose: {
		struct xs_rect b = xs_rect_clip(e->xexpose.x - v->bw, e->xexpose.y - v->bw, e->xexpose.width,
						e->xexpose.height, w->w, w->h);
		if (b.w)
			XCopyArea(v->dpy, w->pic, w->win, s->gc, (int)b.x, (int)b.y, b.w, b.h, (int)b.x + v->bw,
				  (int)b.y + v->bw);
		break;
	}
	case ConfigureNotify:
		configured(x, w, &e->xconfigure);
		break;
	case ClientMessage:
		if ((Atom)e->xclient.data.l[0] == s->wm_delete)
			close_req(x, w);
		break;
	case DestroyNotify: /* not by us: we forget a window before we destroy it */
		close_req(x, w);
		if ((w = by_host(s, e->xany.window)))
			destroy(x, w); /* its XDestroyWindow fails harmlessly */
		break;
	case FocusIn:
		focus(x, w, 1);
		break;
	case UnmapNotify:
		ctl_release_all(&x->k);
		host_state(x, w, 0);
		break;
	case MapNotify:
		host_state(x, w, 1);
		break;
	case FocusOut:
		ctl_release_all(&x->k);
		break;
	case EnterNotify:
		if (e->xcrossing.mode == NotifyNormal)
			ctl_motion(&x->k, v, w->x - v->bw + e->xcrossing.x, w->y - v->bw + e->xcrossing.y);
		break;
	case LeaveNotify:
		if (e->xcrossing.mode == NotifyNormal && e->xcrossing.detail != NotifyInferior)
			park(x);
		break;
	case KeyPress:
	case ButtonPress:
		focus(x, w, 0);
		/* fall through */
	default:
		ctl_event_at(&x->k, v, e, w->x - v->bw, w->y - v->bw);
	}
	return 1;
}
