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

#endif
