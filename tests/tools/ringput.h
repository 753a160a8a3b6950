/*
 * ring_put: one whole record (header and body) into a ring writer, for
 * the test writers that replay a stream (ringevil, xsgen). Exits 65 when
 * the record cannot fit the ring at all.
 */
#ifndef RINGPUT_H
#define RINGPUT_H
#include <string.h>

#include "proto.h"
#include "ring.h"
#include "util.h"

static void ring_put(struct ring_writer *w, struct xs_hdr h, const uint8_t *body)
{
	uint8_t *p = ring_writer_reserve(w, h.len);
	if (!p)
		die(EX_DATA, "a %u-byte record does not fit the ring", h.len);
	xs_put_hdr(p, h.type, h.len);
	memcpy(p + XS_HDR_LEN, body, h.len);
	ring_writer_commit(w, h.len);
}
#endif
