/*
 * test_baskets.c - basket extraction on crafted events, one dataset per mode.
 *
 * Each dataset is built through the public append API and finalized; the baskets are
 * rendered with the items' external ids ("a,b|f,g|h") in basket order and compared
 * with what the events imply: order ids grouped across users, order-less events per
 * (user, timestamp), returns and unlisted event types left out, repeated items kept
 * once; session gaps exactly at the limit and one second over it; fixed windows at
 * their edges (including negative times, floored); whole user histories. Basket
 * numbering follows the first counted event in (user, time) order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/baskets.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "data/dataset.h"
#include "test_support.h"

typedef struct ev {
  const char *user, *item;
  int32_t type;
  int64_t ts;
  int64_t order; /* -1: none (appended in a call without order ids) */
} ev;

enum { P = BNDL_EVENT_PURCHASE, C = BNDL_EVENT_CART, V = BNDL_EVENT_VIEW, R = BNDL_EVENT_RETURN };

/* Appends the events with an order in one call and those without in another. */
static bndl_dataset *dataset(bndl_context *ctx, const ev *e, int64_t n) {
  bndl_dataset *ds = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  for (int pass = 0; pass < 2; pass++) {
    const char *users[64], *items[64];
    int32_t types[64];
    int64_t ts[64], orders[64];
    double qty[64];
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
      if ((e[i].order >= 0) != (pass == 0))
        continue;
      users[k] = e[i].user;
      items[k] = e[i].item;
      types[k] = e[i].type;
      ts[k] = e[i].ts;
      orders[k] = e[i].order;
      qty[k] = e[i].type == R ? -1 : 1;
      k++;
    }
    if (k == 0)
      continue;
    bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
    c.count = k;
    c.user_names = users;
    c.item_names = items;
    c.event_types = types;
    c.timestamps = ts;
    c.quantities = qty;
    c.order_ids = pass == 0 ? orders : NULL;
    if (bndl_dataset_add_events(ds, &c) != BNDL_OK)
      fail_msg("add_events: %s", bndl_last_error_message());
  }
  if (bndl_dataset_finalize(ds) != BNDL_OK)
    fail_msg("finalize: %s", bndl_last_error_message());
  assert_int_equal(bndl_dataset_num_events(ds), n);
  return ds;
}

/* "a,b|c" in basket order, items ascending by dense index. */
static void render(const bndl_dataset *ds, const bndl_baskets *b, char *out, size_t cap) {
  size_t w = 0;
  out[0] = '\0';
  for (int64_t k = 0; k < b->n; k++) {
    for (int64_t j = b->indptr[k]; j < b->indptr[k + 1]; j++) {
      const char *name = NULL;
      assert_int_equal(bndl_dataset_external_id(ds, BNDL_ENTITY_ITEM, b->items[j], &name), BNDL_OK);
      w += (size_t)snprintf(out + w, cap - w, "%s%s", j > b->indptr[k] ? "," : "", name);
      if (j > b->indptr[k])
        assert_true(b->items[j - 1] < b->items[j]);
    }
    if (k + 1 < b->n)
      w += (size_t)snprintf(out + w, cap - w, "|");
  }
}

/* Baskets of ds under the given basket.* settings (name/value pairs, NULL-terminated). */
static void expect_baskets(const bndl_dataset *ds, const char *expected, ...) {
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  va_list ap;
  va_start(ap, expected);
  for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
    const char *value = va_arg(ap, const char *);
    assert_int_equal(bndl_config_set(cfg, name, value), BNDL_OK);
  }
  va_end(ap);
  bndl_basket_params p;
  assert_int_equal(bndl_basket_params_read(cfg, &p), BNDL_OK);
  const bndl_allocator *a = &ds->ctx->alloc;
  bndl_baskets b;
  assert_int_equal(bndl_baskets_build(ds, &p, a, &b), BNDL_OK);
  assert_int_equal(b.n_items, bndl_dataset_count(ds, BNDL_ENTITY_ITEM));
  char got[4096];
  render(ds, &b, got, sizeof got);
  if (strcmp(got, expected) != 0)
    fail_msg("baskets '%s', expected '%s'", got, expected);
  bndl_baskets_free(a, &b);
  bndl_config_free(cfg);
}

static void test_by_order(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  const ev e[] = {
      {"u1", "a", P, 100, 1}, {"u1", "b", P, 100, 1}, {"u1", "a", P, 101, 1}, /* a again: once */
      {"u1", "c", C, 100, 1},                                                  /* cart: not by default */
      {"u1", "d", R, 200, 2},                                                  /* a return: never */
      {"u2", "b", P, 50, 1},                                                   /* same order, other user */
      {"u2", "e", P, 60, 3},
      {"u1", "f", P, 300, -1}, {"u1", "g", P, 300, -1}, /* no order: one basket per (user, ts) */
      {"u1", "h", P, 301, -1}, {"u2", "f", P, 300, -1},
  };
  bndl_dataset *ds = dataset(ctx, e, sizeof e / sizeof e[0]);
  expect_baskets(ds, "a,b|f,g|h|e|f", NULL);
  expect_baskets(ds, "a,b|f,g|h|e|f", "basket.by", "order", NULL);
  expect_baskets(ds, "a,b,c|f,g|h|e|f", "basket.event_types", "purchase,cart", NULL);
  expect_baskets(ds, "c", "basket.event_types", "cart", NULL);
  expect_baskets(ds, "", "basket.event_types", "view", NULL);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void test_by_session(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  const ev e[] = {
      {"u1", "a", P, 0, -1},     {"u1", "b", P, 1800, -1}, /* gap == 1800: same session */
      {"u1", "c", P, 3601, -1},                            /* gap 1801: new session */
      {"u1", "a", P, 5400, -1},                            /* gap 1799 */
      {"u1", "d", P, 10000, -1}, {"u1", "e", V, 11000, -1}, /* a view does not bridge the gap */
      {"u1", "f", P, 12000, -1}, {"u2", "a", P, 0, -1},     {"u2", "b", P, 1000, -1},
  };
  bndl_dataset *ds = dataset(ctx, e, sizeof e / sizeof e[0]);
  expect_baskets(ds, "a,b|a,c|d|f|a,b", "basket.by", "session", NULL);
  expect_baskets(ds, "a,b|a,c|d|f|a,b", "basket.by", "session", "basket.session_gap_s", "1800", NULL);
  expect_baskets(ds, "a|b|c|a|d|f|a|b", "basket.by", "session", "basket.session_gap_s", "999", NULL);
  expect_baskets(ds, "a,b,c|d|f|a,b", "basket.by", "session", "basket.session_gap_s", "1801", NULL);
  /* Counting views too: the view at 11000 joins d and f (gaps of 1000). */
  expect_baskets(ds, "a,b|a,c|d,e,f|a,b", "basket.by", "session", "basket.event_types", "purchase,view", NULL);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void test_by_window_and_user(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  const ev e[] = {
      {"u1", "a", P, -101, -1}, {"u1", "b", P, -100, -1}, /* windows -2 and -1 */
      {"u1", "c", P, -1, -1},                            /* -1 */
      {"u1", "d", P, 0, -1},    {"u1", "e", P, 99, -1},   /* 0 */
      {"u1", "f", P, 100, -1},  {"u1", "a", P, 199, -1},  /* 1 */
      {"u1", "b", P, 200, -1},                           /* 2 */
      {"u2", "a", P, 150, -1},  {"u2", "c", C, 160, -1},  {"u2", "b", P, 1000, -1},
  };
  bndl_dataset *ds = dataset(ctx, e, sizeof e / sizeof e[0]);
  expect_baskets(ds, "a|b,c|d,e|a,f|b|a|b", "basket.by", "window", "basket.window_s", "100", NULL);
  expect_baskets(ds, "a,b,c|a,b,d,e,f|a,b", "basket.by", "window", NULL); /* days: -1 and 0 */
  expect_baskets(ds, "a,b,c,d,e,f|a,b", "basket.by", "user", NULL);
  expect_baskets(ds, "a,b,c,d,e,f|a,b,c", "basket.by", "user", "basket.event_types", "purchase,cart", NULL);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void expect_bad_types(const char *value, const char *fragment) {
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "basket.event_types", value), BNDL_OK);
  bndl_basket_params p;
  assert_int_equal(bndl_basket_params_read(cfg, &p), BNDL_ERR_INVALID_ARGUMENT);
  if (strstr(bndl_error_message(), fragment) == NULL)
    fail_msg("message '%s' lacks '%s'", bndl_error_message(), fragment);
  bndl_config_free(cfg);
}

static void test_params(void **state) {
  (void)state;
  bndl_basket_params p;
  assert_int_equal(bndl_basket_params_read(NULL, &p), BNDL_OK);
  assert_int_equal(p.by, BNDL_BASKET_BY_ORDER);
  assert_int_equal(p.session_gap_s, 1800);
  assert_int_equal(p.window_s, 86400);
  assert_int_equal(p.type_mask, 1u << BNDL_EVENT_PURCHASE);
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "basket.event_types", " purchase , CART,view"), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "basket.by", "window"), BNDL_OK);
  assert_int_equal(bndl_basket_params_read(cfg, &p), BNDL_OK);
  assert_int_equal(p.by, BNDL_BASKET_BY_WINDOW);
  assert_int_equal(p.type_mask, (1u << P) | (1u << C) | (1u << V));
  bndl_config_free(cfg);
  expect_bad_types("purchase,return", "returns never make baskets");
  expect_bad_types("purchase,bogus", "unknown event type 'bogus'");
  expect_bad_types("", "lists no event type");
  expect_bad_types(" , ", "lists no event type");
}

static int cmp_int(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* bndl_sort_i32 against qsort: random, sorted, reversed, constant and few-valued runs. */
static void test_sort_i32(void **state) {
  (void)state;
  uint64_t r = 12345;
  static int32_t v[5000], w[5000];
  for (int round = 0; round < 600; round++) {
    int64_t n = round < 300 ? round : (int64_t)(r % 5000);
    int kind = round % 6;
    for (int64_t i = 0; i < n; i++) {
      r = r * 6364136223846793005u + 1442695040888963407u;
      int32_t x = (int32_t)(r >> 33);
      v[i] = kind == 0   ? x
             : kind == 1 ? (int32_t)i
             : kind == 2 ? (int32_t)(n - i)
             : kind == 3 ? 7
             : kind == 4 ? x % 3
                         : (i % 2 ? (int32_t)i : -(int32_t)i);
      if (round % 7 == 0)
        v[i] = (v[i] % 2 == 0) ? INT32_MIN : INT32_MAX;
    }
    memcpy(w, v, (size_t)n * sizeof *v);
    bndl_sort_i32(v, n);
    qsort(w, (size_t)n, sizeof *w, cmp_int);
    if (n > 0)
      assert_memory_equal(v, w, (size_t)n * sizeof *v);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_by_order),
      cmocka_unit_test(test_by_session),
      cmocka_unit_test(test_by_window_and_user),
      cmocka_unit_test(test_params),
      cmocka_unit_test(test_sort_i32),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
