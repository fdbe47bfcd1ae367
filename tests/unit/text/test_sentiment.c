/*
 * test_sentiment.c - the rule engine (sentiment.c) on token lists built by hand.
 *
 * The tokens are written as the tokenizer would give them (one per space-separated
 * piece; "~" in front of a piece marks it as inside a negation scope), so every rule is
 * checked against a value worked out by hand from its definition, independently of how
 * the tokenizer segments: booster (distance scaling, dampeners, phrases), negation
 * (VADER's 3-word window), contrast "but" per sentence, ALL CAPS in mixed-case text,
 * exclamation marks (capped at 4), and for Chinese degree multipliers, negators (odd,
 * double, before or after a degree word, clause-bounded), the 1.5 weight of negative
 * expressions, one-character words only as predicates, 但是 and ！. Then range,
 * empty input, determinism, failed allocations and four threads on one lexicon.
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

#include "core/context.h"
#include "core/error.h"
#include "text/lexicon.h"
#include "text/sentiment.h"
#include "test_support.h"

/* ---- hand-made token lists */

enum { MAX_TOK = 64 };

typedef struct hand {
  char text[1024];         /* the text: the pieces joined by single spaces */
  char words[MAX_TOK][64]; /* token texts, lower-cased */
  bndl_token tok[MAX_TOK];
  bndl_token_list list;
} hand;

static int is_punct_piece(const char *p) {
  static const char *const marks[] = {"。", "，", "！", "？", "；"};
  for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
    if (strcmp(p, marks[k]) == 0)
      return 1;
  for (const char *c = p; *c; c++)
    if (strchr(".,!?;:", *c) == NULL)
      return 0;
  return 1;
}

static void hand_tokens(hand *h, const char *spec) {
  memset(h, 0, sizeof *h);
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", spec);
  size_t len = 0, n = 0;
  for (char *save = NULL, *p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
    int negated = 0;
    if (*p == '~') {
      negated = 1;
      p++;
    }
    if (len > 0)
      h->text[len++] = ' ';
    size_t pl = strlen(p);
    memcpy(h->text + len, p, pl);
    for (size_t i = 0; i <= pl; i++)
      h->words[n][i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
    bndl_token *t = &h->tok[n];
    t->text = h->words[n];
    t->length = (uint32_t)pl;
    t->offset = (uint32_t)len;
    t->negated = (uint8_t)negated;
    unsigned char c0 = (unsigned char)p[0];
    t->kind = is_punct_piece(p) ? BNDL_TOKEN_PUNCT : (c0 >= 0xE3 && c0 <= 0xE9) ? BNDL_TOKEN_CJK
              : (c0 >= '0' && c0 <= '9')                                     ? BNDL_TOKEN_NUMBER
              : (c0 == ':' || c0 == ';')                                     ? BNDL_TOKEN_EMOJI
                                                                             : BNDL_TOKEN_WORD;
    len += pl;
    n++;
  }
  h->text[len] = '\0';
  h->list.tokens = h->tok;
  h->list.n = n;
  h->list.cap = MAX_TOK;
}

/* ---- the lexicon of the cases (values picked for easy arithmetic) */

static const char *vader_text = "good\t1.9\nbad\t-2.5\ngreat\t3.1\nsuper\t2.9\nhorrible\t-2.5\n:)\t2.0\n";
static const char *pos_text = "好\n满意\n";
static const char *neg_text = "差\n失望\n";
static const char *degree_text = "中文程度级别词语\t3\n\n1. “极其|extreme / 最|most”\t1\n非常 \n\n"
                                 "2. “很|very”\t1\n很 \n\n4. “稍|-ish”\t1\n有点 \n";
static const char *negation_text = "不\n没有\n";

typedef struct fixture {
  test_alloc t;
  bndl_context *ctx;
  bndl_lexicon *lex;
} fixture;

static void load(bndl_lexicon *lex, const char *text, bndl_lex_format f) {
  char *p = test_write_tmp(".txt", text, strlen(text));
  if (bndl_lexicon_load_file(lex, p, f, NULL) != BNDL_OK)
    fail_msg("%s", bndl_error_message());
}

static void fixture_init(fixture *f) {
  memset(f, 0, sizeof *f);
  test_alloc_reset(&f->t, 0, 0);
  f->ctx = test_context(&f->t, 1);
  assert_non_null(f->ctx);
  assert_int_equal(bndl_lexicon_new(f->ctx, &f->lex), BNDL_OK);
  load(f->lex, vader_text, BNDL_LEX_FORMAT_VADER);
  load(f->lex, pos_text, BNDL_LEX_FORMAT_POSITIVE);
  load(f->lex, neg_text, BNDL_LEX_FORMAT_NEGATIVE);
  load(f->lex, degree_text, BNDL_LEX_FORMAT_HOWNET_DEGREE);
  load(f->lex, negation_text, BNDL_LEX_FORMAT_NEGATION);
}

static void fixture_free(fixture *f) {
  bndl_lexicon_destroy(f->lex);
  bndl_context_free(f->ctx);
  assert_int_equal(f->t.live_blocks, 0);
  test_tmp_cleanup();
}

static double norm(double s) { return s / sqrt(s * s + 15.0); }

/* Scores spec and compares the raw sum with `sum` (and the compound with its norm). */
static void expect_sum(const bndl_lexicon *lex, const char *spec, double sum) {
  hand h;
  hand_tokens(&h, spec);
  double score = 99;
  bndl_sentiment_detail d;
  assert_int_equal(bndl_sentiment_score_tokens(lex, h.text, strlen(h.text), &h.list, &score, &d), BNDL_OK);
  if (fabs(d.sum - sum) > 1e-9 || fabs(score - norm(sum)) > 1e-12)
    fail_msg("'%s': sum %.6f (expected %.6f), score %.6f", spec, d.sum, sum, score);
}

/* ---- English rules */

static void test_english_words_and_normalisation(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  expect_sum(f.lex, "good", 1.9);
  expect_sum(f.lex, "this phone is good", 1.9);
  expect_sum(f.lex, "good and bad", 1.9 - 2.5);
  expect_sum(f.lex, "nothing here", 0.0);
  expect_sum(f.lex, "love it :)", 2.0);
  hand h;
  hand_tokens(&h, "good");
  double s;
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &s, NULL), BNDL_OK);
  assert_true(fabs(s - 1.9 / sqrt(1.9 * 1.9 + 15)) < 1e-12); /* 0.4404 */
  fixture_free(&f);
}

static void test_english_boosters(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  expect_sum(f.lex, "very good", 1.9 + 0.293);
  expect_sum(f.lex, "very bad", -2.5 - 0.293);              /* away from zero for negatives */
  expect_sum(f.lex, "very the good", 1.9 + 0.95 * 0.293);    /* distance 2 */
  expect_sum(f.lex, "very the the good", 1.9 + 0.9 * 0.293); /* distance 3 */
  expect_sum(f.lex, "very the the the good", 1.9);           /* beyond 3 */
  expect_sum(f.lex, "really very good", 1.9 + 0.293 + 0.95 * 0.293);
  expect_sum(f.lex, "slightly good", 1.9 - 0.293);           /* dampener */
  expect_sum(f.lex, "slightly bad", -2.5 + 0.293);
  expect_sum(f.lex, "kind of good", 1.9 - 0.293);            /* a two-word dampener */
  expect_sum(f.lex, "very , good", 1.9);                     /* punctuation stops it */
  /* a degree word with a valence: modifier before a sentiment word, a word otherwise */
  expect_sum(f.lex, "super good", 1.9 + 0.293);
  expect_sum(f.lex, "super", 2.9);
  expect_sum(f.lex, "super phone", 2.9);
  fixture_free(&f);
}

static void test_english_negation(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  expect_sum(f.lex, "not ~good", 1.9 * -0.74);
  expect_sum(f.lex, "not ~bad", -2.5 * -0.74);
  expect_sum(f.lex, "not ~very ~good", (1.9 + 0.293) * -0.74);
  expect_sum(f.lex, "not ~a ~very ~good", (1.9 + 0.293) * -0.74);     /* 3rd word of the scope */
  /* VADER's window: the 4th word of a scope is no longer negated */
  expect_sum(f.lex, "not ~that ~it ~is ~good", 1.9);
  /* a new scope restarts the count */
  expect_sum(f.lex, "not ~good , not ~bad", 1.9 * -0.74 + -2.5 * -0.74);
  fixture_free(&f);
}

static void test_english_but(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  expect_sum(f.lex, "good but bad", 1.9 * 0.5 - 2.5 * 1.5);
  expect_sum(f.lex, "great , but horrible service", 3.1 * 0.5 - 2.5 * 1.5);
  /* per sentence: the first sentence keeps its weight */
  expect_sum(f.lex, "good . bad but good", 1.9 + 0.292 * 0 - 2.5 * 0.5 + 1.9 * 1.5);
  /* two contrasts: before the last one 0.5, after the first one 1.5 */
  expect_sum(f.lex, "good but bad but great", 1.9 * 0.5 - 2.5 * 0.5 + 3.1 * 1.5);
  fixture_free(&f);
}

static void test_english_caps_and_exclamation(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  expect_sum(f.lex, "the food is GOOD", 1.9 + 0.733);
  expect_sum(f.lex, "the food is VERY good", 1.9 + 0.293 + 0.733);
  expect_sum(f.lex, "THE FOOD IS GOOD", 1.9);        /* all caps: no contrast to read */
  expect_sum(f.lex, "the food is BAD", -2.5 - 0.733);
  expect_sum(f.lex, "good !", 1.9 + 0.292);
  expect_sum(f.lex, "good ! ! !", 1.9 + 3 * 0.292);
  expect_sum(f.lex, "good !!!!!!!", 1.9 + 4 * 0.292); /* at most 4 */
  expect_sum(f.lex, "bad !!", -2.5 - 2 * 0.292);
  expect_sum(f.lex, "hello !!!", 0.0);                /* nothing to amplify */
  fixture_free(&f);
}

/* ---- Chinese rules */

static void test_chinese_degree_and_negation(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  /* negative expressions weigh 1.5 (BNDL_SENT_ZH_NEGATIVE) */
  expect_sum(f.lex, "满意", 2.0);
  expect_sum(f.lex, "失望", -2.0 * 1.5);
  expect_sum(f.lex, "服务 很 满意", 2.0 * 1.75);
  expect_sum(f.lex, "非常 满意", 2.0 * 2.0);
  expect_sum(f.lex, "非常 非常 满意", 2.0 * 4.0);
  expect_sum(f.lex, "有点 失望", -2.0 * 0.8 * 1.5);
  expect_sum(f.lex, "不 满意", -2.0 * 1.5);
  expect_sum(f.lex, "没有 失望", 2.0);
  expect_sum(f.lex, "不 是 不 满意", 2.0);          /* double negation cancels */
  expect_sum(f.lex, "很 不 满意", -2.0 * 1.75 * 1.5); /* negator after the degree word */
  expect_sum(f.lex, "不 很 满意", -2.0 * 0.5 * 1.5);  /* before it: "not very", degree dropped */
  expect_sum(f.lex, "不 ， 满意", 2.0);              /* clause boundary */
  expect_sum(f.lex, "不 一 二 满意", -2.0 * 1.5);    /* window of 3 */
  expect_sum(f.lex, "不 一 二 三 满意", 2.0);
  expect_sum(f.lex, "失望 满意", -3.0 + 2.0);
  expect_sum(f.lex, "不 失望 满意", 2.0 + 2.0);      /* the previous sentiment word ends the look-back */
  fixture_free(&f);
}

/* One-character words count as predicates only: after a modifier or closing a clause. */
static void test_chinese_single_characters(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  expect_sum(f.lex, "好", 2.0);
  expect_sum(f.lex, "东西 好 。", 2.0);
  expect_sum(f.lex, "东西 好 的 啊 ， 便宜", 2.0);  /* particles before the clause end */
  expect_sum(f.lex, "很 好", 2.0 * 1.75);
  expect_sum(f.lex, "不 差", 2.0);
  expect_sum(f.lex, "好 东西", 0.0);                /* inside a clause, unmodified */
  expect_sum(f.lex, "差 东西 很 好", 2.0 * 1.75);
  expect_sum(f.lex, "真 差 ！", -2.0 * 1.5 - 0.292);
  expect_sum(f.lex, "好 ， 但是 差", 2.0 * 0.5 - 3.0 * 1.5);
  fixture_free(&f);
}

static void test_chinese_contrast_and_exclamation(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  expect_sum(f.lex, "满意 ， 但是 失望", 2.0 * 0.5 - 3.0 * 1.5);
  expect_sum(f.lex, "满意 ， 不过 有点 失望", 2.0 * 0.5 - 2.0 * 0.8 * 1.5 * 1.5);
  expect_sum(f.lex, "价格 满意 ， 质量 却 失望", 2.0 * 0.5 - 3.0 * 1.5);
  expect_sum(f.lex, "满意 。 但 失望", 2.0 - 3.0 * 1.5); /* sentence boundary: 满意 keeps weight 1 */
  expect_sum(f.lex, "满意 ！", 2.0 + 0.292);
  expect_sum(f.lex, "满意 ！ ！", 2.0 + 2 * 0.292);
  expect_sum(f.lex, "满意 !", 2.0 + 0.292);
  expect_sum(f.lex, "good 满意", 1.9 + 2.0);              /* mixed text, each word by its rules */
  fixture_free(&f);
}

/* ---- contract */

static void test_range_empty_determinism(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  bndl_token_list empty;
  memset(&empty, 0, sizeof empty);
  double s = 5;
  bndl_sentiment_detail d;
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, "", 0, &empty, &s, &d), BNDL_OK);
  assert_true(s == 0.0 && d.sum == 0.0 && d.n_sentiment == 0);
  hand h;
  hand_tokens(&h, "great great great great great great great great great great !!!!");
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &s, NULL), BNDL_OK);
  assert_true(s > 0.99 && s <= 1.0);
  hand_tokens(&h, "非常 差 非常 差 非常 差 非常 差 非常 差 非常 差 非常 差 非常 差 ！");
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &s, NULL), BNDL_OK);
  assert_true(s < -0.99 && s >= -1.0);
  /* no text: the caps rule is off, the rest the same */
  hand_tokens(&h, "the food is GOOD");
  double with_text, without_text;
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &with_text, NULL), BNDL_OK);
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, NULL, 0, &h.list, &without_text, NULL), BNDL_OK);
  assert_true(with_text > without_text && fabs(without_text - norm(1.9)) < 1e-12);
  /* same input, same bits */
  hand_tokens(&h, "very good but not ~bad !");
  double a, b;
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &a, NULL), BNDL_OK);
  for (int i = 0; i < 100; i++) {
    assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &b, NULL), BNDL_OK);
    assert_memory_equal(&a, &b, sizeof a);
  }
  /* an empty lexicon scores everything 0 */
  bndl_lexicon *none;
  assert_int_equal(bndl_lexicon_new(f.ctx, &none), BNDL_OK);
  assert_int_equal(bndl_sentiment_score_tokens(none, h.text, strlen(h.text), &h.list, &s, NULL), BNDL_OK);
  assert_true(s == 0.0);
  bndl_lexicon_destroy(none);
  fixture_free(&f);
}

static void test_allocation_failure(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  hand h;
  hand_tokens(&h, "very good");
  f.t.fail_at = f.t.n_allocs + 1;
  double s = 7;
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &s, NULL),
                   BNDL_ERR_OUT_OF_MEMORY);
  f.t.fail_at = 0;
  assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &s, NULL), BNDL_OK);
  assert_true(s > 0);
  fixture_free(&f);
}

/* ---- four threads, one lexicon (label concurrency) */

static const char *const thread_specs[] = {
    "very good but not ~bad !", "好 ， 但是 很 不 满意", "the food is GREAT", "不 是 不 好 ！", "kind of bad",
    "good . bad but good",       "非常 非常 好",          "not ~very ~good",   "super good",    "没有 失望",
};
enum { N_SPECS = sizeof thread_specs / sizeof thread_specs[0], ROUNDS = 2000 };

typedef struct thread_arg {
  const bndl_lexicon *lex;
  double expected[N_SPECS];
  int mismatches;
  bndl_status status;
} thread_arg;

static void *score_many(void *ud) {
  thread_arg *a = ud;
  hand *h = malloc(sizeof *h);
  for (int r = 0; r < ROUNDS; r++) {
    int k = r % N_SPECS;
    hand_tokens(h, thread_specs[k]);
    double s;
    bndl_status st = bndl_sentiment_score_tokens(a->lex, h->text, strlen(h->text), &h->list, &s, NULL);
    if (st != BNDL_OK)
      a->status = st;
    if (memcmp(&s, &a->expected[k], sizeof s) != 0)
      a->mismatches++;
  }
  free(h);
  return NULL;
}

static void test_four_threads_one_lexicon(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  thread_arg args[4];
  memset(args, 0, sizeof args);
  for (int k = 0; k < N_SPECS; k++) {
    hand h;
    hand_tokens(&h, thread_specs[k]);
    assert_int_equal(bndl_sentiment_score_tokens(f.lex, h.text, strlen(h.text), &h.list, &args[0].expected[k], NULL),
                     BNDL_OK);
  }
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    args[i].lex = f.lex;
    memcpy(args[i].expected, args[0].expected, sizeof args[0].expected);
    assert_int_equal(pthread_create(&th[i], NULL, score_many, &args[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(args[i].status, BNDL_OK);
    assert_int_equal(args[i].mismatches, 0);
  }
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_english_words_and_normalisation),
      cmocka_unit_test(test_english_boosters),
      cmocka_unit_test(test_english_negation),
      cmocka_unit_test(test_english_but),
      cmocka_unit_test(test_english_caps_and_exclamation),
      cmocka_unit_test(test_chinese_degree_and_negation),
      cmocka_unit_test(test_chinese_single_characters),
      cmocka_unit_test(test_chinese_contrast_and_exclamation),
      cmocka_unit_test(test_range_empty_determinism),
      cmocka_unit_test(test_allocation_failure),
      cmocka_unit_test(test_four_threads_one_lexicon),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
