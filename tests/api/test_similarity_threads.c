/*
 * test_similarity_threads.c - two application threads computing similarities on one
 * shared finalized dataset (and one context with a 2-thread pool, so one of them finds
 * the pool busy and runs inline) get exactly the single-threaded results. Label
 * "concurrency": the TSan job runs it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "similarity_oracle.h"
#include "test_support.h"

enum { ROUNDS = 6 };

static const char *const measures[] = {"cosine", "bm25", "pmi", "jaccard"};

typedef struct worker {
  const bndl_dataset *ds;
  bndl_context *ctx;
  int id;
  bndl_neighbors *expected[4][2];
  int mismatches;
  int failures;
} worker;

static bndl_neighbors *compute(const bndl_dataset *ds, int m, int users, bndl_status *st) {
  oracle_params p = oracle_defaults(measures[m]);
  p.k = 10;
  bndl_config *cfg = NULL;
  *st = bndl_config_create(&cfg);
  if (*st != BNDL_OK)
    return NULL;
  bndl_config_set_string(cfg, BNDL_KEY_SIM_MEASURE, p.measure);
  bndl_config_set_int(cfg, BNDL_KEY_SIM_K, p.k);
  bndl_neighbors *nb = NULL;
  *st = users ? bndl_similarity_users(ds, cfg, &nb) : bndl_similarity_items(ds, cfg, &nb);
  bndl_config_free(cfg);
  return nb;
}

static int same(const bndl_neighbors *a, const bndl_neighbors *b) {
  const int64_t *pa, *pb;
  const int32_t *ca, *cb;
  const float *sa, *sb;
  if (bndl_neighbors_rows(a) != bndl_neighbors_rows(b) || bndl_neighbors_csr(a, &pa, &ca, &sa) != BNDL_OK ||
      bndl_neighbors_csr(b, &pb, &cb, &sb) != BNDL_OK)
    return 0;
  int64_t rows = bndl_neighbors_rows(a), nnz = pa[rows];
  return memcmp(pa, pb, (size_t)(rows + 1) * sizeof *pa) == 0 && memcmp(ca, cb, (size_t)nnz * sizeof *ca) == 0 &&
         memcmp(sa, sb, (size_t)nnz * sizeof *sa) == 0;
}

static void *run(void *arg) {
  worker *w = arg;
  for (int round = 0; round < ROUNDS; round++)
    for (int i = 0; i < 8; i++) {
      int m = (i + w->id) % 4, users = (i / 4 + w->id + round) % 2; /* the threads interleave differently */
      bndl_status st;
      bndl_neighbors *nb = compute(w->ds, m, users, &st);
      if (st != BNDL_OK) {
        w->failures++;
        continue;
      }
      w->mismatches += !same(nb, w->expected[m][users]);
      bndl_neighbors_free(nb);
    }
  return NULL;
}

static void two_threads_one_dataset(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = oracle_random_dataset(ctx, 600, 300, 6000, 31);
  worker w[2] = {{.ds = ds, .ctx = ctx, .id = 0}, {.ds = ds, .ctx = ctx, .id = 1}};
  for (int m = 0; m < 4; m++)
    for (int users = 0; users < 2; users++) {
      bndl_status st;
      w[0].expected[m][users] = compute(ds, m, users, &st);
      assert_int_equal(st, BNDL_OK);
      w[1].expected[m][users] = w[0].expected[m][users];
    }
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&th[i], NULL, run, &w[i]), 0);
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_join(th[i], NULL), 0);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(w[i].failures, 0);
    assert_int_equal(w[i].mismatches, 0);
  }
  for (int m = 0; m < 4; m++)
    for (int users = 0; users < 2; users++)
      bndl_neighbors_free(w[0].expected[m][users]);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(two_threads_one_dataset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
