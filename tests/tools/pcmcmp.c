/*
 * pcmcmp SIGNAL RECORDING [-c CHANNELS]
 * Finds SIGNAL (raw s16le, interleaved) in RECORDING, sample-exact: the
 * first 64 sample frames of the signal are looked for at every frame
 * offset of the recording, then the whole signal is compared there.
 * Prints the offset (frames), the frames compared and the first
 * difference. Exit 0 when the whole signal is there unchanged, 1 when it
 * is not found or differs, 2 on bad input. Noise makes a good signal: 64
 * frames of it match nowhere by chance.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY 64 /* frames that locate the signal */

static uint8_t *load(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); exit(2); }
	size_t cap = 1 << 20, len = 0;
	uint8_t *b = malloc(cap);
	size_t r;
	while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap && !(b = realloc(b, cap *= 2))) break;
	}
	if (!b) { fprintf(stderr, "pcmcmp: no memory\n"); exit(2); }
	fclose(f);
	*n = len;
	return b;
}

int main(int argc, char **argv)
{
	unsigned ch = 2;
	if (argc == 5 && !strcmp(argv[3], "-c"))
		ch = (unsigned)atoi(argv[4]);
	else if (argc != 3) {
		fprintf(stderr, "usage: pcmcmp SIGNAL RECORDING [-c CHANNELS]\n");
		return 2;
	}
	size_t ns, nr, fb = 2u * ch;
	uint8_t *s = load(argv[1], &ns), *r = load(argv[2], &nr);
	size_t sf = ns / fb, rf = nr / fb;
	if (sf < KEY) { fprintf(stderr, "pcmcmp: signal shorter than %u frames\n", KEY); return 2; }
	for (size_t o = 0; o + KEY <= rf; o++) {
		if (memcmp(r + o * fb, s, KEY * fb))
			continue;
		size_t i = KEY;
		while (i < sf && o + i < rf && !memcmp(r + (o + i) * fb, s + i * fb, fb))
			i++;
		printf("signal at frame %zu of the recording: %zu of %zu frames equal", o, i, sf);
		if (i < sf)
			printf("; first difference at signal frame %zu (%.1f ms)%s\n", i, i * 1000.0 / 48000,
			       o + i >= rf ? ", the recording ends there" : "");
		else
			printf("\n");
		return i < sf;
	}
	printf("signal not found in %zu recorded frames\n", rf);
	return 1;
}
