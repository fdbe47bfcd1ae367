/*
 * test_ngrams.c - the classifier's features (text/ngrams.c, text/vocab.c).
 *
 * Expectations are written by hand from ngrams.h, on token lists built here (not by the
 * tokenizer), so a tokenizer change cannot move them:
 *  - word n-gram keys: 'w' + tokens joined by ' ', NOT_ for negated tokens, no n-gram
 *    across punctuation; char n-gram keys over the normalised text (full-width and case
 *    folding, white-space runs, BOM dropped, no lone-space unigram);
 *  - TF-IDF on a three-document corpus: vocabulary order (df descending, then first
 *    appearance), idf = ln((1+N)/(1+df)) + 1, tf = 1 + ln c, L2 rows, min_df pruning;
 *  - the vocabulary table against a brute-force list (10^5 keys, growth, misses);
 *  - a 3,000-document corpus (6 blocks) fits bit-identically on 1, 2 and 3 threads;
 *  - the allocation-failure loop (TARGETS.md R6): every failing allocation gives
 *    OUT_OF_MEMORY and leaks nothing.
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

#include "core/alloc.h"
#include "core/context.h"
#include "core/rng.h"
#include "test_support.h"
#include "text/ngrams.h"

static test_alloc g_counter;
static bndl_allocator g_alloc;

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

/* A token list over static strings ("~x" = negated x, "." "!" = punctuation). */
typedef struct hand_doc {
  bndl_token tok[32];
  bndl_token_list list;
} hand_doc;

static void hand_tokens(hand_doc *d, const char *const *words, int n) {
  memset(d, 0, sizeof *d);
  for (int i = 0; i < n; i++) {
    const char *w = words[i];
    bndl_token *t = &d->tok[i];
    t->negated = w[0] == '~';
    t->text = w + t->negated;
    t->length = (uint32_t)strlen(t->text);
    t->kind = strcmp(t->text, ".") == 0 || strcmp(t->text, "!") == 0 ? BNDL_TOKEN_PUNCT : BNDL_TOKEN_WORD;
  }
  d->list.tokens = d->tok;
  d->list.n = (size_t)n;
}

/* The keys of k joined by '|' (key bytes as they are). */
static const char *keys_text(const bndl_ngram_keys *k) {
  static char out[4096];
  size_t p = 0;
  for (size_t i = 0; i < k->n; i++) {
    size_t len;
    const char *key = bndl_ngram_key(k, i, &len);
    if (i)
      out[p++] = '|';
    memcpy(out + p, key, len);
    p += len;
    assert_true(p < sizeof out - 8);
    assert_true(k->hash[i] == bndl_vocab_hash(key, len));
  }
  out[p] = '\0';
  return out;
}

static void test_word_keys(void **state) {
  (void)state;
  const char *w[] = {"the", "movie", "is", "~good", "!", "great"};
  hand_doc d;
  hand_tokens(&d, w, 6);
  bndl_ngram_keys k;
  bndl_ngram_keys_init(&k, &g_alloc);
  bndl_ngram_options o = {2, 0};
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, &d.list, "unused", 6), BNDL_OK);
  assert_string_equal(keys_text(&k),
                      "wthe|wthe movie|wmovie|wmovie is|wis|wis NOT_good|wNOT_good|wgreat");
  o.word_ngrams = 3;
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, &d.list, "", 0), BNDL_OK);
  assert_string_equal(keys_text(&k), "wthe|wthe movie|wthe movie is|wmovie|wmovie is|wmovie is NOT_good|wis|"
                                     "wis NOT_good|wNOT_good|wgreat");
  o.word_ngrams = 1;
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, NULL, "", 0), BNDL_OK); /* no tokens, no text */
  assert_int_equal(k.n, 0);
  bndl_ngram_keys_free(&k);
}

static void test_char_keys(void **state) {
  (void)state;
  bndl_ngram_keys k;
  bndl_ngram_keys_init(&k, &g_alloc);
  bndl_ngram_options o = {1, 2};
  hand_doc d;
  hand_tokens(&d, NULL, 0);
  /* U+FF21 (full-width A), b, two spaces, C, BOM, trailing newline -> "ab c" */
  const char *t = "\xEF\xBC\xA1" "b  C\xEF\xBB\xBF\n";
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, &d.list, t, strlen(t)), BNDL_OK);
  /* inside " ab " and " c ": the runs padded with a space, no n-gram across them */
  assert_string_equal(keys_text(&k), "c a|ca|cab|cb|cb |c c|cc|cc ");
  /* Chinese: code points, not bytes; U+3000 is a space; leading spaces trimmed */
  const char *z = "\xE3\x80\x80" "很好吃";
  o.char_ngrams = 3;
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, &d.list, z, strlen(z)), BNDL_OK);
  assert_string_equal(keys_text(&k), "c 很|c 很好|c很|c很好|c很好吃|c好|c好吃|c好吃 |c吃|c吃 ");
  /* an n-gram with an ideograph stops at 3 characters; alphabetic ones go on */
  o.char_ngrams = 4;
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, &d.list, "ab 很好", strlen("ab 很好")), BNDL_OK);
  assert_string_equal(keys_text(&k), "c a|c ab|c ab |ca|cab|cab |cb|cb |c 很|c 很好|c很|c很好|c很好 |c好|c好 ");
  o.char_ngrams = 5;
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, &d.list, "Good", 4), BNDL_OK);
  assert_string_equal(keys_text(&k), "c g|c go|c goo|c good|cg|cgo|cgoo|cgood|cgood |co|coo|cood|cood |co|cod|cod |cd|cd ");
  /* words first, then characters */
  const char *w[] = {"~bad"};
  hand_tokens(&d, w, 1);
  o.char_ngrams = 1;
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, &d.list, "Bad", 3), BNDL_OK);
  assert_string_equal(keys_text(&k), "wNOT_bad|cb|ca|cd");
  /* bytes that are not UTF-8 count as U+FFFD */
  assert_int_equal(bndl_ngram_keys_extract(&k, &o, NULL, "a\xFF", 2), BNDL_OK);
  assert_string_equal(keys_text(&k), "ca|c\xEF\xBF\xBD");
  bndl_ngram_keys_free(&k);
}

/* ---- corpus fit on hand-made documents */

typedef struct hand_corpus {
  hand_doc docs[8];
  const char *text[8];
} hand_corpus;

static bndl_status hand_doc_fn(void *ud, int64_t doc, bndl_token_list *scratch, const bndl_token_list **tokens,
                               const char **text, size_t *len) {
  (void)scratch;
  hand_corpus *c = ud;
  *tokens = &c->docs[doc].list;
  *text = c->text[doc] ? c->text[doc] : "";
  *len = strlen(*text);
  return BNDL_OK;
}

static const char *vocab_key(const bndl_vocab *v, int64_t id) {
  static char out[256];
  size_t len;
  const char *k = bndl_vocab_key(v, id, &len);
  memcpy(out, k, len);
  out[len] = '\0';
  return out;
}

static void test_tfidf_by_hand(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 1);
  hand_corpus c;
  memset(&c, 0, sizeof c);
  const char *d0[] = {"a", "a", "b"}, *d1[] = {"b", "c"}, *d2[] = {"a"};
  hand_tokens(&c.docs[0], d0, 3);
  hand_tokens(&c.docs[1], d1, 2);
  hand_tokens(&c.docs[2], d2, 1);
  bndl_ngram_options o = {1, 0};
  bndl_vocab v;
  double *idf;
  bndl_csr X;
  assert_int_equal(bndl_tfidf_fit(ctx, &o, 1, hand_doc_fn, &c, 3, &v, &idf, &X), BNDL_OK);
  /* df: a 2, b 2, c 1; by df then first appearance: a, b, c */
  assert_int_equal(v.n, 3);
  assert_string_equal(vocab_key(&v, 0), "wa");
  assert_string_equal(vocab_key(&v, 1), "wb");
  assert_string_equal(vocab_key(&v, 2), "wc");
  double idf_ab = log(4.0 / 3.0) + 1.0, idf_c = log(4.0 / 2.0) + 1.0;
  assert_true(idf[0] == idf_ab && idf[1] == idf_ab);
  assert_true(fabs(idf[2] - idf_c) < 1e-15);
  assert_int_equal(X.rows, 3);
  assert_int_equal(X.cols, 3);
  int64_t want_ptr[] = {0, 2, 4, 5};
  for (int i = 0; i < 4; i++)
    assert_int_equal(X.indptr[i], want_ptr[i]);
  /* d0: a (count 2) then b */
  double xa = (1.0 + log(2.0)) * idf_ab, xb = idf_ab, nrm = sqrt(xa * xa + xb * xb);
  assert_int_equal(X.idx[0], 0);
  assert_int_equal(X.idx[1], 1);
  assert_true(fabs(X.val[0] - xa / nrm) < 1e-7 && fabs(X.val[1] - xb / nrm) < 1e-7);
  /* d1: b then c */
  nrm = sqrt(idf_ab * idf_ab + idf_c * idf_c);
  assert_int_equal(X.idx[2], 1);
  assert_int_equal(X.idx[3], 2);
  assert_true(fabs(X.val[2] - idf_ab / nrm) < 1e-7 && fabs(X.val[3] - idf_c / nrm) < 1e-7);
  /* d2: a alone */
  assert_int_equal(X.idx[4], 0);
  assert_true(X.val[4] == 1.0f);
  bndl_vocab_free(&v);
  bndl_free(&ctx->alloc, idf);
  bndl_csr_free(&ctx->alloc, &X);

  /* min_df 2: c goes; d1 is b alone; n-grams and characters together */
  assert_int_equal(bndl_tfidf_fit(ctx, &o, 2, hand_doc_fn, &c, 3, &v, &idf, &X), BNDL_OK);
  assert_int_equal(v.n, 2);
  assert_int_equal(X.indptr[2] - X.indptr[1], 1);
  assert_true(X.val[X.indptr[1]] == 1.0f);
  bndl_vocab_free(&v);
  bndl_free(&ctx->alloc, idf);
  bndl_csr_free(&ctx->alloc, &X);

  /* a document without any kept feature is an empty row */
  const char *d3[] = {"zzz"};
  hand_tokens(&c.docs[3], d3, 1);
  assert_int_equal(bndl_tfidf_fit(ctx, &o, 2, hand_doc_fn, &c, 4, &v, &idf, &X), BNDL_OK);
  assert_int_equal(X.indptr[4], X.indptr[3]);
  bndl_vocab_free(&v);
  bndl_free(&ctx->alloc, idf);
  bndl_csr_free(&ctx->alloc, &X);
  bndl_context_free(ctx);
}

static void test_vocab_against_list(void **state) {
  (void)state;
  bndl_vocab v;
  bndl_vocab_init(&v, &g_alloc);
  enum { N = 100000 };
  char key[32];
  for (int i = 0; i < N; i++) {
    int len = snprintf(key, sizeof key, "k%d", i * 7919);
    int64_t id;
    int added;
    assert_int_equal(bndl_vocab_insert(&v, key, (size_t)len, bndl_vocab_hash(key, (size_t)len), &id, &added), BNDL_OK);
    assert_int_equal(id, i);
    assert_true(added);
  }
  for (int i = 0; i < N; i += 7) {
    int len = snprintf(key, sizeof key, "k%d", i * 7919);
    int64_t id;
    int added;
    assert_int_equal(bndl_vocab_insert(&v, key, (size_t)len, bndl_vocab_hash(key, (size_t)len), &id, &added), BNDL_OK);
    assert_int_equal(id, i);
    assert_false(added);
    len = snprintf(key, sizeof key, "x%d", i);
    assert_int_equal(bndl_vocab_find(&v, key, (size_t)len, bndl_vocab_hash(key, (size_t)len)), -1);
  }
  /* keys that differ only after 8 bytes, and in length */
  assert_true(bndl_vocab_hash("abcdefgh1", 9) != bndl_vocab_hash("abcdefgh2", 9));
  assert_true(bndl_vocab_hash("ab", 2) != bndl_vocab_hash("ab\0", 3));
  bndl_vocab_free(&v);
}

/* ---- a larger random corpus: thread counts */

typedef struct rand_corpus {
  int64_t n;
  char **text;
  const bndl_tokenizer *tok;
} rand_corpus;

static bndl_status rand_doc_fn(void *ud, int64_t doc, bndl_token_list *scratch, const bndl_token_list **tokens,
                               const char **text, size_t *len) {
  rand_corpus *c = ud;
  /* hand-made tokens: split at spaces, words as they are */
  const char *t = c->text[doc];
  bndl_token_list_clear(scratch);
  static const char *words[] = {"good", "bad", "not", "very", "phone", "screen", "battery", "!", "ok", "meh"};
  scratch->n = 0;
  if (scratch->cap < 64) {
    bndl_token *tk = bndl_realloc_array(scratch->alloc, scratch->tokens, scratch->n, 64, sizeof *tk);
    if (tk == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    scratch->tokens = tk;
    scratch->cap = 64;
  }
  for (size_t i = 0; t[i] && scratch->n < 64; i++) {
    int w = t[i] - 'a';
    bndl_token *tk = &scratch->tokens[scratch->n++];
    memset(tk, 0, sizeof *tk);
    tk->text = words[w];
    tk->length = (uint32_t)strlen(words[w]);
    tk->kind = w == 7 ? BNDL_TOKEN_PUNCT : BNDL_TOKEN_WORD;
    tk->negated = (uint8_t)(i > 0 && t[i - 1] == 'c');
  }
  *tokens = scratch;
  *text = t;
  *len = strlen(t);
  return BNDL_OK;
}

static void make_rand_corpus(rand_corpus *c, int64_t n) {
  bndl_rng r;
  bndl_rng_seed(&r, 7, 0);
  c->n = n;
  c->text = calloc((size_t)n, sizeof *c->text);
  for (int64_t i = 0; i < n; i++) {
    int len = 3 + (int)bndl_rng_below(&r, 20);
    c->text[i] = calloc((size_t)len + 1, 1);
    for (int k = 0; k < len; k++)
      c->text[i][k] = (char)('a' + bndl_rng_below(&r, 10));
  }
}

static void free_rand_corpus(rand_corpus *c) {
  for (int64_t i = 0; i < c->n; i++)
    free(c->text[i]);
  free(c->text);
}

static void test_fit_thread_counts(void **state) {
  (void)state;
  rand_corpus c;
  make_rand_corpus(&c, 3000);
  bndl_ngram_options o = {3, 4};
  bndl_vocab v[3];
  double *idf[3];
  bndl_csr X[3];
  bndl_context *ctx[3];
  for (int t = 0; t < 3; t++) {
    ctx[t] = test_context(&g_counter, t + 1);
    assert_int_equal(bndl_tfidf_fit(ctx[t], &o, 2, rand_doc_fn, &c, c.n, &v[t], &idf[t], &X[t]), BNDL_OK);
  }
  assert_true(v[0].n > 100);
  for (int t = 1; t < 3; t++) {
    assert_int_equal(v[t].n, v[0].n);
    assert_int_equal(v[t].bytes_len, v[0].bytes_len);
    assert_memory_equal(v[t].bytes, v[0].bytes, v[0].bytes_len);
    assert_memory_equal(v[t].off, v[0].off, (size_t)(v[0].n + 1) * sizeof *v[0].off);
    assert_memory_equal(idf[t], idf[0], (size_t)v[0].n * sizeof *idf[0]);
    assert_memory_equal(X[t].indptr, X[0].indptr, (size_t)(c.n + 1) * sizeof *X[0].indptr);
    int64_t nnz = X[0].indptr[c.n];
    assert_memory_equal(X[t].idx, X[0].idx, (size_t)nnz * sizeof *X[0].idx);
    assert_memory_equal(X[t].val, X[0].val, (size_t)nnz * sizeof *X[0].val);
  }
  /* vocabulary ids by df descending; every row has unit norm; df >= 2 */
  int64_t *df = calloc((size_t)v[0].n, sizeof *df);
  for (int64_t k = 0; k < X[0].indptr[c.n]; k++)
    df[X[0].idx[k]]++;
  for (int64_t j = 0; j < v[0].n; j++) {
    assert_true(df[j] >= 2);
    if (j)
      assert_true(df[j] <= df[j - 1]);
    assert_true(fabs(idf[0][j] - bndl_idf(df[j], c.n)) < 1e-15);
  }
  free(df);
  for (int64_t i = 0; i < c.n; i++) {
    double ss = 0;
    for (int64_t k = X[0].indptr[i]; k < X[0].indptr[i + 1]; k++)
      ss += (double)X[0].val[k] * X[0].val[k];
    if (X[0].indptr[i + 1] > X[0].indptr[i])
      assert_true(fabs(ss - 1.0) < 1e-5);
  }
  for (int t = 0; t < 3; t++) {
    bndl_vocab_free(&v[t]);
    bndl_free(&ctx[t]->alloc, idf[t]);
    bndl_csr_free(&ctx[t]->alloc, &X[t]);
    bndl_context_free(ctx[t]);
  }
  free_rand_corpus(&c);
}

static void test_fit_oom_loop(void **state) {
  (void)state;
  rand_corpus c;
  make_rand_corpus(&c, 600); /* two blocks */
  bndl_ngram_options o = {2, 3};
  int64_t attempts = 0;
  for (int64_t fail_at = 1;; fail_at++) {
    test_alloc ta;
    test_alloc_reset(&ta, 0, 0);
    bndl_context *ctx = test_context(&ta, 2);
    ta.fail_at = ta.n_allocs + fail_at;
    bndl_vocab v;
    double *idf = NULL;
    bndl_csr X;
    bndl_status st = bndl_tfidf_fit(ctx, &o, 1, rand_doc_fn, &c, c.n, &v, &idf, &X);
    attempts++;
    ta.fail_at = 0;
    if (st == BNDL_OK) {
      bndl_vocab_free(&v);
      bndl_free(&ctx->alloc, idf);
      bndl_csr_free(&ctx->alloc, &X);
      bndl_context_free(ctx);
      assert_int_equal(ta.live_blocks, 0);
      break;
    }
    assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
    bndl_context_free(ctx);
    assert_int_equal(ta.live_blocks, 0);
    assert_true(fail_at < 100000);
  }
  assert_true(attempts > 20);
  free_rand_corpus(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_word_keys, setup, teardown),
      cmocka_unit_test_setup_teardown(test_char_keys, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tfidf_by_hand, setup, teardown),
      cmocka_unit_test_setup_teardown(test_vocab_against_list, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fit_thread_counts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fit_oom_loop, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
