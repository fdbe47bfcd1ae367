/*
 * rng.h - deterministic pseudo-random numbers (xoshiro256**, seeded by splitmix64).
 *
 * Every randomised step derives its generator from (seed, stream) so that results do
 * not depend on thread count or on the order in which workers run: a task uses stream
 * = its task index.
 */
#ifndef BNDL_CORE_RNG_H
#define BNDL_CORE_RNG_H

#include <stdint.h>

typedef struct bndl_rng {
  uint64_t s[4];
} bndl_rng;

void bndl_rng_seed(bndl_rng *r, uint64_t seed, uint64_t stream);
uint64_t bndl_rng_next(bndl_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double bndl_rng_uniform(bndl_rng *r);
/* Uniform integer in [0, n), without modulo bias (Lemire's method). n > 0. */
uint64_t bndl_rng_below(bndl_rng *r, uint64_t n);

#endif
