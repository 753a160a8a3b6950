#!/usr/bin/env bash
# t-vm-live with the seed's composition in the guest (`vsockd -l | xcap -E |
# shmring -w BAR -B`, host `xpaint -r -B -- vsockd -c`): the deployment
# runs the fast one, the seed's must keep working on a real BAR.
VM_COMPOSE=seed
export VM_COMPOSE
. "$(dirname "$0")/t-vm-live.sh"
