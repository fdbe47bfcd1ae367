/*
 * test_dataset_text.c - the review text step of bndl_dataset_finalize through bundle.h:
 * sentiment_mean and rating_sentiment_agreement of items and users checked by hand on
 * a five-review dataset (expected scores read back from the same scorer through its own
 * public call, so the test checks the aggregation and the sides, not the lexicon),
 * with a lexicon, with a trained text model, with none (NaN) and with text.features 0
 * (no columns, no keywords); item keywords from titles and reviews; the scorer's
 * reference (freed by the caller before finalize); a leave-last-out split whose parts
 * get features and keywords from their own reviews only; the snapshot round trip (same
 * features, keywords, bytes); 1 vs 3 threads identical; invalid UTF-8 review rows
 * dropped by the loader; argument and state errors.
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

/* r0..r4; r4 has no text. */
static const char *const REVIEWS = "user,item,rating,ts,text\n"
                                   "u1,i1,5,100,\"good shampoo, lovely scent\"\n"
                                   "u1,i2,1,200,good\n"
                                   "u2,i1,1,300,bad shampoo\n"
                                   "u2,i1,3,400,table\n"
                                   "u3,i2,5,500,\n";
static const char *const REVIEW_TEXT[5] = {"good shampoo, lovely scent", "good", "bad shampoo", "table", ""};
static const char *const CATALOGUE = "item,title\n"
                                     "i1,Herbal Shampoo\n"
                                     "i2,\n" /* listed, no title (events of unlisted items are dropped) */
                                     "i3,Silk Scarf\n";
/* u1 buys i1 then i2, u2 i1 then i3: leave-last-out puts (u1, i2) and (u2, i3) in test */
static const char *const EVENTS = "user,item,ts\n"
                                  "u1,i1,100\n"
                                  "u1,i2,200\n"
                                  "u2,i1,300\n"
                                  "u2,i3,400\n";

static bndl_context *ctx_threads(int n) {
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = n;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(&d, &ctx), BNDL_OK);
  return ctx;
}

/* A temporary file holding `text`, written once per distinct text (the OOM loop loads
 * the same files hundreds of times, and test_write_tmp keeps 256 paths to clean up). */
static const char *tmp_for(const char *text, const char *suffix) {
  static struct {
    const char *text;
    const char *path;
  } seen[16];
  static int n_seen = 0;
  for (int i = 0; i < n_seen; i++)
    if (seen[i].text == text)
      return seen[i].path;
  const char *path = test_write_tmp(suffix, text, strlen(text));
  if (n_seen < 16) {
    seen[n_seen].text = text;
    seen[n_seen++].path = path;
  }
  return path;
}

static void load(bndl_dataset *ds, bndl_table_kind kind, const char *text, const char *const *columns,
                 const bndl_field *fields, int n) {
  bndl_table_spec *spec;
  assert_int_equal(bndl_table_spec_create(kind, BNDL_FORMAT_DELIMITED, &spec), BNDL_OK);
  for (int k = 0; k < n; k++)
    assert_int_equal(bndl_table_spec_map(spec, fields[k], columns[k]), BNDL_OK);
  const char *path = tmp_for(text, ".csv");
  if (bndl_dataset_load_table(ds, path, spec) != BNDL_OK)
    fail_msg("load: %s", bndl_last_error_message());
  bndl_table_spec_free(spec);
}

/* The five reviews and the catalogue (and the events when with_events), not finalized. */
static bndl_dataset *small(bndl_context *ctx, const char *cfg_name, const char *cfg_value, int with_events) {
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  if (cfg_name) {
    bndl_config *cfg;
    assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
    assert_int_equal(bndl_config_set(cfg, cfg_name, cfg_value), BNDL_OK);
    assert_int_equal(bndl_dataset_configure(ds, cfg), BNDL_OK);
    bndl_config_free(cfg);
  }
  if (with_events) {
    const char *c[] = {"user", "item", "ts"};
    const bndl_field f[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_TIMESTAMP};
    load(ds, BNDL_TABLE_EVENTS, EVENTS, c, f, 3);
  }
  const char *rc[] = {"user", "item", "rating", "ts", "text"};
  const bndl_field rf[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_RATING, BNDL_FIELD_TIMESTAMP, BNDL_FIELD_TEXT};
  load(ds, BNDL_TABLE_REVIEWS, REVIEWS, rc, rf, 5);
  const char *cc[] = {"item", "title"};
  const bndl_field cf[] = {BNDL_FIELD_ITEM, BNDL_FIELD_TITLE};
  load(ds, BNDL_TABLE_CATALOGUE, CATALOGUE, cc, cf, 2);
  assert_int_equal(bndl_dataset_num_reviews(ds), 5);
  return ds;
}

static bndl_lexicon *tiny_lexicon(bndl_context *ctx) {
  bndl_lexicon *lex;
  assert_int_equal(bndl_lexicon_create(ctx, &lex), BNDL_OK);
  static const char *const positive = "good\nlovely\n", *const negative = "bad\n";
  const char *pos = tmp_for(positive, ".txt"), *neg = tmp_for(negative, ".txt");
  assert_int_equal(bndl_lexicon_load(lex, pos, "positive"), BNDL_OK);
  assert_int_equal(bndl_lexicon_load(lex, neg, "negative"), BNDL_OK);
  return lex;
}

static int64_t id_of(const bndl_dataset *ds, bndl_entity e, const char *name) {
  int64_t i;
  assert_int_equal(bndl_dataset_find(ds, e, name, &i), BNDL_OK);
  return i;
}

static int32_t column(const bndl_dataset *ds, bndl_entity e, const char *name) {
  const float *d;
  int64_t rows;
  int32_t cols;
  assert_int_equal(bndl_dataset_features(ds, e, &d, &rows, &cols), BNDL_OK);
  for (int32_t c = 0; c < cols; c++)
    if (strcmp(bndl_dataset_feature_name(ds, e, c), name) == 0)
      return c;
  return -1;
}

static float feature(const bndl_dataset *ds, bndl_entity e, const char *id, const char *name) {
  const float *d;
  int64_t rows;
  int32_t cols;
  assert_int_equal(bndl_dataset_features(ds, e, &d, &rows, &cols), BNDL_OK);
  int32_t c = column(ds, e, name);
  assert_true(c >= 0);
  return d[id_of(ds, e, id) * cols + c];
}

/* Expected values from per-review scores s[0..4] (NaN = no text), by the header's rules. */
static void check_features(const bndl_dataset *ds, const double *s) {
  const double tol = 1e-6;
  /* i1: r0 (+, s0 > 0: agree), r2 (-, s2 < 0: agree), r3 (rating 3: no side, s3 = 0) */
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, "i1", "sentiment_mean"), (s[0] + s[2] + s[3]) / 3, tol);
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, "i1", "rating_sentiment_agreement"), 1.0, 0);
  /* i2: r1 (rating 1, s1 > 0: disagree), r4 without text */
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, "i2", "sentiment_mean"), s[1], tol);
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, "i2", "rating_sentiment_agreement"), 0.0, 0);
  assert_float_equal(feature(ds, BNDL_ENTITY_ITEM, "i2", "reviews"), 2, 0);
  /* i3: a catalogue item without reviews */
  assert_true(isnan(feature(ds, BNDL_ENTITY_ITEM, "i3", "sentiment_mean")));
  assert_true(isnan(feature(ds, BNDL_ENTITY_ITEM, "i3", "rating_sentiment_agreement")));
  /* users */
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, "u1", "sentiment_mean"), (s[0] + s[1]) / 2, tol);
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, "u1", "rating_sentiment_agreement"), 0.5, 0);
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, "u2", "sentiment_mean"), (s[2] + s[3]) / 2, tol);
  assert_float_equal(feature(ds, BNDL_ENTITY_USER, "u2", "rating_sentiment_agreement"), 1.0, 0);
  assert_true(isnan(feature(ds, BNDL_ENTITY_USER, "u3", "sentiment_mean")));
  assert_true(isnan(feature(ds, BNDL_ENTITY_USER, "u3", "rating_sentiment_agreement")));
}

static void keywords_of(const bndl_dataset *ds, const char *item, char *out, size_t cap) {
  int32_t n;
  assert_int_equal(bndl_dataset_item_keyword_count(ds, id_of(ds, BNDL_ENTITY_ITEM, item), &n), BNDL_OK);
  out[0] = '\0';
  for (int32_t q = 0; q < n; q++) {
    const char *w;
    size_t len;
    float score;
    assert_int_equal(bndl_dataset_item_keyword(ds, id_of(ds, BNDL_ENTITY_ITEM, item), q, &w, &len, &score), BNDL_OK);
    assert_int_equal(strlen(w), len);
    assert_true(score > 0);
    snprintf(out + strlen(out), cap - strlen(out), "%s%s", q ? " " : "", w);
  }
}

static void test_lexicon_features(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(2);
  bndl_lexicon *lex = tiny_lexicon(ctx);
  double s[5];
  for (int r = 0; r < 5; r++) {
    assert_int_equal(bndl_lexicon_score(lex, REVIEW_TEXT[r], strlen(REVIEW_TEXT[r]), &s[r]), BNDL_OK);
    if (r == 4)
      s[r] = NAN;
  }
  assert_true(s[0] > 0.05 && s[1] > 0.05 && s[2] < -0.05 && s[3] == 0);
  bndl_dataset *ds = small(ctx, NULL, NULL, 0);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, lex), BNDL_OK);
  bndl_lexicon_free(lex); /* the dataset holds its own reference until finalize */
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  check_features(ds, s);
  /* keywords: i1's document is its title and r0, r2, r3; i3's only its title */
  char kw[256];
  keywords_of(ds, "i3", kw, sizeof kw);
  assert_string_equal(kw, "silk scarf");
  float a, b;
  const char *w;
  size_t len;
  assert_int_equal(bndl_dataset_item_keyword(ds, id_of(ds, BNDL_ENTITY_ITEM, "i3"), 0, &w, &len, &a), BNDL_OK);
  assert_int_equal(bndl_dataset_item_keyword(ds, id_of(ds, BNDL_ENTITY_ITEM, "i3"), 1, &w, &len, &b), BNDL_OK);
  assert_float_equal(a, 1 / sqrt(2.0), 1e-6); /* two words of df 1, tf 1 */
  assert_float_equal(b, a, 0);
  keywords_of(ds, "i1", kw, sizeof kw);
  assert_string_equal(strtok(kw, " "), "shampoo"); /* tf 3 (title + 2 reviews) */
  keywords_of(ds, "i2", kw, sizeof kw);
  assert_string_equal(kw, "good");
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void test_model_features(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(1);
  const char *texts[] = {"good", "good scent", "lovely good", "bad", "bad smell", "awful bad", "good shampoo",
                         "bad shampoo"};
  int32_t labels[] = {1, 1, 1, 0, 0, 0, 1, 0};
  bndl_text_model *m;
  assert_int_equal(bndl_text_model_train(ctx, texts, NULL, labels, 8, NULL, &m), BNDL_OK);
  double s[5];
  for (int r = 0; r < 5; r++) {
    double p;
    assert_int_equal(bndl_text_model_predict(m, REVIEW_TEXT[r], strlen(REVIEW_TEXT[r]), &p), BNDL_OK);
    s[r] = r == 4 ? NAN : 2 * p - 1;
  }
  bndl_dataset *ds = small(ctx, NULL, NULL, 0);
  /* a lexicon first, then the model: the second replaces the first */
  bndl_lexicon *lex = tiny_lexicon(ctx);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, lex), BNDL_OK);
  bndl_lexicon_free(lex);
  assert_int_equal(bndl_dataset_set_sentiment_model(ds, m), BNDL_OK);
  bndl_text_model_free(m);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  /* the model's r3 ("table") is not exactly 0, but its rating 3 has no side: only the
   * means see it, and check_features takes them from s */
  check_features(ds, s);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* Counts the log records that explain the NaN columns. */
static void count_no_scorer(void *ud, bndl_log_level level, const char *message) {
  if (level == BNDL_LOG_INFO && strstr(message, "no sentiment scorer attached") &&
      strstr(message, "sentiment_mean and rating_sentiment_agreement are NaN"))
    ++*(int *)ud;
}

static void test_no_scorer_and_off(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(1);
  int said = 0;
  assert_int_equal(bndl_context_set_log(ctx, count_no_scorer, &said, NULL, BNDL_LOG_INFO), BNDL_OK);
  bndl_dataset *ds = small(ctx, NULL, NULL, 0);
  bndl_lexicon *lex = tiny_lexicon(ctx);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, lex), BNDL_OK);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, NULL), BNDL_OK); /* detached again */
  bndl_lexicon_free(lex);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(said, 1); /* the log says why the columns are NaN */
  const float *d;
  int64_t rows;
  int32_t cols;
  assert_int_equal(bndl_dataset_features(ds, BNDL_ENTITY_ITEM, &d, &rows, &cols), BNDL_OK);
  int32_t c1 = column(ds, BNDL_ENTITY_ITEM, "sentiment_mean"), c2 = column(ds, BNDL_ENTITY_ITEM,
                                                                            "rating_sentiment_agreement");
  assert_int_equal(c1, cols - 2);
  assert_int_equal(c2, cols - 1);
  for (int64_t r = 0; r < rows; r++)
    assert_true(isnan(d[r * cols + c1]) && isnan(d[r * cols + c2]));
  char kw[256];
  keywords_of(ds, "i3", kw, sizeof kw);
  assert_string_equal(kw, "silk scarf"); /* keywords need no scorer */
  int32_t user_cols = cols;
  bndl_dataset_free(ds);

  ds = small(ctx, "text.features", "0", 0);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(said, 1); /* nothing to explain when the step is off */
  assert_int_equal(bndl_dataset_features(ds, BNDL_ENTITY_ITEM, &d, &rows, &cols), BNDL_OK);
  assert_int_equal(cols, user_cols - 2);
  assert_int_equal(column(ds, BNDL_ENTITY_ITEM, "sentiment_mean"), -1);
  assert_int_equal(column(ds, BNDL_ENTITY_USER, "rating_sentiment_agreement"), -1);
  int32_t n = -1;
  assert_int_equal(bndl_dataset_item_keyword_count(ds, 0, &n), BNDL_OK);
  assert_int_equal(n, 0);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void test_textrank_config(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(1);
  bndl_dataset *ds = small(ctx, "text.keyword_method", "textrank", 0);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  /* i3: "silk scarf" is one edge: both 1 (the PageRank of two linked vertices) */
  const char *w;
  size_t len;
  float score;
  int64_t i3 = id_of(ds, BNDL_ENTITY_ITEM, "i3");
  assert_int_equal(bndl_dataset_item_keyword(ds, i3, 0, &w, &len, &score), BNDL_OK);
  assert_string_equal(w, "silk");
  assert_float_equal(score, 1.0, 1e-6);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* Features and keywords equal, bit for bit. */
static void assert_same_text(const bndl_dataset *a, const bndl_dataset *b) {
  for (int e = BNDL_ENTITY_USER; e <= BNDL_ENTITY_ITEM; e++) {
    const float *da, *db;
    int64_t ra, rb;
    int32_t ca, cb;
    assert_int_equal(bndl_dataset_features(a, (bndl_entity)e, &da, &ra, &ca), BNDL_OK);
    assert_int_equal(bndl_dataset_features(b, (bndl_entity)e, &db, &rb, &cb), BNDL_OK);
    assert_int_equal(ra, rb);
    assert_int_equal(ca, cb);
    assert_memory_equal(da, db, (size_t)(ra * ca) * sizeof *da);
    for (int32_t c = 0; c < ca; c++)
      assert_string_equal(bndl_dataset_feature_name(a, (bndl_entity)e, c), bndl_dataset_feature_name(b, (bndl_entity)e, c));
  }
  int64_t n = bndl_dataset_count(a, BNDL_ENTITY_ITEM);
  for (int64_t i = 0; i < n; i++) {
    int32_t ka, kb;
    assert_int_equal(bndl_dataset_item_keyword_count(a, i, &ka), BNDL_OK);
    assert_int_equal(bndl_dataset_item_keyword_count(b, i, &kb), BNDL_OK);
    assert_int_equal(ka, kb);
    for (int32_t q = 0; q < ka; q++) {
      const char *wa, *wb;
      size_t la, lb;
      float sa, sb;
      assert_int_equal(bndl_dataset_item_keyword(a, i, q, &wa, &la, &sa), BNDL_OK);
      assert_int_equal(bndl_dataset_item_keyword(b, i, q, &wb, &lb, &sb), BNDL_OK);
      assert_string_equal(wa, wb);
      assert_memory_equal(&sa, &sb, sizeof sa);
    }
  }
}

static void test_split_and_snapshot(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(2);
  bndl_lexicon *lex = tiny_lexicon(ctx);
  double good;
  assert_int_equal(bndl_lexicon_score(lex, "good", 4, &good), BNDL_OK);
  bndl_dataset *ds = small(ctx, NULL, NULL, 1);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, lex), BNDL_OK);
  bndl_lexicon_free(lex);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);

  /* leave-last-out: (u1, i2) and (u2, i3) are held out, so r1 ("good", u1-i2) is test */
  bndl_dataset *train, *test;
  assert_int_equal(bndl_dataset_split(ds, NULL, &train, NULL, &test), BNDL_OK);
  assert_int_equal(bndl_dataset_num_reviews(train), 4);
  assert_int_equal(bndl_dataset_num_reviews(test), 1);
  /* train: i2 keeps only r4 (no text); test: i2 has r1 alone */
  assert_true(isnan(feature(train, BNDL_ENTITY_ITEM, "i2", "sentiment_mean")));
  assert_float_equal(feature(test, BNDL_ENTITY_ITEM, "i2", "sentiment_mean"), good, 1e-6);
  assert_float_equal(feature(test, BNDL_ENTITY_ITEM, "i2", "rating_sentiment_agreement"), 0.0, 0);
  char kw[256];
  keywords_of(train, "i2", kw, sizeof kw);
  assert_string_equal(kw, ""); /* "good" is a test review's word */
  keywords_of(test, "i2", kw, sizeof kw);
  assert_string_equal(kw, "good");
  keywords_of(test, "i1", kw, sizeof kw); /* no test review: the title alone */
  assert_string_equal(kw, "herbal shampoo");

  /* snapshots: the same features and keywords, and a second save gives the same bytes */
  bndl_buffer *b1, *b2;
  assert_int_equal(bndl_dataset_save_buffer(ds, &b1), BNDL_OK);
  uint16_t minor;
  memcpy(&minor, (const char *)bndl_buffer_data(b1) + 10, 2);
  assert_int_equal(minor, 2);
  bndl_dataset *back;
  assert_int_equal(bndl_dataset_load_buffer(ctx, bndl_buffer_data(b1), bndl_buffer_size(b1), &back), BNDL_OK);
  assert_same_text(ds, back);
  assert_int_equal(bndl_dataset_save_buffer(back, &b2), BNDL_OK);
  assert_int_equal(bndl_buffer_size(b1), bndl_buffer_size(b2));
  assert_memory_equal(bndl_buffer_data(b1), bndl_buffer_data(b2), bndl_buffer_size(b1));
  /* a split of the loaded copy equals a split of the original (scores travel in the file) */
  bndl_dataset *train2, *test2;
  assert_int_equal(bndl_dataset_split(back, NULL, &train2, NULL, &test2), BNDL_OK);
  assert_same_text(train, train2);
  assert_same_text(test, test2);
  bndl_buffer_free(b1);
  bndl_buffer_free(b2);
  /* the same for a part and for a dataset without text features */
  assert_int_equal(bndl_dataset_save_buffer(test, &b1), BNDL_OK);
  bndl_dataset *test3;
  assert_int_equal(bndl_dataset_load_buffer(ctx, bndl_buffer_data(b1), bndl_buffer_size(b1), &test3), BNDL_OK);
  assert_same_text(test, test3);
  bndl_buffer_free(b1);
  bndl_dataset *off = small(ctx, "text.features", "0", 1), *off2;
  assert_int_equal(bndl_dataset_finalize(off), BNDL_OK);
  assert_int_equal(bndl_dataset_save_buffer(off, &b1), BNDL_OK);
  assert_int_equal(bndl_dataset_load_buffer(ctx, bndl_buffer_data(b1), bndl_buffer_size(b1), &off2), BNDL_OK);
  assert_same_text(off, off2);
  assert_int_equal(column(off2, BNDL_ENTITY_ITEM, "sentiment_mean"), -1);
  bndl_buffer_free(b1);
  bndl_dataset *frees[] = {ds, train, test, back, train2, test2, test3, off, off2};
  for (size_t k = 0; k < sizeof frees / sizeof frees[0]; k++)
    bndl_dataset_free(frees[k]);
  bndl_context_free(ctx);
}

/* A generated dataset of 240 reviews over 30 items, finalized on 1 and 3 threads. */
/* The generated reviews as a temporary CSV, written once (test_write_tmp is not
 * thread-safe, and the concurrent test loads it from several threads). */
static const char *generated_csv(void) {
  static const char *path = NULL;
  if (path)
    return path;
  static const char *words[] = {"soft", "towel", "cotton", "cheap", "thin", "great", "bad", "color", "wash", "dry",
                                "毛巾", "柔软", "便宜", "颜色"};
  char *csv = malloc(64 * 1024), *p = csv;
  p += sprintf(p, "user,item,rating,text\n");
  uint64_t x = 7;
  for (int r = 0; r < 240; r++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    p += sprintf(p, "u%d,i%d,%d,\"", r % 17, (int)((x >> 40) % 30), (int)((x >> 20) % 5) + 1);
    for (int w = 0; w < 8; w++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      p += sprintf(p, "%s%s", words[(x >> 33) % 14], w % 3 == 2 ? ". " : " ");
    }
    p += sprintf(p, "\"\n");
  }
  path = test_write_tmp(".csv", csv, strlen(csv));
  free(csv);
  return path;
}

static bndl_dataset *generated_with(bndl_context *ctx, const char *method, bndl_lexicon *shared) {
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  bndl_config *cfg;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "text.keyword_method", method), BNDL_OK);
  assert_int_equal(bndl_dataset_configure(ds, cfg), BNDL_OK);
  bndl_config_free(cfg);
  bndl_table_spec *spec;
  assert_int_equal(bndl_table_spec_create(BNDL_TABLE_REVIEWS, BNDL_FORMAT_DELIMITED, &spec), BNDL_OK);
  const char *c[] = {"user", "item", "rating", "text"};
  const bndl_field f[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_RATING, BNDL_FIELD_TEXT};
  for (int k = 0; k < 4; k++)
    assert_int_equal(bndl_table_spec_map(spec, f[k], c[k]), BNDL_OK);
  assert_int_equal(bndl_dataset_load_table(ds, generated_csv(), spec), BNDL_OK);
  bndl_table_spec_free(spec);
  bndl_lexicon *lex = shared ? shared : tiny_lexicon(ctx);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, lex), BNDL_OK);
  if (!shared)
    bndl_lexicon_free(lex);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  return ds;
}

static bndl_dataset *generated(bndl_context *ctx, const char *method) { return generated_with(ctx, method, NULL); }

/* Several application threads finalize datasets on one context (one pool) with one
 * shared lexicon (scored read-only, retained and released by each dataset): every result
 * equals the single-threaded one (TSan checks the races). */
typedef struct caller {
  bndl_context *ctx;
  bndl_lexicon *lex;
  const char *method;
  bndl_dataset *out;
} caller;

static void *caller_main(void *p) {
  caller *c = p;
  c->out = generated_with(c->ctx, c->method, c->lex);
  return NULL;
}

static void test_concurrent_callers(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(2);
  bndl_lexicon *lex = tiny_lexicon(ctx);
  bndl_dataset *ref = generated_with(ctx, "textrank", lex); /* writes the CSV first */
  enum { T = 3 };
  pthread_t th[T];
  caller c[T];
  for (int i = 0; i < T; i++) {
    c[i] = (caller){ctx, lex, "textrank", NULL};
    assert_int_equal(pthread_create(&th[i], NULL, caller_main, &c[i]), 0);
  }
  for (int i = 0; i < T; i++)
    pthread_join(th[i], NULL);
  bndl_lexicon_free(lex); /* the datasets let theirs go at finalize */
  for (int i = 0; i < T; i++) {
    assert_non_null(c[i].out);
    assert_same_text(ref, c[i].out);
    bndl_dataset_free(c[i].out);
  }
  bndl_dataset_free(ref);
  bndl_context_free(ctx);
}

static void test_threads_identical(void **state) {
  (void)state;
  const char *methods[] = {"tfidf", "textrank"};
  for (int m = 0; m < 2; m++) {
    bndl_context *c1 = ctx_threads(1), *c3 = ctx_threads(3);
    bndl_dataset *a = generated(c1, methods[m]), *b = generated(c3, methods[m]);
    int32_t k;
    assert_int_equal(bndl_dataset_item_keyword_count(a, 0, &k), BNDL_OK);
    assert_int_equal(k, 10);
    assert_same_text(a, b);
    bndl_dataset_free(a);
    bndl_dataset_free(b);
    bndl_context_free(c1);
    bndl_context_free(c3);
  }
}

static void test_invalid_utf8_row_dropped(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(1);
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  const char *csv = "user,item,rating,text\nu1,i1,5,fine words\nu2,i1,1,bad \xC3\x28 byte\n";
  const char *c[] = {"user", "item", "rating", "text"};
  const bndl_field f[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_RATING, BNDL_FIELD_TEXT};
  load(ds, BNDL_TABLE_REVIEWS, csv, c, f, 4);
  assert_int_equal(bndl_dataset_rows_dropped(ds, BNDL_DROP_INVALID_UTF8), 1);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  char kw[256];
  keywords_of(ds, "i1", kw, sizeof kw);
  assert_string_equal(kw, "fine words");
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void test_errors(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(1);
  bndl_dataset *ds = small(ctx, NULL, NULL, 0);
  bndl_lexicon *lex = tiny_lexicon(ctx);
  int32_t n;
  const char *w;
  size_t len;
  assert_int_equal(bndl_dataset_item_keyword_count(ds, 0, &n), BNDL_ERR_STATE);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(NULL, lex), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, (bndl_lexicon *)ctx), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_dataset_set_sentiment_lexicon");
  assert_int_equal(bndl_dataset_set_sentiment_model(ds, (bndl_text_model *)lex), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, lex), BNDL_ERR_STATE);
  assert_int_equal(bndl_dataset_set_sentiment_model(ds, NULL), BNDL_ERR_STATE);
  assert_int_equal(bndl_dataset_item_keyword_count(NULL, 0, &n), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_dataset_item_keyword_count(ds, 0, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_dataset_item_keyword_count(ds, 3, &n), BNDL_ERR_NOT_FOUND);
  assert_int_equal(bndl_dataset_item_keyword_count(ds, -1, &n), BNDL_ERR_NOT_FOUND);
  int64_t i3 = id_of(ds, BNDL_ENTITY_ITEM, "i3");
  assert_int_equal(bndl_dataset_item_keyword(ds, i3, 2, &w, &len, NULL), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("has 2 keywords");
  assert_int_equal(bndl_dataset_item_keyword(ds, i3, -1, &w, &len, NULL), BNDL_ERR_NOT_FOUND);
  assert_int_equal(bndl_dataset_item_keyword(ds, i3, 0, NULL, &len, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_dataset_item_keyword(ds, i3, 0, &w, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_dataset_item_keyword(ds, i3, 1, &w, &len, NULL), BNDL_OK); /* score may be NULL */
  assert_string_equal(w, "scarf");
  bndl_lexicon_free(lex);
  bndl_dataset_free(ds);
  /* a dataset freed while it holds a scorer releases it (ASan/LSan would see a leak) */
  ds = small(ctx, NULL, NULL, 0);
  lex = tiny_lexicon(ctx);
  assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, lex), BNDL_OK);
  bndl_lexicon_free(lex);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* bndl_text_keywords: lines "<doc>\t<word>\t<score>", best first per document. */
static void test_text_keywords(void **state) {
  (void)state;
  bndl_context *ctx = ctx_threads(2);
  const char *texts[] = {"The battery lasts long. Battery life is great!", "The screen is bright; screen quality: great.",
                         "Great battery, bright screen.", "苹果新鲜，苹果好吃"};
  bndl_buffer *b;
  assert_int_equal(bndl_text_keywords(ctx, texts, NULL, 4, NULL, &b), BNDL_OK);
  char *copy = strndup(bndl_buffer_data(b), bndl_buffer_size(b));
  int lines = 0, per_doc[4] = {0};
  const char *first[4] = {NULL};
  for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
    int doc;
    char word[64];
    double score;
    assert_int_equal(sscanf(line, "%d\t%63[^\t]\t%lf", &doc, word, &score), 3);
    assert_true(doc >= 0 && doc < 4 && score > 0);
    if (per_doc[doc]++ == 0)
      first[doc] = line;
    lines++;
  }
  assert_int_equal(per_doc[0], 5); /* battery lasts long life great */
  assert_int_equal(per_doc[2], 4);
  assert_int_equal(strncmp(first[0], "0\tbattery\t", 10), 0);
  assert_int_equal(strncmp(first[1], "1\tscreen\t", 9), 0);
  assert_true(per_doc[3] >= 1);
  free(copy);
  bndl_buffer_free(b);
  /* no documents: an empty result; TextRank by config */
  assert_int_equal(bndl_text_keywords(ctx, NULL, NULL, 0, NULL, &b), BNDL_OK);
  assert_int_equal(bndl_buffer_size(b), 0);
  bndl_buffer_free(b);
  bndl_config *cfg;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "text.keyword_method", "textrank"), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "text.keywords", "1"), BNDL_OK);
  assert_int_equal(bndl_text_keywords(ctx, texts, NULL, 1, cfg, &b), BNDL_OK);
  assert_int_equal(strncmp(bndl_buffer_data(b), "0\tbattery\t", 10), 0); /* the hub of its graph */
  assert_non_null(memchr(bndl_buffer_data(b), '\n', bndl_buffer_size(b)));
  assert_ptr_equal(memchr(bndl_buffer_data(b), '\n', bndl_buffer_size(b)), (const char *)bndl_buffer_data(b) + bndl_buffer_size(b) - 1);
  bndl_buffer_free(b);
  bndl_config_free(cfg);
  /* errors */
  const char *bad[] = {"fine", "bad \xC3\x28"};
  assert_int_equal(bndl_text_keywords(ctx, bad, NULL, 2, NULL, &b), BNDL_ERR_FORMAT);
  test_assert_error_contains("bndl_text_keywords");
  const char *null_text[] = {"fine", NULL};
  assert_int_equal(bndl_text_keywords(ctx, null_text, NULL, 2, NULL, &b), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("texts[1] is NULL");
  assert_int_equal(bndl_text_keywords(ctx, texts, NULL, -1, NULL, &b), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_text_keywords(NULL, texts, NULL, 1, NULL, &b), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_text_keywords(ctx, texts, NULL, 1, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  bndl_context_free(ctx);
}

/* Allocation failure at every site of finalize (with a lexicon, both methods) and of
 * split: OUT_OF_MEMORY, a failed finalize leaves the dataset only freeable, nothing
 * leaks, and the loop ends with a clean success. */
static void test_oom(void **state) {
  (void)state;
  for (int phase = 0; phase < 3; phase++) {
    int done = 0;
    int64_t sites = 0;
    for (int64_t at = 1; !done; at++) {
      test_alloc t;
      test_alloc_reset(&t, 0, 0);
      bndl_context *ctx = test_context(&t, 2);
      bndl_dataset *ds = small(ctx, "text.keyword_method", phase == 1 ? "textrank" : "tfidf", 1);
      bndl_lexicon *lex = tiny_lexicon(ctx);
      assert_int_equal(bndl_dataset_set_sentiment_lexicon(ds, lex), BNDL_OK);
      bndl_lexicon_free(lex);
      bndl_dataset *train = NULL, *test = NULL;
      if (phase == 2)
        assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
      t.fail_at = t.n_allocs + at;
      bndl_status st = phase < 2 ? bndl_dataset_finalize(ds) : bndl_dataset_split(ds, NULL, &train, NULL, &test);
      t.fail_at = 0;
      if (st == BNDL_OK) {
        done = t.n_failed == 0;
      } else {
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
        if (phase < 2) {
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
      cmocka_unit_test(test_lexicon_features),  cmocka_unit_test(test_model_features),
      cmocka_unit_test(test_no_scorer_and_off), cmocka_unit_test(test_textrank_config),
      cmocka_unit_test(test_split_and_snapshot), cmocka_unit_test(test_threads_identical),
      cmocka_unit_test(test_invalid_utf8_row_dropped), cmocka_unit_test(test_errors),
      cmocka_unit_test(test_text_keywords),     cmocka_unit_test(test_concurrent_callers),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, teardown_group);
}
