/*
 * api_text_model.c - public entry points of the trained text classifier: argument and
 * handle checks, error prefixes. The model retains its context.
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/alloc.h"
#include "core/context.h"
#include "data/dataset.h"
#include "data/snapshot.h"
#include "text/text_model.h"

#define CHECK_MODEL(m) BNDL_CHECK_HANDLE(m, BNDL_MAGIC_TEXT_MODEL, "bndl_text_model")
#define CHECK_CFG(c)                                                                                   \
  do {                                                                                                 \
    if ((c) != NULL && !bndl_handle_is((c), BNDL_MAGIC_CONFIG))                                        \
      return bndl_api_invalid(__func__, "cfg is not a live bndl_config handle (freed, or another type)"); \
  } while (0)

/* texts[0..n) non-NULL (lengths may be NULL); n >= 0. */
static bndl_status check_texts(const char *const *texts, int64_t n, const char *fn) {
  if (n < 0)
    return bndl_api_invalid(fn, "n is %lld (negative)", (long long)n);
  if (n > 0 && texts == NULL)
    return bndl_api_invalid(fn, "texts is NULL with n = %lld", (long long)n);
  for (int64_t i = 0; i < n; i++)
    if (texts[i] == NULL)
      return bndl_api_invalid(fn, "texts[%lld] is NULL", (long long)i);
  return BNDL_OK;
}

bndl_status bndl_text_model_train(bndl_context *ctx, const char *const *texts, const size_t *lengths,
                                  const int32_t *labels, int64_t n, const bndl_config *cfg, bndl_text_model **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(out);
  BNDL_TRY(check_texts(texts, n, __func__));
  if (n == 0)
    return bndl_api_invalid(__func__, "n is 0: nothing to train on");
  BNDL_CHECK_PTR(labels);
  for (int64_t i = 0; i < n; i++)
    if (labels[i] != 0 && labels[i] != 1)
      return bndl_api_invalid(__func__, "labels[%lld] is %d (labels are 0 or 1)", (long long)i, labels[i]);
  BNDL_API_RETURN(bndl_text_model_build(ctx, texts, lengths, labels, n, cfg, out));
}

bndl_status bndl_text_model_train_reviews(const bndl_dataset *ds, const bndl_config *cfg, bndl_text_model **out) {
  if (!bndl_handle_is(ds, BNDL_MAGIC_DATASET))
    return bndl_api_invalid(__func__, "ds is %s",
                            ds == NULL ? "NULL" : "not a live bndl_dataset handle (freed, or another type)");
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(out);
  if (!ds->finalized)
    return bndl_error_prefix(
        bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)"), __func__);
  BNDL_API_RETURN(bndl_text_model_build_reviews(ds, cfg, out));
}

bndl_status bndl_text_model_predict(const bndl_text_model *model, const char *text, size_t length,
                                    double *probability) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(text);
  BNDL_CHECK_PTR(probability);
  const char *texts[1] = {text};
  BNDL_API_RETURN(bndl_text_model_probabilities(model, texts, &length, 1, probability));
}

bndl_status bndl_text_model_predict_batch(const bndl_text_model *model, const char *const *texts,
                                          const size_t *lengths, int64_t n, double *probabilities) {
  CHECK_MODEL(model);
  BNDL_TRY(check_texts(texts, n, __func__));
  if (n > 0)
    BNDL_CHECK_PTR(probabilities);
  BNDL_API_RETURN(bndl_text_model_probabilities(model, texts, lengths, n, probabilities));
}

bndl_status bndl_text_model_save(const bndl_text_model *model, const char *path) {
  CHECK_MODEL(model);
  BNDL_CHECK_PTR(path);
  char *data;
  size_t len;
  bndl_status st = bndl_text_model_encode(model, &data, &len);
  BNDL_API_RETURN(bndl_write_encoded(model->alloc, path, st, data, len));
}

bndl_status bndl_text_model_load(bndl_context *ctx, const char *path, bndl_text_model **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_PTR(path);
  BNDL_CHECK_PTR(out);
  char *data;
  size_t len;
  bndl_status st = bndl_read_file(&ctx->alloc, path, SIZE_MAX / 2, &data, &len);
  if (st == BNDL_OK) {
    st = bndl_text_model_decode(ctx, data, len, path, out);
    bndl_free(&ctx->alloc, data);
  }
  BNDL_API_RETURN(st);
}

void bndl_text_model_free(bndl_text_model *model) {
  if (bndl_handle_is(model, BNDL_MAGIC_TEXT_MODEL))
    bndl_text_model_release(model); /* a dataset may still hold it until its finalize */
}
