#!/usr/bin/env bash
# The deployment, live, in a real guest (QEMU, TCG): the guest image of
# `make vm` (built here into $T) runs Xvfb with an xterm and, restarted
# whenever it ends, the fastest composition, `vsockd -l tcp:10.0.2.15:14500
# -- shmring -w $(xs-guest-bar -g 640x480) -B tcp:10.0.2.15:14501 -- xcap
# -E :14500`: xcap writes the PCI BAR itself, its X server attached to
# resource2_wc (XS_RING_BAR), and reads the control socket vsockd hands it.
# On the host, `vsockd -c tcp:127.0.0.1:PORT -- xpaint -r RING -B
# tcp:127.0.0.1:BPORT` (user-net forwards; no vhost-vsock here) must show the
# guest's display pixel-exact (xwd of the guest X server through its
# 127.0.0.1 forward against xwd of the viewer window), keys typed into the
# viewer must run a command in the guest xterm, and killing the guest's
# xcap, then its vsockd, must bring the picture (and the keys) back without
# restarting xpaint. The bell must ring across the VM boundary (bells
# counted by xpaint) and be called again after the guest's pipeline
# restarted. The guest also proves vsock connect on its loopback.
# VM_COMPOSE=seed runs the seed's composition instead (`vsockd -l | xcap -E
# | shmring -w BAR -B`, host `xpaint -r -B -- vsockd -c`), killing xcap and
# shmring.
. "$(dirname "$0")/lib.sh"
need_vm
for t in xcap vsockd shmring; do [ -x "$OPTBIN/$t" ] || fail "$OPTBIN/$t missing (make all)"; done
RING=/dev/shm/xs-vm-live-$$
VM_PID=
trap '[ -z "$VM_PID" ] || kill "$VM_PID" 2>/dev/null; rm -f "$RING"; cleanup' EXIT

"$TOP/scripts/vm-image" "$T/vm" "$OPTBIN" "$TOOLS" 2>"$T/image.err" || fail "vm-image: $(cat "$T/image.err")"
t0=$(date +%s%3N)
bg "$TOP/scripts/vm-boot" -i "$T/vm" -r "$RING" -g 640x480 -t 280 -l "$T/vm.log" -e "$T/vm.env"
waitfor 20 test -s "$T/vm.env" || fail "vm-boot did not start QEMU: $(tail -n3 "$T/vm.log")"
. "$T/vm.env"
vm_says() { grep -aq -- "$1" "$T/vm.log"; }
vm_lines() { grep -a 'vm:' "$T/vm.log" | tail -n "${1:-8}" | tr -d '\r'; }
waitfor 150 vm_says 'vm: ready' || fail "the guest did not come up: $(vm_lines; tail -n3 "$T/vm.log")"
vm_says 'vm: bar /sys/bus/pci/devices/.*/resource2_wc' || fail "no BAR from xs-guest-bar: $(vm_lines)"
vm_says 'vm: vsock loopback ok' || fail "vsock loopback in the guest: $(vm_lines)"
# the host finder reads the running QEMU's command line
[ "$("$TOP/scripts/xs-host-find" -p "$VM_PID" -m)" = "$RING" ] || fail "xs-host-find -p did not find $RING"

compose=${VM_COMPOSE:-fast}
if [ "$compose" = fast ]; then
	# its X server captures straight into the BAR
	waitfor 60 vm_says 'vm: xcap: ' || fail "the guest's xcap said nothing: $(vm_lines)"
	vm_says 'vm: xcap: .*the X server captures straight into the ring' || fail "not captured into the BAR: $(vm_lines)"
	how=$(grep -a -m1 'vm: xcap: ' "$T/vm.log" | tr -d '\r' | sed 's/.*vm: xcap: xcap: //')
fi
xvfb VIEW 800x600
if [ "$compose" = fast ]; then
	DISPLAY=$VIEW "$BIN/vsockd" -v -c "$VM_CONTROL" -- "$BIN/xpaint" -v -r "$RING" -B "$VM_BELL" -t vmlive >/dev/null 2>"$T/xpaint.err" &
else
	DISPLAY=$VIEW "$BIN/xpaint" -v -r "$RING" -B "$VM_BELL" -t vmlive -- "$BIN/vsockd" -v -c "$VM_CONTROL" >/dev/null 2>"$T/xpaint.err" &
fi
PIDS+=($!)
xp=$!
waitfor 20 winid "$VIEW" vmlive || fail "no viewer window: $(tail -n3 "$T/xpaint.err")"
wid=$(winid "$VIEW" vmlive)
settle "$VM_DISPLAY" "$VIEW" "$wid" 60 || fail "the viewer does not show the guest's display: $(tail -n3 "$T/xpaint.err")"
first=$(($(date +%s%3N) - t0))
waitfor 30 grep -q 'input enabled' "$T/xpaint.err" || fail "xpaint never enabled input: $(tail -n3 "$T/xpaint.err")"

# type_host TEXT: keys pressed in the viewer window, the pointer over the
# guest xterm (xcap moves the guest's pointer there: its focus follows it)
type_host() {
	DISPLAY=$VIEW xdotool mousemove --window "$wid" 120 120 sleep 0.3
	DISPLAY=$VIEW xdotool type --delay 40 "$1"
	DISPLAY=$VIEW xdotool key Return
}
typed() {
	local tok=$1 what=$2
	type_host "echo $tok >/tmp/typed"
	waitfor 30 vm_says "vm: typed: $tok" || fail "$what: keys typed on the host did not run in the guest xterm: $(vm_lines 4)"
	settle "$VM_DISPLAY" "$VIEW" "$wid" 30 || fail "$what: the viewer did not follow the guest"
}
typed "k$RANDOM" "first"
# the guest's shmring rings the host's bell through the forward
bells() { kill -USR1 "$xp"; sleep 0.5; grep -o "bells [0-9]*" "$T/xpaint.err" | tail -n1 | cut -d' ' -f2; }
grep -q "rings a bell on $VM_BELL" "$T/xpaint.err" || fail "xpaint never got the guest's bell on $VM_BELL: $(grep -i bell "$T/xpaint.err")"
b1=$(bells)
[ "${b1:-0}" -gt 0 ] || fail "no bell rang from the guest: $(grep -i bell "$T/xpaint.err")"

# kill_guest PROG N: the guest's PROG killed (a command typed straight into
# the guest X server through its forward); its supervisor starts pipeline N.
bound() { [ "$(grep -c 'input enabled' "$T/xpaint.err")" -gt "$1" ]; }
kill_guest() {
	local nb
	nb=$(grep -c 'input enabled' "$T/xpaint.err")
	DISPLAY=$VM_DISPLAY xdotool mousemove 120 200 sleep 0.2 type --delay 20 "kill \$(pidof $1)"
	DISPLAY=$VM_DISPLAY xdotool key Return
	waitfor 60 vm_says "vm: pipeline $2:" || fail "the guest pipeline did not restart after killing $1: $(vm_lines 4)"
	settle "$VM_DISPLAY" "$VIEW" "$wid" 60 || fail "the picture did not come back after the guest's $1 restarted: $(tail -n3 "$T/xpaint.err")"
	# the new pipeline has a new challenge: input flows once it is bound again
	waitfor 30 bound "$nb" || fail "after $1 restarted: input never enabled again: $(tail -n3 "$T/xpaint.err")"
	typed "$1$RANDOM" "after $1 restarted"
}
kill_guest xcap 2
if [ "$compose" = fast ]; then kill_guest vsockd 3; else kill_guest shmring 3; fi
calls() { [ "$(grep -c "rings a bell on $VM_BELL" "$T/xpaint.err")" -ge 2 ]; }
waitfor 20 calls || fail "xpaint did not call the restarted shmring's bell: $(grep -i bell "$T/xpaint.err")"
typed "bell$RANDOM" "with the new bell"
b2=$(bells)
[ "${b2:-0}" -gt "$b1" ] || fail "no bell from the restarted shmring ($b1 -> ${b2:-none})"
kill -0 "$xp" || fail "xpaint exited: $(tail -n3 "$T/xpaint.err")"
kill "$xp"; wait "$xp" || fail "xpaint exited $? on SIGTERM"
boot=$(grep -a 'vm: ready at' "$T/vm.log" | sed 's/.*ready at \([0-9.]*\)s.*/\1/' | tr -d '\r')
pass "$compose composition${how:+ ($how)}: guest $VM_DISPLAY shown pixel-exact ($(cat "$T/cmp.out")), keys reach its xterm, xcap and $([ "$compose" = fast ] && echo vsockd || echo shmring) restarts recovered; bells $b1 then $b2 across the VM boundary; vsock loopback ok; guest ready at ${boot}s (kernel clock), first exact picture $((first / 1000)).$((first % 1000 / 100))s after QEMU start"
