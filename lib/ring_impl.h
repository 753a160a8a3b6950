/* Private to lib/ring_*.c: access to the shared header fields. */
#ifndef RING_IMPL_H
#define RING_IMPL_H

#include "ring.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#define store_fence() _mm_sfence()
#else
#define cpu_relax() do { } while (0)
#define store_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#define MS 1000000ull

/* Shared fields: naturally aligned, single-copy atomic loads and stores. */
static inline uint64_t ld64(const uint8_t *b, unsigned off)
{
	return __atomic_load_n((const uint64_t *)(const void *)(b + off), __ATOMIC_ACQUIRE);
}
static inline void st64(uint8_t *b, unsigned off, uint64_t v)
{
	__atomic_store_n((uint64_t *)(void *)(b + off), v, __ATOMIC_RELEASE);
}
static inline uint32_t ld32(const uint8_t *b, unsigned off)
{
	return __atomic_load_n((const uint32_t *)(const void *)(b + off), __ATOMIC_ACQUIRE);
}
static inline void st32(uint8_t *b, unsigned off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)(b + off), v, __ATOMIC_RELEASE);
}

/* Shared (not private) futexes: the two sides are different processes. */
static inline void futex_wake_all(uint8_t *b, unsigned off)
{
	syscall(SYS_futex, (uint32_t *)(void *)(b + off), FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
}
static inline int futex_wait_ns(uint8_t *b, unsigned off, uint32_t val, uint64_t ns, int private_)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	return (int)syscall(SYS_futex, (uint32_t *)(void *)(b + off), private_ ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT, val,
			    &ts, NULL, 0);
}

/* -1 when a signal interrupted the sleep (the caller's loop should look). */
static inline int sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	return nanosleep(&ts, NULL) < 0 && errno == EINTR ? -1 : 0;
}

#endif
