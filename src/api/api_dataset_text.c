/*
 * api_dataset_text.c - the review text side of bndl_dataset: attaching a sentiment
 * scorer before finalize, reading item keywords after it.
 *
 * The dataset holds its scorer by a reference (bndl_lexicon_retain / _release), so the
 * caller may free the lexicon or model right after attaching it; the data layer keeps
 * only the pointer and a release function, and never calls text/ itself. Word vectors
 * are held the same way, but past finalize: split parts compute their own item vectors
 * from them.
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "data/dataset.h"
#include "text/lexicon.h"
#include "text/text_model.h"
#include "text/word_vectors.h"

#define CHECK_DS(d) BNDL_CHECK_HANDLE(d, BNDL_MAGIC_DATASET, "bndl_dataset")

static void release_lexicon(void *p) { bndl_lexicon_release(p); }
static void release_model(void *p) { bndl_text_model_release(p); }
static void release_word_vectors(void *p) { bndl_word_vectors_release(p); }

static bndl_status set_scorer(bndl_dataset *ds, void *object, int kind, void (*release)(void *), const char *fn) {
  if (ds->broken)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "an earlier finalize failed half way; free this dataset"), fn);
  if (ds->finalized)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "the dataset is finalized (read-only)"), fn);
  if (ds->scorer.release)
    ds->scorer.release(ds->scorer.object);
  memset(&ds->scorer, 0, sizeof ds->scorer);
  if (object) {
    ds->scorer.object = object;
    ds->scorer.kind = kind;
    ds->scorer.release = release;
  }
  return BNDL_OK;
}

bndl_status bndl_dataset_set_sentiment_lexicon(bndl_dataset *ds, bndl_lexicon *lexicon) {
  CHECK_DS(ds);
  if (lexicon != NULL)
    BNDL_CHECK_HANDLE(lexicon, BNDL_MAGIC_LEXICON, "bndl_lexicon");
  if (lexicon)
    bndl_lexicon_retain(lexicon);
  bndl_status st = set_scorer(ds, lexicon, 1, release_lexicon, __func__);
  if (st != BNDL_OK && lexicon)
    bndl_lexicon_release(lexicon);
  return st;
}

bndl_status bndl_dataset_set_sentiment_model(bndl_dataset *ds, bndl_text_model *model) {
  CHECK_DS(ds);
  if (model != NULL)
    BNDL_CHECK_HANDLE(model, BNDL_MAGIC_TEXT_MODEL, "bndl_text_model");
  if (model)
    bndl_text_model_retain(model);
  bndl_status st = set_scorer(ds, model, 2, release_model, __func__);
  if (st != BNDL_OK && model)
    bndl_text_model_release(model);
  return st;
}

bndl_status bndl_dataset_set_word_vectors(bndl_dataset *ds, bndl_word_vectors *wv) {
  CHECK_DS(ds);
  if (wv != NULL)
    BNDL_CHECK_HANDLE(wv, BNDL_MAGIC_WORD_VECTORS, "bndl_word_vectors");
  if (ds->broken)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "an earlier finalize failed half way; free this dataset"),
                             __func__);
  if (ds->finalized)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "the dataset is finalized (read-only)"), __func__);
  if (wv)
    bndl_word_vectors_retain(wv);
  if (ds->word_vectors.release)
    ds->word_vectors.release(ds->word_vectors.object);
  ds->word_vectors.object = wv;
  ds->word_vectors.release = wv ? release_word_vectors : NULL;
  return BNDL_OK;
}

bndl_status bndl_dataset_text_vectors(const bndl_dataset *ds, const float **data, const uint8_t **has_text,
                                      int64_t *rows, int32_t *cols) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(data);
  BNDL_CHECK_PTR(rows);
  BNDL_CHECK_PTR(cols);
  if (!ds->finalized)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)"),
                             __func__);
  const bndl_item_text_table *t = &ds->text_vectors;
  *data = t->data;
  if (has_text)
    *has_text = t->has_text;
  *rows = t->rows;
  *cols = t->cols;
  return BNDL_OK;
}

/* The keyword range of a valid item of a finalized dataset. */
static bndl_status keyword_range(const bndl_dataset *ds, int64_t item, int64_t *lo, int64_t *hi, const char *fn) {
  if (!ds->finalized)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)"),
                             fn);
  int32_t n = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  if (item < 0 || item >= n)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "item %lld is outside 0..%d", (long long)item, n - 1), fn);
  const bndl_item_keywords *k = &ds->keywords;
  *lo = k->offsets ? k->offsets[item] : 0;
  *hi = k->offsets ? k->offsets[item + 1] : 0;
  return BNDL_OK;
}

bndl_status bndl_dataset_item_keyword_count(const bndl_dataset *ds, int64_t item, int32_t *count) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(count);
  int64_t lo, hi;
  BNDL_TRY(keyword_range(ds, item, &lo, &hi, __func__));
  *count = (int32_t)(hi - lo);
  return BNDL_OK;
}

bndl_status bndl_dataset_item_keyword(const bndl_dataset *ds, int64_t item, int32_t index, const char **word,
                                      size_t *length, float *score) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(word);
  BNDL_CHECK_PTR(length);
  int64_t lo, hi;
  BNDL_TRY(keyword_range(ds, item, &lo, &hi, __func__));
  if (index < 0 || index >= hi - lo)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "item %lld has %lld keywords, not %d", (long long)item,
                                       (long long)(hi - lo), index + 1),
                             __func__);
  const bndl_item_keywords *k = &ds->keywords;
  int32_t w = k->word[lo + index];
  *word = k->text + k->word_off[w];
  *length = (size_t)(k->word_off[w + 1] - k->word_off[w] - 1);
  if (score)
    *score = k->score[lo + index];
  return BNDL_OK;
}
