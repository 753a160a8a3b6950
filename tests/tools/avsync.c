/*
 * avsync SRC DST TITLE GUEST_SERVER HOST_SERVER [COUNT]
 * Flash and beep: picture and sound of one event, both ends timed. An
 * override-redirect 64x64 square at 0,0 of SRC turns white (filled, then
 * XSync) and, at the same moment, an application playing into
 * GUEST_SERVER's default sink (1 ms pieces, a 5 ms buffer) writes a click;
 * the flash is seen when the window titled TITLE on DST (xpaint, showing
 * SRC at its 0,0; TITLE "-": DST's root, for a viewer such as xpra that
 * shows SRC's override-redirect windows at their place on its root) turns
 * white at its 32,32 (polled with XGetImage every
 * 0.5 ms), the beep heard when HOST_SERVER's xs.monitor (1 ms fragments)
 * carries it. Prints the video and audio latencies and the offset (heard
 * minus seen: above 0, the sound is late) as p50 / p90 over COUNT events
 * (default 10), 300 ms apart. Exit 0; 1 when fewer than half were both
 * seen and heard; 2 on errors.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <pthread.h>
#include "paprobe.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


static struct {
	pa_simple *play, *rec;
	volatile int stop, beep;
	volatile uint64_t beeped, heard;
} A;

/* The application: silence, and a click when asked. */
static void *player(void *arg)
{
	int16_t quiet[MS_FRAMES * 2] = { 0 }, click[MS_FRAMES * 2];
	int err;
	(void)arg;
	for (int i = 0; i < MS_FRAMES * 2; i++)
		click[i] = (i / 2) % 8 < 4 ? 20000 : -20000;
	while (!A.stop) {
		int b = A.beep;
		if (b)
			A.beeped = mono(), A.beep = 0;
		if (pa_simple_write(A.play, b ? click : quiet, sizeof quiet, &err) < 0)
			exit(2);
	}
	return NULL;
}

/* The host's sink: the first loud sample after each beep. */
static void *recorder(void *arg)
{
	int16_t b[MS_FRAMES * 2];
	int err;
	(void)arg;
	while (!A.stop) {
		if (pa_simple_read(A.rec, b, sizeof b, &err) < 0)
			exit(2);
		uint64_t t = mono();
		for (int i = 0; i < MS_FRAMES && !A.heard && A.beeped; i++)
			if (abs(b[2 * i]) > 8000)
				A.heard = t - (uint64_t)(MS_FRAMES - i) * 1000000000ull / RATE;
	}
	return NULL;
}

static Window find(Display *d, Window w, const char *title)
{
	char *name = NULL;
	if (XFetchName(d, w, &name) && name) {
		int eq = !strcmp(name, title);
		XFree(name);
		if (eq)
			return w;
	}
	Window root, parent, *kids = NULL, f = 0;
	unsigned n = 0;
	if (!XQueryTree(d, w, &root, &parent, &kids, &n))
		return 0;
	for (unsigned i = 0; i < n && !f; i++)
		f = find(d, kids[i], title);
	if (kids)
		XFree(kids);
	return f;
}

static unsigned long pixel(Display *d, Window w)
{
	XImage *im = XGetImage(d, w, 32, 32, 1, 1, AllPlanes, ZPixmap);
	unsigned long p = im ? XGetPixel(im, 0, 0) & 0xffffff : 0;
	if (im)
		XDestroyImage(im);
	return p;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n ? v[n * p / 100 < n ? n * p / 100 : n - 1] : 0;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: avsync SRC DST TITLE GUEST_SERVER HOST_SERVER [COUNT]\n");
		return 2;
	}
	int count = argc > 6 ? atoi(argv[6]) : 10;
	if (count < 1 || count > 100)
		count = 10;
	Display *s = XOpenDisplay(argv[1]), *d = XOpenDisplay(argv[2]);
	if (!s || !d) {
		fprintf(stderr, "avsync: cannot open the displays\n");
		return 2;
	}
	Window t = strcmp(argv[3], "-") ? find(d, DefaultRootWindow(d), argv[3]) : DefaultRootWindow(d);
	if (!t) {
		fprintf(stderr, "avsync: no window titled %s\n", argv[3]);
		return 2;
	}
	XSetWindowAttributes a = { .override_redirect = True, .background_pixel = 0 };
	Window w = XCreateWindow(s, DefaultRootWindow(s), 0, 0, 64, 64, 0, CopyFromParent, InputOutput, CopyFromParent,
				 CWOverrideRedirect | CWBackPixel, &a);
	XMapRaised(s, w);
	GC gc = XCreateGC(s, w, 0, NULL);
	XSync(s, False);
	A.play = open_pa("avsync", argv[4], PA_STREAM_PLAYBACK, NULL, 5);
	A.rec = open_pa("avsync", argv[5], PA_STREAM_RECORD, "xs.monitor", 0);
	pthread_t tp, tr;
	pthread_create(&tp, NULL, player, NULL);
	pthread_create(&tr, NULL, recorder, NULL);
	usleep(500000);
	double vid[100], aud[100], off[100];
	int n = 0;
	for (int i = 0; i < count; i++) {
		XSetForeground(s, gc, 0);
		XFillRectangle(s, w, gc, 0, 0, 64, 64);
		XSync(s, False);
		uint64_t until = mono() + 2000000000ull;
		while (pixel(d, t) && mono() < until)
			usleep(1000);
		usleep(200000);
		A.heard = 0, A.beeped = 0;
		XSetForeground(s, gc, 0xffffff);
		XFillRectangle(s, w, gc, 0, 0, 64, 64);
		A.beep = 1;
		XSync(s, False);
		uint64_t t0 = mono(), seen = 0;
		until = t0 + 2000000000ull;
		while (!seen && mono() < until) {
			if (pixel(d, t) == 0xffffff)
				seen = mono();
			else
				usleep(500);
		}
		while (!A.heard && mono() < until)
			usleep(1000);
		if (seen && A.heard && A.beeped) {
			vid[n] = (double)(seen - t0) / 1e6;
			aud[n] = (double)(A.heard - A.beeped) / 1e6;
			off[n] = ((double)A.heard - (double)seen) / 1e6;
			n++;
		}
		usleep(100000);
	}
	A.stop = 1;
	pthread_join(tp, NULL);
	pthread_join(tr, NULL);
	double o50 = pct(off, n, 50), o90 = pct(off, n, 90);
	printf("events %d/%d video p50 %.1f ms audio p50 %.1f ms offset (heard - seen) p50 %.1f ms p90 %.1f ms\n", n,
	       count, pct(vid, n, 50), pct(aud, n, 50), o50, o90);
	return n * 2 >= count ? 0 : 1;
}
