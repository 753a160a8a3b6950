#!/usr/bin/env bash
# warn_limited (lib/util.c): a flood of one message whose numbers differ
# (hex window ids included) is its first line, then counted; two other
# messages at the same site are each said at once (warntest).
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/warntest" ] || { echo "no $TOOLS/warntest"; exit 77; }
"$TOOLS/warntest" 2>"$T/w.err" || fail "warntest failed: $(cat "$T/w.err")"
n=$(grep -c 'geometry' "$T/w.err" | tr -d ' ')
# the first line, and the rest counted at exit (one line with the latest and a count)
[ "$n" -le 2 ] || fail "one kind said $n times: $(cat "$T/w.err")"
grep -q 'a different refusal' "$T/w.err" || fail "the second kind not said: $(cat "$T/w.err")"
grep -q 'keysym 0xabcd: unmappable' "$T/w.err" || fail "the third kind not said: $(cat "$T/w.err")"
pass "warn_limited: hex ids do not make new kinds; other kinds said"
