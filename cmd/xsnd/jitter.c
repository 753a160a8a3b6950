/*
 * The player's jitter buffer: how late pieces arrive, measured, and the
 * level the player keeps in the sink's buffer so that the latest of them
 * still finds sound to play.
 *
 * A piece's lateness is its arrival (the monotonic clock here) less when
 * it would have arrived had every piece come exactly one piece after the
 * one before: arrival - seq x piece, less the least of that over the last
 * two seconds (the base: the path's fixed delay, whatever the guest's
 * clock says; a window, so a sound card whose clock runs a little fast or
 * slow against ours moves it). The lateness peaks of the last
 * JIT_BUCKETS seconds set the target: a stall seen once keeps the buffer
 * deep for that long, then it shrinks again. Nothing here reads the
 * pieces' timestamps: the guest's clock need not be ours.
 */
#include "util.h"
#include "xsnd.h"

#include <string.h>

#define SEC 1000000000ull

void jit_reset(struct jitter *j)
{
	memset(j, 0, sizeof *j);
}

/* a earlier than b on a wrapping clock */
static int before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

/* A piece of piece_ns, numbered seq, arrived at now: its lateness (ns).
 * A lateness above ignore (a stall no buffer we keep would ride out: the
 * machine stopped us for longer than -L) is not a peak: one such would
 * hold the buffer at its deepest for seconds after, for nothing. */
uint64_t jit_arrive(struct jitter *j, uint64_t seq, uint64_t piece_ns, uint64_t now, uint64_t ignore)
{
	/* unsigned, wrapping: seq is the guest's; only differences are used */
	uint64_t t = now - seq * piece_ns, sec = now / SEC;
	if (!j->have) {
		memset(j, 0, sizeof *j);
		j->base[0] = j->base[1] = t, j->sec = sec, j->have = 1;
	} else if (sec != j->sec) { /* a new second: its base and peak start over */
		uint64_t gap = sec - j->sec;
		for (uint64_t i = 1; i <= gap && i <= JIT_BUCKETS; i++)
			j->peak[(j->sec + i) % JIT_BUCKETS] = 0;
		j->base[1] = gap == 1 ? j->base[0] : t;
		j->base[0] = t;
		j->sec = sec;
	}
	if (before(t, j->base[0]))
		j->base[0] = t;
	uint64_t base = before(j->base[0], j->base[1]) ? j->base[0] : j->base[1];
	uint64_t late = before(t, base) ? 0 : t - base;
	unsigned b = (unsigned)(sec % JIT_BUCKETS);
	if (late > j->peak[b] && late <= ignore)
		j->peak[b] = late;
	return late;
}

/* The level to keep ahead of the sink (ns): the worst lateness of the last
 * JIT_BUCKETS seconds and a margin, within [lo, hi]. */
uint64_t jit_target(const struct jitter *j, uint64_t margin, uint64_t lo, uint64_t hi)
{
	uint64_t worst = 0;
	for (unsigned i = 0; i < JIT_BUCKETS; i++)
		if (j->peak[i] > worst)
			worst = j->peak[i];
	uint64_t t = worst + margin;
	return t < lo ? lo : t > hi ? hi : t;
}

/* Figures for the counts: 1 ms buckets, the last for everything above. */
void hist_add(struct hist *h, uint64_t ns)
{
	uint64_t ms = ns / 1000000u;
	h->n[ms < HIST_MS ? ms : HIST_MS]++;
	h->total++;
}

/* The q-th fraction (0..1) in ms, the bucket's top: -1 when empty. */
int hist_q(const struct hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->total), seen = 0;
	if (!h->total)
		return -1;
	for (int i = 0; i <= HIST_MS; i++)
		if ((seen += h->n[i]) > want)
			return i + 1;
	return HIST_MS + 1;
}
