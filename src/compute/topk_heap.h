/*
 * topk_heap.h - a bounded heap that keeps the k best (score, index) pairs seen, in the
 * order of bndl_topk_desc: higher score first, equal scores by lower index, NaN below
 * every number. It works in place on the caller's k slots (a row of a top-k table), so
 * the builders need no scratch for it.
 *
 * The worst kept pair sits at the root: a candidate costs one comparison unless it
 * beats the current k-th. bndl_topk_heap_finish sorts the slots best-first and pads the
 * rest with index -1 / score -inf, the layout bndl_neighbors_from_topk reads. The kept
 * set and its order depend only on the candidates, not on the order they arrive in.
 */
#ifndef BNDL_COMPUTE_TOPK_HEAP_H
#define BNDL_COMPUTE_TOPK_HEAP_H

#include <math.h>
#include <stdint.h>

typedef struct bndl_topk_heap {
  float *val;
  int32_t *idx;
  int64_t k, n;
} bndl_topk_heap;

/* 1 if (va, ia) ranks strictly above (vb, ib). */
static inline int bndl_topk_better(float va, int32_t ia, float vb, int32_t ib) {
  int na = isnan(va), nb = isnan(vb);
  if (na != nb)
    return nb;
  if (!na && va != vb)
    return va > vb;
  return ia < ib;
}

static inline void bndl_topk_heap_init(bndl_topk_heap *h, float *val, int32_t *idx, int64_t k) {
  h->val = val;
  h->idx = idx;
  h->k = k;
  h->n = 0;
}

static inline void bndl_topk_sift_down(float *v, int32_t *ix, int64_t n, int64_t i) {
  for (;;) {
    int64_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < n && bndl_topk_better(v[w], ix[w], v[l], ix[l]))
      w = l;
    if (r < n && bndl_topk_better(v[w], ix[w], v[r], ix[r]))
      w = r;
    if (w == i)
      return;
    float tv = v[i];
    int32_t ti = ix[i];
    v[i] = v[w], ix[i] = ix[w];
    v[w] = tv, ix[w] = ti;
    i = w;
  }
}

static inline void bndl_topk_heap_push(bndl_topk_heap *h, float v, int32_t i) {
  if (h->n == h->k && (h->k == 0 || v < h->val[0]))
    return; /* the common case once the heap is full: a strictly lower score (false for NaN) */
  if (h->n < h->k) {
    int64_t c = h->n++;
    h->val[c] = v, h->idx[c] = i;
    while (c > 0) { /* sift up: the worse pair rises */
      int64_t p = (c - 1) / 2;
      if (!bndl_topk_better(h->val[p], h->idx[p], h->val[c], h->idx[c]))
        break;
      float tv = h->val[c];
      int32_t ti = h->idx[c];
      h->val[c] = h->val[p], h->idx[c] = h->idx[p];
      h->val[p] = tv, h->idx[p] = ti;
      c = p;
    }
  } else if (bndl_topk_better(v, i, h->val[0], h->idx[0])) {
    h->val[0] = v, h->idx[0] = i;
    bndl_topk_sift_down(h->val, h->idx, h->n, 0);
  }
}

/* Sorts the kept pairs best-first, pads the k slots; returns how many were kept. */
static inline int64_t bndl_topk_heap_finish(bndl_topk_heap *h) {
  for (int64_t m = h->n; m > 1; m--) { /* move the root (worst) to the end */
    float tv = h->val[0];
    int32_t ti = h->idx[0];
    h->val[0] = h->val[m - 1], h->idx[0] = h->idx[m - 1];
    h->val[m - 1] = tv, h->idx[m - 1] = ti;
    bndl_topk_sift_down(h->val, h->idx, m - 1, 0);
  }
  for (int64_t j = h->n; j < h->k; j++)
    h->val[j] = -INFINITY, h->idx[j] = -1;
  return h->n;
}

#endif
