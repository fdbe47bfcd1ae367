/*
 * test_dataset_text_vectors.c - item text vectors computed by bndl_dataset_finalize from
 * word vectors attached with bndl_dataset_set_word_vectors, through bundle.h: equal, bit
 * for bit, to bndl_item_text_vectors on the finalized dataset with the same word vectors
 * and config; none without word vectors, after detaching or with text.features 0; the
 * dataset's reference (the caller frees the word vectors before finalize); the snapshot
 * round trip (format 1.2, same bytes on a second save); split parts computing their own
 * vectors from their own rows (no held-out review leaks into train), and none for parts
 * of a loaded snapshot; a model with item features getting dim more input columns and a
 * file that loads; argument and state errors; the OOM loop over finalize and split.
 *
 * Data: 120 generated reviews over 12 items (words drawn from a fixed list by an LCG),
 * a title for some items, one listed item without title or reviews (no text), and one
 * purchase per review so leave-last-out holds reviews out of train.
 */
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

enum { N_REVIEWS = 120, N_ITEMS = 12, WV_DIM = 8 };

static const char *const WORDS[] = {"soft", "towel", "cotton", "cheap", "thin", "great",
                                    "bad",  "color", "wash",   "dry",   "warm", "scarf"};

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 33;
}

/* Review i's text (same every call). */
static void review_text(int i, char *out, size_t cap) {
  uint64_t s = 1000u + (uint64_t)i;
  size_t n = 0;
  out[0] = '\0';
  for (int w = 0; w < 6 && n + 16 < cap; w++)
    n += (size_t)snprintf(out + n, cap - n, "%s%s", w ? " " : "", WORDS[lcg(&s) % 12]);
}

/* The three CSV files, written once. */
static const char *reviews_csv, *events_csv, *catalogue_csv;

static void write_files(void) {
  if (reviews_csv)
    return;
  char *rv = malloc(64 * 1024), *ev = malloc(64 * 1024), *p = rv, *q = ev;
  p += sprintf(p, "user,item,rating,ts,text\n");
  q += sprintf(q, "user,item,ts\n");
  for (int i = 0; i < N_REVIEWS; i++) {
    char t[128];
    review_text(i, t, sizeof t);
    int user = i % 10, item = (i * 7) % (N_ITEMS - 1); /* item N_ITEMS - 1 gets nothing */
    p += sprintf(p, "u%d,i%d,%d,%d,%s\n", user, item, i % 5 + 1, 100 + i, t);
    q += sprintf(q, "u%d,i%d,%d\n", user, item, 100 + i);
  }
  reviews_csv = test_write_tmp(".csv", rv, strlen(rv));
  events_csv = test_write_tmp(".csv", ev, strlen(ev));
  static const char cat[] = "item,title\n"
                            "i0,Soft Cotton Towel\n"
                            "i3,Warm Scarf\n"
                            "i11,\n"; /* listed, no title, no reviews: no text */
  catalogue_csv = test_write_tmp(".csv", cat, strlen(cat));
  free(rv);
  free(ev);
}

static void load(bndl_dataset *ds, bndl_table_kind kind, const char *path, const char *const *columns,
                 const bndl_field *fields, int n) {
  bndl_table_spec *spec;
  assert_int_equal(bndl_table_spec_create(kind, BNDL_FORMAT_DELIMITED, &spec), BNDL_OK);
  for (int k = 0; k < n; k++)
    assert_int_equal(bndl_table_spec_map(spec, fields[k], columns[k]), BNDL_OK);
  if (bndl_dataset_load_table(ds, path, spec) != BNDL_OK)
    fail_msg("load: %s", bndl_last_error_message());
  bndl_table_spec_free(spec);
}

/* The text config every call here shares (SIF a large enough to matter on 120 reviews). */
static bndl_config *text_config(void) {
  bndl_config *cfg;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_DIM, WV_DIM), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_EPOCHS, 2), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_MIN_COUNT, 2), BNDL_OK);
  assert_int_equal(bndl_config_set_string(cfg, BNDL_KEY_TEXT_LANGUAGE, "en"), BNDL_OK);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_TEXT_SIF_A, 0.01), BNDL_OK);
  return cfg;
}

/* The dataset in its build phase, configured with cfg (NULL: none). */
static bndl_dataset *building(bndl_context *ctx, const bndl_config *cfg) {
  write_files();
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  if (cfg)
    assert_int_equal(bndl_dataset_configure(ds, cfg), BNDL_OK);
  const char *ec[] = {"user", "item", "ts"};
  const bndl_field ef[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_TIMESTAMP};
  load(ds, BNDL_TABLE_EVENTS, events_csv, ec, ef, 3);
  const char *rc[] = {"user", "item", "rating", "ts", "text"};
  const bndl_field rf[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_RATING, BNDL_FIELD_TIMESTAMP, BNDL_FIELD_TEXT};
  load(ds, BNDL_TABLE_REVIEWS, reviews_csv, rc, rf, 5);
  const char *cc[] = {"item", "title"};
  const bndl_field cf[] = {BNDL_FIELD_ITEM, BNDL_FIELD_TITLE};
  load(ds, BNDL_TABLE_CATALOGUE, catalogue_csv, cc, cf, 2);
  return ds;
}

/* Word vectors trained on the review texts (the same every call). */
static bndl_word_vectors *word_vectors(bndl_context *ctx) {
  const char *texts[N_REVIEWS];
  char buf[N_REVIEWS][128];
  for (int i = 0; i < N_REVIEWS; i++) {
    review_text(i, buf[i], sizeof buf[i]);
    texts[i] = buf[i];
  }
  bndl_config *cfg = text_config();
  bndl_word_vectors *wv;
  test_expect_ok(bndl_word_vectors_train(ctx, texts, NULL, N_REVIEWS, cfg, &wv));
  bndl_config_free(cfg);
  assert_int_equal(bndl_word_vectors_dim(wv), WV_DIM);
  return wv;
}

typedef struct vectors {
  const float *data;
  const uint8_t *has;
  int64_t rows;
  int32_t cols;
} vectors;

static vectors vectors_of(const bndl_dataset *ds) {
  vectors v;
  test_expect_ok(bndl_dataset_text_vectors(ds, &v.data, &v.has, &v.rows, &v.cols));
  return v;
}

static void assert_none(const bndl_dataset *ds) {
  vectors v = vectors_of(ds);
  assert_null(v.data);
  assert_null(v.has);
  assert_int_equal(v.rows, 0);
  assert_int_equal(v.cols, 0);
}

/* The dataset's vectors equal bndl_item_text_vectors(ds, wv, cfg), bit for bit. */
static void assert_equals_on_demand(const bndl_dataset *ds, const bndl_word_vectors *wv, const bndl_config *cfg) {
  vectors v = vectors_of(ds);
  int64_t n = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  assert_int_equal(v.rows, n);
  assert_int_equal(v.cols, WV_DIM);
  float *want = malloc((size_t)n * WV_DIM * sizeof *want);
  int32_t *has = malloc((size_t)n * sizeof *has);
  test_expect_ok(bndl_item_text_vectors(ds, wv, cfg, want, has));
  assert_memory_equal(v.data, want, (size_t)n * WV_DIM * sizeof *want);
  for (int64_t i = 0; i < n; i++)
    assert_int_equal(v.has[i], has[i]);
  free(want);
  free(has);
}

static int64_t item(const bndl_dataset *ds, const char *name) {
  int64_t i;
  assert_int_equal(bndl_dataset_find(ds, BNDL_ENTITY_ITEM, name, &i), BNDL_OK);
  return i;
}

static void test_vectors_at_finalize(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_word_vectors *wv = word_vectors(ctx);
  bndl_config *cfg = text_config();
  bndl_dataset *ds = building(ctx, cfg), *ds2 = building(ctx, cfg);
  assert_int_equal(bndl_dataset_set_word_vectors(ds, wv), BNDL_OK);
  assert_int_equal(bndl_dataset_set_word_vectors(ds2, wv), BNDL_OK);
  test_expect_ok(bndl_dataset_finalize(ds));
  assert_equals_on_demand(ds, wv, cfg);
  vectors v = vectors_of(ds);
  assert_int_equal(v.has[item(ds, "i11")], 0); /* no title, no reviews */
  for (int k = 0; k < WV_DIM; k++)
    assert_true(v.data[item(ds, "i11") * WV_DIM + k] == 0.0f);
  assert_int_equal(v.has[item(ds, "i0")], 1);
  double norm = 0;
  for (int k = 0; k < WV_DIM; k++)
    norm += (double)v.data[item(ds, "i0") * WV_DIM + k] * v.data[item(ds, "i0") * WV_DIM + k];
  assert_float_equal(norm, 1.0, 1e-5);
  /* the datasets hold the word vectors: the caller's free before ds2's finalize is fine */
  bndl_word_vectors_free(wv);
  test_expect_ok(bndl_dataset_finalize(ds2));
  vectors v2 = vectors_of(ds2);
  assert_int_equal(v2.rows, v.rows);
  assert_memory_equal(v2.data, v.data, (size_t)v.rows * WV_DIM * sizeof(float));
  assert_memory_equal(v2.has, v.has, (size_t)v.rows);
  /* a different config (sif a) gives other vectors: the dataset's config is the one used */
  bndl_word_vectors *wv3 = word_vectors(ctx);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_TEXT_SIF_A, 1.0), BNDL_OK);
  bndl_dataset *ds3 = building(ctx, cfg);
  assert_int_equal(bndl_dataset_set_word_vectors(ds3, wv3), BNDL_OK);
  test_expect_ok(bndl_dataset_finalize(ds3));
  assert_equals_on_demand(ds3, wv3, cfg);
  assert_true(memcmp(vectors_of(ds3).data, v.data, (size_t)v.rows * WV_DIM * sizeof(float)) != 0);
  bndl_word_vectors_free(wv3);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_dataset_free(ds2);
  bndl_dataset_free(ds3);
  bndl_context_free(ctx);
}

static void test_none(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_word_vectors *wv = word_vectors(ctx);
  bndl_dataset *plain = building(ctx, NULL);
  test_expect_ok(bndl_dataset_finalize(plain));
  assert_none(plain);
  /* attached, then detached */
  bndl_dataset *detached = building(ctx, NULL);
  assert_int_equal(bndl_dataset_set_word_vectors(detached, wv), BNDL_OK);
  assert_int_equal(bndl_dataset_set_word_vectors(detached, NULL), BNDL_OK);
  test_expect_ok(bndl_dataset_finalize(detached));
  assert_none(detached);
  /* text.features 0 turns the step off */
  bndl_config *off;
  assert_int_equal(bndl_config_create(&off), BNDL_OK);
  assert_int_equal(bndl_config_set(off, "text.features", "0"), BNDL_OK);
  bndl_dataset *ds = building(ctx, off);
  assert_int_equal(bndl_dataset_set_word_vectors(ds, wv), BNDL_OK);
  test_expect_ok(bndl_dataset_finalize(ds));
  assert_none(ds);
  bndl_config_free(off);
  bndl_word_vectors_free(wv);
  bndl_dataset_free(plain);
  bndl_dataset_free(detached);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void test_snapshot(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_word_vectors *wv = word_vectors(ctx);
  bndl_config *cfg = text_config();
  bndl_dataset *ds = building(ctx, cfg);
  assert_int_equal(bndl_dataset_set_word_vectors(ds, wv), BNDL_OK);
  test_expect_ok(bndl_dataset_finalize(ds));
  bndl_buffer *b1, *b2;
  test_expect_ok(bndl_dataset_save_buffer(ds, &b1));
  uint16_t minor;
  memcpy(&minor, (const char *)bndl_buffer_data(b1) + 10, 2);
  assert_int_equal(minor, 2);
  bndl_dataset *back;
  test_expect_ok(bndl_dataset_load_buffer(ctx, bndl_buffer_data(b1), bndl_buffer_size(b1), &back));
  vectors v = vectors_of(ds), w = vectors_of(back);
  assert_int_equal(w.rows, v.rows);
  assert_int_equal(w.cols, v.cols);
  assert_memory_equal(w.data, v.data, (size_t)v.rows * WV_DIM * sizeof(float));
  assert_memory_equal(w.has, v.has, (size_t)v.rows);
  test_expect_ok(bndl_dataset_save_buffer(back, &b2));
  assert_int_equal(bndl_buffer_size(b1), bndl_buffer_size(b2));
  assert_memory_equal(bndl_buffer_data(b1), bndl_buffer_data(b2), bndl_buffer_size(b1));
  /* a loaded dataset has no word vectors: its split parts have no text vectors */
  bndl_dataset *train, *test;
  test_expect_ok(bndl_dataset_split(back, NULL, &train, NULL, &test));
  assert_none(train);
  assert_none(test);
  bndl_dataset_free(train);
  bndl_dataset_free(test);
  /* without vectors the file has no such sections and loads to none */
  bndl_dataset *plain = building(ctx, NULL), *plain2;
  test_expect_ok(bndl_dataset_finalize(plain));
  bndl_buffer_free(b2);
  test_expect_ok(bndl_dataset_save_buffer(plain, &b2));
  test_expect_ok(bndl_dataset_load_buffer(ctx, bndl_buffer_data(b2), bndl_buffer_size(b2), &plain2));
  assert_none(plain2);
  assert_true(bndl_buffer_size(b2) < bndl_buffer_size(b1));
  bndl_buffer_free(b1);
  bndl_buffer_free(b2);
  bndl_word_vectors_free(wv);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_dataset_free(back);
  bndl_dataset_free(plain);
  bndl_dataset_free(plain2);
  bndl_context_free(ctx);
}

static void test_split(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_word_vectors *wv = word_vectors(ctx);
  bndl_config *cfg = text_config();
  bndl_dataset *ds = building(ctx, cfg);
  assert_int_equal(bndl_dataset_set_word_vectors(ds, wv), BNDL_OK);
  test_expect_ok(bndl_dataset_finalize(ds));
  bndl_dataset *train, *valid, *test;
  bndl_config *sc;
  assert_int_equal(bndl_config_create(&sc), BNDL_OK);
  assert_int_equal(bndl_config_set_int(sc, BNDL_KEY_SPLIT_WITH_VALID, 1), BNDL_OK);
  test_expect_ok(bndl_dataset_split(ds, sc, &train, &valid, &test));
  bndl_config_free(sc);
  assert_true(bndl_dataset_num_reviews(test) > 0);
  assert_true(bndl_dataset_num_reviews(train) < bndl_dataset_num_reviews(ds));
  bndl_dataset *parts[3] = {train, valid, test};
  for (int k = 0; k < 3; k++)
    assert_equals_on_demand(parts[k], wv, cfg); /* each from its own rows */
  /* no leak: items that lost reviews to valid / test have other vectors in train */
  vectors all = vectors_of(ds), tr = vectors_of(train);
  int differ = 0;
  for (int64_t i = 0; i < all.rows; i++)
    differ += memcmp(all.data + i * WV_DIM, tr.data + i * WV_DIM, WV_DIM * sizeof(float)) != 0;
  assert_true(differ > 0);
  /* a part holds the word vectors too: split again after the parent is gone */
  bndl_dataset_free(ds);
  bndl_dataset *train2, *test2;
  test_expect_ok(bndl_dataset_split(train, NULL, &train2, NULL, &test2));
  assert_equals_on_demand(train2, wv, cfg);
  assert_equals_on_demand(test2, wv, cfg);
  bndl_word_vectors_free(wv);
  bndl_dataset_free(train);
  bndl_dataset *again, *test3;
  test_expect_ok(bndl_dataset_split(test2, NULL, &again, NULL, &test3)); /* wv lives in test2 */
  assert_int_equal(vectors_of(again).cols, WV_DIM);
  bndl_dataset *frees[] = {valid, test, train2, test2, again, test3};
  for (size_t k = 0; k < sizeof frees / sizeof frees[0]; k++)
    bndl_dataset_free(frees[k]);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
}

static void test_model_columns(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_word_vectors *wv = word_vectors(ctx);
  bndl_dataset *with = building(ctx, NULL), *without = building(ctx, NULL);
  assert_int_equal(bndl_dataset_set_word_vectors(with, wv), BNDL_OK);
  bndl_word_vectors_free(wv);
  test_expect_ok(bndl_dataset_finalize(with));
  test_expect_ok(bndl_dataset_finalize(without));
  bndl_config *mc;
  assert_int_equal(bndl_config_create(&mc), BNDL_OK);
  assert_int_equal(bndl_config_set_int(mc, BNDL_KEY_MODEL_DIM, 16), BNDL_OK);
  assert_int_equal(bndl_config_set_int(mc, BNDL_KEY_MODEL_MAX_LEN, 8), BNDL_OK);
  for (int kind = 0; kind < 2; kind++) {
    assert_int_equal(bndl_config_set_string(mc, BNDL_KEY_MODEL_KIND, kind ? "lstm" : "transformer"), BNDL_OK);
    bndl_model *m0, *m1, *f0, *f1;
    assert_int_equal(bndl_config_set_int(mc, BNDL_KEY_MODEL_ITEM_FEATURES, 0), BNDL_OK);
    test_expect_ok(bndl_model_create(with, mc, &m0));
    test_expect_ok(bndl_model_create(without, mc, &m1));
    assert_int_equal(bndl_model_num_params(m0), bndl_model_num_params(m1)); /* no features: no vectors */
    assert_int_equal(bndl_config_set_int(mc, BNDL_KEY_MODEL_ITEM_FEATURES, 1), BNDL_OK);
    test_expect_ok(bndl_model_create(with, mc, &f1));
    test_expect_ok(bndl_model_create(without, mc, &f0));
    /* the feature projection (no bias) reads WV_DIM more columns */
    assert_int_equal(bndl_model_num_params(f1) - bndl_model_num_params(f0), (int64_t)WV_DIM * 16);
    /* the file holds the wider table and loads; the copy answers as the original */
    bndl_buffer *b;
    test_expect_ok(bndl_model_save_buffer(f1, &b));
    bndl_model *back;
    test_expect_ok(bndl_model_load_buffer(ctx, bndl_buffer_data(b), bndl_buffer_size(b), &back));
    assert_int_equal(bndl_model_num_params(back), bndl_model_num_params(f1));
    const int32_t hist[3] = {0, 3, 5};
    float e1[16], e2[16];
    test_expect_ok(bndl_model_encode(f1, hist, NULL, 3, e1, 16));
    test_expect_ok(bndl_model_encode(back, hist, NULL, 3, e2, 16));
    assert_memory_equal(e1, e2, sizeof e1);
    bndl_buffer_free(b);
    bndl_model *ms[] = {m0, m1, f0, f1, back};
    for (int k = 0; k < 5; k++)
      bndl_model_free(ms[k]);
  }
  bndl_config_free(mc);
  bndl_dataset_free(with);
  bndl_dataset_free(without);
  bndl_context_free(ctx);
}

static void test_errors(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_word_vectors *wv = word_vectors(ctx);
  bndl_dataset *ds = building(ctx, NULL);
  const float *d;
  const uint8_t *h;
  int64_t rows;
  int32_t cols;
  test_expect_error(bndl_dataset_set_word_vectors(NULL, wv), BNDL_ERR_INVALID_ARGUMENT, "bndl_dataset_set_word_vectors");
  test_expect_error(bndl_dataset_set_word_vectors(ds, (bndl_word_vectors *)ds), BNDL_ERR_INVALID_ARGUMENT,
                    "bndl_word_vectors");
  test_expect_error(bndl_dataset_text_vectors(ds, &d, &h, &rows, &cols), BNDL_ERR_STATE, "not finalized");
  assert_int_equal(bndl_dataset_set_word_vectors(ds, wv), BNDL_OK);
  test_expect_ok(bndl_dataset_finalize(ds));
  test_expect_error(bndl_dataset_set_word_vectors(ds, wv), BNDL_ERR_STATE, "finalized");
  test_expect_error(bndl_dataset_set_word_vectors(ds, NULL), BNDL_ERR_STATE, "finalized");
  test_expect_error(bndl_dataset_text_vectors(NULL, &d, &h, &rows, &cols), BNDL_ERR_INVALID_ARGUMENT, "ds");
  test_expect_error(bndl_dataset_text_vectors(ds, NULL, &h, &rows, &cols), BNDL_ERR_INVALID_ARGUMENT, "data");
  test_expect_error(bndl_dataset_text_vectors(ds, &d, &h, NULL, &cols), BNDL_ERR_INVALID_ARGUMENT, "rows");
  test_expect_error(bndl_dataset_text_vectors(ds, &d, &h, &rows, NULL), BNDL_ERR_INVALID_ARGUMENT, "cols");
  test_expect_ok(bndl_dataset_text_vectors(ds, &d, NULL, &rows, &cols)); /* has_text is optional */
  assert_int_equal(rows, N_ITEMS);
  assert_int_equal(cols, WV_DIM);
  bndl_word_vectors_free(wv);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* Allocation failure at every site of finalize and of split with word vectors attached:
 * OUT_OF_MEMORY, a failed finalize leaves the dataset only freeable, nothing leaks, and
 * the loop ends with a clean success. */
static void test_oom(void **state) {
  (void)state;
  for (int phase = 0; phase < 2; phase++) {
    int done = 0;
    int64_t sites = 0;
    for (int64_t at = 1; !done; at++) {
      test_alloc t;
      test_alloc_reset(&t, 0, 0);
      bndl_context *ctx = test_context(&t, 2);
      bndl_word_vectors *wv = word_vectors(ctx);
      bndl_dataset *ds = building(ctx, NULL);
      assert_int_equal(bndl_dataset_set_word_vectors(ds, wv), BNDL_OK);
      bndl_word_vectors_free(wv);
      bndl_dataset *train = NULL, *test = NULL;
      if (phase == 1)
        test_expect_ok(bndl_dataset_finalize(ds));
      t.fail_at = t.n_allocs + at;
      bndl_status st = phase == 0 ? bndl_dataset_finalize(ds) : bndl_dataset_split(ds, NULL, &train, NULL, &test);
      t.fail_at = 0;
      if (st == BNDL_OK) {
        done = t.n_failed == 0;
        assert_int_equal(vectors_of(phase == 0 ? ds : train).cols, WV_DIM);
      } else {
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
        if (phase == 0) {
          assert_false(bndl_dataset_is_finalized(ds));
          assert_int_equal(bndl_dataset_finalize(ds), BNDL_ERR_STATE);
        } else {
          assert_null(train);
          assert_null(test);
        }
      }
      bndl_dataset_free(train);
      bndl_dataset_free(test);
      bndl_dataset_free(ds);
      bndl_context_free(ctx);
      assert_int_equal(t.live_blocks, 0);
      sites = at;
    }
    printf("  oom phase %d: %lld allocation sites\n", phase, (long long)sites);
  }
}

static int teardown_group(void **state) {
  (void)state;
  test_tmp_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vectors_at_finalize), cmocka_unit_test(test_none),
      cmocka_unit_test(test_snapshot),            cmocka_unit_test(test_split),
      cmocka_unit_test(test_model_columns),       cmocka_unit_test(test_errors),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, teardown_group);
}
