#!/usr/bin/env bash
# One guest shows another (docs/VM.md): two TCG guests from the image of
# `make vm` share one ivshmem file and a NIC joined straight between their
# QEMUs (-netdev socket,udp=...: no host program relays it). Guest A runs
# the guest pipeline on its X server (`vsockd -l tcp:0.0.0.0:14500 | xcap
# | shmring -w BAR -B tcp:0.0.0.0:14501`); guest B runs its own X server
# and `xpaint -r BAR -B tcp:10.0.3.1:14501 -- vsockd -c tcp:10.0.3.1:14500`
# on its own BAR, which copies every record out first (with SSE4.1
# streaming loads: guest B's CPU model has them). Guest B's viewer window
# must equal guest A's screen pixel for pixel (xwd of both guests' X
# servers through their 127.0.0.1 forwards), keys typed into guest B's
# viewer must run a command in guest A's xterm, the bell must ring between
# the guests, and killing guest A's xcap must bring the picture and the
# keys back in guest B without restarting its xpaint.
. "$(dirname "$0")/lib.sh"
need_vm
for t in xcap vsockd shmring xpaint; do [ -x "$OPTBIN/$t" ] || fail "$OPTBIN/$t missing (make all)"; done
RING=/dev/shm/xs-vm-two-$$
trap 'for e in A B; do [ -s "$T/$e.env" ] && kill "$(sed -n "s/^VM_PID=//p" "$T/$e.env")" 2>/dev/null; done; rm -f "$RING"; cleanup' EXIT

"$TOP/scripts/vm-image" "$T/vm" "$OPTBIN" "$TOOLS" 2>"$T/image.err" || fail "vm-image: $(cat "$T/image.err")"
(umask 077 && truncate -s 8M "$RING")
# the link between the guests: two UDP ports on 127.0.0.1, one per QEMU
pa=$((30000 + RANDOM % 10000)) pb=$((40000 + RANDOM % 10000))
t0=$(date +%s%3N)
# small guests, niced: two TCG guests share 2 cores with everything else
VM_MEM=384 bg nice -n 5 "$TOP/scripts/vm-boot" -i "$T/vm" -r "$RING" -g 640x480 -t 280 -l "$T/A.log" -e "$T/A.env" \
	-L "$pa:$pb:10.0.3.1"
VM_MEM=384 VM_CPU=qemu64,+ssse3,+sse4.1 bg nice -n 5 "$TOP/scripts/vm-boot" -i "$T/vm" -r "$RING" -g 800x600 -t 280 \
	-l "$T/B.log" -e "$T/B.env" -L "$pb:$pa:10.0.3.2" -V 10.0.3.1
waitfor 20 test -s "$T/A.env" -a -s "$T/B.env" || fail "vm-boot did not start QEMU: $(tail -n3 "$T/A.log" "$T/B.log")"
A=$(sed -n 's/^VM_DISPLAY=//p' "$T/A.env") B=$(sed -n 's/^VM_DISPLAY=//p' "$T/B.env")
says() { grep -aq -- "$2" "$T/$1.log"; }
lines() { grep -a 'vm:' "$T/$1.log" | tail -n "${2:-6}" | tr -d '\r'; }
waitfor 180 says A 'vm: ready' || fail "guest A did not come up: $(lines A)"
waitfor 60 says B 'vm: ready' || fail "guest B did not come up: $(lines B)"
says B 'vm: eth1 10.0.3.2' && says A 'vm: eth1 10.0.3.1' || fail "no guest-to-guest NIC: $(lines A 3; lines B 3)"
# guest B's xpaint found its BAR and copies out of it with streaming loads
waitfor 30 says B 'resource2_wc: a PCI BAR: every record is copied out of it first (SSE4.1 streaming loads)' ||
	fail "guest B's xpaint does not copy out of its BAR: $(lines B)"

waitfor 30 winid "$B" peer || fail "no viewer window in guest B: $(lines B)"
wid=$(winid "$B" peer)
settle "$A" "$B" "$wid" 90 || fail "guest B's viewer does not show guest A's screen: $(lines B)"
first=$(($(date +%s%3N) - t0))
waitfor 30 says B 'vm: xpaint: xpaint: control channel reaches this display: input enabled' ||
	fail "guest B's xpaint never enabled input: $(lines B)"
waitfor 30 says B "rings a bell on tcp:10.0.3.1:14501" || fail "guest B's xpaint never got guest A's bell: $(lines B)"

# typed TOKEN WHAT: keys typed into guest B's viewer (the pointer over guest
# A's xterm in it) must run in guest A's xterm, and B follow A's screen
typed() {
	DISPLAY=$B xdotool mousemove --window "$wid" 120 120 sleep 0.3
	DISPLAY=$B xdotool type --delay 40 "echo $1 >/tmp/typed"
	DISPLAY=$B xdotool key Return
	waitfor 40 says A "vm: typed: $1" || fail "$2: keys typed into guest B's viewer did not run in guest A: $(lines A 3; lines B 3)"
	settle "$A" "$B" "$wid" 40 || fail "$2: guest B's viewer did not follow guest A"
}
typed "k$RANDOM" "first"

# guest A's xcap killed (typed into guest A's own X server): its pipeline
# restarts, and the same xpaint in guest B shows it again and sends keys
DISPLAY=$A xdotool mousemove 120 200 sleep 0.2 type --delay 20 "kill \$(pidof xcap)"
DISPLAY=$A xdotool key Return
waitfor 60 says A 'vm: pipeline 2:' || fail "guest A's pipeline did not restart after its xcap was killed: $(lines A 3)"
waitfor 40 says B 'writer restarted (new session): resynchronised' || fail "guest B did not see the new session: $(lines B)"
settle "$A" "$B" "$wid" 60 || fail "the picture did not come back in guest B after guest A's xcap restarted: $(lines B)"
n=$(grep -ac 'input enabled' "$T/B.log")
typed "xcap$RANDOM" "after guest A's xcap restarted"
! says B 'vm: viewer 2:' || fail "guest B's xpaint ended: $(lines B)"
! says B 'corrupt' || fail "guest B saw a corrupt ring: $(grep -a corrupt "$T/B.log" | head -3)"
pass "guest B's xpaint on its own BAR (copy-out, streaming loads) shows guest A pixel-exact ($(cat "$T/cmp.out")); keys from B run in A; bell and control over the guests' own link; A's xcap restart recovered ($n input bindings); first exact picture in B $((first / 1000)).$((first % 1000 / 100)) s after both QEMUs started"
