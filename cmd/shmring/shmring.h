/* shmring: the frame stream into (-w) and out of (-r) a shared-memory ring. */
#ifndef SHMRING_H
#define SHMRING_H

#include <signal.h>
#include <stdint.h>

extern volatile sig_atomic_t stop_signal;

/* Guest side: stdin into the ring at path; create_size nonzero creates it.
 * linger_s: after EOF keep serving snapshots to new readers this long. */
int run_writer(const char *path, uint64_t create_size, unsigned linger_s);
/* Host side: the ring at path to stdout. */
int run_reader(const char *path);

#endif
