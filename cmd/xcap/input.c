/*
 * Control input injected with XTest. Keys arrive as keysyms because host
 * and guest may use different layouts: each keysym is mapped to a guest
 * keycode and shift level, Shift and AltGr are pressed or released around
 * the key so the guest produces that keysym (only where the guest's key
 * gives another keysym with them: a held Shift stays on Shift+Right, the
 * state the user holds reaches the application), and a keysym the guest keymap
 * lacks is put on a spare keycode. Every key and button xcap holds down is
 * tracked so a reset (or exit) releases them all: no stuck keys.
 * While a controller is attached the host's keyboard drives key repeat
 * (as Xpra does): the guest server's own autorepeat is off, and each
 * repeat the host sends is typed as a release and a press.
 */
#include "xcap.h"
#include "util.h"

#include <X11/XKBlib.h>
#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <stdlib.h>

static void load_map(struct cap *c)
{
	struct input *in = &c->in;
	if (in->syms)
		XFree(in->syms);
	if (in->mods)
		XFreeModifiermap(in->mods);
	XDisplayKeycodes(c->dpy, &in->kmin, &in->kmax);
	in->syms = XGetKeyboardMapping(c->dpy, (KeyCode)in->kmin, in->kmax - in->kmin + 1, &in->per);
	in->mods = XGetModifierMapping(c->dpy);
	if (in->xkb)
		XkbFreeKeyboard(in->xkb, 0, True);
	in->xkb = XkbGetMap(c->dpy, XkbKeyTypesMask | XkbKeySymsMask | XkbModifierMapMask, XkbUseCoreKbd);
	if (!in->syms || !in->mods || !in->xkb)
		die(EX_NOX, "cannot read the keyboard mapping");
}

/*
 * A new keymap (setxkbmap in the guest) comes as XKB events: once a
 * client uses XKB (XkbGetMap here) the server sends it the core
 * MappingNotify only for the changes it selected, so select them.
 */
/*
 * Key repeat is the host's while a controller is attached: the guest
 * server would repeat a key whose release reaches it late (a loaded host,
 * a slow link, a halted vCPU), doubling characters and carrying a held
 * arrow past the user's release. So its autorepeat is off from the
 * accepted hello until the controller goes (reset, end of control,
 * exit), then set back as found.
 *
 * Several xcaps may capture one display (a whole-screen viewer and a
 * second one, a capture started while a viewer is attached), and any of
 * them may be killed. So the setting found and who holds it live in the
 * root window property _XCAP_AUTOREPEAT: CARDINAL[1 + n], the setting
 * found before the first holder, then one window of each holder (an
 * unmapped InputOnly window, which the X server destroys with its client:
 * a killed xcap drops out by itself). The first holder saves the setting,
 * the last one puts it back; an xcap that finds the setting with no live
 * holder (all killed) puts it back at start, as input_release_leftovers
 * does for keys. Every read-modify-write is under a server grab.
 */
#define REPEAT_HOLDERS_MAX 64

static Atom repeat_atom(struct cap *c)
{
	return XInternAtom(c->dpy, "_XCAP_AUTOREPEAT", False);
}

static int quiet_xerror(Display *d, XErrorEvent *e)
{
	(void)d, (void)e;
	return 0;
}

/* A holder's window still exists: its xcap is alive (or stopped). */
static int window_alive(struct cap *c, Window w)
{
	Window root;
	int x, y;
	unsigned wd, ht, bw, depth;
	XSync(c->dpy, False); /* earlier requests' errors to the usual handler */
	int (*old)(Display *, XErrorEvent *) = XSetErrorHandler(quiet_xerror);
	Status st = XGetGeometry(c->dpy, w, &root, &x, &y, &wd, &ht, &bw, &depth); /* its error comes with the reply */
	XSetErrorHandler(old);
	return st != 0;
}

/* The property: the setting saved (1 on, 0 off, -1 no property) and the
 * holders still alive, at most REPEAT_HOLDERS_MAX - 1 (room for one more). */
static int repeat_read(struct cap *c, Window *live, int *n)
{
	Atom type;
	int fmt, v = -1;
	unsigned long got, left;
	unsigned char *p = NULL;
	*n = 0;
	if (XGetWindowProperty(c->dpy, c->root, repeat_atom(c), 0, REPEAT_HOLDERS_MAX, False, XA_CARDINAL, &type, &fmt,
			       &got, &left, &p) == Success && p && type == XA_CARDINAL && fmt == 32 && got >= 1) {
		const long *l = (const long *)p; /* Xlib hands format 32 as longs */
		v = l[0] != 0;
		for (unsigned long i = 1; i < got && *n < REPEAT_HOLDERS_MAX - 1; i++)
			if (l[i] && window_alive(c, (Window)l[i]))
				live[(*n)++] = (Window)l[i];
	}
	if (p)
		XFree(p);
	return v;
}

static void repeat_write(struct cap *c, int setting, const Window *live, int n)
{
	long v[REPEAT_HOLDERS_MAX];
	v[0] = setting;
	for (int i = 0; i < n; i++)
		v[1 + i] = (long)live[i];
	XChangeProperty(c->dpy, c->root, repeat_atom(c), XA_CARDINAL, 32, PropModeReplace, (unsigned char *)v, 1 + n);
}

static void set_repeat(struct cap *c, int on)
{
	XKeyboardControl kc = { .auto_repeat_mode = on ? AutoRepeatModeOn : AutoRepeatModeOff };
	XChangeKeyboardControl(c->dpy, KBAutoRepeatMode, &kc);
}

/* An accepted control hello: the guest stops repeating keys itself. */
void input_repeat_take(struct cap *c)
{
	struct input *in = &c->in;
	Window live[REPEAT_HOLDERS_MAX];
	int n;
	if (!c->has_xtest || in->repeat_taken)
		return;
	XGrabServer(c->dpy);
	int saved = repeat_read(c, live, &n);
	if (n == 0 && saved < 0) { /* the first holder: the setting as found */
		XKeyboardState ks;
		XGetKeyboardControl(c->dpy, &ks);
		saved = ks.global_auto_repeat == AutoRepeatModeOn;
	} /* else another xcap holds it, or a killed one left it saved: keep that */
	XSetWindowAttributes wa = { .override_redirect = True };
	in->repeat_token = XCreateWindow(c->dpy, c->root, -1, -1, 1, 1, 0, 0, InputOnly, CopyFromParent,
					 CWOverrideRedirect, &wa);
	live[n++] = in->repeat_token;
	repeat_write(c, saved, live, n);
	set_repeat(c, 0);
	XUngrabServer(c->dpy);
	XFlush(c->dpy);
	in->repeat_was = saved;
	in->repeat_taken = 1;
	DBG(D_INPUT, "guest autorepeat off while the controller is attached (was %s; %d holders)", saved ? "on" : "off",
	    n);
}

/* The controller went (or xcap exits): the guest's setting as found, when
 * no other xcap holds it. */
static void repeat_give_back(struct cap *c)
{
	struct input *in = &c->in;
	Window live[REPEAT_HOLDERS_MAX];
	int n, k = 0;
	if (!in->repeat_taken)
		return;
	XGrabServer(c->dpy);
	int saved = repeat_read(c, live, &n);
	for (int i = 0; i < n; i++)
		if (live[i] != in->repeat_token)
			live[k++] = live[i];
	if (saved < 0) /* the property went (a client deleted it): ours then */
		saved = in->repeat_was;
	if (k == 0) {
		set_repeat(c, saved);
		XDeleteProperty(c->dpy, c->root, repeat_atom(c));
	} else {
		repeat_write(c, saved, live, k);
	}
	XDestroyWindow(c->dpy, in->repeat_token);
	XUngrabServer(c->dpy);
	XFlush(c->dpy);
	in->repeat_token = 0;
	in->repeat_taken = 0;
	if (k)
		DBG(D_INPUT, "guest autorepeat left off: %d other xcaps hold it", k);
	else
		DBG(D_INPUT, "guest autorepeat %s again", saved ? "on" : "off");
}

/* At start: a setting saved by xcaps that are all gone (killed) goes back. */
static void repeat_leftover(struct cap *c)
{
	Window live[REPEAT_HOLDERS_MAX];
	int n;
	XGrabServer(c->dpy);
	int saved = repeat_read(c, live, &n);
	if (saved >= 0 && n == 0) {
		set_repeat(c, saved);
		XDeleteProperty(c->dpy, c->root, repeat_atom(c));
	}
	XUngrabServer(c->dpy);
	if (saved >= 0 && n == 0)
		warn_line("guest autorepeat set back %s (left off by an xcap that was killed?)", saved ? "on" : "off");
}

void input_init(struct cap *c)
{
	int op, err, major = XkbMajorVersion, minor = XkbMinorVersion;
	if (XkbQueryExtension(c->dpy, &op, &c->in.xkb_ev, &err, &major, &minor))
		XkbSelectEvents(c->dpy, XkbUseCoreKbd, XkbNewKeyboardNotifyMask | XkbMapNotifyMask,
				XkbNewKeyboardNotifyMask | XkbMapNotifyMask);
	else
		c->in.xkb_ev = -1;
	load_map(c);
}

/* 1 when ev says the keymap changed (it is reloaded). */
int input_xkb_event(struct cap *c, XEvent *ev)
{
	if (c->in.xkb_ev < 0 || ev->type != c->in.xkb_ev)
		return 0;
	int t = ((XkbAnyEvent *)ev)->xkb_type;
	if (t == XkbNewKeyboardNotify || t == XkbMapNotify)
		input_mapping_changed(c);
	return 1;
}

void input_mapping_changed(struct cap *c)
{
	load_map(c);
	DBG(D_INPUT, "keyboard mapping changed: keycodes %d-%d reloaded", c->in.kmin, c->in.kmax);
}

static KeySym sym_at(const struct input *in, int kc, int i)
{
	if (kc < in->kmin || kc > in->kmax || i >= in->per)
		return NoSymbol;
	return in->syms[(size_t)(kc - in->kmin) * in->per + i];
}

/*
 * Finds a keycode producing ks and its index in the core mapping: 0 plain,
 * 1 Shift, 4 AltGr, 5 AltGr+Shift (group 1; XKB's core view puts level 3
 * and 4 at 4 and 5). The lowest level wins, so 'a' never needs modifiers.
 */
static int find_key(const struct input *in, KeySym ks, int *kc, int *idx)
{
	static const int order[] = { 0, 1, 4, 5 };
	for (unsigned o = 0; o < sizeof order / sizeof order[0]; o++)
		for (int k = in->kmin; k <= in->kmax; k++)
			if (sym_at(in, k, order[o]) == ks) {
				*kc = k, *idx = order[o];
				return 1;
			}
	return 0;
}

/* A keycode with no keysym and no modifier role, from the top down. */
static int spare_keycode(const struct input *in)
{
	for (int k = in->kmax; k >= in->kmin; k--) {
		int used = 0;
		for (int i = 0; i < in->per && !used; i++)
			used = sym_at(in, k, i) != NoSymbol;
		for (int i = 0; i < 8 * in->mods->max_keypermod && !used; i++)
			used = in->mods->modifiermap[i] == k;
		if (!used)
			return k;
	}
	return 0;
}

/* Puts ks on a spare keycode (reusing the oldest added one when all are
 * taken, unless it is held). Returns the keycode, 0 when none is free. */
static int add_keysym(struct cap *c, KeySym ks)
{
	struct input *in = &c->in;
	int kc = spare_keycode(in);
	if (!kc && in->nadded) {
		kc = in->added[in->nadded % (unsigned)sizeof in->added];
		if (in->held_key[kc])
			kc = 0;
	}
	if (!kc)
		return 0;
	KeySym pair[2] = { ks, ks };
	XChangeKeyboardMapping(c->dpy, kc, 2, pair, 1);
	XSync(c->dpy, False);
	load_map(c);
	in->added[in->nadded++ % (unsigned)sizeof in->added] = (uint8_t)kc;
	DBG(D_INPUT, "keysym 0x%lx added on keycode %d", (unsigned long)ks, kc);
	return kc;
}

/* Restores the keycodes xcap added (at exit), so the keymap is as found. */
void input_restore(struct cap *c)
{
	struct input *in = &c->in;
	KeySym none[2] = { NoSymbol, NoSymbol };
	unsigned n = in->nadded < sizeof in->added ? in->nadded : (unsigned)sizeof in->added;
	for (unsigned i = 0; i < n; i++)
		XChangeKeyboardMapping(c->dpy, in->added[i], 2, none, 1);
	in->nadded = 0;
}

static void fake_key(struct cap *c, int kc, int down)
{
	XTestFakeKeyEvent(c->dpy, (unsigned)kc, down ? True : False, CurrentTime);
	c->in.held_key[kc] = (uint8_t)down;
	c->in.injected++;
}

/* The modifier mask that keycode kc sets, 0 if none. */
static unsigned mod_of(const struct input *in, int kc)
{
	for (int i = 0; i < 8 * in->mods->max_keypermod; i++)
		if (in->mods->modifiermap[i] == kc && kc)
			return 1u << (i / in->mods->max_keypermod);
	return 0;
}

/* The first keycode (and its mask) for a modifier keysym, e.g. Shift_L. */
static int mod_key(const struct input *in, KeySym ks, unsigned *mask)
{
	int kc, idx;
	if (!find_key(in, ks, &kc, &idx) || idx != 0)
		return 0;
	*mask = mod_of(in, kc);
	return *mask ? kc : 0;
}

/*
 * Makes the modifier `mask` active (want) or inactive (!want) for the next
 * key: presses key kc, or releases every key down that sets mask. What it
 * did is appended to undo[] (negative keycode: was pressed, re-press).
 */
static void set_mod(struct cap *c, unsigned mask, int kc, int want, unsigned state, int *undo, int *nundo)
{
	if (!mask || !!(state & mask) == !!want)
		return;
	if (want) {
		if (!kc)
			return;
		fake_key(c, kc, 1);
		undo[(*nundo)++] = kc;
		return;
	}
	char keys[32];
	XQueryKeymap(c->dpy, keys);
	for (int k = 8; k < 256 && *nundo < 16; k++)
		if ((keys[k / 8] >> (k % 8) & 1) && mod_of(&c->in, k) == mask) {
			int held = c->in.held_key[k];
			XTestFakeKeyEvent(c->dpy, (unsigned)k, False, CurrentTime);
			if (held)
				undo[(*nundo)++] = -k; /* xcap held it: press it again after */
		}
}

/*
 * Whether keycode kc gives ks with the modifiers mods (and the group in
 * its bits 13-14), as XLookupString would: the key's XKB type picks the
 * level, Lock not used by the type turns it to upper case.
 */
static int produces(const struct input *in, int kc, unsigned mods, KeySym ks)
{
	KeySym got = NoSymbol, lo, up;
	unsigned used = 0;
	if (!XkbTranslateKeyCode(in->xkb, (KeyCode)kc, mods, &used, &got) || got == NoSymbol)
		return 0;
	if ((mods & LockMask) && !(used & LockMask)) {
		XConvertCase(got, &lo, &up);
		got = up;
	}
	return got == ks;
}

/*
 * The keycode giving ks with the fewest changes to the modifiers held now
 * (state): none, then Shift toggled, then the third level, then both.
 * Returns the keycode and in *flip the modifiers to toggle around it, or
 * 0. So a held Shift stays on Shift+Right (the arrow gives Right either
 * way) and on Shift+comma ('<' from the comma key, not from a plain '<'
 * key), and is lifted only where the keysym needs it off (@ on a de
 * guest: AltGr+q, no Shift).
 */
static int pick_key(const struct input *in, KeySym ks, unsigned state, unsigned l3mask, int can_shift, int can_l3,
		    unsigned *flip)
{
	const unsigned tries[4] = { 0, ShiftMask, l3mask, ShiftMask | l3mask };
	for (int t = 0; t < 4; t++) {
		unsigned f = tries[t];
		if ((t >= 2 && !l3mask) || ((f & ShiftMask) && !(state & ShiftMask) && !can_shift) ||
		    ((f & l3mask & ~ShiftMask) && !(state & l3mask) && !can_l3))
			continue;
		for (int k = in->kmin; k <= in->kmax; k++)
			if (!mod_of(in, k) && produces(in, k, state ^ f, ks)) {
				*flip = f;
				return k;
			}
	}
	return 0;
}

static void remember(struct input *in, uint32_t ks, int kc)
{
	for (unsigned i = 0; i < sizeof in->down / sizeof in->down[0]; i++)
		if (!in->down[i].keysym || in->down[i].keysym == ks) {
			in->down[i].keysym = ks;
			in->down[i].kc = (uint8_t)kc;
			return;
		}
}

static int forget(struct input *in, uint32_t ks)
{
	for (unsigned i = 0; i < sizeof in->down / sizeof in->down[0]; i++)
		if (in->down[i].keysym == ks) {
			in->down[i].keysym = 0;
			return in->down[i].kc;
		}
	return 0;
}

static void key_press(struct cap *c, KeySym ks)
{
	struct input *in = &c->in;
	int kc, idx;
	if (IsModifierKey(ks) && find_key(in, ks, &kc, &idx)) { /* modifiers go through as they are */
		remember(in, (uint32_t)ks, kc);
		fake_key(c, kc, 1);
		return;
	}
	XkbStateRec st;
	XkbGetState(c->dpy, XkbUseCoreKbd, &st);
	unsigned state = XkbBuildCoreState(st.mods, st.group), flip = 0, shmask = ShiftMask, l3mask = 0;
	int shkc = mod_key(in, XK_Shift_L, &shmask), l3kc = mod_key(in, XK_ISO_Level3_Shift, &l3mask);
	if (!l3kc)
		l3kc = mod_key(in, XK_Mode_switch, &l3mask);
	if (!(kc = pick_key(in, ks, state, l3mask, shkc != 0, l3kc != 0, &flip))) {
		/* not on this keymap (or not without a modifier it lacks): a key of
		 * its own, the same keysym on every level, the modifiers as held */
		if (!(kc = add_keysym(c, ks))) {
			WARN_LIMITED("keysym 0x%lx: no keycode free to map it", (unsigned long)ks);
			return;
		}
		flip = 0;
	}
	remember(in, (uint32_t)ks, kc);
	if (in->held_key[kc]) /* held for another keysym ('a' repeating as 'A' once Shift is down) */
		fake_key(c, kc, 0);
	int undo[16], nundo = 0;
	if (flip & ShiftMask)
		set_mod(c, ShiftMask, shkc, !(state & ShiftMask), state, undo, &nundo);
	if (flip & l3mask & ~ShiftMask)
		set_mod(c, l3mask, l3kc, !(state & l3mask), state, undo, &nundo);
	fake_key(c, kc, 1);
	for (int i = nundo - 1; i >= 0; i--) {
		if (undo[i] > 0)
			fake_key(c, undo[i], 0);
		else
			XTestFakeKeyEvent(c->dpy, (unsigned)-undo[i], True, CurrentTime);
	}
	DBG(D_INPUT, "key 0x%lx down: keycode %d state 0x%x%s%s", (unsigned long)ks, kc, state,
	    flip & ShiftMask ? (state & ShiftMask ? " -shift" : " +shift") : "",
	    flip & l3mask & ~ShiftMask ? (state & l3mask ? " -altgr" : " +altgr") : "");
}

void input_key(struct cap *c, const struct xs_key *k)
{
	if (!c->has_xtest)
		return;
	if (k->down) {
		/* the host repeats a held key: the server drops an XTest press of
		 * a key already down, so release it first (what a core client
		 * sees of a server's own repeat: a release and a press) */
		int held = forget(&c->in, k->keysym);
		if (held && c->in.held_key[held])
			fake_key(c, held, 0);
		key_press(c, (KeySym)k->keysym);
		return;
	}
	int kc = forget(&c->in, k->keysym);
	if (!kc) { /* never pressed by us: release its usual key, harmless if up */
		int idx;
		if (!find_key(&c->in, (KeySym)k->keysym, &kc, &idx))
			return;
	}
	fake_key(c, kc, 0);
	DBG(D_INPUT, "key 0x%x up: keycode %d", k->keysym, kc);
}

static void clamp(struct cap *c, int32_t *x, int32_t *y)
{
	*x = *x < 0 ? 0 : *x >= (int32_t)c->w ? (int32_t)c->w - 1 : *x;
	*y = *y < 0 ? 0 : *y >= (int32_t)c->h ? (int32_t)c->h - 1 : *y;
}

void input_motion(struct cap *c, int32_t x, int32_t y)
{
	if (!c->has_xtest)
		return;
	clamp(c, &x, &y);
	XTestFakeMotionEvent(c->dpy, c->screen, x, y, CurrentTime);
	c->in.injected++;
}

void input_button(struct cap *c, const struct xs_button *b)
{
	if (!c->has_xtest)
		return;
	input_motion(c, b->x, b->y);
	XTestFakeButtonEvent(c->dpy, b->button, b->down ? True : False, CurrentTime);
	c->in.held_button[b->button] = (uint8_t)b->down;
	DBG(D_INPUT, "button %u %s at %d,%d", b->button, b->down ? "down" : "up", b->x, b->y);
}

/*
 * At start: keys and buttons an earlier xcap pressed and never released
 * (it was killed) stay down in the X server, which does not release an
 * XTest client's keys when it goes. Release every one the server says is
 * down: the server drops an XTest release of a key its XTest device does
 * not hold, so keys held on a real keyboard are not touched.
 */
void input_release_leftovers(struct cap *c)
{
	char keys[32];
	unsigned nk = 0, nb = 0, mask;
	Window root, child;
	int rx, ry, wx, wy;
	if (!c->has_xtest)
		return;
	XQueryKeymap(c->dpy, keys);
	for (int k = 8; k < 256; k++)
		if (keys[k / 8] >> (k % 8) & 1) {
			XTestFakeKeyEvent(c->dpy, (unsigned)k, False, CurrentTime);
			nk++;
		}
	if (XQueryPointer(c->dpy, c->root, &root, &child, &rx, &ry, &wx, &wy, &mask))
		for (unsigned b = 1; b <= 5; b++)
			if (mask & (Button1Mask << (b - 1))) {
				XTestFakeButtonEvent(c->dpy, b, False, CurrentTime);
				nb++;
			}
	repeat_leftover(c);
	XSync(c->dpy, False);
	if (nk || nb)
		warn_line("released %u keys and %u buttons found held at start (left by an xcap that was killed?)", nk, nb);
}

/* Releases every key and button xcap holds (reset, exit). */
void input_release_all(struct cap *c)
{
	struct input *in = &c->in;
	if (!c->has_xtest)
		return;
	for (int k = 0; k < 256; k++)
		if (in->held_key[k])
			fake_key(c, k, 0);
	for (unsigned b = 1; b < 10; b++)
		if (in->held_button[b]) {
			XTestFakeButtonEvent(c->dpy, b, False, CurrentTime);
			in->held_button[b] = 0;
		}
	memset(in->down, 0, sizeof in->down);
	repeat_give_back(c);
	XFlush(c->dpy);
}
