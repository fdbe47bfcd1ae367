/*
 * test_parallel_for.c - the pool as reached through a context (bndl_parallel_for):
 * several application threads on one context, nested calls, resizing the pool while
 * jobs run, and the thread budget of TARGETS.md P6 with two application threads.
 *
 * The context guards its pool with a read/write lock: jobs read, set_threads writes.
 * These tests are where a lock-order or wake-up bug would show (and TSan runs them,
 * label "concurrency"). A watchdog alarm turns a deadlock into a failure.
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

#include "core/context.h"
#include "core/error.h"
#include "test_support.h"
#include "thread_count.h"

enum { N_TASKS = 500 };

static void pause_us(long us) {
  struct timespec ts = {0, us * 1000};
  nanosleep(&ts, NULL);
}

/* Expected value of task i of job `salt`: cheap, but depends on both. */
static int64_t expected(int64_t salt, int64_t i) { return salt * 1000003 + i * i; }

typedef struct square_job {
  bndl_context *ctx;
  int64_t salt;
  int64_t out[N_TASKS];
  int nested; /* each task also runs a nested parallel_for */
  atomic_llong inner[N_TASKS];
} square_job;

/* A nested call runs inline when the pool is busy, but a task that itself runs inline
 * (its caller found the pool busy) may get the pool for its nested call: the sum is
 * atomic because the inner tasks can run on several threads. */
static bndl_status inner_sum(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  atomic_llong *slot = ud;
  atomic_fetch_add(slot, task);
  return BNDL_OK;
}

static bndl_status square_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  square_job *j = ud;
  j->out[task] = expected(j->salt, task);
  if (j->nested) {
    atomic_store(&j->inner[task], 0);
    BNDL_TRY(bndl_parallel_for(j->ctx, 10, inner_sum, &j->inner[task]));
  }
  return BNDL_OK;
}

/* Runs one job and checks every slot; returns the number of wrong slots. */
static int run_and_check(square_job *j) {
  memset(j->out, 0, sizeof j->out);
  if (bndl_parallel_for(j->ctx, N_TASKS, square_task, j) != BNDL_OK)
    return N_TASKS;
  int wrong = 0;
  for (int64_t i = 0; i < N_TASKS; i++) {
    wrong += j->out[i] != expected(j->salt, i);
    if (j->nested)
      wrong += atomic_load(&j->inner[i]) != 45;
  }
  return wrong;
}

typedef struct app_thread {
  square_job job;
  int reps;
  int wrong;
  atomic_int *go;
} app_thread;

static void *app_main(void *arg) {
  app_thread *a = arg;
  while (a->go && !atomic_load(a->go)) {
  }
  for (int r = 0; r < a->reps; r++) {
    a->job.salt++;
    a->wrong += run_and_check(&a->job);
  }
  return NULL;
}

static void test_two_application_threads_share_a_context(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 3);
  assert_non_null(ctx);
  static app_thread a[2];
  atomic_int go = 0;
  for (int k = 0; k < 2; k++) {
    memset(&a[k], 0, sizeof a[k]);
    a[k].job.ctx = ctx;
    a[k].job.salt = k * 100000;
    a[k].job.nested = k; /* one plain, one with nested calls */
    a[k].reps = 200;
    a[k].go = &go;
  }
  pthread_t th[2];
  for (int k = 0; k < 2; k++)
    assert_int_equal(pthread_create(&th[k], NULL, app_main, &a[k]), 0);
  atomic_store(&go, 1);
  for (int k = 0; k < 2; k++)
    pthread_join(th[k], NULL);
  assert_int_equal(a[0].wrong, 0);
  assert_int_equal(a[1].wrong, 0);
  bndl_context_free(ctx);
  assert_int_equal(t.live_bytes, 0);
}

static void test_nested_parallel_for(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 4);
  assert_non_null(ctx);
  static square_job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx;
  j.nested = 1;
  for (int r = 0; r < 50; r++) {
    j.salt = r;
    assert_int_equal(run_and_check(&j), 0);
  }
  bndl_context_free(ctx);
}

/* ---- resizing while jobs run */

static void *resizer_main(void *arg) {
  bndl_context *ctx = arg;
  static const int32_t sizes[] = {1, 4, 2, 3, 1, 2};
  for (int r = 0; r < 60; r++) {
    if (bndl_context_set_threads(ctx, sizes[r % 6]) != BNDL_OK)
      return (void *)1;
    pause_us(300);
  }
  return NULL;
}

static void test_set_threads_while_jobs_run(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 2);
  assert_non_null(ctx);
  static app_thread a;
  memset(&a, 0, sizeof a);
  a.job.ctx = ctx;
  a.job.nested = 1; /* nested readers while a writer waits must not deadlock */
  a.reps = 300;
  pthread_t worker, resizer;
  assert_int_equal(pthread_create(&worker, NULL, app_main, &a), 0);
  assert_int_equal(pthread_create(&resizer, NULL, resizer_main, ctx), 0);
  void *resize_failed = NULL;
  pthread_join(resizer, &resize_failed);
  pthread_join(worker, NULL);
  assert_null(resize_failed);
  assert_int_equal(a.wrong, 0);
  assert_int_equal(bndl_context_threads(ctx), 2); /* sizes[59 % 6] */
  assert_int_equal(bndl_context_set_threads(ctx, 3), BNDL_OK);
  assert_int_equal(bndl_context_threads(ctx), 3);
  assert_int_equal(bndl_context_set_threads(ctx, 0), BNDL_OK);
  assert_int_equal(bndl_context_threads(ctx), bndl_hardware_threads());
  bndl_context_free(ctx);
  assert_int_equal(t.live_bytes, 0);
}

static void test_resize_out_of_memory_keeps_old_pool(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 2);
  assert_non_null(ctx);
  t.fail_at = t.n_allocs + 1;
  t.fail_persistent = 1;
  assert_int_equal(bndl_context_set_threads(ctx, 4), BNDL_ERR_OUT_OF_MEMORY);
  test_assert_error_contains("bndl_context_set_threads");
  t.fail_at = 0;
  assert_int_equal(bndl_context_threads(ctx), 2);
  static square_job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx;
  assert_int_equal(run_and_check(&j), 0);
  bndl_context_free(ctx);
  assert_int_equal(t.live_bytes, 0);
}

/* ---- thread budget with two application threads (P6) */

typedef struct budget {
  bndl_context *ctx;
  atomic_int go;
  atomic_int max_threads;
} budget;

static bndl_status budget_task(void *ud, int64_t task, int32_t worker) {
  (void)task;
  (void)worker;
  budget *b = ud;
  int n = test_count_threads();
  int cur = atomic_load(&b->max_threads);
  while (n > cur && !atomic_compare_exchange_weak(&b->max_threads, &cur, n)) {
  }
  pause_us(100);
  return BNDL_OK;
}

static void *budget_app(void *arg) {
  budget *b = arg;
  while (!atomic_load(&b->go))
    pause_us(100);
  for (int r = 0; r < 20; r++)
    if (bndl_parallel_for(b->ctx, 16, budget_task, b) != BNDL_OK)
      return (void *)1;
  return NULL;
}

static void test_thread_budget_with_two_application_threads(void **state) {
  (void)state;
  test_thread_baseline(); /* lets a sanitizer start its helper thread first */
  static budget b;
  memset(&b, 0, sizeof b);
  /* the application threads exist before the baseline: they are the caller's */
  pthread_t th[2];
  for (int k = 0; k < 2; k++)
    assert_int_equal(pthread_create(&th[k], NULL, budget_app, &b), 0);
  int base = test_count_threads();
  assert_true(base >= 3);
  const int32_t n_threads = 3;
  b.ctx = test_context(NULL, n_threads);
  assert_non_null(b.ctx);
  assert_int_equal(test_count_threads(), base + n_threads - 1);
  atomic_store(&b.go, 1);
  void *rc[2];
  for (int k = 0; k < 2; k++)
    pthread_join(th[k], &rc[k]);
  assert_null(rc[0]);
  assert_null(rc[1]);
  /* both jobs ran (one pooled, one inline), and no thread was added for either */
  assert_true(atomic_load(&b.max_threads) > 0);
  assert_true(atomic_load(&b.max_threads) <= base + n_threads - 1);
  bndl_context_free(b.ctx);
  assert_int_equal(test_settled_thread_count(base - 2), base - 2);
}

/* ---- failures: the lowest failing task's error lands in the calling thread's slot */

typedef struct fail_job {
  int64_t first, second; /* failing task indices */
  char tag[32];          /* names the application thread that started the job */
} fail_job;

static bndl_status fail_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  fail_job *j = ud;
  if (task < j->first)
    pause_us(20);
  if (task == j->first)
    return bndl_fail(BNDL_ERR_FORMAT, "%s: task %lld", j->tag, (long long)task);
  if (task == j->second)
    return bndl_fail(BNDL_ERR_IO, "%s: task %lld", j->tag, (long long)task);
  return BNDL_OK;
}

typedef struct fail_app {
  bndl_context *ctx;
  fail_job job;
  int wrong;
} fail_app;

static void *fail_app_main(void *arg) {
  fail_app *a = arg;
  char want[64];
  snprintf(want, sizeof want, "%s: task %lld", a->job.tag, (long long)a->job.first);
  for (int r = 0; r < 30; r++) {
    bndl_status st = bndl_parallel_for(a->ctx, 200, fail_task, &a->job);
    a->wrong += st != BNDL_ERR_FORMAT;
    a->wrong += bndl_last_error_code() != BNDL_ERR_FORMAT;
    a->wrong += strcmp(bndl_last_error_message(), want) != 0;
  }
  return NULL;
}

static void test_failure_message_reaches_each_caller(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 4);
  assert_non_null(ctx);
  static fail_app a[2];
  memset(a, 0, sizeof a);
  for (int k = 0; k < 2; k++) {
    a[k].ctx = ctx;
    a[k].job.first = 17 + 40 * k;
    a[k].job.second = 150;
    snprintf(a[k].job.tag, sizeof a[k].job.tag, "app%d", k);
  }
  pthread_t th[2];
  for (int k = 0; k < 2; k++)
    assert_int_equal(pthread_create(&th[k], NULL, fail_app_main, &a[k]), 0);
  for (int k = 0; k < 2; k++)
    pthread_join(th[k], NULL);
  assert_int_equal(a[0].wrong, 0);
  assert_int_equal(a[1].wrong, 0);
  /* and from this thread too, while nothing else runs */
  bndl_fail(BNDL_OK, "clean");
  assert_int_equal(bndl_parallel_for(ctx, 200, fail_task, &a[0].job), BNDL_ERR_FORMAT);
  assert_string_equal(bndl_last_error_message(), "app0: task 17");
  bndl_context_free(ctx);
  assert_int_equal(t.live_bytes, 0);
}

static int watchdog(void **state) {
  (void)state;
  alarm(180); /* a deadlock kills the process with SIGALRM: the test fails, CI goes on */
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_two_application_threads_share_a_context, watchdog),
      cmocka_unit_test_setup(test_nested_parallel_for, watchdog),
      cmocka_unit_test_setup(test_set_threads_while_jobs_run, watchdog),
      cmocka_unit_test_setup(test_resize_out_of_memory_keeps_old_pool, watchdog),
      cmocka_unit_test_setup(test_thread_budget_with_two_application_threads, watchdog),
      cmocka_unit_test_setup(test_failure_message_reaches_each_caller, watchdog),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
