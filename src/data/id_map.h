/*
 * id_map.h - external string ids <-> dense indices 0..count-1.
 *
 * Indices are given in order of first appearance and never change, so a model trained
 * on a dataset can carry the map and answer in the shop's own ids. Names live in one
 * contiguous byte array (offsets[i]..offsets[i+1]-1, each NUL-terminated) so the map
 * serialises as two arrays. Lookup is an open-addressing hash table with linear probing
 * and the full 64-bit hash stored per slot, so most misses and hits never touch the
 * names. Pointers from bndl_id_map_name stay valid until the next insert.
 */
#ifndef BNDL_DATA_ID_MAP_H
#define BNDL_DATA_ID_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

typedef struct bndl_id_map {
  const bndl_allocator *alloc;
  int32_t count;
  int64_t *offsets;  /* count + 1 entries once anything was inserted */
  size_t offsets_cap;
  char *bytes;
  size_t bytes_len, bytes_cap;
  /* hash table: slot -> index + 1 (0 = empty), with the index's hash alongside */
  uint32_t *slots;
  uint64_t *slot_hash;
  size_t n_slots; /* power of two */
} bndl_id_map;

void bndl_id_map_init(bndl_id_map *m, const bndl_allocator *a);
void bndl_id_map_free(bndl_id_map *m);
/* Index of name (len bytes, no NUL needed), inserting it if new. *inserted (may be
 * NULL) tells which. BNDL_ERR_LIMIT past INT32_MAX - 1 ids. */
bndl_status bndl_id_map_intern(bndl_id_map *m, const char *name, size_t len, int32_t *index, int *inserted);
/* Index of name, or -1. */
int32_t bndl_id_map_find(const bndl_id_map *m, const char *name, size_t len);
const char *bndl_id_map_name(const bndl_id_map *m, int32_t index);
size_t bndl_id_map_name_len(const bndl_id_map *m, int32_t index);
/* Rebuilds the map from serialised arrays (offsets has count+1 entries; names are
 * checked for NUL termination, offsets for monotonicity, names for uniqueness). */
bndl_status bndl_id_map_restore(bndl_id_map *m, int32_t count, const int64_t *offsets, const char *bytes,
                                size_t bytes_len);
/* Forgets every id from index `count` on (rolls back a failed load). */
bndl_status bndl_id_map_truncate(bndl_id_map *m, int32_t count);
/* Exact deep copy. */
bndl_status bndl_id_map_copy(bndl_id_map *dst, const bndl_id_map *src);
uint64_t bndl_hash_bytes(const void *p, size_t n);

#endif
