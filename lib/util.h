/*
 * Errors, logging, time, whole-buffer I/O and randomness shared by every tool.
 *
 * How lib/ reports failure (one convention per kind of failure):
 * - a check of untrusted bytes (proto.c, stream.c, codec.c) returns NULL
 *   when they are good, else a one-line message naming what was wrong
 *   (static, or written into the caller's err buffer);
 * - a system call or file that fails (ring_map.c, util.c I/O) returns -1,
 *   with errno set or a message in the caller's err buffer; except where
 *   no caller could go on: addr_listen (socket, bind, listen) and the ring
 *   writer (its file shrinking under it) die() with the exit code and one
 *   line, as for memory below;
 * - a stream reader step (xs_next, xs_read) returns 1 (a record), 0 (more
 *   bytes needed) or -1 (bad input, message in err);
 * - the ring API returns one set of codes, RING_* in ring.h;
 * - running out of memory (or of libjpeg-turbo handles) is never reported:
 *   die(EX_OS, ...) at once, as no tool can go on without it.
 * Nothing in lib/ prints except through warn_line/dbg, and only die() exits.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes, the same for every tool (documented in each man page). */
enum {
	EX_CMDLINE = 64, /* bad command line (sysexits' EX_USAGE; <sysexits.h> is not used) */
	EX_DATA = 65,    /* bad input: stream, ring or control record */
	EX_NOX = 69,     /* X display, extension or device unavailable */
	EX_SOFT = 70,    /* internal error */
	EX_OS = 71,      /* system call failed */
	EX_IO = 74,      /* read or write failed */
};

/* Debug categories for -d (comma separated names) and -v. */
enum {
	D_STREAM = 1 << 0, D_RING = 1 << 1, D_INPUT = 1 << 2, D_X = 1 << 3,
	D_ENC = 1 << 4, D_NET = 1 << 5, D_STATS = 1 << 6, D_CURSOR = 1 << 7,
};

extern const char *argv0;
extern unsigned debug_mask;
extern int verbose;

/* The program name in every message: the last part of argv[0]. */
void set_argv0(const char *a0);
/* A message ending in ':' gets ": strerror(errno)" appended. */
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* One line on stderr, "prog: message", in one write (lines of several
 * processes never interleave). */
void warn_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A line a peer can provoke again and again (a bad ring record, a refused
 * connection, a dropped window). Its kind is the call site (one struct
 * warn_limit, WARN_LIMITED) and the message's shape (its text without its
 * numbers, decimal and 0x hex, so positions, sizes and window ids do not
 * make new kinds; up to
 * WARN_KINDS of them a site, the rest share one). A kind prints its first
 * line; while it repeats, the others are counted and at most one line
 * every WARN_EVERY_NS says the latest and how many were not printed ("...
 * (1234 like it in 5 s)"). warn_limit_flush() prints what is still
 * counted (every tool at exit, the poll loops when they wake), so a storm
 * that stops is told too.
 */
#define WARN_EVERY_NS 5000000000ull
#define WARN_KINDS 8
struct warn_kind {
	uint32_t shape;          /* hash of the text without numbers, 0: free */
	uint64_t next;           /* mono_ns() before which lines are only counted */
	uint64_t since;          /* when the last line was printed */
	unsigned long dropped;   /* not printed since */
	char last[240];          /* the latest of them */
};
struct warn_limit {
	struct warn_kind k[WARN_KINDS];
	struct warn_limit *link; /* every site that counted, for the flush */
	int linked;
};
void warn_limited(struct warn_limit *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define WARN_LIMITED(...) do { static struct warn_limit wl_; warn_limited(&wl_, __VA_ARGS__); } while (0)
/* The counts of every kind whose interval is over (all of them with
 * force, as at exit), one line each. */
void warn_limit_flush(int force);
/* Logs when -v was given or the category is enabled with -d. */
void dbg(unsigned cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define DBG(cat, ...) do { if ((debug_mask & (cat)) || verbose > 1) dbg(cat, __VA_ARGS__); } while (0)
#define VERB(...) do { if (verbose) dbg(0, __VA_ARGS__); } while (0)
/* Parses "ring,input" into debug_mask; returns -1 on an unknown name. */
int parse_debug(const char *s);
/* The options every tool has: -v (more verbose), -d CATS (debug categories;
 * cats lists the tool's own for the error), -h (usage(0), which exits).
 * Returns 1 when o was one of them, else 0 (the tool's usage error). */
int common_option(int o, const char *arg, const char *cats, void (*usage)(int));

uint64_t now_ns(void);  /* CLOCK_REALTIME, for capture timestamps */
uint64_t mono_ns(void); /* CLOCK_MONOTONIC, for intervals */

/* Write or read everything, retrying on EINTR; -1 with errno on failure,
 * read_full returns the bytes read (short only at EOF). */
int write_all(int fd, const void *buf, size_t n);
ssize_t read_full(int fd, void *buf, size_t n);

/* Grows an array of elem-byte items to hold at least need of them,
 * doubling from first; *cap counts items. Dies when memory runs out. */
void *xs_grow(void *p, size_t *cap, size_t need, size_t elem, size_t first);

void random_bytes(void *buf, size_t n);
/* Parse a decimal unsigned within [lo, hi]; -1 on error. */
int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* Option -o's number within [lo, hi], or exit (EX_CMDLINE) with
 * "-o ARG: not WHAT from LO to HI". */
unsigned long opt_uint(int o, const char *arg, unsigned long lo, unsigned long hi, const char *what);
void hex(char *out, const uint8_t *v, size_t n); /* out: 2n+1 bytes */

/* SIGINT, SIGTERM, SIGHUP and SIGUSR1 blocked and read from the returned
 * signalfd (each tool's poll loop handles them); SIGPIPE ignored. */
int signals_fd(void);
/* Milliseconds (rounded up) from now until when, 0 if past: a poll timeout. */
int64_t ms_until(uint64_t when, uint64_t now);

/*
 * A poll loop's sleep: the earliest of the deadlines its parts name, in
 * one conversion. deadline_start() reads the monotonic clock (mono_ns);
 * each part that needs the loop adds a monotonic time (at_ns; NO_DEADLINE
 * is none) or a delay from that reading (in_ns, in_ms; negative is none,
 * the -1 of the *_ms and *_ns sources). deadline_ts() fills ppoll's
 * timeout and returns it, or NULL when nothing was added.
 */
#define NO_DEADLINE UINT64_MAX
struct timespec;
struct deadline { uint64_t now_ns, at_ns; };
void deadline_start(struct deadline *d);
void deadline_at_ns(struct deadline *d, uint64_t at_ns);
void deadline_in_ns(struct deadline *d, int64_t in_ns);
void deadline_in_ms(struct deadline *d, int64_t in_ms);
struct timespec *deadline_ts(const struct deadline *d, struct timespec *ts);
/* Equal? In time that depends on n only (nonces, challenges). */
int same_bytes(const void *a, const void *b, size_t n);

#endif
