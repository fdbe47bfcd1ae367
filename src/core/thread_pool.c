/*
 * thread_pool.c - a fixed set of pthreads that run one job at a time.
 *
 * A job is published under `mutex` with a new generation number; workers wake on
 * `wake`, claim task indices from an atomic counter and report completion on `done`.
 * `busy` (try-locked) admits one job at a time; anyone who finds it taken runs inline.
 */
#define _GNU_SOURCE 1 /* sched_getaffinity, CPU_COUNT */
#include "core/thread_pool.h"

#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/reentry.h"

typedef struct pool_job {
  bndl_task_fn fn;
  void *ud;
  int64_t n_tasks;
  atomic_llong next;
  atomic_int failed;
  /* lowest failing task and its error, guarded by bndl_pool.mutex */
  int64_t fail_task;
  bndl_status fail_status;
  char *fail_message;
} pool_job;

typedef struct worker_arg {
  struct bndl_pool *pool;
  int32_t id;
} worker_arg;

struct bndl_pool {
  bndl_allocator alloc;
  int32_t n_threads; /* including the caller */
  pthread_t *threads;
  /* Each worker's start argument, owned by the pool for its whole life: a worker that
   * freed its own argument would do so at a moment of its choosing, and callers that
   * count the allocator's live bytes (the OOM and memory-bound tests) would see it. */
  worker_arg *args;
  int32_t n_started;
  pthread_mutex_t busy;  /* held by the thread that runs the current job */
  pthread_mutex_t mutex; /* guards everything below */
  pthread_cond_t wake;
  pthread_cond_t done;
  uint64_t generation;
  int32_t active; /* workers still inside the current job */
  int stop;
  pool_job *job;
};

int32_t bndl_hardware_threads(void) {
  /* The CPUs this process may run on (taskset, cgroup cpusets), not the machine's:
   * a container given 2 of 64 cores must not start 64 workers. */
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n >= 1)
      return n > 1024 ? 1024 : n;
  }
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > 1024 ? 1024 : (int32_t)n);
}

/* Records a failure of `task`; keeps the lowest task index so the reported error does
 * not depend on scheduling. */
static void job_record_failure(bndl_pool *p, pool_job *job, int64_t task, bndl_status st) {
  const char *msg = bndl_error_message();
  size_t len = strlen(msg);
  pthread_mutex_lock(&p->mutex);
  if (!atomic_load(&job->failed) || task < job->fail_task) {
    char *copy = p->alloc.alloc(p->alloc.user_data, len + 1, 16);
    if (copy)
      memcpy(copy, msg, len + 1);
    if (job->fail_message)
      p->alloc.free(p->alloc.user_data, job->fail_message);
    job->fail_message = copy;
    job->fail_task = task;
    job->fail_status = st;
    atomic_store(&job->failed, 1);
  }
  pthread_mutex_unlock(&p->mutex);
}

static void job_work(bndl_pool *p, pool_job *job, int32_t worker) {
  for (;;) {
    if (atomic_load_explicit(&job->failed, memory_order_relaxed))
      return;
    int64_t t = atomic_fetch_add(&job->next, 1);
    if (t >= job->n_tasks)
      return;
    bndl_tls_inside_callback++;
    bndl_status st = job->fn(job->ud, t, worker);
    bndl_tls_inside_callback--;
    if (st != BNDL_OK)
      job_record_failure(p, job, t, st);
  }
}

static void *worker_main(void *argp) {
  const worker_arg *arg = argp;
  bndl_pool *p = arg->pool;
  int32_t id = arg->id;
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mutex);
  for (;;) {
    while (!p->stop && p->generation == seen)
      pthread_cond_wait(&p->wake, &p->mutex);
    if (p->stop)
      break;
    seen = p->generation;
    pool_job *job = p->job;
    pthread_mutex_unlock(&p->mutex);
    job_work(p, job, id);
    pthread_mutex_lock(&p->mutex);
    if (--p->active == 0)
      pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->mutex);
  return NULL;
}

bndl_status bndl_pool_create(const bndl_allocator *a, int32_t n_threads, bndl_pool **out) {
  if (n_threads <= 0)
    n_threads = bndl_hardware_threads();
  bndl_pool *p = bndl_zalloc(a, sizeof *p);
  if (p == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  p->alloc = *a;
  p->n_threads = n_threads;
  pthread_mutex_init(&p->busy, NULL);
  pthread_mutex_init(&p->mutex, NULL);
  pthread_cond_init(&p->wake, NULL);
  pthread_cond_init(&p->done, NULL);
  bndl_status st = BNDL_OK;
  if (n_threads > 1) {
    p->threads = bndl_alloc_array(a, (size_t)n_threads - 1, sizeof(pthread_t));
    p->args = bndl_alloc_array(a, (size_t)n_threads - 1, sizeof(worker_arg));
    if (p->threads == NULL || p->args == NULL) {
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto fail;
    }
    for (int32_t i = 1; i < n_threads; i++) {
      worker_arg *arg = &p->args[i - 1];
      arg->pool = p;
      arg->id = i;
      int rc = pthread_create(&p->threads[i - 1], NULL, worker_main, arg);
      if (rc != 0) {
        st = bndl_fail(BNDL_ERR_BACKEND, "pthread_create failed for worker %d of %d (error %d)", i,
                       n_threads, rc);
        goto fail;
      }
      p->n_started++;
    }
  }
  *out = p;
  return BNDL_OK;
fail:
  bndl_pool_destroy(p);
  return st;
}

void bndl_pool_destroy(bndl_pool *p) {
  if (p == NULL)
    return;
  pthread_mutex_lock(&p->mutex);
  p->stop = 1;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mutex);
  for (int32_t i = 0; i < p->n_started; i++)
    pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->mutex);
  pthread_mutex_destroy(&p->busy);
  bndl_allocator a = p->alloc;
  bndl_free(&a, p->threads);
  bndl_free(&a, p->args);
  bndl_free(&a, p);
}

int32_t bndl_pool_threads(const bndl_pool *p) { return p->n_threads; }

static bndl_status run_inline(int64_t n_tasks, bndl_task_fn fn, void *ud) {
  bndl_status st = BNDL_OK;
  bndl_tls_inside_callback++;
  for (int64_t t = 0; t < n_tasks && st == BNDL_OK; t++)
    st = fn(ud, t, 0);
  bndl_tls_inside_callback--;
  return st;
}

static bndl_status run_job(bndl_pool *p, int64_t n_tasks, bndl_task_fn fn, void *ud);

bndl_status bndl_pool_for(bndl_pool *p, int64_t n_tasks, bndl_task_fn fn, void *ud) {
  if (n_tasks <= 0)
    return BNDL_OK;
  if (p->n_started == 0 || n_tasks == 1 || pthread_mutex_trylock(&p->busy) != 0)
    return run_inline(n_tasks, fn, ud);
  return run_job(p, n_tasks, fn, ud);
}

bndl_status bndl_pool_for_concurrent(bndl_pool *p, int64_t n_tasks, bndl_task_fn fn, void *ud, int *ran) {
  *ran = 0;
  /* every thread claims tasks until none is left, so with n_tasks <= threads each task
   * gets a thread of its own once the workers wake */
  if (n_tasks <= 0 || p->n_started + 1 < n_tasks || pthread_mutex_trylock(&p->busy) != 0)
    return BNDL_OK;
  *ran = 1;
  return run_job(p, n_tasks, fn, ud);
}

/* Runs a job on the pool; the caller holds `busy`, which this releases. */
static bndl_status run_job(bndl_pool *p, int64_t n_tasks, bndl_task_fn fn, void *ud) {
  pool_job job;
  memset(&job, 0, sizeof job);
  job.fn = fn;
  job.ud = ud;
  job.n_tasks = n_tasks;
  atomic_init(&job.next, 0);
  atomic_init(&job.failed, 0);

  pthread_mutex_lock(&p->mutex);
  p->job = &job;
  p->active = p->n_started;
  p->generation++;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mutex);

  job_work(p, &job, 0);

  pthread_mutex_lock(&p->mutex);
  while (p->active > 0)
    pthread_cond_wait(&p->done, &p->mutex);
  p->job = NULL;
  pthread_mutex_unlock(&p->mutex);
  pthread_mutex_unlock(&p->busy);

  if (!atomic_load(&job.failed))
    return BNDL_OK;
  if (job.fail_message) {
    bndl_fail(job.fail_status, "%s", job.fail_message);
    p->alloc.free(p->alloc.user_data, job.fail_message);
  } else {
    bndl_fail(job.fail_status, "task %lld failed (its message could not be copied)", (long long)job.fail_task);
  }
  return job.fail_status;
}
