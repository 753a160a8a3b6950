/*
 * libFuzzer target: frame-stream records one by one, straight from memory
 * (no pipe: fuzz_stream covers the framing), as every host reader parses
 * them: xs_check_hdr, xs_parse, xs_check_rect against the last hello or
 * resize. Each record that parses must build back to the same bytes with
 * the builders, and its values must be inside the documented limits: the
 * parse may refuse too much, but never accept a value a caller could
 * misuse. A control record in the frame stream ends the walk, as in xpaint.
 */
#include "fuzz.h"

static void same(const uint8_t *built, size_t n, const uint8_t *hdr)
{
	/* the builders write header and body; hdr points at the record */
	if (memcmp(built, hdr, n))
		abort();
}

/* One parsed record against its bytes; updates the surface. */
static int check(const uint8_t *rec, struct xs_hdr h, const struct xs_msg *m, uint32_t *sw, uint32_t *sh)
{
	uint8_t b[XS_BUILD_MAX];
	const uint8_t *body = rec + XS_HDR_LEN;
	char err[256];
	if (xs_type_info(m->type)->stream != XS_STREAM_FRAME)
		return -1; /* a control record: xpaint refuses it */
	switch (m->type) {
	case XS_HELLO: {
		const struct xs_hello *o = &m->u.hello;
		if (xs_check_size(o->width, o->height) || (uint64_t)o->width * o->height * 4 > 256u << 20)
			abort();
		xs_build_hello(b, o->width, o->height, o->flags, o->challenge);
		xs_put16(b + XS_HDR_LEN + 6, o->minor);
		if (memcmp(b + XS_HDR_LEN, body, 40))
			abort();
		*sw = o->width, *sh = o->height;
		return 0;
	}
	case XS_RECT: {
		const struct xs_rect_msg *rm = &m->u.rect;
		struct xs_rect r = rm->r;
		if (rm->data != body + XS_RECT_LEN || rm->len != h.len - XS_RECT_LEN || !r.w || !r.h ||
		    r.w > XS_MAX_DIM || r.h > XS_MAX_DIM)
			abort();
		if (rm->enc == XS_ENC_RAW && rm->len != (uint64_t)r.w * r.h * 4)
			abort();
		if (rm->enc == XS_ENC_SOLID && rm->len)
			abort();
		if (rm->enc >= XS_NENC)
			abort();
		same(b, xs_build_rect_hdr(b, rm->enc, r, rm->param, rm->len), rec);
		if (!*sw || xs_check_rect(r, *sw, *sh, err, sizeof err))
			return -1;
		/* the last pixel it may touch is inside the surface */
		if (((uint64_t)(r.y + r.h - 1) * *sw + r.x + r.w) * 4 > (uint64_t)*sw * *sh * 4)
			abort();
		return 0;
	}
	case XS_FRAME:
		same(b, xs_build_frame(b, m->u.frame.seq, m->u.frame.time_ns, m->u.frame.nrects, m->u.frame.flags), rec);
		return 0;
	case XS_CURSOR: {
		const struct xs_cursor *c = &m->u.cursor;
		if (!c->w || !c->h || c->w > XS_MAX_CURSOR || c->h > XS_MAX_CURSOR || c->xhot >= c->w ||
		    c->yhot >= c->h || c->argb != body + 20 || 20 + (uint64_t)c->w * c->h * 4 != h.len)
			abort();
		same(b, xs_build_cursor_hdr(b, c->w, c->h, c->xhot, c->yhot, c->serial), rec);
		return 0;
	}
	case XS_POINTER:
		same(b, xs_build_pointer(b, m->u.pointer.x, m->u.pointer.y, m->u.pointer.visible), rec);
		return 0;
	case XS_RESIZE:
		if (xs_check_size(m->u.size.w, m->u.size.h))
			abort();
		same(b, xs_build_size(b, XS_RESIZE, m->u.size.w, m->u.size.h), rec);
		*sw = m->u.size.w, *sh = m->u.size.h;
		return 0;
	case XS_ECHO:
		same(b, xs_build_nonce(b, XS_ECHO, m->u.nonce.v), rec);
		return 0;
	case XS_BYE:
		same(b, xs_build_bye(b, m->u.reason), rec);
		return 0;
	}
	return 0; /* title, clipboard and window records: fuzz_clip and fuzz_window look at them */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t sw = 0, sh = 0;
	size_t at = 0;
	struct xs_hdr h;
	uint8_t *rec;
	while ((rec = fuzz_record(data, size, &at, &h))) {
		struct xs_msg m;
		char err[256];
		int bad = xs_parse(h, rec + XS_HDR_LEN, &m, err, sizeof err) != NULL;
		if (!bad && m.type != h.type)
			abort();
		if (!bad)
			bad = check(rec, h, &m, &sw, &sh);
		free(rec);
		if (bad)
			break;
	}
	return 0;
}
