#!/usr/bin/env bash
# A hostile source (xsgen clip) against xpaint -C both: a clipboard that
# announces 1 TiB is refused at its first piece with one line, and xpaint's
# memory does not grow; data for a transfer never asked for is ignored;
# "no content" is said quietly; the paste on the host ends at once each
# time, and xpaint goes on painting. The source's hostile title (escape,
# BEL, newline, a bad byte, a bidi override) is shown sanitised after the
# [NAME] prefix.
. "$(dirname "$0")/lib.sh"
command -v xclip >/dev/null || fail "xclip missing (scripts/deps)"
xvfb H 800x600
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

for kind in huge unasked none; do
	bg env DISPLAY="$H" "$BIN/xpaint" -v -t "vm$kind" -C both -- "$TOOLS/xsgen" clip "$kind" -l "$T/$kind.log" \
		2>"$T/$kind.err"
	XP=$!
	waitfor 10 winid "$H" "vm$kind" || fail "$kind: no window: $(cat "$T/$kind.err")"
	waitfor 10 grep -q "^control-hello [0-9a-f]* match flags 0x1$" "$T/$kind.log" ||
		fail "$kind: no control hello with the clipboard flag: $(cat "$T/$kind.log")"
	sleep 0.3 # the source's offer is taken
	before=$(hwm $XP)
	start=$SECONDS
	rc=0
	DISPLAY=$H timeout 10 xclip -selection clipboard -o >"$T/$kind.got" 2>/dev/null || rc=$?
	[ $((SECONDS - start)) -le 5 ] || fail "$kind: the host paste took $((SECONDS - start)) s"
	grep -q '^clip-request 0 serial 1 format 0 max 1048576$' "$T/$kind.log" ||
		fail "$kind: no request with the cap: $(cat "$T/$kind.log")"
	case $kind in
	huge)
		[ $rc -ne 0 ] || fail "huge: pasted $(wc -c <"$T/huge.got") bytes"
		grep -q 'clipboard from the guest: CLIPBOARD: 1099511627776 bytes announced, over the 1048576-byte cap; not pasted' \
			"$T/huge.err" || fail "huge: no warning: $(cat "$T/huge.err")"
		[ "$(grep -c 'clipboard from the guest' "$T/huge.err")" = 1 ] || fail "huge: not one line: $(cat "$T/huge.err")"
		grow=$(($(hwm $XP) - before))
		[ $grow -lt 4096 ] || fail "huge: xpaint grew by $grow kB"
		;;
	unasked)
		printf 'guest says hi\n' | cmp -s - "$T/unasked.got" || fail "unasked: pasted $(od -c "$T/unasked.got" | head -2)"
		;;
	none)
		[ $rc -ne 0 ] || fail "none: pasted $(wc -c <"$T/none.got") bytes"
		grep -q 'over the' "$T/none.err" && fail "none: a cap warning for no content"
		;;
	esac
	kill -0 $XP || fail "$kind: xpaint ended: $(cat "$T/$kind.err")"
	kill $XP
done
# the title, sanitised: ESC, BEL, newline and the override dropped, 0xff replaced
want=$(printf '[vmt] ]0;evilx\xef\xbf\xbdyz')
bg env DISPLAY="$H" "$BIN/xpaint" -t vmt -C both -- "$TOOLS/xsgen" clip ok 2>"$T/t.err"
waitfor 10 winid "$H" vmt || fail "no window for the title"
title() { DISPLAY=$H xprop -id "$(winid "$H" vmt)" -notype _NET_WM_NAME WM_NAME; }
waitfor 10 sh -c "DISPLAY=$H xprop -id $(winid "$H" vmt) -notype _NET_WM_NAME | grep -qF '\"$want\"'" ||
	fail "title not sanitised: $(title | od -c | head -5)"
title | grep -qF "WM_NAME = \"$want\"" || fail "WM_NAME not the same: $(title)"
pass "1 TiB announced refused without growth, unasked data ignored, no content, sanitised [NAME] title"
