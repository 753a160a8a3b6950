/*
 * xsnd -c: a PulseAudio source (by default the monitor of the default
 * sink: what the guest plays) read in pieces of -f milliseconds, each
 * written to stdout as one audio record as soon as it is read. The source
 * is asked for the piece as its fragment size, so the server hands it over
 * as soon as it is whole; the rate and channels are ours (-r, -C): at the
 * sink's own rate the server passes the samples as they are, else it
 * resamples, which docs/AUDIO.md tells how to avoid.
 */
#include "util.h"
#include "xsnd.h"

#include <errno.h>
#include <opus/opus.h>
#include <pulse/error.h>
#include <pulse/simple.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEFAULT_SOURCE "@DEFAULT_MONITOR@"

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
