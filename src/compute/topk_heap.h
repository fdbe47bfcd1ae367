/*
 * topk_heap.h - a bounded heap that keeps the k best (score, index) pairs seen, in the
 * order of bndl_topk_desc: higher score first, equal scores by lower index, NaN below
 * every number (-inf included).
 *
 * Each pair is packed into one uint64_t key whose unsigned order is that order: the high
 * 32 bits are the float's bits made monotonic (sign flipped for positives, all bits
 * flipped for negatives; -0 counted as +0; NaN as 0, below everything), the low 32 bits
 * are UINT32_MAX - index, so a lower index is a larger key. Comparing pairs is then one
 * integer compare, which matters because real similarity scores tie a lot (counts over
 * small degrees): with float compares plus an index tie-break, the heap was half the
 * time of an item-item build on Youshu.
 *
 * The worst kept key sits at the root of a min-heap of k keys (the caller's scratch):
 * a candidate costs one compare unless it beats the current k-th. bndl_topk_heap_finish
 * writes the kept pairs best-first into a row of a top-k table and pads the rest with
 * index -1 / score -inf, the layout bndl_neighbors_from_topk reads. The kept set and its
 * order depend only on the candidates, not on the order they arrive in.
 */
#ifndef BNDL_COMPUTE_TOPK_HEAP_H
#define BNDL_COMPUTE_TOPK_HEAP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t bndl_topk_key(float v, int32_t index) {
  uint32_t bits;
  v += 0.0f; /* -0 + +0 = +0: -0 ties with +0, as float compares say */
  memcpy(&bits, &v, sizeof bits);
  /* branch-free: negatives flip every bit, positives only the sign bit */
  uint32_t flip = (uint32_t)-(int32_t)(bits >> 31) | 0x80000000u;
  uint32_t ordered = v == v ? bits ^ flip : 0u;
  return ((uint64_t)ordered << 32) | (uint64_t)(UINT32_MAX - (uint32_t)index);
}

static inline float bndl_topk_key_score(uint64_t key) {
  uint32_t ordered = (uint32_t)(key >> 32);
  if (ordered == 0)
    return NAN;
  uint32_t bits = (ordered & 0x80000000u) ? ordered & 0x7fffffffu : ~ordered;
  float v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

static inline int32_t bndl_topk_key_index(uint64_t key) { return (int32_t)(UINT32_MAX - (uint32_t)key); }

typedef struct bndl_topk_heap {
  uint64_t *keys; /* k slots */
  int64_t k, n;
} bndl_topk_heap;

static inline void bndl_topk_heap_init(bndl_topk_heap *h, uint64_t *keys, int64_t k) {
  h->keys = keys;
  h->k = k;
  h->n = 0;
}

static inline void bndl_topk_sift_down(uint64_t *a, int64_t n, int64_t i) {
  uint64_t x = a[i];
  for (;;) {
    int64_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && a[c + 1] < a[c])
      c++;
    if (a[c] >= x)
      break;
    a[i] = a[c];
    i = c;
  }
  a[i] = x;
}

static inline void bndl_topk_heap_push(bndl_topk_heap *h, uint64_t key) {
  uint64_t *a = h->keys;
  if (h->n == h->k) {
    if (h->k == 0 || key <= a[0])
      return; /* the common case once the heap is full */
    a[0] = key;
    bndl_topk_sift_down(a, h->n, 0);
    return;
  }
  int64_t i = h->n++;
  while (i > 0 && a[(i - 1) / 2] > key) { /* sift up */
    a[i] = a[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  a[i] = key;
}

/* Writes the kept pairs best-first into val/idx (k slots each), pads the rest, empties
 * the heap and returns how many were kept. */
static inline int64_t bndl_topk_heap_finish(bndl_topk_heap *h, float *val, int32_t *idx) {
  int64_t n = h->n;
  for (int64_t m = n; m > 1; m--) { /* heap sort: the smallest key goes last */
    uint64_t t = h->keys[0];
    h->keys[0] = h->keys[m - 1];
    h->keys[m - 1] = t;
    bndl_topk_sift_down(h->keys, m - 1, 0);
  }
  for (int64_t j = 0; j < n; j++) {
    val[j] = bndl_topk_key_score(h->keys[j]);
    idx[j] = bndl_topk_key_index(h->keys[j]);
  }
  for (int64_t j = n; j < h->k; j++)
    val[j] = -INFINITY, idx[j] = -1;
  h->n = 0;
  return n;
}

#endif
