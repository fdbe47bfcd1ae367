/*
 * test_oracle.c - the ref provider itself, on small cases, against naive loops in double
 * and hand-worked values: the conformance suite trusts ref, this is why.
 *
 * Tolerances are those of one float computation against the exact value (half the
 * two-implementation bounds of test_conformance.c): gemm and spmm (t + 3) u (|alpha| S +
 * |beta c0|); row_norms 2u |exact| (ref sums in double); softmax (cols + 16) u |exact|;
 * eltwise half of elt_tol_*; spd_inverse and sym_eigen as in conformance.
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

static bndl_context *g_ref;

static int setup(void **state) {
  (void)state;
  g_ref = conf_context("ref", 2);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bndl_context_free(g_ref);
  return 0;
}

static void test_gemm_naive(void **state) {
  (void)state;
  conf_rng r = {21};
  static const int64_t dims[] = {1, 2, 3, 5, 17};
  static const float alphas[] = {1.0f, -0.5f, 0.0f, 2.5f}, betas[] = {0.0f, 1.0f, -0.5f};
  int64_t idx = 0;
  for (int im = 0; im < 5; im++)
    for (int in = 0; in < 5; in++)
      for (int ik = 0; ik < 5; ik++)
        for (int t = 0; t < 4; t++, idx++) {
          int ta = t & 1, tb = t >> 1;
          int64_t m = dims[im], n = dims[in], k = dims[ik], batch = idx % 3 == 0 ? 2 : 1, pad = idx % 2;
          float alpha = alphas[idx % 4], beta = betas[(idx / 4) % 3];
          int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
          int64_t lda = ac + pad, ldb = bc + pad, ldc = n + pad, sa = ar * lda + 1, sb = br * ldb + 2,
                  sc = m * ldc + 3;
          float *a = conf_malloc((size_t)(sa * batch) * sizeof(float));
          float *b = conf_malloc((size_t)(sb * batch) * sizeof(float));
          float *c = conf_malloc((size_t)(sc * batch) * sizeof(float));
          float *c0 = conf_malloc((size_t)(sc * batch) * sizeof(float));
          conf_fill(&r, a, (size_t)(sa * batch), -1, 1);
          conf_fill(&r, b, (size_t)(sb * batch), -1, 1);
          conf_fill(&r, c0, (size_t)(sc * batch), -1, 1);
          if (beta == 0.0f)
            conf_fill_nan(c0, (size_t)(sc * batch));
          memcpy(c, c0, (size_t)(sc * batch) * sizeof(float));
          bndl_gemm_desc d = {ta, tb, m, n, k, batch, alpha, beta, a, lda, sa, b, ldb, sb, c, ldc, sc};
          assert_int_equal(bndl_op_gemm(g_ref, &d), BNDL_OK);
          for (int64_t bt = 0; bt < batch; bt++)
            for (int64_t i = 0; i < m; i++)
              for (int64_t j = 0; j < n; j++) {
                double s = 0, sabs = 0;
                for (int64_t p = 0; p < k; p++) {
                  double x = ta ? a[bt * sa + p * lda + i] : a[bt * sa + i * lda + p];
                  double y = tb ? b[bt * sb + j * ldb + p] : b[bt * sb + p * ldb + j];
                  s += x * y;
                  sabs += fabs(x * y);
                }
                double c0v = beta == 0.0f ? 0 : c0[bt * sc + i * ldc + j];
                double want = alpha * s + beta * c0v;
                double tol = (double)(k + 3) * CONF_U * (fabs(alpha) * sabs + fabs(beta) * fabs(c0v));
                double got = c[bt * sc + i * ldc + j];
                if (!(fabs(got - want) <= tol))
                  fail_msg("ref gemm ta %d tb %d %lldx%lldx%lld: C[%lld][%lld] = %.9g, exact %.9g", ta, tb, (long long)m,
                           (long long)n, (long long)k, (long long)i, (long long)j, got, want);
              }
          free(a);
          free(b);
          free(c);
          free(c0);
        }
}

/* A one-column C (ref's GEMV path) is exactly the first column of the same product with
 * two columns (the panel path): the same terms summed in the same order. */
static void test_gemm_one_column(void **state) {
  (void)state;
  conf_rng r = {23};
  static const int64_t ms[] = {1, 7, 300}, ks[] = {1, 64, 257, 600};
  static const float alphas[] = {1.0f, -0.5f, 2.5f}, betas[] = {0.0f, 1.0f, -0.5f};
  for (int im = 0; im < 3; im++)
    for (int ik = 0; ik < 4; ik++)
      for (int ta = 0; ta < 2; ta++)
        for (int v = 0; v < 3; v++) {
          int64_t m = ms[im], k = ks[ik], lda = ta ? m + 1 : k + 1;
          float alpha = alphas[v], beta = betas[(v + ik) % 3];
          float *a = conf_malloc((size_t)((ta ? k : m) * lda) * sizeof(float));
          float *b = conf_malloc((size_t)(k * 2) * sizeof(float));
          float *b1 = conf_malloc((size_t)k * sizeof(float));
          float *c2 = conf_malloc((size_t)(m * 2) * sizeof(float)), *c1 = conf_malloc((size_t)m * sizeof(float));
          conf_fill(&r, a, (size_t)((ta ? k : m) * lda), -1, 1);
          conf_fill(&r, b, (size_t)(k * 2), -1, 1);
          conf_fill(&r, c2, (size_t)(m * 2), -1, 1);
          for (int64_t p = 0; p < k; p++)
            b1[p] = b[2 * p];
          for (int64_t i = 0; i < m; i++)
            c1[i] = c2[2 * i];
          bndl_gemm_desc d2 = {ta, 0, m, 2, k, 1, alpha, beta, a, lda, 0, b, 2, 0, c2, 2, 0};
          bndl_gemm_desc d1 = {ta, 0, m, 1, k, 1, alpha, beta, a, lda, 0, b1, 1, 0, c1, 1, 0};
          assert_int_equal(bndl_op_gemm(g_ref, &d2), BNDL_OK);
          assert_int_equal(bndl_op_gemm(g_ref, &d1), BNDL_OK);
          for (int64_t i = 0; i < m; i++)
            if (memcmp(&c1[i], &c2[2 * i], sizeof(float)) != 0)
              fail_msg("ref gemm ta %d %lldx1x%lld: C[%lld] = %.9g, the two-column product gives %.9g", ta,
                       (long long)m, (long long)k, (long long)i, c1[i], c2[2 * i]);
          free(a);
          free(b);
          free(b1);
          free(c1);
          free(c2);
        }
}

static void test_spmm_naive(void **state) {
  (void)state;
  conf_rng r = {22};
  for (int t = 0; t < 2; t++) {
    csr a;
    csr_make(&r, &a, 9, 6, 0.4);
    int64_t n = 5, ldb = 6, ldc = 7, brows = t ? 9 : 6, crows = t ? 6 : 9;
    float *b = conf_malloc((size_t)(brows * ldb) * sizeof(float)), *c = conf_malloc((size_t)(crows * ldc) * sizeof(float));
    conf_fill(&r, b, (size_t)(brows * ldb), -1, 1);
    conf_fill(&r, c, (size_t)(crows * ldc), -1, 1);
    float *c0 = conf_malloc((size_t)(crows * ldc) * sizeof(float));
    memcpy(c0, c, (size_t)(crows * ldc) * sizeof(float));
    bndl_spmm_desc d = {t, 9, 6, n, a.indptr, a.indices, a.values, -0.5f, 2.0f, b, ldb, c, ldc};
    assert_int_equal(bndl_op_spmm(g_ref, &d), BNDL_OK);
    /* dense A, then the product */
    double dense[9][6] = {{0}};
    for (int64_t i = 0; i < 9; i++)
      for (int64_t q = a.indptr[i]; q < a.indptr[i + 1]; q++)
        dense[i][a.indices[q]] = a.values[q];
    for (int64_t i = 0; i < crows; i++)
      for (int64_t j = 0; j < n; j++) {
        double s = 0, sabs = 0;
        for (int64_t p = 0; p < brows; p++) {
          double av = t ? dense[p][i] : dense[i][p], x = av * b[p * ldb + j];
          s += x;
          sabs += fabs(x);
        }
        double want = -0.5 * s + 2.0 * c0[i * ldc + j];
        double tol = (double)(brows + 3) * CONF_U * (0.5 * sabs + 2.0 * fabs(c0[i * ldc + j]));
        if (!(fabs(c[i * ldc + j] - want) <= tol))
          fail_msg("ref spmm trans %d: C[%lld][%lld] = %.9g, exact %.9g", t, (long long)i, (long long)j, c[i * ldc + j],
                   want);
      }
    csr_free(&a);
    free(b);
    free(c);
    free(c0);
  }
}

static void test_rows_naive(void **state) {
  (void)state;
  /* row norms: 3-4-5, zeros, and a row whose squares overflow float */
  float x[3 * 4] = {3, 4, 0, 99, 0, 0, 0, 99, 3e30f, 4e30f, 0, 99};
  float out[3];
  assert_int_equal(bndl_op_row_norms(g_ref, 3, 3, x, 4, out), BNDL_OK);
  assert_true(fabs(out[0] - 5.0) <= 2 * CONF_U * 5);
  assert_true(out[1] == 0.0f);
  assert_true(fabs(out[2] - 5e30) <= 2 * CONF_U * 5e30);
  /* scale rows: exact products, padding untouched */
  float s[3] = {2, -1, 0.5f};
  assert_int_equal(bndl_op_scale_rows(g_ref, 3, 3, x, 4, s), BNDL_OK);
  assert_true(x[0] == 6 && x[1] == 8 && x[3] == 99 && x[8] == 1.5e30f && x[9] == 2e30f && x[11] == 99);
  /* softmax against exp / sum in double */
  conf_rng r = {23};
  float in[5 * 9], y[5 * 9];
  conf_fill(&r, in, 45, -30, 30);
  assert_int_equal(bndl_op_softmax(g_ref, 5, 7, in, 9, y, 9), BNDL_OK);
  for (int i = 0; i < 5; i++) {
    double mx = -INFINITY, sum = 0;
    for (int j = 0; j < 7; j++)
      mx = fmax(mx, in[i * 9 + j]);
    for (int j = 0; j < 7; j++)
      sum += exp(in[i * 9 + j] - mx);
    for (int j = 0; j < 7; j++) {
      double want = exp(in[i * 9 + j] - mx) / sum, d = fabs(in[i * 9 + j] - mx);
      assert_true(fabs(y[i * 9 + j] - want) <= (7 + 16 + d) * CONF_U * want);
    }
  }
}

static void test_eltwise_naive(void **state) {
  (void)state;
  conf_rng r = {24};
  enum { N = 4000 };
  float x[N], y[N], dy[N], dx[N];
  for (int kind = BNDL_ELT_RELU; kind <= BNDL_ELT_LOG; kind++) {
    bndl_eltwise_kind k = (bndl_eltwise_kind)kind;
    elt_inputs(&r, k, x, N);
    conf_fill(&r, dy, N, -2, 2);
    assert_int_equal(bndl_op_eltwise(g_ref, k, N, x, y), BNDL_OK);
    assert_int_equal(bndl_op_eltwise_backward(g_ref, k, N, x, dy, dx), BNDL_OK);
    for (int i = 0; i < N; i++) {
      double want = elt_f(k, x[i]), dwant = dy[i] * elt_df(k, x[i]);
      if (!(fabs(y[i] - want) <= 0.5 * elt_tol_fwd(k, x[i], want)))
        fail_msg("ref %s(%.9g) = %.9g, exact %.9g", elt_name(k), x[i], y[i], want);
      if (!(fabs(dx[i] - dwant) <= 0.5 * elt_tol_bwd(k, x[i], dy[i], dwant)))
        fail_msg("ref %s'(%.9g) * %.9g = %.9g, exact %.9g", elt_name(k), x[i], dy[i], dx[i], dwant);
    }
  }
  /* unknown kind */
  assert_int_equal(bndl_op_eltwise(g_ref, (bndl_eltwise_kind)99, 1, x, y), BNDL_ERR_INVALID_ARGUMENT);
}

static void test_topk_naive(void **state) {
  (void)state;
  conf_rng r = {25};
  enum { ROWS = 40, COLS = 57, K = 12 };
  float x[ROWS * COLS], val[ROWS * K], nval[K];
  int32_t idx[ROWS * K], nidx[K];
  uint8_t ex[ROWS * COLS];
  for (int i = 0; i < ROWS * COLS; i++) {
    int64_t c = conf_below(&r, 40);
    x[i] = c == 0 ? NAN : c == 1 ? -INFINITY : (float)(conf_below(&r, 9) - 4);
    ex[i] = conf_below(&r, 6) == 0 || (i / COLS) % 13 == 5;
  }
  for (int with_ex = 0; with_ex < 2; with_ex++) {
    bndl_topk_desc d = {ROWS, COLS, K, x, COLS, with_ex ? ex : NULL, idx, val, K};
    assert_int_equal(bndl_op_topk(g_ref, &d), BNDL_OK);
    for (int i = 0; i < ROWS; i++) {
      topk_naive(x + i * COLS, with_ex ? ex + i * COLS : NULL, COLS, K, nidx, nval);
      for (int j = 0; j < K; j++)
        if (idx[i * K + j] != nidx[j] || !conf_same_bits(&val[i * K + j], &nval[j], 1))
          fail_msg("ref topk row %d slot %d: (%d, %g), naive (%d, %g)", i, j, idx[i * K + j], val[i * K + j], nidx[j],
                   nval[j]);
    }
  }
}

static void test_linalg_known(void **state) {
  (void)state;
  /* [[4, 2], [2, 3]]^-1 = [[3, -2], [-2, 4]] / 8; the upper triangle is not read */
  float a[4] = {4, NAN, 2, 3};
  assert_int_equal(bndl_op_spd_inverse(g_ref, 2, a, 2), BNDL_OK);
  const double inv[4] = {3 / 8.0, -2 / 8.0, -2 / 8.0, 4 / 8.0};
  for (int i = 0; i < 4; i++)
    assert_true(fabs(a[i] - inv[i]) <= 8 * CONF_U);
  /* not positive definite */
  float b[4] = {1, 0, 2, 1};
  assert_int_equal(bndl_op_spd_inverse(g_ref, 2, b, 2), BNDL_ERR_INVALID_ARGUMENT);
  /* diag(3, 1, 2): eigenpairs (3, e0), (2, e2), (1, e1) */
  float d[9] = {3, NAN, NAN, 0, 1, NAN, 0, 0, 2}, vals[3], vecs[9];
  assert_int_equal(bndl_op_sym_eigen(g_ref, 3, d, 3, 3, vals, vecs), BNDL_OK);
  const float want_vals[3] = {3, 2, 1}, want_vecs[9] = {1, 0, 0, 0, 0, 1, 0, 1, 0};
  for (int i = 0; i < 3; i++)
    assert_true(fabs(vals[i] - want_vals[i]) <= 8 * CONF_U);
  for (int i = 0; i < 9; i++)
    assert_true(fabs(vecs[i] - want_vecs[i]) <= 8 * CONF_U);
  /* [[2, 1], [1, 2]]: 3 with (1, 1)/sqrt2 and 1 with (1, -1)/sqrt2, up to sign (the two
   * components tie in magnitude, so the sign convention does not decide) */
  float e[4] = {2, NAN, 1, 2};
  assert_int_equal(bndl_op_sym_eigen(g_ref, 2, e, 2, 2, vals, vecs), BNDL_OK);
  assert_true(fabs(vals[0] - 3) <= 8 * CONF_U && fabs(vals[1] - 1) <= 8 * CONF_U);
  double h = sqrt(0.5);
  assert_true(fabs(fabs(vecs[0]) - h) <= 8 * CONF_U && fabs(vecs[0] - vecs[1]) <= 16 * CONF_U);
  assert_true(fabs(fabs(vecs[2]) - h) <= 8 * CONF_U && fabs(vecs[2] + vecs[3]) <= 16 * CONF_U);
  /* a designed spectrum: eigenvalues exact to 8 n u ||A|| */
  conf_rng r = {26};
  enum { N = 20 };
  double lambda[N];
  for (int i = 0; i < N; i++)
    lambda[i] = 10 - i;
  float m[N * N], v[N], vv[N * N];
  sym_make(&r, N, lambda, m, N);
  assert_int_equal(bndl_op_sym_eigen(g_ref, N, m, N, 4, v, vv), BNDL_OK);
  for (int i = 0; i < 4; i++)
    assert_true(fabs(v[i] - lambda[i]) <= 8.0 * N * CONF_U * 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gemm_naive),    cmocka_unit_test(test_gemm_one_column),
      cmocka_unit_test(test_spmm_naive),    cmocka_unit_test(test_rows_naive),
      cmocka_unit_test(test_eltwise_naive), cmocka_unit_test(test_topk_naive), cmocka_unit_test(test_linalg_known),
  };
  conf_filter();
  return cmocka_run_group_tests(tests, setup, teardown);
}
