/*
 * Control output: records to a coprocess's stdin or to our stdout. The
 * reader may be slow or hostile, so writes are non-blocking into a bounded
 * queue (motion is coalesced and dropped first; past QMAX we give up on
 * control rather than stall painting). Input flows only once our nonce has
 * come back in the frame stream, the proof that control reaches the
 * display we show.
 */
#include "xpaint.h"
#include "child.h"
#include "handover.h"
#include "util.h"

#include <X11/Xutil.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define QMAX (1u << 20)      /* give up on control past this */
#define QMOTION (64u << 10)  /* drop motion past this */
#define CTL_SAY_NS 3000000000ull /* input refused this long: say the channel does not reach us */

void ctl_init(struct ctl *k, int fd, pid_t child, int chan)
{
	memset(k, 0, sizeof *k);
	k->fd = fd;
	k->child = child;
	k->chan = chan;
	k->given = child > 0 && chan >= 0; /* the command's $XS_CTL_GIVE: its stdin until it speaks */
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void ctl_lost(struct ctl *k, const char *why)
{
	if (k->dead)
		return;
	warn_line("control output: %s; input disabled", why);
	k->dead = 1;
	k->len = 0;
	k->bound = 0;
}

/*
 * Hand-over (vsockd -c ADDR -- xpaint): the control socket itself is ours
 * and vsockd, beside us, reconnects. A connection that fails is dropped
 * (input waits, as vsockd -c dropped it while the guest was away) and
 * vsockd told; the next one it passes replaces it, and we prove ourselves
 * on it again (hello, nonce, refresh: the caller's ctl_hello).
 */
static void conn_drop(struct ctl *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	k->len = 0;
	k->motion = 0;
}

void ctl_failed(struct ctl *k, const char *why)
{
	if (k->chan < 0 || k->given) {
		ctl_lost(k, why);
		return;
	}
	VERB("control connection: %s; waiting for vsockd's next", why);
	conn_drop(k);
	if (handover_send(k->chan, HANDOVER_DROPPED, -1) < 0)
		DBG(D_INPUT, "vsockd is gone");
}

int ctl_chan_event(struct ctl *k)
{
	char what;
	int fd, r, fresh = 0;
	while ((r = handover_recv(k->chan, &what, &fd)) == 1) {
		if (k->given) { /* xpaint -r RING -- vsockd -c ADDR: vsockd hands us its sockets */
			VERB("control: the control command hands over its connections; its stdin is closed");
			conn_drop(k);
			k->given = 0;
		}
		if (what == HANDOVER_CONN) {
			conn_drop(k);
			k->fd = fd;
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			VERB("control connection from vsockd");
			fresh = 1;
		} else if (what == HANDOVER_LOST) {
			VERB("control connection lost; vsockd reconnects");
			conn_drop(k);
			fresh = 0;
		}
	}
	if (r == 0 || (r < 0 && errno != EAGAIN)) {
		close(k->chan);
		k->chan = -1;
		if (k->given) { /* COMMAND closed $XS_CTL_GIVE unused: its stdin it is */
			k->given = 0;
			return 0;
		}
		conn_drop(k);
		ctl_lost(k, "vsockd went away");
		return 0;
	}
	return fresh;
}

static void put(struct ctl *k, const uint8_t *rec, size_t n)
{
	if (k->fd < 0 || k->dead)
		return;
	if (k->len + n > QMAX) {
		k->status = EX_IO;
		ctl_lost(k, "the reader stopped reading (1 MiB queued)");
		return;
	}
	k->q = xs_grow(k->q, &k->cap, k->len + n, 1, 4096);
	memcpy(k->q + k->len, rec, n);
	k->len += n;
}

/* Writes what the reader takes now, never waiting. */
void ctl_write(struct ctl *k)
{
	while (k->len && !k->dead) {
		ssize_t w = write(k->fd, k->q, k->len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			ctl_failed(k, errno == EPIPE ? "the reader went away" : strerror(errno));
			return;
		}
		memmove(k->q, k->q + w, k->len - (size_t)w);
		k->len -= (size_t)w;
	}
}

/* At every hello: prove who we are (the challenge), ask for the proof of
 * binding (a fresh nonce) and for a full picture. keep: the same source
 * again (same challenge): held keys and the binding stay. */
void ctl_hello(struct ctl *k, const uint8_t challenge[XS_NONCE_LEN], uint32_t flags, int keep)
{
	uint8_t b[XS_BUILD_MAX];
	if (!keep || !k->bound) {
		ctl_release_all(k);
		k->bound = 0;
		k->said = 0;
		k->refused_at = 0;
	}
	random_bytes(k->nonce, sizeof k->nonce);
	k->nonce_ns = mono_ns();
	put(k, b, xs_build_chello(b, flags, challenge));
	put(k, b, xs_build_nonce(b, XS_C_NONCE, k->nonce));
	put(k, b, xs_build_empty(b, XS_C_REFRESH));
	ctl_write(k);
}

/* A whole record for the control output (the clipboard's). */
void ctl_record(struct ctl *k, const uint8_t *rec, size_t n)
{
	put(k, rec, n);
}

void ctl_refresh(struct ctl *k)
{
	uint8_t b[XS_BUILD_MAX];
	put(k, b, xs_build_empty(b, XS_C_REFRESH));
	ctl_write(k);
}

/* The nonce is a secret until it comes back: compared in constant time. */
void ctl_echo(struct ctl *k, const uint8_t v[XS_NONCE_LEN])
{
	if (!same_bytes(v, k->nonce, XS_NONCE_LEN) || k->fd < 0 || k->dead) {
		DBG(D_INPUT, "echo of another nonce: ignored");
		return;
	}
	if (!k->bound) {
		k->echo_ns = mono_ns() - k->nonce_ns;
		VERB("control channel reaches this display: input enabled (echo round trip %.3f ms)",
		     (double)k->echo_ns / 1e6);
	}
	k->bound = 1;
	k->refused_at = 0;
}

void ctl_size(struct ctl *k, uint32_t w, uint32_t h)
{
	uint8_t b[XS_BUILD_MAX];
	put(k, b, xs_build_size(b, XS_C_SIZE, w, h));
	ctl_write(k);
}

/*
 * Input is forwarded only when bound. Input before the echo is dropped;
 * that the channel does not reach this display is said once it stays
 * so CTL_SAY_NS after the first input dropped (ctl_unbound_due): the echo
 * of a slow source (a guest starting, sanitised binaries) arrives a
 * moment after the first keys, and the line then was false.
 */
static int may_send(struct ctl *k)
{
	if (k->bound && !k->dead)
		return 1;
	if (k->chan >= 0 && k->fd < 0)
		return 0; /* between two connections: vsockd reconnects */
	if (k->fd < 0 && !k->said) {
		VERB("no control output (stdout is a terminal): input disabled");
		k->said = 1;
	} else if (k->fd >= 0 && !k->dead && !k->refused_at) {
		k->refused_at = mono_ns();
		DBG(D_INPUT, "input before the echo of our nonce: dropped");
	}
	return 0;
}

/* ns until the unbound line is due (-1: none); says it when it is. */
int64_t ctl_unbound_due(struct ctl *k)
{
	if (!k->refused_at || k->said || k->bound || k->dead || k->fd < 0)
		return -1;
	uint64_t now = mono_ns(), at = k->refused_at + CTL_SAY_NS;
	if (now < at)
		return (int64_t)(at - now);
	warn_line("control channel does not reach this display; input disabled");
	k->said = 1;
	return -1;
}

void ctl_flush_motion(struct ctl *k)
{
	uint8_t b[XS_BUILD_MAX];
	if (!k->motion)
		return;
	k->motion = 0;
	if (k->len > QMOTION) {
		k->motion_dropped++;
		return;
	}
	put(k, b, xs_build_motion(b, k->mx, k->my));
}

static void key(struct ctl *k, XKeyEvent *e)
{
	uint8_t b[XS_BUILD_MAX];
	KeySym sym = NoSymbol;
	char s[8];
	unsigned kc = e->keycode & 255;
	int down = e->type == KeyPress;
	XLookupString(e, s, sizeof s, &sym, NULL); /* honours Shift, Lock and the group */
	if (!down && !(k->keys[kc / 8] & 1 << (kc % 8)))
		return; /* never pressed through us */
	if (down) {
		k->keys[kc / 8] |= (uint8_t)(1 << (kc % 8));
		k->keysym[kc] = (uint32_t)sym;
	} else {
		sym = k->keysym[kc]; /* release what was pressed, whatever the modifiers now */
		k->keys[kc / 8] &= (uint8_t)~(1 << (kc % 8));
	}
	DBG(D_INPUT, "key 0x%lx code %u state 0x%x %s", sym, kc, e->state, down ? "down" : "up");
	put(k, b, xs_build_key(b, (uint32_t)sym, kc, e->state, down));
}

static int32_t clampi(int v, uint32_t hi) { return v < 0 ? 0 : (uint32_t)v >= hi ? (int32_t)hi - 1 : v; }

static void button(struct ctl *k, struct view *v, XButtonEvent *e, int dx, int dy)
{
	uint8_t b[XS_BUILD_MAX];
	int down = e->type == ButtonPress;
	if (e->button < 1 || e->button > 9)
		return;
	if (!down && !(k->buttons & 1u << e->button))
		return;
	if (down)
		k->buttons |= 1u << e->button;
	else
		k->buttons &= ~(1u << e->button);
	int32_t x = clampi(e->x + dx, v->sw), y = clampi(e->y + dy, v->sh);
	DBG(D_INPUT, "button %u %s at %d,%d", e->button, down ? "down" : "up", x, y);
	put(k, b, xs_build_button(b, e->button, down, x, y));
}

/* One X input event; motion only remembers the newest position. */
void ctl_event(struct ctl *k, struct view *v, XEvent *e)
{
	XEvent c = *e; /* positions in surface coordinates: the picture may be scaled (-s) */
	int32_t sx, sy;
	if (e->type == ButtonPress || e->type == ButtonRelease) {
		view_to_surface(v, e->xbutton.x, e->xbutton.y, &sx, &sy);
		c.xbutton.x = sx, c.xbutton.y = sy;
	} else if (e->type == MotionNotify) {
		view_to_surface(v, e->xmotion.x, e->xmotion.y, &sx, &sy);
		c.xmotion.x = sx, c.xmotion.y = sy;
	}
	ctl_event_at(k, v, &c, 0, 0);
}

/* The same for a window whose pixel 0,0 is at dx,dy of the surface
 * (seamless windows). */
void ctl_event_at(struct ctl *k, struct view *v, XEvent *e, int dx, int dy)
{
	switch (e->type) {
	case KeyPress:
	case KeyRelease:
		if (!may_send(k))
			return;
		ctl_flush_motion(k);
		key(k, &e->xkey);
		break;
	case ButtonPress:
	case ButtonRelease:
		if (!may_send(k))
			return;
		k->motion = 0; /* the button carries the position */
		button(k, v, &e->xbutton, dx, dy);
		break;
	case MotionNotify:
		if (!may_send(k))
			return;
		k->motion = 1;
		k->mx = clampi(e->xmotion.x + dx, v->sw);
		k->my = clampi(e->xmotion.y + dy, v->sh);
		break;
	}
}

/* The pointer to x,y of the source's screen (seamless: entering or
 * leaving our windows), coalesced like motion. */
void ctl_motion(struct ctl *k, struct view *v, int32_t x, int32_t y)
{
	if (!may_send(k))
		return;
	k->motion = 1;
	k->mx = clampi(x, v->sw);
	k->my = clampi(y, v->sh);
}

/* Focus lost, window unmapped, exit, a new source: nothing stays held. */
void ctl_release_all(struct ctl *k)
{
	uint8_t b[XS_BUILD_MAX];
	for (unsigned kc = 0; kc < 256; kc++)
		if (k->keys[kc / 8] & 1 << (kc % 8)) {
			put(k, b, xs_build_key(b, k->keysym[kc], kc, 0, 0));
			DBG(D_INPUT, "release key 0x%x code %u", k->keysym[kc], kc);
		}
	for (unsigned i = 1; i <= 9; i++)
		if (k->buttons & 1u << i)
			put(k, b, xs_build_button(b, i, 0, k->mx, k->my));
	memset(k->keys, 0, sizeof k->keys);
	k->buttons = 0;
	ctl_write(k);
}

/* At exit: give the reader up to ms to take what is queued. */
void ctl_drain(struct ctl *k, int ms)
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000u;
	while (k->len && !k->dead && mono_ns() < end) {
		struct pollfd p = { k->fd, POLLOUT, 0 };
		poll(&p, 1, 10);
		ctl_write(k);
	}
}

void ctl_close(struct ctl *k)
{
	if (k->fd >= 0 && (k->child > 0 || k->chan >= 0))
		close(k->fd);
	if (k->chan >= 0 && k->child > 0)
		close(k->chan);
	k->chan = -1;
	k->fd = -1;
	free(k->q);
	k->q = NULL;
}

/* Starts COMMAND with its stdin our control output and, when stream_fd is
 * given, its stdout our frame stream. With chan, COMMAND also gets one end
 * of a socketpair named by $XS_CTL_GIVE (lib/handover.h), ours in *chan:
 * vsockd -c hands its connections over on it. */
pid_t spawn(char **argv, int *ctl_fd, int *stream_fd, int *chan)
{
	int in[2], out[2] = { -1, -1 }, sp[2] = { -1, -1 };
	if (pipe2(in, O_CLOEXEC) < 0 || (stream_fd && pipe2(out, O_CLOEXEC) < 0))
		die(EX_OS, "pipe:");
	if (chan && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		die(EX_OS, "socketpair:");
	pid_t pid = xs_fork();
	if (pid == 0) {
		char v[16];
		if (dup2(in[0], 0) < 0 || (stream_fd && dup2(out[1], 1) < 0))
			_exit(EX_OS);
		if (chan) {
			snprintf(v, sizeof v, "%d", sp[1]);
			if (fcntl(sp[1], F_SETFD, 0) < 0 || setenv(HANDOVER_GIVE_ENV, v, 1) < 0)
				_exit(EX_OS);
		}
		execvp(argv[0], argv);
		warn_line("%s:", argv[0]);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(in[0]);
	*ctl_fd = in[1];
	if (chan) {
		close(sp[1]);
		fcntl(sp[0], F_SETFL, fcntl(sp[0], F_GETFL) | O_NONBLOCK);
		*chan = sp[0];
	}
	if (stream_fd) {
		close(out[1]);
		*stream_fd = out[0];
	}
	return pid;
}

/* Seamless: a window record to the guest (configure, close, focus), only
 * once bound, like input. */
int ctl_window(struct ctl *k, const uint8_t *rec, size_t n)
{
	if (!may_send(k))
		return 0;
	ctl_flush_motion(k);
	put(k, rec, n);
	ctl_write(k);
	return 1;
}

/* The microphone: a control-audio record, only once bound (as input), and
 * dropped rather than queued past MIC_QMAX: old sound is worth nothing,
 * and input must never wait behind it. 1 sent, 0 dropped. */
#define MIC_QMAX (32u << 10)
int ctl_audio(struct ctl *k, const uint8_t *rec, size_t n)
{
	if (!k->bound || k->dead || k->fd < 0 || k->len + n > MIC_QMAX)
		return 0;
	put(k, rec, n);
	ctl_write(k);
	return 1;
}
