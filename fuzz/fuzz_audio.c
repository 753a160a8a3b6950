/*
 * Fuzz target for audio records (docs/AUDIO.md): the input is a stream of
 * records, each walked into an exact-size private copy and parsed as
 * xpaint parses them (xs_parse: the set of formats, rates, channels and
 * sizes). A piece that passes is rebuilt as xpaint rebuilds it for the
 * player (xs_build_audio_hdr) and must parse again to the same fields,
 * then is decoded as xsnd -p decodes it (snd_decode: PCM as it is, Opus
 * through libopus, asked for exactly the piece's frames); the PCM must be
 * readable for frames x channels samples (ASan sees any overread).
 */
#include "fuzz.h"
#include "../cmd/xsnd/xsnd.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snd_dec dec;
	static uint8_t rb[XS_HDR_LEN + XS_AUDIO_HDR + XS_AUDIO_PAYLOAD_MAX];
	struct xs_hdr h;
	uint8_t *rec;
	size_t at = 0;
	char err[256];
	while ((rec = fuzz_record(data, size, &at, &h))) {
		struct xs_msg m, m2;
		if ((h.type != XS_AUDIO && h.type != XS_C_AUDIO) || xs_parse(h, rec + XS_HDR_LEN, &m, err, sizeof err)) {
			free(rec);
			continue;
		}
		const struct xs_audio *a = &m.u.audio;
		if (a->format == XS_AFMT_PCM16 && (size_t)a->frames * a->channels * 2 != a->len)
			abort();
		size_t n = xs_build_audio_hdr(rb, h.type, a);
		memcpy(rb + n, a->data, a->len);
		struct xs_hdr h2 = xs_get_hdr(rb);
		if (h2.len != h.len || xs_parse(h2, rb + XS_HDR_LEN, &m2, err, sizeof err) ||
		    m2.u.audio.format != a->format || m2.u.audio.rate != a->rate || m2.u.audio.channels != a->channels ||
		    m2.u.audio.frames != a->frames || m2.u.audio.seq != a->seq || m2.u.audio.len != a->len)
			abort();
		const int16_t *pcm = snd_decode(&dec, a, err, sizeof err);
		if (pcm) {
			volatile int sum = 0;
			for (uint32_t i = 0; i < a->frames * a->channels; i++)
				sum += pcm[i];
		}
		free(rec);
	}
	return 0;
}
