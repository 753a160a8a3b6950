/*
 * libFuzzer target: the solid decoder on one rect (no payload), and
 * raw rects, whose only check is the payload size.
 * See decode.h for the input layout and what aborts.
 */
#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first byte picks solid or raw; the rest is decode_one's input */
	if (!size)
		return 0;
	return decode_one(data[0] & 1 ? XS_ENC_RAW : XS_ENC_SOLID, data + 1, size - 1);
}
