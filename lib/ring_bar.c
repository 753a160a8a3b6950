/*
 * The ring on a PCI BAR (a guest's ivshmem resource2_wc, docs/RING.md "On
 * a PCI BAR"): telling one from a file, the checks that a disabled device
 * needs, and the reader's copy-out. Inside a guest the BAR is mapped
 * write-combining (or uncached): a plain load from it is not cached, each
 * one a separate trip to memory, so a reader that parsed records and
 * handed pixels to its X server in place would pay that per access, again
 * and again. It copies each stretch out once instead, with streaming loads
 * (SSE4.1 MOVNTDQA), which fetch a whole 64-byte line per trip from WC
 * memory, and works on the private copy.
 */
#include "ring_impl.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif

int ring_bar_dir(const char *path, char *dir, size_t n)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	if (strncmp(b, "resource", 8) || !isdigit((unsigned char)b[8]) || (b[9] && strcmp(b + 9, "_wc")))
		return 0;
	snprintf(dir, n, "%.*s", (int)(b - path), path);
	return 1;
}

int ring_bar_is(const char *path, int fd)
{
	struct statfs fs;
	char dir[4096];
	return ring_bar_dir(path, dir, sizeof dir) || (fstatfs(fd, &fs) == 0 && fs.f_type == SYSFS_MAGIC);
}

int ring_bar_disabled(const char *path, char *err, size_t n)
{
	char dir[4096], f[4200], v[8] = "";
	if (!ring_bar_dir(path, dir, sizeof dir))
		return 0;
	snprintf(f, sizeof f, "%senable", dir);
	int fd = open(f, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t r = read(fd, v, sizeof v - 1);
	close(fd);
	if (r <= 0 || v[0] != '0')
		return 0;
	snprintf(err, n, "%s: the PCI device is not enabled (%s reads 0: memory decode is off and writes would "
		 "vanish); enable it as root: echo 1 > %s", path, f, f);
	return 1;
}

int ring_bar_ones(const char *path, const uint8_t *base, char *err, size_t n)
{
	char dir[4096];
	if (!ring_bar_dir(path, dir, sizeof dir))
		return 0;
	for (size_t i = 0; i < 64; i++)
		if (base[i] != 0xff)
			return 0;
	snprintf(err, n, "%s: the BAR reads back as all ones (0xff...): memory decode is off or the device is gone; "
		 "enable it as root: echo 1 > %senable", path, dir);
	return 1;
}

#if defined(__x86_64__) || defined(__i386__)
/*
 * MOVNTDQA, four to a 64-byte line: from WC memory the first load of a line
 * fills a streaming-load buffer with the whole line and the next three are
 * served from it; from WB memory (RAM, or a BAR the hypervisor maps WB) it
 * is an ordinary load. src must be 16-byte aligned. The stores go to
 * private memory the caller reads next: ordinary, cached stores.
 */
__attribute__((target("sse4.1"))) static void load_stream(uint8_t *dst, const uint8_t *src, size_t n)
{
	/* WC reads are weakly ordered: fence so that they see every store the
	 * writer made before the producer position we read (Intel SDM,
	 * MOVNTDQA), and so no stale streaming-load buffer is used */
	_mm_mfence();
	for (; n >= 64; n -= 64, dst += 64, src += 64) {
		__m128i a = _mm_stream_load_si128((__m128i *)(uintptr_t)src);
		__m128i b = _mm_stream_load_si128((__m128i *)(uintptr_t)(src + 16));
		__m128i c = _mm_stream_load_si128((__m128i *)(uintptr_t)(src + 32));
		__m128i d = _mm_stream_load_si128((__m128i *)(uintptr_t)(src + 48));
		_mm_storeu_si128((__m128i *)(void *)dst, a);
		_mm_storeu_si128((__m128i *)(void *)(dst + 16), b);
		_mm_storeu_si128((__m128i *)(void *)(dst + 32), c);
		_mm_storeu_si128((__m128i *)(void *)(dst + 48), d);
	}
	for (; n >= 16; n -= 16, dst += 16, src += 16)
		_mm_storeu_si128((__m128i *)(void *)dst, _mm_stream_load_si128((__m128i *)(uintptr_t)src));
	memcpy(dst, src, n);
}

static int have_sse41(void)
{
	static int have = -1;
	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("sse4.1") && !getenv("XS_NO_STREAM_LOAD");
	}
	return have;
}
#endif

int ring_load_streaming(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return have_sse41();
#else
	return 0;
#endif
}

void ring_load_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
#if defined(__x86_64__) || defined(__i386__)
	if (have_sse41()) {
		size_t head = (16 - ((uintptr_t)src & 15)) & 15;
		if (head > n)
			head = n;
		memcpy(dst, src, head);
		load_stream(dst + head, src + head, n - head);
		return;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
	memcpy(dst, src, n); /* plain loads: one bus trip each on WC memory */
}
