/*
 * xsnd -p: audio records on stdin, each checked (xs_parse: the documented
 * set of formats, rates, channels and sizes) before a sample is used, then
 * played into a PulseAudio sink. The player keeps a jitter buffer: the
 * level of sound ahead of the sink when a piece arrives is held at the
 * target, the worst lateness of the pieces' arrivals in the last seconds
 * and a margin (jitter.c), at least -l ms, at most -L. The level moves
 * only where nobody hears it: silence is added to a silent piece, or a
 * silent piece dropped; and after an underrun (the buffer ran dry: a
 * piece came later than the buffer was deep) the buffer is refilled to
 * the target with silence at once, so playing resumes without a burst
 * and with room for the next late piece. A sounding piece that would be
 * heard later than the target and a slack is dropped (the source runs
 * faster than the sink, a burst after a stall, a flood). Nothing here
 * grows with input.
 * Without a server: one line, and the records are read and dropped, so the
 * writer (xpaint) goes on as if we played.
 */
#include "stream.h"
#include "util.h"
#include "xsnd.h"

#include <errno.h>
#include <poll.h>
#include <pulse/error.h>
#include <pulse/introspect.h>
#include <pulse/thread-mainloop.h>
#include <pulse/context.h>
#include <pulse/stream.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct player {
	const struct xsnd_opts *o;
	pa_threaded_mainloop *ml;
	pa_context *ctx;
	pa_stream *s;
	uint32_t rate, channels; /* of the open stream */
	struct snd_dec dec;
	int off;                 /* no server: records are dropped */
	int ready_said;
	int mute_looked, mute_said;
	uint64_t pieces, played, dropped, undecoded, underruns, overflows, gaps, next_seq;
	struct jitter jit, cjit;  /* arrivals here; the capture's timestamps (the guest's part) */
	uint64_t target;         /* ns of sound to keep ahead of the sink as a piece arrives */
	int refill;              /* the stream is new, or ran dry: fill it to the target */
	uint64_t padded_ns, hushed; /* silence added; silent pieces dropped */
	struct hist late, clate, delay, level; /* since the last counts: lateness here and at the
					        * capture, capture to here, level */
};

static void ctx_state(pa_context *c, void *u)
{
	(void)c;
	pa_threaded_mainloop_signal(((struct player *)u)->ml, 0);
}

static void stream_signal(pa_stream *s, void *u)
{
	(void)s;
	pa_threaded_mainloop_signal(((struct player *)u)->ml, 0);
}

static void stream_write(pa_stream *s, size_t n, void *u)
{
	(void)s, (void)n;
	pa_threaded_mainloop_signal(((struct player *)u)->ml, 0);
}

static void underflow(pa_stream *s, void *u)
{
	struct player *p = u; /* the mainloop thread: read under its lock */
	(void)s;
	p->underruns++;
	p->refill = 1;
}

static void overflow(pa_stream *s, void *u)
{
	(void)s;
	((struct player *)u)->overflows++;
}

/* Connects to the server (PULSE_SERVER, else the user's); 0 or -1. */
static int connect_server(struct player *p)
{
	p->ml = pa_threaded_mainloop_new();
	if (!p->ml || pa_threaded_mainloop_start(p->ml) < 0)
		die(EX_OS, "pulseaudio mainloop");
	pa_threaded_mainloop_lock(p->ml);
	p->ctx = pa_context_new(pa_threaded_mainloop_get_api(p->ml), p->o->name);
	pa_context_set_state_callback(p->ctx, ctx_state, p);
	int r = pa_context_connect(p->ctx, NULL, PA_CONTEXT_NOAUTOSPAWN, NULL);
	pa_context_state_t st;
	while (r >= 0 && (st = pa_context_get_state(p->ctx)) != PA_CONTEXT_READY) {
		if (!PA_CONTEXT_IS_GOOD(st)) {
			r = -1;
			break;
		}
		pa_threaded_mainloop_wait(p->ml);
	}
	if (r < 0)
		warn_line("no sound server (%s): sound off, the picture goes on",
			  pa_strerror(pa_context_errno(p->ctx)));
	pa_threaded_mainloop_unlock(p->ml);
	return r;
}

/* The sink's mute, looked at once when the first stream opens: a muted
 * sink plays nothing, and the user should know why (one line). */
static void sink_info(pa_context *c, const pa_sink_info *i, int eol, void *u)
{
	struct player *p = u;
	(void)c;
	if (!eol && i && i->mute && !p->mute_said++)
		warn_line("the sink %s is muted: the guest's sound plays silently, the picture goes on", i->name);
	if (eol)
		pa_threaded_mainloop_signal(p->ml, 0);
}

static void check_mute(struct player *p)
{
	pa_operation *op = pa_context_get_sink_info_by_name(p->ctx, pa_stream_get_device_name(p->s), sink_info, p);
	if (!op)
		return;
	while (pa_operation_get_state(op) == PA_OPERATION_RUNNING)
		pa_threaded_mainloop_wait(p->ml);
	pa_operation_unref(op);
}

static void close_stream(struct player *p)
{
	if (!p->s)
		return;
	pa_stream_disconnect(p->s);
	pa_stream_unref(p->s);
	p->s = NULL;
}

/* A stream for rate x channels (the first piece, or a change); called
 * under the lock. 0, or -1 when the server refuses it (sound off). */
static int open_stream(struct player *p, uint32_t rate, uint32_t channels)
{
	pa_sample_spec ss = { PA_SAMPLE_S16NE, rate, (uint8_t)channels }; /* snd_decode gives host order */
	/* tlength the least target: the sink's own latency is chosen from it
	 * (ADJUST_LATENCY), so it stays small; the buffer may hold up to -L
	 * and a slack beyond it, which the player fills itself */
	uint32_t t = (uint32_t)pa_usec_to_bytes(p->o->latency_ms * 1000ull, &ss);
	uint32_t most = (uint32_t)pa_usec_to_bytes((p->o->max_ms * 2 + 100) * 1000ull, &ss);
	pa_buffer_attr ba = { most, t, (uint32_t)-1, (uint32_t)-1, (uint32_t)-1 };
	close_stream(p);
	p->s = pa_stream_new(p->ctx, "playback", &ss, NULL);
	if (!p->s)
		goto fail;
	pa_stream_set_state_callback(p->s, stream_signal, p);
	pa_stream_set_write_callback(p->s, stream_write, p);
	pa_stream_set_underflow_callback(p->s, underflow, p);
	pa_stream_set_overflow_callback(p->s, overflow, p);
	if (pa_stream_connect_playback(p->s, p->o->dev, &ba,
				       PA_STREAM_ADJUST_LATENCY | PA_STREAM_INTERPOLATE_TIMING |
					       PA_STREAM_AUTO_TIMING_UPDATE,
				       NULL, NULL) < 0)
		goto fail;
	pa_stream_state_t st;
	while ((st = pa_stream_get_state(p->s)) != PA_STREAM_READY) {
		if (!PA_STREAM_IS_GOOD(st))
			goto fail;
		pa_threaded_mainloop_wait(p->ml);
	}
	p->rate = rate, p->channels = channels;
	p->refill = 1;
	jit_reset(&p->jit);
	jit_reset(&p->cjit);
	const pa_buffer_attr *got = pa_stream_get_buffer_attr(p->s);
	VERB("playing into %s: %u Hz, %u channels, target %u..%u ms (buffer: max %u, target %u, prebuf %u, minreq %u bytes)",
	     pa_stream_get_device_name(p->s), rate, channels, p->o->latency_ms, p->o->max_ms, got ? got->maxlength : 0,
	     got ? got->tlength : 0, got ? got->prebuf : 0, got ? got->minreq : 0);
	if (!p->mute_looked++)
		check_mute(p);
	if (!p->ready_said && p->o->fd >= 0) {
		p->ready_said = 1;
		if (dprintf(p->o->fd, "playing\n") < 0 || close(p->o->fd) < 0)
			die(EX_IO, "-N %d:", p->o->fd);
	}
	return 0;
fail:
	warn_line("the sound server refused a %u Hz, %u channel stream (%s): sound off", rate, channels,
		  pa_strerror(pa_context_errno(p->ctx)));
	close_stream(p);
	return -1;
}

/* The sound ahead of the sink (the stream's buffer and the sink's own
 * latency), ns; -1 when the server cannot tell yet. */
static int64_t level(struct player *p)
{
	pa_usec_t us;
	int neg;
	if (pa_stream_get_latency(p->s, &us, &neg) < 0)
		return -1;
	return neg ? 0 : (int64_t)us * 1000;
}

static int silent(const int16_t *pcm, size_t samples)
{
	for (size_t i = 0; i < samples; i++)
		if (pcm[i])
			return 0;
	return 1;
}

/* Silence into the stream, ns of it (whole sample frames): the level up
 * to the target where nobody hears it. */
static int pad(struct player *p, uint64_t ns)
{
	static const int16_t zero[XS_AUDIO_FRAMES_MAX * 2];
	size_t frame = (size_t)p->channels * 2, left = (size_t)(ns * p->rate / 1000000000u) * frame;
	p->padded_ns += ns;
	while (left) {
		size_t n = left < sizeof zero / frame * frame ? left : sizeof zero / frame * frame;
		if (pa_stream_write(p->s, zero, n, NULL, 0, PA_SEEK_RELATIVE) < 0)
			return -1;
		left -= n;
	}
	return 0;
}

/*
 * Where the level goes as this piece (piece ns, silent or not) arrives
 * with L ahead of the sink: 0 write it, 1 drop it, else the ns of silence
 * to write first. A new or dried-up stream is filled to the target; in
 * silence the level follows the target both ways (within half a piece
 * below it and a piece above: the level swings as the sink takes the
 * buffer in blocks); a sounding
 * piece is only dropped when it would be heard later than the target and
 * a slack (half the target, at least two pieces).
 */
static int64_t steer(struct player *p, int64_t L, uint64_t piece, int hush)
{
	uint64_t t = p->target, slack = t / 2 > 2 * piece ? t / 2 : 2 * piece;
	if (L < 0)
		return 0;
	if ((p->refill || hush) && (uint64_t)L + piece / 2 < t)
		return (int64_t)(t - (uint64_t)L);
	p->refill = 0;
	if (hush && (uint64_t)L > t + piece)
		return 1;
	return (uint64_t)L > t + slack ? 1 : 0;
}

/* How late this piece came (returned, ns), how long since it was
 * captured (the same clock only: the pipe, the ring on one machine), and
 * the target now. Lateness counts from a stream's first piece: a start
 * that comes in bursts (a loaded machine, a guest starting its player)
 * needs the buffer as much as any later second does. */
static uint64_t measure(struct player *p, const struct xs_audio *a, uint64_t piece, uint64_t *clate)
{
	uint64_t now = now_ns(), mono = mono_ns(), most = 1000000ull * p->o->max_ms;
	uint64_t late = jit_arrive(&p->jit, a->seq, piece, mono, most);
	*clate = jit_arrive(&p->cjit, a->seq, piece, a->time_ns, most);
	hist_add(&p->late, late);
	hist_add(&p->clate, *clate);
	if (now > a->time_ns + piece && now - a->time_ns - piece < 10000000000ull)
		hist_add(&p->delay, now - a->time_ns - piece);
	p->target = jit_target(&p->jit, 1500000ull + piece / 2, 1000000ull * p->o->latency_ms, most);
	return late;
}

/* One checked piece into the stream: played, dropped, or played after
 * some silence (steer). */
static void play(struct player *p, const struct xs_audio *a)
{
	const int16_t *pcm;
	size_t bytes = (size_t)a->frames * a->channels * 2;
	uint64_t piece = (uint64_t)a->frames * 1000000000ull / a->rate;
	char err[200];
	p->pieces++;
	if (p->pieces > 1 && a->seq != p->next_seq) {
		p->gaps++;
		jit_reset(&p->jit); /* lateness counts from a new base */
		jit_reset(&p->cjit);
	}
	p->next_seq = a->seq + 1;
	if (p->off)
		return;
	if (!(pcm = snd_decode(&p->dec, a, err, sizeof err))) {
		p->undecoded++; /* a guest could send nothing else: the first line, then a count every few seconds */
		WARN_LIMITED("audio piece %llu: %s: dropped", (unsigned long long)a->seq, err);
		return;
	}
	pa_threaded_mainloop_lock(p->ml);
	if ((!p->s || p->rate != a->rate || p->channels != a->channels) && open_stream(p, a->rate, a->channels) < 0) {
		p->off = 1;
		goto out;
	}
	if (pa_stream_get_state(p->s) != PA_STREAM_READY) {
		p->off = 1, warn_line("the sound server ended the stream: sound off");
		goto out;
	}
	/* The level this piece would have found had it come on time: the
	 * level now and its lateness. Steering on that, not on the level
	 * alone, keeps a burst whole: pieces that come together after a
	 * stall find the level ever higher (their own forerunners, just
	 * written) and ever less late, by the same amount, so every one of
	 * them is judged as the first was. On the level alone the first of a
	 * burst found the sink drained and got silence in front of it, and
	 * the last ones found it too deep and were dropped as late. */
	uint64_t clate, late = measure(p, a, piece, &clate);
	int hush = silent(pcm, (size_t)a->frames * a->channels);
	int64_t L = level(p), Lt = L < 0 ? L : L + (int64_t)late, s = steer(p, Lt, piece, hush);
	DBG(D_STREAM, "piece %llu: level %lld us, late %llu us (at the capture %llu), target %llu us%s: %s",
	    (unsigned long long)a->seq, (long long)(L / 1000), (unsigned long long)(late / 1000),
	    (unsigned long long)(clate / 1000), (unsigned long long)(p->target / 1000),
	    hush ? ", silent" : "", s == 0 ? "played" : s == 1 ? "dropped" : "padded");
	if (L >= 0)
		hist_add(&p->level, (uint64_t)L);
	if (s == 1) {
		if (hush)
			p->hushed++;
		else
			p->dropped++;
		goto out;
	}
	if ((s > 1 && pad(p, (uint64_t)s) < 0) || pa_stream_write(p->s, pcm, bytes, NULL, 0, PA_SEEK_RELATIVE) < 0) {
		p->off = 1, warn_line("writing to the sound server: %s: sound off", pa_strerror(pa_context_errno(p->ctx)));
		goto out;
	}
	p->refill = 0;
	p->played++;
out:
	pa_threaded_mainloop_unlock(p->ml);
}

static void counts(struct player *p)
{
	uint64_t under = 0, over = 0;
	if (p->ml) {
		pa_threaded_mainloop_lock(p->ml);
		under = p->underruns, over = p->overflows;
		pa_threaded_mainloop_unlock(p->ml);
	}
	warn_line("%llu pieces, %llu played, %llu dropped (late), %llu undecodable, %llu overflows, %llu underruns, "
		  "%llu gaps in the sequence", (unsigned long long)p->pieces, (unsigned long long)p->played,
		  (unsigned long long)p->dropped, (unsigned long long)p->undecoded,
		  (unsigned long long)over,
		  (unsigned long long)under, (unsigned long long)p->gaps);
	/* the figures since the last counts: docs/AUDIO.md's stage table */
	warn_line("since the last counts: lateness p50 %d p90 %d p99 %d ms (at the capture p50 %d p90 %d p99 %d); capture to player p50 %d p90 %d ms; level as a "
		  "piece came p50 %d p90 %d ms; target now %.1f ms; silence added %.0f ms, %llu silent pieces dropped",
		  hist_q(&p->late, .5), hist_q(&p->late, .9), hist_q(&p->late, .99), hist_q(&p->clate, .5),
		  hist_q(&p->clate, .9), hist_q(&p->clate, .99), hist_q(&p->delay, .5),
		  hist_q(&p->delay, .9), hist_q(&p->level, .5), hist_q(&p->level, .9), (double)p->target / 1e6,
		  (double)p->padded_ns / 1e6, (unsigned long long)p->hushed);
	memset(&p->late, 0, sizeof p->late);
	memset(&p->clate, 0, sizeof p->clate);
	memset(&p->delay, 0, sizeof p->delay);
	memset(&p->level, 0, sizeof p->level);
}

/* Whatever is in stdin's buffer: every record checked, audio played. */
static int records(struct player *p, struct xs_reader *rd)
{
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	struct xs_msg m;
	char err[256];
	int k;
	while ((k = xs_next(rd, &h, &body, &off, err, sizeof err)) == 1) {
		if (h.type != XS_AUDIO && h.type != XS_C_AUDIO) { /* the guest's sound, or the host's microphone */
			warn_line("%s record at offset %llu: not an audio record", xs_type_name(h.type),
				  (unsigned long long)off);
			return EX_DATA;
		}
		if (xs_parse(h, body, &m, err, sizeof err)) {
			warn_line("audio record at offset %llu: %s", (unsigned long long)off, err);
			return EX_DATA;
		}
		play(p, &m.u.audio);
	}
	if (k < 0) {
		warn_line("%s", err);
		return EX_DATA;
	}
	return -1;
}

int play_run(const struct xsnd_opts *o)
{
	static struct player p;
	struct xs_reader rd;
	int sfd = signals_fd(), status = 0;
	p.o = o;
	if (connect_server(&p) < 0)
		p.off = 1;
	xs_reader_init(&rd, 0);
	for (;;) {
		struct pollfd f[2] = { { 0, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		if (poll(f, 2, -1) < 0 && errno != EINTR)
			die(EX_OS, "poll:");
		if (f[1].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si && si.ssi_signo == SIGUSR1) {
				counts(&p);
				continue;
			}
			break;
		}
		if (!f[0].revents)
			continue;
		ssize_t n = xs_fill(&rd);
		if (n < 0)
			die(EX_IO, "read stdin:");
		int st = records(&p, &rd);
		if (st >= 0) {
			status = st;
			break;
		}
		if (n == 0)
			break;
	}
	xs_reader_free(&rd);
	if (verbose)
		counts(&p);
	if (p.s && !p.off && !status) { /* what is buffered still plays */
		pa_threaded_mainloop_lock(p.ml);
		pa_operation *op = pa_stream_drain(p.s, NULL, NULL);
		if (op)
			pa_operation_unref(op);
		pa_threaded_mainloop_unlock(p.ml);
		usleep(o->latency_ms * 1000u);
	}
	return status;
}
