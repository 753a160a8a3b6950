/*
 * Sound both ways, each only as the host allows.
 *
 * The guest's sound: audio records (already checked by xs_parse) handed
 * to a player process, `xsnd -p` by default (-a), started at the first
 * piece. The player has its own process, so painting never waits for the
 * sound server: pieces go through a bounded queue written without
 * blocking, and a piece that finds it full is dropped (a flood, or a
 * player that stalls, costs the sound, never the picture, never memory).
 * Each piece is rebuilt from its checked fields, not copied as it came.
 *
 * The host's microphone (-M, never by default): a capture command
 * (`xsnd -c -s SOURCE`) started once a source announces it plays one
 * (XS_HF_MIC) and the viewer has said it sends one (XS_CF_MIC in the
 * control hello); its pieces go out as control-audio records only while
 * the control channel is proved to reach the display shown, as input.
 */
#include "child.h"
#include "util.h"
#include "xpaint.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define SND_QMAX (64u << 10) /* bytes queued for the player: 340 ms of 48 kHz stereo */

void snd_init(struct xpaint *x, const char *cmd, const char *mic)
{
	x->snd.cmd = cmd && strcmp(cmd, "none") ? cmd : NULL;
	x->snd.q.fd = -1;
	x->snd.q.max = SND_QMAX;
	x->snd.mic_cmd = mic;
	x->snd.mic_fd = -1;
}

/* A hello: does the stream carry sound; the control hello's microphone flag. */
uint32_t snd_hello(struct xpaint *x, uint32_t flags)
{
	x->snd.on = (flags & XS_HF_AUDIO) != 0;
	if (!(flags & XS_HF_MIC) || !x->snd.mic_cmd)
		return 0;
	if (!x->snd.mic_pid && !x->snd.mic_dead) {
		x->snd.mic_pid = xs_spawn_sh(x->snd.mic_cmd, NULL, &x->snd.mic_fd);
		xs_reader_init(&x->snd.mic_rd, x->snd.mic_fd);
		VERB("microphone: the source plays it; capturing with %s", x->snd.mic_cmd);
	}
	return XS_CF_MIC;
}

/* A helper went away: one line, and that way of sound is off. */
static void reap(pid_t *pid)
{
	int ws;
	if (*pid > 0 && waitpid(*pid, &ws, WNOHANG) == *pid)
		*pid = 0;
}

static void lost(struct snd *s, const char *why)
{
	warn_line("sound off: the player (%s) %s; the picture goes on", s->cmd, why);
	close(s->q.fd);
	s->q.fd = -1;
	s->dead = 1;
	s->q.len = 0;
	reap(&s->pid);
}

void snd_write(struct xpaint *x)
{
	struct snd *s = &x->snd;
	if (!s->dead && xs_outq_write(&s->q) < 0)
		lost(s, errno == EPIPE ? "exited" : strerror(errno));
}

/* A checked audio record: queued for the player, or dropped. */
void snd_record(struct xpaint *x, const struct xs_audio *a)
{
	struct snd *s = &x->snd;
	uint8_t rec[XS_HDR_LEN + XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX];
	s->pieces++;
	if (!s->cmd || s->dead)
		return;
	if (!s->pid) {
		s->pid = xs_spawn_sh(s->cmd, &s->q.fd, NULL);
		VERB("sound: playing with %s", s->cmd);
	}
	size_t h = xs_build_audio_hdr(rec, XS_AUDIO, a);
	memcpy(rec + h, a->data, a->len);
	if (xs_outq_put(&s->q, rec, h + a->len) < 0 && s->q.dropped == 1)
		VERB("sound: the player is behind, pieces dropped");
	snd_write(x);
}

int snd_fd(const struct xpaint *x)
{
	return x->snd.dead ? -1 : x->snd.q.fd;
}

int snd_mic_fd(const struct xpaint *x)
{
	return x->snd.mic_pid ? x->snd.mic_fd : -1;
}

static void mic_off(struct snd *s, const char *why)
{
	warn_line("microphone off: %s (%s)", why, s->mic_cmd);
	close(s->mic_fd);
	s->mic_fd = -1;
	xs_reader_free(&s->mic_rd);
	kill(s->mic_pid, SIGTERM);
	reap(&s->mic_pid);
	s->mic_pid = 0;
	s->mic_dead = 1;
}

/* What the capture command wrote: each piece checked, rebuilt as a
 * control-audio record and sent if the channel is proved, else dropped. */
void snd_mic_read(struct xpaint *x)
{
	struct snd *s = &x->snd;
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	struct xs_msg m;
	char err[256];
	uint8_t rec[XS_HDR_LEN + XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX];
	ssize_t n = xs_fill(&s->mic_rd);
	if (n < 0 && errno == EAGAIN)
		return;
	int k;
	while ((k = xs_next(&s->mic_rd, &h, &body, &off, err, sizeof err)) == 1) {
		if (h.type != XS_AUDIO || xs_parse(h, body, &m, err, sizeof err)) {
			mic_off(s, h.type != XS_AUDIO ? "its output is not audio records" : err);
			return;
		}
		size_t b = xs_build_audio_hdr(rec, XS_C_AUDIO, &m.u.audio);
		memcpy(rec + b, m.u.audio.data, m.u.audio.len);
		if (ctl_audio(&x->k, rec, b + m.u.audio.len))
			s->mic_sent++;
		else
			s->mic_dropped++;
	}
	if (k < 0)
		mic_off(s, err);
	else if (n <= 0)
		mic_off(s, n ? strerror(errno) : "the command ended");
}

/* At exit: the player reads to the end of its input and goes; the
 * microphone stops at once. */
void snd_close(struct xpaint *x)
{
	struct snd *s = &x->snd;
	int ws;
	if (s->mic_pid > 0)
		xs_reap(s->mic_pid, XS_REAP_GRACE_MS);
	if (s->q.fd >= 0)
		close(s->q.fd);
	s->q.fd = -1;
	if (s->pid > 0 && waitpid(s->pid, &ws, WNOHANG) == 0) {
		usleep(50000);
		if (waitpid(s->pid, &ws, WNOHANG) == 0)
			xs_reap(s->pid, XS_REAP_GRACE_MS);
	}
	s->pid = 0;
}
