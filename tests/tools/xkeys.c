/*
 * xkeys: prints the keycodes and pointer buttons held on $DISPLAY now,
 * one line "keys: 38 50 buttons: 1"; exit 1 when anything is held, 0 when
 * nothing is (tests wait on it: "no key stuck on the guest").
 */
#include <X11/Xlib.h>
#include <stdio.h>

int main(void)
{
	Display *d = XOpenDisplay(NULL);
	if (!d) {
		fprintf(stderr, "xkeys: cannot open display\n");
		return 2;
	}
	char map[32];
	int held = 0;
	XQueryKeymap(d, map);
	printf("keys:");
	for (int k = 0; k < 256; k++)
		if (map[k / 8] & (1 << (k % 8))) {
			printf(" %d", k);
			held = 1;
		}
	Window r, c;
	int rx, ry, wx, wy;
	unsigned mask = 0;
	XQueryPointer(d, DefaultRootWindow(d), &r, &c, &rx, &ry, &wx, &wy, &mask);
	printf(" buttons:");
	for (int b = 1; b <= 5; b++)
		if (mask & (Button1Mask << (b - 1))) {
			printf(" %d", b);
			held = 1;
		}
	printf("\n");
	XCloseDisplay(d);
	return held;
}
