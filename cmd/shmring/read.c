/*
 * shmring -r: records from the ring to stdout. Small records are gathered
 * in a private buffer; a large raw rect goes out with writev straight from
 * the ring (its header from the private copy), except on a PCI BAR or with
 * -p, where the library copies every record out first (ring_read.c). The consumer position is
 * published only after stdout took the records.
 */
#include "ring.h"
#include "shmring.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define OUTBUF (256u << 10)

struct out {
	uint8_t buf[OUTBUF];
	size_t len;
};

static struct ring_reader *rd; /* for the message when a write faults */
static const char *rd_path;

static void writev_all(struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(1, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EPIPE)
			die(EX_IO, "stdout closed by the reader of the stream");
		char e[256];
		if (w < 0 && errno == EFAULT && rd && ring_reader_lost(rd, e, sizeof e))
			die(EX_DATA, "%s: %s", rd_path, e); /* pixels sent from pages past the new end */
		if (w < 0)
			die(EX_IO, "write stdout:");
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

/* While idle: has the reader of stdout gone (a pipe's read end closed)?
 * Else a still screen would keep us waiting for the next record to find
 * out, and a supervised pipeline would hang on us. */
static void check_stdout(void)
{
	struct pollfd p = { 1, 0, 0 };
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)))
		die(EX_IO, "stdout closed by the reader of the stream");
}

/*
 * Nothing in the ring: sleep in poll on the notifier's eventfd (the
 * library thread does the heartbeats and the writer checks, waking us only
 * for a record, another session or a stopped writer) and on stdout, for
 * its reader going away; a signal ends the poll. Without the thread, the
 * ring is waited on directly.
 */
static int idle(struct ring_reader *r)
{
	int rc = ring_reader_wait(r, 0), fd = ring_reader_notify_fd(r);
	if (rc != RING_NONE)
		return rc;
	if (fd < 0)
		return ring_reader_wait(r, 250);
	ring_reader_arm(r);
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { 1, 0, 0 } };
	if (poll(p, 2, -1) < 0 && errno != EINTR)
		die(EX_OS, "poll:");
	if (p[1].revents & (POLLERR | POLLHUP))
		die(EX_IO, "stdout closed by the reader of the stream");
	return RING_NONE;
}

static void flush(struct out *o, struct ring_reader *r)
{
	if (o->len) {
		struct iovec v = { o->buf, o->len };
		writev_all(&v, 1);
		o->len = 0;
	}
	ring_reader_release(r);
}

/* A record out: its header (and an in-ring rect's rect header) from the
 * private copies, a large body straight from where it is. */
static void emit(struct out *o, struct ring_reader *r, const struct ring_rec *rec)
{
	struct xs_hdr h = rec->h;
	uint8_t hb[XS_HDR_LEN + XS_RECT_LEN];
	xs_put_hdr(hb, h.type, h.len);
	if (rec->in_ring || XS_HDR_LEN + h.len > OUTBUF - o->len) {
		struct iovec v[3] = { { o->buf, o->len }, { hb, XS_HDR_LEN }, { (void *)rec->body, h.len } };
		if (rec->in_ring) {
			memcpy(hb + XS_HDR_LEN, rec->rect_hdr, XS_RECT_LEN);
			v[1].iov_len = XS_HDR_LEN + XS_RECT_LEN;
			v[2] = (struct iovec){ (void *)rec->payload, h.len - XS_RECT_LEN };
		}
		writev_all(o->len ? v : v + 1, o->len ? 3 : 2);
		o->len = 0;
		ring_reader_release(r);
		return;
	}
	memcpy(o->buf + o->len, hb, XS_HDR_LEN);
	memcpy(o->buf + o->len + XS_HDR_LEN, rec->body, h.len);
	o->len += XS_HDR_LEN + h.len;
}

int run_reader(const char *path, int exit_bye, int copyout)
{
	struct ring_reader *r;
	static struct out o;
	char err[512];
	uint64_t recs = 0, bytes = 0, resyncs = 0;
	int rc = ring_reader_open(&r, path, err, sizeof err);
	if (rc < 0)
		die(rc == RING_NOFILE ? EX_NOX : EX_DATA, "%s", err);
	rd = r;
	rd_path = path;
	if (copyout)
		ring_reader_copyout(r, 1);
	VERB("reading %s (%llu bytes%s)%s", path, (unsigned long long)ring_reader_size(r),
	     !ring_reader_copies(r) ? "" : ring_load_streaming() ? ", copied out with streaming loads" :
	     ", copied out with plain loads", ring_reader_attached(r) ? "" : ": waiting for a writer");
	while (!stop_signal) {
		if (stats_signal) {
			stats_signal = 0;
			warn_line("stats: %llu records, %llu bytes, %llu resynchronisations", (unsigned long long)recs,
			       (unsigned long long)bytes, (unsigned long long)resyncs);
		}
		struct ring_rec rec;
		rc = ring_reader_next(r, &rec, err, sizeof err);
		switch (rc) {
		case RING_REC:
			if (!recs++)
				VERB("attached; first record: %s", xs_type_name(rec.h.type));
			bytes += XS_HDR_LEN + rec.h.len;
			emit(&o, r, &rec);
			if (exit_bye && rec.h.type == XS_BYE) {
				flush(&o, r);
				return 0;
			}
			continue;
		case RING_NONE:
			flush(&o, r);
			warn_limit_flush(0); /* counts of repeated lines that are due */
			check_stdout();
			rc = idle(r);
			if (rc == RING_STOPPED)
				warn_line("%s: writer stopped (its heartbeat stopped); waiting", path);
			continue;
		case RING_RESTART:
			resyncs++;
			flush(&o, r);
			VERB("%s", err);
			continue;
		case RING_CORRUPT:
			resyncs++;
			flush(&o, r);
			WARN_LIMITED("%s: %s", path, err);
			continue;
		default:
			flush(&o, r);
			die(EX_DATA, "%s: %s", path, err);
		}
	}
	flush(&o, r);
	return 0;
}
