/*
 * xkeyrec: an event recorder for key tests. Maps a window titled TITLE
 * (geometry WxH+X+Y) and prints one line per KeyPress it receives:
 * "KEYSYM STATE", the keysym as XLookupString gives it (what an
 * application sees: Shift, Lock and the group applied) and the event's
 * modifier state in hex; and one per ButtonPress: "button N X,Y" (the
 * position in the window). Each line is flushed, so a test can wait on it.
 * With -r, releases too: "release KEYSYM STATE". It leaves the server's
 * key autorepeat as it is: what it records is what an application gets.
 *
 * xkeyrec -a [on|off]: sets the server's key autorepeat, when given, and
 * prints it ("autorepeat on" or "autorepeat off").
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int autorepeat(Display *d, const char *set)
{
	if (set) {
		XKeyboardControl kc = { .auto_repeat_mode = strcmp(set, "on") ? AutoRepeatModeOff : AutoRepeatModeOn };
		XChangeKeyboardControl(d, KBAutoRepeatMode, &kc);
	}
	XKeyboardState ks;
	XGetKeyboardControl(d, &ks);
	printf("autorepeat %s\n", ks.global_auto_repeat == AutoRepeatModeOn ? "on" : "off");
	return 0;
}

int main(int argc, char **argv)
{
	int rel = argc > 1 && !strcmp(argv[1], "-r");
	int ar = argc > 1 && !strcmp(argv[1], "-a");
	if ((ar && argc > 3) || (!ar && argc != 3 + rel)) {
		fprintf(stderr, "usage: xkeyrec [-r] TITLE WxH+X+Y | xkeyrec -a [on|off]\n");
		return 64;
	}
	Display *d = XOpenDisplay(NULL);
	if (!d) {
		fprintf(stderr, "xkeyrec: cannot open display\n");
		return 2;
	}
	if (ar)
		return autorepeat(d, argv[2]);
	argv += rel;
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
	XSelectInput(d, win, KeyPressMask | ButtonPressMask | (rel ? KeyReleaseMask : 0));
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
		if (e.type != KeyPress && e.type != KeyRelease)
			continue;
		const char *what = e.type == KeyRelease ? "release " : "";
		char buf[16];
		KeySym ks = NoSymbol;
		XLookupString(&e.xkey, buf, sizeof buf, &ks, NULL);
		const char *name = XKeysymToString(ks);
		if (name)
			printf("%s%s 0x%x\n", what, name, e.xkey.state);
		else
			printf("%s0x%lx 0x%x\n", what, (unsigned long)ks, e.xkey.state);
		fflush(stdout);
	}
}
