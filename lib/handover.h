/*
 * The control socket handed over (vsockd -c ADDR -- xpaint ..., vsockd -l
 * ADDR -- xcap ...): vsockd keeps the address, the reconnects and the peer
 * checks in a helper process beside the tool, and passes each connected
 * socket to the tool, which then reads or writes control records on it
 * itself: a key goes xpaint -> socket -> xcap with no process between.
 *
 * The helper and the tool share a unix socketpair, whose tool end is named
 * by $XS_CTL_FD. Messages are one byte, with a file descriptor for
 * HANDOVER_CONN:
 *   helper -> tool  'c' + fd  a new connection: use it (drop any older one)
 *   helper -> tool  'l'       the connection was lost: close yours
 *   tool -> helper  'd'       the tool dropped its connection (hang-up, bad
 *                             records): the helper may take the next one
 * Either side seeing end of file knows the other is gone.
 */
#ifndef HANDOVER_H
#define HANDOVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HANDOVER_ENV "XS_CTL_FD"
/* The other way round, vsockd the child: `xpaint -r RING -- vsockd -c
 * ADDR` starts vsockd with its end of a socketpair named by $XS_CTL_GIVE,
 * and vsockd -c sends the same messages on it as the helper does on
 * $XS_CTL_FD's (until the first, xpaint writes records to vsockd's stdin,
 * so a COMMAND that knows nothing of it still works). */
#define HANDOVER_GIVE_ENV "XS_CTL_GIVE"
enum { HANDOVER_CONN = 'c', HANDOVER_LOST = 'l', HANDOVER_DROPPED = 'd' };

/* Descriptors passed on a unix socket (SCM_RIGHTS), here and for the ring
 * handed up a pipe (pipering.c). fdpass_send: one message of n bytes with
 * those of fds[0..nfds) that are >= 0 (at most 3); 0, or -1 with errno.
 * fdpass_recv: one message into b (cap bytes), with recvmsg's flags (e.g.
 * MSG_DONTWAIT): its length (0: the peer closed; -1: an error, EMSGSIZE
 * for a truncated message or descriptor list), the descriptors it carried
 * in order into fds (up to max, the rest closed; the caller closes these
 * whatever the length), their count in *nfds. */
int fdpass_send(int sock, const void *b, size_t n, const int *fds, int nfds);
ssize_t fdpass_recv(int sock, uint8_t *b, size_t cap, int *fds, int max, int *nfds, int flags);
void fdpass_close(int *fds, int n);

/* One message, with fd (>= 0) passed along. 0, or -1 with errno (EPIPE:
 * the other side is gone). */
int handover_send(int chan, char what, int fd);
/*
 * One message: 1 with *what and *fd (the passed descriptor, close-on-exec,
 * or -1), 0 at end of file, -1 with errno (EAGAIN: nothing yet). A message
 * that is not one of the three, or carries a descriptor it should not, is
 * dropped (its descriptor closed) and reads as EAGAIN.
 */
int handover_recv(int chan, char *what, int *fd);
/* The tool's end from $XS_CTL_FD (unset afterwards), non-blocking and
 * close-on-exec; -1 when unset. Dies on a value that is not an open socket. */
int handover_env(void);
/* vsockd's end from $XS_CTL_GIVE, the same way. */
int handover_give_env(void);

#endif
