/*
 * xsnd: sound as audio records (docs/AUDIO.md). capture.c reads a
 * PulseAudio (or pipewire-pulse) source and writes audio records to
 * stdout; play.c reads audio records on stdin, checks them and plays them
 * into a sink. main.c has the options.
 */
#ifndef XSND_H
#define XSND_H

#include "proto.h"

#include <opus/opus.h>
#include <stddef.h>
#include <stdint.h>

enum { CODEC_PCM = XS_AFMT_PCM16, CODEC_OPUS = XS_AFMT_OPUS };

struct xsnd_opts {
	const char *dev;      /* -s: source (capture) or sink (play); NULL: the default */
	const char *name;     /* -n: the client's name on the server */
	uint32_t rate, channels;
	uint32_t frames;      /* -f: sample frames of one piece (capture) */
	uint32_t latency_ms;  /* -l: the player's least target latency */
	uint32_t max_ms;      /* -L: its most, however late pieces come */
	int codec;            /* -e */
	uint32_t bitrate;     /* -b: Opus bits a second */
	int fd;               /* -N FD: readiness line */
};

/* decode.c: a checked piece as interleaved PCM in d->pcm (host order),
 * or NULL and a message for an Opus packet that does not decode. */
struct snd_dec {
	OpusDecoder *opus;
	uint32_t channels;
	int16_t pcm[XS_AUDIO_FRAMES_MAX * 2];
};
const int16_t *snd_decode(struct snd_dec *d, const struct xs_audio *a, char *err, size_t n);

/* jitter.c: arrival lateness and the level the player keeps. */
#define JIT_BUCKETS 4 /* seconds a lateness peak is remembered */
struct jitter {
	uint64_t base[2];             /* least arrival - seq x piece: this second, the last */
	uint64_t peak[JIT_BUCKETS];   /* worst lateness of each of the last seconds */
	uint64_t sec;
	int have;
};
void jit_reset(struct jitter *j);
uint64_t jit_arrive(struct jitter *j, uint64_t seq, uint64_t piece_ns, uint64_t now, uint64_t ignore);
uint64_t jit_target(const struct jitter *j, uint64_t margin, uint64_t lo, uint64_t hi);
#define HIST_MS 200
struct hist {
	uint64_t n[HIST_MS + 1], total;
};
void hist_add(struct hist *h, uint64_t ns);
int hist_q(const struct hist *h, double q);

/* capture.c: the source's own rate (0: not known); the capture, which
 * never returns. */
uint32_t capture_source_rate(const struct xsnd_opts *o);
void capture_run(const struct xsnd_opts *o);
/* play.c: returns the exit status. */
int play_run(const struct xsnd_opts *o);

#endif
