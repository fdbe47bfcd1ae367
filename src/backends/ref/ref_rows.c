/*
 * ref_rows.c - row-wise ops: L2 norms, scaling, softmax. Sums run in double, in column
 * order, so the oracle is a little more accurate than the providers it checks.
 */
#include <math.h>

#include "backends/ref/ref.h"

typedef struct rows_job {
  int64_t cols;
  const float *x;
  int64_t ldx;
  float *y;
  int64_t ldy;
  const float *scale;
  float *out;
} rows_job;

static bndl_status norms(void *ud, int64_t begin, int64_t end) {
  const rows_job *j = ud;
  for (int64_t r = begin; r < end; r++) {
    const float *x = j->x + r * j->ldx;
    double s = 0;
    for (int64_t c = 0; c < j->cols; c++)
      s += (double)x[c] * x[c];
    j->out[r] = (float)sqrt(s);
  }
  return BNDL_OK;
}

bndl_status ref_row_norms(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *out) {
  rows_job j = {cols, x, ldx, NULL, 0, NULL, out};
  return ref_parallel_range(state, rows, 256, norms, &j);
}

static bndl_status scale(void *ud, int64_t begin, int64_t end) {
  const rows_job *j = ud;
  for (int64_t r = begin; r < end; r++) {
    float *y = j->y + r * j->ldy, s = j->scale[r];
    for (int64_t c = 0; c < j->cols; c++)
      y[c] *= s;
  }
  return BNDL_OK;
}

bndl_status ref_scale_rows(void *state, int64_t rows, int64_t cols, float *x, int64_t ldx, const float *s) {
  rows_job j = {cols, NULL, 0, x, ldx, s, NULL};
  return ref_parallel_range(state, rows, 256, scale, &j);
}

static bndl_status softmax(void *ud, int64_t begin, int64_t end) {
  const rows_job *j = ud;
  for (int64_t r = begin; r < end; r++) {
    const float *x = j->x + r * j->ldx;
    float *y = j->y + r * j->ldy;
    float mx = -INFINITY;
    for (int64_t c = 0; c < j->cols; c++)
      mx = x[c] > mx ? x[c] : mx;
    double sum = 0;
    for (int64_t c = 0; c < j->cols; c++) {
      float e = expf(x[c] - mx);
      y[c] = e;
      sum += e;
    }
    float inv = (float)(1.0 / sum);
    for (int64_t c = 0; c < j->cols; c++)
      y[c] *= inv;
  }
  return BNDL_OK;
}

bndl_status ref_softmax(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *y, int64_t ldy) {
  if (cols == 0)
    return BNDL_OK;
  rows_job j = {cols, x, ldx, y, ldy, NULL, NULL};
  return ref_parallel_range(state, rows, 64, softmax, &j);
}
