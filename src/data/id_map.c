/*
 * id_map.c - interning of external ids.
 *
 * Load factor stays at or below 1/2, so linear probing averages under two probes.
 */
#include "data/id_map.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

/* A short-string hash: 8 bytes per step, multiply-xorshift mixing (the constants are
 * the 64-bit golden ratio and murmur3's finaliser), good enough for ids and fast for the
 * 5-20 byte keys typical here. */
uint64_t bndl_hash_bytes(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    s += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, s, n);
  h = (h ^ w) * 0xFF51AFD7ED558CCDull;
  h ^= h >> 32;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 29;
  return h;
}

void bndl_id_map_init(bndl_id_map *m, const bndl_allocator *a) {
  memset(m, 0, sizeof *m);
  m->alloc = a;
}

void bndl_id_map_free(bndl_id_map *m) {
  bndl_free(m->alloc, m->offsets);
  bndl_free(m->alloc, m->bytes);
  bndl_free(m->alloc, m->slots);
  bndl_free(m->alloc, m->slot_hash);
  const bndl_allocator *a = m->alloc;
  memset(m, 0, sizeof *m);
  m->alloc = a;
}

static int name_equals(const bndl_id_map *m, int32_t idx, const char *name, size_t len) {
  int64_t off = m->offsets[idx];
  return (size_t)(m->offsets[idx + 1] - off - 1) == len && memcmp(m->bytes + off, name, len) == 0;
}

static bndl_status rehash(bndl_id_map *m, size_t n_slots) {
  uint32_t *slots = bndl_zalloc_array(m->alloc, n_slots, sizeof *slots);
  uint64_t *hashes = bndl_alloc_array(m->alloc, n_slots, sizeof *hashes);
  if (slots == NULL || hashes == NULL) {
    bndl_free(m->alloc, slots);
    bndl_free(m->alloc, hashes);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  size_t mask = n_slots - 1;
  for (size_t i = 0; i < m->n_slots; i++) {
    if (m->slots[i] == 0)
      continue;
    size_t j = (size_t)m->slot_hash[i] & mask;
    while (slots[j])
      j = (j + 1) & mask;
    slots[j] = m->slots[i];
    hashes[j] = m->slot_hash[i];
  }
  bndl_free(m->alloc, m->slots);
  bndl_free(m->alloc, m->slot_hash);
  m->slots = slots;
  m->slot_hash = hashes;
  m->n_slots = n_slots;
  return BNDL_OK;
}

int32_t bndl_id_map_find(const bndl_id_map *m, const char *name, size_t len) {
  if (m->n_slots == 0)
    return -1;
  uint64_t h = bndl_hash_bytes(name, len);
  size_t mask = m->n_slots - 1;
  for (size_t j = (size_t)h & mask; m->slots[j]; j = (j + 1) & mask) {
    int32_t idx = (int32_t)m->slots[j] - 1;
    if (m->slot_hash[j] == h && name_equals(m, idx, name, len))
      return idx;
  }
  return -1;
}

/* Appends the name bytes and offset of a new index (no hashing). */
static bndl_status append_name(bndl_id_map *m, const char *name, size_t len) {
  void *p = m->offsets;
  BNDL_TRY(bndl_grow(m->alloc, &p, &m->offsets_cap, (size_t)m->count + 2, sizeof(int64_t)));
  m->offsets = p;
  p = m->bytes;
  BNDL_TRY(bndl_grow(m->alloc, &p, &m->bytes_cap, m->bytes_len + len + 1, 1));
  m->bytes = p;
  if (m->count == 0)
    m->offsets[0] = 0;
  memcpy(m->bytes + m->bytes_len, name, len);
  m->bytes[m->bytes_len + len] = '\0';
  m->bytes_len += len + 1;
  m->offsets[m->count + 1] = (int64_t)m->bytes_len;
  return BNDL_OK;
}

bndl_status bndl_id_map_intern(bndl_id_map *m, const char *name, size_t len, int32_t *index, int *inserted) {
  if ((size_t)(m->count + 1) * 2 > m->n_slots)
    BNDL_TRY(rehash(m, m->n_slots ? m->n_slots * 2 : 64));
  uint64_t h = bndl_hash_bytes(name, len);
  size_t mask = m->n_slots - 1;
  size_t j = (size_t)h & mask;
  for (; m->slots[j]; j = (j + 1) & mask) {
    int32_t idx = (int32_t)m->slots[j] - 1;
    if (m->slot_hash[j] == h && name_equals(m, idx, name, len)) {
      *index = idx;
      if (inserted)
        *inserted = 0;
      return BNDL_OK;
    }
  }
  if (m->count >= INT32_MAX - 1)
    return bndl_fail(BNDL_ERR_LIMIT, "more than %d distinct ids", INT32_MAX - 1);
  BNDL_TRY(append_name(m, name, len));
  m->slots[j] = (uint32_t)m->count + 1;
  m->slot_hash[j] = h;
  *index = m->count++;
  if (inserted)
    *inserted = 1;
  return BNDL_OK;
}

const char *bndl_id_map_name(const bndl_id_map *m, int32_t index) { return m->bytes + m->offsets[index]; }

size_t bndl_id_map_name_len(const bndl_id_map *m, int32_t index) {
  return (size_t)(m->offsets[index + 1] - m->offsets[index] - 1);
}

bndl_status bndl_id_map_restore(bndl_id_map *m, int32_t count, const int64_t *offsets, const char *bytes,
                                size_t bytes_len) {
  bndl_id_map_free(m);
  if (count < 0 || (count > 0 && offsets[0] != 0) || (count == 0 && bytes_len != 0))
    return bndl_fail(BNDL_ERR_FORMAT, "id map: bad count %d or first offset", count);
  for (int32_t i = 0; i < count; i++) {
    int64_t a = offsets[i], b = offsets[i + 1];
    if (b <= a || (uint64_t)b > bytes_len || bytes[b - 1] != '\0')
      return bndl_fail(BNDL_ERR_FORMAT, "id map: name %d spans bytes %lld..%lld of %zu (not increasing, "
                       "past the end or not NUL-terminated)", i, (long long)a, (long long)b, bytes_len);
    if (memchr(bytes + a, '\0', (size_t)(b - a - 1)) != NULL)
      return bndl_fail(BNDL_ERR_FORMAT, "id map: name %d holds a NUL byte", i);
  }
  if (count > 0 && (uint64_t)offsets[count] != bytes_len)
    return bndl_fail(BNDL_ERR_FORMAT, "id map: names end at %lld but %zu bytes are stored",
                     (long long)offsets[count], bytes_len);
  bndl_status st = BNDL_OK;
  for (int32_t i = 0; i < count && st == BNDL_OK; i++) {
    int32_t idx;
    int inserted;
    st = bndl_id_map_intern(m, bytes + offsets[i], (size_t)(offsets[i + 1] - offsets[i] - 1), &idx, &inserted);
    if (st == BNDL_OK && !inserted)
      st = bndl_fail(BNDL_ERR_FORMAT, "id map: name %d ('%s') repeats name %d", i, bytes + offsets[i], idx);
  }
  if (st != BNDL_OK)
    bndl_id_map_free(m);
  return st;
}

bndl_status bndl_id_map_copy(bndl_id_map *dst, const bndl_id_map *src) {
  bndl_id_map_init(dst, src->alloc);
  if (src->count == 0)
    return BNDL_OK;
  return bndl_id_map_restore(dst, src->count, src->offsets, src->bytes, src->bytes_len);
}

bndl_status bndl_id_map_truncate(bndl_id_map *m, int32_t count) {
  if (count >= m->count)
    return BNDL_OK;
  /* Clear the table and re-insert the kept names; ids keep their indices. */
  memset(m->slots, 0, m->n_slots * sizeof *m->slots);
  size_t mask = m->n_slots - 1;
  for (int32_t i = 0; i < count; i++) {
    uint64_t h = bndl_hash_bytes(bndl_id_map_name(m, i), bndl_id_map_name_len(m, i));
    size_t j = (size_t)h & mask;
    while (m->slots[j])
      j = (j + 1) & mask;
    m->slots[j] = (uint32_t)i + 1;
    m->slot_hash[j] = h;
  }
  m->count = count;
  m->bytes_len = count ? (size_t)m->offsets[count] : 0;
  return BNDL_OK;
}
