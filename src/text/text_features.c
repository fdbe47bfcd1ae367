/*
 * text_features.c - review sentiment and item keywords at finalize (text_features.h).
 *
 * Scores are written by review index, each pool task owning a fixed block of reviews,
 * so they do not depend on the thread count. An item's keyword document is its title
 * followed by its reviews in row order (a counting sort of the reviews by item keeps
 * that order).
 */
#include "text/text_features.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "data/report.h"
#include "data/utf8.h"
#include "text/keywords.h"
#include "text/lexicon.h"
#include "text/sentiment.h"
#include "text/text_model.h"
#include "text/text_vectors.h"
#include "text/tokenize.h"

enum { SCORE_BLOCK = 256 };

static const char *review_text(const bndl_dataset *ds, size_t r, size_t *len) {
  int64_t lo = ds->rv.text_off[r], hi = ds->rv.text_off[r + 1];
  *len = (size_t)(hi - lo);
  return bndl_bytes_at(&ds->rv.text, lo);
}

/* Every review's text must be UTF-8 before anything is scored. */
static bndl_status check_utf8(const bndl_dataset *ds) {
  for (size_t r = 0; r < ds->rv.n; r++) {
    size_t len;
    const char *t = review_text(ds, r, &len);
    size_t bad = bndl_utf8_invalid_at(t, len);
    if (bad >= len)
      continue;
    bndl_strbuf where;
    bndl_strbuf_init(&where, ds->alloc);
    if (ds->rv.source)
      bndl_report_where(&ds->report, ds->rv.source[r], ds->rv.line[r], &where);
    bndl_status st = bndl_fail(BNDL_ERR_FORMAT, "review %zu (%s): text is not UTF-8 (invalid byte at offset %zu)", r,
                               where.status == BNDL_OK && where.data ? where.data : "no source", bad);
    bndl_strbuf_free(&where);
    return st;
  }
  return BNDL_OK;
}

typedef struct lex_job {
  const bndl_dataset *ds;
  const struct bndl_lexicon *lex;
  double *out;
} lex_job;

static bndl_status lexicon_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  lex_job *j = ud;
  size_t lo = (size_t)task * SCORE_BLOCK, hi = lo + SCORE_BLOCK < j->ds->rv.n ? lo + SCORE_BLOCK : j->ds->rv.n;
  for (size_t r = lo; r < hi; r++) {
    size_t len;
    const char *t = review_text(j->ds, r, &len);
    if (len == 0) {
      j->out[r] = NAN;
      continue;
    }
    BNDL_TRY(bndl_sentiment_score_text(j->lex, t, len, &j->out[r], NULL));
  }
  return BNDL_OK;
}

static bndl_status score_with_model(const bndl_dataset *ds, const bndl_text_model *m, double *out) {
  const bndl_allocator *a = ds->alloc;
  size_t n = ds->rv.n, k = 0;
  const char **texts = bndl_alloc_array(a, n + 1, sizeof *texts);
  size_t *lens = bndl_alloc_array(a, n + 1, sizeof *lens);
  size_t *which = bndl_alloc_array(a, n + 1, sizeof *which);
  double *p = bndl_alloc_array(a, n + 1, sizeof *p);
  bndl_status st = BNDL_OK;
  if (!texts || !lens || !which || !p) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (size_t r = 0; r < n; r++) {
    out[r] = NAN;
    size_t len;
    const char *t = review_text(ds, r, &len);
    if (len == 0)
      continue;
    texts[k] = t;
    lens[k] = len;
    which[k++] = r;
  }
  st = bndl_text_model_probabilities(m, texts, lens, (int64_t)k, p);
  for (size_t i = 0; i < k && st == BNDL_OK; i++)
    out[which[i]] = 2.0 * p[i] - 1.0;
done:
  bndl_free(a, texts);
  bndl_free(a, lens);
  bndl_free(a, which);
  bndl_free(a, p);
  return st;
}

bndl_status bndl_text_prepare_finalize(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  bndl_free(a, ds->review_sentiment); /* from an earlier finalize that failed */
  ds->review_sentiment = NULL;
  ds->text_features = ds->rv.n > 0 && bndl_cfg_int(ds->cfg, BNDL_KEY_TEXT_FEATURES) != 0;
  if (!ds->text_features)
    return BNDL_OK;
  BNDL_TRY(check_utf8(ds));
  if (ds->scorer.kind == 0) {
    bndl_log(ds->ctx, BNDL_LOG_INFO,
             "review text features: no sentiment scorer attached (bndl_dataset_set_sentiment_lexicon or "
             "bndl_dataset_set_sentiment_model), so sentiment_mean and rating_sentiment_agreement are NaN");
    return BNDL_OK;
  }
  double *s = bndl_alloc_array(a, ds->rv.n, sizeof *s);
  if (s == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_status st;
  if (ds->scorer.kind == 1) {
    lex_job j = {ds, ds->scorer.object, s};
    st = bndl_parallel_for(ds->ctx, (int64_t)((ds->rv.n + SCORE_BLOCK - 1) / SCORE_BLOCK), lexicon_task, &j);
  } else {
    st = score_with_model(ds, ds->scorer.object, s);
  }
  if (st != BNDL_OK) {
    bndl_free(a, s);
    return st;
  }
  ds->review_sentiment = s;
  return BNDL_OK;
}

bndl_status bndl_text_item_keywords(bndl_dataset *ds) {
  bndl_item_keywords_free(ds->alloc, &ds->keywords);
  if (!ds->text_features)
    return BNDL_OK;
  const bndl_allocator *a = ds->alloc;
  int32_t n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  size_t n_texts = ds->rv.n + (size_t)n_items;
  int64_t *doc_off = bndl_zalloc_array(a, (size_t)n_items + 1, sizeof *doc_off);
  const char **texts = bndl_alloc_array(a, n_texts + 1, sizeof *texts);
  size_t *lens = bndl_alloc_array(a, n_texts + 1, sizeof *lens);
  int64_t *fill = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *fill);
  bndl_tokenizer *tok = NULL;
  bndl_status st = BNDL_OK;
  if (!doc_off || !texts || !lens || !fill) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  /* texts per item: its title (slot 0, maybe empty) then its reviews in row order */
  for (int32_t i = 0; i < n_items; i++)
    doc_off[i + 1] = 1;
  for (size_t r = 0; r < ds->rv.n; r++)
    if (ds->rv.item[r] >= 0)
      doc_off[ds->rv.item[r] + 1]++;
  for (int32_t i = 0; i < n_items; i++)
    doc_off[i + 1] += doc_off[i];
  for (int32_t i = 0; i < n_items; i++) {
    int64_t lo = ds->cat.title_off[i], hi = ds->cat.title_off[i + 1];
    texts[doc_off[i]] = bndl_bytes_at(&ds->cat.titles, lo);
    lens[doc_off[i]] = (size_t)(hi - lo);
    fill[i] = doc_off[i] + 1;
  }
  for (size_t r = 0; r < ds->rv.n; r++) {
    int32_t i = ds->rv.item[r];
    if (i < 0)
      continue;
    texts[fill[i]] = review_text(ds, r, &lens[fill[i]]);
    fill[i]++;
  }
  /* reviews without an item belong to no document: doc_off[n_items] texts are used */
  BNDL_TRY_GOTO(st, bndl_keywords_tokenizer(a, ds->cfg, texts, lens, (size_t)doc_off[n_items], &tok), done);
  bndl_keyword_options kopt;
  bndl_keyword_options_from(ds->cfg, &kopt);
  bndl_keyword_docs docs = {n_items, doc_off, texts, lens};
  st = bndl_keywords_extract(ds->ctx, tok, &docs, &kopt, &ds->keywords);
done:
  bndl_tokenizer_free(tok);
  bndl_free(a, doc_off);
  bndl_free(a, texts);
  bndl_free(a, lens);
  bndl_free(a, fill);
  return st;
}

bndl_status bndl_text_item_vectors(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  bndl_item_text_table *t = &ds->text_vectors;
  bndl_free(a, t->data);
  bndl_free(a, t->has_text);
  memset(t, 0, sizeof *t);
  const bndl_word_vectors *wv = ds->word_vectors.object;
  if (wv == NULL || bndl_cfg_int(ds->cfg, BNDL_KEY_TEXT_FEATURES) == 0)
    return BNDL_OK;
  int64_t n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  int32_t dim = wv->opt.dim;
  bndl_sif_options o;
  bndl_sif_options_from_config(ds->cfg, &o);
  float *v = bndl_alloc_array(a, (size_t)n_items * (size_t)dim + 1, sizeof *v);
  uint8_t *has = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *has);
  bndl_status st = v && has ? bndl_item_text_vectors_compute(ds, wv, &o, v, has, NULL) : BNDL_ERR_OUT_OF_MEMORY;
  if (st != BNDL_OK) {
    bndl_free(a, v);
    bndl_free(a, has);
    return st;
  }
  t->data = v;
  t->has_text = has;
  t->rows = n_items;
  t->cols = dim;
  return BNDL_OK;
}
