/*
 * xpaint reading a frame stream from a pipe (stdin or a coprocess): whole
 * records through the stream reader, and large raw rects read from the
 * pipe straight into the staging image (one copy less).
 */
#include "util.h"
#include "xpaint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define DIRECT_MIN (64u << 10) /* raw rects this large skip the reader's buffer */
#define IOV_N 64

/* Copies payload bytes [got, got + n) of the direct rect from src, or
 * reads up to n of them from fd (src NULL) into their rows. */
static ssize_t direct_io(struct xpaint *x, struct pipein *p, const uint8_t *src, size_t n)
{
	struct direct *d = &p->dr;
	size_t row = (size_t)d->rm.r.w * 4, stride = (size_t)x->v.sw * 4;
	struct iovec iov[IOV_N];
	int k = 0;
	for (size_t at = d->got, left = n; left && k < IOV_N; k++) {
		size_t y = at / row, o = at % row, m = row - o < left ? row - o : left;
		if (row == stride) /* full width: the rest of the payload is contiguous */
			m = left;
		iov[k] = (struct iovec){ d->dst + y * stride + o, m };
		at += m, left -= m;
	}
	if (src) {
		for (int i = 0; i < k; i++)
			memcpy(iov[i].iov_base, src, iov[i].iov_len), src += iov[i].iov_len;
		d->got += n;
		return (ssize_t)n;
	}
	ssize_t r;
	do
		r = readv(p->rd.fd, iov, k);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		d->got += (size_t)r;
	return r;
}

/*
 * Before the next record is taken from the buffer: is it a large raw rect
 * whose payload has not all arrived? Then its header is checked now, what
 * the buffer holds of its payload is copied into place and the rest is
 * read from the pipe straight into the staging image (one copy less).
 * Returns 1 when it started, 0 when the buffer goes on as usual, -1 on a
 * bad rect (x->err).
 */
static int direct_start(struct xpaint *x, struct pipein *p)
{
	struct xs_reader *rd = &p->rd;
	struct direct *d = &p->dr;
	size_t have = rd->end - rd->start;
	if (have < XS_HDR_LEN + XS_RECT_LEN)
		return 0;
	struct xs_hdr h = xs_get_hdr(rd->buf + rd->start);
	const uint8_t *body = rd->buf + rd->start + XS_HDR_LEN;
	if (xs_check_hdr(h) || h.type != XS_RECT || h.len < DIRECT_MIN || have >= XS_HDR_LEN + h.len ||
	    xs_rect_enc(body) != XS_ENC_RAW || !x->have_hello || sm_on(x))
		return 0;
	d->h = h;
	d->off = rd->off;
	d->got = 0;
	if (!(d->dst = feed_raw_begin(x, h, body, rd->off, &d->rm)))
		return -1;
	direct_io(x, p, body + XS_RECT_LEN, have - XS_HDR_LEN - XS_RECT_LEN);
	rd->start = rd->end = 0; /* all of the buffer was this record */
	rd->off += XS_HDR_LEN + h.len;
	d->on = 1;
	return 1;
}

/* One read of the direct rect's payload: 0, or an end (*st). */
static int direct_step(struct xpaint *x, struct pipein *p, int *st)
{
	struct direct *d = &p->dr;
	ssize_t n = direct_io(x, p, NULL, d->rm.len - d->got);
	x->t_fill = mono_ns();
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		snprintf(x->err, sizeof x->err, "read of the frame stream at offset %llu: %s",
			 (unsigned long long)(d->off + XS_HDR_LEN + XS_RECT_LEN + d->got), strerror(errno));
		return *st = EX_IO, 1;
	}
	if (n == 0) {
		p->rd.eof = 1;
		snprintf(x->err, sizeof x->err, "rect record at offset %llu truncated: %zu of %u body bytes",
			 (unsigned long long)d->off, XS_RECT_LEN + d->got, d->h.len);
		return *st = EX_DATA, 1;
	}
	if (d->got == d->rm.len)
		d->on = 0, feed_raw_end(x, &d->rm);
	return 0;
}

/* One read (unless whole records still wait in the buffer), then the
 * whole records in the buffer until the turn's time is up (p->more then
 * says some are left): 0, or an end (*st). */
static int pipe_once(struct xpaint *x, struct pipein *p, uint64_t until, int *st)
{
	if (p->dr.on)
		return direct_step(x, p, st);
	if (!p->more) {
		ssize_t n = xs_fill(&p->rd);
		x->t_fill = mono_ns();
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			snprintf(x->err, sizeof x->err, "read of the frame stream at offset %llu: %s",
				 (unsigned long long)p->rd.off, strerror(errno));
			return *st = EX_IO, 1;
		}
	}
	p->more = 0;
	for (;;) {
		if (mono_ns() >= until) { /* X events and signals first; the rest next turn */
			p->more = p->rd.end - p->rd.start >= XS_HDR_LEN;
			return 0;
		}
		struct xs_hdr h;
		const uint8_t *body;
		uint64_t off;
		int k = direct_start(x, p);
		if (k < 0)
			return *st = EX_DATA, 1;
		if (k > 0) {
			if (p->dr.got == p->dr.rm.len) /* cannot happen: the buffer lacked some */
				p->dr.on = 0, feed_raw_end(x, &p->dr.rm);
			return 0;
		}
		k = xs_next(&p->rd, &h, &body, &off, x->err, sizeof x->err);
		if (k < 0)
			return *st = EX_DATA, 1;
		if (k == 0)
			break;
		k = feed(x, h, body, off);
		if (k < 0)
			return *st = EX_DATA, 1;
		if (k > 0)
			return *st = 0, 1;
	}
	if (p->rd.eof)
		return *st = 0, 1;
	return 0;
}

/* Reads on while the stream has bytes waiting (reads are at most
 * DIRECT_MIN into the buffer), for at most TURN_NS and 64 reads, so that
 * X events and signals are not kept waiting, whatever the guest sends;
 * then the pending state is settled if the input was drained. */
int pipein_step(struct xpaint *x, struct pipein *p, int *st)
{
	uint64_t until = mono_ns() + TURN_NS;
	int n = 0;
	for (int i = 0; i < 64; i++) {
		n = 0;
		if (pipe_once(x, p, until, st)) {
			feed_settle(x);
			return 1;
		}
		if (p->more || ioctl(p->rd.fd, FIONREAD, &n) < 0 || n <= 0)
			break;
	}
	feed_turn_end(x, !p->more && n <= 0);
	return 0;
}

void pipein_open(struct pipein *p, int fd)
{
	xs_reader_init(&p->rd, fd);
	p->rd.chunk = DIRECT_MIN; /* leaves most of a large raw rect in the pipe for direct_start */
}

void pipein_close(struct pipein *p)
{
	if (p->rd.fd > 0)
		close(p->rd.fd);
	p->rd.fd = -1;
}
