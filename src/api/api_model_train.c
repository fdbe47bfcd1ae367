/*
 * api_model_train.c - public entry points of model training (model/model_train.h):
 * handle and state checks, the progress callback adapted to the public struct.
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "data/dataset.h"
#include "model/model_train.h"

#define CHECK_MODEL(m) BNDL_CHECK_HANDLE(m, BNDL_MAGIC_MODEL, "bndl_model")

typedef struct progress_adapter {
  bndl_train_progress_fn fn;
  void *user_data;
} progress_adapter;

static int forward_progress(void *ud, const bndl_nn_train_progress *p) {
  const progress_adapter *a = ud;
  bndl_train_progress out = {.struct_size = sizeof out,
                             .epoch = p->epoch,
                             .epochs = p->epochs,
                             .step = p->step,
                             .loss = p->loss,
                             .metric = p->metric,
                             .best_metric = p->best_metric,
                             .best_epoch = p->best_epoch,
                             .seconds = p->seconds,
                             .eta_seconds = p->eta_seconds};
  return a->fn(a->user_data, &out) != 0;
}

static bndl_status check_finalized(const bndl_dataset *ds, const char *name) {
  if (!ds->finalized)
    return bndl_fail(BNDL_ERR_STATE, "%s: the dataset is not finalized yet (call bndl_dataset_finalize)", name);
  return BNDL_OK;
}

bndl_status bndl_model_train(bndl_model *model, const bndl_dataset *train, const bndl_dataset *valid,
                             const bndl_config *cfg, bndl_train_progress_fn progress, void *user_data) {
  CHECK_MODEL(model);
  BNDL_CHECK_HANDLE(train, BNDL_MAGIC_DATASET, "bndl_dataset");
  if (valid != NULL)
    BNDL_CHECK_HANDLE(valid, BNDL_MAGIC_DATASET, "bndl_dataset");
  if (cfg != NULL)
    BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  bndl_status st = check_finalized(train, "train");
  if (st == BNDL_OK && valid != NULL)
    st = check_finalized(valid, "valid");
  if (st != BNDL_OK)
    return bndl_error_prefix(st, __func__);
  progress_adapter adapter = {progress, user_data};
  BNDL_API_RETURN(bndl_model_train_on(model, train, valid, cfg, progress ? forward_progress : NULL, &adapter, NULL));
}

bndl_status bndl_model_train_summary(const bndl_model *model, bndl_train_summary *out) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(out);
  BNDL_CHECK_ARG(out->struct_size >= sizeof(bndl_train_summary),
                 "out->struct_size is %u, expected at least %zu (initialise with BNDL_TRAIN_SUMMARY_INIT)",
                 (unsigned)out->struct_size, sizeof(bndl_train_summary));
  uint32_t size = out->struct_size;
  memset(out, 0, sizeof *out);
  out->struct_size = size;
  out->epochs = model->summary.epochs;
  out->steps = model->summary.steps;
  out->best_epoch = model->summary.best_epoch;
  out->best_metric = model->summary.best_metric;
  out->final_loss = model->summary.final_loss;
  return BNDL_OK;
}
