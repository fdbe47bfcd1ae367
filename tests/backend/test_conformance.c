/*
 * test_conformance.c - every op of every provider built, against ref in the same process.
 *
 * Each provider gets its own 2-thread context (bndl_context_set_backend); the oracle is a
 * context set to "ref". Ops a provider leaves out run on the fallback, and are checked
 * all the same (they then agree exactly). Shapes cover 0, 1, odd sizes (7, 33, 129), a
 * few large ones (those that make the providers cut work into blocks), every transpose,
 * padded leading dimensions, batches with gaps between matrices, alpha/beta in
 * {0, 1, -0.5, 2.5} with NaN in C when beta == 0, in-place calls. Cells outside an
 * output (padding, gaps) hold a sentinel that must survive.
 *
 * Tolerances (u = 2^-24, the unit roundoff of float), each sound for two independent
 * float implementations of the same exact value:
 *  - gemm, spmm: an element is a sum of t products (t = k, or the stored entries that
 *    meet it); any summation order is within gamma_{t+2} (|alpha| S + |beta c0|) of the
 *    exact value (Higham 3.1), S = sum |a_ip b_pj|; so two results differ by at most
 *    2 (t + 3) u (|alpha| S + |beta c0|). S is summed exactly in double for small shapes
 *    and bounded by Cauchy-Schwarz, ||a_i|| ||b_j|| >= S, for large ones.
 *  - row_norms: a float sum of squares is within gamma_{n+1} relative, sqrt halves it:
 *    ((cols + 2) / 2 + 2) u |ref| (ref sums in double).
 *  - scale_rows: one correctly rounded product: exact (==, NaN == NaN).
 *  - softmax: exp within a few ulps, its argument x - max rounded (|x - max| u relative),
 *    the float sum within cols u: (cols + 32 + |x - max|) u |ref|.
 *  - eltwise and backward: see elt_tol_fwd / elt_tol_bwd in backend_cases.h.
 *  - topk: exact (indices and values, tie and NaN order included): the order is fully
 *    specified by backend.h.
 *  - spd_inverse: A = Q diag(lambda) Q^T with lambda in [1, 10] (kappa = 10, ||A^-1|| = 1):
 *    max |A X - I| <= 4 n u kappa (residual of a backward-stable inverse) and
 *    max |X - X_ref| <= 8 n u kappa ||X|| (kappa times the backward error, for each);
 *    X exactly symmetric. Not positive definite, or NaN: BNDL_ERR_INVALID_ARGUMENT.
 *  - sym_eigen: top eigenvalues 10, 9, ... (gap 1) above the rest in [-1, 1], ||A|| = 10:
 *    |lambda - lambda_ref| <= 8 n u ||A|| (Weyl), max |A v - lambda v| <= 8 n u ||A||,
 *    eigenvectors under the sign convention within 8 n u ||A|| / gap (Davis-Kahan), the
 *    sign free only when the two largest |components| are that close. Structured cases
 *    (every provider, ref included): n = 1, 2; diagonal (identity, zero, repeats);
 *    block-diagonal with equal blocks; repeated eigenvalues behind a similarity;
 *    rank-deficient Gram matrices (most eigenvalues 0); n = 500 random: values, the
 *    residual as above, |v_i . v_j - delta_ij| <= 8 n u, the sign rule exactly; NaN and
 *    infinities refused; ref's tie order exactly, and ref on 1 and 2 threads bit for bit.
 *
 *  - lstm_forward (optional; providers without it must say BNDL_ERR_UNSUPPORTED and
 *    bndl_runtime_provides 0): against an LSTM in double here. A gate pre-activation is
 *    a sum of in + H + 2 terms, so within 2 (in + H + 4) u S of the exact value (S its
 *    sum of |terms|, from the double run); the activations and the cell and state
 *    updates add a few u and pass earlier errors on with a factor of at most about 1
 *    (|f| < 1, |o|, |tanh'| <= 1; W_hh h is part of S), so step t is held to
 *    2 (t + 1) (in + H + 8) u max(1, S_max so far), to first order.
 *
 * The worst |err| and err/tol of each op and provider are printed ("[conformance]").
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend_cases.h"
#include "backend_util.h"
#include "runtime/runtime.h"

#define SENTINEL 777.25f

static const char *g_names[8];
static int g_count;
static bndl_context *g_ref;      /* the oracle */
static bndl_context *g_ctx[8];   /* one per provider (NULL for ref itself) */

static int setup(void **state) {
  (void)state;
  g_count = conf_providers(g_names, 8);
  g_ref = conf_context("ref", 2);
  for (int i = 0; i < g_count; i++)
    g_ctx[i] = strcmp(g_names[i], "ref") == 0 ? NULL : conf_context(g_names[i], 2);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int i = 0; i < g_count; i++)
    bndl_context_free(g_ctx[i]);
  bndl_context_free(g_ref);
  return 0;
}

static void check_ok(bndl_status st, const char *what, const char *provider) {
  if (st != BNDL_OK)
    fail_msg("%s on %s: %s (%s)", what, provider, bndl_status_str(st), bndl_last_error_message());
}

/* ===================================================================== gemm */

typedef struct gemm_case {
  int ta, tb;
  int64_t m, n, k, batch, pad;
  float alpha, beta;
} gemm_case;

typedef struct gemm_data {
  gemm_case g;
  int64_t lda, ldb, ldc, sa, sb, sc, ar, br;
  float *a, *b, *c0;
} gemm_data;

static void gemm_data_make(conf_rng *r, const gemm_case *g, gemm_data *d) {
  memset(d, 0, sizeof *d);
  d->g = *g;
  d->ar = g->ta ? g->k : g->m;
  int64_t ac = g->ta ? g->m : g->k;
  d->br = g->tb ? g->n : g->k;
  int64_t bc = g->tb ? g->k : g->n;
  d->lda = ac + g->pad;
  d->ldb = bc + g->pad;
  d->ldc = g->n + g->pad;
  /* gaps between the matrices of a batch (odd, so strides are not multiples of rows) */
  d->sa = d->ar * d->lda + 5;
  d->sb = d->br * d->ldb + 3;
  d->sc = g->m * d->ldc + 7;
  size_t na = (size_t)(d->sa * g->batch), nb = (size_t)(d->sb * g->batch), nc = (size_t)(d->sc * g->batch);
  d->a = conf_malloc(na * sizeof(float));
  d->b = conf_malloc(nb * sizeof(float));
  d->c0 = conf_malloc(nc * sizeof(float));
  conf_fill(r, d->a, na, -1, 1);
  conf_fill(r, d->b, nb, -1, 1);
  for (size_t i = 0; i < nc; i++)
    d->c0[i] = SENTINEL;
  for (int64_t bt = 0; bt < g->batch; bt++)
    for (int64_t i = 0; i < g->m; i++)
      for (int64_t j = 0; j < g->n; j++)
        d->c0[bt * d->sc + i * d->ldc + j] = g->beta == 0.0f ? NAN : (float)conf_uniform(r, -1, 1);
}

static void gemm_data_free(gemm_data *d) {
  free(d->a);
  free(d->b);
  free(d->c0);
}

static size_t gemm_c_len(const gemm_data *d) { return (size_t)(d->sc * d->g.batch); }

static bndl_gemm_desc gemm_desc(const gemm_data *d, float *c) {
  bndl_gemm_desc x = {d->g.ta, d->g.tb, d->g.m, d->g.n, d->g.k, d->g.batch, d->g.alpha, d->g.beta,
                      d->a, d->lda, d->sa, d->b, d->ldb, d->sb, c, d->ldc, d->sc};
  return x;
}

static double op_a(const gemm_data *d, int64_t bt, int64_t i, int64_t p) {
  const float *a = d->a + bt * d->sa;
  return d->g.ta ? a[p * d->lda + i] : a[i * d->lda + p];
}

static double op_b(const gemm_data *d, int64_t bt, int64_t p, int64_t j) {
  const float *b = d->b + bt * d->sb;
  return d->g.tb ? b[j * d->ldb + p] : b[p * d->ldb + j];
}

/* S[i][j] = sum_p |op(A)_ip op(B)_pj| (exact == 1) or its Cauchy-Schwarz bound, and the
 * exact product in double when `exact_out` is not NULL. */
static void gemm_sums(const gemm_data *d, int64_t bt, int exact, double *s, double *exact_out) {
  const gemm_case *g = &d->g;
  if (exact) {
    for (int64_t i = 0; i < g->m; i++)
      for (int64_t j = 0; j < g->n; j++) {
        double acc = 0, abs_acc = 0;
        for (int64_t p = 0; p < g->k; p++) {
          double t = op_a(d, bt, i, p) * op_b(d, bt, p, j);
          acc += t;
          abs_acc += fabs(t);
        }
        s[i * g->n + j] = abs_acc;
        if (exact_out)
          exact_out[i * g->n + j] = acc;
      }
    return;
  }
  double *na = conf_malloc((size_t)g->m * sizeof *na), *nb = conf_malloc((size_t)g->n * sizeof *nb);
  for (int64_t i = 0; i < g->m; i++) {
    double t = 0;
    for (int64_t p = 0; p < g->k; p++)
      t += op_a(d, bt, i, p) * op_a(d, bt, i, p);
    na[i] = sqrt(t);
  }
  for (int64_t j = 0; j < g->n; j++) {
    double t = 0;
    for (int64_t p = 0; p < g->k; p++)
      t += op_b(d, bt, p, j) * op_b(d, bt, p, j);
    nb[j] = sqrt(t);
  }
  for (int64_t i = 0; i < g->m; i++)
    for (int64_t j = 0; j < g->n; j++)
      s[i * g->n + j] = na[i] * nb[j] * (1 + 1e-12);
  free(na);
  free(nb);
}

/* Compares got with want (both after the op) over every cell: outputs within tolerance
 * (factor `f` in f (k + 3) u (|alpha| S + |beta c0|)), everything else untouched. */
static void gemm_compare(const gemm_data *d, const float *got, const float *want, double f, const char *provider,
                         conf_stats *st) {
  const gemm_case *g = &d->g;
  int exact = (double)g->m * (double)g->n * (double)g->k <= (double)(1 << 21);
  double *s = conf_malloc((size_t)(g->m * g->n + 1) * sizeof *s);
  for (int64_t bt = 0; bt < g->batch; bt++) {
    gemm_sums(d, bt, exact, s, NULL);
    for (int64_t i = 0; i < g->m; i++)
      for (int64_t j = 0; j < g->n; j++) {
        size_t at = (size_t)(bt * d->sc + i * d->ldc + j);
        double c0 = g->beta == 0.0f ? 0 : fabs((double)d->c0[at]);
        double tol = f * (double)(g->k + 3) * CONF_U * (fabs((double)g->alpha) * s[i * g->n + j] + fabs(g->beta) * c0);
        if (!isfinite(got[at]) || !conf_stats_add(st, got[at], want[at], tol))
          fail_msg("gemm on %s: ta %d tb %d m %lld n %lld k %lld batch %lld pad %lld alpha %g beta %g: C[%lld][%lld][%lld]"
                   " = %.9g, ref %.9g, tol %.3g",
                   provider, g->ta, g->tb, (long long)g->m, (long long)g->n, (long long)g->k, (long long)g->batch,
                   (long long)g->pad, g->alpha, g->beta, (long long)bt, (long long)i, (long long)j, got[at], want[at],
                   tol);
      }
  }
  /* every cell that is not an output keeps its sentinel */
  for (size_t at = 0; at < gemm_c_len(d); at++) {
    int64_t bt = (int64_t)at / d->sc, off = (int64_t)at % d->sc, i = off / (d->ldc ? d->ldc : 1),
            j = off % (d->ldc ? d->ldc : 1);
    int inside = d->ldc > 0 && bt < g->batch && i < g->m && j < g->n;
    if (!inside && (got[at] != SENTINEL || want[at] != SENTINEL))
      fail_msg("gemm on %s wrote outside C (cell %zu: %g / ref %g)", provider, at, got[at], want[at]);
  }
  free(s);
  st->cases++;
}

static void gemm_run(const char *provider, bndl_context *ctx, const gemm_case *g, conf_rng *r, conf_stats *st) {
  gemm_data d;
  gemm_data_make(r, g, &d);
  size_t nc = gemm_c_len(&d);
  float *cp = conf_malloc(nc * sizeof(float)), *cr = conf_malloc(nc * sizeof(float));
  memcpy(cp, d.c0, nc * sizeof(float));
  memcpy(cr, d.c0, nc * sizeof(float));
  bndl_gemm_desc dp = gemm_desc(&d, cp), dr = gemm_desc(&d, cr);
  check_ok(bndl_op_gemm(ctx, &dp), "gemm", provider);
  check_ok(bndl_op_gemm(g_ref, &dr), "gemm", "ref");
  gemm_compare(&d, cp, cr, 2.0, provider, st);
  free(cp);
  free(cr);
  gemm_data_free(&d);
}

static const float ALPHAS[] = {1.0f, -0.5f, 0.0f, 2.5f};
static const float BETAS[] = {0.0f, 1.0f, -0.5f};

static void test_gemm(void **state) {
  (void)state;
  /* under valgrind: 0, 1, 7, 20 */
  int64_t dims[] = {0, 1, 7, 33, 129};
  int nd = 5;
  if (conf_scale() == 0) {
    dims[3] = 20;
    nd = 4;
  }
  /* large: the shapes that make providers cut C (rows, columns, GEMV blocks) */
  static const gemm_case large2[] = {
      {0, 0, 513, 1024, 300, 1, 0, 1.0f, 0.0f},   {1, 0, 513, 1024, 300, 1, 0, 1.0f, 0.0f},
      {0, 1, 513, 1024, 300, 1, 3, -0.5f, 1.0f},  {1, 1, 513, 1024, 300, 1, 0, 1.0f, 0.0f},
      {0, 1, 1024, 513, 300, 1, 0, 2.5f, -0.5f},  {0, 0, 1, 4096, 2048, 1, 0, 1.0f, 0.0f},
      {1, 1, 1, 4096, 2048, 1, 5, 1.0f, 1.0f},    {0, 0, 4096, 1, 600, 1, 0, 1.0f, 0.0f},
      {1, 1, 4096, 1, 600, 1, 0, -0.5f, 0.0f},    {0, 0, 256, 256, 256, 2, 3, 1.0f, -0.5f},
      {0, 1, 64, 1024, 256, 1, 0, 1.0f, 0.0f},    {1, 0, 100, 100, 100, 40, 1, 1.0f, 0.0f},
  };
  static const gemm_case large1[] = {
      {0, 0, 257, 300, 130, 1, 0, 1.0f, 0.0f}, {1, 1, 257, 300, 130, 1, 3, -0.5f, 1.0f},
      {0, 1, 130, 257, 129, 1, 0, 1.0f, 0.0f}, {0, 0, 1, 4096, 600, 1, 0, 1.0f, 0.0f},
      {1, 1, 1, 4096, 600, 1, 0, 1.0f, 0.0f},  {0, 1, 3000, 1, 700, 1, 0, 1.0f, 0.0f},
      {0, 0, 64, 1024, 256, 2, 0, 1.0f, 0.0f},
  };
  static const gemm_case large0[] = {
      {0, 0, 130, 130, 130, 1, 0, 1.0f, 0.0f},
      {0, 1, 1, 2100, 1000, 1, 0, 1.0f, 0.0f},
  };
  const gemm_case *large = conf_scale() == 2 ? large2 : conf_scale() == 1 ? large1 : large0;
  size_t n_large = conf_scale() == 2 ? sizeof large2 / sizeof *large2
                                     : conf_scale() == 1 ? sizeof large1 / sizeof *large1 : sizeof large0 / sizeof *large0;
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {1234};
    conf_stats st;
    conf_stats_init(&st, "gemm", g_names[p]);
    int64_t idx = 0;
    for (int im = 0; im < nd; im++)
      for (int in = 0; in < nd; in++)
        for (int ik = 0; ik < nd; ik++)
          for (int t = 0; t < 4; t++, idx++) {
            /* under valgrind one transpose combination per shape, in turn (oneDNN JIT-compiles
             * a kernel per shape, which valgrind instruments slowly) */
            if (conf_scale() == 0 && t != (im + in + ik) % 4)
              continue;
            gemm_case g = {t & 1, t >> 1, dims[im], dims[in], dims[ik], 1, 0, ALPHAS[idx % 4], BETAS[(idx / 4) % 3]};
            g.pad = (idx / 12) % 2 ? 3 : 0;
            g.batch = (idx / 24) % 2 ? 3 : 1;
            gemm_run(g_names[p], g_ctx[p], &g, &r, &st);
          }
    for (size_t i = 0; i < n_large; i++)
      gemm_run(g_names[p], g_ctx[p], &large[i], &r, &st);
    conf_stats_print(&st, "2 (k+3) u (|alpha| sum|a||b| + |beta c0|)");
  }
}

/* ===================================================================== spmm */

static void spmm_run(const char *provider, bndl_context *ctx, const csr *a, int trans, int64_t n, int64_t pad,
                     int use_values, float alpha, float beta, conf_rng *r, conf_stats *st) {
  int64_t brows = trans ? a->rows : a->cols, crows = trans ? a->cols : a->rows;
  int64_t ldb = n + pad, ldc = n + pad + 1;
  size_t nb = (size_t)(brows * ldb), nc = (size_t)(crows * ldc);
  float *b = conf_malloc(nb * sizeof *b), *c0 = conf_malloc(nc * sizeof *c0);
  float *cp = conf_malloc(nc * sizeof *cp), *cr = conf_malloc(nc * sizeof *cr);
  conf_fill(r, b, nb, -1, 1);
  for (size_t i = 0; i < nc; i++)
    c0[i] = (int64_t)(i % (size_t)ldc) < n ? (beta == 0.0f ? NAN : (float)conf_uniform(r, -1, 1)) : SENTINEL;
  memcpy(cp, c0, nc * sizeof *cp);
  memcpy(cr, c0, nc * sizeof *cr);
  const float *values = use_values ? a->values : NULL;
  bndl_spmm_desc dp = {trans, a->rows, a->cols, n, a->indptr, a->indices, values, alpha, beta, b, ldb, cp, ldc};
  bndl_spmm_desc dr = dp;
  dr.c = cr;
  check_ok(bndl_op_spmm(ctx, &dp), "spmm", provider);
  check_ok(bndl_op_spmm(g_ref, &dr), "spmm", "ref");
  /* S and term counts per output element, in double */
  double *s = calloc(nc + 1, sizeof *s);
  int64_t *cnt = calloc((size_t)crows + 1, sizeof *cnt);
  assert_non_null(s);
  assert_non_null(cnt);
  for (int64_t i = 0; i < a->rows; i++)
    for (int64_t q = a->indptr[i]; q < a->indptr[i + 1]; q++) {
      int64_t col = a->indices[q];
      double v = values ? values[q] : 1.0;
      int64_t out = trans ? col : i, in = trans ? i : col;
      cnt[out]++;
      for (int64_t j = 0; j < n; j++)
        s[out * ldc + j] += fabs(v * b[in * ldb + j]);
    }
  for (int64_t i = 0; i < crows; i++)
    for (int64_t j = 0; j < ldc; j++) {
      size_t at = (size_t)(i * ldc + j);
      if (j >= n) {
        if (cp[at] != SENTINEL || cr[at] != SENTINEL)
          fail_msg("spmm on %s wrote outside C", provider);
        continue;
      }
      double c0t = beta == 0.0f ? 0 : fabs(c0[at]);
      double tol = 2.0 * (double)(cnt[i] + 3) * CONF_U * (fabs(alpha) * s[at] + fabs(beta) * c0t);
      if (!isfinite(cp[at]) || !conf_stats_add(st, cp[at], cr[at], tol))
        fail_msg("spmm on %s: %lld x %lld trans %d n %lld: C[%lld][%lld] = %.9g, ref %.9g, tol %.3g", provider,
                 (long long)a->rows, (long long)a->cols, trans, (long long)n, (long long)i, (long long)j, cp[at], cr[at],
                 tol);
    }
  st->cases++;
  free(s);
  free(cnt);
  free(b);
  free(c0);
  free(cp);
  free(cr);
}

static void test_spmm(void **state) {
  (void)state;
  static const int64_t rows[] = {0, 1, 7, 129}, cols[] = {1, 7, 33}, ns[] = {0, 1, 7, 33};
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {99};
    conf_stats st;
    conf_stats_init(&st, "spmm", g_names[p]);
    int64_t idx = 0;
    for (int ir = 0; ir < 4; ir++)
      for (int ic = 0; ic < 3; ic++) {
        csr a;
        csr_make(&r, &a, rows[ir], cols[ic], 0.3);
        for (int in = 0; in < 4; in++)
          for (int t = 0; t < 2; t++, idx++)
            spmm_run(g_names[p], g_ctx[p], &a, t, ns[in], idx % 2 ? 3 : 0, idx % 3 != 0, ALPHAS[idx % 4],
                     BETAS[(idx / 4) % 3], &r, &st);
        csr_free(&a);
      }
    int scale = conf_scale();
    if (scale > 0) {
      csr a;
      csr_make(&r, &a, scale == 2 ? 20000 : 2000, scale == 2 ? 5000 : 3000, 0.01);
      for (int t = 0; t < 2; t++)
        spmm_run(g_names[p], g_ctx[p], &a, t, 64, 0, 1, 1.0f, t ? 0.0f : -0.5f, &r, &st);
      csr_free(&a);
    }
    conf_stats_print(&st, "2 (t+3) u (|alpha| sum|v||b| + |beta c0|), t = terms");
  }
}

/* ===================================================================== rows */

static void test_row_norms(void **state) {
  (void)state;
  static const int64_t rows[] = {0, 1, 7, 129}, cols[] = {0, 1, 7, 33, 1024};
  /* magnitudes whose squares overflow or underflow float */
  static const double scales[] = {1, 1e15, 1e-15, 1e30, 1e-30};
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {7};
    conf_stats st;
    conf_stats_init(&st, "row_norms", g_names[p]);
    for (int ir = 0; ir < 4; ir++)
      for (int ic = 0; ic < 5; ic++) {
        int64_t m = rows[ir], n = cols[ic], ldx = n + (ic % 2 ? 5 : 0);
        float *x = conf_malloc((size_t)(m * ldx) * sizeof *x);
        float *op = conf_malloc((size_t)m * sizeof *op), *orf = conf_malloc((size_t)m * sizeof *orf);
        for (int64_t i = 0; i < m; i++)
          for (int64_t j = 0; j < ldx; j++)
            x[i * ldx + j] = j < n ? (float)(conf_uniform(&r, -1, 1) * scales[i % 5]) : NAN;
        check_ok(bndl_op_row_norms(g_ctx[p], m, n, x, ldx, op), "row_norms", g_names[p]);
        check_ok(bndl_op_row_norms(g_ref, m, n, x, ldx, orf), "row_norms", "ref");
        for (int64_t i = 0; i < m; i++) {
          double tol = ((double)(n + 2) / 2 + 2) * CONF_U * fabs(orf[i]);
          if (!conf_stats_add(&st, op[i], orf[i], tol))
            fail_msg("row_norms on %s: %lld x %lld row %lld: %.9g, ref %.9g", g_names[p], (long long)m, (long long)n,
                     (long long)i, op[i], orf[i]);
        }
        st.cases++;
        free(x);
        free(op);
        free(orf);
      }
    conf_stats_print(&st, "((cols+2)/2 + 2) u |ref|");
  }
}

static void test_scale_rows(void **state) {
  (void)state;
  static const int64_t rows[] = {0, 1, 7, 129}, cols[] = {0, 1, 7, 33, 1024};
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {8};
    conf_stats st;
    conf_stats_init(&st, "scale_rows", g_names[p]);
    for (int ir = 0; ir < 4; ir++)
      for (int ic = 0; ic < 5; ic++) {
        int64_t m = rows[ir], n = cols[ic], ldx = n + (ic % 2 ? 5 : 0);
        size_t len = (size_t)(m * ldx);
        float *x = conf_malloc(len * sizeof *x), *xp = conf_malloc(len * sizeof *x), *xr = conf_malloc(len * sizeof *x);
        float *s = conf_malloc((size_t)m * sizeof *s);
        for (size_t i = 0; i < len; i++)
          x[i] = (int64_t)(i % (size_t)ldx) < n ? (float)conf_uniform(&r, -3, 3) : SENTINEL;
        for (int64_t i = 0; i < m; i++)
          s[i] = i % 4 == 0 ? 0.0f : (i % 4 == 1 ? -1.0f : (float)conf_uniform(&r, -2, 2));
        memcpy(xp, x, len * sizeof *x);
        memcpy(xr, x, len * sizeof *x);
        check_ok(bndl_op_scale_rows(g_ctx[p], m, n, xp, ldx, s), "scale_rows", g_names[p]);
        check_ok(bndl_op_scale_rows(g_ref, m, n, xr, ldx, s), "scale_rows", "ref");
        for (size_t i = 0; i < len; i++)
          if (!conf_stats_add(&st, xp[i], xr[i], 0))
            fail_msg("scale_rows on %s: %lld x %lld cell %zu: %.9g, ref %.9g", g_names[p], (long long)m,
                     (long long)n, i, xp[i], xr[i]);
        st.cases++;
        free(x);
        free(xp);
        free(xr);
        free(s);
      }
    conf_stats_print(&st, "exact");
  }
}

static void test_softmax(void **state) {
  (void)state;
  static const int64_t rows[] = {0, 1, 7, 129}, cols[] = {0, 1, 7, 33, 1000};
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {9};
    conf_stats st;
    conf_stats_init(&st, "softmax", g_names[p]);
    int64_t idx = 0;
    for (int ir = 0; ir < 4; ir++)
      for (int ic = 0; ic < 5; ic++)
        for (int inplace = 0; inplace < 2; inplace++, idx++) {
          int64_t m = rows[ir], n = cols[ic], ldx = n + (idx % 3 ? 2 : 0), ldy = inplace ? ldx : n + (idx % 2);
          size_t lx = (size_t)(m * ldx), ly = (size_t)(m * ldy);
          float *x = conf_malloc(lx * sizeof *x), *yp = conf_malloc(ly * sizeof *x), *yr = conf_malloc(ly * sizeof *x);
          for (size_t i = 0; i < lx; i++) {
            int64_t j = (int64_t)(i % (size_t)ldx);
            /* a masked-out entry (-inf) now and then, never a whole row */
            x[i] = j >= n ? SENTINEL : (j > 0 && conf_below(&r, 20) == 0 ? -INFINITY : (float)conf_uniform(&r, -20, 20));
          }
          for (size_t i = 0; i < ly; i++)
            yp[i] = yr[i] = inplace ? x[i] : SENTINEL;
          const float *xp = inplace ? yp : x, *xr = inplace ? yr : x;
          check_ok(bndl_op_softmax(g_ctx[p], m, n, xp, ldx, yp, ldy), "softmax", g_names[p]);
          check_ok(bndl_op_softmax(g_ref, m, n, xr, ldx, yr, ldy), "softmax", "ref");
          for (int64_t i = 0; i < m; i++) {
            float mx = -INFINITY;
            for (int64_t j = 0; j < n; j++)
              mx = x[i * ldx + j] > mx ? x[i * ldx + j] : mx;
            for (int64_t j = 0; j < ldy; j++) {
              size_t at = (size_t)(i * ldy + j);
              if (j >= n) {
                if (yp[at] != yr[at] && !(isnan(yp[at]) && isnan(yr[at])))
                  fail_msg("softmax on %s wrote outside y", g_names[p]);
                continue;
              }
              double d = isinf(x[i * ldx + j]) ? 0 : fabs((double)x[i * ldx + j] - mx);
              double tol = ((double)n + 32 + d) * CONF_U * fabs(yr[at]);
              if (!conf_stats_add(&st, yp[at], yr[at], tol))
                fail_msg("softmax on %s: %lld x %lld in-place %d: y[%lld][%lld] = %.9g, ref %.9g, tol %.3g", g_names[p],
                         (long long)m, (long long)n, inplace, (long long)i, (long long)j, yp[at], yr[at], tol);
            }
          }
          st.cases++;
          free(x);
          free(yp);
          free(yr);
        }
    conf_stats_print(&st, "(cols + 32 + |x - max|) u |ref|");
  }
}

/* ===================================================================== eltwise */

static void test_eltwise(void **state) {
  (void)state;
  int scale = conf_scale();
  int64_t sizes[] = {0, 1, 7, 33, 1000, 2 * 16384 + 5, 100000};
  int n_sizes = scale == 2 ? 7 : scale == 1 ? 6 : 5;
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {10};
    for (int kind = BNDL_ELT_RELU; kind <= BNDL_ELT_LOG; kind++) {
      bndl_eltwise_kind k = (bndl_eltwise_kind)kind;
      conf_stats fw, bw;
      char fname[48], bname[48];
      snprintf(fname, sizeof fname, "eltwise %s", elt_name(k));
      snprintf(bname, sizeof bname, "backward %s", elt_name(k));
      conf_stats_init(&fw, fname, g_names[p]);
      conf_stats_init(&bw, bname, g_names[p]);
      for (int is = 0; is < n_sizes; is++)
        for (int inplace = 0; inplace < 2; inplace++) {
          int64_t n = sizes[is];
          size_t bytes = (size_t)n * sizeof(float);
          float *x = conf_malloc(bytes), *dy = conf_malloc(bytes), *yp = conf_malloc(bytes), *yr = conf_malloc(bytes);
          elt_inputs(&r, k, x, n);
          conf_fill(&r, dy, (size_t)n, -2, 2);
          /* forward: y = f(x), in place means y == x */
          if (inplace) {
            memcpy(yp, x, bytes);
            memcpy(yr, x, bytes);
          }
          check_ok(bndl_op_eltwise(g_ctx[p], k, n, inplace ? yp : x, yp), fname, g_names[p]);
          check_ok(bndl_op_eltwise(g_ref, k, n, inplace ? yr : x, yr), fname, "ref");
          for (int64_t i = 0; i < n; i++)
            if (!conf_stats_add(&fw, yp[i], yr[i], elt_tol_fwd(k, x[i], yr[i])))
              fail_msg("%s on %s: x = %.9g: %.9g, ref %.9g, tol %.3g", fname, g_names[p], x[i], yp[i], yr[i],
                       elt_tol_fwd(k, x[i], yr[i]));
          fw.cases++;
          /* backward: dx = dy f'(x), in place means dx == dy */
          if (inplace) {
            memcpy(yp, dy, bytes);
            memcpy(yr, dy, bytes);
          }
          check_ok(bndl_op_eltwise_backward(g_ctx[p], k, n, x, inplace ? yp : dy, yp), bname, g_names[p]);
          check_ok(bndl_op_eltwise_backward(g_ref, k, n, x, inplace ? yr : dy, yr), bname, "ref");
          for (int64_t i = 0; i < n; i++) {
            double tol = elt_tol_bwd(k, x[i], dy[i], yr[i]);
            if (!conf_stats_add(&bw, yp[i], yr[i], tol))
              fail_msg("%s on %s: x = %.9g dy = %.9g: %.9g, ref %.9g, tol %.3g", bname, g_names[p], x[i], dy[i], yp[i],
                       yr[i], tol);
          }
          bw.cases++;
          free(x);
          free(dy);
          free(yp);
          free(yr);
        }
      conf_stats_print(&fw, "2 sens_8ulp(f, x) + 16 u |ref| (+ GELU term)");
      conf_stats_print(&bw, "2 |dy| sens_8ulp(f', x) + 16 u |ref| (+ GELU term)");
    }
  }
}

/* ===================================================================== topk */

static void topk_run(const char *provider, bndl_context *ctx, int64_t m, int64_t n, int64_t k, int with_exclude,
                     int64_t pad, conf_rng *r, conf_stats *st) {
  int64_t ldx = n + pad, ldk = k + pad;
  size_t lx = (size_t)(m * ldx), lk = (size_t)(m * ldk);
  float *x = conf_malloc(lx * sizeof *x);
  uint8_t *ex = with_exclude ? conf_malloc(lx) : NULL;
  for (size_t i = 0; i < lx; i++) {
    int64_t c = conf_below(r, 100);
    /* eighths in [-4, 4]: many exact ties; NaN and infinities now and then */
    x[i] = c < 2 ? NAN : c < 3 ? INFINITY : c < 4 ? -INFINITY : (float)(conf_below(r, 65) - 32) / 8.0f;
    if (ex)
      ex[i] = (i / (size_t)(ldx ? ldx : 1)) % 7 == 3 ? 1 : conf_below(r, 5) == 0; /* some rows all excluded */
  }
  int32_t *ip = conf_malloc(lk * sizeof *ip), *ir = conf_malloc(lk * sizeof *ir);
  float *vp = conf_malloc(lk * sizeof *vp), *vr = conf_malloc(lk * sizeof *vr);
  for (size_t i = 0; i < lk; i++) {
    ip[i] = ir[i] = -7;
    vp[i] = vr[i] = SENTINEL;
  }
  bndl_topk_desc dp = {m, n, k, x, ldx, ex, ip, vp, ldk}, dr = {m, n, k, x, ldx, ex, ir, vr, ldk};
  check_ok(bndl_op_topk(ctx, &dp), "topk", provider);
  check_ok(bndl_op_topk(g_ref, &dr), "topk", "ref");
  for (size_t i = 0; i < lk; i++) {
    st->values++;
    if (ip[i] != ir[i] || !conf_same_bits(&vp[i], &vr[i], 1))
      fail_msg("topk on %s: %lld x %lld k %lld exclude %d: slot %lld of row %lld: (%d, %g), ref (%d, %g)", provider,
               (long long)m, (long long)n, (long long)k, with_exclude, (long long)(i % (size_t)ldk),
               (long long)(i / (size_t)ldk), ip[i], vp[i], ir[i], vr[i]);
  }
  st->cases++;
  free(x);
  free(ex);
  free(ip);
  free(ir);
  free(vp);
  free(vr);
}

static void test_topk(void **state) {
  (void)state;
  static const int64_t rows[] = {0, 1, 7, 65}, cols[] = {0, 1, 7, 33, 1000}, ks[] = {0, 1, 5, 40};
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {11};
    conf_stats st;
    conf_stats_init(&st, "topk", g_names[p]);
    int64_t idx = 0;
    for (int ir = 0; ir < 4; ir++)
      for (int ic = 0; ic < 5; ic++)
        for (int ik = 0; ik < 4; ik++)
          for (int e = 0; e < 2; e++, idx++)
            topk_run(g_names[p], g_ctx[p], rows[ir], cols[ic], ks[ik], e, idx % 3 == 1 ? 3 : 0, &r, &st);
    if (conf_scale() == 2)
      topk_run(g_names[p], g_ctx[p], 300, 100000, 100, 1, 0, &r, &st);
    else if (conf_scale() == 1)
      topk_run(g_names[p], g_ctx[p], 64, 20000, 50, 0, 1, &r, &st);
    conf_stats_print(&st, "exact");
  }
}

/* ===================================================================== spd_inverse */

/* max |A X - I| over the n x n matrices (A, X leading dimension lda), in double */
static double inverse_residual(int64_t n, const float *a, const float *x, int64_t lda) {
  double worst = 0;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < n; j++) {
      double s = i == j ? -1.0 : 0.0;
      for (int64_t p = 0; p < n; p++)
        s += (double)a[i * lda + p] * x[p * lda + j];
      worst = fabs(s) > worst ? fabs(s) : worst;
    }
  return worst;
}

static void test_spd_inverse(void **state) {
  (void)state;
  int scale = conf_scale();
  int64_t sizes[] = {0, 1, 2, 7, 33, 129, 300, 513};
  int n_sizes = scale == 2 ? 8 : scale == 1 ? 7 : 5;
  const double kappa = 10;
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {12};
    conf_stats st, res;
    conf_stats_init(&st, "spd_inverse", g_names[p]);
    conf_stats_init(&res, "spd residual", g_names[p]);
    for (int is = 0; is < n_sizes; is++) {
      int64_t n = sizes[is], lda = n + (is % 2 ? 3 : 0);
      size_t len = (size_t)(n * lda);
      double *lambda = conf_malloc((size_t)n * sizeof *lambda);
      for (int64_t i = 0; i < n; i++)
        lambda[i] = i == 0 ? 1.0 : i == 1 ? kappa : conf_uniform(&r, 1, kappa);
      float *a = conf_malloc(len * sizeof *a), *xp = conf_malloc(len * sizeof *a), *xr = conf_malloc(len * sizeof *a);
      for (size_t i = 0; i < len; i++)
        a[i] = SENTINEL;
      sym_make(&r, n, lambda, a, lda);
      memcpy(xp, a, len * sizeof *a);
      memcpy(xr, a, len * sizeof *a);
      /* only the lower triangle may be read: poison the upper one */
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++)
          xp[i * lda + j] = xr[i * lda + j] = NAN;
      check_ok(bndl_op_spd_inverse(g_ctx[p], n, xp, lda), "spd_inverse", g_names[p]);
      check_ok(bndl_op_spd_inverse(g_ref, n, xr, lda), "spd_inverse", "ref");
      double tol = 8.0 * (double)n * CONF_U * kappa; /* ||X|| = 1 / min lambda = 1 */
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < lda; j++) {
          size_t at = (size_t)(i * lda + j);
          if (j >= n) {
            if (xp[at] != SENTINEL)
              fail_msg("spd_inverse on %s wrote outside A", g_names[p]);
            continue;
          }
          if (xp[at] != xp[j * lda + i])
            fail_msg("spd_inverse on %s: n %lld: X not symmetric at (%lld, %lld)", g_names[p], (long long)n,
                     (long long)i, (long long)j);
          if (!conf_stats_add(&st, xp[at], xr[at], tol))
            fail_msg("spd_inverse on %s: n %lld: X[%lld][%lld] = %.9g, ref %.9g, tol %.3g", g_names[p], (long long)n,
                     (long long)i, (long long)j, xp[at], xr[at], tol);
        }
      double rtol = 4.0 * (double)n * CONF_U * kappa, rp = inverse_residual(n, a, xp, lda);
      if (!conf_stats_add(&res, rp, 0, rtol))
        fail_msg("spd_inverse on %s: n %lld: max |A X - I| = %.3g > %.3g", g_names[p], (long long)n, rp, rtol);
      st.cases++;
      res.cases++;
      free(lambda);
      free(a);
      free(xp);
      free(xr);
    }
    /* failures: not positive definite (one negative eigenvalue), and a NaN */
    int64_t n = 9;
    double lambda[9] = {1, 2, 3, -0.5, 4, 5, 6, 7, 8};
    float a[81];
    sym_make(&r, n, lambda, a, n);
    assert_int_equal(bndl_op_spd_inverse(g_ctx[p], n, a, n), BNDL_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < 9; i++)
      lambda[i] = 1 + i;
    sym_make(&r, n, lambda, a, n);
    a[5 * 9 + 2] = NAN;
    assert_int_equal(bndl_op_spd_inverse(g_ctx[p], n, a, n), BNDL_ERR_INVALID_ARGUMENT);
    conf_stats_print(&st, "8 n u kappa ||X||, kappa = 10");
    conf_stats_print(&res, "|A X - I| <= 4 n u kappa");
  }
}

/* ===================================================================== sym_eigen */

/* Compares eigenpairs of `a` (n x n, lda) from a provider with ref's. `gap` is the
 * smallest distance of a wanted eigenvalue from any other, `norm` ||A||_2. */
static void eigen_compare(const char *provider, int64_t n, int64_t k, const float *a, int64_t lda, const float *vp,
                          const float *vecp, const float *vr, const float *vecr, double norm, double gap,
                          conf_stats *sv, conf_stats *svec, conf_stats *sres) {
  double tol_val = 8.0 * (double)n * CONF_U * norm, tol_vec = tol_val / gap, tol_res = tol_val;
  for (int64_t e = 0; e < k; e++) {
    if (!conf_stats_add(sv, vp[e], vr[e], tol_val))
      fail_msg("sym_eigen on %s: n %lld k %lld: value %lld = %.9g, ref %.9g, tol %.3g", provider, (long long)n,
               (long long)k, (long long)e, vp[e], vr[e], tol_val);
    if (e > 0 && vp[e] > vp[e - 1])
      fail_msg("sym_eigen on %s: values not descending", provider);
    const float *v = vecp + e * n, *w = vecr + e * n;
    /* the sign is free only when ref's two largest |components| are within tol_vec */
    double big = 0, second = 0;
    for (int64_t i = 0; i < n; i++) {
      double m = fabs(w[i]);
      if (m > big) {
        second = big;
        big = m;
      } else if (m > second) {
        second = m;
      }
    }
    double sign = 1;
    if (big - second <= 2 * tol_vec) {
      double dot = 0;
      for (int64_t i = 0; i < n; i++)
        dot += (double)v[i] * w[i];
      sign = dot < 0 ? -1 : 1;
    }
    double norm2 = 0;
    for (int64_t i = 0; i < n; i++) {
      norm2 += (double)v[i] * v[i];
      if (!conf_stats_add(svec, sign * v[i], w[i], tol_vec))
        fail_msg("sym_eigen on %s: n %lld k %lld: vector %lld[%lld] = %.9g, ref %.9g, tol %.3g", provider,
                 (long long)n, (long long)k, (long long)e, (long long)i, v[i], w[i], tol_vec);
    }
    if (fabs(sqrt(norm2) - 1) > 8.0 * (double)n * CONF_U)
      fail_msg("sym_eigen on %s: vector %lld has norm %.9g", provider, (long long)e, sqrt(norm2));
    /* A v = lambda v (A symmetric from its lower triangle) */
    for (int64_t i = 0; i < n; i++) {
      double s = -(double)vp[e] * v[i];
      for (int64_t j = 0; j < n; j++)
        s += (double)(j <= i ? a[i * lda + j] : a[j * lda + i]) * v[j];
      if (!conf_stats_add(sres, fabs(s), 0, tol_res))
        fail_msg("sym_eigen on %s: n %lld: |A v - lambda v| = %.3g > %.3g", provider, (long long)n, fabs(s), tol_res);
    }
  }
}

static void eigen_run(const char *provider, bndl_context *ctx, int64_t n, int64_t k, const float *a, int64_t lda,
                      double norm, double gap, conf_stats *sv, conf_stats *svec, conf_stats *sres) {
  size_t len = (size_t)(n * lda);
  float *ap = conf_malloc(len * sizeof *ap), *ar = conf_malloc(len * sizeof *ar);
  memcpy(ap, a, len * sizeof *ap);
  memcpy(ar, a, len * sizeof *ar);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++)
      ap[i * lda + j] = ar[i * lda + j] = NAN; /* only the lower triangle may be read */
  float *vp = conf_malloc((size_t)k * sizeof *vp), *vr = conf_malloc((size_t)k * sizeof *vr);
  float *vecp = conf_malloc((size_t)(k * n) * sizeof *vecp), *vecr = conf_malloc((size_t)(k * n) * sizeof *vecr);
  check_ok(bndl_op_sym_eigen(ctx, n, ap, lda, k, vp, vecp), "sym_eigen", provider);
  check_ok(bndl_op_sym_eigen(g_ref, n, ar, lda, k, vr, vecr), "sym_eigen", "ref");
  eigen_compare(provider, n, k, a, lda, vp, vecp, vr, vecr, norm, gap, sv, svec, sres);
  sv->cases++;
  svec->cases++;
  sres->cases++;
  free(ap);
  free(ar);
  free(vp);
  free(vr);
  free(vecp);
  free(vecr);
}

static void test_sym_eigen(void **state) {
  (void)state;
  int scale = conf_scale();
  int64_t sizes[] = {1, 2, 7, 33, 129, 300};
  int n_sizes = scale == 2 ? 6 : scale == 1 ? 5 : 4;
  for (int p = 0; p < g_count; p++) {
    if (g_ctx[p] == NULL)
      continue;
    conf_rng r = {13};
    conf_stats sv, svec, sres;
    conf_stats_init(&sv, "eigenvalues", g_names[p]);
    conf_stats_init(&svec, "eigenvectors", g_names[p]);
    conf_stats_init(&sres, "eigen residual", g_names[p]);
    for (int is = 0; is < n_sizes; is++) {
      int64_t n = sizes[is], lda = n + (is % 2 ? 0 : 2);
      /* 10, 9, ... for the first min(n, 8), the rest in [-1, 1]: wanted ones gap >= 1 */
      double *lambda = conf_malloc((size_t)n * sizeof *lambda);
      for (int64_t i = 0; i < n; i++)
        lambda[i] = i < 8 ? 10.0 - (double)i : conf_uniform(&r, -1, 1);
      float *a = conf_malloc((size_t)(n * lda) * sizeof *a);
      sym_make(&r, n, lambda, a, lda);
      int64_t ks[] = {0, 1, n < 5 ? n : 5, n <= 8 ? n : 8};
      for (int ik = 0; ik < 4; ik++)
        eigen_run(g_names[p], g_ctx[p], n, ks[ik], a, lda, 10.0, 1.0, &sv, &svec, &sres);
      free(lambda);
      free(a);
    }
    /* a plain random symmetric matrix: values and residuals; vectors where the gap is clear */
    {
      int64_t n = scale == 0 ? 20 : 65, k = 6;
      float *a = conf_malloc((size_t)(n * n) * sizeof *a);
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j <= i; j++)
          a[i * n + j] = a[j * n + i] = (float)conf_uniform(&r, -1, 1);
      double fro = 0;
      for (int64_t i = 0; i < n * n; i++)
        fro += (double)a[i] * a[i];
      float *vr = conf_malloc((size_t)(n + 1) * sizeof *vr), *vecr = conf_malloc((size_t)(n * (n + 1)) * sizeof *vecr);
      float *ar = conf_malloc((size_t)(n * n) * sizeof *a);
      memcpy(ar, a, (size_t)(n * n) * sizeof *a);
      check_ok(bndl_op_sym_eigen(g_ref, n, ar, n, n, vr, vecr), "sym_eigen", "ref");
      double gap = INFINITY;
      for (int64_t e = 0; e < k; e++)
        gap = fmin(gap, vr[e] - vr[e + 1]);
      eigen_run(g_names[p], g_ctx[p], n, k, a, n, sqrt(fro), gap, &sv, &svec, &sres);
      free(a);
      free(ar);
      free(vr);
      free(vecr);
    }
    /* k outside 0..n */
    float a1[4] = {1, 0, 0, 1}, v1[4], vec1[8];
    assert_int_equal(bndl_op_sym_eigen(g_ctx[p], 2, a1, 2, 3, v1, vec1), BNDL_ERR_INVALID_ARGUMENT);
    assert_int_equal(bndl_op_sym_eigen(g_ctx[p], 2, a1, 2, -1, v1, vec1), BNDL_ERR_INVALID_ARGUMENT);
    conf_stats_print(&sv, "8 n u ||A||");
    conf_stats_print(&svec, "8 n u ||A|| / gap (sign convention)");
    conf_stats_print(&sres, "|A v - lambda v| <= 8 n u ||A||");
  }
}

/* ============================================= sym_eigen: structured and large matrices */

/* Runs sym_eigen on a copy of `a` (n x n, its upper triangle poisoned) on ctx and checks
 * what holds whatever the spectrum: values descending, within 8 n u ||A|| of want[]
 * (when given); unit, mutually orthogonal vectors within 8 n u; the residual
 * max |A v - lambda v| within 8 n u ||A||; the sign rule exactly (largest |component|
 * positive, the first one on ties). `norm` is ||A||_2. vals, vecs get the result. */
static void eigen_checked(bndl_context *ctx, const char *provider, const char *what, int64_t n, int64_t k,
                          const float *a, double norm, const double *want, float *vals, float *vecs, conf_stats *sres) {
  float *w = conf_malloc((size_t)(n * n) * sizeof *w);
  memcpy(w, a, (size_t)(n * n) * sizeof *w);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++)
      w[i * n + j] = NAN;
  check_ok(bndl_op_sym_eigen(ctx, n, w, n, k, vals, vecs), what, provider);
  double tol = 8.0 * (double)n * CONF_U * norm, tol_dot = 8.0 * (double)n * CONF_U;
  for (int64_t e = 0; e < k; e++) {
    if (e > 0 && vals[e] > vals[e - 1])
      fail_msg("sym_eigen on %s (%s): values not descending at %lld", provider, what, (long long)e);
    if (want != NULL && !(fabs(vals[e] - want[e]) <= tol))
      fail_msg("sym_eigen on %s (%s): n %lld k %lld: value %lld = %.9g, want %.9g, tol %.3g", provider, what,
               (long long)n, (long long)k, (long long)e, vals[e], want[e], tol);
    const float *v = vecs + e * n;
    int64_t arg = 0;
    for (int64_t i = 1; i < n; i++)
      if (fabsf(v[i]) > fabsf(v[arg]))
        arg = i;
    if (!(v[arg] > 0))
      fail_msg("sym_eigen on %s (%s): vector %lld breaks the sign rule (v[%lld] = %g)", provider, what, (long long)e,
               (long long)arg, v[arg]);
    for (int64_t f = 0; f <= e; f++) {
      double dot = 0;
      for (int64_t i = 0; i < n; i++)
        dot += (double)v[i] * vecs[f * n + i];
      if (!(fabs(dot - (e == f ? 1.0 : 0.0)) <= tol_dot))
        fail_msg("sym_eigen on %s (%s): n %lld: v%lld . v%lld = %.9g", provider, what, (long long)n, (long long)e,
                 (long long)f, dot);
    }
    for (int64_t i = 0; i < n; i++) {
      double s = -(double)vals[e] * v[i];
      for (int64_t j = 0; j < n; j++)
        s += (double)(j <= i ? a[i * n + j] : a[j * n + i]) * v[j];
      if (!conf_stats_add(sres, fabs(s), 0, tol))
        fail_msg("sym_eigen on %s (%s): n %lld: |A v - lambda v| = %.3g > %.3g", provider, what, (long long)n,
                 fabs(s), tol);
    }
  }
  sres->cases++;
  free(w);
}

/* a = X^T X for a users x items 0/1 matrix X with about `density` of its entries set:
 * integer entries (exact in float), rank at most min(users, items). */
static void gram_make(conf_rng *r, int64_t users, int64_t items, double density, float *a) {
  unsigned char *x = conf_malloc((size_t)(users * items));
  for (int64_t i = 0; i < users * items; i++)
    x[i] = conf_uniform(r, 0, 1) < density;
  for (int64_t i = 0; i < items; i++)
    for (int64_t j = 0; j <= i; j++) {
      int64_t s = 0;
      for (int64_t u = 0; u < users; u++)
        s += x[u * items + i] & x[u * items + j];
      a[i * items + j] = a[j * items + i] = (float)s;
    }
  free(x);
}

static int desc_order(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return a > b ? -1 : a < b;
}

/* Matrices whose eigenvalues repeat or vanish, the smallest sizes, non-finite input, and
 * n = 500 random matrices: every provider (ref included) against the invariants of
 * eigen_checked, non-ref providers against ref's eigenvalues (and its eigenvectors where
 * the gap defines them); ref's own choices where backend.h leaves room (the order of
 * equal eigenvalues, their vectors for diagonal matrices: ref_linalg.c) exactly; ref
 * bit-identical on 1 and 2 threads at n = 500 (where its passes run on the pool). */
static void test_sym_eigen_structured(void **state) {
  (void)state;
  int scale = conf_scale();
  int64_t big = scale == 0 ? 129 : 500;
  bndl_context *ref1 = conf_context("ref", 1);
  for (int p = 0; p < g_count; p++) {
    const char *name = g_names[p];
    int is_ref = g_ctx[p] == NULL;
    bndl_context *ctx = is_ref ? g_ref : g_ctx[p];
    conf_rng r = {71};
    conf_stats sres;
    conf_stats_init(&sres, "eigen residual (structured)", name);
    float *vals = conf_malloc((size_t)big * sizeof *vals), *vecs = conf_malloc((size_t)(big * big) * sizeof *vecs);
    double *want = conf_malloc((size_t)big * sizeof *want);

    /* n = 1; n = 2 with eigenvalues 2 and -3: vectors (2, 1) / sqrt 5 and (-1, 2) / sqrt 5
     * under the sign rule; k = 1 and k = n */
    float a1[1] = {-2.5f};
    want[0] = -2.5;
    eigen_checked(ctx, name, "n = 1", 1, 1, a1, 2.5, want, vals, vecs, &sres);
    assert_true(fabs(vecs[0] - 1) <= 8 * CONF_U);
    float a2[4] = {1, 2, 2, -2};
    want[0] = 2;
    want[1] = -3;
    for (int64_t k = 1; k <= 2; k++) {
      eigen_checked(ctx, name, "n = 2", 2, k, a2, 3, want, vals, vecs, &sres);
      double h = 1 / sqrt(5.0);
      assert_true(fabs(vecs[0] - 2 * h) <= 16 * CONF_U && fabs(vecs[1] - h) <= 16 * CONF_U);
      if (k == 2)
        assert_true(fabs(vecs[2] + h) <= 16 * CONF_U && fabs(vecs[3] - 2 * h) <= 16 * CONF_U);
    }

    /* diagonal: the identity, zero, and repeated values in any order; ref returns the unit
     * vectors, equal values in increasing row index */
    {
      enum { N = 9 };
      static const double diag_sets[3][N] = {{1, 1, 1, 1, 1, 1, 1, 1, 1},
                                             {0, 0, 0, 0, 0, 0, 0, 0, 0},
                                             {3, -1, 5, 3, 0, 5, 2, -7, 3}};
      static const int order[N] = {2, 5, 0, 3, 8, 6, 4, 1, 7}; /* of the third set */
      for (int set = 0; set < 3; set++) {
        float a[N * N] = {0};
        double nrm = 0;
        for (int i = 0; i < N; i++) {
          a[i * N + i] = (float)diag_sets[set][i];
          want[i] = diag_sets[set][i];
          nrm = fmax(nrm, fabs(want[i]));
        }
        qsort(want, N, sizeof *want, desc_order);
        for (int64_t k = 3; k <= N; k += N - 3) {
          eigen_checked(ctx, name, "diagonal", N, k, a, nrm > 0 ? nrm : 1, want, vals, vecs, &sres);
          if (!is_ref)
            continue;
          for (int64_t e = 0; e < k; e++) {
            assert_true(vals[e] == (float)want[e]);
            for (int i = 0; i < N; i++)
              if (vecs[e * N + i] != (i == (set == 2 ? order[e] : e) ? 1.0f : 0.0f))
                fail_msg("ref sym_eigen: diagonal set %d, vector %lld is not the expected unit vector", set,
                         (long long)e);
          }
        }
      }
    }

    /* block-diagonal with three equal 6 x 6 blocks: every eigenvalue three times */
    {
      enum { B = 6, N = 18 };
      const double lambda[B] = {4, 2.5, 1, -0.5, -2, -3.5};
      float blk[B * B], a[N * N] = {0};
      sym_make(&r, B, lambda, blk, B);
      for (int b = 0; b < 3; b++)
        for (int i = 0; i < B; i++)
          for (int j = 0; j < B; j++)
            a[(b * B + i) * N + b * B + j] = blk[i * B + j];
      for (int i = 0; i < N; i++)
        want[i] = lambda[i / 3];
      for (int64_t k = 5; k <= N; k += N - 5)
        eigen_checked(ctx, name, "block-diagonal", N, k, a, 4, want, vals, vecs, &sres);
    }

    /* repeated eigenvalues behind a random orthogonal similarity (in float they become
     * tight clusters): 6 five times, 3 ten times, the rest 25 values in [-1, 1] */
    {
      enum { N = 40 };
      double lambda[N];
      for (int i = 0; i < N; i++)
        lambda[i] = i < 5 ? 6 : i < 15 ? 3 : conf_uniform(&r, -1, 1);
      float *a = conf_malloc(N * N * sizeof *a);
      sym_make(&r, N, lambda, a, N);
      memcpy(want, lambda, sizeof lambda);
      qsort(want, N, sizeof *want, desc_order);
      for (int64_t k = 12; k <= N; k += N - 12)
        eigen_checked(ctx, name, "repeated eigenvalues", N, k, a, 6, want, vals, vecs, &sres);
      free(a);
    }

    /* rank-deficient Gram matrices X^T X with more items than users (most eigenvalues 0),
     * small and at n = big: the leading pairs against ref (vectors where the gap defines
     * them), then k beyond the rank (k = n for the small one): the rest within tol of 0 */
    for (int size = 0; size < 2; size++) {
      int64_t items = size == 0 ? 40 : big, users = size == 0 ? 12 : big / 3;
      float *a = conf_malloc((size_t)(items * items) * sizeof *a), *ar = conf_malloc((size_t)(items * items) * sizeof *a);
      gram_make(&r, users, items, 0.3, a);
      memcpy(ar, a, (size_t)(items * items) * sizeof *a);
      float *rv = conf_malloc((size_t)items * sizeof *rv), *rvec = conf_malloc((size_t)(items * items) * sizeof *rvec);
      check_ok(bndl_op_sym_eigen(g_ref, items, ar, items, items, rv, rvec), "sym_eigen", "ref");
      double nrm = rv[0];
      for (int64_t i = 0; i < items; i++)
        want[i] = rv[i];
      int64_t k_lead = size == 0 ? 8 : 64, k_all = size == 0 ? items : users + 20;
      if (!is_ref) {
        conf_stats sv, svec, sr;
        conf_stats_init(&sv, "eigenvalues (Gram)", name);
        conf_stats_init(&svec, "eigenvectors (Gram)", name);
        conf_stats_init(&sr, "eigen residual (Gram)", name);
        double gap = INFINITY;
        for (int64_t e = 0; e < k_lead; e++)
          gap = fmin(gap, (double)rv[e] - rv[e + 1]);
        eigen_run(name, ctx, items, k_lead, a, items, nrm, gap, &sv, &svec, &sr);
        conf_stats_print(&sv, "8 n u ||A||");
        conf_stats_print(&svec, "8 n u ||A|| / gap (sign convention)");
        conf_stats_print(&sr, "|A v - lambda v| <= 8 n u ||A||");
      }
      eigen_checked(ctx, name, "rank-deficient Gram", items, k_all, a, nrm, want, vals, vecs, &sres);
      for (int64_t e = users; e < k_all; e++)
        if (!(fabs(vals[e]) <= 8.0 * (double)items * CONF_U * nrm))
          fail_msg("sym_eigen on %s: Gram of rank <= %lld: eigenvalue %lld = %g", name, (long long)users,
                   (long long)e, vals[e]);
      if (is_ref && size == 1) { /* 1 and 2 threads, bit for bit */
        float *v1 = conf_malloc((size_t)k_all * sizeof *v1), *vec1 = conf_malloc((size_t)(k_all * items) * sizeof *vec1);
        memcpy(ar, a, (size_t)(items * items) * sizeof *a);
        check_ok(bndl_op_sym_eigen(ref1, items, ar, items, k_all, v1, vec1), "sym_eigen", "ref (1 thread)");
        if (!conf_same_bits(v1, vals, (size_t)k_all) || !conf_same_bits(vec1, vecs, (size_t)(k_all * items)))
          fail_msg("ref sym_eigen: Gram n %lld: 1 and 2 threads differ", (long long)items);
        free(v1);
        free(vec1);
      }
      free(a);
      free(ar);
      free(rv);
      free(rvec);
    }

    /* n = big random symmetric, entries in [-1, 1]: ||A||_2 from ref's full spectrum */
    {
      int64_t n = big, k = 64;
      float *a = conf_malloc((size_t)(n * n) * sizeof *a), *ar = conf_malloc((size_t)(n * n) * sizeof *a);
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j <= i; j++)
          a[i * n + j] = a[j * n + i] = (float)conf_uniform(&r, -1, 1);
      memcpy(ar, a, (size_t)(n * n) * sizeof *a);
      float *rv = conf_malloc((size_t)n * sizeof *rv), *rvec = conf_malloc((size_t)(n * n) * sizeof *rvec);
      check_ok(bndl_op_sym_eigen(g_ref, n, ar, n, n, rv, rvec), "sym_eigen", "ref");
      double nrm = fmax(fabs(rv[0]), fabs(rv[n - 1]));
      for (int64_t i = 0; i < n; i++)
        want[i] = rv[i];
      eigen_checked(ctx, name, "random", n, k, a, nrm, want, vals, vecs, &sres);
      if (is_ref) {
        float v1[64], *vec1 = conf_malloc((size_t)(k * n) * sizeof *vec1);
        memcpy(ar, a, (size_t)(n * n) * sizeof *a);
        check_ok(bndl_op_sym_eigen(ref1, n, ar, n, k, v1, vec1), "sym_eigen", "ref (1 thread)");
        if (!conf_same_bits(v1, vals, (size_t)k) || !conf_same_bits(vec1, vecs, (size_t)(k * n)))
          fail_msg("ref sym_eigen: random n %lld: 1 and 2 threads differ", (long long)n);
        free(vec1);
      }
      free(a);
      free(ar);
      free(rv);
      free(rvec);
    }

    /* non-finite input (lower triangle): refused */
    {
      float a[16];
      const float bad[3] = {NAN, INFINITY, -INFINITY};
      for (int b = 0; b < 3; b++) {
        for (int i = 0; i < 16; i++)
          a[i] = i % 5 == 0 ? 2.0f : 0.25f;
        a[b == 0 ? 9 : b == 1 ? 15 : 12] = bad[b]; /* (2, 1), (3, 3), (3, 0) */
        assert_int_equal(bndl_op_sym_eigen(ctx, 4, a, 4, 2, vals, vecs), BNDL_ERR_INVALID_ARGUMENT);
      }
    }
    conf_stats_print(&sres, "|A v - lambda v| <= 8 n u ||A||");
    free(vals);
    free(vecs);
    free(want);
  }
  bndl_context_free(ref1);
}

/* ===================================================================== lstm */

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

/* nn.LSTM's cell in double over time-major x (len x batch x in) from (h0, c0) (NULL =
 * zero); y (len x batch x H), the final h and c, and per step the largest |terms| sum
 * of a pre-activation (smax[t], running maximum). */
static void lstm_double(const bndl_lstm_desc *d, double *y, double *h, double *c, double *smax) {
  int64_t in = d->input, hid = d->hidden, n = d->batch;
  double *g = conf_malloc((size_t)(4 * hid) * sizeof *g), *nh = conf_malloc((size_t)(n * hid) * sizeof *nh);
  for (int64_t i = 0; i < n * hid; i++) {
    h[i] = d->h0 ? d->h0[i] : 0;
    c[i] = d->c0 ? d->c0[i] : 0;
  }
  double run = 1;
  for (int64_t t = 0; t < d->len; t++) {
    for (int64_t b = 0; b < n; b++) {
      const float *xt = d->x + (t * n + b) * in;
      for (int64_t r = 0; r < 4 * hid; r++) {
        double v = (double)d->b_ih[r] + d->b_hh[r], a = fabs((double)d->b_ih[r]) + fabs((double)d->b_hh[r]);
        for (int64_t i = 0; i < in; i++) {
          v += (double)d->w_ih[r * in + i] * xt[i];
          a += fabs((double)d->w_ih[r * in + i] * xt[i]);
        }
        for (int64_t j = 0; j < hid; j++) {
          v += (double)d->w_hh[r * hid + j] * h[b * hid + j];
          a += fabs((double)d->w_hh[r * hid + j] * h[b * hid + j]);
        }
        g[r] = v;
        run = a > run ? a : run;
      }
      for (int64_t j = 0; j < hid; j++) {
        double gi = sigm(g[j]), gf = sigm(g[hid + j]), gg = tanh(g[2 * hid + j]), go = sigm(g[3 * hid + j]);
        c[b * hid + j] = gf * c[b * hid + j] + gi * gg;
        nh[b * hid + j] = go * tanh(c[b * hid + j]);
        y[(t * n + b) * hid + j] = nh[b * hid + j];
      }
    }
    memcpy(h, nh, (size_t)(n * hid) * sizeof *h);
    smax[t] = run;
  }
  free(g);
  free(nh);
}

typedef struct lstm_case {
  int64_t len, batch, input, hidden;
  int with_state;
} lstm_case;

static void lstm_run(const char *provider, bndl_context *ctx, const lstm_case *lc, conf_rng *r, conf_stats *st) {
  int64_t in = lc->input, hid = lc->hidden, n = lc->batch, len = lc->len, g4 = 4 * hid;
  size_t nx = (size_t)(len * n * in), ny = (size_t)(len * n * hid), ns = (size_t)(n * hid);
  float *x = conf_malloc(nx * sizeof *x), *w_ih = conf_malloc((size_t)(g4 * in) * sizeof *x);
  float *w_hh = conf_malloc((size_t)(g4 * hid) * sizeof *x), *b = conf_malloc((size_t)(2 * g4) * sizeof *x);
  float *h0 = conf_malloc(ns * sizeof *x), *c0 = conf_malloc(ns * sizeof *x);
  float *y = conf_malloc((ny + 1) * sizeof *x), *hout = conf_malloc((ns + 1) * sizeof *x);
  float *cout = conf_malloc((ns + 1) * sizeof *x);
  double bound = 1.0 / sqrt((double)hid); /* nn.LSTM's initialisation range */
  conf_fill(r, x, nx, -1, 1);
  conf_fill(r, w_ih, (size_t)(g4 * in), -bound, bound);
  conf_fill(r, w_hh, (size_t)(g4 * hid), -bound, bound);
  conf_fill(r, b, (size_t)(2 * g4), -bound, bound);
  conf_fill(r, h0, ns, -0.9, 0.9);
  conf_fill(r, c0, ns, -2, 2);
  for (size_t i = 0; i <= ny; i++)
    y[i] = SENTINEL;
  for (size_t i = 0; i <= ns; i++)
    hout[i] = cout[i] = SENTINEL;
  bndl_lstm_desc d = {len, n, in, hid, x, w_ih, w_hh, b, b + g4, lc->with_state ? h0 : NULL,
                      lc->with_state ? c0 : NULL, y, hout, cout, NULL, 0};
  void *work = NULL;
  if (conf_below(r, 2)) { /* the caller's workspace, or the provider's own */
    size_t bytes = 0;
    check_ok(bndl_op_lstm_workspace(ctx, &d, &bytes), "lstm_workspace", provider);
    work = conf_malloc(bytes + 64);
    d.work = (void *)(((uintptr_t)work + 63) & ~(uintptr_t)63);
  }
  check_ok(bndl_op_lstm_forward(ctx, &d), "lstm_forward", provider);
  if (work != NULL) { /* again on the weights the first call prepared: the same bits */
    float *y2 = conf_malloc((ny + 1) * sizeof *x);
    d.y = y2;
    d.weights_ready = 1;
    d.h_out = d.c_out = NULL;
    check_ok(bndl_op_lstm_forward(ctx, &d), "lstm_forward (weights ready)", provider);
    if (!conf_same_bits(y, y2, ny))
      fail_msg("lstm_forward on %s: another result with the weights prepared by the first call", provider);
    free(y2);
  }
  free(work);
  double *yr = conf_malloc((ny + 1) * sizeof *yr), *hr = conf_malloc((ns + 1) * sizeof *yr);
  double *cr = conf_malloc((ns + 1) * sizeof *yr), *smax = conf_malloc((size_t)(len + 1) * sizeof *yr);
  lstm_double(&d, yr, hr, cr, smax);
  for (int64_t t = 0; t < len; t++)
    for (size_t i = 0; i < (size_t)(n * hid); i++) {
      size_t at = (size_t)(t * n * hid) + i;
      double tol = 2.0 * (double)(t + 1) * (double)(in + hid + 8) * CONF_U * smax[t];
      if (!conf_stats_add(st, y[at], yr[at], tol))
        fail_msg("lstm_forward on %s: len %lld batch %lld in %lld H %lld: y[%lld][%zu] = %.9g, want %.9g, tol %.3g",
                 provider, (long long)len, (long long)n, (long long)in, (long long)hid, (long long)t, i, y[at],
                 yr[at], tol);
      if (t == len - 1) {
        if (!conf_stats_add(st, hout[i], hr[i], tol) || !conf_stats_add(st, cout[i], cr[i], 4 * tol))
          fail_msg("lstm_forward on %s: final state [%zu]: h %.9g (want %.9g) c %.9g (want %.9g)", provider, i,
                   hout[i], hr[i], cout[i], cr[i]);
      }
    }
  if (y[ny] != SENTINEL || hout[ns] != SENTINEL || cout[ns] != SENTINEL)
    fail_msg("lstm_forward on %s wrote past an output", provider);
  st->cases++;
  free(x);
  free(w_ih);
  free(w_hh);
  free(b);
  free(h0);
  free(c0);
  free(y);
  free(hout);
  free(cout);
  free(yr);
  free(hr);
  free(cr);
  free(smax);
}

static void test_lstm_forward(void **state) {
  (void)state;
  int scale = conf_scale();
  lstm_case cases[] = {
      {1, 1, 1, 1, 0},  {1, 1, 7, 5, 1},   {5, 1, 16, 8, 0},  {5, 1, 16, 8, 1},  {50, 1, 64, 64, 0},
      {3, 7, 9, 33, 1}, {17, 3, 33, 7, 0}, {12, 64, 64, 64, 1}, {50, 64, 64, 64, 0},
      {0, 3, 4, 4, 0}, /* empty: nothing written */
  };
  int n_cases = (int)(sizeof cases / sizeof cases[0]);
  for (int p = 0; p < g_count; p++) {
    bndl_context *ctx = g_ctx[p] ? g_ctx[p] : g_ref;
    if (!bndl_runtime_provides(ctx, offsetof(bndl_backend_ops, lstm_forward))) {
      float v = 0;
      bndl_lstm_desc d = {1, 1, 1, 1, &v, &v, &v, &v, &v, NULL, NULL, &v, NULL, NULL, NULL, 0};
      size_t bytes = 1;
      assert_int_equal(bndl_op_lstm_forward(ctx, &d), BNDL_ERR_UNSUPPORTED);
      assert_int_equal(bndl_op_lstm_workspace(ctx, &d, &bytes), BNDL_ERR_UNSUPPORTED);
      assert_int_equal(bytes, 0);
      printf("[conformance] lstm_forward     %-9s not provided (the model layer composes it)\n", g_names[p]);
      continue;
    }
    conf_rng r = {41};
    conf_stats st;
    conf_stats_init(&st, "lstm_forward", g_names[p]);
    for (int c = 0; c < n_cases; c++) {
      if (scale < 2 && cases[c].len * cases[c].batch > 200)
        continue;
      lstm_run(g_names[p], ctx, &cases[c], &r, &st);
    }
    for (int c = 0; c < 4 + 4 * scale; c++) { /* random shapes */
      lstm_case lc = {1 + conf_below(&r, 20), 1 + conf_below(&r, 9), 1 + conf_below(&r, 40), 1 + conf_below(&r, 40),
                      (int)conf_below(&r, 2)};
      lstm_run(g_names[p], ctx, &lc, &r, &st);
    }
    conf_stats_print(&st, "2 (t + 1) (in + H + 8) u max(1, S)");
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gemm),       cmocka_unit_test(test_spmm),        cmocka_unit_test(test_row_norms),
      cmocka_unit_test(test_scale_rows), cmocka_unit_test(test_softmax),     cmocka_unit_test(test_eltwise),
      cmocka_unit_test(test_topk),       cmocka_unit_test(test_spd_inverse), cmocka_unit_test(test_sym_eigen),
      cmocka_unit_test(test_sym_eigen_structured), cmocka_unit_test(test_lstm_forward),
  };
  conf_filter();
  return cmocka_run_group_tests(tests, setup, teardown);
}
