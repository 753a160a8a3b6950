/*
 * Socket addresses of the tools (lib/addr.c): vsockd's control channel and
 * the ring's bell. Forms: PORT (vsock, any CID, listening only), CID:PORT
 * and vsock:CID:PORT, unix:PATH, tcp:HOST:PORT.
 */
#ifndef ADDR_H
#define ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* A parsed address: what to bind or connect, and its canonical text. */
struct addr {
	int family; /* AF_UNIX, AF_INET, AF_INET6, AF_VSOCK */
	struct sockaddr_storage ss;
	socklen_t len;
	char text[160];
};

int addr_parse(const char *s, int listening, struct addr *a, char *err, size_t n);
void addr_name(const struct sockaddr *sa, socklen_t len, char *out, size_t n);
/* A socket for a, close-on-exec (and non-blocking): -1 with errno. */
int addr_socket(const struct addr *a, int nonblock);
void set_nodelay(int fd, int family);
/* A stale unix socket file from an earlier run is removed; anything else at
 * path is not: -1 with a message then (or when unlink fails). */
int addr_unlink_stale(const char *path, char *err, size_t n);
/* A listening socket on a, non-blocking, close-on-exec: a unix socket is
 * made 0600 (a stale one replaced) and removed at exit while it is still
 * the one made; a tcp or vsock address's text gets the bound port. Dies
 * with a line starting with who: EX_NOX (no vsock), EX_CMDLINE (the path
 * is not a socket), EX_OS. */
int addr_listen(struct addr *a, const char *who);

#endif
