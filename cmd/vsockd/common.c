/*
 * vsockd: what both roles share: counters and signals, the readiness line,
 * the control-record check.
 */
#include "vsockd.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct stats st;

void print_stats(void)
{
	warn_line("stats: connections %llu refused %llu records %llu bytes %llu rejects %llu resets %llu "
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
		warn_line("readiness fd %d:", *fd);
	close(*fd);
	*fd = -1;
}

/*
 * A control record header, beyond xs_check_hdr(): only control types
 * travel here, and no body is larger than a clipboard piece (CTL_MAX_BODY).
 */
const char *ctl_check(const uint8_t *p)
{
	struct xs_hdr h = xs_get_hdr(p);
	const struct xs_type_info *t = xs_type_info(h.type);
	if (!t || t->stream != XS_STREAM_CONTROL)
		return "not a control record type";
	if (h.len > CTL_MAX_BODY)
		return "longer than any control record";
	return xs_check_hdr(h);
}
