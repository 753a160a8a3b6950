/*
 * libFuzzer target: the jpeg decoder on one rect: a JFIF image
 * (bad markers, other dimensions, truncated scans, progressive).
 * See decode.h for the input layout and what aborts.
 */
#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return decode_one(XS_ENC_JPEG, data, size);
}
