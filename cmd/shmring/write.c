/*
 * shmring -w: the frame stream from stdin into the ring, record by record.
 * The ring is only written sequentially and never read on the hot path.
 * After each publish the record is applied to a private copy of the screen
 * (the newcomer's snapshot), served whenever a reader attaches.
 *
 * Two ways into the ring, chosen by what the file is (docs/RING.md):
 * - direct (a /dev/shm or other ordinary file): bodies are read() straight
 *   from the pipe into ring memory and the snapshot is decoded from there;
 *   reading back just-written RAM is cheap, and this saves a copy.
 * - private copy (a sysfs file, i.e. a PCI BAR such as resource2_wc, or -p):
 *   each record is read into private memory, copied into the ring with
 *   non-temporal stores, published, then decoded from the private copy.
 *   Reads of a write-combining BAR are uncached and very slow, so the
 *   writer never reads it (bar the one all-ones check at start).
 */
#include "codec.h"
#include "pipering.h"
#include "ring.h"
#include "shmring.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define STAGE (64u << 10) /* small records and headers are read through this */
#define TICK_MS 20

/* A rect record not yet decoded into the newcomer's picture (RAM rings):
 * its bytes stay in the ring until the writer laps them. */
struct pend {
	uint64_t pos;        /* ring position of the record */
	const uint8_t *rec;  /* the record in the ring; NULL: covered by a later rect */
	struct xs_hdr h;
	struct xs_rect r;
	uint64_t in_off;     /* for messages */
};

struct writer {
	struct ring_writer *rw;
	uint8_t stage[STAGE];
	size_t s0, s1;          /* unread bytes in stage[s0..s1) */
	uint64_t in_off;        /* stdin offset of stage[s0] */
	int eof;
	int tick_fd;            /* the ticker's fd, or -1 */
	int hand_fd;            /* the ring offered up the pipe: xcap's socket, or -1 */
	uint64_t hand_at;       /* xcap said its output ends at this stdin offset (UINT64_MAX: not yet) */
	int privcopy;           /* records go through rec, never read back from the ring */
	uint8_t *rec;           /* private copy of a record too large for the stage */
	size_t rec_cap;
	/* the newcomer's state */
	uint8_t hello[XS_HDR_LEN + 256];
	size_t hello_len;
	uint8_t *cursor;
	size_t cursor_len;
	uint32_t w, h;
	uint8_t *px;            /* w*h*4 BGRX */
	uint64_t seq;
	struct xs_codec *codec;
	int pending;            /* a reader attached: snapshot due */
	struct pend *pend;      /* rects to decode later, in stream order (lazy) */
	size_t pend_head, npend, pend_cap;
	int windows;            /* seamless stream: no picture kept, the reader asks for a refresh */
	uint16_t last_type;
	uint64_t records, bytes;
};

/* A sysfs PCI BAR with memory decode off swallows every write: say so and
 * how to fix it (lib/ring_bar.c). */
static void pci_check_enable(const char *path)
{
	char err[8400];
	if (ring_bar_disabled(path, err, sizeof err))
		die(EX_NOX, "%s", err);
}

static void pci_check_ones(const char *path, const uint8_t *base)
{
	char err[4400];
	if (ring_bar_ones(path, base, err, sizeof err))
		die(EX_NOX, "%s", err);
}

/* One read into the stage; waits in poll so heartbeats and attaches are
 * served while stdin is idle. Returns 1 data, 0 idle tick, -1 EOF. */
static int fill(struct writer *w)
{
	struct pollfd p[3] = { { 0, POLLIN, 0 }, { w->tick_fd, POLLIN, 0 }, { w->hand_fd, POLLIN, 0 } };
	if (w->s0 && w->s0 == w->s1)
		w->s0 = w->s1 = 0;
	if (w->s1 == STAGE || (w->s0 > STAGE / 2)) {
		memmove(w->stage, w->stage + w->s0, w->s1 - w->s0);
		w->s1 -= w->s0;
		w->s0 = 0;
	}
	/* the ticker thread beats; its fd says a reader attached */
	int pr = poll(p, 3, w->tick_fd < 0 ? TICK_MS : -1);
	if (pr == 0 || (pr < 0 && errno == EINTR))
		return 0;
	if (pr < 0)
		die(EX_OS, "poll:");
	if (p[2].revents && pipering_read_stopped(w->hand_fd, &w->hand_at) < 0) {
		warn_line("the ring's hand-over up the pipe failed: its writer went away or said something else");
		close(w->hand_fd); /* the stream goes on being copied */
		w->hand_fd = -1;
	}
	if (w->in_off + (w->s1 - w->s0) >= w->hand_at)
		return 0; /* all of xcap's output is here */
	if (p[1].revents && ring_writer_tick_now(w->rw))
		w->pending = 1;
	if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	ssize_t r = read(0, w->stage + w->s1, STAGE - w->s1);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r < 0)
		die(EX_IO, "read stdin:");
	if (r == 0) {
		w->eof = 1;
		return -1;
	}
	w->s1 += (size_t)r;
	return 1;
}

static void surface(struct writer *w, uint32_t sw, uint32_t sh)
{
	if (sw == w->w && sh == w->h && w->px)
		return;
	free(w->px);
	w->px = calloc((size_t)sw * sh, 4);
	if (!w->px)
		die(EX_OS, "no memory for a %ux%u picture", sw, sh);
	w->w = sw;
	w->h = sh;
}

/* Too small for one full raw frame (with room to spare): say what is needed. */
static void check_fits(struct writer *w, uint32_t sw, uint32_t sh)
{
	char err[512];
	if (ring_writer_screen_fits(w->rw, sw, sh, err, sizeof err) < 0)
		die(EX_DATA, "%s", err);
}

static void pend_resize(struct writer *w, uint32_t sw, uint32_t sh);

/* Off the latency path: the published record into the newcomer's state. */
static void apply(struct writer *w, struct xs_hdr h, const uint8_t *body)
{
	struct xs_msg m;
	char err[256];
	if (h.type != XS_HELLO && h.type != XS_RECT && h.type != XS_CURSOR && h.type != XS_RESIZE &&
	    h.type != XS_FRAME)
		return;
	if (xs_parse(h, body, &m, err, sizeof err))
		die(EX_DATA, "%s record at stdin offset %llu: %s", xs_type_name(h.type),
		    (unsigned long long)w->in_off, err);
	switch (h.type) {
	case XS_HELLO:
		check_fits(w, m.u.hello.width, m.u.hello.height);
		pend_resize(w, m.u.hello.width, m.u.hello.height);
		surface(w, m.u.hello.width, m.u.hello.height);
		w->windows = (m.u.hello.flags & XS_HF_WINDOWS) != 0;
		w->hello_len = XS_HDR_LEN + h.len;
		xs_put_hdr(w->hello, XS_HELLO, h.len);
		memcpy(w->hello + XS_HDR_LEN, body, h.len);
		break;
	case XS_RESIZE:
		check_fits(w, m.u.size.w, m.u.size.h);
		pend_resize(w, m.u.size.w, m.u.size.h);
		surface(w, m.u.size.w, m.u.size.h);
		break;
	case XS_CURSOR:
		free(w->cursor);
		w->cursor_len = XS_HDR_LEN + h.len;
		if (!(w->cursor = malloc(w->cursor_len)))
			die(EX_OS, "no memory for a cursor");
		xs_put_hdr(w->cursor, XS_CURSOR, h.len);
		memcpy(w->cursor + XS_HDR_LEN, body, h.len);
		break;
	case XS_FRAME:
		w->seq = m.u.frame.seq;
		ring_writer_boundary(w->rw);
		break;
	case XS_RECT:
		if (w->windows)
			break; /* window coordinates: the snapshot of a seamless stream holds no picture */
		if (!w->px)
			die(EX_DATA, "rect record at stdin offset %llu before any hello", (unsigned long long)w->in_off);
		if (xs_check_rect(m.u.rect.r, w->w, w->h, err, sizeof err) ||
		    xs_decode(w->codec, &m.u.rect, xs_pixel_at(w->px, (size_t)w->w * 4, m.u.rect.r), (size_t)w->w * 4,
			      err, sizeof err))
			die(EX_DATA, "rect record at stdin offset %llu: %s", (unsigned long long)w->in_off, err);
		break;
	}
}

/*
 * The newcomer's picture is kept lazily in a RAM ring (direct mode): a rect
 * is decoded into it only when the ring is about to reuse the record's
 * bytes, or a reader attaches, and not at all once a later rect covers it
 * whole. A full-screen change then costs no copy here (the next frame's
 * bands cover this one's, in the same pages once the ring rewinds at frame
 * ends), where decoding each record as it passed cost a memcpy of the
 * frame on the way to its frame record: 0.5-1 ms of a 1080p frame.
 */
static void pend_one(struct writer *w, struct pend *e)
{
	uint64_t off = w->in_off;
	if (e->rec) {
		w->in_off = e->in_off;
		apply(w, e->h, e->rec + XS_HDR_LEN);
		w->in_off = off;
	}
	w->pend_head++;
	if (w->pend_head == w->npend)
		w->pend_head = w->npend = 0;
}

/* Decodes the pending rects whose bytes a write up to ring position limit
 * would overwrite (they start below limit - data length): the oldest first. */
static void pend_settle(struct writer *w, uint64_t limit)
{
	uint64_t len = ring_writer_data_len(w->rw);
	while (w->pend_head < w->npend && w->pend[w->pend_head].pos + len < limit)
		pend_one(w, &w->pend[w->pend_head]);
}

static void pend_all(struct writer *w)
{
	while (w->pend_head < w->npend)
		pend_one(w, &w->pend[w->pend_head]);
}

/* A new picture size: the pending rects were for the old picture. */
static void pend_resize(struct writer *w, uint32_t sw, uint32_t sh)
{
	if (sw != w->w || sh != w->h)
		w->pend_head = w->npend = 0;
}

/* r is coming: the pending rects inside it need no decoding (the last
 * PEND_SCAN only: a frame of many small rects covers little of itself). */
#define PEND_SCAN 256
static void pend_cover(struct writer *w, struct xs_rect r)
{
	size_t i = w->npend - w->pend_head > PEND_SCAN ? w->npend - PEND_SCAN : w->pend_head;
	for (; i < w->npend; i++) {
		struct xs_rect q = w->pend[i].r;
		if (q.x >= r.x && q.y >= r.y && q.x + q.w <= r.x + r.w && q.y + q.h <= r.y + r.h)
			w->pend[i].rec = NULL;
	}
}

static void pend_add(struct writer *w, uint64_t pos, const uint8_t *rec, struct xs_hdr h, struct xs_rect r)
{
	if (w->pend_head && w->npend == w->pend_cap) {
		memmove(w->pend, w->pend + w->pend_head, (w->npend - w->pend_head) * sizeof *w->pend);
		w->npend -= w->pend_head;
		w->pend_head = 0;
	}
	w->pend = xs_grow(w->pend, &w->pend_cap, w->npend + 1, sizeof *w->pend, 256);
	w->pend[w->npend++] = (struct pend){ pos, rec, h, r, w->in_off };
}

/* ring_writer_reserve, with the pending rects it will overwrite decoded
 * first: those under a wrap marker at the producer, then those under the
 * record where it lands. */
static uint8_t *reserve(struct writer *w, uint32_t len)
{
	pend_settle(w, ring_writer_position(w->rw) + XS_HDR_LEN);
	uint8_t *d = ring_writer_reserve(w->rw, len);
	if (d)
		pend_settle(w, ring_writer_position(w->rw) + ring_foot(len));
	return d;
}

static void put_record(struct writer *w, const uint8_t *rec, size_t len)
{
	uint8_t *d = reserve(w, (uint32_t)(len - XS_HDR_LEN));
	ring_writer_copy(w->rw, d, rec, len);
	ring_writer_commit(w->rw, (uint32_t)(len - XS_HDR_LEN));
}

/* HELLO, CURSOR, the picture as raw strips (bodies up to RING_SNAP_MAX), FRAME. */
static void snapshot(struct writer *w)
{
	uint8_t fr[XS_BUILD_MAX];
	uint32_t rows, y, n = 0;
	w->pending = 0;
	if (!w->hello_len || !w->px)
		return; /* nothing seen yet: the live hello comes soon */
	pend_all(w);
	rows = (RING_SNAP_MAX - XS_RECT_LEN) / (w->w * 4u);
	if (!rows)
		rows = 1;
	ring_writer_hello(w->rw);
	put_record(w, w->hello, w->hello_len);
	if (w->cursor)
		put_record(w, w->cursor, w->cursor_len);
	if (w->windows) { /* windows come with the refresh the viewer asks for at the hello */
		VERB("reader attached: sent the hello of a seamless stream");
		return;
	}
	for (y = 0; y < w->h; y += rows, n++) {
		uint32_t hh = w->h - y < rows ? w->h - y : rows, len = XS_RECT_LEN + w->w * 4u * hh;
		uint8_t *d = reserve(w, len);
		size_t o = xs_build_rect_hdr(d, XS_ENC_RAW, (struct xs_rect){ 0, y, w->w, hh }, 0, w->w * 4u * hh);
		ring_writer_copy(w->rw, d + o, w->px + (size_t)y * w->w * 4, (size_t)w->w * 4 * hh);
		ring_writer_commit(w->rw, len);
	}
	put_record(w, fr, xs_build_frame(fr, w->seq, now_ns(), n, 0));
	VERB("reader attached: sent a %ux%u snapshot", w->w, w->h);
}

/* Ensures stage holds at least want bytes (or EOF). 1 ok, 0 EOF. */
static int need(struct writer *w, size_t want)
{
	while (w->s1 - w->s0 < want) {
		if (w->eof || fill(w) < 0)
			return 0;
		if (stop_signal)
			exit(0);
	}
	return 1;
}

/* The rest of a record (n bytes) from the pipe. */
static void read_body(struct writer *w, struct xs_hdr h, uint8_t *d, size_t n)
{
	ssize_t r = read_full(0, d, n);
	if (r < 0)
		die(EX_IO, "read stdin:");
	if ((size_t)r != n)
		die(EX_DATA, "stream cut inside a %s record at stdin offset %llu", xs_type_name(h.type),
		    (unsigned long long)w->in_off);
}

/*
 * Rects are published with the next record that is not one (a frame's
 * with its frame record): the reader shows nothing before the frame ends,
 * and a publish per band woke it (futex, notifier, its loop: three
 * context switches) 20-30 times a 1080p frame. ring_writer_reserve
 * publishes them first if it has to wait for room.
 */
static void done(struct writer *w, struct xs_hdr h)
{
	if (h.type == XS_RECT)
		ring_writer_advance(w->rw, h.len);
	else
		ring_writer_commit(w->rw, h.len);
}

/* A rect's place, checked against the picture, from its header in the stage. */
static struct xs_rect rect_of(struct writer *w, struct xs_hdr h)
{
	const uint8_t *b = w->stage + w->s0 + XS_HDR_LEN;
	struct xs_rect r = { xs_get32(b + 4), xs_get32(b + 8), xs_get32(b + 12), xs_get32(b + 16) };
	char err[256];
	if (!w->px)
		die(EX_DATA, "rect record at stdin offset %llu before any hello", (unsigned long long)w->in_off);
	if (h.len < XS_RECT_LEN || xs_check_rect(r, w->w, w->h, err, sizeof err))
		die(EX_DATA, "rect record at stdin offset %llu: %s", (unsigned long long)w->in_off,
		    h.len < XS_RECT_LEN ? "shorter than its header" : err);
	return r;
}

/* The record's body straight from the pipe into ring memory; a rect is
 * decoded into the snapshot's picture later, from the ring (pend_add). */
static void copy_direct(struct writer *w, struct xs_hdr h)
{
	size_t len = XS_HDR_LEN + h.len;
	int lazy = h.type == XS_RECT && !w->windows;
	struct xs_rect r = { 0, 0, 0, 0 };
	if (lazy) {
		if (!need(w, XS_HDR_LEN + XS_RECT_LEN))
			die(EX_DATA, "stream cut inside a rect record at stdin offset %llu", (unsigned long long)w->in_off);
		pend_cover(w, r = rect_of(w, h));
	}
	uint8_t *d = reserve(w, h.len);
	size_t have = w->s1 - w->s0, k = have < len ? have : len;
	memcpy(d, w->stage + w->s0, k);
	w->s0 += k;
	if (k < len)
		read_body(w, h, d + k, len - k);
	if (lazy) {
		struct xs_msg m;
		char err[256];
		if (xs_parse(h, d + XS_HDR_LEN, &m, err, sizeof err))
			die(EX_DATA, "rect record at stdin offset %llu: %s", (unsigned long long)w->in_off, err);
		pend_add(w, ring_writer_position(w->rw), d, h, r);
		done(w, h);
		return;
	}
	done(w, h);
	apply(w, h, d + XS_HDR_LEN);
}

/* The whole record into private memory first (the stage, or rec for a
 * large one), then streamed into the ring, published, and decoded from the
 * private copy: the ring is never read. */
static void copy_private(struct writer *w, struct xs_hdr h)
{
	size_t len = XS_HDR_LEN + h.len, have = w->s1 - w->s0;
	const uint8_t *src;
	int staged = 1;
	if (have >= len) {
		src = w->stage + w->s0;
	} else {
		if (len > w->rec_cap) {
			free(w->rec);
			w->rec_cap = (len + 0xfffff) & ~(size_t)0xfffff;
			if (!(w->rec = aligned_alloc(64, w->rec_cap)))
				die(EX_OS, "no memory for a %zu-byte record", len);
		}
		memcpy(w->rec, w->stage + w->s0, have);
		w->s0 = w->s1;
		read_body(w, h, w->rec + have, len - have);
		src = w->rec;
		staged = 0;
	}
	uint8_t *d = ring_writer_reserve(w->rw, h.len);
	ring_writer_copy(w->rw, d, src, len);
	done(w, h);
	apply(w, h, src + XS_HDR_LEN);
	if (staged)
		w->s0 += len;
}

/* One record from stdin into the ring. 1 done, 0 EOF between records. */
static int copy_record(struct writer *w)
{
	struct xs_hdr h;
	const char *e;
	if (!need(w, XS_HDR_LEN)) {
		if (w->s1 != w->s0)
			die(EX_DATA, "stream cut inside a record header at stdin offset %llu", (unsigned long long)w->in_off);
		return 0;
	}
	h = xs_get_hdr(w->stage + w->s0);
	if ((e = xs_check_hdr(h)))
		die(EX_DATA, "bad record header at stdin offset %llu: %s (type %u, length %u)",
		    (unsigned long long)w->in_off, e, h.type, h.len);
	if (h.len > ring_writer_max_len(w->rw))
		die(EX_DATA, "ring of %llu bytes is too small for a %u-byte %s record at stdin offset %llu: use a ring "
		    "of at least %llu bytes", (unsigned long long)ring_writer_size(w->rw), h.len, xs_type_name(h.type),
		    (unsigned long long)w->in_off,
		    w->w ? (unsigned long long)ring_size_for(w->w, w->h) : (unsigned long long)ring_foot(h.len) * 4);
	if (h.type == XS_HELLO) { /* the readers attached so far read this one: no snapshot for them */
		ring_writer_hello(w->rw);
		w->pending = 0;
	}
	if (XS_HDR_LEN + h.len <= STAGE / 4 && !need(w, XS_HDR_LEN + h.len))
		die(EX_DATA, "stream cut inside a %s record at stdin offset %llu", xs_type_name(h.type),
		    (unsigned long long)w->in_off);
	if (w->privcopy)
		copy_private(w, h);
	else
		copy_direct(w, h);
	w->in_off += XS_HDR_LEN + h.len;
	w->records++;
	w->bytes += XS_HDR_LEN + h.len;
	w->last_type = h.type;
	return 1;
}

/* shmring -w PATH -- COMMAND: the checks above, then COMMAND writes the
 * ring itself (xcap: its captures go straight into the ring) with the
 * ring's fd in RING_FD_ENV, and RING_BAR_ENV=1 when it is a PCI BAR. */
static void exec_writer(const char *path, struct ring_map *m, int bar, char **cmd)
{
	char fd[16];
	int flags = fcntl(m->fd, F_GETFD);
	if (flags < 0 || fcntl(m->fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
		die(EX_OS, "fcntl on the ring's fd:");
	munmap(m->base, m->size);
	snprintf(fd, sizeof fd, "%d", m->fd);
	if (setenv(RING_FD_ENV, fd, 1) < 0 || (bar ? setenv(RING_BAR_ENV, "1", 1) : unsetenv(RING_BAR_ENV)) < 0)
		die(EX_OS, "setenv:");
	VERB("%s: handing the ring (fd %s%s) to %s", path, fd, bar ? ", a PCI BAR" : "", cmd[0]);
	execvp(cmd[0], cmd);
	die(errno == ENOENT ? 127 : 126, "%s:", cmd[0]);
}

static void tick(struct writer *w, int idle)
{
	if (ring_writer_tick(w->rw))
		w->pending = 1;
	/* a snapshot goes between frames, or now if the stream is idle */
	if (w->pending && (idle || w->last_type == XS_FRAME || w->last_type == 0))
		snapshot(w);
}

static void linger(struct writer *w, unsigned secs)
{
	uint64_t end = mono_ns() + (uint64_t)secs * 1000000000u;
	while (!stop_signal && mono_ns() < end) {
		tick(w, 1);
		usleep(TICK_MS * 1000);
	}
}

/* A PCI BAR (sysfs resource file) is written through private memory; -p
 * forces that for any file (to measure it, or for other uncached memory). */
static int want_privcopy(const char *path, int fd, int force)
{
	return force || ring_bar_is(path, fd);
}

/* SIGUSR1, and -v or -d stats at exit. */
static void writer_stats(struct writer *w)
{
	struct ring_writer_stats rs;
	ring_writer_stats(w->rw, &rs);
	stats_signal = 0;
	warn_line("stats: %llu records, %llu bytes, ring full %llu times, %llu bells", (unsigned long long)w->records,
	       (unsigned long long)w->bytes, (unsigned long long)rs.waits, (unsigned long long)rs.bells);
}

/*
 * The ring handed up the pipe (lib/pipering.h): when the stream on stdin
 * comes from an xcap that listens for it, it gets the ring and writes it
 * itself, and the pipe's copy of every frame is gone. Tried before the
 * first read and again once data came (xcap listens before it writes).
 * Returns the socket, or -1 (the stream is copied, as before).
 */
static int hand_offer(const struct writer *w, const struct ring_map *m, const char *bell)
{
	char err[300];
	int s = pipe_connect(PIPERING_NAME, 0, err, sizeof err);
	if (s < 0) {
		if (err[0])
			warn_line("the ring is not handed up the pipe: %s", err);
		return -1;
	}
	if (pipering_offer(s, m->fd, w->privcopy, bell) < 0) {
		DBG(D_RING, "offer up the pipe: %s", strerror(errno));
		close(s);
		return -1;
	}
	VERB("the ring offered up the pipe: its writer takes it at the end of the stream");
	return s;
}

/* The stream's end after the offer: all of it is in the ring, published;
 * the ring is xcap's now. We stay, a member of the pipeline, until xcap's
 * end of the socket closes (or a signal: xcap sees the socket close). */
static int hand_over(struct writer *w, int s)
{
	char g;
	int lfd, cfd, r;
	ring_writer_publish(w->rw);
	ring_writer_stop(w->rw);
	ring_writer_bell_give(w->rw, &lfd, &cfd); /* the bell is xcap's: a reader's call stays up */
	r = pipering_go(s, lfd, cfd);
	if (lfd >= 0)
		close(lfd);
	if (cfd >= 0)
		close(cfd);
	ring_writer_free(w->rw);
	w->rw = NULL;
	if (r < 0)
		return 0; /* xcap is gone */
	VERB("the ring handed up the pipe: xcap writes it");
	while (!stop_signal) {
		struct pollfd p = { s, POLLIN, 0 };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			die(EX_OS, "poll:");
		if (p.revents && read(s, &g, 1) <= 0)
			break;
	}
	return 0;
}

int run_writer(const char *path, uint64_t create_size, unsigned linger_s, int privcopy, const char *bell, char **cmd,
	       int copy_only)
{
	static struct writer w;
	struct addr ba;
	struct ring_map m;
	char err[512];
	if (bell && addr_parse(bell, 1, &ba, err, sizeof err) < 0)
		die(EX_CMDLINE, "-B %s", err);
	if (bell && cmd && setenv(RING_BELL_ENV, bell, 1) < 0)
		die(EX_OS, "setenv:");
	pci_check_enable(path);
	if (ring_map_open(&m, path, create_size, err, sizeof err) < 0)
		die(EX_NOX, "%s", err);
	pci_check_ones(path, m.base);
	if (cmd)
		exec_writer(path, &m, want_privcopy(path, m.fd, privcopy), cmd);
	w.privcopy = want_privcopy(path, m.fd, privcopy);
	w.rw = ring_writer_new(&m, w.privcopy);
	if (bell)
		ring_writer_bell(w.rw, &ba);
	if (!(w.codec = xs_codec_new()))
		die(EX_OS, "no memory for the codec");
	if ((w.tick_fd = ring_writer_ticker(w.rw)) < 0)
		VERB("no ticker thread: the ring is ticked every %d ms", TICK_MS);
	if (fcntl(0, F_SETPIPE_SZ, 1 << 20) < 0)
		DBG(D_RING, "F_SETPIPE_SZ on stdin: %s", strerror(errno));
	VERB("writing %s: %llu bytes, data area %llu, %s", path, (unsigned long long)m.size,
	     (unsigned long long)ring_writer_data_len(w.rw),
	     w.privcopy ? "records through private memory (non-temporal stores)" : "records read into the ring");
	int tries = copy_only ? 2 : 1;
	w.hand_at = UINT64_MAX;
	w.hand_fd = copy_only ? -1 : hand_offer(&w, &m, bell);
	while (!stop_signal) {
		if (stats_signal)
			writer_stats(&w);
		if (w.hand_fd >= 0 && w.in_off >= w.hand_at)
			break; /* xcap's output is all in the ring */
		if (w.s1 - w.s0 < XS_HDR_LEN && !w.eof) {
			int f = fill(&w);
			if (f == 0)
				tick(&w, 1);
			if (f <= 0)
				continue;
			if (w.hand_fd < 0 && tries++ < 2)
				w.hand_fd = hand_offer(&w, &m, bell);
		}
		if (!copy_record(&w))
			break;
		tick(&w, 0);
	}
	if (w.hand_fd >= 0 && !stop_signal && (w.eof || w.in_off == w.hand_at))
		return hand_over(&w, w.hand_fd);
	ring_writer_publish(w.rw); /* a frame the stream ended inside */
	if (w.pending || (!stop_signal && linger_s))
		tick(&w, 1);
	if (!stop_signal && linger_s)
		linger(&w, linger_s);
	if (verbose || (debug_mask & D_STATS))
		writer_stats(&w);
	return 0;
}
