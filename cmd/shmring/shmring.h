/* shmring: the frame stream into (-w) and out of (-r) a shared-memory ring. */
#ifndef SHMRING_H
#define SHMRING_H

#include <signal.h>
#include <stdint.h>

extern volatile sig_atomic_t stop_signal;
extern volatile sig_atomic_t stats_signal; /* SIGUSR1: print the counters */

/* Guest side: stdin into the ring at path; create_size nonzero creates it.
 * linger_s: after EOF keep serving snapshots to new readers this long.
 * privcopy: records through private memory even into a /dev/shm file.
 * cmd: exec it to write the ring itself instead (the ring's fd in
 * XS_RING_FD); the stdin stream is then not read. */
int run_writer(const char *path, uint64_t create_size, unsigned linger_s, int privcopy, const char *bell, char **cmd,
	       int copy_only);
/* Host side: the ring at path to stdout; exit_bye: exit 0 after a bye;
 * copyout: copy records out of the ring first (-p; automatic on a PCI BAR). */
int run_reader(const char *path, int exit_bye, int copyout);

#endif
