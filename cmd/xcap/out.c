/*
 * xcap's output side: records are queued in a buffer of segments (bytes of
 * the buffer, or pixel rows referenced where they lie) and written to
 * stdout with writev(), large pixel runs spliced into a pipe with
 * vmsplice(); under shmring -w they go into the ring instead (ringout.c).
 */
#include "util.h"
#include "xcap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

uint8_t *out_reserve(struct outbuf *o, size_t n)
{
	o->buf = xs_grow(o->buf, &o->cap, o->len + n, 1, 1u << 20);
	return o->buf + o->len;
}

static struct oseg *seg_add(struct outbuf *o)
{
	o->seg = xs_grow(o->seg, &o->segcap, o->nseg + 1, sizeof *o->seg, 256);
	return &o->seg[o->nseg++];
}

/* Ends the open run of buf bytes as a segment (before an ext one, and
 * before a flush). */
void out_close(struct outbuf *o)
{
	if (o->len > o->mark)
		*seg_add(o) = (struct oseg){ NULL, o->mark, o->len - o->mark, 0 };
	o->mark = o->len;
}

/* Queues n bytes at p without copying them; p must stay unchanged until
 * they are written (and, spliced, read: see struct outbuf). */
void out_ext(struct outbuf *o, const uint8_t *p, size_t n)
{
	out_close(o);
	struct oseg *l = o->nseg > o->cur ? &o->seg[o->nseg - 1] : NULL;
	if (l && l->ext && !l->end && l->ext + l->len == p)
		l->len += n; /* rows of a full-width run are contiguous */
	else
		*seg_add(o) = (struct oseg){ p, 0, n, 0 };
}

int out_pending(const struct outbuf *o)
{
	return o->len || o->nseg || o->aqlen;
}

/* An audio record for the pipe: queued apart from the frames, so that it
 * goes out at the next record boundary (between two bands of a frame)
 * instead of behind the rest of the frame. 0, or -1 when the queue is
 * full (the reader is behind: the piece is dropped). */
int out_audio(struct outbuf *o, const uint8_t *rec, size_t n)
{
	if (o->aqlen + n > sizeof o->aq)
		return -1;
	memcpy(o->aq + o->aqlen, rec, n);
	o->aqlen += n;
	return 0;
}

/* Is the flush position between two records (or the queue empty)? */
static int at_boundary(const struct outbuf *o)
{
	return o->done == 0 && (o->cur == 0 || o->seg[o->cur - 1].end);
}

/* A failed write to stdout, by errno: 1 try again (EINTR), 0 the pipe is
 * full (EAGAIN), -1 the reader is gone; anything else ends xcap (EX_IO). */
static int write_failed(const char *what)
{
	if (errno == EINTR)
		return 1;
	if (errno == EAGAIN)
		return 0;
	if (errno == EPIPE || errno == ECONNRESET)
		return -1;
	die(EX_IO, "%s to stdout:", what);
}

/* What it can of the audio queue: 1 all of it, 0 the pipe is full, -1 the
 * reader is gone. Once begun it is finished before any frame byte. */
static int aq_write(struct cap *c)
{
	struct outbuf *o = &c->out;
	while (o->aqdone < o->aqlen) {
		ssize_t w = write(1, o->aq + o->aqdone, o->aqlen - o->aqdone);
		if (w < 0) {
			int r = write_failed("write");
			if (r > 0)
				continue;
			return r;
		}
		o->aqdone += (size_t)w;
		c->st.out_bytes += (size_t)w;
	}
	o->aqlen = o->aqdone = 0;
	return 1;
}

/* The audio queue into the pipe now, if the output stands between two
 * records (xcap awaits the X server, audio_await): 1 written or left for
 * the next boundary, 0 the pipe is full, -1 the reader is gone. */
int out_audio_push(struct cap *c)
{
	struct outbuf *o = &c->out;
	if (!o->aqlen || !(o->aqdone || at_boundary(o)))
		return 1;
	return aq_write(c);
}

void out_record(struct cap *c, const uint8_t *rec, size_t n)
{
	memcpy(out_reserve(&c->out, n), rec, n);
	c->out.len += n;
}

#define SPLICE_MIN (32u << 10) /* smaller pieces are copied: a spliced piece takes a pipe slot per page */
#define IOV_N 64

static int spliceable(const struct outbuf *o, const struct oseg *s)
{
	return o->pipe && s->ext && s->len >= SPLICE_MIN;
}

/*
 * Writes what it can of the output, in order: runs of buffer bytes and
 * small pixel rows with writev(), large pixel runs into a pipe with
 * vmsplice() (the pipe then references the private copy's pages instead
 * of copying them). -1: the reader is gone.
 */
int out_flush(struct cap *c)
{
	struct outbuf *o = &c->out;
	out_close(o);
	if (c->ring)
		return ringout_flush(c);
	if (o->nseg) /* what is queued when we are called ends with a whole record */
		o->seg[o->nseg - 1].end = 1;
	for (;;) {
		if (o->aqlen && (o->aqdone || at_boundary(o))) { /* sound first, between two records */
			int r = aq_write(c);
			if (r <= 0)
				return r;
		}
		if (o->cur >= o->nseg)
			break;
		struct iovec iov[IOV_N];
		int n = 0, sp = spliceable(o, &o->seg[o->cur]);
		/* up to the next record boundary: a piece of sound waiting goes there */
		for (size_t i = o->cur; i < o->nseg && n < IOV_N && spliceable(o, &o->seg[i]) == sp; i++) {
			const struct oseg *s = &o->seg[i];
			const uint8_t *b = s->ext ? s->ext : o->buf + s->off;
			size_t skip = i == o->cur ? o->done : 0;
			iov[n++] = (struct iovec){ (void *)(b + skip), s->len - skip };
			if (s->end && o->aqlen)
				break;
		}
		ssize_t w = sp ? vmsplice(1, iov, (unsigned long)n, SPLICE_F_NONBLOCK) : writev(1, iov, n);
		if (w < 0) {
			int r = write_failed(sp ? "vmsplice" : "write");
			if (r > 0)
				continue;
			return r;
		}
		if (sp && w > 0)
			o->spliced = 1;
		c->st.out_bytes += (size_t)w;
		for (size_t k = (size_t)w; k;) {
			size_t left = o->seg[o->cur].len - o->done;
			if (k < left) {
				o->done += k;
				break;
			}
			k -= left;
			o->cur++, o->done = 0;
		}
		while (o->cur < o->nseg && o->seg[o->cur].len == o->done)
			o->cur++, o->done = 0;
	}
	o->len = o->mark = o->nseg = o->cur = o->done = 0;
	return 0;
}

#define COPY_WAIT_MIN_NS 100000  /* a reader at hand drains the pipe in a moment */
#define COPY_WAIT_MAX_NS 2000000 /* a slow one (ssh, a busy host) holds the pages for long */

/* May the private copy be rewritten? Not while the pipe holds pages of it
 * that were spliced: the reader would read the new pixels as the old. No
 * event says the pipe drained, so while it has not, copy_wait_ns is when
 * to look again: 100 us, doubling up to 2 ms, back to 100 us once it
 * drained. Looking every 100 us behind a slow reader was up to 10,000
 * wake-ups a second (tests/t-pipe-pacing.sh). */
int out_copy_free(struct cap *c)
{
	struct outbuf *o = &c->out;
	int n = 0;
	if (!o->spliced)
		return 1;
	if (ioctl(1, FIONREAD, &n) < 0 || n == 0) {
		o->spliced = 0;
		o->copy_wait_ns = 0;
		return 1;
	}
	o->copy_wait_ns = o->copy_wait_ns ? o->copy_wait_ns * 2 : COPY_WAIT_MIN_NS;
	if (o->copy_wait_ns > COPY_WAIT_MAX_NS)
		o->copy_wait_ns = COPY_WAIT_MAX_NS;
	return 0;
}

/* stdout: a tty is refused, a pipe gets 1 MiB, O_NONBLOCK and vmsplice. */
void out_setup_stdout(struct cap *c)
{
	struct stat st;
	if (isatty(1))
		die(EX_CMDLINE, "stdout is a terminal: pipe it into xpaint or a file");
	if (fstat(1, &st) < 0)
		die(EX_OS, "fstat stdout:");
	if (S_ISFIFO(st.st_mode) && fcntl(1, F_SETPIPE_SZ, 1 << 20) < 0)
		VERB("F_SETPIPE_SZ 1 MiB on stdout: %s", strerror(errno));
	c->out.pipe = S_ISFIFO(st.st_mode);
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
}
