#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

const char *argv0 = "?";
unsigned debug_mask;
int verbose;

void set_argv0(const char *a0)
{
	const char *s = strrchr(a0, '/');
	argv0 = s ? s + 1 : a0;
}

static void vmsg(const char *fmt, va_list ap)
{
	char buf[1024];
	int saved = errno;
	int n = snprintf(buf, sizeof buf, "%s: ", argv0);
	n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	if (fmt[0] && fmt[strlen(fmt) - 1] == ':')
		n += snprintf(buf + n, sizeof buf - (size_t)n, " %s", strerror(saved));
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	/* one write, so lines from several processes do not interleave */
	ssize_t w = write(2, buf, (size_t)n);
	(void)w;
	errno = saved;
}

void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(code);
}

void warn_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

static struct warn_limit *limited; /* sites that have counted lines */

static void say_dropped(struct warn_kind *k, uint64_t now)
{
	warn_line("%s (%lu like it in %.0f s)", k->last, k->dropped, (double)(now - k->since) / 1e9);
	k->dropped = 0;
	k->since = now;
	k->next = now + WARN_EVERY_NS;
}

static void flush_at_exit(void) { warn_limit_flush(1); }

/* FNV-1a of the text without its numbers, decimal and hex (0x...: a
 * guest's window ids differ in their letters too, and would otherwise
 * make each a kind of its own, pushing the site's other kinds into the
 * shared last slot); never 0. */
static uint32_t shape(const char *t)
{
	uint32_t h = 2166136261u;
	for (const char *s = t; *t; t++) {
		/* 0x at the start of a number ("10x20" is a size, not hex) */
		if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && isxdigit((unsigned char)t[2]) &&
		    (t == s || !isalnum((unsigned char)t[-1]))) {
			for (t += 2; isxdigit((unsigned char)t[1]); t++)
				;
			continue;
		}
		if (*t < '0' || *t > '9')
			h = (h ^ (uint8_t)*t) * 16777619u;
	}
	return h ? h : 1;
}

/* The kind of a message at site l: its shape's slot, a free one, or the
 * last, shared by every shape past WARN_KINDS. */
static struct warn_kind *kind_of(struct warn_limit *l, uint32_t sh)
{
	for (int i = 0; i < WARN_KINDS; i++)
		if (l->k[i].shape == sh || !l->k[i].shape) {
			l->k[i].shape = sh;
			return &l->k[i];
		}
	return &l->k[WARN_KINDS - 1];
}

void warn_limited(struct warn_limit *l, const char *fmt, ...)
{
	char m[sizeof l->k[0].last];
	va_list ap;
	int saved = errno;
	uint64_t now = mono_ns();
	va_start(ap, fmt);
	int n = vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof m && fmt[0] && fmt[strlen(fmt) - 1] == ':')
		snprintf(m + n, sizeof m - (size_t)n, " %s", strerror(saved));
	struct warn_kind *k = kind_of(l, shape(m));
	if (now >= k->next && !k->dropped) { /* the first, or the first after a quiet interval */
		warn_line("%s", m);
		k->since = now;
		k->next = now + WARN_EVERY_NS;
	} else {
		memcpy(k->last, m, sizeof m);
		k->dropped++;
		if (!l->linked) {
			if (!limited)
				atexit(flush_at_exit);
			l->linked = 1;
			l->link = limited;
			limited = l;
		}
		if (now >= k->next)
			say_dropped(k, now);
	}
	errno = saved;
}

void warn_limit_flush(int force)
{
	uint64_t now = mono_ns();
	for (struct warn_limit *l = limited; l; l = l->link)
		for (int i = 0; i < WARN_KINDS; i++)
			if (l->k[i].dropped && (force || now >= l->k[i].next))
				say_dropped(&l->k[i], now);
}

void dbg(unsigned cat, const char *fmt, ...)
{
	(void)cat;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int parse_debug(const char *s)
{
	static const struct { const char *name; unsigned bit; } cats[] = {
		{ "stream", D_STREAM }, { "ring", D_RING }, { "input", D_INPUT },
		{ "x", D_X }, { "enc", D_ENC }, { "net", D_NET }, { "stats", D_STATS },
		{ "cursor", D_CURSOR }, { "all", ~0u },
	};
	while (*s) {
		size_t n = strcspn(s, ",");
		size_t i;
		for (i = 0; i < sizeof cats / sizeof cats[0]; i++)
			if (strlen(cats[i].name) == n && !strncmp(s, cats[i].name, n))
				break;
		if (i == sizeof cats / sizeof cats[0])
			return -1;
		debug_mask |= cats[i].bit;
		s += n + (s[n] == ',');
	}
	return 0;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
uint64_t now_ns(void) { return clock_ns(CLOCK_REALTIME); }
uint64_t mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

void *xs_grow(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : first;
	while (c < need)
		c *= 2;
	p = realloc(p, c * elem);
	if (!p)
		die(EX_OS, "realloc:");
	*cap = c;
	return p;
}

void random_bytes(void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(EX_OS, "getrandom:");
		}
		p += r;
		n -= (size_t)r;
	}
}

int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

unsigned long opt_uint(int o, const char *arg, unsigned long lo, unsigned long hi, const char *what)
{
	unsigned long v;
	if (parse_uint(arg, lo, hi, &v) < 0)
		die(EX_CMDLINE, "-%c %s: not %s from %lu to %lu", o, arg, what, lo, hi);
	return v;
}

void hex(char *out, const uint8_t *v, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[v[i] >> 4];
		out[2 * i + 1] = d[v[i] & 15];
	}
	out[2 * n] = 0;
}

int signals_fd(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &s, NULL) < 0)
		die(EX_OS, "sigprocmask:");
	int fd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		die(EX_OS, "signalfd:");
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

int64_t ms_until(uint64_t when, uint64_t now)
{
	return when <= now ? 0 : (int64_t)((when - now + 999999) / 1000000);
}

void deadline_start(struct deadline *d)
{
	d->now_ns = mono_ns();
	d->at_ns = NO_DEADLINE;
}

void deadline_at_ns(struct deadline *d, uint64_t at_ns)
{
	if (at_ns < d->at_ns)
		d->at_ns = at_ns;
}

void deadline_in_ns(struct deadline *d, int64_t in_ns)
{
	if (in_ns >= 0)
		deadline_at_ns(d, d->now_ns + (uint64_t)in_ns);
}

void deadline_in_ms(struct deadline *d, int64_t in_ms)
{
	if (in_ms >= 0)
		deadline_in_ns(d, in_ms * 1000000);
}

struct timespec *deadline_ts(const struct deadline *d, struct timespec *ts)
{
	if (d->at_ns == NO_DEADLINE)
		return NULL;
	uint64_t left_ns = d->at_ns > d->now_ns ? d->at_ns - d->now_ns : 0;
	*ts = (struct timespec){ (time_t)(left_ns / 1000000000u), (long)(left_ns % 1000000000u) };
	return ts;
}

int same_bytes(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

int common_option(int o, const char *arg, const char *cats, void (*usage)(int))
{
	switch (o) {
	case 'v':
		verbose++;
		return 1;
	case 'd':
		if (parse_debug(arg) < 0)
			die(EX_CMDLINE, "-d %s: categories are %s", arg, cats);
		return 1;
	case 'h':
		usage(0);
		return 1;
	}
	return 0;
}
