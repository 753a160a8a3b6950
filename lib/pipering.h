/*
 * The ring handed up a pipe: in `xcap :1 | shmring -w RING` shmring gives
 * xcap the ring, and xcap writes it itself as under `shmring -w RING --
 * xcap :1` (the X server captures straight into it): the pipe's copy of
 * every frame is gone, whichever way the user composes the two.
 *
 * xcap, when its stdout is a pipe, listens on an abstract unix socket named
 * after that pipe (PIPERING_NAME with the pipe's device and inode);
 * shmring -w, when its stdin is a pipe, connects to the one named after
 * its stdin. Each side checks the other before it trusts it: the same
 * user, and a process holding the other end of the same pipe (its
 * /proc/PID/fd and fdinfo, PID from the socket's credentials), so no
 * other process can take the ring or offer one. Messages (SOCK_SEQPACKET):
 *   shmring -> xcap  'R' u8 flags (1: a PCI BAR) bell address (0-255
 *                    bytes, none: no bell), with the ring's fd: take it
 *   xcap -> shmring  'S' u64 bytes: what it holds is down the pipe, which
 *                    then ends at that many bytes from its start (xcap
 *                    writes no more; shmring stops there, or at end of
 *                    file, whichever comes first: another process holding
 *                    the pipe's write end must not hold the hand-over up)
 *   shmring -> xcap  'G' u8 flags (1: the bell's listening socket, 2: its
 *                    connected reader), with those sockets: all of the
 *                    pipe is in the ring and published,
 *                    its writer stopped: the ring is xcap's (a new session:
 *                    readers follow as on a restart), and so is the bell
 *                    (a reader that called keeps its call)
 * shmring then waits for the socket to close (xcap's end) and exits 0.
 */
#ifndef PIPERING_H
#define PIPERING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define PIPERING_NAME "xs-pipe-ring" /* then :st_dev:st_ino of the pipe, in hex */
#define PIPERING_BELL_MAX 255

/* The abstract address named after the pipe st (a FIFO's stat); its
 * length, or 0 when st is not a pipe. */
socklen_t pipering_addr(const struct stat *st, struct sockaddr_un *a);
/*
 * The writer of a pipe listens, its reader calls; each checks the other
 * before a descriptor crosses: the same user, and a process holding the
 * pipe's other end (its /proc/PID/fd and fdinfo, the pid from the socket's
 * credentials; read-write holds either end). kind: PIPERING_NAME or
 * PIPECTL_NAME.
 * pipe_listen: a listening socket named after the pipe on fd, the
 *   writer's end (non-blocking, close-on-exec), or -1 when fd is not a
 *   pipe or the name is taken.
 * pipe_connect: a socket (blocking, close-on-exec) connected to the one
 *   named after the pipe on fd, the reader's end, whose peer holds the
 *   write end; -1 with err empty when fd is not a pipe or nobody listens,
 *   with err saying why when the peer is refused.
 * pipe_accept: the next caller on lfd (blocking, close-on-exec), which
 *   holds the read end of the pipe on fd; -1 with err empty when none
 *   came, saying why when it is refused.
 */
int pipe_listen(const char *kind, int fd);
int pipe_connect(const char *kind, int fd, char *err, size_t n);
int pipe_accept(int lfd, int fd, char *err, size_t n);
/*
 * The control socket handed down a pipe: in `vsockd -l ADDR | xcap :1`
 * vsockd gives xcap each connection it accepted and checked, as under
 * `vsockd -l ADDR -- xcap :1`, so a key wakes xcap alone. vsockd, when its
 * stdout is a pipe, listens on PIPECTL_NAME named after it; xcap, when its
 * stdin is a pipe, connects to the one named after its stdin (at its start,
 * and again when the first records come down the pipe). The peers check
 * each other as above (pipe_connect, pipe_accept); the socket then carries
 * lib/handover.h's messages. Records vsockd wrote before it hands a
 * connection over are in the pipe by then: xcap reads the pipe dry before
 * it reads the socket.
 */
#define PIPECTL_NAME "xs-pipe-ctl"
socklen_t pipectl_addr(const struct stat *st, struct sockaddr_un *a);

/* shmring: the offer. 0, or -1 with errno. */
int pipering_offer(int sock, int ring_fd, int bar, const char *bell);
/* xcap: the offer read: 1 with *ring_fd, *bar and bell (NUL-terminated),
 * 0 when the peer closed, -1 on a malformed message (reason in err). */
int pipering_take(int sock, int *ring_fd, int *bar, char bell[PIPERING_BELL_MAX + 1], char *err, size_t n);

/* xcap: all it wrote down the pipe, total bytes, is there. 0 or -1. */
int pipering_stopped(int sock, uint64_t total);
/* shmring: that word read: 0 with *total, -1 (not that word). */
int pipering_read_stopped(int sock, uint64_t *total);
/* shmring: the word to go, with the bell's sockets (-1: none). */
int pipering_go(int sock, int bell_lfd, int bell_cfd);
/* xcap: waits up to ms for it: 0 with the bell's sockets (-1: none), -1
 * (reason in err). */
int pipering_wait_go(int sock, int ms, int *bell_lfd, int *bell_cfd, char *err, size_t n);

#endif
