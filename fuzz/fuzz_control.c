/*
 * libFuzzer target: the control stream as the guest reads it (xcap from
 * vsockd -l, vsockd -l from its socket): xs_reader over a pipe, read in
 * chunks of 1..64 bytes so records are split across reads, xs_next,
 * frame records refused, xs_parse, then xcap's gate (the record table's
 * gated column): input only after a control hello with the display's
 * challenge, keys and buttons held tracked by index, a reset releasing
 * them. An index the parse lets through outside xcap's arrays aborts.
 */
#include "fuzz.h"

/* xcap's challenge in this target (in the dictionary too) */
static const uint8_t challenge[XS_NONCE_LEN] = "XCAP-CHALLENGE!";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 2048) /* control records are small: ~60 of them */
		return 0;
	struct xs_reader *r = fuzz_pipe(data + 1, size - 1);
	if (!r)
		return 0;
	struct fuzz_rec f;
	int accepted = 0;
	uint8_t held_button[10] = { 0 };
	unsigned held_keys = 0;
	r->chunk = 1 + data[0] % 64u;
	while (fuzz_read(r, &f) == 1) {
		struct xs_msg m;
		const struct xs_type_info *t = xs_type_info(f.h.type);
		if (!t || t->stream != XS_STREAM_CONTROL || xs_parse(f.h, f.body, &m, f.err, sizeof f.err))
			break; /* xcap: exit 65 */
		if (t->gated && !accepted)
			continue; /* xcap's gate, from the record table */
		switch (m.type) {
		case XS_C_HELLO:
			accepted = !memcmp(m.u.chello.challenge, challenge, XS_NONCE_LEN);
			break;
		case XS_C_KEY:
			if (m.u.key.down > 1)
				abort();
			held_keys += m.u.key.down;
			break;
		case XS_C_BUTTON:
			if (m.u.button.button < 1 || m.u.button.button > 9 || m.u.button.down > 1)
				abort();
			held_button[m.u.button.button] = (uint8_t)m.u.button.down;
			break;
		case XS_C_SIZE:
			if (xs_check_size(m.u.size.w, m.u.size.h))
				abort();
			break;
		case XS_C_RESET:
			memset(held_button, 0, sizeof held_button);
			held_keys = 0;
			accepted = 0;
			break;
		}
	}
	close(r->fd);
	return 0;
}
