/*
 * backend_util.c - see backend_util.h.
 */
#include "backend_util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#if defined(__has_include)
#  if __has_include(<valgrind/valgrind.h>)
#    include <valgrind/valgrind.h>
#    define CONF_HAVE_VALGRIND 1
#  endif
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define CONF_SANITIZED 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#    define CONF_SANITIZED 1
#  endif
#endif

int conf_scale(void) {
  const char *e = getenv("BNDL_TEST_SCALE");
  if (e != NULL && e[0] >= '0' && e[0] <= '2' && e[1] == '\0')
    return e[0] - '0';
#ifdef CONF_HAVE_VALGRIND
  if (RUNNING_ON_VALGRIND)
    return 0;
#endif
#ifdef CONF_SANITIZED
  return 1;
#else
  return 2;
#endif
}

/* 1 if `name` is in the comma-separated list (whole words only) */
static int listed(const char *list, const char *name) {
  size_t len = strlen(name);
  for (const char *p = list; (p = strstr(p, name)) != NULL; p += len)
    if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
      return 1;
  return 0;
}

int conf_providers(const char **names, int cap) {
  const char *only = getenv("BNDL_TEST_PROVIDERS");
  int n = 0;
  for (int32_t i = 0; bndl_backend_name(i) != NULL; i++) {
    const char *name = bndl_backend_name(i);
    if (!bndl_backend_available(name) || n >= cap)
      continue;
    if (only != NULL && *only != '\0' && strcmp(name, "ref") != 0 && !listed(only, name)) {
      printf("[providers] %s is built but left out (BNDL_TEST_PROVIDERS=%s)\n", name, only);
      continue;
    }
    names[n++] = name;
  }
  return n;
}

bndl_context *conf_context(const char *backend, int32_t n_threads) {
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = n_threads;
  bndl_context *ctx = NULL;
  if (bndl_context_create(&desc, &ctx) != BNDL_OK)
    fail_msg("bndl_context_create: %s", bndl_last_error_message());
  if (bndl_context_set_backend(ctx, backend) != BNDL_OK)
    fail_msg("bndl_context_set_backend(%s): %s", backend, bndl_last_error_message());
  return ctx;
}

uint64_t conf_next(conf_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double conf_uniform(conf_rng *r, double lo, double hi) {
  return lo + (hi - lo) * ((double)(conf_next(r) >> 11) * 0x1.0p-53);
}

int64_t conf_below(conf_rng *r, int64_t n) { return n <= 0 ? 0 : (int64_t)(conf_next(r) % (uint64_t)n); }

void conf_fill(conf_rng *r, float *x, size_t n, double lo, double hi) {
  for (size_t i = 0; i < n; i++)
    x[i] = (float)conf_uniform(r, lo, hi);
}

void conf_fill_nan(float *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    x[i] = NAN;
}

void *conf_malloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (p == NULL)
    fail_msg("out of memory (%zu bytes)", bytes);
  return p;
}

void conf_stats_init(conf_stats *s, const char *op, const char *provider) {
  memset(s, 0, sizeof *s);
  s->op = op;
  s->provider = provider;
}

int conf_stats_add(conf_stats *s, double got, double ref, double tol) {
  s->values++;
  if (isnan(got) || isnan(ref))
    return isnan(got) && isnan(ref);
  if (isinf(got) || isinf(ref))
    return got == ref;
  double err = fabs(got - ref);
  if (err > s->max_abs)
    s->max_abs = err;
  double ratio = tol > 0 ? err / tol : (err > 0 ? INFINITY : 0);
  if (ratio > s->max_ratio)
    s->max_ratio = ratio;
  return err <= tol;
}

void conf_stats_print(const conf_stats *s, const char *tolerance) {
  printf("[conformance] %-16s %-8s cases %6lld values %10lld  max |err| %.3g  max err/tol %.3g  (tol: %s)\n", s->op,
         s->provider, (long long)s->cases, (long long)s->values, s->max_abs, s->max_ratio, tolerance);
  fflush(stdout);
}

int conf_same_bits(const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (isnan(a[i]) && isnan(b[i]))
      continue;
    if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
      return 0;
  }
  return 1;
}

void conf_filter(void) {
  const char *f = getenv("BNDL_TEST_FILTER");
  if (f != NULL && *f != '\0')
    cmocka_set_test_filter(f);
}
