/*
 * The host's side of the clipboard, and its policy: the host decides.
 *   in   (default) host to guest: while the window has the keyboard focus,
 *        the host's CLIPBOARD and PRIMARY are offered to the guest, and a
 *        guest paste of the current offer is answered;
 *   out  guest to host: when a guest client owns a selection, xpaint owns
 *        the host's for it, and a host paste asks the guest;
 *   both, none.
 * Without out, Ctrl+Shift+C in the window takes the guest's CLIPBOARD for
 * the host, until the guest offers another (Qubes' keystroke). Every
 * transfer is capped (-L, 1 MiB by default): the guest's pieces are
 * checked against the cap before a byte is stored (lib/clip.c), a host
 * content over it is not sent; each refusal is one line on standard
 * error, which never shows the content itself.
 */
#include "clip.h"
#include "util.h"
#include "xpaint.h"
#include "xsel.h"

#include <X11/keysym.h>
#include <stdio.h>
#include <stdlib.h>

#define QROOM (256u << 10) /* clipboard pieces go out while the control queue holds less */

static void offer(struct xpaint *x, int sel)
{
	struct hclip *h = &x->clip;
	uint8_t rec[XS_BUILD_MAX];
	if (h->offered[sel] == h->serial[sel] || (!h->host_formats[sel] && !h->offered[sel]))
		return;
	h->offered[sel] = h->serial[sel];
	ctl_record(&x->k, rec, xs_build_clip_offer(rec, XS_C_CLIP_OFFER, (uint32_t)sel, h->serial[sel],
						   h->host_formats[sel]));
	DBG(D_INPUT, "clipboard: host %s offered to the guest (formats 0x%x)", xs_sel_name((uint32_t)sel),
	    h->host_formats[sel]);
}

/* A host client owns sel now (formats 0: nobody). */
static void on_owner(void *u, int sel, unsigned formats)
{
	struct xpaint *x = u;
	struct hclip *h = &x->clip;
	h->host_formats[sel] = formats;
	h->serial[sel]++;
	if (h->on && (h->mode & CLIP_IN) && h->focus)
		offer(x, sel);
}

/* A host client pastes what we own for the guest: ask the guest. */
static void on_want(void *u, int sel, int fmt)
{
	struct xpaint *x = u;
	struct hclip *h = &x->clip;
	uint8_t rec[XS_BUILD_MAX];
	if (!h->on || !h->granted[sel]) {
		xsel_supply(h->x, sel, fmt, XS_CLIP_NONE, NULL, 0);
		return;
	}
	xs_clip_in_start(&h->in[sel], (uint32_t)sel, h->guest_serial[sel], (uint32_t)fmt, h->cap);
	ctl_record(&x->k, rec, xs_build_clip_req(rec, XS_C_CLIP_REQ, (uint32_t)sel, h->guest_serial[sel], (uint32_t)fmt,
						 (uint32_t)h->cap));
	DBG(D_INPUT, "clipboard: a host client pastes the guest's %s", xs_sel_name((uint32_t)sel));
}

/* The host owner's content for the guest's request. */
static void on_got(void *u, int sel, int fmt, int status, uint8_t *data, size_t len)
{
	struct xpaint *x = u;
	struct hclip *h = &x->clip;
	if (!h->on || !h->asked[sel]) {
		free(data);
		return;
	}
	h->asked[sel] = 0;
	if (status == XS_CLIP_OVER)
		WARN_LIMITED("clipboard: host %s to the guest: at least %zu bytes, over the %zu-byte cap (-L); not sent",
		       xs_sel_name((uint32_t)sel), len, h->cap);
	xs_clip_out_start(&h->out[sel], XS_C_CLIP_DATA, (uint32_t)sel, h->asked_serial[sel], (uint32_t)fmt,
			  (uint32_t)status, data, len);
}

static const struct xsel_ops ops = { on_owner, on_want, on_got };

void clip_open(struct xpaint *x, int mode, size_t cap)
{
	struct hclip *h = &x->clip;
	h->mode = mode;
	h->cap = cap;
	if (!mode)
		return;
	h->x = xsel_open(x->v.dpy, &ops, x);
	if (!h->x)
		warn_line("the display lacks XFIXES: no clipboard");
}

/* A hello: the clipboard is on when the source offers it and -C allows
 * either way. Returns the control hello's flags. */
uint32_t clip_hello(struct xpaint *x, uint32_t hello_flags)
{
	struct hclip *h = &x->clip;
	for (int s = 0; h->x && s < XS_NSEL; s++) {
		xsel_disown(h->x, s);
		xs_clip_in_free(&h->in[s]);
		xs_clip_out_free(&h->out[s]);
		h->offered[s] = 0, h->asked[s] = 0, h->granted[s] = 0, h->guest_formats[s] = 0;
	}
	h->on = h->x && (hello_flags & XS_HF_CLIP);
	if (h->x && !h->on)
		VERB("the source does not offer the clipboard (version 1.0 or no XFIXES there): clipboard off");
	return h->on ? XS_CF_CLIP : 0;
}

/* After the control hello went out: what the host owns, if focused. */
void clip_start(struct xpaint *x)
{
	for (int s = 0; x->clip.on && (x->clip.mode & CLIP_IN) && x->clip.focus && s < XS_NSEL; s++)
		offer(x, s);
}

void clip_focus(struct xpaint *x, int in)
{
	struct hclip *h = &x->clip;
	h->focus = in;
	if (in)
		clip_start(x);
}

/*
 * Whether host keys reach our windows, as the X server reports it (for
 * the offer, and the refusal of a guest paste while they do not):
 * FocusIn and FocusOut, NotifyPointer included (the focus is PointerRoot
 * and the pointer is over us). A pointer that moves under a PointerRoot
 * focus (no window manager, twm and other focus-follows-mouse managers)
 * makes no focus event at all: then EnterNotify and LeaveNotify carry a
 * focus flag saying the keyboard follows the pointer in and out. A leave
 * with the focus set on the window itself keeps it. Returns 1 when the
 * keys stopped reaching us (keys held there go).
 */
int clip_crossing(struct xpaint *x, XEvent *e)
{
	Window f;
	int rev;
	switch (e->type) {
	case FocusIn:
		if (e->xfocus.detail != NotifyInferior)
			clip_focus(x, 1);
		return 0;
	case FocusOut:
		if (e->xfocus.detail == NotifyInferior)
			return 0;
		clip_focus(x, 0);
		return 1;
	case EnterNotify:
		if (e->xcrossing.focus && e->xcrossing.detail != NotifyInferior)
			clip_focus(x, 1);
		return 0;
	case LeaveNotify:
		if (!e->xcrossing.focus || e->xcrossing.detail == NotifyInferior || !x->clip.focus)
			return 0;
		XGetInputFocus(x->v.dpy, &f, &rev);
		if (f == e->xcrossing.window)
			return 0;
		clip_focus(x, 0);
		return 1;
	}
	return 0;
}

/* Ctrl+Shift+C without -C out: the guest's CLIPBOARD becomes the host's
 * once. Returns 1 when the key was that (it is not forwarded). */
int clip_key(struct xpaint *x, XKeyEvent *e)
{
	struct hclip *h = &x->clip;
	KeySym ks = XLookupKeysym(e, 0);
	if (!h->on || (h->mode & CLIP_OUT) || !(h->mode & CLIP_IN) || ks != XK_c ||
	    (e->state & (ControlMask | ShiftMask | Mod1Mask)) != (ControlMask | ShiftMask))
		return 0;
	if (e->type == KeyRelease)
		return 1;
	if (!h->guest_formats[XS_SEL_CLIPBOARD]) {
		warn_line("clipboard: Ctrl+Shift+C: the guest offers no CLIPBOARD");
		return 1;
	}
	xsel_own(h->x, XS_SEL_CLIPBOARD, h->guest_formats[XS_SEL_CLIPBOARD]);
	h->granted[XS_SEL_CLIPBOARD] = xsel_owned(h->x, XS_SEL_CLIPBOARD);
	VERB("clipboard: the guest's CLIPBOARD is the host's (Ctrl+Shift+C) until the guest offers another");
	return 1;
}

static void guest_offer(struct xpaint *x, const struct xs_clip_offer *o)
{
	struct hclip *h = &x->clip;
	int s = (int)o->sel;
	h->guest_formats[s] = o->formats;
	h->guest_serial[s] = o->serial;
	h->granted[s] = 0;
	xs_clip_in_free(&h->in[s]);
	if (!(h->mode & CLIP_OUT) || !o->formats) {
		xsel_disown(h->x, s);
		if (o->formats)
			VERB("clipboard: the guest offers its %s: not taken (-C %s)%s", xs_sel_name(o->sel),
			     h->mode & CLIP_IN ? "in" : "none",
			     s == XS_SEL_CLIPBOARD && (h->mode & CLIP_IN) ? "; Ctrl+Shift+C takes it" : "");
		return;
	}
	xsel_own(h->x, s, o->formats);
	h->granted[s] = xsel_owned(h->x, s);
}

static void guest_request(struct xpaint *x, const struct xs_clip_req *q)
{
	struct hclip *h = &x->clip;
	int s = (int)q->sel;
	const char *no = !(h->mode & CLIP_IN) ? "-C does not allow host to guest"
		       : !h->focus ? "the window does not have the focus"
		       : q->serial != h->offered[s] || !h->host_formats[s] ? "not the current offer" : NULL;
	if (no) {
		VERB("clipboard: the guest asked for the host's %s: refused (%s)", xs_sel_name(q->sel), no);
		xs_clip_out_start(&h->out[s], XS_C_CLIP_DATA, q->sel, q->serial, q->format, XS_CLIP_NONE, NULL, 0);
		return;
	}
	h->asked[s] = 1;
	h->asked_serial[s] = q->serial;
	xsel_fetch(h->x, s, (int)q->format, q->max < h->cap ? q->max : h->cap);
}

static void guest_data(struct xpaint *x, const struct xs_clip_data *d)
{
	struct hclip *h = &x->clip;
	char err[256];
	int r = xsel_supply_piece(h->x, &h->in[d->sel], d, err, sizeof err);
	if (r == XS_CLIP_IGNORED)
		DBG(D_INPUT, "clipboard: %s", err);
	else if (r == XS_CLIP_FAIL && d->status == XS_CLIP_NONE)
		VERB("clipboard from the guest: %s", err);
	else if (r == XS_CLIP_FAIL)
		WARN_LIMITED("clipboard from the guest: %s; not pasted", err);
}

/* A clipboard record of the frame stream, parsed and checked. */
void clip_record(struct xpaint *x, const struct xs_msg *m)
{
	if (!x->clip.on) {
		DBG(D_INPUT, "%s record with the clipboard off: ignored", xs_type_name(m->type));
		return;
	}
	switch (m->type) {
	case XS_CLIP_OFFER: guest_offer(x, &m->u.offer); break;
	case XS_CLIP_REQ: guest_request(x, &m->u.req); break;
	case XS_CLIP_DATA: guest_data(x, &m->u.cdata); break;
	}
}

int clip_event(struct xpaint *x, XEvent *e)
{
	return xsel_event(x->clip.x, e);
}

/* Pieces of the host's content, as the control queue has room. */
void clip_flush(struct xpaint *x)
{
	static uint8_t rec[XS_CLIP_REC_MAX];
	struct hclip *h = &x->clip;
	xsel_tick(h->x);
	for (int s = 0; s < XS_NSEL; s++)
		while (h->out[s].active && x->k.len < QROOM && !x->k.dead) {
			size_t n = xs_clip_out_next(&h->out[s], rec);
			ctl_record(&x->k, rec, n);
		}
	ctl_write(&x->k);
}

/* ms until the clipboard needs the loop: 0 with pieces to send and room. */
int64_t clip_timeout_ms(const struct xpaint *x)
{
	for (int s = 0; s < XS_NSEL; s++)
		if (x->clip.out[s].active && x->k.len < QROOM && !x->k.dead)
			return 0;
	return xsel_next_ms(x->clip.x);
}
