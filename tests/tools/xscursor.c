/*
 * xscursor DISPLAY: prints the display's current cursor as XFixes sees it:
 * "WxH hot X,Y hash H" (FNV-1a of the ARGB pixels as little-endian u32),
 * so two displays' cursors can be compared in a test.
 */
#include <X11/Xlib.h>
#include <X11/extensions/Xfixes.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	Display *d = XOpenDisplay(argc > 1 ? argv[1] : NULL);
	int ev, err;
	if (!d || !XFixesQueryExtension(d, &ev, &err)) {
		fprintf(stderr, "xscursor: cannot open the display or it lacks XFIXES\n");
		return 2;
	}
	XFixesCursorImage *ci = XFixesGetCursorImage(d);
	if (!ci) {
		fprintf(stderr, "xscursor: no cursor image\n");
		return 1;
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < (size_t)ci->width * ci->height; i++)
		for (int b = 0; b < 32; b += 8)
			h = (h ^ (uint8_t)((uint32_t)ci->pixels[i] >> b)) * 16777619u;
	printf("%ux%u hot %u,%u hash %08x\n", ci->width, ci->height, ci->xhot, ci->yhot, h);
	XFree(ci);
	XCloseDisplay(d);
	return 0;
}
