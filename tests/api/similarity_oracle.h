/*
 * similarity_oracle.h - a brute-force, double-precision computation of every
 * bndl_similarity_* measure, written from the formulas in src/compute/sim_measures.c
 * and nothing else of the library, and the comparison of a bndl_neighbors against it.
 *
 * It reads the dataset's public interaction matrix and, for each row, scores every
 * other row directly (no accumulator, no heap): O(rows x nnz), for small data only.
 */
#ifndef BNDL_TEST_SIMILARITY_ORACLE_H
#define BNDL_TEST_SIMILARITY_ORACLE_H

#include <stdint.h>

#include "bundle/bundle.h"

typedef struct oracle_params {
  const char *measure; /* "cosine", ... as sim.measure */
  int64_t k;
  double shrink;
  int64_t min_support;
  double alpha, bm25_k1, bm25_b;
  int binary, exclude_self;
} oracle_params;

/* A finalized random dataset: n_users users with skewed activity and n_items items with
 * skewed popularity over n_events events (purchases, views, clicks with explicit weights,
 * and returns, so some pairs sum to <= 0), plus three users with a single purchase, two
 * items that are only ever returned and three catalogue items nobody touched. Anomaly
 * cleaning is off and unknown items are kept, so every row the test appends counts. */
bndl_dataset *oracle_random_dataset(bndl_context *ctx, int n_users, int n_items, int n_events, uint64_t seed);

/* The library defaults (sim.* keys). */
oracle_params oracle_defaults(const char *measure);

/* A config holding every field of p. */
bndl_config *oracle_config(const oracle_params *p);

/* Checks nb (item-item when users == 0, else user-user) against the brute force:
 * same number of neighbours per row, every score within 1e-5 relative (+1e-6 absolute)
 * of the double-precision score of the same pair, neighbour sets equal except where the
 * brute force has ties within that tolerance at the k-th place, and the documented order
 * (score descending, then index ascending). Fails the cmocka test with the first
 * difference. Returns the number of neighbours checked. */
int64_t oracle_check(const bndl_dataset *ds, int users, const oracle_params *p, const bndl_neighbors *nb);

#endif
