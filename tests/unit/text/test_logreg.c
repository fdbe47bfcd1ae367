/*
 * test_logreg.c - TRON logistic regression (text/logreg.c) against references.
 *
 *  - the objective's gradient against central differences;
 *  - the solution against a dense Newton's method in double (d <= 4, 60 exact Newton
 *    steps with the full Hessian) on random tiny problems, with and without weights:
 *    weights within 1e-7, gradient ~ 0 at the solution, and the objective no lower at
 *    any perturbed point;
 *  - a separable toy set classified perfectly;
 *  - class weights: with every row empty only the bias can fit, and its optimum is
 *    ln(sum of positive weights / sum of negative weights): ln(3/7) unweighted, 0 with
 *    the balanced weights n / (2 n_c);
 *  - determinism: the same problem on 1, 2 and 3 threads (3 row blocks) gives
 *    bit-identical weights and bias, and a second run repeats them;
 *  - the allocation-failure loop.
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

#include "core/context.h"
#include "core/rng.h"
#include "test_support.h"
#include "text/logreg.h"

static test_alloc g_counter;

static int setup(void **state) {
  (void)state;
  test_alloc_reset(&g_counter, 0, 0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  assert_int_equal(g_counter.live_blocks, 0);
  return 0;
}

/* CSR of a dense rows x cols matrix (zeros dropped); malloc'ed. */
static bndl_csr dense_to_csr(const double *A, int64_t rows, int64_t cols) {
  bndl_csr X;
  X.rows = rows;
  X.cols = cols;
  X.indptr = calloc((size_t)rows + 1, sizeof *X.indptr);
  X.idx = calloc((size_t)(rows * cols) + 1, sizeof *X.idx);
  X.val = calloc((size_t)(rows * cols) + 1, sizeof *X.val);
  int64_t k = 0;
  for (int64_t i = 0; i < rows; i++) {
    for (int64_t j = 0; j < cols; j++)
      if (A[i * cols + j] != 0) {
        X.idx[k] = (int32_t)j;
        X.val[k] = (float)A[i * cols + j];
        k++;
      }
    X.indptr[i + 1] = k;
  }
  return X;
}

static void free_csr(bndl_csr *X) {
  free(X->indptr);
  free(X->idx);
  free(X->val);
}

/* f, gradient and Hessian of the problem in dense double (x as the float CSR holds it). */
static double dense_fgh(const double *A, const int8_t *y, const double *c, int64_t n, int64_t d, double C,
                        const double *wb, double *g, double *H) {
  int64_t m = d + 1;
  double f = 0;
  for (int64_t j = 0; j < d; j++)
    f += 0.5 * wb[j] * wb[j];
  for (int64_t j = 0; j < m; j++) {
    g[j] = j < d ? wb[j] : 0;
    for (int64_t k = 0; k < m; k++)
      H[j * m + k] = j == k && j < d ? 1.0 : 0.0;
  }
  for (int64_t i = 0; i < n; i++) {
    double x[8];
    for (int64_t j = 0; j < d; j++)
      x[j] = (double)(float)A[i * d + j];
    x[d] = 1.0;
    double z = 0;
    for (int64_t j = 0; j < m; j++)
      z += x[j] * wb[j];
    double ci = C * (c ? c[i] : 1.0), yz = y[i] * z;
    f += ci * (yz >= 0 ? log1p(exp(-yz)) : -yz + log1p(exp(yz)));
    double s = 1.0 / (1.0 + exp(-yz));
    for (int64_t j = 0; j < m; j++) {
      g[j] += ci * (s - 1.0) * y[i] * x[j];
      for (int64_t k = 0; k < m; k++)
        H[j * m + k] += ci * s * (1 - s) * x[j] * x[k];
    }
  }
  return f;
}

/* Solves H p = g (m <= 5) by Gaussian elimination with partial pivoting. */
static void solve(double *H, double *g, int64_t m, double *p) {
  for (int64_t k = 0; k < m; k++) {
    int64_t piv = k;
    for (int64_t i = k + 1; i < m; i++)
      if (fabs(H[i * m + k]) > fabs(H[piv * m + k]))
        piv = i;
    for (int64_t j = 0; j < m; j++) {
      double t = H[k * m + j];
      H[k * m + j] = H[piv * m + j];
      H[piv * m + j] = t;
    }
    double t = g[k];
    g[k] = g[piv];
    g[piv] = t;
    for (int64_t i = k + 1; i < m; i++) {
      double r = H[i * m + k] / H[k * m + k];
      for (int64_t j = k; j < m; j++)
        H[i * m + j] -= r * H[k * m + j];
      g[i] -= r * g[k];
    }
  }
  for (int64_t k = m - 1; k >= 0; k--) {
    double s = g[k];
    for (int64_t j = k + 1; j < m; j++)
      s -= H[k * m + j] * p[j];
    p[k] = s / H[k * m + k];
  }
}

static void newton_reference(const double *A, const int8_t *y, const double *c, int64_t n, int64_t d, double C,
                             double *wb) {
  int64_t m = d + 1;
  double g[8], H[64], p[8];
  for (int64_t j = 0; j < m; j++)
    wb[j] = 0;
  for (int it = 0; it < 60; it++) {
    dense_fgh(A, y, c, n, d, C, wb, g, H);
    solve(H, g, m, p);
    for (int64_t j = 0; j < m; j++)
      wb[j] -= p[j];
  }
}

static void random_problem(bndl_rng *r, int64_t n, int64_t d, double *A, int8_t *y, double *c) {
  for (int64_t i = 0; i < n; i++) {
    double z = 0;
    for (int64_t j = 0; j < d; j++) {
      A[i * d + j] = bndl_rng_uniform(r) < 0.3 ? 0.0 : 2.0 * bndl_rng_uniform(r) - 1.0;
      z += A[i * d + j] * (double)(j + 1) * (j % 2 ? -1 : 1);
    }
    y[i] = z + 0.8 * (bndl_rng_uniform(r) - 0.5) > 0 ? 1 : -1;
    if (c)
      c[i] = 0.5 + bndl_rng_uniform(r);
  }
}

static void test_gradient_finite_differences(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 1);
  bndl_rng r;
  bndl_rng_seed(&r, 3, 0);
  enum { n = 40, d = 4 };
  double A[n * d], c[n];
  int8_t y[n];
  random_problem(&r, n, d, A, y, c);
  bndl_csr X = dense_to_csr(A, n, d);
  double w[d] = {0.3, -0.7, 1.1, 0.05}, b = -0.2, f, g[d + 1];
  assert_int_equal(bndl_logreg_objective(ctx, &X, y, c, 2.5, w, b, &f, g), BNDL_OK);
  for (int j = 0; j <= d; j++) {
    double h = 1e-5, wp[d], wm[d], fp, fm;
    memcpy(wp, w, sizeof w);
    memcpy(wm, w, sizeof w);
    double bp = b, bm = b;
    if (j < d) {
      wp[j] += h;
      wm[j] -= h;
    } else {
      bp += h;
      bm -= h;
    }
    assert_int_equal(bndl_logreg_objective(ctx, &X, y, c, 2.5, wp, bp, &fp, NULL), BNDL_OK);
    assert_int_equal(bndl_logreg_objective(ctx, &X, y, c, 2.5, wm, bm, &fm, NULL), BNDL_OK);
    assert_true(fabs((fp - fm) / (2 * h) - g[j]) < 1e-6 * (1 + fabs(g[j])));
  }
  free_csr(&X);
  bndl_context_free(ctx);
}

static void test_against_dense_newton(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 2);
  bndl_rng r;
  bndl_rng_seed(&r, 11, 0);
  for (int trial = 0; trial < 20; trial++) {
    int64_t n = 5 + (int64_t)bndl_rng_below(&r, 60), d = 1 + (int64_t)bndl_rng_below(&r, 4);
    double A[64 * 4], c[64], C = trial % 3 == 0 ? 0.1 : trial % 3 == 1 ? 1.0 : 20.0;
    int8_t y[64];
    int weighted = trial % 2;
    random_problem(&r, n, d, A, y, weighted ? c : NULL);
    y[0] = 1; /* both classes */
    y[1] = -1;
    bndl_csr X = dense_to_csr(A, n, d);
    bndl_logreg_options o = {C, 200, 1e-12, 1};
    double w[4], b, ref[5];
    bndl_logreg_info info;
    assert_int_equal(bndl_logreg_train(ctx, &X, y, weighted ? c : NULL, &o, w, &b, &info), BNDL_OK);
    newton_reference(A, y, weighted ? c : NULL, n, d, C, ref);
    for (int64_t j = 0; j < d; j++)
      assert_true(fabs(w[j] - ref[j]) < 1e-7 * (1 + fabs(ref[j])));
    assert_true(fabs(b - ref[d]) < 1e-7 * (1 + fabs(ref[d])));
    /* gradient ~ 0 and no lower objective nearby */
    double f, g[5];
    assert_int_equal(bndl_logreg_objective(ctx, &X, y, weighted ? c : NULL, C, w, b, &f, g), BNDL_OK);
    double gn = 0;
    for (int64_t j = 0; j <= d; j++)
      gn += g[j] * g[j];
    assert_true(sqrt(gn) <= 1e-9 * (1 + info.gnorm0));
    for (int64_t j = 0; j <= d; j++)
      for (int sgn = -1; sgn <= 1; sgn += 2) {
        double wp[4], bp = b, fp;
        memcpy(wp, w, sizeof w);
        if (j < d)
          wp[j] += sgn * 1e-3;
        else
          bp += sgn * 1e-3;
        assert_int_equal(bndl_logreg_objective(ctx, &X, y, weighted ? c : NULL, C, wp, bp, &fp, NULL), BNDL_OK);
        assert_true(fp >= f);
      }
    free_csr(&X);
  }
  bndl_context_free(ctx);
}

static void test_separable(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 1);
  enum { n = 8, d = 3 };
  /* feature 0 only in positives, feature 1 only in negatives, feature 2 everywhere */
  double A[n * d];
  int8_t y[n];
  for (int i = 0; i < n; i++) {
    y[i] = i % 2 ? 1 : -1;
    A[i * d + 0] = y[i] > 0 ? 0.8 : 0;
    A[i * d + 1] = y[i] < 0 ? 0.8 : 0;
    A[i * d + 2] = 0.6;
  }
  bndl_csr X = dense_to_csr(A, n, d);
  bndl_logreg_options o = {4.0, 50, 0.01, 1};
  double w[d], b;
  assert_int_equal(bndl_logreg_train(ctx, &X, y, NULL, &o, w, &b, NULL), BNDL_OK);
  for (int i = 0; i < n; i++) {
    double z = b + A[i * d] * w[0] + A[i * d + 1] * w[1] + A[i * d + 2] * w[2];
    assert_true(z * y[i] > 0);
  }
  assert_true(w[0] > 0 && w[1] < 0);
  free_csr(&X);
  bndl_context_free(ctx);
}

static void test_class_weights_bias_only(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 1);
  enum { n = 10 };
  int8_t y[n];
  double c[n];
  for (int i = 0; i < n; i++) {
    y[i] = i < 3 ? 1 : -1;
    c[i] = y[i] > 0 ? (double)n / (2 * 3) : (double)n / (2 * 7);
  }
  bndl_csr X;
  int64_t indptr[n + 1] = {0};
  int32_t idx[1];
  float val[1];
  X.rows = n;
  X.cols = 1;
  X.indptr = indptr;
  X.idx = idx;
  X.val = val;
  bndl_logreg_options o = {1.0, 100, 1e-12, 1};
  double w[1], b;
  bndl_logreg_info inf;
  assert_int_equal(bndl_logreg_train(ctx, &X, y, NULL, &o, w, &b, &inf), BNDL_OK);
  assert_true(fabs(b - log(3.0 / 7.0)) < 1e-9);
  assert_true(w[0] == 0);
  assert_int_equal(bndl_logreg_train(ctx, &X, y, c, &o, w, &b, NULL), BNDL_OK);
  assert_true(fabs(b) < 1e-9);
  /* without a bias nothing moves */
  o.fit_bias = 0;
  assert_int_equal(bndl_logreg_train(ctx, &X, y, c, &o, w, &b, NULL), BNDL_OK);
  assert_true(b == 0 && w[0] == 0);
  bndl_context_free(ctx);
}

/* A random sparse problem of n rows over d features. */
static bndl_csr random_sparse(bndl_rng *r, int64_t n, int64_t d, int8_t *y) {
  bndl_csr X;
  X.rows = n;
  X.cols = d;
  X.indptr = calloc((size_t)n + 1, sizeof *X.indptr);
  X.idx = calloc((size_t)n * 12 + 1, sizeof *X.idx);
  X.val = calloc((size_t)n * 12 + 1, sizeof *X.val);
  int64_t k = 0;
  for (int64_t i = 0; i < n; i++) {
    int len = 1 + (int)bndl_rng_below(r, 12);
    double z = 0;
    for (int t = 0; t < len; t++) {
      int32_t j = (int32_t)bndl_rng_below(r, (uint64_t)d);
      X.idx[k] = j;
      X.val[k] = (float)(bndl_rng_uniform(r) / sqrt((double)len));
      z += (j % 3 == 0 ? 1 : -0.5) * X.val[k];
      k++;
    }
    X.indptr[i + 1] = k;
    y[i] = z + 0.3 * (bndl_rng_uniform(r) - 0.5) > 0 ? 1 : -1;
  }
  return X;
}

static void test_determinism_threads(void **state) {
  (void)state;
  bndl_rng r;
  bndl_rng_seed(&r, 5, 0);
  enum { n = 10000, d = 20000 };
  int8_t *y = malloc(n);
  bndl_csr X = random_sparse(&r, n, d, y);
  double *w[4], b[4];
  bndl_logreg_options o = {4.0, 50, 1e-4, 1};
  for (int t = 0; t < 4; t++) {
    bndl_context *ctx = test_context(&g_counter, t == 3 ? 2 : t + 1);
    w[t] = malloc(d * sizeof *w[t]);
    assert_int_equal(bndl_logreg_train(ctx, &X, y, NULL, &o, w[t], &b[t], NULL), BNDL_OK);
    bndl_context_free(ctx);
  }
  for (int t = 1; t < 4; t++) {
    assert_memory_equal(w[t], w[0], d * sizeof *w[0]);
    assert_memory_equal(&b[t], &b[0], sizeof b[0]);
  }
  for (int t = 0; t < 4; t++)
    free(w[t]);
  free(y);
  free_csr(&X);
}

static void test_oom_loop(void **state) {
  (void)state;
  bndl_rng r;
  bndl_rng_seed(&r, 9, 0);
  enum { n = 5000, d = 300 };
  int8_t *y = malloc(n);
  bndl_csr X = random_sparse(&r, n, d, y);
  double w[d], b;
  bndl_logreg_options o = {1.0, 20, 1e-3, 1};
  for (int64_t fail_at = 1;; fail_at++) {
    test_alloc ta;
    test_alloc_reset(&ta, 0, 0);
    bndl_context *ctx = test_context(&ta, 2);
    ta.fail_at = ta.n_allocs + fail_at;
    bndl_status st = bndl_logreg_train(ctx, &X, y, NULL, &o, w, &b, NULL);
    ta.fail_at = 0;
    bndl_context_free(ctx);
    assert_int_equal(ta.live_blocks, 0);
    if (st == BNDL_OK)
      break;
    assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
    assert_true(fail_at < 1000);
  }
  free(y);
  free_csr(&X);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_gradient_finite_differences, setup, teardown),
      cmocka_unit_test_setup_teardown(test_against_dense_newton, setup, teardown),
      cmocka_unit_test_setup_teardown(test_separable, setup, teardown),
      cmocka_unit_test_setup_teardown(test_class_weights_bias_only, setup, teardown),
      cmocka_unit_test_setup_teardown(test_determinism_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oom_loop, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
