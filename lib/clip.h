/*
 * Clipboard transfers on the wire, without X: a selection's content goes
 * in data records of at most XS_CLIP_CHUNK bytes (docs/PROTOCOL.md,
 * "Clipboard"). The receiver checks every piece against the transfer it
 * asked for and against its cap before it stores a byte, so a peer can
 * never make it hold more than the cap; the sender cuts the content into
 * records as the output has room for them.
 */
#ifndef CLIP_H
#define CLIP_H

#include "proto.h"

#include <stddef.h>
#include <stdint.h>

#define XS_CLIP_CAP (1u << 20)           /* default cap: 1 MiB */
#define XS_CLIP_CAP_MAX (256u << 20)     /* the largest cap an option may set */
#define XS_CLIP_REC_MAX (XS_HDR_LEN + XS_CLIP_HDR + XS_CLIP_CHUNK)

struct xs_clip_in {
	int active;
	uint32_t sel, serial, format;
	uint64_t total;      /* announced by the first piece */
	int started;
	size_t limit;        /* the cap for this transfer */
	uint8_t *buf;
	size_t len, alloc;
};

enum { XS_CLIP_IGNORED = -1, XS_CLIP_MORE = 0, XS_CLIP_DONE = 1, XS_CLIP_FAIL = 2 };

/* Expects the content of (sel, serial, format), at most limit bytes. */
void xs_clip_in_start(struct xs_clip_in *t, uint32_t sel, uint32_t serial, uint32_t format, size_t limit);

/*
 * One checked data record (xs_parse). XS_CLIP_IGNORED: no transfer
 * expects it (err says why); XS_CLIP_MORE: stored, more to come;
 * XS_CLIP_DONE: t->buf holds all t->len bytes (the caller takes buf,
 * then calls xs_clip_in_free or starts anew); XS_CLIP_FAIL: the transfer
 * is over without content (the peer had none, it is over the cap, or the
 * pieces are inconsistent), err says why in one line.
 */
int xs_clip_in_data(struct xs_clip_in *t, const struct xs_clip_data *d, char *err, size_t n);
void xs_clip_in_free(struct xs_clip_in *t);

struct xs_clip_out {
	int active;
	uint16_t type;       /* XS_CLIP_DATA or XS_C_CLIP_DATA */
	uint32_t sel, serial, format, status;
	uint8_t *data;       /* owned: freed when the last piece is built */
	size_t len, off;
};

/* Sends data (len bytes, malloc'd, taken over; NULL with a status other
 * than XS_CLIP_OK, len then the size found so far). */
void xs_clip_out_start(struct xs_clip_out *o, uint16_t type, uint32_t sel, uint32_t serial, uint32_t format,
		       uint32_t status, uint8_t *data, size_t len);
/* Builds the next record into p (XS_CLIP_REC_MAX bytes); 0 when all are sent. */
size_t xs_clip_out_next(struct xs_clip_out *o, uint8_t *p);
void xs_clip_out_free(struct xs_clip_out *o);

/* "CLIPBOARD" or "PRIMARY", for messages. */
const char *xs_sel_name(uint32_t sel);

/* Parses a size for a cap option: bytes, or with a k, K, m or M suffix;
 * -1 unless within 1..XS_CLIP_CAP_MAX. */
int xs_parse_cap(const char *s, size_t *out);

#endif
