/*
 * test_model_hot_swap.c - concurrent recommend with model hot swap (TARGETS.md R13): 16
 * threads make 1,000 bndl_model_recommend calls each on a shared "current model" that a
 * 17th thread replaces every 100 ms, the way a shop reloads a retrained model without
 * stopping traffic. The application pattern the reference count makes safe: take the
 * current pointer and bndl_model_retain it under a short lock, recommend without the
 * lock, bndl_model_free when done; the swapper publishes the new model under the lock and
 * frees its own reference to the old one, which lives on until its last reader is done.
 *
 * Every answer must equal the one precomputed for the model the thread got (two models
 * of different sizes, so a torn read would show). Repeated 10 times, since TSan finds an
 * injected race in only some runs. Run under TSan by CI (label concurrency).
 *
 * Canary (a test of the test): built with -DBNDL_TEST_RACE_CANARY, the readers also bump
 * an unsynchronised counter; under TSan that binary must fail (registered as
 * api_model_hot_swap_canary, WILL_FAIL, in TSan builds only).
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

#include "bundle/bundle.h"
#include "test_support.h"

enum { READERS = 16, CALLS = 1000, REPEATS = 10, SWAP_MS = 100, N_HIST = 24, HIST_LEN = 6, K = 5 };

typedef struct expected {
  int32_t top[N_HIST][K];
  float score[N_HIST][K];
} expected;

typedef struct shared {
  pthread_mutex_t lock;
  bndl_model *current;        /* guarded by lock */
  bndl_model *versions[2];
  expected answers[2];
  int32_t hist[N_HIST][HIST_LEN];
  int stop;                   /* guarded by lock */
  int swaps;                  /* guarded by lock */
#ifdef BNDL_TEST_RACE_CANARY
  long racy_counter;          /* deliberately unguarded */
#endif
} shared;

typedef struct reader {
  shared *sh;
  int id, wrong, failed;
} reader;

static int version_of(const shared *sh, const bndl_model *m) { return m == sh->versions[0] ? 0 : 1; }

static void *read_loop(void *arg) {
  reader *r = arg;
  shared *sh = r->sh;
  /* CALLS calls, and on until the model was swapped a few times (a fast machine could
   * finish the calls before the first swap). */
  for (int i = 0;; i++) {
    pthread_mutex_lock(&sh->lock);
    bndl_model *m = sh->current;
    bndl_model_retain(m);
    int swaps = sh->swaps;
    pthread_mutex_unlock(&sh->lock);
    if (i >= CALLS && swaps >= 3) {
      bndl_model_free(m);
      break;
    }
    int h = (i * 7 + r->id * 3) % N_HIST;
    int32_t top[K];
    float score[K];
    int64_t n = 0;
    if (bndl_model_recommend(m, sh->hist[h], NULL, HIST_LEN, NULL, 0, 1, K, top, score, &n) != BNDL_OK || n != K)
      r->failed++;
    else if (memcmp(top, sh->answers[version_of(sh, m)].top[h], sizeof top) != 0 ||
             memcmp(score, sh->answers[version_of(sh, m)].score[h], sizeof score) != 0)
      r->wrong++;
#ifdef BNDL_TEST_RACE_CANARY
    sh->racy_counter++;
#endif
    bndl_model_free(m);
  }
  return NULL;
}

static void *swap_loop(void *arg) {
  shared *sh = arg;
  for (int v = 1;; v ^= 1) {
    struct timespec pause = {0, SWAP_MS * 1000000L};
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&sh->lock);
    if (sh->stop) {
      pthread_mutex_unlock(&sh->lock);
      return NULL;
    }
    bndl_model *old = sh->current;
    bndl_model_retain(sh->versions[v]);
    sh->current = sh->versions[v];
    sh->swaps++;
    pthread_mutex_unlock(&sh->lock);
    bndl_model_free(old);
  }
}

static bndl_model *make_model(bndl_dataset *ds, const char *dim) {
  bndl_config *cfg;
  bndl_model *m;
  test_expect_ok(bndl_config_create(&cfg));
  test_expect_ok(bndl_config_set(cfg, "model.dim", dim));
  test_expect_ok(bndl_config_set(cfg, "model.max_len", "8"));
  test_expect_ok(bndl_model_create(ds, cfg, &m));
  bndl_config_free(cfg);
  return m;
}

static void sixteen_readers_and_a_swapper(void **state) {
  (void)state;
  static shared sh;
  memset(&sh, 0, sizeof sh);
  pthread_mutex_init(&sh.lock, NULL);
  bndl_context *ctx = test_context(NULL, 2);
  enum { EVENTS = 400 };
  static int64_t users[EVENTS], items[EVENTS];
  for (int i = 0; i < EVENTS; i++)
    users[i] = i / 8, items[i] = (i * 13) % 50;
  bndl_event_columns ev = BNDL_EVENT_COLUMNS_INIT;
  ev.count = EVENTS;
  ev.user_ids = users;
  ev.item_ids = items;
  bndl_dataset *ds;
  test_expect_ok(bndl_dataset_create(ctx, &ds));
  test_expect_ok(bndl_dataset_add_events(ds, &ev));
  test_expect_ok(bndl_dataset_finalize(ds));
  test_expect_ok(bndl_context_set_seed(ctx, 1));
  sh.versions[0] = make_model(ds, "16");
  test_expect_ok(bndl_context_set_seed(ctx, 2));
  sh.versions[1] = make_model(ds, "24");
  for (int h = 0; h < N_HIST; h++)
    for (int t = 0; t < HIST_LEN; t++)
      sh.hist[h][t] = (h * 5 + t * 3) % 50;
  for (int v = 0; v < 2; v++)
    for (int h = 0; h < N_HIST; h++) {
      int64_t n = 0;
      test_expect_ok(bndl_model_recommend(sh.versions[v], sh.hist[h], NULL, HIST_LEN, NULL, 0, 1, K,
                                     sh.answers[v].top[h], sh.answers[v].score[h], &n));
      assert_int_equal(n, K);
    }

  for (int rep = 0; rep < REPEATS; rep++) {
    bndl_model_retain(sh.versions[0]);
    sh.current = sh.versions[0];
    sh.stop = 0;
    sh.swaps = 0;
    pthread_t swapper, threads[READERS];
    reader readers[READERS];
    assert_int_equal(pthread_create(&swapper, NULL, swap_loop, &sh), 0);
    for (int i = 0; i < READERS; i++) {
      readers[i] = (reader){.sh = &sh, .id = i};
      assert_int_equal(pthread_create(&threads[i], NULL, read_loop, &readers[i]), 0);
    }
    int wrong = 0, failed = 0;
    for (int i = 0; i < READERS; i++) {
      pthread_join(threads[i], NULL);
      wrong += readers[i].wrong;
      failed += readers[i].failed;
    }
    pthread_mutex_lock(&sh.lock);
    sh.stop = 1;
    pthread_mutex_unlock(&sh.lock);
    pthread_join(swapper, NULL);
    bndl_model_free(sh.current);
    assert_int_equal(failed, 0);
    assert_int_equal(wrong, 0);
  }
  bndl_model_free(sh.versions[0]);
  bndl_model_free(sh.versions[1]);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  pthread_mutex_destroy(&sh.lock);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(sixteen_readers_and_a_swapper)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
