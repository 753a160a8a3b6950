/*
 * The X side of xcap: damage tracking, MIT-SHM captures, the held copy of
 * what the viewer has that filters out unchanged pixels, encodings,
 * cursor, pointer and RandR.
 */
#include "xcap.h"
#include "util.h"

#include <X11/Xlib-xcb.h>
#include <X11/extensions/XInput2.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xrandr.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <xcb/shm.h>

#define STREAK_NS 150000000ull /* changes closer than this make a tile "keep changing" */
#define STREAK_JPEG 3          /* auto: jpeg from the third quick change on */
#define REFRESH_NS 50000000ull /* auto: lossless refresh 50 ms after a jpeg tile went still (TigerVNC) */
#define BAND_ROWS (2 * TILE)   /* a large capture goes in bands of this many rows */
#define BAND_MIN_BYTES (1u << 20) /* damage below this is captured in one go */

static unsigned xerrors;

/* X errors are expected in races (a capture while the screen shrinks, a
 * resize the server refuses): count and log them, never exit. */
static int on_xerror(Display *d, XErrorEvent *e)
{
	char msg[128];
	XGetErrorText(d, e->error_code, msg, sizeof msg);
	xerrors++;
	DBG(D_X, "X error: %s (request %u.%u)", msg, e->request_code, e->minor_code);
	return 0;
}

static int on_xioerror(Display *d)
{
	(void)d;
	die(EX_NOX, "connection to the X display lost");
}

/* Opens the display; DAMAGE, XFIXES 2 and MIT-SHM are required, XTEST,
 * RANDR and XInput 2 optional (input, resizes, cheap pointer tracking). */
void cap_open(struct cap *c, const char *name)
{
	int err, maj = 5, min = 0, ev;
	char missing[64] = "";
	if (!(c->dpy = XOpenDisplay(name)))
		die(EX_NOX, "cannot open display %s", name ? name : "$DISPLAY");
	XSetErrorHandler(on_xerror);
	XSetIOErrorHandler(on_xioerror);
	if (!XDamageQueryExtension(c->dpy, &c->dmg_ev, &err))
		strcat(missing, " DAMAGE");
	if (!XFixesQueryExtension(c->dpy, &c->fix_ev, &err) || !XFixesQueryVersion(c->dpy, &maj, &min) || maj < 2)
		strcat(missing, " XFIXES(2)");
	if (!XShmQueryExtension(c->dpy))
		strcat(missing, " MIT-SHM");
	if (*missing)
		die(EX_NOX, "display %s lacks%s", DisplayString(c->dpy), missing);
	c->has_xtest = XTestQueryExtension(c->dpy, &ev, &err, &maj, &min);
	c->has_rr = XRRQueryExtension(c->dpy, &c->rr_ev, &err);
	maj = 2, min = 0;
	c->has_xi = XQueryExtension(c->dpy, "XInputExtension", &c->xi_op, &ev, &err) &&
		    XIQueryVersion(c->dpy, &maj, &min) == Success;
	if (!c->has_xtest)
		warn_line("display %s lacks XTEST: control input will be ignored", DisplayString(c->dpy));
	if (!c->has_rr)
		warn_line("display %s lacks RANDR: screen size changes will not be followed", DisplayString(c->dpy));
	c->screen = DefaultScreen(c->dpy);
	c->root = RootWindow(c->dpy, c->screen);
	c->damage = XDamageCreate(c->dpy, c->root, XDamageReportDeltaRectangles);
	XFixesSelectCursorInput(c->dpy, c->root, XFixesDisplayCursorNotifyMask);
	if (c->has_rr)
		XRRSelectInput(c->dpy, c->root, RRScreenChangeNotifyMask);
	if (c->has_xi) {
		unsigned char bits[XIMaskLen(XI_LASTEVENT)] = { 0 };
		XIEventMask m = { XIAllMasterDevices, sizeof bits, bits };
		XISetMask(bits, XI_RawMotion);
		XISelectEvents(c->dpy, c->root, &m, 1);
	}
	c->codec = xs_codec_new();
}

/*
 * A w x h image of the given depth in a private System V segment the X
 * server writes captures into (XShmGetImage), removed once both sides
 * detach. MIT-SHM that does not work ends xcap: it captures no other way.
 */
XImage *cap_shm_image(struct cap *c, XShmSegmentInfo *shm, unsigned depth, uint32_t w, uint32_t h)
{
	XImage *img = XShmCreateImage(c->dpy, DefaultVisual(c->dpy, c->screen), depth, ZPixmap, NULL, shm, w, h);
	if (!img)
		die(EX_NOX, "XShmCreateImage %ux%u failed", w, h);
	size_t len = (size_t)img->bytes_per_line * h;
	shm->shmid = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	if (shm->shmid < 0)
		die(EX_OS, "shmget %zu bytes:", len);
	shm->shmaddr = img->data = shmat(shm->shmid, NULL, 0);
	if (shm->shmaddr == (void *)-1)
		die(EX_OS, "shmat:");
	shm->readOnly = False;
	unsigned e0 = xerrors;
	XShmAttach(c->dpy, shm);
	XSync(c->dpy, False);
	shmctl(shm->shmid, IPC_RMID, NULL); /* gone once both sides detach */
	if (xerrors != e0)
		die(EX_NOX, "MIT-SHM attach failed (is the display on another machine?)");
	return img;
}

static void shm_free(struct cap *c)
{
	if (!c->img)
		return;
	XShmDetach(c->dpy, &c->shm);
	XDestroyImage(c->img); /* frees the XImage, not the segment */
	shmdt(c->shm.shmaddr);
	c->img = NULL;
}

/* The SHM segment of two screens (struct cap, bank): a tile row's captures
 * are packed into its rows of the bank that does not hold it (damage rects
 * never overlap, so their areas in a tile row sum to at most its own). */
static void shm_create(struct cap *c)
{
	int depth = DefaultDepth(c->dpy, c->screen);
	Visual *vis = DefaultVisual(c->dpy, c->screen);
	if (depth != 24 && depth != 32)
		die(EX_NOX, "screen depth %d: xcap needs 24 or 32 bits", depth);
	c->img = cap_shm_image(c, &c->shm, (unsigned)depth, c->w, 2 * c->h);
	if (c->img->bits_per_pixel != 32 || c->img->byte_order != LSBFirst || vis->red_mask != 0xff0000)
		die(EX_NOX, "pixel format (%d bits, %s, red 0x%lx) is not BGRX", c->img->bits_per_pixel,
		    c->img->byte_order == LSBFirst ? "LSB" : "MSB", vis->red_mask);
	c->bank[0] = (uint8_t *)c->img->data;
	c->bank[1] = c->bank[0] + (size_t)c->w * c->h * 4;
}

/* (Re)builds everything sized by the screen, and owes a full frame. */
void cap_setup_screen(struct cap *c)
{
	shm_free(c);
	c->w = (uint32_t)DisplayWidth(c->dpy, c->screen);
	c->h = (uint32_t)DisplayHeight(c->dpy, c->screen);
	const char *e = xs_check_size(c->w, c->h);
	if (e)
		die(EX_NOX, "screen %ux%u: %s", c->w, c->h, e);
	shm_create(c);
	c->tw = (c->w + TILE - 1) / TILE;
	c->th = (c->h + TILE - 1) / TILE;
	size_t nt = (size_t)c->tw * c->th;
	free(c->held);
	free(c->changed);
	free(c->lossy);
	free(c->streak);
	free(c->last_change);
	c->held = calloc(c->th, 1); /* bank 0, zeros as the segment came */
	c->changed = calloc(nt, 1);
	c->lossy = calloc(nt, 1);
	c->streak = calloc(nt, 1);
	c->last_change = calloc(nt, sizeof *c->last_change);
	if (!c->held || !c->changed || !c->lossy || !c->streak || !c->last_change)
		die(EX_OS, "calloc for a %ux%u screen:", c->w, c->h);
	c->nlossy = 0;
	c->refresh_at = 0;
	c->full = 1;
	c->ndmg = c->dmg_over = 0; /* rects of the old size: the full frame covers them */
	ringout_setup(c);
	VERB("screen %ux%u, %ux%u tiles", c->w, c->h, c->tw, c->th);
}

static uint32_t umin(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint32_t umax(uint32_t a, uint32_t b) { return a > b ? a : b; }

static void mark(struct cap *c, size_t t, uint64_t now)
{
	if (!c->changed[t]) {
		c->changed[t] = 1;
		c->streak[t] = now - c->last_change[t] < STREAK_NS && c->streak[t] < 255 ? c->streak[t] + 1 : 1;
		c->last_change[t] = now;
	}
}

/* Row y of the held copy (stride w*4), in the bank that holds its tile row. */
static uint8_t *held_row(struct cap *c, uint32_t y)
{
	return c->bank[c->held[y / TILE]] + (size_t)y * c->w * 4;
}

/*
 * Folds the captured rect into the held copy, marking the 64x64 tiles
 * whose pixels differ (TigerVNC's comparison): X damage over-reports, and
 * unchanged pixels are not sent again. One pass, row by row: a tile
 * segment is compared until it is known to differ, then only copied; a
 * row whose tiles all differ already is one memcpy.
 */
static void diff_rect(struct cap *c, const uint8_t *src, struct xs_rect r, int force, uint64_t now)
{
	static uint8_t d[XS_MAX_DIM / TILE + 1];
	size_t sstride = (size_t)r.w * 4;
	uint32_t tx0 = r.x / TILE, tx1 = (r.x + r.w - 1) / TILE, ntx = tx1 - tx0 + 1;
	for (uint32_t ty = r.y / TILE; ty * TILE < r.y + r.h; ty++) {
		uint32_t y0 = umax(r.y, ty * TILE), y1 = umin(r.y + r.h, (ty + 1) * TILE), nd = force ? ntx : 0;
		memset(d, force, ntx);
		for (uint32_t y = y0; y < y1; y++) {
			uint8_t *p = held_row(c, y) + (size_t)r.x * 4;
			const uint8_t *s = src + (y - r.y) * sstride;
			if (nd == ntx) {
				memcpy(p, s, sstride);
				continue;
			}
			for (uint32_t i = 0; i < ntx; i++) {
				uint32_t x0 = umax(r.x, (tx0 + i) * TILE), x1 = umin(r.x + r.w, (tx0 + i + 1) * TILE);
				size_t o = (size_t)(x0 - r.x) * 4, n = (size_t)(x1 - x0) * 4;
				if (d[i]) {
					memcpy(p + o, s + o, n);
				} else if (memcmp(p + o, s + o, n)) {
					d[i] = 1, nd++;
					memcpy(p + o, s + o, n);
				}
			}
		}
		for (uint32_t i = 0; i < ntx; i++)
			if (d[i])
				mark(c, (size_t)ty * c->tw + tx0 + i, now);
	}
}

/*
 * Whole tile rows r (the screen's width) captured into bank k, the one
 * not holding them: compared with the held copy as diff_rect does, but
 * nothing is copied; bank k holds these rows from now on (in a tile not
 * marked its pixels equal the old ones). A full frame costs the capture
 * and a look at the first row of each tile, not a copy of the screen.
 */
static void diff_rows(struct cap *c, struct xs_rect r, unsigned k, int force, uint64_t now)
{
	static uint8_t d[XS_MAX_DIM / TILE + 1];
	size_t stride = (size_t)c->w * 4;
	for (uint32_t ty = r.y / TILE; ty * TILE < r.y + r.h; ty++) {
		const uint8_t *old = c->bank[c->held[ty]], *cur = c->bank[k];
		uint32_t nd = force ? c->tw : 0;
		memset(d, force, c->tw);
		for (uint32_t y = ty * TILE; y < umin(c->h, (ty + 1) * TILE) && nd < c->tw; y++) {
			size_t row = (size_t)y * stride;
			for (uint32_t i = 0; i < c->tw; i++) {
				size_t o = row + (size_t)i * TILE * 4, n = (size_t)(umin(c->w, (i + 1) * TILE) - i * TILE) * 4;
				if (!d[i] && memcmp(old + o, cur + o, n))
					d[i] = 1, nd++;
			}
		}
		for (uint32_t i = 0; i < c->tw; i++)
			if (d[i])
				mark(c, (size_t)ty * c->tw + i, now);
		c->held[ty] = (uint8_t)k;
	}
}

/* A damage event: one rect newly added to the server's damage region,
 * clipped to the screen, kept in the list or merged into the bounding box. */
static void add_damage(struct cap *c, const XRectangle *a)
{
	struct xs_rect r = xs_rect_clip(a->x, a->y, a->width, a->height, c->w, c->h);
	if (!r.w)
		return;
	c->dmg_box = c->ndmg || c->dmg_over ? xs_rect_union(c->dmg_box, r) : r;
	if (c->ndmg < (int)MAX_DAMAGE_RECTS)
		c->dmg[c->ndmg++] = r;
	else
		c->dmg_over = 1;
	c->damaged = 1;
}

/*
 * Takes the damage the events reported: the server's region is emptied
 * first (no reply to wait for), so anything drawn after it, even during the
 * capture that follows, is reported again and captured next frame. Returns
 * the rects (or 1, the bounding box, past MAX_DAMAGE_RECTS).
 */
static int fetch_damage(struct cap *c, struct xs_rect **out, struct xs_rect *bbox)
{
	int n = c->dmg_over ? 1 : c->ndmg;
	XDamageSubtract(c->dpy, c->damage, None, None);
	if (n)
		*bbox = c->dmg_box;
	*out = c->dmg_over ? bbox : c->dmg;
	c->ndmg = c->dmg_over = 0;
	return n;
}

/* A capture on its way: rect r lands at px, in bank k; whole: r is whole
 * tile rows of the screen's width, which bank k holds once it is there. */
struct grab {
	xcb_shm_get_image_cookie_t ck;
	struct xs_rect r;
	uint8_t *px;
	unsigned k, whole;
};

/* A frame's captures: planned for every band, requested at once, awaited
 * band by band (the X server captures band k+1 while band k is compared
 * and written out). */
static struct {
	struct grab *g;
	size_t n, cap, done;
} grabs;

/* One more capture of r into bank k at px; whole rows extend the one
 * before when they follow it in the same bank and band (one request). */
static void grab_add(struct grab a, int first_of_band)
{
	struct grab *l = grabs.n ? &grabs.g[grabs.n - 1] : NULL;
	if (a.whole && !first_of_band && l && l->whole && l->k == a.k && l->r.y + l->r.h == a.r.y) {
		l->r.h += a.r.h;
		return;
	}
	grabs.g = xs_grow(grabs.g, &grabs.cap, grabs.n + 1, sizeof *grabs.g, 64);
	grabs.g[grabs.n++] = a;
}

/*
 * Plans the captures of the parts of rects inside band (whole rows), tile
 * row by tile row, each into the bank that does not hold it (where nothing
 * is read meanwhile: the pipe holds no page of the segment when a frame
 * starts, out_copy_free). A tile row damaged whole is captured where it
 * lies, to be held there from then on: nothing is copied, as in the fast
 * composition ("filling shared memory costs less than the comparison"),
 * and a pipe is spliced from there. Smaller parts are packed into the tile
 * row's rows of that bank, to be compared and copied into the held one.
 */
static void grabs_plan(struct cap *c, const struct xs_rect *r, int n, struct xs_rect band)
{
	struct xs_rect part[MAX_DAMAGE_RECTS];
	int first = 1;
	for (uint32_t ty = band.y / TILE; ty * TILE < band.y + band.h; ty++) {
		struct xs_rect row = { 0, ty * TILE, c->w, umin(TILE, c->h - ty * TILE) };
		struct xs_rect in = xs_rect_intersect(band, row);
		unsigned k = !c->held[ty], np = 0;
		uint8_t *at = c->bank[k] + (size_t)row.y * c->w * 4;
		uint64_t area = 0;
		for (int i = 0; i < n && np < MAX_DAMAGE_RECTS; i++) {
			struct xs_rect p = xs_rect_intersect(r[i], in);
			if (p.h)
				part[np++] = p, area += xs_rect_area(p);
		}
		if (area > xs_rect_area(in)) /* rects that overlap would not fit the tile row: its rows whole */
			part[0] = in, np = 1;
		if (np == 1 && xs_rect_area(part[0]) == xs_rect_area(row)) {
			grab_add((struct grab){ .r = row, .px = at, .k = k, .whole = 1 }, first);
			first = 0;
			continue;
		}
		for (unsigned i = 0; i < np; i++) {
			grab_add((struct grab){ .r = part[i], .px = at, .k = k, .whole = 0 }, first);
			at += xs_rect_area(part[i]) * 4;
			first = 0;
		}
	}
}

static void grabs_send(struct cap *c)
{
	xcb_connection_t *xc = XGetXCBConnection(c->dpy);
	for (size_t i = 0; i < grabs.n; i++) {
		struct grab *g = &grabs.g[i];
		g->ck = xcb_shm_get_image_unchecked(xc, c->root, (int16_t)g->r.x, (int16_t)g->r.y, (uint16_t)g->r.w,
						    (uint16_t)g->r.h, ~0u, XCB_IMAGE_FORMAT_Z_PIXMAP,
						    (uint32_t)c->shm.shmseg, (uint32_t)(g->px - c->bank[0]));
		c->st.captures++;
	}
	xcb_flush(xc);
}

/* Awaits the captures of the rows above y1, in order (the sound going
 * out meanwhile: audio_await), and compares each. A failed one (the screen
 * shrank under us: a resize event follows) is dropped, and its rows keep
 * their held bank. */
static void grabs_await(struct cap *c, uint32_t y1, int force, uint64_t now)
{
	for (; grabs.done < grabs.n && grabs.g[grabs.done].r.y < y1; grabs.done++) {
		struct grab *g = &grabs.g[grabs.done];
		xcb_generic_error_t *e = NULL;
		free(audio_await(c, g->ck.sequence, &e));
		if (e) {
			DBG(D_X, "capture %ux%u+%u+%u failed (X error %u)", g->r.w, g->r.h, g->r.x, g->r.y, e->error_code);
			free(e);
		} else if (g->whole) {
			diff_rows(c, g->r, g->k, force, now);
		} else {
			diff_rect(c, g->px, g->r, force, now);
		}
	}
	if (grabs.done == grabs.n)
		grabs.n = grabs.done = 0;
}

/* auto: tiles sent as jpeg that stayed still REFRESH_NS get sent lossless. */
static void refresh_lossy(struct cap *c, uint64_t now)
{
	size_t nt = (size_t)c->tw * c->th;
	c->refresh_at = 0;
	for (size_t t = 0; t < nt && c->nlossy; t++) {
		if (!c->lossy[t] || c->changed[t])
			continue;
		if (now - c->last_change[t] >= REFRESH_NS) {
			c->changed[t] = 1;
			c->streak[t] = 0;
		} else if (!c->refresh_at || c->last_change[t] + REFRESH_NS < c->refresh_at) {
			c->refresh_at = c->last_change[t] + REFRESH_NS;
		}
	}
}

enum kind { K_SOLID, K_LOSSLESS, K_JPEG };

static struct xs_rect tile_area(struct cap *c, uint32_t tx, uint32_t ty)
{
	uint32_t x = tx * TILE, y = ty * TILE;
	return (struct xs_rect){ x, y, umin(TILE, c->w - x), umin(TILE, c->h - y) };
}

/* r's top-left pixel in the held copy (stride c->w * 4); r lies in one
 * tile row (a tile, a run of tiles). */
static const uint8_t *prev_at(struct cap *c, struct xs_rect r)
{
	return held_row(c, r.y) + (size_t)r.x * 4;
}

static enum kind classify(struct cap *c, uint32_t tx, uint32_t ty, uint32_t *color)
{
	if (xs_is_solid(prev_at(c, tile_area(c, tx, ty)), (size_t)c->w * 4, tile_area(c, tx, ty), color))
		return K_SOLID;
	if (c->enc == XS_ENC_JPEG)
		return K_JPEG;
	if (c->enc == ENC_AUTO && c->quality_given && c->quality < 100 &&
	    c->streak[(size_t)ty * c->tw + tx] >= STREAK_JPEG)
		return K_JPEG;
	return K_LOSSLESS;
}

static void put_rect(struct cap *c, uint32_t enc, struct xs_rect r, uint32_t param, const uint8_t *payload, size_t len)
{
	uint8_t *p = out_reserve(&c->out, XS_HDR_LEN + XS_RECT_LEN + len);
	xs_build_rect_hdr(p, enc, r, param, (uint32_t)len);
	if (len && payload != p + XS_HDR_LEN + XS_RECT_LEN)
		memcpy(p + XS_HDR_LEN + XS_RECT_LEN, payload, len);
	c->out.len += XS_HDR_LEN + XS_RECT_LEN + len;
	c->st.nrec[enc]++;
	c->st.bytes[enc] += XS_HDR_LEN + XS_RECT_LEN + len;
	DBG(D_ENC, "rect %s %ux%u+%u+%u %zu bytes", xs_enc_name(enc), r.w, r.h, r.x, r.y, len);
}

/* A raw rect: its header in the buffer, its rows referenced in the held
 * copy (one segment when the run spans the screen's width). */
static void put_raw(struct cap *c, struct xs_rect r)
{
	size_t row = (size_t)r.w * 4, len = row * r.h;
	if (len + XS_RECT_LEN > REC_BODY_MAX)
		die(EX_SOFT, "raw rect %ux%u is %zu bytes, over the record limit", r.w, r.h, len);
	uint8_t *p = out_reserve(&c->out, XS_HDR_LEN + XS_RECT_LEN);
	xs_build_rect_hdr(p, XS_ENC_RAW, r, 0, (uint32_t)len);
	c->out.len += XS_HDR_LEN + XS_RECT_LEN;
	for (uint32_t i = 0; i < r.h; i++)
		out_ext(&c->out, prev_at(c, r) + (size_t)i * c->w * 4, row);
	c->st.nrec[XS_ENC_RAW]++;
	c->st.bytes[XS_ENC_RAW] += XS_HDR_LEN + XS_RECT_LEN + len;
	DBG(D_ENC, "rect raw %ux%u+%u+%u %zu bytes", r.w, r.h, r.x, r.y, len);
}

/* Encodes one run of pixels from the held copy into the output. */
static void emit_run(struct cap *c, enum kind k, uint32_t color, struct xs_rect r)
{
	size_t stride = (size_t)c->w * 4, raw = xs_rect_area(r) * 4;
	uint32_t enc = k == K_JPEG ? XS_ENC_JPEG : c->enc == ENC_AUTO ? XS_ENC_LZ4 : (uint32_t)c->enc;
	if (k == K_SOLID) {
		put_rect(c, XS_ENC_SOLID, r, color, NULL, 0);
		return;
	}
	if (enc == XS_ENC_RAW) {
		put_raw(c, r);
		return;
	}
	size_t bound = xs_encode_bound(enc, r);
	uint8_t *p = out_reserve(&c->out, XS_HDR_LEN + XS_RECT_LEN + bound) + XS_HDR_LEN + XS_RECT_LEN;
	size_t len = xs_encode(c->codec, enc, prev_at(c, r), stride, r, c->quality, p);
	if (!len)
		die(EX_SOFT, "%s encoder failed on %ux%u", xs_enc_name(enc), r.w, r.h);
	if (c->enc == ENC_AUTO && enc == XS_ENC_LZ4 && len >= raw - raw / 8) { /* lz4 does not pay here */
		put_raw(c, r);
		return;
	}
	if (len + XS_RECT_LEN > REC_BODY_MAX)
		die(EX_SOFT, "%s rect %ux%u encoded to %zu bytes, over the record limit", xs_enc_name(enc), r.w, r.h,
		    len);
	put_rect(c, enc, r, 0, p, len);
}

/* Sends changed tiles of tile rows [ty0, ty1) as runs along each tile
 * row; returns the rect count. */
static uint32_t emit_tiles(struct cap *c, uint32_t ty0, uint32_t ty1)
{
	uint32_t n = 0;
	for (uint32_t ty = ty0; ty < ty1 && ty < c->th; ty++) {
		uint8_t *row = c->changed + (size_t)ty * c->tw;
		for (uint32_t tx = 0; tx < c->tw;) {
			if (!row[tx]) {
				tx++;
				continue;
			}
			uint32_t col, col2, tx1 = tx + 1;
			enum kind k = classify(c, tx, ty, &col);
			while (tx1 < c->tw && row[tx1] && (tx1 - tx + 1) * TILE <= RUN_MAX_W &&
			       classify(c, tx1, ty, &col2) == k && (k != K_SOLID || col2 == col))
				tx1++;
			emit_run(c, k, col, xs_rect_union(tile_area(c, tx, ty), tile_area(c, tx1 - 1, ty)));
			for (uint32_t i = tx; i < tx1; i++) {
				size_t t = (size_t)ty * c->tw + i;
				int was = c->lossy[t];
				c->lossy[t] = k == K_JPEG && c->enc == ENC_AUTO;
				c->nlossy += (uint32_t)c->lossy[t] - (uint32_t)was;
				row[i] = 0;
			}
			n++;
			tx = tx1;
		}
	}
	return n;
}

/* Rect bytes written so far, all encodings. */
static uint64_t bytes_out(const struct stats *s)
{
	uint64_t n = 0;
	for (unsigned e = 0; e < XS_NENC; e++)
		n += s->bytes[e];
	return n;
}

/*
 * Captures what changed since the last frame into the output: rects, then
 * a frame record. Returns 1 when a frame was produced (0: the damage held
 * no changed pixel). The capture time is taken just before reading.
 *
 * A large damaged area is captured in bands of BAND_ROWS rows, aligned to
 * the tile grid: every band's captures are requested at once, then each
 * band is awaited, compared, and its changed runs are written out, so the
 * X server captures band k+1 while band k is compared and the reader (and
 * the viewer behind it) works on it. A band writes only its own tile rows
 * of the segment (bands are whole tile rows but at the damage's first and
 * last row, and damage rects do not overlap), so pages spliced for an
 * earlier band are never rewritten while the pipe holds them. A stdout
 * that blocks mid-frame only queues the rest of this frame. The server is
 * grabbed meanwhile so that no client draws between two bands: the frame
 * stays one moment of the screen, as a single capture is. (A small damage
 * area is not: its captures, one per rect and tile row, are requested
 * back to back, and what a client draws between two of them is damage
 * again, captured in the next frame.)
 */
int cap_frame(struct cap *c)
{
	if (c->wins)
		return win_frame(c);
	uint64_t t = now_ns(), m0 = mono_ns(), tcap = 0, tenc = 0;
	int force = c->full, n = 0;
	struct xs_rect bbox, *list = &bbox;
	size_t area = 0;
	if (c->full) {
		XDamageSubtract(c->dpy, c->damage, None, None);
		c->ndmg = c->dmg_over = 0;
		bbox = (struct xs_rect){ 0, 0, c->w, c->h };
		n = 1;
		c->st.full++;
	} else if (c->damaged) {
		n = fetch_damage(c, &list, &bbox);
	}
	c->damaged = 0;
	c->full = 0;
	for (int i = 0; i < n; i++)
		area += xs_rect_area(list[i]) * 4;
	uint64_t start = bytes_out(&c->st);
	uint32_t nrects = 0, nbands = 0;
	if (n) {
		uint32_t y = bbox.y, end = bbox.y + bbox.h;
		uint32_t step = area >= BAND_MIN_BYTES && !c->ring_seg ? BAND_ROWS : XS_MAX_DIM;
		for (uint32_t py = y, py1; py < end && !c->ring_seg; py = py1) {
			py1 = umin(end, (py / step + 1) * step);
			grabs_plan(c, list, n, (struct xs_rect){ 0, py, c->w, py1 - py });
		}
		/* all captures are requested at once (direct into the ring: each
		 * record is published as its reply comes) */
		int grabbed = step < bbox.h || (c->ring_seg && area >= BAND_MIN_BYTES);
		if (grabbed)
			XGrabServer(c->dpy); /* the bands show one moment, as one capture would */
		if (!c->ring_seg)
			grabs_send(c);
		while (y < end) {
			uint32_t y1 = umin(end, (y / step + 1) * step);
			struct xs_rect band = { 0, y, c->w, y1 - y };
			uint64_t a = mono_ns(), b, d;
			if (c->ring_seg) { /* straight into the ring, nothing compared */
				nrects += ringout_capture(c, list, n, band);
				b = d = mono_ns();
			} else {
				grabs_await(c, y1, force, m0);
				b = mono_ns();
				nrects += emit_tiles(c, y / TILE, (y1 + TILE - 1) / TILE);
				d = mono_ns();
			}
			tcap += b - a, tenc += d - b;
			nbands++;
			if (y1 < end && out_flush(c) < 0)
				step = XS_MAX_DIM; /* the reader is gone: the main loop sees it */
			y = y1;
		}
		if (grabbed) {
			XUngrabServer(c->dpy);
			XFlush(c->dpy);
		}
	}
	if (c->nlossy) {
		refresh_lossy(c, m0);
		nrects += emit_tiles(c, 0, c->th);
	}
	if (c->nlossy && !c->refresh_at)
		c->refresh_at = m0 + REFRESH_NS;
	c->st.capture_ns += tcap;
	c->st.encode_ns += tenc;
	if (!nrects && !force)
		return 0;
	uint8_t rec[XS_BUILD_MAX];
	out_record(c, rec, xs_build_frame(rec, ++c->seq, t, nrects, 0));
	c->st.frames++;
	c->st.rects += nrects;
	DBG(D_STREAM, "frame %llu: %u rects, %u bands, %zu bytes, capture %.3f ms, encode %.3f ms",
	    (unsigned long long)c->seq, nrects, nbands,
	    (size_t)(bytes_out(&c->st) - start),
	    (double)tcap / 1e6, (double)tenc / 1e6);
	return 1;
}

/* The cursor shape: XFixes gives ARGB in longs; the stream wants LE u32. */
void cap_cursor(struct cap *c)
{
	XFixesCursorImage *ci = XFixesGetCursorImage(c->dpy);
	c->cursor_dirty = 0;
	if (!ci)
		return;
	uint32_t w = umin(ci->width, XS_MAX_CURSOR), h = umin(ci->height, XS_MAX_CURSOR);
	if (w && h) {
		uint32_t xh = umin(ci->xhot, w - 1), yh = umin(ci->yhot, h - 1);
		uint8_t *p = out_reserve(&c->out, XS_HDR_LEN + 20 + (size_t)w * h * 4);
		size_t hl = xs_build_cursor_hdr(p, w, h, xh, yh, (uint32_t)ci->cursor_serial);
		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++)
				xs_put32(p + hl + ((size_t)y * w + x) * 4, (uint32_t)ci->pixels[(size_t)y * ci->width + x]);
		c->out.len += hl + (size_t)w * h * 4;
		DBG(D_CURSOR, "cursor %ux%u hot %u,%u serial %lu", w, h, xh, yh, ci->cursor_serial);
	}
	XFree(ci);
}

/* One XQueryPointer; a pointer record when the position changed. */
void cap_pointer(struct cap *c)
{
	Window rr, cr;
	int x, y, wx, wy;
	unsigned mask;
	c->pointer_dirty = 0;
	if (!XQueryPointer(c->dpy, c->root, &rr, &cr, &x, &y, &wx, &wy, &mask))
		return;
	if (c->pointer_sent && x == c->px && y == c->py)
		return;
	uint8_t rec[XS_BUILD_MAX];
	out_record(c, rec, xs_build_pointer(rec, x, y, 1));
	c->px = x, c->py = y, c->pointer_sent = 1;
	DBG(D_CURSOR, "pointer %d,%d", x, y);
}

/* Dispatches one X event. */
void cap_event(struct cap *c, XEvent *ev)
{
	if (win_event(c, ev) || input_xkb_event(c, ev))
		return;
	if (ev->type == c->dmg_ev + XDamageNotify) {
		add_damage(c, &((XDamageNotifyEvent *)ev)->area);
	} else if (ev->type == c->fix_ev + XFixesCursorNotify) {
		c->cursor_dirty = 1;
	} else if (ev->type == GenericEvent && ev->xcookie.extension == c->xi_op) {
		c->pointer_dirty = 1;
	} else if (ev->type == MappingNotify) {
		XRefreshKeyboardMapping(&ev->xmapping);
		input_mapping_changed(c);
	} else if (c->has_rr && ev->type == c->rr_ev + RRScreenChangeNotify) {
		XRRUpdateConfiguration(ev);
		if ((uint32_t)DisplayWidth(c->dpy, c->screen) != c->w ||
		    (uint32_t)DisplayHeight(c->dpy, c->screen) != c->h) {
			cap_setup_screen(c);
			uint8_t rec[XS_BUILD_MAX];
			out_record(c, rec, xs_build_size(rec, XS_RESIZE, c->w, c->h));
			VERB("screen resized to %ux%u", c->w, c->h);
		}
	}
}

/* RandR 1.2: a new mode of exactly w x h on the first connected output. */
static int set_size_mode(struct cap *c, uint32_t w, uint32_t h)
{
	XRRScreenResources *res = XRRGetScreenResourcesCurrent(c->dpy, c->root);
	int ok = 0;
	if (!res)
		return 0;
	for (int i = 0; i < res->noutput && !ok; i++) {
		XRROutputInfo *oi = XRRGetOutputInfo(c->dpy, res, res->outputs[i]);
		if (oi && oi->connection == RR_Connected && oi->crtc) {
			char name[32];
			XRRModeInfo mi = { 0 };
			snprintf(name, sizeof name, "%ux%u", w, h);
			mi.width = w, mi.height = h, mi.hTotal = w, mi.vTotal = h;
			mi.dotClock = (unsigned long)w * h * 60;
			mi.name = name, mi.nameLength = (unsigned)strlen(name);
			unsigned e0 = xerrors;
			RRMode mode = XRRCreateMode(c->dpy, c->root, &mi);
			XSync(c->dpy, False);
			if (xerrors == e0) {
				XRRAddOutputMode(c->dpy, res->outputs[i], mode);
				XRRSetScreenSize(c->dpy, c->root, (int)umax(w, c->w), (int)umax(h, c->h),
						 DisplayWidthMM(c->dpy, c->screen), DisplayHeightMM(c->dpy, c->screen));
				XRRSetCrtcConfig(c->dpy, res, oi->crtc, CurrentTime, 0, 0, mode, RR_Rotate_0,
						 &res->outputs[i], 1);
				XRRSetScreenSize(c->dpy, c->root, (int)w, (int)h, DisplayWidthMM(c->dpy, c->screen),
						 DisplayHeightMM(c->dpy, c->screen));
				XSync(c->dpy, False);
				ok = xerrors == e0;
			}
		}
		if (oi)
			XRRFreeOutputInfo(oi);
	}
	XRRFreeScreenResources(res);
	return ok;
}

/* C_SIZE: a listed RandR size, else a new RandR 1.2 mode, else a clear no. */
void cap_set_size(struct cap *c, uint32_t w, uint32_t h)
{
	if (!c->has_rr) {
		WARN_LIMITED("resize to %ux%u refused: the display has no RANDR", w, h);
		return;
	}
	if (w == c->w && h == c->h)
		return;
	XRRScreenConfiguration *sc = XRRGetScreenInfo(c->dpy, c->root);
	int n = 0, ok = 0;
	Rotation rot;
	XRRScreenSize *s = sc ? XRRConfigSizes(sc, &n) : NULL;
	for (int i = 0; i < n && !ok; i++)
		if ((uint32_t)s[i].width == w && (uint32_t)s[i].height == h) {
			XRRConfigCurrentConfiguration(sc, &rot);
			ok = XRRSetScreenConfig(c->dpy, sc, c->root, i, rot, CurrentTime) == Success;
		}
	if (sc)
		XRRFreeScreenConfigInfo(sc);
	if (!ok)
		ok = set_size_mode(c, w, h);
	if (!ok)
		WARN_LIMITED("resize to %ux%u refused: the X server offers no such size and cannot add one", w, h);
	else
		VERB("resize to %ux%u requested", w, h);
}
