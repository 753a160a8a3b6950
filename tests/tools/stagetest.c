/*
 * The copy-out reader's memory (lib/ring_read.c, staged(): a guest's BAR,
 * or ring_reader_copyout): with the writer many megabytes ahead, records
 * that straddle the end of what is staged must not make the private stage
 * grow towards the whole data area; it stays within a few runs of
 * STAGE_CHUNK and the largest record. Writes 12 MiB of 100,000-byte
 * records into a 32 MiB ring, reads them all, checks every byte and the
 * heap. Prints one line per failed check; exit 1 if any failed.
 */
#include "ring.h"
#include "util.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEN 100000u
#define RECS 120u

static size_t heap(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

int main(void)
{
	struct ring_map m;
	struct ring_reader *r;
	char err[256], path[64];
	int failed = 0;
	snprintf(path, sizeof path, "/dev/shm/stagetest-%d", (int)getpid());
	if (ring_map_open(&m, path, 32u << 20, err, sizeof err) < 0)
		die(EX_OS, "%s", err);
	unlink(path);
	struct ring_writer *w = ring_writer_new(&m, 0);
	if (ring_reader_open_mem(&r, m.base, m.size, 1, err, sizeof err) < 0)
		die(EX_DATA, "%s", err);
	ring_reader_copyout(r, 1);
	for (unsigned i = 0; i < RECS; i++) {
		uint8_t *d = ring_writer_reserve(w, LEN);
		xs_put_hdr(d, XS_RECT, LEN);
		memset(d + XS_HDR_LEN, (int)(i & 0xff), LEN);
		ring_writer_commit(w, LEN);
	}
	size_t before = heap(), most = 0;
	for (unsigned got = 0; got < RECS;) {
		struct ring_rec rec;
		int rc = ring_reader_next(r, &rec, err, sizeof err);
		if (rc == RING_NONE)
			die(EX_SOFT, "ring empty after %u of %u records", got, RECS);
		if (rc != RING_REC)
			die(EX_DATA, "%s", err);
		if (rec.h.len != LEN || rec.body[0] != (got & 0xff) || rec.body[LEN - 1] != (got & 0xff)) {
			printf("stagetest: record %u: length %u, bytes %u..%u\n", got, rec.h.len, rec.body[0],
			       rec.body[LEN - 1]);
			failed = 1;
		}
		ring_reader_release(r);
		if (heap() > most)
			most = heap();
		got++;
	}
	if (most - before > (6u << 20)) {
		printf("stagetest: the stage grew to %zu KiB reading %u KiB of records (at most 6 MiB expected)\n",
		       (most - before) >> 10, RECS * LEN >> 10);
		failed = 1;
	}
	ring_reader_close(r);
	ring_writer_free(w);
	ring_map_close(&m);
	return failed;
}
