/*
 * The sound probes' shared pieces (audlat, avsync): a monotonic clock in
 * ns and a PulseAudio simple stream of s16le 48 kHz stereo, with the
 * small buffers a probe wants: a playback stream PLAY_MS deep that starts
 * after 1 ms, or a record stream delivering 1 ms fragments. Exits 2 with
 * a line naming the server when it cannot connect.
 */
#ifndef PAPROBE_H
#define PAPROBE_H
#include <pulse/error.h>
#include <pulse/simple.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RATE 48000
#define MS_FRAMES 48 /* frames in 1 ms */

static uint64_t mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static pa_simple *open_pa(const char *prog, const char *server, pa_stream_direction_t dir, const char *dev,
	unsigned play_ms)
{
	pa_sample_spec ss = { PA_SAMPLE_S16LE, RATE, 2 };
	pa_buffer_attr ba = { (uint32_t)-1, (uint32_t)-1, (uint32_t)-1, (uint32_t)-1, (uint32_t)-1 };
	int err;
	if (dir == PA_STREAM_PLAYBACK)
		ba.tlength = play_ms * MS_FRAMES * 4, ba.maxlength = 4 * ba.tlength, ba.prebuf = MS_FRAMES * 4;
	else
		ba.fragsize = MS_FRAMES * 4;
	pa_simple *s = pa_simple_new(server, prog, dir, dev, "probe", &ss, NULL, &ba, &err);
	if (!s) {
		fprintf(stderr, "%s: %s: %s\n", prog, server, pa_strerror(err));
		exit(2);
	}
	return s;
}
#endif
