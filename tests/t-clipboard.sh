#!/usr/bin/env bash
# The clipboard both ways (xpaint -C both -L 8M -- xcap) with real X
# clients: xclip copies on one display and pastes on the other. CLIPBOARD
# and PRIMARY, UTF-8 text, bytes that are not UTF-8 (passed as they are),
# image/png, and 5 MB each way, which both selection owners send as INCR.
. "$(dirname "$0")/lib.sh"
command -v xclip >/dev/null || fail "xclip missing (scripts/deps)"
xvfb G 320x240
xvfb H 800x600
bg env DISPLAY="$H" "$BIN/xpaint" -v -t vm -C both -L 8M -- "$BIN/xcap" -v "$G" 2>"$T/xp.err"
waitfor 10 winid "$H" vm || fail "no xpaint window: $(cat "$T/xp.err")"
WID=$(winid "$H" vm)
DISPLAY=$H xdotool windowfocus --sync "$WID"
waitfor 10 grep -q 'xcap: clipboard on' "$T/xp.err" || fail "clipboard not negotiated: $(cat "$T/xp.err")"

# copy D SEL FILE: a real owner on display D (in the foreground, so it is killed at the end)
copy() { bg env DISPLAY="$1" xclip -quiet -selection "$2" -i "$3" >/dev/null 2>&1; }
# pasted D SEL WANT: what a client on D pastes is WANT, byte for byte
pasted() { DISPLAY=$1 timeout 10 xclip -selection "$2" -o >"$T/got" 2>/dev/null && cmp -s "$3" "$T/got"; }
# crosses FROM TO SEL FILE WHAT: FILE copied on FROM is what a client on TO pastes
crosses() {
	copy "$1" "$3" "$4"
	waitfor 10 pasted "$2" "$3" "$4" || fail "$5: $(od -c "$T/got" | head -3)"
}

printf 'guest text: caf\xc3\xa9 \xe2\x82\xac\n' >"$T/g1"
crosses "$G" "$H" clipboard "$T/g1" "guest CLIPBOARD not pasted on the host"
printf 'host text: na\xc3\xafve' >"$T/h1"
crosses "$H" "$G" clipboard "$T/h1" "host CLIPBOARD not pasted in the guest"
printf 'guest primary' >"$T/g2"
crosses "$G" "$H" primary "$T/g2" "guest PRIMARY not pasted on the host"
printf 'host primary' >"$T/h2"
crosses "$H" "$G" primary "$T/h2" "host PRIMARY not pasted in the guest"
# bytes that are not UTF-8 (and a NUL) cross unchanged, both ways
printf 'a\x80\xff\xfe\x00b\xc3(' >"$T/g3"
crosses "$G" "$H" clipboard "$T/g3" "non-UTF-8 bytes guest to host"
printf '\xc0\xaf\xed\xa0\x80z' >"$T/h3"
crosses "$H" "$G" clipboard "$T/h3" "non-UTF-8 bytes host to guest"

# image/png, both ways (netpbm makes the picture)
ppmmake red 40 30 | pnmtopng >"$T/g.png" 2>/dev/null
bg env DISPLAY="$G" xclip -quiet -selection clipboard -t image/png -i "$T/g.png" >/dev/null 2>&1
pastedpng() { DISPLAY=$1 timeout 10 xclip -selection clipboard -t image/png -o >"$T/got" 2>/dev/null && cmp -s "$2" "$T/got"; }
waitfor 10 pastedpng "$H" "$T/g.png" || fail "image/png guest to host"
ppmmake blue 30 20 | pnmtopng >"$T/h.png" 2>/dev/null
bg env DISPLAY="$H" xclip -quiet -selection clipboard -t image/png -i "$T/h.png" >/dev/null 2>&1
waitfor 10 pastedpng "$G" "$T/h.png" || fail "image/png host to guest"

# 5 MB each way: INCR from the owner, pieces on the wire, INCR to the paster
head -c 3900000 /dev/urandom | base64 -w 76 | head -c 5000000 >"$T/big"
copy "$G" clipboard "$T/big"
t0=$(date +%s%N)
waitfor 20 pasted "$H" clipboard "$T/big" || fail "5 MB guest to host: got $(wc -c <"$T/got") bytes"
t1=$(date +%s%N)
copy "$H" clipboard "$T/big"
sleep 0.2 # the new owner's offer reaches the guest
t2=$(date +%s%N)
waitfor 20 pasted "$G" clipboard "$T/big" || fail "5 MB host to guest: got $(wc -c <"$T/got") bytes"
t3=$(date +%s%N)
grep -q 'guest text\|host text' "$T/xp.err" && fail "clipboard content in the log"
pass "CLIPBOARD and PRIMARY both ways, non-UTF-8 bytes, image/png, 5 MB guest to host in $(((t1 - t0) / 1000000)) ms, host to guest in $(((t3 - t2) / 1000000)) ms"
