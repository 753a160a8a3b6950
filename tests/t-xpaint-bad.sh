#!/usr/bin/env bash
# xpaint on hostile input: each broken stream from xsgen gives one line on
# stderr naming the record, its offset and what was wrong, and exit 65;
# no sanitizer report. Without -x the window keeps the last whole frame
# until it is closed, then the exit status is still 65.
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/xsgen" ] || fail "build/tools/xsgen missing (make build/tools/xsgen)"
xvfb D
export DISPLAY=$D

declare -A want=(
	[truncated]='rect record at offset 112 truncated'
	[trunchdr]='truncated record header at offset 112'
	[magic]='hello record at offset 0: bad magic'
	[version]='hello record at offset 0: version 2.1'
	[type]='unknown record (type 42, length 4) at offset 112: unknown record type'
	[length]='frame record (type 3, length 23) at offset 112: length does not fit its type'
	[flags]='frame record (type 3, length 24) at offset 112: nonzero flags'
	[first]='rect record at offset 0: the stream must begin with a hello'
	[outside]='rect record at offset 112: rect 10x10+315+0 outside the 320x240 surface'
	[zero]='hello record at offset 0: zero surface size'
	[huge]='hello record at offset 0: surface larger than the limits (20000x240)'
	[overflow]='hello record at offset 0: surface larger than the limits (65536x65536)'
	[zerorect]='rect record at offset 112: rect size 0x5'
	[rawlen]='rect record at offset 112: raw rect 4x4 needs 64 payload bytes, has 60'
	[solidpayload]='rect record at offset 112: solid rect with 4 payload bytes'
	[lz4size]='rect record at offset 112: lz4 payload decodes to 1024 bytes, 32x16 needs 2048'
	[lz4corrupt]='rect record at offset 112: lz4 payload'
	[jpegdim]='rect record at offset 112: jpeg is 16x16, its rect is 32x16'
	[rects]='rect record at offset 2097264: more than 65536 rects in one frame'
	[cursor]='cursor record (type 4, length 360020) at offset 112: length does not fit its type'
	[hotspot]='cursor record at offset 112: cursor hotspot 9,0 outside 4x4'
	[control]='key record at offset 112: a control record in the frame stream'
	[hflags]='hello record at offset 0: hello flags 0x20: feature bits 0x20 unknown to this reader'
	[winplain]='window record at offset 112: a window record in a stream without seamless windows'
	[winid]='window record at offset 80: window id 0'
	[winflags]='window record at offset 80: window flags 0x6: unknown bits'
	[winrect]='rect record at offset 116: a rect before any window-rects record in a seamless stream'
	[cliprange]='clip-data record at offset 112: clipboard piece of 8 bytes at offset 0 outside its 4-byte total'
	[clipsel]='clip-offer record at offset 112: selection 5 or formats 0x1 unknown'
	[titlelen]='title record (type 9, length 1025) at offset 112: length does not fit its type'
)
n=0
for k in $("$TOOLS/xsgen" bad); do
	[ -n "${want[$k]:-}" ] || fail "no expected message for bad kind $k"
	"$TOOLS/xsgen" bad "$k" >"$T/$k.xcs"
	rc=0
	timeout 20 "$BIN/xpaint" -x <"$T/$k.xcs" >/dev/null 2>"$T/$k.err" || rc=$?
	[ $rc -eq 65 ] || fail "$k: exit $rc, want 65: $(head -c 2000 "$T/$k.err")"
	[ "$(wc -l <"$T/$k.err")" -eq 1 ] || fail "$k: not one line: $(cat "$T/$k.err")"
	grep -qF "xpaint: ${want[$k]}" "$T/$k.err" || fail "$k: got '$(cat "$T/$k.err")', want '${want[$k]}'"
	n=$((n + 1))
done
[ $n -ge 30 ] || fail "only $n bad kinds"

# empty input: no hello at all
rc=0
"$BIN/xpaint" -x </dev/null >/dev/null 2>"$T/empty.err" || rc=$?
[ $rc -eq 65 ] && grep -q 'ended before a hello' "$T/empty.err" || fail "empty stream: exit $rc: $(cat "$T/empty.err")"

# without -x: the last whole frame stays on screen, exit 65 when closed
"$TOOLS/xsgen" bad outside -o "$T/exp.xwd" >"$T/o.xcs"
"$BIN/xpaint" -t badkeep <"$T/o.xcs" >/dev/null 2>"$T/keep.err" &
P=$!
PIDS+=($P)
waitfor 10 haswin "$D" badkeep || fail "no window"
wid=$(winid "$D" badkeep)
waitfor 10 grep -q outside "$T/keep.err" || fail "no error line without -x"
sleep 0.3
kill -0 $P || fail "xpaint left without -x before the window was closed"
xwd -silent -id "$wid" >"$T/got.xwd"
"$TOOLS/xwdcmp" "$T/exp.xwd" "$T/got.xwd" >"$T/cmp" || fail "picture after the error: $(cat "$T/cmp")"
xdotool windowclose "$wid" 2>/dev/null || true
rc=0
wait $P || rc=$?
[ $rc -eq 65 ] || fail "window closed after a bad record: exit $rc, want 65"
pass "$n broken streams, empty stream, window kept after an error"
