#!/usr/bin/env bash
# A hostile guest's storms of state records (tests/tools/storm) against a
# live xpaint, through a pipe and through a ring: resize, hello, cursor, pointer,
# title, clipboard offers, seamless window churn, geometry, titles, icons,
# stacking, shapes, hints, and (ring) a bell that never stops. For each: the storm, then a
# valid picture; checked against the limits of docs/SECURITY.md "Storms":
# the picture exact within STORM_SECS, the viewer's CPU time, its and the X
# server's memory against a run without the storm, and, with the storm
# going on without end, SIGTERM and (whole-screen storms) a close from the
# window manager answered (TERM_MS of wall time, TERM_TICKS of the
# viewer's CPU after it). Figures are of
# the optimised build (ASan's quarantine and its CPU would be measured
# instead); STORM_LOG=FILE appends one line per case.
. "$(dirname "$0")/lib.sh"
XP=$OPTBIN/xpaint
STORM_SECS=10   # storm and picture, start to exact
CPU_TICKS=100   # the viewer's CPU for it, 1/100 s
X_CPU_TICKS=200 # the X server's
RSS_KB=65536    # growth of either over the run without a storm
TERM_MS=3000    # SIGTERM to exit, the storm going on (wall: 3-85 ms alone, more on a loaded machine)
TERM_TICKS=10   # the viewer's CPU from SIGTERM to exit (the aim: 100 ms at most)
xvfb D 800x600
XV=${PIDS[-1]}
export DISPLAY=$D
R=/dev/shm/xs-storm.$$
trap 'rm -f "$R" "$R".*; cleanup' EXIT
"$TOOLS/xsgen" valid -o "$T/exp.xwd" >"$T/v.xcs"
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
matches() { xwd -silent -id "$(winid "$D" "$1")" >"$T/got.xwd" && "$TOOLS/xwdcmp" "$T/exp.xwd" "$T/got.xwd" >"$T/cmp"; }
# a ring writer copying stdin into ring $R.$1
ringw() { exec "$TOOLS/xsgen" ringw "$R.$1" 16; } # exec: the pid in PIDS is the writer's

# viewer NAME PATH: xpaint on stdin (pipe) or on ring $R.NAME fed by stdin; VP its pid
viewer() {
	RW=
	if [ "$2" = pipe ]; then
		"$XP" -t "$1" <&0 >/dev/null 2>"$T/$1.err" & VP=$! # &: stdin would be /dev/null
	else
		ringw "$1" <&0 & RW=$! PIDS+=($!)
		waitfor 5 test -s "$R.$1" || fail "$1: no ring"
		"$XP" -t "$1" -r "$R.$1" ${3:+-B "unix:$3"} >/dev/null 2>"$T/$1.err" </dev/null & VP=$!
	fi
	PIDS+=($VP)
}

# run KIND PATH N: the storm and the picture, figures against the reference
run() {
	local k=$1 p=$2 n=$3 name=s$1$2 t0 x0 xc0 bell=
	x0=$(rss "$XV") xc0=$(cpu "$XV") t0=$(date +%s%N)
	if [ "$k" = bell ]; then
		"$TOOLS/storm" bell "$T/bell.sock" & PIDS+=($!)
		waitfor 5 test -S "$T/bell.sock" || fail "bell: no socket"
		bell=$T/bell.sock
		viewer "$name" ring "$bell" <"$T/v.xcs"
	else
		viewer "$name" "$p" < <({ "$TOOLS/storm" "$k" -n "$n"; cat "$T/v.xcs"; })
	fi
	waitfor "$STORM_SECS" matches "$name" ||
		fail "$k ($p): no exact picture within $STORM_SECS s: $(cat "$T/cmp" "$T/$name.err" 2>/dev/null | head -5)"
	local took cpu_v cpu_x rss_v rss_x
	[ "$k" != bell ] || sleep 1 # a second of bells after the picture
	took=$(ms "$t0") cpu_v=$(cpu "$VP") cpu_x=$(($(cpu "$XV") - xc0)) rss_v=$(rss "$VP")
	kill -TERM "$VP"; wait "$VP" || true
	[ -z "$RW" ] || { kill "$RW"; wait "$RW" || true; }
	rm -f "$R.$name" # 16 MiB of /dev/shm each
	sleep 0.2
	rss_x=$(($(rss "$XV") - x0))
	line=$(printf '%-8s %-5s n=%-6s exact after %5d ms, viewer cpu %3d ticks rss %6d kB (ref %d), X cpu %3d ticks rss %+6d kB' \
		"$k" "$p" "$n" "$took" "$cpu_v" "$rss_v" "$REF_RSS" "$cpu_x" "$rss_x")
	echo "$line"
	[ -z "${STORM_LOG:-}" ] || echo "$line" >>"$STORM_LOG"
	[ "$cpu_v" -le "$CPU_TICKS" ] || fail "$k ($p): the viewer used $cpu_v ticks (at most $CPU_TICKS)"
	[ "$cpu_x" -le "$X_CPU_TICKS" ] || fail "$k ($p): the X server used $cpu_x ticks (at most $X_CPU_TICKS)"
	# windows gone before any frame needed them are never made on the X
	# server (xpaint makes a window when first needed): 16-52 ticks before
	[ "$k" != wchurn ] || [ "$cpu_x" -le 8 ] ||
		fail "wchurn ($p): the X server used $cpu_x ticks for windows gone before they were needed (at most 8)"
	[ $((rss_v - REF_RSS)) -le "$RSS_KB" ] || fail "$k ($p): the viewer's RSS $rss_v kB (reference $REF_RSS)"
	[ "$rss_x" -le "$RSS_KB" ] || fail "$k ($p): the X server grew by $rss_x kB"
	bad=$(grep -cvE '^xpaint: (window 0x[0-9a-f]+: .*dropped.*|more windows broke .*|.*\([0-9]+ like it in [0-9]+ s\))$' "$T/$name.err" || true)
	[ "$bad" = 0 ] || fail "$k ($p): xpaint said: $(head -3 "$T/$name.err")"
	[ "$(wc -l <"$T/$name.err")" -le 4 ] || fail "$k ($p): $(wc -l <"$T/$name.err") lines on stderr"
}

# term KIND PATH [close]: SIGTERM (or, with close, the window manager's
# WM_DELETE_WINDOW, an X event) while the storm goes on without end. Wall
# time on a loaded shared machine measures the scheduler as much as
# xpaint: the CPU xpaint spends after it (its last reading) is what says
# whether it looked at it or went on with the storm.
term() {
	local k=$1 p=$2 how=${3:-SIGTERM} name=t$1$2${3:-} t0 c0 c1 rc=0
	if [ "$k" = bell ]; then
		viewer "$name" ring "$T/bell.sock" <"$T/v.xcs"
	else
		viewer "$name" "$p" < <(exec "$TOOLS/storm" "$k" -n 0)
	fi
	sleep 0.5
	kill -0 "$VP" 2>/dev/null || fail "$k ($p): xpaint ended under the storm: $(head -3 "$T/$name.err")"
	local wid=
	[ "$how" = SIGTERM ] || wid=$(winid "$D" "$name") || fail "$k ($p): no window to close"
	c0=$(cpu "$VP") t0=$(date +%s%N)
	if [ "$how" = SIGTERM ]; then kill -TERM "$VP"; else "$TOOLS/xsgen" close "$wid"; fi
	c1=$c0
	while c=$(cpu "$VP" 2>/dev/null); do # the last reading before it is gone
		c1=$c
		[ "$(ms "$t0")" -le "$TERM_MS" ] || break
		sleep 0.005
	done
	took=$(ms "$t0")
	wait "$VP" || rc=$?
	[ -z "$RW" ] || { kill "$RW"; wait "$RW" || true; }
	rm -f "$R.$name"
	echo "         $how under the $k storm ($p): exit $rc after $took ms, $((c1 - c0)) ticks of CPU"
	[ -z "${STORM_LOG:-}" ] || echo "$k $p $how $took ms $((c1 - c0)) ticks" >>"$STORM_LOG"
	[ "$took" -le "$TERM_MS" ] || fail "$k ($p): $how took $took ms (at most $TERM_MS)"
	[ "$((c1 - c0))" -le "$TERM_TICKS" ] || fail "$k ($p): $((c1 - c0)) ticks of CPU after $how (at most $TERM_TICKS)"
}

# the reference: the picture alone
viewer ref pipe <"$T/v.xcs"
waitfor 10 matches ref || fail "no picture without a storm: $(cat "$T/cmp" "$T/ref.err")"
REF_RSS=$(rss "$VP")
kill "$VP"; wait "$VP" || true

# how many records of each (a storm of each takes main's xpaint seconds to minutes)
count() { case $1 in resize | hello | cursor | wgeom) echo 3000 ;; icon | shape) echo 2000 ;; *) echo 20000 ;; esac; }
for k in ${CASES:-resize hello cursor pointer title clip wchurn wgeom wtitle icon stack shape hints bell}; do
	for p in ${PATHS:-pipe ring}; do
		[ "$k:$p" != bell:pipe ] || continue # the bell is the ring's
		run "$k" "$p" "$(count "$k")"
		term "$k" "$p"
		case $k:$p in # the window's own events under the storm (seamless ones show no such window)
		resize:pipe | hello:pipe | cursor:pipe | pointer:pipe | title:pipe | clip:pipe) term "$k" "$p" close ;;
		esac
	done
done
pass "every storm within its limits (docs/SECURITY.md \"Storms\")"
