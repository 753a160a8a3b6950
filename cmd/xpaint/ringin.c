/*
 * xpaint -r: the frame stream straight from a shared-memory ring. Raw
 * rects stay in the ring and the X server reads them from there (the ring
 * file is attached read-only with MIT-SHM); their space is released only
 * after they went to the window and the pixmap and a round trip shows the
 * server is done with them. On a PCI BAR (xpaint inside a guest, showing
 * another guest's ring) or with -p, the library copies every record out
 * first and the X server never sees the ring: reads of write-combining
 * memory are slow, and the server would read it again per request. Waiting is the ring library's notifier
 * thread: the poll loop sleeps on its eventfd beside the X connection.
 */
#include "ring.h"
#include "util.h"
#include "xpaint.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#define BATCH 256 /* records between two looks at X events */

void ringin_open(struct xpaint *x, struct ringin *ri, const char *path, int copyout)
{
	int rc = ring_reader_open(&ri->r, path, x->err, sizeof x->err);
	if (rc < 0)
		die(rc == RING_NOFILE ? EX_NOX : EX_DATA, "%s", x->err);
	if (copyout)
		ring_reader_copyout(ri->r, 1);
	if (ring_reader_copies(ri->r))
		VERB("%s: %s: every record is copied out of it first (%s)", path, copyout ? "-p" : "a PCI BAR",
		     ring_load_streaming() ? "SSE4.1 streaming loads" : "plain loads");
	else if (view_attach_ring(&x->v, ring_reader_fd(ri->r)) == 0)
		VERB("%s: attached to the X server, raw rects painted in place", path);
	else
		VERB("%s: the X server cannot map it: raw rects are copied", path);
	if (ring_reader_notify_fd(ri->r) < 0)
		VERB("%s: no notifier thread: the ring is polled", path);
	ctl_refresh(&x->k);
}

/* Gives back what the server and the open frame no longer need. A frame
 * whose ring rects still go into the pixmap (view_backfill) holds its
 * space until then; the main loop sends that within BACKFILL_NS. While a
 * frame is open (its records arrive band by band), the space up to the end
 * of the frame before it is given back, once the server is done with it. */
static void release(struct xpaint *x, struct ringin *ri)
{
	struct view *v = &x->v;
	struct ring_reader *r = ri->r;
	if (v->backfill)
		return;
	if (v->nring && v->ring_bytes > ring_reader_data_len(r) / 4)
		view_spill(v);
	if (v->nring) {
		if (ri->done) {
			if (v->stage_busy)
				view_sync(v); /* the server has read the frames before */
			ring_reader_release_to(r, ri->done);
			ri->done = 0;
		}
		return;
	}
	if (v->stage_busy)
		view_sync(v); /* the server has read the ring */
	ring_reader_release(r);
}

void ringin_release(struct xpaint *x, struct ringin *ri)
{
	release(x, ri);
}

/* Up to BATCH records, for at most TURN_NS; the pending state settled
 * when the ring was read to its end. Returns how many, or -1 (x->err) on
 * a fatal error. */
int ringin_step(struct xpaint *x, struct ringin *ri)
{
	int n = 0, drained = 0;
	uint64_t until = mono_ns() + TURN_NS;
	release(x, ri);
	while (n < BATCH && mono_ns() < until) {
		struct ring_rec rec;
		struct xs_msg m;
		char e[200];
		int k = ring_reader_next(ri->r, &rec, x->err, sizeof x->err);
		if (k == RING_NONE) {
			drained = 1;
			break;
		}
		if (k == RING_FATAL)
			return -1;
		if (k == RING_RESTART || k == RING_CORRUPT) {
			if (k == RING_RESTART) /* each kind rate-limited on its own */
				WARN_LIMITED("ring: %s", x->err);
			else
				WARN_LIMITED("ring: %s", x->err);
			view_discard_frame(&x->v);
			x->nrects = 0;
			ri->done = 0;
			ri->frame_ended = 0;
			release(x, ri);
			continue;
		}
		x->t_fill = mono_ns();
		/* the first record after a frame end: everything before it (the
		 * finished frames, and a wrap marker's skip) can be given back
		 * while this frame is open */
		if (ri->frame_ended)
			ri->done = rec.pos, ri->frame_ended = 0;
		if (ring_rec_parse(&rec, &m, e, sizeof e)) {
			snprintf(x->err, sizeof x->err, "%s record at ring position %llu: %s", xs_type_name(rec.h.type),
				 (unsigned long long)rec.pos, e);
			return -1;
		}
		int f = feed_msg(x, rec.h, &m, rec.pos, rec.in_ring ? rec.payload_off : UINT64_MAX);
		if (f < 0)
			return -1;
		if (rec.h.type == XS_FRAME)
			ri->done = ring_reader_done(ri->r), ri->frame_ended = 1;
		release(x, ri);
		n++;
	}
	release(x, ri); /* a wrap marker passed last is given back too */
	feed_turn_end(x, drained);
	return n;
}

/*
 * Nothing more in the ring: heartbeat and liveness checks, then the
 * notifier watches. Returns the poll timeout in ns: 0 when there is
 * something after all, -1 to wait on the notifier's fd alone, or a sleep
 * (no notifier thread).
 */
int64_t ringin_idle_ns(struct ringin *ri)
{
	struct ring_reader *r = ri->r;
	int w = ring_reader_wait(r, 0);
	if (w == RING_REC)
		return 0;
	if (w == RING_STOPPED)
		WARN_LIMITED("ring: the writer's heartbeat stopped; waiting for it");
	if (ring_reader_notify_fd(r) < 0)
		return (int64_t)ring_backoff_ns(0) + 50000;
	ring_reader_arm(r);
	return -1;
}

/* --- the bell (-B) ----------------------------------------------------- */

#define BELL_RETRY_NS 1000000000ull /* a call that failed or ended: again after this */
/* A bell that brought nothing is followed by a millisecond in which the
 * bell is not read: a writer rings once a publish the reader asked for, a
 * guest ringing without end would make the viewer spin on it (a core,
 * t-hostile-storm's bell). A bell after which records came is read at
 * once: a frame published in parts (two records of 4 MiB at 1080p, then
 * the frame record) rings for each, and before, when every bell was
 * followed by the quiet millisecond, the frame was shown up to a
 * millisecond late (make bench, full 1080p: 4.2-4.7 ms with the bell
 * against 3.4-3.8 without). */
#define BELL_MIN_NS 1000000ull

static void bell_down(struct ringin *ri, const char *why)
{
	if (ri->bell_up)
		VERB("the ring's bell on %s %s: the ring is watched on a schedule again", ri->bell_addr.text, why);
	if (ri->bell_fd >= 0)
		close(ri->bell_fd);
	ri->bell_fd = -1;
	ri->bell_up = 0;
	ri->bell_next = mono_ns() + BELL_RETRY_NS;
	ring_reader_bell(ri->r, 0);
}

static void bell_up(struct ringin *ri)
{
	ri->bell_up = 1;
	set_nodelay(ri->bell_fd, ri->bell_addr.family);
	VERB("the ring's writer rings a bell on %s: waiting on it", ri->bell_addr.text);
	ring_reader_bell(ri->r, 1);
}

/*
 * The writer (xcap -B, shmring -w -B) listens; we call it, as the control
 * channel goes host to guest (the host picks the guest: no other VM can
 * reach the bell), again a second after a call failed or ended. After a
 * publish we asked for (ring_reader_arm), it sends a byte: the host side of
 * a guest's BAR then sleeps in poll instead of watching the ring on a
 * schedule. The bytes are read and dropped.
 */
void ringin_bell_open(struct ringin *ri, const char *spec)
{
	char err[256];
	ri->bell_fd = -1;
	if (addr_parse(spec, 0, &ri->bell_addr, err, sizeof err) < 0)
		die(EX_CMDLINE, "-B %s", err);
}

/* Starts a call when one is due; the poll timeout (ms) until the next, or -1. */
int64_t ringin_bell_due_ms(struct ringin *ri)
{
	uint64_t now = mono_ns();
	if (ri->bell_fd >= 0 && ri->bell_up && now < ri->bell_quiet)
		return (int64_t)((ri->bell_quiet - now + 999999) / 1000000); /* listened to again then */
	if (!ri->bell_addr.len || ri->bell_fd >= 0)
		return -1;
	if (now < ri->bell_next)
		return (int64_t)((ri->bell_next - now + 999999) / 1000000);
	ri->bell_fd = addr_socket(&ri->bell_addr, 1);
	if (ri->bell_fd < 0) {
		bell_down(ri, "cannot be called");
		return (int64_t)(BELL_RETRY_NS / 1000000);
	}
	if (connect(ri->bell_fd, (struct sockaddr *)&ri->bell_addr.ss, ri->bell_addr.len) == 0)
		bell_up(ri);
	else if (errno != EINPROGRESS && errno != EAGAIN) {
		bell_down(ri, "does not answer");
		return (int64_t)(BELL_RETRY_NS / 1000000);
	}
	return -1;
}

/* poll's events on the bell's fd: the call's answer, bells, a hang-up. */
void ringin_bell_event(struct xpaint *x, struct ringin *ri, short rev)
{
	if (!ri->bell_up) {
		int e = 0;
		socklen_t el = sizeof e;
		if (getsockopt(ri->bell_fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e)
			bell_down(ri, "does not answer");
		else
			bell_up(ri);
		return;
	}
	uint8_t junk[4096];
	ssize_t n = read(ri->bell_fd, junk, sizeof junk);
	if (n > 0) {
		uint64_t done = ring_reader_done(ri->r);
		x->st.bells++;
		if (done == ri->bell_done) /* nothing since the last bell */
			ri->bell_quiet = mono_ns() + BELL_MIN_NS;
		ri->bell_done = done;
		DBG(D_RING, "the bell rang (%zd bytes)", n);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR) || (rev & (POLLERR | POLLHUP)))
		bell_down(ri, "hung up");
}

short ringin_bell_events(const struct ringin *ri)
{
	if (ri->bell_up && mono_ns() < ri->bell_quiet)
		return 0; /* errors and a hang-up only */
	return ri->bell_fd < 0 ? 0 : ri->bell_up ? POLLIN : POLLOUT;
}
