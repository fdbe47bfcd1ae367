/*
 * test_lexicon_score.c - the public lexicon calls end to end (bundle.h: bndl_lexicon_*),
 * with the real tokenizer and, where present, the real lexicons of ../shared/data.
 *
 * The rule arithmetic is checked on hand-made tokens in test_sentiment.c; here the
 * question is whether text reaches the rules as intended: the tokenizer's negation
 * scopes, contractions, emoticons, Chinese segmentation seeded from the lexicon, and
 * the argument checks, errors, rollback, allocation failures and concurrency of the
 * public entry points.
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

static double score_of(const bndl_lexicon *lex, const char *text) {
  double s = 99;
  bndl_status st = bndl_lexicon_score(lex, text, strlen(text), &s);
  if (st != BNDL_OK)
    fail_msg("'%s': %s", text, bndl_last_error_message());
  assert_true(s >= -1.0 && s <= 1.0);
  return s;
}

static const char *lexdir(void) {
  return test_shared_path("lexicons/vader_lexicon.txt") ? test_shared_path("lexicons") : NULL;
}

static const char *small_vader = "good\t1.9\nbad\t-2.5\ngreat\t3.1\nlike\t2.0\n:)\t2.0\n";

static bndl_lexicon *small_lexicon(bndl_context *ctx) {
  bndl_lexicon *lex;
  assert_int_equal(bndl_lexicon_create(ctx, &lex), BNDL_OK);
  char *p = test_write_tmp(".txt", small_vader, strlen(small_vader));
  assert_int_equal(bndl_lexicon_load(lex, p, "vader"), BNDL_OK);
  const char *pos = "满意\n漂亮\n", *neg = "失望\n", *deg = "t\t1\n\n2. “很|very”\t1\n很\n", *negs = "不\n没有\n";
  assert_int_equal(bndl_lexicon_load(lex, test_write_tmp(".txt", pos, strlen(pos)), "positive"), BNDL_OK);
  assert_int_equal(bndl_lexicon_load(lex, test_write_tmp(".txt", neg, strlen(neg)), "negative"), BNDL_OK);
  assert_int_equal(bndl_lexicon_load(lex, test_write_tmp(".txt", deg, strlen(deg)), "hownet_degree"), BNDL_OK);
  assert_int_equal(bndl_lexicon_load(lex, test_write_tmp(".txt", negs, strlen(negs)), "negation"), BNDL_OK);
  return lex;
}

static double norm(double s) { return s / sqrt(s * s + 15.0); }

static void test_text_reaches_the_rules(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 1);
  bndl_lexicon *lex = small_lexicon(ctx);
  assert_true(fabs(score_of(lex, "Good.") - norm(1.9)) < 1e-12);
  /* "don't" -> "do not": the scope starts after "not" */
  assert_true(fabs(score_of(lex, "I don't like it.") - norm(2.0 * -0.74)) < 1e-12);
  assert_true(fabs(score_of(lex, "The food is GREAT, but the service is bad.") -
                   norm((3.1 + 0.733) * 0.5 - 2.5 * 1.5)) < 1e-12);
  assert_true(fabs(score_of(lex, "good!!") - norm(1.9 + 2 * 0.292)) < 1e-12);
  assert_true(score_of(lex, "love it :)") > 0);
  /* Chinese: the lexicon's words segment the text; full-width ！ folds to ! */
  assert_true(fabs(score_of(lex, "服务很满意！") - norm(2.0 * 1.75 + 0.292)) < 1e-12);
  assert_true(fabs(score_of(lex, "不满意") - norm(-2.0 * 1.5)) < 1e-12);
  assert_true(fabs(score_of(lex, "外观漂亮，但是很失望") - norm(2.0 * 0.5 - 2.0 * 1.75 * 1.5 * 1.5)) < 1e-12);
  /* nothing to score */
  assert_true(score_of(lex, "the phone arrived on tuesday") == 0.0);
  double s = 5;
  assert_int_equal(bndl_lexicon_score(lex, "", 0, &s), BNDL_OK);
  assert_true(s == 0.0);
  assert_int_equal(bndl_lexicon_score(lex, NULL, 0, &s), BNDL_OK);
  assert_true(s == 0.0);
  /* a text with embedded length: only `length` bytes count */
  assert_int_equal(bndl_lexicon_score(lex, "good bad", 4, &s), BNDL_OK);
  assert_true(fabs(s - norm(1.9)) < 1e-12);
  /* invalid UTF-8 */
  assert_int_equal(bndl_lexicon_score(lex, "good \xff", 6, &s), BNDL_ERR_FORMAT);
  test_assert_error_contains("bndl_lexicon_score");
  bndl_lexicon_free(lex);
  bndl_context_free(ctx);
  assert_int_equal(t.live_blocks, 0);
  test_tmp_cleanup();
}

static void test_arguments_and_errors(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_lexicon *lex = NULL;
  assert_int_equal(bndl_lexicon_create(NULL, &lex), BNDL_ERR_INVALID_ARGUMENT);
  assert_null(lex);
  assert_int_equal(bndl_lexicon_create(ctx, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_lexicon_create(ctx, &lex), BNDL_OK);
  double s;
  /* an empty lexicon scores 0 */
  assert_int_equal(bndl_lexicon_score(lex, "great", 5, &s), BNDL_OK);
  assert_true(s == 0.0);
  assert_int_equal(bndl_lexicon_score(NULL, "x", 1, &s), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_lexicon_score(lex, "x", 1, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_lexicon_score(lex, NULL, 3, &s), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_lexicon_load(lex, NULL, "vader"), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_lexicon_load(lex, "x", NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_lexicon_load(lex, "x", "sentiwordnet"), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("sentiwordnet");
  assert_int_equal(bndl_lexicon_load_dir(lex, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_lexicon_load(lex, "/nonexistent/v.txt", "vader"), BNDL_ERR_IO);
  test_assert_error_contains("bndl_lexicon_load: ");
  assert_int_equal(bndl_lexicon_load_dir(lex, "/nonexistent"), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("bndl_lexicon_load_dir: ");
  /* a malformed file: FORMAT with path:line, and the lexicon is unchanged */
  char *p = test_write_tmp(".txt", small_vader, strlen(small_vader));
  assert_int_equal(bndl_lexicon_load(lex, p, "vader"), BNDL_OK);
  const char *bad = "fine\t1.0\nbroken 1.0\n";
  char *q = test_write_tmp(".txt", bad, strlen(bad));
  assert_int_equal(bndl_lexicon_load(lex, q, "vader"), BNDL_ERR_FORMAT);
  char where[4200];
  snprintf(where, sizeof where, "bndl_lexicon_load: %s:2: ", q);
  test_assert_error_contains(where);
  assert_int_equal(bndl_lexicon_score(lex, "fine", 4, &s), BNDL_OK);
  assert_true(s == 0.0);
  assert_true(score_of(lex, "good") > 0);
  /* a handle of another type is refused, not used */
  assert_int_equal(bndl_lexicon_score((const bndl_lexicon *)(void *)ctx, "good", 4, &s), BNDL_ERR_INVALID_ARGUMENT);
  bndl_lexicon_free(lex);
  bndl_lexicon_free(NULL);
  bndl_context_free(ctx);
  test_tmp_cleanup();
}

/* The real lexicons: sentences whose sign anyone agrees on. */
static void test_real_lexicons(void **state) {
  (void)state;
  const char *dir = lexdir();
  if (!dir)
    skip();
  bndl_context *ctx = test_context(NULL, 1);
  bndl_lexicon *lex;
  assert_int_equal(bndl_lexicon_create(ctx, &lex), BNDL_OK);
  assert_int_equal(bndl_lexicon_load_dir(lex, dir), BNDL_OK);
  static const char *const positive[] = {
      "Great phone, works perfectly!", "I love it :)", "Not bad at all.", "The sound is excellent.",
      "It was a bit pricey, but the quality is amazing.", "质量很好，物流也很快，非常满意！",
      "酒店环境不错，服务周到。", "不是不好", "价格有点贵，但是味道真的很棒"};
  static const char *const negative[] = {
      "Terrible battery life.", "I don't like it.", "Worst purchase ever, do not buy.",
      "The screen is nice but the battery is horrible.", "非常失望，再也不会买了。", "质量太差了，不推荐",
      "不满意", "服务态度很不好", "外观漂亮，但是质量很差"};
  for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++)
    if (!(score_of(lex, positive[i]) > 0))
      fail_msg("'%s' scored %.3f", positive[i], score_of(lex, positive[i]));
  for (size_t i = 0; i < sizeof negative / sizeof negative[0]; i++)
    if (!(score_of(lex, negative[i]) < 0))
      fail_msg("'%s' scored %.3f", negative[i], score_of(lex, negative[i]));
  /* stronger wording, stronger score */
  assert_true(score_of(lex, "very good") > score_of(lex, "good"));
  assert_true(score_of(lex, "good!!!") > score_of(lex, "good"));
  assert_true(score_of(lex, "非常满意") > score_of(lex, "满意"));
  assert_true(score_of(lex, "很不满意") < score_of(lex, "不很满意"));
  bndl_lexicon_free(lex);
  bndl_context_free(ctx);
}

/* Every allocation of create + load + score failed in turn. */
static void test_allocation_failures(void **state) {
  (void)state;
  const char *pos = "满意\n", *vader = "good\t1.9\n";
  char *pp = test_write_tmp(".txt", pos, strlen(pos));
  char *vp = test_write_tmp(".txt", vader, strlen(vader));
  int64_t fails = 0;
  for (int64_t k = 1;; k++) {
    test_alloc t;
    test_alloc_reset(&t, 0, 0);
    bndl_context *ctx = test_context(&t, 1);
    assert_non_null(ctx);
    t.fail_at = t.n_allocs + k;
    bndl_lexicon *lex = NULL;
    double s = 0;
    bndl_status st = bndl_lexicon_create(ctx, &lex);
    if (st == BNDL_OK)
      st = bndl_lexicon_load(lex, pp, "positive");
    if (st == BNDL_OK)
      st = bndl_lexicon_load(lex, vp, "vader");
    if (st == BNDL_OK)
      st = bndl_lexicon_score(lex, "非常满意, good", strlen("非常满意, good"), &s);
    if (st == BNDL_OK) {
      assert_true(s > 0);
      assert_int_equal(t.n_failed, 0);
    } else {
      assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
      fails++;
      if (lex != NULL) { /* still usable after the failure */
        t.fail_at = 0;
        assert_int_equal(bndl_lexicon_score(lex, "good", 4, &s), BNDL_OK);
      }
    }
    bndl_lexicon_free(lex);
    bndl_context_free(ctx);
    assert_int_equal(t.live_blocks, 0);
    if (st == BNDL_OK)
      break;
  }
  assert_true(fails > 10);
  test_tmp_cleanup();
}

/* Four threads score with one lexicon (label concurrency: runs under TSan in CI). */
typedef struct worker {
  const bndl_lexicon *lex;
  const char *const *texts;
  size_t n;
  const double *expected;
  int mismatches;
} worker;

static void *work(void *ud) {
  worker *w = ud;
  for (int r = 0; r < 300; r++)
    for (size_t i = 0; i < w->n; i++) {
      double s;
      if (bndl_lexicon_score(w->lex, w->texts[i], strlen(w->texts[i]), &s) != BNDL_OK ||
          memcmp(&s, &w->expected[i], sizeof s) != 0)
        w->mismatches++;
    }
  return NULL;
}

static void test_four_threads(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_lexicon *lex = small_lexicon(ctx);
  static const char *const texts[] = {"I don't like it.", "服务很满意！", "外观漂亮，但是很失望", "good!!",
                                      "The food is GREAT, but the service is bad.", "没有失望"};
  enum { N = sizeof texts / sizeof texts[0] };
  double expected[N];
  for (size_t i = 0; i < N; i++)
    expected[i] = score_of(lex, texts[i]);
  pthread_t th[4];
  worker w[4];
  for (int i = 0; i < 4; i++) {
    w[i] = (worker){lex, texts, N, expected, 0};
    assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(w[i].mismatches, 0);
  }
  bndl_lexicon_free(lex);
  bndl_context_free(ctx);
  test_tmp_cleanup();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_reaches_the_rules), cmocka_unit_test(test_arguments_and_errors),
      cmocka_unit_test(test_real_lexicons),          cmocka_unit_test(test_allocation_failures),
      cmocka_unit_test(test_four_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
