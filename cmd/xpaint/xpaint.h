/*
 * xpaint: shows a frame stream in an X11 window and sends input back as
 * control records. What each file of cmd/xpaint owns: docs/ARCHITECTURE.md.
 */
#ifndef XPAINT_H
#define XPAINT_H

#include "child.h"
#include "clip.h"
#include "addr.h"
#include "proto.h"
#include "ring.h"
#include "stream.h"

#include <X11/Xlib.h>
#include <stdint.h>
#include <sys/types.h>
#include <xcb/shm.h>
#include <xcb/xcb.h>

#define BACKFILL_NS 2000000 /* frame end to the pixmap's copy of it, at most */
#define MAX_DMG 64 /* window copy clip rects per frame, then a bounding box */

/* One rect waiting for its frame end: pixels in the staging image, or at
 * a byte offset of the ring file (zero copy). */
struct op { struct xs_rect r; int ring; uint64_t off; const uint8_t *src; };

/* Full screen (Ctrl+Alt+F) of one window, and where it was before. */
struct full { int on; int x, y; unsigned w, h; };

struct view {
	Display *dpy;
	xcb_connection_t *c;
	Window win;
	Pixmap pic;          /* the last whole frame, source size */
	GC gc_put, gc_copy, gc_fill;
	Atom wm_delete;
	int shm;             /* MIT-SHM with fd passing (1.2) works */
	uint32_t sw, sh;     /* surface size */
	uint32_t ww, wh;     /* window size as last configured */
	int bw;              /* border width */
	unsigned long border_px;
	const char *title;
	/* staging image: the surface's size, private, shared with the server */
	uint8_t *stage;
	size_t stage_len;
	xcb_shm_seg_t stage_seg;
	int stage_busy;      /* requests reading it (or the ring) may still be queued */
	int backfill;        /* the flushed frame's ops still go into the pixmap */
	uint64_t backfill_at; /* mono_ns() when they go at the latest */
	uint32_t maxreq;     /* bytes in one request, for the non-SHM fallback */
	/* the ring file attached read-only, for zero-copy raw rects */
	xcb_shm_seg_t ring_seg;
	int ring_attached;
	size_t nring;         /* ops of the open frame that read the ring */
	uint64_t ring_bytes;  /* ring bytes they hold */
	/* the open frame */
	struct op *ops;
	size_t nops, opcap;
	struct xs_rect dmg[MAX_DMG];
	int ndmg, dmg_all;
	struct xs_rect dmg_box; /* their bounding box */
	/* exposures gathered until the last of a series: their bounding box,
	 * in window coordinates */
	int exp_pending;
	struct xs_rect exp_box;
	Cursor cursor, blank;
	int hidden;
	int closed;
	/* -s: the picture scaled to the window (XRender), keeping its aspect */
	int scale;           /* SCALE_NONE, SCALE_NEAREST, SCALE_BILINEAR */
	int scaled;          /* the picture is scaled now (the window is not 1:1) */
	int32_t ox, oy;      /* the picture's place in the window */
	uint32_t pw, ph;     /* and its size there */
	unsigned long src_pict, dst_pict; /* XRender Pictures of pic and win */
	struct full full;    /* full screen (Ctrl+Alt+F) */
	Atom a_netname, a_utf8;
};
enum { SCALE_NONE, SCALE_NEAREST, SCALE_BILINEAR };

struct ctl {
	int fd;              /* -1: no control output */
	pid_t child;
	int chan;            /* vsockd -c ADDR -- xpaint: connections come on it (lib/handover.h), or -1 */
	int given;           /* chan is COMMAND's $XS_CTL_GIVE and nothing came on it yet: fd is its stdin */
	uint8_t *q;
	size_t len, cap;
	int dead;
	int motion;          /* a coalesced motion is pending */
	int32_t mx, my;
	uint64_t motion_dropped;
	int bound;           /* our nonce came back: input may flow */
	int said;
	uint64_t refused_at;  /* mono_ns() of the first input dropped while unbound, 0: none */
	uint8_t nonce[XS_NONCE_LEN];
	uint64_t nonce_ns;   /* when the nonce went out (our clock) */
	uint64_t echo_ns;    /* its last round trip, 0: none came back yet */
	uint8_t keys[32];    /* held keycodes, the keysym sent at press */
	uint32_t keysym[256];
	uint32_t buttons;    /* held buttons, bit n for button n */
	int status;          /* EX_IO once the queue overflowed */
};

/* The clipboard and its policy (clip.c). */
enum { CLIP_IN = 1, CLIP_OUT = 2 }; /* -C in, out; both is 3, none 0 */
struct hclip {
	struct xsel *x;
	int mode;
	size_t cap;                     /* -L: bytes of one transfer at most */
	int on;                         /* the source offers it and -C allows a way */
	int focus;                      /* the window has the keyboard focus */
	unsigned host_formats[XS_NSEL]; /* what host owners give now, 0: none */
	uint32_t serial[XS_NSEL];       /* host owner changes */
	uint32_t offered[XS_NSEL];      /* the serial last offered to the guest */
	unsigned guest_formats[XS_NSEL];/* the guest's latest offer */
	uint32_t guest_serial[XS_NSEL];
	int granted[XS_NSEL];           /* we own the host's for the guest's offer */
	int asked[XS_NSEL];             /* the guest asked; the host owner is being read */
	uint32_t asked_serial[XS_NSEL];
	struct xs_clip_in in[XS_NSEL];
	struct xs_clip_out out[XS_NSEL];
};

/* Sound (audio.c): the guest's to a player, the host's microphone out. */
struct snd {
	const char *cmd;     /* -a; NULL: no sound */
	pid_t pid;           /* the player, 0: not started */
	struct xs_outq q;    /* records waiting for it (q.fd its stdin) */
	int on;              /* the hello announced sound (XS_HF_AUDIO) */
	int dead;            /* it went away: no sound from now on */
	uint64_t pieces;
	const char *mic_cmd; /* -M; NULL: the microphone stays on the host */
	pid_t mic_pid;       /* the capture command, 0: not started */
	int mic_fd, mic_dead;
	struct xs_reader mic_rd;
	uint64_t mic_sent, mic_dropped;
};

struct stats {
	uint64_t frames, rects, bytes, bells;
	uint64_t paint[1024], gap[1024], fin[1024];
	unsigned npaint, ngap, nfin;
	uint64_t last_frame;  /* mono_ns of the last frame's end */
};

/*
 * State records that only matter when the next frame is shown (surface
 * size, cursor, pointer visibility, title): the latest of each waits here
 * and goes to the X server once, before the next rect needs it, at the
 * frame end, or when the input has been read to its end (feed_settle). A
 * storm of them costs what showing the last costs (docs/SECURITY.md
 * "Storms"). Seamless windows keep theirs per window (seamless.c).
 */
struct pending {
	int size;             /* a hello's or a resize's surface */
	uint32_t w, h;
	int cursor;
	struct xs_cursor c;   /* argb points into argb below */
	uint8_t *argb;
	size_t argb_cap;
	int pointer, visible;
	int title;            /* len 0: the name alone (a new source) */
	uint8_t text[XS_TITLE_WIRE];
	uint32_t len;
	uint64_t settled;     /* mono_ns() of the last feed_settle */
};

struct xpaint {
	struct view v;
	struct pending pend;
	struct ctl k;
	struct stats st;
	struct xs_codec *codec;
	int have_hello;
	uint8_t challenge[XS_NONCE_LEN]; /* the last hello's, for a restarted control command */
	uint32_t ctl_flags;  /* and the control hello's flags that went with it */
	int resize_req;      /* -R */
	uint32_t nrects;     /* rects in the open frame */
	uint64_t t_arrive;   /* when the open frame's first record arrived */
	uint64_t t_fill;     /* time of the last read */
	struct hclip clip;
	struct snd snd;
	uint32_t want_w, want_h; /* -R: the size to ask for once the window stops changing */
	uint64_t want_at;        /* mono_ns() when to ask, 0: nothing pending */
	struct seamless *sm; /* seamless windows (seamless.c), NULL until a hello asks for them */
	const char *name;    /* -t: the host's name for the source, the prefix of every title */
	unsigned max_windows; /* -n */
	int stream_over;     /* the frame stream ended (seamless windows then close on the host alone) */
	char err[256];
};

/* audio.c */
void snd_init(struct xpaint *x, const char *cmd, const char *mic);
uint32_t snd_hello(struct xpaint *x, uint32_t flags);
int snd_mic_fd(const struct xpaint *x);
void snd_mic_read(struct xpaint *x);
void snd_record(struct xpaint *x, const struct xs_audio *a);
void snd_write(struct xpaint *x);
int snd_fd(const struct xpaint *x);
void snd_close(struct xpaint *x);

/* view.c */
void view_open(struct view *v);
uint8_t *view_stage_map(struct view *v, const char *name, const char *what, size_t len, xcb_shm_seg_t *seg);
void view_stage_unmap(struct view *v, uint8_t *p, size_t len, xcb_shm_seg_t seg);
void view_surface(struct view *v, uint32_t w, uint32_t h);
uint8_t *view_stage(struct view *v);
void view_add(struct view *v, const struct op *o);
void view_flush_frame(struct view *v);
void view_backfill(struct view *v);
void view_discard_frame(struct view *v);
void view_expose(struct view *v, struct xs_rect r, int last);
void view_configured(struct view *v, uint32_t w, uint32_t h);
void view_cursor(struct view *v, const struct xs_cursor *c);
void view_pointer_visible(struct view *v, int visible);
void view_sync(struct view *v);
int view_attach_ring(struct view *v, int fd);
void view_spill(struct view *v);
void view_title(struct view *v, const uint8_t *untrusted, uint32_t len);
void view_fullscreen(struct view *v);
void view_title_disconnected(Display *d, Window w);
void view_fullscreen_win(Display *d, Window w, struct full *f);
void view_to_surface(const struct view *v, int x, int y, int32_t *sx, int32_t *sy);

/* ctl.c */
void ctl_init(struct ctl *k, int fd, pid_t child, int chan);
void ctl_hello(struct ctl *k, const uint8_t challenge[XS_NONCE_LEN], uint32_t flags, int keep);
void ctl_record(struct ctl *k, const uint8_t *rec, size_t n);
void ctl_refresh(struct ctl *k);
void ctl_echo(struct ctl *k, const uint8_t v[XS_NONCE_LEN]);
void ctl_size(struct ctl *k, uint32_t w, uint32_t h);
void ctl_event(struct ctl *k, struct view *v, XEvent *e);
void ctl_event_at(struct ctl *k, struct view *v, XEvent *e, int dx, int dy);
int ctl_window(struct ctl *k, const uint8_t *rec, size_t n);
int ctl_audio(struct ctl *k, const uint8_t *rec, size_t n);
void ctl_flush_motion(struct ctl *k);
void ctl_motion(struct ctl *k, struct view *v, int32_t x, int32_t y);
int64_t ctl_unbound_due(struct ctl *k);
void ctl_release_all(struct ctl *k);
void ctl_write(struct ctl *k);
void ctl_drain(struct ctl *k, int ms);
void ctl_close(struct ctl *k);
void ctl_lost(struct ctl *k, const char *why); /* the reader went away: input disabled */
/* Hand-over: vsockd's message on k->chan; 1 when a new connection is in
 * place (the caller proves itself on it again: ctl_hello). */
int ctl_chan_event(struct ctl *k);
void ctl_failed(struct ctl *k, const char *why); /* the connection, or the whole output */
pid_t spawn(char **argv, int *ctl_fd, int *stream_fd, int *chan);

/* feed.c: one record, parsed from its private copy (feed), or already
 * parsed (feed_msg); payload_off is the ring file offset of a raw rect's
 * payload or UINT64_MAX. Returns 0, 1 at bye, -1 with x->err. */
int feed(struct xpaint *x, struct xs_hdr h, const uint8_t *body, uint64_t off);
/* The pending state to the X server (also seamless windows'). */
void feed_settle(struct xpaint *x);
/* After a turn's records: settles when the input was read to its end
 * (drained) or the last settle is SETTLE_NS old (a storm without end
 * still shows its latest state a few times a second). */
#define SETTLE_NS 250000000ull
void feed_turn_end(struct xpaint *x, int drained);
/* Records are read for at most TURN_NS at a time: then X events and
 * signals are looked at (a SIGTERM is answered whatever the guest sends). */
#define TURN_NS 8000000ull
int feed_msg(struct xpaint *x, struct xs_hdr h, const struct xs_msg *m, uint64_t off, uint64_t payload_off);
uint8_t *feed_raw_begin(struct xpaint *x, struct xs_hdr h, const uint8_t *body, uint64_t off, struct xs_rect_msg *rm);
void feed_raw_end(struct xpaint *x, const struct xs_rect_msg *rm);

/* clip.c */
void clip_open(struct xpaint *x, int mode, size_t cap);
uint32_t clip_hello(struct xpaint *x, uint32_t hello_flags);
void clip_start(struct xpaint *x);
void clip_focus(struct xpaint *x, int in);
int clip_crossing(struct xpaint *x, XEvent *e);
int clip_key(struct xpaint *x, XKeyEvent *e);
void clip_record(struct xpaint *x, const struct xs_msg *m);
int clip_event(struct xpaint *x, XEvent *e);
void clip_flush(struct xpaint *x);
int64_t clip_timeout_ms(const struct xpaint *x);

/* pipein.c: the stream from a pipe. */
/* A large raw rect being read from the pipe into the staging image. */
struct direct {
	int on;
	struct xs_hdr h;
	struct xs_rect_msg rm;
	uint64_t off;        /* stream offset of its record */
	uint8_t *dst;        /* staging address of its first pixel */
	size_t got;          /* payload bytes in place */
};
struct pipein {
	struct xs_reader rd;
	struct direct dr;
	int more;            /* whole records wait in the buffer (the turn's time was up) */
};
void pipein_open(struct pipein *p, int fd);
/* Reads while bytes wait (a bounded number of times, so that X events are
 * not kept waiting). Returns 0, or 1 when the stream ended: *st is 0 (a
 * bye or the end of the stream) or EX_IO / EX_DATA with x->err. */
int pipein_step(struct xpaint *x, struct pipein *p, int *st);
void pipein_close(struct pipein *p);

/* ringin.c: the stream from a ring (-r) and the writer's bell (-B). */
struct ringin {
	struct ring_reader *r;
	uint64_t done;         /* ring position up to which all frames are finished, 0: none */
	int frame_ended;       /* the last record was a frame end */
	struct addr bell_addr; /* -B: where the writer's bell listens (len 0: no -B) */
	int bell_fd, bell_up;  /* the call (-1: none); answered */
	uint64_t bell_next;    /* when to call again */
	uint64_t bell_quiet;   /* not read again before this (a guest ringing without end) */
	uint64_t bell_done;    /* the reader's position at the last bell */
};
void ringin_open(struct xpaint *x, struct ringin *ri, const char *path, int copyout); /* copyout: -p */
/* Up to a batch of records; how many, or -1 (x->err) on a fatal error. */
int ringin_step(struct xpaint *x, struct ringin *ri);
/* Nothing more in the ring: how long to sleep (0: there is a record
 * after all), or -1 to sleep on the notifier's fd alone. */
int64_t ringin_idle_ns(struct ringin *ri);
void ringin_release(struct xpaint *x, struct ringin *ri);
/* -B ADDR: the writer's bell, called (and called again a second after a
 * failure) by ringin_bell_due_ms, which returns a poll timeout in ms (or -1);
 * poll the fd for ringin_bell_events and hand the result to
 * ringin_bell_event. */
void ringin_bell_open(struct ringin *ri, const char *spec);
int64_t ringin_bell_due_ms(struct ringin *ri);
short ringin_bell_events(const struct ringin *ri);
void ringin_bell_event(struct xpaint *x, struct ringin *ri, short rev);

/* feed.c */
void stats_print(struct xpaint *x);

/* seamless.c: one host window per guest window */
#define SM_MAX_WINDOWS 256u /* default of -n */
void sm_hello(struct xpaint *x, uint32_t w, uint32_t h);
void sm_off(struct xpaint *x);
void sm_grow(struct xpaint *x);
int sm_on(const struct xpaint *x);
unsigned sm_count(const struct xpaint *x);
void sm_record(struct xpaint *x, const struct xs_msg *m);
int sm_rect(struct xpaint *x, struct xs_hdr h, uint64_t off, const struct xs_rect_msg *rm);
void sm_frame(struct xpaint *x);
void sm_cursor(struct xpaint *x);
int sm_event(struct xpaint *x, XEvent *e);
int sm_fullscreen(struct xpaint *x, Window hw);
void sm_disconnected(struct xpaint *x);
void sm_settle(struct xpaint *x);

#endif
