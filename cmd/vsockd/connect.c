/*
 * vsockd -c: the host side. Forwards whole control records from stdin to
 * the socket and survives the guest going away: it reconnects with backoff
 * (100 ms doubling to 2 s) and then replays the latest control hello and
 * nonce and asks for a refresh, so input and picture come back without the
 * viewer noticing. While disconnected, input records are discarded (the
 * guest's vsockd has sent xcap a reset, releasing every key and button);
 * only the latest hello and nonce are kept, and the first connection gets
 * them too (a viewer started before the guest listens). Records that come
 * while the very first attempt is on its way are queued for it, not
 * discarded: the start of a pipeline is no outage.
 */
#include "vsockd.h"
#include "handover.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BACKOFF_MIN 100000000ull  /* ns */
#define BACKOFF_MAX 2000000000ull
#define CONNECT_TIMEOUT 3000000000ull
#define STABLE 1000000000ull      /* a connection this old ended an outage */
#define OUTCAP (256u << 10)
#define REPLAY_MAX (3 * XS_HDR_LEN + CTL_MAX_BODY + XS_NONCE_LEN) /* hello, nonce, refresh */

enum { DOWN, CONNECTING, UP };

struct conn {
	int fd, state;
	uint64_t next_try, deadline, since, backoff;
	int outage;      /* an outage was announced and has not ended */
	int said_back;   /* "reconnected" was said in this outage */
	int ever;        /* connected at least once */
	int held;        /* records were dropped: the next connection gets the hello and nonce again */
	uint8_t in[IOBUF];
	size_t have;
	uint64_t inoff;  /* stdin offset of in[0] */
	uint8_t hello[XS_HDR_LEN + CTL_MAX_BODY], nonce[XS_HDR_LEN + XS_NONCE_LEN];
	uint8_t outq[OUTCAP + REPLAY_MAX]; /* and a replay in front */
	size_t qlen;
	size_t hello_len, nonce_len;
};

static void queue(struct conn *c, const uint8_t *p, size_t n)
{
	memcpy(c->outq + c->qlen, p, n);
	c->qlen += n;
}

/* In front of what is queued: stdin is read only while a whole input
 * buffer fits in OUTCAP, and outq has room for a replay beyond it. */
static void queue_first(struct conn *c, const uint8_t *p, size_t n)
{
	memmove(c->outq + n, c->outq, c->qlen);
	memcpy(c->outq, p, n);
	c->qlen += n;
}

/*
 * Ends the connection or a failed attempt and schedules the next one. An
 * outage is announced once: a connection that dies within a second of a
 * reconnect (a busy listener refusing us) continues the same outage.
 */
static void lost(struct conn *c, const struct opts *o, const char *why)
{
	uint64_t now = mono_ns();
	int fresh = c->state == UP && (!c->outage || now - c->since >= STABLE);
	if (c->state == UP && o->chan >= 0 && handover_send(o->chan, HANDOVER_LOST, -1) < 0)
		exit(0); /* the command is gone */
	close(c->fd);
	c->fd = -1;
	c->qlen = 0;
	c->held = 1; /* what was queued is gone */
	if (fresh) {
		c->backoff = BACKOFF_MIN;
		st.outages++;
		warn_line("lost %s (%s); reconnecting", o->addr.text, why);
		c->outage = 1;
		c->said_back = 0;
	} else {
		c->backoff = c->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : c->backoff * 2;
		VERB("%s: %s; retrying in %llu ms", o->addr.text, why, (unsigned long long)c->backoff / 1000000);
		if (!c->outage && !c->ever) {
			WARN_LIMITED("cannot connect to %s (%s); retrying", o->addr.text, why);
			c->outage = 1;
		}
	}
	c->state = DOWN;
	c->next_try = now + c->backoff;
}

/* Sends as much of the queue as the socket takes now. */
static void flush(struct conn *c, const struct opts *o)
{
	while (c->qlen) {
		ssize_t n = send(c->fd, c->outq, c->qlen, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				lost(c, o, strerror(errno));
			return;
		}
		memmove(c->outq, c->outq + n, c->qlen - (size_t)n);
		c->qlen -= (size_t)n;
		st.bytes += (uint64_t)n;
	}
}

/* Connected: replay what the guest must know again, then say so once. */
static void established(struct conn *c, struct opts *o)
{
	uint8_t rec[XS_HDR_LEN];
	c->state = UP;
	c->since = mono_ns();
	set_nodelay(c->fd, o->addr.family);
	/* hand-over: the command writes the records itself, and proves itself
	 * again on each new socket (xpaint replays hello, nonce and refresh);
	 * our copy only tells us when the guest hangs up (it never talks) */
	if (o->chan >= 0 && handover_send(o->chan, HANDOVER_CONN, c->fd) < 0)
		exit(0);
	else if (o->chan < 0 && c->held) {
		/* before what came while the first attempt was on its way */
		if (c->ever)
			queue_first(c, rec, xs_build_empty(rec, XS_C_REFRESH));
		queue_first(c, c->nonce, c->nonce_len);
		queue_first(c, c->hello, c->hello_len);
	}
	c->held = 0;
	if (c->outage && !c->said_back)
		warn_line("%s %s%s", c->ever ? "reconnected to" : "connected to", o->addr.text,
		       c->ever ? " (replayed hello, nonce and refresh)" : "");
	else
		VERB("connected to %s", o->addr.text);
	c->said_back = c->outage;
	if (!c->ever)
		c->outage = 0; /* the first connection: any later loss is news */
	c->ever = 1;
	st.conns++;
	say_ready(&o->ready_fd, o->addr.text);
	flush(c, o);
}

static void try_connect(struct conn *c, struct opts *o)
{
	c->fd = addr_socket(&o->addr, 1);
	if (c->fd < 0)
		die(o->addr.family == AF_VSOCK ? EX_NOX : EX_OS, "socket for %s:", o->addr.text);
	if (connect(c->fd, (struct sockaddr *)&o->addr.ss, o->addr.len) == 0) {
		established(c, o);
		return;
	}
	if (errno == EINPROGRESS || errno == EAGAIN) {
		c->state = CONNECTING;
		c->deadline = mono_ns() + CONNECT_TIMEOUT;
		return;
	}
	c->state = CONNECTING; /* so lost() counts it as a failed attempt */
	lost(c, o, strerror(errno));
}

static void connect_done(struct conn *c, struct opts *o)
{
	int e = 0;
	socklen_t len = sizeof e;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e)
		lost(c, o, strerror(e));
	else
		established(c, o);
}

/* The guest never talks: data is ignored, EOF or an error is an outage. */
static void peer_event(struct conn *c, struct opts *o, short rev)
{
	uint8_t junk[512];
	ssize_t n = recv(c->fd, junk, sizeof junk, MSG_DONTWAIT);
	if (n > 0) {
		DBG(D_NET, "%s sent %zd bytes; ignored", o->addr.text, n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR) && !(rev & (POLLERR | POLLHUP)))
		return;
	lost(c, o, n == 0 ? "closed by the peer" : strerror(n < 0 ? errno : ECONNRESET));
}

/* Remembers the latest hello and nonce, to replay after a reconnect. */
static void remember(struct conn *c, const uint8_t *p, struct xs_hdr h)
{
	if (h.type == XS_C_HELLO) {
		memcpy(c->hello, p, XS_HDR_LEN + h.len);
		c->hello_len = XS_HDR_LEN + h.len;
	} else if (h.type == XS_C_NONCE) {
		memcpy(c->nonce, p, XS_HDR_LEN + h.len);
		c->nonce_len = XS_HDR_LEN + h.len;
	}
}

/* Reads stdin once; queues the whole records (or keeps hello/nonce only). */
static int from_stdin(struct conn *c, struct opts *o)
{
	ssize_t n = read(0, c->in + c->have, sizeof c->in - c->have);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0)
		die(EX_IO, "read stdin:");
	if (n == 0) {
		if (c->have)
			die(EX_DATA, "stdin: %s record at offset %llu cut by end of input (%zu bytes)",
			    xs_type_name(xs_get_hdr(c->in).type), (unsigned long long)c->inoff, c->have);
		return -1;
	}
	c->have += (size_t)n;
	size_t pos = 0;
	while (c->have - pos >= XS_HDR_LEN) {
		struct xs_hdr h = xs_get_hdr(c->in + pos);
		const char *bad = ctl_check(c->in + pos);
		if (bad)
			die(EX_DATA, "stdin: %s record (type %u, length %u) at offset %llu: %s", xs_type_name(h.type),
			    h.type, h.len, (unsigned long long)(c->inoff + pos), bad);
		if (c->have - pos - XS_HDR_LEN < h.len)
			break;
		size_t k = XS_HDR_LEN + h.len;
		remember(c, c->in + pos, h);
		st.records++;
		if (c->state == UP || (c->state == CONNECTING && !c->ever))
			queue(c, c->in + pos, k);
		else if (h.type != XS_C_HELLO && h.type != XS_C_NONCE)
			st.dropped++;
		else
			c->held = 1;
		pos += k;
	}
	c->inoff += pos;
	memmove(c->in, c->in + pos, c->have - pos);
	c->have -= pos;
	if (c->state == UP)
		flush(c, o);
	return 0;
}

/* Hand-over: the command's word that its connection failed (a write
 * error), or its end (end of file: vsockd exits with it). */
static int chan_event(struct conn *c, struct opts *o)
{
	char what;
	int fd, r;
	while ((r = handover_recv(o->chan, &what, &fd)) == 1)
		if (what == HANDOVER_DROPPED && c->state == UP)
			lost(c, o, "the command's writes failed");
	return r == 0 || (r < 0 && errno != EAGAIN) ? -1 : 0;
}

/* End of stdin: give the queue a moment to leave (and the first attempt,
 * whose records are queued, the time it has left), then stop. */
static void drain(struct conn *c, struct opts *o)
{
	uint64_t end = mono_ns() + 1000000000ull;
	if (c->state == CONNECTING && c->deadline > end)
		end = c->deadline;
	while ((c->state == UP || c->state == CONNECTING) && c->qlen && mono_ns() < end) {
		struct pollfd pf = { c->fd, POLLOUT, 0 };
		if (poll(&pf, 1, 100) <= 0)
			continue;
		if (c->state == CONNECTING)
			connect_done(c, o);
		else
			flush(c, o);
	}
}

int run_connect(struct opts *o)
{
	static struct conn c;
	int sfd = signals_fd(), eof = 0;
	c.fd = -1;
	c.backoff = BACKOFF_MIN;
	try_connect(&c, o);
	while (!eof) {
		int rin = c.qlen + sizeof c.in <= OUTCAP; /* backpressure: stdin waits */
		struct pollfd pf[3] = {
			{ sfd, POLLIN, 0 }, { o->chan >= 0 ? o->chan : rin ? 0 : -1, POLLIN, 0 },
			{ c.fd, (short)(c.state == CONNECTING || c.qlen ? POLLOUT : 0) | (c.state == UP ? POLLIN : 0), 0 },
		};
		int timeout = (int)(c.state == DOWN ? ms_until(c.next_try, mono_ns()) : c.state == CONNECTING ? ms_until(c.deadline, mono_ns()) : -1);
		if (poll(pf, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die(EX_OS, "poll:");
		}
		if (pf[0].revents && sig_handle(sfd))
			break;
		if (c.state == CONNECTING && pf[2].revents)
			connect_done(&c, o);
		else if (c.state == CONNECTING && mono_ns() >= c.deadline)
			lost(&c, o, "connect timed out");
		else if (c.state == UP && pf[2].revents & (POLLIN | POLLERR | POLLHUP))
			peer_event(&c, o, pf[2].revents);
		if (c.state == UP && c.qlen && pf[2].revents & POLLOUT)
			flush(&c, o);
		if (pf[1].revents && (o->chan >= 0 ? chan_event(&c, o) : from_stdin(&c, o)) < 0)
			eof = 1;
		if (c.state == DOWN && mono_ns() >= c.next_try)
			try_connect(&c, o);
	}
	drain(&c, o);
	return 0;
}
