/*
 * audlat PLAY_SERVER REC_SERVER REC_SOURCE [COUNT [EVERY_MS]]
 * Sound latency from an application's write to a sink: plays a click
 * every EVERY_MS (default 150) ms into PLAY_SERVER's default sink (an
 * application with a 10 ms buffer, writing 1 ms pieces, silence between
 * clicks) and records
 * REC_SOURCE on REC_SERVER (e.g. a null sink's monitor) in 1 ms
 * fragments; a click's latency is the time of its first loud sample in
 * the recording minus the time its piece was written. Both on this
 * machine's monotonic clock. With PLAY_SERVER = REC_SERVER this is the
 * local path; with the guest's server and the host's it is the path
 * through xsnd -c, the stream and xsnd -p: the difference is what the
 * forwarding adds. When every click was heard once, the n-th sound heard
 * is the n-th click, however slow the path ("in order"); else a click is
 * matched with the first sound heard after it and before the next click,
 * and a path slower than EVERY_MS would have its clicks taken for the
 * next one's: EVERY_MS longer than the slowest path measured (xpra: up
 * to a second) keeps both right.
 * Prints "clicks N/M p50 X ms p90 Y ms[ in order]" (exit 0), or
 * exit 1 when fewer than half the clicks were heard, 2 on errors.
 */
#include <pthread.h>
#include "paprobe.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static struct {
	pa_simple *rec;
	volatile int stop;
	uint64_t heard[256];
	volatile unsigned nheard;
} R;

/* The recording thread: the time of each click's first loud sample. */
static void *recorder(void *arg)
{
	int16_t b[MS_FRAMES * 2];
	int err, loud = 0;
	uint64_t quiet_since = 0;
	(void)arg;
	while (!R.stop) {
		if (pa_simple_read(R.rec, b, sizeof b, &err) < 0) {
			fprintf(stderr, "audlat: record: %s\n", pa_strerror(err));
			exit(2);
		}
		uint64_t t = mono();
		for (int i = 0; i < MS_FRAMES; i++) {
			int v = abs(b[2 * i]);
			if (v > 8000 && !loud) {
				loud = 1;
				if (R.nheard < 256)
					R.heard[R.nheard++] = t - (uint64_t)(MS_FRAMES - i) * 1000000000ull / RATE;
			} else if (v < 100) {
				if (loud && !quiet_since)
					quiet_since = t;
			} else {
				quiet_since = 0;
			}
		}
		if (loud && quiet_since && t - quiet_since > 50000000ull)
			loud = 0, quiet_since = 0;
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: audlat PLAY_SERVER REC_SERVER REC_SOURCE [COUNT [EVERY_MS]]\n");
		return 2;
	}
	unsigned count = argc > 4 ? (unsigned)atoi(argv[4]) : 20;
	if (count < 1 || count > 200)
		count = 20;
	unsigned every = argc > 5 ? (unsigned)atoi(argv[5]) : 150;
	if (every < 50 || every > 2000)
		every = 150;
	static uint64_t sent[256];
	int16_t quiet[MS_FRAMES * 2] = { 0 }, click[MS_FRAMES * 2];
	for (int i = 0; i < MS_FRAMES * 2; i++)
		click[i] = (i / 2) % 8 < 4 ? 20000 : -20000;
	R.rec = open_pa("audlat", argv[2], PA_STREAM_RECORD, argv[3], 0);
	pa_simple *play = open_pa("audlat", argv[1], PA_STREAM_PLAYBACK, NULL, 10);
	pthread_t th;
	pthread_create(&th, NULL, recorder, NULL);
	int err;
	unsigned ms = 0, nsent = 0;
	/* 300 ms of silence first: both streams settle */
	for (; nsent < count || ms % every < 100; ms++) {
		int is_click = ms >= 300 && ms % every == 0 && nsent < count;
		if (is_click)
			sent[nsent++] = mono();
		if (pa_simple_write(play, is_click ? click : quiet, sizeof quiet, &err) < 0) {
			fprintf(stderr, "audlat: play: %s\n", pa_strerror(err));
			return 2;
		}
	}
	for (unsigned i = 0; i < (every > 150 ? 2 * every : 300); i++) /* the last click's way through */
		pa_simple_write(play, quiet, sizeof quiet, &err);
	R.stop = 1;
	pthread_join(th, NULL);
	double lat[256];
	unsigned n = 0, h = 0, nheard = R.nheard;
	int in_order = nheard == nsent;
	for (unsigned i = 0; in_order && i < nsent; i++)
		in_order = R.heard[i] >= sent[i];
	for (unsigned i = 0; in_order && i < nsent; i++)
		lat[n++] = (double)(R.heard[i] - sent[i]) / 1e6;
	/* else each click is matched with the first sound heard after it was sent */
	for (unsigned i = 0; !in_order && i < nsent; i++) {
		while (h < nheard && R.heard[h] < sent[i])
			h++;
		if (h < nheard && (i + 1 == nsent || R.heard[h] < sent[i + 1]))
			lat[n++] = (double)(R.heard[h] - sent[i]) / 1e6;
	}
	qsort(lat, n, sizeof *lat, cmp);
	printf("clicks %u/%u p50 %.1f ms p90 %.1f ms%s\n", n, nsent, n ? lat[n / 2] : 0.0, n ? lat[n * 9 / 10] : 0.0,
	       in_order ? " in order" : "");
	return n * 2 >= nsent ? 0 : 1;
}
