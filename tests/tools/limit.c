/*
 * limit [-g WxH] [-n N] [-s SRC -d DST]
 * The physical limit the bench compares against, measured in the same run:
 *  - memcpy of one WxH BGRX frame between buffers larger than the caches;
 *  - the same bytes through a pipe (1 MiB buffer) to another process;
 *  - with -s/-d, one process moving pixels between two X servers the
 *    fastest way there is: draw on SRC, XShmGetImage from SRC, XShmPutImage
 *    to a window on DST, XSync; for a 64x64 square and for a full frame.
 * Prints key=value pairs on one line (ms per frame, GB/s, p50/p99).
 * Exit: 0 done, 64 usage, 69 display/MIT-SHM missing, 71 system error.
 */
#include "util.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmimg.h"

#define NBUF 4


static double *samples;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	int i = (int)(q * n + 0.999999) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* memcpy between NBUF buffer pairs in turn, so the data comes from memory. */
static void bench_memcpy(size_t len, int n)
{
	char *s[NBUF], *d[NBUF];
	for (int i = 0; i < NBUF; i++) {
		s[i] = malloc(len); d[i] = malloc(len);
		if (!s[i] || !d[i]) die(EX_OS, "malloc:");
		memset(s[i], i + 1, len); memset(d[i], 0, len);
	}
	for (int i = 0; i < n; i++) {
		uint64_t t0 = mono_ns();
		memcpy(d[i % NBUF], s[i % NBUF], len);
		samples[i] = (double)(mono_ns() - t0) / 1e6;
	}
	double p50 = pct(samples, n, 0.5);
	printf("memcpy_ms=%.4f memcpy_gbs=%.2f ", p50, (double)len / p50 / 1e6);
	for (int i = 0; i < NBUF; i++) { free(s[i]); free(d[i]); }
}

/* write() of whole frames into a pipe, read() by a child; time per frame. */
static void bench_pipe(size_t len, int n)
{
	int p[2], back[2];
	if (pipe(p) || pipe(back)) die(EX_OS, "pipe:");
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	char *buf = malloc(len);
	if (!buf) die(EX_OS, "malloc:");
	memset(buf, 7, len);
	pid_t pid = fork();
	if (pid < 0) die(EX_OS, "fork:");
	if (!pid) {
		close(p[1]);
		for (int i = 0; i < n; i++)
			if (read_full(p[0], buf, len) != (ssize_t)len) _exit(1);
		_exit(write(back[1], "k", 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	uint64_t t0 = mono_ns();
	for (int i = 0; i < n; i++)
		if (write_all(p[1], buf, len) < 0) die(EX_IO, "pipe write:");
	char k;
	if (read(back[0], &k, 1) != 1) die(EX_IO, "pipe reader failed");
	double ms = (double)(mono_ns() - t0) / 1e6 / n;
	waitpid(pid, NULL, 0);
	close(p[1]); close(back[0]); close(back[1]);
	free(buf);
	printf("pipe_ms=%.4f pipe_gbs=%.2f ", ms, (double)len / ms / 1e6);
}

static Display *open_dpy(const char *name)
{
	Display *d = XOpenDisplay(name);
	if (!d) die(EX_NOX, "cannot open display %s", name);
	if (!XShmQueryExtension(d)) die(EX_NOX, "%s: no MIT-SHM", name);
	return d;
}

static Window or_window(Display *d, int x, int y, int w, int h)
{
	XSetWindowAttributes a = { .override_redirect = True };
	Window win = XCreateWindow(d, DefaultRootWindow(d), x, y, (unsigned)w, (unsigned)h, 0, CopyFromParent,
	                           InputOutput, CopyFromParent, CWOverrideRedirect, &a);
	XMapRaised(d, win);
	XSync(d, False);
	return win;
}

/* One sample: change w x h pixels on SRC, carry them to DST, wait for both. */
static double x_copy(Display *s, Display *d, Window sw, Window dw, GC sg, GC dg, struct shmimg *frame,
                     struct shmimg *grab, struct shmimg *put, int w, int h, int i)
{
	uint64_t t0 = mono_ns();
	if (frame) {
		XShmPutImage(s, sw, sg, frame[i % 2].im, 0, 0, 0, 0, (unsigned)w, (unsigned)h, False);
	} else {
		XSetForeground(s, sg, (unsigned long)(i * 0x3f1f7u) & 0xffffff);
		XFillRectangle(s, sw, sg, 0, 0, (unsigned)w, (unsigned)h);
	}
	XSync(s, False);
	XShmGetImage(s, sw, grab->im, 0, 0, AllPlanes);
	XShmPutImage(d, dw, dg, put->im, 0, 0, 0, 0, (unsigned)w, (unsigned)h, False);
	XSync(d, False);
	return (double)(mono_ns() - t0) / 1e6;
}

static void bench_x(const char *src, const char *dst, int w, int h, int n)
{
	Display *s = open_dpy(src), *d = open_dpy(dst);
	Screen *ss = DefaultScreenOfDisplay(s), *ds = DefaultScreenOfDisplay(d);
	if (w > WidthOfScreen(ss) || h > HeightOfScreen(ss) || w > WidthOfScreen(ds) || h > HeightOfScreen(ds))
		die(EX_CMDLINE, "frame %dx%d larger than %s or %s", w, h, src, dst);
	int sizes[2][2] = { { 64, 64 }, { w, h } };
	const char *names[2] = { "x_square", "x_full" };
	for (int k = 0; k < 2; k++) {
		int cw = sizes[k][0], ch = sizes[k][1];
		Window sw = or_window(s, 0, 0, cw, ch), dw = or_window(d, 0, 0, cw, ch);
		GC sg = XCreateGC(s, sw, 0, NULL), dg = XCreateGC(d, dw, 0, NULL);
		struct shmimg grab, put, frame[2];
		shmimg_new(s, &grab, cw, ch, 1);
		shmimg_share(d, &put, &grab);
		shmctl(grab.si.shmid, IPC_RMID, NULL);
		if (k) {
			for (int f = 0; f < 2; f++) {
				shmimg_new(s, &frame[f], cw, ch, 1);
				uint32_t x = 99u + (uint32_t)f;
				for (size_t b = 0; b < (size_t)frame[f].im->bytes_per_line * (size_t)ch / 4; b++) {
					x ^= x << 13; x ^= x >> 17; x ^= x << 5;
					((uint32_t *)frame[f].im->data)[b] = x & 0xfcfcfc;
				}
				shmctl(frame[f].si.shmid, IPC_RMID, NULL);
			}
		}
		for (int i = 0; i < n; i++)
			samples[i] = x_copy(s, d, sw, dw, sg, dg, k ? frame : NULL, &grab, &put, cw, ch, i);
		double p50 = pct(samples, n, 0.5), p99 = pct(samples, n, 0.99);
		printf("%s_p50_ms=%.4f %s_p99_ms=%.4f ", names[k], p50, names[k], p99);
		if (k) printf("x_full_max_fps=%.1f ", 1000.0 / p50);
		XDestroyWindow(s, sw); XDestroyWindow(d, dw);
		XSync(s, False); XSync(d, False);
	}
	XCloseDisplay(s); XCloseDisplay(d);
}

static void usage(void)
{
	fprintf(stderr, "usage: limit [-g WxH] [-n N] [-s SRC -d DST]\n");
	exit(EX_CMDLINE);
}

int main(int argc, char **argv)
{
	const char *src = NULL, *dst = NULL;
	int w = 1920, h = 1080, n = 100, c;
	set_argv0(argv[0]);
	while ((c = getopt(argc, argv, "g:n:s:d:h")) != -1) {
		switch (c) {
		case 'g': if (sscanf(optarg, "%dx%d", &w, &h) != 2) usage(); break;
		case 'n': n = atoi(optarg); break;
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		default: usage();
		}
	}
	if (n < 1 || n > 100000 || w < 64 || h < 64 || w > 16384 || h > 16384 || !src != !dst) usage();
	samples = calloc((size_t)n, sizeof *samples);
	if (!samples) die(EX_OS, "calloc:");
	size_t len = (size_t)w * (size_t)h * 4;
	printf("w=%d h=%d bytes=%zu ", w, h, len);
	bench_memcpy(len, n);
	bench_pipe(len, n);
	if (src) bench_x(src, dst, w, h, n);
	printf("\n");
	return 0;
}
