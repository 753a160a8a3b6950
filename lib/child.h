/*
 * Helper processes that carry records beside a tool's own streams: the
 * sound commands (xcap -A and -M, xpaint -a and -M). A command string is
 * run by /bin/sh -c, so the user writes it as on a command line; records
 * go to it through a bounded queue written without blocking, so a child
 * that stalls costs its own records (dropped), never the caller's loop.
 */
#ifndef CHILD_H
#define CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* fork(2) for a child that will exec: dies (EX_OS) when it fails; in the
 * child the signal mask is emptied (the tools block theirs for signalfd)
 * and SIGPIPE is the default again. */
pid_t xs_fork(void);

/* Ends a child: SIGTERM, up to grace_ms for it to go, then SIGKILL; it is
 * reaped either way, so a command that ignores SIGTERM cannot hold the
 * caller's loop. */
void xs_reap(pid_t pid, unsigned grace_ms);
#define XS_REAP_GRACE_MS 200 /* the tools' grace: a sound command is given this long */

/*
 * Starts sh -c CMD. to_child: its stdin is a pipe whose write end
 * (non-blocking) is returned there, else /dev/null; from_child: its
 * stdout is a pipe whose read end (non-blocking) is returned there, else
 * our stderr (our stdout may be a stream). Our fds are close-on-exec.
 */
pid_t xs_spawn_sh(const char *cmd, int *to_child, int *from_child);

/* A bounded queue of whole records to a child's stdin. */
struct xs_outq {
	int fd;
	uint8_t *q;
	size_t len, cap, max; /* max: bytes queued at most */
	uint64_t dropped;     /* records that found it full */
};
/* Queues a record n bytes long: 0, or -1 when it would pass max (dropped, counted). */
int xs_outq_put(struct xs_outq *q, const uint8_t *rec, size_t n);
/* Writes what the child takes now: 0, or -1 with errno when it went away. */
int xs_outq_write(struct xs_outq *q);

#endif
