/*
 * vsockd -l: the guest side. Serves one controller at a time and writes
 * the records it sends to stdout, whole records only: bytes are read into
 * a private buffer, each header is checked, and only complete, valid
 * records are written (one write per batch). After every disconnect a
 * reset record follows, so xcap releases whatever the controller held.
 */
#include "vsockd.h"
#include "handover.h"
#include "pipering.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct peer {
	int fd;
	char name[160];
	uint8_t buf[IOBUF];
	size_t have;
	uint64_t off; /* stream offset of buf[0] */
};

/* Writes records to stdout; xcap gone (EPIPE) ends vsockd quietly. */
static void out(const uint8_t *p, size_t n)
{
	if (write_all(1, p, n) == 0)
		return;
	if (errno == EPIPE) {
		VERB("stdout closed: the reader went away");
		exit(0);
	}
	die(EX_IO, "write to stdout:");
}

static int cid_allowed(const struct opts *o, unsigned cid)
{
	if (cid == VMADDR_CID_HOST)
		return 1;
	for (int i = 0; i < o->nallow; i++)
		if (o->allow[i] == cid)
			return 1;
	return 0;
}

/*
 * Takes one connection. Returns its fd when it is to be served; refuses
 * (closes) it when a controller is already served or its CID is not allowed.
 */
static int take(struct opts *o, int lfd, struct peer *p, int busy)
{
	static unsigned said_cid = ~0u;
	static int said_busy;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char name[160];
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			WARN_LIMITED("accept on %s:", o->addr.text);
		return -1;
	}
	addr_name((struct sockaddr *)&ss, len, name, sizeof name);
	if (ss.ss_family == AF_UNIX && !strcmp(name, "unix:"))
		snprintf(name, sizeof name, "%.120s#%llu", o->addr.text, (unsigned long long)st.conns + st.refused + 1);
	if (ss.ss_family == AF_VSOCK) {
		unsigned cid = ((struct sockaddr_vm *)&ss)->svm_cid;
		if (!cid_allowed(o, cid)) {
			if (cid != said_cid)
				WARN_LIMITED("refused %s: CID %u is not allowed (-a %u allows it)", name, cid, cid);
			said_cid = cid;
			st.refused++;
			close(fd);
			return -1;
		}
	}
	if (busy) {
		if (!said_busy)
			WARN_LIMITED("refused %s: serving %s, one controller at a time", name, p->name);
		said_busy = 1;
		st.refused++;
		close(fd);
		return -1;
	}
	said_busy = 0;
	set_nodelay(fd, ss.ss_family);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->fd = fd;
	p->have = 0;
	p->off = 0;
	st.conns++;
	VERB("controller %s connected", p->name);
	return fd;
}

/* Ends a connection; a reset record tells xcap to release everything. */
static void hang_up(struct peer *p, const char *why)
{
	uint8_t rec[XS_HDR_LEN];
	if (p->have)
		WARN_LIMITED("%s hung up mid-record at offset %llu: %zu bytes dropped", p->name,
		       (unsigned long long)p->off, p->have);
	VERB("controller %s %s", p->name, why);
	close(p->fd);
	p->fd = -1;
	p->have = 0;
	out(rec, xs_build_empty(rec, XS_C_RESET));
	st.resets++;
}

/*
 * Reads what the peer sent and writes the whole valid records among it.
 * Returns 0 to keep the connection, -1 when it has ended.
 */
static int pump(struct peer *p)
{
	ssize_t n = read(p->fd, p->buf + p->have, sizeof p->buf - p->have);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		hang_up(p, n ? "connection failed" : "disconnected");
		return -1;
	}
	p->have += (size_t)n;
	size_t pos = 0;
	const char *bad = NULL;
	while (p->have - pos >= XS_HDR_LEN) {
		struct xs_hdr h = xs_get_hdr(p->buf + pos);
		if ((bad = ctl_check(p->buf + pos)))
			break;
		if (p->have - pos - XS_HDR_LEN < h.len)
			break;
		pos += XS_HDR_LEN + h.len;
		st.records++;
	}
	if (pos) {
		out(p->buf, pos);
		st.bytes += pos;
	}
	p->off += pos;
	memmove(p->buf, p->buf + pos, p->have - pos);
	p->have -= pos;
	if (bad) {
		struct xs_hdr h = xs_get_hdr(p->buf);
		WARN_LIMITED("%s: %s record (type %u, length %u) at offset %llu: %s; dropping the connection", p->name,
		       xs_type_name(h.type), h.type, h.len, (unsigned long long)p->off, bad);
		st.rejects++;
		p->have = 0;
		hang_up(p, "dropped");
		return -1;
	}
	DBG(D_NET, "%s: %zu bytes, %zu forwarded", p->name, (size_t)n, pos);
	return 0;
}

/*
 * Hand-over (vsockd -l ADDR -- xcap, or `vsockd -l ADDR | xcap` down the
 * pipe): the accepted, checked connection goes to xcap, which reads the
 * records itself, and the helper waits for xcap's word that it dropped it
 * (hang-up, bad records) before it serves another: one controller at a
 * time, as when the helper carried the records. The helper keeps no copy,
 * so a key wakes xcap alone. A connection whose records we carried so far
 * goes over between two records (xcap reads the pipe dry first).
 */
static void unpipe(struct opts *o, int *busy, const char *why)
{
	VERB("%s: records go through the pipe again", why);
	close(o->chan);
	o->chan = -1;
	o->piped = 0;
	*busy = 0;
}

static void give(struct opts *o, struct peer *p, int *busy)
{
	if (handover_send(o->chan, HANDOVER_CONN, p->fd) < 0) {
		if (o->piped) {
			unpipe(o, busy, "the reader of the pipe is gone from the hand-over");
			return;
		}
		VERB("the command is gone: exiting");
		exit(0);
	}
	DBG(D_NET, "%s handed over", p->name);
	close(p->fd);
	p->fd = -1;
	*busy = 1;
}

static void chan_event(struct opts *o, struct peer *p, int *busy)
{
	char what;
	int fd, r;
	while ((r = handover_recv(o->chan, &what, &fd)) == 1)
		if (what == HANDOVER_DROPPED && *busy) {
			VERB("controller %s gone (the command dropped it)", p->name);
			*busy = 0;
		}
	if (r == 0 || (r < 0 && errno != EAGAIN)) {
		if (o->piped) {
			unpipe(o, busy, "the reader of the pipe closed the hand-over");
			return;
		}
		VERB("the command is gone: exiting");
		exit(0);
	}
}

/* The reader of our stdout asks for the connections (lib/pipering.h,
 * PIPECTL_NAME): the same user, holding the pipe's read end. */
static void pipe_join(struct opts *o, int *plfd)
{
	char err[200];
	int s = pipe_accept(*plfd, 1, err, sizeof err);
	if (s < 0) {
		if (err[0])
			WARN_LIMITED("refused a hand-over down the pipe: %s", err);
		return;
	}
	fcntl(s, F_SETFL, O_NONBLOCK);
	close(*plfd);
	*plfd = -1;
	o->chan = s;
	o->piped = 1;
	VERB("the reader of stdout takes the connections: no records pass through vsockd");
}

int run_listen(struct opts *o)
{
	int sfd = signals_fd();
	int lfd = o->lfd >= 0 ? o->lfd : addr_listen(&o->addr, "");
	int busy = 0;
	/* stdout a pipe (and no COMMAND): its reader may take the sockets */
	int plfd = o->cmd || o->chan >= 0 || o->pipe_only ? -1 : pipe_listen(PIPECTL_NAME, 1);
	static struct peer p = { .fd = -1 };
	if (o->addr.family == AF_VSOCK)
		VERB("listening on %s, host CID %u and %d more allowed", o->addr.text, VMADDR_CID_HOST, o->nallow);
	else
		VERB("listening on %s", o->addr.text);
	say_ready(&o->ready_fd, o->addr.text);
	for (;;) {
		/*
		 * stdout polled for errors only: a pipe whose reader (xcap) has
		 * exited reports POLLERR, so a supervised pipeline ends at once
		 * instead of at the next record.
		 */
		struct pollfd pf[6] = {
			{ sfd, POLLIN, 0 }, { lfd, POLLIN, 0 }, { o->chan >= 0 ? o->chan : 1, o->chan >= 0 ? POLLIN : 0, 0 },
			{ p.fd, POLLIN, 0 }, { plfd, POLLIN, 0 }, { o->piped ? 1 : -1, 0, 0 },
		};
		if (poll(pf, 6, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(EX_OS, "poll:");
		}
		if (pf[0].revents && sig_handle(sfd))
			break;
		if (o->chan >= 0 && pf[2].revents)
			chan_event(o, &p, &busy);
		else if (pf[2].revents & (POLLERR | POLLHUP)) {
			VERB("stdout closed: the reader went away");
			break;
		}
		if (pf[5].revents & (POLLERR | POLLHUP)) {
			VERB("stdout closed: the reader went away");
			break;
		}
		if (pf[4].revents)
			pipe_join(o, &plfd);
		if (p.fd >= 0 && pf[3].revents)
			pump(&p);
		if (pf[1].revents)
			take(o, lfd, &p, p.fd >= 0 || busy);
		if (p.fd >= 0 && o->chan >= 0 && !p.have) /* between two records */
			give(o, &p, &busy);
	}
	if (p.fd >= 0)
		hang_up(&p, "cut off: vsockd is exiting");
	return 0;
}
