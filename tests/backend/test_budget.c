/*
 * test_budget.c - the thread budget while a provider works (TARGETS.md P6, backend.h):
 * a 2-thread context running large GEMMs (and GEMV, LAPACK and elementwise ops) on each
 * provider built never shows more threads in /proc/self/task than the baseline plus its
 * one pool worker (plus the sampling thread of this test), and never has more than 2
 * threads running at once besides the sampler. Vendor thread pools that exist from
 * library load (OpenBLAS starts its own at load) are in the baseline; the "running"
 * count is what catches them being used on top of our pool.
 *
 * With OpenBLAS built, it also checks that opening the provider pinned OpenBLAS to one
 * thread, and that an application resetting the count gets it pinned again at the next
 * op (the setting is process-wide).
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#ifdef BNDL_HAVE_OPENBLAS
#  include <cblas.h>
#endif

#include "backend_cases.h"
#include "backend_util.h"
#include "runtime/runtime.h"
#include "thread_count.h"

typedef struct sampler {
  atomic_int stop;
  int max_threads, max_running, samples, over_samples;
  char self_name[64]; /* the sampler's own tid, left out of "running" */
} sampler;

/* Threads of this process in state R (running or runnable), the caller excluded. */
static int count_running(const char *self_name) {
  DIR *d = opendir("/proc/self/task");
  if (d == NULL)
    return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || strcmp(e->d_name, self_name) == 0)
      continue;
    char path[320], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
      continue; /* the thread ended meanwhile */
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *close = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
    if (close != NULL && close[1] == ' ' && close[2] == 'R')
      n++;
  }
  closedir(d);
  return n;
}

/* This thread's id as /proc/self/task names it (from /proc/thread-self). */
static void own_tid(char *out, size_t cap) {
  char link[64];
  ssize_t len = readlink("/proc/thread-self", link, sizeof link - 1);
  out[0] = '\0';
  if (len <= 0)
    return;
  link[len] = '\0';
  const char *slash = strrchr(link, '/');
  snprintf(out, cap, "%s", slash ? slash + 1 : link);
}

static void *sample(void *arg) {
  sampler *s = arg;
  own_tid(s->self_name, sizeof s->self_name);
  while (!atomic_load(&s->stop)) {
    int t = test_count_threads(), r = count_running(s->self_name);
    s->max_threads = t > s->max_threads ? t : s->max_threads;
    s->max_running = r > s->max_running ? r : s->max_running;
    s->samples++;
    s->over_samples += r > 2;
    struct timespec ts = {0, 200 * 1000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

/* Waits (up to 3 s) until no other thread of the process is running: vendor thread
 * pools spin for a while after they start (OpenBLAS's, started when the library loads,
 * for about 0.1 s) before they sleep, and that start-up spin is not ours to count. */
static void wait_quiet(void) {
  char self[64];
  own_tid(self, sizeof self);
  for (int i = 0, quiet = 0; i < 300 && quiet < 3; i++) {
    quiet = count_running(self) == 0 ? quiet + 1 : 0;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

/* Work that makes every provider thread: large GEMMs cut into blocks, a long GEMV, an
 * SPD inverse (LAPACK), a long elementwise run. */
static void work(bndl_context *ctx, const char *name, int scale) {
  int64_t n = scale == 0 ? 256 : scale == 1 ? 512 : 1024, reps = scale == 2 ? 6 : 2;
  size_t nn = (size_t)(n * n);
  float *a = conf_malloc(nn * sizeof(float)), *b = conf_malloc(nn * sizeof(float)), *c = conf_malloc(nn * sizeof(float));
  conf_rng r = {41};
  conf_fill(&r, a, nn, -1, 1);
  conf_fill(&r, b, nn, -1, 1);
  for (int64_t i = 0; i < reps; i++) {
    bndl_gemm_desc d = {0, (int)(i & 1), n, n, n, 1, 1.0f, 0.0f, a, n, 0, b, n, 0, c, n, 0};
    if (bndl_op_gemm(ctx, &d) != BNDL_OK)
      fail_msg("gemm on %s: %s", name, bndl_last_error_message());
    bndl_gemm_desc v = {0, 1, 1, n, n, 1, 1.0f, 0.0f, a, n, 0, b, n, 0, c, n, 0};
    if (bndl_op_gemm(ctx, &v) != BNDL_OK)
      fail_msg("gemv on %s: %s", name, bndl_last_error_message());
  }
  int64_t m = scale == 0 ? 64 : 300;
  double *lambda = conf_malloc((size_t)m * sizeof(double));
  for (int64_t i = 0; i < m; i++)
    lambda[i] = 1 + (double)i;
  sym_make(&r, m, lambda, a, m);
  if (bndl_op_spd_inverse(ctx, m, a, m) != BNDL_OK)
    fail_msg("spd_inverse on %s: %s", name, bndl_last_error_message());
  if (bndl_op_eltwise(ctx, BNDL_ELT_TANH, (int64_t)nn, b, c) != BNDL_OK)
    fail_msg("eltwise on %s: %s", name, bndl_last_error_message());
  free(lambda);
  free(a);
  free(b);
  free(c);
}

static void test_budget(void **state) {
  (void)state;
  const char *names[8];
  int count = conf_providers(names, 8), scale = conf_scale();
  if (scale == 0) {
    printf("[budget] skipped under valgrind: it runs one thread at a time\n");
    skip();
  }
  for (int p = 0; p < count; p++) {
    int baseline = test_thread_baseline();
    assert_true(baseline > 0);
    bndl_context *ctx = conf_context(names[p], 2);
    /* the first op opens fallback providers too: run once before sampling, so the
     * sampled run sees every thread a provider will ever have */
    work(ctx, names[p], 0);
    wait_quiet();
    sampler s;
    memset(&s, 0, sizeof s);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sample, &s), 0);
    work(ctx, names[p], scale);
    atomic_store(&s.stop, 1);
    pthread_join(t, NULL);
    printf("[budget] %-8s baseline %d threads, max %d (limit %d = baseline + 1 pool worker + sampler), "
           "max running %d (limit 2), samples %d\n",
           names[p], baseline, s.max_threads, baseline + 2, s.max_running, s.samples);
    fflush(stdout);
    assert_true(s.samples > 0);
    if (s.max_threads > baseline + 2)
      fail_msg("%s: %d threads while working, baseline %d + 1 worker + 1 sampler", names[p], s.max_threads, baseline);
    /* a thread that just finished a task can still read R for an instant: allow that in
     * at most 1 % of the samples, never a sustained third runner */
    if (s.over_samples * 100 > s.samples)
      fail_msg("%s: more than 2 threads running in %d of %d samples (max %d)", names[p], s.over_samples, s.samples,
               s.max_running);
    bndl_context_free(ctx);
  }
}

static void test_openblas_pinned(void **state) {
  (void)state;
#ifdef BNDL_HAVE_OPENBLAS
  bndl_context *ctx = conf_context("openblas", 2);
  assert_int_equal(openblas_get_num_threads(), 1);
  /* an application resets the process-wide count: the next op pins it again */
  openblas_set_num_threads(2);
  float a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[4];
  bndl_gemm_desc d = {0, 0, 2, 2, 2, 1, 1.0f, 0.0f, a, 2, 0, b, 2, 0, c, 2, 0};
  assert_int_equal(bndl_op_gemm(ctx, &d), BNDL_OK);
  assert_int_equal(openblas_get_num_threads(), 1);
  assert_true(c[0] == 1 && c[1] == 2 && c[2] == 3 && c[3] == 4);
  bndl_context_free(ctx);
#else
  skip();
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_budget),
      cmocka_unit_test(test_openblas_pinned),
  };
  conf_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
