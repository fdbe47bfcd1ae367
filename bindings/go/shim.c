/*
 * shim.c - one-frame call + error copy for every fallible call the Go binding makes
 * (see shim.h for why).
 */
#include "shim.h"

#include <stdlib.h>
#include <string.h>

/* The message of a failure just returned on this thread, or NULL for success. */
static int finish(bndl_status st, char **msg) {
  *msg = NULL;
  if (st != BNDL_OK) {
    const char *m = bndl_last_error_message();
    size_t n = strlen(m) + 1;
    *msg = malloc(n);
    if (*msg != NULL)
      memcpy(*msg, m, n);
  }
  return (int)st;
}

int bndlgo_context_create(int32_t threads, uint64_t seed, bndl_context **out, char **msg) {
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  desc.seed = seed;
  return finish(bndl_context_create(&desc, out), msg);
}
int bndlgo_context_set_backend(bndl_context *ctx, const char *name, char **msg) {
  return finish(bndl_context_set_backend(ctx, name), msg);
}
int bndlgo_config_create(bndl_config **out, char **msg) { return finish(bndl_config_create(out), msg); }
int bndlgo_config_set(bndl_config *cfg, const char *name, const char *value, char **msg) {
  return finish(bndl_config_set(cfg, name, value), msg);
}
int bndlgo_table_spec_preset(const char *name, bndl_table_spec **out, char **msg) {
  return finish(bndl_table_spec_preset(name, out), msg);
}
int bndlgo_dataset_create(bndl_context *ctx, bndl_dataset **out, char **msg) {
  return finish(bndl_dataset_create(ctx, out), msg);
}
int bndlgo_dataset_configure(bndl_dataset *ds, const bndl_config *cfg, char **msg) {
  return finish(bndl_dataset_configure(ds, cfg), msg);
}
int bndlgo_dataset_load_table(bndl_dataset *ds, const char *path, const bndl_table_spec *spec, char **msg) {
  return finish(bndl_dataset_load_table(ds, path, spec), msg);
}
int bndlgo_dataset_finalize(bndl_dataset *ds, char **msg) { return finish(bndl_dataset_finalize(ds), msg); }
int bndlgo_dataset_load(bndl_context *ctx, const char *path, bndl_dataset **out, char **msg) {
  return finish(bndl_dataset_load(ctx, path, out), msg);
}
int bndlgo_dataset_save(const bndl_dataset *ds, const char *path, char **msg) {
  return finish(bndl_dataset_save(ds, path), msg);
}
int bndlgo_dataset_external_id(const bndl_dataset *ds, int entity, int64_t index, const char **out, char **msg) {
  return finish(bndl_dataset_external_id(ds, (bndl_entity)entity, index, out), msg);
}
int bndlgo_dataset_find(const bndl_dataset *ds, int entity, const char *id, int64_t *out, char **msg) {
  return finish(bndl_dataset_find(ds, (bndl_entity)entity, id, out), msg);
}
int bndlgo_dataset_report_json(const bndl_dataset *ds, bndl_buffer **out, char **msg) {
  return finish(bndl_dataset_report_json(ds, out), msg);
}
int bndlgo_dataset_user_events(const bndl_dataset *ds, int64_t user, const int32_t **items, int64_t *count,
                               char **msg) {
  return finish(bndl_dataset_user_events(ds, user, items, NULL, NULL, count), msg);
}
int bndlgo_dataset_split(const bndl_dataset *ds, const bndl_config *cfg, bndl_dataset **train,
                         bndl_dataset **valid, bndl_dataset **test, char **msg) {
  return finish(bndl_dataset_split(ds, cfg, train, valid, test), msg);
}
int bndlgo_similarity_items(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out, char **msg) {
  return finish(bndl_similarity_items(ds, cfg, out), msg);
}
int bndlgo_copurchase_complements(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out,
                                  char **msg) {
  return finish(bndl_copurchase_complements(ds, cfg, out), msg);
}
int bndlgo_neighbors_row(const bndl_neighbors *nb, int64_t row, const int32_t **cols, const float **scores,
                         int32_t *count, char **msg) {
  return finish(bndl_neighbors_row(nb, row, cols, scores, count), msg);
}

int bndlgo_model_create(const bndl_dataset *ds, const bndl_config *cfg, bndl_model **out, char **msg) {
  return finish(bndl_model_create(ds, cfg, out), msg);
}
int bndlgo_model_load(bndl_context *ctx, const char *path, bndl_model **out, char **msg) {
  return finish(bndl_model_load(ctx, path, out), msg);
}
int bndlgo_model_save(const bndl_model *m, const char *path, char **msg) {
  return finish(bndl_model_save(m, path), msg);
}

/* Defined in Go (model.go, //export): runs the callback the handle names. */
extern int32_t bndlgoTrainProgress(uintptr_t handle, bndl_train_progress *progress);

static int32_t BNDL_CALLBACK progress_trampoline(void *ud, const bndl_train_progress *p) {
  return bndlgoTrainProgress((uintptr_t)ud, (bndl_train_progress *)p);
}

int bndlgo_model_train(bndl_model *m, const bndl_dataset *train, const bndl_dataset *valid, const bndl_config *cfg,
                       uintptr_t progress, char **msg) {
  return finish(bndl_model_train(m, train, valid, cfg, progress ? progress_trampoline : NULL, (void *)progress), msg);
}
int bndlgo_model_train_summary(const bndl_model *m, bndl_train_summary *out, char **msg) {
  out->struct_size = sizeof *out;
  return finish(bndl_model_train_summary(m, out), msg);
}
int bndlgo_model_recommend(const bndl_model *m, const int32_t *items, int64_t n, int64_t k, int32_t *out_items,
                           float *out_scores, int64_t *n_out, char **msg) {
  return finish(bndl_model_recommend(m, items, NULL, n, NULL, 0, 1, k, out_items, out_scores, n_out), msg);
}
int bndlgo_model_item_id(const bndl_model *m, int32_t index, const char **id, char **msg) {
  return finish(bndl_model_item_id(m, index, id, NULL), msg);
}
