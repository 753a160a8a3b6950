/*
 * libFuzzer target: arbitrary bytes as a ring (header included), then the
 * reader over it. Odd first byte: a valid header is stamped over the input
 * so the record checks get exercised; the last 8 bytes then move the
 * producer after the attach (the reader attaches at the newest boundary).
 */
#include "proto.h"
#include "ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SIZE (RING_HDR + RING_MIN_DATA)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	struct ring_reader r;
	char err[512];
	uint64_t prod = 0;
	if (!mem && !(mem = aligned_alloc(4096, SIZE)))
		return 0;
	memset(mem, 0, SIZE);
	memcpy(mem, data, size < SIZE ? size : SIZE);
	if (size >= 8)
		memcpy(&prod, data + size - 8, 8);
	if (size && (data[0] & 1)) {
		xs_put32(mem + RING_OFF_MAGIC, RING_MAGIC);
		xs_put32(mem + RING_OFF_VERSION, RING_VERSION);
		xs_put64(mem + RING_OFF_SIZE, SIZE);
		xs_put64(mem + RING_OFF_DATA, RING_HDR);
		xs_put64(mem + RING_OFF_DATALEN, RING_MIN_DATA);
		xs_put64(mem + RING_OFF_PROD, RING_SKEW);
	}
	memset(&r, 0, sizeof r);
	r.map.fd = -1;
	r.map.base = mem;
	r.map.size = SIZE;
	for (int i = 0; i < 64; i++) {
		struct xs_hdr h;
		const uint8_t *body;
		uint64_t off;
		int in_ring, rc = ring_reader_next(&r, &h, &body, &off, &in_ring, err, sizeof err);
		if (i == 0 && (data[0] & 1)) {
			/* let the fuzzer's bytes after the header be records */
			xs_put64(mem + RING_OFF_PROD, data[0] & 2 ? prod : RING_SKEW + (prod & 0xffff) * 64);
			r.synced = data[0] & 4 ? 0 : 1;
		}
		if (rc == RING_REC) {
			struct xs_msg m;
			if (in_ring && (off < RING_HDR || off + h.len > SIZE))
				abort(); /* an in-place body outside the mapping */
			xs_parse(h, body, &m, err, sizeof err);
			ring_reader_release(&r);
		} else if (rc == RING_FATAL) {
			break;
		}
	}
	free(r.buf);
	return 0;
}
