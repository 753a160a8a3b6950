/*
 * The shared-memory ring (docs/RING.md): one header page, then a data area
 * holding frame-stream records. The guest side writes (shmring -w), the host
 * side reads (shmring -r, xpaint -r) and trusts nothing it finds there.
 *
 * Header page layout (little endian; each hot field on its own cache line):
 *   0  u32 magic "XRNG" (written last)   4 u32 version
 *   8  u64 size of the whole mapping    16 u64 data offset (4096)
 *  24  u64 data length                  32 u8[16] session id (random per writer start)
 *  64  u64 producer position  (writer)  72 u64 writer heartbeat (writer)
 * 128  u64 consumer position  (reader) 136 u64 reader heartbeat (reader)
 * 144  u64 reader attach count (reader; the writer answers with a snapshot)
 * Data area: records start at positions p with p % 64 == 32, so a rect's
 * pixels (8-byte header + 24-byte rect header later) are 64-byte aligned.
 * A record that would cross the end is replaced by a wrap marker (a header
 * of type RING_WRAP) and written at the start of the next lap.
 *
 * Positions are monotonic 64-bit byte counts; position p lives at file
 * offset RING_HDR + p % data length. Heartbeats are counters whose change
 * (on the observer's own clock) means "alive": the two sides' clocks are
 * never compared.
 */
#ifndef RING_H
#define RING_H

#include "proto.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ring's position fields are accessed natively: little-endian hosts only"
#endif

#define RING_MAGIC 0x474e5258u /* "XRNG" */
#define RING_VERSION 1u
#define RING_HDR 4096u
#define RING_ALIGN 64u
#define RING_SKEW 32u          /* record start offset within an aligned block */
#define RING_WRAP 0xffffu      /* header type of the wrap marker */
#define RING_HB_MS 100u        /* heartbeat period */
#define RING_DEAD_MS 1000u     /* no heartbeat for this long: the peer is gone */
#define RING_MIN_DATA (64u << 10) /* smallest data area accepted */
#define RING_INPLACE_MIN 4096u /* raw rects at least this long may be returned in place */
#define RING_SNAP_MAX (4u << 20) /* largest body of a snapshot rect */

enum { RING_OFF_MAGIC = 0, RING_OFF_VERSION = 4, RING_OFF_SIZE = 8, RING_OFF_DATA = 16, RING_OFF_DATALEN = 24,
       RING_OFF_SESSION = 32, RING_OFF_PROD = 64, RING_OFF_WHB = 72, RING_OFF_CONS = 128, RING_OFF_RHB = 136,
       RING_OFF_ATTACH = 144 };

/* Return values of ring_reader_next() and ring_reader_wait(). */
enum {
	RING_REC = 1,      /* next: one record returned; wait: the producer moved or the ring changed */
	RING_NONE = 0,     /* next: nothing yet; wait: timeout */
	RING_FATAL = -1,   /* not a ring, size mismatch, ring too small: message in err, give up */
	RING_RESTART = -2, /* the writer restarted (new session): resynchronised, message in err */
	RING_CORRUPT = -3, /* a bad position or record: message in err, resynchronised */
	RING_STOPPED = -4, /* wait: the writer's heartbeat stopped (reported once per stop) */
};

/* Smallest ring that holds a w x h surface comfortably: stride*h*3 + 4 MiB,
 * rounded up to a power of two (as Looking Glass advises). */
uint64_t ring_size_for(uint32_t w, uint32_t h);

/* Footprint of a record with a body of len bytes: next start stays at 32 mod 64. */
static inline uint64_t ring_foot(uint32_t len) { return ((uint64_t)XS_HDR_LEN + len + 63u) & ~(uint64_t)63u; }

/* A mapped ring file. */
struct ring_map {
	int fd;
	uint8_t *base;
	uint64_t size;  /* bytes mapped = the file's size, never more */
};

/*
 * Opens and maps path read-write. create_size nonzero: create a 0600 file of
 * that size if missing (an existing one must have that size or be empty).
 * Refuses symlinks (O_NOFOLLOW), non-regular files, files owned by another
 * user (root excepted) or writable by group or others, files too small for
 * a header and a minimal data area. Returns 0 or -1 with a message.
 */
int ring_map_open(struct ring_map *m, const char *path, uint64_t create_size, char *err, size_t n);
void ring_map_close(struct ring_map *m);

/* --- reader (host side; trusts nothing in the ring) -------------------- */

struct ring_reader {
	struct ring_map map;    /* map.fd and map.size for xcb_shm_attach_fd */
	int state;              /* 0 waiting for a writer, 1 attached */
	uint64_t data_len;      /* private, checked copies of the header */
	uint8_t session[16];
	uint64_t pos;           /* next record position */
	uint64_t done;          /* position after the records returned so far */
	int synced;             /* a HELLO was seen since attach */
	uint64_t whb, whb_ns;   /* last writer heartbeat value and when it changed */
	int writer_dead;
	uint64_t rhb, rhb_ns;   /* our heartbeat counter and when we last wrote it */
	uint64_t check_ns;      /* last session check */
	uint64_t act_ns;        /* last record returned (the wait back-off grows from it) */
	uint64_t bad_prod;      /* producer seen at the last attach attempt */
	int tried;              /* an attach was tried: retry only when the ring changes */
	uint8_t *buf;           /* private record bodies */
	size_t cap;
};

/* Maps path and attaches (or waits for a writer if the ring is still blank).
 * Returns 0; -1 with a message when the file cannot be opened or mapped
 * (missing, wrong owner or mode, too small); -2 with a message when it is
 * not a ring or its header disagrees with the file (size mismatch). */
int ring_reader_open(struct ring_reader *r, const char *path, char *err, size_t n);
void ring_reader_close(struct ring_reader *r);

/*
 * The next record. Returns RING_REC with *h and *body: a private copy,
 * valid until the next call; or, for a raw RECT of at least RING_INPLACE_MIN
 * bytes, the body in place (*in_ring = 1, *body points into the mapping,
 * *body_file_off is its offset in the file, 64-byte aligned pixels at
 * +XS_RECT_LEN). For an in-place body the reader saw encoding RAW; the caller
 * parses the body once with xs_parse and must treat any other encoding as a
 * corrupt record (the writer changed it under us). Records before the first
 * HELLO after an attach are skipped. RING_NONE: nothing new.
 * RING_RESTART / RING_CORRUPT: message in err, reattached at the newest
 * record boundary (skipping to the next HELLO). RING_FATAL: give up.
 */
int ring_reader_next(struct ring_reader *r, struct xs_hdr *h, const uint8_t **body, uint64_t *body_file_off,
		     int *in_ring, char *err, size_t n);

/* Publishes the consumer position after every record returned so far. */
void ring_reader_release(struct ring_reader *r);
/* Gives back the space before pos only (a position ring_reader_next reached
 * earlier in this session, e.g. the end of the last finished frame, while
 * the records after it are still in use). */
void ring_reader_release_to(struct ring_reader *r, uint64_t pos);

/*
 * Waits up to timeout_ms for the producer to move (spin briefly, then short
 * sleeps). Refreshes the reader heartbeat. Returns RING_REC (call next),
 * RING_NONE on timeout, RING_STOPPED once when the writer's heartbeat has
 * not moved for RING_DEAD_MS (keep waiting; it may come back).
 */
int ring_reader_wait(struct ring_reader *r, int timeout_ms);

/* How long a reader sleeps after idle_ns without a record: 0 (spin) at
 * first, then sleeps short enough for the wake-up delay budget. */
uint64_t ring_backoff_ns(uint64_t idle_ns);

/* --- writer (guest side) --------------------------------------------------- */

struct ring_writer {
	struct ring_map map;
	uint8_t *data;          /* base + RING_HDR */
	uint64_t data_len;
	uint64_t prod;          /* next record position (private) */
	uint64_t cons;          /* cached consumer position */
	uint64_t attach;        /* last attach count seen */
	uint64_t rhb, rhb_ns;   /* last reader heartbeat and when it changed (0: never) */
	uint64_t whb, whb_ns;
	int reader_live;
	uint64_t waits;         /* times the ring was full */
};

/* Initialises the header over a mapped file (magic last, new session id). */
void ring_writer_init(struct ring_writer *w, struct ring_map *m);

/*
 * Space for a record with a body of len bytes: waits (spin, then sleep)
 * while a live reader has not consumed enough, writes a wrap marker when the
 * record would cross the end. Returns where to write the 8-byte header and
 * the body (contiguous), or NULL if len is larger than half the data area.
 */
uint8_t *ring_writer_reserve(struct ring_writer *w, uint32_t len);

/*
 * Copies n bytes into ring memory with sequential non-temporal stores
 * (movntdq on x86; memcpy elsewhere): for a write-combining BAR, where they
 * fill whole write-combining lines without reading the destination. The
 * store fence comes with ring_writer_commit().
 */
void ring_stream_copy(uint8_t *dst, const uint8_t *src, size_t n);

/* Publishes the record reserved last (store fence, then the producer). */
void ring_writer_commit(struct ring_writer *w, uint32_t len);

/* Off the hot path: heartbeat, reader liveness. Returns 1 when a reader
 * attached since the last call (it wants a snapshot). */
int ring_writer_tick(struct ring_writer *w);

#endif
