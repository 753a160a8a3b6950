/*
 * xkeyrec: an event recorder for key tests. Maps a window titled TITLE
 * (geometry WxH+X+Y) and prints one line per KeyPress it receives:
 * "KEYSYM STATE", the keysym as XLookupString gives it (what an
 * application sees: Shift, Lock and the group applied) and the event's
 * modifier state in hex; and one per ButtonPress: "button N X,Y" (the
 * position in the window). Each line is flushed, so a test can wait on it.
 * It turns the X server's key autorepeat off: on a loaded machine a key
 * whose release comes late would otherwise be recorded twice.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: xkeyrec TITLE WxH+X+Y\n");
		return 64;
	}
	Display *d = XOpenDisplay(NULL);
	if (!d) {
		fprintf(stderr, "xkeyrec: cannot open display\n");
		return 2;
	}
	int x = 0, y = 0;
	unsigned w = 200, h = 100;
	XParseGeometry(argv[2], &x, &y, &w, &h);
	int s = DefaultScreen(d);
	Window win = XCreateSimpleWindow(d, RootWindow(d, s), x, y, w, h, 0, 0, WhitePixel(d, s));
	XSizeHints *sh = XAllocSizeHints();
	sh->flags = USPosition | USSize;
	sh->x = x, sh->y = y, sh->width = (int)w, sh->height = (int)h;
	XSetWMNormalHints(d, win, sh);
	XStoreName(d, win, argv[1]);
	XSelectInput(d, win, KeyPressMask | ButtonPressMask);
	XAutoRepeatOff(d);
	XMapWindow(d, win);
	for (;;) {
		XEvent e;
		XNextEvent(d, &e);
		if (e.type == MappingNotify)
			XRefreshKeyboardMapping(&e.xmapping);
		if (e.type == ButtonPress) {
			printf("button %u %d,%d\n", e.xbutton.button, e.xbutton.x, e.xbutton.y);
			fflush(stdout);
		}
		if (e.type != KeyPress)
			continue;
		char buf[16];
		KeySym ks = NoSymbol;
		XLookupString(&e.xkey, buf, sizeof buf, &ks, NULL);
		const char *name = XKeysymToString(ks);
		if (name)
			printf("%s 0x%x\n", name, e.xkey.state);
		else
			printf("0x%lx 0x%x\n", (unsigned long)ks, e.xkey.state);
		fflush(stdout);
	}
}
