/*
 * test_thread_pool.c - the worker pool on its own (bndl_pool_*): thread-count
 * independent results, nested calls, error hand-over and the thread budget.
 *
 * The contract under test (thread_pool.h): each task's result depends on its index
 * only; a nested or concurrent call runs inline; the lowest failing task wins and its
 * message reaches the caller; the pool never has more than n_threads - 1 threads of
 * its own (TARGETS.md P6). A watchdog alarm turns a deadlock into a failed test instead
 * of a hung CI job.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/thread_pool.h"
#include "test_support.h"
#include "thread_count.h"

enum { N_TASKS = 997, ROUNDS = 200 };

static void pause_us(long us) {
  struct timespec ts = {0, us * 1000};
  nanosleep(&ts, NULL);
}

/* ---- determinism across thread counts */

typedef struct compute_job {
  uint64_t out[N_TASKS];
  atomic_int runs[N_TASKS];
  int32_t n_threads;
  atomic_int bad_worker;
} compute_job;

static bndl_status compute_task(void *ud, int64_t task, int32_t worker) {
  compute_job *j = ud;
  if (worker < 0 || worker >= j->n_threads)
    atomic_store(&j->bad_worker, 1);
  bndl_rng r;
  bndl_rng_seed(&r, 1234, (uint64_t)task);
  uint64_t acc = 0;
  for (int i = 0; i < ROUNDS; i++)
    acc ^= bndl_rng_next(&r) + (uint64_t)i;
  j->out[task] = acc;
  atomic_fetch_add(&j->runs[task], 1);
  return BNDL_OK;
}

static void run_compute(int32_t n_threads, uint64_t *out) {
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_pool *p = NULL;
  assert_int_equal(bndl_pool_create(&a, n_threads, &p), BNDL_OK);
  assert_int_equal(bndl_pool_threads(p), n_threads);
  static compute_job j;
  memset(&j, 0, sizeof j);
  j.n_threads = n_threads;
  for (int rep = 0; rep < 5; rep++) {
    for (int i = 0; i < N_TASKS; i++)
      atomic_store(&j.runs[i], 0);
    assert_int_equal(bndl_pool_for(p, N_TASKS, compute_task, &j), BNDL_OK);
    for (int i = 0; i < N_TASKS; i++)
      assert_int_equal(atomic_load(&j.runs[i]), 1); /* every task exactly once */
  }
  assert_int_equal(atomic_load(&j.bad_worker), 0);
  memcpy(out, j.out, sizeof j.out);
  bndl_pool_destroy(p);
  assert_int_equal(t.live_bytes, 0);
}

static void test_results_identical_for_1_2_4_threads(void **state) {
  (void)state;
  static uint64_t r1[N_TASKS], r2[N_TASKS], r4[N_TASKS];
  run_compute(1, r1);
  run_compute(2, r2);
  run_compute(4, r4);
  assert_memory_equal(r1, r2, sizeof r1);
  assert_memory_equal(r1, r4, sizeof r1);
  /* and the values are not trivially equal (the tasks did work) */
  assert_true(r1[0] != r1[1]);
}

static void test_zero_and_one_task(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_pool *p = NULL;
  assert_int_equal(bndl_pool_create(&a, 3, &p), BNDL_OK);
  static compute_job j;
  memset(&j, 0, sizeof j);
  j.n_threads = 3;
  assert_int_equal(bndl_pool_for(p, 0, compute_task, &j), BNDL_OK);
  assert_int_equal(bndl_pool_for(p, -5, compute_task, &j), BNDL_OK);
  assert_int_equal(atomic_load(&j.runs[0]), 0);
  assert_int_equal(bndl_pool_for(p, 1, compute_task, &j), BNDL_OK);
  assert_int_equal(atomic_load(&j.runs[0]), 1);
  assert_int_equal(atomic_load(&j.runs[1]), 0);
  bndl_pool_destroy(p);
  bndl_pool_destroy(NULL);
  assert_int_equal(t.live_bytes, 0);
}

static void test_zero_threads_means_hardware(void **state) {
  (void)state;
  bndl_pool *p = NULL;
  assert_int_equal(bndl_pool_create(bndl_default_allocator(), 0, &p), BNDL_OK);
  assert_int_equal(bndl_pool_threads(p), bndl_hardware_threads());
  assert_true(bndl_hardware_threads() >= 1);
  bndl_pool_destroy(p);
}

/* ---- nested calls */

typedef struct nested_job {
  bndl_pool *pool;
  pthread_t outer_thread[64];
  atomic_int inner_runs[64 * 16];
  atomic_int inner_foreign; /* inner task ran on another thread than its outer task */
  atomic_int inner_worker_nonzero;
} nested_job;

typedef struct inner_ctx {
  nested_job *j;
  int64_t outer;
} inner_ctx;

static bndl_status inner_task(void *ud, int64_t task, int32_t worker) {
  inner_ctx *c = ud;
  if (!pthread_equal(pthread_self(), c->j->outer_thread[c->outer]))
    atomic_store(&c->j->inner_foreign, 1);
  if (worker != 0)
    atomic_store(&c->j->inner_worker_nonzero, 1);
  atomic_fetch_add(&c->j->inner_runs[c->outer * 16 + task], 1);
  return BNDL_OK;
}

static bndl_status outer_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  nested_job *j = ud;
  j->outer_thread[task] = pthread_self();
  inner_ctx c = {j, task};
  return bndl_pool_for(j->pool, 16, inner_task, &c);
}

static void test_nested_call_runs_inline(void **state) {
  (void)state;
  int32_t counts[] = {1, 2, 4};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
    static nested_job j;
    memset(&j, 0, sizeof j);
    assert_int_equal(bndl_pool_create(bndl_default_allocator(), counts[k], &j.pool), BNDL_OK);
    for (int rep = 0; rep < 20; rep++)
      assert_int_equal(bndl_pool_for(j.pool, 64, outer_task, &j), BNDL_OK);
    for (int i = 0; i < 64 * 16; i++)
      assert_int_equal(atomic_load(&j.inner_runs[i]), 20);
    assert_int_equal(atomic_load(&j.inner_foreign), 0);
    assert_int_equal(atomic_load(&j.inner_worker_nonzero), 0);
    bndl_pool_destroy(j.pool);
  }
}

/* ---- failures */

typedef struct failing_job {
  atomic_int ran_on_worker_thread; /* the lowest failing task ran off the caller */
  pthread_t caller;
} failing_job;

/* Tasks 37, 38, 60 and 99 fail with different codes. The slow ramp before 37 gives the
 * workers time to wake, so the lowest failure often happens on a worker thread; 37 is
 * slow itself, so with several threads 38 usually fails first and "first failure wins"
 * would be caught. */
static bndl_status failing_task(void *ud, int64_t task, int32_t worker) {
  failing_job *j = ud;
  (void)worker;
  if (task < 37)
    pause_us(50);
  switch (task) {
  case 37:
    pause_us(2000);
    if (!pthread_equal(pthread_self(), j->caller))
      atomic_store(&j->ran_on_worker_thread, 1);
    return bndl_fail(BNDL_ERR_FORMAT, "task 37 failed: bad field");
  case 38: return bndl_fail(BNDL_ERR_IO, "task 38 failed");
  case 60: return bndl_fail(BNDL_ERR_NOT_FOUND, "task 60 failed");
  case 99: return bndl_fail(BNDL_ERR_LIMIT, "task 99 failed");
  default: return BNDL_OK;
  }
}

static void test_lowest_failing_task_wins(void **state) {
  (void)state;
  int32_t counts[] = {1, 2, 4};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
    test_alloc t;
    test_alloc_reset(&t, 0, 0);
    bndl_allocator a = test_alloc_hook(&t);
    bndl_pool *p = NULL;
    assert_int_equal(bndl_pool_create(&a, counts[k], &p), BNDL_OK);
    failing_job j;
    memset(&j, 0, sizeof j);
    j.caller = pthread_self();
    for (int rep = 0; rep < 40; rep++) {
      bndl_fail(BNDL_OK, "clean");
      assert_int_equal(bndl_pool_for(p, 100, failing_task, &j), BNDL_ERR_FORMAT);
      assert_int_equal(bndl_last_error_code(), BNDL_ERR_FORMAT);
      assert_string_equal(bndl_last_error_message(), "task 37 failed: bad field");
    }
    if (counts[k] > 1) /* the hand-over from a worker thread was exercised */
      assert_int_equal(atomic_load(&j.ran_on_worker_thread), 1);
    /* the pool is still usable after failures */
    static compute_job cj;
    memset(&cj, 0, sizeof cj);
    cj.n_threads = counts[k];
    assert_int_equal(bndl_pool_for(p, N_TASKS, compute_task, &cj), BNDL_OK);
    bndl_pool_destroy(p);
    assert_int_equal(t.live_bytes, 0); /* the copied failure messages were released */
  }
}

/* ---- thread budget */

typedef struct budget_job {
  bndl_pool *pool;
  atomic_int max_threads;
} budget_job;

static void note_threads(budget_job *j) {
  int n = test_count_threads();
  int cur = atomic_load(&j->max_threads);
  while (n > cur && !atomic_compare_exchange_weak(&j->max_threads, &cur, n)) {
  }
}

static bndl_status budget_inner(void *ud, int64_t task, int32_t worker) {
  (void)task;
  (void)worker;
  note_threads(ud);
  return BNDL_OK;
}

static bndl_status budget_outer(void *ud, int64_t task, int32_t worker) {
  (void)task;
  (void)worker;
  budget_job *j = ud;
  note_threads(j);
  pause_us(200);
  return bndl_pool_for(j->pool, 4, budget_inner, j);
}

static void test_thread_budget(void **state) {
  (void)state;
  int base = test_thread_baseline();
  budget_job j;
  memset(&j, 0, sizeof j);
  assert_int_equal(bndl_pool_create(bndl_default_allocator(), 3, &j.pool), BNDL_OK);
  assert_int_equal(test_count_threads(), base + 2);
  for (int rep = 0; rep < 10; rep++)
    assert_int_equal(bndl_pool_for(j.pool, 32, budget_outer, &j), BNDL_OK);
  assert_int_equal(atomic_load(&j.max_threads), base + 2);
  bndl_pool_destroy(j.pool);
  assert_int_equal(test_settled_thread_count(base), base);
}

static int watchdog(void **state) {
  (void)state;
  alarm(120); /* a deadlock kills the process with SIGALRM: the test fails, CI goes on */
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_results_identical_for_1_2_4_threads, watchdog),
      cmocka_unit_test_setup(test_zero_and_one_task, watchdog),
      cmocka_unit_test_setup(test_zero_threads_means_hardware, watchdog),
      cmocka_unit_test_setup(test_nested_call_runs_inline, watchdog),
      cmocka_unit_test_setup(test_lowest_failing_task_wins, watchdog),
      cmocka_unit_test_setup(test_thread_budget, watchdog),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
