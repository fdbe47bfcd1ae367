/*
 * test_copurchase.c - co-purchase mining through bundle.h and libbundle.so only.
 *
 * What is checked: argument and handle errors name the public function and the
 * argument (NULL, wrong type, dataset not finalized, bad basket.event_types, index out
 * of range, metrics struct too small); objects outlive their context; itemsets and
 * complements of whole user histories (basket.by=user) equal a brute force computed
 * from the dataset's own public event reads, with fp.min_support, fp.min_count and
 * fp.max_len; every rule's metrics agree with the supports of its parts read back from
 * the itemsets; and on the Online Retail sample (invoices as baskets) the results are
 * identical for 1 and 4 threads (label "concurrency").
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

#include "bundle/bundle.h"
#include "test_support.h"

static bndl_context *new_context(int32_t threads) {
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = threads;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(&d, &ctx), BNDL_OK);
  return ctx;
}

static bndl_config *config(const char *const *pairs) {
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  for (; pairs && pairs[0]; pairs += 2)
    if (bndl_config_set(cfg, pairs[0], pairs[1]) != BNDL_OK)
      fail_msg("%s=%s: %s", pairs[0], pairs[1], bndl_last_error_message());
  return cfg;
}

static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Users buying (and viewing) a few of 20 items; a few users share a "bundle". */
static bndl_dataset *random_dataset(bndl_context *ctx, int64_t n_users) {
  bndl_dataset *ds = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  int64_t cap = n_users * 12, n = 0;
  int64_t *users = malloc((size_t)cap * sizeof *users), *items = malloc((size_t)cap * sizeof *items);
  int64_t *ts = malloc((size_t)cap * sizeof *ts);
  int32_t *types = malloc((size_t)cap * sizeof *types);
  for (int64_t u = 0; u < n_users; u++) {
    int64_t len = 1 + (int64_t)(rnd() % 8);
    uint64_t bundle = rnd() % 3 == 0 ? 0x0f : 0;
    for (int64_t j = 0; j < len + 4; j++) {
      int64_t item = j < 4 ? (bundle >> j & 1 ? j : -1) : (int64_t)((rnd() % 20) * (rnd() % 20) / 20);
      if (item < 0 || (j >= 4 && j - 4 >= len))
        continue;
      users[n] = 1000 + u;
      items[n] = item;
      ts[n] = 100 * j + (int64_t)(rnd() % 50);
      types[n] = rnd() % 5 == 0 ? BNDL_EVENT_VIEW : BNDL_EVENT_PURCHASE;
      n++;
    }
  }
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = n;
  c.user_ids = users;
  c.item_ids = items;
  c.timestamps = ts;
  c.event_types = types;
  assert_int_equal(bndl_dataset_add_events(ds, &c), BNDL_OK);
  bndl_config *cfg = config((const char *const[]){"clean.anomaly_z", "0", NULL});
  assert_int_equal(bndl_dataset_configure(ds, cfg), BNDL_OK);
  bndl_config_free(cfg);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  free(users);
  free(items);
  free(ts);
  free(types);
  return ds;
}

/* Each user's purchased items as a bit mask (dense item indices < 64). */
static int64_t user_baskets(const bndl_dataset *ds, uint64_t *masks) {
  int64_t n = 0;
  for (int64_t u = 0; u < bndl_dataset_count(ds, BNDL_ENTITY_USER); u++) {
    const int32_t *items;
    const uint8_t *types;
    int64_t count;
    assert_int_equal(bndl_dataset_user_events(ds, u, &items, &types, NULL, &count), BNDL_OK);
    uint64_t m = 0;
    for (int64_t i = 0; i < count; i++)
      if (types[i] == BNDL_EVENT_PURCHASE)
        m |= UINT64_C(1) << items[i];
    if (m)
      masks[n++] = m;
  }
  return n;
}

static int64_t count_mask(const uint64_t *masks, int64_t n, uint64_t set) {
  int64_t c = 0;
  for (int64_t k = 0; k < n; k++)
    c += (masks[k] & set) == set;
  return c;
}

/* ---- tests */

static void test_errors(void **state) {
  (void)state;
  bndl_context *ctx = new_context(1);
  bndl_dataset *ds = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  bndl_itemsets *sets = NULL;
  bndl_neighbors *nb = NULL;
  assert_int_equal(bndl_copurchase_itemsets(NULL, NULL, &sets), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_copurchase_itemsets: ds is NULL");
  bndl_config *cfg = config(NULL);
  assert_int_equal(bndl_copurchase_itemsets((const bndl_dataset *)cfg, NULL, &sets), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("not a live bndl_dataset handle");
  assert_int_equal(bndl_copurchase_itemsets(ds, (const bndl_config *)ds, &sets), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("cfg is not a live bndl_config handle");
  assert_int_equal(bndl_copurchase_itemsets(ds, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_copurchase_itemsets: out is NULL");
  assert_int_equal(bndl_copurchase_itemsets(ds, NULL, &sets), BNDL_ERR_STATE);
  test_assert_error_contains("bndl_copurchase_itemsets: the dataset is not finalized");
  assert_int_equal(bndl_copurchase_complements(ds, NULL, &nb), BNDL_ERR_STATE);
  test_assert_error_contains("bndl_copurchase_complements: the dataset is not finalized");
  assert_null(sets);
  assert_null(nb);

  /* A finalized dataset with one basket {1, 2}. */
  int64_t users[] = {1, 1}, items[] = {1, 2}, ts[] = {5, 5};
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = 2;
  c.user_ids = users;
  c.item_ids = items;
  c.timestamps = ts;
  assert_int_equal(bndl_dataset_add_events(ds, &c), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "basket.event_types", "purchase,refunds"), BNDL_OK);
  assert_int_equal(bndl_copurchase_itemsets(ds, cfg, &sets), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_copurchase_itemsets: basket.event_types 'purchase,refunds': unknown event "
                             "type 'refunds'");
  assert_int_equal(bndl_copurchase_complements(ds, cfg, &nb), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_copurchase_complements: basket.event_types");
  bndl_config_free(cfg);

  assert_int_equal(bndl_copurchase_itemsets(ds, NULL, &sets), BNDL_OK);
  assert_int_equal(bndl_itemsets_count(sets), 3);
  assert_int_equal(bndl_itemsets_baskets(sets), 1);
  const int32_t *its;
  int32_t len;
  int64_t count;
  assert_int_equal(bndl_itemsets_get(sets, 3, &its, &len, &count), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("bndl_itemsets_get: index 3 is outside 0..2");
  assert_int_equal(bndl_itemsets_get(sets, -1, &its, &len, &count), BNDL_ERR_NOT_FOUND);
  assert_int_equal(bndl_itemsets_get(sets, 0, NULL, &len, &count), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_itemsets_get: items is NULL");
  assert_int_equal(bndl_itemsets_get((const bndl_itemsets *)ds, 0, &its, &len, &count), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("not a live bndl_itemsets handle");
  assert_int_equal(bndl_itemsets_get(sets, 2, &its, &len, &count), BNDL_OK);
  assert_int_equal(len, 2);
  assert_int_equal(count, 1);

  bndl_rules *rules = NULL;
  assert_int_equal(bndl_itemsets_rules(NULL, NULL, &rules), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_itemsets_rules: sets is NULL");
  assert_int_equal(bndl_itemsets_rules(sets, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_itemsets_rules(sets, NULL, &rules), BNDL_OK);
  assert_int_equal(bndl_rules_count(rules), 2); /* 1 -> 2 and 2 -> 1, confidence 1 */
  const int32_t *ante, *cons;
  int32_t n_ante, n_cons;
  bndl_rule_metrics m = BNDL_RULE_METRICS_INIT;
  assert_int_equal(bndl_rules_get(rules, 2, &ante, &n_ante, &cons, &n_cons, &m), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("bndl_rules_get: index 2 is outside 0..1");
  m.struct_size = 8;
  assert_int_equal(bndl_rules_get(rules, 0, &ante, &n_ante, &cons, &n_cons, &m), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_rules_get: metrics->struct_size is 8");
  assert_int_equal(bndl_rules_get(rules, 0, &ante, &n_ante, &cons, &n_cons, NULL), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_rules_get: metrics is NULL");
  m.struct_size = sizeof m;
  assert_int_equal(bndl_rules_get(rules, 0, &ante, &n_ante, &cons, &n_cons, &m), BNDL_OK);
  assert_int_equal(m.struct_size, sizeof m);
  assert_int_equal(n_ante, 1);
  assert_int_equal(n_cons, 1);
  assert_int_equal(m.count, 1);
  assert_true(m.confidence == 1.0 && m.lift == 1.0 && m.leverage == 0.0 && isinf(m.conviction));

  /* Wrong handle types and NULLs for the getters and frees. */
  assert_int_equal(bndl_itemsets_count(NULL), 0);
  assert_int_equal(bndl_itemsets_count((const bndl_itemsets *)rules), 0);
  assert_int_equal(bndl_itemsets_baskets(NULL), 0);
  assert_int_equal(bndl_rules_count(NULL), 0);
  assert_int_equal(bndl_rules_count((const bndl_rules *)sets), 0);
  bndl_itemsets_free(NULL);
  bndl_rules_free(NULL);
  bndl_itemsets_free((bndl_itemsets *)rules); /* wrong type: ignored */
  bndl_rules_free((bndl_rules *)sets);

  assert_int_equal(bndl_copurchase_complements(ds, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_copurchase_complements: out is NULL");
  assert_int_equal(bndl_copurchase_complements(ds, NULL, &nb), BNDL_OK);
  assert_int_equal(bndl_neighbors_rows(nb), 2);
  assert_int_equal(bndl_neighbors_nnz(nb), 2);

  /* Objects outlive the context and the dataset. */
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  assert_int_equal(bndl_itemsets_get(sets, 0, &its, &len, &count), BNDL_OK);
  assert_int_equal(bndl_rules_get(rules, 1, &ante, &n_ante, &cons, &n_cons, &m), BNDL_OK);
  bndl_itemsets_free(sets);
  assert_int_equal(bndl_rules_count(rules), 2);
  bndl_rules_free(rules);
  bndl_neighbors_free(nb);
}

/* Itemsets of whole user histories against brute force, through the public API. */
static void test_user_baskets_against_brute_force(void **state) {
  (void)state;
  bndl_context *ctx = new_context(2);
  for (int round = 0; round < 12; round++) {
    rng_state = UINT64_C(777) + (uint64_t)round;
    bndl_dataset *ds = random_dataset(ctx, 30 + round * 17);
    assert_true(bndl_dataset_count(ds, BNDL_ENTITY_ITEM) <= 64);
    uint64_t masks[512];
    int64_t n = user_baskets(ds, masks);
    char support[32], max_len[16], min_count[16];
    snprintf(support, sizeof support, "%.3f", 0.02 + 0.03 * (round % 4));
    snprintf(max_len, sizeof max_len, "%d", round % 3 == 0 ? 0 : 2 + round % 3);
    snprintf(min_count, sizeof min_count, "%d", round % 5 == 0 ? 6 : 1);
    bndl_config *cfg = config((const char *const[]){"basket.by", "user", "fp.min_support", support, "fp.max_len",
                                                    max_len, "fp.min_count", min_count, NULL});
    bndl_itemsets *sets = NULL;
    assert_int_equal(bndl_copurchase_itemsets(ds, cfg, &sets), BNDL_OK);
    assert_int_equal(bndl_itemsets_baskets(sets), n);
    int64_t threshold = 1;
    while ((double)threshold / (double)n < atof(support))
      threshold++;
    if (threshold < atoi(min_count))
      threshold = atoi(min_count);
    int32_t longest = atoi(max_len);
    /* Every set returned is right ... */
    uint64_t seen[4096];
    int64_t n_sets = bndl_itemsets_count(sets);
    assert_true(n_sets <= 4096);
    for (int64_t i = 0; i < n_sets; i++) {
      const int32_t *its;
      int32_t len;
      int64_t count;
      assert_int_equal(bndl_itemsets_get(sets, i, &its, &len, &count), BNDL_OK);
      uint64_t set = 0;
      for (int32_t j = 0; j < len; j++)
        set |= UINT64_C(1) << its[j];
      assert_int_equal(count, count_mask(masks, n, set));
      assert_true(count >= threshold);
      assert_true(longest == 0 || len <= longest);
      seen[i] = set;
    }
    /* ... and none is missing: every frequent set grows from a frequent set one
     * shorter, so extending each returned set by one item finds them all. */
    int64_t expected = 0;
    for (int32_t i = 0; i < 64; i++)
      expected += count_mask(masks, n, UINT64_C(1) << i) >= threshold;
    for (int64_t s = 0; s < n_sets; s++) {
      int len = __builtin_popcountll(seen[s]);
      if (longest && len >= longest)
        continue;
      int top = 63 - __builtin_clzll(seen[s]);
      for (int32_t i = top + 1; i < 64; i++) /* extend by items above the largest: each set once */
        expected += count_mask(masks, n, seen[s] | UINT64_C(1) << i) >= threshold;
    }
    assert_int_equal(n_sets, expected);

    /* Complements of the same baskets. */
    bndl_config_free(cfg);
    cfg = config((const char *const[]){"basket.by", "user", "fp.min_count", min_count, "sim.k", "3", NULL});
    bndl_neighbors *nb = NULL;
    assert_int_equal(bndl_copurchase_complements(ds, cfg, &nb), BNDL_OK);
    int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
    assert_int_equal(bndl_neighbors_rows(nb), n_items);
    for (int32_t i = 0; i < n_items; i++) {
      const int32_t *cols;
      const float *scores;
      int32_t cnt;
      assert_int_equal(bndl_neighbors_row(nb, i, &cols, &scores, &cnt), BNDL_OK);
      int32_t partners = 0;
      for (int32_t j = 0; j < n_items; j++)
        partners += j != i && count_mask(masks, n, (UINT64_C(1) << i) | (UINT64_C(1) << j)) >= atoi(min_count);
      assert_int_equal(cnt, partners < 3 ? partners : 3);
      for (int32_t x = 0; x < cnt; x++) {
        int64_t cij = count_mask(masks, n, (UINT64_C(1) << i) | (UINT64_C(1) << cols[x]));
        double lift = (double)n * (double)cij /
                      ((double)count_mask(masks, n, UINT64_C(1) << i) *
                       (double)count_mask(masks, n, UINT64_C(1) << cols[x]));
        assert_true(scores[x] == (float)lift);
        assert_true(x == 0 || scores[x - 1] > scores[x] || (scores[x - 1] == scores[x] && cols[x - 1] < cols[x]));
      }
    }
    bndl_neighbors_free(nb);
    bndl_config_free(cfg);
    bndl_itemsets_free(sets);
    bndl_dataset_free(ds);
  }
  bndl_context_free(ctx);
}

static int64_t find_set(const bndl_itemsets *sets, const int32_t *items, int32_t len) {
  for (int64_t i = 0; i < bndl_itemsets_count(sets); i++) {
    const int32_t *its;
    int32_t l;
    int64_t count;
    assert_int_equal(bndl_itemsets_get(sets, i, &its, &l, &count), BNDL_OK);
    if (l == len && memcmp(its, items, (size_t)len * sizeof *items) == 0)
      return count;
  }
  return -1;
}

static bndl_dataset *online_retail_sample(bndl_context *ctx) {
  bndl_table_spec *spec = NULL;
  assert_int_equal(bndl_table_spec_preset("online_retail", &spec), BNDL_OK);
  bndl_dataset *ds = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  if (bndl_dataset_load_table(ds, test_data_path("online_retail_sample.csv.gz"), spec) != BNDL_OK)
    fail_msg("load: %s", bndl_last_error_message());
  bndl_table_spec_free(spec);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  return ds;
}

/* Invoices of the Online Retail sample: same results on 1 and 4 threads; rules agree
 * with the supports of their parts. */
static void test_online_retail_sample(void **state) {
  (void)state;
  bndl_context *ctx = new_context(1);
  bndl_dataset *ds = online_retail_sample(ctx);
  bndl_config *cfg = config((const char *const[]){"fp.min_support", "0.02", "rule.min_confidence", "0.3", NULL});
  bndl_itemsets *a = NULL, *b = NULL;
  bndl_rules *ra = NULL, *rb = NULL;
  assert_int_equal(bndl_copurchase_itemsets(ds, cfg, &a), BNDL_OK);
  assert_int_equal(bndl_itemsets_rules(a, cfg, &ra), BNDL_OK);
  assert_int_equal(bndl_context_set_threads(ctx, 4), BNDL_OK);
  assert_int_equal(bndl_copurchase_itemsets(ds, cfg, &b), BNDL_OK);
  assert_int_equal(bndl_itemsets_rules(b, cfg, &rb), BNDL_OK);
  int64_t n = bndl_itemsets_count(a), n_baskets = bndl_itemsets_baskets(a);
  assert_true(n > 50);
  assert_true(n_baskets > 500);
  assert_int_equal(bndl_itemsets_count(b), n);
  int32_t longest = 0;
  for (int64_t i = 0; i < n; i++) {
    const int32_t *x, *y;
    int32_t lx, ly;
    int64_t cx, cy;
    assert_int_equal(bndl_itemsets_get(a, i, &x, &lx, &cx), BNDL_OK);
    assert_int_equal(bndl_itemsets_get(b, i, &y, &ly, &cy), BNDL_OK);
    assert_int_equal(lx, ly);
    assert_int_equal(cx, cy);
    assert_memory_equal(x, y, (size_t)lx * sizeof *x);
    assert_true((double)cx / (double)n_baskets >= 0.02);
    longest = lx > longest ? lx : longest;
  }
  assert_true(longest >= 2);
  int64_t n_rules = bndl_rules_count(ra);
  assert_true(n_rules > 0);
  assert_int_equal(bndl_rules_count(rb), n_rules);
  for (int64_t r = 0; r < n_rules; r++) {
    const int32_t *ante, *cons, *ante2, *cons2;
    int32_t na, nc, na2, nc2;
    bndl_rule_metrics m = BNDL_RULE_METRICS_INIT, m2 = BNDL_RULE_METRICS_INIT;
    assert_int_equal(bndl_rules_get(ra, r, &ante, &na, &cons, &nc, &m), BNDL_OK);
    assert_int_equal(bndl_rules_get(rb, r, &ante2, &na2, &cons2, &nc2, &m2), BNDL_OK);
    assert_true(m.count == m2.count && m.support == m2.support && m.confidence == m2.confidence &&
                m.lift == m2.lift && m.leverage == m2.leverage &&
                (m.conviction == m2.conviction || (isinf(m.conviction) && isinf(m2.conviction))));
    assert_int_equal(na, na2);
    assert_memory_equal(ante, ante2, (size_t)na * sizeof *ante);
    int64_t ca = find_set(a, ante, na), cc = find_set(a, cons, nc);
    int32_t whole[64];
    int32_t w = 0, i = 0, j = 0;
    while (i < na || j < nc)
      whole[w++] = j >= nc || (i < na && ante[i] < cons[j]) ? ante[i++] : cons[j++];
    assert_int_equal(find_set(a, whole, w), m.count);
    double nb = (double)n_baskets;
    assert_true(fabs(m.support - (double)m.count / nb) < 1e-12);
    assert_true(fabs(m.confidence - (double)m.count / (double)ca) < 1e-12);
    assert_true(m.confidence >= 0.3);
    assert_true(fabs(m.lift - m.confidence / ((double)cc / nb)) < 1e-9);
    assert_true(fabs(m.leverage - (m.support - ((double)ca / nb) * ((double)cc / nb))) < 1e-12);
    if (m.confidence < 1)
      assert_true(fabs(m.conviction - (1 - (double)cc / nb) / (1 - m.confidence)) < 1e-9);
    else
      assert_true(isinf(m.conviction));
  }
  bndl_rules_free(ra);
  bndl_rules_free(rb);
  bndl_itemsets_free(a);
  bndl_itemsets_free(b);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_user_baskets_against_brute_force),
      cmocka_unit_test(test_online_retail_sample),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
