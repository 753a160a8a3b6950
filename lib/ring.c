/*
 * The shared-memory ring: mapping, the writer (guest) and the reader (host).
 * docs/RING.md is the spec. The reader copies every header field it uses
 * into private memory once and checks it there; positions in the ring are
 * only trusted after the checks below.
 */
#include "ring.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#define store_fence() _mm_sfence()
#else
#define cpu_relax() do { } while (0)
#define store_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#define MS 1000000ull
#define WRITER_TICK_NS (20 * MS) /* heartbeat and attach checks, off the hot path */

/* Shared fields: naturally aligned, single-copy atomic loads and stores. */
static inline uint64_t ld64(const uint8_t *b, unsigned off)
{
	return __atomic_load_n((const uint64_t *)(const void *)(b + off), __ATOMIC_ACQUIRE);
}
static inline void st64(uint8_t *b, unsigned off, uint64_t v)
{
	__atomic_store_n((uint64_t *)(void *)(b + off), v, __ATOMIC_RELEASE);
}
static inline uint32_t ld32(const uint8_t *b, unsigned off)
{
	return __atomic_load_n((const uint32_t *)(const void *)(b + off), __ATOMIC_ACQUIRE);
}
static inline void st32(uint8_t *b, unsigned off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)(b + off), v, __ATOMIC_RELEASE);
}

/* -1 when a signal interrupted the sleep (the caller's loop should look). */
static int sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	return nanosleep(&ts, NULL) < 0 && errno == EINTR ? -1 : 0;
}

uint64_t ring_size_for(uint32_t w, uint32_t h)
{
	uint64_t need = (uint64_t)w * 4 * h * 3 + (4u << 20), s = 1;
	while (s < need)
		s <<= 1;
	return s;
}

/* Owner, type and mode checks of an opened ring file (Xpra's lesson). */
static int check_file(const struct stat *st, const char *path, char *err, size_t n)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, n, "%s: not a regular file", path);
		return -1;
	}
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		snprintf(err, n, "%s: owned by uid %u, not by us or root", path, (unsigned)st->st_uid);
		return -1;
	}
	if (st->st_mode & 022) {
		snprintf(err, n, "%s: writable by group or others (mode %03o)", path, (unsigned)(st->st_mode & 0777));
		return -1;
	}
	return 0;
}

int ring_map_open(struct ring_map *m, const char *path, uint64_t create_size, char *err, size_t n)
{
	struct stat st;
	memset(m, 0, sizeof *m);
	m->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create_size ? O_CREAT : 0), 0600);
	if (m->fd < 0) {
		snprintf(err, n, "%s: %s", path, errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
		return -1;
	}
	if (fstat(m->fd, &st) < 0 || check_file(&st, path, err, n) < 0)
		goto fail_msg;
	if (create_size && st.st_size == 0) {
		if (ftruncate(m->fd, (off_t)create_size) < 0 || fstat(m->fd, &st) < 0)
			goto fail_errno;
	} else if (create_size && (uint64_t)st.st_size != create_size) {
		snprintf(err, n, "%s: is %llu bytes, -s asked for %llu", path, (unsigned long long)st.st_size,
			 (unsigned long long)create_size);
		goto fail_msg;
	}
	m->size = (uint64_t)st.st_size;
	if (m->size < RING_HDR + RING_MIN_DATA) {
		snprintf(err, n, "%s: %llu bytes is too small for a ring (at least %u; for a W x H screen use "
			 "stride*H*3+4 MiB rounded up to a power of two, 32 MiB for 1920x1080)", path,
			 (unsigned long long)m->size, RING_HDR + RING_MIN_DATA);
		goto fail_msg;
	}
	/* never more than the file holds: a larger mapping would SIGBUS */
	m->base = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		goto fail_errno;
	}
	return 0;
fail_errno:
	snprintf(err, n, "%s: %s", path, strerror(errno));
fail_msg:
	close(m->fd);
	m->fd = -1;
	return -1;
}

void ring_map_close(struct ring_map *m)
{
	if (m->base)
		munmap(m->base, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->fd = -1;
}

/* ---------------------------------------------------------------- writer */

void ring_writer_init(struct ring_writer *w, struct ring_map *m)
{
	uint8_t *b = m->base;
	uint8_t sid[16];
	memset(w, 0, sizeof *w);
	w->map = *m;
	w->data = b + RING_HDR;
	w->data_len = (m->size - RING_HDR) & ~(uint64_t)(RING_ALIGN - 1);
	w->prod = w->cons = RING_SKEW;
	/* readers see a blank ring while the header changes */
	st32(b, RING_OFF_MAGIC, 0);
	store_fence();
	xs_put32(b + RING_OFF_VERSION, RING_VERSION);
	xs_put64(b + RING_OFF_SIZE, m->size);
	xs_put64(b + RING_OFF_DATA, RING_HDR);
	xs_put64(b + RING_OFF_DATALEN, w->data_len);
	random_bytes(sid, sizeof sid);
	memcpy(b + RING_OFF_SESSION, sid, sizeof sid);
	st64(b, RING_OFF_PROD, w->prod);
	st64(b, RING_OFF_WHB, 0);
	/* the reader line, once, before the magic; afterwards only readers write it */
	st64(b, RING_OFF_CONS, w->cons);
	w->attach = ld64(b, RING_OFF_ATTACH);
	w->rhb = ld64(b, RING_OFF_RHB);
	w->whb_ns = mono_ns();
	store_fence();
	st32(b, RING_OFF_MAGIC, RING_MAGIC);
	store_fence();
}

int ring_writer_tick(struct ring_writer *w)
{
	uint64_t now = mono_ns(), a, rhb;
	if (now - w->whb_ns < WRITER_TICK_NS)
		return 0;
	w->whb_ns = now;
	st64(w->map.base, RING_OFF_WHB, ++w->whb);
	a = ld64(w->map.base, RING_OFF_ATTACH);
	rhb = ld64(w->map.base, RING_OFF_RHB);
	if (a != w->attach) {
		w->attach = a;
		w->rhb = rhb;
		w->rhb_ns = now;
		if (!w->reader_live)
			DBG(D_RING, "reader attached (count %llu)", (unsigned long long)a);
		w->reader_live = 1;
		return 1;
	}
	if (rhb != w->rhb) {
		w->rhb = rhb;
		w->rhb_ns = now;
		w->reader_live = 1;
	} else if (w->reader_live && now - w->rhb_ns > RING_DEAD_MS * MS) {
		DBG(D_RING, "reader heartbeat stopped: treating the ring as free");
		w->reader_live = 0;
	}
	return 0;
}

/* Is the consumer position a reader published plausible for this session? */
static int cons_valid(const struct ring_writer *w, uint64_t c)
{
	return c % RING_ALIGN == RING_SKEW && c <= w->prod && w->prod - c <= w->data_len;
}

/*
 * Waits until positions up to end are free. Reads the consumer line only
 * when the cached value says full. Without a live reader the ring counts as
 * free (nothing is waiting for the data; a newcomer gets a snapshot).
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
		c = ld64(w->map.base, RING_OFF_CONS);
		if (!cons_valid(w, c)) {
			w->cons = end - w->data_len;
			return;
		}
		w->cons = c;
		if (end - c <= w->data_len)
			return;
		if (i++ == 0)
			w->waits++;
		if (i < 200) {
			cpu_relax();
			continue;
		}
		ring_writer_tick(w);
		sleep_ns(sleep);
		if (sleep < 200000)
			sleep *= 2;
	}
}

uint8_t *ring_writer_reserve(struct ring_writer *w, uint32_t len)
{
	uint64_t foot = ring_foot(len), room, q = w->prod;
	if (foot > w->data_len / 2)
		return NULL;
	room = w->data_len - w->prod % w->data_len;
	if (XS_HDR_LEN + (uint64_t)len > room)
		q = w->prod + room + RING_SKEW;
	wait_space(w, q + foot);
	if (q != w->prod) {
		xs_put_hdr(w->data + w->prod % w->data_len, (uint16_t)RING_WRAP, 0);
		w->prod = q;
	}
	return w->data + q % w->data_len;
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

void ring_writer_commit(struct ring_writer *w, uint32_t len)
{
	w->prod += ring_foot(len);
	/* write-combining buffers drain before the position that publishes them */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store_fence();
	st64(w->map.base, RING_OFF_PROD, w->prod);
}

/* ---------------------------------------------------------------- reader */

static void reader_heartbeat(struct ring_reader *r, uint64_t now)
{
	if (now - r->rhb_ns < RING_HB_MS * MS / 2)
		return;
	r->rhb_ns = now;
	st64(r->map.base, RING_OFF_RHB, ++r->rhb);
}

/*
 * Attaches at the newest record boundary: copies the header line once,
 * checks it against the real file size, publishes the consumer position
 * and bumps the attach count so the writer sends a snapshot.
 */
static int attach(struct ring_reader *r, char *err, size_t n)
{
	uint8_t *b = r->map.base, h[64];
	uint64_t size, doff, dlen, prod, now = mono_ns();
	uint32_t magic = ld32(b, RING_OFF_MAGIC), version;
	r->state = 0;
	r->tried = 1;
	if (magic == 0)
		return RING_NONE; /* a writer has not initialised it (yet) */
	memcpy(h, b, sizeof h);
	magic = xs_get32(h + RING_OFF_MAGIC);
	version = xs_get32(h + RING_OFF_VERSION);
	size = xs_get64(h + RING_OFF_SIZE);
	doff = xs_get64(h + RING_OFF_DATA);
	dlen = xs_get64(h + RING_OFF_DATALEN);
	if (magic != RING_MAGIC) {
		snprintf(err, n, "not a ring: magic 0x%08x at offset 0, expected 0x%08x (\"XRNG\")", magic, RING_MAGIC);
		return RING_FATAL;
	}
	if (version != RING_VERSION) {
		snprintf(err, n, "ring version %u at offset 4, this reader speaks %u", version, RING_VERSION);
		return RING_FATAL;
	}
	if (size != r->map.size) {
		snprintf(err, n, "size mismatch: the ring header says %llu bytes, the file has %llu (both sides must "
			 "use the same file size)", (unsigned long long)size, (unsigned long long)r->map.size);
		return RING_FATAL;
	}
	if (doff != RING_HDR || dlen % RING_ALIGN || dlen < RING_MIN_DATA || dlen > size - RING_HDR) {
		snprintf(err, n, "bad ring geometry: data offset %llu, data length %llu in a %llu-byte file",
			 (unsigned long long)doff, (unsigned long long)dlen, (unsigned long long)size);
		return RING_FATAL;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (ld32(b, RING_OFF_MAGIC) != RING_MAGIC || memcmp(b + RING_OFF_SESSION, h + RING_OFF_SESSION, 16))
		return RING_NONE; /* a writer is (re)starting: try again */
	prod = ld64(b, RING_OFF_PROD);
	memcpy(r->session, h + RING_OFF_SESSION, 16);
	r->bad_prod = prod;
	if (prod % RING_ALIGN != RING_SKEW) {
		snprintf(err, n, "corrupt ring: producer position %llu (offset %u) is not a record boundary",
			 (unsigned long long)prod, RING_OFF_PROD);
		return RING_CORRUPT;
	}
	r->data_len = dlen;
	r->pos = r->done = prod;
	r->synced = 0;
	r->state = 1;
	st64(b, RING_OFF_CONS, prod);
	st64(b, RING_OFF_ATTACH, ld64(b, RING_OFF_ATTACH) + 1);
	r->whb = ld64(b, RING_OFF_WHB);
	r->whb_ns = r->check_ns = r->act_ns = now;
	r->writer_dead = 0;
	reader_heartbeat(r, now + RING_HB_MS * MS);
	return RING_REC;
}

int ring_reader_open(struct ring_reader *r, const char *path, char *err, size_t n)
{
	int a;
	memset(r, 0, sizeof *r);
	if (ring_map_open(&r->map, path, 0, err, n) < 0)
		return -1;
	/* sub-millisecond sleeps in ring_reader_wait need a small timer slack */
	prctl(PR_SET_TIMERSLACK, 10000UL, 0, 0, 0);
	a = attach(r, err, n);
	if (a == RING_FATAL) {
		ring_map_close(&r->map);
		return -2;
	}
	return 0;
}

void ring_reader_close(struct ring_reader *r)
{
	ring_map_close(&r->map);
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

void ring_reader_release(struct ring_reader *r)
{
	if (r->state == 1)
		st64(r->map.base, RING_OFF_CONS, r->done);
}

void ring_reader_release_to(struct ring_reader *r, uint64_t pos)
{
	if (r->state == 1 && pos <= r->done && r->done - pos <= r->data_len)
		st64(r->map.base, RING_OFF_CONS, pos);
}

/* Has the writer restarted (blank or different session)? */
static int restarted(const struct ring_reader *r)
{
	return ld32(r->map.base, RING_OFF_MAGIC) != RING_MAGIC ||
	       memcmp(r->map.base + RING_OFF_SESSION, r->session, 16) != 0;
}

/* A bad position or record: a new session explains it, else it is corruption.
 * Either way reattach at the newest boundary. */
static int resync(struct ring_reader *r, char *err, size_t n, int corrupt)
{
	char why[256];
	int a;
	if (restarted(r)) {
		a = attach(r, why, sizeof why);
		if (a == RING_FATAL || a == RING_CORRUPT) {
			snprintf(err, n, "%s", why);
			return a;
		}
		snprintf(err, n, "writer restarted (new session): resynchronised");
		return RING_RESTART;
	}
	if (!corrupt)
		return RING_NONE;
	a = attach(r, why, sizeof why);
	if (a == RING_FATAL) {
		snprintf(err, n, "%s", why);
		return a;
	}
	size_t l = strlen(err);
	snprintf(err + l, n > l ? n - l : 0, "; %s", a == RING_REC ? "resynchronised at the newest record" : why);
	return RING_CORRUPT;
}

static int corrupt(struct ring_reader *r, char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int corrupt(struct ring_reader *r, char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	int l = snprintf(err, n, "corrupt ring: ");
	va_start(ap, fmt);
	vsnprintf(err + l, n - (size_t)l, fmt, ap);
	va_end(ap);
	if (restarted(r))
		err[0] = 0;
	return resync(r, err, n, 1);
}

static int ready(struct ring_reader *r);

int ring_reader_next(struct ring_reader *r, struct xs_hdr *h, const uint8_t **body, uint64_t *body_file_off,
		     int *in_ring, char *err, size_t n)
{
	uint64_t now = mono_ns();
	*in_ring = 0;
	*body_file_off = 0;
	*body = NULL;
	if (r->state == 0) {
		if (r->tried && !ready(r))
			return RING_NONE;
		int a = attach(r, err, n);
		if (a != RING_REC)
			return a == RING_CORRUPT ? RING_CORRUPT : a;
	}
	reader_heartbeat(r, now);
	if (now - r->check_ns > RING_HB_MS * MS) {
		r->check_ns = now;
		if (restarted(r))
			return resync(r, err, n, 0);
	}
	for (;;) {
		uint64_t prod = ld64(r->map.base, RING_OFF_PROD), pos = r->pos;
		uint64_t room = r->data_len - pos % r->data_len, foot;
		const uint8_t *p = r->map.base + RING_HDR + pos % r->data_len;
		uint8_t hb[XS_HDR_LEN];
		struct xs_hdr hh;
		const char *e;
		if (prod == pos) {
			if (!r->synced)
				ring_reader_release(r);
			return RING_NONE;
		}
		if (prod < pos || prod - pos > r->data_len || prod % RING_ALIGN != RING_SKEW)
			return corrupt(r, err, n, "producer position %llu (offset %u) with the reader at %llu",
				       (unsigned long long)prod, RING_OFF_PROD, (unsigned long long)pos);
		memcpy(hb, p, sizeof hb);
		hh = xs_get_hdr(hb);
		if (hh.type == RING_WRAP) {
			if (hh.len || hh.flags || pos + room + RING_SKEW > prod)
				return corrupt(r, err, n, "bad wrap marker at position %llu", (unsigned long long)pos);
			r->pos = pos + room + RING_SKEW;
			if (!r->synced)
				r->done = r->pos;
			continue;
		}
		if ((e = xs_check_hdr(hh)))
			return corrupt(r, err, n, "record header at position %llu: %s (type %u, length %u)",
				       (unsigned long long)pos, e, hh.type, hh.len);
		foot = ring_foot(hh.len);
		if (XS_HDR_LEN + (uint64_t)hh.len > room)
			return corrupt(r, err, n, "%s record of %u bytes at position %llu crosses the end of the ring",
				       xs_type_name(hh.type), hh.len, (unsigned long long)pos);
		if (pos + XS_HDR_LEN + hh.len > prod)
			return corrupt(r, err, n, "%s record of %u bytes at position %llu goes past the producer (%llu)",
				       xs_type_name(hh.type), hh.len, (unsigned long long)pos, (unsigned long long)prod);
		if (foot > r->data_len / 2) {
			snprintf(err, n, "ring too small: a %s record of %u bytes needs a data area of at least %llu "
				 "bytes, this ring has %llu", xs_type_name(hh.type), hh.len,
				 (unsigned long long)foot * 2, (unsigned long long)r->data_len);
			return RING_FATAL;
		}
		r->pos = pos + foot;
		if (!r->synced && hh.type != XS_HELLO) {
			r->done = r->pos; /* records before the snapshot's HELLO are skipped */
			continue;
		}
		r->synced = 1;
		if (hh.type == XS_RECT && hh.len >= RING_INPLACE_MIN && xs_get32(p + XS_HDR_LEN) == XS_ENC_RAW) {
			*in_ring = 1;
			*body = p + XS_HDR_LEN;
			*body_file_off = (uint64_t)(*body - r->map.base);
		} else {
			r->buf = xs_grow(r->buf, &r->cap, hh.len ? hh.len : 1, 1, 4096);
			memcpy(r->buf, p + XS_HDR_LEN, hh.len);
			*body = r->buf;
		}
		/* a writer that thought us dead may have lapped us meanwhile */
		prod = ld64(r->map.base, RING_OFF_PROD);
		if (prod > pos && prod - pos > r->data_len)
			return corrupt(r, err, n, "overrun: the writer is %llu bytes ahead of position %llu",
				       (unsigned long long)(prod - pos), (unsigned long long)pos);
		r->done = r->pos;
		r->act_ns = now;
		*h = hh;
		return RING_REC;
	}
}

/* Is there something for ring_reader_next to do? */
static int ready(struct ring_reader *r)
{
	uint8_t *b = r->map.base;
	if (r->state == 1)
		return ld64(b, RING_OFF_PROD) != r->pos;
	if (ld32(b, RING_OFF_MAGIC) == 0)
		return 0;
	return memcmp(b + RING_OFF_SESSION, r->session, 16) != 0 || ld64(b, RING_OFF_PROD) != r->bad_prod;
}

/*
 * Sleep length after idle_ns without records: spin first, then short
 * sleeps while a frame's records may still be coming, then, long idle,
 * sleeps just under the wake-up delay budget (1 ms). Each wake-up costs
 * about 7 us of CPU on a small VM (timer, two context switches), so the
 * long sleep sets the idle cost: 850 us is about 0.9% of a core, 600 us
 * was about 1.2%. The timer slack (10 us, set at open) keeps the delay
 * under 1 ms.
 */
uint64_t ring_backoff_ns(uint64_t idle_ns)
{
	if (idle_ns < 50000)
		return 0;
	if (idle_ns < 5 * MS)
		return 50000;
	if (idle_ns < 100 * MS)
		return 250000;
	return 850000;
}

int ring_reader_wait(struct ring_reader *r, int timeout_ms)
{
	uint64_t start = mono_ns(), now = start, deadline = start + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * MS;
	for (;;) {
		uint64_t s;
		if (ready(r))
			return RING_REC;
		reader_heartbeat(r, now);
		if (r->state == 1 && now - r->check_ns > RING_HB_MS * MS) {
			uint64_t whb = ld64(r->map.base, RING_OFF_WHB);
			r->check_ns = now;
			if (restarted(r)) {
				r->check_ns = 0; /* ring_reader_next looks at once */
				return RING_REC;
			}
			if (whb != r->whb) {
				r->whb = whb;
				r->whb_ns = now;
				r->writer_dead = 0;
			} else if (!r->writer_dead && now - r->whb_ns > RING_DEAD_MS * MS) {
				r->writer_dead = 1;
				return RING_STOPPED;
			}
		}
		if (now >= deadline)
			return RING_NONE;
		s = ring_backoff_ns(now - r->act_ns);
		if (s == 0)
			cpu_relax();
		else if (sleep_ns(s < deadline - now ? s : deadline - now) < 0)
			return RING_NONE; /* a signal: let the caller check its flags */
		now = mono_ns();
	}
}
