/*
 * secfile.c - writing and checking the sectioned container of secfile.h.
 *
 * Every field of the header and table is read with memcpy (the buffer may be unaligned)
 * and every sum of file-provided numbers is overflow-checked before it is compared.
 */
#include "core/secfile.h"

#include <stdio.h>
#include <string.h>

#include "bundle/bundle_version.h"
#include "core/alloc.h"
#include "core/crc32.h"
#include "core/error.h"

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#  define CHECK_CRC 0 /* so a fuzzer reaches the parsers behind the checksums (R5) */
#else
#  define CHECK_CRC 1
#endif

static void tag_text(uint32_t tag, char out[5]) {
  for (int k = 0; k < 4; k++) {
    char c = (char)((tag >> (8 * k)) & 0xFF);
    out[k] = c >= 0x20 && c < 0x7F ? c : '?';
  }
  out[4] = '\0';
}

bndl_status bndl_secfile_encode(const bndl_allocator *a, const bndl_secfile_kind *kind,
                                const bndl_secfile_section *s, int n, char **out, size_t *len) {
  if (n < 1 || n > BNDL_SECFILE_MAX_SECTIONS)
    return bndl_fail(BNDL_ERR_INTERNAL, "a %s file needs 1..%d sections, not %d", kind->what,
                     BNDL_SECFILE_MAX_SECTIONS, n);
  uint64_t offsets[BNDL_SECFILE_MAX_SECTIONS];
  uint64_t pos = BNDL_SECFILE_HEADER_SIZE + (uint64_t)n * BNDL_SECFILE_ENTRY_SIZE;
  for (int i = 0; i < n; i++) {
    pos = (pos + BNDL_SECFILE_ALIGN - 1) / BNDL_SECFILE_ALIGN * BNDL_SECFILE_ALIGN;
    offsets[i] = pos;
    if (__builtin_add_overflow(pos, s[i].length, &pos) || pos > SIZE_MAX)
      return bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "a %s file would exceed the address space", kind->what);
  }
  char *buf = bndl_zalloc(a, (size_t)pos);
  if (buf == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  char *table = buf + BNDL_SECFILE_HEADER_SIZE;
  for (int i = 0; i < n; i++) {
    if (s[i].length)
      memcpy(buf + offsets[i], s[i].data, (size_t)s[i].length);
    uint32_t crc = bndl_crc32(0, buf + offsets[i], (size_t)s[i].length);
    char *ent = table + (size_t)i * BNDL_SECFILE_ENTRY_SIZE;
    memcpy(ent, &s[i].tag, 4);
    memcpy(ent + 4, &crc, 4);
    memcpy(ent + 8, &offsets[i], 8);
    memcpy(ent + 16, &s[i].length, 8);
    memcpy(ent + 24, &s[i].count, 8);
  }
  uint16_t major = kind->major, minor = kind->minor;
  uint32_t header_size = BNDL_SECFILE_HEADER_SIZE, endian = BNDL_SECFILE_ENDIAN_MARK, n_sec = (uint32_t)n;
  memcpy(buf, kind->magic, 8);
  memcpy(buf + 8, &major, 2);
  memcpy(buf + 10, &minor, 2);
  memcpy(buf + 12, &header_size, 4);
  memcpy(buf + 16, &endian, 4);
  memcpy(buf + 20, &n_sec, 4);
  memcpy(buf + 24, &pos, 8);
  snprintf(buf + 32, 24, "libbundle %s", BNDL_VERSION_STRING);
  uint32_t table_crc = bndl_crc32(0, table, (size_t)n * BNDL_SECFILE_ENTRY_SIZE);
  memcpy(buf + 56, &table_crc, 4);
  uint32_t header_crc = bndl_crc32(0, buf, 60);
  memcpy(buf + 60, &header_crc, 4);
  *out = buf;
  *len = (size_t)pos;
  return BNDL_OK;
}

static bndl_status corrupt(const bndl_secfile_kind *k, const char *label, const char *what) {
  return bndl_fail(BNDL_ERR_FORMAT, "'%s' is not a valid libbundle %s file: %s", label, k->what, what);
}

bndl_status bndl_secfile_parse(const bndl_secfile_kind *k, const void *data, size_t len, const char *label,
                               bndl_secfile *f) {
  const char *b = data;
  memset(f, 0, sizeof *f);
  f->label = label;
  if (len < BNDL_SECFILE_HEADER_SIZE)
    return corrupt(k, label, "shorter than its 64-byte header (truncated?)");
  if (memcmp(b, k->magic, 8) != 0)
    return corrupt(k, label, "wrong magic bytes");
  uint32_t header_crc, table_crc, header_size, endian, n_sec;
  uint16_t major, minor;
  uint64_t file_size;
  memcpy(&major, b + 8, 2);
  memcpy(&minor, b + 10, 2);
  memcpy(&header_size, b + 12, 4);
  memcpy(&endian, b + 16, 4);
  memcpy(&n_sec, b + 20, 4);
  memcpy(&file_size, b + 24, 8);
  memcpy(&table_crc, b + 56, 4);
  memcpy(&header_crc, b + 60, 4);
  if (CHECK_CRC && bndl_crc32(0, b, 60) != header_crc)
    return corrupt(k, label, "header checksum mismatch");
  if (endian != BNDL_SECFILE_ENDIAN_MARK)
    return bndl_fail(BNDL_ERR_UNSUPPORTED, "'%s' was written on a big-endian machine; this reader is little-endian",
                     label);
  char producer[25];
  memcpy(producer, b + 32, 24);
  producer[24] = '\0';
  for (int i = 0; i < 24; i++)
    if (producer[i] && (producer[i] < 0x20 || producer[i] > 0x7E))
      producer[i] = '?';
  if (major != k->major && k->newer_minors)
    return bndl_fail(BNDL_ERR_VERSION, "'%s' has %s format %u.%u (written by %s); this libbundle %s reads format "
                     "%u.x",
                     label, k->what, major, minor, producer, BNDL_VERSION_STRING, k->major);
  if (major != k->major || (minor > k->minor && !k->newer_minors))
    return bndl_fail(BNDL_ERR_VERSION, "'%s' has %s format %u.%u (written by %s); this libbundle %s reads format "
                     "%u.0 to %u.%u",
                     label, k->what, major, minor, producer, BNDL_VERSION_STRING, k->major, k->major, k->minor);
  if (header_size != BNDL_SECFILE_HEADER_SIZE)
    return corrupt(k, label, "unexpected header size");
  if (file_size != len)
    return bndl_fail(BNDL_ERR_FORMAT, "'%s' is %zu bytes but its header says %llu (truncated or padded)", label, len,
                     (unsigned long long)file_size);
  if (n_sec == 0 || n_sec > BNDL_SECFILE_MAX_SECTIONS)
    return corrupt(k, label, "section count outside 1..64");
  uint64_t table_end = BNDL_SECFILE_HEADER_SIZE + (uint64_t)n_sec * BNDL_SECFILE_ENTRY_SIZE;
  if (table_end > len)
    return corrupt(k, label, "section table runs past the end of the file");
  if (CHECK_CRC && bndl_crc32(0, b + BNDL_SECFILE_HEADER_SIZE, (size_t)n_sec * BNDL_SECFILE_ENTRY_SIZE) != table_crc)
    return corrupt(k, label, "section table checksum mismatch");
  uint64_t prev_end = table_end;
  for (uint32_t i = 0; i < n_sec; i++) {
    const char *ent = b + BNDL_SECFILE_HEADER_SIZE + (size_t)i * BNDL_SECFILE_ENTRY_SIZE;
    uint32_t tag, crc;
    uint64_t off, length, count, end;
    memcpy(&tag, ent, 4);
    memcpy(&crc, ent + 4, 4);
    memcpy(&off, ent + 8, 8);
    memcpy(&length, ent + 16, 8);
    memcpy(&count, ent + 24, 8);
    char t[5];
    tag_text(tag, t);
    if (off % BNDL_SECFILE_ALIGN || off < prev_end || __builtin_add_overflow(off, length, &end) || end > len)
      return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s at offset %llu, %llu bytes, lies outside the file or "
                       "overlaps another", label, t, (unsigned long long)off, (unsigned long long)length);
    if (bndl_secfile_find(f, tag))
      return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s appears twice", label, t);
    /* The writer pads with zeros: anything else there is damage, even if no reader uses it. */
    for (uint64_t p = prev_end; p < off; p++)
      if (b[p] != 0)
        return bndl_fail(BNDL_ERR_FORMAT, "'%s': non-zero padding byte at offset %llu before section %s", label,
                         (unsigned long long)p, t);
    if (CHECK_CRC && bndl_crc32(0, b + off, (size_t)length) != crc)
      return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s checksum mismatch (corrupt data)", label, t);
    f->sec[f->n].tag = tag;
    f->sec[f->n].data = b + off;
    f->sec[f->n].length = length;
    f->sec[f->n].count = count;
    f->n++;
    prev_end = end;
  }
  if (prev_end != len)
    return corrupt(k, label, "bytes after the last section");
  f->major = major;
  f->minor = minor;
  return BNDL_OK;
}

const bndl_secfile_section *bndl_secfile_find(const bndl_secfile *f, uint32_t tag) {
  for (int i = 0; i < f->n; i++)
    if (f->sec[i].tag == tag)
      return &f->sec[i];
  return NULL;
}

bndl_status bndl_secfile_only(const bndl_secfile *f, const bndl_secfile_kind *k, const uint32_t *tags, int n) {
  for (int i = 0; i < f->n; i++) {
    int known = 0;
    for (int j = 0; j < n && !known; j++)
      known = f->sec[i].tag == tags[j];
    if (!known) {
      char t[5];
      tag_text(f->sec[i].tag, t);
      return bndl_fail(BNDL_ERR_FORMAT, "'%s': unknown section %s in a %s %u.%u file", f->label, t, k->what,
                       f->major, f->minor);
    }
  }
  return BNDL_OK;
}

bndl_status bndl_secfile_any_array(const bndl_secfile *f, const bndl_secfile_kind *k, uint32_t tag, size_t elem,
                                   const void **out, uint64_t *count) {
  const bndl_secfile_section *s = bndl_secfile_find(f, tag);
  char t[5];
  tag_text(tag, t);
  if (s == NULL)
    return bndl_fail(BNDL_ERR_FORMAT, "'%s': the %s file has no section %s", f->label, k->what, t);
  uint64_t bytes;
  if (__builtin_mul_overflow(s->count, (uint64_t)elem, &bytes) || bytes != s->length)
    return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s holds %llu elements in %llu bytes, not %zu bytes each",
                     f->label, t, (unsigned long long)s->count, (unsigned long long)s->length, elem);
  *out = s->data;
  *count = s->count;
  return BNDL_OK;
}

bndl_status bndl_secfile_array(const bndl_secfile *f, const bndl_secfile_kind *k, uint32_t tag, uint64_t count,
                               size_t elem, const void **out) {
  uint64_t have = 0;
  BNDL_TRY(bndl_secfile_any_array(f, k, tag, elem, out, &have));
  if (have != count) {
    char t[5];
    tag_text(tag, t);
    return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s holds %llu elements, expected %llu", f->label, t,
                     (unsigned long long)have, (unsigned long long)count);
  }
  return BNDL_OK;
}
