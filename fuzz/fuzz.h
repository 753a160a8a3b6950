/*
 * The set-up the fuzz targets share: the entry point's prototype, a frame
 * or control stream fed to a real reader through a pipe (fuzz_pipe), and
 * records walked straight from memory into exact-size private copies
 * (fuzz_record), as the host's readers make them.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include "proto.h"
#include "stream.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input in a pipe (up to 60000 bytes, within the pipe's buffer),
 * behind one reader for all inputs, reset each time: its 1 MiB buffer per
 * input would cost more under ASan than the parsing (mmap, poisoning).
 * Returns NULL when the input is too long; close the reader's fd after.
 */
static inline struct xs_reader *fuzz_pipe(const uint8_t *data, size_t size)
{
	static struct xs_reader r;
	int p[2];
	if (size > 60000 || pipe(p))
		return NULL;
	if (write(p[1], data, size) != (ssize_t)size) {
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	close(p[1]);
	if (!r.buf)
		xs_reader_init(&r, p[0]);
	r.fd = p[0];
	r.start = r.end = 0;
	r.off = 0;
	r.eof = 0;
	return &r;
}

/* One record as a stream reader hands it out (xs_read): its header, its
 * body (the reader's private copy), its offset, and room for a message. */
struct fuzz_rec {
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	char err[256];
};
static inline int fuzz_read(struct xs_reader *r, struct fuzz_rec *f)
{
	return xs_read(r, &f->h, &f->body, &f->off, f->err, sizeof f->err);
}

/*
 * The record at data + *at, checked as a header (xs_check_hdr) and copied
 * into an exact-size allocation (overreads show) that the caller frees;
 * *at moves past it. NULL at the end of the input or at a bad header.
 */
static inline uint8_t *fuzz_record(const uint8_t *data, size_t size, size_t *at, struct xs_hdr *h)
{
	if (size - *at < XS_HDR_LEN)
		return NULL;
	*h = xs_get_hdr(data + *at);
	if (xs_check_hdr(*h) || h->len > size - *at - XS_HDR_LEN)
		return NULL;
	uint8_t *rec = malloc(XS_HDR_LEN + h->len);
	if (rec) {
		memcpy(rec, data + *at, XS_HDR_LEN + h->len);
		*at += XS_HDR_LEN + h->len;
	}
	return rec;
}

#endif
