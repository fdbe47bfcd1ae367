/*
 * test_model_params.c - the parameter store and the activation arena of src/model/:
 * the init schemes' distributions (PyTorch's defaults, params.h), per-name seeding,
 * registration errors, arena alignment / mark / release / reset-merging, no allocation
 * on a repeated pass, and the out-of-memory loop (every allocation of a SASRec and an
 * LSTM training pass failed in turn: the error is BNDL_ERR_OUT_OF_MEMORY, nothing
 * leaks, and the next pass succeeds).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/context.h"
#include "model/arena.h"
#include "model/params.h"
#include "model_test_util.h"
#include "test_support.h"

static void ok(bndl_status st, const char *what) {
  if (st != BNDL_OK)
    fail_msg("%s: %s", what, bndl_last_error_message());
}

static void moments(const float *v, int64_t n, double *mean, double *sd, double *mx) {
  double s = 0, s2 = 0, m = 0;
  for (int64_t i = 0; i < n; i++) {
    s += v[i];
    s2 += (double)v[i] * v[i];
    m = fmax(m, fabs(v[i]));
  }
  *mean = s / (double)n;
  *sd = sqrt(s2 / (double)n - *mean * *mean);
  *mx = m;
}

static void test_init_schemes(void **state) {
  (void)state;
  bndl_nn_params p;
  bndl_nn_params_init(&p, bndl_default_allocator());
  bndl_nn_param emb, lin, xav, ones, zeros;
  ok(bndl_nn_params_add(&p, "emb", 500, 100, BNDL_NN_INIT_NORMAL, 1.0f, &emb), "add");
  ok(bndl_nn_params_add(&p, "lin.weight", 300, 64, BNDL_NN_INIT_UNIFORM, 0.125f, &lin), "add");
  ok(bndl_nn_params_add(&p, "attn.in_proj_weight", 192, 64, BNDL_NN_INIT_XAVIER_UNIFORM, 1.0f, &xav), "add");
  ok(bndl_nn_params_add(&p, "ln.weight", 1, 33, BNDL_NN_INIT_ONES, 0, &ones), "add");
  ok(bndl_nn_params_add(&p, "ln.bias", 1, 33, BNDL_NN_INIT_ZEROS, 0, &zeros), "add");
  ok(bndl_nn_params_alloc(&p, 5), "alloc");
  double mean, sd, mx;
  /* N(0, 1): 50000 draws, sd of the mean 0.0045 */
  moments(bndl_nn_value(&p, emb), 50000, &mean, &sd, &mx);
  assert_true(fabs(mean) < 0.02 && fabs(sd - 1) < 0.02 && mx > 3);
  /* U(-1/8, 1/8): sd 0.125 / sqrt(3) */
  moments(bndl_nn_value(&p, lin), 300 * 64, &mean, &sd, &mx);
  assert_true(fabs(mean) < 0.003 && fabs(sd - 0.125 / sqrt(3)) < 0.002 && mx <= 0.125 && mx > 0.124);
  /* xavier: bound sqrt(6 / (192 + 64)) */
  double b = sqrt(6.0 / 256);
  moments(bndl_nn_value(&p, xav), 192 * 64, &mean, &sd, &mx);
  assert_true(fabs(mean) < 0.005 && fabs(sd - b / sqrt(3)) < 0.003 && mx <= b && mx > 0.99 * b);
  for (int i = 0; i < 33; i++) {
    assert_true(bndl_nn_value(&p, ones)[i] == 1.0f);
    assert_true(bndl_nn_value(&p, zeros)[i] == 0.0f);
    assert_true(bndl_nn_grad(&p, ones)[i] == 0.0f);
  }
  /* every tensor starts 64-byte aligned */
  for (int32_t i = 0; i < p.count; i++)
    assert_true(((uintptr_t)bndl_nn_value(&p, i) & 63) == 0 && ((uintptr_t)bndl_nn_grad(&p, i) & 63) == 0);
  assert_int_equal(bndl_nn_params_find(&p, "ln.bias"), zeros);
  assert_int_equal(bndl_nn_params_find(&p, "nope"), -1);
  bndl_nn_params_free(&p);
}

static void test_seed_per_name(void **state) {
  (void)state;
  /* the same tensor gets the same values whatever else is registered, and another seed
   * gives other values */
  bndl_nn_params a, b, c;
  bndl_nn_param ia, ib, ic, other;
  bndl_nn_params_init(&a, bndl_default_allocator());
  bndl_nn_params_init(&b, bndl_default_allocator());
  bndl_nn_params_init(&c, bndl_default_allocator());
  ok(bndl_nn_params_add(&a, "w", 10, 7, BNDL_NN_INIT_UNIFORM, 1, &ia), "add");
  ok(bndl_nn_params_add(&b, "before", 3, 3, BNDL_NN_INIT_NORMAL, 1, &other), "add");
  ok(bndl_nn_params_add(&b, "w", 10, 7, BNDL_NN_INIT_UNIFORM, 1, &ib), "add");
  ok(bndl_nn_params_add(&c, "w", 10, 7, BNDL_NN_INIT_UNIFORM, 1, &ic), "add");
  ok(bndl_nn_params_alloc(&a, 9), "alloc");
  ok(bndl_nn_params_alloc(&b, 9), "alloc");
  ok(bndl_nn_params_alloc(&c, 10), "alloc");
  assert_memory_equal(bndl_nn_value(&a, ia), bndl_nn_value(&b, ib), 70 * sizeof(float));
  assert_true(memcmp(bndl_nn_value(&a, ia), bndl_nn_value(&c, ic), 70 * sizeof(float)) != 0);
  bndl_nn_params_free(&a);
  bndl_nn_params_free(&b);
  bndl_nn_params_free(&c);
}

static void test_registration_errors(void **state) {
  (void)state;
  bndl_nn_params p;
  bndl_nn_param id;
  bndl_nn_params_init(&p, bndl_default_allocator());
  ok(bndl_nn_params_add(&p, "w", 2, 2, BNDL_NN_INIT_ZEROS, 0, &id), "add");
  assert_int_equal(bndl_nn_params_add(&p, "w", 2, 2, BNDL_NN_INIT_ZEROS, 0, &id), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("registered twice");
  assert_int_equal(bndl_nn_params_add(&p, "z", 0, 2, BNDL_NN_INIT_ZEROS, 0, &id), BNDL_ERR_INVALID_ARGUMENT);
  char longname[100];
  memset(longname, 'a', 99);
  longname[99] = '\0';
  assert_int_equal(bndl_nn_params_add(&p, longname, 1, 1, BNDL_NN_INIT_ZEROS, 0, &id), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_nn_params_add(&p, "huge", INT64_MAX / 2, 4, BNDL_NN_INIT_ZEROS, 0, &id),
                   BNDL_ERR_OUT_OF_MEMORY);
  ok(bndl_nn_params_alloc(&p, 1), "alloc");
  assert_int_equal(bndl_nn_params_add(&p, "late", 1, 1, BNDL_NN_INIT_ZEROS, 0, &id), BNDL_ERR_STATE);
  assert_int_equal(bndl_nn_params_alloc(&p, 1), BNDL_ERR_STATE);
  bndl_nn_grad(&p, 0)[3] = 5;
  bndl_nn_params_zero_grad(&p);
  assert_true(bndl_nn_grad(&p, 0)[3] == 0);
  bndl_nn_params_free(&p);
}

static void test_arena(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator al = test_alloc_hook(&t);
  bndl_nn_arena a;
  bndl_nn_arena_init(&a, &al, 4096);
  /* alignment; a mark gives back what follows it */
  float *x = bndl_nn_arena_floats(&a, 3);
  float *y = bndl_nn_arena_floats(&a, 5);
  assert_true(((uintptr_t)x & 63) == 0 && ((uintptr_t)y & 63) == 0 && y >= x + 16);
  bndl_nn_mark m = bndl_nn_arena_mark(&a);
  float *z = bndl_nn_arena_floats(&a, 100);
  bndl_nn_arena_release(&a, m);
  assert_ptr_equal(bndl_nn_arena_floats(&a, 100), z);
  /* growth past the first block: more blocks, then reset merges them into one */
  for (int i = 0; i < 20; i++)
    assert_non_null(bndl_nn_arena_floats(&a, 1000));
  assert_true(t.live_blocks > 1);
  size_t cap = bndl_nn_arena_capacity(&a);
  bndl_nn_arena_reset(&a);
  assert_int_equal(t.live_blocks, 1);
  assert_true(bndl_nn_arena_capacity(&a) == cap);
  int64_t allocs = t.n_allocs;
  for (int i = 0; i < 20; i++)
    assert_non_null(bndl_nn_arena_zfloats(&a, 1000));
  assert_int_equal(t.n_allocs, allocs); /* the same pass again: no allocation */
  /* a failing allocation reports out of memory and leaves the arena usable */
  bndl_nn_arena_reset(&a);
  t.fail_at = t.n_allocs + 1;
  assert_null(bndl_nn_arena_floats(&a, (int64_t)cap)); /* needs a new block */
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
  assert_non_null(bndl_nn_arena_floats(&a, 10));
  assert_null(bndl_nn_arena_floats(&a, -1));
  bndl_nn_arena_free(&a);
  assert_int_equal(t.live_blocks, 0);
}

/* A training pass of each encoder allocates nothing the second time, and every
 * allocation failing in turn gives BNDL_ERR_OUT_OF_MEMORY without leaks. */
static void test_oom_loop(void **state) {
  (void)state;
  for (int lstm = 0; lstm <= 1; lstm++) {
    test_alloc t;
    test_alloc_reset(&t, 0, 0);
    bndl_context *ctx = test_context(&t, 1); /* no worker thread: every allocation is ours, in order */
    assert_non_null(ctx);
    ok(bndl_context_set_backend(ctx, "ref"), "set_backend");
    /* the pool and the providers are opened once, outside the counted region */
    {
      mt_run r;
      mt_problem p;
      double loss;
      mt_run_init(&r, ctx);
      mt_problem_build(&p, &r, &MT_TINY, lstm, BNDL_NN_LOSS_BCE, 0, 0.2f, BNDL_ELT_RELU);
      mt_run_alloc(&r, 1);
      ok(mt_problem_run(&p, &r, &loss, 1), "warm-up");
      int64_t before = t.n_allocs;
      ok(mt_problem_run(&p, &r, &loss, 1), "second pass");
      assert_int_equal(t.n_allocs, before);
      mt_problem_free(&p);
      mt_run_free(&r);
    }
    int64_t base_blocks = t.live_blocks;
    int succeeded = 0;
    for (int64_t k = 1; k < 400 && !succeeded; k++) {
      mt_run r;
      mt_problem p;
      double loss;
      mt_run_init(&r, ctx);
      mt_problem_build(&p, &r, &MT_TINY, lstm, BNDL_NN_LOSS_SAMPLED_SOFTMAX, 1, 0.2f, BNDL_ELT_RELU);
      t.fail_at = t.n_allocs + k;
      t.n_failed = 0;
      bndl_status st = bndl_nn_params_alloc(&r.params, 3);
      if (st == BNDL_OK)
        st = mt_problem_run(&p, &r, &loss, 1);
      if (st == BNDL_OK)
        succeeded = t.n_failed == 0;
      else
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
      t.fail_at = 0;
      if (st == BNDL_OK && k == 1)
        fail_msg("the first allocation failed and the pass still succeeded");
      mt_problem_free(&p);
      mt_run_free(&r);
      assert_int_equal(t.live_blocks, base_blocks);
    }
    assert_true(succeeded);
    printf("[oom] %s pass: every one of its allocations failed in turn\n", lstm ? "lstm" : "sasrec");
    bndl_context_free(ctx);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init_schemes), cmocka_unit_test(test_seed_per_name),
      cmocka_unit_test(test_registration_errors), cmocka_unit_test(test_arena), cmocka_unit_test(test_oom_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
