#!/usr/bin/env bash
# The ring's bell: a writer that cannot wake the reader (a BAR-like writer,
# shmring -p -w RING -B unix:S -- xcap) listens on S; xpaint -r RING -B
# unix:S calls it and is rung a byte after a publish it asked for. Pixel
# exact after real clients drew; idle, xpaint sleeps (its wake-ups in 2 s
# counted, not timed: without the bell the BAR schedule's sleeps make
# hundreds); the bells are counted on both sides; a stranger calling the
# writer and sending junk takes the bell, xpaint sees the hang-up and calls
# again a second later (newest wins), nothing shown is lost; xpaint
# restarted: the writer sees the hang-up, clears the flag, takes the new
# call; a bell nobody answers leaves the viewer on its schedule, exact; a
# hostile bell (junk, rings without records, hang-up) changes nothing.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$TOOLS/xwdcmp" "$TOOLS/ringgen"; do [ -x "$t" ] || { echo "no $t"; exit 77; }; done
for t in xterm x11perf xdotool xwd python3; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RING=/dev/shm/xs-test-bell-$$
SOCK=$T/bell.sock
trap 'rm -f "$RING"; cleanup' EXIT
flags() { "$TOOLS/ringgen" hdr "$RING" flags; }
bell_on() { [ $(($(flags) & 2)) = 2 ]; }
bell_off() { [ $(($(flags) & 2)) = 0 ]; }
wakeups() { cat /proc/"$1"/task/*/schedstat | awk '{ n += $3 } END { print n }'; }
bells() { kill -USR1 "$1"; sleep 0.3; grep -o "bells [0-9]*" "$2" | tail -n1 | cut -d' ' -f2; }

# the command line: -B where it has no ring, bad addresses, names the
# static shmring (minimal guests, no NSS) cannot resolve
bad() {
	local want=$1 out rc
	shift
	rc=0; out=$("$@" </dev/null 2>&1 >/dev/null) || rc=$?
	[ "$rc" = 64 ] || fail "$* exited $rc, not 64: $out"
	case $out in *"$want"*) ;; *) fail "$*: \"$out\" does not say \"$want\"" ;; esac
}
bad "give -r RING" "$BIN/xpaint" -B "unix:$SOCK"
bad "belongs to -w" "$BIN/shmring" -r "$RING" -B "unix:$SOCK"
bad "bad address" "$BIN/shmring" -w "$RING" -B foo:1
bad "run xcap under shmring -w" "$BIN/xcap" -B 14501 :0
if [ -x "$OPTBIN/shmring.static" ]; then
	bad "not a numeric address" "$OPTBIN/shmring.static" -w "$RING" -s 4M -B tcp:localhost:14501
fi
rm -f "$RING"

xvfb SRC 800x600
xvfb DST 1024x768
mover_xterm
"$BIN/shmring" -p -w "$RING" -s 32M -B "unix:$SOCK" -- "$BIN/xcap" -v "$SRC" </dev/null 2>"$T/w.err" &
PIDS+=($!); wp=$!
waitfor 10 test -s "$RING" || fail "no ring: $(cat "$T/w.err")"
bell_off || fail "RING_F_BELL set with nobody listening (flags $(flags))"
viewer() {
	DISPLAY=$DST "$BIN/xpaint" -v -r "$RING" -B "unix:$SOCK" -t bellview >/dev/null 2>"$T/xpaint.$1.err" &
	PIDS+=($!); vp=$!
	waitfor 10 winid "$DST" bellview || fail "viewer $1: no window: $(cat "$T/xpaint.$1.err")"
}
viewer 1
[ -S "$SOCK" ] || fail "the writer does not listen on $SOCK: $(cat "$T/w.err")"
[ $((0$(stat -c %a "$SOCK") & 077)) = 0 ] || fail "bell socket mode $(stat -c %a "$SOCK"): group or others may call"
waitfor 5 bell_on || fail "xpaint's call did not set the bell (flags $(flags)): $(cat "$T/w.err")"
grep -q 'rings a bell on' "$T/xpaint.1.err" || fail "xpaint did not take the bell: $(cat "$T/xpaint.1.err")"
live_picture bellview

# idle: xpaint sleeps in poll; the notifier thread only beats
sleep 1
a=$(wakeups "$vp"); sleep 2; a=$(($(wakeups "$vp") - a))
echo "idle 2 s: xpaint $a wake-ups"
[ "$a" -le 8 ] || fail "idle xpaint with the bell: $a wake-ups in 2 s"
b1=$(bells "$vp" "$T/xpaint.1.err"); w1=$(bells "$wp" "$T/w.err")
[ "${b1:-0}" -gt 0 ] && [ "${w1:-0}" -gt 0 ] || fail "bells: xpaint ${b1:-none}, xcap ${w1:-none}"
# a change after the stillness comes with a bell
DISPLAY=$SRC xdotool windowmove --sync "$MOVER" 200 200 || fail "xdotool could not move the mover"
settle "$SRC" "$DST" "$(winid "$DST" bellview)" 10 || fail "change after stillness not shown"
b2=$(bells "$vp" "$T/xpaint.1.err")
hdrs() { for f in prod cons flags bell; do printf '%s %s ' $f "$("$TOOLS/ringgen" hdr "$RING" $f)"; done; }
[ "$b2" -gt "$b1" ] || { kill -USR1 "$wp"; sleep 0.3; fail "no bell for the change after stillness ($b1 -> $b2; $(hdrs); $(grep stats "$T/xpaint.1.err" | tail -n2); $(grep bells "$T/w.err" | tail -n1))"; }

# a stranger calls the writer and sends junk: the writer drops it and
# keeps the newest call, xpaint sees the hang-up, calls again a second
# later and wins the bell back
python3 - "$SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:
    for _ in range(64):
        s.sendall(b"\xff" * 1024)
        time.sleep(0.01)
    time.sleep(3)
except OSError:
    pass
PY
PIDS+=($!)
calls() { [ "$(grep -c 'a reader listens for the bell' "$T/w.err")" -ge "$1" ]; }
vcalls() { [ "$(grep -c 'rings a bell on' "$T/xpaint.1.err")" -ge "$1" ]; }
waitfor 5 calls 2 || fail "the writer did not take the stranger's call: $(grep bell "$T/w.err")"
waitfor 5 grep -q 'hung up' "$T/xpaint.1.err" || fail "xpaint did not see the bell taken: $(grep bell "$T/xpaint.1.err")"
waitfor 5 vcalls 2 || fail "xpaint did not call the bell again: $(grep bell "$T/xpaint.1.err")"
kill -0 "$vp" && kill -0 "$wp" || fail "a tool died of the stranger"
waitfor 5 calls 3 || fail "the writer did not take xpaint back: $(grep bell "$T/w.err")"
waitfor 5 bell_on || fail "bell flag off after xpaint called again (flags $(flags))"
DISPLAY=$SRC xdotool windowmove --sync "$MOVER" 50 420
settle "$SRC" "$DST" "$(winid "$DST" bellview)" 10 || fail "not shown after the stranger"

# the viewer restarted: the writer sees the hang-up, clears the flag, and
# rings the new one
kill "$vp"; wait "$vp" 2>/dev/null
waitfor 5 bell_off || fail "flag still set after the reader went (flags $(flags))"
grep -q "bell's reader on .* hung up" "$T/w.err" || fail "the writer did not say the reader hung up"
viewer 2
waitfor 5 bell_on || fail "the restarted viewer's call did not set the bell (flags $(flags))"
calls 4 || fail "the writer did not take the restarted viewer's call: $(grep bell "$T/w.err")"
DISPLAY=$SRC xdotool windowmove --sync "$MOVER" 300 100
settle "$SRC" "$DST" "$(winid "$DST" bellview)" 10 || fail "restarted viewer not pixel exact"
b3=$(bells "$vp" "$T/xpaint.2.err")
[ "${b3:-0}" -gt 0 ] || fail "restarted viewer got no bell"

# a bell nobody answers: the viewer watches the ring on its schedule and
# shows everything all the same
kill "$vp"; wait "$vp" 2>/dev/null
DISPLAY=$DST "$BIN/xpaint" -v -r "$RING" -B "unix:$T/nobody.sock" -t bellview3 >/dev/null 2>"$T/xpaint.3.err" &
PIDS+=($!); vp=$!
waitfor 10 winid "$DST" bellview3 || fail "viewer 3: no window: $(cat "$T/xpaint.3.err")"
DISPLAY=$SRC xdotool windowmove --sync "$MOVER" 120 260
settle "$SRC" "$DST" "$(winid "$DST" bellview3)" 10 || fail "a viewer whose bell nobody answers is not pixel exact"
bell_off || fail "bell flag set with no reader on the line (flags $(flags))"

# a hostile bell (what a guest's writer could send): xpaint calls it, it
# floods 1 MiB of junk, rings 500 times with nothing published, hangs up;
# xpaint reads and drops it all, calls again, stays exact
kill "$vp"; wait "$vp" 2>/dev/null
python3 - "$T/evil.sock" "$T/evil.done" <<'PY' &
import os, socket, sys, time
l = socket.socket(socket.AF_UNIX); l.bind(sys.argv[1]); l.listen(4)
c, _ = l.accept()
c.sendall(b"\x00\xff" * (512 << 10))
for _ in range(500):
    c.send(b"b"); time.sleep(0.002)
c.close()
c, _ = l.accept()  # the call again, a second later
open(sys.argv[2], "w").close()
time.sleep(30)
PY
PIDS+=($!)
DISPLAY=$DST "$BIN/xpaint" -v -r "$RING" -B "unix:$T/evil.sock" -t bellview4 >/dev/null 2>"$T/xpaint.4.err" &
PIDS+=($!); vp=$!
waitfor 10 winid "$DST" bellview4 || fail "viewer 4: no window: $(cat "$T/xpaint.4.err")"
waitfor 15 test -e "$T/evil.done" || fail "xpaint did not call the hostile bell again after its hang-up: $(cat "$T/xpaint.4.err")"
kill -0 "$vp" || fail "xpaint died of a hostile bell: $(cat "$T/xpaint.4.err")"
DISPLAY=$SRC xdotool windowmove --sync "$MOVER" 240 60
settle "$SRC" "$DST" "$(winid "$DST" bellview4)" 10 || fail "not exact after a hostile bell"
pass "pixel exact, idle $a wake-ups in 2 s, bells $b1/$w1, stranger survived, viewer restarted ($b3 bells), unanswered bell exact, hostile bell survived"
