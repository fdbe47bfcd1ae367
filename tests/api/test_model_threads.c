/*
 * test_model_threads.c - one bndl_model used by 4 caller threads at once (API.md section
 * 6: a model is immutable, so encode and recommend are @thread any), on a context whose
 * pool has 2 threads, so the callers' encoder passes also share the pool. Every thread
 * encodes, batch-encodes and recommends for the same 48 histories in its own order and
 * must reproduce the single-threaded answers bit for bit; both encoder kinds. Run under
 * TSan by the CI's concurrency phase (label "concurrency").
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

enum { N_USERS = 30, N_GEN_ITEMS = 40, N_HIST = 48, HIST_LEN = 9, K = 8, DIM = 16, N_THREADS = 4, ROUNDS = 3 };

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static bndl_dataset *make_dataset(bndl_context *ctx) {
  enum { CAP = N_USERS * 10 };
  static int64_t users[CAP], items[CAP];
  uint64_t s = 12345;
  for (int i = 0; i < CAP; i++) {
    users[i] = i / 10;
    items[i] = i < N_GEN_ITEMS ? i : (int64_t)(rng_next(&s) % N_GEN_ITEMS);
  }
  bndl_dataset *ds = NULL;
  test_expect_ok(bndl_dataset_create(ctx, &ds));
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = CAP;
  c.user_ids = users;
  c.item_ids = items;
  test_expect_ok(bndl_dataset_add_events(ds, &c));
  test_expect_ok(bndl_dataset_finalize(ds));
  return ds;
}

typedef struct answers {
  float enc[N_HIST][DIM];
  float batch[N_HIST][DIM];
  int32_t top[N_HIST][K];
  float scores[N_HIST][K];
  int64_t n_top[N_HIST];
} answers;

typedef struct shared {
  const bndl_model *m;
  int32_t items[N_HIST * HIST_LEN];
  int32_t types[N_HIST * HIST_LEN];
  int64_t offsets[N_HIST + 1];
  answers ref;
} shared;

typedef struct job {
  shared *sh;
  int id;
  answers got;
  int mismatches;
  bndl_status st;
} job;

static bndl_status answer_one(const shared *sh, int h, answers *a) {
  const int32_t *it = sh->items + sh->offsets[h], *ty = sh->types + sh->offsets[h];
  int64_t n = sh->offsets[h + 1] - sh->offsets[h];
  bndl_status st = bndl_model_encode(sh->m, it, ty, n, a->enc[h], DIM);
  if (st == BNDL_OK)
    st = bndl_model_recommend(sh->m, it, ty, n, NULL, 0, 1, K, a->top[h], a->scores[h], &a->n_top[h]);
  return st;
}

static void *worker(void *arg) {
  job *j = arg;
  shared *sh = j->sh;
  for (int r = 0; r < ROUNDS && j->st == BNDL_OK; r++) {
    /* each thread walks the histories in its own order (strides prime to N_HIST) */
    static const int stride[N_THREADS] = {1, 5, 7, 11};
    for (int i = 0; i < N_HIST && j->st == BNDL_OK; i++) {
      int h = (i * stride[j->id] + j->id * 5) % N_HIST;
      j->st = answer_one(sh, h, &j->got);
    }
    if (j->st == BNDL_OK)
      j->st = bndl_model_encode_batch(sh->m, N_HIST, sh->offsets, sh->items, sh->types, &j->got.batch[0][0],
                                      N_HIST * DIM);
    if (memcmp(&j->got, &sh->ref, sizeof j->got) != 0)
      j->mismatches++;
  }
  return NULL;
}

static void run(const char *kind) {
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = make_dataset(ctx);
  bndl_config *cfg = NULL;
  test_expect_ok(bndl_config_create(&cfg));
  test_expect_ok(bndl_config_set_string(cfg, BNDL_KEY_MODEL_KIND, kind));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_DIM, DIM));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_HEADS, 2));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_MAX_LEN, 6));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_EVENT_TYPES, 1));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_ITEM_FEATURES, 1));
  bndl_model *m = NULL;
  test_expect_ok(bndl_model_create(ds, cfg, &m));
  bndl_config_free(cfg);
  bndl_dataset_free(ds); /* the model needs none of it */
  int64_t n_items = bndl_model_num_items(m);

  shared *sh = calloc(1, sizeof *sh);
  sh->m = m;
  uint64_t s = 777;
  for (int h = 0; h < N_HIST; h++) {
    int64_t len = 1 + h % HIST_LEN;
    sh->offsets[h + 1] = sh->offsets[h] + len;
    for (int64_t i = sh->offsets[h]; i < sh->offsets[h + 1]; i++) {
      sh->items[i] = (int32_t)(rng_next(&s) % (uint64_t)n_items);
      sh->types[i] = 1 + (int32_t)(rng_next(&s) % 6);
    }
  }
  /* the single-threaded answers */
  for (int h = 0; h < N_HIST; h++)
    test_expect_ok(answer_one(sh, h, &sh->ref));
  test_expect_ok(bndl_model_encode_batch(m, N_HIST, sh->offsets, sh->items, sh->types, &sh->ref.batch[0][0],
                                    N_HIST * DIM));

  job *jobs = calloc(N_THREADS, sizeof *jobs);
  pthread_t th[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    jobs[i].sh = sh;
    jobs[i].id = i;
    assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
  }
  for (int i = 0; i < N_THREADS; i++)
    assert_int_equal(pthread_join(th[i], NULL), 0);
  for (int i = 0; i < N_THREADS; i++) {
    test_expect_ok(jobs[i].st);
    assert_int_equal(jobs[i].mismatches, 0);
  }
  print_message("%s: %d threads x %d rounds of %d encodes, recommends and one batch: identical\n", kind, N_THREADS,
                ROUNDS, N_HIST);
  free(jobs);
  free(sh);
  bndl_model_free(m);
  bndl_context_free(ctx);
}

static void test_transformer(void **state) {
  (void)state;
  run("transformer");
}

static void test_lstm(void **state) {
  (void)state;
  run("lstm");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_transformer), cmocka_unit_test(test_lstm)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
