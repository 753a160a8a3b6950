#!/usr/bin/env bash
# Input end to end, as users compose it, over a unix socket instead of vsock:
#   guest: vsockd -l unix:CTL | xcap GUEST | shmring -w RING
#   host:  xpaint -r RING -- vsockd -c unix:CTL
# xdotool types a shell command into xpaint's window on the host and bash in
# an xterm on the guest runs it; clicks and the wheel reach xev on the guest
# at the right place; a German host layout still types the right text; xpaint
# killed mid-keypress leaves no key held on the guest (the hang-up resets
# input: xcap's own, as vsockd hands it the socket down the pipe); a
# controller without the challenge types nothing; a new viewer types again.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$BIN/vsockd" "$TOOLS/xkeys" "$TOOLS/ctlgen"; do
	[ -x "$t" ] || { echo "no $t"; exit 77; }
done
for t in xterm xdotool xev setxkbmap stdbuf; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RING=/dev/shm/xs-input-$$
trap 'rm -f "$RING"; cleanup' EXIT
CTL=unix:$T/ctl

xvfb GUEST 640x480
xvfb HOST 1024x768
bg env DISPLAY="$GUEST" xterm -geometry 60x10+0+0 -title gterm -e bash --norc --noprofile
bg env DISPLAY="$GUEST" stdbuf -oL xev -geometry 200x150+400+300 -name xevwin -event button >"$T/xev.log"
waitfor 10 winid "$GUEST" gterm || fail "guest xterm did not map"
waitfor 10 winid "$GUEST" xevwin || fail "guest xev did not map"

mkfifo "$T/rdy"
( "$BIN/vsockd" -l "$CTL" -v -N 3 3>"$T/rdy" 2>"$T/l.err" | "$BIN/xcap" -d input "$GUEST" 2>"$T/xcap.err" |
	"$BIN/shmring" -w "$RING" -s 32M 2>"$T/w.err" ) &
PIDS+=($!)
read -r -t 10 _ <"$T/rdy" || fail "guest vsockd not ready: $(cat "$T/l.err")"

# viewer N: xpaint on HOST showing the ring, control through vsockd -c.
viewer() {
	ring_viewer "$1" "$RING" "$CTL"
	waitfor 15 grep -q 'input enabled' "$T/xp.$1.err" || fail "viewer $1 never bound: $(cat "$T/xp.$1.err")"
}
export DISPLAY=$HOST
viewer 1
typeline "echo typed-through-vsockd > $T/typed.txt"
waitfor 15 grep -qx typed-through-vsockd "$T/typed.txt" || fail "command not run on the guest: $(cat "$T/xcap.err" | tail -5)"

# buttons and the wheel, at the right place on the guest (root 450,340)
xevents() { tr -s '\n ' ' ' <"$T/xev.log" | sed 's/Button/\nButton/g' >"$T/xev.flat"; }
xdotool mousemove --window "$WID" 450 340 click 1 click 3 click 4 click 5
waitfor 10 eval 'xevents; grep -q "ButtonRelease.*button 5," "$T/xev.flat"' || fail "wheel down did not reach xev: $(cat "$T/xev.log")"
for b in 1 3 4 5; do
	grep -q "ButtonPress .*root:(450,340).* button $b," "$T/xev.flat" || fail "button $b press not at 450,340: $(cat "$T/xev.flat")"
	grep -q "ButtonRelease .*root:(450,340).* button $b," "$T/xev.flat" || fail "button $b release missing: $(cat "$T/xev.flat")"
done

# a German layout on the host: the keysyms, not the keycodes, travel
setxkbmap -display "$HOST" -layout de || fail "setxkbmap de failed"
typeline "echo zy@{x}_ > $T/de.txt"
waitfor 15 grep -qxF 'zy@{x}_' "$T/de.txt" || fail "de host layout typed \"$(cat "$T/de.txt" 2>/dev/null)\""
setxkbmap -display "$HOST" -layout us

# xpaint killed while a key is down: the guest releases it (xcap reads the
# handed-over socket and resets input at its hang-up)
held() { ! DISPLAY=$GUEST "$TOOLS/xkeys" >/dev/null; }
free() { DISPLAY=$GUEST "$TOOLS/xkeys" >"$T/keys.now"; }
waitfor 10 free || fail "keys held before the test: $(cat "$T/keys.now")"
xdotool windowfocus --sync "$WID" mousemove --window "$WID" 100 60 keydown a
waitfor 10 held || fail "keydown a did not reach the guest"
kill -KILL "$XP"
waitfor 10 free || fail "key still held on the guest after the viewer died: $(cat "$T/keys.now")"
xdotool keyup a
waitfor 10 grep -q 'the reader of stdout takes the connections' "$T/l.err" || fail "vsockd -l carried the records: $(cat "$T/l.err")"
waitfor 10 grep -q 'gone (the command dropped it)' "$T/l.err" || fail "guest vsockd did not see the hang-up: $(cat "$T/l.err")"

# no challenge, then a wrong one: nothing is typed
keys=(motion 100 60 key 0xff0d 1 key 0xff0d 0)
line="touch $T/evil"
for ((i = 0; i < ${#line}; i++)); do
	printf -v k '0x%x' "'${line:i:1}"
	keys+=(key "$k" 1 key "$k" 0)
done
keys+=(key 0xff0d 1 key 0xff0d 0)
"$TOOLS/ctlgen" -c "$CTL" "${keys[@]}"
"$TOOLS/ctlgen" -c "$CTL" hello 00000000000000000000000000000000 "${keys[@]}"
waitfor 10 grep -q 'input refused' "$T/xcap.err" || fail "xcap did not refuse: $(tail -5 "$T/xcap.err")"
sleep 0.5
[ ! -e "$T/evil" ] || fail "a controller without the challenge typed into the guest"

# a new viewer types again
viewer 2
typeline "echo back-again > $T/back.txt"
waitfor 15 grep -qx back-again "$T/back.txt" || fail "second viewer could not type"
[ ! -e "$T/evil" ] || fail "the refused keys were typed later"
pass "typed, clicks and wheel, de host layout, no stuck key after kill -9, challenge enforced"
