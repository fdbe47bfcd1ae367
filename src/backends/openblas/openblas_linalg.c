/*
 * openblas_linalg.c - the symmetric LAPACK ops: SPD inverse (spotrf + spotri) and the
 * leading eigenpairs (ssyevr).
 *
 * Both read the lower triangle of a row-major matrix. That memory is the upper triangle
 * of the same matrix seen column-major, so LAPACK is called column-major with uplo 'U':
 * no transposed copy, and the _work entry points allocate nothing (the eigen workspace
 * comes from the host allocator). OpenBLAS's internal buffers are its own.
 *
 * LAPACK runs on the calling thread (OpenBLAS is pinned to one thread): these ops are
 * called once per model fit, and the pool stays free for the caller's other work.
 *
 * Non-finite input is refused up front (BNDL_ERR_INVALID_ARGUMENT): LAPACK's _work
 * routines do not check, and a NaN would come back as garbage rather than an error.
 */
#include "backends/backend.h"

#ifdef BNDL_HAVE_OPENBLAS

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backends/openblas/openblas.h"

/* 1 if every entry of the lower triangle (diagonal included) is finite. */
static int lower_finite(int64_t n, const float *a, int64_t lda) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j <= i; j++)
      if (!isfinite(a[i * lda + j]))
        return 0;
  return 1;
}

static bndl_status fail_info(const openblas_state *s, bndl_status code, const char *what, lapack_int info) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s (LAPACK info %d)", what, (int)info);
  return s->host->fail(code, msg);
}

bndl_status openblas_spd_inverse(void *state, int64_t n, float *a, int64_t lda) {
  const openblas_state *s = state;
  if (n == 0)
    return BNDL_OK;
  if (!openblas_fits(n) || !openblas_fits(lda))
    return bndl_backend_ref()->spd_inverse(s->ref, n, a, lda);
  if (!lower_finite(n, a, lda))
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "matrix has a non-finite entry");
  openblas_pin();
  lapack_int info = LAPACKE_spotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, a, (lapack_int)lda);
  if (info > 0) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "matrix is not positive definite (LAPACK spotrf info %d: the leading minor of order %d is not)",
             (int)info, (int)info);
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, msg);
  }
  if (info < 0)
    return fail_info(s, BNDL_ERR_BACKEND, "spotrf rejected an argument", info);
  info = LAPACKE_spotri_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, a, (lapack_int)lda);
  if (info > 0)
    return fail_info(s, BNDL_ERR_INVALID_ARGUMENT, "matrix is singular (spotri)", info);
  if (info < 0)
    return fail_info(s, BNDL_ERR_BACKEND, "spotri rejected an argument", info);
  /* the inverse is in the lower triangle (row-major): mirror it to the upper one */
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++)
      a[i * lda + j] = a[j * lda + i];
  return BNDL_OK;
}

bndl_status openblas_sym_eigen(void *state, int64_t n, float *a, int64_t lda, int64_t k, float *values,
                               float *vectors) {
  const openblas_state *s = state;
  if (k < 0 || k > n)
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "eigenpair count outside 0..n");
  if (n == 0 || k == 0)
    return BNDL_OK;
  if (!openblas_fits(n) || !openblas_fits(lda) || !openblas_fits(n * k))
    return bndl_backend_ref()->sym_eigen(s->ref, n, a, lda, k, values, vectors);
  if (!lower_finite(n, a, lda))
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "matrix has a non-finite entry");
  openblas_pin();
  lapack_int ni = (lapack_int)n, ldai = (lapack_int)lda, ki = (lapack_int)k, found = 0;
  /* workspace query */
  float wq = 0;
  lapack_int iwq = 0;
  lapack_int info = LAPACKE_ssyevr_work(LAPACK_COL_MAJOR, 'V', 'I', 'U', ni, a, ldai, 0, 0, ni - ki + 1, ni, 0,
                                        &found, NULL, NULL, ni, NULL, &wq, -1, &iwq, -1);
  if (info != 0)
    return fail_info(s, BNDL_ERR_BACKEND, "ssyevr workspace query failed", info);
  size_t lwork = (size_t)wq + 1, liwork = (size_t)iwq;
  /* one block: w (n eigenvalues), work, then isuppz (2k) and iwork */
  size_t floats = (size_t)n + lwork, ints = 2 * (size_t)k + liwork;
  float *w = s->host->alloc(s->host->self, floats * sizeof(float) + ints * sizeof(lapack_int));
  if (w == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  float *work = w + n;
  lapack_int *isuppz = (lapack_int *)(work + lwork), *iwork = isuppz + 2 * k;
  /* the eigenvectors land as the columns of an n x k column-major matrix: in row-major
   * terms, k rows of n, ascending by eigenvalue, exactly where `vectors` wants them */
  info = LAPACKE_ssyevr_work(LAPACK_COL_MAJOR, 'V', 'I', 'U', ni, a, ldai, 0, 0, ni - ki + 1, ni, 0, &found, w,
                             vectors, ni, isuppz, work, (lapack_int)lwork, iwork, (lapack_int)liwork);
  if (info != 0 || found != ki) {
    s->host->free(s->host->self, w);
    return fail_info(s, BNDL_ERR_BACKEND, info > 0 ? "ssyevr did not converge" : "ssyevr failed",
                     info != 0 ? info : found);
  }
  /* descending order: reverse the rows; then the sign convention of backend.h (largest
   * magnitude component positive, the first one on ties, as ref) */
  for (int64_t i = 0; i < k; i++)
    values[i] = w[k - 1 - i];
  for (int64_t i = 0, j = k - 1; i < j; i++, j--) {
    float *ri = vectors + i * n, *rj = vectors + j * n;
    for (int64_t c = 0; c < n; c++) {
      float t = ri[c];
      ri[c] = rj[c];
      rj[c] = t;
    }
  }
  for (int64_t i = 0; i < k; i++) {
    float *v = vectors + i * n;
    int64_t arg = 0;
    for (int64_t c = 1; c < n; c++)
      if (fabsf(v[c]) > fabsf(v[arg]))
        arg = c;
    if (v[arg] < 0)
      for (int64_t c = 0; c < n; c++)
        v[c] = -v[c];
  }
  s->host->free(s->host->self, w);
  return BNDL_OK;
}

#else
typedef int bndl_openblas_linalg_not_built; /* ISO C forbids an empty translation unit */
#endif
