/*
 * Address parsing. Forms: PORT (vsock, any CID, -l only), CID:PORT and
 * vsock:CID:PORT, unix:PATH, tcp:HOST:PORT. A unix path is taken verbatim
 * after the scheme: paths may hold ':' (sysfs names do), so only the
 * scheme prefix is ever split off.
 */
#include "addr.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/vm_sockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Parses a vsock CID: a decimal number, or "any" when listening. */
static int parse_cid(const char *s, int listening, unsigned *cid)
{
	unsigned long v;
	if (listening && !strcmp(s, "any")) {
		*cid = VMADDR_CID_ANY;
		return 0;
	}
	if (parse_uint(s, 0, 0xffffffffu, &v) < 0 || (!listening && v == VMADDR_CID_ANY))
		return -1;
	*cid = (unsigned)v;
	return 0;
}

static int parse_vsock(const char *s, int listening, struct addr *a, char *err, size_t n)
{
	char cidtext[32];
	const char *colon = strchr(s, ':');
	unsigned cid = VMADDR_CID_ANY;
	unsigned long port;
	if (colon) {
		size_t k = (size_t)(colon - s);
		if (k == 0 || k >= sizeof cidtext || strchr(colon + 1, ':')) {
			snprintf(err, n, "bad vsock address \"%s\": expected CID:PORT", s);
			return -1;
		}
		memcpy(cidtext, s, k);
		cidtext[k] = 0;
		if (parse_cid(cidtext, listening, &cid) < 0) {
			snprintf(err, n, "bad vsock CID \"%s\" in \"%s\"", cidtext, s);
			return -1;
		}
		s = colon + 1;
	} else if (!listening) {
		snprintf(err, n, "vsock address \"%s\" needs a CID: CID:PORT (the guest's CID)", s);
		return -1;
	}
	if (parse_uint(s, 1, 0xfffffffeu, &port) < 0) {
		snprintf(err, n, "bad vsock port \"%s\": expected 1..4294967294", s);
		return -1;
	}
	struct sockaddr_vm *vm = (struct sockaddr_vm *)&a->ss;
	vm->svm_family = AF_VSOCK;
	vm->svm_cid = cid;
	vm->svm_port = (unsigned)port;
	a->family = AF_VSOCK;
	a->len = sizeof *vm;
	snprintf(a->text, sizeof a->text, "vsock:%u:%lu", cid, port);
	return 0;
}

static int parse_unix(const char *path, struct addr *a, char *err, size_t n)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&a->ss;
	size_t k = strlen(path);
	if (!k || k >= sizeof un->sun_path) {
		snprintf(err, n, "bad unix socket path \"%s\": empty or longer than %zu bytes", path,
			 sizeof un->sun_path - 1);
		return -1;
	}
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, k + 1);
	a->family = AF_UNIX;
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + k + 1);
	snprintf(a->text, sizeof a->text, "unix:%s", path);
	return 0;
}

/* tcp:HOST:PORT, the port after the last ':' ([::1]:PORT for IPv6). */
static int parse_tcp(const char *s, int listening, struct addr *a, char *err, size_t n)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	unsigned long port;
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof host) {
		snprintf(err, n, "bad tcp address \"tcp:%s\": expected tcp:HOST:PORT", s);
		return -1;
	}
	if (parse_uint(colon + 1, listening ? 0 : 1, 65535, &port) < 0) {
		snprintf(err, n, "bad tcp port \"%s\" in \"tcp:%s\"", colon + 1, s);
		return -1;
	}
	size_t k = (size_t)(colon - s);
	memcpy(host, s, k);
	host[k] = 0;
	if (host[0] == '[' && k > 2 && host[k - 1] == ']') {
		memmove(host, host + 1, k - 2);
		host[k - 2] = 0;
	}
#ifdef XS_NUMERIC_HOSTS
	/* the static build (minimal guests, no NSS): numeric hosts only */
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET, v4->sin_port = htons((uint16_t)port), a->len = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6, v6->sin6_port = htons((uint16_t)port), a->len = sizeof *v6;
	} else {
		snprintf(err, n, "tcp host \"%s\" is not a numeric address (this static build does not resolve names)", host);
		return -1;
	}
	a->family = a->ss.ss_family;
#else
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | (listening ? AI_PASSIVE : 0) };
	struct addrinfo *res;
	char ps[8];
	snprintf(ps, sizeof ps, "%lu", port);
	int e = getaddrinfo(host, ps, &hints, &res);
	if (e) {
		snprintf(err, n, "cannot resolve tcp host \"%s\": %s", host, gai_strerror(e));
		return -1;
	}
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	a->family = res->ai_family;
	freeaddrinfo(res);
#endif
	addr_name((struct sockaddr *)&a->ss, a->len, a->text, sizeof a->text);
	return 0;
}

int addr_parse(const char *s, int listening, struct addr *a, char *err, size_t n)
{
	memset(a, 0, sizeof *a);
	if (!strncmp(s, "unix:", 5))
		return parse_unix(s + 5, a, err, n);
	if (!strncmp(s, "tcp:", 4))
		return parse_tcp(s + 4, listening, a, err, n);
	if (!strncmp(s, "vsock:", 6))
		return parse_vsock(s + 6, listening, a, err, n);
	if (*s >= '0' && *s <= '9')
		return parse_vsock(s, listening, a, err, n);
	if (!strncmp(s, "any:", 4) && listening)
		return parse_vsock(s, listening, a, err, n);
	snprintf(err, n, "bad address \"%s\": expected %s, unix:PATH or tcp:HOST:PORT", s,
		 listening ? "PORT, CID:PORT" : "CID:PORT");
	return -1;
}

/* Canonical text of a socket address, as the readiness line and logs show it. */
void addr_name(const struct sockaddr *sa, socklen_t len, char *out, size_t n)
{
	char h[INET6_ADDRSTRLEN];
	switch (sa->sa_family) {
	case AF_VSOCK: {
		const struct sockaddr_vm *vm = (const void *)sa;
		snprintf(out, n, "vsock:%u:%u", vm->svm_cid, vm->svm_port);
		return;
	}
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, h, sizeof h);
		snprintf(out, n, "tcp:%s:%u", h, ntohs(in->sin_port));
		return;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, h, sizeof h);
		snprintf(out, n, "tcp:[%s]:%u", h, ntohs(in6->sin6_port));
		return;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const void *)sa;
		size_t k = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
		snprintf(out, n, "unix:%.*s", (int)strnlen(un->sun_path, k), k ? un->sun_path : "");
		return;
	}
	}
	snprintf(out, n, "family-%d", sa->sa_family);
}

int addr_socket(const struct addr *a, int nonblock)
{
	return socket(a->family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
}

/* A keystroke must leave at once: no Nagle on TCP (vsock has none). */
void set_nodelay(int fd, int family)
{
	int one = 1;
	if (family == AF_INET || family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int addr_unlink_stale(const char *path, char *err, size_t n)
{
	struct stat s;
	if (lstat(path, &s) < 0)
		return 0;
	if (!S_ISSOCK(s.st_mode)) {
		snprintf(err, n, "unix:%s exists and is not a socket", path);
		return -1;
	}
	if (unlink(path) < 0) {
		snprintf(err, n, "unlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The unix sockets addr_listen made, removed at exit if they are still
 * the ones it made (a newer process may have replaced them). */
static struct { char path[108]; dev_t dev; ino_t ino; } made[2];

static void unlink_made(void)
{
	struct stat s;
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
		if (made[i].path[0] && lstat(made[i].path, &s) == 0 && s.st_ino == made[i].ino && s.st_dev == made[i].dev)
			unlink(made[i].path);
}

int addr_listen(struct addr *a, const char *who)
{
	int fd = addr_socket(a, 1), one = 1;
	if (fd < 0)
		die(a->family == AF_VSOCK ? EX_NOX : EX_OS, "%ssocket for %s:", who, a->text);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	const char *path = a->family == AF_UNIX ? ((const struct sockaddr_un *)&a->ss)->sun_path : NULL;
	mode_t old = 0;
	if (path) {
		char err[256];
		if (addr_unlink_stale(path, err, sizeof err) < 0)
			die(EX_CMDLINE, "%s%s", who, err);
		old = umask(077); /* only our user may connect */
	}
	int r = bind(fd, (struct sockaddr *)&a->ss, a->len);
	if (path)
		umask(old);
	if (r < 0)
		die(EX_OS, "%sbind %s:", who, a->text);
	struct stat s;
	for (size_t i = 0; path && i < sizeof made / sizeof made[0]; i++) {
		if (made[i].path[0] || lstat(path, &s) < 0)
			continue;
		if (i == 0)
			atexit(unlink_made);
		snprintf(made[i].path, sizeof made[i].path, "%s", path);
		made[i].dev = s.st_dev, made[i].ino = s.st_ino;
		break;
	}
	if (listen(fd, 4) < 0)
		die(EX_OS, "%slisten %s:", who, a->text);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (!path && getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		addr_name((struct sockaddr *)&ss, len, a->text, sizeof a->text);
	return fd;
}
