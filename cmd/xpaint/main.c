/*
 * xpaint's options and its one poll loop over the X connection, the frame
 * stream (a pipe or a ring), the control output and a signalfd. The
 * options: usage() below and man/xpaint.1.
 */
#include "codec.h"
#include "handover.h"
#include "ring.h"
#include "stream.h"
#include "util.h"
#include "xpaint.h"

#include <X11/Xutil.h>
#include <X11/extensions/Xrender.h>
#include <X11/keysym.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

struct opts {
	const char *border, *title, *ring, *bell, *snd, *mic;
	int bw, exit_eof, scale, clip, copyout;
	size_t cap;
	char **cmd;
};

#define RESIZE_NS 150000000ull /* -R: the window still this long before the source is asked */

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: xpaint [-b COLOR] [-w BORDERWIDTH] [-t NAME] [-n MAXWIN] [-x] [-R] [-s nearest|bilinear] "
		"[-C both|in|out|none] [-L SIZE] [-a PLAYER|none] [-M CAPTURE] [-r RING [-p] [-S] [-B ADDR]] [-v] [-d cats] [-- COMMAND ...]\n"
		"  -b COLOR  draw a border of COLOR (-w pixels wide, default 4) around the picture\n"
		"  -t NAME   the window's title, and the prefix [NAME] of every title the source sets (default xpaint)\n"
		"  -n N      at most N seamless windows from the source (default 256)\n"
		"  -x        exit at the end of the stream (default: keep the picture until closed)\n"
		"  -R        ask the source to take the window's size when it is resized\n"
		"  -s FILTER scale the picture to the window (nearest or bilinear; 1:1 is exact)\n"
		"  -C WAY    clipboard: in (host to guest, the default), out, both or none\n"
		"  -L SIZE   clipboard cap per transfer, bytes or with k/M (default 1M)\n"
		"  -a PLAYER the guest's sound: PLAYER (sh -c) gets its audio records (default 'xsnd -p'; none: silence)\n"
		"  -M CAPTURE the host's microphone to the guest (never by default): CAPTURE (sh -c, e.g. 'xsnd -c -s SOURCE')\n"
		"  Ctrl+Alt+F toggles full screen; Ctrl+Shift+C (without -C out) gives the guest's clipboard to the host\n"
		"  -r RING   read the frame stream from a shared-memory ring instead of stdin\n"
		"  -p        copy every record out of the RING first, as on a PCI BAR (the default there)\n"
		"  -S        accept a RING of another user or writable by group or others (shared on purpose)\n"
		"  -B ADDR   call the ring writer's bell at ADDR (CID:PORT, unix:PATH, tcp:HOST:PORT; xcap -B listens)\n"
		"  -v        say what happens; -d stream,ring,input,x,stats,cursor: debug categories\n"
		"COMMAND gets the control records on its stdin and, without -r, gives the frame stream.\n");
	exit(code);
}

static void parse(int argc, char **argv, struct opts *o, struct xpaint *x)
{
	int c;
	o->title = "xpaint";
	o->bw = -1;
	o->clip = CLIP_IN;
	o->cap = XS_CLIP_CAP;
	o->snd = "xsnd -p";
	while ((c = getopt(argc, argv, "+b:w:t:n:xRs:C:L:a:M:r:pSB:vd:h")) != -1) {
		switch (c) {
		case 'b': o->border = optarg; break;
		case 'w': o->bw = (int)opt_uint(c, optarg, 0, 256, "a border width"); break;
		case 't': o->title = optarg; break;
		case 'n': x->max_windows = (unsigned)opt_uint(c, optarg, 1, 4096, "a window count"); break;
		case 'x': o->exit_eof = 1; break;
		case 'R': x->resize_req = 1; break;
		case 's':
			if (!strcmp(optarg, "nearest"))
				o->scale = SCALE_NEAREST;
			else if (!strcmp(optarg, "bilinear"))
				o->scale = SCALE_BILINEAR;
			else
				die(EX_CMDLINE, "-s %s: the filter is nearest or bilinear", optarg);
			break;
		case 'C':
			if (!strcmp(optarg, "in"))
				o->clip = CLIP_IN;
			else if (!strcmp(optarg, "out"))
				o->clip = CLIP_OUT;
			else if (!strcmp(optarg, "both"))
				o->clip = CLIP_IN | CLIP_OUT;
			else if (!strcmp(optarg, "none"))
				o->clip = 0;
			else
				die(EX_CMDLINE, "-C %s: the clipboard goes in, out, both or none", optarg);
			break;
		case 'L':
			if (xs_parse_cap(optarg, &o->cap) < 0)
				die(EX_CMDLINE, "-L %s: a size from 1 byte to 256M (suffix k or M)", optarg);
			break;
		case 'a': o->snd = optarg; break;
		case 'M': o->mic = optarg; break;
		case 'r': o->ring = optarg; break;
		case 'B': o->bell = optarg; break;
		case 'p': o->copyout = 1; break;
		case 'S': ring_map_allow_shared(1); break;
		default:
			if (!common_option(c, optarg, "stream,ring,input,x,enc,net,stats,cursor,all", usage))
				usage(EX_CMDLINE);
		}
	}
	o->cmd = optind < argc ? argv + optind : NULL;
	if (o->bell && !o->ring)
		die(EX_CMDLINE, "-B: the bell is the ring's (give -r RING)");
	if (o->copyout && !o->ring)
		die(EX_CMDLINE, "-p: copying out is for a ring (give -r RING)");
	if (o->bw < 0)
		o->bw = o->border ? 4 : 0;
}

static unsigned long color(Display *d, const char *name)
{
	XColor c;
	Colormap cm = DefaultColormap(d, DefaultScreen(d));
	if (!XParseColor(d, cm, name, &c) || !XAllocColor(d, cm, &c))
		die(EX_CMDLINE, "-b %s: not a colour name or #rrggbb", name);
	return c.pixel;
}

/* A control command that ends is started again RESPAWN_NS after it was
 * started, or (one that keeps dying within QUICK_NS) twice as long each
 * time, up to RESPAWN_MAX_NS. */
#define RESPAWN_NS 1000000000ull
#define RESPAWN_MAX_NS 32000000000ull
#define QUICK_NS 5000000000ull

struct loop {
	struct xpaint *x;
	struct opts *o;
	struct pipein in;  /* the stream from a pipe */
	struct ringin ri;  /* or from a ring (-r) */
	int sfd, reading, quit, status;
	uint64_t spawned;  /* when the control command was last started */
	uint64_t died;     /* when it was seen gone (0: not) */
	uint64_t respawn;  /* how long after spawned it is started again */
};

/* The stream is over (clean or not): with -x, or without a window, leave. */
static void stream_end(struct loop *l, int status)
{
	struct xpaint *x = l->x;
	l->reading = 0;
	if (status) {
		warn_line("%s", x->err);
		l->status = status;
	} else if (!x->have_hello) {
		warn_line("the stream ended before a hello");
		l->status = EX_DATA;
	} else {
		VERB("end of the stream%s", l->o->exit_eof ? "" : "; the window stays until it is closed");
	}
	if (!l->o->ring)
		pipein_close(&l->in);
	x->stream_over = 1;
	if (x->v.win && !sm_on(x))
		view_title_disconnected(x->v.dpy, x->v.win);
	sm_disconnected(x);
	if (l->o->exit_eof || (!x->v.win && !sm_count(x)) || status == EX_IO)
		l->quit = 1;
}

/* Keys for xpaint itself, never forwarded, in the whole-screen window and
 * in seamless windows alike: Ctrl+Alt+F (that window full screen), and the
 * clipboard's Ctrl+Shift+C. Returns 1 when the key was one of them. */
static int host_key(struct xpaint *x, XKeyEvent *e)
{
	KeySym ks = XLookupKeysym(e, 0);
	if (ks == XK_f && (e->state & (ControlMask | Mod1Mask | ShiftMask)) == (ControlMask | Mod1Mask)) {
		if (e->type == KeyPress && !sm_fullscreen(x, e->window))
			view_fullscreen(&x->v);
		return 1;
	}
	return clip_key(x, e);
}

/* -R: the window has kept its new size RESIZE_NS: ask the source for it. */
static void resize_due(struct xpaint *x)
{
	if (!x->want_at || mono_ns() < x->want_at)
		return;
	x->want_at = 0;
	if (x->want_w == x->v.sw && x->want_h == x->v.sh)
		return;
	VERB("asking the source for %ux%u", x->want_w, x->want_h);
	ctl_size(&x->k, x->want_w, x->want_h);
}

static void x_events(struct loop *l)
{
	struct xpaint *x = l->x;
	struct view *v = &x->v;
	int resized = 0;
	while (XPending(v->dpy)) {
		XEvent e;
		XNextEvent(v->dpy, &e);
		if (clip_event(x, &e))
			continue;
		if ((e.type == FocusIn || e.type == FocusOut || e.type == EnterNotify || e.type == LeaveNotify) &&
		    (e.xany.window == v->win || x->sm) && clip_crossing(x, &e))
			ctl_release_all(&x->k); /* the keyboard left our windows */
		if (x->sm && e.xany.window != v->win && (e.type == KeyPress || e.type == KeyRelease) &&
		    sm_count(x) && host_key(x, &e.xkey))
			continue; /* sm_fullscreen ignores windows not ours, clip_key any window */
		if (x->sm && sm_event(x, &e)) {
			if (l->ri.r && (e.type == KeyPress || e.type == ButtonPress))
				ring_reader_poke(l->ri.r);
			continue;
		}
		if (e.xany.window != v->win && e.type != MappingNotify)
			continue;
		switch (e.type) {
		case Expose:
			view_expose(v, (struct xs_rect){ (uint32_t)e.xexpose.x, (uint32_t)e.xexpose.y, (uint32_t)e.xexpose.width,
					       (uint32_t)e.xexpose.height }, e.xexpose.count == 0);
			break;
		case ConfigureNotify:
			if (e.xconfigure.width != (int)v->ww || e.xconfigure.height != (int)v->wh)
				resized = 1;
			view_configured(v, (uint32_t)e.xconfigure.width, (uint32_t)e.xconfigure.height);
			break;
		case UnmapNotify:
			ctl_release_all(&x->k);
			break;
		case ClientMessage:
			if ((Atom)e.xclient.data.l[0] == v->wm_delete)
				l->quit = 1;
			break;
		case DestroyNotify:
			v->win = 0;
			l->quit = 1;
			break;
		case MappingNotify:
			XRefreshKeyboardMapping(&e.xmapping);
			break;
		case KeyPress:
		case KeyRelease:
			if (host_key(x, &e.xkey))
				break;
			/* fall through */
		default:
			ctl_event(&x->k, v, &e);
			if (l->ri.r && (e.type == KeyPress || e.type == KeyRelease || e.type == ButtonPress ||
					e.type == ButtonRelease))
				ring_reader_poke(l->ri.r); /* the reply is coming: wait with short sleeps */
		}
	}
	uint32_t b2 = 2 * (uint32_t)v->bw;
	if (resized && x->resize_req && v->ww > b2 && v->wh > b2) { /* debounced: asked once it stops */
		x->want_w = v->ww - b2, x->want_h = v->wh - b2;
		x->want_at = mono_ns() + RESIZE_NS;
	}
	resize_due(x);
	ctl_flush_motion(&x->k);
	clip_flush(x); /* and writes the control output */
	if (x->stream_over && sm_on(x) && !sm_count(x) && !v->win)
		l->quit = 1; /* the last seamless window was closed after the stream ended */
}

/*
 * The control output went away. With -r the command only carries control
 * (vsockd -c): it is started again, so a viewer outlives it, and learns
 * our hello again. Else (the pipe composition, xpaint | vsockd -c) -x
 * ends xpaint so that a supervisor restarts the pipeline; without -x it
 * goes on, view only.
 */
static void control_lost(struct loop *l)
{
	struct xpaint *x = l->x;
	struct opts *o = l->o;
	int ctl = -1;
	if (!x->k.dead)
		return;
	if (!(o->cmd && o->ring)) {
		if (o->exit_eof && !l->quit)
			l->quit = 1, l->status = EX_IO;
		return;
	}
	uint64_t now = mono_ns();
	if (!l->died) {
		l->died = now;
		l->respawn = now - l->spawned < QUICK_NS ? (l->respawn ? l->respawn * 2 : RESPAWN_NS) : RESPAWN_NS;
		if (l->respawn > RESPAWN_MAX_NS)
			l->respawn = RESPAWN_MAX_NS;
	}
	if (now - l->spawned < l->respawn)
		return;
	pid_t old = x->k.child;
	ctl_close(&x->k);
	if (old > 0) {
		int ws;
		kill(old, SIGTERM);
		waitpid(old, &ws, 0);
	}
	int chan = -1;
	pid_t child = spawn(o->cmd, &ctl, NULL, &chan);
	l->spawned = mono_ns();
	l->died = 0;
	ctl_init(&x->k, ctl, child, chan);
	warn_line("control command %s ended: started it again (after %.0f s)", o->cmd[0], (double)l->respawn / 1e9);
	if (x->have_hello)
		ctl_hello(&x->k, x->challenge, x->ctl_flags, 0); /* a new channel proves itself again */
	else
		ctl_refresh(&x->k);
}

static void signals(struct loop *l)
{
	struct signalfd_siginfo si;
	while (read(l->sfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGUSR1)
			stats_print(l->x);
		else
			l->quit = 1;
	}
}

/* How long wait_events may sleep: until the earliest thing due (ring_ns,
 * bell_ms: the ring's look again and the bell's call, -1: none); NULL:
 * until an fd wakes it. */
static struct timespec *sleep_for(struct loop *l, int64_t ring_ns, int64_t bell_ms, struct timespec *ts)
{
	struct xpaint *x = l->x;
	struct deadline d;
	deadline_start(&d);
	deadline_in_ns(&d, ring_ns);
	deadline_in_ms(&d, bell_ms);
	if (x->k.dead && l->o->cmd && l->o->ring) /* a restart of the control command is due */
		deadline_at_ns(&d, l->spawned + l->respawn);
	deadline_in_ms(&d, clip_timeout_ms(x));
	deadline_in_ns(&d, ctl_unbound_due(&x->k)); /* and says it when due */
	if (x->want_at) /* -R's debounce */
		deadline_at_ns(&d, x->want_at);
	if (x->v.backfill) /* the last frame into the pixmap, in time */
		deadline_at_ns(&d, x->v.backfill_at);
	/* a round trip since x_events (clipboard, title, sync) may have read
	 * events into Xlib's queue: the socket would not wake us for them */
	if (XEventsQueued(x->v.dpy, QueuedAlready))
		deadline_in_ns(&d, 0);
	if (l->reading && !l->o->ring && l->in.more) /* records left by the last turn */
		deadline_in_ns(&d, 0);
	return deadline_ts(&d, ts);
}

/* Waits for the next thing to do: the X connection, signals, control
 * output, and the stream (a pipe, or the ring's notifier). */
static void wait_events(struct loop *l)
{
	struct xpaint *x = l->x;
	int ring = l->reading && l->o->ring;
	int64_t rs = ring ? ringin_idle_ns(&l->ri) : -1, bt = ring ? ringin_bell_due_ms(&l->ri) : -1;
	struct pollfd p[9] = {
		{ ConnectionNumber(x->v.dpy), POLLIN, 0 },
		{ l->sfd, POLLIN, 0 },
		/* no events but errors while nothing is queued: a reader that
		 * went away is seen at once, not at the next keystroke */
		{ !x->k.dead ? x->k.fd : -1, x->k.len ? POLLOUT : 0, 0 },
		{ l->reading && !l->o->ring ? l->in.rd.fd : -1, POLLIN, 0 },
		{ ring && rs < 0 ? ring_reader_notify_fd(l->ri.r) : -1, POLLIN, 0 },
		{ ring ? l->ri.bell_fd : -1, ringin_bell_events(&l->ri), 0 },
		{ x->k.chan, POLLIN, 0 },
		/* the sound player: errors always, room when pieces wait */
		{ snd_fd(x), x->snd.q.len ? POLLOUT : 0, 0 },
		{ snd_mic_fd(x), POLLIN, 0 }, /* -M: the microphone's pieces */
	};
	struct timespec ts;
	XFlush(x->v.dpy);
	if (ppoll(p, 9, sleep_for(l, rs, bt, &ts), NULL) < 0 && errno != EINTR)
		die(EX_OS, "poll:");
	warn_limit_flush(0); /* counts of repeated lines that are due */
	if (x->v.backfill && mono_ns() >= x->v.backfill_at) {
		view_backfill(&x->v);
		if (ring) /* the last frame's ring space: a writer may be waiting for it */
			ringin_release(x, &l->ri);
	}
	if (p[1].revents)
		signals(l);
	if (p[2].revents & POLLOUT)
		ctl_write(&x->k);
	if (p[2].revents & (POLLERR | POLLHUP))
		ctl_failed(&x->k, "the reader went away");
	if (p[6].revents && ctl_chan_event(&x->k)) { /* a new connection proves itself */
		if (x->have_hello)
			ctl_hello(&x->k, x->challenge, x->ctl_flags, 0);
		else
			ctl_refresh(&x->k);
	}
	control_lost(l);
	int st;
	if ((p[3].revents || (l->reading && !l->o->ring && l->in.more)) && !l->quit && pipein_step(x, &l->in, &st))
		stream_end(l, st);
	if (p[4].revents)
		DBG(D_RING, "the ring's notifier woke us");
	if (p[5].revents)
		ringin_bell_event(x, &l->ri, p[5].revents);
	if (p[7].revents)
		snd_write(x);
	if (p[8].revents)
		snd_mic_read(x);
	if (ring && !l->quit) {
		int n = ringin_step(x, &l->ri);
		if (n < 0)
			stream_end(l, EX_DATA);
	}
}

static void finish(struct loop *l)
{
	struct xpaint *x = l->x;
	ctl_release_all(&x->k);
	ctl_drain(&x->k, 200);
	if (verbose || (debug_mask & D_STATS))
		stats_print(x);
	if (x->v.win)
		XSync(x->v.dpy, False);
	snd_close(x);
	int st = l->status ? l->status : x->k.status;
	pid_t child = x->k.child;
	ctl_close(&x->k);
	if (child > 0) {
		int ws;
		if (!l->o->ring)
			pipein_close(&l->in);
		kill(child, SIGTERM);
		waitpid(child, &ws, 0);
	}
	exit(st);
}

int main(int argc, char **argv)
{
	static struct xpaint x;
	static struct loop l;
	struct opts o = { 0 };
	int ctl = -1, in = 0;
	pid_t child = 0;
	set_argv0(argv[0]);
	parse(argc, argv, &o, &x);
	l.x = &x;
	l.o = &o;
	l.sfd = signals_fd();
	if (!o.cmd && !o.ring && isatty(0))
		die(EX_CMDLINE, "stdin is a terminal: pipe a frame stream in, or give -r RING or -- COMMAND");
	x.v.title = o.title;
	x.name = o.title;
	if (!x.max_windows)
		x.max_windows = SM_MAX_WINDOWS;
	x.v.bw = o.bw;
	x.v.scale = o.scale;
	view_open(&x.v);
	if (o.scale && !XRenderQueryExtension(x.v.dpy, &(int){ 0 }, &(int){ 0 }))
		die(EX_NOX, "-s: the display lacks RENDER");
	clip_open(&x, o.clip, o.cap);
	snd_init(&x, o.snd, o.mic);
	x.v.border_px = o.border ? color(x.v.dpy, o.border) : BlackPixel(x.v.dpy, DefaultScreen(x.v.dpy));
	int chan = handover_env(); /* vsockd -c ADDR -- xpaint: the control socket comes from vsockd */
	if (chan >= 0 && o.cmd)
		die(EX_CMDLINE, "-- %s: the control output is vsockd's hand-over already ($%s)", o.cmd[0], HANDOVER_ENV);
	if (o.cmd) /* with -r, COMMAND carries control only: vsockd -c hands us its sockets */
		child = spawn(o.cmd, &ctl, o.ring ? NULL : &in, o.ring ? &chan : NULL), l.spawned = mono_ns();
	else if (!isatty(1) && chan < 0)
		ctl = 1;
	ctl_init(&x.k, ctl, child, chan);
	x.codec = xs_codec_new();
	l.reading = 1;
	l.ri.bell_fd = -1;
	if (o.ring)
		ringin_open(&x, &l.ri, o.ring, o.copyout);
	else
		pipein_open(&l.in, in);
	if (o.bell)
		ringin_bell_open(&l.ri, o.bell);
	while (!l.quit) {
		x_events(&l);
		if (l.quit)
			break;
		wait_events(&l);
	}
	finish(&l);
}
