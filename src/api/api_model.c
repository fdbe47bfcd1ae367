/*
 * api_model.c - public entry points of the sequence-encoder model (model/model.h):
 * argument and handle checks with messages that name the argument, position and value,
 * error prefixes. The model retains its context and is reference counted.
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/alloc.h"
#include "core/buffer.h"
#include "core/context.h"
#include "data/dataset.h"
#include "data/snapshot.h"
#include "model/model.h"

#define CHECK_MODEL(m) BNDL_CHECK_HANDLE(m, BNDL_MAGIC_MODEL, "bndl_model")

bndl_status bndl_model_create(const bndl_dataset *ds, const bndl_config *cfg, bndl_model **out) {
  BNDL_CHECK_HANDLE(ds, BNDL_MAGIC_DATASET, "bndl_dataset");
  if (cfg != NULL)
    BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  BNDL_CHECK_PTR(out);
  if (!ds->finalized)
    return bndl_error_prefix(
        bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)"), __func__);
  BNDL_API_RETURN(bndl_model_from_dataset(ds, cfg, out));
}

/* ---- files */

bndl_status bndl_model_save_buffer(const bndl_model *model, bndl_buffer **out) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(out);
  char *data;
  size_t len;
  bndl_status st = bndl_model_encode_file(model, &data, &len);
  if (st == BNDL_OK)
    st = bndl_buffer_adopt(model->alloc, data, len, out);
  BNDL_API_RETURN(st);
}

bndl_status bndl_model_save(const bndl_model *model, const char *path) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(path);
  char *data;
  size_t len;
  bndl_status st = bndl_model_encode_file(model, &data, &len);
  BNDL_API_RETURN(bndl_write_encoded(model->alloc, path, st, data, len));
}

bndl_status bndl_model_load(bndl_context *ctx, const char *path, bndl_model **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_PTR(path);
  BNDL_CHECK_PTR(out);
  char *data;
  size_t len;
  bndl_status st = bndl_read_file(&ctx->alloc, path, SIZE_MAX / 2, &data, &len);
  if (st == BNDL_OK) {
    st = bndl_model_decode_file(ctx, data, len, path, out);
    bndl_free(&ctx->alloc, data);
  }
  BNDL_API_RETURN(st);
}

bndl_status bndl_model_load_buffer(bndl_context *ctx, const void *data, size_t size, bndl_model **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_PTR(data);
  BNDL_CHECK_PTR(out);
  /* sections are read with memcpy, so the caller's buffer needs no alignment */
  BNDL_API_RETURN(bndl_model_decode_file(ctx, data, size, "<buffer>", out));
}

/* ---- properties and lifetime */

const char *bndl_model_kind(const bndl_model *model) {
  return bndl_handle_is(model, BNDL_MAGIC_MODEL) ? bndl_model_kind_name(model) : NULL;
}

int64_t bndl_model_embedding_dim(const bndl_model *model) {
  return bndl_handle_is(model, BNDL_MAGIC_MODEL) ? model->arch.dim : 0;
}

int64_t bndl_model_num_params(const bndl_model *model) {
  return bndl_handle_is(model, BNDL_MAGIC_MODEL) ? bndl_model_param_count(model) : 0;
}

int64_t bndl_model_num_items(const bndl_model *model) {
  return bndl_handle_is(model, BNDL_MAGIC_MODEL) ? model->arch.n_items : 0;
}

bndl_status bndl_model_retain(bndl_model *model) {
  CHECK_MODEL(model);
  bndl_model_ref(model);
  return BNDL_OK;
}

void bndl_model_free(bndl_model *model) {
  if (bndl_handle_is(model, BNDL_MAGIC_MODEL))
    bndl_model_unref(model);
}

/* ---- inference */

/* items[begin..end) are item indices of the model and types (when given and the model
 * uses them) bndl_event_type values; messages give the position in the caller's array. */
static bndl_status check_history(const bndl_model *m, const int32_t *items, const int32_t *types, int64_t begin,
                                 int64_t end, const char *fn) {
  int64_t n_items = m->arch.n_items;
  for (int64_t i = begin; i < end; i++)
    if (items[i] < 0 || items[i] >= n_items)
      return bndl_api_invalid(fn, "items[%lld] is %d, outside the model's %lld items (0..%lld)", (long long)i,
                              items[i], (long long)n_items, (long long)(n_items - 1));
  if (types != NULL && m->arch.n_event_types > 0)
    for (int64_t i = begin; i < end; i++)
      if (types[i] < 1 || types[i] > BNDL_EVENT_TYPE_COUNT)
        return bndl_api_invalid(fn, "types[%lld] is %d, not a bndl_event_type (1..%d)", (long long)i, types[i],
                                BNDL_EVENT_TYPE_COUNT);
  return BNDL_OK;
}

bndl_status bndl_model_encode(const bndl_model *model, const int32_t *items, const int32_t *types, int64_t n,
                              float *out, int64_t out_cap) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(items);
  BNDL_CHECK_PTR(out);
  BNDL_CHECK_ARG(n >= 1, "n is %lld: the history is empty (an encoding needs at least one item)", (long long)n);
  BNDL_CHECK_ARG(out_cap >= model->arch.dim, "out_cap is %lld, the model's embedding dim is %lld",
                 (long long)out_cap, (long long)model->arch.dim);
  BNDL_TRY(check_history(model, items, types, 0, n, __func__));
  const int64_t offsets[2] = {0, n};
  BNDL_API_RETURN(bndl_model_encode_rows(model, 1, offsets, items, types, out));
}

bndl_status bndl_model_encode_batch(const bndl_model *model, int64_t n_seq, const int64_t *offsets,
                                    const int32_t *items, const int32_t *types, float *out, int64_t out_cap) {
  CHECK_MODEL(model);
  BNDL_CHECK_ARG(n_seq >= 0, "n_seq is %lld (negative)", (long long)n_seq);
  if (n_seq == 0)
    return BNDL_OK;
  BNDL_CHECK_PTR(offsets);
  BNDL_CHECK_PTR(items);
  BNDL_CHECK_PTR(out);
  BNDL_CHECK_ARG(offsets[0] >= 0, "offsets[0] is %lld (negative)", (long long)offsets[0]);
  for (int64_t s = 0; s < n_seq; s++)
    BNDL_CHECK_ARG(offsets[s + 1] > offsets[s],
                   "offsets[%lld] = %lld is not above offsets[%lld] = %lld: history %lld is empty or reversed",
                   (long long)(s + 1), (long long)offsets[s + 1], (long long)s, (long long)offsets[s], (long long)s);
  int64_t need;
  BNDL_CHECK_ARG(!__builtin_mul_overflow(n_seq, model->arch.dim, &need) && out_cap >= need,
                 "out_cap is %lld, %lld histories need %lld x %lld floats", (long long)out_cap, (long long)n_seq,
                 (long long)n_seq, (long long)model->arch.dim);
  BNDL_TRY(check_history(model, items, types, offsets[0], offsets[n_seq], __func__));
  BNDL_API_RETURN(bndl_model_encode_rows(model, n_seq, offsets, items, types, out));
}

bndl_status bndl_model_recommend(const bndl_model *model, const int32_t *items, const int32_t *types, int64_t n,
                                 const int32_t *exclude, int64_t n_exclude, int32_t exclude_history, int64_t k,
                                 int32_t *out_items, float *out_scores, int64_t *n_out) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(items);
  BNDL_CHECK_PTR(out_items);
  BNDL_CHECK_PTR(n_out);
  BNDL_CHECK_ARG(n >= 1, "n is %lld: the history is empty (an encoding needs at least one item)", (long long)n);
  BNDL_CHECK_ARG(k >= 1, "k is %lld (must be at least 1)", (long long)k);
  BNDL_CHECK_ARG(n_exclude >= 0, "n_exclude is %lld (negative)", (long long)n_exclude);
  BNDL_CHECK_ARG(n_exclude == 0 || exclude != NULL, "exclude is NULL with n_exclude = %lld", (long long)n_exclude);
  BNDL_TRY(check_history(model, items, types, 0, n, __func__));
  for (int64_t i = 0; i < n_exclude; i++)
    BNDL_CHECK_ARG(exclude[i] >= 0 && exclude[i] < model->arch.n_items,
                   "exclude[%lld] is %d, outside the model's %lld items (0..%lld)", (long long)i, exclude[i],
                   (long long)model->arch.n_items, (long long)(model->arch.n_items - 1));
  BNDL_API_RETURN(bndl_model_top_items(model, items, types, n, exclude, n_exclude, exclude_history != 0, k,
                                       out_items, out_scores, n_out));
}

bndl_status bndl_model_item_embeddings(const bndl_model *model, const float **data, int64_t *rows, int64_t *cols) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(data);
  BNDL_CHECK_PTR(rows);
  BNDL_CHECK_PTR(cols);
  const bndl_nn_embedding *e = bndl_model_item_table(model);
  *data = bndl_nn_value(&model->params, e->table);
  *rows = e->rows;
  *cols = e->dim;
  return BNDL_OK;
}

bndl_status bndl_model_item_index(const bndl_model *model, const char *id, size_t len, int32_t *index) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(id);
  BNDL_CHECK_PTR(index);
  int32_t i = bndl_id_map_find(&model->item_ids, id, len);
  if (i < 0)
    return bndl_fail(BNDL_ERR_NOT_FOUND, "%s: the model has no item '%.*s'", __func__, (int)(len > 200 ? 200 : len),
                     id);
  *index = i;
  return BNDL_OK;
}

bndl_status bndl_model_item_id(const bndl_model *model, int32_t index, const char **id, size_t *len) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(id);
  BNDL_CHECK_ARG(index >= 0 && index < model->arch.n_items, "index is %d, outside the model's %lld items (0..%lld)",
                 index, (long long)model->arch.n_items, (long long)(model->arch.n_items - 1));
  *id = bndl_id_map_name(&model->item_ids, index);
  if (len != NULL)
    *len = bndl_id_map_name_len(&model->item_ids, index);
  return BNDL_OK;
}
