/*
 * The guest's title for the viewer's window: the name of the window that
 * has the input focus (the window manager's _NET_ACTIVE_WINDOW when there
 * is one), sent as a title record when it changes. The host prefixes and
 * sanitises it (lib/title.c); xcap only reads it. Checked when something
 * may have changed it (a frame, input, a property of the root or of the
 * named window), at most every CHECK_NS, so an idle guest costs nothing.
 */
#include "util.h"
#include "xcap.h"

#include <X11/Xatom.h>
#include <stdlib.h>

#define CHECK_NS 200000000ull

/* Adds PropertyChangeMask to what this client selects on w (XSelectInput
 * replaces the whole mask: seamless windows and the root select more). */
static int watch(struct cap *c, Window w)
{
	XWindowAttributes a;
	if (!XGetWindowAttributes(c->dpy, w, &a) || (a.your_event_mask & PropertyChangeMask))
		return 0;
	XSelectInput(c->dpy, w, a.your_event_mask | PropertyChangeMask);
	return 1;
}

static void unwatch(struct cap *c, Window w)
{
	XWindowAttributes a;
	if (XGetWindowAttributes(c->dpy, w, &a))
		XSelectInput(c->dpy, w, a.your_event_mask & ~PropertyChangeMask);
}

void title_init(struct cap *c)
{
	c->title.a_active = XInternAtom(c->dpy, "_NET_ACTIVE_WINDOW", False);
	c->title.a_netname = XInternAtom(c->dpy, "_NET_WM_NAME", False);
	if (c->wins) /* -W: each window has its own title */
		return;
	watch(c, c->root);
	c->title.due = 1;
}

/* A new reader: it gets the title again, at once. */
void title_restart(struct cap *c)
{
	c->title.sent = 0, c->title.due = 1, c->title.next = 0;
}

/* The name of w (_NET_WM_NAME, else WM_NAME; Latin-1 STRING made UTF-8)
 * into out; its length, or -1 when w has none. */
static int name_of(struct cap *c, Window w, uint8_t *out)
{
	Atom type;
	int fmt;
	unsigned long n, after;
	unsigned char *d = NULL;
	Atom props[2] = { c->title.a_netname, XA_WM_NAME };
	for (int i = 0; i < 2; i++) {
		if (XGetWindowProperty(c->dpy, w, props[i], 0, XS_TITLE_WIRE / 4, False, AnyPropertyType, &type, &fmt, &n,
				       &after, &d) != Success || type == None || fmt != 8) {
			if (d)
				XFree(d);
			d = NULL;
			continue;
		}
		int len = 0;
		for (unsigned long j = 0; j < n && len + 2 <= (int)XS_TITLE_WIRE; j++)
			if (type == XA_STRING && d[j] >= 0x80)
				out[len++] = (uint8_t)(0xc0 | d[j] >> 6), out[len++] = (uint8_t)(0x80 | (d[j] & 0x3f));
			else
				out[len++] = d[j];
		XFree(d);
		return len;
	}
	return -1;
}

/* The focused top-level client: the active window, else the focus window
 * walked up to the first one with a name. */
static Window focused(struct cap *c, uint8_t *name, int *len)
{
	Window w = None, root, parent, *kids;
	unsigned nk;
	int rev;
	Atom type;
	int fmt;
	unsigned long n, after;
	unsigned char *d = NULL;
	if (XGetWindowProperty(c->dpy, c->root, c->title.a_active, 0, 1, False, XA_WINDOW, &type, &fmt, &n, &after, &d) ==
		    Success && d && n == 1 && fmt == 32)
		w = (Window) * (long *)d;
	if (d)
		XFree(d);
	if (w == None)
		XGetInputFocus(c->dpy, &w, &rev);
	for (int depth = 0; w != None && w != PointerRoot && w != c->root && depth < 32; depth++) {
		if ((*len = name_of(c, w, name)) >= 0)
			return w;
		if (!XQueryTree(c->dpy, w, &root, &parent, &kids, &nk))
			break;
		if (kids)
			XFree(kids);
		w = parent;
	}
	*len = 0;
	return None;
}

/* Something may have changed the title: look soon. */
void title_poke(struct cap *c)
{
	c->title.due = 1;
}

/* Sends a title record when the focused window's name changed. */
void title_check(struct cap *c)
{
	struct titlex *t = &c->title;
	uint8_t name[XS_TITLE_WIRE + 8], rec[XS_HDR_LEN + XS_TITLE_WIRE];
	uint64_t now = mono_ns();
	if (!t->due || now < t->next || c->wins) /* -W: each window has its own title */
		return;
	t->due = 0;
	t->next = now + CHECK_NS;
	int len;
	Window w = focused(c, name, &len);
	if (w != t->win) {
		if (t->win && t->added)
			unwatch(c, t->win);
		t->added = w ? watch(c, w) : 0;
		t->win = w;
	}
	if ((size_t)len == t->len && !memcmp(name, t->text, (size_t)len) && t->sent)
		return;
	memcpy(t->text, name, (size_t)len);
	t->len = (size_t)len;
	t->sent = 1;
	out_record(c, rec, xs_build_title(rec, name, (uint32_t)len));
	DBG(D_X, "title of window 0x%lx: %d bytes", w, len);
}

/* A PropertyNotify that names or changes the focused window. */
int title_event(struct cap *c, XEvent *ev)
{
	struct titlex *t = &c->title;
	if (ev->type != PropertyNotify)
		return 0;
	Atom a = ev->xproperty.atom;
	if ((ev->xproperty.window == c->root && a == t->a_active) ||
	    (ev->xproperty.window == t->win && (a == t->a_netname || a == XA_WM_NAME)))
		t->due = 1, t->next = 0;
	return ev->xproperty.window == c->root || ev->xproperty.window == t->win;
}

/* When title_check() has something to do (monotonic ns), NO_DEADLINE: nothing due. */
uint64_t title_due_ns(const struct cap *c)
{
	return c->title.due && !c->wins ? c->title.next : NO_DEADLINE;
}
