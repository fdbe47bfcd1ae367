/*
 * api_item_model.c - public entry points of the closed-form item models (EASE, item
 * factors): argument and handle checks, the memory limits, error prefixes.
 */
#include <math.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "compute/item_model.h"
#include "data/dataset.h"

#define CHECK_MODEL(m) BNDL_CHECK_HANDLE(m, BNDL_MAGIC_ITEM_MODEL, "bndl_item_model")

/* ds a finalized dataset, cfg NULL or a config. */
static bndl_status check_inputs(const bndl_dataset *ds, const bndl_config *cfg, const char *fn) {
  if (!bndl_handle_is(ds, BNDL_MAGIC_DATASET))
    return bndl_api_invalid(fn, "ds is %s",
                            ds == NULL ? "NULL" : "not a live bndl_dataset handle (freed, or another type)");
  if (cfg != NULL && !bndl_handle_is(cfg, BNDL_MAGIC_CONFIG))
    return bndl_api_invalid(fn, "cfg is not a live bndl_config handle (freed, or another type)");
  if (!ds->finalized)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)"),
                             fn);
  return BNDL_OK;
}

/* items in 0..n_items-1 and finite weights. */
static bndl_status check_history(const bndl_item_model *m, const int32_t *items, const float *weights, int64_t n,
                                 const char *fn) {
  if (n < 0)
    return bndl_api_invalid(fn, "n is %lld (negative)", (long long)n);
  if (n > 0 && items == NULL)
    return bndl_api_invalid(fn, "items is NULL with n = %lld", (long long)n);
  for (int64_t h = 0; h < n; h++) {
    if (items[h] < 0 || items[h] >= m->rows)
      return bndl_api_invalid(fn, "items[%lld] is %d, outside the model's items 0..%lld", (long long)h, items[h],
                              (long long)m->rows - 1);
    if (weights != NULL && !isfinite(weights[h]))
      return bndl_api_invalid(fn, "weights[%lld] is not finite", (long long)h);
  }
  return BNDL_OK;
}

bndl_status bndl_item_model_memory(const bndl_dataset *ds, const bndl_config *cfg, const char *kind,
                                   int64_t *bytes) {
  BNDL_TRY(check_inputs(ds, cfg, __func__));
  BNDL_CHECK_PTR(kind);
  BNDL_CHECK_PTR(bytes);
  bndl_item_model_type k;
  bndl_status st = bndl_item_model_type_parse(kind, &k);
  if (st != BNDL_OK)
    BNDL_API_RETURN(st);
  bndl_item_model_need need;
  bndl_item_model_need_of(ds, cfg, k, &need);
  *bytes = need.total;
  return BNDL_OK;
}

static bndl_status build(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model_type kind,
                         bndl_item_model **out) {
  bndl_item_model_need need;
  bndl_item_model_need_of(ds, cfg, kind, &need);
  BNDL_TRY(bndl_item_model_check_limits(cfg, kind, &need));
  return kind == BNDL_ITEM_MODEL_EASE ? bndl_item_model_build_ease(ds, cfg, out)
                                      : bndl_item_model_build_factors(ds, cfg, out);
}

bndl_status bndl_item_model_ease(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model **out) {
  BNDL_TRY(check_inputs(ds, cfg, __func__));
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(build(ds, cfg, BNDL_ITEM_MODEL_EASE, out));
}

bndl_status bndl_item_model_factors(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model **out) {
  BNDL_TRY(check_inputs(ds, cfg, __func__));
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(build(ds, cfg, BNDL_ITEM_MODEL_FACTORS, out));
}

bndl_status bndl_item_model_weights(const bndl_item_model *model, const float **data, int64_t *rows,
                                    int64_t *cols) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(data);
  BNDL_CHECK_PTR(rows);
  BNDL_CHECK_PTR(cols);
  *data = model->weights;
  *rows = model->rows;
  *cols = model->cols;
  return BNDL_OK;
}

bndl_status bndl_item_model_score(const bndl_item_model *model, const int32_t *items, const float *weights, int64_t n,
                                  float *scores, int64_t n_scores) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(scores);
  BNDL_CHECK_ARG(n_scores >= model->rows, "n_scores is %lld, the model scores %lld items", (long long)n_scores,
                 (long long)model->rows);
  BNDL_TRY(check_history(model, items, weights, n, __func__));
  BNDL_API_RETURN(bndl_item_model_scores(model, items, weights, n, scores));
}

bndl_status bndl_item_model_fold_in(const bndl_item_model *model, const int32_t *items, const float *weights,
                                    int64_t n, float *user_factors, int64_t rank) {
  CHECK_MODEL(model);
  BNDL_CHECK_ARG(model->kind == BNDL_ITEM_MODEL_FACTORS,
                 "model is an EASE model; fold-in needs an item factors model (bndl_item_model_factors)");
  BNDL_CHECK_PTR(user_factors);
  BNDL_CHECK_ARG(rank >= model->cols, "rank is %lld, the model has rank %lld", (long long)rank,
                 (long long)model->cols);
  BNDL_TRY(check_history(model, items, weights, n, __func__));
  BNDL_API_RETURN(bndl_item_model_user_factors(model, items, weights, n, user_factors));
}

const char *bndl_item_model_kind(const bndl_item_model *model) {
  if (!bndl_handle_is(model, BNDL_MAGIC_ITEM_MODEL))
    return NULL;
  return model->kind == BNDL_ITEM_MODEL_EASE ? "ease" : "factors";
}

void bndl_item_model_free(bndl_item_model *model) {
  if (bndl_handle_is(model, BNDL_MAGIC_ITEM_MODEL))
    bndl_item_model_destroy(model);
}
