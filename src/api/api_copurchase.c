/*
 * api_copurchase.c - co-purchase mining: frequent itemsets (FP-growth), association
 * rules and complementary items. Argument and handle checks, the config keys read
 * here, and error prefixes; the algorithms live in compute/ (baskets, fpgrowth, rules,
 * complements).
 */
#include "api/api_check.h"
#include "bundle/bundle.h"
#include "compute/baskets.h"
#include "compute/complements.h"
#include "compute/fpgrowth.h"
#include "compute/rules.h"
#include "core/config.h"
#include "core/context.h"
#include "data/dataset.h"

#define CHECK_DS(d) BNDL_CHECK_HANDLE(d, BNDL_MAGIC_DATASET, "bndl_dataset")
#define CHECK_SETS(s) BNDL_CHECK_HANDLE(s, BNDL_MAGIC_ITEMSETS, "bndl_itemsets")
#define CHECK_RULES(r) BNDL_CHECK_HANDLE(r, BNDL_MAGIC_RULES, "bndl_rules")
#define CHECK_OPTIONAL_CFG(c)                               \
  do {                                                      \
    if ((c) != NULL)                                        \
      BNDL_CHECK_HANDLE(c, BNDL_MAGIC_CONFIG, "bndl_config"); \
  } while (0)

static bndl_status check_finalized(const bndl_dataset *ds) {
  if (!ds->finalized)
    return bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)");
  return BNDL_OK;
}

static bndl_status not_found(int64_t index, int64_t n) {
  return bndl_fail(BNDL_ERR_NOT_FOUND, "index %lld is outside 0..%lld", (long long)index, (long long)n - 1);
}

/* ---- frequent itemsets */

static bndl_status mine_itemsets(const bndl_dataset *ds, const bndl_config *cfg, bndl_itemsets **out) {
  BNDL_TRY(check_finalized(ds));
  bndl_basket_params bp;
  BNDL_TRY(bndl_basket_params_read(cfg, &bp));
  const bndl_allocator *a = &ds->ctx->alloc;
  bndl_baskets b;
  BNDL_TRY(bndl_baskets_build(ds, &bp, a, &b));
  bndl_fp_params p;
  p.min_count = bndl_fp_min_count(bndl_cfg_float(cfg, BNDL_KEY_FP_MIN_SUPPORT),
                                  bndl_cfg_int(cfg, BNDL_KEY_FP_MIN_COUNT), b.n);
  p.max_len = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_FP_MAX_LEN);
  p.max_itemsets = BNDL_FP_MAX_ITEMSETS;
  bndl_status st = bndl_fpgrowth(ds->ctx, &b, &p, out);
  bndl_baskets_free(a, &b);
  return st;
}

bndl_status bndl_copurchase_itemsets(const bndl_dataset *ds, const bndl_config *cfg, bndl_itemsets **out) {
  CHECK_DS(ds);
  CHECK_OPTIONAL_CFG(cfg);
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(mine_itemsets(ds, cfg, out));
}

int64_t bndl_itemsets_count(const bndl_itemsets *sets) {
  return bndl_handle_is(sets, BNDL_MAGIC_ITEMSETS) ? sets->n : 0;
}

int64_t bndl_itemsets_baskets(const bndl_itemsets *sets) {
  return bndl_handle_is(sets, BNDL_MAGIC_ITEMSETS) ? sets->n_baskets : 0;
}

bndl_status bndl_itemsets_get(const bndl_itemsets *sets, int64_t index, const int32_t **items, int32_t *length,
                              int64_t *count) {
  CHECK_SETS(sets);
  BNDL_CHECK_PTR(items);
  BNDL_CHECK_PTR(length);
  BNDL_CHECK_PTR(count);
  if (index < 0 || index >= sets->n)
    return bndl_error_prefix(not_found(index, sets->n), __func__);
  *items = sets->items + sets->offsets[index];
  *length = (int32_t)(sets->offsets[index + 1] - sets->offsets[index]);
  *count = sets->counts[index];
  return BNDL_OK;
}

void bndl_itemsets_free(bndl_itemsets *sets) {
  if (bndl_handle_is(sets, BNDL_MAGIC_ITEMSETS))
    bndl_itemsets_destroy(sets);
}

/* ---- association rules */

bndl_status bndl_itemsets_rules(const bndl_itemsets *sets, const bndl_config *cfg, bndl_rules **out) {
  CHECK_SETS(sets);
  CHECK_OPTIONAL_CFG(cfg);
  BNDL_CHECK_PTR(out);
  bndl_rule_params p;
  p.min_confidence = bndl_cfg_float(cfg, BNDL_KEY_RULE_MIN_CONFIDENCE);
  p.min_lift = bndl_cfg_float(cfg, BNDL_KEY_RULE_MIN_LIFT);
  p.max_rules = BNDL_RULES_MAX;
  p.max_candidates = BNDL_RULES_MAX_CANDIDATES;
  BNDL_API_RETURN(bndl_rules_build(sets, &p, out));
}

int64_t bndl_rules_count(const bndl_rules *rules) {
  return bndl_handle_is(rules, BNDL_MAGIC_RULES) ? rules->n : 0;
}

bndl_status bndl_rules_get(const bndl_rules *rules, int64_t index, const int32_t **antecedent,
                           int32_t *n_antecedent, const int32_t **consequent, int32_t *n_consequent,
                           bndl_rule_metrics *metrics) {
  CHECK_RULES(rules);
  BNDL_CHECK_PTR(antecedent);
  BNDL_CHECK_PTR(n_antecedent);
  BNDL_CHECK_PTR(consequent);
  BNDL_CHECK_PTR(n_consequent);
  BNDL_CHECK_PTR(metrics);
  /* Callers compiled against a later, longer struct pass a larger size; a smaller one
   * is not a bndl_rule_metrics of any version. */
  BNDL_CHECK_ARG(metrics->struct_size >= sizeof(bndl_rule_metrics),
                 "metrics->struct_size is %u, expected at least %zu (initialise with BNDL_RULE_METRICS_INIT)",
                 (unsigned)metrics->struct_size, sizeof(bndl_rule_metrics));
  if (index < 0 || index >= rules->n)
    return bndl_error_prefix(not_found(index, rules->n), __func__);
  const int32_t *items = rules->items + rules->offsets[index];
  int32_t len = (int32_t)(rules->offsets[index + 1] - rules->offsets[index]);
  *antecedent = items;
  *n_antecedent = rules->n_antecedent[index];
  *consequent = items + rules->n_antecedent[index];
  *n_consequent = len - rules->n_antecedent[index];
  uint32_t size = metrics->struct_size;
  *metrics = rules->metrics[index];
  metrics->struct_size = size;
  return BNDL_OK;
}

void bndl_rules_free(bndl_rules *rules) {
  if (bndl_handle_is(rules, BNDL_MAGIC_RULES))
    bndl_rules_destroy(rules);
}

/* ---- complementary items */

static bndl_status complements(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out) {
  BNDL_TRY(check_finalized(ds));
  bndl_basket_params bp;
  BNDL_TRY(bndl_basket_params_read(cfg, &bp));
  const bndl_allocator *a = &ds->ctx->alloc;
  bndl_baskets b;
  BNDL_TRY(bndl_baskets_build(ds, &bp, a, &b));
  bndl_status st = bndl_complements_build(ds->ctx, &b, bndl_cfg_int(cfg, BNDL_KEY_FP_MIN_COUNT),
                                          (int32_t)bndl_cfg_int(cfg, BNDL_KEY_SIM_K), out);
  bndl_baskets_free(a, &b);
  return st;
}

bndl_status bndl_copurchase_complements(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out) {
  CHECK_DS(ds);
  CHECK_OPTIONAL_CFG(cfg);
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(complements(ds, cfg, out));
}
