/*
 * vocab.h - a string -> dense id table for feature keys (n-grams).
 *
 * Ids are given in insertion order (0, 1, 2, ...) and never change, so a vocabulary
 * built by inserting in a fixed document order is the same on every run. Keys are byte
 * strings (no terminator needed, NUL allowed) kept in one arena; lookups hash with
 * bndl_vocab_hash and probe an open-addressing table (linear probing, load <= 1/2) whose
 * 64-bit slots hold id + 1 (0 = empty) and the hash's top 32 bits: a probe that meets
 * another key is almost always settled inside the table, and only a tag match reads
 * the key's bytes (scoring looks up many n-grams a model does not know). The 64-bit hash
 * of every key is kept too, so growing never rehashes bytes.
 *
 * A vocabulary is built by one thread, then read-only: lookups may run concurrently.
 */
#ifndef BNDL_TEXT_VOCAB_H
#define BNDL_TEXT_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

typedef struct bndl_vocab {
  const bndl_allocator *alloc;
  char *bytes; /* keys back to back */
  size_t bytes_len, bytes_cap;
  int64_t *off;   /* n + 1 offsets into bytes */
  uint64_t *hash; /* n */
  int64_t n, cap;
  uint64_t *slots; /* (hash >> 32) << 32 | (id + 1); 0 = empty */
  size_t mask;     /* n_slots - 1 (a power of two), 0 before the first insert */
} bndl_vocab;

/* The hash every vocabulary uses (64-bit, seedless, deterministic across runs). */
uint64_t bndl_vocab_hash(const char *key, size_t len);

void bndl_vocab_init(bndl_vocab *v, const bndl_allocator *a);
void bndl_vocab_free(bndl_vocab *v);
/* Empties v and keeps its memory for the next use (time proportional to its keys). */
void bndl_vocab_clear(bndl_vocab *v);
/* Id of key, or -1. */
int64_t bndl_vocab_find(const bndl_vocab *v, const char *key, size_t len, uint64_t hash);
/* Id of key, inserted at the end when absent (*added = 1 then). OUT_OF_MEMORY, or LIMIT
 * past 2^31 - 2 keys. */
bndl_status bndl_vocab_insert(bndl_vocab *v, const char *key, size_t len, uint64_t hash, int64_t *id, int *added);
/* Appends a key the caller knows is absent (no lookup; building from distinct keys). */
bndl_status bndl_vocab_append_new(bndl_vocab *v, const char *key, size_t len, uint64_t hash, int64_t *id);
static inline const char *bndl_vocab_key(const bndl_vocab *v, int64_t id, size_t *len) {
  *len = (size_t)(v->off[id + 1] - v->off[id]);
  return v->bytes + v->off[id];
}
/* Asks the CPU to fetch the slot where a lookup of hash starts (a lookup is one cache
 * miss at random in a large table; issuing several ahead overlaps them). */
static inline void bndl_vocab_prefetch(const bndl_vocab *v, uint64_t hash) {
  if (v->mask)
    __builtin_prefetch(&v->slots[(size_t)hash & v->mask]);
}
/* Reserves room for n keys and `bytes` key bytes (one allocation each instead of many). */
bndl_status bndl_vocab_reserve(bndl_vocab *v, int64_t n, size_t bytes);

#endif
