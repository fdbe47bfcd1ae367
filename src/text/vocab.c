/*
 * vocab.c - the feature-key table of vocab.h.
 */
#include "text/vocab.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

enum { VOCAB_MAX = INT32_MAX - 1 };

/* 8 bytes at a time, each word mixed by a multiply and xor-shift, then a final
 * avalanche (the splitmix64 finaliser): fast on the short keys n-grams make, and good
 * enough for linear probing. */
static inline uint64_t mix(uint64_t h) {
  h ^= h >> 31;
  h *= 0x7fb5d329728ea185ull;
  h ^= h >> 27;
  h *= 0x81dadef4bc2dd44dull;
  h ^= h >> 33;
  return h;
}

uint64_t bndl_vocab_hash(const char *key, size_t len) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (len * 0xff51afd7ed558ccdull);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, key + i, 8);
    h = (h ^ mix(w)) * 0x9E3779B97F4A7C15ull;
  }
  if (i < len) {
    uint64_t w = 0;
    memcpy(&w, key + i, len - i);
    h = (h ^ mix(w ^ 0xA5)) * 0x9E3779B97F4A7C15ull;
  }
  return mix(h);
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
  *added = 1;
  return BNDL_OK;
}
