/*
 * Unit checks of warn_limited (lib/util.c): a kind is the call site and
 * the message's text without its numbers, decimal or hex (0x...), so a
 * flood of one message about many windows or keysyms is one line and a
 * count, and a different message at the same site is still said at once.
 * Writes the lines to stderr (captured by t-warn-limited.sh, which counts
 * them); exits 0.
 */
#include "util.h"

#include <stdio.h>

static struct warn_limit site;

int main(int argc, char **argv)
{
	(void)argc;
	set_argv0(argv[0]);
	/* one kind, ids that differ in hex letters as a guest's window ids do */
	for (unsigned i = 0; i < 40; i++)
		warn_limited(&site, "window 0x%x: geometry 10x%u: dropped", 0xa0000u + (i % 6 + 10) * 0x1111u + i, i);
	warn_limited(&site, "window 0x%x: a different refusal", 0xfeedu); /* a second kind: said */
	warn_limited(&site, "keysym 0x%x: unmappable", 0xabcdu);        /* a third: said */
	fflush(stderr);
	return 0;
}
