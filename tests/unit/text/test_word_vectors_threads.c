/*
 * test_word_vectors_threads.c - word vectors used from several application threads at
 * once on one context (TSan runs this: label concurrency).
 *
 * Four threads train on the same texts with one shared context (its pool is busy with
 * one training, so the others run their tasks inline), then query one shared model
 * (find, nearest) and compute item text vectors of one shared dataset. Every thread's
 * vectors must equal the ones a lone call made, bit for bit.
 */
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

enum { N_TEXTS = 400, N_THREADS = 4 };

static char *texts[N_TEXTS];
static bndl_context *g_ctx;
static bndl_config *g_cfg;
static const bndl_word_vectors *g_model;
static const bndl_dataset *g_ds;

typedef struct job {
  bndl_status st;
  float *vectors;
  size_t cells;
  int64_t nearest[5];
  float item_vec[16 * 3];
} job;

static void make_texts(void) {
  static const char *const a[] = {"the fresh apple", "a ripe banana", "my old car", "a red truck"};
  static const char *const b[] = {"was sweet", "tasted great", "drove well", "needs repair"};
  for (int i = 0; i < N_TEXTS; i++) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s %s today, number %d.", a[i % 4], b[(i / 4) % 4], i % 7);
    texts[i] = strdup(buf);
  }
}

static void *worker(void *ud) {
  job *j = ud;
  bndl_word_vectors *wv = NULL;
  j->st = bndl_word_vectors_train(g_ctx, (const char *const *)texts, NULL, N_TEXTS, g_cfg, &wv);
  if (j->st != BNDL_OK)
    return NULL;
  int64_t n = bndl_word_vectors_count(wv);
  int32_t dim = bndl_word_vectors_dim(wv);
  j->cells = (size_t)n * (size_t)dim;
  j->vectors = malloc(j->cells * sizeof *j->vectors);
  for (int64_t w = 0; w < n; w++) {
    const float *v;
    bndl_word_vectors_vector(wv, w, &v);
    memcpy(j->vectors + (size_t)w * (size_t)dim, v, (size_t)dim * sizeof *v);
  }
  bndl_word_vectors_free(wv);
  int64_t id;
  float scores[5];
  int32_t found;
  if ((j->st = bndl_word_vectors_find(g_model, "apple", 5, &id)) != BNDL_OK ||
      (j->st = bndl_word_vectors_nearest(g_model, id, 5, j->nearest, scores, &found)) != BNDL_OK)
    return NULL;
  j->st = bndl_item_text_vectors(g_ds, g_model, g_cfg, j->item_vec, NULL);
  return NULL;
}

static void test_concurrent_callers(void **state) {
  (void)state;
  make_texts();
  g_ctx = test_context(NULL, 2);
  assert_int_equal(bndl_config_create(&g_cfg), BNDL_OK);
  assert_int_equal(bndl_config_set_int(g_cfg, BNDL_KEY_TEXT_VECTOR_DIM, 16), BNDL_OK);
  assert_int_equal(bndl_config_set_int(g_cfg, BNDL_KEY_TEXT_VECTOR_MIN_COUNT, 1), BNDL_OK);
  assert_int_equal(bndl_config_set_string(g_cfg, BNDL_KEY_TEXT_LANGUAGE, "en"), BNDL_OK);
  job ref;
  memset(&ref, 0, sizeof ref);
  bndl_word_vectors *model = NULL;
  assert_int_equal(bndl_word_vectors_train(g_ctx, (const char *const *)texts, NULL, N_TEXTS, g_cfg, &model),
                   BNDL_OK);
  g_model = model;
  static const char *const names[] = {"x", "y", "z"};
  static const char *const titles[] = {"fresh apple", "old car", "ripe banana"};
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(g_ctx, &ds), BNDL_OK);
  bndl_catalogue_columns cc = BNDL_CATALOGUE_COLUMNS_INIT;
  cc.count = 3;
  cc.item_names = names;
  cc.titles = titles;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &cc), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  g_ds = ds;
  worker(&ref);
  assert_int_equal(ref.st, BNDL_OK);
  pthread_t th[N_THREADS];
  job jobs[N_THREADS];
  memset(jobs, 0, sizeof jobs);
  for (int t = 0; t < N_THREADS; t++)
    assert_int_equal(pthread_create(&th[t], NULL, worker, &jobs[t]), 0);
  for (int t = 0; t < N_THREADS; t++)
    pthread_join(th[t], NULL);
  for (int t = 0; t < N_THREADS; t++) {
    assert_int_equal(jobs[t].st, BNDL_OK);
    assert_int_equal(jobs[t].cells, ref.cells);
    assert_memory_equal(jobs[t].vectors, ref.vectors, ref.cells * sizeof *ref.vectors);
    assert_memory_equal(jobs[t].nearest, ref.nearest, sizeof ref.nearest);
    assert_memory_equal(jobs[t].item_vec, ref.item_vec, sizeof ref.item_vec);
    free(jobs[t].vectors);
  }
  free(ref.vectors);
  bndl_dataset_free(ds);
  bndl_word_vectors_free(model);
  bndl_config_free(g_cfg);
  bndl_context_free(g_ctx);
  for (int i = 0; i < N_TEXTS; i++)
    free(texts[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_concurrent_callers)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
