/*
 * xcap -A COMMAND: the guest's sound in the frame stream. COMMAND (run by
 * /bin/sh, typically `xsnd -c`) writes audio records to its stdout; each
 * is checked (xs_parse: only audio records of the documented set) and
 * queued. Into a pipe (or ssh) it goes from a queue of its own at the next
 * record boundary (out.c): between two bands of a frame being written,
 * not behind the rest of the frame, which through a slow reader is many
 * milliseconds. Into the ring it goes behind what the output holds (the
 * ring never makes the writer wait for a reader), or, while xcap awaits
 * the X server's captures straight into the ring, into the place reserved
 * ahead of the capture awaited (ringout.c): not behind the frame. A piece is a few
 * hundred bytes: it never holds a frame back. While the reader is slow,
 * the pipe's audio queue (OUT_AQ) or AUDIO_BACKLOG bytes of output for the
 * ring are the most held before a new piece is dropped (old sound is
 * worth nothing; memory stays bounded).
 * The command's failure is one line; the picture goes on.
 */
#include "child.h"
#include "util.h"
#include "xcap.h"

#include <X11/Xlib-xcb.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xcb/xcbext.h>

#define AUDIO_BACKLOG (256u << 10) /* output bytes queued past which a piece is dropped */

/* Starts the command: its stdin /dev/null (ours is the control stream),
 * its stdout a non-blocking pipe to us, its stderr ours. */
void audio_open(struct cap *c, const char *cmd)
{
	c->snd.pid = xs_spawn_sh(cmd, NULL, &c->snd.fd);
	c->snd.cmd = cmd;
	xs_reader_init(&c->snd.rd, c->snd.fd);
	VERB("sound from: %s", cmd);
}

int audio_fd(const struct cap *c)
{
	return c->snd.pid ? c->snd.fd : -1;
}

/* The sound ends (its command exited or wrote something else): one line. */
static void audio_end(struct cap *c, const char *why)
{
	warn_line("sound off: %s (%s); the picture goes on", why, c->snd.cmd);
	close(c->snd.fd);
	xs_reader_free(&c->snd.rd);
	xs_reap(c->snd.pid, XS_REAP_GRACE_MS);
	c->snd.pid = 0;
	c->snd.fd = -1;
}

/* Whatever the command wrote: whole records checked, then queued. */
void audio_read(struct cap *c)
{
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	struct xs_msg m;
	char err[256];
	ssize_t n = xs_fill(&c->snd.rd);
	if (n < 0 && errno == EAGAIN)
		return;
	int k;
	while ((k = xs_next(&c->snd.rd, &h, &body, &off, err, sizeof err)) == 1) {
		if (h.type != XS_AUDIO || xs_parse(h, body, &m, err, sizeof err)) {
			if (h.type != XS_AUDIO)
				snprintf(err, sizeof err, "a %s record", xs_type_name(h.type));
			char why[300];
			snprintf(why, sizeof why, "its output at offset %llu: %s", (unsigned long long)off, err);
			audio_end(c, why);
			return;
		}
		if (!c->ring) { /* a pipe: at the next record boundary (out.c) */
			if (out_audio(&c->out, body - XS_HDR_LEN, XS_HDR_LEN + h.len) < 0)
				c->snd.dropped++;
			else
				c->snd.pieces++;
			continue;
		}
		if (ringout_slot_put(c, body - XS_HDR_LEN, XS_HDR_LEN + h.len)) {
			c->snd.pieces++;
			continue;
		}
		if (c->out.len > AUDIO_BACKLOG) {
			c->snd.dropped++;
			continue;
		}
		uint8_t *d = out_reserve(&c->out, XS_HDR_LEN + h.len);
		memcpy(d, body - XS_HDR_LEN, XS_HDR_LEN + h.len); /* the checked header and body, as read */
		c->out.len += XS_HDR_LEN + h.len;
		c->snd.pieces++;
	}
	if (k < 0)
		audio_end(c, err);
	else if (n <= 0)
		audio_end(c, n ? strerror(errno) : "the command ended");
}

/*
 * The reply to request seq (a capture), the sound command's pieces going
 * out while the X server keeps us waiting: a client holding it (a grab,
 * or a large upload in its time slice: 9-19 ms under 1080p video here)
 * must not hold the guest's sound, or the player runs dry. Into the ring
 * they go to the place ahead of the capture (ringout.c), into a pipe at
 * once when the output stands between two records (out.c). The reply
 * (malloc'd), or NULL with *e set or the connection broken.
 */
void *audio_await(struct cap *c, unsigned int seq, xcb_generic_error_t **e)
{
	xcb_connection_t *xc = XGetXCBConnection(c->dpy);
	xcb_flush(xc);
	for (;;) {
		void *rep = NULL;
		if (audio_fd(c) < 0) /* no sound, or it ended */
			return xcb_wait_for_reply(xc, seq, e);
		/* reads what the server sent (events are queued for Xlib) */
		if (xcb_poll_for_reply(xc, seq, &rep, e) || xcb_connection_has_error(xc))
			return rep;
		struct pollfd p[2] = { { xcb_get_file_descriptor(xc), POLLIN, 0 }, { audio_fd(c), POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			die(EX_OS, "poll:");
		if (p[1].revents) {
			audio_read(c);
			if (!c->ring && out_audio_push(c) < 0)
				return xcb_wait_for_reply(xc, seq, e); /* the reader is gone: the main loop sees it */
		}
	}
}

/*
 * xcap -M PLAYER: the host's microphone, played in the guest (e.g. `xsnd
 * -p -s mic`, into a sink whose monitor guest applications record). The
 * hello says the guest takes it (XS_HF_MIC); control-audio records count
 * only after an accepted control hello that said it sends one
 * (XS_CF_MIC). They go to the player through a bounded queue written
 * without blocking (a full one drops the piece), so the control stream,
 * and with it input, never waits for sound.
 */
#define MIC_QMAX (64u << 10)

void mic_init(struct cap *c, const char *cmd)
{
	c->mic.cmd = cmd;
	c->mic.q.fd = -1;
	c->mic.q.max = MIC_QMAX;
}

/* A control hello: does the viewer send its microphone (and may it)? */
void mic_hello(struct cap *c, uint32_t flags)
{
	c->mic.on = c->mic.cmd && (flags & XS_CF_MIC);
	if (c->mic.on)
		VERB("the host sends its microphone: played with %s", c->mic.cmd);
}

int mic_fd(const struct cap *c)
{
	return c->mic.dead ? -1 : c->mic.q.fd;
}

void mic_write(struct cap *c)
{
	int ws;
	if (c->mic.dead || xs_outq_write(&c->mic.q) == 0)
		return;
	warn_line("microphone off: the player (%s) %s", c->mic.cmd, errno == EPIPE ? "exited" : strerror(errno));
	close(c->mic.q.fd);
	c->mic.q.fd = -1;
	c->mic.dead = 1;
	if (waitpid(c->mic.pid, &ws, WNOHANG) == c->mic.pid)
		c->mic.pid = 0;
}

/* A checked control-audio record: to the player, rebuilt from its fields. */
void mic_record(struct cap *c, const struct xs_audio *a)
{
	uint8_t rec[XS_HDR_LEN + XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX];
	if (!c->mic.on || c->mic.dead) {
		c->mic.refused++;
		return;
	}
	if (!c->mic.pid)
		c->mic.pid = xs_spawn_sh(c->mic.cmd, &c->mic.q.fd, NULL);
	size_t h = xs_build_audio_hdr(rec, XS_C_AUDIO, a);
	memcpy(rec + h, a->data, a->len);
	if (xs_outq_put(&c->mic.q, rec, h + a->len) == 0)
		c->mic.pieces++;
	mic_write(c);
}
