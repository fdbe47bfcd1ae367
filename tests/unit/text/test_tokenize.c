/*
 * test_tokenize.c - the tokenizer (text/tokenize.c) on hand-checked examples.
 *
 * Every expectation below was written by hand from the rules in tokenize.c's header,
 * not printed by the code: tokens are shown joined by spaces, a negated token with a
 * "NOT_" prefix, so one string states text, order and negation at once (kinds are
 * checked separately where they matter). Then the edge cases: invalid UTF-8 (status and
 * offset), empty text, a 1 MB review in three shapes, determinism, and the
 * allocation-failure loop of TARGETS.md R6.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/error.h"
#include "data/utf8.h"
#include "test_support.h"
#include "text/lexicon.h"
#include "text/tokenize.h"

static test_alloc g_counter;
static bndl_allocator g_alloc;

static bndl_tokenizer *make_tokenizer(int language, int negation, int stopwords) {
  bndl_tokenizer_options opt = {language, negation, stopwords};
  bndl_tokenizer *t = NULL;
  assert_int_equal(bndl_tokenizer_new(&g_alloc, &opt, NULL, &t), BNDL_OK);
  return t;
}

/* Tokens of text joined by ' ', negated ones as NOT_<text>. Static buffer. */
static const char *joined(const bndl_tokenizer *t, const char *text) {
  static char out[8192];
  bndl_token_list l;
  bndl_token_list_init(&l, &g_alloc);
  bndl_status st = bndl_tokenize(t, text, strlen(text), &l);
  if (st != BNDL_OK)
    fail_msg("bndl_tokenize(\"%s\") = %d: %s", text, (int)st, bndl_error_message());
  size_t n = 0;
  out[0] = '\0';
  for (size_t k = 0; k < l.n; k++) {
    n += (size_t)snprintf(out + n, sizeof out - n, "%s%s%s", k ? " " : "", l.tokens[k].negated ? "NOT_" : "",
                          l.tokens[k].text);
    assert_int_equal(strlen(l.tokens[k].text), l.tokens[k].length);
  }
  bndl_token_list_free(&l);
  return out;
}

#define EXPECT(t, text, want) assert_string_equal(joined((t), (text)), (want))

static void test_english(void **state) {
  (void)state;
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  /* n't -> not, which opens a scope up to the comma; "it's" -> "it is"; the run "!!!" is
   * one token; ":(" after a space is an emoticon */
  EXPECT(t, "I don't like this phone, it's too slow!!! :(",
         "i do not NOT_like NOT_this NOT_phone , it is too slow !!! :(");
  /* can't and won't keep their stems; ';' and '.' close scopes; case folded */
  EXPECT(t, "Can't BELIEVE it; won't buy again.", "can not NOT_believe NOT_it ; will not NOT_buy NOT_again .");
  /* 're 've 'd 'll 'm; the possessive 's is dropped; a leading apostrophe is punctuation */
  EXPECT(t, "They're great, I've used 'em. He'd say we'll see, I'm sure John's phone works.",
         "they are great , i have used ' em . he would say we will see , i am sure john phone works .");
  /* let's; curly apostrophe; o'clock keeps its apostrophe; rock'n'roll too */
  EXPECT(t, "Let\xE2\x80\x99s go at 5 o'clock rock'n'roll", "let us go at 5 o'clock rock'n'roll");
  /* "'t" after anything but n is no contraction */
  EXPECT(t, "cat't", "cat't");
  /* apostrophe-less forms and cannot; "never" opens a scope that "but" closes */
  EXPECT(t, "dont buy, cannot recommend. never good but cheap",
         "do not NOT_buy , can not NOT_recommend . never NOT_good but cheap");
  /* numbers: separators only between digits; letters make a word; ':' after a word is
   * punctuation, never an emoticon */
  EXPECT(t, "Price: $1,299.99 for 2 units, 4G LTE mp3. 5.", "price : $ 1,299.99 for 2 units , 4g lte mp3 . 5 .");
  /* ellipsis forms; a line break closes the scope */
  EXPECT(t, "no way...\nfine\xE2\x80\xA6 ok..", "no NOT_way ... fine ... ok ...");
  /* Latin letters beyond ASCII fold too; the scope covers words of any script */
  EXPECT(t, "NOT NAÏVE Ÿes ÉCOLE", "not NOT_naïve NOT_ÿes NOT_école");
  bndl_tokenizer_free(t);
}

static void test_english_kinds_and_offsets(void **state) {
  (void)state;
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  bndl_token_list l;
  bndl_token_list_init(&l, &g_alloc);
  const char *s = "Don't pay 10.5 :-)";
  assert_int_equal(bndl_tokenize(t, s, strlen(s), &l), BNDL_OK);
  assert_int_equal(l.n, 5);
  static const struct {
    const char *text;
    int kind, negated;
    uint32_t offset;
  } want[] = {{"do", BNDL_TOKEN_WORD, 0, 0},
              {"not", BNDL_TOKEN_WORD, 0, 3},
              {"pay", BNDL_TOKEN_WORD, 1, 6},
              {"10.5", BNDL_TOKEN_NUMBER, 0, 10},
              {":-)", BNDL_TOKEN_EMOJI, 0, 15}};
  for (size_t k = 0; k < 5; k++) {
    assert_string_equal(l.tokens[k].text, want[k].text);
    assert_int_equal(l.tokens[k].kind, want[k].kind);
    assert_int_equal(l.tokens[k].negated, want[k].negated);
    assert_int_equal(l.tokens[k].offset, want[k].offset);
  }
  bndl_token_list_free(&l);
  bndl_tokenizer_free(t);
}

static void test_negation_and_stopwords_off_on(void **state) {
  (void)state;
  bndl_tokenizer *plain = make_tokenizer(0, 0, 0);
  EXPECT(plain, "This is not the best phone", "this is not the best phone");
  bndl_tokenizer_free(plain);
  /* stopwords go after scope marking: "the" is dropped, "best" is still negated */
  bndl_tokenizer *stop = make_tokenizer(0, 1, 1);
  EXPECT(stop, "This is not the best phone. It's what I'd do", "not NOT_best NOT_phone .");
  EXPECT(stop, "这个手机的屏幕没有问题", "手机 屏幕 没有 NOT_问题");
  bndl_tokenizer_free(stop);
}

static void test_emoticons_and_emoji(void **state) {
  (void)state;
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  /* each emoji is a token; a skin tone binds to its emoji; VS16 is dropped; a flag is
   * a pair of regional indicators; a ZWJ family is one token */
  EXPECT(t, "love it \xF0\x9F\x98\x8D\xF0\x9F\x98\x8D \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE2\x9D\xA4\xEF\xB8\x8F "
            "\xF0\x9F\x87\xA8\xF0\x9F\x87\xB3 \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
         "love it \xF0\x9F\x98\x8D \xF0\x9F\x98\x8D \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE2\x9D\xA4 "
         "\xF0\x9F\x87\xA8\xF0\x9F\x87\xB3 \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7");
  /* emoticons at token boundaries keep their case; "<3" before a digit is not one;
   * "http://x" has no emoticon (':' follows a word) */
  EXPECT(t, ":D great :P <3 <30 ;) http://x", ":D great :P <3 < 30 ;) http : // x");
  /* after a CJK run an emoticon may follow directly */
  EXPECT(t, "\xE5\xA5\xBD:)", "\xE5\xA5\xBD :)");
  bndl_tokenizer *t2 = t;
  bndl_token_list l;
  bndl_token_list_init(&l, &g_alloc);
  const char *s = "ok \xE2\x98\xBA :)";
  assert_int_equal(bndl_tokenize(t2, s, strlen(s), &l), BNDL_OK);
  assert_int_equal(l.n, 3);
  assert_int_equal(l.tokens[1].kind, BNDL_TOKEN_EMOJI);
  assert_int_equal(l.tokens[2].kind, BNDL_TOKEN_EMOJI);
  bndl_token_list_free(&l);
  bndl_tokenizer_free(t);
}

static void test_full_width(void **state) {
  (void)state;
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  /* full-width letters, digits and punctuation fold to ASCII, U+3000 is a space */
  EXPECT(t, "\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x8C"
            "\xE5\xA5\xBD\xEF\xBC\x81\xE3\x80\x80\xEF\xBD\x8E\xEF\xBD\x8F\xEF\xBD\x94 ok",
         "abc123 , \xE5\xA5\xBD ! not NOT_ok");
  bndl_tokenizer_free(t);
}

static void add(bndl_tokenizer *t, const char *const *words, size_t n) {
  assert_int_equal(bndl_tokenizer_add_words(t, words, NULL, (int64_t)n), BNDL_OK);
}

static void test_chinese(void **state) {
  (void)state;
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  static const char *const words[] = {"手机", "质量", "电池", "耐用", "满意", "下次", "屏幕", "清晰", "问题"};
  add(t, words, sizeof words / sizeof words[0]);
  /* dictionary words whole; 很好 has no word, so the two uncovered characters make one
   * bigram; 但是 closes nothing here; 不 negates 耐用 up to 。 */
  EXPECT(t, "这个手机质量很好，但是电池不耐用。", "这个 手机 质量 很好 , 但是 电池 不 NOT_耐用 。");
  /* 不是 opens a scope: 很 (alone, uncovered) and 满意; the comma closes it; 不会 opens
   * another: 再买 is the bigram of two uncovered characters, 了 a built-in word */
  EXPECT(t, "不是很满意，下次不会再买了", "不是 NOT_很 NOT_满意 , 下次 不会 NOT_再买 NOT_了");
  /* four uncovered characters: three overlapping bigrams */
  EXPECT(t, "今天天气", "今天 天天 天气");
  /* built-in non-negating words keep 非 and 不 from opening scopes */
  EXPECT(t, "屏幕非常清晰，不错", "屏幕 非常 清晰 , 不错");
  /* a contrast word closes the scope */
  EXPECT(t, "不清晰但是耐用", "不 NOT_清晰 但是 耐用");
  assert_true(bndl_tokenizer_has_word(t, "手机", strlen("手机")));
  assert_false(bndl_tokenizer_has_word(t, "手", strlen("手")));
  bndl_tokenizer_free(t);
}

static void test_unigram_choice(void **state) {
  (void)state;
  /* 研究生命 with 研究 生命 研究生 in the dictionary: counts decide. With 研究 and 生命
   * frequent, the two-word path is cheaper than 研究生 + the uncovered 命. */
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  static const char *const words[] = {"研究", "生命", "研究生", "起源"};
  static const int64_t counts[] = {500, 400, 50, 100};
  assert_int_equal(bndl_tokenizer_add_words(t, words, counts, 4), BNDL_OK);
  EXPECT(t, "研究生命的起源", "研究 生命 的 起源");
  EXPECT(t, "研究生", "研究生");
  bndl_tokenizer_free(t);
}

static void test_mixed_and_language(void **state) {
  (void)state;
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  EXPECT(t, "iPhone真的很好用!!不推荐 :)", "iphone 真 的 很好 好用 !! 不 NOT_推荐 :)");
  EXPECT(t, "2019年买的, don't buy", "2019 年买 的 , do not NOT_buy");
  bndl_tokenizer_free(t);
  /* en: every ideograph alone, no Chinese negators */
  bndl_tokenizer *en = make_tokenizer(1, 1, 0);
  EXPECT(en, "不推荐 don't", "不 推 荐 do not");
  bndl_tokenizer_free(en);
  /* zh: no English contractions or negators (the apostrophe stays in the word, and the
   * scope 不 opened runs on) */
  bndl_tokenizer *zh = make_tokenizer(2, 1, 0);
  EXPECT(zh, "不推荐 don't like", "不 NOT_推荐 NOT_don't NOT_like");
  bndl_tokenizer_free(zh);
}

static void test_invalid_and_empty(void **state) {
  (void)state;
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  bndl_token_list l;
  bndl_token_list_init(&l, &g_alloc);
  assert_int_equal(bndl_tokenize(t, "", 0, &l), BNDL_OK);
  assert_int_equal(l.n, 0);
  assert_int_equal(bndl_tokenize(t, NULL, 0, &l), BNDL_OK);
  assert_int_equal(bndl_tokenize(t, "   \n\t", 5, &l), BNDL_OK);
  assert_int_equal(l.n, 0);
  static const struct {
    const char *s;
    size_t n;
    const char *where;
  } bad[] = {{"abc\xff", 4, "byte 3"},
             {"\xe5\xa5", 2, "byte 0"},          /* truncated 好 */
             {"ok \xc0\xaf", 5, "byte 3"},       /* overlong '/' */
             {"a\0b", 3, "byte 1"},              /* NUL */
             {"\xed\xa0\x80", 3, "byte 0"},      /* surrogate */
             {"\xe5\xa5\xbd\xe5\xa5", 5, "byte 3"}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    assert_int_equal(bndl_tokenize(t, bad[k].s, bad[k].n, &l), BNDL_ERR_FORMAT);
    test_assert_error_contains(bad[k].where);
    assert_int_equal(l.n, 0);
  }
  bndl_token_list_free(&l);
  bndl_tokenizer_free(t);
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A 1 MB review in three shapes: ordinary mixed text, one unbroken CJK run (windows),
 * one unbroken English word. Each must finish quickly and account for the text. */
static void test_one_megabyte(void **state) {
  (void)state;
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  static const char *const words[] = {"手机", "质量", "电池"};
  add(t, words, 3);
  size_t n = 1 << 20;
  char *s = malloc(n + 8);
  assert_non_null(s);
  bndl_token_list l;
  bndl_token_list_init(&l, &g_alloc);

  const char *unit = "手机质量很好，battery isn't great :) 😀 ";
  size_t ul = strlen(unit), len = 0;
  while (len + ul <= n) {
    memcpy(s + len, unit, ul);
    len += ul;
  }
  double t0 = seconds();
  assert_int_equal(bndl_tokenize(t, s, len, &l), BNDL_OK);
  /* timed for the log only: speed belongs to tests/bench, not to pass/fail here */
  print_message("1 MB mixed review tokenized in %.3f s\n", seconds() - t0);
  size_t reps = len / ul;
  /* 手机 质量 很好 , battery is not NOT_great :) 😀 = 10 tokens per unit */
  assert_int_equal(l.n, reps * 10);
  assert_string_equal(l.tokens[l.n - 4].text, "not");
  assert_int_equal(l.tokens[l.n - 3].negated, 1);

  /* one CJK run of 349,525 characters: 手机 repeated, cut into windows; every window
   * boundary falls between words, so the tokens are exactly the words */
  len = 0;
  while (len + 6 <= n) {
    memcpy(s + len, "手机", 6);
    len += 6;
  }
  assert_int_equal(bndl_tokenize(t, s, len, &l), BNDL_OK);
  assert_int_equal(l.n, len / 6);
  for (size_t k = 0; k < l.n; k++)
    if (strcmp(l.tokens[k].text, "手机") != 0 || l.tokens[k].offset != 6 * k)
      fail_msg("token %zu is '%s' at %u", k, l.tokens[k].text, l.tokens[k].offset);

  /* uncovered characters in one run: n - 1 bigrams, each at its character */
  len = 0;
  while (len + 3 <= n) {
    memcpy(s + len, (len / 3) % 2 ? "好" : "坏", 3);
    len += 3;
  }
  assert_int_equal(bndl_tokenize(t, s, len, &l), BNDL_OK);
  assert_int_equal(l.n, len / 3 - 1);
  for (size_t k = 0; k < l.n; k++)
    assert_int_equal(l.tokens[k].offset, 3 * k);

  /* one English word of 1 MB */
  memset(s, 'A', n);
  assert_int_equal(bndl_tokenize(t, s, n, &l), BNDL_OK);
  assert_int_equal(l.n, 1);
  assert_int_equal(l.tokens[0].length, n);
  assert_int_equal(l.tokens[0].text[0], 'a');
  bndl_token_list_free(&l);
  free(s);
  bndl_tokenizer_free(t);
}

static void test_determinism(void **state) {
  (void)state;
  const char *text = "这个手机质量很好，但是电池不耐用。I don't like it :( 😀 今天天气不错";
  static const char *const words[] = {"手机", "质量", "电池", "耐用"};
  char first[8192];
  for (int round = 0; round < 3; round++) {
    bndl_tokenizer *t = make_tokenizer(0, 1, 0);
    add(t, words, 4);
    const char *got = joined(t, text);
    if (round == 0)
      snprintf(first, sizeof first, "%s", got);
    else
      assert_string_equal(got, first);
    bndl_tokenizer_free(t);
  }
  /* the same list reused for several texts gives what fresh lists give */
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  bndl_token_list l;
  bndl_token_list_init(&l, &g_alloc);
  assert_int_equal(bndl_tokenize(t, "one two", 7, &l), BNDL_OK);
  assert_int_equal(bndl_tokenize(t, text, strlen(text), &l), BNDL_OK);
  char again[8192];
  size_t n = 0;
  for (size_t k = 0; k < l.n; k++)
    n += (size_t)snprintf(again + n, sizeof again - n, "%s%s%s", k ? " " : "", l.tokens[k].negated ? "NOT_" : "",
                          l.tokens[k].text);
  bndl_tokenizer_free(t);
  t = make_tokenizer(0, 1, 0);
  assert_string_equal(again, joined(t, text));
  bndl_token_list_free(&l);
  bndl_tokenizer_free(t);
}

/* Every allocation of tokenizer_new, add_words and tokenize fails in turn: each call
 * returns OUT_OF_MEMORY or OK, nothing leaks, and the first run that sees no failure
 * gives the expected tokens. */
static void test_allocation_failures(void **state) {
  (void)state;
  static const char *const words[] = {"手机", "质量", "电池", "耐用"};
  const char *text = "这个手机质量很好，但是电池不耐用。I don't like it :( 😀 今天天气不错 and a long tail of words "
                     "to make the token array and the arena grow several times over, more and more and more";
  test_alloc ta;
  bndl_allocator a;
  int completed = 0;
  for (int64_t fail_at = 1; !completed && fail_at < 10000; fail_at++) {
    test_alloc_reset(&ta, fail_at, 0);
    a = test_alloc_hook(&ta);
    bndl_tokenizer *t = NULL;
    bndl_token_list l;
    bndl_token_list_init(&l, &a);
    bndl_status st = bndl_tokenizer_new(&a, NULL, NULL, &t);
    if (st == BNDL_OK)
      st = bndl_tokenizer_add_words(t, words, NULL, 4);
    if (st == BNDL_OK)
      st = bndl_tokenize(t, text, strlen(text), &l);
    if (st == BNDL_OK) {
      completed = ta.n_failed == 0;
      if (ta.n_failed)
        assert_true(l.n > 0);
    } else {
      assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
    }
    bndl_token_list_free(&l);
    bndl_tokenizer_free(t);
    assert_int_equal(ta.live_blocks, 0);
  }
  assert_true(completed);
}


/* ---- learning words from a corpus ------------------------------------------------ */

static uint64_t lcg_next(uint64_t *x) {
  *x = *x * 6364136223846793005ull + 1442695040888963407ull;
  return *x >> 33;
}

/* A synthetic corpus: each text is 8..20 pieces, a piece being one of six words (2..3
 * characters, 3% of the pieces), the phrase "手机电池" (1%), a comma (5%) or one of 41
 * filler characters drawn independently. "巧克力" is a word whose tail "克力" never occurs
 * elsewhere; the phrase is too frequent for its parts to be chance (4-grams need PMI
 * >= 6.9) only if it were a word. */
static char **synthetic_corpus(int64_t n, uint64_t seed) {
  static const char *const words[] = {"手机", "电池", "屏幕", "质量", "快递", "巧克力"};
  static const char *const filler = "的一是在有人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能";
  char **texts = malloc((size_t)n * sizeof *texts);
  uint64_t x = seed;
  for (int64_t k = 0; k < n; k++) {
    char buf[512];
    size_t len = 0;
    int pieces = 8 + (int)(lcg_next(&x) % 13);
    for (int p = 0; p < pieces; p++) {
      uint64_t r = lcg_next(&x) % 100;
      const char *w;
      size_t wl;
      if (r < 3) {
        w = words[lcg_next(&x) % 6];
        wl = strlen(w);
      } else if (r < 4) {
        w = "手机电池";
        wl = strlen(w);
      } else if (r < 9) {
        w = "，";
        wl = strlen(w);
      } else {
        w = filler + 3 * (lcg_next(&x) % (strlen(filler) / 3));
        wl = 3;
      }
      memcpy(buf + len, w, wl);
      len += wl;
    }
    buf[len] = '\0';
    texts[k] = strdup(buf);
  }
  return texts;
}

static void free_corpus(char **texts, int64_t n) {
  for (int64_t k = 0; k < n; k++)
    free(texts[k]);
  free(texts);
}

static int learnt_has(const bndl_learnt_words *w, const char *word) {
  for (int64_t k = 0; k < w->n; k++)
    if (strcmp(w->words[k], word) == 0)
      return 1;
  return 0;
}

static void test_learn_words(void **state) {
  (void)state;
  int64_t n = 10000;
  char **texts = synthetic_corpus(n, 7);
  bndl_learnt_words w;
  assert_int_equal(bndl_text_learn_words(&g_alloc, (const char *const *)texts, NULL, n, NULL, &w), BNDL_OK);
  /* the six words, and nothing else: filler pairs are independent (PMI near 0), "克力"
   * always follows 巧 (left entropy 0), "手机电池" is no more cohesive than chance allows
   * a 4-gram */
  static const char *const want[] = {"手机", "电池", "屏幕", "质量", "快递", "巧克力"};
  for (size_t k = 0; k < 6; k++)
    if (!learnt_has(&w, want[k]))
      fail_msg("'%s' was not learnt", want[k]);
  if (w.n != 6) {
    for (int64_t k = 0; k < w.n; k++)
      print_message("learnt %s count %lld pmi %.2f entropy %.2f\n", w.words[k], (long long)w.counts[k], w.pmi[k],
                    w.entropy[k]);
    fail_msg("%lld words learnt, 6 expected", (long long)w.n);
  }
  assert_false(learnt_has(&w, "克力"));
  assert_false(learnt_has(&w, "手机电池"));
  /* sorted by count, then bytes; counts are occurrences */
  for (int64_t k = 1; k < w.n; k++)
    assert_true(w.counts[k - 1] > w.counts[k] ||
                (w.counts[k - 1] == w.counts[k] && strcmp(w.words[k - 1], w.words[k]) < 0));
  int64_t chars = 0, kuaidi = 0;
  for (int64_t k = 0; k < n; k++) {
    for (const char *p = texts[k]; (p = strstr(p, "快递")) != NULL; p += 6)
      kuaidi++;
    for (const unsigned char *p = (const unsigned char *)texts[k]; *p; p++)
      chars += (*p & 0xC0) != 0x80;
  }
  for (int64_t k = 0; k < w.n; k++)
    if (strcmp(w.words[k], "快递") == 0)
      assert_int_equal(w.counts[k], kuaidi);
  /* every character of the corpus is an ideograph except the commas */
  int64_t commas = 0;
  for (int64_t k = 0; k < n; k++)
    for (const char *p = texts[k]; (p = strstr(p, "，")) != NULL; p += 3)
      commas++;
  assert_int_equal(w.corpus_chars, chars - commas);

  /* deterministic: the same list again, and with explicit lengths */
  size_t *lens = malloc((size_t)n * sizeof *lens);
  for (int64_t k = 0; k < n; k++)
    lens[k] = strlen(texts[k]);
  bndl_learnt_words w2;
  assert_int_equal(bndl_text_learn_words(&g_alloc, (const char *const *)texts, lens, n, NULL, &w2), BNDL_OK);
  assert_int_equal(w2.n, w.n);
  for (int64_t k = 0; k < w.n; k++) {
    assert_string_equal(w2.words[k], w.words[k]);
    assert_int_equal(w2.counts[k], w.counts[k]);
    assert_true(w2.pmi[k] == w.pmi[k] && w2.entropy[k] == w.entropy[k]);
  }
  bndl_learnt_words_free(&w2);
  free(lens);

  /* a tokenizer taught by the corpus segments it into the words */
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  assert_int_equal(bndl_tokenizer_learn(t, (const char *const *)texts, NULL, n, 5), BNDL_OK);
  for (size_t k = 0; k < 6; k++)
    assert_true(bndl_tokenizer_has_word(t, want[k], strlen(want[k])));
  EXPECT(t, "巧克力手机电池屏幕质量快递", "巧克力 手机 电池 屏幕 质量 快递");
  /* re-estimated counts: what the path chose (巧克力 never splits) */
  int64_t qkl = 0;
  for (int64_t k = 0; k < n; k++)
    for (const char *p = texts[k]; (p = strstr(p, "巧克力")) != NULL; p += 9)
      qkl++;
  assert_int_equal(bndl_tokenizer_word_count(t, "巧克力", strlen("巧克力")), qkl);
  assert_int_equal(bndl_tokenizer_word_count(t, "克力", strlen("克力")), -1);
  bndl_tokenizer_free(t);
  bndl_learnt_words_free(&w);
  free_corpus(texts, n);
}

static void test_learn_edge_cases(void **state) {
  (void)state;
  bndl_learnt_words w;
  /* no texts, only non-Chinese texts, empty texts */
  assert_int_equal(bndl_text_learn_words(&g_alloc, NULL, NULL, 0, NULL, &w), BNDL_OK);
  assert_int_equal(w.n, 0);
  bndl_learnt_words_free(&w);
  const char *latin[] = {"hello world", "", "nothing here 123"};
  assert_int_equal(bndl_text_learn_words(&g_alloc, latin, NULL, 3, NULL, &w), BNDL_OK);
  assert_int_equal(w.n, 0);
  assert_int_equal(w.corpus_chars, 0);
  bndl_learnt_words_free(&w);
  /* invalid UTF-8 names the text */
  const char *bad[] = {"手机", "好", "ok\xc3"};
  assert_int_equal(bndl_text_learn_words(&g_alloc, bad, NULL, 3, NULL, &w), BNDL_ERR_FORMAT);
  test_assert_error_contains("text 2: invalid UTF-8 at byte 2");
  assert_int_equal(w.n, 0);
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  assert_int_equal(bndl_tokenizer_learn(t, bad, NULL, 3, 5), BNDL_ERR_FORMAT);
  /* min_count below 1 */
  bndl_word_learn_options o;
  bndl_word_learn_defaults(&o);
  o.min_count = 0;
  assert_int_equal(bndl_text_learn_words(&g_alloc, latin, NULL, 3, &o, &w), BNDL_ERR_INVALID_ARGUMENT);

  /* add_learnt skips words that end in a negator or a particle */
  char *words[] = {"也不", "还没", "买了", "好吃的", "不满意", "满意"};
  int64_t counts[] = {50, 40, 30, 20, 10, 5};
  bndl_learnt_words manual = {NULL, 6, words, counts, NULL, NULL, NULL, 0};
  int64_t added = -1;
  assert_int_equal(bndl_tokenizer_add_learnt(t, &manual, &added), BNDL_OK);
  assert_int_equal(added, 2);
  assert_false(bndl_tokenizer_has_word(t, "也不", strlen("也不")));
  assert_false(bndl_tokenizer_has_word(t, "买了", strlen("买了")));
  assert_int_equal(bndl_tokenizer_word_count(t, "不满意", strlen("不满意")), 10);
  assert_int_equal(bndl_tokenizer_word_count(t, "满意", strlen("满意")), 5);
  bndl_tokenizer_free(t);
}

/* The lexicon's Chinese words seed the dictionary (bndl_lexicon_for_each_word). */
static void test_lexicon_seed(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 1);
  struct bndl_lexicon *lex = NULL;
  assert_int_equal(bndl_lexicon_new(ctx, &lex), BNDL_OK);
  const char *list = "物超所值\n性价比\ngreat\n";
  char *path = test_write_tmp(".txt", list, strlen(list));
  assert_int_equal(bndl_lexicon_load_file(lex, path, BNDL_LEX_FORMAT_POSITIVE, NULL), BNDL_OK);
  bndl_tokenizer_options opt = {0, 1, 0};
  bndl_tokenizer *t = NULL;
  assert_int_equal(bndl_tokenizer_new(&g_alloc, &opt, lex, &t), BNDL_OK);
  assert_true(bndl_tokenizer_has_word(t, "性价比", strlen("性价比")));
  assert_false(bndl_tokenizer_has_word(t, "great", 5));
  EXPECT(t, "性价比高，物超所值", "性价比 高 , 物超所值");
  bndl_tokenizer_free(t);
  bndl_lexicon_destroy(lex);
  bndl_context_free(ctx);
  test_tmp_cleanup();
}

/* Learning and re-estimation under allocation failure: OUT_OF_MEMORY or OK, no leak. */
static void test_learn_allocation_failures(void **state) {
  (void)state;
  int64_t n = 200;
  char **texts = synthetic_corpus(n, 11);
  test_alloc ta;
  int completed = 0;
  for (int64_t fail_at = 1; !completed && fail_at < 5000; fail_at++) {
    test_alloc_reset(&ta, fail_at, 0);
    bndl_allocator a = test_alloc_hook(&ta);
    bndl_tokenizer *t = NULL;
    bndl_status st = bndl_tokenizer_new(&a, NULL, NULL, &t);
    if (st == BNDL_OK)
      st = bndl_tokenizer_learn(t, (const char *const *)texts, NULL, n, 3);
    if (st != BNDL_OK)
      assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
    else
      completed = ta.n_failed == 0;
    bndl_tokenizer_free(t);
    assert_int_equal(ta.live_blocks, 0);
  }
  assert_true(completed);
  free_corpus(texts, n);
}

typedef struct word_dump {
  char **words;
  int64_t *counts;
  int64_t n, cap;
} word_dump;

static bndl_status collect_word(const char *word, size_t length, int64_t count, void *user_data) {
  word_dump *d = user_data;
  if (d->n == d->cap) {
    d->cap = d->cap ? 2 * d->cap : 64;
    d->words = realloc(d->words, (size_t)d->cap * sizeof *d->words);
    d->counts = realloc(d->counts, (size_t)d->cap * sizeof *d->counts);
  }
  d->words[d->n] = strndup(word, length);
  d->counts[d->n++] = count;
  return BNDL_OK;
}

/* A learnt dictionary saved as (word, count) and restored into a new tokenizer
 * segments the corpus exactly as the original. */
static void test_save_restore_dictionary(void **state) {
  (void)state;
  int64_t n = 2000;
  char **texts = synthetic_corpus(n, 3);
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  assert_int_equal(bndl_tokenizer_learn(t, (const char *const *)texts, NULL, n, 3), BNDL_OK);
  word_dump d = {0};
  assert_int_equal(bndl_tokenizer_for_each_word(t, collect_word, &d), BNDL_OK);
  assert_true(d.n > 100);
  for (int64_t k = 1; k < d.n; k++)
    assert_true(strcmp(d.words[k - 1], d.words[k]) < 0);
  bndl_tokenizer *r = make_tokenizer(0, 1, 0);
  assert_int_equal(bndl_tokenizer_set_words(r, (const char *const *)d.words, d.counts, d.n), BNDL_OK);
  for (int64_t k = 0; k < d.n; k++)
    assert_int_equal(bndl_tokenizer_word_count(r, d.words[k], strlen(d.words[k])), d.counts[k]);
  for (int64_t k = 0; k < n; k += 7) {
    char first[8192];
    snprintf(first, sizeof first, "%s", joined(t, texts[k]));
    assert_string_equal(joined(r, texts[k]), first);
  }
  for (int64_t k = 0; k < d.n; k++)
    free(d.words[k]);
  free(d.words);
  free(d.counts);
  bndl_tokenizer_free(r);
  bndl_tokenizer_free(t);
  free_corpus(texts, n);
}

/* Long CJK runs cut into windows: over random text from a small alphabet with a random
 * dictionary, the tokens cover every character exactly as the rules say: each token
 * starts where the previous one ended, or one character earlier when both are bigrams
 * of one uncovered stretch; nothing is lost or repeated at a window cut. */
static void test_window_cuts(void **state) {
  (void)state;
  static const char *const alphabet[] = {"手", "机", "质", "量", "好", "电", "池", "屏", "幕", "快"};
  uint64_t x = 99;
  for (int round = 0; round < 20; round++) {
    bndl_tokenizer *t = make_tokenizer(0, 0, 0);
    char *words[40];
    for (int w = 0; w < 40; w++) {
      int len = 2 + (int)(lcg_next(&x) % 5);
      words[w] = malloc(3 * (size_t)len + 1);
      for (int c = 0; c < len; c++)
        memcpy(words[w] + 3 * c, alphabet[lcg_next(&x) % 10], 3);
      words[w][3 * len] = '\0';
    }
    assert_int_equal(bndl_tokenizer_add_words(t, (const char *const *)words, NULL, 40), BNDL_OK);
    size_t chars = 1000 + lcg_next(&x) % 3000, len = 3 * chars;
    char *text = malloc(len + 1);
    for (size_t c = 0; c < chars; c++)
      memcpy(text + 3 * c, alphabet[lcg_next(&x) % 10], 3);
    text[len] = '\0';
    bndl_token_list l;
    bndl_token_list_init(&l, &g_alloc);
    assert_int_equal(bndl_tokenize(t, text, len, &l), BNDL_OK);
    size_t end = 0;
    for (size_t k = 0; k < l.n; k++) {
      const bndl_token *tok = &l.tokens[k];
      assert_int_equal(tok->kind, BNDL_TOKEN_CJK);
      assert_memory_equal(tok->text, text + tok->offset, tok->length);
      int bigram = !bndl_tokenizer_has_word(t, tok->text, tok->length);
      if (bigram && k > 0 && !bndl_tokenizer_has_word(t, l.tokens[k - 1].text, l.tokens[k - 1].length) &&
          l.tokens[k - 1].length == 6)
        assert_int_equal(tok->offset, end - 3);
      else
        assert_int_equal(tok->offset, end);
      end = tok->offset + tok->length;
    }
    assert_int_equal(end, len);
    bndl_token_list_free(&l);
    free(text);
    for (int w = 0; w < 40; w++)
      free(words[w]);
    bndl_tokenizer_free(t);
  }
}

/* ---- random text and threads ----------------------------------------------------- */

static size_t put_utf8(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Random valid UTF-8 drawn from every class the tokenizer tells apart (letters, digits,
 * apostrophes, emoticon characters, CJK, full-width, emoji with their joiners and
 * selectors, controls, combining marks, other scripts, the edges of the planes): no
 * crash, and every token is non-empty, NUL-terminated, of its stated length, valid
 * UTF-8, at a non-decreasing offset inside the text. */
static void test_random_text(void **state) {
  (void)state;
  static const uint32_t pool[] = {
      'a', 'Z', 'n', 't', 's', 'd', '0', '9', '\'', ':', ';', ')', '(', 'D', 'P', '<', '3', '=', '^', '_', '-',
      '.', ',', '!', '?', ' ', '\n', '\t', '\r', 0x01, 0x7F, 0x85, 0xA0, 0xAD, 0xC9, 0xFF, 0x130, 0x178, 0x301,
      0x391, 0x410, 0x5D0, 0x2019, 0x2026, 0x200B, 0x200D, 0x2028, 0x20E3, 0x3000, 0x3001, 0x3002, 0x3007,
      0x4E0D, 0x597D, 0x624B, 0x673A, 0x7684, 0x4E86, 0x975E, 0x5E38, 0x9FFF, 0x3400, 0xF900, 0xFE0F,
      0xFEFF, 0xFF01, 0xFF0C, 0xFF21, 0xFF41, 0xFF10, 0xFF5E, 0xFF61, 0xFFFD, 0xE000, 0x1F600, 0x1F3FB,
      0x1F1E8, 0x1F1F3, 0x2764, 0x1F44D, 0x20000, 0xE0067, 0x10FFFF, 0xAC00, 0x30A2};
  size_t npool = sizeof pool / sizeof pool[0];
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  static const char *const words[] = {"手机", "好用", "非常好"};
  add(t, words, 3);
  bndl_tokenizer *t_en = make_tokenizer(1, 1, 1), *t_zh = make_tokenizer(2, 0, 1);
  bndl_token_list l;
  bndl_token_list_init(&l, &g_alloc);
  uint64_t x = 12345;
  char buf[4096];
  for (int round = 0; round < 3000; round++) {
    size_t len = 0, n = lcg_next(&x) % 300;
    for (size_t k = 0; k < n; k++)
      len += put_utf8(pool[lcg_next(&x) % npool], buf + len);
    const bndl_tokenizer *tt = round % 3 == 0 ? t : round % 3 == 1 ? t_en : t_zh;
    assert_int_equal(bndl_tokenize(tt, buf, len, &l), BNDL_OK);
    uint32_t prev = 0;
    for (size_t k = 0; k < l.n; k++) {
      const bndl_token *tok = &l.tokens[k];
      assert_true(tok->length > 0);
      assert_int_equal(strlen(tok->text), tok->length);
      if (bndl_utf8_invalid_at(tok->text, tok->length) != tok->length) {
        for (uint32_t b = 0; b < tok->length; b++)
          print_message("%02x ", (unsigned char)tok->text[b]);
        print_message(" kind %d at %u; input:", tok->kind, tok->offset);
        for (size_t b = tok->offset; b < tok->offset + 12 && b < len; b++)
          print_message(" %02x", (unsigned char)buf[b]);
        fail_msg("token %zu is not valid UTF-8", k);
      }
      assert_true(tok->offset < len);
      assert_true(tok->offset >= prev);
      prev = tok->offset;
      assert_true(tok->kind >= BNDL_TOKEN_WORD && tok->kind <= BNDL_TOKEN_CJK);
    }
  }
  bndl_token_list_free(&l);
  bndl_tokenizer_free(t);
  bndl_tokenizer_free(t_en);
  bndl_tokenizer_free(t_zh);
}

typedef struct thread_job {
  const bndl_tokenizer *t;
  const char *const *texts;
  int n;
  char out[16384];
  size_t len;
  bndl_status st;
} thread_job;

static void *tokenize_all(void *arg) {
  thread_job *j = arg;
  bndl_token_list l;
  bndl_token_list_init(&l, &g_alloc);
  j->len = 0;
  j->st = BNDL_OK;
  for (int rep = 0; rep < 200 && j->st == BNDL_OK; rep++) {
    size_t len = 0;
    for (int k = 0; k < j->n && j->st == BNDL_OK; k++) {
      j->st = bndl_tokenize(j->t, j->texts[k], strlen(j->texts[k]), &l);
      for (size_t i = 0; i < l.n && len + l.tokens[i].length + 8 < sizeof j->out; i++)
        len += (size_t)snprintf(j->out + len, sizeof j->out - len, "%s%s ", l.tokens[i].negated ? "NOT_" : "",
                                l.tokens[i].text);
    }
    j->len = len;
  }
  bndl_token_list_free(&l);
  return NULL;
}

/* One tokenizer, four threads, one list each: the same tokens as one thread. */
static void test_threads(void **state) {
  (void)state;
  static const char *const texts[] = {"这个手机质量很好，但是电池不耐用。", "I don't like it :( 😀",
                                      "不是很满意，下次不会再买了", "Ｆｕｌｌ－ｗｉｄｔｈ ＯＫ！ 好评"};
  bndl_tokenizer *t = make_tokenizer(0, 1, 0);
  static const char *const words[] = {"手机", "质量", "电池", "耐用", "满意"};
  add(t, words, 5);
  thread_job *jobs = calloc(5, sizeof *jobs);
  for (int k = 0; k < 5; k++) {
    jobs[k].t = t;
    jobs[k].texts = texts;
    jobs[k].n = 4;
  }
  tokenize_all(&jobs[4]);
  pthread_t th[4];
  for (int k = 0; k < 4; k++)
    assert_int_equal(pthread_create(&th[k], NULL, tokenize_all, &jobs[k]), 0);
  for (int k = 0; k < 4; k++)
    pthread_join(th[k], NULL);
  for (int k = 0; k < 4; k++) {
    assert_int_equal(jobs[k].st, BNDL_OK);
    assert_int_equal(jobs[k].len, jobs[4].len);
    assert_memory_equal(jobs[k].out, jobs[4].out, jobs[4].len);
  }
  free(jobs);
  bndl_tokenizer_free(t);
}

static void test_public_tokenize(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 1);
  bndl_buffer *buf = NULL;
  const char *s = "I don't like it :( 不推荐";
  assert_int_equal(bndl_text_tokenize(ctx, s, strlen(s), NULL, &buf), BNDL_OK);
  const char *want = "i\ndo\nnot\nNOT_like\nNOT_it\n:(\n不\nNOT_推荐";
  assert_int_equal(bndl_buffer_size(buf), strlen(want));
  assert_memory_equal(bndl_buffer_data(buf), want, strlen(want));
  bndl_buffer_free(buf);

  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "text.negation", "0"), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "text.stopwords", "1"), BNDL_OK);
  assert_int_equal(bndl_text_tokenize(ctx, s, strlen(s), cfg, &buf), BNDL_OK);
  want = "not\nlike\n:(\n不\n推荐";
  assert_int_equal(bndl_buffer_size(buf), strlen(want));
  assert_memory_equal(bndl_buffer_data(buf), want, strlen(want));
  bndl_buffer_free(buf);

  assert_int_equal(bndl_text_tokenize(ctx, NULL, 0, cfg, &buf), BNDL_OK);
  assert_int_equal(bndl_buffer_size(buf), 0);
  bndl_buffer_free(buf);
  assert_int_equal(bndl_text_tokenize(ctx, "a\xff", 2, cfg, &buf), BNDL_ERR_FORMAT);
  test_assert_error_contains("bndl_text_tokenize: invalid UTF-8 at byte 1");
  assert_int_equal(bndl_text_tokenize(ctx, NULL, 3, cfg, &buf), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_text_tokenize(NULL, "a", 1, cfg, &buf), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_text_tokenize(ctx, "a", 1, cfg, NULL), BNDL_ERR_INVALID_ARGUMENT);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
}

static int setup(void **state) {
  (void)state;
  test_alloc_reset(&g_counter, 0, 0);
  g_alloc = test_alloc_hook(&g_counter);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  assert_int_equal(g_counter.live_blocks, 0);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_english, setup, teardown),
      cmocka_unit_test_setup_teardown(test_english_kinds_and_offsets, setup, teardown),
      cmocka_unit_test_setup_teardown(test_negation_and_stopwords_off_on, setup, teardown),
      cmocka_unit_test_setup_teardown(test_emoticons_and_emoji, setup, teardown),
      cmocka_unit_test_setup_teardown(test_full_width, setup, teardown),
      cmocka_unit_test_setup_teardown(test_chinese, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unigram_choice, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mixed_and_language, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invalid_and_empty, setup, teardown),
      cmocka_unit_test_setup_teardown(test_one_megabyte, setup, teardown),
      cmocka_unit_test_setup_teardown(test_determinism, setup, teardown),
      cmocka_unit_test_setup_teardown(test_allocation_failures, setup, teardown),
      cmocka_unit_test_setup_teardown(test_learn_words, setup, teardown),
      cmocka_unit_test_setup_teardown(test_learn_edge_cases, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lexicon_seed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_learn_allocation_failures, setup, teardown),
      cmocka_unit_test_setup_teardown(test_save_restore_dictionary, setup, teardown),
      cmocka_unit_test_setup_teardown(test_window_cuts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_random_text, setup, teardown),
      cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_public_tokenize, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
