/*
 * xsnd -c [-s SOURCE] [-e pcm|opus] [-f MS] [-r RATE] [-C CHANNELS] [-b BITRATE] [-n NAME]
 * xsnd -p [-s SINK] [-l MS] [-L MS] [-n NAME]
 * Sound as audio records: -c captures (the guest side, under xcap -A),
 * -p plays (the host side, under xpaint -a). See man/xsnd.1.
 */
#include "util.h"
#include "xsnd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: xsnd -c [-s SOURCE] [-e pcm|opus] [-f MS] [-r RATE] [-C CHANNELS] [-b BITRATE] [-n NAME] [-N FD] [-v]\n"
		"       xsnd -p [-s SINK] [-l MS] [-L MS] [-n NAME] [-N FD] [-v]\n"
		"  -c         capture SOURCE (default: the monitor of the default sink) as audio records on stdout\n"
		"  -p         play the audio records on stdin into SINK (default: the default sink)\n"
		"  -s DEV     the source or sink by name (pactl list short sources / sinks)\n"
		"  -e CODEC   pcm (s16le, lossless, the default) or opus\n"
		"  -f MS      capture: milliseconds of sound in one record, 1..80 or 2.5 (default: 2.5 PCM, 5 Opus)\n"
		"  -r RATE    capture: 48000 or 44100 Hz (default: the source's own, if one of them: no resampling)\n"
		"  -C N       capture: 1 or 2 channels (default 2)\n"
		"  -b BITRATE opus: bits a second (default 128000)\n"
		"  -l MS      play: the least latency kept (buffer and sink) as a piece arrives, 2..500 ms (default 10)\n"
		"  -L MS      play: the most, however late pieces come, -l..1000 ms (default 120)\n"
		"  -n NAME    the client's name on the sound server (default xsnd)\n"
		"  -N FD      write a line to FD once the stream runs\n"
		"  -v         say what happens, and the counts at the end\n");
	exit(code);
}

/* -f: 2.5 ms is the one fraction (Opus's smallest frame). */
static uint32_t parse_frames(const char *s, uint32_t rate)
{
	unsigned long v;
	if (!strcmp(s, "2.5"))
		return rate / 400;
	if (parse_uint(s, 1, 80, &v) < 0)
		die(EX_CMDLINE, "-f %s: milliseconds from 1 to 80, or 2.5", s);
	return (uint32_t)(rate / 1000 * v);
}

int main(int argc, char **argv)
{
	struct xsnd_opts o = { .rate = 0, .channels = 2, .latency_ms = 10, .max_ms = 120, .codec = CODEC_PCM,
			       .bitrate = 128000, .fd = -1, .name = "xsnd" };
	const char *fs = NULL; /* -f: by default 2.5 ms of PCM, 5 of Opus */
	int c, mode = 0;
	unsigned long v;
	set_argv0(argv[0]);
	while ((c = getopt(argc, argv, "cps:e:f:r:C:b:l:L:n:N:vd:h")) != -1) {
		switch (c) {
		case 'c': case 'p': mode = c; break;
		case 's': o.dev = optarg; break;
		case 'n': o.name = optarg; break;
		case 'e':
			if (!strcmp(optarg, "pcm"))
				o.codec = CODEC_PCM;
			else if (!strcmp(optarg, "opus"))
				o.codec = CODEC_OPUS;
			else
				die(EX_CMDLINE, "-e %s: pcm or opus", optarg);
			break;
		case 'f': fs = optarg; break;
		case 'r':
			if (parse_uint(optarg, 44100, 48000, &v) < 0 || (v != 44100 && v != 48000))
				die(EX_CMDLINE, "-r %s: 48000 or 44100", optarg);
			o.rate = (uint32_t)v;
			break;
		case 'C':
			if (parse_uint(optarg, 1, 2, &v) < 0)
				die(EX_CMDLINE, "-C %s: 1 or 2 channels", optarg);
			o.channels = (uint32_t)v;
			break;
		case 'b':
			if (parse_uint(optarg, 6000, 510000, &v) < 0)
				die(EX_CMDLINE, "-b %s: 6000 to 510000 bits a second", optarg);
			o.bitrate = (uint32_t)v;
			break;
		case 'l':
			if (parse_uint(optarg, 2, 500, &v) < 0)
				die(EX_CMDLINE, "-l %s: 2 to 500 ms", optarg);
			o.latency_ms = (uint32_t)v;
			break;
		case 'L':
			if (parse_uint(optarg, 2, 1000, &v) < 0)
				die(EX_CMDLINE, "-L %s: 2 to 1000 ms", optarg);
			o.max_ms = (uint32_t)v;
			break;
		case 'N':
			if (parse_uint(optarg, 0, 1023, &v) < 0)
				die(EX_CMDLINE, "-N %s: a file descriptor", optarg);
			o.fd = (int)v;
			break;
		default:
			if (!common_option(c, optarg, "stream,stats,all", usage))
				usage(EX_CMDLINE);
		}
	}
	if (!mode || optind != argc)
		usage(EX_CMDLINE);
	if (o.max_ms < o.latency_ms) /* -l alone above the default most: a fixed target */
		o.max_ms = o.latency_ms;
	if (mode == 'c' && !o.rate) { /* the source's own rate when it is one we carry */
		uint32_t r = capture_source_rate(&o);
		o.rate = (r == 44100 && o.codec != CODEC_OPUS) || r == 48000 ? r : 48000;
	}
	if (!o.rate)
		o.rate = 48000;
	/* PCM pieces cost nothing to cut small, and the piece is latency
	 * twice over: a sound waits for its piece to fill, and the player's
	 * buffer rides out lateness in steps of a piece (docs/AUDIO.md). Opus
	 * pays for a small frame in quality and in a header per record. */
	if (!fs)
		fs = o.codec == CODEC_OPUS ? "5" : "2.5";
	o.frames = parse_frames(fs, o.rate);
	if (o.codec == CODEC_OPUS) {
		if (o.rate != 48000)
			die(EX_CMDLINE, "-e opus: 48000 Hz only");
		if (o.frames != 120 && o.frames != 240 && o.frames != 480 && o.frames != 960)
			die(EX_CMDLINE, "-e opus -f %s: 2.5, 5, 10 or 20 ms", fs);
	}
	if (o.frames * o.channels * 2 > XS_AUDIO_PAYLOAD_MAX)
		die(EX_CMDLINE, "-f %s: more than %u bytes in one record", fs, XS_AUDIO_PAYLOAD_MAX);
	if (mode == 'c')
		capture_run(&o);
	return play_run(&o);
}
