/*
 * Window titles from the guest (a title record, a seamless window's name)
 * made safe for the host's window manager: the guest can never set a host
 * window's title except as "[NAME] text", NAME being the one the host gave
 * (xpaint -t). The helper is plain C on bytes, no X, so every viewer of a
 * guest window uses the same one.
 */
#ifndef TITLE_H
#define TITLE_H

#include <stddef.h>
#include <stdint.h>

#define XS_TITLE_MAX 256u  /* bytes of the guest's text kept, after sanitising */
#define XS_NAME_MAX 64u    /* bytes of the host's NAME kept */
/* "[" NAME "] " text NUL: what xs_title_prefixed() may write at most */
#define XS_TITLE_BUF (XS_NAME_MAX + 3u + XS_TITLE_MAX + 1u)

/*
 * Copies untrusted (len bytes, any content) to out as valid UTF-8 of at
 * most XS_TITLE_MAX bytes, cut at a character boundary, NUL-terminated:
 * each byte that does not start a well-formed UTF-8 sequence (overlong,
 * surrogate, over U+10FFFF, truncated) becomes U+FFFD; control characters
 * (C0, DEL, C1), line and paragraph separators and bidi embedding,
 * override and isolate controls are dropped. out holds XS_TITLE_MAX + 1
 * bytes. Returns the length written (without the NUL).
 */
size_t xs_title_sanitize(char *out, const uint8_t *untrusted, size_t len);

/*
 * The host window's title: "[name] text" with text sanitised as above,
 * or name alone when text is empty after sanitising. name is the host's
 * (trusted) but is cut to XS_NAME_MAX bytes at a character boundary too.
 * out holds XS_TITLE_BUF bytes. Returns the length written.
 */
size_t xs_title_prefixed(char *out, const char *name, const uint8_t *untrusted, size_t len);

#endif
