#include "xwm.h"

#include <X11/Xutil.h>

int xwm_running(Display *d)
{
	return XGetSelectionOwner(d, XInternAtom(d, "WM_S0", False)) != None;
}

int xwm_iconic(Display *d, Window w)
{
	Atom t;
	int f;
	unsigned long n, left;
	unsigned char *p = NULL;
	int ic = XGetWindowProperty(d, w, XInternAtom(d, "WM_STATE", False), 0, 2, False, AnyPropertyType, &t, &f, &n,
				    &left, &p) == Success &&
		 p && f == 32 && n >= 1 && ((long *)(void *)p)[0] == IconicState;
	if (p)
		XFree(p);
	return ic;
}
