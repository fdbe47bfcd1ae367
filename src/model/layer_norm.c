/*
 * layer_norm.c - layer norm over the last dimension (nn.LayerNorm semantics, eps a
 * parameter: see layers.h) and its gradient.
 *
 * Per row, in double (four interleaved partial sums, fixed order): mean, biased
 * variance (two passes), rstd = 1 / sqrt(var + eps); the cache keeps
 * xhat = (x - mean) rstd and rstd. Backward per row (g = gamma):
 *   dx = rstd (g dy - mean(g dy) - xhat mean(g dy xhat)),
 * rows in parallel; dgamma += sum_r dy xhat and dbeta += sum_r dy serially in row order.
 */
#include <math.h>

#include "core/error.h"
#include "model/layers.h"

bndl_status bndl_nn_layer_norm_build(bndl_nn_params *p, const char *name, int64_t dim, float eps,
                                     bndl_nn_layer_norm *l) {
  char buf[BNDL_NN_NAME_MAX];
  l->dim = dim;
  l->eps = eps;
  BNDL_TRY(bndl_nn_name(buf, name, "weight"));
  BNDL_TRY(bndl_nn_params_add(p, buf, 1, dim, BNDL_NN_INIT_ONES, 0, &l->gamma));
  BNDL_TRY(bndl_nn_name(buf, name, "bias"));
  return bndl_nn_params_add(p, buf, 1, dim, BNDL_NN_INIT_ZEROS, 0, &l->beta);
}

typedef struct ln_job {
  int64_t dim;
  double eps;
  const float *gamma, *beta, *x, *dy;
  float *y, *xhat, *rstd, *dx;
} ln_job;

/* sum_c x[c] (and sum_c (x[c] - shift)^2 when sq) in double, in four interleaved
 * partial sums added in a fixed order: the same result every run, a quarter of the
 * dependency chain of one running sum. */
static double row_sum(const float *x, int64_t d, double shift, int sq) {
  double acc[4] = {0, 0, 0, 0};
  int64_t c = 0;
  for (; c + 4 <= d; c += 4)
    for (int q = 0; q < 4; q++) {
      double v = (double)x[c + q] - shift;
      acc[q] += sq ? v * v : v;
    }
  for (; c < d; c++) {
    double v = (double)x[c] - shift;
    acc[0] += sq ? v * v : v;
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

static void ln_forward_rows(void *ud, int64_t begin, int64_t end) {
  const ln_job *j = ud;
  int64_t d = j->dim;
  for (int64_t r = begin; r < end; r++) {
    const float *x = j->x + r * d;
    float *y = j->y + r * d;
    double mean = row_sum(x, d, 0.0, 0) / (double)d;
    double var = row_sum(x, d, mean, 1) / (double)d;
    double rstd = 1.0 / sqrt(var + j->eps);
    for (int64_t c = 0; c < d; c++) {
      float xh = (float)((x[c] - mean) * rstd);
      if (j->xhat)
        j->xhat[r * d + c] = xh;
      y[c] = xh * j->gamma[c] + j->beta[c];
    }
    if (j->rstd)
      j->rstd[r] = (float)rstd;
  }
}

bndl_status bndl_nn_layer_norm_forward(const bndl_nn *nn, const bndl_nn_layer_norm *l, int64_t rows, const float *x,
                                       float *y, bndl_nn_layer_norm_cache *cache) {
  ln_job j = {.dim = l->dim,
              .eps = l->eps,
              .gamma = bndl_nn_value(nn->params, l->gamma),
              .beta = bndl_nn_value(nn->params, l->beta),
              .x = x,
              .y = y};
  if (cache != NULL) {
    cache->xhat = bndl_nn_arena_floats(nn->arena, rows * l->dim);
    cache->rstd = bndl_nn_arena_floats(nn->arena, rows);
    if (cache->xhat == NULL || cache->rstd == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    j.xhat = cache->xhat;
    j.rstd = cache->rstd;
  }
  return bndl_nn_for_rows(nn, rows, bndl_nn_grain(l->dim), ln_forward_rows, &j);
}

static void ln_backward_rows(void *ud, int64_t begin, int64_t end) {
  const ln_job *j = ud;
  int64_t d = j->dim;
  for (int64_t r = begin; r < end; r++) {
    const float *dy = j->dy + r * d, *xh = j->xhat + r * d;
    double a1[4] = {0, 0, 0, 0}, a2[4] = {0, 0, 0, 0};
    for (int64_t c = 0; c < d; c++) { /* interleaved partial sums, as row_sum */
      double g = (double)dy[c] * j->gamma[c];
      a1[c & 3] += g;
      a2[c & 3] += g * xh[c];
    }
    double m1 = ((a1[0] + a1[1]) + (a1[2] + a1[3])) / (double)d;
    double m2 = ((a2[0] + a2[1]) + (a2[2] + a2[3])) / (double)d;
    double rstd = j->rstd[r];
    float *dx = j->dx + r * d;
    for (int64_t c = 0; c < d; c++)
      dx[c] = (float)(rstd * ((double)dy[c] * j->gamma[c] - m1 - xh[c] * m2));
  }
}

bndl_status bndl_nn_layer_norm_backward(const bndl_nn *nn, const bndl_nn_layer_norm *l, int64_t rows,
                                        const bndl_nn_layer_norm_cache *cache, const float *dy, float *dx) {
  int64_t d = l->dim;
  if (dx != NULL) {
    ln_job j = {.dim = d,
                .gamma = bndl_nn_value(nn->params, l->gamma),
                .dy = dy,
                .xhat = cache->xhat,
                .rstd = cache->rstd,
                .dx = dx};
    BNDL_TRY(bndl_nn_for_rows(nn, rows, bndl_nn_grain(d), ln_backward_rows, &j));
  }
  float *gg = bndl_nn_grad(nn->params, l->gamma), *gb = bndl_nn_grad(nn->params, l->beta);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < d; c++) {
      gg[c] += dy[r * d + c] * cache->xhat[r * d + c];
      gb[c] += dy[r * d + c];
    }
  return BNDL_OK;
}
