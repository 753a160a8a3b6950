/*
 * The ring's writer (guest side): shmring -w, or xcap itself under
 * `shmring -w PATH -- xcap`. It writes the data area sequentially and only
 * the producer, its heartbeat and (clearing it) the wake word in the
 * header; on a PCI BAR it never reads ring memory on the hot path.
 */
#include "ring_impl.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define WRITER_TICK_NS (RING_TICK_MS * MS)
#define REWIND_MIN (256u << 10) /* past this at a frame boundary, wrap when there is room */

struct ring_writer {
	struct ring_map map;
	uint8_t *data;          /* base + RING_HDR */
	uint64_t data_len;
	uint64_t prod;          /* next record position (private) */
	uint64_t pub;           /* position published last (atomic: tests read it from another thread) */
	uint64_t cons;          /* cached consumer position */
	uint64_t attach;        /* last attach count seen */
	int snap_due;           /* an attach seen in wait_space, not yet answered */
	uint64_t rhb, rhb_ns;   /* last reader heartbeat and when it changed (0: never) */
	uint64_t whb;           /* heartbeat counter (atomic: the ticker thread bumps it too) */
	uint64_t whb_ns;
	int reader_live;
	int boundary;           /* a frame ended: the next record may start a lap */
	int tick_fd;            /* ring_writer_ticker's eventfd (-1: none) */
	uint64_t tick_attach;   /* the ticker's last attach count */
	int tick_stop, tick_done; /* ring_writer_stop asks the ticker to end; it says it did */
	int bar;                /* a PCI BAR: non-temporal stores, no reads, no wakes */
	/* the bell (ring_writer_bell): the ticker accepts, the publisher rings */
	struct addr bell_at;    /* where it listens */
	int bell_lfd;           /* listening, or -1 */
	pthread_mutex_t bell_lock; /* guards bell_fd between the two threads */
	int bell_fd;            /* connected, or -1 */
	int bell_bad;           /* a ring failed: the ticker closes the connection */
	uint32_t bell_seq;      /* the reader's bell sequence answered last */
	struct ring_writer_stats st;
};

static void set_flags(struct ring_writer *w);

struct ring_writer *ring_writer_new(const struct ring_map *m, int bar)
{
	struct ring_writer *w = calloc(1, sizeof *w);
	uint8_t *b = m->base;
	uint8_t sid[16];
	if (!w)
		die(EX_OS, "no memory for the ring's writer");
	w->map = *m;
	w->bar = bar;
	w->data = b + RING_HDR;
	w->data_len = (m->size - RING_HDR) & ~(uint64_t)(RING_ALIGN - 1);
	w->prod = w->pub = w->cons = RING_SKEW;
	w->tick_fd = -1;
	w->bell_fd = w->bell_lfd = -1;
	pthread_mutex_init(&w->bell_lock, NULL);
	/* readers see a blank ring while the header changes */
	st32(b, RING_OFF_MAGIC, 0);
	store_fence();
	xs_put32(b + RING_OFF_VERSION, RING_VERSION);
	xs_put64(b + RING_OFF_SIZE, m->size);
	xs_put64(b + RING_OFF_DATA, RING_HDR);
	xs_put64(b + RING_OFF_DATALEN, w->data_len);
	random_bytes(sid, sizeof sid);
	memcpy(b + RING_OFF_SESSION, sid, sizeof sid);
	/* a reader on a BAR's host side runs on another kernel: no wakes */
	set_flags(w);
	st64(b, RING_OFF_PROD, w->prod);
	st64(b, RING_OFF_WHB, 0);
	st32(b, RING_OFF_WPERIOD, RING_TICK_MS);
	/* the reader line, once, before the magic; afterwards only readers write it */
	st64(b, RING_OFF_CONS, w->cons);
	w->attach = ld64(b, RING_OFF_ATTACH);
	w->rhb = ld64(b, RING_OFF_RHB);
	w->whb_ns = mono_ns();
	store_fence();
	st32(b, RING_OFF_MAGIC, RING_MAGIC);
	store_fence();
	return w;
}

void ring_writer_free(struct ring_writer *w)
{
	if (!w)
		return;
	if (w->bell_fd >= 0)
		close(w->bell_fd);
	if (w->bell_lfd >= 0)
		close(w->bell_lfd);
	pthread_mutex_destroy(&w->bell_lock);
	free(w);
}

void ring_writer_start_at(struct ring_writer *w, uint64_t pos)
{
	w->prod = w->pub = w->cons = pos;
	st64(w->map.base, RING_OFF_CONS, pos);
	st64(w->map.base, RING_OFF_PROD, pos);
}

int ring_writer_screen_fits(const struct ring_writer *w, uint32_t sw, uint32_t sh, char *err, size_t n)
{
	uint64_t frame = ring_foot(XS_RECT_LEN + sw * 4u * sh);
	if (frame > w->data_len / 2) {
		snprintf(err, n, "ring of %llu bytes is too small for a %ux%u screen (a full raw frame is %llu bytes, "
			 "at most half the data area): use a ring of at least %llu bytes",
			 (unsigned long long)w->map.size, sw, sh, (unsigned long long)frame,
			 (unsigned long long)ring_size_for(sw, sh));
		return -1;
	}
	if (w->map.size < ring_size_for(sw, sh))
		VERB("ring of %llu bytes is below the advised %llu for %ux%u", (unsigned long long)w->map.size,
		     (unsigned long long)ring_size_for(sw, sh), sw, sh);
	return 0;
}

int ring_writer_fd(const struct ring_writer *w) { return w->map.fd; }
uint64_t ring_writer_size(const struct ring_writer *w) { return w->map.size; }
uint64_t ring_writer_data_len(const struct ring_writer *w) { return w->data_len; }
uint32_t ring_writer_max_len(const struct ring_writer *w)
{
	uint64_t m = w->data_len / 2 / RING_ALIGN * RING_ALIGN - XS_HDR_LEN; /* ring_foot(m) <= data_len / 2 */
	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}
int ring_writer_bar(const struct ring_writer *w) { return w->bar; }
uint64_t ring_writer_offset(const struct ring_writer *w, const uint8_t *p) { return (uint64_t)(p - w->map.base); }
uint64_t ring_writer_position(const struct ring_writer *w) { return w->prod; }
uint64_t ring_writer_published(const struct ring_writer *w) { return __atomic_load_n(&w->pub, __ATOMIC_ACQUIRE); }
int ring_writer_reader_live(const struct ring_writer *w) { return w->reader_live; }
void ring_writer_stats(const struct ring_writer *w, struct ring_writer_stats *s) { *s = w->st; }

/*
 * A hello goes into the ring now: every reader attached so far starts at
 * or before it and reads it, so none of them needs a snapshot for its
 * attach. Without this, a reader that attached between the magic and the
 * writer's first hello got that hello and then, at the writer's next
 * tick, a second one for the same attach (a seamless viewer then made
 * all its windows again, and keys typed meanwhile were lost).
 */
void ring_writer_hello(struct ring_writer *w)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the count is read before the hello is published */
	w->attach = ld64(w->map.base, RING_OFF_ATTACH);
	w->snap_due = 0;
}

uint64_t ring_writer_tick_in(const struct ring_writer *w)
{
	uint64_t since = mono_ns() - w->whb_ns;
	return since >= WRITER_TICK_NS ? 0 : WRITER_TICK_NS - since;
}

/* The file shrank under us (a bus error was caught, or is coming): say
 * so and end, from the loop or the ticker. */
static void lost_check(const struct ring_writer *w)
{
	char e[256];
	if (ring_map_lost(&w->map, e, sizeof e))
		die(EX_IO, "ring: %s", e);
}

/* Bumps the heartbeat (from the loop or the ticker; any change will do). */
static void beat(struct ring_writer *w)
{
	st64(w->map.base, RING_OFF_WHB, __atomic_add_fetch(&w->whb, 1, __ATOMIC_RELAXED));
}

int ring_writer_tick(struct ring_writer *w)
{
	uint64_t now = mono_ns(), a, rhb;
	if (now - w->whb_ns < WRITER_TICK_NS)
		return 0;
	w->whb_ns = now;
	lost_check(w);
	beat(w);
	a = ld64(w->map.base, RING_OFF_ATTACH);
	rhb = ld64(w->map.base, RING_OFF_RHB);
	if (a != w->attach) {
		w->attach = a;
		w->rhb = rhb;
		w->rhb_ns = now;
		if (!w->reader_live)
			DBG(D_RING, "reader attached (count %llu)", (unsigned long long)a);
		w->reader_live = 1;
		w->snap_due = 0;
		return 1;
	}
	if (w->snap_due) { /* an attach seen while the ring was full (wait_space) */
		w->snap_due = 0;
		return 1;
	}
	if (rhb != w->rhb) {
		w->rhb = rhb;
		w->rhb_ns = now;
		w->reader_live = 1;
	} else if (w->reader_live && now - w->rhb_ns > ring_dead_ns(ld32(w->map.base, RING_OFF_RPERIOD))) {
		DBG(D_RING, "reader heartbeat stopped: treating the ring as free");
		w->reader_live = 0;
	}
	return 0;
}

int ring_writer_tick_now(struct ring_writer *w)
{
	uint64_t v;
	if (w->tick_fd >= 0 && read(w->tick_fd, &v, sizeof v) < 0) { /* EAGAIN: nothing pending */ }
	w->whb_ns = mono_ns() - WRITER_TICK_NS;
	return ring_writer_tick(w);
}

static void set_flags(struct ring_writer *w)
{
	st32(w->map.base, RING_OFF_FLAGS, (w->bar ? 0 : RING_F_WAKE) | (w->bell_fd >= 0 ? RING_F_BELL : 0));
}

void ring_writer_bell(struct ring_writer *w, const struct addr *a)
{
	w->bell_at = *a;
	w->bell_lfd = addr_listen(&w->bell_at, "-B: ");
}

void ring_writer_bell_give(struct ring_writer *w, int *lfd, int *cfd)
{
	*lfd = w->bell_lfd, *cfd = w->bell_fd;
	w->bell_lfd = w->bell_fd = -1;
	set_flags(w);
}

void ring_writer_bell_adopt(struct ring_writer *w, const struct addr *a, int lfd, int cfd)
{
	w->bell_at = *a;
	w->bell_lfd = lfd;
	if (cfd >= 0) /* a reader that called the writer before: its first publish rings */
		w->bell_seq = ld32(w->map.base, RING_OFF_BELL) - 1;
	w->bell_fd = cfd;
	set_flags(w);
}

/* Rings the bell if the reader went to sleep since the last ring (its
 * sequence moved). From the publishing thread, after the position. */
static void bell_ring(struct ring_writer *w)
{
	if (__atomic_load_n(&w->bell_fd, __ATOMIC_RELAXED) < 0)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the position before the look at the sequence */
	uint32_t s = ld32(w->map.base, RING_OFF_BELL);
	if (s == w->bell_seq)
		return;
	pthread_mutex_lock(&w->bell_lock);
	if (w->bell_fd >= 0 && !w->bell_bad) {
		w->bell_seq = s;
		ssize_t n = send(w->bell_fd, "b", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == 1 || errno == EAGAIN) /* full: the reader has bytes to wake it */
			w->st.bells++;
		else
			w->bell_bad = 1;
	}
	pthread_mutex_unlock(&w->bell_lock);
}

/*
 * On the ticker: the bell's connection. The newest reader that called is
 * kept (a restarted viewer is never locked out); one that hung up (poll
 * says HUP, a read gives EOF, a ring failed) is closed and RING_F_BELL
 * cleared, so the reader watches on its own schedule until it calls again.
 */
static void bell_tend(struct ring_writer *w)
{
	int fd = -1, nfd;
	if (w->bell_lfd < 0)
		return;
	while ((nfd = accept4(w->bell_lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (fd >= 0)
			close(fd);
		fd = nfd;
	}
	pthread_mutex_lock(&w->bell_lock);
	if (w->bell_fd >= 0) {
		struct pollfd p = { w->bell_fd, POLLIN, 0 };
		char junk[64];
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR) || recv(w->bell_fd, junk, sizeof junk, MSG_DONTWAIT) == 0))
			w->bell_bad = 1;
		if (w->bell_bad || fd >= 0) {
			if (fd < 0)
				VERB("the bell's reader on %s hung up", w->bell_at.text);
			close(w->bell_fd);
			__atomic_store_n(&w->bell_fd, -1, __ATOMIC_RELAXED);
			w->bell_bad = 0;
		}
	}
	if (fd >= 0) {
		VERB("a reader listens for the bell on %s", w->bell_at.text);
		set_nodelay(fd, w->bell_at.family); /* a bell held back for an ACK comes 40 ms late */
		w->bell_seq = ld32(w->map.base, RING_OFF_BELL) - 1; /* the first publish rings */
		__atomic_store_n(&w->bell_fd, fd, __ATOMIC_RELAXED);
	}
	set_flags(w);
	pthread_mutex_unlock(&w->bell_lock);
}

/*
 * The ticker thread: a heartbeat and a look at the attach count per tick,
 * a few microseconds, where a tick of the caller's loop costs it a pass
 * over its X connection. Ticks are RING_TICK_MS apart while records flow
 * and double up to RING_IDLE_MS while the ring stays idle (the period is
 * announced in the header, so the reader knows how long to wait for the
 * next beat); in RAM the thread sleeps on the attach count, which a reader
 * wakes when it attaches, so a newcomer's snapshot is not a tick late.
 */
static void *ticker(void *arg)
{
	struct ring_writer *w = arg;
	uint8_t *b = w->map.base;
	uint64_t one = 1, seen = ld64(b, RING_OFF_PROD);
	uint32_t period = RING_TICK_MS;
	for (;;) {
		if (w->bar)
			sleep_ns(WRITER_TICK_NS);
		else
			futex_wait_ns(b, RING_OFF_ATTACH, (uint32_t)w->tick_attach, (uint64_t)period * MS, 0);
		if (__atomic_load_n(&w->tick_stop, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&w->tick_done, 1, __ATOMIC_RELEASE);
			return NULL;
		}
		lost_check(w);
		beat(w);
		bell_tend(w);
		uint64_t a = ld64(b, RING_OFF_ATTACH), p = ld64(b, RING_OFF_PROD);
		uint32_t next = period * 2 > RING_IDLE_MS ? RING_IDLE_MS : period * 2;
		if (a != w->tick_attach) {
			w->tick_attach = a;
			if (write(w->tick_fd, &one, sizeof one) < 0) { /* EAGAIN: already readable */ }
			next = RING_TICK_MS;
		}
		if (p != seen || w->bar)
			next = RING_TICK_MS;
		seen = p;
		if (next != period)
			st32(b, RING_OFF_WPERIOD, period = next);
	}
	return NULL;
}

int ring_writer_ticker(struct ring_writer *w)
{
	pthread_t t;
	pthread_attr_t at;
	if (w->tick_fd >= 0)
		return w->tick_fd;
	w->tick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->tick_fd < 0)
		return -1;
	w->tick_attach = w->attach;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 64 << 10);
	/* signals stay with the caller's thread (they interrupt its poll) */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&t, &at, ticker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
	if (e) {
		close(w->tick_fd);
		return w->tick_fd = -1;
	}
	return w->tick_fd;
}

void ring_writer_stop(struct ring_writer *w)
{
	if (w->tick_fd < 0)
		return;
	__atomic_store_n(&w->tick_stop, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w->tick_done, __ATOMIC_ACQUIRE)) {
		futex_wake_all(w->map.base, RING_OFF_ATTACH);
		sleep_ns(MS);
	}
}

/* Is the consumer position a reader published plausible for this session? */
static int cons_valid(const struct ring_writer *w, uint64_t c)
{
	return c % RING_ALIGN == RING_SKEW && c <= w->pub && w->pub - c <= w->data_len;
}

/*
 * Waits until positions up to end are free. Reads the consumer line only
 * when the cached value says full. Without a live reader the ring counts as
 * free (nothing is waiting for the data; a newcomer gets a snapshot).
 * Records advanced over but not yet published are published first: the
 * reader cannot free space it has not been shown.
 */
static void wait_space(struct ring_writer *w, uint64_t end)
{
	unsigned i = 0;
	uint64_t sleep = 20000;
	while (end - w->cons > w->data_len) {
		uint64_t c;
		if (!w->reader_live) {
			w->cons = end - w->data_len;
			return;
		}
		if (w->pub != w->prod)
			ring_writer_publish(w);
		c = ld64(w->map.base, RING_OFF_CONS);
		if (!cons_valid(w, c)) {
			w->cons = end - w->data_len;
			return;
		}
		w->cons = c;
		if (end - c <= w->data_len)
			return;
		if (i++ == 0)
			w->st.waits++;
		if (i < 200) {
			cpu_relax();
			continue;
		}
		if (ring_writer_tick(w))
			w->snap_due = 1; /* the caller's next tick answers it */
		sleep_ns(sleep);
		if (sleep < 200000)
			sleep *= 2;
	}
}

/* Where a record of len bytes would start (after a wrap marker if needed). */
static uint64_t place(const struct ring_writer *w, uint32_t len)
{
	uint64_t room = w->data_len - w->prod % w->data_len;
	return XS_HDR_LEN + (uint64_t)len > room ? w->prod + room + RING_SKEW : w->prod;
}

int ring_writer_consumed(struct ring_writer *w, uint64_t pos)
{
	uint64_t c;
	if (w->cons >= pos || !w->reader_live)
		return 1;
	c = ld64(w->map.base, RING_OFF_CONS);
	if (!cons_valid(w, c))
		return 1;
	w->cons = c;
	return c >= pos;
}

int ring_writer_fits(struct ring_writer *w, uint32_t len)
{
	uint64_t end = place(w, len) + ring_foot(len), c;
	if (end - w->cons <= w->data_len || !w->reader_live)
		return 1;
	c = ld64(w->map.base, RING_OFF_CONS);
	if (!cons_valid(w, c))
		return 1;
	w->cons = c;
	return end - c <= w->data_len;
}

/*
 * At a frame boundary (ring_writer_boundary) more than REWIND_MIN into the
 * data area, the next record goes to the start of the next lap (after a
 * wrap marker) when the reader has freed room for it there without a
 * wait: the ring then reuses the least memory the reader's lag allows,
 * pages mapped and warm on both sides (a few MiB resident, not the whole
 * ring's), instead of walking the ring. Only at a boundary: the skip counts
 * as used until the reader passes it, and a reader gives space back at
 * frame ends, so a skip inside a frame could leave the rest of the frame
 * no room. Only in RAM: on a BAR the consumer is read only when full.
 */
static void wrap_early(struct ring_writer *w, uint32_t len)
{
	uint64_t off = w->prod % w->data_len, q, c;
	if (w->bar || off < REWIND_MIN)
		return;
	q = w->prod + (w->data_len - off) + RING_SKEW;
	/* a reader that attached since the last tick counts too */
	if (w->reader_live || ld64(w->map.base, RING_OFF_ATTACH) != w->attach) {
		c = ld64(w->map.base, RING_OFF_CONS);
		if (!cons_valid(w, c) || q + ring_foot(len) - c > w->data_len)
			return;
		w->cons = c;
	}
	uint8_t m[XS_HDR_LEN];
	xs_put_hdr(m, (uint16_t)RING_WRAP, 0);
	memcpy(w->data + off, m, sizeof m);
	w->prod = q;
}

void ring_writer_boundary(struct ring_writer *w)
{
	w->boundary = 1;
}

uint8_t *ring_writer_reserve(struct ring_writer *w, uint32_t len)
{
	uint64_t foot = ring_foot(len), q;
	if (foot > w->data_len / 2)
		return NULL;
	if (w->boundary) {
		w->boundary = 0;
		wrap_early(w, len);
	}
	q = place(w, len);
	wait_space(w, q + foot);
	if (q != w->prod) {
		uint8_t m[XS_HDR_LEN];
		xs_put_hdr(m, (uint16_t)RING_WRAP, 0);
		ring_writer_copy(w, w->data + w->prod % w->data_len, m, sizeof m);
		w->prod = q;
	}
	return w->data + q % w->data_len;
}

uint64_t ring_writer_advance(struct ring_writer *w, uint32_t len)
{
	return w->prod += ring_foot(len);
}

/*
 * The reader sleeps with the wake word at 1 after it read the producer;
 * the writer stores the producer and then reads the word: with a full
 * fence between on both sides, either the reader sees the new producer or
 * the writer sees the 1 and wakes it.
 */
void ring_writer_publish(struct ring_writer *w)
{
	ring_writer_publish_to(w, w->prod);
}

void ring_writer_publish_to(struct ring_writer *w, uint64_t pos)
{
	uint8_t *b = w->map.base;
	/* write-combining buffers drain before the position that publishes them */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store_fence();
	st64(b, RING_OFF_PROD, pos);
	__atomic_store_n(&w->pub, pos, __ATOMIC_RELEASE);
	bell_ring(w);
	if (w->bar)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (ld32(b, RING_OFF_WAKE) && __atomic_exchange_n((uint32_t *)(void *)(b + RING_OFF_WAKE), 0u,
							   __ATOMIC_SEQ_CST)) {
		futex_wake_all(b, RING_OFF_WAKE);
		w->st.wakes++;
	}
}

void ring_writer_commit(struct ring_writer *w, uint32_t len)
{
	ring_writer_advance(w, len);
	ring_writer_publish(w);
}

void ring_stream_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
#if defined(__SSE2__)
	while (n && ((uintptr_t)dst & 15)) {
		*dst++ = *src++;
		n--;
	}
	for (; n >= 64; n -= 64, dst += 64, src += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)src);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(const void *)(src + 48));
		_mm_stream_si128((__m128i *)(void *)dst, a);
		_mm_stream_si128((__m128i *)(void *)(dst + 16), b);
		_mm_stream_si128((__m128i *)(void *)(dst + 32), c);
		_mm_stream_si128((__m128i *)(void *)(dst + 48), d);
	}
	for (; n >= 16; n -= 16, dst += 16, src += 16)
		_mm_stream_si128((__m128i *)(void *)dst, _mm_loadu_si128((const __m128i *)(const void *)src));
#endif
	memcpy(dst, src, n);
}

void ring_writer_copy(const struct ring_writer *w, uint8_t *dst, const uint8_t *src, size_t n)
{
	if (w->bar)
		ring_stream_copy(dst, src, n);
	else
		memcpy(dst, src, n);
}
