/*
 * api_word_vectors.c - public entry points of word vectors, item text vectors and the
 * cold-start text similarity: argument and handle checks, error prefixes. This is where
 * text/ (the vectors) meets compute/ (the similarity search), which may not include
 * each other. Word vectors retain their context.
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "compute/similarity.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "data/dataset.h"
#include "data/snapshot.h"
#include "text/text_vectors.h"
#include "text/word_vectors.h"

#define CHECK_WV(w) BNDL_CHECK_HANDLE(w, BNDL_MAGIC_WORD_VECTORS, "bndl_word_vectors")
#define CHECK_CFG(c)                                                                                   \
  do {                                                                                                 \
    if ((c) != NULL && !bndl_handle_is((c), BNDL_MAGIC_CONFIG))                                        \
      return bndl_api_invalid(__func__, "cfg is not a live bndl_config handle (freed, or another type)"); \
  } while (0)

static bndl_status check_dataset(const bndl_dataset *ds, const char *fn) {
  if (!bndl_handle_is(ds, BNDL_MAGIC_DATASET))
    return bndl_api_invalid(fn, "ds is %s",
                            ds == NULL ? "NULL" : "not a live bndl_dataset handle (freed, or another type)");
  if (!ds->finalized)
    return bndl_error_prefix(
        bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)"), fn);
  return BNDL_OK;
}

bndl_status bndl_word_vectors_train(bndl_context *ctx, const char *const *texts, const size_t *lengths, int64_t n,
                                    const bndl_config *cfg, bndl_word_vectors **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(out);
  BNDL_CHECK_ARG(n >= 0, "n is %lld (negative)", (long long)n);
  BNDL_CHECK_ARG(n == 0 || texts != NULL, "texts is NULL with n = %lld", (long long)n);
  for (int64_t i = 0; i < n; i++)
    BNDL_CHECK_ARG(texts[i] != NULL, "texts[%lld] is NULL", (long long)i);
  BNDL_API_RETURN(bndl_word_vectors_build(ctx, texts, lengths, n, cfg, "texts", out));
}

bndl_status bndl_word_vectors_train_dataset(const bndl_dataset *ds, const bndl_config *cfg, bndl_word_vectors **out) {
  BNDL_TRY(check_dataset(ds, __func__));
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(bndl_word_vectors_build_dataset(ds, cfg, out));
}

int64_t bndl_word_vectors_count(const bndl_word_vectors *wv) {
  return bndl_handle_is(wv, BNDL_MAGIC_WORD_VECTORS) ? wv->vocab.n : 0;
}

int32_t bndl_word_vectors_dim(const bndl_word_vectors *wv) {
  return bndl_handle_is(wv, BNDL_MAGIC_WORD_VECTORS) ? wv->opt.dim : 0;
}

bndl_status bndl_word_vectors_word(const bndl_word_vectors *wv, int64_t index, const char **word, size_t *length,
                                   int64_t *count) {
  CHECK_WV(wv);
  BNDL_CHECK_PTR(word);
  BNDL_CHECK_PTR(length);
  BNDL_CHECK_ARG(index >= 0 && index < wv->vocab.n, "index %lld is outside [0, %lld)", (long long)index,
                 (long long)wv->vocab.n);
  *word = bndl_vocab_key(&wv->vocab, index, length);
  if (count)
    *count = wv->counts[index];
  return BNDL_OK;
}

bndl_status bndl_word_vectors_find(const bndl_word_vectors *wv, const char *word, size_t length, int64_t *index) {
  CHECK_WV(wv);
  BNDL_CHECK_PTR(word);
  BNDL_CHECK_PTR(index);
  int64_t id = bndl_word_vectors_find_word(wv, word, length);
  if (id < 0)
    return bndl_fail(BNDL_ERR_NOT_FOUND, "%s: '%.*s' has no vector (not among the %lld words seen %lld times)",
                     __func__, (int)(length > 200 ? 200 : length), word, (long long)wv->vocab.n,
                     (long long)wv->min_count);
  *index = id;
  return BNDL_OK;
}

bndl_status bndl_word_vectors_vector(const bndl_word_vectors *wv, int64_t index, const float **vector) {
  CHECK_WV(wv);
  BNDL_CHECK_PTR(vector);
  BNDL_CHECK_ARG(index >= 0 && index < wv->vocab.n, "index %lld is outside [0, %lld)", (long long)index,
                 (long long)wv->vocab.n);
  *vector = wv->vectors + (size_t)index * (size_t)wv->opt.dim;
  return BNDL_OK;
}

bndl_status bndl_word_vectors_nearest(const bndl_word_vectors *wv, int64_t index, int32_t k, int64_t *indices,
                                      float *scores, int32_t *found) {
  CHECK_WV(wv);
  BNDL_CHECK_PTR(indices);
  BNDL_CHECK_PTR(scores);
  BNDL_CHECK_PTR(found);
  BNDL_CHECK_ARG(index >= 0 && index < wv->vocab.n, "index %lld is outside [0, %lld)", (long long)index,
                 (long long)wv->vocab.n);
  BNDL_CHECK_ARG(k >= 1, "k=%d must be at least 1", (int)k);
  bndl_word_vectors_nearest_ids(wv, index, k, indices, scores, found);
  return BNDL_OK;
}

bndl_status bndl_word_vectors_save(const bndl_word_vectors *wv, const char *path) {
  CHECK_WV(wv);
  BNDL_CHECK_PTR(path);
  char *data;
  size_t len;
  bndl_status st = bndl_word_vectors_encode(wv, &data, &len);
  BNDL_API_RETURN(bndl_write_encoded(wv->alloc, path, st, data, len));
}

bndl_status bndl_word_vectors_load(bndl_context *ctx, const char *path, bndl_word_vectors **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_PTR(path);
  BNDL_CHECK_PTR(out);
  char *data;
  size_t len;
  bndl_status st = bndl_read_file(&ctx->alloc, path, SIZE_MAX / 2, &data, &len);
  if (st == BNDL_OK) {
    st = bndl_word_vectors_decode(ctx, data, len, path, out);
    bndl_free(&ctx->alloc, data);
  }
  BNDL_API_RETURN(st);
}

void bndl_word_vectors_free(bndl_word_vectors *wv) {
  if (bndl_handle_is(wv, BNDL_MAGIC_WORD_VECTORS))
    bndl_word_vectors_release(wv); /* a dataset may still hold them */
}

/* ---- item text vectors and the similarity on them */

bndl_status bndl_word_vectors_text_vector(const bndl_word_vectors *wv, const char *text, size_t length,
                                          const bndl_config *cfg, float *out, int64_t *known) {
  CHECK_WV(wv);
  BNDL_CHECK_PTR(text);
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(out);
  bndl_sif_options o;
  bndl_sif_options_from_config(cfg, &o);
  BNDL_API_RETURN(bndl_text_vector_compute(wv, o.a, text, length, out, known));
}

/* Item vectors (n_items x dim) and flags into new arrays, training on ds when wv is NULL. */
static bndl_status item_vectors(const bndl_dataset *ds, const bndl_word_vectors *wv, const bndl_config *cfg,
                                float **vectors, uint8_t **has, int32_t *dim) {
  const bndl_allocator *a = ds->alloc;
  bndl_word_vectors *own = NULL;
  if (wv == NULL) {
    BNDL_TRY(bndl_word_vectors_build_dataset(ds, cfg, &own));
    wv = own;
  }
  int64_t n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  bndl_sif_options o;
  bndl_sif_options_from_config(cfg, &o);
  bndl_status st = BNDL_OK;
  *vectors = bndl_alloc_array(a, (size_t)n_items * (size_t)wv->opt.dim + 1, sizeof **vectors);
  *has = bndl_alloc_array(a, (size_t)n_items + 1, sizeof **has);
  if (*vectors == NULL || *has == NULL)
    st = BNDL_ERR_OUT_OF_MEMORY;
  else
    st = bndl_item_text_vectors_compute(ds, wv, &o, *vectors, *has, NULL);
  *dim = wv->opt.dim;
  if (st != BNDL_OK) {
    bndl_free(a, *vectors);
    bndl_free(a, *has);
    *vectors = NULL;
    *has = NULL;
  }
  bndl_word_vectors_destroy(own);
  return st;
}

bndl_status bndl_item_text_vectors(const bndl_dataset *ds, const bndl_word_vectors *wv, const bndl_config *cfg,
                                   float *vectors, int32_t *has_text) {
  BNDL_TRY(check_dataset(ds, __func__));
  if (wv != NULL)
    CHECK_WV(wv);
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(vectors);
  float *v;
  uint8_t *has;
  int32_t dim;
  bndl_status st = item_vectors(ds, wv, cfg, &v, &has, &dim);
  if (st == BNDL_OK) {
    int64_t n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
    memcpy(vectors, v, (size_t)n_items * (size_t)dim * sizeof *v);
    for (int64_t i = 0; has_text && i < n_items; i++)
      has_text[i] = has[i];
    bndl_free(ds->alloc, v);
    bndl_free(ds->alloc, has);
  }
  BNDL_API_RETURN(st);
}

bndl_status bndl_similarity_items_text(const bndl_dataset *ds, const bndl_word_vectors *wv, const bndl_config *cfg,
                                       bndl_neighbors **out) {
  BNDL_TRY(check_dataset(ds, __func__));
  if (wv != NULL)
    CHECK_WV(wv);
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(out);
  float *v;
  uint8_t *has;
  int32_t dim;
  bndl_status st = item_vectors(ds, wv, cfg, &v, &has, &dim);
  if (st == BNDL_OK) {
    bndl_sim_dense table = {bndl_dataset_n(ds, BNDL_IDS_ITEM), dim, dim, v};
    st = bndl_sim_dense_self_topk(ds->ctx, &table, has, BNDL_METRIC_COSINE, bndl_cfg_int(cfg, BNDL_KEY_SIM_K),
                                  bndl_cfg_int(cfg, BNDL_KEY_SIM_MAX_BYTES), out);
    bndl_free(ds->alloc, v);
    bndl_free(ds->alloc, has);
  }
  BNDL_API_RETURN(st);
}
