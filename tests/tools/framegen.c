/*
 * framegen -s SRC [-g WxH] [-p X,Y] [-r FPS] [-T SECS] [-o LOG] [-1]
 * Draws full frames on SRC at an offered rate: a full-screen override-
 * redirect window gets, per frame, one of 6 pseudo-random pictures (noise
 * in 4-pixel runs: lz4 gains little) with the frame number stamped in a
 * stripe of 32 black/white 16x16 blocks at the top-left and again at the
 * bottom-left (24-bit number, 8-bit check), through XShmPutImage. The
 * viewer side counts distinct whole frames with `latprobe -m count`.
 * -1 prints "ready" once the window is mapped; -o logs "frame time_ns"
 * (CLOCK_MONOTONIC, after XSync) for joining with latprobe's log.
 * Prints "drawn=N secs=S offered=R late=L" at the end.
 * Exit: 0 done, 64 usage, 69 display/MIT-SHM missing.
 */
#include "util.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "shmimg.h"

#define NPIC 6
#define STRIPE_BITS 32
#define STRIPE_PX 16


static void stamp(XImage *im, int y0, uint32_t n)
{
	uint32_t v = (n & 0xffffff) << 8 | ((n ^ n >> 8 ^ n >> 16 ^ 0x5a) & 255);
	for (int b = 0; b < STRIPE_BITS; b++) {
		uint32_t c = (v >> (STRIPE_BITS - 1 - b) & 1) ? 0xffffff : 0;
		for (int j = 0; j < STRIPE_PX; j++) {
			uint32_t *row = (uint32_t *)(im->data + (size_t)(y0 + j) * (size_t)im->bytes_per_line);
			for (int i = 0; i < STRIPE_PX; i++) row[b * STRIPE_PX + i] = c;
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: framegen -s SRC [-g WxH] [-p X,Y] [-r FPS] [-T SECS] [-o LOG] [-1]\n");
	exit(EX_CMDLINE);
}

int main(int argc, char **argv)
{
	const char *src = NULL, *logpath = NULL;
	int w = 0, h = 0, x = 0, y = 0, fps = 60, secs = 5, ready = 0, c;
	set_argv0(argv[0]);
	while ((c = getopt(argc, argv, "s:g:p:r:T:o:1h")) != -1) {
		switch (c) {
		case 's': src = optarg; break;
		case 'g': if (sscanf(optarg, "%dx%d", &w, &h) != 2) usage(); break;
		case 'p': if (sscanf(optarg, "%d,%d", &x, &y) != 2) usage(); break; /* window position */
		case 'r': fps = atoi(optarg); break;
		case 'T': secs = atoi(optarg); break;
		case 'o': logpath = optarg; break;
		case '1': ready = 1; break;
		default: usage();
		}
	}
	if (fps < 1 || fps > 1000 || secs < 1) usage();
	Display *d = XOpenDisplay(src);
	if (!d) die(EX_NOX, "cannot open display %s", src ? src : "(DISPLAY)");
	if (!XShmQueryExtension(d)) die(EX_NOX, "no MIT-SHM");
	Screen *s = DefaultScreenOfDisplay(d);
	if (!w) { w = WidthOfScreen(s); h = HeightOfScreen(s); }
	if (w < STRIPE_BITS * STRIPE_PX || h < 2 * STRIPE_PX) die(EX_CMDLINE, "frame %dx%d too small", w, h);
	static struct shmimg pics[NPIC];
	for (int k = 0; k < NPIC; k++) {
		shmimg_new(d, &pics[k], w, h, 0);
		shmimg_noise(pics[k].im, ((unsigned)k + 101) * 2654435761u + 777); /* not latprobe's pictures */
	}
	XSetWindowAttributes a = { .override_redirect = True, .background_pixel = 0 };
	Window win = XCreateWindow(d, RootWindowOfScreen(s), x, y, (unsigned)w, (unsigned)h, 0, CopyFromParent,
	                           InputOutput, CopyFromParent, CWOverrideRedirect | CWBackPixel, &a);
	XStoreName(d, win, "framegen");
	XMapRaised(d, win);
	GC gc = XCreateGC(d, win, 0, NULL);
	XSync(d, False);
	FILE *log = logpath ? fopen(logpath, "w") : NULL;
	if (logpath && !log) die(EX_OS, "%s:", logpath);
	if (ready) { printf("ready\n"); fflush(stdout); }

	uint64_t period = 1000000000ull / (uint64_t)fps, start = mono_ns(), next = start;
	long drawn = 0, late = 0, ticks = 0, total = (long)secs * fps;
	for (uint32_t n = 1; ticks < total; n++) {
		struct shmimg *p = &pics[n % NPIC];
		stamp(p->im, 0, n);
		stamp(p->im, h - STRIPE_PX, n);
		XShmPutImage(d, win, gc, p->im, 0, 0, 0, 0, (unsigned)w, (unsigned)h, False);
		XSync(d, False);
		drawn++;
		if (log) fprintf(log, "%u %llu\n", n, (unsigned long long)mono_ns());
		next += period;
		ticks++;
		uint64_t now = mono_ns();
		if (now > next) {   /* behind the offered rate: skip ticks, count them */
			uint64_t behind = (now - next) / period + 1;
			late += (long)behind;
			ticks += (long)behind;
			next += behind * period;
		}
		struct timespec ts = { (time_t)(next / 1000000000ull), (long)(next % 1000000000ull) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	if (log) fclose(log);
	printf("drawn=%ld secs=%d offered=%d late=%ld\n", drawn, secs, fps, late);
	XDestroyWindow(d, win);
	XCloseDisplay(d);
	return 0;
}
