/*
 * The X side of xpaint. Rects of a frame are decoded into a private staging
 * image shared with the X server (MIT-SHM, memfd passed with attach_fd),
 * or referenced in the ring file; at the frame end they are put straight
 * into the window in stream order, in one batch under a server grab, and a
 * little later (off the latency path) into a backing pixmap too. The
 * pixmap therefore only ever holds whole frames, and exposures are
 * repainted from it (after any pending backfill) without asking the
 * source.
 */
#include "xpaint.h"
#include "util.h"

#include "title.h"

#include <X11/Xatom.h>
#include <X11/Xcursor/Xcursor.h>
#include <X11/Xlib-xcb.h>
#include <X11/XKBlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xrender.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static int xerror(Display *d, XErrorEvent *e)
{
	char msg[128];
	XGetErrorText(d, e->error_code, msg, sizeof msg);
	DBG(D_X, "X error: %s (request %u.%u)", msg, e->request_code, e->minor_code);
	return 0;
}

static int xioerror(Display *d)
{
	(void)d;
	die(EX_NOX, "lost the connection to the X server");
}

/* The stream's pixels are BGRX: the X server must take them as they are. */
static void check_visual(struct view *v)
{
	Display *d = v->dpy;
	Visual *vis = DefaultVisual(d, DefaultScreen(d));
	int n, ok = 0;
	XPixmapFormatValues *f = XListPixmapFormats(d, &n);
	for (int i = 0; f && i < n; i++)
		if (f[i].depth == 24 && f[i].bits_per_pixel == 32)
			ok = 1;
	XFree(f);
	if (!ok || DefaultDepth(d, DefaultScreen(d)) != 24 || vis->red_mask != 0xff0000 ||
	    vis->green_mask != 0xff00 || vis->blue_mask != 0xff || ImageByteOrder(d) != LSBFirst)
		die(EX_NOX, "display %s: needs a 24-bit TrueColor visual with 32-bit little-endian pixels",
		    DisplayString(d));
}

static void check_shm(struct view *v)
{
	const xcb_query_extension_reply_t *e = xcb_get_extension_data(v->c, &xcb_shm_id);
	if (!e || !e->present) {
		warn_line("display has no MIT-SHM: painting with plain PutImage (slower)");
		return;
	}
	xcb_shm_query_version_reply_t *r = xcb_shm_query_version_reply(v->c, xcb_shm_query_version(v->c), NULL);
	if (r && (r->major_version > 1 || (r->major_version == 1 && r->minor_version >= 2)))
		v->shm = 1;
	else
		warn_line("MIT-SHM older than 1.2 (no fd passing): painting with plain PutImage (slower)");
	free(r);
}

void view_open(struct view *v)
{
	v->dpy = XOpenDisplay(NULL);
	if (!v->dpy)
		die(EX_NOX, "cannot open display %s", getenv("DISPLAY") ? getenv("DISPLAY") : "(DISPLAY unset)");
	XSetErrorHandler(xerror);
	XSetIOErrorHandler(xioerror);
	/* A held key repeats as presses alone, not release/press pairs: the
	 * control stream says a key is held until the user lets it go, and
	 * xcap types each repeat on the guest (whose own repeat it stops). */
	Bool detectable = False;
	XkbSetDetectableAutoRepeat(v->dpy, True, &detectable);
	if (!detectable)
		DBG(D_INPUT, "no detectable autorepeat: host repeats come as release/press pairs");
	v->c = XGetXCBConnection(v->dpy);
	check_visual(v);
	check_shm(v);
	v->maxreq = xcb_get_maximum_request_length(v->c) * 4;
	v->stage_seg = v->ring_seg = 0;
}

/*
 * Where the picture goes in the window: at the border, 1:1; with -s and a
 * window whose inside is not the surface's size, scaled to fit it keeping
 * the aspect ratio, centred, through XRender with the chosen filter.
 */
static void layout(struct view *v)
{
	uint32_t b2 = 2 * (uint32_t)v->bw;
	uint32_t iw = v->ww > b2 ? v->ww - b2 : 1, ih = v->wh > b2 ? v->wh - b2 : 1;
	int was = v->scaled;
	v->scaled = v->scale && v->sw && (iw != v->sw || ih != v->sh);
	v->ox = v->oy = v->bw;
	v->pw = v->sw, v->ph = v->sh;
	if (!v->scaled) {
		if (was)
			XRenderSetPictureTransform(v->dpy, v->src_pict, &(XTransform){ { { XDoubleToFixed(1), 0, 0 },
				{ 0, XDoubleToFixed(1), 0 }, { 0, 0, XDoubleToFixed(1) } } });
		return;
	}
	if ((uint64_t)iw * v->sh <= (uint64_t)ih * v->sw) /* width bound */
		v->pw = iw, v->ph = (uint32_t)(((uint64_t)v->sh * iw + v->sw / 2) / v->sw);
	else
		v->ph = ih, v->pw = (uint32_t)(((uint64_t)v->sw * ih + v->sh / 2) / v->sh);
	if (!v->pw)
		v->pw = 1;
	if (!v->ph)
		v->ph = 1;
	v->ox = v->bw + (int32_t)(iw - v->pw) / 2;
	v->oy = v->bw + (int32_t)(ih - v->ph) / 2;
	XTransform t = { { { XDoubleToFixed((double)v->sw / v->pw), 0, 0 },
			   { 0, XDoubleToFixed((double)v->sh / v->ph), 0 },
			   { 0, 0, XDoubleToFixed(1) } } };
	XRenderSetPictureTransform(v->dpy, v->src_pict, &t);
	XRenderSetPictureFilter(v->dpy, v->src_pict, v->scale == SCALE_NEAREST ? FilterNearest : FilterBilinear, NULL, 0);
}

/* Window coordinates to surface ones (clamped into the surface). */
void view_to_surface(const struct view *v, int x, int y, int32_t *sx, int32_t *sy)
{
	int64_t a = (int64_t)x - v->ox, b = (int64_t)y - v->oy;
	if (v->scaled) {
		a = a * v->sw / v->pw;
		b = b * v->sh / v->ph;
	}
	*sx = a < 0 ? 0 : a >= v->sw ? (int32_t)v->sw - 1 : (int32_t)a;
	*sy = b < 0 ? 0 : b >= v->sh ? (int32_t)v->sh - 1 : (int32_t)b;
}

/* The scaled picture's part covering area a (in the picture's place in
 * the window: window coordinates minus ox, oy; clipped to it), in one
 * Composite request. */
static void show_scaled(struct view *v, int64_t x, int64_t y, int64_t w, int64_t h)
{
	struct xs_rect a = xs_rect_clip(x, y, w, h, v->pw, v->ph);
	if (!a.w)
		return;
	XRenderComposite(v->dpy, PictOpSrc, v->src_pict, None, v->dst_pict, (int)a.x, (int)a.y, 0, 0,
			 (int)a.x + v->ox, (int)a.y + v->oy, a.w, a.h);
}

/* Surface area a of the picture to the scaled window, widened by a pixel
 * for the bilinear filter's reach. */
static void show_scaled_src(struct view *v, struct xs_rect r)
{
	int64_t a = (int64_t)r.x * v->pw / v->sw - 1, b = (int64_t)r.y * v->ph / v->sh - 1;
	int64_t c = ((int64_t)(r.x + r.w) * v->pw + v->sw - 1) / v->sw + 1;
	int64_t d = ((int64_t)(r.y + r.h) * v->ph + v->sh - 1) / v->sh + 1;
	show_scaled(v, a, b, c - a, d - b);
}

/* A window the size of the surface plus the border, mapped, with the WM
 * hints a desktop expects. Its background is None: we paint all of it. */
static void create_window(struct view *v)
{
	Display *d = v->dpy;
	int scr = DefaultScreen(d);
	XSetWindowAttributes a = { 0 };
	a.background_pixmap = None;
	a.event_mask = ExposureMask | KeyPressMask | KeyReleaseMask | ButtonPressMask | ButtonReleaseMask |
		       PointerMotionMask | FocusChangeMask | StructureNotifyMask | EnterWindowMask | LeaveWindowMask;
	v->ww = v->sw + 2 * (uint32_t)v->bw;
	v->wh = v->sh + 2 * (uint32_t)v->bw;
	v->win = XCreateWindow(d, RootWindow(d, scr), 0, 0, v->ww, v->wh, 0, 24, InputOutput,
			       DefaultVisual(d, scr), CWBackPixmap | CWEventMask, &a);
	v->a_netname = XInternAtom(d, "_NET_WM_NAME", False);
	v->a_utf8 = XInternAtom(d, "UTF8_STRING", False);
	view_title(v, NULL, 0);
	XClassHint ch = { "xpaint", "Xpaint" };
	XSetClassHint(d, v->win, &ch);
	XWMHints wm = { .flags = InputHint, .input = True };
	XSetWMHints(d, v->win, &wm);
	v->wm_delete = XInternAtom(d, "WM_DELETE_WINDOW", False);
	XSetWMProtocols(d, v->win, &v->wm_delete, 1);
	v->gc_put = XCreateGC(d, v->win, 0, NULL);
	v->gc_copy = XCreateGC(d, v->win, 0, NULL);
	XGCValues gv = { .foreground = v->border_px };
	v->gc_fill = XCreateGC(d, v->win, GCForeground, &gv);
	if (v->scale) {
		XRenderPictFormat *f = XRenderFindVisualFormat(d, DefaultVisual(d, scr));
		if (!f)
			die(EX_NOX, "-s: the display's visual has no XRender format");
		v->dst_pict = XRenderCreatePicture(d, v->win, f, 0, NULL);
	}
	layout(v);
	XMapWindow(d, v->win);
}

/*
 * Staging memory of len bytes that the X server reads pixels from: a
 * memfd it maps too (*seg its segment), or private memory (*seg 0) when it
 * cannot take one; then MIT-SHM is not tried again. name: the memfd's;
 * what: the staging's in messages.
 */
uint8_t *view_stage_map(struct view *v, const char *name, const char *what, size_t len, xcb_shm_seg_t *seg)
{
	uint8_t *p;
	*seg = 0;
	if (v->shm) {
		int fd = memfd_create(name, MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
			die(EX_OS, "memfd for %s:", what);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die(EX_OS, "mmap of %s:", what);
		*seg = xcb_generate_id(v->c);
		xcb_generic_error_t *e = xcb_request_check(v->c, xcb_shm_attach_fd_checked(v->c, *seg, fd, 0));
		if (!e)
			return p;
		free(e);
		warn_line("MIT-SHM attach failed (remote display?): painting with plain PutImage (slower)");
		munmap(p, len);
		*seg = 0;
		v->shm = 0;
	}
	if (!(p = calloc(1, len)))
		die(EX_OS, "%s of %zu bytes:", what, len);
	return p;
}

/* Gives back what view_stage_map gave (NULL: nothing); the server must be
 * done reading it. */
void view_stage_unmap(struct view *v, uint8_t *p, size_t len, xcb_shm_seg_t seg)
{
	if (seg) {
		xcb_shm_detach(v->c, seg);
		munmap(p, len);
	} else {
		free(p);
	}
}

static void free_stage(struct view *v)
{
	view_stage_unmap(v, v->stage, v->stage_len, v->stage_seg);
	v->stage_seg = 0;
	v->stage = NULL;
}

/* The staging image: the surface's size. */
static void new_stage(struct view *v)
{
	v->stage_len = (size_t)v->sw * v->sh * 4; /* <= 256 MiB, xs_check_size */
	v->stage = view_stage_map(v, "xpaint-stage", "the staging image", v->stage_len, &v->stage_seg);
}

/* Called at every hello and resize: window, pixmap and staging follow the
 * surface; the old picture stays in the new pixmap where it fits. */
void view_surface(struct view *v, uint32_t w, uint32_t h)
{
	if (v->win && w == v->sw && h == v->sh)
		return;
	view_backfill(v);
	uint32_t ow = v->sw, oh = v->sh;
	v->sw = w;
	v->sh = h;
	int first = !v->win;
	if (first)
		create_window(v);
	else if (!v->scale && !v->full.on) /* -s and full screen keep the window's size: the picture follows */
		XResizeWindow(v->dpy, v->win, w + 2 * (uint32_t)v->bw, h + 2 * (uint32_t)v->bw);
	Pixmap old = v->pic;
	v->pic = XCreatePixmap(v->dpy, v->win, w, h, 24);
	layout(v);
	if (v->scale) {
		XRenderPictureAttributes pa = { .repeat = RepeatPad };
		if (v->src_pict)
			XRenderFreePicture(v->dpy, v->src_pict);
		v->src_pict = XRenderCreatePicture(v->dpy, v->pic, XRenderFindStandardFormat(v->dpy, PictStandardRGB24),
						   CPRepeat, &pa);
		layout(v);
		if (!first && v->scaled)
			XClearArea(v->dpy, v->win, 0, 0, 0, 0, True); /* everything again, at the new scale */
	}
	XSetForeground(v->dpy, v->gc_put, 0);
	XFillRectangle(v->dpy, v->pic, v->gc_put, 0, 0, w, h);
	if (old) {
		XCopyArea(v->dpy, old, v->pic, v->gc_put, 0, 0, ow < w ? ow : w, oh < h ? oh : h, 0, 0);
		XFreePixmap(v->dpy, old);
	}
	view_discard_frame(v);
	view_sync(v);
	free_stage(v);
	new_stage(v);
	DBG(D_X, "surface %ux%u, window 0x%lx, %s", w, h, v->win, v->shm ? "MIT-SHM" : "PutImage");
}

/* The staging image, safe to write: requests still reading it are done. */
uint8_t *view_stage(struct view *v)
{
	if (v->backfill)
		view_backfill(v);
	if (v->stage_busy)
		view_sync(v);
	return v->stage;
}

/* A round trip: every request sent so far has been executed. */
void view_sync(struct view *v)
{
	free(xcb_get_input_focus_reply(v->c, xcb_get_input_focus(v->c), NULL));
	v->stage_busy = 0;
}

static void reset_ops(struct view *v)
{
	v->nops = 0;
	v->nring = 0;
	v->ring_bytes = 0;
	v->ndmg = 0;
	v->dmg_all = 0;
	v->dmg_box = (struct xs_rect){ 0, 0, 0, 0 };
}

/* A rect of the open frame (the first one sends the last frame's
 * backfill: the ops are shared). */
void view_add(struct view *v, const struct op *o)
{
	if (v->backfill)
		view_backfill(v);
	v->ops = xs_grow(v->ops, &v->opcap, v->nops + 1, sizeof *v->ops, 64);
	v->ops[v->nops++] = *o;
	if (o->ring) {
		v->nring++;
		v->ring_bytes += xs_rect_area(o->r) * 4;
	}
	if (v->ndmg < MAX_DMG)
		v->dmg[v->ndmg++] = o->r;
	else
		v->dmg_all = 1;
	v->dmg_box = xs_rect_union(v->dmg_box, o->r);
}

/* Without MIT-SHM: plain PutImage in bands that fit one request. */
static void put_plain(struct view *v, const struct op *o)
{
	struct xs_rect r = o->r;
	size_t row = (size_t)r.w * 4, stride = (size_t)v->sw * 4;
	uint32_t band = (uint32_t)((v->maxreq - 64) / row);
	uint8_t *tmp = malloc(row * (band ? band : 1));
	if (!tmp || !band)
		die(EX_OS, "PutImage band of %zu bytes:", row);
	for (uint32_t y = 0; y < r.h; y += band) {
		uint32_t n = r.h - y < band ? r.h - y : band;
		for (uint32_t i = 0; i < n; i++)
			memcpy(tmp + i * row, v->stage + (size_t)(r.y + y + i) * stride + (size_t)r.x * 4, row);
		xcb_put_image(v->c, XCB_IMAGE_FORMAT_Z_PIXMAP, v->pic, XGContextFromGC(v->gc_put), (uint16_t)r.w,
			      (uint16_t)n, (int16_t)r.x, (int16_t)(r.y + y), 0, 24, (uint32_t)(row * n), tmp);
	}
	free(tmp);
}

/* One rect from the staging image or the ring into drawable d, its
 * top-left corner at dx,dy. */
static void put_to(struct view *v, xcb_drawable_t d, const struct op *o, int dx, int dy)
{
	xcb_gcontext_t gc = XGContextFromGC(v->gc_put);
	struct xs_rect r = o->r;
	if (o->ring)
		xcb_shm_put_image(v->c, d, gc, (uint16_t)r.w, (uint16_t)r.h, 0, 0, (uint16_t)r.w, (uint16_t)r.h,
				  (int16_t)((int)r.x + dx), (int16_t)((int)r.y + dy), 24, XCB_IMAGE_FORMAT_Z_PIXMAP, 0,
				  v->ring_seg, (uint32_t)o->off);
	else
		xcb_shm_put_image(v->c, d, gc, (uint16_t)v->sw, (uint16_t)v->sh, (uint16_t)r.x, (uint16_t)r.y,
				  (uint16_t)r.w, (uint16_t)r.h, (int16_t)((int)r.x + dx), (int16_t)((int)r.y + dy), 24,
				  XCB_IMAGE_FORMAT_Z_PIXMAP, 0, v->stage_seg, 0);
}

static void put(struct view *v, const struct op *o)
{
	if (o->ring || v->stage_seg)
		put_to(v, v->pic, o, 0, 0);
	else
		put_plain(v, o);
}

/* Copies the picture's area a to the window, clipped to rects r (or not
 * at all with n == 0), in one CopyArea request. */
static void show(struct view *v, const struct xs_rect *r, int n, struct xs_rect a)
{
	XRectangle clip[MAX_DMG];
	if (!a.w || !a.h)
		return;
	if (v->scaled) {
		show_scaled_src(v, a);
		return;
	}
	for (int i = 0; i < n; i++) /* within the surface: they fit X's 16 bits */
		clip[i] = (XRectangle){ (short)r[i].x, (short)r[i].y, (unsigned short)r[i].w, (unsigned short)r[i].h };
	if (n)
		XSetClipRectangles(v->dpy, v->gc_copy, v->ox, v->oy, clip, n, Unsorted);
	else
		XSetClipMask(v->dpy, v->gc_copy, None);
	XCopyArea(v->dpy, v->pic, v->win, v->gc_copy, (int)a.x, (int)a.y, a.w, a.h, (int)a.x + v->ox, (int)a.y + v->oy);
}

/*
 * The frame end. With MIT-SHM every rect goes straight to the window, in
 * one batch inside a server grab (no other client sees the window between
 * two of them) and one flush: the server copies each pixel once before it
 * is on screen. view_backfill() later puts the same rects into the pixmap.
 * Without MIT-SHM the rects go into the pixmap and the damage is copied to
 * the window in one request.
 */
void view_flush_frame(struct view *v)
{
	if (!v->nops) {
		XFlush(v->dpy);
		return;
	}
	if (v->scaled) { /* into the pixmap, then scaled to the window */
		for (size_t i = 0; i < v->nops; i++)
			put(v, &v->ops[i]);
		show_scaled_src(v, v->dmg_box);
		v->stage_busy = 1;
		reset_ops(v);
		XFlush(v->dpy);
		return;
	}
	if (v->stage_seg) {
		if (v->nops > 1)
			xcb_grab_server(v->c);
		for (size_t i = 0; i < v->nops; i++)
			put_to(v, v->win, &v->ops[i], v->ox, v->oy);
		if (v->nops > 1)
			xcb_ungrab_server(v->c);
		v->stage_busy = 1;
		v->backfill = 1;
		v->backfill_at = mono_ns() + BACKFILL_NS;
		XFlush(v->dpy);
		return;
	}
	for (size_t i = 0; i < v->nops; i++)
		put(v, &v->ops[i]);
	show(v, v->dmg, v->dmg_all ? 0 : v->ndmg, v->dmg_box);
	v->stage_busy = 1;
	reset_ops(v);
	XFlush(v->dpy);
}

/*
 * The last frame's rects into the pixmap too, from the same staging image
 * or ring, so that exposures repaint whole frames from it. Called when the
 * pixmap, the staging image or the ops are needed next, or BACKFILL_NS
 * after the frame end: the server paints the window and serves other
 * clients (a compositor) before it does this second copy.
 */
void view_backfill(struct view *v)
{
	if (!v->backfill)
		return;
	v->backfill = 0;
	for (size_t i = 0; i < v->nops; i++)
		put_to(v, v->pic, &v->ops[i], 0, 0);
	v->stage_busy = 1;
	reset_ops(v);
	XFlush(v->dpy);
}

/* The open frame is dropped; a flushed one still goes into the pixmap. */
void view_discard_frame(struct view *v)
{
	if (v->backfill)
		view_backfill(v);
	reset_ops(v);
}

/* Border and whatever lies outside the picture, then the picture, for the
 * exposed bounding box. */
static void paint_exposed(struct view *v)
{
	view_backfill(v);
	struct xs_rect e = v->exp_box;
	XRectangle clip = { (short)e.x, (short)e.y, (unsigned short)e.w, (unsigned short)e.h };
	uint32_t W = v->ww, H = v->wh, px = (uint32_t)v->ox, py = (uint32_t)v->oy;
	XRectangle s[4] = {
		{ 0, 0, (unsigned short)W, (unsigned short)py },
		{ 0, (short)(py + v->ph), (unsigned short)W, (unsigned short)(H > py + v->ph ? H - py - v->ph : 0) },
		{ 0, (short)py, (unsigned short)px, (unsigned short)v->ph },
		{ (short)(px + v->pw), (short)py, (unsigned short)(W > px + v->pw ? W - px - v->pw : 0), (unsigned short)v->ph },
	};
	XSetClipRectangles(v->dpy, v->gc_fill, 0, 0, &clip, 1, Unsorted);
	XFillRectangles(v->dpy, v->win, v->gc_fill, s, 4);
	if (v->scaled)
		show_scaled(v, (int64_t)e.x - v->ox, (int64_t)e.y - v->oy, e.w, e.h);
	else
		show(v, NULL, 0, xs_rect_clip((int64_t)e.x - v->ox, (int64_t)e.y - v->oy, e.w, e.h, v->sw, v->sh));
	v->exp_pending = 0;
}

/* Exposures gather into one box, repainted from the pixmap (which holds
 * only whole frames) when the last of a series arrives. */
void view_expose(struct view *v, struct xs_rect r, int last)
{
	v->exp_box = v->exp_pending ? xs_rect_union(v->exp_box, r) : r;
	v->exp_pending = 1;
	if (last)
		paint_exposed(v);
}

/* The window's new size: with -s the whole picture again, at its scale. */
void view_configured(struct view *v, uint32_t w, uint32_t h)
{
	int same = v->ww == w && v->wh == h;
	v->ww = w;
	v->wh = h;
	if (same || !v->scale)
		return;
	view_backfill(v);
	layout(v);
	XClearArea(v->dpy, v->win, 0, 0, 0, 0, True);
}

/* The host window's title: the -t name, and what the guest says after it
 * as "[name] text", sanitised (lib/title.c). Never the guest's alone. */
void view_title(struct view *v, const uint8_t *untrusted, uint32_t len)
{
	char t[XS_TITLE_BUF];
	size_t n = xs_title_prefixed(t, v->title, untrusted, len);
	if (!v->win)
		return;
	/* WM_NAME as ICCCM wants it (STRING, or COMPOUND_TEXT past Latin-1:
	 * XFetchName readers), _NET_WM_NAME in UTF-8 */
	XTextProperty tp;
	char *list[1] = { t };
	if (Xutf8TextListToTextProperty(v->dpy, list, 1, XStdICCTextStyle, &tp) == Success) {
		XSetWMName(v->dpy, v->win, &tp);
		XSetWMIconName(v->dpy, v->win, &tp);
		XFree(tp.value);
	} else {
		XChangeProperty(v->dpy, v->win, XA_WM_NAME, v->a_utf8, 8, PropModeReplace, (unsigned char *)t, (int)n);
		XChangeProperty(v->dpy, v->win, XA_WM_ICON_NAME, v->a_utf8, 8, PropModeReplace, (unsigned char *)t, (int)n);
	}
	XChangeProperty(v->dpy, v->win, v->a_netname, v->a_utf8, 8, PropModeReplace, (unsigned char *)t, (int)n);
	DBG(D_X, "title: %zu bytes", n);
}

/*
 * The stream ended: window w's title (ours, as set above) says so, so that
 * a dead viewer does not pass for a live one.
 */
void view_title_disconnected(Display *d, Window w)
{
	static const char tail[] = " (disconnected)";
	Atom net = XInternAtom(d, "_NET_WM_NAME", False), utf8 = XInternAtom(d, "UTF8_STRING", False), type;
	int fmt;
	unsigned long n = 0, after;
	unsigned char *p = NULL;
	char t[XS_TITLE_BUF + sizeof tail];
	if (XGetWindowProperty(d, w, net, 0, XS_TITLE_BUF / 4 + 1, False, utf8, &type, &fmt, &n, &after, &p) != Success ||
	    !p || fmt != 8 || n >= XS_TITLE_BUF) {
		if (p)
			XFree(p);
		return;
	}
	memcpy(t, p, n);
	XFree(p);
	if (n >= sizeof tail - 1 && !memcmp(t + n - (sizeof tail - 1), tail, sizeof tail - 1))
		return; /* said already */
	memcpy(t + n, tail, sizeof tail);
	char *list[1] = { t };
	XTextProperty tp;
	if (Xutf8TextListToTextProperty(d, list, 1, XStdICCTextStyle, &tp) == Success) {
		XSetWMName(d, w, &tp);
		XSetWMIconName(d, w, &tp);
		XFree(tp.value);
	}
	XChangeProperty(d, w, net, utf8, 8, PropModeReplace, (unsigned char *)t, (int)strlen(t));
}

/*
 * Ctrl+Alt+F: window w full screen and back (the whole-screen window, or
 * a seamless window). A window manager that supports _NET_WM_STATE does
 * it; without one, xpaint covers the screen itself and restores the old
 * geometry after. The user's key does this, never a record from the guest.
 */
void view_fullscreen_win(Display *d, Window w, struct full *f)
{
	Window root = DefaultRootWindow(d);
	Atom check = XInternAtom(d, "_NET_SUPPORTING_WM_CHECK", False), type;
	int fmt;
	unsigned long n, after;
	unsigned char *p = NULL;
	int wm = XGetWindowProperty(d, root, check, 0, 1, False, XA_WINDOW, &type, &fmt, &n, &after, &p) == Success &&
		 p && n == 1;
	if (p)
		XFree(p);
	f->on = !f->on;
	if (wm) {
		XEvent e = { 0 };
		e.xclient.type = ClientMessage;
		e.xclient.window = w;
		e.xclient.message_type = XInternAtom(d, "_NET_WM_STATE", False);
		e.xclient.format = 32;
		e.xclient.data.l[0] = f->on ? 1 : 0; /* _NET_WM_STATE_ADD, _REMOVE */
		e.xclient.data.l[1] = (long)XInternAtom(d, "_NET_WM_STATE_FULLSCREEN", False);
		e.xclient.data.l[3] = 1;
		XSendEvent(d, root, False, SubstructureRedirectMask | SubstructureNotifyMask, &e);
	} else if (f->on) {
		Window r, c;
		int x, y;
		unsigned bw, dep;
		XGetGeometry(d, w, &r, &x, &y, &f->w, &f->h, &bw, &dep);
		XTranslateCoordinates(d, w, root, 0, 0, &f->x, &f->y, &c);
		XMoveResizeWindow(d, w, 0, 0, (unsigned)DisplayWidth(d, DefaultScreen(d)),
				  (unsigned)DisplayHeight(d, DefaultScreen(d)));
		XRaiseWindow(d, w);
	} else {
		XMoveResizeWindow(d, w, f->x, f->y, f->w, f->h);
	}
	XFlush(d);
	VERB("full screen %s", f->on ? "on" : "off");
}

void view_fullscreen(struct view *v)
{
	view_fullscreen_win(v->dpy, v->win, &v->full);
}

/* The source's cursor becomes the window's X cursor (ARGB), never pixels. */
void view_cursor(struct view *v, const struct xs_cursor *c)
{
	XcursorImage *im = XcursorImageCreate((int)c->w, (int)c->h);
	if (!im)
		die(EX_OS, "XcursorImageCreate:");
	im->xhot = c->xhot;
	im->yhot = c->yhot;
	for (uint32_t i = 0; i < c->w * c->h; i++)
		im->pixels[i] = xs_get32(c->argb + 4 * i);
	Cursor cur = XcursorImageLoadCursor(v->dpy, im);
	XcursorImageDestroy(im);
	if (v->cursor)
		XFreeCursor(v->dpy, v->cursor);
	v->cursor = cur;
	if (!v->hidden && v->win)
		XDefineCursor(v->dpy, v->win, cur);
	DBG(D_CURSOR, "cursor %ux%u hot %u,%u serial %u", c->w, c->h, c->xhot, c->yhot, c->serial);
}

void view_pointer_visible(struct view *v, int visible)
{
	if (visible == !v->hidden)
		return;
	v->hidden = !visible;
	if (!visible && !v->blank) {
		XcursorImage *im = XcursorImageCreate(1, 1);
		im->pixels[0] = 0;
		v->blank = XcursorImageLoadCursor(v->dpy, im);
		XcursorImageDestroy(im);
	}
	if (v->win)
		XDefineCursor(v->dpy, v->win, visible ? v->cursor : v->blank);
}

/* Attaches the ring file read-only; 0 on success. */
int view_attach_ring(struct view *v, int fd)
{
	if (!v->shm)
		return -1;
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (d < 0)
		return -1;
	v->ring_seg = xcb_generate_id(v->c);
	xcb_generic_error_t *e = xcb_request_check(v->c, xcb_shm_attach_fd_checked(v->c, v->ring_seg, d, 1));
	if (e) {
		free(e);
		v->ring_seg = 0;
		return -1;
	}
	v->ring_attached = 1;
	return 0;
}

/* The open frame holds too much of the ring (the writer would wait for us
 * while we wait for the frame end): copy its ring rects into the staging
 * image so the space can be released. A later rect of the same frame that
 * overlaps one of them and was decoded earlier loses the overlap; writers
 * do not send overlapping rects in one frame. */
void view_spill(struct view *v)
{
	size_t stride = (size_t)v->sw * 4;
	uint8_t *st = view_stage(v);
	for (size_t i = 0; i < v->nops; i++) {
		struct op *o = &v->ops[i];
		if (!o->ring)
			continue;
		size_t row = (size_t)o->r.w * 4;
		for (uint32_t y = 0; y < o->r.h; y++)
			memcpy(st + (size_t)(o->r.y + y) * stride + (size_t)o->r.x * 4, o->src + y * row, row);
		o->ring = 0;
	}
	v->nring = 0;
	v->ring_bytes = 0;
}
