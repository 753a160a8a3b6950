#!/usr/bin/env bash
# xpaint's control output. Without COMMAND it goes to stdout: a control
# hello carrying the stream's challenge, a nonce, a refresh. With a
# coprocess (xsgen echo, a fake source that echoes nonces) keys, buttons,
# motion and -R sizes reach it once the nonce came back; held keys are
# released when the focus goes; with a wrong echo no input is sent and
# xpaint says why, but not for a source whose echo is merely late.
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/xsgen" ] || fail "build/tools/xsgen missing"
xvfb D 800x600
export DISPLAY=$D
inlog() { grep -q -- "$2" "$1"; }

# control on stdout
"$TOOLS/xsgen" valid >"$T/v.xcs"
"$BIN/xpaint" -x <"$T/v.xcs" >"$T/ctl.bin" 2>"$T/out.err" || fail "xpaint -x: $(cat "$T/out.err")"
"$TOOLS/xsgen" dump <"$T/ctl.bin" >"$T/ctl.txt"
sed -n 1p "$T/ctl.txt" | grep -q '^control-hello 0\{32\}$' || fail "first record: $(cat "$T/ctl.txt")"
sed -n 2p "$T/ctl.txt" | grep -q '^nonce [0-9a-f]\{32\}$' || fail "second record: $(cat "$T/ctl.txt")"
sed -n 3p "$T/ctl.txt" | grep -q '^refresh$' || fail "third record: $(cat "$T/ctl.txt")"
[ "$(wc -l <"$T/ctl.txt")" -eq 3 ] || fail "extra control records: $(cat "$T/ctl.txt")"

# a coprocess that echoes: input flows, in source coordinates (border 5)
"$BIN/xpaint" -v -R -b blue -w 5 -t ctl -- "$TOOLS/xsgen" echo -l "$T/log" 2>"$T/co.err" &
P=$!
PIDS+=($P)
waitfor 10 haswin "$D" ctl || fail "no window: $(cat "$T/co.err")"
wid=$(winid "$D" ctl)
waitfor 10 inlog "$T/log" '^control-hello [0-9a-f]* match$' || fail "challenge: $(cat "$T/log")"
waitfor 10 inlog "$T/log" '^refresh' || fail "no refresh: $(cat "$T/log")"
waitfor 10 grep -q 'input enabled' "$T/co.err" || fail "never bound: $(cat "$T/co.err")"
xdotool windowfocus --sync "$wid"
# explicit presses: xdotool type may remap a scratch keycode for B under load
xdotool keydown a keyup a keydown shift keydown b keyup b keyup shift
waitfor 10 inlog "$T/log" '^key 0x42 up' || fail "keys: $(cat "$T/log") $(cat "$T/co.err")"
grep -q '^key 0x61 down' "$T/log" || fail "no a: $(cat "$T/log")"
xdotool mousemove --window "$wid" 35 45 mousedown 3 sleep 0.05 mouseup 3
waitfor 10 inlog "$T/log" '^button 3 up 30 40$' || fail "button: $(cat "$T/log")"
grep -q '^button 3 down 30 40$' "$T/log" || fail "button down: $(cat "$T/log")"

# a key held when the focus goes is released
xdotool keydown c
waitfor 10 inlog "$T/log" '^key 0x63 down' || fail "keydown c: $(cat "$T/log")"
xlogo -geometry 50x50+700+500 &
PIDS+=($!)
waitfor 10 haswin "$D" xlogo || fail "xlogo did not start"
xdotool windowfocus --sync "$(winid "$D" xlogo)"
waitfor 10 inlog "$T/log" '^key 0x63 up' || fail "held key not released: $(cat "$T/log")"
xdotool keyup c

# -R: a window resize asks the source for the new size (minus the border)
xdotool windowsize --sync "$wid" 410 310
waitfor 10 inlog "$T/log" '^size 400 300$' || fail "size: $(cat "$T/log")"
grep -q 'does not reach' "$T/co.err" && fail "complained although bound: $(cat "$T/co.err")"
kill $P
wait $P || true
# -v's figures are our clock's alone: the echo's round trip, frame
# intervals; never the source's capture time against ours (a guest's clock)
st=$(grep 'stats: frames' "$T/co.err" | tail -n1)
echo "$st" | grep -q 'frame interval ms p50 [0-9.]* p99 [0-9.]*; echo round trip [0-9]*\.[0-9]* ms' || fail "stats: $st"
echo "$st" | grep -q 'capture' && fail "stats compare the source's clock: $st"
grep -q 'input enabled (echo round trip [0-9.]* ms)' "$T/co.err" || fail "no round trip at binding: $(cat "$T/co.err")"

# a wrong echo: nothing forwarded, one line saying why
"$BIN/xpaint" -t ctl2 -- "$TOOLS/xsgen" echo -n -l "$T/log2" 2>"$T/co2.err" &
P=$!
PIDS+=($P)
waitfor 10 haswin "$D" ctl2 || fail "no window 2"
wid=$(winid "$D" ctl2)
waitfor 10 inlog "$T/log2" '^refresh' || fail "no refresh 2: $(cat "$T/log2")"
xdotool windowfocus --sync "$wid"
xdotool type --delay 20 'xyz'
xdotool mousemove --window "$wid" 10 10 click 1
waitfor 10 grep -q 'control channel does not reach this display; input disabled' "$T/co2.err" ||
	fail "no refusal message: $(cat "$T/co2.err")"
sleep 0.3
grep -Eq '^(key|button|motion)' "$T/log2" && fail "input sent without the echo: $(cat "$T/log2")"
[ "$(grep -c 'does not reach' "$T/co2.err")" -eq 1 ] || fail "said more than once: $(cat "$T/co2.err")"
kill $P
wait $P || true

# a slow source (its echo 1.5 s late): keys before the echo are dropped,
# but the channel does reach the display: no line says otherwise, and
# keys after the echo go through
"$BIN/xpaint" -v -t ctl3 -- "$TOOLS/xsgen" echo -u 1500000 -l "$T/log3" 2>"$T/co3.err" &
P=$!
PIDS+=($P)
waitfor 10 haswin "$D" ctl3 || fail "no window 3"
wid=$(winid "$D" ctl3)
xdotool windowfocus --sync "$wid" type --delay 20 'early'
waitfor 10 grep -q 'input enabled' "$T/co3.err" || fail "slow source never bound: $(cat "$T/co3.err")"
xdotool key z
waitfor 10 inlog "$T/log3" '^key 0x7a down' || fail "key after the slow echo not sent: $(cat "$T/log3")"
sleep 3.2 # past the 3 s after which an unbound channel is said
grep -q 'does not reach' "$T/co3.err" && fail "said the channel does not reach the display, though it did a moment later: $(cat "$T/co3.err")"
pass "control on stdout, keys/buttons/size through a coprocess after the echo, release on focus loss, refusal, a slow echo not called a refusal"
