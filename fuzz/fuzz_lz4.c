/*
 * libFuzzer target: the lz4 decoder on one rect: an LZ4 block
 * (corrupt, short, long, matches reaching back past the start).
 * See decode.h for the input layout and what aborts.
 */
#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return decode_one(XS_ENC_LZ4, data, size);
}
