/*
 * xcap: captures an X display into the frame stream (docs/PROTOCOL.md) and
 * injects the control stream's input. What each file of cmd/xcap owns:
 * docs/ARCHITECTURE.md.
 */
#ifndef XCAP_H
#define XCAP_H

#include "child.h"
#include "clip.h"
#include "codec.h"
#include "proto.h"
#include "ring.h"
#include "stream.h"

#include <X11/Xlib.h>
#include <X11/XKBlib.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <stdint.h>
#include <xcb/xcb.h>

/*
 * Changed pixels travel in runs of 64x64 tiles along one tile row, at
 * most RUN_MAX_W pixels wide: a raw run is at most 4096 x 64 x 4 = 1 MiB,
 * and its lz4 or jpeg bound stays well under 4 MiB. No record body xcap
 * writes exceeds REC_BODY_MAX (docs/PROTOCOL.md, "Limits": a ring holds
 * many, a reader starts on a frame before its last band); the cursor
 * (256 x 256 x 4 at most) is far below it too.
 */
#define TILE 64u
#define RUN_MAX_W 4096u
#define REC_BODY_MAX (4u << 20)
#define MAX_DAMAGE_RECTS 32u /* more damage rects than this in a frame: capture their bounding box */

enum { ENC_AUTO = 100 }; /* -e auto; the others are enum xs_enc values */

/*
 * The output: small records are built in buf; raw pixels are not copied
 * there but referenced where they lie in the SHM segment's banks (ext
 * segments), written with writev() or, into a pipe, vmsplice()d. A spliced
 * page stays referenced by the pipe until the reader has read it, so the
 * segment is not rewritten (captured into, folded into) while the pipe
 * still holds bytes of it (spliced, FIONREAD).
 */
struct oseg {
	const uint8_t *ext; /* NULL: buf[off, off+len) */
	size_t off, len;
	int end;            /* a record ends with it: an audio record may be written after it */
};

#define OUT_AQ (64u << 10) /* audio bytes waiting for the pipe: 340 ms of 48 kHz stereo */

struct outbuf {
	uint8_t *buf;
	size_t len, cap;     /* bytes built in buf */
	size_t mark;         /* buf bytes already covered by seg[] */
	struct oseg *seg;
	size_t nseg, segcap;
	size_t cur, done;    /* flush position: segment, bytes of it written */
	int pipe;            /* stdout is a pipe: large ext segments are spliced */
	int spliced;         /* the pipe may still hold spliced pages */
	int64_t copy_wait_ns; /* while it does: how soon to look again (out_copy_free) */
	/* audio records for a pipe: written at the next record boundary, not
	 * behind the rest of a frame (the ring takes them in buf) */
	uint8_t aq[OUT_AQ];
	size_t aqlen, aqdone;
};

struct stats {
	uint64_t frames, rects, full, captures;
	uint64_t nrec[XS_NENC], bytes[XS_NENC]; /* by enum xs_enc */
	uint64_t capture_ns, encode_ns, out_bytes;
};

struct input {
	int accepted;            /* a control hello carried our challenge */
	int windows;             /* ... and said the viewer shows seamless windows */
	int refused_logged;
	uint8_t challenge[XS_NONCE_LEN];
	uint8_t held_key[256];   /* keycodes xcap holds down */
	uint8_t held_button[10]; /* buttons 1..9 xcap holds down */
	struct { uint32_t keysym; uint8_t kc; } down[64]; /* keysym -> keycode pressed */
	int kmin, kmax, per;     /* core keyboard mapping, a private copy */
	KeySym *syms;
	XModifierKeymap *mods;
	XkbDescPtr xkb;          /* the same with key types: which modifiers pick a level */
	int xkb_ev;              /* XKB's event code, -1: none */
	uint8_t added[8];        /* spare keycodes given keysyms the keymap lacked */
	unsigned nadded;
	unsigned injected;
	int repeat_taken;        /* the guest's autorepeat is off for the controller */
	int repeat_was;          /* ... and was on (1) or off (0) before */
	Window repeat_token;     /* our holder window in _XCAP_AUTOREPEAT (input.c) */
};

/* The clipboard (clip.c): what guest clients own, what the host offers. */
struct clipx {
	struct xsel *x;                 /* NULL: no XFIXES selection events */
	int on;                         /* the accepted control hello asked for it */
	uint32_t serial[XS_NSEL];       /* our offers, one serial per owner change */
	unsigned formats[XS_NSEL];      /* what the guest owner gives, 0: none */
	uint32_t host_serial[XS_NSEL];  /* the host's offer we own */
	int asked[XS_NSEL];             /* the host asked; the guest owner is being read */
	uint32_t asked_serial[XS_NSEL];
	struct xs_clip_in in[XS_NSEL];  /* the host's content coming */
	struct xs_clip_out out[XS_NSEL];/* the guest's content going */
};

/* The focused window's title (title.c): what was sent, when to look again. */
struct titlex {
	Window win;               /* the focused window, whose name is the title */
	int added;                /* we added PropertyChangeMask to win (it did not have it) */
	Atom a_active, a_netname;
	uint8_t text[XS_TITLE_WIRE];
	size_t len;
	int sent, due;            /* the reader has it; something may have changed it */
	uint64_t next;            /* mono_ns() before which it is not looked at again */
};

struct cap {
	Display *dpy;
	Window root;
	int screen;
	int dmg_ev, fix_ev, rr_ev, xi_op;
	int has_xtest, has_rr, has_xi;
	Damage damage;
	/* damage as the server reported it (XDamageReportDeltaRectangles):
	 * the rects added since the last frame, or their bounding box past
	 * MAX_DAMAGE_RECTS; no round trip is needed to learn what changed */
	struct xs_rect dmg[MAX_DAMAGE_RECTS];
	int ndmg, dmg_over;
	struct xs_rect dmg_box; /* their bounding box */
	/*
	 * The SHM segment holds two screens, bank[0] and bank[1] (BGRX, stride
	 * w*4): for each tile row, one bank holds what the viewer has (held[ty])
	 * and captures land in the other. A capture of a whole tile row becomes
	 * the held copy where it landed (no copy: a pipe is spliced from there);
	 * smaller captures are compared and folded into the held bank.
	 */
	XShmSegmentInfo shm;
	XImage *img;       /* the segment's image (w x 2h) */
	uint32_t w, h;     /* screen size */
	uint8_t *bank[2];
	uint8_t *held;     /* per tile row: the bank that holds what the viewer has */
	uint32_t tw, th;   /* tiles across, down */
	uint8_t *changed;  /* per tile: send this frame */
	uint8_t *lossy;    /* per tile: last sent as jpeg, owes a lossless refresh */
	uint8_t *streak;   /* per tile: changes in a row, each within STREAK_NS */
	uint64_t *last_change;
	uint32_t nlossy;
	int enc, quality, quality_given;
	int damaged;       /* a DamageNotify came since the last subtract */
	int full;          /* a full frame is owed (start, refresh, resize) */
	int cursor_dirty, pointer_dirty;
	int32_t px, py;    /* pointer position last sent */
	int pointer_sent;
	uint64_t seq;
	uint64_t refresh_at; /* mono time of the next lossless refresh, 0: none */
	struct xs_codec *codec;
	struct ring_writer *ring; /* shmring -w PATH -- xcap: records go into the ring */
	uint32_t ring_seg;   /* the ring attached to the X server: raw captures land in it */
	const char *bell;    /* -B ADDR: the ring's bell (where xpaint -B listens) */
	uint64_t ring_end[2]; /* ring positions after the frame before last and the last frame */
	int pr_lfd;          /* stdout a pipe: where shmring -w may hand us its ring (lib/pipering.h), or -1 */
	int pr_sock;         /* the ring taken up the pipe: shmring's socket (its end: we exit), or -1 */
	struct outbuf out;
	struct stats st;
	struct input in;
	struct clipx clip;
	struct titlex title;
	struct wins *wins;   /* -W: seamless windows (windows.c); NULL: the whole screen */
	struct {             /* -A: the sound command (audio.c) */
		const char *cmd;
		pid_t pid;   /* 0: no sound */
		int fd;
		struct xs_reader rd;
		uint64_t pieces, dropped;
	} snd;
	struct {             /* with -A, writing the ring: the sound place ahead of the capture awaited (ringout.c) */
		uint8_t *p;  /* NULL: none open */
		uint64_t pos; /* its ring position */
		uint32_t used; /* bytes of it holding audio records */
		int spilled; /* a piece of this frame went behind it: the frame's later pieces follow it */
		uint64_t pieces; /* pieces sent in places */
	} slot;
	struct {             /* -M: the host's microphone, played here (audio.c) */
		const char *cmd;
		pid_t pid;   /* the player, 0: not started */
		int on;      /* the accepted control hello sends it */
		int dead;
		struct xs_outq q;
		uint64_t pieces, refused;
	} mic;
};

/* capture.c */
void cap_open(struct cap *c, const char *display);
void cap_setup_screen(struct cap *c);
int cap_frame(struct cap *c);
void cap_cursor(struct cap *c);
void cap_pointer(struct cap *c);
void cap_event(struct cap *c, XEvent *ev);
void cap_set_size(struct cap *c, uint32_t w, uint32_t h);
XImage *cap_shm_image(struct cap *c, XShmSegmentInfo *shm, unsigned depth, uint32_t w, uint32_t h);

/* out.c */
void out_setup_stdout(struct cap *c);
uint8_t *out_reserve(struct outbuf *o, size_t n);
void out_ext(struct outbuf *o, const uint8_t *p, size_t n);
int out_pending(const struct outbuf *o);
int out_audio(struct outbuf *o, const uint8_t *rec, size_t n);
int out_audio_push(struct cap *c);
void out_close(struct outbuf *o);
void out_record(struct cap *c, const uint8_t *rec, size_t n);
/* Writes what it can (the ring: everything); -1 when the reader is gone. */
int out_flush(struct cap *c);
/* May the segment be rewritten (no spliced pages of it in the pipe)? */
int out_copy_free(struct cap *c);

/* ringout.c */
void ringout_open(struct cap *c);
void ringout_setup(struct cap *c);
int ringout_flush(struct cap *c);
/* May the next frame be captured: has the reader finished the frame before
 * the last one (at most one frame waits in the ring, as in a pipe)? */
int ringout_ready(struct cap *c);
uint32_t ringout_capture(struct cap *c, const struct xs_rect *r, int n, struct xs_rect band);
int ringout_slot_put(struct cap *c, const uint8_t *rec, size_t n);
void ringout_listen(struct cap *c);
int ringout_take(struct cap *c);

/* clip.c */
void clip_init(struct cap *c);
void clip_hello(struct cap *c, uint32_t flags);
void clip_reset(struct cap *c);
void clip_control(struct cap *c, const struct xs_msg *m);
int clip_event(struct cap *c, XEvent *ev);
void clip_flush(struct cap *c);
int64_t clip_timeout_ms(const struct cap *c);

/* title.c */
void title_init(struct cap *c);
void title_restart(struct cap *c);
void title_poke(struct cap *c);
void title_check(struct cap *c);
int title_event(struct cap *c, XEvent *ev);
uint64_t title_due_ns(const struct cap *c);

/* windows.c */
void win_init(struct cap *c);
int win_event(struct cap *c, XEvent *ev);
int win_frame(struct cap *c);
void win_configure(struct cap *c, const struct xs_win *m);
void win_close(struct cap *c, uint32_t id);
void win_focus(struct cap *c, uint32_t id);
void win_iconify(struct cap *c, uint32_t id);

/* audio.c */
void audio_open(struct cap *c, const char *cmd);
int audio_fd(const struct cap *c);
void audio_read(struct cap *c);
void *audio_await(struct cap *c, unsigned int seq, xcb_generic_error_t **e);
void mic_init(struct cap *c, const char *cmd);
void mic_hello(struct cap *c, uint32_t flags);
int mic_fd(const struct cap *c);
void mic_write(struct cap *c);
void mic_record(struct cap *c, const struct xs_audio *a);

/* input.c */
void input_init(struct cap *c);
void input_key(struct cap *c, const struct xs_key *k);
void input_button(struct cap *c, const struct xs_button *b);
void input_motion(struct cap *c, int32_t x, int32_t y);
void input_release_all(struct cap *c);
void input_release_leftovers(struct cap *c);
void input_mapping_changed(struct cap *c);
int input_xkb_event(struct cap *c, XEvent *ev);
void input_restore(struct cap *c);
void input_repeat_take(struct cap *c);

#endif
