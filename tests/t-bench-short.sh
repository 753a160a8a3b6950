#!/usr/bin/env bash
# make bench in its short mode (BENCH_SHORT=1): it must run and write a
# well-formed table and JSON. It never checks a time.
. "$(dirname "$0")/lib.sh"
[ -x "$OPTBIN/xcap" ] && [ -x "$OPTBIN/xpaint" ] || { echo "xcap/xpaint not built"; exit 77; }
out=$T/bench
BIN=$OPTBIN BENCH_SHORT=1 BENCH_OUT=$out timeout 300 "$TOP/scripts/bench" >"$T/out" 2>"$T/err" ||
	fail "bench failed: $(tail -n5 "$T/err")"
[ -s "$out/results.json" ] && [ -s "$out/results.md" ] || fail "no results.json / results.md"
# JSON: parses, and every figure has the fields, numbers where numbers go
if command -v jq >/dev/null; then
	jq -e '.figures | length > 0' "$out/results.json" >/dev/null || fail "results.json: not JSON or no figures"
	jq -e '[.figures[] | (.system|type) == "string" and (.workload|type) == "string" and (.metric|type) == "string"
		and (.median|type) == "number" and (.min <= .median) and (.median <= .max) and (.runs|length) == .n] | all' \
		"$out/results.json" >/dev/null || fail "results.json: a figure is malformed"
	for w in square full-1920x1080 frames-1920x1080@60 idle; do
		jq -e --arg w "$w" '[.figures[] | select(.workload == $w)] | length > 0' "$out/results.json" >/dev/null ||
			fail "results.json: no figures for workload $w"
	done
	jq -e '[.figures[] | select(.system == "limit")] | length > 0' "$out/results.json" >/dev/null ||
		fail "results.json: no limit figures"
	jq -e '[.figures[] | select(.system == "seamless" and (.workload == "square" or .workload == "key"))] | length > 0' \
		"$out/results.json" >/dev/null || fail "results.json: no seamless figures"
else
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["figures"]' "$out/results.json" ||
		fail "results.json does not parse"
fi
# tables (the figures, then the compositions): a header, a separator, and
# rows with their header's column count
grep -q '^| workload |' "$out/results.md" || fail "results.md: no table header"
grep -q '^| composition | workload |' "$out/results.md" || fail "results.md: no compositions table"
rows=0 cols=0
while IFS= read -r l; do
	n=$(printf '%s' "$l" | tr -cd '|' | wc -c)
	case $l in
	'| workload |'* | '| composition |'*) cols=$n; continue ;;
	esac
	[ "$n" -eq "$cols" ] || fail "results.md: bad row: $l"
	rows=$((rows + 1))
done < <(grep '^| ' "$out/results.md")
[ $rows -ge 5 ] || fail "results.md: only $rows rows"
pass "$rows rows, $(jq '.figures | length' "$out/results.json" 2>/dev/null) figures"
