/*
 * ref_spmm.c - sparse (CSR) times dense.
 *
 * A * B: rows of C are independent, split across tasks. A^T * B scatters each row of A
 * into several rows of C, so tasks instead own slices of C's columns and walk all of A
 * in row order: each element still sums its terms in increasing row of A.
 */
#include <string.h>

#include "backends/ref/ref.h"

enum { COL_SLICE = 64 };

static void scale_row(float *c, int64_t n, float beta) {
  if (beta == 0.0f)
    memset(c, 0, (size_t)n * sizeof *c);
  else if (beta != 1.0f)
    for (int64_t j = 0; j < n; j++)
      c[j] *= beta;
}

static bndl_status spmm_rows(void *ud, int64_t begin, int64_t end) {
  const bndl_spmm_desc *d = ud;
  for (int64_t r = begin; r < end; r++) {
    float *c = d->c + r * d->ldc;
    scale_row(c, d->n, d->beta);
    for (int64_t q = d->indptr[r]; q < d->indptr[r + 1]; q++) {
      float v = d->alpha * (d->values ? d->values[q] : 1.0f);
      const float *b = d->b + (int64_t)d->indices[q] * d->ldb;
      for (int64_t j = 0; j < d->n; j++)
        c[j] += v * b[j];
    }
  }
  return BNDL_OK;
}

static bndl_status spmm_t_cols(void *ud, int64_t begin, int64_t end) {
  const bndl_spmm_desc *d = ud;
  int64_t j0 = begin * COL_SLICE, j1 = end * COL_SLICE < d->n ? end * COL_SLICE : d->n;
  for (int64_t r = 0; r < d->cols; r++) {
    float *c = d->c + r * d->ldc;
    if (d->beta == 0.0f)
      memset(c + j0, 0, (size_t)(j1 - j0) * sizeof *c);
    else if (d->beta != 1.0f)
      for (int64_t j = j0; j < j1; j++)
        c[j] *= d->beta;
  }
  for (int64_t r = 0; r < d->rows; r++) {
    const float *b = d->b + r * d->ldb;
    for (int64_t q = d->indptr[r]; q < d->indptr[r + 1]; q++) {
      float v = d->alpha * (d->values ? d->values[q] : 1.0f);
      float *c = d->c + (int64_t)d->indices[q] * d->ldc;
      for (int64_t j = j0; j < j1; j++)
        c[j] += v * b[j];
    }
  }
  return BNDL_OK;
}

bndl_status ref_spmm(void *state, const bndl_spmm_desc *d) {
  if (d->n == 0)
    return BNDL_OK;
  if (!d->trans_a)
    return ref_parallel_range(state, d->rows, 64, spmm_rows, (void *)d);
  return ref_parallel_range(state, (d->n + COL_SLICE - 1) / COL_SLICE, 1, spmm_t_cols, (void *)d);
}
