#!/usr/bin/env bash
# The hostile-ring cases of t-ring-hostile.sh against readers that copy
# every record out of the ring first (xpaint -p, shmring -r -p: what both
# do on a guest's PCI BAR, docs/RING.md "On a PCI BAR"): the copy-out path
# must meet each case with the same documented outcome.
HOSTILE_P=-p exec bash "$(dirname "$0")/t-ring-hostile.sh"
