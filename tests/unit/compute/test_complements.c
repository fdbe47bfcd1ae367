/*
 * test_complements.c - complementary items against brute-force pair counting.
 *
 * The reference counts every pair of every basket in an n x n table, scores each pair
 * with count >= min_count by lift as a float computed the same way (N c(i,j) /
 * (c(i) c(j)) in double, rounded once), sorts by score descending and index ascending
 * and keeps k. Random baskets over few items give many equal scores, so the tie rule is
 * exercised. Results must be identical for 1, 2 and 5 threads; allocation failures
 * are reported and leak nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/complements.h"
#include "compute/neighbors.h"
#include "core/context.h"
#include "core/error.h"
#include "test_support.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}
static int64_t rnd_below(int64_t n) { return n > 0 ? (int64_t)(rnd() % (uint64_t)n) : 0; }

/* Random baskets: items drawn with a skew toward small indices, repeats removed. */
static bndl_baskets random_baskets(int32_t n_items, int64_t n, int32_t max_len) {
  bndl_baskets b = {n, calloc((size_t)n + 1, sizeof(int64_t)), NULL, n_items};
  b.items = malloc(((size_t)n * (size_t)max_len + 1) * sizeof(int32_t));
  int64_t w = 0;
  for (int64_t k = 0; k < n; k++) {
    int32_t len = n_items > 0 ? (int32_t)rnd_below(max_len + 1) : 0, tmp[64];
    for (int32_t j = 0; j < len; j++)
      tmp[j] = (int32_t)(rnd_below(n_items) * rnd_below(n_items) / n_items);
    bndl_sort_i32(tmp, len);
    for (int32_t j = 0; j < len; j++)
      if (j == 0 || tmp[j] != tmp[j - 1])
        b.items[w++] = tmp[j];
    b.indptr[k + 1] = w;
  }
  return b;
}

typedef struct scored {
  float score;
  int32_t item;
} scored;

static int cmp_scored(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return (x->item > y->item) - (x->item < y->item);
}

static void check_against_brute_force(const bndl_neighbors *nb, const bndl_baskets *b, int64_t min_count,
                                      int32_t k) {
  int32_t n = b->n_items;
  int64_t *pair = calloc((size_t)n * (size_t)n + 1, sizeof *pair);
  int64_t *single = calloc((size_t)n + 1, sizeof *single);
  for (int64_t bk = 0; bk < b->n; bk++)
    for (int64_t x = b->indptr[bk]; x < b->indptr[bk + 1]; x++) {
      single[b->items[x]]++;
      for (int64_t y = b->indptr[bk]; y < b->indptr[bk + 1]; y++)
        if (x != y)
          pair[(int64_t)b->items[x] * n + b->items[y]]++;
    }
  assert_int_equal(nb->rows, n);
  scored *row = malloc(((size_t)n + 1) * sizeof *row);
  for (int32_t i = 0; i < n; i++) {
    int32_t m = 0;
    for (int32_t j = 0; j < n; j++) {
      int64_t c = pair[(int64_t)i * n + j];
      if (j != i && c >= min_count && c > 0)
        row[m++] = (scored){(float)((double)b->n * (double)c / ((double)single[i] * (double)single[j])), j};
    }
    qsort(row, (size_t)m, sizeof *row, cmp_scored);
    int32_t keep = m < k ? m : k;
    assert_int_equal(nb->indptr[i + 1] - nb->indptr[i], keep);
    for (int32_t c = 0; c < keep; c++) {
      assert_int_equal(nb->cols[nb->indptr[i] + c], row[c].item);
      assert_true(nb->scores[nb->indptr[i] + c] == row[c].score);
    }
  }
  free(row);
  free(pair);
  free(single);
}

static bndl_neighbors *complements(bndl_context *ctx, const bndl_baskets *b, int64_t min_count, int32_t k) {
  bndl_neighbors *nb = NULL;
  if (bndl_complements_build(ctx, b, min_count, k, &nb) != BNDL_OK)
    fail_msg("complements: %s", bndl_error_message());
  return nb;
}

static void test_random_against_brute_force(void **state) {
  (void)state;
  bndl_context *ctx[3] = {test_context(NULL, 1), test_context(NULL, 2), test_context(NULL, 5)};
  for (int round = 0; round < 150; round++) {
    rng_state = UINT64_C(9000) + (uint64_t)round;
    int32_t n_items = (int32_t)rnd_below(round < 100 ? 15 : 120);
    bndl_baskets b = random_baskets(n_items, rnd_below(300), 1 + (int32_t)rnd_below(12));
    int64_t min_count = 1 + rnd_below(round % 2 ? 2 : 6);
    int32_t k = 1 + (int32_t)rnd_below(round % 3 ? 8 : 200);
    bndl_neighbors *ref = complements(ctx[0], &b, min_count, k);
    check_against_brute_force(ref, &b, min_count, k);
    for (int t = 1; t < 3; t++) {
      bndl_neighbors *nb = complements(ctx[t], &b, min_count, k);
      assert_int_equal(nb->rows, ref->rows);
      assert_memory_equal(nb->indptr, ref->indptr, (size_t)(nb->rows + 1) * sizeof *nb->indptr);
      assert_memory_equal(nb->cols, ref->cols, (size_t)nb->indptr[nb->rows] * sizeof *nb->cols);
      assert_memory_equal(nb->scores, ref->scores, (size_t)nb->indptr[nb->rows] * sizeof *nb->scores);
      bndl_neighbors_destroy(nb);
    }
    bndl_neighbors_destroy(ref);
    free(b.indptr);
    free(b.items);
  }
  for (int t = 0; t < 3; t++)
    bndl_context_free(ctx[t]);
}

static void test_by_hand(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  /* N = 4: {0,1} {0,1} {0,2} {3}. c0 = 3, c1 = 2, c2 = 1; pairs 01: 2, 02: 1.
   * lift(0,1) = 4*2/(3*2) = 4/3, lift(0,2) = 4*1/(3*1) = 4/3 (a tie: lower index first),
   * lift(1,0) = 4/3, lift(2,0) = 4/3. Item 3 has no partner. */
  int64_t indptr[] = {0, 2, 4, 6, 7};
  int32_t items[] = {0, 1, 0, 1, 0, 2, 3};
  bndl_baskets b = {4, indptr, items, 5};
  bndl_neighbors *nb = complements(ctx, &b, 1, 10);
  assert_int_equal(nb->rows, 5);
  int64_t want_indptr[] = {0, 2, 3, 4, 4, 4};
  assert_memory_equal(nb->indptr, want_indptr, sizeof want_indptr);
  assert_int_equal(nb->cols[0], 1);
  assert_int_equal(nb->cols[1], 2);
  assert_int_equal(nb->cols[2], 0);
  assert_int_equal(nb->cols[3], 0);
  for (int i = 0; i < 4; i++)
    assert_true(nb->scores[i] == (float)(4.0 / 3.0));
  bndl_neighbors_destroy(nb);
  /* min_count 2 leaves only the 0-1 pair; k 1 keeps one per row. */
  nb = complements(ctx, &b, 2, 10);
  int64_t want2[] = {0, 1, 2, 2, 2, 2};
  assert_memory_equal(nb->indptr, want2, sizeof want2);
  bndl_neighbors_destroy(nb);
  nb = complements(ctx, &b, 1, 1);
  assert_int_equal(nb->indptr[5], 3);
  assert_int_equal(nb->cols[0], 1);
  bndl_neighbors_destroy(nb);
  /* No baskets, no items. */
  bndl_baskets none = {0, indptr, items, 3};
  nb = complements(ctx, &none, 1, 5);
  assert_int_equal(nb->rows, 3);
  assert_int_equal(nb->indptr[3], 0);
  bndl_neighbors_destroy(nb);
  none.n_items = 0;
  nb = complements(ctx, &none, 1, 5);
  assert_int_equal(nb->rows, 0);
  bndl_neighbors_destroy(nb);
  bndl_context_free(ctx);
}

static void test_out_of_memory(void **state) {
  (void)state;
  rng_state = 3;
  bndl_baskets b = random_baskets(30, 200, 8);
  for (int threads = 1; threads <= 3; threads += 2) {
    test_alloc t;
    test_alloc_reset(&t, 0, 0);
    bndl_context *ctx = test_context(&t, threads);
    bndl_neighbors *warm = NULL; /* pool workers free their start arguments when they run */
    assert_int_equal(bndl_complements_build(ctx, &b, 2, 5, &warm), BNDL_OK);
    bndl_neighbors_destroy(warm);
    int64_t baseline = t.live_blocks;
    int done = 0;
    for (int64_t k = 1; !done && k < 10000; k++) {
      t.fail_at = t.n_allocs + k;
      bndl_neighbors *nb = NULL;
      bndl_status st = bndl_complements_build(ctx, &b, 2, 5, &nb);
      t.fail_at = 0;
      if (st == BNDL_OK) {
        bndl_neighbors_destroy(nb);
        done = 1;
      } else {
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
        assert_null(nb);
      }
      if (threads == 1) /* with workers, their start arguments are freed when they first run */
        assert_int_equal(t.live_blocks, baseline);
    }
    assert_true(done);
    bndl_context_free(ctx);
    assert_int_equal(t.live_blocks, 0);
  }
  free(b.indptr);
  free(b.items);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_against_brute_force),
      cmocka_unit_test(test_by_hand),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
