/*
 * sort.h - stable sorts of index arrays, used to order events by time and to build
 * sorted CSR rows. Stability is what makes equal timestamps keep arrival order, so a
 * dataset's sequences are the same on every run.
 */
#ifndef BNDL_CORE_SORT_H
#define BNDL_CORE_SORT_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

/* Sorts idx[0..n) so that key[idx[i]] is non-decreasing, keeping the original order of
 * equal keys. scratch holds n entries. Merge sort with an insertion-sort base: O(n log n)
 * worst case, linear on the already sorted input that time-ordered exports give. */
void bndl_sort_idx_by_i64(uint32_t *idx, size_t n, const int64_t *key, uint32_t *scratch);
/* Same with 32-bit keys. */
void bndl_sort_idx_by_i32(uint32_t *idx, size_t n, const int32_t *key, uint32_t *scratch);
/* Stable counting sort by a small-range key (0 <= key < n_keys): fills idx (n entries)
 * and offsets (n_keys + 1). Allocation-free; O(n + n_keys). */
void bndl_counting_sort(const int32_t *key, size_t n, int32_t n_keys, uint32_t *idx, int64_t *offsets);

#endif
