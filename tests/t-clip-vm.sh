#!/usr/bin/env bash
# The clipboard through the VM composition: the guest pipeline
# (vsockd -l | shmring -w RING -- xcap) and the host's xpaint -r RING --
# vsockd -c, a unix socket standing in for vsock. Records of the new types
# pass the ring reader's header checks and vsockd's (16 KiB pieces); 300 kB
# each way arrives byte for byte, and the guest's title is prefixed.
. "$(dirname "$0")/lib.sh"
command -v xclip >/dev/null || fail "xclip missing (scripts/deps)"
xvfb G 320x240
xvfb H 800x600
( "$BIN/vsockd" -l "unix:$T/c.sock" 2>"$T/vl.err" |
	DISPLAY=$G "$BIN/shmring" -w "$T/ring" -s 8M -- "$BIN/xcap" "$G" 2>"$T/g.err" ) &
PIDS+=($!)
waitfor 10 test -S "$T/c.sock" || fail "no control socket: $(cat "$T/vl.err")"
waitfor 10 test -s "$T/ring" || fail "no ring: $(cat "$T/g.err")"
bg env DISPLAY="$H" "$BIN/xpaint" -v -t vm -C both -r "$T/ring" -- "$BIN/vsockd" -c "unix:$T/c.sock" 2>"$T/xp.err"
waitfor 10 winid "$H" vm || fail "no window: $(cat "$T/xp.err")"
WID=$(winid "$H" vm)
DISPLAY=$H xdotool windowfocus --sync "$WID"
waitfor 10 grep -q 'input enabled' "$T/xp.err" || fail "not bound: $(cat "$T/xp.err" "$T/g.err")"
copy() { bg env DISPLAY="$1" xclip -quiet -selection "$2" -i "$3" >/dev/null 2>&1; }
pasted() { DISPLAY=$1 timeout 10 xclip -selection "$2" -o >"$T/got" 2>/dev/null && cmp -s "$3" "$T/got"; }
head -c 230000 /dev/urandom | base64 -w 80 | head -c 300000 >"$T/a"
copy "$G" clipboard "$T/a"
waitfor 15 pasted "$H" clipboard "$T/a" || fail "guest to host through the ring: $(wc -c <"$T/got") bytes: $(cat "$T/xp.err")"
tr 'a-z' 'A-Z' <"$T/a" >"$T/b"
copy "$H" clipboard "$T/b"
waitfor 15 pasted "$G" clipboard "$T/b" || fail "host to guest through vsockd: $(wc -c <"$T/got") bytes: $(cat "$T/g.err")"
bg env DISPLAY="$G" xterm -geometry 20x4+10+10 -title gt -e 'exec sleep 300'
waitfor 10 winid "$G" gt || fail "guest xterm"
DISPLAY=$G xdotool windowfocus --sync "$(winid "$G" gt)"
waitfor 10 sh -c "DISPLAY=$H xprop -id $WID _NET_WM_NAME | grep -qF '\"[vm] gt\"'" || fail "title through the ring"
pass "300 kB each way through shmring and vsockd, [vm] title through the ring"
