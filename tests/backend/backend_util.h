/*
 * backend_util.h - helpers shared by the provider tests (tests/backend/): the providers
 * built, one context per provider, a seeded generator, the test scale, and running
 * error statistics printed for the conformance report.
 */
#ifndef BNDL_TEST_BACKEND_UTIL_H
#define BNDL_TEST_BACKEND_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle.h"

/* Unit roundoff of float (2^-24). */
#define CONF_U 5.9604644775390625e-8

/* How much work the suite does: 0 under valgrind (or BNDL_TEST_SCALE=0), 1 under
 * ASan/UBSan/TSan (or =1), 2 otherwise (the full shapes, large ones included). */
int conf_scale(void);

/* Names of the providers built, in bndl_backend_name order ("ref" included); returns
 * the count. BNDL_TEST_PROVIDERS=openblas,... keeps only those (and ref), to look at one
 * provider at a time; unset, every provider built is tested. */
int conf_providers(const char **names, int cap);

/* A context on `backend` with n_threads threads; fails the test if it cannot be made. */
bndl_context *conf_context(const char *backend, int32_t n_threads);

/* splitmix64: a small, seedable generator (the tests must not depend on the library's). */
typedef struct conf_rng {
  uint64_t s;
} conf_rng;
uint64_t conf_next(conf_rng *r);
/* uniform in [lo, hi) */
double conf_uniform(conf_rng *r, double lo, double hi);
int64_t conf_below(conf_rng *r, int64_t n);
void conf_fill(conf_rng *r, float *x, size_t n, double lo, double hi);
void conf_fill_nan(float *x, size_t n);

/* malloc that fails the test on NULL (size 0 gives a 1-byte block). */
void *conf_malloc(size_t bytes);

/* Worst error seen per (op, provider): |x - ref| and |x - ref| / tolerance. */
typedef struct conf_stats {
  const char *op, *provider;
  double max_abs, max_ratio;
  int64_t cases, values;
} conf_stats;
void conf_stats_init(conf_stats *s, const char *op, const char *provider);
/* Records one value; returns 1 if it is within tol (both NaN, or equal infinities, count
 * as within). */
int conf_stats_add(conf_stats *s, double got, double ref, double tol);
void conf_stats_print(const conf_stats *s, const char *tolerance);

/* BNDL_TEST_FILTER=<pattern> runs only the matching cmocka tests (call before running). */
void conf_filter(void);

/* Bitwise equality of float arrays, NaN == NaN. */
int conf_same_bits(const float *a, const float *b, size_t n);

#endif
