#include "stream.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MIN_CAP (1u << 20)

void xs_reader_init(struct xs_reader *r, int fd)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->cap = MIN_CAP;
	r->buf = malloc(r->cap);
	if (!r->buf)
		die(EX_OS, "malloc:");
}

void xs_reader_free(struct xs_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Makes room for want bytes after start (want <= header + largest body). */
static void reserve(struct xs_reader *r, size_t want)
{
	if (r->start && (r->cap - r->start < want || r->start == r->end)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	r->buf = xs_grow(r->buf, &r->cap, want, 1, MIN_CAP);
}

ssize_t xs_fill(struct xs_reader *r)
{
	size_t want = XS_HDR_LEN;
	if (r->end - r->start >= XS_HDR_LEN) /* header known: room for the body */
		want += xs_get32(r->buf + r->start) <= XS_MAX_RECORD ? xs_get32(r->buf + r->start) : 0;
	reserve(r, want > MIN_CAP ? want : MIN_CAP);
	if (r->end == r->cap)
		reserve(r, r->cap - r->start + 1);
	ssize_t n;
	size_t room = r->cap - r->end;
	if (r->chunk && room > r->chunk)
		room = r->chunk;
	do
		n = read(r->fd, r->buf + r->end, room);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->end += (size_t)n;
	if (n == 0)
		r->eof = 1;
	return n;
}

int xs_next(struct xs_reader *r, struct xs_hdr *h, const uint8_t **body, uint64_t *off, char *err, size_t n)
{
	size_t have = r->end - r->start;
	*off = r->off;
	if (have < XS_HDR_LEN) {
		if (r->eof && have) {
			snprintf(err, n, "truncated record header at offset %llu (%zu of %u bytes)",
				 (unsigned long long)r->off, have, XS_HDR_LEN);
			return -1;
		}
		return 0;
	}
	*h = xs_get_hdr(r->buf + r->start);
	const char *e = xs_check_hdr(*h);
	if (e) {
		snprintf(err, n, "%s record (type %u, length %u) at offset %llu: %s", xs_type_name(h->type), h->type,
			 h->len, (unsigned long long)r->off, e);
		return -1;
	}
	if (have - XS_HDR_LEN < h->len) {
		if (r->eof) {
			snprintf(err, n, "%s record at offset %llu truncated: %zu of %u body bytes",
				 xs_type_name(h->type), (unsigned long long)r->off, have - XS_HDR_LEN, h->len);
			return -1;
		}
		return 0;
	}
	*body = r->buf + r->start + XS_HDR_LEN;
	r->start += XS_HDR_LEN + h->len;
	r->off += XS_HDR_LEN + h->len;
	return 1;
}

int xs_read(struct xs_reader *r, struct xs_hdr *h, const uint8_t **body, uint64_t *off, char *err, size_t n)
{
	for (;;) {
		int k = xs_next(r, h, body, off, err, n);
		if (k)
			return k;
		if (r->eof)
			return 0;
		if (xs_fill(r) < 0) {
			snprintf(err, n, "read at offset %llu: %s", (unsigned long long)r->off, strerror(errno));
			return -1;
		}
	}
}
