/*
 * test_threads.c - results do not depend on the thread count (backend.h): every op of
 * every provider built gives bit-identical results on contexts of 1, 2 and 3 threads,
 * on shapes large enough for the providers to cut the work into blocks (GEMM row and
 * column blocks, GEMV output blocks, batches, long elementwise runs).
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

enum { N_THREADS = 3 };
static const int32_t THREADS[N_THREADS] = {1, 2, 3};

typedef struct prov {
  const char *name;
  bndl_context *ctx[N_THREADS];
} prov;
static prov g_prov[8];
static int g_count;

static int setup(void **state) {
  (void)state;
  const char *names[8];
  g_count = conf_providers(names, 8);
  for (int p = 0; p < g_count; p++) {
    g_prov[p].name = names[p];
    for (int t = 0; t < N_THREADS; t++)
      g_prov[p].ctx[t] = conf_context(names[p], THREADS[t]);
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int p = 0; p < g_count; p++)
    for (int t = 0; t < N_THREADS; t++)
      bndl_context_free(g_prov[p].ctx[t]);
  return 0;
}

/* Thread counts compared: 1, 2, 3; under valgrind (which runs one thread at a time
 * anyway) 1 and 2. */
static int thread_counts(void) { return conf_scale() == 0 ? 2 : N_THREADS; }

static void same(const char *op, const char *provider, const float *a, const float *b, size_t n, int32_t threads) {
  if (!conf_same_bits(a, b, n))
    fail_msg("%s on %s: %d threads differ from 1 thread", op, provider, threads);
}

static void check(bndl_status st, const char *op, const char *provider) {
  if (st != BNDL_OK)
    fail_msg("%s on %s: %s", op, provider, bndl_last_error_message());
}

typedef struct gemm_shape {
  int ta, tb;
  int64_t m, n, k, batch;
} gemm_shape;

static void test_gemm_threads(void **state) {
  (void)state;
  static const gemm_shape big[] = {
      {0, 0, 300, 257, 200, 1}, {1, 1, 300, 257, 200, 1}, {0, 1, 64, 1024, 256, 1}, {1, 0, 1, 4096, 1024, 1},
      {0, 1, 1, 4096, 1024, 1}, {0, 0, 3000, 1, 800, 1}, {1, 0, 40, 50, 60, 5},     {0, 0, 513, 1024, 300, 1},
  };
  static const gemm_shape small[] = {
      {0, 0, 130, 130, 130, 1}, {0, 1, 1, 2100, 1000, 1}, {1, 0, 40, 50, 60, 3},
  };
  int scale = conf_scale();
  const gemm_shape *shapes = scale == 0 ? small : big;
  size_t n_shapes = scale == 0 ? 3 : scale == 1 ? 7 : 8;
  conf_rng r = {31};
  int n_thr = thread_counts();
  for (size_t s = 0; s < n_shapes; s++) {
    const gemm_shape *g = &shapes[s];
    int64_t lda = (g->ta ? g->m : g->k) + 1, ldb = (g->tb ? g->k : g->n) + 2, ldc = g->n + 1;
    int64_t sa = (g->ta ? g->k : g->m) * lda, sb = (g->tb ? g->n : g->k) * ldb, sc = g->m * ldc;
    size_t na = (size_t)(sa * g->batch), nb = (size_t)(sb * g->batch), nc = (size_t)(sc * g->batch);
    float *a = conf_malloc(na * sizeof(float)), *b = conf_malloc(nb * sizeof(float));
    float *c[N_THREADS];
    conf_fill(&r, a, na, -1, 1);
    conf_fill(&r, b, nb, -1, 1);
    for (int p = 0; p < g_count; p++) {
      for (int t = 0; t < n_thr; t++) {
        c[t] = conf_malloc(nc * sizeof(float));
        conf_fill_nan(c[t], nc);
        bndl_gemm_desc d = {g->ta, g->tb, g->m, g->n, g->k, g->batch, 1.0f, 0.0f, a, lda, sa, b, ldb, sb, c[t], ldc, sc};
        check(bndl_op_gemm(g_prov[p].ctx[t], &d), "gemm", g_prov[p].name);
      }
      for (int t = 1; t < n_thr; t++)
        same("gemm", g_prov[p].name, c[0], c[t], nc, THREADS[t]);
      for (int t = 0; t < n_thr; t++)
        free(c[t]);
    }
    free(a);
    free(b);
  }
}

static void test_other_ops_threads(void **state) {
  (void)state;
  int scale = conf_scale();
  int64_t rows = scale == 0 ? 200 : 1500, cols = scale == 0 ? 300 : 1000, n_elt = scale == 0 ? 40000 : 300000;
  conf_rng r = {32};
  int n_thr = thread_counts();
  size_t len = (size_t)(rows * cols);
  float *x = conf_malloc(len * sizeof(float)), *scale_v = conf_malloc((size_t)rows * sizeof(float));
  conf_fill(&r, x, len, -5, 5);
  conf_fill(&r, scale_v, (size_t)rows, -2, 2);
  csr a;
  csr_make(&r, &a, rows, cols, 0.02);
  float *b = conf_malloc((size_t)(cols > rows ? cols : rows) * 64 * sizeof(float));
  conf_fill(&r, b, (size_t)(cols > rows ? cols : rows) * 64, -1, 1);
  float *ex = conf_malloc((size_t)n_elt * sizeof(float)), *dy = conf_malloc((size_t)n_elt * sizeof(float));
  conf_fill(&r, dy, (size_t)n_elt, -1, 1);
  int64_t n_sym = scale == 0 ? 40 : 129, k_top = 17;
  double *lambda = conf_malloc((size_t)n_sym * sizeof(double));
  for (int64_t i = 0; i < n_sym; i++)
    lambda[i] = 1 + (double)i / 3;
  float *spd = conf_malloc((size_t)(n_sym * n_sym) * sizeof(float));
  sym_make(&r, n_sym, lambda, spd, n_sym);

  for (int p = 0; p < g_count; p++) {
    const char *name = g_prov[p].name;
    float *out[N_THREADS][10];
    int32_t *idx[N_THREADS];
    size_t sizes[10] = {(size_t)rows, len, len, (size_t)(rows * 64), (size_t)(cols * 64),
                        (size_t)n_elt, (size_t)n_elt, (size_t)(rows * k_top), (size_t)(n_sym * n_sym),
                        (size_t)(n_sym + 5 * n_sym)};
    for (int t = 0; t < n_thr; t++) {
      bndl_context *ctx = g_prov[p].ctx[t];
      for (int o = 0; o < 10; o++)
        out[t][o] = conf_malloc(sizes[o] * sizeof(float));
      idx[t] = conf_malloc((size_t)(rows * k_top) * sizeof(int32_t));
      check(bndl_op_row_norms(ctx, rows, cols, x, cols, out[t][0]), "row_norms", name);
      memcpy(out[t][1], x, len * sizeof(float));
      check(bndl_op_scale_rows(ctx, rows, cols, out[t][1], cols, scale_v), "scale_rows", name);
      check(bndl_op_softmax(ctx, rows, cols, x, cols, out[t][2], cols), "softmax", name);
      bndl_spmm_desc sd = {0, a.rows, a.cols, 64, a.indptr, a.indices, a.values, 1.0f, 0.0f, b, 64, out[t][3], 64};
      check(bndl_op_spmm(ctx, &sd), "spmm", name);
      bndl_spmm_desc st = {1, a.rows, a.cols, 64, a.indptr, a.indices, NULL, 1.0f, 0.0f, b, 64, out[t][4], 64};
      check(bndl_op_spmm(ctx, &st), "spmm (transposed)", name);
      elt_inputs(&(conf_rng){33}, BNDL_ELT_GELU, ex, n_elt);
      check(bndl_op_eltwise(ctx, BNDL_ELT_GELU, n_elt, ex, out[t][5]), "eltwise", name);
      check(bndl_op_eltwise_backward(ctx, BNDL_ELT_TANH, n_elt, ex, dy, out[t][6]), "eltwise_backward", name);
      bndl_topk_desc td = {rows, cols, k_top, x, cols, NULL, idx[t], out[t][7], k_top};
      check(bndl_op_topk(ctx, &td), "topk", name);
      memcpy(out[t][8], spd, (size_t)(n_sym * n_sym) * sizeof(float));
      check(bndl_op_spd_inverse(ctx, n_sym, out[t][8], n_sym), "spd_inverse", name);
      float *work = conf_malloc((size_t)(n_sym * n_sym) * sizeof(float));
      memcpy(work, spd, (size_t)(n_sym * n_sym) * sizeof(float));
      check(bndl_op_sym_eigen(ctx, n_sym, work, n_sym, 5, out[t][9], out[t][9] + n_sym), "sym_eigen", name);
      free(work);
    }
    static const char *ops[10] = {"row_norms", "scale_rows", "softmax",   "spmm",        "spmm (transposed)",
                                  "eltwise",   "backward",   "topk",      "spd_inverse", "sym_eigen"};
    for (int t = 1; t < n_thr; t++) {
      for (int o = 0; o < 10; o++) {
        size_t n = o == 9 ? (size_t)(5 + 5 * n_sym) : sizes[o];
        if (o == 9) {
          /* values then vectors were written at out[9] and out[9] + n_sym */
          same(ops[o], name, out[0][o], out[t][o], 5, THREADS[t]);
          same(ops[o], name, out[0][o] + n_sym, out[t][o] + n_sym, (size_t)(5 * n_sym), THREADS[t]);
          continue;
        }
        same(ops[o], name, out[0][o], out[t][o], n, THREADS[t]);
      }
      if (memcmp(idx[0], idx[t], (size_t)(rows * k_top) * sizeof(int32_t)) != 0)
        fail_msg("topk on %s: indices differ with %d threads", name, THREADS[t]);
    }
    for (int t = 0; t < n_thr; t++) {
      for (int o = 0; o < 10; o++)
        free(out[t][o]);
      free(idx[t]);
    }
  }
  csr_free(&a);
  free(x);
  free(scale_v);
  free(b);
  free(ex);
  free(dy);
  free(lambda);
  free(spd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gemm_threads),
      cmocka_unit_test(test_other_ops_threads),
  };
  conf_filter();
  return cmocka_run_group_tests(tests, setup, teardown);
}
