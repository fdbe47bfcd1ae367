/*
 * rules.h - association rules A -> C from frequent itemsets, and the bndl_rules object.
 *
 * Every frequent itemset S of length >= 2 is split every way into a non-empty
 * antecedent A and consequent C = S \ A; a rule is kept when its confidence >=
 * min_confidence and its lift >= min_lift (metrics as defined in bundle_types.h,
 * bndl_rule_metrics, over the N baskets the itemsets were mined from). The counts of A
 * and C are those of the itemsets themselves: every subset of a frequent set is
 * frequent and no longer, so it is in the same result.
 *
 * Order: by itemset (the itemsets' order: length, then items), then by consequent
 * lexicographically ({a} < {a,b} < {a,c} < {b} ...). Deterministic for any thread count.
 *
 * Pruning: shrinking A never raises the confidence (count(A) can only grow), so once
 * A -> C fails min_confidence no rule with a smaller antecedent from the same set is
 * examined. Limits: more than max_rules kept rules, or more than max_candidates
 * examined splits, fail with BNDL_ERR_LIMIT.
 */
#ifndef BNDL_COMPUTE_RULES_H
#define BNDL_COMPUTE_RULES_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "compute/fpgrowth.h"

/* Internal caps, which the API passes: kept rules (a rule of ten items takes about 100
 * bytes, so 20 million are 2 GB; user-history baskets of Online Retail at 1% reach
 * that in about 8 s) and examined splits (about a minute of work). */
#define BNDL_RULES_MAX INT64_C(20000000)
#define BNDL_RULES_MAX_CANDIDATES INT64_C(500000000)

typedef struct bndl_rule_params {
  double min_confidence;
  double min_lift;
  int64_t max_rules;
  int64_t max_candidates;
} bndl_rule_params;

struct bndl_rules {
  uint32_t magic;
  struct bndl_context *ctx; /* retained */
  int64_t n;
  int64_t *offsets;      /* n + 1: rule r's items are items[offsets[r] .. offsets[r+1]) */
  int32_t *n_antecedent; /* n: the first n_antecedent[r] of them are A, the rest C */
  int32_t *items;        /* A ascending, then C ascending */
  bndl_rule_metrics *metrics;
};

/* Rules of s on its context's pool; a new bndl_rules (retains the context). */
bndl_status bndl_rules_build(const bndl_itemsets *s, const bndl_rule_params *p, bndl_rules **out);
void bndl_rules_destroy(bndl_rules *r);

#endif
