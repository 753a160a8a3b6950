/*
 * The window manager's side of ICCCM that both seamless sides need (xcap
 * -W in the guest, xpaint's seamless windows on the host): whether a
 * window manager runs, and whether a window is iconified. Xlib only; not
 * in libxs.a, linked into those two tools (as xsel.c).
 */
#ifndef XWM_H
#define XWM_H

#include <X11/Xlib.h>

/* Does a window manager run on d's first screen (WM_S0 has an owner)? */
int xwm_running(Display *d);
/* Is w iconified (its WM_STATE says IconicState)? */
int xwm_iconic(Display *d, Window w);

#endif
