/*
 * xpaint -r: the frame stream straight from a shared-memory ring. Raw
 * rects stay in the ring and the X server reads them from there (the ring
 * file is attached read-only with MIT-SHM); their space is released only
 * after they went to the window and the pixmap and a round trip shows the
 * server is done with them.
 */
#include "ring.h"
#include "util.h"
#include "xpaint.h"

#include <stdio.h>
#include <unistd.h>

#define BATCH 256 /* records between two looks at X events */

void ringin_open(struct xpaint *x, struct ring_reader *r, const char *path)
{
	if (ring_reader_open(r, path, x->err, sizeof x->err) < 0)
		die(access(path, F_OK) ? EX_NOX : EX_DATA, "%s", x->err);
	if (view_attach_ring(&x->v, r->map.fd) == 0)
		VERB("%s: attached to the X server, raw rects painted in place", path);
	else
		VERB("%s: the X server cannot map it: raw rects are copied", path);
	ctl_refresh(&x->k);
}

/* Gives back what the server and the open frame no longer need. A frame
 * whose ring rects still go into the pixmap (view_backfill) holds its
 * space until then; the main loop sends that within BACKFILL_NS. While a
 * frame is open (its records arrive band by band), the space up to the end
 * of the frame before it is given back, once the server is done with it. */
static void release(struct xpaint *x, struct ring_reader *r)
{
	struct view *v = &x->v;
	if (v->backfill)
		return;
	if (v->nring && v->ring_bytes > r->data_len / 4)
		view_spill(v);
	if (v->nring) {
		if (x->ring_done) {
			if (v->stage_busy)
				view_sync(v); /* the server has read the frames before */
			ring_reader_release_to(r, x->ring_done);
			x->ring_done = 0;
		}
		return;
	}
	if (v->stage_busy)
		view_sync(v); /* the server has read the ring */
	ring_reader_release(r);
}

/* Up to BATCH records. Returns how many, or -1 (x->err) on a fatal error. */
int ringin_step(struct xpaint *x, struct ring_reader *r)
{
	int n = 0;
	release(x, r);
	while (n < BATCH) {
		struct xs_hdr h;
		const uint8_t *body;
		uint64_t foff;
		int in_ring;
		int k = ring_reader_next(r, &h, &body, &foff, &in_ring, x->err, sizeof x->err);
		if (k == RING_NONE)
			break;
		if (k == RING_FATAL)
			return -1;
		if (k == RING_RESTART || k == RING_CORRUPT) {
			warnx_("ring: %s", x->err);
			view_discard_frame(&x->v);
			x->nrects = 0;
			x->ring_done = 0;
			release(x, r);
			continue;
		}
		x->t_fill = mono_ns();
		uint64_t off = r->pos - ring_foot(h.len); /* ring position, for messages */
		int f = feed(x, h, body, off, in_ring ? foff + XS_RECT_LEN : UINT64_MAX);
		if (f < 0)
			return -1;
		if (h.type == XS_FRAME)
			x->ring_done = r->done;
		release(x, r);
		n++;
	}
	return n;
}

/* How long to sleep when the ring is empty: spin at first, then sleeps
 * well under a millisecond (wake-up delay), longer when long idle. */
uint64_t ringin_sleep_ns(struct ring_reader *r)
{
	uint64_t idle = mono_ns() - r->act_ns;
	int w = ring_reader_wait(r, 0);
	if (w == RING_REC)
		return 0;
	if (w == RING_STOPPED)
		warnx_("ring: the writer's heartbeat stopped; waiting for it");
	return ring_backoff_ns(idle);
}
