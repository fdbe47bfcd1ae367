/*
 * api_similarity.c - public entry points of the similarity section of bundle.h:
 * argument and handle checks, then compute/similarity.h.
 */
#include <stdint.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "compute/similarity.h"
#include "core/config.h"
#include "core/context.h"
#include "data/dataset.h"

static bndl_status similarity_of(const bndl_dataset *ds, const bndl_config *cfg, bndl_sim_side side,
                                 bndl_neighbors **out, const char *fn) {
  if (!ds->finalized)
    return bndl_error_prefix(
        bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)"), fn);
  bndl_sim_params p;
  bndl_sim_params_from_config(cfg, &p);
  bndl_status st = bndl_sim_dataset_topk(ds, side, &p, out);
  return st == BNDL_OK ? BNDL_OK : bndl_error_prefix(st, fn);
}

bndl_status bndl_similarity_items(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out) {
  BNDL_CHECK_HANDLE(ds, BNDL_MAGIC_DATASET, "bndl_dataset");
  if (cfg != NULL)
    BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  BNDL_CHECK_PTR(out);
  return similarity_of(ds, cfg, BNDL_SIM_ITEMS, out, __func__);
}

bndl_status bndl_similarity_users(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out) {
  BNDL_CHECK_HANDLE(ds, BNDL_MAGIC_DATASET, "bndl_dataset");
  if (cfg != NULL)
    BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  BNDL_CHECK_PTR(out);
  return similarity_of(ds, cfg, BNDL_SIM_USERS, out, __func__);
}

/* A float32 2-D host view with unit element stride; its rows become a bndl_sim_dense. */
static bndl_status check_view(const bndl_tensor_view *v, const char *name, bndl_sim_dense *out, const char *fn) {
  if (v->struct_size < sizeof(bndl_tensor_view))
    return bndl_api_invalid(fn, "%s->struct_size=%u is smaller than %zu (use BNDL_TENSOR_VIEW_INIT)", name,
                            (unsigned)v->struct_size, sizeof(bndl_tensor_view));
  if (v->dtype != BNDL_DTYPE_F32)
    return bndl_api_invalid(fn, "%s->dtype=%d: only BNDL_DTYPE_F32 is supported", name, (int)v->dtype);
  if (v->ndim != 2)
    return bndl_api_invalid(fn, "%s->ndim=%d: a 2-D table (rows x dim) is needed", name, (int)v->ndim);
  if (v->device_kind != BNDL_DEVICE_CPU)
    return bndl_api_invalid(fn, "%s->device_kind=%d: only host memory (BNDL_DEVICE_CPU) is supported", name,
                            (int)v->device_kind);
  if (v->shape == NULL)
    return bndl_api_invalid(fn, "%s->shape is NULL", name);
  int64_t rows = v->shape[0], dim = v->shape[1];
  if (rows < 0 || rows > INT32_MAX || dim < 1 || dim > INT32_MAX)
    return bndl_api_invalid(fn, "%s->shape=[%lld, %lld] is outside [0..2^31-1, 1..2^31-1]", name, (long long)rows,
                            (long long)dim);
  int64_t row_stride = dim * (int64_t)sizeof(float);
  if (v->strides != NULL) {
    if (v->strides[1] != (int64_t)sizeof(float))
      return bndl_api_invalid(fn,
                              "%s->strides[1]=%lld: the elements of a row must be contiguous (stride 4 bytes); "
                              "copy the table first",
                              name, (long long)v->strides[1]);
    if (v->strides[0] < row_stride || v->strides[0] % (int64_t)sizeof(float) != 0)
      return bndl_api_invalid(fn,
                              "%s->strides[0]=%lld: the row stride must be a multiple of 4 bytes and at least "
                              "dim * 4 = %lld",
                              name, (long long)v->strides[0], (long long)row_stride);
    row_stride = v->strides[0];
  }
  if (v->data == NULL && rows > 0)
    return bndl_api_invalid(fn, "%s->data is NULL", name);
  if ((uintptr_t)v->data % sizeof(float) != 0)
    return bndl_api_invalid(fn, "%s->data is not aligned to 4 bytes", name);
  out->rows = rows;
  out->dim = dim;
  out->ld = row_stride / (int64_t)sizeof(float);
  out->data = v->data;
  return BNDL_OK;
}

bndl_status bndl_similarity_embeddings(bndl_context *ctx, const bndl_tensor_view *queries,
                                       const bndl_tensor_view *items, bndl_metric metric, int32_t k,
                                       const bndl_config *cfg, bndl_neighbors **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  if (cfg != NULL)
    BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  BNDL_CHECK_PTR(queries);
  BNDL_CHECK_PTR(items);
  BNDL_CHECK_PTR(out);
  BNDL_CHECK_ARG(metric == BNDL_METRIC_COSINE || metric == BNDL_METRIC_DOT,
                 "metric=%d is not a bndl_metric (COSINE or DOT)", (int)metric);
  BNDL_CHECK_ARG(k >= 1, "k=%d must be at least 1", (int)k);
  bndl_sim_dense q, it;
  BNDL_TRY(check_view(queries, "queries", &q, __func__));
  BNDL_TRY(check_view(items, "items", &it, __func__));
  BNDL_CHECK_ARG(q.dim == it.dim, "queries have dim %lld but items have dim %lld", (long long)q.dim,
                 (long long)it.dim);
  int64_t max_bytes = bndl_cfg_int(cfg, BNDL_KEY_SIM_MAX_BYTES);
  BNDL_API_RETURN(bndl_sim_embeddings_topk(ctx, &q, &it, metric, k, max_bytes, out));
}
