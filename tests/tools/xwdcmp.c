/*
 * xwdcmp A.xwd B.xwd [-a X,Y] [-b X,Y] [-s WxH] [-p MINPSNR] [-z N]
 * Compares the pixels of two xwd dumps (ZPixmap, 24 or 32 bits a pixel)
 * over an area: the whole of A by default, at offset -a in A and -b in B.
 * With -z N, B holds the area N times larger, each pixel of A an NxN block
 * (nearest-neighbour scaling).
 * Exit 0 when equal (or PSNR >= MINPSNR with -p), 1 when different, 2 on
 * bad input. Prints the number of differing pixels, the first one and PSNR.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct img { uint32_t w, h, bpl, bpp, msb; uint8_t *px; };

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static int load(const char *path, struct img *im)
{
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); return -1; }
	uint8_t h[100];
	if (fread(h, 1, 100, f) != 100) { fprintf(stderr, "%s: short header\n", path); return -1; }
	uint32_t hsize = be32(h), format = be32(h + 8), depth = be32(h + 12);
	im->w = be32(h + 16); im->h = be32(h + 20);
	im->msb = be32(h + 28); /* byte order */
	im->bpp = be32(h + 44); im->bpl = be32(h + 48);
	uint32_t ncolors = be32(h + 76);
	if (format != 2 || (im->bpp != 32 && im->bpp != 24) || depth < 24) {
		fprintf(stderr, "%s: not a 24/32-bit ZPixmap (format %u depth %u bpp %u)\n", path, format, depth, im->bpp);
		return -1;
	}
	if (fseek(f, (long)hsize + 12L * ncolors, SEEK_SET)) { perror(path); return -1; }
	size_t n = (size_t)im->bpl * im->h;
	im->px = malloc(n);
	if (!im->px || fread(im->px, 1, n, f) != n) { fprintf(stderr, "%s: short pixel data\n", path); return -1; }
	fclose(f);
	return 0;
}

static uint32_t pixel(const struct img *im, uint32_t x, uint32_t y)
{
	const uint8_t *p = im->px + (size_t)y * im->bpl + (size_t)x * (im->bpp / 8);
	if (im->msb) /* MSBFirst: bytes X R G B (32) or R G B (24) */
		return im->bpp == 32 ? (uint32_t)p[1] << 16 | p[2] << 8 | p[3] : (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
	return (uint32_t)p[2] << 16 | p[1] << 8 | p[0];
}

int main(int argc, char **argv)
{
	struct img a, b;
	unsigned ax = 0, ay = 0, bx = 0, by = 0, w = 0, h = 0, z = 1;
	double minpsnr = -1;
	if (argc < 3) {
		fprintf(stderr, "usage: xwdcmp A.xwd B.xwd [-a X,Y] [-b X,Y] [-s WxH] [-p MINPSNR] [-z N]\n");
		return 2;
	}
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-a")) sscanf(argv[i + 1], "%u,%u", &ax, &ay);
		else if (!strcmp(argv[i], "-b")) sscanf(argv[i + 1], "%u,%u", &bx, &by);
		else if (!strcmp(argv[i], "-s")) sscanf(argv[i + 1], "%ux%u", &w, &h);
		else if (!strcmp(argv[i], "-p")) minpsnr = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "-z") && sscanf(argv[i + 1], "%u", &z) == 1 && z >= 1 && z <= 16) continue;
		else { fprintf(stderr, "xwdcmp: unknown option %s\n", argv[i]); return 2; }
	}
	if (load(argv[1], &a) || load(argv[2], &b))
		return 2;
	if (!w) { w = a.w - ax; h = a.h - ay; }
	if (ax + w > a.w || ay + h > a.h || bx + w * z > b.w || by + h * z > b.h) {
		fprintf(stderr, "xwdcmp: area %ux%u does not fit (A %ux%u at %u,%u; B %ux%u at %u,%u)\n", w, h, a.w, a.h,
			ax, ay, b.w, b.h, bx, by);
		return 1;
	}
	unsigned long diff = 0;
	double se = 0;
	long fx = -1, fy = -1;
	uint32_t fa = 0, fb = 0;
	for (uint32_t y = 0; y < h * z; y++)
		for (uint32_t x = 0; x < w * z; x++) {
			uint32_t pa = pixel(&a, ax + x / z, ay + y / z), pb = pixel(&b, bx + x, by + y);
			if (pa == pb)
				continue;
			if (!diff++) { fx = x; fy = y; fa = pa; fb = pb; }
			for (int s = 0; s < 24; s += 8) {
				double d = (double)((pa >> s) & 255) - (double)((pb >> s) & 255);
				se += d * d;
			}
		}
	double mse = se / ((double)w * h * z * z * 3);
	double psnr = mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99;
	printf("%ux%u compared, %lu differ, psnr %.2f dB", w, h, diff, psnr);
	if (diff)
		printf(", first at %ld,%ld: %06x vs %06x", fx, fy, fa, fb);
	printf("\n");
	if (minpsnr >= 0)
		return psnr >= minpsnr ? 0 : 1;
	return diff ? 1 : 0;
}
