/*
 * audgen: frame streams with sound, for xpaint's and xsnd's tests.
 *   audgen bad KIND      a hello with the sound flag, a frame, then one
 *                        broken audio record (audgen bad: the kinds)
 *   audgen flood SECS    a hostile source: a hello with the sound flag,
 *                        then for SECS seconds a frame every 16 ms (the
 *                        picture alternates two colours, the last one
 *                        0x00ff00) and, between them, as many valid audio
 *                        records as the reader takes (50 times real time
 *                        and more); prints nothing else
 *   audgen records N     N valid pcm records (5 ms of a 1 kHz tone
 *                        each) alone, for xsnd -p
 *   audgen opusjunk N    N opus records whose fields are in the set and
 *                        whose packets are junk, alone: only the decoder
 *                        can tell
 *   audgen bursts SECS K for xsnd -p: SECS seconds of sound at real time
 *                        on average, but K pieces at once every K pieces'
 *                        time (a path that hands sound over in bursts: a
 *                        loaded machine, a halted vCPU): every 150 ms a
 *                        click of two tone pieces, silence (zeros) between;
 *                        every piece should be played, none dropped;
 *                        held more than 30 ms past its time (a stalled
 *                        machine: a longer burst than K), it says so on
 *                        stderr
 *   audgen noise SEED MS [PAD_MS]
 *                        a known signal for paplay --raw --rate=48000, not
 *                        records: MS ms of noise (48 kHz stereo s16le) drawn
 *                        from SEED, PAD_MS ms of silence before and after;
 *                        the same SEED gives the same noise on any machine,
 *                        so a guest plays what the host compares against
 */
#include "proto.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SW 320
#define SH 240

static void out(const void *p, size_t n)
{
	if (write_all(1, p, n) < 0)
		exit(0); /* the reader went away */
}

static void start(uint32_t flags)
{
	uint8_t b[XS_BUILD_MAX], z[XS_NONCE_LEN] = { 0 };
	out(b, xs_build_hello(b, SW, SH, flags, z));
}

static void frame(uint64_t seq, uint32_t colour)
{
	uint8_t b[XS_BUILD_MAX];
	out(b, xs_build_rect_hdr(b, XS_ENC_SOLID, (struct xs_rect){ 0, 0, SW, SH }, colour, 0));
	out(b, xs_build_frame(b, seq, now_ns(), 1, 0));
}

/* A valid piece: 5 ms of a 1 kHz tone at 48 kHz, stereo (amplitude 8000,
 * or silence with amp 0). */
static size_t piece_amp(uint8_t *b, uint64_t seq, double amp)
{
	struct xs_audio a = { XS_AFMT_PCM16, 48000, 2, 240, seq, now_ns(), NULL, 960 };
	size_t h = xs_build_audio_hdr(b, XS_AUDIO, &a);
	for (unsigned i = 0; i < 240; i++) {
		int16_t v = (int16_t)(amp * sin(2 * M_PI * 1000 * (double)(seq * 240 + i) / 48000));
		xs_put16(b + h + 4 * i, (uint16_t)v);
		xs_put16(b + h + 4 * i + 2, (uint16_t)v);
	}
	return h + 960;
}

static size_t piece(uint8_t *b, uint64_t seq)
{
	return piece_amp(b, seq, 8000);
}

/* SECS of clicks, K pieces of 5 ms at once every K x 5 ms. */
static void bursts(unsigned secs, unsigned k)
{
	static uint8_t b[64 * 1024];
	uint64_t t = mono_ns(), n = (uint64_t)secs * 200;
	if (k < 1 || k > 48)
		die(EX_CMDLINE, "bursts: K from 1 to 48");
	for (uint64_t seq = 0; seq < n;) {
		size_t len = 0;
		uint64_t now = mono_ns();
		/* the machine held us past the burst we meant: a longer burst
		 * than asked for, said so the test can tell */
		if (now > t + 30000000ull)
			fprintf(stderr, "audgen: stalled %llu ms at piece %llu\n",
				(unsigned long long)((now - t) / 1000000), (unsigned long long)seq);
		for (unsigned i = 0; i < k && seq < n; i++, seq++)
			len += piece_amp(b + len, seq, seq % 30 < 2 ? 8000 : 0);
		out(b, len);
		t += k * 5000000ull;
		struct timespec ts = { (time_t)(t / 1000000000u), (long)(t % 1000000000u) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

/* MS ms of noise from SEED (splitmix64: the same on every machine) between
 * two PAD ms of silence, as raw PCM. */
static void noise(uint64_t seed, unsigned ms, unsigned pad)
{
	uint8_t b[4 * 48], z[4 * 48] = { 0 }; /* 1 ms */
	for (unsigned i = 0; i < pad; i++)
		out(z, sizeof z);
	for (unsigned i = 0; i < ms; i++) {
		for (unsigned k = 0; k < sizeof b; k += 8) {
			uint64_t x = seed += 0x9e3779b97f4a7c15ull;
			x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
			x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
			xs_put64(b + k, x ^ (x >> 31));
		}
		out(b, sizeof b);
	}
	for (unsigned i = 0; i < pad; i++)
		out(z, sizeof z);
}

static const char *kinds = "noflag format rate channels frames pcmlen opusrate opusframes opuslen length";

static void bad(const char *k)
{
	uint8_t b[XS_HDR_LEN + XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX + 64];
	start(strcmp(k, "noflag") ? XS_HF_AUDIO : 0);
	frame(1, 0x203040);
	size_t n = piece(b, 0);
	uint8_t *a = b + XS_HDR_LEN;
	if (!strcmp(k, "noflag"))
		;
	else if (!strcmp(k, "format"))
		xs_put32(a, 3);
	else if (!strcmp(k, "rate"))
		xs_put32(a + 4, 96000);
	else if (!strcmp(k, "channels"))
		xs_put32(a + 8, 6);
	else if (!strcmp(k, "frames"))
		xs_put32(a + 12, 0);
	else if (!strcmp(k, "pcmlen"))
		xs_put32(a + 12, 241); /* 964 bytes needed, 960 there */
	else if (!strcmp(k, "opusrate") || !strcmp(k, "opusframes") || !strcmp(k, "opuslen")) {
		xs_put32(a, XS_AFMT_OPUS);
		if (k[4] == 'r')
			xs_put32(a + 4, 44100);
		else if (k[4] == 'f')
			xs_put32(a + 12, 100);
		else { /* 4001 bytes of packet */
			memset(b + n, 0, 4001 - 960);
			n += 4001 - 960;
			xs_put32(b, XS_AUDIO_HDR + 4001);
		}
	} else if (!strcmp(k, "length")) { /* a body past the largest piece */
		xs_put32(b, XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX + 4);
		memset(b + n, 0, sizeof b - n);
		n = XS_HDR_LEN + XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX + 4;
	} else
		die(EX_CMDLINE, "unknown kind %s: %s", k, kinds);
	out(b, n);
}

static void flood(unsigned secs)
{
	static uint8_t b[1 << 16];
	uint64_t end = mono_ns() + secs * 1000000000ull, next = 0, seq = 0, fseq = 0;
	start(XS_HF_AUDIO);
	for (;;) {
		uint64_t now = mono_ns();
		if (now >= next) {
			if (now >= end)
				break;
			fseq++;
			frame(fseq, fseq % 2 ? 0xff0000 : 0x0000ff);
			next = now + 16000000ull;
		}
		size_t n = 0;
		while (n + 1000 < sizeof b)
			n += piece(b + n, seq++);
		out(b, n);
	}
	frame(++fseq, 0x00ff00);
}

int main(int argc, char **argv)
{
	set_argv0("audgen");
	if (argc == 2 && !strcmp(argv[1], "bad"))
		return printf("%s\n", kinds), 0;
	if (argc == 4 && !strcmp(argv[1], "bursts"))
		return bursts((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3])), 0;
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "noise"))
		return noise(strtoull(argv[2], NULL, 10), (unsigned)atoi(argv[3]), argc == 5 ? (unsigned)atoi(argv[4]) : 0), 0;
	if (argc != 3)
		die(EX_CMDLINE, "usage: audgen bad [KIND] | flood SECS | records N | opusjunk N | bursts SECS K | noise SEED MS [PAD_MS]");
	if (!strcmp(argv[1], "bad"))
		bad(argv[2]);
	else if (!strcmp(argv[1], "flood"))
		flood((unsigned)atoi(argv[2]));
	else if (!strcmp(argv[1], "records")) {
		uint8_t b[2048];
		for (unsigned long i = 0, n = strtoul(argv[2], NULL, 10); i < n; i++)
			out(b, piece(b, i));
	} else if (!strcmp(argv[1], "opusjunk")) {
		uint8_t b[XS_HDR_LEN + XS_AUDIO_HDR + 400];
		for (unsigned long i = 0, n = strtoul(argv[2], NULL, 10); i < n; i++) {
			struct xs_audio a = { XS_AFMT_OPUS, 48000, 2, 240, i, now_ns(), NULL, 400 };
			size_t h = xs_build_audio_hdr(b, XS_AUDIO, &a);
			for (unsigned k = 0; k < 400; k++)
				b[h + k] = (uint8_t)(k * 37 + i * 11 + 0xfc); /* TOC codes 3: frame counts it does not hold */
			out(b, h + 400);
		}
	} else
		die(EX_CMDLINE, "unknown mode %s", argv[1]);
	return 0;
}
