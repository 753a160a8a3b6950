/*
 * The shared-memory ring (docs/RING.md): one header page, then a data area
 * holding frame-stream records. The guest side writes (shmring -w), the host
 * side reads (shmring -r, xpaint -r) and trusts nothing it finds there.
 *
 * Header page layout (little endian; each hot field on its own cache line):
 *   0  u32 magic "XRNG" (written last)   4 u32 version
 *   8  u64 size of the whole mapping    16 u64 data offset (4096)
 *  24  u64 data length                  32 u8[16] session id (random per writer start)
 *  64  u64 producer position  (writer)  72 u64 writer heartbeat (writer)
 * 128  u64 consumer position  (reader) 136 u64 reader heartbeat (reader)
 * 144  u64 reader attach count (reader; the writer answers with a snapshot)
 * Data area: records start at positions p with p % 64 == 32, so a rect's
 * pixels (8-byte header + 24-byte rect header later) are 64-byte aligned.
 * A record that would cross the end is replaced by a wrap marker (a header
 * of type RING_WRAP) and written at the start of the next lap.
 */
#ifndef RING_H
#define RING_H

#include "proto.h"

#include <stddef.h>
#include <stdint.h>

#define RING_MAGIC 0x474e5258u /* "XRNG" */
#define RING_VERSION 1u
#define RING_HDR 4096u
#define RING_ALIGN 64u
#define RING_SKEW 32u          /* record start offset within an aligned block */
#define RING_WRAP 0xffffu      /* header type of the wrap marker */
#define RING_HB_MS 100u        /* heartbeat period */
#define RING_DEAD_MS 1000u     /* no heartbeat for this long: the peer is gone */

enum { RING_OFF_MAGIC = 0, RING_OFF_VERSION = 4, RING_OFF_SIZE = 8, RING_OFF_DATA = 16, RING_OFF_DATALEN = 24,
       RING_OFF_SESSION = 32, RING_OFF_PROD = 64, RING_OFF_WHB = 72, RING_OFF_CONS = 128, RING_OFF_RHB = 136,
       RING_OFF_ATTACH = 144 };

/* Smallest ring that holds a w x h surface comfortably: stride*h*3 + 4 MiB,
 * rounded up to a power of two (as Looking Glass advises). */
uint64_t ring_size_for(uint32_t w, uint32_t h);

#endif
