/*
 * test_dataset_append.c - the in-memory (embedder) path of the dataset build phase,
 * through bundle.h and libbundle.so only.
 *
 * What is checked: int64 and string ids name the same entity; descriptor errors fail
 * the whole call with INVALID_ARGUMENT naming the array or index and leave the dataset
 * as it was; row-level errors drop the row under one reason with an example that says
 * "row N"; events without timestamps are ordinal, and mixing ordinal and timed events
 * fails finalize with FORMAT; catalogue rows merge; the cleaning steps (unknown items,
 * exact duplicates, the repeat window, anomalous users) drop what they should and
 * nothing else, and each can be turned off; after finalize every build call is
 * BNDL_ERR_STATE; and concurrent readers of one finalized dataset agree with a
 * single-threaded read (label "concurrency", run under TSan in CI).
 *
 * Every expected number below follows from the rows the test itself appends.
 */
#include <math.h>
#include <pthread.h>
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

/* ---- helpers */

static bndl_context *new_context(void) {
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = 1;
  d.seed = 11;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(&d, &ctx), BNDL_OK);
  return ctx;
}

static bndl_dataset *new_dataset(bndl_context *ctx) {
  bndl_dataset *ds = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  assert_non_null(ds);
  return ds;
}

/* A dataset configured with one int and one string/float key, or defaults (NULL). */
static void configure(bndl_dataset *ds, const char *name, const char *value) {
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, name, value), BNDL_OK);
  assert_int_equal(bndl_dataset_configure(ds, cfg), BNDL_OK);
  bndl_config_free(cfg);
}

static int64_t find_id(const bndl_dataset *ds, bndl_entity e, const char *id) {
  int64_t idx = -1;
  if (bndl_dataset_find(ds, e, id, &idx) != BNDL_OK)
    fail_msg("id '%s' not found: %s", id, bndl_last_error_message());
  return idx;
}

static int32_t feature_column(const bndl_dataset *ds, bndl_entity e, const char *name) {
  for (int32_t c = 0;; c++) {
    const char *n = bndl_dataset_feature_name(ds, e, c);
    if (n == NULL)
      fail_msg("no feature column '%s'", name);
    if (strcmp(n, name) == 0)
      return c;
  }
}

static float feature(const bndl_dataset *ds, bndl_entity e, int64_t row, const char *name) {
  const float *data;
  int64_t rows;
  int32_t cols;
  assert_int_equal(bndl_dataset_features(ds, e, &data, &rows, &cols), BNDL_OK);
  assert_true(row >= 0 && row < rows);
  return data[row * cols + feature_column(ds, e, name)];
}

static int64_t sum_of_drops(const bndl_dataset *ds) {
  int64_t n = 0;
  for (int r = 1; r <= BNDL_DROP_REASON_COUNT; r++)
    n += bndl_dataset_rows_dropped(ds, (bndl_drop_reason)r);
  return n;
}

/* rows read = kept + sum of drops, and (events-only datasets) kept = events held. */
static void assert_report_balances(const bndl_dataset *ds, int events_only) {
  assert_int_equal(bndl_dataset_rows_read(ds), bndl_dataset_rows_kept(ds) + sum_of_drops(ds));
  if (events_only)
    assert_int_equal(bndl_dataset_rows_kept(ds), bndl_dataset_num_events(ds));
}

/* Events of one user (by external id) after finalize. */
static int64_t user_event_count(const bndl_dataset *ds, const char *user) {
  const int32_t *items;
  int64_t n = -1;
  assert_int_equal(bndl_dataset_user_events(ds, find_id(ds, BNDL_ENTITY_USER, user), &items, NULL, NULL, &n),
                   BNDL_OK);
  return n;
}

/* The i-th example of a reason contains every fragment. */
static void assert_example(const bndl_dataset *ds, bndl_drop_reason reason, int32_t index, const char *a,
                           const char *b) {
  const char *ex = NULL;
  if (bndl_dataset_drop_example(ds, reason, index, &ex) != BNDL_OK)
    fail_msg("no example %d of %s: %s", index, bndl_drop_reason_name(reason), bndl_last_error_message());
  if (strstr(ex, a) == NULL || (b && strstr(ex, b) == NULL))
    fail_msg("example \"%s\" of %s should contain \"%s\" and \"%s\"", ex, bndl_drop_reason_name(reason), a,
             b ? b : "");
}

static void expect_invalid(bndl_status st, const char *fn, const char *what) {
  assert_int_equal(st, BNDL_ERR_INVALID_ARGUMENT);
  const char *msg = bndl_last_error_message();
  if (strstr(msg, fn) == NULL || strstr(msg, what) == NULL)
    fail_msg("message \"%s\" should name \"%s\" and \"%s\"", msg, fn, what);
}

/* ---- ids */

static void test_int_and_string_ids_are_one_entity(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  const int64_t uid[] = {42, 42}, iid[] = {7, 8}, ts1[] = {100, 200};
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = 2;
  c.user_ids = uid;
  c.item_ids = iid;
  c.timestamps = ts1;
  assert_int_equal(bndl_dataset_add_events(ds, &c), BNDL_OK);
  const char *const un[] = {"42", "43"}, *const in[] = {"7", "8"};
  const int64_t ts2[] = {300, 400};
  bndl_event_columns s = BNDL_EVENT_COLUMNS_INIT;
  s.count = 2;
  s.user_names = un;
  s.item_names = in;
  s.timestamps = ts2;
  assert_int_equal(bndl_dataset_add_events(ds, &s), BNDL_OK);
  /* 42 and "42" are one user, 7 and "7" one item; "43" is new */
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_USER), 2);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_ITEM), 2);
  /* negative and large int64 ids are spelled in decimal too */
  const int64_t big[] = {-5, INT64_MAX};
  const char *const bign[] = {"-5", "9223372036854775807"};
  c.user_ids = big;
  c.count = 2;
  assert_int_equal(bndl_dataset_add_events(ds, &c), BNDL_OK);
  s.user_names = bign;
  assert_int_equal(bndl_dataset_add_events(ds, &s), BNDL_OK);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_USER), 4);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_report_balances(ds, 1);
  assert_int_equal(bndl_dataset_num_events(ds), 8);
  const char *ext = NULL;
  int64_t u42 = find_id(ds, BNDL_ENTITY_USER, "42");
  assert_int_equal(u42, 0); /* dense indices in order of first appearance */
  assert_int_equal(bndl_dataset_external_id(ds, BNDL_ENTITY_USER, u42, &ext), BNDL_OK);
  assert_string_equal(ext, "42");
  assert_int_equal(user_event_count(ds, "42"), 3);
  assert_int_equal(user_event_count(ds, "43"), 1);
  assert_int_equal(user_event_count(ds, "-5"), 2);
  assert_int_equal(user_event_count(ds, "9223372036854775807"), 2);
  /* the item "7" of the string call is the item 7 of the int call */
  const int32_t *items;
  const int64_t *ts;
  int64_t n;
  assert_int_equal(bndl_dataset_user_events(ds, u42, &items, NULL, &ts, &n), BNDL_OK);
  int64_t i7 = find_id(ds, BNDL_ENTITY_ITEM, "7");
  assert_int_equal(items[0], i7);
  assert_int_equal(ts[0], 100);
  assert_int_equal(items[2], i7);
  assert_int_equal(ts[2], 300);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- descriptor errors: the whole call fails and the dataset is unchanged */

static void test_descriptor_errors(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  const int64_t ids[] = {1, 2, 3};
  const char *const names[] = {"1", "2", "3"};
  const int64_t ts[] = {1, 2, 3};

  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = 3;
  e.user_ids = ids;
  e.item_ids = ids;
  e.timestamps = ts;
  /* both id kinds */
  e.user_names = names;
  expect_invalid(bndl_dataset_add_events(ds, &e), "bndl_dataset_add_events", "user_names");
  test_assert_error_contains("user_ids");
  e.user_names = NULL;
  e.item_names = names;
  expect_invalid(bndl_dataset_add_events(ds, &e), "bndl_dataset_add_events", "item_names");
  e.item_names = NULL;
  /* neither */
  e.user_ids = NULL;
  expect_invalid(bndl_dataset_add_events(ds, &e), "bndl_dataset_add_events", "user_ids");
  e.user_ids = ids;
  e.item_ids = NULL;
  expect_invalid(bndl_dataset_add_events(ds, &e), "bndl_dataset_add_events", "item_ids");
  e.item_ids = ids;
  /* struct_size too small (an older, shorter descriptor) */
  e.struct_size = (uint32_t)offsetof(bndl_event_columns, order_ids);
  expect_invalid(bndl_dataset_add_events(ds, &e), "bndl_dataset_add_events", "struct_size");
  e.struct_size = sizeof e;
  /* negative count */
  e.count = -1;
  expect_invalid(bndl_dataset_add_events(ds, &e), "bndl_dataset_add_events", "count");
  e.count = 3;
  /* NULL descriptor */
  expect_invalid(bndl_dataset_add_events(ds, NULL), "bndl_dataset_add_events", "columns");

  bndl_catalogue_columns c = BNDL_CATALOGUE_COLUMNS_INIT;
  c.count = 3;
  c.item_ids = ids;
  c.item_names = names;
  expect_invalid(bndl_dataset_add_catalogue(ds, &c), "bndl_dataset_add_catalogue", "item_names");
  c.item_names = NULL;
  c.item_ids = NULL;
  expect_invalid(bndl_dataset_add_catalogue(ds, &c), "bndl_dataset_add_catalogue", "item_ids");
  c.item_ids = ids;
  c.struct_size = 8;
  expect_invalid(bndl_dataset_add_catalogue(ds, &c), "bndl_dataset_add_catalogue", "struct_size");
  c.struct_size = sizeof c;
  c.count = -7;
  expect_invalid(bndl_dataset_add_catalogue(ds, &c), "bndl_dataset_add_catalogue", "-7");

  const int64_t bad_indptr[] = {0, 2, 1, 3}; /* falls at index 2 */
  bndl_bundle_csr b = BNDL_BUNDLE_CSR_INIT;
  b.n_bundles = 3;
  b.indptr = bad_indptr;
  b.item_ids = ids;
  expect_invalid(bndl_dataset_add_bundles(ds, &b), "bndl_dataset_add_bundles", "indptr[2]");
  const int64_t nonzero_start[] = {1, 2, 3, 3};
  b.indptr = nonzero_start;
  expect_invalid(bndl_dataset_add_bundles(ds, &b), "bndl_dataset_add_bundles", "indptr[0]");
  const int64_t good_indptr[] = {0, 1, 2, 3};
  b.indptr = good_indptr;
  b.n_bundles = -1;
  expect_invalid(bndl_dataset_add_bundles(ds, &b), "bndl_dataset_add_bundles", "n_bundles");
  b.n_bundles = 3;
  b.item_names = names;
  expect_invalid(bndl_dataset_add_bundles(ds, &b), "bndl_dataset_add_bundles", "item_names");
  b.item_names = NULL;
  b.item_ids = NULL;
  expect_invalid(bndl_dataset_add_bundles(ds, &b), "bndl_dataset_add_bundles", "item_ids");
  b.item_ids = ids;
  b.struct_size = 4;
  expect_invalid(bndl_dataset_add_bundles(ds, &b), "bndl_dataset_add_bundles", "struct_size");

  /* nothing of the failed calls stuck: no rows, no ids, no report inputs */
  assert_int_equal(bndl_dataset_rows_read(ds), 0);
  assert_int_equal(bndl_dataset_num_events(ds), 0);
  for (int k = BNDL_ENTITY_USER; k <= BNDL_ENTITY_CATEGORY; k++)
    assert_int_equal(bndl_dataset_count(ds, (bndl_entity)k), 0);
  /* and the dataset still builds */
  b.struct_size = sizeof b;
  assert_int_equal(bndl_dataset_add_bundles(ds, &b), BNDL_OK);
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_BUNDLE), 3);
  assert_int_equal(bndl_dataset_num_events(ds), 3);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- row-level errors: dropped, counted, with "row N" examples */

static void test_row_errors_are_dropped_with_row_numbers(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  /* row: 0 ok | 1 NULL user | 2 item not UTF-8 | 3 type 99 | 4 quantity 0 | 5 price -1
   *      6 weight NaN | 7 negative quantity on a purchase | 8 empty user | 9 ok (return, qty -2) */
  const char *const users[] = {"a", NULL, "a", "a", "a", "a", "a", "a", "", "b"};
  const char *const items[] = {"x", "x", "\xC3\x28", "x", "x", "x", "x", "x", "x", "y"};
  const int32_t types[] = {BNDL_EVENT_PURCHASE, BNDL_EVENT_PURCHASE, BNDL_EVENT_PURCHASE, 99,
                           BNDL_EVENT_PURCHASE, BNDL_EVENT_PURCHASE, BNDL_EVENT_PURCHASE, BNDL_EVENT_PURCHASE,
                           BNDL_EVENT_PURCHASE, BNDL_EVENT_RETURN};
  const int64_t ts[] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  const double qty[] = {1, 1, 1, 1, 0, 1, 1, -3, 1, -2};
  const double price[] = {2.5, 2.5, 2.5, 2.5, 2.5, -1, 2.5, 2.5, 2.5, 4};
  const double weight[] = {1, 1, 1, 1, 1, 1, NAN, 1, 1, 1};
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = 10;
  c.user_names = users;
  c.item_names = items;
  c.event_types = types;
  c.timestamps = ts;
  c.quantities = qty;
  c.unit_prices = price;
  c.weights = weight;
  assert_int_equal(bndl_dataset_add_events(ds, &c), BNDL_OK);
  assert_int_equal(bndl_dataset_rows_read(ds), 10);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_MISSING_FIELD), 2);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_UTF8), 1);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_UNKNOWN_EVENT_TYPE), 1);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_QUANTITY), 2);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_PRICE), 1);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_NUMBER), 1);
  assert_int_equal(bndl_dataset_rows_kept(ds), 2);
  assert_int_equal(bndl_dataset_returns_kept(ds), 1);
  assert_report_balances(ds, 1);
  assert_example(ds, BNDL_DROP_MISSING_FIELD, 0, "row 1", "bndl_dataset_add_events call 1");
  assert_example(ds, BNDL_DROP_MISSING_FIELD, 1, "row 8", NULL);
  assert_example(ds, BNDL_DROP_INVALID_UTF8, 0, "row 2", NULL);
  assert_example(ds, BNDL_DROP_UNKNOWN_EVENT_TYPE, 0, "row 3", "99");
  assert_example(ds, BNDL_DROP_INVALID_QUANTITY, 0, "row 4", NULL);
  assert_example(ds, BNDL_DROP_INVALID_QUANTITY, 1, "row 7", "-3");
  assert_example(ds, BNDL_DROP_INVALID_PRICE, 0, "row 5", "-1");
  assert_example(ds, BNDL_DROP_INVALID_NUMBER, 0, "row 6", "weight");
  const char *ex;
  assert_int_equal(bndl_dataset_drop_example(ds, BNDL_DROP_INVALID_PRICE, 1, &ex), BNDL_ERR_NOT_FOUND);

  /* a second call is numbered 2, its rows counted from 0 again */
  const char *const users2[] = {"c", "c", "c"};
  const char *const items2[] = {"z", "z", "z"};
  const double price2[] = {1, INFINITY, 1};
  const int64_t ts2[] = {1, 2, 3};
  bndl_event_columns d = BNDL_EVENT_COLUMNS_INIT;
  d.count = 3;
  d.user_names = users2;
  d.item_names = items2;
  d.unit_prices = price2;
  d.timestamps = ts2;
  assert_int_equal(bndl_dataset_add_events(ds, &d), BNDL_OK);
  assert_example(ds, BNDL_DROP_INVALID_PRICE, 1, "row 1", "call 2");

  /* catalogue rows: price 0, cost -1, title not UTF-8 */
  const char *const cat_items[] = {"x", "y", "z", "w"};
  const double prices[] = {0, 3, 3, 3}, costs[] = {NAN, -1, NAN, NAN};
  const char *const titles[] = {"t", "t", "\xFF", "fine"};
  bndl_catalogue_columns k = BNDL_CATALOGUE_COLUMNS_INIT;
  k.count = 4;
  k.item_names = cat_items;
  k.prices = prices;
  k.costs = costs;
  k.titles = titles;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &k), BNDL_OK);
  assert_int_equal(bndl_dataset_rows_read(ds), 17);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_PRICE), 4);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_UTF8), 2);
  assert_example(ds, BNDL_DROP_INVALID_PRICE, 2, "row 0", "bndl_dataset_add_catalogue call 3");
  assert_example(ds, BNDL_DROP_INVALID_PRICE, 3, "row 1", "cost");
  assert_example(ds, BNDL_DROP_INVALID_UTF8, 1, "row 2", NULL);

  /* bundle items: a NULL name at flat index 2 */
  const int64_t indptr[] = {0, 2, 3};
  const char *const members[] = {"x", "y", NULL};
  bndl_bundle_csr b = BNDL_BUNDLE_CSR_INIT;
  b.n_bundles = 2;
  b.indptr = indptr;
  b.item_names = members;
  assert_int_equal(bndl_dataset_add_bundles(ds, &b), BNDL_OK);
  assert_int_equal(bndl_dataset_rows_read(ds), 20);
  assert_example(ds, BNDL_DROP_MISSING_FIELD, 2, "row 2", "bndl_dataset_add_bundles call 4");
  assert_int_equal(bndl_dataset_rows_kept(ds), 2 + 2 + 1 + 2);
  assert_report_balances(ds, 0);

  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_report_balances(ds, 0);
  /* the report JSON carries the same totals */
  bndl_buffer *json = NULL;
  assert_int_equal(bndl_dataset_report_json(ds, &json), BNDL_OK);
  char *text = calloc(1, bndl_buffer_size(json) + 1);
  memcpy(text, bndl_buffer_data(json), bndl_buffer_size(json));
  assert_non_null(strstr(text, "\"rows_read\":20"));
  char want[64];
  snprintf(want, sizeof want, "\"rows_kept\":%lld", (long long)bndl_dataset_rows_kept(ds));
  assert_non_null(strstr(text, want));
  free(text);
  bndl_buffer_free(json);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- time: ordinal events, and mixing ordinal with timed events */

static void test_events_without_timestamps_are_ordinal(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  const int64_t users[] = {1, 2, 1, 1, 2};
  const int64_t items[] = {10, 11, 12, 10, 13};
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = 5;
  c.user_ids = users;
  c.item_ids = items;
  assert_int_equal(bndl_dataset_add_events(ds, &c), BNDL_OK);
  /* a second call continues the clock */
  const int64_t users2[] = {2};
  const int64_t items2[] = {10};
  c.count = 1;
  c.user_ids = users2;
  c.item_ids = items2;
  assert_int_equal(bndl_dataset_add_events(ds, &c), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  /* same user, item and type twice (user 1, item 10) is not a duplicate: arrival differs */
  assert_int_equal(bndl_dataset_num_events(ds), 6);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_DUPLICATE), 0);
  const int32_t *it;
  const int64_t *ts;
  int64_t n;
  assert_int_equal(bndl_dataset_user_events(ds, find_id(ds, BNDL_ENTITY_USER, "1"), &it, NULL, &ts, &n), BNDL_OK);
  assert_int_equal(n, 3);
  /* arrival order is time order, and the clock steps by rows across users */
  assert_true(ts[0] < ts[1] && ts[1] < ts[2]);
  assert_int_equal(ts[1] - ts[0], 2);
  assert_int_equal(it[0], find_id(ds, BNDL_ENTITY_ITEM, "10"));
  assert_int_equal(it[1], find_id(ds, BNDL_ENTITY_ITEM, "12"));
  assert_int_equal(bndl_dataset_user_events(ds, find_id(ds, BNDL_ENTITY_USER, "2"), &it, NULL, &ts, &n), BNDL_OK);
  assert_int_equal(n, 3);
  assert_int_equal(it[2], find_id(ds, BNDL_ENTITY_ITEM, "10"));
  assert_true(ts[1] < ts[2]);
  /* features say steps, not days */
  assert_true(feature_column(ds, BNDL_ENTITY_USER, "recency_steps") >= 0);
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, find_id(ds, BNDL_ENTITY_USER, "2"), "recency_steps"), 0, 0);
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, find_id(ds, BNDL_ENTITY_USER, "1"), "recency_steps"), 2, 0);
  /* a time split needs real timestamps */
  bndl_config *cfg;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "split.method", "time"), BNDL_OK);
  bndl_dataset *tr = NULL, *te = NULL;
  assert_int_equal(bndl_dataset_split(ds, cfg, &tr, NULL, &te), BNDL_ERR_INVALID_ARGUMENT);
  assert_null(tr);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void test_mixing_ordinal_and_timed_events_fails_finalize(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  for (int timed_first = 0; timed_first <= 1; timed_first++) {
    bndl_dataset *ds = new_dataset(ctx);
    const int64_t users[] = {1, 2}, items[] = {3, 4}, ts[] = {1000, 2000};
    bndl_event_columns timed = BNDL_EVENT_COLUMNS_INIT, ordinal = BNDL_EVENT_COLUMNS_INIT;
    timed.count = ordinal.count = 2;
    timed.user_ids = ordinal.user_ids = users;
    timed.item_ids = ordinal.item_ids = items;
    timed.timestamps = ts;
    assert_int_equal(bndl_dataset_add_events(ds, timed_first ? &timed : &ordinal), BNDL_OK);
    assert_int_equal(bndl_dataset_add_events(ds, timed_first ? &ordinal : &timed), BNDL_OK);
    assert_int_equal(bndl_dataset_finalize(ds), BNDL_ERR_FORMAT);
    test_assert_error_contains("bndl_dataset_finalize");
    test_assert_error_contains("ordinal");
    assert_false(bndl_dataset_is_finalized(ds));
    const float *f;
    int64_t rows;
    int32_t cols;
    assert_int_equal(bndl_dataset_features(ds, BNDL_ENTITY_USER, &f, &rows, &cols), BNDL_ERR_STATE);
    bndl_dataset_free(ds);
  }
  /* an empty add_events call (count 0) without timestamps does not make a dataset ordinal */
  bndl_dataset *ds = new_dataset(ctx);
  const int64_t users[] = {1}, items[] = {3}, ts[] = {1000};
  bndl_event_columns timed = BNDL_EVENT_COLUMNS_INIT, empty = BNDL_EVENT_COLUMNS_INIT;
  timed.count = 1;
  timed.user_ids = empty.user_ids = users;
  timed.item_ids = empty.item_ids = items;
  timed.timestamps = ts;
  assert_int_equal(bndl_dataset_add_events(ds, &timed), BNDL_OK);
  assert_int_equal(bndl_dataset_add_events(ds, &empty), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- catalogue merge */

static void test_catalogue_rows_merge(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  const char *const items1[] = {"p", "q"};
  const double prices1[] = {10, 5}, costs1[] = {4, NAN};
  const int64_t stock1[] = {3, -1};
  const char *const cats1[] = {"tools", "toys"};
  const char *const titles1[] = {"Hammer", "Ball"};
  bndl_catalogue_columns a = BNDL_CATALOGUE_COLUMNS_INIT;
  a.count = 2;
  a.item_names = items1;
  a.prices = prices1;
  a.costs = costs1;
  a.stock = stock1;
  a.categories = cats1;
  a.titles = titles1;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &a), BNDL_OK);
  /* later: p gets a new price, cost and stock unknown (keep the old ones), no category;
   * q gets a cost, a stock and a new category */
  const char *const items2[] = {"p", "q"};
  const double prices2[] = {12, NAN}, costs2[] = {NAN, 2};
  const int64_t stock2[] = {-1, 9};
  const char *const cats2[] = {NULL, "games"};
  bndl_catalogue_columns b = BNDL_CATALOGUE_COLUMNS_INIT;
  b.count = 2;
  b.item_names = items2;
  b.prices = prices2;
  b.costs = costs2;
  b.stock = stock2;
  b.categories = cats2;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &b), BNDL_OK);
  /* the same item by int id in a third call */
  const int64_t items3[] = {77};
  const double prices3[] = {1.5};
  bndl_catalogue_columns c = BNDL_CATALOGUE_COLUMNS_INIT;
  c.count = 1;
  c.item_ids = items3;
  c.prices = prices3;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &c), BNDL_OK);
  const char *const items4[] = {"77"};
  const double prices4[] = {2.5};
  c.item_ids = NULL;
  c.item_names = items4;
  c.prices = prices4;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &c), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_ITEM), 3);
  assert_int_equal(bndl_dataset_rows_read(ds), 6);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_CATALOGUE_MERGED), 3);
  assert_int_equal(bndl_dataset_rows_kept(ds), 3);
  assert_report_balances(ds, 0);
  assert_example(ds, BNDL_DROP_CATALOGUE_MERGED, 0, "'p'", "row 0");
  const double *price, *cost;
  const int64_t *stock;
  const int32_t *cat;
  assert_int_equal(bndl_dataset_catalogue(ds, &price, &cost, &stock, &cat), BNDL_OK);
  int64_t p = find_id(ds, BNDL_ENTITY_ITEM, "p"), q = find_id(ds, BNDL_ENTITY_ITEM, "q");
  int64_t i77 = find_id(ds, BNDL_ENTITY_ITEM, "77");
  assert_float_equal(price[p], 12, 0);
  assert_float_equal(cost[p], 4, 0);
  assert_int_equal(stock[p], 3);
  assert_int_equal(cat[p], find_id(ds, BNDL_ENTITY_CATEGORY, "tools"));
  assert_float_equal(price[q], 5, 0);
  assert_float_equal(cost[q], 2, 0);
  assert_int_equal(stock[q], 9);
  assert_int_equal(cat[q], find_id(ds, BNDL_ENTITY_CATEGORY, "games"));
  assert_float_equal(price[i77], 2.5, 0);
  assert_true(isnan(cost[i77]));
  assert_int_equal(stock[i77], -1);
  assert_int_equal(cat[i77], -1);
  /* the item features read the merged catalogue */
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, p, "margin"), 8, 1e-6);
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, q, "stock"), 9, 0);
  assert_true(isnan(feature(ds, BNDL_ENTITY_ITEM, i77, "cost")));
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- cleaning */

/* Catalogue lists items 1 and 2; events touch 1, 2 and 3. */
static bndl_dataset *unknown_item_dataset(bndl_context *ctx, const char *policy) {
  bndl_dataset *ds = new_dataset(ctx);
  if (policy)
    configure(ds, "clean.unknown_items", policy);
  const int64_t listed[] = {1, 2};
  bndl_catalogue_columns c = BNDL_CATALOGUE_COLUMNS_INIT;
  c.count = 2;
  c.item_ids = listed;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &c), BNDL_OK);
  const int64_t users[] = {5, 5, 5, 6, 6};
  const int64_t items[] = {1, 3, 2, 3, 3};
  const int64_t ts[] = {1, 2, 3, 4, 5};
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = 5;
  e.user_ids = users;
  e.item_ids = items;
  e.timestamps = ts;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_report_balances(ds, 0);
  return ds;
}

static void test_unknown_items(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = unknown_item_dataset(ctx, NULL); /* default: drop */
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_UNKNOWN_ITEM), 3);
  assert_int_equal(bndl_dataset_num_events(ds), 2);
  assert_int_equal(user_event_count(ds, "5"), 2);
  assert_int_equal(user_event_count(ds, "6"), 0);
  assert_example(ds, BNDL_DROP_UNKNOWN_ITEM, 0, "'3'", "row 1");
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, find_id(ds, BNDL_ENTITY_ITEM, "3"), "events"), 0, 0);
  bndl_dataset_free(ds);

  ds = unknown_item_dataset(ctx, "keep");
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_UNKNOWN_ITEM), 0);
  assert_int_equal(bndl_dataset_num_events(ds), 5);
  assert_int_equal(user_event_count(ds, "6"), 2);
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, find_id(ds, BNDL_ENTITY_ITEM, "3"), "events"), 3, 0);
  bndl_dataset_free(ds);

  /* no catalogue at all: nothing is unknown */
  ds = new_dataset(ctx);
  const int64_t u[] = {1}, i[] = {9}, t[] = {1};
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = 1;
  e.user_ids = u;
  e.item_ids = i;
  e.timestamps = t;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_dataset_num_events(ds), 1);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static bndl_dataset *duplicates_dataset(bndl_context *ctx, const char *drop) {
  bndl_dataset *ds = new_dataset(ctx);
  if (drop)
    configure(ds, "clean.drop_duplicates", drop);
  /* rows 1 and 4 repeat row 0 exactly; rows 2, 3, 5, 6 differ from it in one field */
  const int64_t users[] = {1, 1, 1, 1, 1, 1, 2};
  const int64_t items[] = {7, 7, 7, 7, 7, 7, 7};
  const int64_t ts[] = {50, 50, 51, 50, 50, 50, 50};
  const double qty[] = {2, 2, 2, 3, 2, 2, 2};
  const double price[] = {1, 1, 1, 1, 1, NAN, 1};
  const int64_t orders[] = {9, 9, 9, 9, 9, 9, 9};
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = 7;
  e.user_ids = users;
  e.item_ids = items;
  e.timestamps = ts;
  e.quantities = qty;
  e.unit_prices = price;
  e.order_ids = orders;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  /* a later call repeating row 5 (NaN price equals NaN price) */
  e.count = 1;
  e.user_ids = users + 5;
  e.item_ids = items + 5;
  e.timestamps = ts + 5;
  e.quantities = qty + 5;
  e.unit_prices = price + 5;
  e.order_ids = orders + 5;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_report_balances(ds, 1);
  return ds;
}

static void test_exact_duplicates(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = duplicates_dataset(ctx, NULL);
  assert_int_equal(bndl_dataset_rows_read(ds), 8);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_DUPLICATE), 3);
  assert_int_equal(bndl_dataset_num_events(ds), 5);
  assert_int_equal(user_event_count(ds, "1"), 4);
  assert_example(ds, BNDL_DROP_DUPLICATE, 0, "row 1", NULL);
  assert_example(ds, BNDL_DROP_DUPLICATE, 1, "row 4", NULL);
  assert_example(ds, BNDL_DROP_DUPLICATE, 2, "call 2", "row 0");
  bndl_dataset_free(ds);
  ds = duplicates_dataset(ctx, "0");
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_DUPLICATE), 0);
  assert_int_equal(bndl_dataset_num_events(ds), 8);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void test_repeat_window(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  /* user 1 views item 5 at 0, 30, 100, 130, 159, 160 s; buys it at 0 and 10 s;
   * user 2 views item 5 at 20 s and item 6 at 25 s */
  const int64_t users[] = {1, 1, 1, 1, 1, 1, 1, 1, 2, 2};
  const int64_t items[] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 6};
  const int32_t types[] = {BNDL_EVENT_VIEW, BNDL_EVENT_VIEW,     BNDL_EVENT_VIEW,     BNDL_EVENT_VIEW,
                           BNDL_EVENT_VIEW, BNDL_EVENT_VIEW,     BNDL_EVENT_PURCHASE, BNDL_EVENT_PURCHASE,
                           BNDL_EVENT_VIEW, BNDL_EVENT_VIEW};
  const int64_t ts[] = {1000, 1030, 1100, 1130, 1159, 1160, 1000, 1010, 1020, 1025};
  for (int window = 0; window <= 1; window++) {
    bndl_dataset *ds = new_dataset(ctx);
    if (window)
      configure(ds, "clean.repeat_window_s", "60");
    bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
    e.count = 10;
    e.user_ids = users;
    e.item_ids = items;
    e.event_types = types;
    e.timestamps = ts;
    assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
    assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
    assert_report_balances(ds, 1);
    if (!window) {
      assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_REPEAT_IN_WINDOW), 0);
      assert_int_equal(bndl_dataset_num_events(ds), 10);
      bndl_dataset_free(ds);
      continue;
    }
    /* within 60 s of the last kept view: 1030 (of 1000), 1130 and 1159 (of 1100);
     * 1100 and 1160 are 100 and 60 s after the kept one; purchases are not in
     * clean.repeat_types; other users and items never count */
    assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_REPEAT_IN_WINDOW), 3);
    assert_int_equal(bndl_dataset_num_events(ds), 7);
    const int32_t *it;
    const uint8_t *ty;
    const int64_t *t;
    int64_t n;
    assert_int_equal(bndl_dataset_user_events(ds, find_id(ds, BNDL_ENTITY_USER, "1"), &it, &ty, &t, &n), BNDL_OK);
    assert_int_equal(n, 5);
    int64_t views[3], nv = 0, buys = 0;
    for (int64_t k = 0; k < n; k++) {
      if (ty[k] == BNDL_EVENT_VIEW && nv < 3)
        views[nv++] = t[k];
      buys += ty[k] == BNDL_EVENT_PURCHASE;
    }
    assert_int_equal(nv, 3);
    assert_int_equal(views[0], 1000);
    assert_int_equal(views[1], 1100);
    assert_int_equal(views[2], 1160);
    assert_int_equal(buys, 2);
    assert_example(ds, BNDL_DROP_REPEAT_IN_WINDOW, 0, "row 1", "view");
    assert_int_equal(user_event_count(ds, "2"), 2);
    bndl_dataset_free(ds);
  }
  bndl_context_free(ctx);
}

/* 200 users with 3..7 events and one with 100,000. */
static bndl_dataset *anomaly_dataset(bndl_context *ctx, const char *z) {
  bndl_dataset *ds = new_dataset(ctx);
  if (z)
    configure(ds, "clean.anomaly_z", z);
  enum { N_SMALL = 200, BIG = 100000 };
  int64_t n = 0;
  for (int u = 0; u < N_SMALL; u++)
    n += 3 + u % 5;
  n += BIG;
  int64_t *users = malloc((size_t)n * sizeof *users), *items = malloc((size_t)n * sizeof *items);
  int64_t *ts = malloc((size_t)n * sizeof *ts);
  assert_non_null(users);
  assert_non_null(items);
  assert_non_null(ts);
  int64_t k = 0;
  for (int u = 0; u < N_SMALL; u++)
    for (int j = 0; j < 3 + u % 5; j++, k++) {
      users[k] = u;
      items[k] = (u * 7 + j) % 50;
      ts[k] = 1000000 + k;
    }
  for (int j = 0; j < BIG; j++, k++) {
    users[k] = 999999;
    items[k] = j % 50;
    ts[k] = 2000000 + j;
  }
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = n;
  e.user_ids = users;
  e.item_ids = items;
  e.timestamps = ts;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  free(users);
  free(items);
  free(ts);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_report_balances(ds, 1);
  return ds;
}

static void test_anomalous_users(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = anomaly_dataset(ctx, "5");
  assert_int_equal(bndl_dataset_rows_read(ds), 100000 + 200 * 5);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_ANOMALOUS_USER), 100000);
  assert_int_equal(bndl_dataset_num_events(ds), 200 * 5);
  assert_int_equal(user_event_count(ds, "999999"), 0);
  assert_int_equal(user_event_count(ds, "0"), 3);
  assert_int_equal(user_event_count(ds, "4"), 7);
  assert_example(ds, BNDL_DROP_ANOMALOUS_USER, 0, "'999999'", NULL);
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, find_id(ds, BNDL_ENTITY_USER, "999999"), "events"), 0, 0);
  bndl_dataset_free(ds);

  ds = anomaly_dataset(ctx, "0");
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_ANOMALOUS_USER), 0);
  assert_int_equal(bndl_dataset_num_events(ds), 100000 + 200 * 5);
  assert_int_equal(user_event_count(ds, "999999"), 100000);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- lifecycle */

static void test_build_calls_after_finalize_are_state_errors(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  const int64_t ids[] = {1}, ts[] = {5};
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = 1;
  e.user_ids = ids;
  e.item_ids = ids;
  e.timestamps = ts;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  /* read access before finalize is a state error too */
  const int64_t *indptr;
  const int32_t *items;
  const float *w;
  assert_int_equal(bndl_dataset_interactions(ds, &indptr, &items, &w), BNDL_ERR_STATE);
  bndl_buffer *buf = NULL;
  assert_int_equal(bndl_dataset_save_buffer(ds, &buf), BNDL_ERR_STATE);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_true(bndl_dataset_is_finalized(ds));
  int64_t events = bndl_dataset_num_events(ds), read = bndl_dataset_rows_read(ds);

  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_ERR_STATE);
  test_assert_error_contains("bndl_dataset_add_events");
  bndl_catalogue_columns c = BNDL_CATALOGUE_COLUMNS_INIT;
  c.count = 1;
  c.item_ids = ids;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &c), BNDL_ERR_STATE);
  const int64_t indptr1[] = {0, 1};
  bndl_bundle_csr b = BNDL_BUNDLE_CSR_INIT;
  b.n_bundles = 1;
  b.indptr = indptr1;
  b.item_ids = ids;
  assert_int_equal(bndl_dataset_add_bundles(ds, &b), BNDL_ERR_STATE);
  bndl_config *cfg;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_dataset_configure(ds, cfg), BNDL_ERR_STATE);
  bndl_config_free(cfg);
  bndl_table_spec *spec;
  assert_int_equal(bndl_table_spec_preset("youshu_user_item", &spec), BNDL_OK);
  char *path = test_write_tmp(".txt", "1\t2\n", 4);
  assert_int_equal(bndl_dataset_load_table(ds, path, spec), BNDL_ERR_STATE);
  test_assert_error_contains("bndl_dataset_load_table");
  bndl_table_spec_free(spec);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_ERR_STATE);
  test_assert_error_contains("bndl_dataset_finalize");
  /* nothing changed */
  assert_int_equal(bndl_dataset_num_events(ds), events);
  assert_int_equal(bndl_dataset_rows_read(ds), read);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_BUNDLE), 0);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  test_tmp_cleanup();
}

/* ---- concurrent readers */

typedef struct read_digest {
  uint64_t features, interactions, events;
} read_digest;

typedef struct reader_arg {
  const bndl_dataset *ds;
  int rounds;
  read_digest got;
  int failed;
} reader_arg;

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ s[i]) * 0x100000001B3ull;
  return h;
}

/* Reads everything a model would read and hashes it. */
static int read_all(const bndl_dataset *ds, read_digest *d) {
  memset(d, 0, sizeof *d);
  d->features = d->interactions = d->events = 0xCBF29CE484222325ull;
  for (int e = BNDL_ENTITY_USER; e <= BNDL_ENTITY_ITEM; e++) {
    const float *f;
    int64_t rows;
    int32_t cols;
    if (bndl_dataset_features(ds, (bndl_entity)e, &f, &rows, &cols) != BNDL_OK)
      return 0;
    d->features = fnv(d->features, f, (size_t)(rows * cols) * sizeof *f);
    for (int32_t c = 0; c < cols; c++) {
      const char *name = bndl_dataset_feature_name(ds, (bndl_entity)e, c);
      if (name == NULL)
        return 0;
      d->features = fnv(d->features, name, strlen(name));
    }
  }
  const int64_t *indptr;
  const int32_t *items;
  const float *w;
  if (bndl_dataset_interactions(ds, &indptr, &items, &w) != BNDL_OK)
    return 0;
  int64_t n_users = bndl_dataset_count(ds, BNDL_ENTITY_USER);
  d->interactions = fnv(d->interactions, indptr, (size_t)(n_users + 1) * sizeof *indptr);
  d->interactions = fnv(d->interactions, items, (size_t)indptr[n_users] * sizeof *items);
  d->interactions = fnv(d->interactions, w, (size_t)indptr[n_users] * sizeof *w);
  for (int64_t u = 0; u < n_users; u++) {
    const int32_t *it;
    const uint8_t *ty;
    const int64_t *ts;
    int64_t n;
    if (bndl_dataset_user_events(ds, u, &it, &ty, &ts, &n) != BNDL_OK)
      return 0;
    d->events = fnv(d->events, it, (size_t)n * sizeof *it);
    d->events = fnv(d->events, ty, (size_t)n);
    d->events = fnv(d->events, ts, (size_t)n * sizeof *ts);
    const char *ext;
    if (bndl_dataset_external_id(ds, BNDL_ENTITY_USER, u, &ext) != BNDL_OK)
      return 0;
    int64_t back;
    if (bndl_dataset_find(ds, BNDL_ENTITY_USER, ext, &back) != BNDL_OK || back != u)
      return 0;
  }
  return 1;
}

static void *reader_main(void *p) {
  reader_arg *a = p;
  for (int r = 0; r < a->rounds; r++) {
    read_digest d;
    if (!read_all(a->ds, &d)) {
      a->failed = 1;
      break;
    }
    if (r > 0 && memcmp(&d, &a->got, sizeof d) != 0)
      a->failed = 1;
    a->got = d;
  }
  return NULL;
}

static void test_concurrent_readers(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  enum { N = 6000 };
  int64_t *users = malloc(N * sizeof *users), *items = malloc(N * sizeof *items), *ts = malloc(N * sizeof *ts);
  int32_t *types = malloc(N * sizeof *types);
  assert_true(users && items && ts && types);
  for (int i = 0; i < N; i++) {
    users[i] = i % 300;
    items[i] = (i * 37) % 211;
    ts[i] = 1600000000 + (int64_t)i * 60;
    types[i] = 1 + i % 5; /* views to returns */
  }
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = N;
  e.user_ids = users;
  e.item_ids = items;
  e.timestamps = ts;
  e.event_types = types;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  free(users);
  free(items);
  free(ts);
  free(types);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  read_digest want;
  assert_true(read_all(ds, &want));
  enum { THREADS = 4 };
  pthread_t th[THREADS];
  reader_arg args[THREADS];
  for (int t = 0; t < THREADS; t++) {
    args[t].ds = ds;
    args[t].rounds = 20;
    args[t].failed = 0;
    assert_int_equal(pthread_create(&th[t], NULL, reader_main, &args[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_false(args[t].failed);
    assert_memory_equal(&args[t].got, &want, sizeof want);
  }
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- returns_kept follows cleaning: a return dropped at finalize is no longer kept */

static void test_returns_kept_after_cleaning(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  configure(ds, "clean.anomaly_z", "0");
  /* user 1: a purchase and the same return twice (exact duplicate); user 2: one return
   * of an item the catalogue does not list */
  const int64_t users[] = {1, 1, 1, 2}, items[] = {5, 5, 5, 6}, ts[] = {10, 20, 20, 30};
  const int32_t types[] = {BNDL_EVENT_PURCHASE, BNDL_EVENT_RETURN, BNDL_EVENT_RETURN, BNDL_EVENT_RETURN};
  const double qty[] = {2, -1, -1, -1};
  const int64_t listed[] = {5};
  bndl_catalogue_columns c = BNDL_CATALOGUE_COLUMNS_INIT;
  c.count = 1;
  c.item_ids = listed;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &c), BNDL_OK);
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = 4;
  e.user_ids = users;
  e.item_ids = items;
  e.event_types = types;
  e.timestamps = ts;
  e.quantities = qty;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  assert_int_equal(bndl_dataset_returns_kept(ds), 3); /* before cleaning */
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_DUPLICATE), 1);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_UNKNOWN_ITEM), 1);
  assert_int_equal(bndl_dataset_returns_kept(ds), 1);
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, find_id(ds, BNDL_ENTITY_USER, "1"), "returns"), 1, 0);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- timestamps far apart: int64 seconds, any value the type holds
 *
 * reference_time - ts is taken in int64 by the feature and decay code; with events 1e19 s
 * apart that overflows (UB: UBSan aborts here; a release build gets a negative
 * recency). Either refusing such times or computing in double is fine; a negative
 * recency or a crash is not. Kept last: under UBSan it ends the process. */

static void test_far_apart_timestamps(void **state) {
  (void)state;
  bndl_context *ctx = new_context();
  bndl_dataset *ds = new_dataset(ctx);
  const int64_t users[] = {1, 2}, items[] = {3, 3};
  const int64_t ts[] = {-5000000000000000000, 5000000000000000000};
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = 2;
  e.user_ids = users;
  e.item_ids = items;
  e.timestamps = ts;
  bndl_status st = bndl_dataset_add_events(ds, &e);
  if (st == BNDL_OK)
    st = bndl_dataset_finalize(ds);
  if (st == BNDL_OK && bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_TIMESTAMP) == 0) {
    /* kept: user 1's last event is 1e19 s (1.157e14 days) before the reference time */
    float recency = feature(ds, BNDL_ENTITY_USER, find_id(ds, BNDL_ENTITY_USER, "1"), "recency_days");
    if (!(fabs(recency - 1e19 / 86400.0) < 1e-3 * (1e19 / 86400.0)))
      fail_msg("recency_days of an event 1e19 s before the reference time is %g, not %g", (double)recency,
               1e19 / 86400.0);
  } else if (st != BNDL_OK) {
    /* refused: with a message, and the dataset is not half-built */
    assert_true(st == BNDL_ERR_INVALID_ARGUMENT || st == BNDL_ERR_FORMAT || st == BNDL_ERR_LIMIT);
    assert_false(bndl_dataset_is_finalized(ds));
  }
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_int_and_string_ids_are_one_entity),
      cmocka_unit_test(test_descriptor_errors),
      cmocka_unit_test(test_row_errors_are_dropped_with_row_numbers),
      cmocka_unit_test(test_events_without_timestamps_are_ordinal),
      cmocka_unit_test(test_mixing_ordinal_and_timed_events_fails_finalize),
      cmocka_unit_test(test_catalogue_rows_merge),
      cmocka_unit_test(test_unknown_items),
      cmocka_unit_test(test_exact_duplicates),
      cmocka_unit_test(test_repeat_window),
      cmocka_unit_test(test_anomalous_users),
      cmocka_unit_test(test_build_calls_after_finalize_are_state_errors),
      cmocka_unit_test(test_concurrent_readers),
      cmocka_unit_test(test_returns_kept_after_cleaning),
      cmocka_unit_test(test_far_apart_timestamps), /* last: see its comment */
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
