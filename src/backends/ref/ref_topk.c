/*
 * ref_topk.c - per-row top-k with a bounded min-heap (O(cols log k) per row).
 *
 * Order: higher score first; equal scores by lower column; NaN below every number
 * (including -inf). The heap keeps the k best seen so far with the worst at its root, so
 * each column costs one comparison unless it beats the current k-th.
 */
#include <math.h>

#include "backends/ref/ref.h"

/* 1 if (va, ia) ranks strictly above (vb, ib). */
static inline int better(float va, int32_t ia, float vb, int32_t ib) {
  int na = isnan(va), nb = isnan(vb);
  if (na != nb)
    return nb;
  if (!na && va != vb)
    return va > vb;
  return ia < ib;
}

static void sift_down(float *v, int32_t *ix, int64_t n, int64_t i) {
  for (;;) {
    int64_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < n && better(v[w], ix[w], v[l], ix[l]))
      w = l;
    if (r < n && better(v[w], ix[w], v[r], ix[r]))
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

static void sift_up(float *v, int32_t *ix, int64_t i) {
  while (i > 0) {
    int64_t p = (i - 1) / 2;
    if (!better(v[p], ix[p], v[i], ix[i]))
      return;
    float tv = v[i];
    int32_t ti = ix[i];
    v[i] = v[p], ix[i] = ix[p];
    v[p] = tv, ix[p] = ti;
    i = p;
  }
}

static bndl_status topk_rows(void *ud, int64_t begin, int64_t end) {
  const bndl_topk_desc *d = ud;
  for (int64_t r = begin; r < end; r++) {
    const float *x = d->x + r * d->ldx;
    const uint8_t *ex = d->exclude ? d->exclude + r * d->ldx : NULL;
    float *v = d->val + r * d->ldk;
    int32_t *ix = d->idx + r * d->ldk;
    int64_t n = 0;
    for (int64_t c = 0; c < d->cols; c++) {
      if (ex && ex[c])
        continue;
      if (n < d->k) {
        v[n] = x[c], ix[n] = (int32_t)c;
        sift_up(v, ix, n++);
      } else if (better(x[c], (int32_t)c, v[0], ix[0])) {
        v[0] = x[c], ix[0] = (int32_t)c;
        sift_down(v, ix, n, 0);
      }
    }
    /* heap -> sorted best-first: repeatedly move the root (worst) to the end */
    for (int64_t m = n; m > 1; m--) {
      float tv = v[0];
      int32_t ti = ix[0];
      v[0] = v[m - 1], ix[0] = ix[m - 1];
      v[m - 1] = tv, ix[m - 1] = ti;
      sift_down(v, ix, m - 1, 0);
    }
    for (int64_t j = n; j < d->k; j++)
      v[j] = -INFINITY, ix[j] = -1;
  }
  return BNDL_OK;
}

bndl_status ref_topk(void *state, const bndl_topk_desc *d) {
  if (d->k <= 0)
    return BNDL_OK;
  return ref_parallel_range(state, d->rows, 16, topk_rows, (void *)d);
}
