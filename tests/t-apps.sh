#!/usr/bin/env bash
# Conformance with real toolkit applications nobody here wrote: mousepad
# (GTK3) and featherpad (Qt5) on the guest, seamless windows through the
# ring, openbox managing the host windows:
#   guest: vsockd -l unix:CTL | shmring -w RING -- xcap -W GUEST
#   host:  xpaint -r RING -t apps -- vsockd -c unix:CTL     (openbox)
# For each: its host window shows it pixel for pixel; a menu (Alt+F) opens
# as an override-redirect host window showing what the guest shows, and
# Escape closes it; the Open dialog (Ctrl+O) comes as a host window of its
# own, transient for the editor's, a dialog (modal, its minimum size) as on
# the guest, within the host screen (GTK's is made
# 1096x856 with no guest window manager: xpaint has it fitted), and goes
# with Escape; text typed on the
# host, a word selected with Shift+Left, copied and pasted in the guest,
# then the host's clipboard pasted, reaches the file the editor saves.
. "$(dirname "$0")/lib.sh"
for t in "$BIN/xpaint" "$BIN/xcap" "$BIN/shmring" "$BIN/vsockd" "$TOOLS/xwdcmp"; do
	[ -x "$t" ] || { echo "no $t"; exit 77; }
done
for t in mousepad featherpad openbox xdotool xclip xwd xwininfo xprop; do
	command -v $t >/dev/null || { echo "no $t (scripts/deps)"; exit 77; }
done
RING=/dev/shm/xs-apps-$$
trap 'rm -f "$RING"; cleanup' EXIT
# the applications' settings stay in the test's folder, no session bus
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_CACHE_HOME=$T/home/.cache XDG_DATA_HOME=$T/home/.local
export GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 DBUS_SESSION_BUS_ADDRESS=disabled: QT_QPA_PLATFORM=xcb
mkdir -p "$HOME"

xvfb GUEST 1024x768
xvfb HOST 1024x768
export DISPLAY=$HOST
bg openbox --sm-disable --config-file /etc/xdg/openbox/rc.xml
waitfor 10 eval 'xprop -root _NET_SUPPORTING_WM_CHECK | grep -q "window id"' || fail "openbox did not start"
mkfifo "$T/rdy"
( "$BIN/vsockd" -l "unix:$T/ctl" -N 3 3>"$T/rdy" 2>"$T/l.err" |
	"$BIN/shmring" -w "$RING" -s 32M -- "$BIN/xcap" -v -W "$GUEST" 2>"$T/w.err" ) &
PIDS+=($!)
read -r -t 10 _ <"$T/rdy" || fail "guest vsockd not ready: $(cat "$T/l.err")"
waitfor 10 test -s "$RING" || fail "no ring: $(cat "$T/w.err")"
"$BIN/xpaint" -v -r "$RING" -t apps -- "$BIN/vsockd" -c "unix:$T/ctl" >/dev/null 2>"$T/xp.err" &
PIDS+=($!)
waitfor 15 grep -q 'input enabled' "$T/xp.err" || fail "input never bound: $(cat "$T/xp.err")"

gwin() { DISPLAY=$GUEST xdotool search --name "$1" 2>/dev/null | head -n1; }
hwin() { xdotool search --name "^\\[apps\\] .*$1" 2>/dev/null | head -n1; }
# same G H: guest window G shows on host window H pixel for pixel
same() {
	xwd -silent -nobdrs -id "$1" -display "$GUEST" >"$T/g.xwd" && xwd -silent -id "$2" -display "$HOST" >"$T/h.xwd" &&
		"$TOOLS/xwdcmp" "$T/g.xwd" "$T/h.xwd" >"$T/cmp.out"
}
# popup [DISPLAY]: the first mapped override-redirect top-level window
# (on the host: of ours), a menu
popup() {
	local w d=${1:-$HOST}
	for w in $(DISPLAY=$d xwininfo -root -children | awk -v h="${1:-host}" '
		$1 ~ /^0x/ && (h != "host" || $2 == "\"apps\":" || $2 ~ /^"\[apps\]/) { print $1 }'); do
		DISPLAY=$d xwininfo -id "$w" -all | grep -q 'Override Redirect State: yes' &&
			DISPLAY=$d xwininfo -id "$w" | grep -q 'Map State: IsViewable' && { echo "$w"; return 0; }
	done
	return 1
}

# app NAME FILE DIALOG CMD...: the scenario on one editor
app() {
	local n=$1 f=$T/$2 dlg=$3 g h m mx my mg d gmin modal= t0=$SECONDS
	shift 3
	printf 'one\n' >"$f"
	bg env DISPLAY="$GUEST" "$@" "$f"
	waitfor 30 eval '[ -n "$(hwin "$(basename "$f")")" ]' || fail "$n: no host window: $(tail -3 "$T/xp.err")"
	h=$(hwin "$(basename "$f")")
	g=$(gwin "$(basename "$f")")
	waitfor 20 same "$g" "$h" || fail "$n: the host window does not show the guest's: $(cat "$T/cmp.out")"
	echo "$n: up in $((SECONDS - t0)) s, pixel exact"

	# a menu
	xdotool windowactivate --sync "$h" mousemove --window "$h" 200 200 click 1
	sleep 0.5
	xdotool key alt+f
	waitfor 10 popup || fail "$n: Alt+F: no menu on the host"
	m=$(popup)
	read -r mx my < <(xwininfo -id "$m" | awk '/Absolute upper-left X/ {x=$NF} /Absolute upper-left Y/ {y=$NF} END {print x, y}')
	mg=$(xwininfo -id "$m" | awk '/Width/ {w=$NF} /Height/ {h=$NF} END {print w "x" h}')
	waitfor 10 eval 'same "$(popup "$GUEST")" "$m"' || fail "$n: the menu ($mg at $mx,$my) differs from the guest's: $(cat "$T/cmp.out")"
	xdotool key Escape
	waitfor 10 eval '! popup' || fail "$n: the menu stayed after Escape"
	echo "$n: menu $mg pixel exact, closed"

	# a dialog
	xdotool windowactivate --sync "$h" key ctrl+o
	waitfor 20 eval '[ -n "$(hwin "$dlg")" ]' || fail "$n: Ctrl+O: no host window titled '$dlg': $(xdotool search --name '^\[apps\]' getwindowname %@ 2>/dev/null | tr '\n' ';')"
	d=$(hwin "$dlg")
	xprop -id "$d" WM_TRANSIENT_FOR | grep -q "window id # $(printf 0x%x "$h")\$" || fail "$n: the dialog is not transient for the editor: $(xprop -id "$d" WM_TRANSIENT_FOR)"
	waitfor 20 same "$(gwin "$dlg")" "$d" || fail "$n: the dialog differs from the guest's: $(cat "$T/cmp.out")"
	# the guest's kind, modality and minimum size reach the host window
	xprop -id "$d" _NET_WM_WINDOW_TYPE | grep -q '_NET_WM_WINDOW_TYPE_DIALOG' ||
		fail "$n: the dialog's host window is not a dialog: $(xprop -id "$d" _NET_WM_WINDOW_TYPE)"
	gmin=$(DISPLAY=$GUEST xprop -id "$(gwin "$dlg")" WM_NORMAL_HINTS | grep 'minimum size')
	[ -z "$gmin" ] || xprop -id "$d" WM_NORMAL_HINTS | grep -qF "$gmin" ||
		fail "$n: the guest's$gmin, the host's: $(xprop -id "$d" WM_NORMAL_HINTS | grep 'minimum size')"
	if DISPLAY=$GUEST xprop -id "$(gwin "$dlg")" _NET_WM_STATE | grep -q _NET_WM_STATE_MODAL; then
		xprop -id "$d" _NET_WM_STATE | grep -q _NET_WM_STATE_MODAL || fail "$n: a modal dialog, not modal on the host"
		modal=", modal"
	fi
	read -r dw dh < <(xwininfo -id "$d" | awk '/Width/ {w=$NF} /Height/ {h=$NF} END {print w, h}')
	[ "$dw" -le 1024 ] && [ "$dh" -le 768 ] || fail "$n: the dialog is ${dw}x$dh, over the 1024x768 host screen"
	xdotool windowactivate --sync "$d" key Escape
	waitfor 10 eval '[ -z "$(hwin "$dlg")" ]' || fail "$n: the dialog stayed after Escape"
	echo "$n: dialog pixel exact, transient, a dialog$modal${gmin:+, $(echo $gmin | sed 's/program specified //')} on the host, closed"

	# typing, Shift+Left selection, copy and paste in the guest, the host's clipboard
	xdotool windowactivate --sync "$h" mousemove --window "$h" 200 200 click 1
	sleep 0.3
	xdotool key ctrl+End # after "one\n": on the empty last line
	xdotool type --delay 20 "hello world"
	xdotool key --delay 30 shift+Left shift+Left shift+Left shift+Left shift+Left ctrl+c End ctrl+v Return
	printf 'from the host %s' "$n" >"$T/clip.$n"
	bg xclip -quiet -selection clipboard -i "$T/clip.$n"
	paste_ok() { DISPLAY=$GUEST timeout 5 xclip -selection clipboard -o >"$T/got" 2>/dev/null && cmp -s "$T/clip.$n" "$T/got"; }
	waitfor 10 paste_ok || fail "$n: the host's clipboard not offered to the guest (got '$(cat "$T/got")')"
	xdotool key ctrl+v ctrl+s
	want=$(printf 'one\nhello worldworld\nfrom the host %s' "$n")
	waitfor 10 eval '[ "$(cat "$f")" = "$want" ] || [ "$(cat "$f")" = "$want"$'"'"'\n'"'"' ]' ||
		fail "$n: the editor saved '$(cat "$f")', want '$want'"
	waitfor 10 same "$g" "$h" || fail "$n: after typing the host window differs: $(cat "$T/cmp.out")"
	echo "$n: typed, selected with Shift+Left, pasted (guest and host) and saved in $((SECONDS - t0)) s"
}
app gtk3 m.txt "Open File" mousepad
app qt5 f.txt "Open file" featherpad
pass "mousepad (GTK3) and featherpad (Qt5) under openbox through the ring: menus, dialogs, Shift+arrow selection, copy and paste"
