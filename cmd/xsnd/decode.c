/*
 * A checked audio piece to the PCM a sink takes: PCM pieces as they are,
 * Opus packets through a decoder kept per channel count. The packet is
 * guest data: the decoder is asked for exactly the piece's frames, and a
 * packet that decodes to anything else is refused (fuzz_audio runs this).
 */
#include "xsnd.h"

#include <stdio.h>

const int16_t *snd_decode(struct snd_dec *d, const struct xs_audio *a, char *err, size_t n)
{
	int e;
	if (a->format == XS_AFMT_PCM16) {
		for (uint32_t i = 0; i < a->frames * a->channels; i++) /* little endian on the wire */
			d->pcm[i] = (int16_t)xs_get16(a->data + 2 * i);
		return d->pcm;
	}
	if (!d->opus || d->channels != a->channels) {
		if (d->opus)
			opus_decoder_destroy(d->opus);
		d->opus = opus_decoder_create(48000, (int)a->channels, &e);
		if (!d->opus) {
			snprintf(err, n, "opus decoder: %s", opus_strerror(e));
			return NULL;
		}
		d->channels = a->channels;
	}
	/* The packet's own header (its TOC byte and frame count) says how
	 * many frames it holds: a packet that says another number is refused
	 * before the decoder spends time on it. */
	int k = opus_packet_get_nb_samples(a->data, (opus_int32)a->len, 48000);
	if (k == (int)a->frames)
		k = opus_decode(d->opus, a->data, (opus_int32)a->len, d->pcm, (int)a->frames, 0);
	if (k != (int)a->frames) {
		if (k < 0)
			snprintf(err, n, "opus piece does not decode to its %u frames (%s)", a->frames, opus_strerror(k));
		else
			snprintf(err, n, "opus piece does not decode to its %u frames (it holds %d)", a->frames, k);
		return NULL;
	}
	return d->pcm;
}
