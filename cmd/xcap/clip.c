/*
 * The guest's side of the clipboard (docs/PROTOCOL.md, "Clipboard"). The
 * host decides what crosses; xcap only offers and answers, and only after
 * an accepted control hello that asked for the clipboard (XS_CF_CLIP):
 *   - a guest client takes CLIPBOARD or PRIMARY: a clip-offer record;
 *   - the host asks for it (control clip-request): the guest owner's
 *     content, read through lib/xsel, goes back in clip-data records, one
 *     at a time as the output drains, never more than the host's max;
 *   - the host offers its selection (control clip-offer): xcap owns the
 *     guest's selection for it, and a guest client's paste becomes a
 *     clip-request; the host's clip-data answers it.
 */
#include "clip.h"
#include "util.h"
#include "xcap.h"
#include "xsel.h"

#include <stdio.h>
#include <stdlib.h>

static void on_owner(void *u, int sel, unsigned formats)
{
	struct cap *c = u;
	struct clipx *k = &c->clip;
	uint8_t rec[XS_BUILD_MAX];
	k->formats[sel] = formats;
	k->serial[sel]++;
	if (!k->on)
		return;
	DBG(D_INPUT, "clipboard: a guest client owns %s (formats 0x%x): offered", xs_sel_name((uint32_t)sel), formats);
	out_record(c, rec, xs_build_clip_offer(rec, XS_CLIP_OFFER, (uint32_t)sel, k->serial[sel], formats));
}

/* A guest client pastes what the host offered: ask the host for it. */
static void on_want(void *u, int sel, int fmt)
{
	struct cap *c = u;
	struct clipx *k = &c->clip;
	uint8_t rec[XS_BUILD_MAX];
	if (!k->on) {
		xsel_supply(k->x, sel, fmt, XS_CLIP_NONE, NULL, 0);
		return;
	}
	xs_clip_in_start(&k->in[sel], (uint32_t)sel, k->host_serial[sel], (uint32_t)fmt, XS_CLIP_CAP_MAX);
	out_record(c, rec, xs_build_clip_req(rec, XS_CLIP_REQ, (uint32_t)sel, k->host_serial[sel], (uint32_t)fmt,
					     XS_CLIP_CAP_MAX));
	DBG(D_INPUT, "clipboard: a guest client pastes %s: asked the host", xs_sel_name((uint32_t)sel));
}

/* The guest owner's content for the host's request: sent in pieces. */
static void on_got(void *u, int sel, int fmt, int status, uint8_t *data, size_t len)
{
	struct cap *c = u;
	struct clipx *k = &c->clip;
	if (!k->on || !k->asked[sel]) {
		free(data);
		return;
	}
	k->asked[sel] = 0;
	xs_clip_out_start(&k->out[sel], XS_CLIP_DATA, (uint32_t)sel, k->asked_serial[sel], (uint32_t)fmt,
			  (uint32_t)status, data, len);
}

static const struct xsel_ops ops = { on_owner, on_want, on_got };

void clip_init(struct cap *c)
{
	c->clip.x = xsel_open(c->dpy, &ops, c);
	if (!c->clip.x)
		warn_line("display %s lacks XFIXES selection events: no clipboard", DisplayString(c->dpy));
}

/* An accepted control hello: the clipboard is on when it asked for it;
 * what guest clients own now is offered. */
void clip_hello(struct cap *c, uint32_t flags)
{
	struct clipx *k = &c->clip;
	uint8_t rec[XS_BUILD_MAX];
	k->on = k->x && (flags & XS_CF_CLIP);
	for (int s = 0; k->on && s < XS_NSEL; s++)
		if (k->formats[s] && !xsel_owned(k->x, s))
			out_record(c, rec, xs_build_clip_offer(rec, XS_CLIP_OFFER, (uint32_t)s, k->serial[s], k->formats[s]));
	VERB("clipboard %s", k->on ? "on" : "off (the viewer did not ask for it)");
}

/* The controller went away: nothing of the host's stays owned here. */
void clip_reset(struct cap *c)
{
	struct clipx *k = &c->clip;
	k->on = 0;
	for (int s = 0; k->x && s < XS_NSEL; s++) {
		xsel_disown(k->x, s);
		xs_clip_in_free(&k->in[s]);
		xs_clip_out_free(&k->out[s]);
		k->asked[s] = 0;
	}
}

/* One control record of the clipboard, already parsed (xs_parse). */
void clip_control(struct cap *c, const struct xs_msg *m)
{
	struct clipx *k = &c->clip;
	char err[200];
	if (!k->on) {
		DBG(D_INPUT, "clipboard record while the clipboard is off: ignored");
		return;
	}
	switch (m->type) {
	case XS_C_CLIP_OFFER: {
		const struct xs_clip_offer *o = &m->u.offer;
		xs_clip_in_free(&k->in[o->sel]);
		if (!o->formats) {
			xsel_disown(k->x, (int)o->sel);
			return;
		}
		k->host_serial[o->sel] = o->serial;
		xsel_own(k->x, (int)o->sel, o->formats);
		DBG(D_INPUT, "clipboard: the host offers %s (formats 0x%x)", xs_sel_name(o->sel), o->formats);
		break;
	}
	case XS_C_CLIP_REQ: {
		const struct xs_clip_req *q = &m->u.req;
		size_t max = q->max < XS_CLIP_CAP_MAX ? q->max : XS_CLIP_CAP_MAX;
		if (q->serial != k->serial[q->sel] || !k->formats[q->sel] || xsel_owned(k->x, (int)q->sel)) {
			xs_clip_out_start(&k->out[q->sel], XS_CLIP_DATA, q->sel, q->serial, q->format, XS_CLIP_NONE, NULL, 0);
			return;
		}
		k->asked[q->sel] = 1;
		k->asked_serial[q->sel] = q->serial;
		xsel_fetch(k->x, (int)q->sel, (int)q->format, max);
		break;
	}
	case XS_C_CLIP_DATA: {
		const struct xs_clip_data *d = &m->u.cdata;
		int r = xsel_supply_piece(k->x, &k->in[d->sel], d, err, sizeof err);
		if (r == XS_CLIP_IGNORED)
			DBG(D_INPUT, "clipboard: %s", err);
		else if (r == XS_CLIP_FAIL)
			VERB("clipboard from the host: %s", err);
		break;
	}
	}
}

int clip_event(struct cap *c, XEvent *ev)
{
	return xsel_event(c->clip.x, ev);
}

/* Pieces of the answers under way, when the output has drained. */
void clip_flush(struct cap *c)
{
	static uint8_t rec[XS_CLIP_REC_MAX];
	struct clipx *k = &c->clip;
	xsel_tick(k->x);
	for (int s = 0; s < XS_NSEL; s++) {
		size_t n = xs_clip_out_next(&k->out[s], rec);
		if (n)
			out_record(c, rec, n);
	}
}

/* ms until the clipboard needs the loop again; -1: no need. */
int64_t clip_timeout_ms(const struct cap *c)
{
	for (int s = 0; s < XS_NSEL; s++)
		if (c->clip.out[s].active)
			return 0;
	return xsel_next_ms(c->clip.x);
}
