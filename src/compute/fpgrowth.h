/*
 * fpgrowth.h - frequent itemsets by FP-growth (Han, Pei, Yin, SIGMOD 2000) and the
 * bndl_itemsets object that holds them.
 *
 * An itemset is frequent when at least min_count baskets hold all of its items. The
 * result is every frequent itemset of length 1..max_len (0 = no limit), each with its
 * count, sorted by length and then lexicographically by item index (items ascending
 * within a set). That order is the whole contract: the result does not depend on the
 * thread count or on the order in which the mining tasks ran.
 *
 * Limits: more than max_itemsets frequent itemsets fail with BNDL_ERR_LIMIT (the API
 * passes BNDL_FP_MAX_ITEMSETS). A frequent itemset of length L implies 2^L - 1 frequent
 * itemsets (all its non-empty subsets), so the mining depth is bounded by
 * log2(max_itemsets) as well. Memory: the FP-tree holds at most one node per item
 * occurrence in the baskets; each mining task holds one conditional tree per level of
 * its recursion, each no larger than its parent.
 */
#ifndef BNDL_COMPUTE_FPGROWTH_H
#define BNDL_COMPUTE_FPGROWTH_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "compute/baskets.h"

struct bndl_context;

/* The internal cap on the number of frequent itemsets, far beyond anything useful for
 * bundles: the result takes 1.4 GB at the typical length 3, and building it about twice
 * that (user-history baskets of Online Retail at 0.5% hit the cap after 6.5 s with a
 * 2.9 GB peak, sets of ten items and more). */
#define BNDL_FP_MAX_ITEMSETS INT64_C(50000000)

typedef struct bndl_fp_params {
  int64_t min_count;    /* >= 1 */
  int32_t max_len;      /* 0 = no limit */
  int64_t max_itemsets; /* BNDL_ERR_LIMIT beyond */
} bndl_fp_params;

struct bndl_itemsets {
  uint32_t magic;
  struct bndl_context *ctx; /* retained: the allocator lives there */
  int64_t n;                /* itemsets */
  int64_t n_baskets;        /* denominator of every support */
  int64_t *offsets;         /* n + 1: set s is items[offsets[s] .. offsets[s+1]) */
  int32_t *items;
  int64_t *counts;          /* n */
  int32_t longest;          /* longest set length (0 when n == 0) */
  int64_t *by_length;       /* longest + 2: sets of length L are [by_length[L], by_length[L+1]) */
};

/* Smallest count c >= max(min_count, 1) with (double)c / n_baskets >= min_support: the
 * count threshold equivalent to "support >= min_support" as the supports are reported
 * (count / n_baskets in double), so a set exactly at the threshold is kept. */
int64_t bndl_fp_min_count(double min_support, int64_t min_count, int64_t n_baskets);

/* Mines the baskets on ctx's pool and returns a new bndl_itemsets (retains ctx). */
bndl_status bndl_fpgrowth(struct bndl_context *ctx, const bndl_baskets *b, const bndl_fp_params *p,
                          bndl_itemsets **out);
void bndl_itemsets_destroy(bndl_itemsets *s);

/* Index of the set with exactly these items (ascending), -1 if it is not frequent. */
int64_t bndl_itemsets_find(const bndl_itemsets *s, const int32_t *items, int32_t len);

#endif
