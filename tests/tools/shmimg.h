/*
 * MIT-SHM images for the test and bench tools (framegen, latprobe, limit):
 * each tool is one file, so this header holds the one copy of the set-up.
 * Needs util.h, Xlib, XShm and sys/shm.h included before it.
 */
#ifndef SHMIMG_H
#define SHMIMG_H

struct shmimg { XImage *im; XShmSegmentInfo si; };

/* A w x h image in a new segment attached to d; dies when MIT-SHM fails.
 * keep: leave the segment id valid for shmimg_share (the caller removes
 * it); else it is marked for removal at once (gone with the last detach). */
static inline void shmimg_new(Display *d, struct shmimg *s, int w, int h, int keep)
{
	int scr = DefaultScreen(d);
	s->im = XShmCreateImage(d, DefaultVisual(d, scr), DefaultDepth(d, scr), ZPixmap, NULL, &s->si,
	                        (unsigned)w, (unsigned)h);
	if (!s->im) die(EX_NOX, "XShmCreateImage %dx%d failed", w, h);
	s->si.shmid = shmget(IPC_PRIVATE, (size_t)s->im->bytes_per_line * (size_t)h, IPC_CREAT | 0600);
	if (s->si.shmid < 0) die(EX_OS, "shmget:");
	s->si.shmaddr = s->im->data = shmat(s->si.shmid, NULL, 0);
	if (s->si.shmaddr == (void *)-1) die(EX_OS, "shmat:");
	s->si.readOnly = False;
	if (!XShmAttach(d, &s->si)) die(EX_NOX, "XShmAttach failed");
	XSync(d, False);
	if (!keep)
		shmctl(s->si.shmid, IPC_RMID, NULL);
}

/* An image on d over the same memory as src (attached to another display):
 * what one server writes, the other reads. */
static inline void shmimg_share(Display *d, struct shmimg *s, const struct shmimg *src)
{
	int scr = DefaultScreen(d);
	s->im = XShmCreateImage(d, DefaultVisual(d, scr), DefaultDepth(d, scr), ZPixmap, NULL, &s->si,
	                        (unsigned)src->im->width, (unsigned)src->im->height);
	if (!s->im) die(EX_NOX, "XShmCreateImage failed");
	s->si.shmid = src->si.shmid;
	s->si.shmaddr = s->im->data = src->si.shmaddr;
	s->si.readOnly = False;
	if (!XShmAttach(d, &s->si)) die(EX_NOX, "XShmAttach failed");
	XSync(d, False);
}

/* A pseudo-random picture into im: noise in 4-pixel runs, desktop-like
 * enough that lz4 gains little; x (nonzero) picks it. framegen's frames
 * and latprobe's full mode draw these. */
static inline void shmimg_noise(XImage *im, uint32_t x)
{
	for (int j = 0; j < im->height; j++) {
		uint32_t *row = (uint32_t *)(im->data + (size_t)j * (size_t)im->bytes_per_line);
		for (int i = 0; i < im->width; i += 4) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			for (int k = 0; k < 4 && i + k < im->width; k++) row[i + k] = x & 0xfcfcfc;
		}
	}
}

#endif
