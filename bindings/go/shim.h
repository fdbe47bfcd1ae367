/*
 * shim.h - the C side of the Go binding. Each shim makes one library call and, when it
 * fails, copies the thread's last error message in the same C frame: a goroutine may be
 * moved to another OS thread between two cgo calls, so reading bndl_last_error_message
 * in a second call could return another thread's message (API.md section 4, the Go rule).
 * The copy is malloc'd; Go frees it with C.free.
 */
#ifndef BNDL_GO_SHIM_H
#define BNDL_GO_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include <bundle/bundle.h>

int bndlgo_context_create(int32_t threads, uint64_t seed, bndl_context **out, char **msg);
int bndlgo_context_set_backend(bndl_context *ctx, const char *name, char **msg);
int bndlgo_config_create(bndl_config **out, char **msg);
int bndlgo_config_set(bndl_config *cfg, const char *name, const char *value, char **msg);
int bndlgo_table_spec_preset(const char *name, bndl_table_spec **out, char **msg);
int bndlgo_dataset_create(bndl_context *ctx, bndl_dataset **out, char **msg);
int bndlgo_dataset_configure(bndl_dataset *ds, const bndl_config *cfg, char **msg);
int bndlgo_dataset_load_table(bndl_dataset *ds, const char *path, const bndl_table_spec *spec, char **msg);
int bndlgo_dataset_finalize(bndl_dataset *ds, char **msg);
int bndlgo_dataset_load(bndl_context *ctx, const char *path, bndl_dataset **out, char **msg);
int bndlgo_dataset_save(const bndl_dataset *ds, const char *path, char **msg);
int bndlgo_dataset_external_id(const bndl_dataset *ds, int entity, int64_t index, const char **out, char **msg);
int bndlgo_dataset_find(const bndl_dataset *ds, int entity, const char *id, int64_t *out, char **msg);
int bndlgo_dataset_report_json(const bndl_dataset *ds, bndl_buffer **out, char **msg);
int bndlgo_dataset_user_events(const bndl_dataset *ds, int64_t user, const int32_t **items, int64_t *count,
                               char **msg);
int bndlgo_dataset_split(const bndl_dataset *ds, const bndl_config *cfg, bndl_dataset **train,
                         bndl_dataset **valid, bndl_dataset **test, char **msg);
int bndlgo_similarity_items(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out, char **msg);
int bndlgo_copurchase_complements(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out,
                                  char **msg);
int bndlgo_neighbors_row(const bndl_neighbors *nb, int64_t row, const int32_t **cols, const float **scores,
                         int32_t *count, char **msg);

int bndlgo_model_create(const bndl_dataset *ds, const bndl_config *cfg, bndl_model **out, char **msg);
int bndlgo_model_load(bndl_context *ctx, const char *path, bndl_model **out, char **msg);
int bndlgo_model_save(const bndl_model *m, const char *path, char **msg);
/* progress: a cgo.Handle of the Go callback, or 0 for none. */
int bndlgo_model_train(bndl_model *m, const bndl_dataset *train, const bndl_dataset *valid, const bndl_config *cfg,
                       uintptr_t progress, char **msg);
int bndlgo_model_train_summary(const bndl_model *m, bndl_train_summary *out, char **msg);
int bndlgo_model_recommend(const bndl_model *m, const int32_t *items, int64_t n, int64_t k, int32_t *out_items,
                           float *out_scores, int64_t *n_out, char **msg);
int bndlgo_model_item_id(const bndl_model *m, int32_t index, const char **id, char **msg);

#endif
