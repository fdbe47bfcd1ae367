/*
 * ref_linalg.c - dense symmetric linear algebra for the closed-form item models:
 * inverse of a symmetric positive definite matrix, and the leading eigenpairs of a
 * symmetric matrix. Dot products accumulate in double (four interleaved partial sums,
 * combined in a fixed order).
 *
 * Inverse: Cholesky A = L L^T (left-looking, one parallel pass over the rows below the
 * diagonal per column), then U = L^-T by forward substitution, one column of L^-1 per
 * task, stored as a row of U so later products read contiguous rows, then
 * A^-1 = U U^T row by row. About n^3 multiply-adds in all.
 *
 * Eigenpairs: the cyclic Jacobi method on a double copy: rotations zero each
 * off-diagonal element in turn until the off-diagonal mass is negligible. It is simple
 * and accurate (the oracle for the LAPACK-based providers), and O(n^3) per sweep with
 * 6-10 sweeps, so it is meant for catalogues of a few thousand items at most; providers
 * with LAPACK take the larger ones.
 */
#include <math.h>
#include <string.h>

#include "backends/ref/ref.h"

/* Dot products in double with four interleaved partial sums: one running sum would
 * wait on the previous addition at every step (latency-bound, about 4x slower). The
 * partial sums are combined in a fixed order, so results do not depend on threads. */
static double dot_ff(const float *x, const float *y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t p = 0;
  for (; p + 4 <= n; p += 4) {
    s0 += (double)x[p] * y[p];
    s1 += (double)x[p + 1] * y[p + 1];
    s2 += (double)x[p + 2] * y[p + 2];
    s3 += (double)x[p + 3] * y[p + 3];
  }
  for (; p < n; p++)
    s0 += (double)x[p] * y[p];
  return (s0 + s1) + (s2 + s3);
}

static double dot_fd(const float *x, const double *y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t p = 0;
  for (; p + 4 <= n; p += 4) {
    s0 += x[p] * y[p];
    s1 += x[p + 1] * y[p + 1];
    s2 += x[p + 2] * y[p + 2];
    s3 += x[p + 3] * y[p + 3];
  }
  for (; p < n; p++)
    s0 += x[p] * y[p];
  return (s0 + s1) + (s2 + s3);
}

static double dot_dd(const double *x, const double *y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t p = 0;
  for (; p + 4 <= n; p += 4) {
    s0 += x[p] * y[p];
    s1 += x[p + 1] * y[p + 1];
    s2 += x[p + 2] * y[p + 2];
    s3 += x[p + 3] * y[p + 3];
  }
  for (; p < n; p++)
    s0 += x[p] * y[p];
  return (s0 + s1) + (s2 + s3);
}

typedef struct chol_job {
  int64_t n, lda, j;
  float *a;
  double *u; /* U = L^-T, n x n row-major, upper */
} chol_job;

/* Column j of L below the diagonal: L[i][j] = (A[i][j] - sum_p<j L[i][p] L[j][p]) / L[j][j]. */
static bndl_status chol_column(void *ud, int64_t begin, int64_t end) {
  const chol_job *c = ud;
  const float *lj = c->a + c->j * c->lda;
  for (int64_t i = c->j + 1 + begin; i < c->j + 1 + end; i++) {
    float *li = c->a + i * c->lda;
    double s = li[c->j] - dot_ff(li, lj, c->j);
    li[c->j] = (float)(s / lj[c->j]);
  }
  return BNDL_OK;
}

/* Column col of L^-1: z_i = (delta_i,col - sum_{p=col}^{i-1} L[i][p] z_p) / L[i][i], kept as
 * row col of U. */
static bndl_status inverse_columns(void *ud, int64_t begin, int64_t end) {
  const chol_job *c = ud;
  for (int64_t col = begin; col < end; col++) {
    double *z = c->u + col * c->n;
    for (int64_t i = 0; i < col; i++)
      z[i] = 0;
    for (int64_t i = col; i < c->n; i++) {
      const float *li = c->a + i * c->lda;
      double s = (i == col ? 1.0 : 0.0) - dot_fd(li + col, z + col, i - col);
      z[i] = s / li[i];
    }
  }
  return BNDL_OK;
}

/* A^-1[i][j] = sum_{p >= max(i,j)} U[i][p] U[j][p]; each task writes rows i (j >= i) and
 * the mirrored column entries, which no other task writes. */
static bndl_status product_rows(void *ud, int64_t begin, int64_t end) {
  const chol_job *c = ud;
  for (int64_t i = begin; i < end; i++) {
    const double *ui = c->u + i * c->n;
    for (int64_t j = i; j < c->n; j++) {
      const double *uj = c->u + j * c->n;
      double s = dot_dd(ui + j, uj + j, c->n - j);
      c->a[i * c->lda + j] = (float)s;
      c->a[j * c->lda + i] = (float)s;
    }
  }
  return BNDL_OK;
}

bndl_status ref_spd_inverse(void *state, int64_t n, float *a, int64_t lda) {
  const ref_state *s = state;
  if (n == 0)
    return BNDL_OK;
  chol_job c = {n, lda, 0, a, NULL};
  for (int64_t j = 0; j < n; j++) {
    float *lj = a + j * lda;
    double d = lj[j] - dot_ff(lj, lj, j);
    if (!(d > 0) || !isfinite(d))
      return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "matrix is not positive definite (Cholesky pivot <= 0)");
    lj[j] = (float)sqrt(d);
    c.j = j;
    BNDL_PROVIDER_TRY(ref_parallel_range(s, n - j - 1, 64, chol_column, &c));
  }
  size_t bytes = (size_t)n * (size_t)n * sizeof(double);
  c.u = s->host->alloc(s->host->self, bytes);
  if (c.u == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_status st = ref_parallel_range(s, n, 8, inverse_columns, &c);
  if (st == BNDL_OK)
    st = ref_parallel_range(s, n, 8, product_rows, &c);
  s->host->free(s->host->self, c.u);
  return st;
}

/* ---- Jacobi eigenvalues */

/* m <- J^T m J for the rotation J = [[c, s], [-s, c]] in the (p, q) plane (m is n x n,
 * full, symmetric): columns first (m J), then rows (J^T (m J)). */
static void rotate(double *m, int64_t n, int64_t p, int64_t q, double c, double s) {
  for (int64_t k = 0; k < n; k++) {
    double mkp = m[k * n + p], mkq = m[k * n + q];
    m[k * n + p] = c * mkp - s * mkq;
    m[k * n + q] = s * mkp + c * mkq;
  }
  for (int64_t k = 0; k < n; k++) {
    double mpk = m[p * n + k], mqk = m[q * n + k];
    m[p * n + k] = c * mpk - s * mqk;
    m[q * n + k] = s * mpk + c * mqk;
  }
}

bndl_status ref_sym_eigen(void *state, int64_t n, float *a, int64_t lda, int64_t k, float *values, float *vectors) {
  const ref_state *s = state;
  if (k < 0 || k > n)
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "eigenpair count outside 0..n");
  if (n == 0 || k == 0)
    return BNDL_OK;
  size_t nn = (size_t)n * (size_t)n;
  double *m = s->host->alloc(s->host->self, nn * sizeof *m);
  double *v = s->host->alloc(s->host->self, nn * sizeof *v); /* columns: eigenvectors */
  if (m == NULL || v == NULL) {
    if (m)
      s->host->free(s->host->self, m);
    if (v)
      s->host->free(s->host->self, v);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j <= i; j++)
      m[i * n + j] = m[j * n + i] = a[i * lda + j];
  memset(v, 0, nn * sizeof *v);
  for (int64_t i = 0; i < n; i++)
    v[i * n + i] = 1;
  double total = 0;
  for (size_t i = 0; i < nn; i++)
    total += m[i] * m[i];
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0;
    for (int64_t p = 0; p < n; p++)
      for (int64_t q = p + 1; q < n; q++)
        off += m[p * n + q] * m[p * n + q];
    if (off <= 1e-30 * total || off == 0)
      break;
    for (int64_t p = 0; p < n; p++) {
      for (int64_t q = p + 1; q < n; q++) {
        double apq = m[p * n + q];
        if (fabs(apq) < 1e-300)
          continue;
        /* choose the rotation angle that zeroes m[p][q] (the smaller of the two roots) */
        double theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), sn = t * c;
        /* A <- J^T A J with J = [[c, s], [-s, c]] in the (p, q) plane, V <- V J */
        rotate(m, n, p, q, c, sn);
        m[p * n + q] = m[q * n + p] = 0;
        for (int64_t r = 0; r < n; r++) {
          double vrp = v[r * n + p], vrq = v[r * n + q];
          v[r * n + p] = c * vrp - sn * vrq;
          v[r * n + q] = sn * vrp + c * vrq;
        }
      }
    }
  }
  /* pick the k largest eigenvalues (selection by repeated max: k is small) */
  unsigned char *used = (unsigned char *)a; /* a is documented as destroyed: reuse as flags */
  memset(used, 0, (size_t)n);
  for (int64_t out = 0; out < k; out++) {
    int64_t best = -1;
    for (int64_t i = 0; i < n; i++)
      if (!used[i] && (best < 0 || m[i * n + i] > m[best * n + best]))
        best = i;
    used[best] = 1;
    values[out] = (float)m[best * n + best];
    /* sign convention: the largest-magnitude component is positive */
    int64_t arg = 0;
    for (int64_t r = 1; r < n; r++)
      if (fabs(v[r * n + best]) > fabs(v[arg * n + best]))
        arg = r;
    double sign = v[arg * n + best] < 0 ? -1 : 1;
    for (int64_t r = 0; r < n; r++)
      vectors[out * n + r] = (float)(sign * v[r * n + best]);
  }
  s->host->free(s->host->self, m);
  s->host->free(s->host->self, v);
  return BNDL_OK;
}
