/*
 * xgrab: tries to grab the keyboard of $DISPLAY (as any client may) and
 * says whether it got it: exit 0 and "grabbed", or 1 and the X status
 * (AlreadyGrabbed when another client, such as a viewer that must never
 * do so, holds the keyboard). Releases the grab at once.
 * xgrab -s MS: grabs the server, fills the root window with a new colour
 * (damage for a capturer), and holds the grab MS milliseconds: the X
 * server serves no other client meanwhile, so a capture asked for then
 * waits that long for its reply.
 */
#include <X11/Xlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int hold_server(Display *d, long ms)
{
	Window root = DefaultRootWindow(d);
	XWindowAttributes a;
	XGetWindowAttributes(d, root, &a);
	GC gc = XCreateGC(d, root, 0, NULL);
	XGrabServer(d);
	struct timespec t0;
	clock_gettime(CLOCK_REALTIME, &t0);
	XSetForeground(d, gc, (unsigned long)t0.tv_nsec * 2654435761u & 0xffffff);
	XFillRectangle(d, root, gc, 0, 0, (unsigned)a.width, (unsigned)a.height);
	XSync(d, False);
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	nanosleep(&ts, NULL);
	XUngrabServer(d);
	XSync(d, False);
	printf("held the server %ld ms\n", ms);
	return 0;
}

int main(int argc, char **argv)
{
	Display *d = XOpenDisplay(NULL);
	if (!d) {
		fprintf(stderr, "xgrab: cannot open display\n");
		return 2;
	}
	if (argc == 3 && !strcmp(argv[1], "-s"))
		return hold_server(d, atol(argv[2]));
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
