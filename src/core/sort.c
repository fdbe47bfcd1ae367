/*
 * sort.c - stable merge sorts of index arrays and a counting sort.
 */
#include "core/sort.h"

#include <string.h>

enum { INSERTION_CUTOFF = 24 };

#define DEFINE_STABLE_SORT(NAME, KEY_T)                                                          \
  static void NAME##_insertion(uint32_t *idx, size_t n, const KEY_T *key) {                      \
    for (size_t i = 1; i < n; i++) {                                                             \
      uint32_t v = idx[i];                                                                       \
      KEY_T k = key[v];                                                                          \
      size_t j = i;                                                                              \
      while (j > 0 && key[idx[j - 1]] > k) {                                                     \
        idx[j] = idx[j - 1];                                                                     \
        j--;                                                                                     \
      }                                                                                          \
      idx[j] = v;                                                                                \
    }                                                                                            \
  }                                                                                              \
  static void NAME##_rec(uint32_t *idx, size_t n, const KEY_T *key, uint32_t *tmp) {             \
    if (n <= INSERTION_CUTOFF) {                                                                 \
      NAME##_insertion(idx, n, key);                                                             \
      return;                                                                                    \
    }                                                                                            \
    size_t h = n / 2;                                                                            \
    NAME##_rec(idx, h, key, tmp);                                                                \
    NAME##_rec(idx + h, n - h, key, tmp);                                                        \
    if (key[idx[h - 1]] <= key[idx[h]])                                                          \
      return; /* already in order: the common case for time-ordered input */                   \
    memcpy(tmp, idx, h * sizeof *idx);                                                           \
    size_t a = 0, b = h, o = 0;                                                                  \
    while (a < h && b < n)                                                                       \
      idx[o++] = key[idx[b]] < key[tmp[a]] ? idx[b++] : tmp[a++];                                \
    while (a < h)                                                                                \
      idx[o++] = tmp[a++];                                                                       \
  }

DEFINE_STABLE_SORT(sort_i64, int64_t)
DEFINE_STABLE_SORT(sort_i32, int32_t)

void bndl_sort_idx_by_i64(uint32_t *idx, size_t n, const int64_t *key, uint32_t *scratch) {
  sort_i64_rec(idx, n, key, scratch);
}

void bndl_sort_idx_by_i32(uint32_t *idx, size_t n, const int32_t *key, uint32_t *scratch) {
  sort_i32_rec(idx, n, key, scratch);
}

void bndl_counting_sort(const int32_t *key, size_t n, int32_t n_keys, uint32_t *idx, int64_t *offsets) {
  memset(offsets, 0, ((size_t)n_keys + 1) * sizeof *offsets);
  for (size_t i = 0; i < n; i++)
    offsets[key[i] + 1]++;
  for (int32_t k = 0; k < n_keys; k++)
    offsets[k + 1] += offsets[k];
  /* fill using a running cursor per key kept in offsets shifted by one */
  for (size_t i = 0; i < n; i++)
    idx[offsets[key[i]]++] = (uint32_t)i;
  for (int32_t k = n_keys; k > 0; k--)
    offsets[k] = offsets[k - 1];
  offsets[0] = 0;
}
