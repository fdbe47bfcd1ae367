/*
 * test_keywords.c - keyword extraction (text/keywords.h) checked by hand: TextRank's
 * weighted PageRank on tiny graphs against fixed points solved on paper, TF-IDF
 * keywords of short English, Chinese and mixed documents against the formulas, the
 * candidate filter (stopwords, negators, numbers, punctuation, one-character tokens),
 * TextRank on a text whose graph is a path, 1 vs 2 vs 3 threads bit-identical, the
 * allocation-failure loop, and invalid UTF-8.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "core/context.h"
#include "data/dataset.h"
#include "data/report.h"
#include "test_support.h"
#include "text/keywords.h"
#include "text/tokenize.h"

/* ---- TextRank's PageRank */

/* Path a - b - c, unit weights. S_a = S_c = x, S_b = y:
 *   x = 0.15 + 0.85 * y / 2,  y = 0.15 + 0.85 * (x + x)
 * => y = 0.405 / 0.2775 = 1.459459..., x = 0.15 + 0.425 y = 0.770270... */
static void test_pagerank_path(void **state) {
  (void)state;
  int64_t off[] = {0, 1, 3, 4};
  int32_t adj[] = {1, 0, 2, 1};
  double w[] = {1, 1, 1, 1}, score[3], scratch[6];
  int sweeps = bndl_textrank_scores(3, off, adj, w, score, scratch);
  double y = 0.405 / 0.2775, x = 0.15 + 0.425 * y;
  assert_true(sweeps > 1 && sweeps < BNDL_TEXTRANK_MAX_SWEEPS);
  assert_float_equal(score[0], x, 1e-3);
  assert_float_equal(score[1], y, 1e-3);
  assert_float_equal(score[2], x, 1e-3);
  assert_float_equal(score[0] + score[1] + score[2], 3.0, 1e-3);
}

/* Path a -2- b -1- c: a gets 2/3 of b's vote, c 1/3, b all of a's and c's:
 *   S_b = 0.15 + 0.85 (S_a + S_c),  S_a + S_c = 0.3 + 0.85 S_b  => S_b = 1.459459...
 *   S_a = 0.15 + 0.85 * 2/3 * S_b = 0.977027...,  S_c = 0.15 + 0.85 / 3 * S_b = 0.563513... */
static void test_pagerank_weighted(void **state) {
  (void)state;
  int64_t off[] = {0, 1, 3, 4};
  int32_t adj[] = {1, 0, 2, 1};
  double w[] = {2, 2, 1, 1}, score[3], scratch[6];
  bndl_textrank_scores(3, off, adj, w, score, scratch);
  double b = 0.405 / 0.2775;
  assert_float_equal(score[0], 0.15 + 0.85 * 2.0 / 3.0 * b, 1e-3);
  assert_float_equal(score[1], b, 1e-3);
  assert_float_equal(score[2], 0.15 + 0.85 / 3.0 * b, 1e-3);
}

/* A vertex without edges keeps 1 - d. */
static void test_pagerank_isolated(void **state) {
  (void)state;
  int64_t off[] = {0, 0};
  double score[1], scratch[2];
  bndl_textrank_scores(1, off, NULL, NULL, score, scratch);
  assert_float_equal(score[0], 0.15, 1e-12);
}

/* ---- extraction */

typedef struct fixture {
  bndl_context *ctx;
  bndl_tokenizer *tok;
} fixture;

static int setup_threads(void **state, int threads) {
  fixture *f = calloc(1, sizeof *f);
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  if (bndl_context_create(&desc, &f->ctx) != BNDL_OK)
    return -1;
  bndl_tokenizer_options o = {0, 0, 1}; /* auto language, no negation marks, stopwords dropped */
  if (bndl_tokenizer_new(&f->ctx->alloc, &o, NULL, &f->tok) != BNDL_OK)
    return -1;
  /* the Chinese words of the hand-written texts, so segmentation is exact */
  const char *zh[] = {"房间", "干净", "前台", "热情", "安静", "苹果", "新鲜", "好吃"};
  if (bndl_tokenizer_add_words(f->tok, zh, NULL, 8) != BNDL_OK)
    return -1;
  *state = f;
  return 0;
}

static int setup(void **state) { return setup_threads(state, 1); }

static int teardown(void **state) {
  fixture *f = *state;
  bndl_tokenizer_free(f->tok);
  bndl_context_free(f->ctx);
  free(f);
  return 0;
}

/* docs: each document one text (NULL-separated lists allowed via doc_off). */
static bndl_status extract(fixture *f, const char *const *texts, int64_t n_texts, const int64_t *doc_off, int64_t n_docs,
                           int method, int32_t k, int32_t window, bndl_item_keywords *out) {
  size_t lens[64];
  for (int64_t i = 0; i < n_texts; i++)
    lens[i] = strlen(texts[i]);
  bndl_keyword_docs d = {n_docs, doc_off, texts, lens};
  bndl_keyword_options o = {method, k, window};
  return bndl_keywords_extract(f->ctx, f->tok, &d, &o, out);
}

static const char *word_of(const bndl_item_keywords *kw, int64_t at) { return kw->text + kw->word_off[kw->word[at]]; }

static void expect_keywords(const bndl_item_keywords *kw, int64_t doc, const char *const *words, const double *scores,
                            int n) {
  assert_int_equal(kw->offsets[doc + 1] - kw->offsets[doc], n);
  for (int q = 0; q < n; q++) {
    int64_t at = kw->offsets[doc] + q;
    if (strcmp(word_of(kw, at), words[q]) != 0)
      fail_msg("doc %lld keyword %d: '%s', want '%s'", (long long)doc, q, word_of(kw, at), words[q]);
    assert_float_equal(kw->score[at], scores[q], 1e-5);
  }
}

/* idf over N = 3 documents, sublinear tf, L2 rows: by hand from keywords.h. */
static double idf3(int df) { return log(4.0 / (1.0 + df)) + 1.0; }

static void test_tfidf_english(void **state) {
  fixture *f = *state;
  const char *texts[] = {"The battery lasts long. Battery life is great!", "The screen is bright; screen quality: great.",
                         "Great battery, bright screen."};
  int64_t doc_off[] = {0, 1, 2, 3};
  bndl_item_keywords kw;
  assert_int_equal(extract(f, texts, 3, doc_off, 3, BNDL_KEYWORDS_TFIDF, 3, 5, &kw), BNDL_OK);
  /* doc 0: battery x2 (df 2), lasts, long, life (df 1), great (df 3) */
  double battery = (1 + log(2.0)) * idf3(2), one = idf3(1), great = idf3(3);
  double norm0 = sqrt(battery * battery + 3 * one * one + great * great);
  const char *w0[] = {"battery", "lasts", "long"};
  double s0[] = {battery / norm0, one / norm0, one / norm0};
  expect_keywords(&kw, 0, w0, s0, 3);
  /* doc 1: screen x2 (df 2), bright (df 2), quality (df 1), great */
  double screen = (1 + log(2.0)) * idf3(2), bright = idf3(2);
  double norm1 = sqrt(screen * screen + bright * bright + one * one + great * great);
  const char *w1[] = {"screen", "quality", "bright"};
  double s1[] = {screen / norm1, one / norm1, bright / norm1};
  expect_keywords(&kw, 1, w1, s1, 3);
  /* doc 2: great, battery, bright, screen: the df-2 words tie and keep their order */
  double norm2 = sqrt(great * great + 3 * idf3(2) * idf3(2));
  const char *w2[] = {"battery", "bright", "screen"};
  double s2[] = {idf3(2) / norm2, idf3(2) / norm2, idf3(2) / norm2};
  expect_keywords(&kw, 2, w2, s2, 3);
  /* each distinct string once */
  assert_int_equal(kw.n_words, 6);
  bndl_item_keywords_free(&f->ctx->alloc, &kw);
}

static void test_tfidf_chinese(void **state) {
  fixture *f = *state;
  const char *texts[] = {"房间干净，前台热情，房间安静。", "苹果新鲜，苹果好吃。", "房间和苹果都新鲜。"};
  int64_t doc_off[] = {0, 1, 2, 3};
  bndl_item_keywords kw;
  assert_int_equal(extract(f, texts, 3, doc_off, 3, BNDL_KEYWORDS_TFIDF, 10, 5, &kw), BNDL_OK);
  double two = (1 + log(2.0)) * idf3(2), one = idf3(1);
  double norm0 = sqrt(two * two + 4 * one * one);
  const char *w0[] = {"房间", "干净", "前台", "热情", "安静"};
  double s0[] = {two / norm0, one / norm0, one / norm0, one / norm0, one / norm0};
  expect_keywords(&kw, 0, w0, s0, 5);
  double norm1 = sqrt(two * two + idf3(2) * idf3(2) + one * one);
  const char *w1[] = {"苹果", "好吃", "新鲜"};
  double s1[] = {two / norm1, one / norm1, idf3(2) / norm1};
  expect_keywords(&kw, 1, w1, s1, 3);
  double third = 1.0 / sqrt(3.0); /* three words of df 2, tf 1: equal */
  const char *w2[] = {"房间", "苹果", "新鲜"};
  double s2[] = {third, third, third};
  expect_keywords(&kw, 2, w2, s2, 3);
  bndl_item_keywords_free(&f->ctx->alloc, &kw);
}

/* Mixed scripts in one text; one document, so idf = 1 and the tie goes to the first seen. */
static void test_tfidf_mixed_and_filter(void **state) {
  fixture *f = *state;
  const char *texts[] = {"The 房间 is clean, 房间 clean!", "not good, NOT good at all; 5 stars!!! a b :) 很",
                         "", "the and of 123"};
  int64_t doc_off[] = {0, 1, 2, 3, 4};
  bndl_item_keywords kw;
  assert_int_equal(extract(f, texts, 4, doc_off, 4, BNDL_KEYWORDS_TFIDF, 10, 5, &kw), BNDL_OK);
  double h = 1.0 / sqrt(2.0);
  const char *w0[] = {"房间", "clean"};
  double s0[] = {h, h};
  expect_keywords(&kw, 0, w0, s0, 2);
  /* negator, number, punctuation, emoticon, one-letter and one-ideograph tokens go;
   * "good" stays (no NOT_ mark in keywords), and so does "stars" */
  assert_int_equal(kw.offsets[2] - kw.offsets[1], 2);
  assert_string_equal(word_of(&kw, kw.offsets[1]), "good");
  assert_string_equal(word_of(&kw, kw.offsets[1] + 1), "stars");
  assert_int_equal(kw.offsets[3] - kw.offsets[2], 0); /* empty text */
  assert_int_equal(kw.offsets[4] - kw.offsets[3], 0); /* stopwords and a number only */
  bndl_item_keywords_free(&f->ctx->alloc, &kw);
}

/* "alpha beta gamma" with window 2 is the path graph of test_pagerank_path; a second
 * text of the same document adds no edge to it (texts are separate). */
static void test_textrank_text(void **state) {
  fixture *f = *state;
  const char *texts[] = {"alpha beta gamma", "delta", "alpha beta gamma delta"};
  int64_t doc_off[] = {0, 2, 3};
  bndl_item_keywords kw;
  assert_int_equal(extract(f, texts, 3, doc_off, 2, BNDL_KEYWORDS_TEXTRANK, 10, 2, &kw), BNDL_OK);
  double y = 0.405 / 0.2775, x = 0.15 + 0.425 * y;
  assert_int_equal(kw.offsets[1], 4);
  assert_string_equal(word_of(&kw, 0), "beta");
  assert_float_equal(kw.score[0], y, 1e-3);
  assert_string_equal(word_of(&kw, 1), "alpha");
  assert_float_equal(kw.score[1], x, 1e-3);
  assert_string_equal(word_of(&kw, 2), "gamma");
  assert_float_equal(kw.score[2], x, 1e-3);
  assert_string_equal(word_of(&kw, 3), "delta"); /* isolated: 1 - d */
  assert_float_equal(kw.score[3], 0.15, 1e-6);
  /* document 1: a path of four, symmetric: the inner two first, in order */
  assert_int_equal(kw.offsets[2] - kw.offsets[1], 4);
  assert_string_equal(word_of(&kw, 4), "beta");
  assert_string_equal(word_of(&kw, 5), "gamma");
  assert_float_equal(kw.score[4], kw.score[5], 1e-9);
  assert_true(kw.score[4] > kw.score[6]);
  /* window 3 links alpha and gamma too: a triangle, all equal at 1 */
  bndl_item_keywords_free(&f->ctx->alloc, &kw);
  int64_t one_doc[] = {0, 1};
  assert_int_equal(extract(f, texts, 1, one_doc, 1, BNDL_KEYWORDS_TEXTRANK, 10, 3, &kw), BNDL_OK);
  for (int q = 0; q < 3; q++)
    assert_float_equal(kw.score[q], 1.0, 1e-6);
  assert_string_equal(word_of(&kw, 0), "alpha"); /* ties in first-appearance order */
  bndl_item_keywords_free(&f->ctx->alloc, &kw);
}

/* Many generated documents (more than one block and one chunk of blocks would need; the
 * blocks here are cut by count) on 1, 2 and 3 threads: identical bytes. */
static void test_threads_identical(void **state) {
  (void)state;
  enum { N = 300 };
  static char buf[N][160];
  const char *texts[N];
  int64_t doc_off[N / 3 + 1];
  const char *vocab[] = {"red", "green", "blue", "shirt", "shoe", "soft", "cheap", "fast", "slow", "房间", "苹果", "新鲜"};
  uint64_t x = 12345;
  for (int i = 0; i < N; i++) {
    buf[i][0] = '\0';
    for (int w = 0; w < 12; w++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      strcat(buf[i], vocab[(x >> 33) % 12]);
      strcat(buf[i], (x >> 20) % 5 ? " " : ". ");
    }
    texts[i] = buf[i];
  }
  for (int d = 0; d <= N / 3; d++)
    doc_off[d] = 3 * d;
  size_t lens[N];
  for (int i = 0; i < N; i++)
    lens[i] = strlen(texts[i]);
  bndl_keyword_docs docs = {N / 3, doc_off, texts, lens};
  for (int method = 0; method < 2; method++) {
    bndl_keyword_options o = {method, 5, 4};
    void *ref_state = NULL;
    assert_int_equal(setup_threads(&ref_state, 1), 0);
    fixture *rf = ref_state;
    bndl_item_keywords ref;
    assert_int_equal(bndl_keywords_extract(rf->ctx, rf->tok, &docs, &o, &ref), BNDL_OK);
    assert_int_equal(ref.offsets[N / 3], 5 * (N / 3));
    for (int threads = 2; threads <= 3; threads++) {
      void *st = NULL;
      assert_int_equal(setup_threads(&st, threads), 0);
      fixture *f = st;
      bndl_item_keywords kw;
      assert_int_equal(bndl_keywords_extract(f->ctx, f->tok, &docs, &o, &kw), BNDL_OK);
      assert_memory_equal(kw.offsets, ref.offsets, (N / 3 + 1) * sizeof *kw.offsets);
      assert_memory_equal(kw.word, ref.word, (size_t)kw.offsets[N / 3] * sizeof *kw.word);
      assert_memory_equal(kw.score, ref.score, (size_t)kw.offsets[N / 3] * sizeof *kw.score);
      assert_int_equal(kw.n_words, ref.n_words);
      assert_memory_equal(kw.text, ref.text, (size_t)kw.word_off[kw.n_words]);
      bndl_item_keywords_free(&f->ctx->alloc, &kw);
      teardown(&st);
    }
    bndl_item_keywords_free(&rf->ctx->alloc, &ref);
    teardown(&ref_state);
  }
}

static void test_invalid_utf8(void **state) {
  fixture *f = *state;
  const char *texts[] = {"fine words here", "bad \xC3\x28 byte"};
  int64_t doc_off[] = {0, 1, 2};
  for (int method = 0; method < 2; method++) {
    bndl_item_keywords kw;
    assert_int_equal(extract(f, texts, 2, doc_off, 2, method, 3, 3, &kw), BNDL_ERR_FORMAT);
    assert_non_null(strstr(bndl_last_error_message(), "text 1"));
    assert_null(kw.offsets);
  }
}

/* Allocation failure at every site (test_support.h): a clean error, nothing leaked,
 * then success once the loop passes the last site. */
static void test_oom(void **state) {
  (void)state;
  const char *texts[] = {"The battery lasts long. Battery life is great!", "房间干净，前台热情，房间安静。",
                         "alpha beta gamma delta alpha"};
  int64_t doc_off[] = {0, 2, 3};
  size_t lens[3];
  for (int i = 0; i < 3; i++)
    lens[i] = strlen(texts[i]);
  for (int method = 0; method < 2; method++) {
    int ok = 0;
    for (int64_t at = 1; at < 10000 && !ok; at++) {
      test_alloc t;
      test_alloc_reset(&t, 0, 0);
      bndl_context *ctx = test_context(&t, 2);
      bndl_tokenizer *tok;
      bndl_tokenizer_options o = {0, 0, 1};
      assert_int_equal(bndl_tokenizer_new(&ctx->alloc, &o, NULL, &tok), BNDL_OK);
      bndl_keyword_docs docs = {2, doc_off, texts, lens};
      bndl_keyword_options ko = {method, 3, 3};
      bndl_item_keywords kw;
      t.fail_at = t.n_allocs + at;
      bndl_status st = bndl_keywords_extract(ctx, tok, &docs, &ko, &kw);
      t.fail_at = 0;
      if (st == BNDL_OK) {
        ok = t.n_failed == 0;
        bndl_item_keywords_free(&ctx->alloc, &kw);
      } else {
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
        assert_null(kw.offsets);
      }
      bndl_tokenizer_free(tok);
      bndl_context_free(ctx);
      assert_int_equal(t.live_blocks, 0);
    }
    assert_true(ok);
  }
}

/* Review text that bypassed the loaders' UTF-8 check (a row pushed here directly) is
 * reported by finalize with the review and its source; the dataset stays buildable. */
static void test_finalize_invalid_utf8(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  int32_t src;
  assert_int_equal(bndl_report_add_source(&ds->report, "injected.csv", BNDL_TABLE_REVIEWS, &src), BNDL_OK);
  const char *texts[] = {"fine words", "bad \xC3\x28 byte"};
  for (int r = 0; r < 2; r++) {
    assert_int_equal(bndl_review_rows_push(ds->alloc, &ds->rv), BNDL_OK);
    assert_int_equal(bndl_bytes_append(ds->alloc, &ds->rv.text, texts[r], strlen(texts[r]), NULL), BNDL_OK);
    ds->rv.text_off[r + 1] = (int64_t)ds->rv.text.len;
    ds->rv.user[r] = ds->rv.item[r] = ds->rv.category[r] = -1;
    ds->rv.rating[r] = NAN;
    ds->rv.ts[r] = INT64_MIN;
    ds->rv.part[r] = 0;
    ds->rv.source[r] = src;
    ds->rv.line[r] = 7 + r;
  }
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_ERR_FORMAT);
  test_assert_error_contains("bndl_dataset_finalize");
  test_assert_error_contains("review 1 (injected.csv:8)");
  test_assert_error_contains("offset 4");
  assert_false(bndl_dataset_is_finalized(ds));
  ds->rv.text.data[ds->rv.text_off[1] + 4] = 'x'; /* repaired: finalize works now */
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pagerank_path),
      cmocka_unit_test(test_pagerank_weighted),
      cmocka_unit_test(test_pagerank_isolated),
      cmocka_unit_test_setup_teardown(test_tfidf_english, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tfidf_chinese, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tfidf_mixed_and_filter, setup, teardown),
      cmocka_unit_test_setup_teardown(test_textrank_text, setup, teardown),
      cmocka_unit_test(test_threads_identical),
      cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
      cmocka_unit_test(test_oom),
      cmocka_unit_test(test_finalize_invalid_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
