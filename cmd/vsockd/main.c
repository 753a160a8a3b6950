/*
 * vsockd: options, then one of the two roles (listen.c, connect.c). See
 * man/vsockd.1.
 */
#include "vsockd.h"
#include "handover.h"
#include "proto.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: vsockd -l [CID:]PORT|unix:PATH|tcp:HOST:PORT [-a CID]... [-N FD] [-p] [-v] [-d CATS] [-- COMMAND...]\n"
		"       vsockd -c CID:PORT|unix:PATH|tcp:HOST:PORT [-N FD] [-p] [-v] [-d CATS] [-- COMMAND...]\n"
		"  -l ADDR  listen (guest side): control records from the socket to stdout\n"
		"  -c ADDR  connect (host side): control records from stdin to the socket\n"
		"  -a CID   also accept vsock peers from CID (default: the host, CID 2 only)\n"
		"  -N FD    write the address and a newline to FD once listening/connected\n"
		"  -- COMMAND  run COMMAND (xcap with -l, xpaint with -c) and hand it each\n"
		"           connected socket ($XS_CTL_FD): no records pass through vsockd\n"
		"  -p       records through the pipe, never the socket down it or to $XS_CTL_GIVE\n"
		"  -v       log connections; -d net,stats: debug categories\n");
	exit(code);
}

static void add_allow(struct opts *o, const char *s)
{
	unsigned long v;
	if (parse_uint(s, 0, 0xfffffffeu, &v) < 0)
		die(EX_CMDLINE, "-a %s: expected a vsock CID (0..4294967294)", s);
	if (o->nallow == MAX_ALLOW)
		die(EX_CMDLINE, "-a: at most %d CIDs", MAX_ALLOW);
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
	while ((c = getopt(argc, argv, "l:c:a:N:pvd:h")) != -1) {
		switch (c) {
		case 'l': case 'c':
			if (o->listen >= 0)
				die(EX_CMDLINE, "give one of -l or -c, once");
			o->listen = c == 'l';
			where = optarg;
			break;
		case 'a': add_allow(o, optarg); break;
		case 'p': o->pipe_only = 1; break;
		case 'N':
			if (parse_uint(optarg, 0, 1 << 20, &fd) < 0 || fcntl((int)fd, F_GETFD) < 0)
				die(EX_CMDLINE, "-N %s: not an open file descriptor", optarg);
			o->ready_fd = (int)fd;
			break;
		default:
			if (!common_option(c, optarg, "net,stats,all", usage))
				usage(EX_CMDLINE);
		}
	}
	if (optind < argc && !strcmp(argv[optind - 1], "--"))
		o->cmd = argv + optind;
	else if (optind != argc)
		usage(EX_CMDLINE);
	if (o->listen < 0)
		usage(EX_CMDLINE);
	if (addr_parse(where, o->listen, &o->addr, err, sizeof err) < 0)
		die(EX_CMDLINE, "%s", err);
	if (o->nallow && !(o->listen && o->addr.family == AF_VSOCK))
		die(EX_CMDLINE, "-a applies to vsock listeners only (-l [CID:]PORT)");
	if (o->listen && o->ready_fd == 1 && !o->cmd)
		die(EX_CMDLINE, "-N 1: with -l, stdout carries records; use another descriptor");
}

int main(int argc, char **argv)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	set_argv0(argv[0]);
	parse_args(argc, argv, &o);
	o.chan = o.lfd = -1;
	if (o.cmd) /* the listener first: a port in use fails before COMMAND starts */
		run_handover(&o, o.listen ? addr_listen(&o.addr, "") : -1);
	if (!o.listen && (o.chan = give_env(&o)) >= 0) {
		/* xpaint -r RING -- vsockd -c ADDR: the sockets go to xpaint;
		 * our first word (none yet) tells it to stop writing our stdin */
		o.piped = 1;
		if (handover_send(o.chan, HANDOVER_LOST, -1) < 0)
			return 0;
	}
	int rc = o.listen ? run_listen(&o) : run_connect(&o);
	if (verbose || (debug_mask & D_STATS))
		print_stats();
	return rc;
}
