/*
 * test_similarity_internal.c - compute/ internals behind bndl_similarity_*:
 *  - topk_heap.h keeps the same pairs in the same order as the ref provider's top-k op
 *    (ties by index, NaN, +-inf and +-0, any arrival order, k from 0 past the row
 *    length), and its keys decode to what they encode;
 *  - bndl_sim_sparse_topk on a 3 x 3 matrix whose similarities are worked out by hand
 *    (entries <= 0 ignored, ties, min_support, asymmetric cosine, lift, user-user);
 *  - bndl_sim_sparse_bytes is what the builder refuses on, and an upper bound of what it
 *    allocates;
 *  - the embedding path gives bit-identical results whether its queries go in one block
 *    or in blocks of 3 (ref), and refuses a max_bytes below its peak.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/similarity.h"
#include "compute/topk_heap.h"
#include "core/context.h"
#include "core/error.h"
#include "runtime/runtime.h"
#include "test_support.h"

static uint64_t rng = 12345;
static uint32_t next_u32(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

static void heap_matches_ref_topk(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  assert_int_equal(bndl_runtime_select(ctx, "ref"), BNDL_OK);
  enum { COLS = 40 };
  float x[COLS], want_v[COLS + 5], got_v[COLS + 5];
  int32_t want_i[COLS + 5], got_i[COLS + 5], order[COLS];
  uint64_t keys[COLS + 5];
  for (int trial = 0; trial < 500; trial++) {
    for (int c = 0; c < COLS; c++) {
      uint32_t r = next_u32() % 20;
      x[c] = r == 0 ? NAN : r == 1 ? -INFINITY : r == 2 ? INFINITY : r == 3 ? -0.0f
                                     : (float)(next_u32() % 7) * 0.5f - 1.0f; /* ties, signs, +-0 */
      order[c] = c;
    }
    for (int c = COLS - 1; c > 0; c--) { /* a random arrival order */
      int j = (int)(next_u32() % (uint32_t)(c + 1)), t = order[c];
      order[c] = order[j];
      order[j] = t;
    }
    int64_t k = 1 + next_u32() % (COLS + 4);
    bndl_topk_desc d = {1, COLS, k, x, COLS, NULL, want_i, want_v, k};
    assert_int_equal(bndl_op_topk(ctx, &d), BNDL_OK);
    bndl_topk_heap h;
    bndl_topk_heap_init(&h, keys, k);
    for (int c = 0; c < COLS; c++)
      bndl_topk_heap_push(&h, bndl_topk_key(x[order[c]], order[c]));
    assert_int_equal(bndl_topk_heap_finish(&h, got_v, got_i), k < COLS ? k : COLS);
    for (int64_t j = 0; j < k; j++) {
      assert_int_equal(got_i[j], want_i[j]);
      /* the same value (NaN as NaN; the key keeps no sign of zero) */
      assert_true((isnan(got_v[j]) && isnan(want_v[j])) || got_v[j] == want_v[j]);
    }
  }
  /* k = 0 keeps nothing */
  bndl_topk_heap h;
  bndl_topk_heap_init(&h, keys, 0);
  bndl_topk_heap_push(&h, bndl_topk_key(1.0f, 3));
  assert_int_equal(bndl_topk_heap_finish(&h, got_v, got_i), 0);
  /* keys decode to what they encode, across the float range */
  static const float probes[] = {0.0f, 1e-45f, 1.17549435e-38f, 0.3f, 1.0f, 3.4e38f, INFINITY, -INFINITY, -2.5f, -1e-45f};
  for (int i = 0; i < (int)(sizeof probes / sizeof probes[0]); i++) {
    uint64_t key = bndl_topk_key(probes[i], 123456);
    assert_true(bndl_topk_key_score(key) == probes[i]);
    assert_int_equal(bndl_topk_key_index(key), 123456);
    if (i > 0 && i < 7)
      assert_true(key > bndl_topk_key(probes[i - 1], 123456));
  }
  assert_true(bndl_topk_key(-INFINITY, 5) > bndl_topk_key(NAN, 0));
  assert_true(bndl_topk_key(2.0f, 1) > bndl_topk_key(2.0f, 2));
  bndl_context_free(ctx);
}

/* users x items:  u0: i0=1 i1=1      u1: i0=1 i1=1 i2=1      u2: i0=-3 i2=2
 * item vectors over users (u2's -3 is ignored): i0 = (1,1,0), i1 = (1,1,0), i2 = (0,1,2). */
static const int64_t hand_indptr[] = {0, 2, 5, 7};
static const int32_t hand_items[] = {0, 1, 0, 1, 2, 0, 2};
static const float hand_w[] = {1, 1, 1, 1, 1, -3, 2};
static const bndl_sim_matrix hand = {3, 3, hand_indptr, hand_items, hand_w};

static bndl_sim_params params(bndl_sim_measure m) {
  bndl_sim_params p;
  bndl_sim_params_from_config(NULL, &p);
  p.measure = m;
  return p;
}

static void expect_row(const bndl_neighbors *nb, int64_t row, int n, const int32_t *cols, const double *scores) {
  const int32_t *c = nb->cols + nb->indptr[row];
  const float *s = nb->scores + nb->indptr[row];
  assert_int_equal(nb->indptr[row + 1] - nb->indptr[row], n);
  for (int j = 0; j < n; j++) {
    assert_int_equal(c[j], cols[j]);
    if (fabs(s[j] - scores[j]) > 1e-6 * fabs(scores[j]))
      fail_msg("row %lld slot %d: %.9g, expected %.9g", (long long)row, j, (double)s[j], scores[j]);
  }
}

static bndl_neighbors *run(bndl_context *ctx, bndl_sim_side side, const bndl_sim_params *p) {
  bndl_neighbors *nb = NULL;
  if (bndl_sim_sparse_topk(ctx, &hand, side, p, &nb) != BNDL_OK)
    fail_msg("%s", bndl_error_message());
  return nb;
}

static void hand_computed(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  double c02 = 1 / (sqrt(2.0) * sqrt(5.0));
  bndl_sim_params p = params(BNDL_SIM_COSINE);
  bndl_neighbors *nb = run(ctx, BNDL_SIM_ITEMS, &p);
  expect_row(nb, 0, 2, (int32_t[]){1, 2}, (double[]){1.0, c02});
  expect_row(nb, 2, 2, (int32_t[]){0, 1}, (double[]){c02, c02}); /* a tie: the lower index first */
  bndl_neighbors_destroy(nb);

  p.exclude_self = 0;
  nb = run(ctx, BNDL_SIM_ITEMS, &p);
  expect_row(nb, 2, 3, (int32_t[]){2, 0, 1}, (double[]){1.0, c02, c02});
  expect_row(nb, 0, 3, (int32_t[]){0, 1, 2}, (double[]){1.0, 1.0, c02}); /* i0 and i1 are equal */
  bndl_neighbors_destroy(nb);

  p = params(BNDL_SIM_JACCARD);
  nb = run(ctx, BNDL_SIM_ITEMS, &p);
  expect_row(nb, 1, 2, (int32_t[]){0, 2}, (double[]){1.0, 1.0 / 6}); /* 1 / (2 + 5 - 1) */
  bndl_neighbors_destroy(nb);

  p = params(BNDL_SIM_LIFT); /* N = 3 users, every item has 2 of them */
  nb = run(ctx, BNDL_SIM_ITEMS, &p);
  expect_row(nb, 0, 2, (int32_t[]){1, 2}, (double[]){1.5, 0.75});
  bndl_neighbors_destroy(nb);
  p = params(BNDL_SIM_PMI);
  p.min_support = 2;
  nb = run(ctx, BNDL_SIM_ITEMS, &p);
  expect_row(nb, 0, 1, (int32_t[]){1}, (double[]){log(1.5)});
  expect_row(nb, 2, 0, NULL, NULL);
  bndl_neighbors_destroy(nb);

  p = params(BNDL_SIM_ASYMMETRIC_COSINE);
  p.alpha = 1; /* d / q_row */
  nb = run(ctx, BNDL_SIM_ITEMS, &p);
  expect_row(nb, 0, 2, (int32_t[]){1, 2}, (double[]){1.0, 0.5});
  expect_row(nb, 2, 2, (int32_t[]){0, 1}, (double[]){0.2, 0.2});
  bndl_neighbors_destroy(nb);

  p = params(BNDL_SIM_COSINE); /* users: u0 = (1,1,0), u1 = (1,1,1), u2 = (0,0,2) */
  p.shrink = 1;
  nb = run(ctx, BNDL_SIM_USERS, &p);
  expect_row(nb, 0, 1, (int32_t[]){1}, (double[]){2 / (sqrt(2.0) * sqrt(3.0) + 1)});
  expect_row(nb, 2, 1, (int32_t[]){1}, (double[]){2 / (2 * sqrt(3.0) + 1)});
  bndl_neighbors_destroy(nb);

  p = params(BNDL_SIM_DOT);
  p.binary = 1;
  p.k = 1;
  nb = run(ctx, BNDL_SIM_USERS, &p);
  expect_row(nb, 1, 1, (int32_t[]){0}, (double[]){2});
  bndl_neighbors_destroy(nb);
  bndl_context_free(ctx);
}

static void estimate_is_the_limit(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 2);
  /* a random 300 x 200 matrix */
  enum { U = 300, I = 200 };
  int64_t *indptr = malloc((U + 1) * sizeof *indptr);
  int32_t *items = malloc(U * I * sizeof *items);
  float *w = malloc(U * I * sizeof *w);
  indptr[0] = 0;
  for (int u = 0; u < U; u++) {
    int64_t n = indptr[u];
    for (int i = 0; i < I; i++)
      if (next_u32() % 10 == 0) {
        items[n] = i;
        w[n++] = (float)(next_u32() % 5) - 1.0f;
      }
    indptr[u + 1] = n;
  }
  bndl_sim_matrix x = {U, I, indptr, items, w};
  for (int side = 0; side < 4; side++) /* BM25 keeps values, binary cosine counts only */
    for (int64_t k = 1; k <= 400; k *= 7) {
      bndl_sim_params p = params(side < 2 ? BNDL_SIM_BM25 : BNDL_SIM_COSINE);
      p.binary = side >= 2;
      p.k = k;
      int64_t need = bndl_sim_sparse_bytes(&x, (bndl_sim_side)(side % 2), &p, 2);
      bndl_neighbors *nb = NULL;
      p.max_bytes = need - 1;
      assert_int_equal(bndl_sim_sparse_topk(ctx, &x, (bndl_sim_side)(side % 2), &p, &nb), BNDL_ERR_LIMIT);
      p.max_bytes = need;
      int64_t live = t.live_bytes;
      t.peak_bytes = live;
      assert_int_equal(bndl_sim_sparse_topk(ctx, &x, (bndl_sim_side)(side % 2), &p, &nb), BNDL_OK);
      if (t.peak_bytes - live > need)
        fail_msg("side %d k %lld: peak %lld > estimate %lld", side, (long long)k, (long long)(t.peak_bytes - live), (long long)need);
      assert_true(t.peak_bytes - live >= need / 2); /* and not wildly above it */
      bndl_neighbors_destroy(nb);
    }
  free(indptr);
  free(items);
  free(w);
  bndl_context_free(ctx);
}

static void embedding_blocks(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  assert_int_equal(bndl_runtime_select(ctx, "ref"), BNDL_OK);
  enum { NQ = 50, NI = 300, DIM = 16, K = 10 };
  float *q = malloc(NQ * DIM * sizeof *q), *it = malloc(NI * DIM * sizeof *it);
  for (int i = 0; i < NQ * DIM; i++)
    q[i] = (float)(next_u32() % 1000) / 500.0f - 1.0f;
  for (int i = 0; i < NI * DIM; i++)
    it[i] = (float)(next_u32() % 1000) / 500.0f - 1.0f;
  bndl_sim_dense qd = {NQ, DIM, DIM, q}, id = {NI, DIM, DIM, it};
  int64_t table = NQ * K * 8, norms = NI * 4 + 4096, row = NI * 4 + 4;
  for (int m = 0; m < 2; m++) {
    bndl_metric metric = m ? BNDL_METRIC_DOT : BNDL_METRIC_COSINE;
    bndl_neighbors *one = NULL, *blocks = NULL;
    assert_int_equal(bndl_sim_embeddings_topk(ctx, &qd, &id, metric, K, INT64_C(1) << 30, &one), BNDL_OK);
    /* room for three queries' scores at a time */
    int64_t tight = table + norms + 3 * row;
    assert_int_equal(bndl_sim_embeddings_topk(ctx, &qd, &id, metric, K, tight, &blocks), BNDL_OK);
    assert_memory_equal(one->indptr, blocks->indptr, (NQ + 1) * sizeof(int64_t));
    assert_memory_equal(one->cols, blocks->cols, NQ * K * sizeof(int32_t));
    assert_memory_equal(one->scores, blocks->scores, NQ * K * sizeof(float));
    bndl_neighbors_destroy(one);
    bndl_neighbors_destroy(blocks);
  }
  bndl_neighbors *nb = NULL;
  assert_int_equal(bndl_sim_embeddings_topk(ctx, &qd, &id, BNDL_METRIC_COSINE, K, 5000, &nb), BNDL_ERR_LIMIT);
  assert_non_null(strstr(bndl_error_message(), "needs "));
  assert_non_null(strstr(bndl_error_message(), "sim.max_bytes) is 5000"));
  free(q);
  free(it);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(heap_matches_ref_topk),
      cmocka_unit_test(hand_computed),
      cmocka_unit_test(estimate_is_the_limit),
      cmocka_unit_test(embedding_blocks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
