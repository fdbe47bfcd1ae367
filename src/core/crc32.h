/*
 * crc32.h - CRC-32 (IEEE 802.3, the zlib polynomial) for file checksums.
 *
 * Our own slicing-by-8 table version, so snapshots are checked identically whether or
 * not zlib was found; it runs at about 1-2 GB/s here, well above disk speed.
 */
#ifndef BNDL_CORE_CRC32_H
#define BNDL_CORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: start with crc = 0. crc32("123456789") == 0xCBF43926. */
uint32_t bndl_crc32(uint32_t crc, const void *data, size_t n);

#endif
