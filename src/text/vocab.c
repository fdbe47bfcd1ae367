/*
 * vocab.c - the feature-key table of vocab.h.
 */
#include "text/vocab.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

enum { VOCAB_MAX = INT32_MAX - 1 };

/* wyhash's folded 128-bit multiply (Wang Yi): the high and low halves of a * b, xored. */
static inline uint64_t mum(uint64_t a, uint64_t b) {
  __extension__ typedef unsigned __int128 u128;
  u128 r = (u128)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t r8(const char *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

static inline uint64_t r4(const char *p) {
  uint32_t w;
  memcpy(&w, p, 4);
  return w;
}

/* wyhash's reads and mixing (final version 4): keys up to 16 bytes are read as two
 * overlapping pairs of 4-byte words (no variable-length copy), longer ones 16 bytes per
 * folded multiply; n-gram keys are mostly 2-16 bytes, so a key costs two multiplies. */
uint64_t bndl_vocab_hash(const char *p, size_t len) {
  const uint64_t s0 = 0xa0761d6478bd642full, s1 = 0xe7037ed1a0b428dbull, s2 = 0x8ebc6af09c88c6e3ull;
  uint64_t seed = s0, a, b;
  if (len <= 16) {
    if (len >= 4) {
      size_t q = (len >> 3) << 2;
      a = (r4(p) << 32) | r4(p + q);
      b = (r4(p + len - 4) << 32) | r4(p + len - 4 - q);
    } else if (len > 0) {
      a = ((uint64_t)(unsigned char)p[0] << 16) | ((uint64_t)(unsigned char)p[len >> 1] << 8) |
          (unsigned char)p[len - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = len;
    while (i > 16) {
      seed = mum(r8(p) ^ s1, r8(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = r8(p + i - 16);
    b = r8(p + i - 8);
  }
  return mum(mum(a ^ s1, b ^ seed) ^ s2, (uint64_t)len ^ s1);
}

void bndl_vocab_init(bndl_vocab *v, const bndl_allocator *a) {
  memset(v, 0, sizeof *v);
  v->alloc = a;
}

void bndl_vocab_free(bndl_vocab *v) {
  bndl_free(v->alloc, v->bytes);
  bndl_free(v->alloc, v->off);
  bndl_free(v->alloc, v->hash);
  bndl_free(v->alloc, v->slots);
  bndl_vocab_init(v, v->alloc);
}

static inline uint64_t slot_of(uint64_t hash, int64_t id) { return (hash >> 32 << 32) | (uint64_t)(id + 1); }

void bndl_vocab_clear(bndl_vocab *v) {
  /* Each key's slot is found by its exact value (never stopping at an empty slot), so
   * zeroing slots as we go cannot lose a later key: O(keys), not O(table). */
  for (int64_t id = 0; id < v->n; id++) {
    size_t i = (size_t)v->hash[id] & v->mask;
    while (v->slots[i] != slot_of(v->hash[id], id))
      i = (i + 1) & v->mask;
    v->slots[i] = 0;
  }
  v->n = 0;
  v->bytes_len = 0;
}

/* Short keys are the rule (n-grams of a few characters): compare them inline, 8 bytes
 * at a time, instead of calling memcmp. */
static inline int same_bytes(const char *a, const char *b, size_t n) {
  while (n >= 8) {
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x != y)
      return 0;
    a += 8;
    b += 8;
    n -= 8;
  }
  while (n--)
    if (*a++ != *b++)
      return 0;
  return 1;
}

int64_t bndl_vocab_find(const bndl_vocab *v, const char *key, size_t len, uint64_t hash) {
  if (v->mask == 0)
    return -1;
  uint64_t tag = hash >> 32;
  for (size_t i = (size_t)hash & v->mask;; i = (i + 1) & v->mask) {
    uint64_t s = v->slots[i];
    if (s == 0)
      return -1;
    if (s >> 32 != tag)
      continue;
    /* a tag match is the key itself but once in 2^32: check the bytes, not the hash */
    int64_t id = (int64_t)(s & 0xFFFFFFFFu) - 1;
    if ((size_t)(v->off[id + 1] - v->off[id]) == len && same_bytes(v->bytes + v->off[id], key, len))
      return id;
  }
}

static bndl_status grow_slots(bndl_vocab *v, size_t n_slots) {
  uint64_t *slots = bndl_zalloc_array(v->alloc, n_slots, sizeof *slots);
  if (slots == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  size_t mask = n_slots - 1;
  for (int64_t id = 0; id < v->n; id++) {
    size_t i = (size_t)v->hash[id] & mask;
    while (slots[i])
      i = (i + 1) & mask;
    slots[i] = slot_of(v->hash[id], id);
  }
  bndl_free(v->alloc, v->slots);
  v->slots = slots;
  v->mask = mask;
  return BNDL_OK;
}

static bndl_status grow_keys(bndl_vocab *v, int64_t need) {
  if (need <= v->cap)
    return BNDL_OK;
  int64_t cap = v->cap ? v->cap : 256;
  while (cap < need)
    cap *= 2;
  int64_t *off = bndl_realloc_array(v->alloc, v->off, v->off ? (size_t)v->n + 1 : 0, (size_t)cap + 1, sizeof *off);
  if (off == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  if (v->off == NULL)
    off[0] = 0;
  v->off = off;
  uint64_t *hash = bndl_realloc_array(v->alloc, v->hash, (size_t)v->n, (size_t)cap, sizeof *hash);
  if (hash == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  v->hash = hash;
  v->cap = cap;
  return BNDL_OK;
}

bndl_status bndl_vocab_reserve(bndl_vocab *v, int64_t n, size_t bytes) {
  BNDL_TRY(grow_keys(v, n));
  if (bytes > v->bytes_cap) {
    char *b = bndl_realloc_array(v->alloc, v->bytes, v->bytes_len, bytes, 1);
    if (b == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    v->bytes = b;
    v->bytes_cap = bytes;
  }
  size_t n_slots = 16;
  while ((int64_t)(n_slots / 2) < n)
    n_slots *= 2;
  if (n_slots > v->mask + 1)
    BNDL_TRY(grow_slots(v, n_slots));
  return BNDL_OK;
}

bndl_status bndl_vocab_insert(bndl_vocab *v, const char *key, size_t len, uint64_t hash, int64_t *id, int *added) {
  *added = 0;
  int64_t found = bndl_vocab_find(v, key, len, hash);
  if (found >= 0) {
    *id = found;
    return BNDL_OK;
  }
  BNDL_TRY(bndl_vocab_append_new(v, key, len, hash, id));
  *added = 1;
  return BNDL_OK;
}

bndl_status bndl_vocab_append_new(bndl_vocab *v, const char *key, size_t len, uint64_t hash, int64_t *id) {
  if (v->n >= VOCAB_MAX)
    return bndl_fail(BNDL_ERR_LIMIT, "more than %d distinct features", VOCAB_MAX);
  if (v->mask == 0 || (size_t)(v->n + 1) * 2 > v->mask + 1)
    BNDL_TRY(grow_slots(v, v->mask ? (v->mask + 1) * 2 : 16));
  BNDL_TRY(grow_keys(v, v->n + 1));
  if (v->bytes_len + len > v->bytes_cap) {
    size_t cap = v->bytes_cap ? v->bytes_cap : 4096;
    while (cap < v->bytes_len + len)
      cap *= 2;
    char *b = bndl_realloc_array(v->alloc, v->bytes, v->bytes_len, cap, 1);
    if (b == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    v->bytes = b;
    v->bytes_cap = cap;
  }
  if (len)
    memcpy(v->bytes + v->bytes_len, key, len);
  v->bytes_len += len;
  int64_t nid = v->n++;
  v->off[nid + 1] = (int64_t)v->bytes_len;
  v->hash[nid] = hash;
  size_t i = (size_t)hash & v->mask;
  while (v->slots[i])
    i = (i + 1) & v->mask;
  v->slots[i] = slot_of(hash, nid);
  *id = nid;
  return BNDL_OK;
}
