/*
 * test_onednn.c - what is particular to the oneDNN provider (backends/onednn/onednn.h),
 * beyond the conformance suite every provider passes:
 *  - the caller's own OpenMP setting (omp_set_num_threads) is the same after every op,
 *    on the main thread and on another application thread with a different setting;
 *  - repeated calls of one shape reuse their primitives (counted from the provider's
 *    DEBUG log), a cache overflowed by many shapes still gives right results, and an
 *    evicted shape is simply created again;
 *  - four application threads sharing one 2-thread context (cached primitives run by
 *    several threads at once, evictions while others run) get exactly the results of
 *    one thread (label "concurrency": the TSan job runs it);
 *  - oneDNN statuses map to BNDL_ERR_OUT_OF_MEMORY / UNSUPPORTED / BACKEND with the
 *    status name in the message, and describe() says what runs.
 * Only built with oneDNN (tests/backend/CMakeLists.txt).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend_util.h"
#include "backends/onednn/onednn.h"
#include "runtime/runtime.h"
#include "test_support.h"

/* libgomp, the OpenMP runtime libdnnl runs on (linked through the library) */
int omp_get_max_threads(void);
void omp_set_num_threads(int n);

enum { N_ELT = 3 * 65536 + 77, ROWS = 300, COLS = 257, M = 200, N = 300, K = 100 };

typedef struct inputs {
  float x[N_ELT], dy[N_ELT];
  float a[M * K], b[K * N];
} inputs;

static inputs g_in;

static void make_inputs(void) {
  conf_rng r = {7};
  conf_fill(&r, g_in.x, N_ELT, 0.05, 4.0); /* positive: log is defined */
  conf_fill(&r, g_in.dy, N_ELT, -1.0, 1.0);
  conf_fill(&r, g_in.a, M * K, -1.0, 1.0);
  conf_fill(&r, g_in.b, K * N, -1.0, 1.0);
}

/* Every op once, results into out (N_ELT * 2 + ROWS * COLS + M * N floats). */
static bndl_status run_ops(bndl_context *ctx, float *out, int64_t n_elt) {
  float *fwd = out, *bwd = out + N_ELT, *sm = bwd + N_ELT, *c = sm + ROWS * COLS;
  for (int kind = BNDL_ELT_RELU; kind <= BNDL_ELT_LOG; kind++) {
    BNDL_PROVIDER_TRY(bndl_op_eltwise(ctx, (bndl_eltwise_kind)kind, n_elt, g_in.x, fwd));
    BNDL_PROVIDER_TRY(bndl_op_eltwise_backward(ctx, (bndl_eltwise_kind)kind, n_elt, g_in.x, g_in.dy, bwd));
  }
  BNDL_PROVIDER_TRY(bndl_op_softmax(ctx, ROWS, COLS, g_in.x, COLS, sm, COLS));
  bndl_gemm_desc d = {0, 0, M, N, K, 1, 1.0f, 0.0f, g_in.a, K, 0, g_in.b, N, 0, c, N, 0};
  return bndl_op_gemm(ctx, &d);
}

enum { OUT_FLOATS = 2 * N_ELT + ROWS * COLS + M * N };

/* ---- the caller's OpenMP setting survives */

static void *ops_keep_setting(void *arg) {
  bndl_context *ctx = arg;
  omp_set_num_threads(5);
  float *out = conf_malloc(OUT_FLOATS * sizeof(float));
  bndl_status st = run_ops(ctx, out, N_ELT);
  int kept = omp_get_max_threads() == 5;
  free(out);
  return (void *)(intptr_t)(st == BNDL_OK && kept);
}

static void test_openmp_setting_kept(void **state) {
  (void)state;
  bndl_context *ctx = conf_context("onednn", 2);
  float *out = conf_malloc(OUT_FLOATS * sizeof(float));
  int before = omp_get_max_threads();
  omp_set_num_threads(3);
  assert_int_equal(run_ops(ctx, out, N_ELT), BNDL_OK);
  assert_int_equal(omp_get_max_threads(), 3);
  omp_set_num_threads(1);
  assert_int_equal(run_ops(ctx, out, N_ELT), BNDL_OK);
  assert_int_equal(omp_get_max_threads(), 1);
  /* another application thread, with its own setting, on the same context */
  pthread_t t;
  void *ok = NULL;
  assert_int_equal(pthread_create(&t, NULL, ops_keep_setting, ctx), 0);
  assert_int_equal(pthread_join(t, &ok), 0);
  assert_true(ok != NULL);
  assert_int_equal(omp_get_max_threads(), 1);
  omp_set_num_threads(before);
  free(out);
  bndl_context_free(ctx);
}

/* ---- the primitive cache */

static atomic_int g_created;

static void count_created(void *ud, bndl_log_level level, const char *message) {
  (void)ud;
  if (level == BNDL_LOG_DEBUG && strstr(message, "onednn: new ") != NULL)
    atomic_fetch_add(&g_created, 1);
}

static void test_primitive_cache(void **state) {
  (void)state;
  bndl_context *ctx = conf_context("onednn", 2);
  assert_int_equal(bndl_context_set_log(ctx, count_created, NULL, NULL, BNDL_LOG_DEBUG), BNDL_OK);
  float *y = conf_malloc(N_ELT * sizeof(float)), *want = conf_malloc(N_ELT * sizeof(float));
  atomic_store(&g_created, 0);
  assert_int_equal(bndl_op_eltwise(ctx, BNDL_ELT_TANH, 1000, g_in.x, want), BNDL_OK);
  assert_int_equal(atomic_load(&g_created), 1);
  assert_int_equal(bndl_op_eltwise(ctx, BNDL_ELT_TANH, 1000, g_in.x, y), BNDL_OK);
  assert_int_equal(atomic_load(&g_created), 1); /* reused */
  /* a long run: the full chunk and the tail, each created once */
  assert_int_equal(bndl_op_eltwise(ctx, BNDL_ELT_TANH, N_ELT, g_in.x, y), BNDL_OK);
  assert_int_equal(bndl_op_eltwise(ctx, BNDL_ELT_TANH, N_ELT, g_in.x, y), BNDL_OK);
  assert_int_equal(atomic_load(&g_created), 3);
  assert_int_equal(bndl_op_softmax(ctx, ROWS, COLS, g_in.x, COLS, y, COLS), BNDL_OK);
  assert_int_equal(bndl_op_softmax(ctx, ROWS, COLS, g_in.x, COLS, y, COLS), BNDL_OK);
  int after_softmax = atomic_load(&g_created);
  assert_true(after_softmax >= 4 && after_softmax <= 5); /* full row block (+ tail) */
  /* more shapes than the cache holds: results stay right, the first shape comes back */
  for (int64_t n = 1; n <= 2 * ONEDNN_CACHE_SLOTS; n++) {
    assert_int_equal(bndl_op_eltwise(ctx, BNDL_ELT_TANH, n, g_in.x, y), BNDL_OK);
    assert_true(conf_same_bits(y, want, (size_t)n)); /* chunking never changes a value */
  }
  int before = atomic_load(&g_created);
  assert_int_equal(bndl_op_eltwise(ctx, BNDL_ELT_TANH, 1000, g_in.x, y), BNDL_OK);
  assert_int_equal(atomic_load(&g_created), before + 1); /* evicted, created again */
  assert_true(conf_same_bits(y, want, 1000));
  free(y);
  free(want);
  bndl_context_free(ctx);
}

/* ---- several application threads on one context */

enum { CALLERS = 4, ROUNDS = 3 };

typedef struct caller {
  bndl_context *ctx;
  const float *want;
  int id, mismatches, failures;
} caller;

static void *caller_main(void *arg) {
  caller *c = arg;
  float *out = conf_malloc(OUT_FLOATS * sizeof(float));
  for (int r = 0; r < ROUNDS; r++) {
    /* different lengths per thread and round: misses and evictions while others run */
    int64_t n = N_ELT - 11 * (c->id * ROUNDS + r);
    memset(out, 0, OUT_FLOATS * sizeof(float));
    if (run_ops(c->ctx, out, n) != BNDL_OK) {
      c->failures++;
      continue;
    }
    /* the elementwise ops of the last kind (log) over n values, softmax and gemm */
    if (!conf_same_bits(out, c->want, (size_t)n) || !conf_same_bits(out + N_ELT, c->want + N_ELT, (size_t)n) ||
        !conf_same_bits(out + 2 * N_ELT, c->want + 2 * N_ELT, ROWS * COLS + M * N))
      c->mismatches++;
  }
  free(out);
  return NULL;
}

static void test_concurrent_callers(void **state) {
  (void)state;
  bndl_context *one = conf_context("onednn", 1), *ctx = conf_context("onednn", 2);
  float *want = conf_malloc(OUT_FLOATS * sizeof(float));
  assert_int_equal(run_ops(one, want, N_ELT), BNDL_OK);
  pthread_t t[CALLERS];
  caller c[CALLERS];
  for (int i = 0; i < CALLERS; i++) {
    c[i] = (caller){ctx, want, i, 0, 0};
    assert_int_equal(pthread_create(&t[i], NULL, caller_main, &c[i]), 0);
  }
  for (int i = 0; i < CALLERS; i++) {
    assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(c[i].failures, 0);
    assert_int_equal(c[i].mismatches, 0);
  }
  free(want);
  bndl_context_free(one);
  bndl_context_free(ctx);
}

/* ---- status mapping and description */

static void test_status_and_describe(void **state) {
  (void)state;
  bndl_context *ctx = conf_context("onednn", 1);
  onednn_state s;
  memset(&s, 0, sizeof s);
  s.host = bndl_runtime_host(ctx);
  assert_int_equal(onednn_check(&s, dnnl_success, "nothing"), BNDL_OK);
  assert_int_equal(onednn_check(&s, dnnl_out_of_memory, "step a"), BNDL_ERR_OUT_OF_MEMORY);
  test_assert_error_contains("onednn: step a failed: dnnl_out_of_memory");
  assert_int_equal(onednn_check(&s, dnnl_unimplemented, "step b"), BNDL_ERR_UNSUPPORTED);
  test_assert_error_contains("dnnl_unimplemented");
  assert_int_equal(onednn_check(&s, dnnl_invalid_arguments, "step c"), BNDL_ERR_BACKEND);
  test_assert_error_contains("dnnl_invalid_arguments");
  assert_int_equal(onednn_check(&s, dnnl_runtime_error, "step d"), BNDL_ERR_BACKEND);
  test_assert_error_contains("dnnl_runtime_error");
  assert_string_equal(onednn_status_name(dnnl_not_required), "dnnl_not_required");
  assert_string_equal(onednn_status_name((dnnl_status_t)1234), "unknown dnnl_status_t");

  float v = 1.0f;
  assert_int_equal(bndl_op_eltwise(ctx, (bndl_eltwise_kind)99, 1, &v, &v), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_op_eltwise_backward(ctx, (bndl_eltwise_kind)0, 1, &v, &v, &v), BNDL_ERR_INVALID_ARGUMENT);

  const dnnl_version_t *ver = dnnl_version();
  char want[32];
  snprintf(want, sizeof want, "onednn %d.%d.%d", ver->major, ver->minor, ver->patch);
  const char *info = bndl_context_backend_info(ctx);
  assert_non_null(info);
  assert_non_null(strstr(info, want));
  assert_non_null(strstr(info, " JIT"));
  assert_non_null(strstr(info, "1 thread per task"));
  bndl_context_free(ctx);
}

int main(void) {
  conf_filter();
  make_inputs();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_openmp_setting_kept),
      cmocka_unit_test(test_primitive_cache),
      cmocka_unit_test(test_concurrent_callers),
      cmocka_unit_test(test_status_and_describe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
