#!/usr/bin/env bash
# lib/handover.c's receiver (xcap's and xpaint's end of vsockd's socketpair)
# against a sender that passes too many descriptors or one where none is
# due: refused, and nothing stays open (handovertest).
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/handovertest" ] || { echo "no $TOOLS/handovertest"; exit 77; }
"$TOOLS/handovertest" || fail "handovertest reported failures"
pass "hand-over receiver: extra or unwanted descriptors closed"
