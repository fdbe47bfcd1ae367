/*
 * test_dataset_split.c - bndl_dataset_split through bundle.h and libbundle.so only.
 *
 * What is checked, per method:
 *  leave_last_out  (holdout 1 and 2, with and without valid) each user's last events,
 *                  in the parent's time order, are the test part, the ones before the
 *                  valid part; no held-out event is earlier than a training event of
 *                  the same user; users with too few events stay wholly in train;
 *                  user-bundle rows and reviews follow the same assignment;
 *  time            train < valid cutoff <= valid < cutoff <= test for events, reviews and
 *                  user-bundle rows, and features of each part come from its own rows
 *                  (a user who buys only after the cutoff has no purchases in train);
 *  random          same seed -> identical parts, other seed -> other parts, the context
 *                  seed is the default, ratios within 5 sigma;
 *  fixed           the Youshu train/tune/test files give 34,416 / 5,189 / 9,746
 *                  user-bundle rows (SOURCE.md), user-item rows stay in train.
 * For every split: parts are finalized, share the parent's dense ids, their events add
 * up to the parent's, their reports balance, and valid == NULL with rows held out for
 * validation is BNDL_ERR_INVALID_ARGUMENT.
 *
 * The small dataset is generated here, so every expectation is computed from the
 * generator's own rows, independently of the library.
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

/* ---- the small timed dataset
 *
 * Users u0..u11. u0..u9 have n_events(u) = 1..9, 12 events; event k of user u is at
 * BASE + k*1000 + u*10 (u3's last two share a time: a tie at the holdout boundary), item
 * "i<(3u+k) % 15>" (distinct within a user), type purchase except every fourth (view)
 * and u9's event 1 (a return). u10 buys 3 times only from CUT on, u11 3 times only before
 * VCUT. Each user also reviews the items of its first and last event (1 s after them),
 * and has u % 4 user-bundle rows at BASE + j*1500 + u. */
/* the cuts fall exactly on events (u4's third, u6's fifth, u10's first): at the cut is after it */
enum { N_USERS = 12, BASE = 1600000000, VCUT = BASE + 2040, CUT = BASE + 4060 };

static int n_events(int u) {
  static const int n[N_USERS] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 3, 3};
  return n[u];
}

static int64_t event_ts(int u, int k) {
  if (u == 10)
    return CUT + 100 * k;
  if (u == 11)
    return BASE + k;
  if (u == 3 && k == 3)
    k = 2;
  return BASE + (int64_t)k * 1000 + u * 10;
}

static int event_item(int u, int k) { return (3 * u + k) % 15; }

static int event_type(int u, int k) {
  if (u == 9 && k == 1)
    return BNDL_EVENT_RETURN;
  return u < 10 && k % 4 == 3 ? BNDL_EVENT_VIEW : BNDL_EVENT_PURCHASE;
}

static int n_user_bundles(int u) { return u % 4; }
static int64_t user_bundle_ts(int u, int j) { return BASE + (int64_t)j * 1500 + u; }

static char *events_csv(void) {
  size_t cap = 1 << 16, len = 0;
  char *s = malloc(cap);
  assert_non_null(s);
  len += (size_t)snprintf(s + len, cap - len, "user,item,type,ts,qty\n");
  for (int u = 0; u < N_USERS; u++)
    for (int k = 0; k < n_events(u); k++) {
      int t = event_type(u, k);
      len += (size_t)snprintf(s + len, cap - len, "u%d,i%d,%s,%lld,%s\n", u, event_item(u, k),
                              t == BNDL_EVENT_VIEW ? "view" : t == BNDL_EVENT_RETURN ? "return" : "purchase",
                              (long long)event_ts(u, k), t == BNDL_EVENT_RETURN ? "-1" : "1");
    }
  return s;
}

static char *reviews_csv(void) {
  size_t cap = 1 << 16, len = 0;
  char *s = malloc(cap);
  assert_non_null(s);
  len += (size_t)snprintf(s + len, cap - len, "user,item,rating,text,ts\n");
  for (int u = 0; u < N_USERS; u++) {
    int last = n_events(u) - 1;
    len += (size_t)snprintf(s + len, cap - len, "u%d,i%d,4,\"first, of u%d\",%lld\n", u, event_item(u, 0), u,
                            (long long)event_ts(u, 0) + 1);
    if (last > 0)
      len += (size_t)snprintf(s + len, cap - len, "u%d,i%d,2,last of u%d,%lld\n", u, event_item(u, last), u,
                              (long long)event_ts(u, last) + 1);
  }
  return s;
}

static char *user_bundles_csv(void) {
  size_t cap = 1 << 14, len = 0;
  char *s = malloc(cap);
  assert_non_null(s);
  len += (size_t)snprintf(s + len, cap - len, "user,bundle,ts\n");
  for (int u = 0; u < N_USERS; u++)
    for (int j = 0; j < n_user_bundles(u); j++)
      len += (size_t)snprintf(s + len, cap - len, "u%d,b%d,%lld\n", u, (u + j) % 4, (long long)user_bundle_ts(u, j));
  return s;
}

static void load_text(bndl_dataset *ds, bndl_table_kind kind, char *text, const char *const *columns,
                      const bndl_field *fields, int n_columns) {
  bndl_table_spec *spec;
  assert_int_equal(bndl_table_spec_create(kind, BNDL_FORMAT_DELIMITED, &spec), BNDL_OK);
  for (int c = 0; c < n_columns; c++)
    assert_int_equal(bndl_table_spec_map(spec, fields[c], columns[c]), BNDL_OK);
  assert_int_equal(bndl_table_spec_set_time_format(spec, "unix"), BNDL_OK);
  char *path = test_write_tmp(".csv", text, strlen(text));
  if (bndl_dataset_load_table(ds, path, spec) != BNDL_OK)
    fail_msg("load failed: %s", bndl_last_error_message());
  bndl_table_spec_free(spec);
  free(text);
}

static bndl_dataset *small_dataset(bndl_context *ctx) {
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  static const char *const ev_cols[] = {"user", "item", "type", "ts", "qty"};
  static const bndl_field ev_fields[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_EVENT_TYPE,
                                         BNDL_FIELD_TIMESTAMP, BNDL_FIELD_QUANTITY};
  load_text(ds, BNDL_TABLE_EVENTS, events_csv(), ev_cols, ev_fields, 5);
  static const char *const rv_cols[] = {"user", "item", "rating", "text", "ts"};
  static const bndl_field rv_fields[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_RATING, BNDL_FIELD_TEXT,
                                         BNDL_FIELD_TIMESTAMP};
  load_text(ds, BNDL_TABLE_REVIEWS, reviews_csv(), rv_cols, rv_fields, 5);
  static const char *const ub_cols[] = {"user", "bundle", "ts"};
  static const bndl_field ub_fields[] = {BNDL_FIELD_USER, BNDL_FIELD_BUNDLE, BNDL_FIELD_TIMESTAMP};
  load_text(ds, BNDL_TABLE_USER_BUNDLES, user_bundles_csv(), ub_cols, ub_fields, 3);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  /* the generator's own totals */
  int64_t events = 0, reviews = 0, ubs = 0;
  for (int u = 0; u < N_USERS; u++) {
    events += n_events(u);
    reviews += n_events(u) > 1 ? 2 : 1;
    ubs += n_user_bundles(u);
  }
  assert_int_equal(bndl_dataset_num_events(ds), events);
  assert_int_equal(bndl_dataset_num_reviews(ds), reviews);
  assert_int_equal(bndl_dataset_num_user_bundles(ds), ubs);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_USER), N_USERS);
  return ds;
}

/* ---- helpers */

static bndl_context *new_context(uint64_t seed) {
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = 1;
  d.seed = seed;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(&d, &ctx), BNDL_OK);
  return ctx;
}

static bndl_config *split_config(const char *method) {
  bndl_config *cfg;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "split.method", method), BNDL_OK);
  return cfg;
}

static int64_t user_index(const bndl_dataset *ds, int u) {
  char id[16];
  snprintf(id, sizeof id, "u%d", u);
  int64_t idx = -1;
  assert_int_equal(bndl_dataset_find(ds, BNDL_ENTITY_USER, id, &idx), BNDL_OK);
  return idx;
}

typedef struct events_view {
  const int32_t *items;
  const uint8_t *types;
  const int64_t *ts;
  int64_t n;
} events_view;

static events_view user_events(const bndl_dataset *ds, int64_t user) {
  events_view v;
  assert_int_equal(bndl_dataset_user_events(ds, user, &v.items, &v.types, &v.ts, &v.n), BNDL_OK);
  return v;
}

/* part holds exactly parent's events [lo, hi) of the user, in order. */
static void assert_slice(const events_view *parent, int64_t lo, int64_t hi, const events_view *part) {
  assert_int_equal(part->n, hi - lo);
  for (int64_t k = 0; k < hi - lo; k++) {
    assert_int_equal(part->items[k], parent->items[lo + k]);
    assert_int_equal(part->ts[k], parent->ts[lo + k]);
    assert_int_equal(part->types[k], parent->types[lo + k]);
  }
}

static float feature(const bndl_dataset *ds, bndl_entity e, int64_t row, const char *name) {
  const float *data;
  int64_t rows;
  int32_t cols;
  assert_int_equal(bndl_dataset_features(ds, e, &data, &rows, &cols), BNDL_OK);
  assert_true(row >= 0 && row < rows);
  for (int32_t c = 0; c < cols; c++)
    if (strcmp(bndl_dataset_feature_name(ds, e, c), name) == 0)
      return data[row * cols + c];
  fail_msg("no feature '%s'", name);
  return NAN;
}

static int64_t count_returns(const bndl_dataset *ds) {
  int64_t n = 0, users = bndl_dataset_count(ds, BNDL_ENTITY_USER);
  for (int64_t u = 0; u < users; u++) {
    events_view v = user_events(ds, u);
    for (int64_t k = 0; k < v.n; k++)
      n += v.types[k] == BNDL_EVENT_RETURN;
  }
  return n;
}

/* What every split must satisfy: finalized parts on the parent's ids, events adding up,
 * balanced reports, return accounting that matches the events. */
static void assert_split_invariants(const bndl_dataset *parent, bndl_dataset *const *parts, int n_parts) {
  int64_t events = 0, reviews = 0, ubs = 0, returns = 0;
  for (int p = 0; p < n_parts; p++) {
    const bndl_dataset *d = parts[p];
    assert_non_null(d);
    assert_true(bndl_dataset_is_finalized(d));
    for (int e = BNDL_ENTITY_USER; e <= BNDL_ENTITY_CATEGORY; e++) {
      int64_t n = bndl_dataset_count(parent, (bndl_entity)e);
      assert_int_equal(bndl_dataset_count(d, (bndl_entity)e), n);
      for (int64_t i = 0; i < n; i++) {
        const char *a, *b;
        assert_int_equal(bndl_dataset_external_id(parent, (bndl_entity)e, i, &a), BNDL_OK);
        assert_int_equal(bndl_dataset_external_id(d, (bndl_entity)e, i, &b), BNDL_OK);
        assert_string_equal(a, b);
      }
    }
    events += bndl_dataset_num_events(d);
    reviews += bndl_dataset_num_reviews(d);
    ubs += bndl_dataset_num_user_bundles(d);
    int64_t dropped = 0;
    for (int r = 1; r <= BNDL_DROP_REASON_COUNT; r++)
      dropped += bndl_dataset_rows_dropped(d, (bndl_drop_reason)r);
    assert_int_equal(bndl_dataset_rows_read(d), bndl_dataset_rows_kept(d) + dropped);
    /* a part's report counts the returns its events hold */
    int64_t held = count_returns(d);
    if (bndl_dataset_returns_kept(d) != held)
      fail_msg("part %d holds %lld return events but reports returns_kept=%lld", p, (long long)held,
               (long long)bndl_dataset_returns_kept(d));
    returns += held;
    /* the parts' interactions are over the parent's users and items */
    const int64_t *indptr;
    const int32_t *items;
    const float *w;
    assert_int_equal(bndl_dataset_interactions(d, &indptr, &items, &w), BNDL_OK);
    int64_t n_items = bndl_dataset_count(d, BNDL_ENTITY_ITEM);
    for (int64_t k = 0; k < indptr[bndl_dataset_count(d, BNDL_ENTITY_USER)]; k++)
      assert_true(items[k] >= 0 && items[k] < n_items);
  }
  assert_int_equal(events, bndl_dataset_num_events(parent));
  assert_int_equal(reviews, bndl_dataset_num_reviews(parent));
  assert_int_equal(ubs, bndl_dataset_num_user_bundles(parent));
  assert_int_equal(returns, count_returns(parent));
}

static void free_parts(bndl_dataset **parts, int n) {
  for (int p = 0; p < n; p++)
    bndl_dataset_free(parts[p]);
}

/* ---- leave_last_out */

static void check_leave_last_out(const bndl_dataset *ds, int holdout, int with_valid) {
  bndl_config *cfg = split_config("leave_last_out");
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SPLIT_HOLDOUT, holdout), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SPLIT_WITH_VALID, with_valid), BNDL_OK);
  bndl_dataset *parts[3] = {NULL, NULL, NULL}; /* train, valid, test */
  if (with_valid) {
    /* a validation part is held out: valid must be given */
    assert_int_equal(bndl_dataset_split(ds, cfg, &parts[0], NULL, &parts[2]), BNDL_ERR_INVALID_ARGUMENT);
    test_assert_error_contains("valid");
    assert_null(parts[0]);
    assert_null(parts[2]);
  }
  if (bndl_dataset_split(ds, cfg, &parts[0], &parts[1], &parts[2]) != BNDL_OK)
    fail_msg("split failed: %s", bndl_last_error_message());
  bndl_config_free(cfg);
  assert_split_invariants(ds, parts, 3);
  int need = with_valid ? 2 * holdout : holdout;
  int64_t want_test_ev = 0, want_valid_ev = 0, want_test_ub = 0, want_valid_ub = 0;
  int64_t want_rv[3] = {0, 0, 0};
  for (int u = 0; u < N_USERS; u++) {
    int n = n_events(u);
    int64_t idx = user_index(ds, u);
    events_view all = user_events(ds, idx), tr = user_events(parts[0], idx), va = user_events(parts[1], idx),
                te = user_events(parts[2], idx);
    assert_int_equal(all.n, n);
    int held = n > need; /* users with too few events stay wholly in train */
    int64_t test_lo = held ? n - holdout : n, valid_lo = held && with_valid ? n - 2 * holdout : test_lo;
    assert_slice(&all, 0, valid_lo, &tr);
    assert_slice(&all, valid_lo, test_lo, &va);
    assert_slice(&all, test_lo, n, &te);
    want_test_ev += n - test_lo;
    want_valid_ev += test_lo - valid_lo;
    /* no held-out event is earlier than a training event */
    for (int64_t a = 0; a < tr.n; a++) {
      for (int64_t b = 0; b < te.n; b++)
        assert_true(tr.ts[a] <= te.ts[b]);
      for (int64_t b = 0; b < va.n; b++)
        assert_true(tr.ts[a] <= va.ts[b]);
    }
    for (int64_t a = 0; a < va.n; a++)
      for (int64_t b = 0; b < te.n; b++)
        assert_true(va.ts[a] <= te.ts[b]);
    /* user-bundle rows: the same rule on the user's own rows */
    int m = n_user_bundles(u);
    if (m > need) {
      want_test_ub += holdout;
      want_valid_ub += with_valid ? holdout : 0;
    }
    /* reviews go where the event of the same (user, item) went: event k of the generator
     * sits at position k of the user's history (times rise with k; u3's tie keeps
     * arrival order) */
    int first_part = 0 >= test_lo ? 2 : 0 >= valid_lo ? 1 : 0;
    want_rv[first_part]++;
    if (n > 1) {
      int last_part = n - 1 >= test_lo ? 2 : n - 1 >= valid_lo ? 1 : 0;
      want_rv[last_part]++;
    }
  }
  assert_int_equal(bndl_dataset_num_events(parts[2]), want_test_ev);
  assert_int_equal(bndl_dataset_num_events(parts[1]), want_valid_ev);
  assert_true(want_test_ev > 0);
  assert_int_equal(bndl_dataset_num_user_bundles(parts[2]), want_test_ub);
  assert_int_equal(bndl_dataset_num_user_bundles(parts[1]), want_valid_ub);
  for (int p = 0; p < 3; p++)
    assert_int_equal(bndl_dataset_num_reviews(parts[p]), want_rv[p]);
  if (!with_valid) {
    assert_int_equal(bndl_dataset_num_events(parts[1]), 0);
    /* and valid may be NULL */
    bndl_dataset *tr = NULL, *te = NULL;
    cfg = split_config("leave_last_out");
    assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SPLIT_HOLDOUT, holdout), BNDL_OK);
    assert_int_equal(bndl_dataset_split(ds, cfg, &tr, NULL, &te), BNDL_OK);
    bndl_config_free(cfg);
    assert_int_equal(bndl_dataset_num_events(te), want_test_ev);
    assert_int_equal(bndl_dataset_num_events(tr), bndl_dataset_num_events(parts[0]));
    bndl_dataset_free(tr);
    bndl_dataset_free(te);
  }
  free_parts(parts, 3);
}

static void test_leave_last_out(void **state) {
  (void)state;
  bndl_context *ctx = new_context(3);
  bndl_dataset *ds = small_dataset(ctx);
  for (int holdout = 1; holdout <= 2; holdout++)
    for (int with_valid = 0; with_valid <= 1; with_valid++)
      check_leave_last_out(ds, holdout, with_valid);
  /* the default configuration (NULL) is leave_last_out, holdout 1, no valid */
  bndl_dataset *tr = NULL, *te = NULL;
  assert_int_equal(bndl_dataset_split(ds, NULL, &tr, NULL, &te), BNDL_OK);
  int64_t held = 0;
  for (int u = 0; u < N_USERS; u++)
    held += n_events(u) > 1;
  assert_int_equal(bndl_dataset_num_events(te), held);
  bndl_dataset_free(tr);
  bndl_dataset_free(te);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  test_tmp_cleanup();
}

/* ---- time */

static int time_part(int64_t ts, int64_t vcut, int64_t cut) { return ts >= cut ? 2 : vcut && ts >= vcut ? 1 : 0; }

static void check_time_split(const bndl_dataset *ds, int64_t vcut) {
  bndl_config *cfg = split_config("time");
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SPLIT_TIME_CUTOFF, CUT), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SPLIT_VALID_TIME_CUTOFF, vcut), BNDL_OK);
  bndl_dataset *parts[3] = {NULL, NULL, NULL};
  if (vcut) {
    assert_int_equal(bndl_dataset_split(ds, cfg, &parts[0], NULL, &parts[2]), BNDL_ERR_INVALID_ARGUMENT);
    assert_null(parts[0]);
  }
  if (bndl_dataset_split(ds, cfg, &parts[0], &parts[1], &parts[2]) != BNDL_OK)
    fail_msg("time split failed: %s", bndl_last_error_message());
  bndl_config_free(cfg);
  assert_split_invariants(ds, parts, 3);
  int64_t want_ev[3] = {0, 0, 0}, want_rv[3] = {0, 0, 0}, want_ub[3] = {0, 0, 0};
  for (int u = 0; u < N_USERS; u++) {
    for (int k = 0; k < n_events(u); k++)
      want_ev[time_part(event_ts(u, k), vcut, CUT)]++;
    want_rv[time_part(event_ts(u, 0) + 1, vcut, CUT)]++;
    if (n_events(u) > 1)
      want_rv[time_part(event_ts(u, n_events(u) - 1) + 1, vcut, CUT)]++;
    for (int j = 0; j < n_user_bundles(u); j++)
      want_ub[time_part(user_bundle_ts(u, j), vcut, CUT)]++;
  }
  for (int p = 0; p < 3; p++) {
    assert_int_equal(bndl_dataset_num_events(parts[p]), want_ev[p]);
    assert_int_equal(bndl_dataset_num_reviews(parts[p]), want_rv[p]);
    assert_int_equal(bndl_dataset_num_user_bundles(parts[p]), want_ub[p]);
  }
  assert_true(want_ev[0] > 0 && want_ev[2] > 0 && (!vcut || want_ev[1] > 0));
  /* every event lies on its side of the cuts */
  for (int64_t u = 0; u < bndl_dataset_count(ds, BNDL_ENTITY_USER); u++)
    for (int p = 0; p < 3; p++) {
      events_view v = user_events(parts[p], u);
      for (int64_t k = 0; k < v.n; k++) {
        if (p == 0)
          assert_true(v.ts[k] < (vcut ? vcut : CUT));
        if (p == 1)
          assert_true(v.ts[k] >= vcut && v.ts[k] < CUT);
        if (p == 2)
          assert_true(v.ts[k] >= CUT);
      }
    }
  /* features of a part come from the part's rows: u10 buys only after the cut, u11 only
   * before it (and before the validation cut) */
  int64_t late = user_index(ds, 10), early = user_index(ds, 11);
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, late, "purchases"), 3, 0);
  assert_float_equal(feature(parts[0], BNDL_ENTITY_USER, late, "purchases"), 0, 0);
  assert_float_equal(feature(parts[0], BNDL_ENTITY_USER, late, "events"), 0, 0);
  assert_true(isnan(feature(parts[0], BNDL_ENTITY_USER, late, "purchase_recency_days")));
  assert_float_equal(feature(parts[2], BNDL_ENTITY_USER, late, "purchases"), 3, 0);
  assert_float_equal(feature(parts[0], BNDL_ENTITY_USER, early, "purchases"), 3, 0);
  assert_float_equal(feature(parts[2], BNDL_ENTITY_USER, early, "purchases"), 0, 0);
  /* an item's sales in train count train events only */
  for (int64_t i = 0; i < bndl_dataset_count(ds, BNDL_ENTITY_ITEM); i++) {
    float total = feature(ds, BNDL_ENTITY_ITEM, i, "events"), sum = 0;
    for (int p = 0; p < 3; p++)
      sum += feature(parts[p], BNDL_ENTITY_ITEM, i, "events");
    assert_float_equal(sum, total, 0);
  }
  /* reviews count towards the part they fall in: u10's reviews are both after the cut */
  assert_float_equal(feature(parts[0], BNDL_ENTITY_USER, late, "reviews"), 0, 0);
  assert_float_equal(feature(parts[2], BNDL_ENTITY_USER, late, "reviews"), 2, 0);
  free_parts(parts, 3);
}

static void test_time_split(void **state) {
  (void)state;
  bndl_context *ctx = new_context(3);
  bndl_dataset *ds = small_dataset(ctx);
  check_time_split(ds, 0);
  check_time_split(ds, VCUT);
  /* a validation cut at or after the test cut is refused */
  bndl_config *cfg = split_config("time");
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SPLIT_TIME_CUTOFF, CUT), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SPLIT_VALID_TIME_CUTOFF, CUT), BNDL_OK);
  bndl_dataset *p[3] = {NULL, NULL, NULL};
  assert_int_equal(bndl_dataset_split(ds, cfg, &p[0], &p[1], &p[2]), BNDL_ERR_INVALID_ARGUMENT);
  assert_null(p[0]);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  test_tmp_cleanup();
}

/* ---- random */

static uint64_t part_digest(const bndl_dataset *d) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (int64_t u = 0; u < bndl_dataset_count(d, BNDL_ENTITY_USER); u++) {
    events_view v = user_events(d, u);
    for (int64_t k = 0; k < v.n; k++) {
      uint64_t x = ((uint64_t)u << 40) ^ ((uint64_t)(uint32_t)v.items[k] << 8) ^ (uint64_t)v.ts[k];
      h = (h ^ x) * 0x100000001B3ull;
    }
    h = (h ^ 0xFF) * 0x100000001B3ull;
  }
  return h;
}

static bndl_dataset *big_dataset(bndl_context *ctx) {
  enum { U = 500, PER = 20, N = U * PER };
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  int64_t *users = malloc(N * sizeof *users), *items = malloc(N * sizeof *items), *ts = malloc(N * sizeof *ts);
  assert_true(users && items && ts);
  for (int i = 0; i < N; i++) {
    users[i] = i / PER;
    items[i] = (i * 13) % 997;
    ts[i] = BASE + i;
  }
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  e.count = N;
  e.user_ids = users;
  e.item_ids = items;
  e.timestamps = ts;
  assert_int_equal(bndl_dataset_add_events(ds, &e), BNDL_OK);
  free(users);
  free(items);
  free(ts);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_dataset_num_events(ds), N);
  return ds;
}

/* Digests of the three parts of a random split; seed < 0 leaves split.seed unset. */
static void random_split(const bndl_dataset *ds, int64_t seed, uint64_t digest[3], int64_t sizes[3]) {
  bndl_config *cfg = split_config("random");
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO, 0.2), BNDL_OK);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_SPLIT_VALID_RATIO, 0.1), BNDL_OK);
  if (seed >= 0)
    assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SPLIT_SEED, seed), BNDL_OK);
  bndl_dataset *parts[3] = {NULL, NULL, NULL};
  if (bndl_dataset_split(ds, cfg, &parts[0], &parts[1], &parts[2]) != BNDL_OK)
    fail_msg("random split failed: %s", bndl_last_error_message());
  assert_split_invariants(ds, parts, 3);
  for (int p = 0; p < 3; p++) {
    digest[p] = part_digest(parts[p]);
    sizes[p] = bndl_dataset_num_events(parts[p]);
  }
  /* a validation share needs valid */
  bndl_dataset *tr = NULL, *te = NULL;
  assert_int_equal(bndl_dataset_split(ds, cfg, &tr, NULL, &te), BNDL_ERR_INVALID_ARGUMENT);
  assert_null(tr);
  bndl_config_free(cfg);
  free_parts(parts, 3);
}

static void test_random_split(void **state) {
  (void)state;
  bndl_context *ctx = new_context(99);
  bndl_dataset *ds = big_dataset(ctx);
  uint64_t a[3], b[3], c[3], d[3];
  int64_t sa[3], sb[3], sc[3], sd[3];
  random_split(ds, 1234, a, sa);
  random_split(ds, 1234, b, sb);
  random_split(ds, 4321, c, sc);
  assert_memory_equal(a, b, sizeof a);
  assert_memory_equal(sa, sb, sizeof sa);
  assert_true(a[0] != c[0] && a[2] != c[2]);
  /* ratios: binomial, 5 sigma */
  double n = (double)bndl_dataset_num_events(ds);
  const int64_t *sizes[2] = {sa, sc};
  for (int s = 0; s < 2; s++) {
    assert_true(fabs((double)sizes[s][2] - 0.2 * n) < 5 * sqrt(n * 0.2 * 0.8));
    assert_true(fabs((double)sizes[s][1] - 0.1 * n) < 5 * sqrt(n * 0.1 * 0.9));
  }
  /* without split.seed the context seed decides */
  assert_int_equal(bndl_context_set_seed(ctx, 1234), BNDL_OK);
  random_split(ds, -1, d, sd);
  assert_memory_equal(a, d, sizeof a);
  assert_int_equal(bndl_context_set_seed(ctx, 77), BNDL_OK);
  random_split(ds, -1, d, sd);
  assert_true(memcmp(a, d, sizeof a) != 0);
  /* ratios summing past 1 are refused */
  bndl_config *cfg = split_config("random");
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO, 0.7), BNDL_OK);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_SPLIT_VALID_RATIO, 0.5), BNDL_OK);
  bndl_dataset *p[3] = {NULL, NULL, NULL};
  assert_int_equal(bndl_dataset_split(ds, cfg, &p[0], &p[1], &p[2]), BNDL_ERR_INVALID_ARGUMENT);
  bndl_config_free(cfg);
  /* a split of an unfinalized dataset is a state error */
  bndl_dataset *raw;
  assert_int_equal(bndl_dataset_create(ctx, &raw), BNDL_OK);
  assert_int_equal(bndl_dataset_split(raw, NULL, &p[0], NULL, &p[2]), BNDL_ERR_STATE);
  bndl_dataset_free(raw);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- fixed */

static void test_fixed_split_small(void **state) {
  (void)state;
  bndl_context *ctx = new_context(3);
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  /* three files of user-item pairs tagged train / valid / test, one untagged */
  static const char *const files[4] = {"a\t1\na\t2\nb\t1\n", "a\t3\n", "b\t2\nb\t3\n", "c\t9\n"};
  static const bndl_split_part tags[4] = {BNDL_PART_TRAIN, BNDL_PART_VALID, BNDL_PART_TEST, BNDL_PART_NONE};
  for (int f = 0; f < 4; f++) {
    bndl_table_spec *spec;
    assert_int_equal(bndl_table_spec_preset("youshu_user_item", &spec), BNDL_OK);
    assert_int_equal(bndl_table_spec_set_split_part(spec, tags[f]), BNDL_OK);
    char *path = test_write_tmp(".txt", files[f], strlen(files[f]));
    assert_int_equal(bndl_dataset_load_table(ds, path, spec), BNDL_OK);
    bndl_table_spec_free(spec);
  }
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  bndl_config *cfg = split_config("fixed");
  bndl_dataset *parts[3] = {NULL, NULL, NULL};
  assert_int_equal(bndl_dataset_split(ds, cfg, &parts[0], NULL, &parts[2]), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("valid");
  assert_null(parts[0]);
  assert_int_equal(bndl_dataset_split(ds, cfg, &parts[0], &parts[1], &parts[2]), BNDL_OK);
  assert_split_invariants(ds, parts, 3);
  assert_int_equal(bndl_dataset_num_events(parts[0]), 3 + 1); /* untagged rows train */
  assert_int_equal(bndl_dataset_num_events(parts[1]), 1);
  assert_int_equal(bndl_dataset_num_events(parts[2]), 2);
  int64_t b = -1;
  assert_int_equal(bndl_dataset_find(ds, BNDL_ENTITY_USER, "b", &b), BNDL_OK);
  events_view v = user_events(parts[2], b);
  assert_int_equal(v.n, 2);
  free_parts(parts, 3);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  test_tmp_cleanup();
}

static void test_fixed_split_youshu(void **state) {
  (void)state;
  static const char *const files[5] = {"youshu/user_item.txt", "youshu/bundle_item.txt",
                                       "youshu/user_bundle_train.txt", "youshu/user_bundle_tune.txt",
                                       "youshu/user_bundle_test.txt"};
  static const char *const presets[5] = {"youshu_user_item", "youshu_bundle_item", "youshu_user_bundle_train",
                                         "youshu_user_bundle_tune", "youshu_user_bundle_test"};
  const char *paths[5];
  for (int f = 0; f < 5; f++) {
    const char *p = test_shared_path(files[f]);
    if (p == NULL) {
      for (int k = 0; k < f; k++)
        free((char *)paths[k]);
      skip();
    }
    paths[f] = strdup(p);
  }
  bndl_context *ctx = new_context(3);
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  for (int f = 0; f < 5; f++) {
    bndl_table_spec *spec;
    assert_int_equal(bndl_table_spec_preset(presets[f], &spec), BNDL_OK);
    if (bndl_dataset_load_table(ds, paths[f], spec) != BNDL_OK)
      fail_msg("%s", bndl_last_error_message());
    bndl_table_spec_free(spec);
    free((char *)paths[f]);
  }
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  /* SOURCE.md: 34,416 + 5,189 + 9,746 user-bundle rows, 138,515 user-item rows */
  assert_int_equal(bndl_dataset_num_user_bundles(ds), 34416 + 5189 + 9746);
  bndl_config *cfg = split_config("fixed");
  bndl_dataset *parts[3] = {NULL, NULL, NULL};
  assert_int_equal(bndl_dataset_split(ds, cfg, &parts[0], NULL, &parts[2]), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("valid");
  assert_null(parts[0]);
  assert_null(parts[2]);
  if (bndl_dataset_split(ds, cfg, &parts[0], &parts[1], &parts[2]) != BNDL_OK)
    fail_msg("%s", bndl_last_error_message());
  bndl_config_free(cfg);
  assert_split_invariants(ds, parts, 3);
  assert_int_equal(bndl_dataset_num_user_bundles(parts[0]), 34416);
  assert_int_equal(bndl_dataset_num_user_bundles(parts[1]), 5189);
  assert_int_equal(bndl_dataset_num_user_bundles(parts[2]), 9746);
  /* user-item rows carry no tag: all train */
  assert_int_equal(bndl_dataset_num_events(parts[0]), 138515);
  assert_int_equal(bndl_dataset_num_events(parts[1]), 0);
  assert_int_equal(bndl_dataset_num_events(parts[2]), 0);
  /* bundle membership is shared by every part */
  for (int p = 0; p < 3; p++) {
    const int64_t *indptr;
    const int32_t *items;
    assert_int_equal(bndl_dataset_bundles(parts[p], &indptr, &items), BNDL_OK);
    assert_int_equal(indptr[bndl_dataset_count(parts[p], BNDL_ENTITY_BUNDLE)], 176667);
  }
  free_parts(parts, 3);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_leave_last_out),
      cmocka_unit_test(test_time_split),
      cmocka_unit_test(test_random_split),
      cmocka_unit_test(test_fixed_split_small),
      cmocka_unit_test(test_fixed_split_youshu),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
