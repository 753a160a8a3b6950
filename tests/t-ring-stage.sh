#!/usr/bin/env bash
# The copy-out reader (a guest's BAR, xpaint -p) with the writer megabytes
# ahead: its private stage stays a few MiB (main let records straddling
# the end of each 1 MiB run grow it towards the whole data area: 16 MiB
# for 12 MiB read from a 32 MiB ring), and every record reads back whole
# (stagetest).
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/stagetest" ] || { echo "no $TOOLS/stagetest"; exit 77; }
"$TOOLS/stagetest" || fail "stagetest reported failures"
pass "copy-out stage bounded, records whole"
