/*
 * libFuzzer target: arbitrary bytes as a ring (header included), then the
 * reader over it. Odd first byte: a valid header is stamped over the input
 * so the record checks get exercised; the last 8 bytes then move the
 * producer after the attach (the reader attaches at the newest boundary).
 * Bit 5 of the first byte: the reader copies records out first, as on a
 * guest's PCI BAR (ring_reader_copyout: the staging path of ring_read.c).
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
	struct ring_reader *r;
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
	/* bit 2: records before a HELLO are returned too (more of the walk) */
	if (ring_reader_open_mem(&r, mem, SIZE, size && !(data[0] & 4), err, sizeof err) < 0)
		return 0;
	if (size && (data[0] & 0x20))
		ring_reader_copyout(r, 1);
	for (int i = 0; i < 64; i++) {
		struct ring_rec rec;
		int rc = ring_reader_next(r, &rec, err, sizeof err);
		if (i == 0 && (data[0] & 1)) {
			/* let the fuzzer's bytes after the header be records */
			xs_put64(mem + RING_OFF_PROD, data[0] & 2 ? prod : RING_SKEW + (prod & 0xffff) * 64);
		}
		if (rc == RING_REC) {
			struct xs_msg m;
			if (rec.in_ring && (rec.payload_off < RING_HDR || rec.payload_off % 64 ||
					    rec.payload_off + rec.h.len - XS_RECT_LEN > SIZE))
				abort(); /* an in-place payload outside the mapping or unaligned */
			if (!rec.in_ring && !rec.body)
				abort();
			if (rec.in_ring && ring_reader_copies(r))
				abort(); /* a copy-out reader handed out ring memory */
			if (!ring_rec_parse(&rec, &m, err, sizeof err) && m.type == XS_RECT && rec.in_ring &&
			    m.u.rect.data != rec.payload)
				abort();
			ring_reader_release(r);
		} else if (rc == RING_FATAL) {
			break;
		}
	}
	ring_reader_close(r);
	return 0;
}
