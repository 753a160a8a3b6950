/*
 * vsockd: options, signals, readiness and the control-record check shared
 * by both roles. See man/vsockd.1.
 */
#include "vsockd.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct stats st;

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: vsockd -l [CID:]PORT|unix:PATH|tcp:HOST:PORT [-a CID]... [-N FD] [-v] [-d CATS]\n"
		"       vsockd -c CID:PORT|unix:PATH|tcp:HOST:PORT [-N FD] [-v] [-d CATS]\n"
		"  -l ADDR  listen (guest side): control records from the socket to stdout\n"
		"  -c ADDR  connect (host side): control records from stdin to the socket\n"
		"  -a CID   also accept vsock peers from CID (default: the host, CID 2 only)\n"
		"  -N FD    write the address and a newline to FD once listening/connected\n"
		"  -v       log connections; -d net,stats: debug categories\n");
	exit(code);
}

/* Signals arrive as reads on a signalfd, handled in each poll loop. */
int sig_open(void)
{
	sigset_t set;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die(EX_OS, "sigprocmask:");
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		die(EX_OS, "signalfd:");
	return fd;
}

static void print_stats(void)
{
	warnx_("stats: connections %llu refused %llu records %llu bytes %llu rejects %llu resets %llu "
	       "outages %llu dropped %llu",
	       (unsigned long long)st.conns, (unsigned long long)st.refused, (unsigned long long)st.records,
	       (unsigned long long)st.bytes, (unsigned long long)st.rejects, (unsigned long long)st.resets,
	       (unsigned long long)st.outages, (unsigned long long)st.dropped);
}

int sig_handle(int sfd)
{
	struct signalfd_siginfo si;
	int stop = 0;
	while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGUSR1)
			print_stats();
		else {
			VERB("signal %u: exiting", si.ssi_signo);
			stop = 1;
		}
	}
	return stop;
}

/* Readiness for scripts: one line naming the address, then the fd closes. */
void say_ready(int *fd, const char *text)
{
	char line[200];
	if (*fd < 0)
		return;
	int n = snprintf(line, sizeof line, "%s\n", text);
	if (write_all(*fd, line, (size_t)n) < 0 && errno != EPIPE)
		warnx_("readiness fd %d:", *fd);
	close(*fd);
	*fd = -1;
}

/*
 * A control record header, beyond xs_check_hdr(): only control types
 * travel here, and no body is larger than a control hello.
 */
const char *ctl_check(const uint8_t *p)
{
	struct xs_hdr h = xs_get_hdr(p);
	if (h.type < XS_C_HELLO || h.type > 127)
		return "not a control record type";
	if (h.len > CTL_MAX_BODY)
		return "longer than any control record";
	return xs_check_hdr(h);
}

static void add_allow(struct opts *o, const char *s)
{
	unsigned long v;
	if (parse_uint(s, 0, 0xfffffffeu, &v) < 0)
		die(EX_USAGE_, "-a %s: expected a vsock CID (0..4294967294)", s);
	if (o->nallow == MAX_ALLOW)
		die(EX_USAGE_, "-a: at most %d CIDs", MAX_ALLOW);
	o->allow[o->nallow++] = (unsigned)v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	const char *where = NULL;
	char err[256];
	int c;
	unsigned long fd;
	o->ready_fd = -1;
	o->listen = -1;
	while ((c = getopt(argc, argv, "l:c:a:N:vd:h")) != -1) {
		switch (c) {
		case 'l': case 'c':
			if (o->listen >= 0)
				die(EX_USAGE_, "give one of -l or -c, once");
			o->listen = c == 'l';
			where = optarg;
			break;
		case 'a': add_allow(o, optarg); break;
		case 'N':
			if (parse_uint(optarg, 0, 1 << 20, &fd) < 0 || fcntl((int)fd, F_GETFD) < 0)
				die(EX_USAGE_, "-N %s: not an open file descriptor", optarg);
			o->ready_fd = (int)fd;
			break;
		case 'v': verbose++; break;
		case 'd':
			if (parse_debug(optarg) < 0)
				die(EX_USAGE_, "-d %s: categories are net,stats,all", optarg);
			break;
		case 'h': usage(0); break;
		default: usage(EX_USAGE_);
		}
	}
	if (optind != argc || o->listen < 0)
		usage(EX_USAGE_);
	if (addr_parse(where, o->listen, &o->addr, err, sizeof err) < 0)
		die(EX_USAGE_, "%s", err);
	if (o->nallow && !(o->listen && o->addr.family == AF_VSOCK))
		die(EX_USAGE_, "-a applies to vsock listeners only (-l [CID:]PORT)");
	if (o->listen && o->ready_fd == 1)
		die(EX_USAGE_, "-N 1: with -l, stdout carries records; use another descriptor");
}

int main(int argc, char **argv)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	setprogname_(argv[0]);
	parse_args(argc, argv, &o);
	int rc = o.listen ? run_listen(&o) : run_connect(&o);
	if (verbose || (debug_mask & D_STATS))
		print_stats();
	return rc;
}
