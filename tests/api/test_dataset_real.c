/*
 * test_dataset_real.c - every real dataset in ../shared/data loaded with its preset,
 * through bundle.h and libbundle.so only.
 *
 * Expected numbers come from two places and nowhere else:
 *  - the folder's SOURCE.md (rows, users, items, bundles, categories, quirks), cited
 *    next to each constant;
 *  - a second, deliberately simple parse of the same file in this test (its own CSV
 *    reader over zlib, its own hash set), which applies the documented cleaning rules
 *    (drop rows without a customer, zero or negative price, exact duplicates; "C"
 *    invoices are returns) and derives what SOURCE.md does not state: rows surviving
 *    each rule, users and items in order of first appearance, per-user purchase and
 *    return counts, per-item quantities sold and returned, Superstore revenue.
 * The parse is checked against SOURCE.md too (row, customer and cancellation counts), so
 * a broken parser fails before it can vouch for the library.
 *
 * For every dataset: rows read = kept + sum of drops, before and after finalize, and
 * kept rows are exactly the rows the dataset holds. Missing data skips (or fails with
 * BNDL_REQUIRE_SHARED_DATA). Labels: data, slow.
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

#if TEST_HAVE_ZLIB
#  include <zlib.h>
#endif

/* ---- library side helpers */

static bndl_context *ctx;

static int setup(void **state) {
  (void)state;
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = 2;
  d.seed = 5;
  return bndl_context_create(&d, &ctx) == BNDL_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  bndl_context_free(ctx);
  return 0;
}

static int64_t sum_of_drops(const bndl_dataset *ds) {
  int64_t n = 0;
  for (int r = 1; r <= BNDL_DROP_REASON_COUNT; r++)
    n += bndl_dataset_rows_dropped(ds, (bndl_drop_reason)r);
  return n;
}

static void assert_balanced(const bndl_dataset *ds) {
  int64_t read = bndl_dataset_rows_read(ds), kept = bndl_dataset_rows_kept(ds), dropped = sum_of_drops(ds);
  if (read != kept + dropped)
    fail_msg("rows read %lld != kept %lld + dropped %lld", (long long)read, (long long)kept, (long long)dropped);
}

/* Rows the finalized dataset holds, to compare with rows_kept. */
static int64_t rows_held(const bndl_dataset *ds) {
  const int64_t *indptr;
  const int32_t *items;
  assert_int_equal(bndl_dataset_bundles(ds, &indptr, &items), BNDL_OK);
  return bndl_dataset_num_events(ds) + bndl_dataset_num_reviews(ds) + bndl_dataset_num_user_bundles(ds) +
         indptr[bndl_dataset_count(ds, BNDL_ENTITY_BUNDLE)];
}

/* Loads files[] with presets[], checking each file's rows read (expected_rows[i] >= 0)
 * and the balance after every load, then finalizes. NULL if the data is missing. */
static bndl_dataset *load(int n, const char *const *files, const char *const *presets,
                          const int64_t *expected_rows) {
  const char *paths[8];
  for (int i = 0; i < n; i++) {
    const char *p = test_shared_path(files[i]);
    if (p == NULL) {
      for (int k = 0; k < i; k++)
        free((char *)paths[k]);
      return NULL;
    }
    paths[i] = strdup(p);
  }
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  int64_t before = 0;
  for (int i = 0; i < n; i++) {
    bndl_table_spec *spec;
    assert_int_equal(bndl_table_spec_preset(presets[i], &spec), BNDL_OK);
    if (bndl_dataset_load_table(ds, paths[i], spec) != BNDL_OK)
      fail_msg("loading %s: %s", paths[i], bndl_last_error_message());
    bndl_table_spec_free(spec);
    int64_t read = bndl_dataset_rows_read(ds) - before;
    if (expected_rows && expected_rows[i] >= 0 && read != expected_rows[i])
      fail_msg("%s: %lld rows read, SOURCE.md says %lld", files[i], (long long)read, (long long)expected_rows[i]);
    before += read;
    assert_balanced(ds);
    free((char *)paths[i]);
  }
  int64_t read = bndl_dataset_rows_read(ds), dropped_at_load = sum_of_drops(ds);
  if (bndl_dataset_finalize(ds) != BNDL_OK)
    fail_msg("finalize: %s", bndl_last_error_message());
  /* finalize moves rows from kept to dropped, never changes what was read */
  assert_int_equal(bndl_dataset_rows_read(ds), read);
  assert_true(sum_of_drops(ds) >= dropped_at_load);
  assert_balanced(ds);
  assert_int_equal(bndl_dataset_rows_kept(ds), rows_held(ds));
  return ds;
}

static int32_t feature_column(const bndl_dataset *ds, bndl_entity e, const char *name) {
  for (int32_t c = 0;; c++) {
    const char *n = bndl_dataset_feature_name(ds, e, c);
    if (n == NULL)
      fail_msg("no feature '%s'", name);
    if (strcmp(n, name) == 0)
      return c;
  }
}

/* Sum of a feature column over all rows (NaN rows skipped). */
static double feature_sum(const bndl_dataset *ds, bndl_entity e, const char *name) {
  const float *f;
  int64_t rows;
  int32_t cols;
  assert_int_equal(bndl_dataset_features(ds, e, &f, &rows, &cols), BNDL_OK);
  int32_t c = feature_column(ds, e, name);
  double s = 0;
  for (int64_t r = 0; r < rows; r++)
    if (!isnan(f[r * cols + c]))
      s += f[r * cols + c];
  return s;
}

static int64_t count_event_type(const bndl_dataset *ds, int type) {
  int64_t n = 0;
  for (int64_t u = 0; u < bndl_dataset_count(ds, BNDL_ENTITY_USER); u++) {
    const int32_t *items;
    const uint8_t *types;
    int64_t k;
    assert_int_equal(bndl_dataset_user_events(ds, u, &items, &types, NULL, &k), BNDL_OK);
    for (int64_t i = 0; i < k; i++)
      n += types[i] == type;
  }
  return n;
}

/* ---- the test's own reading of the files: whole file into memory, RFC 4180 records */

typedef struct text_file {
  char *data;
  size_t len, pos;
  char *scratch; /* unescaped fields of the current record, NUL-separated */
  size_t scratch_cap;
} text_file;

static int read_whole(const char *path, text_file *t) {
  memset(t, 0, sizeof *t);
#if TEST_HAVE_ZLIB
  gzFile f = gzopen(path, "rb"); /* reads plain files as they are */
  if (f == NULL)
    return 0;
  size_t cap = 1 << 20;
  t->data = malloc(cap);
  for (;;) {
    if (cap - t->len < (1 << 16)) {
      cap *= 2;
      t->data = realloc(t->data, cap);
    }
    assert_non_null(t->data);
    int n = gzread(f, t->data + t->len, (unsigned)(cap - t->len - 1));
    assert_true(n >= 0);
    if (n == 0)
      break;
    t->len += (size_t)n;
  }
  gzclose(f);
#else
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  t->data = malloc((size_t)size + 1);
  assert_non_null(t->data);
  t->len = fread(t->data, 1, (size_t)size, f);
  fclose(f);
#endif
  t->data[t->len] = '\0';
  if (t->len >= 3 && memcmp(t->data, "\xEF\xBB\xBF", 3) == 0)
    t->pos = 3;
  t->scratch_cap = 1 << 16;
  t->scratch = malloc(t->scratch_cap);
  assert_non_null(t->scratch);
  return 1;
}

static void close_text(text_file *t) {
  free(t->data);
  free(t->scratch);
}

/* Next record split on `delim`; fields[] point into scratch. Returns the field count,
 * 0 at the end. Quoted fields may hold delimiters, "" and line breaks. */
static int next_record(text_file *t, char delim, char **fields, int max_fields) {
  if (t->pos >= t->len)
    return 0;
  size_t w = 0;
  int n = 0;
  fields[n++] = t->scratch;
  int quoted = 0;
  for (;;) {
    if (w + 8 > t->scratch_cap)
      fail_msg("record longer than %zu bytes", t->scratch_cap);
    if (t->pos >= t->len)
      break;
    char c = t->data[t->pos++];
    if (quoted) {
      if (c == '"' && t->data[t->pos] == '"') {
        t->scratch[w++] = '"';
        t->pos++;
      } else if (c == '"') {
        quoted = 0;
      } else {
        t->scratch[w++] = c;
      }
    } else if (c == '"') {
      quoted = 1;
    } else if (c == delim) {
      t->scratch[w++] = '\0';
      assert_true(n < max_fields);
      fields[n++] = t->scratch + w;
    } else if (c == '\n') {
      break;
    } else if (c == '\r' && t->data[t->pos] == '\n') {
      continue;
    } else {
      t->scratch[w++] = c;
    }
  }
  t->scratch[w] = '\0';
  return n;
}

static int column(char **header, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(header[i], name) == 0)
      return i;
  fail_msg("column '%s' missing", name);
  return -1;
}

/* ---- a string set that numbers its members in order of insertion */

typedef struct string_set {
  char **names;
  uint64_t *hashes;
  int32_t *slots; /* index + 1, 0 = empty */
  size_t n_slots;
  int32_t count, cap;
} string_set;

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 0x100000001B3ull;
  return h;
}

static void set_init(string_set *s, size_t expected) {
  memset(s, 0, sizeof *s);
  s->n_slots = 64;
  while (s->n_slots < 2 * expected)
    s->n_slots *= 2;
  s->slots = calloc(s->n_slots, sizeof *s->slots);
  s->hashes = calloc(s->n_slots, sizeof *s->hashes);
  s->cap = 1024;
  s->names = malloc((size_t)s->cap * sizeof *s->names);
  assert_true(s->slots && s->hashes && s->names);
}

static void set_free(string_set *s) {
  for (int32_t i = 0; i < s->count; i++)
    free(s->names[i]);
  free(s->names);
  free(s->slots);
  free(s->hashes);
}

/* Index of key (n bytes), inserting it if `insert`; -1 if absent. *added says which. */
static int32_t set_find(string_set *s, const char *key, size_t n, int insert, int *added) {
  uint64_t h = fnv1a(key, n);
  size_t j = (size_t)h & (s->n_slots - 1);
  if (added)
    *added = 0;
  for (; s->slots[j]; j = (j + 1) & (s->n_slots - 1)) {
    int32_t i = s->slots[j] - 1;
    if (s->hashes[j] == h && memcmp(s->names[i], key, n) == 0 && s->names[i][n] == '\0')
      return i;
  }
  if (!insert)
    return -1;
  assert_true((size_t)s->count * 2 < s->n_slots);
  if (s->count == s->cap) {
    s->cap *= 2;
    s->names = realloc(s->names, (size_t)s->cap * sizeof *s->names);
    assert_non_null(s->names);
  }
  char *copy = malloc(n + 1);
  assert_non_null(copy);
  memcpy(copy, key, n);
  copy[n] = '\0';
  s->names[s->count] = copy;
  s->slots[j] = s->count + 1;
  s->hashes[j] = h;
  if (added)
    *added = 1;
  return s->count++;
}

/* The dataset numbers entity e exactly like the set (dense index = order of first
 * appearance) and has no other ids. */
static void assert_same_ids(const bndl_dataset *ds, bndl_entity e, const string_set *s, const char *what) {
  if (bndl_dataset_count(ds, e) != s->count)
    fail_msg("%s: the dataset has %lld, the test's parse finds %d", what, (long long)bndl_dataset_count(ds, e),
             s->count);
  for (int32_t i = 0; i < s->count; i++) {
    const char *ext;
    assert_int_equal(bndl_dataset_external_id(ds, e, i, &ext), BNDL_OK);
    if (strcmp(ext, s->names[i]) != 0)
      fail_msg("%s %d: dataset '%s', parse '%s'", what, i, ext, s->names[i]);
  }
}

/* ---- Online Retail (I and II): the test's own cleaning */

typedef struct retail_columns {
  const char *invoice, *stock_code, *quantity, *date, *price, *customer;
} retail_columns;

typedef struct retail_truth {
  int64_t rows, no_customer, cancellations, bad_quantity, bad_price, duplicates, kept, returns_kept;
  string_set customers; /* every customer of the file, kept rows or not */
  string_set users, items;
  int64_t *user_purchases, *user_returns; /* by the set's index */
  double *item_qty_sold, *item_qty_returned;
} retail_truth;

static void retail_parse(const char *path, const retail_columns *cols, retail_truth *t) {
  memset(t, 0, sizeof *t);
  text_file f;
  assert_true(read_whole(path, &f));
  char *fields[64];
  int nh = next_record(&f, ',', fields, 64);
  char *header[64];
  for (int i = 0; i < nh; i++)
    header[i] = strdup(fields[i]);
  int c_inv = column(header, nh, cols->invoice), c_code = column(header, nh, cols->stock_code);
  int c_qty = column(header, nh, cols->quantity), c_date = column(header, nh, cols->date);
  int c_price = column(header, nh, cols->price), c_cust = column(header, nh, cols->customer);
  for (int i = 0; i < nh; i++)
    free(header[i]);
  set_init(&t->customers, 8192);
  set_init(&t->users, 8192);
  set_init(&t->items, 8192);
  string_set seen; /* exact-duplicate keys of rows past the row checks */
  set_init(&seen, 600000);
  size_t cap = 16384;
  t->user_purchases = calloc(cap, sizeof(int64_t));
  t->user_returns = calloc(cap, sizeof(int64_t));
  t->item_qty_sold = calloc(cap, sizeof(double));
  t->item_qty_returned = calloc(cap, sizeof(double));
  assert_true(t->user_purchases && t->user_returns && t->item_qty_sold && t->item_qty_returned);
  int n;
  while ((n = next_record(&f, ',', fields, 64)) > 0) {
    assert_int_equal(n, nh);
    t->rows++;
    int is_return = fields[c_inv][0] == 'C';
    t->cancellations += is_return;
    if (fields[c_cust][0] == '\0') {
      t->no_customer++;
      continue;
    }
    set_find(&t->customers, fields[c_cust], strlen(fields[c_cust]), 1, NULL);
    double qty = strtod(fields[c_qty], NULL), price = strtod(fields[c_price], NULL);
    if (qty == 0 || (qty < 0 && !is_return)) {
      t->bad_quantity++;
      continue;
    }
    if (!(price > 0)) {
      t->bad_price++;
      continue;
    }
    int32_t u = set_find(&t->users, fields[c_cust], strlen(fields[c_cust]), 1, NULL);
    int32_t i = set_find(&t->items, fields[c_code], strlen(fields[c_code]), 1, NULL);
    assert_true((size_t)u < cap && (size_t)i < cap);
    /* an exact duplicate: same customer, item, time, kind, invoice, quantity, price */
    char key[512];
    double aq = fabs(qty);
    int kn = snprintf(key, sizeof key, "%s\x1f%s\x1f%s\x1f%d\x1f%s\x1f", fields[c_cust], fields[c_code],
                      fields[c_date], is_return, fields[c_inv]);
    assert_true(kn > 0 && (size_t)kn + 16 < sizeof key);
    memcpy(key + kn, &aq, 8);
    memcpy(key + kn + 8, &price, 8);
    /* doubles may hold NUL bytes: hash them as hex instead */
    char hex[33];
    for (int b = 0; b < 16; b++)
      snprintf(hex + 2 * b, 3, "%02x", (unsigned char)key[kn + b]);
    memcpy(key + kn, hex, 33);
    int added;
    set_find(&seen, key, strlen(key), 1, &added);
    if (!added) {
      t->duplicates++;
      continue;
    }
    t->kept++;
    if (is_return) {
      t->returns_kept++;
      t->user_returns[u]++;
      t->item_qty_returned[i] += aq;
    } else {
      t->user_purchases[u]++;
      t->item_qty_sold[i] += qty;
    }
  }
  set_free(&seen);
  close_text(&f);
}

static void retail_free(retail_truth *t) {
  set_free(&t->customers);
  set_free(&t->users);
  set_free(&t->items);
  free(t->user_purchases);
  free(t->user_returns);
  free(t->item_qty_sold);
  free(t->item_qty_returned);
}

/* The dataset against SOURCE.md (rows, rows without a customer, cancellation rows) and
 * against the test's parse (everything that follows from the rules). */
static void check_retail(const char *file, const char *preset, const retail_columns *cols, int64_t source_rows,
                         int64_t source_no_customer, int64_t source_cancellations, int64_t source_customers) {
#if !TEST_HAVE_ZLIB
  (void)file, (void)preset, (void)cols, (void)source_rows, (void)source_no_customer, (void)source_cancellations,
      (void)source_customers;
  skip(); /* .gz needs zlib, in the library and in this test */
#else
  const char *path = test_shared_path(file);
  if (path == NULL)
    skip();
  retail_truth t;
  retail_parse(path, cols, &t);
  /* the parse agrees with SOURCE.md before it is trusted */
  assert_int_equal(t.rows, source_rows);
  assert_int_equal(t.no_customer, source_no_customer);
  assert_int_equal(t.cancellations, source_cancellations);
  assert_int_equal(t.customers.count, source_customers);
  /* customers all of whose rows fail a row check are no users of the dataset */
  assert_true(t.users.count <= source_customers);

  const char *files[1] = {file}, *presets[1] = {preset};
  const int64_t rows[1] = {source_rows};
  bndl_dataset *ds = load(1, files, presets, rows);
  assert_non_null(ds);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_MISSING_FIELD), source_no_customer);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_QUANTITY), t.bad_quantity);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_PRICE), t.bad_price);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_DUPLICATE), t.duplicates);
  assert_int_equal(sum_of_drops(ds), source_no_customer + t.bad_quantity + t.bad_price + t.duplicates);
  assert_int_equal(bndl_dataset_num_events(ds), t.kept);
  assert_int_equal(bndl_dataset_rows_kept(ds), t.kept);
  /* users: the customers of rows that passed the row checks, in order of first row */
  assert_same_ids(ds, BNDL_ENTITY_USER, &t.users, "users");
  assert_same_ids(ds, BNDL_ENTITY_ITEM, &t.items, "items");
  /* cancellations surviving every check are the kept returns, in events and report */
  assert_int_equal(count_event_type(ds, BNDL_EVENT_RETURN), t.returns_kept);
  if (bndl_dataset_returns_kept(ds) != t.returns_kept)
    fail_msg("returns_kept() = %lld, but %lld cancellation rows survive cleaning (and the dataset holds %lld "
             "return events)",
             (long long)bndl_dataset_returns_kept(ds), (long long)t.returns_kept,
             (long long)count_event_type(ds, BNDL_EVENT_RETURN));
  /* features of every user and item against the parse */
  const float *uf, *itf;
  int64_t urows, irows;
  int32_t ucols, icols;
  assert_int_equal(bndl_dataset_features(ds, BNDL_ENTITY_USER, &uf, &urows, &ucols), BNDL_OK);
  assert_int_equal(bndl_dataset_features(ds, BNDL_ENTITY_ITEM, &itf, &irows, &icols), BNDL_OK);
  assert_int_equal(urows, t.users.count);
  assert_int_equal(irows, t.items.count);
  int32_t c_purch = feature_column(ds, BNDL_ENTITY_USER, "purchases");
  int32_t c_ret = feature_column(ds, BNDL_ENTITY_USER, "returns");
  int32_t c_sold = feature_column(ds, BNDL_ENTITY_ITEM, "quantity_sold");
  int32_t c_back = feature_column(ds, BNDL_ENTITY_ITEM, "quantity_returned");
  for (int32_t u = 0; u < t.users.count; u++) {
    if (uf[u * ucols + c_purch] != (float)t.user_purchases[u] || uf[u * ucols + c_ret] != (float)t.user_returns[u])
      fail_msg("user %s: purchases %g returns %g, the parse says %lld and %lld", t.users.names[u],
               (double)uf[u * ucols + c_purch], (double)uf[u * ucols + c_ret], (long long)t.user_purchases[u],
               (long long)t.user_returns[u]);
  }
  for (int32_t i = 0; i < t.items.count; i++) {
    /* whole quantities below 2^24 add exactly in float */
    assert_true(t.item_qty_sold[i] < 16777216.0 && t.item_qty_returned[i] < 16777216.0);
    if (itf[i * icols + c_sold] != (float)t.item_qty_sold[i] ||
        itf[i * icols + c_back] != (float)t.item_qty_returned[i])
      fail_msg("item %s: quantity_sold %g returned %g, the parse says %g and %g", t.items.names[i],
               (double)itf[i * icols + c_sold], (double)itf[i * icols + c_back], t.item_qty_sold[i],
               t.item_qty_returned[i]);
  }
  bndl_dataset_free(ds);
  retail_free(&t);
#endif
}

static void test_online_retail(void **state) {
  (void)state;
  /* SOURCE.md: 541,909 rows; 135,080 without CustomerID; 9,288 cancellation rows;
   * 4,372 customers in the file */
  static const retail_columns cols = {"InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice",
                                      "CustomerID"};
  check_retail("online_retail/online_retail.csv.gz", "online_retail", &cols, 541909, 135080, 9288, 4372);
}

static void test_online_retail_ii(void **state) {
  (void)state;
  /* SOURCE.md: 525,461 rows; 107,927 without Customer ID; 10,206 cancellation rows;
   * 4,383 customers */
  static const retail_columns cols = {"Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID"};
  check_retail("online_retail/online_retail_II_2009_2010.csv.gz", "online_retail_ii", &cols, 525461, 107927, 10206,
               4383);
}

/* ---- Youshu */

static void test_youshu(void **state) {
  (void)state;
  static const char *const files[5] = {"youshu/user_item.txt", "youshu/bundle_item.txt",
                                       "youshu/user_bundle_train.txt", "youshu/user_bundle_tune.txt",
                                       "youshu/user_bundle_test.txt"};
  static const char *const presets[5] = {"youshu_user_item", "youshu_bundle_item", "youshu_user_bundle_train",
                                         "youshu_user_bundle_tune", "youshu_user_bundle_test"};
  /* SOURCE.md: rows per file */
  static const int64_t rows[5] = {138515, 176667, 34416, 5189, 9746};
  bndl_dataset *ds = load(5, files, presets, rows);
  if (ds == NULL)
    skip();
  /* SOURCE.md: no duplicate pairs in any file; 4,771 bundles, all with items; mean
   * bundle size 37.03 */
  assert_int_equal(sum_of_drops(ds), 0);
  assert_int_equal(bndl_dataset_num_events(ds), 138515);
  assert_int_equal(bndl_dataset_num_user_bundles(ds), 34416 + 5189 + 9746);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_BUNDLE), 4771);
  const int64_t *indptr;
  const int32_t *members;
  assert_int_equal(bndl_dataset_bundles(ds, &indptr, &members), BNDL_OK);
  assert_int_equal(indptr[4771], 176667);
  int64_t empty = 0;
  for (int b = 0; b < 4771; b++)
    empty += indptr[b + 1] == indptr[b];
  assert_int_equal(empty, 0);
  assert_float_equal((double)indptr[4771] / 4771.0, 37.03, 0.005);
  /* users and items: the test's own pass over the id pairs (users of U-I and U-B rows,
   * items of U-I and B-I rows, in order of first appearance); SOURCE.md bounds them by
   * Youshu_data_size.txt (8039 users, 32770 items) */
  string_set users, items;
  set_init(&users, 10000);
  set_init(&items, 40000);
  static const int user_col[5] = {0, -1, 0, 0, 0}, item_col[5] = {1, 1, -1, -1, -1};
  for (int f = 0; f < 5; f++) {
    text_file t;
    assert_true(read_whole(test_shared_path(files[f]), &t));
    char *fields[4];
    int n;
    while ((n = next_record(&t, '\t', fields, 4)) > 0) {
      assert_int_equal(n, 2);
      if (user_col[f] >= 0)
        set_find(&users, fields[user_col[f]], strlen(fields[user_col[f]]), 1, NULL);
      if (item_col[f] >= 0)
        set_find(&items, fields[item_col[f]], strlen(fields[item_col[f]]), 1, NULL);
    }
    close_text(&t);
  }
  assert_true(users.count <= 8039 && items.count <= 32770);
  assert_same_ids(ds, BNDL_ENTITY_USER, &users, "users");
  assert_same_ids(ds, BNDL_ENTITY_ITEM, &items, "items");
  set_free(&users);
  set_free(&items);
  bndl_dataset_free(ds);
}

/* ---- Ta-Feng */

static void test_tafeng_merged(void **state) {
  (void)state;
  static const char *const files[1] = {"tafeng_nbr/tafeng_merged.json"};
  static const char *const presets[1] = {"tafeng_baskets"};
  /* SOURCE.md: 571,933 (user, basket, item) entries, 13,858 users, 11,997 items,
   * 91,227 baskets */
  static const int64_t rows[1] = {571933};
  bndl_dataset *ds = load(1, files, presets, rows);
  if (ds == NULL)
    skip();
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_USER), 13858);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_ITEM), 11997);
  /* every basket is one order of one user */
  assert_float_equal(feature_sum(ds, BNDL_ENTITY_USER, "orders"), 91227, 0);
  /* mean 6.58 baskets per user */
  assert_float_equal(91227.0 / 13858.0, 6.58, 0.005);
  bndl_dataset_free(ds);
}

static void test_tafeng_future_csv(void **state) {
  (void)state;
  static const char *const files[1] = {"tafeng_nbr/tafeng_future.csv"};
  static const char *const presets[1] = {"tafeng_future_csv"};
  static const int64_t rows[1] = {91322}; /* SOURCE.md */
  bndl_dataset *ds = load(1, files, presets, rows);
  if (ds == NULL)
    skip();
  /* the future baskets of the same 13,858 users */
  assert_true(bndl_dataset_count(ds, BNDL_ENTITY_USER) <= 13858);
  assert_true(bndl_dataset_count(ds, BNDL_ENTITY_ITEM) <= 11997);
  bndl_dataset_free(ds);
}

/* ---- Amazon sequences */

static void check_sequences(const char *file, const char *preset, int64_t n_rows, int64_t n_users, int64_t n_items,
                            int64_t min_length) {
  const char *files[1] = {file}, *presets[1] = {preset};
  const int64_t rows[1] = {n_rows};
  bndl_dataset *ds = load(1, files, presets, rows);
  if (ds == NULL)
    skip();
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_USER), n_users);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_ITEM), n_items);
  assert_int_equal(bndl_dataset_num_events(ds), n_rows);
  int64_t shortest = INT64_MAX;
  for (int64_t u = 0; u < n_users; u++) {
    const int32_t *items;
    int64_t k;
    assert_int_equal(bndl_dataset_user_events(ds, u, &items, NULL, NULL, &k), BNDL_OK);
    if (k < shortest)
      shortest = k;
  }
  assert_true(shortest >= min_length);
  bndl_dataset_free(ds);
}

static void test_beauty_sequences(void **state) {
  (void)state;
  /* SOURCE.md: 198,502 interactions, 22,363 users, 12,101 items, min length 5 */
  check_sequences("seqrec_amazon/Beauty_s3rec_5core.txt", "amazon_sequences", 198502, 22363, 12101, 5);
}

static void test_video_pairs(void **state) {
  (void)state;
  /* SOURCE.md: 287,107 interactions, 31,013 users, 23,715 items (5-core) */
  check_sequences("seqrec_amazon/Video_sasrec.txt", "sasrec_pairs", 287107, 31013, 23715, 1);
}

/* ---- reviews */

static void test_reviews_zh(void **state) {
  (void)state;
#if !TEST_HAVE_ZLIB
  skip();
#endif
  static const char *const files[3] = {"reviews_zh/online_shopping_10_cats.csv.gz", "reviews_zh/waimai_10k.csv.gz",
                                       "reviews_zh/ChnSentiCorp_htl_all.csv.gz"};
  static const char *const presets[3] = {"reviews_zh_shopping", "reviews_zh", "reviews_zh"};
  static const int64_t rows[3] = {62774, 11987, 7766}; /* SOURCE.md */
  for (int f = 0; f < 3; f++) {
    bndl_dataset *ds = load(1, files + f, presets + f, rows + f);
    if (ds == NULL)
      skip();
    /* every row parses (SOURCE.md), empty reviews included */
    assert_int_equal(sum_of_drops(ds), 0);
    assert_int_equal(bndl_dataset_num_reviews(ds), rows[f]);
    if (f == 0) {
      /* SOURCE.md: the ten categories of the shopping file */
      static const char *const cats[10] = {"平板", "水果", "洗发水", "衣服", "酒店", "计算机",
                                           "书籍", "手机", "蒙牛", "热水器"};
      assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_CATEGORY), 10);
      for (int c = 0; c < 10; c++) {
        int64_t idx;
        if (bndl_dataset_find(ds, BNDL_ENTITY_CATEGORY, cats[c], &idx) != BNDL_OK)
          fail_msg("category %s missing", cats[c]);
      }
    } else {
      assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_CATEGORY), 0);
    }
    bndl_dataset_free(ds);
  }
}

static void test_amazon_cells(void **state) {
  (void)state;
  static const char *const files[1] = {"reviews_en/amazon_cells_labelled.txt"};
  static const char *const presets[1] = {"amazon_cells"};
  static const int64_t rows[1] = {1000}; /* SOURCE.md: 1,000 lines */
  bndl_dataset *ds = load(1, files, presets, rows);
  if (ds == NULL)
    skip();
  assert_int_equal(sum_of_drops(ds), 0);
  assert_int_equal(bndl_dataset_num_reviews(ds), 1000);
  bndl_dataset_free(ds);
}

static void test_all_beauty_reviews(void **state) {
  (void)state;
#if !TEST_HAVE_ZLIB
  skip();
#endif
  static const char *const files[1] = {"reviews_en/All_Beauty_5.json.gz"};
  static const char *const presets[1] = {"amazon_reviews_json"};
  static const int64_t rows[1] = {5269}; /* SOURCE.md: 5,269 reviews */
  bndl_dataset *ds = load(1, files, presets, rows);
  if (ds == NULL)
    skip();
  assert_int_equal(sum_of_drops(ds), 0);
  assert_int_equal(bndl_dataset_num_reviews(ds), 5269);
  /* SOURCE.md: 991 reviewers, 85 products */
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_USER), 991);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_ITEM), 85);
  /* every review is counted once per reviewer and once per product */
  assert_float_equal(feature_sum(ds, BNDL_ENTITY_USER, "reviews"), 5269, 0);
  assert_float_equal(feature_sum(ds, BNDL_ENTITY_ITEM, "reviews"), 5269, 0);
  /* SOURCE.md rating distribution 5: 4,649; 4: 332; 3: 109; 2: 64; 1: 115, so the
   * ratings add up to 25,143: sum over products of mean rating x reviews */
  const float *f;
  int64_t n;
  int32_t cols;
  assert_int_equal(bndl_dataset_features(ds, BNDL_ENTITY_ITEM, &f, &n, &cols), BNDL_OK);
  int32_t c_mean = feature_column(ds, BNDL_ENTITY_ITEM, "mean_rating");
  int32_t c_rev = feature_column(ds, BNDL_ENTITY_ITEM, "reviews");
  double total = 0;
  for (int64_t i = 0; i < n; i++)
    total += (double)f[i * cols + c_mean] * f[i * cols + c_rev];
  assert_float_equal(total, 5 * 4649 + 4 * 332 + 3 * 109 + 2 * 64 + 1 * 115, 0.5);
  bndl_dataset_free(ds);
}

/* ---- Superstore */

static void test_superstore(void **state) {
  (void)state;
#if !TEST_HAVE_ZLIB
  skip();
#else
  const char *file = "superstore_profit/Sample_Superstore_2019_2022.csv.gz";
  const char *path = test_shared_path(file);
  if (path == NULL)
    skip();
  /* the test's parse: rows, customers, products, sub-categories, orders, total sales,
   * and the sales left after exact duplicates (same customer, product, date, order,
   * quantity and sales) */
  text_file t;
  assert_true(read_whole(path, &t));
  char *fields[32];
  int nh = next_record(&t, ',', fields, 32);
  char *header[32];
  for (int i = 0; i < nh; i++)
    header[i] = strdup(fields[i]);
  int c_cust = column(header, nh, "Customer ID"), c_prod = column(header, nh, "Product ID");
  int c_sub = column(header, nh, "Sub-Category"), c_order = column(header, nh, "Order ID");
  int c_date = column(header, nh, "Order Date"), c_qty = column(header, nh, "Quantity");
  int c_sales = column(header, nh, "Sales");
  for (int i = 0; i < nh; i++)
    free(header[i]);
  string_set custs, prods, subs, orders, cust_orders, seen;
  set_init(&custs, 1000);
  set_init(&prods, 4000);
  set_init(&subs, 64);
  set_init(&orders, 8000);
  set_init(&cust_orders, 8000);
  set_init(&seen, 20000);
  int64_t rows = 0, dups = 0;
  double sales = 0, kept_sales = 0;
  int n;
  while ((n = next_record(&t, ',', fields, 32)) > 0) {
    assert_int_equal(n, nh);
    rows++;
    set_find(&custs, fields[c_cust], strlen(fields[c_cust]), 1, NULL);
    set_find(&prods, fields[c_prod], strlen(fields[c_prod]), 1, NULL);
    set_find(&subs, fields[c_sub], strlen(fields[c_sub]), 1, NULL);
    set_find(&orders, fields[c_order], strlen(fields[c_order]), 1, NULL);
    char key[256];
    snprintf(key, sizeof key, "%s|%s", fields[c_cust], fields[c_order]);
    set_find(&cust_orders, key, strlen(key), 1, NULL);
    double s = strtod(fields[c_sales], NULL);
    sales += s;
    snprintf(key, sizeof key, "%s|%s|%s|%s|%s|%s", fields[c_cust], fields[c_prod], fields[c_date], fields[c_order],
             fields[c_qty], fields[c_sales]);
    int added;
    set_find(&seen, key, strlen(key), 1, &added);
    dups += !added;
    if (added)
      kept_sales += s;
  }
  close_text(&t);
  /* SOURCE.md: 10,194 rows, 804 customers, 1,862 Product IDs, 5,111 orders, total
   * Sales 2,326,534.35 */
  assert_int_equal(rows, 10194);
  assert_int_equal(custs.count, 804);
  assert_int_equal(prods.count, 1862);
  assert_int_equal(orders.count, 5111);
  assert_float_equal(sales, 2326534.35, 0.01);

  static const char *const presets[1] = {"superstore"};
  const int64_t expected[1] = {10194};
  bndl_dataset *ds = load(1, &file, presets, expected);
  assert_non_null(ds);
  assert_same_ids(ds, BNDL_ENTITY_USER, &custs, "customers");
  assert_same_ids(ds, BNDL_ENTITY_ITEM, &prods, "products");
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_CATEGORY), subs.count);
  assert_int_equal(subs.count, 17);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_DUPLICATE), dups);
  assert_int_equal(bndl_dataset_num_events(ds), rows - dups);
  /* a user's orders are the distinct orders of its lines; two Order IDs are shared by
   * four customers each, so the users' orders add up to the distinct (customer, order)
   * pairs, not to the 5,111 orders */
  assert_true(cust_orders.count >= 5111);
  assert_float_equal(feature_sum(ds, BNDL_ENTITY_USER, "orders"), cust_orders.count, 0);
  /* revenue = quantity x (Sales / quantity): the kept lines' sales (float sums) */
  assert_float_equal(feature_sum(ds, BNDL_ENTITY_ITEM, "revenue"), kept_sales, 1.0);
  /* every product is listed (derived from its lines) with a price and a cost */
  const double *price, *cost;
  const int32_t *cat;
  assert_int_equal(bndl_dataset_catalogue(ds, &price, &cost, NULL, &cat), BNDL_OK);
  for (int32_t i = 0; i < prods.count; i++) {
    assert_true(price[i] > 0);
    assert_false(isnan(cost[i]));
    assert_true(cat[i] >= 0 && cat[i] < 17);
  }
  set_free(&custs);
  set_free(&prods);
  set_free(&subs);
  set_free(&orders);
  set_free(&cust_orders);
  set_free(&seen);
  bndl_dataset_free(ds);
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_online_retail),
      cmocka_unit_test(test_online_retail_ii),
      cmocka_unit_test(test_youshu),
      cmocka_unit_test(test_tafeng_merged),
      cmocka_unit_test(test_tafeng_future_csv),
      cmocka_unit_test(test_beauty_sequences),
      cmocka_unit_test(test_video_pairs),
      cmocka_unit_test(test_reviews_zh),
      cmocka_unit_test(test_amazon_cells),
      cmocka_unit_test(test_all_beauty_reviews),
      cmocka_unit_test(test_superstore),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
