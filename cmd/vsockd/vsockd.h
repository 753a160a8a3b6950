/*
 * vsockd: carries the control stream (host to guest) over a socket. One
 * binary, two roles: -l listens on the guest and writes records to stdout,
 * -c connects from the host and forwards stdin. Both move whole records
 * only, checked with xs_check_hdr(), in one write per batch.
 */
#ifndef VSOCKD_H
#define VSOCKD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "proto.h"

#define CTL_MAX_BODY (XS_CLIP_HDR + XS_CLIP_CHUNK) /* largest control body (clipboard data) */
#define IOBUF (64u << 10)        /* socket and pipe reads */
#define MAX_ALLOW 32             /* -a CIDs */


struct opts {
	int listen;               /* -l, else -c */
	struct addr addr;
	unsigned allow[MAX_ALLOW]; /* vsock CIDs allowed to connect (-l) */
	int nallow;
	int ready_fd;             /* -N FD, or -1 */
	char **cmd;               /* -- COMMAND: hand the connections over to it */
	int chan;                 /* the helper's end of the hand-over socketpair, or -1 */
	int lfd;                  /* listening already (hand-over), or -1 */
	int pipe_only;            /* -p: records through the pipe, no hand-over down it */
	int piped;                /* chan is the pipe's other tool (pipectl, $XS_CTL_GIVE), not COMMAND */
};

/* Counters printed on SIGUSR1 and, with -v, at exit. */
struct stats {
	uint64_t conns, refused, records, bytes, rejects, resets, outages, dropped;
};
extern struct stats st;

/* common.c */
void print_stats(void);
/* Reads pending signals: returns 1 to stop, 0 to go on (stats printed). */
int sig_handle(int sfd);
void say_ready(int *fd, const char *text);
/* Checks a control header: NULL or a static reason. */
const char *ctl_check(const uint8_t *p);

/* listen.c, connect.c: the two roles; they return the exit code. With
 * o->chan >= 0 they hand each connection over (handover.c) instead of
 * carrying its records. */
int run_listen(struct opts *o);
int run_connect(struct opts *o);

/* handover.c: -- COMMAND. Starts the helper (a grandchild running the
 * role) and execs COMMAND with $XS_CTL_FD; never returns. */
void run_handover(struct opts *o, int lfd);
/* The channel $XS_CTL_GIVE names (xpaint -r RING -- vsockd -c ADDR), or -1. */
int give_env(const struct opts *o);

#endif
