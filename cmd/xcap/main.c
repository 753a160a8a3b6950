/*
 * xcap's options and poll loop: it captures an X display as a frame stream
 * on stdout (or into a ring) and reads control records on stdin. The
 * options: usage() below and man/xcap.1. The loop is reader-driven: a
 * frame is captured only when the previous one is fully written, so while
 * stdout is slow damage merges in the X server and the next frame carries
 * the newest pixels.
 */
#include "handover.h"
#include "pipering.h"
#include "stream.h"
#include "util.h"
#include "xcap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: xcap [-W] [-e raw|lz4|jpeg|auto] [-q quality] [-r maxfps] [-E] [-B ADDR] [-A COMMAND] [-M PLAYER] [-v] [-d cats] DISPLAY\n"
		"  -W       seamless: each top-level window on its own (Composite), not the whole screen\n"
		"  -e ENC   encoding of damaged areas (default raw; auto: solid, lz4 where it pays)\n"
		"  -q Q     jpeg quality 1..100 (default 85); with auto and Q < 100, jpeg for busy areas\n"
		"  -r FPS   at most FPS frames a second (default: as fast as the reader takes them)\n"
		"  -E       exit when the control stream ends (a supervised pipeline then restarts)\n"
		"  -B ADDR  writing the ring: listen on ADDR (PORT, unix:PATH, tcp:HOST:PORT) for xpaint -B's call; ring it\n"
		"  -A CMD   sound: CMD (sh -c, e.g. 'xsnd -c') writes audio records, sent at the next record boundary\n"
		"  -M CMD   the host's microphone, when the viewer sends it: CMD (sh -c, e.g. 'xsnd -p -s mic') plays it\n"
		"  -v       say what happens; -d stream,input,x,enc,stats,cursor: debug categories\n"
		"The frame stream goes to stdout, control records are read on stdin.\n");
	exit(code);
}

static int parse_enc(const char *s)
{
	static const struct { const char *n; int e; } t[] = {
		{ "raw", XS_ENC_RAW }, { "lz4", XS_ENC_LZ4 }, { "jpeg", XS_ENC_JPEG }, { "auto", ENC_AUTO },
	};
	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(s, t[i].n))
			return t[i].e;
	die(EX_CMDLINE, "-e %s: not raw, lz4, jpeg or auto", s);
}

static void print_stats(const struct cap *c)
{
	const struct stats *s = &c->st;
	char b[512];
	int n = snprintf(b, sizeof b, "%llu frames (%llu full), %llu rects, %llu captures, capture %.1f ms, encode %.1f ms, "
		     "%llu bytes out;", (unsigned long long)s->frames, (unsigned long long)s->full,
		     (unsigned long long)s->rects, (unsigned long long)s->captures, (double)s->capture_ns / 1e6,
		     (double)s->encode_ns / 1e6, (unsigned long long)s->out_bytes);
	for (unsigned e = 0; e < XS_NENC && n < (int)sizeof b; e++)
		n += snprintf(b + n, sizeof b - (size_t)n, " %s %llu/%llu B", xs_enc_name(e),
			      (unsigned long long)s->nrec[e], (unsigned long long)s->bytes[e]);
	struct ring_writer_stats rs = { 0 };
	if (c->ring)
		ring_writer_stats(c->ring, &rs);
	warn_line("%s; %u input events; bells %llu; audio pieces %llu sent (%llu between a frame's captures), "
		  "%llu dropped; microphone pieces %llu played, %llu dropped, %llu refused",
		  b, c->in.injected, (unsigned long long)rs.bells, (unsigned long long)c->snd.pieces,
		  (unsigned long long)c->slot.pieces, (unsigned long long)c->snd.dropped,
		  (unsigned long long)c->mic.pieces, (unsigned long long)c->mic.q.dropped,
		  (unsigned long long)c->mic.refused);
}

/* Sends a bye and waits up to 200 ms for it to drain, then exits 0. */
static void finish(struct cap *c, int bye)
{
	if (bye) {
		uint8_t rec[XS_BUILD_MAX];
		out_record(c, rec, xs_build_bye(rec, 0));
		uint64_t end = mono_ns() + 200000000ull;
		struct pollfd p = { 1, POLLOUT, 0 };
		while (out_pending(&c->out) && out_flush(c) == 0 && out_pending(&c->out) && mono_ns() < end)
			poll(&p, 1, 20);
	}
	input_release_all(c);
	input_restore(c);
	XSync(c->dpy, False);
	if (verbose)
		print_stats(c);
	exit(0);
}

/* Before an exit on bad control input: nothing stays pressed. */
static void release_input(struct cap *c)
{
	input_release_all(c);
	XSync(c->dpy, False);
}

static void refuse(struct cap *c, const char *what)
{
	if (!c->in.refused_logged)
		WARN_LIMITED("input refused: control hello without this display's challenge (%s dropped)", what);
	c->in.refused_logged = 1;
}

/* What a reset record does, and the end of a handed-over connection:
 * nothing stays pressed, the next controller proves itself again. */
static void control_reset(struct cap *c, const char *why)
{
	input_release_all(c);
	clip_reset(c);
	c->in.accepted = 0, c->in.refused_logged = 0, c->in.windows = 0, c->mic.on = 0;
	XSync(c->dpy, False);
	VERB("%s: input released, control hello forgotten", why);
}

/* One control record: parsed here (xs_parse) and acted on. Returns 0, or
 * -1 with the reason in err for a record that is not a control one. */
static int control(struct cap *c, struct xs_hdr h, const uint8_t *body, uint64_t off, char *err, size_t n)
{
	const struct xs_type_info *t = xs_type_info(h.type); /* a known type: xs_next checked the header */
	struct xs_msg m;
	char why[200];
	if (t->stream != XS_STREAM_CONTROL) {
		snprintf(err, n, "control stream, offset %llu: %s is a frame stream record", (unsigned long long)off,
			 xs_type_name(h.type));
		return -1;
	}
	if (xs_parse(h, body, &m, why, sizeof why)) {
		snprintf(err, n, "control %s record at offset %llu: %s", xs_type_name(h.type), (unsigned long long)off, why);
		return -1;
	}
	DBG(D_INPUT, "control %s at %llu", xs_type_name(m.type), (unsigned long long)off);
	uint8_t rec[XS_BUILD_MAX];
	if (t->gated && !c->in.accepted) {
		refuse(c, t->name);
		return 0;
	}
	if ((t->feature & XS_CF_WINDOWS) && !c->in.windows) {
		DBG(D_INPUT, "%s without seamless windows in the control hello: ignored", xs_type_name(m.type));
		return 0;
	}
	switch (m.type) {
	case XS_C_HELLO:
		c->in.accepted = same_bytes(m.u.chello.challenge, c->in.challenge, XS_NONCE_LEN);
		c->in.windows = c->wins && (m.u.chello.flags & XS_CF_WINDOWS);
		if (c->in.accepted) {
			c->in.refused_logged = 0;
			VERB("control hello accepted");
			input_repeat_take(c);
			clip_hello(c, m.u.chello.flags);
			mic_hello(c, m.u.chello.flags);
		} else {
			refuse(c, "control hello");
		}
		break;
	case XS_C_REFRESH: c->full = 1; break;
	case XS_C_NONCE: out_record(c, rec, xs_build_nonce(rec, XS_ECHO, m.u.nonce.v)); break;
	case XS_C_RESET: control_reset(c, "control reset"); break;
	case XS_C_KEY: input_key(c, &m.u.key), title_poke(c); break;
	case XS_C_BUTTON: input_button(c, &m.u.button), title_poke(c); break;
	case XS_C_CLIP_OFFER: case XS_C_CLIP_REQ: case XS_C_CLIP_DATA: clip_control(c, &m); break;
	case XS_C_MOTION: input_motion(c, m.u.pointer.x, m.u.pointer.y); break;
	case XS_C_SIZE: cap_set_size(c, m.u.size.w, m.u.size.h); break;
	case XS_C_WIN_CONFIGURE: win_configure(c, &m.u.win); break;
	case XS_C_WIN_CLOSE: win_close(c, m.u.win.id); break;
	case XS_C_WIN_FOCUS: win_focus(c, m.u.win.id); break;
	case XS_C_WIN_ICONIFY: win_iconify(c, m.u.win.id); break;
	case XS_C_AUDIO: mic_record(c, &m.u.audio); break;
	}
	return 0;
}

static int exit_on_eof; /* -E */

/* Reads what stdin has; returns 0 at EOF (no more control). Whatever
 * ends the control stream releases every key and button it held. */
static int read_control(struct cap *c, struct xs_reader *rd)
{
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	char err[200];
	ssize_t n = xs_fill(rd);
	if (n < 0 && errno != EAGAIN) {
		int e = errno;
		release_input(c);
		errno = e;
		die(EX_IO, "read control from stdin:");
	}
	int k;
	while ((k = xs_next(rd, &h, &body, &off, err, sizeof err)) == 1)
		if (control(c, h, body, off, err, sizeof err) < 0) {
			release_input(c);
			die(EX_DATA, "%s", err);
		}
	if (k < 0) {
		release_input(c);
		die(EX_DATA, "control stream: %s", err);
	}
	XFlush(c->dpy);
	if (n == 0) {
		release_input(c);
		c->in.accepted = 0;
		if (exit_on_eof) {
			VERB("stdin closed: no more control, exiting (-E)");
			finish(c, 0); /* no bye: a supervisor starts us again */
		}
		VERB("stdin closed: no more control, capture goes on");
	}
	return n != 0;
}

/*
 * The control socket handed over by vsockd -l ADDR -- xcap (lib/handover.h):
 * xcap reads the controller's records itself, so it checks them as vsockd
 * did (control types only, no body longer than a clipboard piece); a bad
 * record, a hang-up or an error ends that connection (a reset: nothing
 * stays pressed) and tells vsockd, which then takes the next controller.
 */
struct handin {
	int chan;            /* from vsockd, or -1 */
	int fd;              /* the connection, or -1 */
	int piped;           /* chan came down stdin's pipe (vsockd -l ADDR | xcap) */
	struct xs_reader rd;
};

/* `vsockd -l ADDR | xcap`: vsockd's connections handed down the pipe
 * (lib/pipering.h, PIPECTL_NAME), once the peer proved it is the same user
 * holding the pipe's write end. The channel, or -1 (records keep coming
 * through stdin). */
static int ctl_join(void)
{
	char err[200];
	int s = pipe_connect(PIPECTL_NAME, 0, err, sizeof err);
	if (s < 0) {
		if (err[0])
			WARN_LIMITED("control: refused a hand-over down stdin: %s", err);
		return -1;
	}
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	VERB("control: vsockd hands its connections down the pipe");
	return s;
}

/* When to ask vsockd again (mono ns; 0: not): it may not listen yet when
 * we start (both are started at once by the shell), and a viewer that
 * connects meanwhile has its first records carried. Asked at 10, 20, 40
 * ... 1280 ms after the start, and at the first records. */
static uint64_t join_at, join_wait;

static int ctl_join_again(void)
{
	int s = ctl_join();
	join_wait *= 2;
	join_at = s >= 0 || join_wait > 1280000000ull ? 0 : mono_ns() + join_wait;
	return s;
}

/* Whatever stdin holds now: records vsockd carried before it handed a
 * connection over, which come before the socket's. */
static void drain_stdin(struct cap *c, struct xs_reader *rd, int *ctl)
{
	struct pollfd p = { 0, POLLIN, 0 };
	while (*ctl && poll(&p, 1, 0) == 1)
		if (!read_control(c, rd))
			*ctl = 0;
}

static void hand_drop(struct cap *c, struct handin *hi, const char *why)
{
	if (hi->fd < 0)
		return;
	close(hi->fd);
	hi->fd = -1;
	control_reset(c, why);
	if (hi->chan >= 0 && handover_send(hi->chan, HANDOVER_DROPPED, -1) < 0)
		DBG(D_INPUT, "vsockd is gone");
}

static void hand_chan(struct cap *c, struct handin *hi, struct xs_reader *rd, int *ctl)
{
	char what;
	int fd, r;
	while ((r = handover_recv(hi->chan, &what, &fd)) == 1) {
		if (what != HANDOVER_CONN)
			continue;
		if (hi->piped)
			drain_stdin(c, rd, ctl);
		hand_drop(c, hi, "a newer controller");
		hi->fd = fd;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		xs_reader_free(&hi->rd);
		xs_reader_init(&hi->rd, fd);
		VERB("control connection from vsockd");
	}
	if (r == 0 || (r < 0 && errno != EAGAIN)) {
		close(hi->chan);
		hi->chan = -1;
		if (hi->piped) { /* stdin's end tells whether vsockd is gone */
			VERB("control: vsockd closed the hand-over; records come through stdin again");
			return;
		}
		if (exit_on_eof) {
			VERB("vsockd is gone: no more control, exiting (-E)");
			release_input(c);
			finish(c, 0);
		}
		VERB("vsockd is gone: the current controller only");
	}
}

static void hand_read(struct cap *c, struct handin *hi)
{
	struct xs_hdr h;
	const uint8_t *body;
	uint64_t off;
	char err[256];
	ssize_t n = xs_fill(&hi->rd);
	int k;
	if (n < 0 && errno == EAGAIN)
		return;
	for (;;) {
		/* the header first: a stranger's length never sizes our buffer */
		if (hi->rd.end - hi->rd.start >= XS_HDR_LEN) {
			struct xs_hdr p = xs_get_hdr(hi->rd.buf + hi->rd.start);
			const struct xs_type_info *t = xs_type_info(p.type);
			if (!t || t->stream != XS_STREAM_CONTROL || p.len > XS_CLIP_HDR + XS_CLIP_CHUNK) {
				WARN_LIMITED("control connection: %s record (type %u, length %u) at offset %llu: not a control "
					  "record; dropping the connection", xs_type_name(p.type), p.type, p.len,
					  (unsigned long long)hi->rd.off);
				hand_drop(c, hi, "a bad record");
				return;
			}
		}
		if ((k = xs_next(&hi->rd, &h, &body, &off, err, sizeof err)) != 1)
			break;
		if (control(c, h, body, off, err, sizeof err) < 0) {
			WARN_LIMITED("control connection: %s; dropping the connection", err);
			hand_drop(c, hi, "a bad record");
			return;
		}
	}
	XFlush(c->dpy);
	if (k < 0 && n != 0) {
		WARN_LIMITED("control connection: %s; dropping the connection", err);
		hand_drop(c, hi, "a bad record");
	} else if (n <= 0) {
		hand_drop(c, hi, n ? "the control connection failed" : "the controller hung up");
	}
}

static void drain_x(struct cap *c)
{
	while (XEventsQueued(c->dpy, QueuedAfterFlush)) {
		XEvent ev;
		XNextEvent(c->dpy, &ev);
		if (!clip_event(c, &ev) && !title_event(c, &ev))
			cap_event(c, &ev);
	}
}

static void on_signal(struct cap *c, int fd)
{
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGUSR1)
			print_stats(c);
		else
			finish(c, 1);
	}
}

static void start_stream(struct cap *c, int again)
{
	uint8_t rec[XS_BUILD_MAX];
	if (!again)
		random_bytes(c->in.challenge, XS_NONCE_LEN);
	if (c->ring)
		ring_writer_hello(c->ring); /* a reader attached before this hello needs no other */
	out_record(c, rec, xs_build_hello(rec, c->w, c->h, (c->wins ? XS_HF_WINDOWS : 0) | (c->clip.x ? XS_HF_CLIP : 0) |
						     (c->snd.cmd ? XS_HF_AUDIO : 0) | (c->mic.cmd ? XS_HF_MIC : 0),
					  c->in.challenge));
	title_restart(c);
	cap_cursor(c);
	c->pointer_sent = 0;
	cap_pointer(c);
	c->full = 1;
}

static int frame_due(const struct cap *c, uint64_t now)
{
	return c->full || c->damaged || (c->refresh_at && now >= c->refresh_at);
}

/* A due frame that waits for its reader: the pipe to hold none of the
 * private copy's spliced pages (out_copy_free), the ring's reader to
 * finish the frame before last (ringout_ready). No event says either. */
enum wait { WAIT_NONE, WAIT_COPY, WAIT_RING };
#define WAIT_RING_NS 1000000 /* look again at the latest this soon */

/* How long the loop may sleep: until the earliest thing due; NULL: until an fd wakes it. */
static struct timespec *sleep_for(struct cap *c, int pending, uint64_t next_frame, int tick, enum wait w,
				  struct timespec *ts)
{
	struct deadline d;
	deadline_start(&d);
	if (XEventsQueued(c->dpy, QueuedAlready)) { /* a round trip read them: the socket will not say so */
		deadline_in_ns(&d, 0);
		return deadline_ts(&d, ts);
	}
	if (w == WAIT_COPY) { /* look again this soon, and at nothing else meanwhile */
		deadline_in_ns(&d, c->out.copy_wait_ns);
		return deadline_ts(&d, ts);
	}
	/* a frame waiting for the ring's reader is past its own deadlines
	 * (next_frame, refresh_at): they would make the look a spin, a core
	 * burnt while the reader catches up (tests/t-ring-pacing.sh) */
	if (w == WAIT_RING) {
		deadline_in_ns(&d, WAIT_RING_NS);
	} else {
		if (!pending && (c->full || c->damaged))
			deadline_at_ns(&d, next_frame);
		if (c->refresh_at)
			deadline_at_ns(&d, c->refresh_at);
	}
	if (!pending && (c->cursor_dirty || c->pointer_dirty))
		deadline_in_ns(&d, 0);
	if (!c->has_xi)
		deadline_in_ms(&d, 50); /* no XInput 2: look at the pointer 20 times a second */
	if (c->ring && tick < 0) /* the writer's heartbeat */
		deadline_in_ns(&d, (int64_t)ring_writer_tick_in(c->ring));
	if (!pending) {
		deadline_in_ms(&d, clip_timeout_ms(c));
		deadline_at_ns(&d, title_due_ns(c));
	}
	if (join_at)
		deadline_at_ns(&d, join_at);
	return deadline_ts(&d, ts);
}

/*
 * The loop. Every X round trip may read events into Xlib's queue without
 * handling them, so events are drained after each step and whether a
 * frame is due is decided after the last drain, never before it: else
 * poll() could sleep on an empty socket with damage already queued.
 */
static void loop(struct cap *c, uint64_t interval)
{
	struct xs_reader rd;
	struct handin hi = { handover_env(), -1, 0, { 0 } };
	int ctl = !isatty(0) && hi.chan < 0, sfd = signals_fd(), tick = -1, ticked = 0;
	int join = ctl; /* asked again (join_at, the first records), if vsockd was not listening yet */
	if (join && (hi.chan = ctl_join()) >= 0)
		hi.piped = 1, join = 0;
	if (join)
		join_wait = 10000000, join_at = mono_ns() + join_wait;
	uint64_t next_frame = 0;
	xs_reader_init(&hi.rd, -1);
	if (c->ring && (tick = ring_writer_ticker(c->ring)) < 0)
		VERB("no ticker thread: the loop ticks the ring");
	xs_reader_init(&rd, 0);
	for (;;) {
		enum wait w = WAIT_NONE;
		/* a reader attached to the ring: hello, cursor, a full frame */
		if (c->ring && (ticked ? ring_writer_tick_now(c->ring) : ring_writer_tick(c->ring)))
			start_stream(c, 1);
		ticked = 0;
		drain_x(c);
		if (!out_pending(&c->out)) {
			if (c->cursor_dirty)
				cap_cursor(c);
			if (c->pointer_dirty || !c->has_xi)
				cap_pointer(c);
			drain_x(c);
			uint64_t now = mono_ns();
			if (frame_due(c, now) && now >= next_frame) {
				if (!out_copy_free(c))
					w = WAIT_COPY;
				else if (!ringout_ready(c))
					w = WAIT_RING;
				else if (cap_frame(c))
					next_frame = interval ? now + interval : 0, title_poke(c);
			}
			drain_x(c);
		}
		if (!out_pending(&c->out)) {
			title_check(c);
			clip_flush(c);
		}
		if (out_pending(&c->out) && out_flush(c) < 0)
			finish(c, 0);
		int pending = out_pending(&c->out);
		struct pollfd p[11] = {
			{ ConnectionNumber(c->dpy), POLLIN, 0 },
			{ c->ring ? -1 : 1, pending ? POLLOUT : 0, 0 },
			{ sfd, POLLIN, 0 },
			{ ctl ? 0 : -1, POLLIN, 0 },
			{ tick, POLLIN, 0 },
			{ hi.chan, POLLIN, 0 },
			{ hi.fd, POLLIN, 0 },
			{ audio_fd(c), POLLIN, 0 },
			{ mic_fd(c), c->mic.q.len ? POLLOUT : 0, 0 },
			{ c->pr_lfd, POLLIN, 0 },
			{ c->pr_sock, POLLIN, 0 },
		};
		struct timespec ts;
		if (ppoll(p, 11, sleep_for(c, pending, next_frame, tick, w, &ts), NULL) < 0 && errno != EINTR)
			die(EX_OS, "poll:");
		if (p[9].revents && (tick = ringout_take(c), c->ring))
			start_stream(c, 1); /* the ring's first hello: shmring's session ended */
		if (p[10].revents)
			finish(c, 0); /* the pipe's reader, which handed us the ring, went away */
		if (p[1].revents & (POLLERR | POLLHUP))
			finish(c, 0); /* the reader went away */
		if (p[2].revents)
			on_signal(c, sfd);
		if (p[3].revents && !read_control(c, &rd))
			ctl = 0;
		if (join && (p[3].revents || mono_ns() >= join_at)) {
			if ((hi.chan = ctl_join_again()) >= 0)
				hi.piped = 1, join = 0;
			else if (p[3].revents || !join_at) /* records came without it (refused), or no vsockd */
				join = 0, join_at = 0;
		}
		if (p[4].revents)
			ticked = 1; /* a reader attached */
		if (p[6].revents)
			hand_read(c, &hi);
		if (p[5].revents)
			hand_chan(c, &hi, &rd, &ctl);
		if (p[7].revents)
			audio_read(c);
		if (p[8].revents)
			mic_write(c);
	}
}

int main(int argc, char **argv)
{
	static struct cap c;
	int o, fps = 0, seamless = 0;
	const char *snd = NULL, *mic = NULL;
	set_argv0(argv[0]);
	c.enc = XS_ENC_RAW;
	c.quality = 85;
	while ((o = getopt(argc, argv, "We:q:r:EB:A:M:vd:h")) != -1) {
		switch (o) {
		case 'W': seamless = 1; break;
		case 'E': exit_on_eof = 1; break;
		case 'B': c.bell = optarg; break;
		case 'A': snd = optarg; break;
		case 'M': mic = optarg; break;
		case 'e': c.enc = parse_enc(optarg); break;
		case 'q': c.quality = (int)opt_uint(o, optarg, 1, 100, "a quality"), c.quality_given = 1; break;
		case 'r': fps = (int)opt_uint(o, optarg, 0, 1000, "a frame rate"); break;
		default:
			if (!common_option(o, optarg, "stream,ring,input,x,enc,stats,cursor,all", usage))
				usage(EX_CMDLINE);
		}
	}
	if (optind != argc - 1)
		usage(EX_CMDLINE);
	ringout_open(&c);
	ringout_listen(&c); /* before anything goes down the pipe */
	if (!c.ring)
		out_setup_stdout(&c);
	cap_open(&c, argv[optind]);
	if (seamless)
		win_init(&c); /* before the screen: the ring is then not attached for direct captures */
	cap_setup_screen(&c);
	input_init(&c);
	input_release_leftovers(&c);
	clip_init(&c);
	title_init(&c);
	c.snd.fd = -1;
	if (snd)
		audio_open(&c, snd);
	mic_init(&c, mic);
	start_stream(&c, 0);
	loop(&c, fps ? 1000000000ull / (unsigned)fps : 0);
}
