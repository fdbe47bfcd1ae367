/*
 * complements.h - complementary items from basket co-occurrence, for bundle
 * composition.
 *
 * Row i of the result (one row per dataset item) holds the items j != i bought in at
 * least min_count of the same baskets as i, ranked by lift(i, j) = N c(i,j) / (c(i)
 * c(j)) (N baskets, c = baskets holding the items), as a float, descending, ties by
 * lower j; at most k per row. Pairs are counted exactly, so the result is the same for
 * every thread count.
 *
 * Work: sum over baskets of |basket|^2. Memory: one counter per item per running task,
 * the basket lists of every item (as large as the baskets), and the rows x
 * min(k, longest row) staging table bndl_neighbors_from_topk compacts.
 */
#ifndef BNDL_COMPUTE_COMPLEMENTS_H
#define BNDL_COMPUTE_COMPLEMENTS_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "compute/baskets.h"

struct bndl_context;

bndl_status bndl_complements_build(struct bndl_context *ctx, const bndl_baskets *b, int64_t min_count, int32_t k,
                                   bndl_neighbors **out);

#endif
