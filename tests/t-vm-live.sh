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
# Sound crosses the VM boundary (docs/AUDIO.md): the guest runs its own
# PulseAudio (xs.sound=on: a null sink, and xcap -A 'xsnd -c' in the
# pipeline); a known signal (0.4 s of noise from audgen) played with paplay
# in the guest's xterm must be in the host's sink (a PulseAudio started here,
# xpaint's player xsnd -p), sample-exact in a parecord of its monitor, and
# again with the same xpaint after the guest's pipeline restarted; the
# player's lateness figures are printed, not asserted (TCG).
# VM_COMPOSE=seed runs the seed's composition instead (`vsockd -l | xcap -E
# | shmring -w BAR -B`, host `xpaint -r -B -- vsockd -c`), killing xcap and
# shmring, without sound.
. "$(dirname "$0")/lib.sh"
need_vm
for t in xcap vsockd shmring xsnd; do [ -x "$OPTBIN/$t" ] || fail "$OPTBIN/$t missing (make all)"; done
for t in "$BIN/xsnd" "$TOOLS/audgen" "$TOOLS/pcmcmp"; do [ -x "$t" ] || fail "$t missing (make check builds it)"; done
RING=/dev/shm/xs-vm-live-$$
VM_PID=
trap '[ -z "$VM_PID" ] || kill "$VM_PID" 2>/dev/null; rm -f "$RING"; cleanup' EXIT
compose=${VM_COMPOSE:-fast}
sound=off player=()
if [ "$compose" = fast ]; then
	sound=on
	pulse HS # the host's sound server: xpaint's player plays into its null sink xs
	player=(-a "$BIN/xsnd -p -v -l 500 -L 1000") # room for a TCG guest: its capture alone is 70 ms late at p50 and past 200 ms at p90
fi

"$TOP/scripts/vm-image" "$T/vm" "$OPTBIN" "$TOOLS" 2>"$T/image.err" || fail "vm-image: $(cat "$T/image.err")"
t0=$(date +%s%3N)
bg env VM_SOUND=$sound "$TOP/scripts/vm-boot" -i "$T/vm" -r "$RING" -g 640x480 -t 280 -l "$T/vm.log" -e "$T/vm.env"
waitfor 20 test -s "$T/vm.env" || fail "vm-boot did not start QEMU: $(tail -n3 "$T/vm.log")"
. "$T/vm.env"
vm_says() { grep -aq -- "$1" "$T/vm.log"; }
vm_lines() { grep -a 'vm:' "$T/vm.log" | tail -n "${1:-8}" | tr -d '\r'; }
waitfor 150 vm_says 'vm: ready' || fail "the guest did not come up: $(vm_lines; tail -n3 "$T/vm.log")"
vm_says 'vm: bar /sys/bus/pci/devices/.*/resource2_wc' || fail "no BAR from xs-guest-bar: $(vm_lines)"
vm_says 'vm: vsock loopback ok' || fail "vsock loopback in the guest: $(vm_lines)"
# the host finder reads the running QEMU's command line
[ "$("$TOP/scripts/xs-host-find" -p "$VM_PID" -m)" = "$RING" ] || fail "xs-host-find -p did not find $RING"

if [ "$compose" = fast ]; then
	# its X server captures straight into the BAR
	waitfor 60 vm_says 'vm: xcap: ' || fail "the guest's xcap said nothing: $(vm_lines)"
	vm_says 'vm: xcap: .*the X server captures straight into the ring' || fail "not captured into the BAR: $(vm_lines)"
	how=$(grep -a -m1 'vm: xcap: ' "$T/vm.log" | tr -d '\r' | sed 's/.*vm: xcap: xcap: //')
fi
xvfb VIEW 800x600
if [ "$compose" = fast ]; then
	DISPLAY=$VIEW PULSE_SERVER=$HS "$BIN/vsockd" -v -c "$VM_CONTROL" -- "$BIN/xpaint" -v -r "$RING" -B "$VM_BELL" \
		-t vmlive "${player[@]}" >/dev/null 2>"$T/xpaint.err" &
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
if [ "$compose" = seed ]; then # both vsockd hand their sockets over: a key crosses no process between
	grep -q 'the control command hands over its connections' "$T/xpaint.err" || fail "vsockd -c kept the records: $(tail -n3 "$T/xpaint.err")"
	waitfor 30 vm_says 'vm: control: ' || fail "the guest said nothing of its control path: $(vm_lines)"
	vm_says 'vm: control: xcap: control: vsockd hands its connections down the pipe' || fail "the guest's vsockd kept the records: $(vm_lines)"
fi

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

# heard: the guest's xterm plays a known signal (typed straight into the
# guest's X server through its forward); it must be in the host's sink,
# exactly. Up to three takes, each its own noise (a take's late pieces are
# never taken for the next one's): a piece that comes later than the
# player's buffer (a stall of the shared machine or of the TCG guest)
# breaks one take; a path that changes samples, or none, fails all.
heard() {
	local take seed rp
	for take in 1 2 3; do
		seed=$RANDOM$take
		"$TOOLS/audgen" noise "$seed" 400 >"$T/noise.raw"
		PULSE_SERVER=$HS parecord --raw --format=s16le --rate=48000 --channels=2 --latency-msec=20 -d xs.monitor \
			>"$T/snd.rec" &
		rp=$!
		sleep 0.3
		DISPLAY=$VM_DISPLAY xdotool mousemove 120 200 sleep 0.2 type --delay 20 \
			"audgen noise $seed 400 100 | paplay --raw --rate=48000; echo snd$seed:\$? >/tmp/typed"
		DISPLAY=$VM_DISPLAY xdotool key Return
		waitfor 60 vm_says "vm: typed: snd$seed:" || fail "sound: paplay in the guest did not finish: $(vm_lines 4)"
		vm_says "vm: typed: snd$seed:0" || fail "sound: paplay in the guest failed: $(vm_lines 4)"
		sleep 2.5 # the tail's way: the guest's capture, the ring, the player's buffer (500 ms up to 1 s)
		kill -INT $rp
		wait $rp || true
		if "$TOOLS/pcmcmp" "$T/noise.raw" "$T/snd.rec" >"$T/snd.cmp"; then
			echo "sound: $(cat "$T/snd.cmp") (take $take)"
			return 0
		fi
		echo "sound, take $take: $(cat "$T/snd.cmp")"
	done
	grep -q 'sound: playing with' "$T/xpaint.err" || fail "sound did not cross the VM boundary: no stream with sound came (xcap -A in the guest?): $(vm_lines 3)"
	fail "sound did not cross the VM boundary: $(cat "$T/snd.cmp"); $(grep 'xsnd\|sound' "$T/xpaint.err" | tail -n3)"
}
if [ "$sound" = on ]; then
	vm_says 'vm: sound: pulseaudio up' || fail "no sound server in the guest: $(vm_lines)"
	heard
	# the player's figures since it started (lateness: arrival against
	# an even pace, clock-free; its capture-to-player time compares two
	# machines' clocks and is left out)
	pkill -USR1 -P "$(pgrep -P "$xp" -x sh)" -x xsnd || true # xpaint runs sh -c 'xsnd -p ...'
	waitfor 5 grep -q 'since the last counts' "$T/xpaint.err" || true
	late=$(sed -n 's/.*since the last counts: \(lateness [^;]*\);.*\(level as a piece came [^;]*\);.*/\1, \2/p' "$T/xpaint.err" | tail -n1)
	echo "sound through the TCG guest, the player: ${late:-no figures}; $(grep 'pieces,' "$T/xpaint.err" | tail -n1 | sed 's/.*xsnd: //')"
fi
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
[ "$sound" != on ] || heard # the third pipeline's xsnd -c, the same xpaint and player
b2=$(bells)
[ "${b2:-0}" -gt "$b1" ] || fail "no bell from the restarted shmring ($b1 -> ${b2:-none})"
kill -0 "$xp" || fail "xpaint exited: $(tail -n3 "$T/xpaint.err")"
kill "$xp"; wait "$xp" || fail "xpaint exited $? on SIGTERM"
boot=$(grep -a 'vm: ready at' "$T/vm.log" | sed 's/.*ready at \([0-9.]*\)s.*/\1/' | tr -d '\r')
pass "$compose composition${how:+ ($how)}: guest $VM_DISPLAY shown pixel-exact ($(cat "$T/cmp.out")), keys reach its xterm,$([ "$sound" = on ] && echo " its paplay's sound in the host's sink sample-exact (and after the restarts),") xcap and $([ "$compose" = fast ] && echo vsockd || echo shmring) restarts recovered; bells $b1 then $b2 across the VM boundary; vsock loopback ok; guest ready at ${boot}s (kernel clock), first exact picture $((first / 1000)).$((first % 1000 / 100))s after QEMU start"
