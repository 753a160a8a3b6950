# Library checks: builders round-trip through the parser, bad records are
# refused with the right message, codecs round-trip and refuse mismatches.
. "$(dirname "$0")/lib.sh"
"$TOOLS/prototest" || fail "prototest reported failures"
pass "parser and codec unit checks"
