/*
 * latprobe: pixel-to-pixel latency and shown frame rate of a remote display,
 * measured by reading the viewer's X display, never by trusting the viewer.
 *
 *   latprobe -s SRC -d DST [-w WID | -t TITLE] -m square [-n N] [-p X,Y]
 *   latprobe -s SRC -d DST [-w WID | -t TITLE] -m full [-n N]
 *   latprobe -d DST [-w WID | -t TITLE] -m count -T SECS [-a X,Y,W,H]     (with framegen)
 *   latprobe -d DST (-w WID | -t TITLE) -m key [-n N] [-a X,Y,W,H]
 *
 * square: a 64x64 override-redirect window on SRC gets a fresh colour; the
 *   time runs from the fill request until the viewer shows that colour over
 *   the whole square. full: a full-screen window on SRC gets one of several
 *   pseudo-random frames (XShmPutImage) until the viewer shows it at 16
 *   spots spread over the screen. count: counts the distinct frame numbers
 *   framegen stamped into its frames that the viewer shows whole (top and
 *   bottom stripes agree). key: presses x / BackSpace with XTest on DST over
 *   the target window and times until the window's pixels change (the glyph
 *   echoed by a shell in a terminal on the far side).
 * The viewer is watched with XDamage on its root (woken, not polling), then
 * read with XShmGetImage. The source picture appears at the same
 * coordinates in the target window (xpaint) or the root (xpra, -w root).
 * Prints one summary line of key=value pairs on stdout; -o FILE gets every
 * sample in ms (or "frame time_ns" lines in count mode).
 * Exit: 0 done, 64 usage, 69 display/extension missing, 70 no sample seen.
 */
#include "util.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "shmimg.h"

#define SQ 64
#define NFRAMES 4   /* distinct full frames the full mode cycles through */
#define SPOT 16     /* full mode: spots of SPOT x SPOT pixels, 4 x 4 of them */
#define STRIPE_BITS 32
#define STRIPE_PX 16


struct probe {
	Display *src, *dst;
	Window swin, target;      /* target: where the viewer shows the source */
	int dmg_base;
	Damage dmg;
	int sw, sh;               /* source size (or target size) */
	int px, py;               /* square position */
	int ax, ay, aw, ah;       /* key mode: watched area */
	int n, secs, timeout_ms, gap_ms, tol;
	const char *out, *mode;
	double *ms;
	int got, lost;
};

static Display *open_dpy(const char *name)
{
	Display *d = XOpenDisplay(name);
	if (!d) die(EX_NOX, "cannot open display %s", name ? name : "(DISPLAY)");
	if (!XShmQueryExtension(d)) die(EX_NOX, "%s: no MIT-SHM", name);
	return d;
}

/* Depth-first search for a window titled exactly `title`, or "[title] ..."
 * (xpaint -t title showing the name of the guest's focused window). */
static Window find_title(Display *d, Window w, const char *title)
{
	char *name = NULL;
	size_t n0 = strlen(title);
	if (XFetchName(d, w, &name) && name) {
		int eq = !strcmp(name, title) ||
			 (name[0] == '[' && !strncmp(name + 1, title, n0) && !strncmp(name + 1 + n0, "] ", 2));
		XFree(name);
		if (eq) return w;
	}
	Window root, parent, *kids = NULL;
	unsigned n = 0;
	if (!XQueryTree(d, w, &root, &parent, &kids, &n)) return 0;
	Window found = 0;
	for (unsigned i = 0; i < n && !found; i++) found = find_title(d, kids[i], title);
	if (kids) XFree(kids);
	return found;
}

static Window wait_title(Display *d, const char *title)
{
	for (int i = 0; i < 200; i++) {
		Window w = find_title(d, DefaultRootWindow(d), title);
		if (w) return w;
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	die(EX_NOX, "no window titled \"%s\" on the viewer display", title);
}

/* Damage on the viewer's root reports drawing into every window below it. */
static void watch(struct probe *p)
{
	int err;
	if (!XDamageQueryExtension(p->dst, &p->dmg_base, &err)) die(EX_NOX, "viewer display has no DAMAGE");
	p->dmg = XDamageCreate(p->dst, DefaultRootWindow(p->dst), XDamageReportNonEmpty);
	XSync(p->dst, False);
}

/* Waits until the viewer reported damage or ms passed; 1 damage, 0 timeout. */
static int wait_damage(struct probe *p, int ms)
{
	for (;;) {
		int damaged = 0;
		while (XPending(p->dst)) {
			XEvent ev;
			XNextEvent(p->dst, &ev);
			if (ev.type == p->dmg_base + XDamageNotify) damaged = 1;
		}
		if (damaged) {
			XDamageSubtract(p->dst, p->dmg, None, None);
			return 1;
		}
		struct pollfd pfd = { ConnectionNumber(p->dst), POLLIN, 0 };
		int r = poll(&pfd, 1, ms);
		if (r == 0) return 0;
		if (r < 0) continue;
		XEventsQueued(p->dst, QueuedAfterReading);
	}
}

static Window source_window(Display *d, int x, int y, int w, int h)
{
	XSetWindowAttributes a = { .override_redirect = True, .background_pixel = 0 };
	Window win = XCreateWindow(d, DefaultRootWindow(d), x, y, (unsigned)w, (unsigned)h, 0, CopyFromParent,
	                           InputOutput, CopyFromParent, CWOverrideRedirect | CWBackPixel, &a);
	XStoreName(d, win, "latprobe");
	XMapRaised(d, win);
	XSync(d, False);
	return win;
}

static int close_px(uint32_t a, uint32_t b, int tol)
{
	for (int s = 0; s < 24; s += 8) {
		int d = (int)(a >> s & 255) - (int)(b >> s & 255);
		if (d > tol || d < -tol) return 0;
	}
	return 1;
}

/* Does area (x,y,w,h) of the target equal the colour / expected image? */
static int area_matches(struct probe *p, struct shmimg *s, int x, int y, uint32_t colour, const XImage *want,
                        int wx, int wy)
{
	if (!XShmGetImage(p->dst, p->target, s->im, x, y, AllPlanes)) return 0;
	for (int j = 0; j < s->im->height; j++)
		for (int i = 0; i < s->im->width; i++) {
			uint32_t got = (uint32_t)XGetPixel(s->im, i, j);
			uint32_t exp = want ? (uint32_t)XGetPixel((XImage *)want, wx + i, wy + j) : colour;
			if (!close_px(got, exp, p->tol)) return 0;
		}
	return 1;
}

static double ms_since(uint64_t t0) { return (double)(mono_ns() - t0) / 1e6; }

static void gap(struct probe *p)
{
	long ms = p->gap_ms + (long)(random() % (p->gap_ms + 1));
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	nanosleep(&ts, NULL);
}

/* Waits until check() holds on the viewer; records the sample. */
static void await(struct probe *p, uint64_t t0, int (*check)(struct probe *, void *), void *arg)
{
	int left = p->timeout_ms;
	for (;;) {
		if (check(p, arg)) {
			p->ms[p->got++] = ms_since(t0);
			return;
		}
		left = p->timeout_ms - (int)ms_since(t0);
		if (left <= 0 || !wait_damage(p, left)) {
			p->lost++;
			return;
		}
	}
}

struct sqarg { struct shmimg img; uint32_t colour; };

static int sq_check(struct probe *p, void *a)
{
	struct sqarg *s = a;
	return area_matches(p, &s->img, p->px, p->py, s->colour, NULL, 0, 0);
}

/* A colour far from the last one in every channel, so no tolerance blurs them. */
static uint32_t next_colour(uint32_t last)
{
	uint32_t c = 0;
	for (int s = 0; s < 24; s += 8) {
		uint32_t v = (last >> s & 255) < 128 ? 160 + (uint32_t)(random() % 96) : (uint32_t)(random() % 96);
		c |= v << s;
	}
	return c;
}

static void run_square(struct probe *p)
{
	struct sqarg s = { .colour = 0 };
	p->swin = source_window(p->src, p->px, p->py, SQ, SQ);
	shmimg_new(p->dst, &s.img, SQ, SQ, 0);
	GC gc = XCreateGC(p->src, p->swin, 0, NULL);
	for (int i = -3; i < p->n; i++) {   /* 3 warm-up samples, not counted */
		s.colour = next_colour(s.colour);
		int lost = p->lost, got = p->got;
		uint64_t t0 = mono_ns();
		XSetForeground(p->src, gc, s.colour);
		XFillRectangle(p->src, p->swin, gc, 0, 0, SQ, SQ);
		XFlush(p->src);
		await(p, t0, sq_check, &s);
		if (i < 0) { p->lost = lost; p->got = got; }
		gap(p);
	}
}

struct fullarg { struct shmimg spot; XImage *want; };

static int full_check(struct probe *p, void *a)
{
	struct fullarg *f = a;
	for (int j = 0; j < 4; j++)
		for (int i = 0; i < 4; i++) {
			int x = (p->sw - SPOT) * i / 3, y = (p->sh - SPOT) * j / 3;
			if (!area_matches(p, &f->spot, x, y, 0, f->want, x, y)) return 0;
		}
	return 1;
}

static void run_full(struct probe *p)
{
	struct shmimg frames[NFRAMES];
	struct fullarg f;
	p->swin = source_window(p->src, 0, 0, p->sw, p->sh);
	for (int k = 0; k < NFRAMES; k++) {
		shmimg_new(p->src, &frames[k], p->sw, p->sh, 0);
		shmimg_noise(frames[k].im, ((unsigned)k + 1) * 2654435761u + 12345);
	}
	shmimg_new(p->dst, &f.spot, SPOT, SPOT, 0);
	GC gc = XCreateGC(p->src, p->swin, 0, NULL);
	for (int i = -3; i < p->n; i++) {
		struct shmimg *fr = &frames[(i + 3) % NFRAMES];
		f.want = fr->im;
		int lost = p->lost, got = p->got;
		uint64_t t0 = mono_ns();
		XShmPutImage(p->src, p->swin, gc, fr->im, 0, 0, 0, 0, (unsigned)p->sw, (unsigned)p->sh, False);
		XFlush(p->src);
		await(p, t0, full_check, &f);
		if (i < 0) { p->lost = lost; p->got = got; }
		gap(p);
	}
}

/* framegen's stripe: 24-bit frame number + 8-bit check, one 16x16 block a bit. */
static long decode_stripe(XImage *im)
{
	uint32_t v = 0;
	for (int b = 0; b < STRIPE_BITS; b++) {
		uint32_t px = (uint32_t)XGetPixel(im, b * STRIPE_PX + STRIPE_PX / 2, STRIPE_PX / 2);
		v = v << 1 | ((px >> 8 & 255) > 128);
	}
	uint32_t n = v >> 8, chk = v & 255;
	if (chk != ((n ^ n >> 8 ^ n >> 16 ^ 0x5a) & 255)) return -1;
	return (long)n;
}

static void run_count(struct probe *p)
{
	struct shmimg top, bot;
	shmimg_new(p->dst, &top, STRIPE_BITS * STRIPE_PX, STRIPE_PX, 0);
	shmimg_new(p->dst, &bot, STRIPE_BITS * STRIPE_PX, STRIPE_PX, 0);
	FILE *log = p->out ? fopen(p->out, "w") : NULL;
	long last = -1, shown = 0, torn = 0;
	uint64_t start = mono_ns(), first = 0, lastt = 0, end = start + (uint64_t)p->secs * 1000000000ull;
	for (;;) {
		uint64_t now = mono_ns();
		if (now >= end) break;
		if (!wait_damage(p, (int)((end - now) / 1000000) + 1)) continue;
		/* framegen's frame fills -a X,Y,W,H of the target (default: all of it) */
		if (!XShmGetImage(p->dst, p->target, top.im, p->ax, p->ay, AllPlanes)) continue;
		if (!XShmGetImage(p->dst, p->target, bot.im, p->ax, p->ay + p->ah - STRIPE_PX, AllPlanes)) continue;
		long a = decode_stripe(top.im), b = decode_stripe(bot.im);
		uint64_t t = mono_ns();
		if (a < 0 || a == last) continue;
		if (a != b) { torn++; continue; }
		if (!shown) first = t;
		lastt = t;
		shown++;
		last = a;
		if (log) fprintf(log, "%ld %llu\n", a, (unsigned long long)t);
	}
	if (log) fclose(log);
	double span = (double)(lastt - first) / 1e9;
	printf("mode=count secs=%d shown=%ld torn_reads=%ld fps=%.2f\n", p->secs, shown, torn,
	       shown > 1 && span > 0 ? (double)(shown - 1) / span : 0.0);
	exit(shown ? 0 : EX_SOFT);
}

struct keyarg { struct shmimg img; char *before; size_t len; };

static int key_check(struct probe *p, void *a)
{
	struct keyarg *k = a;
	if (!XShmGetImage(p->dst, p->target, k->img.im, p->ax, p->ay, AllPlanes)) return 0;
	return memcmp(k->img.im->data, k->before, k->len) != 0;
}

/* Waits for 40 ms without damage so the snapshot is of a still picture. */
static void quiesce(struct probe *p)
{
	for (int i = 0; i < 100 && wait_damage(p, 40); i++)
		;
}

static void run_key(struct probe *p)
{
	int ev, err, maj, min;
	if (!XTestQueryExtension(p->dst, &ev, &err, &maj, &min)) die(EX_NOX, "viewer display has no XTEST");
	struct keyarg k;
	shmimg_new(p->dst, &k.img, p->aw, p->ah, 0);
	k.len = (size_t)k.img.im->bytes_per_line * (size_t)p->ah;
	k.before = malloc(k.len);
	if (!k.before) die(EX_OS, "malloc:");
	/* Pointer into the window and focus on it: keys go where a user types. */
	int rx, ry;
	Window child;
	XTranslateCoordinates(p->dst, p->target, DefaultRootWindow(p->dst), p->ax + p->aw / 2, p->ay + p->ah / 2,
	                      &rx, &ry, &child);
	XTestFakeMotionEvent(p->dst, DefaultScreen(p->dst), rx, ry, 0);
	XSetInputFocus(p->dst, p->target, RevertToPointerRoot, CurrentTime);
	XSync(p->dst, False);
	KeyCode kx = XKeysymToKeycode(p->dst, XK_x), kb = XKeysymToKeycode(p->dst, XK_BackSpace);
	for (int i = -2; i < p->n; i++) {
		quiesce(p);
		XShmGetImage(p->dst, p->target, k.img.im, p->ax, p->ay, AllPlanes);
		memcpy(k.before, k.img.im->data, k.len);
		KeyCode kc = (i & 1) ? kb : kx;
		int lost = p->lost, got = p->got;
		uint64_t t0 = mono_ns();
		XTestFakeKeyEvent(p->dst, kc, True, 0);
		XTestFakeKeyEvent(p->dst, kc, False, 0);
		XFlush(p->dst);
		await(p, t0, key_check, &k);
		if (i < 0) { p->lost = lost; p->got = got; }
		if (p->lost > p->n / 4 + 3) break;   /* input path is not working: stop early */
		gap(p);
	}
	/* An odd count leaves an x behind on the command line: erase it. */
	XTestFakeKeyEvent(p->dst, kb, True, 0);
	XTestFakeKeyEvent(p->dst, kb, False, 0);
	XSync(p->dst, False);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(const double *v, int n, double q)
{
	int i = (int)(q * n + 0.999999) - 1;
	if (i < 0) i = 0;
	if (i >= n) i = n - 1;
	return v[i];
}

static void report(struct probe *p)
{
	if (p->out) {
		FILE *f = fopen(p->out, "w");
		if (!f) die(EX_OS, "%s:", p->out);
		for (int i = 0; i < p->got; i++) fprintf(f, "%.4f\n", p->ms[i]);
		fclose(f);
	}
	if (!p->got) {
		printf("mode=%s n=0 lost=%d p50_ms=nan p99_ms=nan mean_ms=nan\n", p->mode, p->lost);
		exit(EX_SOFT);
	}
	double sum = 0;
	for (int i = 0; i < p->got; i++) sum += p->ms[i];
	qsort(p->ms, (size_t)p->got, sizeof *p->ms, cmp_d);
	printf("mode=%s n=%d lost=%d p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f min_ms=%.3f max_ms=%.3f\n", p->mode, p->got,
	       p->lost, pct(p->ms, p->got, 0.5), pct(p->ms, p->got, 0.99), sum / p->got, p->ms[0], p->ms[p->got - 1]);
}

static void usage(void)
{
	fprintf(stderr, "usage: latprobe [-s SRC] -d DST [-w WID|root | -t TITLE] [-m square|full|count|key]\n"
	                "                [-n N] [-T SECS] [-p X,Y] [-a X,Y,W,H] [-g MS] [-l TOL] [-o FILE]\n");
	exit(EX_CMDLINE);
}

static void parse_args(struct probe *p, int argc, char **argv, const char **src, const char **dst,
                       const char **wid, const char **title)
{
	int c;
	while ((c = getopt(argc, argv, "s:d:w:t:m:n:T:p:a:g:l:o:h")) != -1) {
		switch (c) {
		case 's': *src = optarg; break;
		case 'd': *dst = optarg; break;
		case 'w': *wid = optarg; break;
		case 't': *title = optarg; break;
		case 'm': p->mode = optarg; break;
		case 'n': p->n = atoi(optarg); break;
		case 'T': p->secs = atoi(optarg); break;
		case 'p': if (sscanf(optarg, "%d,%d", &p->px, &p->py) != 2) usage(); break;
		case 'a': if (sscanf(optarg, "%d,%d,%d,%d", &p->ax, &p->ay, &p->aw, &p->ah) != 4) usage(); break;
		case 'g': p->gap_ms = atoi(optarg); break;
		case 'l': p->tol = atoi(optarg); break;
		case 'o': p->out = optarg; break;
		default: usage();
		}
	}
	if (!*dst || p->n < 1 || p->n > 100000 || p->secs < 1 || p->gap_ms < 0) usage();
}

int main(int argc, char **argv)
{
	struct probe p = { .n = 100, .secs = 5, .timeout_ms = 2000, .gap_ms = 10, .tol = 8, .px = 200, .py = 150,
	                   .mode = "square" };
	const char *src = NULL, *dst = NULL, *wid = NULL, *title = NULL;
	set_argv0(argv[0]);
	srandom((unsigned)mono_ns());
	parse_args(&p, argc, argv, &src, &dst, &wid, &title);
	p.dst = open_dpy(dst);
	if (wid && !strcmp(wid, "root")) p.target = DefaultRootWindow(p.dst);
	else if (wid) p.target = (Window)strtoul(wid, NULL, 0);
	else if (title) p.target = wait_title(p.dst, title);
	else p.target = DefaultRootWindow(p.dst);
	XWindowAttributes wa;
	if (!XGetWindowAttributes(p.dst, p.target, &wa)) die(EX_NOX, "bad viewer window");
	p.sw = wa.width; p.sh = wa.height;
	if (!p.aw) { p.aw = wa.width - p.ax; p.ah = wa.height - p.ay; }
	if (src) {
		p.src = open_dpy(src);
		Screen *s = DefaultScreenOfDisplay(p.src);
		if (strcmp(p.mode, "full") == 0) { p.sw = WidthOfScreen(s); p.sh = HeightOfScreen(s); }
	}
	watch(&p);
	p.ms = calloc((size_t)p.n, sizeof *p.ms);
	if (!p.ms) die(EX_OS, "calloc:");
	if (!strcmp(p.mode, "count")) run_count(&p);
	else if (!strcmp(p.mode, "key")) run_key(&p);
	else if (!p.src) usage();
	else if (!strcmp(p.mode, "square")) run_square(&p);
	else if (!strcmp(p.mode, "full")) run_full(&p);
	else usage();
	report(&p);
	return 0;
}
