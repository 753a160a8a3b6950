/*
 * xgrab: tries to grab the keyboard of $DISPLAY (as any client may) and
 * says whether it got it: exit 0 and "grabbed", or 1 and the X status
 * (AlreadyGrabbed when another client, such as a viewer that must never
 * do so, holds the keyboard). Releases the grab at once.
 */
#include <X11/Xlib.h>
#include <stdio.h>

int main(void)
{
	Display *d = XOpenDisplay(NULL);
	if (!d) {
		fprintf(stderr, "xgrab: cannot open display\n");
		return 2;
	}
	int r = XGrabKeyboard(d, DefaultRootWindow(d), False, GrabModeAsync, GrabModeAsync, CurrentTime);
	if (r == GrabSuccess) {
		XUngrabKeyboard(d, CurrentTime);
		XSync(d, False);
		printf("grabbed\n");
		return 0;
	}
	printf("not grabbed: status %d%s\n", r, r == AlreadyGrabbed ? " (AlreadyGrabbed)" : "");
	return 1;
}
