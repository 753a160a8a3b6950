#!/usr/bin/env bash
# Seamless windows (xcap -W), through a pipe and through the ring:
#   pipe:  xpaint -t guest -- xcap -W GUEST
#   ring:  vsockd -l unix:CTL | shmring -w RING -- xcap -W GUEST
#          xpaint -r RING -b red -w 3 -t ring -- vsockd -c unix:CTL
# Two xterms and an xclock on the guest appear as three host windows, each
# pixel exact and titled "[NAME] title"; a window moved on the guest moves
# on the host, and one moved on the host moves on the guest; keys typed
# into one host window reach that guest window only; an override-redirect
# menu (xterm's Ctrl+button 1 menu) appears where the guest shows it, pixel
# exact, and goes with it; WM_DELETE_WINDOW on a host window closes the
# guest window and then the host one. A second hello of the same source
# (a ring attach) keeps the host windows and the keys flowing.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$BIN/vsockd" "$TOOLS/xwdcmp" "$TOOLS/xsgen" "$TOOLS/ringgen"; do
	[ -x "$t" ] || { echo "no $t"; exit 77; }
done
for t in xterm xclock xdotool xwd xwininfo; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done
RING=/dev/shm/xs-seamless-$$
trap 'rm -f "$RING"; cleanup' EXIT

xvfb GUEST 800x600
xvfb HOST 1024x768

# abs DISPLAY WID: "X Y" of the window's inside (xwininfo's corner is outside its X border).
abs() {
	DISPLAY=$1 xwininfo -id "$2" |
		awk '/Absolute upper-left X/ {x=$NF} /Absolute upper-left Y/ {y=$NF} /Border width/ {b=$NF} END {print x+b, y+b}'
}
# same WIN: the guest window titled WIN equals its host window, inside the border.
same() {
	local g h
	g=$(winid "$GUEST" "$1") && h=$(winid "$HOST" "\\[$PRE\\] $1") || return 1
	xwd -silent -nobdrs -id "$g" -display "$GUEST" >"$T/g.xwd" && xwd -silent -id "$h" -display "$HOST" >"$T/h.xwd" &&
		"$TOOLS/xwdcmp" "$T/g.xwd" "$T/h.xwd" -b "$BW,$BW" >"$T/cmp.out"
}
# at WIN: the host window of WIN sits where the guest has it (less the border).
at() {
	local g h gp hp
	g=$(winid "$GUEST" "$1") && h=$(winid "$HOST" "\\[$PRE\\] $1") || return 1
	read -r gx gy < <(abs "$GUEST" "$g")
	read -r hx hy < <(abs "$HOST" "$h")
	[ "$((gx - BW)) $((gy - BW))" = "$hx $hy" ]
}
count() { DISPLAY=$HOST xdotool search --name "^\\[$PRE\\] " 2>/dev/null | wc -l; }
# the host window titled NAME alone: the menu, which has no title (xdotool search misses it)
menu() { DISPLAY=$HOST xwininfo -root -children | awk -v n="\"$PRE\":" '$2 == n { print $1; exit }'; }
has_menu() { [ -n "$(menu)" ]; }

# checks MODE: the whole scenario on fresh guest clients.
checks() {
	local m=$1 a b ga gb hb
	: >"$T/a.$m" && : >"$T/b.$m"
	local n0=${#PIDS[@]}
	bg env DISPLAY="$GUEST" xterm -geometry 30x6+10+10 -title "a$m" -e sh -c "exec cat >$T/a.$m"
	bg env DISPLAY="$GUEST" xterm -geometry 30x6+10+200 -bg navy -fg yellow -title "b$m" -e sh -c "exec cat >$T/b.$m"
	bg env DISPLAY="$GUEST" xclock -geometry 120x120+500+20 -title "c$m"
	CLIENTS=("${PIDS[@]:$n0}")
	for w in "a$m" "b$m" "c$m"; do
		waitfor 10 winid "$GUEST" "$w" || fail "$m: guest $w did not map"
		waitfor 15 same "$w" || fail "$m: $w not pixel exact on the host: $(cat "$T/cmp.out" 2>/dev/null) $(tail -3 "$T/xp.$m.err")"
		waitfor 5 at "$w" || fail "$m: $w not where the guest has it: guest $(abs "$GUEST" "$(winid "$GUEST" "$w")"), host $(abs "$HOST" "$(winid "$HOST" "\\[$PRE\\] $w")")"
	done
	[ "$(count)" -eq 3 ] || fail "$m: $(count) host windows, want 3"

	# the guest moves one; the host moves another
	ga=$(winid "$GUEST" "a$m")
	DISPLAY=$GUEST xdotool windowmove "$ga" 300 330
	waitfor 10 at "a$m" || fail "$m: moved on the guest, not on the host"
	waitfor 10 same "a$m" || fail "$m: a moved: $(cat "$T/cmp.out")"
	hb=$(winid "$HOST" "\\[$PRE\\] b$m")
	DISPLAY=$HOST xdotool windowmove "$hb" 40 420
	gb=$(winid "$GUEST" "b$m")
	waitfor 10 eval '[ "$(abs "$GUEST" "$gb")" = "$((40 + BW)) $((420 + BW))" ]' ||
		fail "$m: moved on the host to 40,420, the guest has it at $(abs "$GUEST" "$gb")"
	waitfor 10 same "b$m" || fail "$m: b moved: $(cat "$T/cmp.out")"

	# keys into one host window reach that guest window only, once input is
	# bound (keys before the echo of our nonce are dropped by design); no
	# second hello may come and lose them (a ring reader that attached
	# before xcap's first hello once got a second one 250 ms later)
	waitfor 10 grep -q "input enabled" "$T/xp.$m.err" || fail "$m: input never bound: $(tail -3 "$T/xp.$m.err")"
	hb=$(winid "$HOST" "\\[$PRE\\] b$m")
	DISPLAY=$HOST xdotool windowfocus --sync "$(winid "$HOST" "\\[$PRE\\] a$m")"
	DISPLAY=$HOST xdotool key h i Return
	waitfor 10 grep -qx hi "$T/a.$m" || fail "$m: typed into a, a has '$(cat "$T/a.$m")'"
	DISPLAY=$HOST xdotool windowfocus --sync "$hb"
	DISPLAY=$HOST xdotool key y o Return
	waitfor 10 grep -qx yo "$T/b.$m" || fail "$m: typed into b, b has '$(cat "$T/b.$m")'"
	[ "$(cat "$T/a.$m")" = hi ] || fail "$m: a got b's keys: '$(cat "$T/a.$m")'"
	[ "$(grep -c "hello: version" "$T/xp.$m.err")" -eq 1 ] || fail "$m: $(grep -c "hello: version" "$T/xp.$m.err") hellos, want 1"
	waitfor 10 same "b$m" || fail "$m: b after typing: $(cat "$T/cmp.out")"

	# xterm's menu: an override-redirect window, shown where the guest has it
	DISPLAY=$GUEST xdotool mousemove --window "$ga" 30 30 keydown ctrl mousedown 1
	waitfor 10 has_menu || fail "$m: no host window for the menu: $(DISPLAY=$HOST xwininfo -root -children | grep -v "^$"; DISPLAY=$GUEST xwininfo -root -children)"
	local mw g
	mw=$(menu)
	DISPLAY=$HOST xwininfo -id "$mw" -all | grep -q 'Override Redirect State: yes' || fail "$m: the menu is not override-redirect"
	read -r mx my < <(abs "$HOST" "$mw")
	g=$(DISPLAY=$HOST xwininfo -id "$mw" | awk '/Width/ {w=$NF} /Height/ {h=$NF} END {print w-2*'"$BW"' "x" h-2*'"$BW"'}')
	menu_same() {
		xwd -silent -root -display "$GUEST" >"$T/gr.xwd" && xwd -silent -root -display "$HOST" >"$T/hr.xwd" &&
			"$TOOLS/xwdcmp" "$T/gr.xwd" "$T/hr.xwd" -a "$((mx + BW)),$((my + BW))" -b "$((mx + BW)),$((my + BW))" -s "$g" >"$T/cmp.out"
	}
	waitfor 10 menu_same || fail "$m: menu $g at $mx,$my differs: $(cat "$T/cmp.out")"
	DISPLAY=$GUEST xdotool mouseup 1 keyup ctrl
	waitfor 10 eval '! has_menu' || fail "$m: the menu stayed on the host"

	# WM_DELETE_WINDOW on the host window of b: the guest xterm closes, then the host window goes
	DISPLAY=$HOST "$TOOLS/xsgen" close "$hb" </dev/null
	waitfor 10 eval '! winid "$GUEST" "b$m"' || fail "$m: closed on the host, the guest window stayed"
	waitfor 10 eval '! winid "$HOST" "\\[$PRE\\] b$m"' || fail "$m: the host window stayed after the guest one went"
	[ "$(count)" -eq 2 ] || fail "$m: $(count) host windows after the close, want 2"
	echo "$m: 3 windows pixel exact, moves both ways, keys to one window, menu, close"
}

# through a pipe, no border
PRE=guest BW=0
DISPLAY=$HOST "$BIN/xpaint" -v -t guest -- "$BIN/xcap" -v -W "$GUEST" >/dev/null 2>"$T/xp.pipe.err" &
XP=$!
PIDS+=($XP)
checks pipe
kill $XP "${CLIENTS[@]}" 2>/dev/null
wait $XP 2>/dev/null || true
waitfor 10 eval '[ "$(count)" -eq 0 ]' || fail "pipe: xpaint gone, $(count) host windows left"

# through the ring, control over a unix socket, a red border of 3
PRE=ring BW=3
mkfifo "$T/rdy"
( "$BIN/vsockd" -l "unix:$T/ctl" -N 3 3>"$T/rdy" 2>"$T/l.err" |
	"$BIN/shmring" -w "$RING" -s 16M -- "$BIN/xcap" -v -W "$GUEST" 2>"$T/w.err" ) &
PIDS+=($!)
read -r -t 10 _ <"$T/rdy" || fail "guest vsockd not ready: $(cat "$T/l.err")"
waitfor 10 test -s "$RING" || fail "no ring: $(cat "$T/w.err")"
DISPLAY=$HOST "$BIN/xpaint" -v -r "$RING" -b red -w 3 -t ring -- "$BIN/vsockd" -c "unix:$T/ctl" >/dev/null 2>"$T/xp.ring.err" &
PIDS+=($!)
checks ring

# the same source says hello again (the attach count bumped, as a new ring
# reader does): the host window of a stays, and keys go on reaching it
ha=$(winid "$HOST" "\\[ring\\] aring")
n=$("$TOOLS/ringgen" hdr "$RING" attach)
"$TOOLS/ringgen" poke "$RING" 144 "$(printf '%02x' $((n + 1)))00000000000000"
waitfor 5 eval '[ "$(grep -c "hello: version" "$T/xp.ring.err")" -eq 2 ]' || fail "ring: no second hello after an attach"
waitfor 5 eval '[ "$(grep -c "control hello accepted" "$T/w.err")" -ge 2 ]' || fail "ring: no second control hello"
DISPLAY=$HOST xdotool windowfocus --sync "$ha" key k Return
waitfor 10 grep -qx k "$T/a.ring" || fail "ring: typed into a after a second hello, a has '$(cat "$T/a.ring")'"
[ "$(winid "$HOST" "\\[ring\\] aring")" = "$ha" ] || fail "ring: the host window of a was made again at the second hello"
waitfor 5 same aring || fail "ring: a after the second hello: $(cat "$T/cmp.out")"
[ "$(count)" -eq 2 ] || fail "ring: $(count) host windows after the second hello, want 2"
grep -q 'seamless: ' "$T/w.err" || fail "xcap did not say it runs seamless: $(cat "$T/w.err")"
pass "seamless windows through a pipe and through the ring"
