/*
 * xsnd -c: a PulseAudio source (by default the monitor of the default
 * sink: what the guest plays) read in pieces of -f milliseconds, each
 * written to stdout as one audio record as soon as it is read. The source
 * is asked for the piece as its fragment size, so the server hands it over
 * as soon as it is whole; the rate is the source's own when it is one of
 * the set (asked first: then the server passes the samples as they are),
 * else -r's or 48 kHz; the channels are -C's.
 */
#include "util.h"
#include "xsnd.h"

#include <errno.h>
#include <opus/opus.h>
#include <pulse/error.h>
#include <pulse/introspect.h>
#include <pulse/mainloop.h>
#include <pulse/simple.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEFAULT_SOURCE "@DEFAULT_MONITOR@"

static void source_info(pa_context *c, const pa_source_info *i, int eol, void *u)
{
	(void)c;
	if (!eol && i)
		*(uint32_t *)u = i->sample_spec.rate;
}

/*
 * The source's own rate (0: not known), asked once on a mainloop of our
 * own before the capture opens: taken when it is one of the set, the
 * server then passes the samples as they are instead of resampling them.
 */
uint32_t capture_source_rate(const struct xsnd_opts *o)
{
	uint32_t rate = 0;
	pa_mainloop *ml = pa_mainloop_new();
	pa_context *c = ml ? pa_context_new(pa_mainloop_get_api(ml), o->name) : NULL;
	pa_operation *op = NULL;
	if (!c || pa_context_connect(c, NULL, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0)
		goto out;
	pa_context_state_t st;
	while ((st = pa_context_get_state(c)) != PA_CONTEXT_READY)
		if (!PA_CONTEXT_IS_GOOD(st) || pa_mainloop_iterate(ml, 1, NULL) < 0)
			goto out;
	op = pa_context_get_source_info_by_name(c, o->dev ? o->dev : DEFAULT_SOURCE, source_info, &rate);
	while (op && pa_operation_get_state(op) == PA_OPERATION_RUNNING)
		if (pa_mainloop_iterate(ml, 1, NULL) < 0)
			break;
out:
	if (op)
		pa_operation_unref(op);
	if (c) {
		pa_context_disconnect(c);
		pa_context_unref(c);
	}
	if (ml)
		pa_mainloop_free(ml);
	return rate;
}

static pa_simple *open_source(const struct xsnd_opts *o)
{
	pa_sample_spec ss = { PA_SAMPLE_S16LE, o->rate, (uint8_t)o->channels };
	uint32_t piece = o->frames * o->channels * 2;
	pa_buffer_attr ba = { (uint32_t)-1, (uint32_t)-1, (uint32_t)-1, (uint32_t)-1, piece };
	int err = 0;
	const char *dev = o->dev ? o->dev : DEFAULT_SOURCE;
	pa_simple *s = pa_simple_new(NULL, o->name, PA_STREAM_RECORD, dev, "capture", &ss, NULL, &ba, &err);
	if (!s)
		die(EX_NOX, "no sound to capture from %s: %s", dev, pa_strerror(err));
	VERB("capturing %s: %u Hz, %u channels, %u frames a record, %s", dev, o->rate, o->channels, o->frames,
	     o->codec == CODEC_OPUS ? "opus" : "pcm");
	return s;
}

static OpusEncoder *open_opus(const struct xsnd_opts *o)
{
	int err;
	OpusEncoder *e = opus_encoder_create((opus_int32)o->rate, (int)o->channels, OPUS_APPLICATION_RESTRICTED_LOWDELAY,
					     &err);
	if (!e)
		die(EX_SOFT, "opus encoder: %s", opus_strerror(err));
	opus_encoder_ctl(e, OPUS_SET_BITRATE((opus_int32)o->bitrate));
	return e;
}

_Noreturn void capture_run(const struct xsnd_opts *o)
{
	static uint8_t rec[XS_HDR_LEN + XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX];
	static int16_t pcm[XS_AUDIO_PAYLOAD_MAX / 2];
	uint8_t *payload = rec + XS_HDR_LEN + XS_AUDIO_HDR;
	uint32_t bytes = o->frames * o->channels * 2;
	uint64_t piece_ns = (uint64_t)o->frames * 1000000000ull / o->rate;
	struct xs_audio a = { (uint32_t)o->codec, o->rate, o->channels, o->frames, 0, 0, NULL, 0 };
	OpusEncoder *enc = o->codec == CODEC_OPUS ? open_opus(o) : NULL;
	pa_simple *s = open_source(o);
	int err;
	signal(SIGPIPE, SIG_IGN); /* a reader that goes away is EPIPE: exit 0 */
	if (isatty(1))
		die(EX_CMDLINE, "stdout is a terminal: give it to xcap -A, or a file");
	if (o->fd >= 0 && (dprintf(o->fd, "capturing\n") < 0 || close(o->fd) < 0))
		die(EX_IO, "-N %d:", o->fd);
	for (;;) {
		if (pa_simple_read(s, enc ? (void *)pcm : (void *)payload, bytes, &err) < 0)
			die(EX_IO, "reading the sound source: %s", pa_strerror(err));
		a.time_ns = now_ns() - piece_ns; /* its first sample, as near as the client knows */
		if (enc) {
			int n = opus_encode(enc, pcm, (int)o->frames, payload, XS_AUDIO_OPUS_MAX);
			if (n < 0)
				die(EX_SOFT, "opus encode: %s", opus_strerror(n));
			a.len = (uint32_t)n;
		} else {
			a.len = bytes;
		}
		size_t n = xs_build_audio_hdr(rec, XS_AUDIO, &a) + a.len;
		if (write_all(1, rec, n) < 0) {
			if (errno == EPIPE)
				exit(0); /* the reader went away */
			die(EX_IO, "write to stdout:");
		}
		a.seq++;
		DBG(D_STREAM, "piece %llu: %u bytes", (unsigned long long)a.seq, a.len);
	}
}
