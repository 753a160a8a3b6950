/*
 * The shared-memory ring (docs/RING.md): one header page, then a data area
 * holding frame-stream records. The guest side writes (shmring -w, or xcap
 * itself under `shmring -w PATH -- xcap`), the host side reads (shmring -r,
 * xpaint -r) and trusts nothing it finds there.
 *
 * Header page layout (little endian; each side's hot fields on their own
 * 64-byte cache line):
 *   0  u32 magic "XRNG" (written last)   4 u32 version
 *   8  u64 size of the whole mapping    16 u64 data offset (4096)
 *  24  u64 data length                  32 u8[16] session id (random per writer start)
 *  48  u32 writer flags (RING_F_*)
 *  64  u64 producer position  (writer)  72 u64 writer heartbeat (writer)
 * 128  u64 consumer position  (reader) 136 u64 reader heartbeat (reader)
 * 144  u64 reader attach count (reader; the writer answers with a snapshot)
 * 192  u32 wake word: 1 while a reader sleeps on it (futex), the writer
 *          clears it and wakes the reader when it publishes (RING_F_WAKE)
 * Data area: records start at positions p with p % 64 == 32, so a rect's
 * pixels (8-byte header + 24-byte rect header) are 64-byte aligned. A
 * record that would cross the end is replaced by a wrap marker (a header
 * of type RING_WRAP) and written at the start of the next lap. A padding
 * record (RING_PAD, version 2) is a place the writer reserved ahead and
 * did not fill: the reader skips its body unread.
 *
 * Positions are monotonic 64-bit byte counts; position p lives at file
 * offset RING_HDR + p % data length. Heartbeats are counters whose change
 * (on the observer's own clock) means "alive": the two sides' clocks are
 * never compared.
 *
 * Files: ring_map.c (mapping, sizing, layout), ring_write.c (the writer),
 * ring_read.c (the reader: the only code that reads memory a guest can
 * write, and the only ring code the ring fuzzer links besides ring_map.c).
 */
#ifndef RING_H
#define RING_H

#include "addr.h"
#include "proto.h"

#include <pthread.h>

#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ring's position fields are accessed natively: little-endian hosts only"
#endif

#define RING_MAGIC 0x474e5258u /* "XRNG" */
#define RING_VERSION 2u       /* 2: padding records (RING_PAD); readers take 1 too */
#define RING_HDR 4096u
#define RING_ALIGN 64u
#define RING_SKEW 32u          /* record start offset within an aligned block */
#define RING_WRAP 0xffffu      /* header type of the wrap marker */
#define RING_PAD 0xfffeu       /* header type of padding: a place reserved and not used, skipped */
#define RING_HB_MS 100u        /* heartbeat period */
#define RING_TICK_MS 250u      /* the writer's heartbeat and attach checks */
#define RING_DEAD_MS 1000u     /* no heartbeat for this long: the peer is gone */
#define RING_IDLE_MS 1000u     /* the longest heartbeat period of a side whose ring is idle */
#define RING_MIN_DATA (64u << 10) /* smallest data area accepted */
#define RING_INPLACE_MIN 4096u /* raw rects at least this long may be returned in place */
#define RING_SNAP_MAX (4u << 20) /* largest body of a snapshot rect */
#define RING_F_WAKE 1u         /* writer flag: it futex-wakes a sleeping reader (same kernel) */
#define RING_F_BELL 2u         /* writer flag: it rings the reader's bell (a byte on a socket) */
#define RING_FD_ENV "XS_RING_FD" /* shmring -w PATH -- COMMAND: the ring's fd for COMMAND */
#define RING_BAR_ENV "XS_RING_BAR" /* set to 1 with it when the ring is a PCI BAR (never read it) */
#define RING_BELL_ENV "XS_RING_BELL" /* shmring -w -B ADDR -- COMMAND: where COMMAND rings the bell */

enum { RING_OFF_MAGIC = 0, RING_OFF_VERSION = 4, RING_OFF_SIZE = 8, RING_OFF_DATA = 16, RING_OFF_DATALEN = 24,
       RING_OFF_SESSION = 32, RING_OFF_FLAGS = 48, RING_OFF_PROD = 64, RING_OFF_WHB = 72, RING_OFF_WPERIOD = 80,
       RING_OFF_CONS = 128, RING_OFF_RHB = 136, RING_OFF_ATTACH = 144, RING_OFF_RPERIOD = 152,
       RING_OFF_BELL = 160, RING_OFF_WAKE = 192 };

/* Results of the ring calls: one set everywhere. */
enum {
	RING_REC = 1,      /* next: one record returned; wait: the producer moved or the ring changed */
	RING_NONE = 0,     /* next: nothing yet; wait: timeout; open: done */
	RING_FATAL = -1,   /* not a ring, size mismatch, ring too small: message in err, give up */
	RING_RESTART = -2, /* the writer restarted (new session): resynchronised, message in err */
	RING_CORRUPT = -3, /* a bad position or record: message in err, resynchronised */
	RING_STOPPED = -4, /* wait: the writer's heartbeat stopped (reported once per stop) */
	RING_NOFILE = -5,  /* open: the file cannot be opened or mapped (missing, owner, mode, size) */
};

/* Smallest ring that holds a w x h surface comfortably: stride*h*3 + 4 MiB,
 * rounded up to a power of two (as Looking Glass advises). */
uint64_t ring_size_for(uint32_t w, uint32_t h);

/* How long a peer that announced a heartbeat period of period_ms (a value
 * the other side wrote: clamped) may be silent before it counts as gone. */
static inline uint64_t ring_dead_ns(uint32_t period_ms)
{
	uint32_t p = period_ms < RING_TICK_MS ? RING_TICK_MS : period_ms > RING_IDLE_MS ? RING_IDLE_MS : period_ms;
	uint32_t ms = 2 * p + 500 > RING_DEAD_MS ? 2 * p + 500 : RING_DEAD_MS;
	return (uint64_t)ms * 1000000u;
}
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
 * user (root excepted) or writable by group or others (unless
 * ring_map_allow_shared; a file of the hypervisor's user, libvirt-qemu or
 * qemu, is accepted when it has no bits for others and its group is ours:
 * docs/SECURITY.md, "The ring under libvirt"), files too small for a header and a minimal data
 * area. A bus error on the mapping (the file shrank) is caught: see
 * ring_map_lost. Returns 0 or -1 with a message.
 */
int ring_map_open(struct ring_map *m, const char *path, uint64_t create_size, char *err, size_t n);
/* Maps an already opened ring file (shmring -w -- COMMAND hands its fd on);
 * the fd is kept. Returns 0 or -1 with a message. */
int ring_map_fd(struct ring_map *m, int fd, char *err, size_t n);
void ring_map_close(struct ring_map *m);
/* -S: accept ring files owned by another user or writable by group or
 * others (still regular files, never through a symlink). */
void ring_map_allow_shared(int on);
/* Did the file shrink under the mapping (fstat, or a bus error the
 * library caught and papered over with zero pages)? 1 with a message. */
int ring_map_lost(const struct ring_map *m, char *err, size_t n);
int ring_map_faulted(const struct ring_map *m); /* the bus error alone: no system call */

/* --- a PCI BAR (a guest's ivshmem resource2_wc; lib/ring_bar.c) ---------- */

/* Is path a sysfs PCI BAR (resourceN or resourceN_wc; dir gets the device's
 * folder with its '/'), or is fd on sysfs? */
int ring_bar_dir(const char *path, char *dir, size_t n);
int ring_bar_is(const char *path, int fd);
/* 1 with a message naming the fix (echo 1 > .../enable) when the device's
 * memory decoding is off: its `enable` reads 0, or the mapping's first 64
 * bytes read back as all ones. */
int ring_bar_disabled(const char *path, char *err, size_t n);
int ring_bar_ones(const char *path, const uint8_t *base, char *err, size_t n);
/* Copies n bytes out of a BAR into private memory: a full fence, then
 * SSE4.1 streaming loads (MOVNTDQA: a whole 64-byte line per trip from
 * write-combining memory) where the CPU has them and XS_NO_STREAM_LOAD is
 * not set, else memcpy. ring_load_streaming(): which one. */
void ring_load_copy(uint8_t *dst, const uint8_t *src, size_t n);
int ring_load_streaming(void);

/* --- reader (host side; trusts nothing in the ring) -------------------- */

struct ring_reader; /* opaque: ring_read.c */

/*
 * One record, all of it private: the header was copied once and checked;
 * the body is a private copy, except for a raw rect of at least
 * RING_INPLACE_MIN bytes whose pixels stay in the ring (in_ring; never with
 * copy-out, ring_reader_copyout): then its
 * 24-byte rect header is a private copy in rect_hdr (encoding raw, checked
 * there) and the pixels are at payload, file offset payload_off (64-byte
 * aligned). The guest may rewrite those pixels at any moment: that can only
 * give wrong pixels, never a read outside the mapping.
 */
struct ring_rec {
	struct xs_hdr h;
	uint64_t pos;                  /* ring position of the record, for messages */
	const uint8_t *body;           /* !in_ring: h.len private bytes, valid until the next call */
	int in_ring;
	uint8_t rect_hdr[XS_RECT_LEN]; /* in_ring: private copy of the rect header */
	const uint8_t *payload;        /* in_ring: the pixels in the mapping */
	uint64_t payload_off;          /* in_ring: their offset in the file */
};

/* Parses a record (xs_parse) from its private parts: for an in-ring rect
 * the header from rect_hdr and the payload pointer into the ring. */
const char *ring_rec_parse(const struct ring_rec *rec, struct xs_msg *m, char *err, size_t n);

/* Maps path and attaches (or waits for a writer if the ring is still blank).
 * Returns RING_NONE (0) with *rp set; RING_NOFILE with a message when the
 * file cannot be opened or mapped; RING_FATAL when it is not a ring or its
 * header disagrees with the file. */
int ring_reader_open(struct ring_reader **rp, const char *path, char *err, size_t n);
/* The same over memory the caller mapped (tests, the fuzzer); nosync: return
 * records before the first HELLO too. */
int ring_reader_open_mem(struct ring_reader **rp, uint8_t *base, uint64_t size, int nosync, char *err, size_t n);
void ring_reader_close(struct ring_reader *r);
/* Copy-out (on for a PCI BAR, which ring_reader_open recognises; on: any
 * ring, for tests and measurements): every record is copied out of the
 * ring once with ring_load_copy, in runs of up to 1 MiB of published data,
 * and returned from that private copy: never in place (in_ring stays 0),
 * no futex on the ring. ring_reader_copies: is it on? */
void ring_reader_copyout(struct ring_reader *r, int on);
int ring_reader_copies(const struct ring_reader *r);

int ring_reader_fd(const struct ring_reader *r);          /* the file, for xcb_shm_attach_fd */
uint64_t ring_reader_size(const struct ring_reader *r);   /* the mapping's size */
uint64_t ring_reader_data_len(const struct ring_reader *r); /* 0 until attached */
int ring_reader_attached(const struct ring_reader *r);
/* Position after every record returned so far (for ring_reader_release_to). */
uint64_t ring_reader_done(const struct ring_reader *r);

/*
 * The next record into *rec (see struct ring_rec). Records before the first
 * HELLO after an attach are skipped. RING_NONE: nothing new. RING_RESTART /
 * RING_CORRUPT: message in err, reattached at the newest record boundary
 * (skipping to the next HELLO). RING_FATAL: give up.
 */
int ring_reader_next(struct ring_reader *r, struct ring_rec *rec, char *err, size_t n);

/* Has the file shrunk under the reader? 1 with a message (for a caller
 * whose write from the ring failed with EFAULT). */
int ring_reader_lost(struct ring_reader *r, char *err, size_t n);

/* Publishes the consumer position after every record returned so far. */
void ring_reader_release(struct ring_reader *r);
/* Gives back the space before pos only (a position ring_reader_done gave
 * earlier in this session, e.g. the end of the last finished frame, while
 * the records after it are still in use). */
void ring_reader_release_to(struct ring_reader *r, uint64_t pos);

/*
 * Waits up to timeout_ms for the producer to move: spins briefly after
 * activity, then sleeps on the wake word (futex) when the writer wakes
 * readers, else sleeps that grow with idleness. Refreshes the reader
 * heartbeat. Returns RING_REC (call next), RING_NONE on timeout or a
 * signal, RING_STOPPED once when the writer's heartbeat has not moved for
 * RING_DEAD_MS (keep waiting; it may come back).
 */
int ring_reader_wait(struct ring_reader *r, int timeout_ms);

/*
 * For a caller with a poll loop (xpaint): an eventfd that becomes readable
 * when the ring has something after ring_reader_arm(), when another
 * session began, or once when the writer's heartbeat stopped. A thread
 * does the waiting of ring_reader_wait and, every RING_HB_MS * 5 of an idle
 * ring, the reader's heartbeat; the caller's loop sleeps in poll.
 * Returns the fd, or -1 (no thread: use ring_reader_wait with timeouts).
 */
int ring_reader_notify_fd(struct ring_reader *r);
/* The ring was found empty: notify when that changes. Reads the eventfd. */
void ring_reader_arm(struct ring_reader *r);
/* on: the caller listens for the writer's bell (xpaint -B) and polls it
 * beside the notifier's fd; while the writer says it rings
 * (RING_F_BELL), ring_reader_arm asks it to, and the notifier thread no
 * longer watches the ring between its ticks. off: the connection ended. */
void ring_reader_bell(struct ring_reader *r, int on);
/* Input was just sent: a reply is coming, wait with short sleeps again. */
void ring_reader_poke(struct ring_reader *r);

/* How long a reader without wake-ups sleeps after idle_ns without a
 * record: 0 (spin) at first, then sleeps that grow with idleness. */
uint64_t ring_backoff_ns(uint64_t idle_ns);

/* --- writer (guest side) --------------------------------------------------- */

struct ring_writer; /* opaque: ring_write.c */

/* Initialises the header over a mapped file (magic last, new session id)
 * and returns the writer, which keeps the mapping for its life (and
 * leaves it mapped when freed). bar: the mapping is a write-combining PCI
 * BAR (never read it; a reader is on another kernel, so no futex wakes).
 * Dies if there is no memory. */
struct ring_writer *ring_writer_new(const struct ring_map *m, int bar);
/* Closes the bell's sockets and frees the writer; never after
 * ring_writer_ticker (its thread keeps using it). */
void ring_writer_free(struct ring_writer *w);

/*
 * Would the ring hold a w x h screen? A full raw frame must fit in half
 * the data area (docs/RING.md): otherwise -1 and the line that says so and
 * what size would do. Below the advised ring_size_for it is 0 and a -v note.
 */
int ring_writer_screen_fits(const struct ring_writer *w, uint32_t sw, uint32_t sh, char *err, size_t n);

int ring_writer_fd(const struct ring_writer *w);             /* the file, for xcb_shm_attach_fd */
uint64_t ring_writer_size(const struct ring_writer *w);      /* the mapping's size */
uint64_t ring_writer_data_len(const struct ring_writer *w);
uint32_t ring_writer_max_len(const struct ring_writer *w);   /* the largest body ring_writer_reserve takes */
int ring_writer_bar(const struct ring_writer *w);
/* Where p (inside a record ring_writer_reserve gave) lies in the file. */
uint64_t ring_writer_offset(const struct ring_writer *w, const uint8_t *p);
uint64_t ring_writer_published(const struct ring_writer *w); /* the producer position published last */
/* The private producer position: where the next record (or the wrap
 * marker before it) goes; after ring_writer_reserve, the reserved record's.
 * A reserve of len bytes from position p overwrites what the ring held at
 * positions below p + ring_foot(len) - data length. */
uint64_t ring_writer_position(const struct ring_writer *w);
int ring_writer_reader_live(const struct ring_writer *w);    /* a reader's heartbeat moves */

struct ring_writer_stats {
	uint64_t bells; /* bells rung */
	uint64_t waits; /* times the ring was full */
	uint64_t wakes; /* futex wakes sent */
};
void ring_writer_stats(const struct ring_writer *w, struct ring_writer_stats *s);

/*
 * The bell, for a reader the writer cannot wake otherwise (the host side of
 * a guest's BAR): listens on a (vsock PORT, unix:PATH made 0600 and removed
 * at exit, tcp:HOST:PORT), where the reader calls (xpaint -B, host to
 * guest as the control channel goes). The ticker thread (ring_writer_ticker)
 * takes the newest caller; while one is connected RING_F_BELL is set and,
 * after a publish, a reader that bumped its bell sequence since the last
 * ring gets one byte. Call before the ticker starts; dies as addr_listen.
 */
void ring_writer_bell(struct ring_writer *w, const struct addr *a);
/* The bell's sockets (listening, connected; -1: none) taken from w, which
 * then has no bell, and given to a new writer of the same ring (the ring
 * handed up a pipe, lib/pipering.h): a reader that called keeps its call. */
void ring_writer_bell_give(struct ring_writer *w, int *lfd, int *cfd);
void ring_writer_bell_adopt(struct ring_writer *w, const struct addr *a, int lfd, int cfd);

/* A frame ended with the record committed last: the next record may go to
 * the start of the data area (RAM only), so frames reuse the same pages. */
void ring_writer_boundary(struct ring_writer *w);

/*
 * Space for a record with a body of len bytes at the private producer
 * position: waits (spin, then sleep) while a live reader has not consumed
 * enough, writes a wrap marker when the record would cross the end.
 * Returns where to write the 8-byte header and the body (contiguous), or
 * NULL if len is larger than half the data area.
 */
uint8_t *ring_writer_reserve(struct ring_writer *w, uint32_t len);
/* The reserved record is written: move the private producer past it
 * without publishing (several records can be reserved before one publish).
 * Returns the position after it (for ring_writer_publish_to). */
uint64_t ring_writer_advance(struct ring_writer *w, uint32_t len);
/* Publishes every record advanced over so far: store fence, producer,
 * and a futex wake if a reader sleeps on the wake word. */
void ring_writer_publish(struct ring_writer *w);
/* Publishes up to pos only (an end of a record advanced over). */
void ring_writer_publish_to(struct ring_writer *w, uint64_t pos);
/* Has the reader consumed every record before pos (a position published
 * earlier)? 1 as well without a live reader, or with a consumer position
 * that is not plausible (wait_space deals with that one): only a reader
 * that is there and behind holds the caller back. */
int ring_writer_consumed(struct ring_writer *w, uint64_t pos);
/* Would a record of len bytes be reserved now without waiting? */
int ring_writer_fits(struct ring_writer *w, uint32_t len);
/* advance + publish. */
void ring_writer_commit(struct ring_writer *w, uint32_t len);

/* Copies n bytes into ring memory: memcpy into RAM; on a BAR sequential
 * non-temporal stores (movntdq on x86), which fill whole write-combining
 * lines without reading the destination. The store fence comes with
 * ring_writer_publish(). */
void ring_writer_copy(const struct ring_writer *w, uint8_t *dst, const uint8_t *src, size_t n);
void ring_stream_copy(uint8_t *dst, const uint8_t *src, size_t n);

/* Off the hot path, every RING_TICK_MS: heartbeat, reader liveness.
 * Returns 1 when a reader attached since the last call (it wants a
 * snapshot). */
int ring_writer_tick(struct ring_writer *w);
/* A HELLO is being written: the readers attached so far will read it, so
 * their attaches need no snapshot (call before publishing the hello). */
void ring_writer_hello(struct ring_writer *w);
/* Nanoseconds until the next tick is due (for a poll timeout). */
uint64_t ring_writer_tick_in(const struct ring_writer *w);
/*
 * For an event loop that would rather sleep than tick (xcap): a thread
 * that stores the heartbeat every RING_TICK_MS and makes the returned
 * eventfd readable when a reader attached. The loop polls the fd and then
 * calls ring_writer_tick_now(); it needs no timeout for the ring. Returns
 * the fd, or -1 (no thread: tick from the loop). The thread lives as long
 * as the process.
 */
int ring_writer_ticker(struct ring_writer *w);
/* The ticker thread ends (it touches the ring no more once this returns):
 * the writer hands the ring to another (shmring -w up its pipe, lib/pipering.h). */
void ring_writer_stop(struct ring_writer *w);
/* ring_writer_tick at once (the ticker's fd was readable; reads it). */
int ring_writer_tick_now(struct ring_writer *w);

/* A fresh session's positions start at pos (pos % RING_ALIGN == RING_SKEW,
 * nothing written yet) instead of at the start: tests run the 64-bit
 * positions over their end with it. */
void ring_writer_start_at(struct ring_writer *w, uint64_t pos);

#endif
