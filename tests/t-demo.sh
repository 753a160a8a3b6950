#!/usr/bin/env bash
# make demo in a short mode: it must print the frame rate and latency
# figures and leave a PNG of the viewer window that is not blank.
. "$(dirname "$0")/lib.sh"
[ -x "$OPTBIN/xcap" ] && [ -x "$OPTBIN/xpaint" ] || { echo "xcap/xpaint not built"; exit 77; }
BIN=$OPTBIN DEMO_SECS=3 DEMO_OUT=$T/demo.png timeout 120 "$TOP/scripts/demo" >"$T/out" 2>"$T/err" ||
	fail "demo failed: $(tail -n5 "$T/err")"
grep -Eq '^demo: frame rate: [0-9.]+ frames/s' "$T/out" || fail "no frame rate: $(cat "$T/out")"
grep -Eq '^demo: latency .*p50 [0-9.]+ ms, p99 [0-9.]+ ms' "$T/out" || fail "no latency: $(cat "$T/out")"
[ -s "$T/demo.png" ] || fail "no PNG"
pngtopnm "$T/demo.png" >"$T/demo.ppm" 2>/dev/null || fail "PNG does not decode"
head -c 20 "$T/demo.ppm" | grep -q '1920 1080' || fail "PNG is not 1920x1080"
# not blank: the picture has more than one colour (the xterms' text)
[ "$(ppmhist -noheader "$T/demo.ppm" 2>/dev/null | wc -l)" -gt 1 ] || fail "PNG is one flat colour"
pass "$(grep -o 'frame rate: [0-9.]* frames/s' "$T/out"), $(grep -o 'p50 [0-9.]* ms' "$T/out")"
