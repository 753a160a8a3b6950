# Shared helpers for tests/t-*.sh. Source it; it sets -eu, a private temp
# dir $T, cleanup of everything started, and the binaries' folder $BIN.
set -eu
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$TOP/build/san}      # sanitised binaries under test
OPTBIN=${OPTBIN:-$TOP/build}    # optimised ones (static shmring, etc.)
TOOLS=$TOP/build/tools          # test helpers (xwdcmp, ...)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
T=$(mktemp -d /tmp/xs-test.XXXXXX)
PIDS=()
NAME=$(basename "$0" .sh)

cleanup() {
	local p
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	sleep 0.1
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL $NAME: $*" >&2; exit 1; }
pass() { echo "ok   $NAME${1:+: $1}"; }
bg() { "$@" & PIDS+=($!); }  # start in the background, killed at exit

# xvfb VAR [WxH]: start an Xvfb on a free display, set VAR=:N.
xvfb() {
	local var=$1 size=${2:-1024x768} fifo=$T/dfd.$RANDOM
	mkfifo "$fifo"
	Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp -noreset +extension DAMAGE 3>"$fifo" 2>"$T/xvfb.$var.log" &
	PIDS+=($!)
	local n
	read -r -t 10 n <"$fifo" || fail "Xvfb did not start: $(cat "$T/xvfb.$var.log")"
	rm -f "$fifo"
	printf -v "$var" ':%s' "$n"
}

# xorg_dummy VAR: start Xorg with the dummy driver (tests/xorg-dummy.conf,
# 640x480, RandR resizes allowed) on a free display, set VAR=:N and
# XORG_MS to its start-up time; skips the test (77) when it cannot run.
xorg_dummy() {
	local var=$1 fifo=$T/dfd.$RANDOM t0 n
	[ "$(id -u)" = 0 ] || { echo "Xorg needs root here"; exit 77; }
	command -v Xorg >/dev/null && [ -e /usr/lib/xorg/modules/drivers/dummy_drv.so ] ||
		{ echo "no Xorg with the dummy driver (xserver-xorg-video-dummy)"; exit 77; }
	mkfifo "$fifo"
	t0=$(date +%s%N)
	Xorg -config "$TOP/tests/xorg-dummy.conf" -noreset -nolisten tcp -logfile "$T/xorg.$var.log" \
		-displayfd 3 3>"$fifo" 2>"$T/xorg.$var.err" &
	PIDS+=($!)
	read -r -t 10 n <"$fifo" || { echo "Xorg did not start: $(tail -3 "$T/xorg.$var.err")"; exit 77; }
	XORG_MS=$((($(date +%s%N) - t0) / 1000000))
	rm -f "$fifo"
	printf -v "$var" ':%s' "$n"
}

# waitfor SECONDS CMD...: retry CMD every 50 ms until it succeeds.
waitfor() {
	local t=$1; shift
	local end=$((SECONDS + t))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}

# winid DISPLAY NAME: the id of the first window whose title is NAME, or
# "[NAME] ..." (an xpaint -t NAME showing a guest window's title), or
# "NAME (disconnected)" (an xpaint -t NAME whose stream ended).
winid() {
	local id
	id=$(DISPLAY=$1 xdotool search --name "^$2( \\(disconnected\\))?\$|^\\[$2\\] " 2>/dev/null | head -n1)
	[ -n "$id" ] && echo "$id"
}

# haswin DISPLAY NAME: a window titled NAME is shown.
haswin() { [ -n "$(winid "$1" "$2")" ]; }

# matches EXPECTED.xwd WID: window WID on $DISPLAY is that picture, exactly
# (xwdcmp's line in $T/cmp).
matches() { xwd -silent -id "$2" >"$T/got.xwd" && "$TOOLS/xwdcmp" "$1" "$T/got.xwd" >"$T/cmp"; }

# same_picture SRC DST WID [xwdcmp args]: root of SRC equals window WID on DST.
same_picture() {
	local src=$1 dst=$2 wid=$3; shift 3
	xwd -silent -root -display "$src" >"$T/src.xwd" || return 2
	xwd -silent -id "$wid" -display "$dst" >"$T/dst.xwd" || return 2
	"$TOOLS/xwdcmp" "$T/src.xwd" "$T/dst.xwd" "$@" >"$T/cmp.out"
}

# settle SRC DST WID SECONDS [args]: wait until the pictures match.
settle() {
	local s=$4 end
	end=$((SECONDS + s))
	until same_picture "$1" "$2" "$3" "${@:5}"; do
		[ $SECONDS -lt $end ] || { cat "$T/cmp.out" >&2; return 1; }
		sleep 0.1
	done
}

# mover_xterm: a small xterm on $SRC that source_activity moves about ($MOVER).
mover_xterm() {
	bg env DISPLAY="$SRC" xterm -geometry 30x8+420+300 -bg navy -fg yellow -title mover -e 'exec sleep 300'
	waitfor 10 winid "$SRC" mover || fail "xterm did not map"
	MOVER=$(winid "$SRC" mover)
}

# source_activity TAG: real X clients drawing on $SRC: an xterm printing,
# x11perf, the mover window moved, unmapped and mapped again, and raised
# (else the busy xterm covers it, and a test's later move of it can change
# no pixel at all).
source_activity() {
	bg env DISPLAY="$SRC" xterm -geometry 80x24+5+5 -title "busy$1" \
		-e "ls -lR /usr/share/doc | head -1500; touch $T/done.$1; exec sleep 300"
	DISPLAY=$SRC x11perf -repeat 1 -reps 40 -rect100 -seg100 -copywinwin100 >/dev/null 2>&1 || fail "x11perf failed"
	DISPLAY=$SRC xdotool windowmove "$MOVER" 100 350 windowunmap --sync "$MOVER" windowmap --sync "$MOVER" \
		windowmove "$MOVER" $((300 + RANDOM % 100)) 40 windowraise "$MOVER"
	waitfor 20 test -e "$T/done.$1" || fail "$1: xterm did not finish"
}

# live_picture NAME: real clients draw on $SRC (source_activity) and the
# viewer window NAME on $DST settles on it, pixel exact.
live_picture() {
	source_activity 1
	settle "$SRC" "$DST" "$(winid "$DST" "$1")" 20 || fail "viewer did not settle on the source"
	echo "live: $(cat "$T/cmp.out")"
}

# ring_viewer TAG RING CTL [VSOCKD-OPTS]: xpaint -r RING on $HOST titled
# viewTAG, its control through vsockd -c CTL; sets XP (its pid) and WID
# (its window).
ring_viewer() {
	DISPLAY=$HOST "$BIN/xpaint" -v -w 0 -r "$2" -t "view$1" -- "$BIN/vsockd" -c "$3" ${4-} 2>"$T/xp.$1.err" &
	XP=$!
	PIDS+=($XP)
	waitfor 15 winid "$HOST" "view$1" || fail "viewer $1: no window: $(cat "$T/xp.$1.err")"
	WID=$(winid "$HOST" "view$1")
}

# typeline TEXT: focus the viewer window $WID (on $DISPLAY), point at the
# guest's xterm in it, type TEXT and Return.
typeline() {
	xdotool windowfocus --sync "$WID" mousemove --window "$WID" 100 60
	xdotool key --delay 20 ctrl+u
	xdotool type --delay 15 "$1"
	xdotool key Return
}

# need_vm: what a test that boots the QEMU guest with an xterm needs, else
# it is skipped (exit 77) with the reason.
need_vm() {
	local k t
	command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing"; exit 77; }
	k=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
	[ -n "$k" ] && [ -r "$k" ] || { echo "no readable kernel in /boot (linux-image-amd64; reading it needs root)"; exit 77; }
	command -v busybox >/dev/null || { echo "busybox-static missing"; exit 77; }
	for t in Xvfb xwd xdotool xterm; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
	# the guest image carries the guest's sound server and paplay
	command -v pulseaudio >/dev/null && command -v pacat >/dev/null || { echo "no pulseaudio / pulseaudio-utils"; exit 77; }
}

# pulse VAR [SINK]: start a private PulseAudio server (its own runtime folder in
# $T, no cookie, a null sink "xs" at s16le 48 kHz stereo, the default, and
# a second one named SINK if given) and
# set VAR to its address for PULSE_SERVER; skips the test (77) without
# pulseaudio. Two of them stand for a guest's and a host's sound servers.
# A null sink renders in blocks as long as the lowest latency its clients
# ask for, 2 s with none, and sees a new client only after the block it is
# in: a sound card's sink does not. A reader of its monitor asking for 5 ms
# keeps it at 5 ms blocks, as a card is; pulse_warm waits out the first
# 2 s block (call it once, after starting the servers). No shared memory
# with clients (--disable-shm): PulseAudio 16's memfd import asserted and
# aborted the server here once, with clients coming and going
# (pulseaudio issue 824).
pulse() {
	local var=$1 dir extra=()
	[ -z "${2:-}" ] || extra=(--load="module-null-sink sink_name=$2 format=s16le rate=48000 channels=2")
	command -v pulseaudio >/dev/null && command -v pacat >/dev/null ||
		{ echo "no pulseaudio / pulseaudio-utils"; exit 77; }
	dir=$(mktemp -d "$T/pulse.$var.XXXXXX")
	chmod 700 "$dir"
	( cd "$dir" && HOME=$dir XDG_RUNTIME_DIR=$dir XDG_CONFIG_HOME=$dir exec pulseaudio -n --daemonize=no \
		--exit-idle-time=-1 --use-pid-file=no --log-target=stderr --disable-shm=yes \
		--load="module-null-sink sink_name=xs format=s16le rate=48000 channels=2" "${extra[@]}" \
		--load="module-native-protocol-unix auth-anonymous=1 socket=$dir/native" ) 2>"$dir/log" &
	PIDS+=($!)
	printf -v "$var" 'unix:%s/native' "$dir"
	waitfor 10 env PULSE_SERVER="unix:$dir/native" HOME="$dir" pactl info ||
		fail "pulseaudio did not start: $(grep -v '^W:' "$dir/log" | tail -3)"
	PULSE_SERVER="unix:$dir/native" pactl set-default-sink xs
	bg env PULSE_SERVER="unix:$dir/native" parecord --raw --latency-msec=5 -d xs.monitor >/dev/null 2>&1
	[ -z "${2:-}" ] || bg env PULSE_SERVER="unix:$dir/native" parecord --raw --latency-msec=5 -d "$2.monitor" >/dev/null 2>&1
	PULSE_STARTED=$SECONDS
}
pulse_warm() {
	local left=$((PULSE_STARTED + 3 - SECONDS))
	[ $left -le 0 ] || sleep $left
}
