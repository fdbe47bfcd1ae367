/*
 * secfile.h - a sectioned, checksummed, versioned binary container: the dataset
 * snapshot's layout (data/snapshot_format.h) made reusable for other file kinds (the text
 * classifier's model file is the first user).
 *
 *   offset 0   header, 64 bytes, little-endian:
 *              magic (8 bytes, per file kind) | u16 major | u16 minor | u32 header_size (64)
 *              | u32 endian mark 0x01020304 | u32 n_sections | u64 file_size
 *              | char producer[24] ("libbundle X.Y.Z", NUL padded)
 *              | u32 crc32 of the section table | u32 crc32 of header bytes 0..59
 *   offset 64  section table: n_sections x {u32 tag, u32 crc32, u64 offset, u64 length,
 *              u64 count}
 *   then       the payloads in table order, each on a 64-byte boundary, zero padding
 *              between them and nothing after the last.
 *
 * The reader trusts nothing: header CRC, endianness, version (its own major, any minor up
 * to its own, or any minor when the kind says newer_minors; otherwise BNDL_ERR_VERSION
 * naming both versions), the declared file size,
 * the table CRC, every section inside the file, in order, non-overlapping, 64-aligned,
 * no duplicate tags, zero padding, each payload's CRC. After a successful parse every
 * section is a byte range inside the buffer, so a caller that checks a count against its
 * section's length (bndl_secfile_array) can never be made to allocate more than the file
 * holds (TARGETS.md R10).
 */
#ifndef BNDL_CORE_SECFILE_H
#define BNDL_CORE_SECFILE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

enum { BNDL_SECFILE_HEADER_SIZE = 64, BNDL_SECFILE_ENTRY_SIZE = 32, BNDL_SECFILE_ALIGN = 64,
       BNDL_SECFILE_MAX_SECTIONS = 64 };
#define BNDL_SECFILE_ENDIAN_MARK 0x01020304u
#define BNDL_SECFILE_TAG(a, b, c, d) \
  ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))

/* One kind of file: its magic, the version this build writes and reads, and its name in
 * messages ("text model"). */
typedef struct bndl_secfile_kind {
  const char *magic; /* exactly 8 bytes */
  uint16_t major, minor;
  const char *what;
  /* 1: a newer minor of the same major is read too (the kind promises that later minors
   * only append sections and entries an older reader may ignore); 0: refused. */
  int newer_minors;
} bndl_secfile_kind;

typedef struct bndl_secfile_section {
  uint32_t tag;
  const void *data;
  uint64_t length; /* bytes */
  uint64_t count;  /* elements (arrays) or bytes (blobs) */
} bndl_secfile_section;

/* Lays the sections out into one zero-initialised buffer (caller frees with a). */
bndl_status bndl_secfile_encode(const bndl_allocator *a, const bndl_secfile_kind *kind,
                                const bndl_secfile_section *sections, int n_sections, char **out, size_t *len);

/* A parsed file: views into the caller's buffer, valid while it lives. */
typedef struct bndl_secfile {
  const char *label;
  uint16_t major, minor;
  int n;
  bndl_secfile_section sec[BNDL_SECFILE_MAX_SECTIONS];
} bndl_secfile;

/* Parses and checks the container (see the top of this file). FORMAT for damage,
 * VERSION for another major or a newer minor, UNSUPPORTED for a big-endian file.
 * `label` names the file in messages. */
bndl_status bndl_secfile_parse(const bndl_secfile_kind *kind, const void *data, size_t len, const char *label,
                               bndl_secfile *out);
/* The section with that tag, or NULL. */
const bndl_secfile_section *bndl_secfile_find(const bndl_secfile *f, uint32_t tag);
/* FORMAT unless every tag of the file is among tags[0..n). */
bndl_status bndl_secfile_only(const bndl_secfile *f, const bndl_secfile_kind *kind, const uint32_t *tags, int n);
/* The section as an array of exactly `count` elements of `elem` bytes (FORMAT if it is
 * missing or its count or length disagree). */
bndl_status bndl_secfile_array(const bndl_secfile *f, const bndl_secfile_kind *kind, uint32_t tag, uint64_t count,
                               size_t elem, const void **out);
/* The section as an array of `elem`-byte elements of any count (FORMAT if missing or
 * inconsistent); *count receives it. */
bndl_status bndl_secfile_any_array(const bndl_secfile *f, const bndl_secfile_kind *kind, uint32_t tag, size_t elem,
                                   const void **out, uint64_t *count);

#endif
