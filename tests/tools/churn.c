/*
 * churn -s SRC [-T SECS] [-x SEED]
 * Changes SRC as fast as its X server takes it, for SECS seconds, in the
 * shapes xcap's frames mix: a whole new picture, the same picture put
 * again (damage without a changed pixel), full-width bands of another
 * picture at rows off the tile grid, parts of a picture anywhere, small
 * solid rects; each step XSync'd, some followed by a pause of up to 2 ms
 * so that captures fall between steps in every way, then the trap below.
 * The pictures are
 * noise in 4-pixel runs in a full-screen override-redirect window.
 * Prints "done" after the last step and keeps the window until killed,
 * so the source holds still on the last picture for the comparison.
 * Exit: 64 usage, 69 display/MIT-SHM missing; else runs until killed.
 */
#include "util.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "shmimg.h"

#define NPIC 4

static uint32_t rnd_state;

/* xorshift32: the same steps for the same seed */
static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return n ? rnd_state % n : 0;
}

/*
 * The last steps, a trap for a writer that rewrites pages a slow reader
 * still holds (only what comes last stays wrong: a later picture would
 * repair it): a new picture, then every 20 ms for 400 ms the same picture
 * again (whole rows damaged, none changed) and, 2 ms later, small rects
 * in the last 256 rows, the ones a reader behind holds longest.
 */
static void trap(Display *d, Window win, GC gc, struct shmimg *p, int w, int h)
{
	XShmPutImage(d, win, gc, p->im, 0, 0, 0, 0, (unsigned)w, (unsigned)h, False);
	XSync(d, False);
	for (int i = 0; i < 20; i++) {
		usleep(20000);
		XShmPutImage(d, win, gc, p->im, 0, 0, 0, 0, (unsigned)w, (unsigned)h, False);
		XSync(d, False);
		usleep(2000);
		for (int j = 0; j < 4; j++) {
			XSetForeground(d, gc, rnd(0x1000000));
			XFillRectangle(d, win, gc, (int)rnd((uint32_t)w), h - 1 - (int)rnd(256), 1 + rnd(40), 1 + rnd(40));
		}
		XSync(d, False);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: churn -s SRC [-T SECS] [-x SEED]\n");
	exit(EX_CMDLINE);
}

int main(int argc, char **argv)
{
	const char *src = NULL;
	int secs = 4, c;
	unsigned long seed = 1;
	set_argv0(argv[0]);
	while ((c = getopt(argc, argv, "s:T:x:h")) != -1) {
		switch (c) {
		case 's': src = optarg; break;
		case 'T': secs = atoi(optarg); break;
		case 'x': seed = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (secs < 1 || !seed)
		usage();
	rnd_state = (uint32_t)seed;
	Display *d = XOpenDisplay(src);
	if (!d)
		die(EX_NOX, "cannot open display %s", src ? src : "(DISPLAY)");
	if (!XShmQueryExtension(d))
		die(EX_NOX, "no MIT-SHM");
	Screen *s = DefaultScreenOfDisplay(d);
	int w = WidthOfScreen(s), h = HeightOfScreen(s);
	static struct shmimg pics[NPIC];
	for (int k = 0; k < NPIC; k++) {
		shmimg_new(d, &pics[k], w, h, 0);
		shmimg_noise(pics[k].im, ((unsigned)k + 7) * 2246822519u + 3);
	}
	XSetWindowAttributes a = { .override_redirect = True, .background_pixel = 0 };
	Window win = XCreateWindow(d, RootWindowOfScreen(s), 0, 0, (unsigned)w, (unsigned)h, 0, CopyFromParent,
				   InputOutput, CopyFromParent, CWOverrideRedirect | CWBackPixel, &a);
	XStoreName(d, win, "churn");
	XMapRaised(d, win);
	GC gc = XCreateGC(d, win, 0, NULL);
	XSync(d, False);

	uint64_t end = mono_ns() + (uint64_t)secs * 1000000000u;
	unsigned last = 0, steps[5] = { 0 };
	while (mono_ns() < end) {
		unsigned kind = rnd(5), k = rnd(NPIC);
		int x = (int)rnd((uint32_t)w), y = (int)rnd((uint32_t)h);
		switch (kind) {
		case 0: /* a whole new picture */
			XShmPutImage(d, win, gc, pics[k].im, 0, 0, 0, 0, (unsigned)w, (unsigned)h, False);
			last = k;
			break;
		case 1: /* the same again: damage, no pixel changed */
			XShmPutImage(d, win, gc, pics[last].im, 0, 0, 0, 0, (unsigned)w, (unsigned)h, False);
			break;
		case 2: { /* full-width rows of another picture, off the tile grid */
			int n = 1 + (int)rnd(300);
			XShmPutImage(d, win, gc, pics[k].im, 0, y, 0, y, (unsigned)w, (unsigned)(y + n > h ? h - y : n),
				     False);
			break;
		}
		case 3: { /* a part of a picture, anywhere */
			int pw = 1 + (int)rnd(700), ph = 1 + (int)rnd(500);
			XShmPutImage(d, win, gc, pics[k].im, x, y, x, y, (unsigned)(x + pw > w ? w - x : pw),
				     (unsigned)(y + ph > h ? h - y : ph), False);
			break;
		}
		default: /* a few small solid rects */
			for (unsigned i = 1 + rnd(5); i; i--) {
				XSetForeground(d, gc, rnd(0x1000000));
				XFillRectangle(d, win, gc, (int)rnd((uint32_t)w), (int)rnd((uint32_t)h), 1 + rnd(120),
					       1 + rnd(120));
			}
		}
		XSync(d, False);
		steps[kind]++;
		if (rnd(4) == 0)
			usleep(rnd(2000));
	}
	trap(d, win, gc, &pics[rnd(NPIC)], w, h);
	printf("done pictures=%u same=%u bands=%u parts=%u rects=%u\n", steps[0], steps[1], steps[2], steps[3],
	       steps[4]);
	fflush(stdout);
	for (;;)
		pause();
}
