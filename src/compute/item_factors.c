/*
 * item_factors.c - low-rank item factors from the eigendecomposition of the item Gram
 * matrix, and the fold-in of unseen users.
 *
 * G = X^T X is symmetric positive semi-definite, so its leading eigenpairs (lambda_r,
 * q_r) give the best rank-k approximation G ~ V V^T with V = Q diag(sqrt(lambda)) (items
 * x rank); these are also the right singular vectors of X (a truncated SVD of X, without
 * ever forming a user x rank matrix). The context's sym_eigen op returns the pairs,
 * each vector with its largest-magnitude component positive, so results from different
 * providers are comparable. Eigenvalues that rounding left below zero count as 0.
 *
 * Fold-in of a history x (a sparse item vector with weights) is the ridge regression
 * u = argmin ||x - V u||^2 + reg ||u||^2, i.e. (V^T V + reg I) u = V^T x. The rank x rank
 * matrix V^T V + reg I does not depend on x: it is formed in double from the stored float
 * V (so the solve is exact for the V the caller sees, not just for orthogonal columns)
 * and Cholesky-factored once at build time. Each fold-in is then O(|x| k + k^2).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>
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

/* ---- the normal equations */

typedef struct normal_job {
  const float *v;
  int64_t n, k;
  double *a; /* k x k; row r gets its lower part [0, r] */
} normal_job;

/* Row r of V^T V: a[r][c] = sum_i V[i][r] V[i][c] for c <= r, summed over i ascending. */
static bndl_status normal_row(void *ud, int64_t r, int32_t worker) {
  (void)worker;
  const normal_job *j = ud;
  double *row = j->a + r * j->k;
  memset(row, 0, (size_t)(r + 1) * sizeof *row);
  for (int64_t i = 0; i < j->n; i++) {
    const float *vi = j->v + i * j->k;
    double vr = vi[r];
    if (vr == 0)
      continue;
    for (int64_t c = 0; c <= r; c++)
      row[c] += vr * vi[c];
  }
  return BNDL_OK;
}

/* In-place lower Cholesky of the k x k matrix a (lower part read and written). Returns 0
 * if a pivot is not positive. */
static int cholesky(double *a, int64_t k) {
  for (int64_t j = 0; j < k; j++) {
    double *aj = a + j * k;
    double d = aj[j];
    for (int64_t p = 0; p < j; p++)
      d -= aj[p] * aj[p];
    if (!(d > 0) || !isfinite(d))
      return 0;
    aj[j] = sqrt(d);
    for (int64_t i = j + 1; i < k; i++) {
      double *ai = a + i * k;
      double s = ai[j];
      for (int64_t p = 0; p < j; p++)
        s -= ai[p] * aj[p];
      ai[j] = s / aj[j];
    }
  }
  return 1;
}

/* ---- build */

static double seconds_since(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

bndl_status bndl_item_model_build_factors(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model **out) {
  bndl_context *ctx = ds->ctx;
  const bndl_allocator *a = &ctx->alloc;
  int64_t n = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  int64_t k = bndl_cfg_int(cfg, BNDL_KEY_FACTORS_RANK);
  if (k > n) {
    bndl_log(ctx, BNDL_LOG_INFO, "item factors: factors.rank %lld is more than the %lld items; using %lld",
             (long long)k, (long long)n, (long long)n);
    k = n;
  }
  bndl_item_model *m = NULL;
  float *g = NULL, *vectors = NULL;
  bndl_status st;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  size_t nn;
  if (!bndl_mul_size((size_t)n, (size_t)n, &nn))
    return bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "a %lld x %lld matrix does not fit in memory", (long long)n,
                     (long long)n);
  BNDL_TRY(bndl_item_model_alloc(ctx, BNDL_ITEM_MODEL_FACTORS, n, k, &m));
  m->reg = bndl_cfg_float(cfg, BNDL_KEY_FACTORS_REG);
  m->eigenvalues = bndl_alloc_array(a, (size_t)k + 1, sizeof *m->eigenvalues);
  m->normal_chol = bndl_alloc_array(a, (size_t)k * (size_t)k + 1, sizeof *m->normal_chol);
  vectors = bndl_alloc_array(a, (size_t)k * (size_t)n + 1, sizeof *vectors);
  g = bndl_alloc_array(a, nn + 1, sizeof *g);
  if (m->eigenvalues == NULL || m->normal_chol == NULL || vectors == NULL || g == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto fail;
  }
  BNDL_TRY_GOTO(st, bndl_item_gram(ds, g), fail);
  double t_gram = seconds_since(&t0);
  BNDL_TRY_GOTO(st, bndl_op_sym_eigen(ctx, n, g, n, k, m->eigenvalues, vectors), fail);
  double t_eigen = seconds_since(&t0) - t_gram;
  bndl_free(a, g);
  g = NULL;

  /* V[i][r] = q_r[i] sqrt(lambda_r) */
  for (int64_t r = 0; r < k; r++) {
    float lam = m->eigenvalues[r];
    if (!isfinite(lam)) {
      st = bndl_fail(BNDL_ERR_BACKEND, "eigenvalue %lld from %s is %g", (long long)r,
                     bndl_runtime_op_provider(ctx, offsetof(bndl_backend_ops, sym_eigen)), (double)lam);
      goto fail;
    }
    float scale = lam > 0 ? sqrtf(lam) : 0.0f;
    const float *q = vectors + r * n;
    for (int64_t i = 0; i < n; i++)
      m->weights[i * k + r] = q[i] * scale;
  }
  bndl_free(a, vectors);
  vectors = NULL;

  normal_job job = {m->weights, n, k, m->normal_chol};
  BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, k, normal_row, &job), fail);
  for (int64_t r = 0; r < k; r++)
    m->normal_chol[r * k + r] += m->reg;
  if (!cholesky(m->normal_chol, k)) {
    bndl_log(ctx, BNDL_LOG_WARN,
             "item factors: V^T V + reg I is singular (factors.reg %g, the Gram matrix has rank < %lld): fold-in "
             "and scoring will fail; set factors.reg > 0",
             m->reg, (long long)k);
    bndl_free(a, m->normal_chol);
    m->normal_chol = NULL;
  }
  bndl_log(ctx, BNDL_LOG_INFO, "item factors: %lld items, rank %lld: Gram %.3f s, eigen %.3f s (%s), total %.3f s",
           (long long)n, (long long)k, t_gram, t_eigen,
           bndl_runtime_op_provider(ctx, offsetof(bndl_backend_ops, sym_eigen)), seconds_since(&t0));
  m->magic = BNDL_MAGIC_ITEM_MODEL;
  *out = m;
  return BNDL_OK;
fail:
  bndl_free(a, g);
  bndl_free(a, vectors);
  bndl_item_model_destroy(m);
  return st;
}

/* ---- fold-in */

bndl_status bndl_item_model_user_factors(const bndl_item_model *m, const int32_t *items, const float *weights,
                                         int64_t n, float *u) {
  int64_t k = m->cols;
  if (m->normal_chol == NULL)
    return bndl_fail(BNDL_ERR_STATE,
                     "V^T V + reg I of this model is singular (factors.reg %g and a Gram matrix of rank < %lld); "
                     "rebuild it with factors.reg > 0",
                     m->reg, (long long)k);
  const bndl_allocator *a = &m->ctx->alloc;
  double *b = bndl_zalloc_array(a, (size_t)k + 1, sizeof *b);
  if (b == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  /* b = V^T x, in history order */
  for (int64_t h = 0; h < n; h++) {
    double w = weights ? weights[h] : 1.0;
    const float *v = m->weights + (int64_t)items[h] * k;
    for (int64_t r = 0; r < k; r++)
      b[r] += w * v[r];
  }
  /* L y = b, then L^T u = y, in place */
  const double *l = m->normal_chol;
  for (int64_t r = 0; r < k; r++) {
    double s = b[r];
    for (int64_t p = 0; p < r; p++)
      s -= l[r * k + p] * b[p];
    b[r] = s / l[r * k + r];
  }
  for (int64_t r = k - 1; r >= 0; r--) {
    double s = b[r];
    for (int64_t p = r + 1; p < k; p++)
      s -= l[p * k + r] * b[p];
    b[r] = s / l[r * k + r];
  }
  for (int64_t r = 0; r < k; r++)
    u[r] = (float)b[r];
  bndl_free(a, b);
  return BNDL_OK;
}
