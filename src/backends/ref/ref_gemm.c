/*
 * ref_gemm.c - dense matrix products.
 *
 * Rows of C are split across tasks (each row is computed wholly by one task). k is
 * walked in blocks of KB outside the task's rows, so the KB x n panel of B stays in cache
 * while every row of the task reuses it; each C row is updated by c += a_ip * b_p (an
 * AXPY over contiguous b and c that compilers vectorise). When B is transposed (its rows
 * are the columns of op(B)) C is filled by dot products instead; a C of one column is
 * filled by dot products too, 8 rows at a time. Every element of C sums its k terms in increasing p, whatever the number of
 * threads.
 */
#include <string.h>

#include "backends/ref/ref.h"

enum { ROWS_PER_TASK = 16, KB = 256, GEMV_ROWS = 8 };

typedef struct gemm_job {
  const bndl_gemm_desc *d;
  int64_t batch;
} gemm_job;

static inline float a_at(const bndl_gemm_desc *d, const float *a, int64_t i, int64_t p) {
  return d->trans_a ? a[p * d->lda + i] : a[i * d->lda + p];
}

static float *c_row(const bndl_gemm_desc *d, int64_t flat) {
  return d->c + (flat / d->m) * d->stride_c + (flat % d->m) * d->ldc;
}

static bndl_status gemm_rows(void *ud, int64_t begin, int64_t end) {
  const gemm_job *j = ud;
  const bndl_gemm_desc *d = j->d;
  /* tasks cover (batch, row) pairs flattened as batch * m + row */
  for (int64_t flat = begin; flat < end; flat++) {
    float *c = c_row(d, flat);
    if (d->beta == 0.0f)
      memset(c, 0, (size_t)d->n * sizeof *c);
    else if (d->beta != 1.0f)
      for (int64_t jcol = 0; jcol < d->n; jcol++)
        c[jcol] *= d->beta;
  }
  if (d->alpha == 0.0f)
    return BNDL_OK;
  if (!d->trans_b && d->n == 1) {
    /* A times a vector: each C element is its own accumulator, kept in a register instead
     * of being stored and reloaded for every term, and GEMV_ROWS rows advance together so
     * their independent chains of adds overlap (Beauty's 12k x 64 item table: 2.3 ms ->
     * 0.25 ms; the LSTM's recurrent products at batch 1 likewise). The terms and their
     * order are those of the panel loop below: c += (alpha a_ip) b_p, p increasing. */
    for (int64_t flat = begin; flat < end;) {
      int64_t b = flat / d->m, i = flat % d->m;
      const float *a = d->a + b * d->stride_a, *bm = d->b + b * d->stride_b;
      if (i + GEMV_ROWS <= d->m && flat + GEMV_ROWS <= end) {
        /* A[i + r][p] = a0[r * rs + p * ps] */
        int64_t rs = d->trans_a ? 1 : d->lda, ps = d->trans_a ? d->lda : 1;
        const float *a0 = a + i * rs;
        float acc[GEMV_ROWS];
        for (int r = 0; r < GEMV_ROWS; r++)
          acc[r] = c_row(d, flat + r)[0];
        if (d->alpha == 1.0f) /* 1 * x is x exactly: the same sums without the multiply */
          for (int64_t p = 0; p < d->k; p++) {
            float bp = bm[p * d->ldb];
            const float *ap = a0 + p * ps;
            for (int r = 0; r < GEMV_ROWS; r++)
              acc[r] += ap[r * rs] * bp;
          }
        else
          for (int64_t p = 0; p < d->k; p++) {
            float bp = bm[p * d->ldb];
            const float *ap = a0 + p * ps;
            for (int r = 0; r < GEMV_ROWS; r++)
              acc[r] += (d->alpha * ap[r * rs]) * bp;
          }
        for (int r = 0; r < GEMV_ROWS; r++)
          c_row(d, flat + r)[0] = acc[r];
        flat += GEMV_ROWS;
        continue;
      }
      float *c = c_row(d, flat), acc = c[0];
      for (int64_t p = 0; p < d->k; p++)
        acc += (d->alpha * a_at(d, a, i, p)) * bm[p * d->ldb];
      c[0] = acc;
      flat++;
    }
    return BNDL_OK;
  }
  if (!d->trans_b) {
    /* k-blocks outside the rows: the KB x n panel of B is reused by every row of the task */
    for (int64_t p0 = 0; p0 < d->k; p0 += KB) {
      int64_t p1 = p0 + KB < d->k ? p0 + KB : d->k;
      for (int64_t flat = begin; flat < end; flat++) {
        int64_t b = flat / d->m, i = flat % d->m;
        const float *a = d->a + b * d->stride_a, *bm = d->b + b * d->stride_b;
        float *c = c_row(d, flat);
        for (int64_t p = p0; p < p1; p++) {
          float s = d->alpha * a_at(d, a, i, p);
          const float *brow = bm + p * d->ldb;
          for (int64_t jcol = 0; jcol < d->n; jcol++)
            c[jcol] += s * brow[jcol];
        }
      }
    }
    return BNDL_OK;
  }
  for (int64_t flat = begin; flat < end; flat++) {
    int64_t b = flat / d->m, i = flat % d->m;
    const float *a = d->a + b * d->stride_a, *bm = d->b + b * d->stride_b;
    float *c = c_row(d, flat);
    for (int64_t jcol = 0; jcol < d->n; jcol++) {
      const float *brow = bm + jcol * d->ldb; /* op(B)[:, jcol] is row jcol of B */
      float acc = 0;
      for (int64_t p = 0; p < d->k; p++)
        acc += a_at(d, a, i, p) * brow[p];
      c[jcol] += d->alpha * acc;
    }
  }
  return BNDL_OK;
}

bndl_status ref_gemm(void *state, const bndl_gemm_desc *d) {
  if (d->m == 0 || d->n == 0 || d->batch == 0)
    return BNDL_OK;
  gemm_job j = {d, d->batch};
  /* small products run on one task: splitting costs more than it saves */
  int64_t flops_per_row = d->n * (d->k ? d->k : 1);
  int64_t grain = flops_per_row >= (1 << 16) ? ROWS_PER_TASK : (1 << 20) / flops_per_row + 1;
  return ref_parallel_range(state, d->batch * d->m, grain, gemm_rows, &j);
}
