/*
 * The ring's reader (host side). The only code that reads memory a guest
 * can write: every header field and record header it uses is copied into
 * private memory once and checked there; positions are trusted only after
 * the checks below, and no caller ever sees shared memory except the
 * pixels of an in-place raw rect (struct ring_rec).
 */
#include "ring_impl.h"
#include "util.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

#define TICK_NS (5ull * RING_HB_MS * MS) /* the notifier's heartbeat and checks of an idle ring */
#define STAGE_CHUNK (1u << 20) /* copy-out: at most this much published data ahead at a time */

/* What the notifier thread compares the ring against (a private copy). */
struct watch {
	int state;
	uint64_t pos, bad_prod;
	uint8_t session[16];
};

struct ring_reader {
	struct ring_map map;
	int own_map;            /* ring_reader_close unmaps */
	int nosync;
	int state;              /* 0 waiting for a writer, 1 attached */
	uint64_t data_len;      /* private, checked copies of the header */
	uint8_t session[16];
	uint64_t pos;           /* next record position */
	uint64_t done;          /* position after the records returned so far */
	int synced;             /* a HELLO was seen since attach */
	uint64_t whb, whb_ns;   /* last writer heartbeat value and when it changed (atomics: */
	int writer_dead;        /* the notifier thread looks too); 1 once the stop was seen */
	int stop_told;          /* the thread saw the stop: ring_reader_wait reports it */
	uint64_t rhb, rhb_ns;   /* our heartbeat counter and when we last wrote it */
	uint64_t check_ns;      /* last session check */
	uint64_t size_ns;       /* last look at the file's size */
	uint64_t hbcheck_ns;    /* last look at the writer's heartbeat (ring_reader_wait) */
	int lost;               /* the file shrank: every call is fatal now */
	uint64_t act_ns;        /* last record or input (the wait back-off grows from it); atomic */
	uint32_t rperiod;       /* the heartbeat period announced last, ms (atomic) */
	uint32_t poke;          /* bumped by ring_reader_poke, a private futex the back-off sleeps on */
	uint64_t bad_prod;      /* producer seen at the last attach attempt */
	int tried;              /* an attach was tried: retry only when the ring changes */
	uint8_t *buf;           /* private record bodies */
	size_t cap;
	/* copy-out (a PCI BAR, or ring_reader_copyout): the ring's positions
	 * [st_pos, st_end) copied once into stage, where records are read */
	int bar;
	uint8_t *stage;
	size_t stage_cap;
	uint64_t st_pos, st_end;
	/* the notifier thread (ring_reader_notify_fd) */
	int efd;
	pthread_t thread;
	uint32_t armed;         /* futex (private): 1 while the thread watches */
	pthread_mutex_t lock;   /* guards watch */
	struct watch watch;
	int stop;
	int bell;               /* the caller listens for the writer's bell (atomic) */
	uint32_t bell_seq;      /* our bell sequence, written at RING_OFF_BELL */
};

static uint64_t act_get(const struct ring_reader *r) { return __atomic_load_n(&r->act_ns, __ATOMIC_RELAXED); }
static void act_set(struct ring_reader *r, uint64_t v) { __atomic_store_n(&r->act_ns, v, __ATOMIC_RELAXED); }

/* The writer's flags as far as they concern us: on a BAR the writer runs
 * on another kernel, so a wake flag there is a lie (and no futex works on
 * a device mapping: the wait would fail at once and the waiting spin). */
static uint32_t wflags(const struct ring_reader *r)
{
	return ld32(r->map.base, RING_OFF_FLAGS) & (r->bar ? ~RING_F_WAKE : ~0u);
}

/* Our stores to a write-combining BAR may sit in the CPU's WC buffers:
 * push them out, so the writer sees the consumer and heartbeat promptly. */
static void bar_flush(const struct ring_reader *r)
{
	if (r->bar)
		store_fence();
}

/* From the caller or the notifier thread (hence atomics; any change will do). */
static void reader_heartbeat(struct ring_reader *r, uint64_t now)
{
	if (now - __atomic_load_n(&r->rhb_ns, __ATOMIC_RELAXED) < RING_HB_MS * MS / 2)
		return;
	__atomic_store_n(&r->rhb_ns, now, __ATOMIC_RELAXED);
	st64(r->map.base, RING_OFF_RHB, __atomic_add_fetch(&r->rhb, 1, __ATOMIC_RELAXED));
	bar_flush(r);
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
	if (version != 1 && version != RING_VERSION) {
		snprintf(err, n, "ring version %u at offset 4, this reader speaks 1 and %u", version, RING_VERSION);
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
	r->st_pos = r->st_end = 0; /* what was staged belongs to another attach */
	r->synced = r->nosync;
	r->state = 1;
	st64(b, RING_OFF_CONS, prod);
	st32(b, RING_OFF_RPERIOD, (uint32_t)(TICK_NS / MS));
	__atomic_store_n(&r->rperiod, (uint32_t)(TICK_NS / MS), __ATOMIC_RELAXED);
	st64(b, RING_OFF_ATTACH, ld64(b, RING_OFF_ATTACH) + 1);
	bar_flush(r);
	if (wflags(r) & RING_F_WAKE) /* the writer's ticker sleeps on it */
		futex_wake_all(b, RING_OFF_ATTACH);
	__atomic_store_n(&r->whb, ld64(b, RING_OFF_WHB), __ATOMIC_RELAXED);
	__atomic_store_n(&r->whb_ns, now, __ATOMIC_RELAXED);
	__atomic_store_n(&r->writer_dead, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->stop_told, 0, __ATOMIC_RELAXED);
	r->check_ns = now;
	act_set(r, now);
	reader_heartbeat(r, now + RING_HB_MS * MS);
	return RING_REC;
}

/* Has the file shrunk under the mapping? Looks at its size every
 * RING_HB_MS, at the bus error flag always. */
static int lost(struct ring_reader *r, uint64_t now, char *err, size_t n)
{
	char why[256];
	if (!r->lost && (ring_map_faulted(&r->map) || now - r->size_ns > RING_HB_MS * MS)) {
		r->size_ns = now;
		r->lost = ring_map_lost(&r->map, why, sizeof why);
	}
	if (r->lost && err) {
		if (!ring_map_lost(&r->map, err, n))
			snprintf(err, n, "the ring file shrank under us");
	}
	return r->lost;
}

int ring_reader_lost(struct ring_reader *r, char *err, size_t n)
{
	r->size_ns = 0;
	return lost(r, mono_ns(), err, n);
}

static int reader_new(struct ring_reader **rp, int nosync)
{
	struct ring_reader *r = calloc(1, sizeof *r);
	if (!r)
		die(EX_OS, "no memory for a ring reader");
	r->efd = -1;
	r->nosync = nosync;
	pthread_mutex_init(&r->lock, NULL);
	*rp = r;
	return 0;
}

int ring_reader_open(struct ring_reader **rp, const char *path, char *err, size_t n)
{
	struct ring_reader *r;
	reader_new(&r, 0);
	if (ring_map_open(&r->map, path, 0, err, n) < 0) {
		free(r);
		return RING_NOFILE;
	}
	r->own_map = 1;
	/* a guest's BAR: a disabled device reads as all ones and swallows our
	 * writes; an enabled one is read only by copying out (ring_bar.c) */
	if (ring_bar_is(path, r->map.fd)) {
		r->bar = 1;
		if (ring_bar_disabled(path, err, n) || ring_bar_ones(path, r->map.base, err, n)) {
			ring_reader_close(r);
			return RING_NOFILE;
		}
	}
	/* sub-millisecond sleeps in ring_reader_wait need a small timer slack */
	prctl(PR_SET_TIMERSLACK, 10000UL, 0, 0, 0);
	if (attach(r, err, n) == RING_FATAL) {
		ring_reader_close(r);
		return RING_FATAL;
	}
	*rp = r;
	return RING_NONE;
}

int ring_reader_open_mem(struct ring_reader **rp, uint8_t *base, uint64_t size, int nosync, char *err, size_t n)
{
	struct ring_reader *r;
	reader_new(&r, nosync);
	r->map = (struct ring_map){ -1, base, size };
	if (attach(r, err, n) == RING_FATAL) {
		ring_reader_close(r);
		return RING_FATAL;
	}
	*rp = r;
	return RING_NONE;
}

void ring_reader_close(struct ring_reader *r)
{
	if (!r)
		return;
	if (r->efd >= 0) {
		__atomic_store_n(&r->stop, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&r->armed, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &r->armed, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		pthread_join(r->thread, NULL);
		close(r->efd);
	}
	if (r->own_map)
		ring_map_close(&r->map);
	free(r->buf);
	free(r->stage);
	free(r);
}

void ring_reader_copyout(struct ring_reader *r, int on)
{
	r->bar = on;
	r->st_pos = r->st_end = 0;
}

int ring_reader_copies(const struct ring_reader *r) { return r->bar; }

int ring_reader_fd(const struct ring_reader *r) { return r->map.fd; }
uint64_t ring_reader_size(const struct ring_reader *r) { return r->map.size; }
uint64_t ring_reader_data_len(const struct ring_reader *r) { return r->state ? r->data_len : 0; }
int ring_reader_attached(const struct ring_reader *r) { return r->state == 1; }
uint64_t ring_reader_done(const struct ring_reader *r) { return r->done; }

void ring_reader_release(struct ring_reader *r)
{
	if (r->state == 1)
		st64(r->map.base, RING_OFF_CONS, r->done), bar_flush(r);
}

void ring_reader_release_to(struct ring_reader *r, uint64_t pos)
{
	if (r->state == 1 && pos <= r->done && r->done - pos <= r->data_len)
		st64(r->map.base, RING_OFF_CONS, pos), bar_flush(r);
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

/* Is there something for ring_reader_next to do, compared with w? Reads
 * only the magic, the session and the producer. */
static int changed(const uint8_t *b, const struct watch *w)
{
	if (w->state == 1)
		return ld64(b, RING_OFF_PROD) != w->pos || ld32(b, RING_OFF_MAGIC) != RING_MAGIC;
	if (ld32(b, RING_OFF_MAGIC) == 0)
		return 0;
	return memcmp(b + RING_OFF_SESSION, w->session, 16) != 0 || ld64(b, RING_OFF_PROD) != w->bad_prod;
}

static struct watch watch_of(const struct ring_reader *r)
{
	struct watch w = { r->state, r->pos, r->bad_prod, { 0 } };
	memcpy(w.session, r->session, 16);
	return w;
}

static int ready(struct ring_reader *r)
{
	struct watch w = watch_of(r);
	return changed(r->map.base, &w);
}

const char *ring_rec_parse(const struct ring_rec *rec, struct xs_msg *m, char *err, size_t n)
{
	if (!rec->in_ring)
		return xs_parse(rec->h, rec->body, m, err, n);
	/* the header is the private copy; a raw rect's parse reads no pixel */
	if (xs_rect_enc(rec->rect_hdr) != XS_ENC_RAW) {
		snprintf(err, n, "an in-ring rect that is not raw");
		return err;
	}
	if (xs_parse(rec->h, rec->rect_hdr, m, err, n))
		return err;
	m->u.rect.data = rec->payload;
	return NULL;
}

/*
 * Copy-out: the bytes of positions [pos, pos + need) in private memory.
 * They are copied out of the ring once, in one sequential run from the
 * end of what is staged (or from pos) up to as much published data as the
 * lap holds, at most STAGE_CHUNK ahead; never across the end of the data
 * area (room: bytes from pos to it, at least need). Nothing is copied
 * twice, so a record's header and body come from the same copy.
 */
static const uint8_t *staged(struct ring_reader *r, uint64_t pos, uint64_t need, uint64_t prod, uint64_t room)
{
	uint64_t pub = prod > pos ? prod - pos : 0, end;
	if (pos >= r->st_pos && pos + need <= r->st_end)
		return r->stage + (pos - r->st_pos);
	if (pos < r->st_pos || pos >= r->st_end)
		r->st_pos = r->st_end = pos; /* all staged before is consumed */
	end = pos + (pub < room ? pub : room);
	if (end > r->st_end + STAGE_CHUNK)
		end = r->st_end + STAGE_CHUNK;
	if (end < pos + need)
		end = pos + need;
	/* what lies before pos is consumed: rather than grow past the
	 * capacity (towards the whole data area, while records keep
	 * straddling the end of a run), move the staged part of this record
	 * to the front; at most one partial record, once a capacity's worth */
	if (end - r->st_pos > r->stage_cap && pos > r->st_pos) {
		memmove(r->stage, r->stage + (pos - r->st_pos), (size_t)(r->st_end - pos));
		r->st_pos = pos;
	}
	r->stage = xs_grow(r->stage, &r->stage_cap, (size_t)(end - r->st_pos), 1, 1u << 16);
	ring_load_copy(r->stage + (r->st_end - r->st_pos), r->map.base + RING_HDR + r->st_end % r->data_len,
		       (size_t)(end - r->st_end));
	r->st_end = end;
	return r->stage + (pos - r->st_pos);
}

int ring_reader_next(struct ring_reader *r, struct ring_rec *rec, char *err, size_t n)
{
	uint64_t now = mono_ns();
	memset(rec, 0, offsetof(struct ring_rec, rect_hdr));
	rec->payload = NULL;
	rec->payload_off = 0;
	if (lost(r, now, err, n))
		return RING_FATAL;
	if (r->state == 0) {
		if (r->tried && !ready(r))
			return RING_NONE;
		int a = attach(r, err, n);
		if (a != RING_REC)
			return a;
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
		uint8_t hb[XS_HDR_LEN + XS_RECT_LEN];
		struct xs_hdr hh;
		const char *e;
		if (prod == pos) {
			if (!r->synced)
				ring_reader_release(r);
			return RING_NONE;
		}
		memcpy(hb, r->bar ? staged(r, pos, XS_HDR_LEN, prod, room) : p, XS_HDR_LEN);
		hh = xs_get_hdr(hb);
		/* more than a lap ahead is an overrun, unless we stand on a wrap
		 * marker and the rest is within a lap of where it leads: a writer
		 * that rewound an empty ring before it saw us attach */
		if (prod < pos || prod % RING_ALIGN != RING_SKEW ||
		    (prod - pos > r->data_len && (hh.type != RING_WRAP || prod - pos - room - RING_SKEW > r->data_len)))
			return corrupt(r, err, n, "producer position %llu (offset %u) with the reader at %llu",
				       (unsigned long long)prod, RING_OFF_PROD, (unsigned long long)pos);
		if (hh.type == RING_WRAP) {
			if (hh.len || hh.flags || pos + room + RING_SKEW > prod)
				return corrupt(r, err, n, "bad wrap marker at position %llu", (unsigned long long)pos);
			r->pos = pos + room + RING_SKEW;
			/* nothing returned lies in the skip: it is consumed at once
			 * (a writer that rewound an empty ring waits for it) */
			if (!r->synced || r->done == pos)
				r->done = r->pos;
			continue;
		}
		if (hh.type == RING_PAD) { /* a place the writer reserved and left unused */
			if (hh.flags || XS_HDR_LEN + (uint64_t)hh.len > room || pos + ring_foot(hh.len) > prod)
				return corrupt(r, err, n, "bad padding record at position %llu (length %u, flags %u)",
					       (unsigned long long)pos, hh.len, hh.flags);
			r->pos = pos + ring_foot(hh.len);
			if (!r->synced || r->done == pos)
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
		rec->h = hh;
		rec->pos = pos;
		if (r->bar) {
			/* never in place: the X server would read the BAR */
			rec->body = staged(r, pos, XS_HDR_LEN + (uint64_t)hh.len, prod, room) + XS_HDR_LEN;
		} else if (hh.type == XS_RECT && hh.len >= RING_INPLACE_MIN) {
			memcpy(rec->rect_hdr, p + XS_HDR_LEN, XS_RECT_LEN);
			rec->in_ring = xs_rect_enc(rec->rect_hdr) == XS_ENC_RAW;
		}
		if (r->bar) {
			/* the body is staged */
		} else if (rec->in_ring) {
			rec->payload = p + XS_HDR_LEN + XS_RECT_LEN;
			rec->payload_off = (uint64_t)(rec->payload - r->map.base);
		} else {
			r->buf = xs_grow(r->buf, &r->cap, hh.len ? hh.len : 1, 1, 4096);
			memcpy(r->buf, p + XS_HDR_LEN, hh.len);
			rec->body = r->buf;
		}
		/* a writer that thought us dead may have lapped us meanwhile */
		prod = ld64(r->map.base, RING_OFF_PROD);
		if (prod > pos && prod - pos > r->data_len)
			return corrupt(r, err, n, "overrun: the writer is %llu bytes ahead of position %llu",
				       (unsigned long long)(prod - pos), (unsigned long long)pos);
		if (ring_map_faulted(&r->map)) /* the copies above may be zero pages */
			return lost(r, now, err, n), RING_FATAL;
		r->done = r->pos;
		act_set(r, now);
		return RING_REC;
	}
}

/*
 * Sleep length after idle_ns without records, for a writer that cannot
 * wake us (a guest's BAR: it runs on another kernel): spin first, short
 * sleeps while a frame's records may still be coming or a reply to input
 * is due (ring_reader_poke: xpaint sent input), then longer ones as the
 * screen stays still. A wake-up costs about 22 us of a core on this 2-vCPU
 * VM (timer, two context switches, halt and wake): 2 ms sleeps were 1.1 %
 * of a core; after 5 s of stillness 30 ms sleeps are about 0.1 %, at the
 * price of a first change that comes without input being seen up to 30 ms
 * late (input, and what follows any change, is back on short sleeps).
 */
uint64_t ring_backoff_ns(uint64_t idle_ns)
{
	if (idle_ns < 50000)
		return 0;
	if (idle_ns < 5 * MS)
		return 50000;
	if (idle_ns < 200 * MS)
		return 250000;
	if (idle_ns < 1000 * MS)
		return 1000000;
	if (idle_ns < 5000 * MS)
		return 2000000;
	return 30 * MS;
}

/*
 * One wait of at most max_ns for w to change. With a writer that wakes
 * readers (RING_F_WAKE, same kernel) a futex sleep on the wake word after
 * a short spin; else ring_backoff_ns(). Returns 1 when w changed, 0 on
 * timeout, -1 on a signal.
 */
/* Does the caller sleep on the bell (it listens, the writer rings, a
 * notifier thread does the rest)? */
static int bell_mode(const struct ring_reader *r, const struct watch *w)
{
	return w->state == 1 && r->efd >= 0 && __atomic_load_n(&r->bell, __ATOMIC_RELAXED) &&
	       (wflags(r) & RING_F_BELL);
}

static int wait_change(struct ring_reader *r, const struct watch *w, uint64_t max_ns)
{
	uint8_t *b = r->map.base;
	uint64_t idle = mono_ns() - act_get(r), s = ring_backoff_ns(idle);
	if (changed(b, w))
		return 1;
	if (s == 0) {
		cpu_relax();
		return changed(b, w);
	}
	if (bell_mode(r, w)) {
		/* the bell wakes the caller itself (ring_reader_arm bumped the
		 * sequence): this thread only ticks, and looks again with the
		 * caller's newer watch (a record the bell did not bring is
		 * found then, a tick late at worst) */
		uint32_t pk = __atomic_load_n(&r->poke, __ATOMIC_SEQ_CST);
		if (futex_wait_ns((uint8_t *)&r->poke, 0, pk, max_ns, 1) < 0 && errno == EINTR)
			return -1;
		return 0;
	}
	if (w->state == 1 && (wflags(r) & RING_F_WAKE)) {
		__atomic_store_n((uint32_t *)(void *)(b + RING_OFF_WAKE), 1u, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (changed(b, w))
			return 1;
		if (futex_wait_ns(b, RING_OFF_WAKE, 1, max_ns, 0) < 0 && errno == EINTR)
			return -1;
		return changed(b, w);
	}
	/* a sleep ring_reader_poke can cut short (input was just sent) */
	uint32_t pk = __atomic_load_n(&r->poke, __ATOMIC_SEQ_CST);
	if (mono_ns() - act_get(r) >= idle &&
	    futex_wait_ns((uint8_t *)&r->poke, 0, pk, s < max_ns ? s : max_ns, 1) < 0 && errno == EINTR)
		return -1;
	return changed(b, w);
}

/* Has the writer's heartbeat just been found stopped (1 once a stop)? From
 * the caller or the notifier thread. */
static int writer_stopped(struct ring_reader *r, uint64_t now)
{
	uint64_t v = ld64(r->map.base, RING_OFF_WHB);
	if (v != __atomic_load_n(&r->whb, __ATOMIC_RELAXED)) {
		__atomic_store_n(&r->whb, v, __ATOMIC_RELAXED);
		__atomic_store_n(&r->whb_ns, now, __ATOMIC_RELAXED);
		__atomic_store_n(&r->writer_dead, 0, __ATOMIC_RELAXED);
		return 0;
	}
	return now - __atomic_load_n(&r->whb_ns, __ATOMIC_RELAXED) > ring_dead_ns(ld32(r->map.base, RING_OFF_WPERIOD)) &&
	       !__atomic_exchange_n(&r->writer_dead, 1, __ATOMIC_RELAXED);
}

int ring_reader_wait(struct ring_reader *r, int timeout_ms)
{
	uint64_t start = mono_ns(), now = start, deadline = start + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * MS;
	for (;;) {
		if (lost(r, now, NULL, 0) || ready(r))
			return RING_REC; /* ring_reader_next says what happened */
		reader_heartbeat(r, now);
		/* its own clock: ring_reader_next moves check_ns at every call, and
		 * xpaint calls it before each wait (the stopped writer went unseen) */
		if (r->state == 1 && now - r->hbcheck_ns > RING_HB_MS * MS) {
			r->hbcheck_ns = now;
			if (restarted(r)) {
				r->check_ns = 0; /* ring_reader_next looks at once */
				return RING_REC;
			}
			if (writer_stopped(r, now))
				return RING_STOPPED;
		}
		if (__atomic_exchange_n(&r->stop_told, 0, __ATOMIC_RELAXED))
			return RING_STOPPED;
		if (now >= deadline)
			return RING_NONE;
		/* wake at least every heartbeat period for the checks above */
		uint64_t left = deadline - now, hb = RING_HB_MS * MS / 2;
		struct watch w = watch_of(r);
		int c = wait_change(r, &w, left < hb ? left : hb);
		if (c > 0)
			return RING_REC;
		if (c < 0)
			return RING_NONE; /* a signal: let the caller check its flags */
		now = mono_ns();
	}
}

/* --- the notifier thread ------------------------------------------------ */

static void notify(struct ring_reader *r)
{
	uint64_t one = 1;
	__atomic_store_n(&r->armed, 0, __ATOMIC_SEQ_CST);
	if (write(r->efd, &one, sizeof one) < 0) { /* EAGAIN: already readable */ }
}

/*
 * Every TICK_NS of an idle ring, on the notifier thread: the reader's
 * heartbeat, and a look at the writer's. Returns 1 when the caller must
 * look (the writer's heartbeat stopped, or another session began), so an
 * idle caller sleeps through the ticks.
 */
static int idle_tick(struct ring_reader *r, const struct watch *w)
{
	uint64_t now = mono_ns();
	reader_heartbeat(r, now);
	if (w->state != 1)
		return 0;
	if (memcmp(r->map.base + RING_OFF_SESSION, w->session, 16))
		return 1;
	if (!writer_stopped(r, now))
		return 0;
	__atomic_store_n(&r->stop_told, 1, __ATOMIC_RELAXED);
	return 1;
}

/* The reader's heartbeat period, for the writer's liveness check: a longer
 * one is announced before the longer sleep, a shorter one at once. */
static void announce(struct ring_reader *r, uint64_t tick)
{
	uint32_t ms = (uint32_t)(tick / MS);
	if (r->state == 1 && __atomic_exchange_n(&r->rperiod, ms, __ATOMIC_RELAXED) != ms)
		st32(r->map.base, RING_OFF_RPERIOD, ms);
}

/* Watches the ring while armed; wakes the caller through the eventfd when
 * it changes, or when idle_tick says so. */
static void *notifier(void *arg)
{
	struct ring_reader *r = arg;
	for (;;) {
		while (!__atomic_load_n(&r->armed, __ATOMIC_SEQ_CST))
			syscall(SYS_futex, &r->armed, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
		if (__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST))
			return NULL;
		/* ticks TICK_NS apart, doubling up to RING_IDLE_MS while the ring
		 * stays idle; the period is announced to the writer */
		uint64_t tick = TICK_NS, until = mono_ns() + tick;
		announce(r, tick);
		for (;;) {
			pthread_mutex_lock(&r->lock);
			struct watch w = r->watch;
			pthread_mutex_unlock(&r->lock);
			uint64_t now = mono_ns();
			if (!__atomic_load_n(&r->armed, __ATOMIC_SEQ_CST) || __atomic_load_n(&r->stop, __ATOMIC_SEQ_CST))
				break;
			if (now >= until) {
				tick = tick * 2 > RING_IDLE_MS * MS ? RING_IDLE_MS * MS : tick * 2;
				until = now + tick;
				if (!idle_tick(r, &w)) {
					announce(r, tick);
					continue;
				}
			} else if (wait_change(r, &w, until - now) == 0) {
				continue;
			}
			notify(r);
			break;
		}
	}
}

int ring_reader_notify_fd(struct ring_reader *r)
{
	if (r->efd >= 0)
		return r->efd;
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0)
		return -1;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay with the caller */
	int e = pthread_create(&r->thread, NULL, notifier, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		close(r->efd);
		return r->efd = -1;
	}
	return r->efd;
}

void ring_reader_arm(struct ring_reader *r)
{
	uint64_t v;
	if (r->efd < 0)
		return;
	if (read(r->efd, &v, sizeof v) < 0) { /* EAGAIN: nothing pending */ }
	pthread_mutex_lock(&r->lock);
	r->watch = watch_of(r);
	struct watch w = r->watch;
	pthread_mutex_unlock(&r->lock);
	/* already armed, the thread may sleep on an older position: it sleeps
	 * only while the producer stays there, so it cannot miss a record */
	if (!__atomic_exchange_n(&r->armed, 1, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &r->armed, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	/* the caller sleeps on the bell: a new sequence asks the writer to
	 * ring after its next publish; one that came before is seen here */
	if (bell_mode(r, &w)) {
		st32(r->map.base, RING_OFF_BELL, ++r->bell_seq);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* mfence: WC buffers drained too */
		if (ready(r))
			notify(r);
	}
}

void ring_reader_bell(struct ring_reader *r, int on)
{
	__atomic_store_n(&r->bell, on, __ATOMIC_RELAXED);
}

void ring_reader_poke(struct ring_reader *r)
{
	act_set(r, mono_ns());
	__atomic_add_fetch(&r->poke, 1, __ATOMIC_SEQ_CST);
	/* else the thread sleeps on the ring's futex, or the bell brings the reply */
	if (!(wflags(r) & RING_F_WAKE) && !(__atomic_load_n(&r->bell, __ATOMIC_RELAXED) && (wflags(r) & RING_F_BELL)))
		syscall(SYS_futex, &r->poke, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
