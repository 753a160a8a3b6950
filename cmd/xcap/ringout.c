/*
 * xcap writing the ring itself (`shmring -w PATH -- xcap DISPLAY`): shmring
 * checked and opened the ring and handed its fd on in $XS_RING_FD. Records
 * go into the ring instead of stdout, and raw captures go there without
 * passing through xcap at all: the ring file is attached to the X server
 * (MIT-SHM 1.2, fd passing) and XShmGetImage writes each damaged band
 * straight into its record's payload (one copy a side: the server writes
 * the ring here, the viewer's server reads it on the host). xcap then
 * never reads ring memory, so the same holds for a write-combining BAR.
 * Unchanged pixels are not filtered out in that mode (nothing compares
 * them): shared memory is cheap to fill, the comparison is not.
 */
#include "pipering.h"
#include "util.h"
#include "xcap.h"

#include <X11/Xlib-xcb.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xcb/shm.h>
#include <xcb/xcbext.h>

#define MAX_INFLIGHT 256 /* captures sent before their replies are awaited */
#define SLOT_FOOT 4096u  /* a sound place in the ring, header included */
#define SLOT_BODY (SLOT_FOOT - XS_HDR_LEN) /* ring_foot(SLOT_BODY) == SLOT_FOOT */

/* The writer's role from ring memory m (bar: a PCI BAR), ringing bell: on
 * its listening socket lfd and reader cfd when given (-1: listen anew). */
static void take_ring(struct cap *c, struct ring_map *m, int bar, const char *bell, int lfd, int cfd)
{
	char err[256];
	c->ring = ring_writer_new(m, bar);
	if (bell && *bell) {
		struct addr a;
		if (addr_parse(bell, 1, &a, err, sizeof err) < 0)
			die(EX_CMDLINE, "-B %s", err);
		if (lfd >= 0)
			ring_writer_bell_adopt(c->ring, &a, lfd, cfd);
		else
			ring_writer_bell(c->ring, &a);
	} else if (lfd >= 0 || cfd >= 0) {
		die(EX_SOFT, "the ring's writer up the pipe gave a bell without its address");
	}
}

/* Maps the ring from $XS_RING_FD, if set, and takes the writer's role. */
void ringout_open(struct cap *c)
{
	const char *s = getenv(RING_FD_ENV);
	unsigned long fd;
	struct ring_map m;
	char err[256];
	if (!s && c->bell)
		die(EX_CMDLINE, "-B: the bell is the ring's (run xcap under shmring -w RING --)");
	if (!s)
		return;
	if (parse_uint(s, 0, 65535, &fd) < 0)
		die(EX_CMDLINE, "$%s=%s: not a file descriptor", RING_FD_ENV, s);
	if (ring_map_fd(&m, (int)fd, err, sizeof err) < 0)
		die(EX_NOX, "$%s: %s", RING_FD_ENV, err);
	fcntl(m.fd, F_SETFD, FD_CLOEXEC);
	unsetenv(RING_FD_ENV);
	/* -B, or shmring -w -B ADDR handing it on */
	take_ring(c, &m, getenv(RING_BAR_ENV) != NULL, c->bell ? c->bell : getenv(RING_BELL_ENV), -1, -1);
	unsetenv(RING_BELL_ENV);
	VERB("writing the ring (fd %lu, %llu bytes%s)", fd, (unsigned long long)m.size,
	     ring_writer_bar(c->ring) ? ", a PCI BAR: non-temporal stores" : "");
}

/* Stdout a pipe (`xcap :1 | shmring -w RING`): listen where the shmring
 * reading it may hand us its ring (lib/pipering.h). */
void ringout_listen(struct cap *c)
{
	c->pr_sock = -1;
	c->pr_lfd = c->ring ? -1 : pipe_listen(PIPERING_NAME, 1);
	if (c->pr_lfd >= 0)
		DBG(D_RING, "stdout is a pipe: its reader may hand us a ring");
}

/*
 * shmring -w connected: the ring up the pipe. The peer must hold the read
 * end of our stdout, as the same user; then what the output holds goes
 * down the pipe, stdout is closed, and once shmring says all of the pipe
 * is in the ring (its writer stopped) we write the ring ourselves, in a
 * new session (readers follow as on a writer's restart). Returns the
 * ring's ticker fd (or -1); shmring's socket stays in c->pr_sock: its end
 * is the pipe reader's, and ends us as the pipe's would.
 */
int ringout_take(struct cap *c)
{
	char err[300], bell[PIPERING_BELL_MAX + 1];
	int s = pipe_accept(c->pr_lfd, 1, err, sizeof err), fd = -1, bar = 0;
	if (s < 0) {
		if (err[0])
			WARN_LIMITED("a ring offered up the pipe refused: %s", err);
		return -1;
	}
	struct timeval tv = { 2, 0 }; /* the offer comes with the call: never hang on a silent peer */
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (pipering_take(s, &fd, &bar, bell, err, sizeof err) != 1) {
		WARN_LIMITED("a ring offered up the pipe refused: %s", err);
		close(s);
		return -1;
	}
	close(c->pr_lfd);
	c->pr_lfd = -1;
	struct ring_map m;
	if (ring_map_fd(&m, fd, err, sizeof err) < 0) {
		warn_line("a ring offered up the pipe refused: %s", err);
		close(fd), close(s);
		return -1;
	}
	while (out_pending(&c->out)) { /* the rest down the pipe, whole records */
		struct pollfd p = { 1, POLLOUT, 0 };
		if (out_flush(c) < 0)
			exit(0); /* the reader went away */
		if (out_pending(&c->out) && poll(&p, 1, 1000) < 0 && errno != EINTR)
			die(EX_OS, "poll:");
	}
	if (pipering_stopped(s, c->st.out_bytes) < 0)
		die(EX_SOFT, "the ring's writer up the pipe went away during the hand-over");
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 1) < 0)
		die(EX_OS, "/dev/null:");
	close(null);
	int lfd, cfd;
	if (pipering_wait_go(s, 10000, &lfd, &cfd, err, sizeof err) < 0)
		die(EX_SOFT, "the ring's writer up the pipe did not hand the ring over: %s", err);
	take_ring(c, &m, bar, bell, lfd, cfd);
	c->pr_sock = s;
	ringout_setup(c);
	VERB("writing the ring shmring handed up the pipe (%llu bytes%s)%s", (unsigned long long)m.size,
	     bar ? ", a PCI BAR" : "", c->ring_seg ? ": the X server captures straight into it" : "");
	int tick = ring_writer_ticker(c->ring);
	return tick;
}

/* After the screen is known: the ring must hold a full raw frame twice
 * (docs/RING.md), and the X server gets the ring for direct captures. */
void ringout_setup(struct cap *c)
{
	struct ring_writer *w = c->ring;
	if (!w)
		return;
	char msg[512];
	if (ring_writer_screen_fits(w, c->w, c->h, msg, sizeof msg) < 0)
		die(EX_DATA, "%s", msg);
	if (c->enc != XS_ENC_RAW || c->ring_seg || c->wins || ring_writer_size(w) > UINT32_MAX)
		return; /* encoded rects and seamless windows go through xcap; offsets are 32 bits */
	xcb_connection_t *xc = XGetXCBConnection(c->dpy);
	const xcb_query_extension_reply_t *e = xcb_get_extension_data(xc, &xcb_shm_id);
	xcb_shm_query_version_reply_t *v = e && e->present ?
		xcb_shm_query_version_reply(xc, xcb_shm_query_version(xc), NULL) : NULL;
	int ok = v && (v->major_version > 1 || v->minor_version >= 2);
	free(v);
	int fd = ok ? fcntl(ring_writer_fd(w), F_DUPFD_CLOEXEC, 0) : -1;
	if (fd >= 0) {
		uint32_t seg = xcb_generate_id(xc);
		xcb_generic_error_t *err = xcb_request_check(xc, xcb_shm_attach_fd_checked(xc, seg, fd, 0));
		if (!err)
			c->ring_seg = seg;
		free(err);
	}
	VERB("%s", c->ring_seg ? "the X server captures straight into the ring"
			       : "the X server cannot map the ring: captures are copied into it");
}

/* Copies n bytes of the output from segment *i, offset *d, to dst. */
static void gather(struct cap *c, size_t *i, size_t *d, uint8_t *dst, size_t n)
{
	struct outbuf *o = &c->out;
	while (n) {
		const struct oseg *s = &o->seg[*i];
		const uint8_t *b = (s->ext ? s->ext : o->buf + s->off) + *d;
		size_t k = s->len - *d < n ? s->len - *d : n;
		ring_writer_copy(c->ring, dst, b, k);
		dst += k, n -= k, *d += k;
		if (*d == s->len)
			(*i)++, *d = 0;
	}
}

/* The output, record by record, into the ring; each is published at once.
 * Blocks while a live reader has no room for the next (backpressure). */
int ringout_flush(struct cap *c)
{
	struct outbuf *o = &c->out;
	size_t i = 0, d = 0;
	while (i < o->nseg) {
		uint8_t hb[XS_HDR_LEN];
		size_t i0 = i, d0 = d;
		struct oseg *s = &o->seg[i];
		if (s->len - d >= XS_HDR_LEN)
			memcpy(hb, (s->ext ? s->ext : o->buf + s->off) + d, XS_HDR_LEN);
		else
			die(EX_SOFT, "record header split in the output");
		struct xs_hdr h = xs_get_hdr(hb);
		uint8_t *p = ring_writer_reserve(c->ring, h.len);
		if (!p)
			die(EX_DATA, "a %u-byte %s record does not fit the ring", h.len, xs_type_name(h.type));
		i = i0, d = d0;
		gather(c, &i, &d, p, XS_HDR_LEN + (size_t)h.len);
		ring_writer_commit(c->ring, h.len);
		if (h.type == XS_FRAME) {
			ring_writer_boundary(c->ring);
			c->ring_end[0] = c->ring_end[1];
			c->ring_end[1] = ring_writer_published(c->ring);
		}
		c->st.out_bytes += XS_HDR_LEN + h.len;
	}
	o->len = o->mark = o->nseg = o->cur = o->done = 0;
	return 0;
}

/*
 * A reader that is a frame behind holds the next capture back: the damage
 * keeps accumulating in the server and the capture, when it comes, takes
 * the newest pixels. Without this a viewer slower than the source (4K at
 * 144 offered) would find several frames queued in a large ring and show
 * each late (load p50 31 ms against the pipe's 26, whose small buffer
 * holds one frame).
 */
int ringout_ready(struct cap *c)
{
	return !c->ring || ring_writer_consumed(c->ring, c->ring_end[0]);
}

/* One capture on its way: the record is reserved, its pixels come with
 * the reply; with sound, a sound place reserved just ahead of it. */
struct inflight { xcb_shm_get_image_cookie_t ck; uint64_t end; uint8_t *slot; uint64_t slot_pos; };

/*
 * Sound while the X server captures straight into the ring (-A): a frame's
 * records are reserved at once and published in order as the replies
 * come, so a piece read after them waits for the whole frame, 10 ms and
 * more on a loaded machine (docs/AUDIO.md). Instead, each capture has a
 * small place reserved just ahead of it: while xcap awaits that capture's
 * reply, all before the place is published, so the pieces that come go
 * into the place and out at once; what is left of it, when the reply
 * comes, is padding (RING_PAD), which the reader skips. A piece that finds
 * the place full goes behind the frame, as before, and so do the frame's
 * later pieces (their order is kept).
 */
int ringout_slot_put(struct cap *c, const uint8_t *rec, size_t n)
{
	if (!c->slot.p)
		return 0;
	if (c->slot.spilled || ring_foot((uint32_t)(n - XS_HDR_LEN)) > SLOT_FOOT - c->slot.used)
		return c->slot.spilled = 1, 0;
	ring_writer_copy(c->ring, c->slot.p + c->slot.used, rec, n);
	c->slot.used += (uint32_t)ring_foot((uint32_t)(n - XS_HDR_LEN));
	ring_writer_publish_to(c->ring, c->slot.pos + c->slot.used);
	c->slot.pieces++;
	return 1;
}

/* Awaits capture f's reply, the sound command's pieces going into the
 * place ahead of it meanwhile (audio_await); then pads the rest of the place. */
static void await_with_sound(struct cap *c, const struct inflight *f, xcb_generic_error_t **e)
{
	c->slot.p = f->slot, c->slot.pos = f->slot_pos, c->slot.used = 0;
	free(audio_await(c, f->ck.sequence, e));
	if (c->slot.used < SLOT_FOOT) {
		uint8_t h[XS_HDR_LEN];
		xs_put_hdr(h, (uint16_t)RING_PAD, SLOT_FOOT - c->slot.used - XS_HDR_LEN);
		ring_writer_copy(c->ring, f->slot + c->slot.used, h, sizeof h);
	}
	c->slot.p = NULL;
}

/* Replies in order; each record is published once the server wrote it. */
static void settle(struct cap *c, struct inflight *f, int *n)
{
	xcb_connection_t *xc = XGetXCBConnection(c->dpy);
	for (int i = 0; i < *n; i++) {
		xcb_generic_error_t *e = NULL;
		if (f[i].slot)
			await_with_sound(c, &f[i], &e);
		else
			free(xcb_shm_get_image_reply(xc, f[i].ck, &e));
		if (e) /* the screen shrank under us: a resize follows; the pixels are stale, not unsafe */
			DBG(D_X, "direct capture failed (X error %u)", e->error_code);
		free(e);
		ring_writer_publish_to(c->ring, f[i].end);
	}
	*n = 0;
}

/*
 * The damaged rects (inside the frame's band, whole rows) captured
 * straight into raw rect records in the ring. Rows per record are chosen so
 * that a body stays within REC_BODY_MAX. Returns the rects written.
 */
uint32_t ringout_capture(struct cap *c, const struct xs_rect *r, int n, struct xs_rect band)
{
	static struct inflight f[MAX_INFLIGHT];
	xcb_connection_t *xc = XGetXCBConnection(c->dpy);
	struct ring_writer *w = c->ring;
	int nf = 0, sound = audio_fd(c) >= 0;
	uint32_t nrects = 0;
	c->slot.spilled = 0;
	for (int i = 0; i < n; i++) {
		struct xs_rect in = xs_rect_intersect(r[i], band);
		uint32_t rows = in.w ? REC_BODY_MAX / (in.w * 4u) : 0;
		for (uint32_t y = in.y; y < in.y + in.h; y += rows) {
			struct xs_rect p = { in.x, y, in.w, in.y + in.h - y < rows ? in.y + in.h - y : rows };
			uint32_t len = XS_RECT_LEN + p.w * 4u * p.h;
			if (nf == MAX_INFLIGHT || !ring_writer_fits(w, len + (sound ? SLOT_FOOT : 0)))
				settle(c, f, &nf); /* never wait for room with unpublished records */
			f[nf].slot = NULL;
			if (sound) { /* the place ahead of it */
				f[nf].slot = ring_writer_reserve(w, SLOT_BODY);
				f[nf].slot_pos = ring_writer_position(w);
				ring_writer_advance(w, SLOT_BODY);
			}
			uint8_t *rec = ring_writer_reserve(w, len), hb[XS_HDR_LEN + XS_RECT_LEN];
			xs_build_rect_hdr(hb, XS_ENC_RAW, p, 0, p.w * 4u * p.h);
			ring_writer_copy(w, rec, hb, sizeof hb);
			f[nf].ck = xcb_shm_get_image_unchecked(xc, c->root, (int16_t)p.x, (int16_t)p.y, (uint16_t)p.w,
							       (uint16_t)p.h, ~0u, XCB_IMAGE_FORMAT_Z_PIXMAP, c->ring_seg,
							       (uint32_t)ring_writer_offset(w, rec + sizeof hb));
			/* the next record's place, without publishing this one yet */
			f[nf++].end = ring_writer_advance(w, len);
			c->st.captures++;
			c->st.nrec[XS_ENC_RAW]++;
			c->st.bytes[XS_ENC_RAW] += XS_HDR_LEN + len;
			c->st.out_bytes += XS_HDR_LEN + len;
			nrects++;
		}
	}
	settle(c, f, &nf);
	return nrects;
}
