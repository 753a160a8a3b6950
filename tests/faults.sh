# Shared by t-faults-ring.sh and t-faults-pipe.sh (docs/SECURITY.md,
# "Faults"): a guest and a host pipeline over a /dev/shm ring and a unix
# socket, each process killed with SIGKILL at a moment the picture is
# changing, the pipeline it belonged to restarted (as systemd's
# Restart=always would), then: the picture back pixel-exact within
# FAULT_BACK_MS, no key left held on the guest, every other process either
# ended by itself (within 3 s) or alive and idle. Source it after lib.sh
# and set COMPOSE=ring or pipe.
xvfb SRC 640x480
xvfb DST 800x600
RING=/dev/shm/xs-faults.$$
SOCK=$T/ctl.sock
trap 'rm -f "$RING"; cleanup' EXIT
FAULT_BACK_MS=${FAULT_BACK_MS:-1000}
BACKS=()

# the source: a still xterm, and a ticker whose loop is stopped for comparisons
bg env DISPLAY="$SRC" xterm -geometry 40x10+30+30 -bg white -fg black -title still -e 'ls /; exec sleep 600'
bg env DISPLAY="$SRC" xterm -geometry 40x12+330+200 -title ticker -e \
	"sh -c 'echo \$\$ >$T/ticker.pid; i=0; while :; do i=\$((i+1)); echo tick \$i; sleep 0.01; done'"
waitfor 10 test -s "$T/ticker.pid" || fail "ticker xterm did not start"
TICKER=$(cat "$T/ticker.pid")
ticking() { kill -CONT "$TICKER"; }
still() { kill -STOP "$TICKER"; sleep 0.05; }
still

# start_guest: the guest pipeline; sets VL (vsockd -l), XC (xcap), SW (shmring -w; = XC on the fast path)
start_guest() {
	rm -f "$T/g1" "$T/g2"
	mkfifo "$T/g1" "$T/g2"
	"$BIN/vsockd" -l "unix:$SOCK" >"$T/g1" 2>>"$T/vl.err" & VL=$!
	if [ "$COMPOSE" = ring ]; then
		"$BIN/shmring" -w "$RING" -s 16M -- "$BIN/xcap" -v -d input -E "$SRC" <"$T/g1" 2>>"$T/xc.err" & XC=$!
		SW=$XC
	else
		"$BIN/xcap" -v -d input -E "$SRC" <"$T/g1" >"$T/g2" 2>>"$T/xc.err" & XC=$!
		"$BIN/shmring" -w "$RING" -s 16M <"$T/g2" 2>>"$T/sw.err" & SW=$!
	fi
	PIDS+=($VL $XC $SW)
	GUEST="$VL $XC $SW"
}
# start_host: the host pipeline; sets XP (xpaint), VC (vsockd -c), SR (shmring -r; none on the fast path)
start_host() {
	if [ "$COMPOSE" = ring ]; then
		DISPLAY=$DST "$BIN/xpaint" -v -d input -t faults -r "$RING" -- "$BIN/vsockd" -c "unix:$SOCK" >/dev/null 2>>"$T/xp.err" & XP=$!
		SR=
		waitfor 5 eval 'VC=$(pgrep -P "$XP" -x vsockd)' || fail "xpaint started no vsockd -c"
		PIDS+=($XP)
		HOST="$XP"
	else
		rm -f "$T/h1" "$T/h2"
		mkfifo "$T/h1" "$T/h2"
		"$BIN/shmring" -r "$RING" >"$T/h1" 2>>"$T/sr.err" & SR=$!
		DISPLAY=$DST "$BIN/xpaint" -v -d input -x -t faults <"$T/h1" >"$T/h2" 2>>"$T/xp.err" & XP=$!
		"$BIN/vsockd" -c "unix:$SOCK" <"$T/h2" 2>>"$T/vc.err" & VC=$!
		PIDS+=($SR $XP $VC)
		HOST="$SR $XP $VC"
	fi
}
vc_now() { VC=$(pgrep -P "$XP" -x vsockd); [ -n "$VC" ]; }

wid() { winid "$DST" faults; }
shown() { local w; w=$(wid) && same_picture "$SRC" "$DST" "$w"; }
bound_count() { grep -c 'input enabled' "$T/xp.err" || true; }
alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! alive "$1"; }
# jiffies of user and system time of the processes named
cpu() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo $t; }
ms() { date +%s%3N; }

# hold: Shift held in the viewer, forwarded to the guest (needs input bound)
hold() {
	local w
	w=$(wid) || fail "no viewer window"
	# a press that comes while a new hello re-binds input is dropped by
	# design (not yet bound): press again
	for _ in 1 2 3; do
		DISPLAY=$DST xdotool mousemove --window "$w" 200 150 windowfocus --sync "$w" keydown Shift_L
		HELD=1
		waitfor 2 sh -c "! DISPLAY=$SRC '$TOOLS/xkeys' >/dev/null" && return 0
		DISPLAY=$DST xdotool keyup Shift_L
	done
	fail "the held key did not reach the guest: $(tail -n3 "$T/xc.err" "$T/xp.err")"
}
unhold() { [ -z "${HELD:-}" ] || DISPLAY=$DST xdotool keyup Shift_L; HELD=; }

# fault NAME PID ENDS SURVIVES RESTART: one kill and its checks
#   ENDS: the pids that must end by themselves; SURVIVES: those that must
#   stay, idle; RESTART: the function starting the killed pipeline again
#   ("" when the pipeline restarts the killed one itself)
fault() {
	local name=$1 pid=$2 ends=$3 survives=$4 restart=$5 p t0 t1 c0 c1
	# input bound again since the last restart (a new hello, a new nonce)
	waitfor 10 sh -c "[ \$(grep -c 'input enabled' '$T/xp.err') -gt $NB ]" || fail "before killing $name: input not bound again"
	hold
	ticking
	sleep "0.$((RANDOM % 4 + 1))"
	NB=$(bound_count)
	kill -9 "$pid"
	still
	for p in $ends; do
		waitfor 3 gone "$p" || fail "$name killed: pid $p did not end ($(tr '\0' ' ' <"/proc/$p/cmdline"))"
	done
	for p in $survives; do alive "$p" || fail "$name killed: pid $p ended ($(tail -n2 "$T"/*.err))"; done
	c0=$(cpu $survives)
	sleep 0.5
	c1=$(cpu $survives)
	[ $((c1 - c0)) -le 10 ] || fail "$name killed: the survivors spin ($((c1 - c0)) jiffies in 0.5 s)"
	t0=$(ms)
	[ -z "$restart" ] || $restart
	waitfor 10 shown || fail "$name killed: the picture did not come back: $(cat "$T/cmp.out"; tail -n3 "$T"/*.err)"
	t1=$(ms)
	BACKS+=($((t1 - t0)))
	[ $((t1 - t0)) -le "$FAULT_BACK_MS" ] || fail "$name killed: the picture came back after $((t1 - t0)) ms"
	waitfor 2 sh -c "DISPLAY=$SRC '$TOOLS/xkeys' >/dev/null" ||
		fail "$name killed: a key stays held on the guest: $(DISPLAY=$SRC "$TOOLS/xkeys")"
	unhold
}

# the pipelines up, the picture shown, input bound
boot() {
	start_guest
	waitfor 10 test -s "$RING" || fail "no ring: $(cat "$T"/*.err)"
	start_host
	waitfor 10 shown || fail "no picture at start: $(cat "$T/cmp.out"; tail -n3 "$T"/*.err)"
	NB=0
}

# after all rows: nothing the test did not kill may have died with a
# sanitizer report or an unexpected error
report() {
	! grep -l 'ERROR: AddressSanitizer\|runtime error' "$T"/*.err 2>/dev/null | grep -q . || fail "sanitizer: $(grep -h -A3 'ERROR\|runtime error' "$T"/*.err | head)"
	local s
	s=$(printf '%s\n' "${BACKS[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%d kills, picture back after %d..%d ms (median %d)", NR, a[1], a[NR], a[int((NR + 1) / 2)] }')
	pass "$COMPOSE composition: $s, no key held, no process stuck or spinning"
}
