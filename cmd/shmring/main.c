/*
 * shmring: options, signals, then -w (guest: stdin into the ring, write.c)
 * or -r (host: the ring to stdout, read.c). The options: usage() below and
 * man/shmring.1; the ring: docs/RING.md.
 */
#include "ring.h"
#include "shmring.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t stop_signal;
volatile sig_atomic_t stats_signal;

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: %s -w PATH [-s SIZE] [-l SECS] [-p] [-C] [-S] [-B ADDR] [-v] [-d CATS]   (stream on stdin into the ring)\n"
		"       %s -w PATH [-s SIZE] [-p] [-S] [-B ADDR] [-v] -- COMMAND ...     (COMMAND writes the ring: xcap)\n"
		"       %s -r PATH [-x] [-p] [-S] [-v] [-d CATS]             (the ring to stdout)\n"
		"  -s SIZE  create PATH (mode 0600) with SIZE bytes (K, M, G suffixes); 32M holds 1920x1080\n"
		"  -l SECS  after EOF on stdin, keep serving snapshots to new readers SECS seconds\n"
		"  -x       (-r) exit after passing on a bye record\n"
		"  -C       (-w, stdin) copy the stream: never hand the ring up the pipe to the xcap writing it\n"
		"  -p       (-w) records through private memory, non-temporal stores (default for a PCI BAR)\n"
		"           (-r) records copied out of the ring first, streaming loads (default for a PCI BAR)\n"
		"  -B ADDR  listen on ADDR (PORT, unix:PATH, tcp:HOST:PORT) for the reader's call (xpaint -r RING -B); ring it\n"
		"  -S       accept a ring file of another user or writable by group or others (shared on purpose)\n"
		"  -v       say what happens (twice: more); -d ring,stream,stats: debug categories\n"
		"  COMMAND  gets the checked ring's fd in $XS_RING_FD (xcap then captures straight into it)\n",
		argv0, argv0, argv0);
	exit(code);
}

/* "32M", "65536", "1G" */
static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (errno || end == s || *s == '-')
		die(EX_CMDLINE, "bad size '%s'", s);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end || v == 0 || v > (1ull << 40) >> shift)
		die(EX_CMDLINE, "bad size '%s' (a number of bytes, optionally K, M or G)", s);
	return (uint64_t)v << shift;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_signal = 1;
	else
		stop_signal = sig;
}

int main(int argc, char **argv)
{
	const char *wpath = NULL, *rpath = NULL;
	uint64_t size = 0;
	unsigned long linger = 0;
	int c, privcopy = 0, exit_bye = 0, copy_only = 0;
	const char *bell = NULL;
	set_argv0(argv[0]);
	while ((c = getopt(argc, argv, "+w:r:s:l:pCxSB:vd:h")) != -1) {
		switch (c) {
		case 'w': wpath = optarg; break;
		case 'r': rpath = optarg; break;
		case 's': size = parse_size(optarg); break;
		case 'l':
			if (parse_uint(optarg, 0, 86400, &linger) < 0)
				die(EX_CMDLINE, "bad -l '%s' (seconds, 0..86400)", optarg);
			break;
		case 'p': privcopy = 1; break;
		case 'C': copy_only = 1; break;
		case 'x': exit_bye = 1; break;
		case 'S': ring_map_allow_shared(1); break;
		case 'B': bell = optarg; break;
		default:
			if (!common_option(c, optarg, "stream,ring,stats,all", usage))
				usage(EX_CMDLINE);
		}
	}
	char **cmd = optind < argc ? argv + optind : NULL;
	if (!wpath == !rpath || (cmd && (rpath || linger)))
		usage(EX_CMDLINE);
	if (rpath && (size || linger))
		die(EX_CMDLINE, "-s and -l belong to -w");
	if (rpath && copy_only)
		die(EX_CMDLINE, "-C belongs to -w");
	if (wpath && exit_bye)
		die(EX_CMDLINE, "-x belongs to -r");
	if (rpath && bell)
		die(EX_CMDLINE, "-B belongs to -w (the reader that calls it is xpaint -r RING -B ADDR)");

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return wpath ? run_writer(wpath, size, (unsigned)linger, privcopy, bell, cmd, copy_only) : run_reader(rpath, exit_bye, privcopy);
}
