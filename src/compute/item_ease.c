/*
 * item_ease.c - EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data",
 * WWW 2019): B = I - P diag(1/diag(P)) with P = (X^T X + lambda I)^-1.
 *
 * Everything happens in the one n x n matrix the model keeps: the Gram matrix is
 * written into it, lambda added to its diagonal, the context's spd_inverse op replaces
 * it by P (both triangles), and B[i][j] = -P[i][j] / P[j][j] (j != i), B[i][i] = 0 is
 * written over P row by row, after diag(P) was saved (n floats). The division (not a
 * multiplication by a reciprocal) matches the textbook formula and numpy's
 * P / -diag(P) bit for bit on the same P. The diagonal is exactly 0: the constraint of
 * the model, not a rounding result.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "compute/item_gram.h"
#include "compute/item_model.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "core/handle.h"
#include "core/log.h"
#include "data/dataset.h"
#include "runtime/runtime.h"

enum { ROWS_PER_TASK = 32 };

typedef struct ease_job {
  float *p;
  const float *diag;
  int64_t n;
} ease_job;

static bndl_status ease_rows(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const ease_job *j = ud;
  int64_t i0 = task * ROWS_PER_TASK, i1 = i0 + ROWS_PER_TASK < j->n ? i0 + ROWS_PER_TASK : j->n;
  for (int64_t i = i0; i < i1; i++) {
    float *row = j->p + i * j->n;
    for (int64_t c = 0; c < j->n; c++)
      row[c] = -row[c] / j->diag[c];
    row[i] = 0.0f;
  }
  return BNDL_OK;
}

static double seconds_since(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

bndl_status bndl_item_model_build_ease(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model **out) {
  bndl_context *ctx = ds->ctx;
  const bndl_allocator *a = &ctx->alloc;
  int64_t n = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  double lambda = bndl_cfg_float(cfg, BNDL_KEY_EASE_LAMBDA);
  bndl_item_model *m = NULL;
  float *diag = NULL;
  bndl_status st;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  BNDL_TRY(bndl_item_model_alloc(ctx, BNDL_ITEM_MODEL_EASE, n, n, &m));
  diag = bndl_alloc_array(a, (size_t)n + 1, sizeof *diag);
  if (diag == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto fail;
  }
  float *p = m->weights;
  BNDL_TRY_GOTO(st, bndl_item_gram(ds, p), fail);
  double t_gram = seconds_since(&t0);
  for (int64_t i = 0; i < n; i++)
    p[i * n + i] += (float)lambda;
  st = bndl_op_spd_inverse(ctx, n, p, n);
  if (st == BNDL_ERR_INVALID_ARGUMENT) {
    /* G is positive semi-definite, so only lambda 0 (or one tiny against the counts) fails */
    char why[160];
    snprintf(why, sizeof why, "X^T X + lambda I is not positive definite in float (ease.lambda is %g%s)", lambda,
             lambda > 0 ? ", too small against the co-occurrence counts" : "; set it > 0");
    st = bndl_error_prefix(st, why);
  }
  if (st != BNDL_OK)
    goto fail;
  double t_inv = seconds_since(&t0) - t_gram;
  for (int64_t i = 0; i < n; i++) {
    diag[i] = p[i * n + i];
    if (!(diag[i] > 0) || !isfinite(diag[i])) {
      st = bndl_fail(BNDL_ERR_BACKEND, "the inverse from %s has diagonal entry %lld = %g (expected > 0)",
                     bndl_runtime_op_provider(ctx, offsetof(bndl_backend_ops, spd_inverse)), (long long)i,
                     (double)diag[i]);
      goto fail;
    }
  }
  ease_job job = {p, diag, n};
  if (n > 0)
    BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK, ease_rows, &job), fail);
  bndl_free(a, diag);
  bndl_log(ctx, BNDL_LOG_INFO, "EASE: %lld items, lambda %g: Gram %.3f s, inverse %.3f s (%s), total %.3f s",
           (long long)n, lambda, t_gram, t_inv, bndl_runtime_op_provider(ctx, offsetof(bndl_backend_ops, spd_inverse)),
           seconds_since(&t0));
  m->magic = BNDL_MAGIC_ITEM_MODEL;
  *out = m;
  return BNDL_OK;
fail:
  bndl_free(a, diag);
  bndl_item_model_destroy(m);
  return st;
}
