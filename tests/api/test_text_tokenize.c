/*
 * test_text_tokenize.c - bndl_text_tokenize through bundle.h and libbundle.so: the
 * '\n'-joined output with "NOT_" scopes, each text.* key that changes it, argument and
 * handle errors with their messages, the out-of-memory loop through the context's
 * allocator, and calls from several threads on one context.
 *
 * Expected outputs are written by hand from the rules in src/text/tokenize.c.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "test_support.h"

static void expect_tokens(bndl_context *ctx, const bndl_config *cfg, const char *text, const char *want) {
  bndl_buffer *buf = NULL;
  bndl_status st = bndl_text_tokenize(ctx, text, strlen(text), cfg, &buf);
  if (st != BNDL_OK)
    fail_msg("bndl_text_tokenize(\"%s\") = %d: %s", text, (int)st, bndl_last_error_message());
  size_t n = bndl_buffer_size(buf);
  const char *got = bndl_buffer_data(buf);
  if (n != strlen(want) || memcmp(got, want, n) != 0)
    fail_msg("tokens of \"%s\":\n got  \"%.*s\"\n want \"%s\"", text, (int)n, got, want);
  bndl_buffer_free(buf);
}

static void test_outputs(void **state) {
  (void)state;
  test_alloc ta;
  test_alloc_reset(&ta, 0, 0);
  bndl_context *ctx = test_context(&ta, 1);
  /* defaults: auto language, negation on, stopwords kept */
  expect_tokens(ctx, NULL, "Isn't it GREAT? 不太满意，还行 😀",
                "is\nnot\nNOT_it\nNOT_great\n?\n不太\nNOT_满意\n,\n还行\n😀");
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  /* en: one token per ideograph and no Chinese negators */
  assert_int_equal(bndl_config_set(cfg, "text.language", "en"), BNDL_OK);
  expect_tokens(ctx, cfg, "Isn't it GREAT? 不太满意", "is\nnot\nNOT_it\nNOT_great\n?\n不\n太\n满\n意");
  /* zh: English words without contractions or English negators */
  assert_int_equal(bndl_config_set(cfg, "text.language", "zh"), BNDL_OK);
  expect_tokens(ctx, cfg, "Isn't it GREAT? 不太满意", "isn't\nit\ngreat\n?\n不太\nNOT_满意");
  /* negation off, stopwords dropped */
  assert_int_equal(bndl_config_set(cfg, "text.language", "auto"), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "text.negation", "0"), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "text.stopwords", "1"), BNDL_OK);
  expect_tokens(ctx, cfg, "It is not the best, 这个手机的屏幕", "not\nbest\n,\n手机\n屏幕");
  /* nothing but separators, and empty text: an empty buffer */
  expect_tokens(ctx, cfg, " \t\n\xE3\x80\x80", "");
  expect_tokens(ctx, cfg, "", "");
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  assert_int_equal(ta.live_blocks, 0);
}

static void test_errors(void **state) {
  (void)state;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(NULL, &ctx), BNDL_OK);
  bndl_buffer *buf = NULL;
  assert_int_equal(bndl_text_tokenize(ctx, "ok \xE5\xA5", 5, NULL, &buf), BNDL_ERR_FORMAT);
  test_assert_error_contains("bndl_text_tokenize: invalid UTF-8 at byte 3");
  assert_null(buf);
  assert_int_equal(bndl_text_tokenize(ctx, "a\0b", 3, NULL, &buf), BNDL_ERR_FORMAT);
  test_assert_error_contains("at byte 1");
  assert_int_equal(bndl_text_tokenize(NULL, "a", 1, NULL, &buf), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_text_tokenize: ctx is NULL");
  assert_int_equal(bndl_text_tokenize(ctx, NULL, 1, NULL, &buf), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("text is NULL");
  assert_int_equal(bndl_text_tokenize(ctx, "a", 1, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("tokens is NULL");
  assert_int_equal(bndl_text_tokenize(ctx, "a", 1, (const bndl_config *)(const void *)ctx, &buf),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("cfg is not a live bndl_config handle");
  /* NULL text with length 0 is the empty text */
  assert_int_equal(bndl_text_tokenize(ctx, NULL, 0, NULL, &buf), BNDL_OK);
  assert_int_equal(bndl_buffer_size(buf), 0);
  bndl_buffer_free(buf);
  bndl_context_free(ctx);
}

/* Every allocation of the call fails in turn: OUT_OF_MEMORY with nothing leaked and no
 * buffer, until the call needs no more and succeeds. */
static void test_out_of_memory(void **state) {
  (void)state;
  test_alloc ta;
  test_alloc_reset(&ta, 0, 0);
  bndl_context *ctx = test_context(&ta, 1);
  int64_t base = ta.live_blocks;
  const char *text = "I don't like it, 这个手机质量很好但是电池不耐用 :) 😀 and more words to grow the arrays";
  int done = 0;
  for (int64_t k = 1; !done && k < 1000; k++) {
    ta.fail_at = ta.n_allocs + k;
    ta.n_failed = 0;
    bndl_buffer *buf = NULL;
    bndl_status st = bndl_text_tokenize(ctx, text, strlen(text), NULL, &buf);
    if (st == BNDL_OK) {
      done = ta.n_failed == 0;
      bndl_buffer_free(buf);
    } else {
      assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
      assert_null(buf);
    }
    assert_int_equal(ta.live_blocks, base);
  }
  assert_true(done);
  bndl_context_free(ctx);
}

typedef struct job {
  bndl_context *ctx;
  int ok;
} job;

static void *tokenize_many(void *arg) {
  job *j = arg;
  const char *text = "这个手机质量很好，但是电池不耐用。I don't like it :(";
  /* no dictionary words but the built-in ones: 手机质量很好 is six uncovered characters,
   * five bigrams */
  const char *want = "这个\n手机\n机质\n质量\n量很\n很好\n,\n但是\n电池\n不\nNOT_耐用\n。\ni\ndo\nnot\nNOT_like\nNOT_it\n:(";
  j->ok = 1;
  for (int r = 0; r < 300 && j->ok; r++) {
    bndl_buffer *buf = NULL;
    if (bndl_text_tokenize(j->ctx, text, strlen(text), NULL, &buf) != BNDL_OK) {
      j->ok = 0;
      break;
    }
    j->ok = bndl_buffer_size(buf) == strlen(want) && memcmp(bndl_buffer_data(buf), want, strlen(want)) == 0;
    bndl_buffer_free(buf);
  }
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(NULL, &ctx), BNDL_OK);
  job jobs[4];
  pthread_t th[4];
  for (int k = 0; k < 4; k++) {
    jobs[k].ctx = ctx;
    assert_int_equal(pthread_create(&th[k], NULL, tokenize_many, &jobs[k]), 0);
  }
  for (int k = 0; k < 4; k++) {
    pthread_join(th[k], NULL);
    assert_true(jobs[k].ok);
  }
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_outputs),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
