/*
 * test_fpgrowth.c - FP-growth and association rules against brute force.
 *
 * The reference for itemsets enumerates every subset (up to max_len) of every basket
 * and counts it in a hash map keyed by the subset's bit mask (items < 64), then keeps
 * those with count >= min_count. FP-growth must return exactly those sets with exactly
 * those counts, in (length, items) order, on many seeded random basket sets: skewed
 * item frequencies, repeated "template" baskets that make long frequent sets, empty
 * and single-item baskets, max_len limits, and min_count chosen equal to the count of
 * an existing set so that a set exactly at the threshold must be kept. The result must
 * not depend on the thread count. The internal caps fail with BNDL_ERR_LIMIT exactly
 * when the number of sets exceeds them, and every allocation failure is reported and
 * leaks nothing.
 *
 * Rules are checked against hand computations on two small examples (all five
 * metrics, conviction +inf at confidence 1) and against a brute-force split of every
 * frequent itemset, filtered by confidence and lift, in the documented order.
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

#include "compute/fpgrowth.h"
#include "compute/rules.h"
#include "core/context.h"
#include "core/error.h"
#include "test_support.h"

/* ---- seeded random numbers (splitmix64) */

static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}
static int64_t rnd_below(int64_t n) { return n > 0 ? (int64_t)(rnd() % (uint64_t)n) : 0; }
static double rnd_unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* ---- baskets as bit masks, and their CSR form */

typedef struct mask_baskets {
  int64_t n;
  uint64_t *m;
  int32_t n_items;
} mask_baskets;

static bndl_baskets to_csr(const mask_baskets *mb) {
  bndl_baskets b = {mb->n, NULL, NULL, mb->n_items};
  b.indptr = calloc((size_t)mb->n + 1, sizeof *b.indptr);
  int64_t total = 0;
  for (int64_t k = 0; k < mb->n; k++)
    total += __builtin_popcountll(mb->m[k]);
  b.items = malloc(((size_t)total + 1) * sizeof *b.items);
  int64_t w = 0;
  for (int64_t k = 0; k < mb->n; k++) {
    for (int32_t i = 0; i < mb->n_items; i++)
      if (mb->m[k] >> i & 1)
        b.items[w++] = i;
    b.indptr[k + 1] = w;
  }
  return b;
}

static void free_csr(bndl_baskets *b) {
  free(b->indptr);
  free(b->items);
}

/* A random basket set: per-item probabilities falling with the index, a few templates
 * copied (with noise) into many baskets, and some empty and single-item baskets. */
static mask_baskets random_baskets(int32_t n_items, int64_t n) {
  mask_baskets mb = {n, calloc((size_t)n + 1, sizeof(uint64_t)), n_items};
  double p[64];
  double base = 0.05 + 0.5 * rnd_unit();
  for (int32_t i = 0; i < n_items; i++)
    p[i] = base / (1.0 + (double)i * rnd_unit());
  uint64_t templates[4];
  for (int t = 0; t < 4; t++) {
    templates[t] = 0;
    for (int32_t i = 0; i < n_items; i++)
      if (rnd_unit() < 0.35)
        templates[t] |= UINT64_C(1) << i;
  }
  double p_template = rnd_unit() * 0.5;
  for (int64_t k = 0; k < n; k++) {
    double u = rnd_unit();
    uint64_t m = 0;
    if (u < 0.08) {
      m = 0; /* empty */
    } else if (u < 0.16) {
      m = UINT64_C(1) << rnd_below(n_items);
    } else if (u < 0.16 + p_template) {
      m = templates[rnd_below(4)];
      if (rnd_unit() < 0.5)
        m ^= UINT64_C(1) << rnd_below(n_items);
    } else {
      for (int32_t i = 0; i < n_items; i++)
        if (rnd_unit() < p[i])
          m |= UINT64_C(1) << i;
    }
    mb.m[k] = m;
  }
  return mb;
}

/* ---- brute force: every subset of every basket, counted by mask */

typedef struct mask_count {
  uint64_t mask;
  int64_t count;
} mask_count;

typedef struct mask_table {
  mask_count *slot; /* mask 0 = empty (the empty set is never counted) */
  size_t cap, n;
} mask_table;

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33;
  return x;
}

static void table_add(mask_table *t, uint64_t mask, int64_t by);

static void table_grow(mask_table *t) {
  mask_table bigger = {calloc(t->cap ? t->cap * 2 : 1024, sizeof(mask_count)), t->cap ? t->cap * 2 : 1024, 0};
  for (size_t i = 0; i < t->cap; i++)
    if (t->slot[i].mask)
      table_add(&bigger, t->slot[i].mask, t->slot[i].count);
  free(t->slot);
  *t = bigger;
}

static void table_add(mask_table *t, uint64_t mask, int64_t by) {
  if ((t->n + 1) * 2 > t->cap)
    table_grow(t);
  size_t i = mix(mask) & (t->cap - 1);
  while (t->slot[i].mask && t->slot[i].mask != mask)
    i = (i + 1) & (t->cap - 1);
  if (!t->slot[i].mask) {
    t->slot[i].mask = mask;
    t->n++;
  }
  t->slot[i].count += by;
}

static int64_t table_get(const mask_table *t, uint64_t mask) {
  if (t->cap == 0)
    return 0;
  size_t i = mix(mask) & (t->cap - 1);
  while (t->slot[i].mask && t->slot[i].mask != mask)
    i = (i + 1) & (t->cap - 1);
  return t->slot[i].mask ? t->slot[i].count : 0;
}

/* Adds every non-empty sub-mask of m with at most max_len bits (0 = any). */
static void count_subsets(mask_table *t, uint64_t m, int32_t max_len) {
  for (uint64_t s = m; s; s = (s - 1) & m)
    if (max_len == 0 || __builtin_popcountll(s) <= max_len)
      table_add(t, s, 1);
}

static mask_table brute_force(const mask_baskets *mb, int32_t max_len) {
  mask_table t = {0};
  table_grow(&t);
  for (int64_t k = 0; k < mb->n; k++)
    count_subsets(&t, mb->m[k], max_len);
  return t;
}

static uint64_t set_mask(const int32_t *items, int32_t len) {
  uint64_t m = 0;
  for (int32_t i = 0; i < len; i++)
    m |= UINT64_C(1) << items[i];
  return m;
}

/* Lengths then items, strictly increasing. */
static void assert_sorted(const bndl_itemsets *s) {
  for (int64_t i = 0; i < s->n; i++) {
    int32_t len = (int32_t)(s->offsets[i + 1] - s->offsets[i]);
    const int32_t *x = s->items + s->offsets[i];
    for (int32_t j = 1; j < len; j++)
      assert_true(x[j - 1] < x[j]);
    if (i == 0)
      continue;
    int32_t plen = (int32_t)(s->offsets[i] - s->offsets[i - 1]);
    const int32_t *y = s->items + s->offsets[i - 1];
    if (plen != len) {
      assert_true(plen < len);
      continue;
    }
    int c = 0;
    for (int32_t j = 0; j < len && c == 0; j++)
      c = (y[j] > x[j]) - (y[j] < x[j]);
    assert_true(c < 0);
  }
}

/* The itemsets equal the brute-force table filtered by min_count. */
static void assert_matches(const bndl_itemsets *s, const mask_table *bf, int64_t min_count) {
  int64_t expected = 0;
  for (size_t i = 0; i < bf->cap; i++)
    if (bf->slot[i].mask && bf->slot[i].count >= min_count)
      expected++;
  assert_int_equal(s->n, expected);
  for (int64_t i = 0; i < s->n; i++) {
    int32_t len = (int32_t)(s->offsets[i + 1] - s->offsets[i]);
    uint64_t m = set_mask(s->items + s->offsets[i], len);
    assert_int_equal(__builtin_popcountll(m), len);
    assert_int_equal(s->counts[i], table_get(bf, m));
  }
  assert_sorted(s);
}

static bndl_itemsets *mine(bndl_context *ctx, const bndl_baskets *b, int64_t min_count, int32_t max_len) {
  bndl_fp_params p = {min_count, max_len, BNDL_FP_MAX_ITEMSETS};
  bndl_itemsets *s = NULL;
  bndl_status st = bndl_fpgrowth(ctx, b, &p, &s);
  if (st != BNDL_OK)
    fail_msg("fpgrowth: %s", bndl_error_message());
  assert_int_equal(s->n_baskets, b->n);
  return s;
}

/* ---- tests */

static void test_min_count(void **state) {
  (void)state;
  /* 3/10 == 0.3 in double although 0.3 * 10 rounds up past 3. */
  assert_int_equal(bndl_fp_min_count(0.3, 1, 10), 3);
  assert_int_equal(bndl_fp_min_count(0.01, 1, 25900), 259);
  assert_int_equal(bndl_fp_min_count(0.01, 1, 25901), 260);
  assert_int_equal(bndl_fp_min_count(0.5, 1, 7), 4);
  assert_int_equal(bndl_fp_min_count(1.0, 1, 7), 7);
  assert_int_equal(bndl_fp_min_count(0.0, 1, 7), 1);
  assert_int_equal(bndl_fp_min_count(0.0, 5, 7), 5);
  assert_int_equal(bndl_fp_min_count(0.1, 5, 100), 10);
  assert_int_equal(bndl_fp_min_count(0.1, 50, 100), 50);
  assert_int_equal(bndl_fp_min_count(0.5, 1, 0), 1);
  /* Every threshold is the smallest count whose support reaches min_support. */
  for (int64_t n = 1; n < 400; n++)
    for (int k = 1; k < 100; k++) {
      double ms = k / 100.0;
      int64_t c = bndl_fp_min_count(ms, 1, n);
      assert_true((double)c / (double)n >= ms);
      assert_true(c == 1 || (double)(c - 1) / (double)n < ms);
    }
}

static void test_random_against_brute_force(void **state) {
  (void)state;
  bndl_context *one = test_context(NULL, 1), *four = test_context(NULL, 4);
  for (int round = 0; round < 400; round++) {
    rng_state = UINT64_C(1000) + (uint64_t)round;
    int32_t n_items = 1 + (int32_t)rnd_below(round < 200 ? 12 : 22);
    int64_t n = rnd_below(round % 10 == 0 ? 6 : 90);
    mask_baskets mb = random_baskets(n_items, n);
    int32_t max_len = (int32_t)(round % 4 == 0 ? 0 : round % 4 == 1 ? 1 + rnd_below(3) : rnd_below(6));
    mask_table bf = brute_force(&mb, max_len);
    int64_t min_count;
    if (round % 3 == 0 && bf.n > 0) {
      /* Exactly the count of an existing set: that set must be kept. */
      size_t i = (size_t)rnd_below((int64_t)bf.cap);
      while (!bf.slot[i].mask)
        i = (i + 1) & (bf.cap - 1);
      min_count = bf.slot[i].count;
    } else {
      min_count = 1 + rnd_below(6);
    }
    bndl_baskets b = to_csr(&mb);
    bndl_itemsets *s = mine(round % 2 ? four : one, &b, min_count, max_len);
    assert_matches(s, &bf, min_count);
    if (max_len > 0)
      assert_true(s->longest <= max_len);
    bndl_itemsets_destroy(s);
    free_csr(&b);
    free(bf.slot);
    free(mb.m);
  }
  bndl_context_free(one);
  bndl_context_free(four);
}

static void test_threshold_edges(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  /* {0,1} x3, {0} x1, {1,2} x1: counts 0:4 1:4 2:1 01:3 12:1. */
  uint64_t m[] = {3, 3, 3, 1, 6};
  mask_baskets mb = {5, m, 3};
  bndl_baskets b = to_csr(&mb);
  bndl_itemsets *s = mine(ctx, &b, 3, 0);
  assert_int_equal(s->n, 3); /* {0} {1} {0,1}: 01 exactly at the threshold */
  assert_int_equal(s->counts[2], 3);
  assert_int_equal(bndl_itemsets_find(s, (const int32_t[]){0, 1}, 2), 2);
  assert_int_equal(bndl_itemsets_find(s, (const int32_t[]){1, 2}, 2), -1);
  assert_int_equal(bndl_itemsets_find(s, (const int32_t[]){0, 1, 2}, 3), -1);
  bndl_itemsets_destroy(s);
  s = mine(ctx, &b, 4, 0);
  assert_int_equal(s->n, 2);
  bndl_itemsets_destroy(s);
  s = mine(ctx, &b, 5, 0);
  assert_int_equal(s->n, 0);
  assert_int_equal(s->longest, 0);
  bndl_itemsets_destroy(s);
  free_csr(&b);

  /* No baskets; only empty baskets; only single-item baskets. */
  mask_baskets none = {0, NULL, 4};
  b = to_csr(&none);
  s = mine(ctx, &b, 1, 0);
  assert_int_equal(s->n, 0);
  assert_int_equal(s->n_baskets, 0);
  bndl_itemsets_destroy(s);
  free_csr(&b);
  uint64_t empty[] = {0, 0, 0};
  mask_baskets e = {3, empty, 4};
  b = to_csr(&e);
  s = mine(ctx, &b, 1, 0);
  assert_int_equal(s->n, 0);
  assert_int_equal(s->n_baskets, 3);
  bndl_itemsets_destroy(s);
  free_csr(&b);
  uint64_t singles[] = {1, 2, 1, 8, 0, 1};
  mask_baskets sg = {6, singles, 4};
  b = to_csr(&sg);
  s = mine(ctx, &b, 1, 0);
  assert_int_equal(s->n, 3);
  assert_int_equal(s->longest, 1);
  assert_int_equal(s->counts[0], 3); /* {0} */
  assert_int_equal(s->counts[1], 1); /* {1} */
  assert_int_equal(s->counts[2], 1); /* {3} */
  bndl_itemsets_destroy(s);
  free_csr(&b);
  /* No items at all. */
  mask_baskets no_items = {2, empty, 0};
  b = to_csr(&no_items);
  s = mine(ctx, &b, 1, 0);
  assert_int_equal(s->n, 0);
  bndl_itemsets_destroy(s);
  free_csr(&b);
  bndl_context_free(ctx);
}

/* Larger data (more items than a mask holds): identical bytes for every thread count. */
static void test_thread_count_independent(void **state) {
  (void)state;
  rng_state = 77;
  int32_t n_items = 300;
  int64_t n = 4000;
  bndl_baskets b = {n, calloc((size_t)n + 1, sizeof(int64_t)), NULL, n_items};
  b.items = malloc((size_t)n * 40 * sizeof(int32_t));
  int64_t w = 0;
  for (int64_t k = 0; k < n; k++) {
    int32_t len = (int32_t)rnd_below(30);
    int32_t tmp[40];
    for (int32_t j = 0; j < len; j++) /* Zipf-like: small indices are popular */
      tmp[j] = (int32_t)((double)n_items * rnd_unit() * rnd_unit() * rnd_unit());
    bndl_sort_i32(tmp, len);
    for (int32_t j = 0; j < len; j++)
      if (j == 0 || tmp[j] != tmp[j - 1])
        b.items[w++] = tmp[j];
    b.indptr[k + 1] = w;
  }
  bndl_itemsets *ref = NULL;
  int32_t threads[] = {1, 2, 3, 4, 7};
  for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
    bndl_context *ctx = test_context(NULL, threads[t]);
    bndl_itemsets *s = mine(ctx, &b, 40, 0);
    if (ref == NULL) {
      ref = s;
      assert_true(ref->n > 1000);
      assert_true(ref->longest >= 3);
      assert_sorted(ref);
    } else {
      assert_int_equal(s->n, ref->n);
      assert_memory_equal(s->offsets, ref->offsets, (size_t)(s->n + 1) * sizeof *s->offsets);
      assert_memory_equal(s->items, ref->items, (size_t)s->offsets[s->n] * sizeof *s->items);
      assert_memory_equal(s->counts, ref->counts, (size_t)s->n * sizeof *s->counts);
      bndl_itemsets_destroy(s);
    }
    bndl_context_free(ctx);
  }
  /* Every set's count, recounted from the baskets. */
  for (int64_t i = 0; i < ref->n; i += 7) {
    const int32_t *x = ref->items + ref->offsets[i];
    int32_t len = (int32_t)(ref->offsets[i + 1] - ref->offsets[i]);
    int64_t c = 0;
    for (int64_t k = 0; k < n; k++) {
      int32_t hit = 0;
      for (int64_t y = b.indptr[k]; y < b.indptr[k + 1] && hit < len; y++)
        hit += b.items[y] == x[hit];
      c += hit == len;
    }
    assert_int_equal(ref->counts[i], c);
  }
  bndl_itemsets_destroy(ref);
  free_csr(&b);
}

static void test_limits(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  /* Two copies of a 5-item basket: 31 frequent sets at min_count 2. */
  uint64_t m[] = {31, 31, 1};
  mask_baskets mb = {3, m, 5};
  bndl_baskets b = to_csr(&mb);
  bndl_fp_params p = {2, 0, 31};
  bndl_itemsets *s = NULL;
  assert_int_equal(bndl_fpgrowth(ctx, &b, &p, &s), BNDL_OK);
  assert_int_equal(s->n, 31);
  bndl_itemsets_destroy(s);
  s = NULL;
  p.max_itemsets = 30;
  assert_int_equal(bndl_fpgrowth(ctx, &b, &p, &s), BNDL_ERR_LIMIT);
  assert_null(s);
  assert_non_null(strstr(bndl_error_message(), "more than 30 frequent itemsets"));
  p.max_len = 2; /* 5 + 10 */
  assert_int_equal(bndl_fpgrowth(ctx, &b, &p, &s), BNDL_OK);
  assert_int_equal(s->n, 15);
  bndl_itemsets_destroy(s);
  free_csr(&b);

  /* 40 items bought together twice: 2^40 - 1 frequent sets, refused at once (not
   * after enumerating the cap); with max_len 3 they are 40 + 780 + 9880. */
  uint64_t all = (UINT64_C(1) << 40) - 1;
  uint64_t big[] = {all, all};
  mask_baskets mbig = {2, big, 40};
  b = to_csr(&mbig);
  p = (bndl_fp_params){2, 0, BNDL_FP_MAX_ITEMSETS};
  s = NULL;
  assert_int_equal(bndl_fpgrowth(ctx, &b, &p, &s), BNDL_ERR_LIMIT);
  assert_null(s);
  p.max_len = 3;
  assert_int_equal(bndl_fpgrowth(ctx, &b, &p, &s), BNDL_OK);
  assert_int_equal(s->n, 40 + 780 + 9880);
  bndl_itemsets_destroy(s);
  free_csr(&b);
  bndl_context_free(ctx);
}

static void test_out_of_memory(void **state) {
  (void)state;
  rng_state = 5;
  mask_baskets mb = random_baskets(14, 120);
  bndl_baskets b = to_csr(&mb);
  for (int threads = 1; threads <= 3; threads += 2) {
    test_alloc t;
    test_alloc_reset(&t, 0, 0);
    bndl_context *ctx = test_context(&t, threads);
    bndl_fp_params warm_p = {3, 0, BNDL_FP_MAX_ITEMSETS}; /* pool workers free their start arguments */
    bndl_itemsets *warm = NULL;
    assert_int_equal(bndl_fpgrowth(ctx, &b, &warm_p, &warm), BNDL_OK);
    bndl_itemsets_destroy(warm);
    int64_t baseline = t.live_blocks;
    int completed = 0;
    for (int64_t k = 1; !completed && k < 100000; k++) {
      t.fail_at = t.n_allocs + k;
      bndl_fp_params p = {3, 0, BNDL_FP_MAX_ITEMSETS};
      bndl_itemsets *s = NULL;
      bndl_status st = bndl_fpgrowth(ctx, &b, &p, &s);
      t.fail_at = 0;
      if (st == BNDL_OK) {
        bndl_rule_params rp = {0.2, 0, BNDL_RULES_MAX, BNDL_RULES_MAX_CANDIDATES};
        bndl_rules *r = NULL;
        for (int64_t j = 1; j < 100000; j++) {
          t.fail_at = t.n_allocs + j;
          st = bndl_rules_build(s, &rp, &r);
          t.fail_at = 0;
          if (st == BNDL_OK)
            break;
          assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
          assert_null(r);
        }
        assert_int_equal(st, BNDL_OK);
        bndl_rules_destroy(r);
        bndl_itemsets_destroy(s);
        completed = 1;
      } else {
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
        assert_null(s);
      }
      if (threads == 1) /* with workers, their start arguments are freed when they first run */
        assert_int_equal(t.live_blocks, baseline);
    }
    assert_true(completed);
    bndl_context_free(ctx);
    assert_int_equal(t.live_blocks, 0);
  }
  free_csr(&b);
  free(mb.m);
}

/* ---- rules */

static void expect_rule(const bndl_rules *r, int64_t i, const int32_t *ante, int32_t n_ante, const int32_t *cons,
                        int32_t n_cons, int64_t count, double support, double confidence, double lift,
                        double leverage, double conviction) {
  int32_t len = (int32_t)(r->offsets[i + 1] - r->offsets[i]);
  assert_int_equal(r->n_antecedent[i], n_ante);
  assert_int_equal(len - n_ante, n_cons);
  assert_memory_equal(r->items + r->offsets[i], ante, (size_t)n_ante * sizeof *ante);
  assert_memory_equal(r->items + r->offsets[i] + n_ante, cons, (size_t)n_cons * sizeof *cons);
  const bndl_rule_metrics *m = &r->metrics[i];
  assert_int_equal(m->count, count);
  assert_true(fabs(m->support - support) < 1e-12);
  assert_true(fabs(m->confidence - confidence) < 1e-12);
  assert_true(fabs(m->lift - lift) < 1e-12);
  assert_true(fabs(m->leverage - leverage) < 1e-12);
  if (isinf(conviction))
    assert_true(isinf(m->conviction) && m->conviction > 0);
  else
    assert_true(fabs(m->conviction - conviction) < 1e-12);
}

static bndl_rules *rules_of(const bndl_itemsets *s, double min_conf, double min_lift) {
  bndl_rule_params p = {min_conf, min_lift, BNDL_RULES_MAX, BNDL_RULES_MAX_CANDIDATES};
  bndl_rules *r = NULL;
  if (bndl_rules_build(s, &p, &r) != BNDL_OK)
    fail_msg("rules: %s", bndl_error_message());
  return r;
}

static void test_rules_by_hand(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  /* N = 5: {0,1} {0,1} {0,2} {1} {2}. c0 = 3, c1 = 3, c2 = 2, c01 = 2, c02 = 1. */
  uint64_t m[] = {3, 3, 5, 2, 4};
  mask_baskets mb = {5, m, 3};
  bndl_baskets b = to_csr(&mb);
  bndl_itemsets *s = mine(ctx, &b, 1, 0);
  assert_int_equal(s->n, 5);
  bndl_rules *r = rules_of(s, 0, 0);
  assert_int_equal(r->n, 4);
  /* {0,1}: consequent {0} first. 1 -> 0: conf 2/3, lift (2/3)/(3/5) = 10/9,
   * leverage 0.4 - 0.6 * 0.6 = 0.04, conviction 0.4 / (1/3) = 1.2. */
  expect_rule(r, 0, (int32_t[]){1}, 1, (int32_t[]){0}, 1, 2, 0.4, 2.0 / 3, 10.0 / 9, 0.04, 1.2);
  expect_rule(r, 1, (int32_t[]){0}, 1, (int32_t[]){1}, 1, 2, 0.4, 2.0 / 3, 10.0 / 9, 0.04, 1.2);
  /* {0,2}: 2 -> 0: conf 1/2, lift (1/2)/(3/5) = 5/6, leverage 0.2 - 0.4 * 0.6 = -0.04,
   * conviction 0.4 / 0.5 = 0.8; 0 -> 2: conf 1/3, lift (1/3)/(2/5) = 5/6, conviction
   * 0.6 / (2/3) = 0.9. */
  expect_rule(r, 2, (int32_t[]){2}, 1, (int32_t[]){0}, 1, 1, 0.2, 0.5, 5.0 / 6, -0.04, 0.8);
  expect_rule(r, 3, (int32_t[]){0}, 1, (int32_t[]){2}, 1, 1, 0.2, 1.0 / 3, 5.0 / 6, -0.04, 0.9);
  bndl_rules_destroy(r);
  /* min_confidence 0.5 keeps three (0 -> 2 at 1/3 goes); 0.5 exactly is kept. */
  r = rules_of(s, 0.5, 0);
  assert_int_equal(r->n, 3);
  bndl_rules_destroy(r);
  /* min_lift 1 keeps the two lifted by 10/9. */
  r = rules_of(s, 0, 1.0);
  assert_int_equal(r->n, 2);
  assert_true(r->metrics[0].lift > 1 && r->metrics[1].lift > 1);
  bndl_rules_destroy(r);
  bndl_itemsets_destroy(s);
  free_csr(&b);

  /* N = 4: {0,1,2} x2, {0,1}, {2}. c0 = c1 = c2 = 3, c01 = 3, c02 = c12 = 2, c012 = 2. */
  uint64_t m2[] = {7, 7, 3, 4};
  mask_baskets mb2 = {4, m2, 3};
  b = to_csr(&mb2);
  s = mine(ctx, &b, 2, 0);
  assert_int_equal(s->n, 7);
  r = rules_of(s, 0.9, 0);
  /* conf >= 0.9: 1 -> 0 and 0 -> 1 (conf 1), {1,2} -> 0 and {0,2} -> 1 (conf 1). */
  assert_int_equal(r->n, 4);
  expect_rule(r, 0, (int32_t[]){1}, 1, (int32_t[]){0}, 1, 3, 0.75, 1.0, 4.0 / 3, 0.75 - 0.5625, INFINITY);
  expect_rule(r, 1, (int32_t[]){0}, 1, (int32_t[]){1}, 1, 3, 0.75, 1.0, 4.0 / 3, 0.75 - 0.5625, INFINITY);
  expect_rule(r, 2, (int32_t[]){1, 2}, 2, (int32_t[]){0}, 1, 2, 0.5, 1.0, 4.0 / 3, 0.5 - 0.5 * 0.75, INFINITY);
  expect_rule(r, 3, (int32_t[]){0, 2}, 2, (int32_t[]){1}, 1, 2, 0.5, 1.0, 4.0 / 3, 0.5 - 0.5 * 0.75, INFINITY);
  bndl_rules_destroy(r);
  /* All rules of {0,1,2} in order: consequents {0} {0,1} {0,2} {1} {1,2} {2}.
   * {0,1} -> 2: conf 2/3, lift (2/3)/(3/4) = 8/9, conviction (1/4)/(1/3) = 0.75. */
  r = rules_of(s, 0, 0);
  assert_int_equal(r->n, 3 * 2 + 6);
  expect_rule(r, 6, (int32_t[]){1, 2}, 2, (int32_t[]){0}, 1, 2, 0.5, 1.0, 4.0 / 3, 0.125, INFINITY);
  expect_rule(r, 7, (int32_t[]){2}, 1, (int32_t[]){0, 1}, 2, 2, 0.5, 2.0 / 3, (2.0 / 3) / 0.75,
              0.5 - 0.75 * 0.75, 0.25 / (1.0 / 3));
  expect_rule(r, 11, (int32_t[]){0, 1}, 2, (int32_t[]){2}, 1, 2, 0.5, 2.0 / 3, 8.0 / 9, 0.5 - 0.75 * 0.75, 0.75);
  bndl_rules_destroy(r);
  bndl_itemsets_destroy(s);
  free_csr(&b);
  bndl_context_free(ctx);
}

/* Lexicographic order of the ascending item lists of two different masks: below the
 * lowest differing bit p both lists agree; the one holding p comes first unless the
 * other has nothing beyond p (then the other is a prefix of it). */
static int cmp_mask_lists(const void *pa, const void *pb) {
  uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
  if (a == b)
    return 0;
  int p = __builtin_ctzll(a ^ b);
  if (a >> p & 1)
    return (b >> p) != 0 ? -1 : 1;
  return (a >> p) != 0 ? 1 : -1;
}

static int32_t mask_items(uint64_t m, int32_t *out) {
  int32_t n = 0;
  for (int32_t i = 0; i < 64; i++)
    if (m >> i & 1)
      out[n++] = i;
  return n;
}

static void test_rules_against_brute_force(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 3);
  for (int round = 0; round < 120; round++) {
    rng_state = UINT64_C(5000) + (uint64_t)round;
    int32_t n_items = 2 + (int32_t)rnd_below(10);
    mask_baskets mb = random_baskets(n_items, 10 + rnd_below(70));
    bndl_baskets b = to_csr(&mb);
    mask_table bf = brute_force(&mb, 0);
    int64_t min_count = 1 + rnd_below(4);
    bndl_itemsets *s = mine(ctx, &b, min_count, round % 5 == 0 ? 3 : 0);
    double min_conf = round % 3 == 0 ? 0 : rnd_unit();
    double min_lift = round % 4 == 0 ? 0.5 + rnd_unit() : 0;
    bndl_rules *r = rules_of(s, min_conf, min_lift);
    double n = (double)mb.n;
    int64_t at = 0;
    for (int64_t i = 0; i < s->n; i++) {
      int32_t len = (int32_t)(s->offsets[i + 1] - s->offsets[i]);
      if (len < 2)
        continue;
      uint64_t set = set_mask(s->items + s->offsets[i], len);
      /* Consequents in lexicographic order of their item lists. */
      static uint64_t cons[1 << 12];
      int32_t n_cons = 0;
      for (uint64_t c = (set - 1) & set; c; c = (c - 1) & set)
        cons[n_cons++] = c;
      qsort(cons, (size_t)n_cons, sizeof *cons, cmp_mask_lists);
      for (int32_t x = 0; x < n_cons; x++) {
        uint64_t c = cons[x], a = set & ~c;
        int64_t count = table_get(&bf, set), ca = table_get(&bf, a), cc = table_get(&bf, c);
        double conf = (double)count / (double)ca;
        double lift = conf / ((double)cc / n);
        if (conf < min_conf || lift < min_lift)
          continue;
        assert_true(at < r->n);
        int32_t ai[64], ci[64];
        int32_t na = mask_items(a, ai), nc = mask_items(c, ci);
        double sc = (double)cc / n;
        expect_rule(r, at, ai, na, ci, nc, count, (double)count / n, conf, lift,
                    (double)count / n - ((double)ca / n) * sc, conf >= 1 ? INFINITY : (1 - sc) / (1 - conf));
        at++;
      }
    }
    assert_int_equal(r->n, at);
    bndl_rules_destroy(r);
    bndl_itemsets_destroy(s);
    free(bf.slot);
    free_csr(&b);
    free(mb.m);
  }
  bndl_context_free(ctx);
}

static void test_rules_limits(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  uint64_t m[] = {31, 31, 15};
  mask_baskets mb = {3, m, 5};
  bndl_baskets b = to_csr(&mb);
  bndl_itemsets *s = mine(ctx, &b, 2, 0);
  /* 2^5 - 2 + 5 * (2^4 - 2) + 10 * (2^3 - 2) + 10 * (2^2 - 2) = 180 splits, all kept at 0. */
  bndl_rule_params p = {0, 0, 180, 180};
  bndl_rules *r = NULL;
  assert_int_equal(bndl_rules_build(s, &p, &r), BNDL_OK);
  assert_int_equal(r->n, 180);
  bndl_rules_destroy(r);
  r = NULL;
  p.max_rules = 179;
  assert_int_equal(bndl_rules_build(s, &p, &r), BNDL_ERR_LIMIT);
  assert_null(r);
  assert_non_null(strstr(bndl_error_message(), "more than 179 association rules"));
  p.max_rules = 180;
  p.max_candidates = 179;
  assert_int_equal(bndl_rules_build(s, &p, &r), BNDL_ERR_LIMIT);
  assert_non_null(strstr(bndl_error_message(), "candidate rules"));
  /* Only one-item sets: no rules. */
  bndl_itemsets_destroy(s);
  s = mine(ctx, &b, 2, 1);
  p = (bndl_rule_params){0, 0, BNDL_RULES_MAX, BNDL_RULES_MAX_CANDIDATES};
  assert_int_equal(bndl_rules_build(s, &p, &r), BNDL_OK);
  assert_int_equal(r->n, 0);
  bndl_rules_destroy(r);
  bndl_itemsets_destroy(s);
  free_csr(&b);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_min_count),
      cmocka_unit_test(test_random_against_brute_force),
      cmocka_unit_test(test_threshold_edges),
      cmocka_unit_test(test_thread_count_independent),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_rules_by_hand),
      cmocka_unit_test(test_rules_against_brute_force),
      cmocka_unit_test(test_rules_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
