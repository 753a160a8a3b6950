# Shared by scripts/bench and scripts/demo: start the two X displays and
# the pipelines being compared, find their processes, read their CPU time
# and peak memory from /proc, and stop everything by pid. Source it.
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BIN=${BIN:-$TOP/build}
TOOLS=${TOOLS:-$TOP/build/tools}
HZ=$(getconf CLK_TCK)
W=$(mktemp -d "${TMPDIR:-/tmp}/xs-bench.XXXXXX")   # private work dir: fifos, logs, xpra state
STARTED=()                             # pids we started, stopped at exit

say() { echo "$(basename "$0"): $*" >&2; }

# stop_pids PID...: TERM, a short grace, then KILL; only the pids given.
stop_pids() {
	local p
	for p in "$@"; do kill "$p" 2>/dev/null || true; done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		local alive=
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ -n "$alive" ] || return 0
		sleep 0.05
	done
	for p in "$@"; do kill -9 "$p" 2>/dev/null || true; done
}

lib_cleanup() {
	[ ${#STARTED[@]} -eq 0 ] || stop_pids "${STARTED[@]}"
	[ -z "${XPRA_DISPLAY:-}" ] || xpra_stop
	rm -f /dev/shm/xs-bench-$$ /dev/shm/xs-demo-$$
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

# Start in the background, stopped at exit. Redirections must be written
# after an inline `CMD >fifo & STARTED+=($!)` instead: on a function call
# the shell itself would open (and block on) the fifo.
bgrun() { "$@" & STARTED+=($!); }

# xvfb VAR WxH: an Xvfb on a free display (the server picks it), VAR=:N,
# VAR_PID its pid.
xvfb() {
	local var=$1 size=$2 fifo=$W/dfd.$RANDOM n
	mkfifo "$fifo"
	Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp -noreset +extension DAMAGE 3>"$fifo" \
		2>"$W/xvfb.$var.log" &
	STARTED+=($!)
	printf -v "${var}_PID" '%s' "$!"
	read -r -t 15 n <"$fifo" || { say "Xvfb did not start: $(cat "$W/xvfb.$var.log")"; return 1; }
	rm -f "$fifo"
	printf -v "$var" ':%s' "$n"
}

# waitfor SECONDS CMD...: retry every 50 ms.
waitfor() {
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 0.05; done
}

winid() { DISPLAY=$1 xdotool search --name "^$2\$" 2>/dev/null | head -n1; }
haswin() { [ -n "$(winid "$1" "$2")" ]; }

# descendants PID...: the pids and every process below them.
descendants() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v roots="$*" '
		{ pid = $1; sub(/.*\) /, ""); par[pid] = $2 }
		END {
			n = split(roots, r, " "); for (i = 1; i <= n; i++) in_[r[i]] = 1
			for (changed = 1; changed; ) {
				changed = 0
				for (p in par) if (!(p in in_) && (par[p] in in_)) { in_[p] = 1; changed = 1 }
			}
			for (p in in_) if (p in par) printf "%s ", p
		}'
}

# cpu_ticks PID...: utime+stime (clock ticks) summed over the live pids.
cpu_ticks() {
	local p
	for p in "$@"; do cat /proc/"$p"/stat 2>/dev/null; done |
		awk '{ sub(/.*\) /, ""); s += $12 + $13 } END { print s + 0 }'
}

# cpu_ns PID...: CPU time (ns, schedstat) summed over every thread of the
# live pids: the idle row needs finer than a 10 ms clock tick.
cpu_ns() {
	local p
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# rss_kb PID...: VmHWM (peak resident set) summed over the live pids.
rss_kb() {
	local p
	for p in "$@"; do cat /proc/"$p"/status 2>/dev/null; done | awk '/^VmHWM:/ { s += $2 } END { print s + 0 }'
}

have_project() { [ -x "$BIN/xcap" ] && [ -x "$BIN/xpaint" ]; }
have_ring() { have_project && [ -x "$BIN/shmring" ]; }
have_xpra() { command -v xpra >/dev/null 2>&1 && /usr/bin/python3 -c 'import gi, cairo' 2>/dev/null; }
# have_xpra_sound CODEC: xpra's sound forwarding can encode and decode CODEC
# here (GStreamer, its Python bindings, the base and good plugins: pulsesrc,
# pulsesink, wavenc, opusenc...); otherwise XPRA_SOUND_WHY says what is missing.
have_xpra_sound() {
	XPRA_SOUND_WHY="xpra or python3-gi-cairo not installed"
	have_xpra || return 1
	local q
	q=$(HOME=$W XDG_RUNTIME_DIR=$W $XPRA_SOUND_COMMAND _sound_query 2>&1)
	XPRA_SOUND_WHY="xpra _sound_query: $(printf '%s\n' "$q" | grep -i -E 'coders=|error|module' | head -n3 | tr '\n' ' ')"
	printf '%s\n' "$q" | grep -q "^encoders=\(.*,\)\?$1\(,.*\)\?\$" &&
		printf '%s\n' "$q" | grep -q "^decoders=\(.*,\)\?$1\(,.*\)\?\$"
}

# --- the systems compared ----------------------------------------------
# Each start_* sets: SRC (display drawn on), DST (viewer display), TARGET
# (latprobe's -w/-t argument naming where the picture shows), PIPE_PIDS
# (the pipeline's processes), SERVER_PIDS (the X servers).

# This project through the shared-memory ring, interactive as DESIGN.md
# composes it when vsockd is there (control over a unix socket), with
# xcap writing the ring itself (shmring checks and opens it, then hands
# it on):
#   guest: vsockd -l unix:S | shmring -w RING -s SIZE -- xcap SRC
#   host:  xpaint -r RING -- vsockd -c unix:S
# RING_COMPOSE=pipe: the pipe composition instead (vsockd | xcap | shmring -w
# $SHMRING_ARGS, e.g. -p: a writer like a BAR's, which never wakes the reader).
start_ring() {
	local size=$1 ring=/dev/shm/xs-bench-$$ title=xs-bench-ring sock=$W/ctl.$$.sock
	xvfb SRC "$size" && xvfb DST "$size" || return 1
	rm -f "$ring" "$sock"
	mkfifo "$W/cap.fifo.$$" "$W/ctl.fifo.$$" 2>/dev/null || true
	# sized as Looking Glass advises (stride x height x 3 + 4 MiB, a power of two), doubled
	local rsize=64M ctl=() in=/dev/null out=/dev/null
	[ "$size" = 1920x1080 ] || rsize=256M
	# control as in the pipe system (xpaint's control output straight into
	# xcap's stdin, here through a FIFO), so that ring and pipe differ only
	# in how frames travel; RING_CTL=vsockd carries it the VM's way instead
	# (vsockd -c, a unix socket, vsockd -l: two more hand-offs)
	# RING_CTL=handover: vsockd -l unix:S -- ... xcap, vsockd -c unix:S --
	# xpaint: vsockd hands the socket over, a key goes xpaint -> socket -> xcap
	local gw=() hw=()
	if [ "${RING_CTL:-direct}" = direct ]; then
		in=$W/ctl.fifo.$$ out=$W/ctl.fifo.$$
	elif [ "${RING_CTL}" = handover ]; then
		gw=("$BIN/vsockd" -l "unix:$sock" --) hw=("$BIN/vsockd" -c "unix:$sock" --)
	elif [ -x "$BIN/vsockd" ]; then
		# as typed, vsockd hands its sockets down the pipe to xcap and to
		# xpaint ($XS_CTL_GIVE); RING_CTL=vsockd-p: -p, the records
		# through both vsockd (the seed's control path before session 11)
		local p=
		[ "$RING_CTL" = vsockd-p ] && p=-p
		"$BIN/vsockd" -l "unix:$sock" $p >"$W/ctl.fifo.$$" 2>>"$W/vsockd.log" &
		STARTED+=($!)
		ctl=(-- "$BIN/vsockd" -c "unix:$sock" $p)
		in=$W/ctl.fifo.$$
	fi
	# the ring's bell (xcap -B, xpaint -B): the writer wakes xpaint's poll
	# loop itself; RING_BELL=0 leaves it to the futex and the notifier
	local bw=() br=()
	if [ "${RING_BELL:-1}" = 1 ]; then
		bw=(-B "unix:$W/bell.$$.sock") br=(-B "unix:$W/bell.$$.sock")
	fi
	if [ "${RING_COMPOSE:-}" = pipe ]; then
		"$BIN/xcap" "$SRC" <>"$in" >"$W/cap.fifo.$$" 2>>"$W/xcap.log" &
		STARTED+=($!)
		"$BIN/shmring" ${SHMRING_ARGS:-} -w "$ring" -s "${RING_SIZE:-$rsize}" "${bw[@]}" <"$W/cap.fifo.$$" 2>>"$W/shmring.log" &
		STARTED+=($!)
	else
		"${gw[@]}" "$BIN/shmring" ${SHMRING_ARGS:-} -w "$ring" -s "${RING_SIZE:-$rsize}" "${bw[@]}" -- "$BIN/xcap" ${XCAP_ARGS:-} "$SRC" <>"$in" \
			2>>"$W/xcap.log" &
		STARTED+=($!)
	fi
	[ ${#ctl[@]} -eq 0 ] && [ ${#gw[@]} -eq 0 ] || waitfor 10 test -S "$sock" || { say "vsockd -l did not listen: $(tail -n3 "$W/vsockd.log" "$W/xcap.log")"; return 1; }
	waitfor 10 test -s "$ring" || { say "ring $ring not created: $(tail -n3 "$W/shmring.log" "$W/xcap.log")"; return 1; }
	DISPLAY=$DST "${hw[@]}" "$BIN/xpaint" ${XPAINT_ARGS:-} -t "$title" -r "$ring" "${br[@]}" "${ctl[@]}" 1<>"$out" 2>>"$W/xpaint.log" &
	STARTED+=($!)
	TARGET=(-t "$title")
	waitfor 10 haswin "$DST" "$title" || { say "xpaint -r window missing: $(tail -n3 "$W/xpaint.log")"; return 1; }
	PIPE_PIDS=$(descendants "${STARTED[@]:2}")
	# the hand-over's helpers are adopted by init: found by their socket's path
	[ ${#gw[@]} -eq 0 ] || PIPE_PIDS="$PIPE_PIDS $(pgrep -f "vsockd -[lc] unix:$sock" | tr '\n' ' ')"
	SERVER_PIDS="$SRC_PID $DST_PID"
}

# The compositions a user types (docs/BENCH.md, "Which composition"), each
# a start_ring with its knobs:
#   seed: the seed's and the VM's historical one, `vsockd -l | xcap | shmring
#         -w RING`, host `xpaint -r RING -- vsockd -c`; no bell. shmring
#         hands the ring up the pipe: xcap writes it (lib/pipering.h); both
#         vsockd hand their sockets over (down the pipe, $XS_CTL_GIVE)
#   fast: `shmring -w RING -- xcap` (xcap writes the ring itself), no bell
#   ring: fast with the bell (xcap -B, xpaint -B); control straight from
#         xpaint into xcap (a FIFO): the frame path alone
#   ring-vsockd: ring with control through vsockd -c / -l as pipe stages
#         (since session 11 both hand their sockets on as typed: down the
#         FIFO to xcap, to xpaint by $XS_CTL_GIVE; RING_CTL=vsockd-p keeps
#         the records in the pipes, as seed-p does)
start_seed() { RING_COMPOSE=pipe RING_CTL=vsockd RING_BELL=0 start_ring "$@"; }
#   seed-p: seed with vsockd -p on both sides: the records go through both
#         vsockd and the pipes (its control path before session 11)
start_seed-p() { RING_COMPOSE=pipe RING_CTL=vsockd-p RING_BELL=0 start_ring "$@"; }
#   seed-copy: seed with shmring -w -C, which copies the stream into the
#         ring instead of handing the ring up the pipe to xcap (the seed's
#         composition before that: a copy of every frame more)
start_seed-copy() { SHMRING_ARGS=-C RING_COMPOSE=pipe RING_CTL=vsockd RING_BELL=0 start_ring "$@"; }
#   seed-bell: seed with the ring's bell (shmring -w -B, xpaint -r -B): the
#         writer wakes xpaint's loop itself instead of its notifier thread
start_seed-bell() { RING_COMPOSE=pipe RING_CTL=vsockd RING_BELL=1 start_ring "$@"; }
start_fast() { RING_COMPOSE= RING_CTL=vsockd RING_BELL=0 start_ring "$@"; }
start_ring-vsockd() { RING_COMPOSE= RING_CTL=vsockd RING_BELL=1 start_ring "$@"; }
#   ring-handover: ring with vsockd handing the socket over (-- xcap, -- xpaint)
start_ring-handover() { RING_COMPOSE= RING_CTL=handover RING_BELL=1 start_ring "$@"; }

# Seamless windows through the ring (issue 12), interactive as start_ring:
#   guest: vsockd -l unix:S | shmring -w RING -s SIZE -- xcap -W SRC
#   host:  xpaint -r RING -t xs-bench-sm -- vsockd -c unix:S
# Each SRC window is a DST window at the same place, so latprobe reads
# DST's root (-w root), as for xpra.
start_seamless() {
	local size=$1 ring=/dev/shm/xs-bench-$$ sock=$W/ctl.$$.sock
	have_ring && [ -x "$BIN/vsockd" ] || return 1
	xvfb SRC "$size" && xvfb DST "$size" || return 1
	rm -f "$ring" "$sock"
	mkfifo "$W/ctl.fifo.$$" 2>/dev/null || true
	"$BIN/vsockd" -l "unix:$sock" >"$W/ctl.fifo.$$" 2>>"$W/vsockd.log" &
	STARTED+=($!)
	"$BIN/shmring" -w "$ring" -s 64M -- "$BIN/xcap" -W "$SRC" <"$W/ctl.fifo.$$" 2>>"$W/xcap.log" &
	STARTED+=($!)
	waitfor 10 test -S "$sock" || { say "vsockd -l did not listen: $(tail -n3 "$W/vsockd.log")"; return 1; }
	waitfor 10 test -s "$ring" || { say "ring $ring not created: $(tail -n3 "$W/xcap.log")"; return 1; }
	DISPLAY=$DST "$BIN/xpaint" -v -t xs-bench-sm -r "$ring" -- "$BIN/vsockd" -c "unix:$sock" >/dev/null \
		2>>"$W/xpaint.log" &
	STARTED+=($!)
	waitfor 10 grep -q 'input enabled' "$W/xpaint.log" || { say "seamless xpaint not bound: $(tail -n3 "$W/xpaint.log")"; return 1; }
	TARGET=(-w root)
	PIPE_PIDS=$(descendants "${STARTED[@]:1}")
	SERVER_PIDS="$SRC_PID $DST_PID"
}

# This project through a plain pipe, interactive: xpaint -- xcap SRC.
start_pipe() {
	local size=$1 title=xs-bench-pipe
	xvfb SRC "$size" && xvfb DST "$size" || return 1
	DISPLAY=$DST "$BIN/xpaint" -t "$title" -- "$BIN/xcap" "$SRC" >/dev/null 2>>"$W/xpaint.log" &
	STARTED+=($!)
	local xp=$!
	TARGET=(-t "$title")
	waitfor 10 haswin "$DST" "$title" || { say "xpaint window missing: $(tail -n3 "$W/xpaint.log")"; return 1; }
	PIPE_PIDS=$(descendants "$xp")
	SERVER_PIDS="$SRC_PID $DST_PID"
}

# Debian's xpra in mmap mode (LESSONS.md): server on its own Xvfb, client
# attached from the viewer display. XPRA_OK=1 only when its log confirms
# "enabled fast mmap transfers"; otherwise its figures are invalid.
# XPRA_SPEAKER=CODEC (the sound rows): its speaker forwarding on with that
# codec, the server capturing the default sink's monitor of PULSE_SERVER=$GSND
# (the bench's guest server, in place of the one xpra would start), the
# client playing into PULSE_SERVER=$HSND.
XPRA_N=0
# xpra runs its sound parts as `pythonX.Y /usr/bin/xpra` from PATH, which a
# pyenv or a virtualenv shadows with a python without xpra's modules (exit
# 127: "failed to query sound subsystem"): the interpreter of its #! line
export XPRA_SOUND_COMMAND="/usr/bin/python3 /usr/bin/xpra"
start_xpra() {
	local size=$1 dir=$W/xpra
	local senv=() cenv=() sopt=(--pulseaudio=no --speaker=no) copt=(--speaker=no)
	if [ -n "${XPRA_SPEAKER:-}" ]; then
		senv=(PULSE_SERVER="$GSND") cenv=(PULSE_SERVER="$HSND")
		sopt=(--pulseaudio=no --speaker=on --speaker-codec="$XPRA_SPEAKER")
		copt=(--speaker=on --speaker-codec="$XPRA_SPEAKER")
	fi
	mkdir -p "$dir" && chmod 700 "$dir"
	xvfb DST "$size" || return 1
	# a display number no X server uses
	XPRA_N=$((200 + RANDOM % 300))
	while [ -e /tmp/.X11-unix/X$XPRA_N ] || [ -e /tmp/.X$XPRA_N-lock ]; do XPRA_N=$((XPRA_N + 1)); done
	SRC=:$XPRA_N
	XPRA_DISPLAY=$SRC
	rm -f "$dir/server.log" "$dir/client.log" "$dir/server.pid"
	env "${senv[@]}" XDG_RUNTIME_DIR="$dir" HOME="$dir" timeout 60 xpra start "$SRC" --daemon=yes --mmap=yes \
		--xvfb="Xvfb +extension Composite -screen 0 ${size}x24+32 -nolisten tcp -noreset" \
		"${sopt[@]}" --microphone=no --webcam=no --mdns=no --dbus-proxy=no \
		--dbus-control=no --notifications=no --systemd-run=no --html=off --printing=no \
		--file-transfer=no --clipboard=no --bell=no --start-via-proxy=no \
		--pidfile="$dir/server.pid" --log-dir="$dir" --log-file=server.log >/dev/null 2>&1 ||
		{ say "xpra start failed: $(tail -n3 "$dir/server.log" 2>/dev/null)"; return 1; }
	waitfor 40 grep -q 'xpra is ready' "$dir/server.log" || { say "xpra server not ready"; return 1; }
	XPRA_SERVER=$(cat "$dir/server.pid")
	env "${cenv[@]}" DISPLAY="$DST" XDG_RUNTIME_DIR="$dir" HOME="$dir" xpra attach "$SRC" --mmap=yes --opengl=no \
		"${copt[@]}" --microphone=no --webcam=no --notifications=no --bell=no --clipboard=no \
		--printing=no --file-transfer=no --tray=no --system-tray=no --dbus-proxy=no --title=@title@ \
		>"$dir/client.log" 2>&1 &
	STARTED+=($!)
	XPRA_CLIENT=$!
	XPRA_OK=0
	waitfor 20 grep -q 'enabled fast mmap transfers' "$dir/client.log" "$dir/server.log" && XPRA_OK=1
	[ $XPRA_OK = 1 ] || say "xpra: mmap NOT confirmed in its logs: its figures are marked invalid"
	# xpra shows override-redirect windows at the same place on the client's root
	TARGET=(-w root)
	local all xsrv=
	all=$(descendants "$XPRA_SERVER" "$XPRA_CLIENT")
	for p in $all; do
		case $(cat /proc/"$p"/comm 2>/dev/null) in Xvfb*) xsrv="$xsrv $p" ;; esac
	done
	PIPE_PIDS=
	for p in $all; do case " $xsrv " in *" $p "*) ;; *) PIPE_PIDS="$PIPE_PIDS $p" ;; esac; done
	SERVER_PIDS="$xsrv $DST_PID"
	sleep 1   # the client maps its session; no readiness line to wait for
}

xpra_stop() {
	local dir=$W/xpra
	XDG_RUNTIME_DIR=$dir HOME=$dir timeout 20 xpra stop "$XPRA_DISPLAY" >/dev/null 2>&1 || true
	[ -z "${XPRA_SERVER:-}" ] || stop_pids $(descendants "$XPRA_SERVER" ${XPRA_CLIENT:-})
	XPRA_DISPLAY= XPRA_SERVER= XPRA_CLIENT=
}

# stop_system: everything start_* started.
stop_system() {
	[ -z "${XPRA_DISPLAY:-}" ] || xpra_stop
	[ ${#STARTED[@]} -eq 0 ] || stop_pids "${STARTED[@]}"
	STARTED=()
	rm -f /dev/shm/xs-bench-$$ "$W"/*.fifo.$$
}
