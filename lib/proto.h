/*
 * The wire format: frame stream (guest to host) and control stream (host to
 * guest), one record framing for both. docs/PROTOCOL.md is the spec; this
 * header is its single implementation. Every field is fixed-width little
 * endian and read through the get/put helpers below, never through a cast.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define XS_MAGIC 0x31534358u /* "XCS1" little endian: frame stream hello */
#define XS_CMAGIC 0x31534358u /* same magic opens the control stream */
#define XS_VERSION_MAJOR 1
#define XS_VERSION_MINOR 1

/* Limits every reader enforces (docs/PROTOCOL.md, "Limits"). */
#define XS_MAX_DIM 16384u             /* surface width or height */
#define XS_MAX_PIXELS (8192u * 8192u) /* surface area */
#define XS_MAX_RECORD (64u << 20)     /* body bytes of one record */
#define XS_MAX_RECTS 65536u           /* rects between two frame ends */
#define XS_MAX_CURSOR 256u            /* cursor width or height */
#define XS_NONCE_LEN 16u

#define XS_HDR_LEN 8u /* u32 body length, u16 type, u16 flags (0) */
#define XS_RECT_LEN 24u /* rect body header before the payload */

/* Record types. Frame stream: 1..63; control stream: 64..127. */
enum xs_type {
	XS_HELLO = 1,     /* first record of a frame stream */
	XS_RECT = 2,      /* damaged rectangle, encoded */
	XS_FRAME = 3,     /* end of frame: paint what came since the last */
	XS_CURSOR = 4,    /* cursor shape, ARGB */
	XS_POINTER = 5,   /* pointer position on the source */
	XS_RESIZE = 6,    /* surface size change; a full frame follows */
	XS_ECHO = 7,      /* a control nonce coming back */
	XS_BYE = 8,       /* orderly end */

	XS_C_HELLO = 64,  /* first record of a control stream */
	XS_C_KEY = 65,    /* key press or release, by keysym */
	XS_C_BUTTON = 66, /* button press or release, 1..9 */
	XS_C_MOTION = 67, /* absolute pointer motion */
	XS_C_REFRESH = 68,/* send a full frame now */
	XS_C_SIZE = 69,   /* please resize the screen (RandR) */
	XS_C_NONCE = 70,  /* echo this nonce in the frame stream */
	XS_C_RESET = 71,  /* the controller went away: release all */

	/* seamless windows (xcap -W), docs/PROTOCOL.md "Seamless windows" */
	XS_WIN = 16,        /* a top-level window is shown: id, geometry, kind */
	XS_WIN_GEOM = 17,   /* it moved or changed size */
	XS_WIN_STACK = 18,  /* stacking order of the shown windows, bottom first */
	XS_WIN_TITLE = 19,  /* its title (untrusted UTF-8) */
	XS_WIN_CLASS = 20,  /* its WM_CLASS: instance NUL class (untrusted) */
	XS_WIN_GONE = 21,   /* unmapped or destroyed */
	XS_WIN_RECTS = 22,  /* the rects that follow paint this window */
	XS_WIN_ICONIC = 23, /* it was iconified: kept, not shown, until XS_WIN again */
	XS_WIN_ICON = 24,   /* its icon (_NET_WM_ICON): w x h ARGB pixels */
	XS_WIN_HINTS = 25,  /* its kind, modality and size hints (struct xs_whints) */
	XS_WIN_SHAPE = 26,  /* its bounding shape (XShape): rects of its inside, none: rectangular */
	XS_C_WIN_CONFIGURE = 80, /* please move / resize this window */
	XS_C_WIN_CLOSE = 81,     /* please close it (WM_DELETE_WINDOW) */
	XS_C_WIN_FOCUS = 82,     /* raise it and give it the keyboard (an iconified one is restored) */
	XS_C_WIN_ICONIFY = 83,   /* please iconify it (the host window was minimized) */
};

/*
 * Desktop records (1.1): the guest's window title, and the clipboard both
 * ways (docs/PROTOCOL.md, "Clipboard and title"). Offered only when the
 * peer's hello announced it with the flag bit below.
 */
#define XS_HF_CLIP 1u   /* frame-stream hello flags, bit 0: the source does the clipboard */
#define XS_CF_CLIP 1u   /* control-hello flags, bit 0: the viewer does the clipboard */
enum xs_type_desk {
	XS_TITLE = 9,       /* the guest's focused window title, UTF-8 (untrusted) */
	XS_CLIP_OFFER = 10, /* the guest owns a selection now */
	XS_CLIP_DATA = 11,  /* a piece of the guest's selection, asked for */
	XS_CLIP_REQ = 12,   /* a guest client pastes the host's offer: send it */
	XS_C_CLIP_OFFER = 72, /* the host owns a selection the guest may paste */
	XS_C_CLIP_DATA = 73,  /* a piece of the host's selection */
	XS_C_CLIP_REQ = 74,   /* a host client pastes the guest's offer: send it */
};
#define XS_TITLE_WIRE 1024u      /* body bytes of a title record at most */
#define XS_CLIP_HDR 32u          /* clipboard data body before the payload */
#define XS_CLIP_CHUNK (16u << 10) /* payload bytes of one clipboard data record at most */
enum { XS_SEL_CLIPBOARD = 0, XS_SEL_PRIMARY = 1, XS_NSEL = 2 };
enum { XS_FMT_TEXT = 0, XS_FMT_PNG = 1, XS_NFMT = 2 }; /* offer formats: bit 1 << XS_FMT_x */
enum { XS_CLIP_OK = 0, XS_CLIP_NONE = 1, XS_CLIP_OVER = 2 }; /* data status */
struct xs_title { const uint8_t *text; uint32_t len; };
struct xs_clip_offer { uint32_t sel, serial, formats; }; /* formats 0: the selection is gone */
struct xs_clip_req { uint32_t sel, serial, format, max; }; /* max: most bytes the asker takes */
struct xs_clip_data {
	uint32_t sel, serial, format, status;
	uint64_t total, offset;  /* the whole transfer's size, this piece's place in it */
	const uint8_t *data;     /* len payload bytes */
	uint32_t len;
};
/*
 * Sound (1.1, docs/AUDIO.md): pieces of PCM or Opus, guest to host in the
 * frame stream after a hello with XS_HF_AUDIO. The fields come from a
 * small set (xs_parse refuses others): a player never meets a format it
 * cannot take, and a piece is never longer than XS_AUDIO_FRAMES_MAX.
 */
#define XS_HF_AUDIO (1u << 2)       /* hello flag: the stream carries audio records */
#define XS_HF_MIC (1u << 3)         /* hello flag: the source plays the host's microphone (xcap -M) */
#define XS_CF_MIC (1u << 2)         /* control-hello flag: the viewer sends its microphone (xpaint -M) */
enum xs_type_audio {
	XS_AUDIO = 13,   /* the guest's sound, in the frame stream */
	XS_C_AUDIO = 75, /* the host's microphone, in the control stream: the same body */
};
enum { XS_AFMT_PCM16 = 1, XS_AFMT_OPUS = 2 }; /* s16le interleaved; one Opus packet */
#define XS_AUDIO_HDR 32u            /* audio body before the payload */
#define XS_AUDIO_FRAMES_MAX 4096u   /* sample frames of one piece (85 ms at 48 kHz) */
#define XS_AUDIO_PAYLOAD_MAX 16384u /* PCM: 4096 stereo frames of 2 bytes */
#define XS_AUDIO_OPUS_MAX 4000u     /* bytes of one Opus packet at most */
struct xs_audio {
	uint32_t format, rate, channels, frames; /* frames: samples per channel in this piece */
	uint64_t seq, time_ns;   /* piece number; CLOCK_REALTIME of its first sample's capture */
	const uint8_t *data;     /* len payload bytes */
	uint32_t len;
};
/* Seamless windows: flags and wire limits. */
#define XS_HF_WINDOWS (1u << 1)  /* hello flag: the stream carries windows */
#define XS_CF_WINDOWS (1u << 1)  /* control-hello flag: the viewer shows them */
#define XS_WF_OVERRIDE 1u        /* window flag: override-redirect (menu, tooltip) */
#define XS_WIN_TEXT_MAX 4096u    /* bytes of a title or class record's text */
#define XS_WIN_STACK_MAX 4096u   /* ids in a stack record */
#define XS_WIN_ICON_MAX 64u      /* an icon is at most this wide and high (a viewer drops others) */
#define XS_WIN_SHAPE_MAX 4096u   /* rects in a shape record */

enum xs_enc {
	XS_ENC_RAW = 0,   /* BGRX, 4 bytes a pixel, stride w*4 */
	XS_ENC_LZ4 = 1,   /* LZ4 block of the raw payload */
	XS_ENC_JPEG = 2,  /* JFIF, decoded to BGRX */
	XS_ENC_SOLID = 3, /* fill with param (0x00RRGGBB), no payload */
	XS_NENC           /* how many there are: a row each in lib/codec.c */
};

#define XS_FORMAT_BGRX 1u

/* Hello flags (frame stream) and control-hello flags: features, one bit
 * each. A reader refuses a hello with a bit it does not know. */
#define XS_HF_KNOWN (XS_HF_CLIP | XS_HF_WINDOWS | XS_HF_AUDIO | XS_HF_MIC)
#define XS_CF_KNOWN (XS_CF_CLIP | XS_CF_WINDOWS | XS_CF_MIC)

/*
 * A rect's place and size on a surface (or in a seamless window): the one
 * type a rect travels in from the wire through the codec to the view and
 * the damage lists. u32, the width of the wire's fields, so that a hostile
 * x or w is held whole (not truncated into something that passes) until
 * xs_check_rect() refuses it; a checked rect lies within XS_MAX_DIM, so
 * its sums fit any of the int types the X calls take.
 */
struct xs_rect { uint32_t x, y, w, h; };

/* Is r inside a W x H surface? The sums in 64 bits: x + w cannot wrap. */
static inline int xs_rect_inside(struct xs_rect r, uint32_t W, uint32_t H)
{
	return (uint64_t)r.x + r.w <= W && (uint64_t)r.y + r.h <= H;
}
/* Pixels of r, without overflow (a rect from the wire may be 2^32 x 2^32). */
static inline uint64_t xs_rect_area(struct xs_rect r) { return (uint64_t)r.w * r.h; }
/* A signed rect (an X server's, a window's place) clipped to a W x H
 * area from 0,0; empty (0 x 0) if nothing of it is inside. */
static inline struct xs_rect xs_rect_clip(int64_t x, int64_t y, int64_t w, int64_t h, uint32_t W, uint32_t H)
{
	int64_t x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
	int64_t x1 = x + w > (int64_t)W ? (int64_t)W : x + w, y1 = y + h > (int64_t)H ? (int64_t)H : y + h;
	if (x1 <= x0 || y1 <= y0)
		return (struct xs_rect){ 0, 0, 0, 0 };
	return (struct xs_rect){ (uint32_t)x0, (uint32_t)y0, (uint32_t)(x1 - x0), (uint32_t)(y1 - y0) };
}
/* The part of a inside b, empty (0 x 0) if none; a and b within a surface. */
static inline struct xs_rect xs_rect_intersect(struct xs_rect a, struct xs_rect b)
{
	uint32_t x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
	uint32_t x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
	uint32_t y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
	if (x1 <= x0 || y1 <= y0)
		return (struct xs_rect){ 0, 0, 0, 0 };
	return (struct xs_rect){ x0, y0, x1 - x0, y1 - y0 };
}
/* The bounding box of a and b; an empty rect (w or h 0) adds nothing. The
 * rects are inside a surface (checked or clipped), so the ends cannot wrap. */
static inline struct xs_rect xs_rect_union(struct xs_rect a, struct xs_rect b)
{
	if (!a.w || !a.h)
		return b;
	if (!b.w || !b.h)
		return a;
	uint32_t x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
	uint32_t x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
	uint32_t y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
	return (struct xs_rect){ x0, y0, x1 - x0, y1 - y0 };
}

/* Parsed records: private copies, already checked by xs_parse(). */
struct xs_hello {
	uint16_t major, minor;
	uint32_t width, height, format, flags;
	uint8_t challenge[XS_NONCE_LEN];
};
struct xs_rect_msg {
	uint32_t enc;
	struct xs_rect r;
	uint32_t param;
	const uint8_t *data; /* payload, len bytes */
	uint32_t len;
};
struct xs_frame {
	uint64_t seq, time_ns; /* capture time, CLOCK_REALTIME */
	uint32_t nrects, flags;
};
struct xs_cursor {
	uint32_t w, h, xhot, yhot, serial;
	const uint8_t *argb; /* w*h*4 bytes, premultiplied ARGB, LE */
};
struct xs_pointer { int32_t x, y; uint32_t visible; }; /* also XS_C_MOTION */
struct xs_size { uint32_t w, h; };
struct xs_nonce { uint8_t v[XS_NONCE_LEN]; };
struct xs_chello {
	uint16_t major, minor;
	uint32_t flags;
	uint8_t challenge[XS_NONCE_LEN]; /* from the frame stream's hello */
};
struct xs_key { uint32_t keysym, keycode, state, down; };
struct xs_button { uint32_t button, down; int32_t x, y; };
/* XS_WIN, XS_WIN_GEOM, XS_C_WIN_CONFIGURE; the others use only id. */
struct xs_win { uint32_t id; int32_t x, y; uint32_t w, h, flags, transient; };
struct xs_wtext { uint32_t id, len; const uint8_t *text; }; /* XS_WIN_TITLE, XS_WIN_CLASS */
struct xs_wstack { uint32_t n; const uint8_t *ids; };       /* n u32 ids, read with xs_get32 */
struct xs_wicon { uint32_t id, w, h; const uint8_t *argb; }; /* w*h u32 ARGB, read with xs_get32 */
/* XS_WIN_HINTS: _NET_WM_WINDOW_TYPE (the kinds a host may show; a dock or
 * desktop is never one), _NET_WM_STATE_MODAL, WM_NORMAL_HINTS' sizes and
 * aspect (0: none). Sizes are the viewer's policy. */
/* XS_WIN_SHAPE: n rects of u16 x, y, w, h (read with xs_get16) in the
 * window's inside; n 0: not shaped. Bounds are the viewer's policy. */
struct xs_wshape { uint32_t id, n; const uint8_t *rects; };
enum xs_wtype { XS_WT_NORMAL, XS_WT_DIALOG, XS_WT_UTILITY, XS_WT_TOOLBAR, XS_WT_MENU, XS_WT_SPLASH, XS_WT_N };
#define XS_WH_MODAL 1u
struct xs_whints {
	uint32_t id, type, flags;
	uint32_t min_w, min_h, max_w, max_h;
	uint32_t min_an, min_ad, max_an, max_ad; /* aspect numerators and denominators */
};

struct xs_msg {
	uint16_t type;
	union {
		struct xs_hello hello;
		struct xs_rect_msg rect;
		struct xs_frame frame;
		struct xs_cursor cursor;
		struct xs_pointer pointer;
		struct xs_size size;
		struct xs_nonce nonce;
		struct xs_chello chello;
		struct xs_key key;
		struct xs_button button;
		struct xs_win win;
		struct xs_wtext wtext;
		struct xs_wstack wstack;
		struct xs_wicon wicon;
		struct xs_whints whints;
		struct xs_wshape wshape;
		uint32_t reason;
		struct xs_title title;
		struct xs_clip_offer offer;
		struct xs_clip_req req;
		struct xs_clip_data cdata;
		struct xs_audio audio;
	} u;
};

/* Little-endian field access byte by byte (no alignment or host-order assumptions). */
static inline uint16_t xs_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t xs_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t xs_get64(const uint8_t *p) { return xs_get32(p) | (uint64_t)xs_get32(p + 4) << 32; }
static inline void xs_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void xs_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void xs_put64(uint8_t *p, uint64_t v) { xs_put32(p, (uint32_t)v); xs_put32(p + 4, (uint32_t)(v >> 32)); }

/* The encoding of a rect body (its first field), for the readers that peek
 * at it before the whole record is parsed (raw rects read in place). */
static inline uint32_t xs_rect_enc(const uint8_t *body) { return xs_get32(body); }

/* Header of a record; body length must be checked with xs_check_hdr(). */
struct xs_hdr { uint32_t len; uint16_t type, flags; };
static inline struct xs_hdr xs_get_hdr(const uint8_t *p)
{
	struct xs_hdr h = { xs_get32(p), xs_get16(p + 4), xs_get16(p + 6) };
	return h;
}
static inline void xs_put_hdr(uint8_t *p, uint16_t type, uint32_t len)
{
	xs_put32(p, len); xs_put16(p + 4, type); xs_put16(p + 6, 0);
}

/*
 * The record table (lib/proto.c): a row per type, the one place that says
 * what a type is. The name lookup, the header bounds, xs_parse, xcap's
 * gate, vsockd's check and the fuzz targets all read it. Adding a record
 * is its number in the enums above, its row, its parser and its builder
 * (docs/ARCHITECTURE.md, "The record table").
 */
#define XS_NTYPES 128u /* types are 1..127: frame stream 1..63, control stream 64..127 */
enum xs_stream { XS_STREAM_FRAME = 1, XS_STREAM_CONTROL = 2 }; /* guest to host, host to guest */
struct xs_parsing; /* what a parser is given (proto.c) */
struct xs_type_info {
	const char *name;  /* in messages: "clip-offer" */
	uint8_t stream;    /* enum xs_stream */
	uint32_t min, max; /* body length in bytes */
	const char *(*parse)(const struct xs_parsing *p); /* NULL: no fields */
	uint8_t gated;     /* control: acted on only after a control hello with the challenge */
	uint32_t feature;  /* the hello flag that offers it (XS_HF_x, XS_CF_x), 0: always there */
};
/* The row of a type; NULL for one this version does not know. */
const struct xs_type_info *xs_type_info(unsigned type);
const char *xs_type_name(unsigned type); /* "unknown" for no row */

/*
 * Checks a header alone (known type, flags zero, body length within the
 * bounds of its type). Returns NULL or a static message.
 */
const char *xs_check_hdr(struct xs_hdr h);

/*
 * Parses and checks one record body (already copied into private memory)
 * into m. Rect bounds against the surface are the caller's (it knows the
 * surface); xs_check_rect() does them. Returns NULL or a message in err.
 */
const char *xs_parse(struct xs_hdr h, const uint8_t *body, struct xs_msg *m, char *err, size_t errlen);

/* Checks a surface size (nonzero, within limits, w*h*4 without overflow). */
const char *xs_check_size(uint32_t w, uint32_t h);

/* Checks a rect against a surface of W x H (xs_rect_inside, with a message). */
const char *xs_check_rect(struct xs_rect r, uint32_t W, uint32_t H, char *err, size_t errlen);

/* Builders: write a whole record (header and body) into p, return its size. */
size_t xs_build_hello(uint8_t *p, uint32_t w, uint32_t h, uint32_t flags, const uint8_t challenge[XS_NONCE_LEN]);
size_t xs_build_rect_hdr(uint8_t *p, uint32_t enc, struct xs_rect r, uint32_t param, uint32_t payload_len);
size_t xs_build_frame(uint8_t *p, uint64_t seq, uint64_t time_ns, uint32_t nrects, uint32_t flags);
size_t xs_build_cursor_hdr(uint8_t *p, uint32_t w, uint32_t h, uint32_t xhot, uint32_t yhot, uint32_t serial);
size_t xs_build_pointer(uint8_t *p, int32_t x, int32_t y, uint32_t visible);
size_t xs_build_size(uint8_t *p, uint16_t type, uint32_t w, uint32_t h); /* XS_RESIZE or XS_C_SIZE */
size_t xs_build_nonce(uint8_t *p, uint16_t type, const uint8_t v[XS_NONCE_LEN]); /* XS_ECHO or XS_C_NONCE */
size_t xs_build_bye(uint8_t *p, uint32_t reason);
size_t xs_build_chello(uint8_t *p, uint32_t flags, const uint8_t challenge[XS_NONCE_LEN]);
size_t xs_build_key(uint8_t *p, uint32_t keysym, uint32_t keycode, uint32_t state, int down);
size_t xs_build_button(uint8_t *p, uint32_t button, int down, int32_t x, int32_t y);
size_t xs_build_motion(uint8_t *p, int32_t x, int32_t y);
size_t xs_build_empty(uint8_t *p, uint16_t type); /* XS_C_REFRESH, XS_C_RESET */

/* Desktop builders; type picks the direction (XS_CLIP_x or XS_C_CLIP_x).
 * A title record is 8 + len bytes; a data header XS_HDR_LEN + XS_CLIP_HDR,
 * its len payload bytes follow. */
size_t xs_build_title(uint8_t *p, const uint8_t *text, uint32_t len);
size_t xs_build_clip_offer(uint8_t *p, uint16_t type, uint32_t sel, uint32_t serial, uint32_t formats);
size_t xs_build_clip_req(uint8_t *p, uint16_t type, uint32_t sel, uint32_t serial, uint32_t format, uint32_t max);
size_t xs_build_clip_data_hdr(uint8_t *p, uint16_t type, const struct xs_clip_data *d);
/* Seamless windows. */
size_t xs_build_win(uint8_t *p, uint16_t type, const struct xs_win *w); /* XS_WIN, _GEOM, XS_C_WIN_CONFIGURE */
size_t xs_build_winid(uint8_t *p, uint16_t type, uint32_t id); /* _GONE, _RECTS, _ICONIC, XS_C_WIN_CLOSE, _FOCUS, _ICONIFY */
/* The header and fixed part of a window-icon record; the w*h ARGB u32 follow. */
size_t xs_build_wicon_hdr(uint8_t *p, uint32_t id, uint32_t w, uint32_t h);
size_t xs_build_wtext(uint8_t *p, uint16_t type, uint32_t id, const void *text, uint32_t len); /* 12+len bytes */
size_t xs_build_wstack_hdr(uint8_t *p, uint32_t n); /* then n u32 ids */
size_t xs_build_whints(uint8_t *p, const struct xs_whints *h);
size_t xs_build_wshape_hdr(uint8_t *p, uint32_t id, uint32_t n); /* then n rects, 8 bytes each */

/* The header and fixed part of an audio record (XS_AUDIO or XS_C_AUDIO);
 * a->len payload bytes follow. */
size_t xs_build_audio_hdr(uint8_t *p, uint16_t type, const struct xs_audio *a);
/* Is this rate, channel count, format and piece length one of the set? */
const char *xs_check_audio(const struct xs_audio *a, char *err, size_t errlen);

#define XS_BUILD_MAX 64u /* largest record any fixed builder writes */

#endif
