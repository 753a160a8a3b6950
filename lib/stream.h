/*
 * Record reader over a file descriptor (pipe, socket, file). It copies bytes
 * into a private buffer, checks each header before waiting for its body, and
 * knows the byte offset of every record for error messages.
 */
#ifndef STREAM_H
#define STREAM_H

#include "proto.h"

#include <stdint.h>
#include <sys/types.h>

struct xs_reader {
	int fd;
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t off;     /* stream offset of buf[start] */
	int eof;
	size_t chunk;     /* most bytes one xs_fill reads; 0: as many as fit */
};

void xs_reader_init(struct xs_reader *r, int fd);
void xs_reader_free(struct xs_reader *r);

/*
 * One read() into the buffer. Returns bytes read, 0 at EOF, -1 with errno
 * (EAGAIN on a non-blocking fd with nothing to read).
 */
ssize_t xs_fill(struct xs_reader *r);

/*
 * Takes the next whole record from the buffer. Returns 1 with *h, *body
 * (valid until the next xs_fill or xs_next) and *off; 0 when more bytes
 * are needed; -1 on a bad header or a record cut by EOF, with a message
 * naming the record and offset in err.
 */
int xs_next(struct xs_reader *r, struct xs_hdr *h, const uint8_t **body, uint64_t *off, char *err, size_t n);

/* Blocking: fill until a whole record is there. 1 record, 0 clean EOF, -1 error. */
int xs_read(struct xs_reader *r, struct xs_hdr *h, const uint8_t **body, uint64_t *off, char *err, size_t n);

#endif
