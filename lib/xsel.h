/*
 * The X side of the clipboard, shared by xcap (guest) and xpaint (host):
 * the ICCCM selection protocol for CLIPBOARD and PRIMARY, in UTF-8 text
 * (UTF8_STRING, STRING, TEXT, text/plain) and image/png, with INCR both
 * ways for large contents. It watches who owns each selection (XFixes),
 * reads a local owner's content on request (never more than a cap), and
 * owns a selection on behalf of the peer, answering local clients' pastes
 * with the peer's content, fetched when first asked for and cached until
 * the next offer. Everything runs from the caller's event loop: no thread,
 * no blocking wait for another client.
 */
#ifndef XSEL_H
#define XSEL_H

#include "clip.h"

#include <X11/Xlib.h>
#include <stddef.h>
#include <stdint.h>

struct xsel_ops {
	/* A local client owns sel now and can give formats (bits 1 << XS_FMT_x);
	 * formats 0: no local client owns it any more. */
	void (*owner)(void *u, int sel, unsigned formats);
	/* A local client pastes sel, which we own for the peer, in fmt, and
	 * nothing is cached: fetch it from the peer, then xsel_supply(). */
	void (*want)(void *u, int sel, int fmt);
	/* xsel_fetch() is over: status XS_CLIP_OK and data (malloc'd, now the
	 * callee's) of len bytes, or XS_CLIP_NONE, or XS_CLIP_OVER (len: the
	 * size seen so far, over the cap). */
	void (*got)(void *u, int sel, int fmt, int status, uint8_t *data, size_t len);
};

struct xsel;

/* Opens the engine on d (XFixes required: NULL when it is missing). */
struct xsel *xsel_open(Display *d, const struct xsel_ops *ops, void *u);
/* Handles e if it is about selections; returns 1 when it was. */
int xsel_event(struct xsel *s, XEvent *e);
/* Takes sel for the peer, who can give formats; drops what was cached. */
void xsel_own(struct xsel *s, int sel, unsigned formats);
/* Gives sel up if we hold it. */
void xsel_disown(struct xsel *s, int sel);
int xsel_owned(const struct xsel *s, int sel);
/* The peer's content for sel in fmt (copied), or its status: answers the
 * pastes waiting for it and is kept for the next ones. */
void xsel_supply(struct xsel *s, int sel, int fmt, int status, const uint8_t *data, size_t len);
/* A piece of the peer's content for a paste under way (xs_clip_in_data
 * into t): once whole it is supplied to the pasting client, a failed
 * transfer answers it with nothing. Returns xs_clip_in_data's result,
 * err saying why for XS_CLIP_IGNORED and XS_CLIP_FAIL (the caller's to
 * tell, as its side's policy has it). */
int xsel_supply_piece(struct xsel *s, struct xs_clip_in *t, const struct xs_clip_data *d, char *err, size_t n);
/* Reads the local owner's sel in fmt, at most cap bytes; ops->got says
 * how it ended. A fetch of the same sel and fmt under way is restarted. */
void xsel_fetch(struct xsel *s, int sel, int fmt, size_t cap);
/* Milliseconds until the next deadline (a client that stopped answering),
 * -1 when none; xsel_tick() acts on those passed. */
int64_t xsel_next_ms(const struct xsel *s);
void xsel_tick(struct xsel *s);

#endif
