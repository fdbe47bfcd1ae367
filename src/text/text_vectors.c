/*
 * text_vectors.c - SIF item vectors from titles and reviews (text_vectors.h).
 *
 * The reviews are grouped by item once (a stable counting pass, so each item's reviews
 * stay in row order); items are then embedded in blocks of ITEM_BLOCK on the pool, each
 * item summing its weighted word vectors in double in token order. The principal
 * component is found by power iteration on X^T X (X the items with text) started from
 * the sum of the rows, which the first component of such vectors is close to, so a few
 * iterations suffice; it runs serially in a fixed order.
 */
#include "text/text_vectors.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "data/dataset.h"

enum { ITEM_BLOCK = 256, POWER_ITERATIONS = 300 };

void bndl_sif_options_from_config(const bndl_config *cfg, bndl_sif_options *o) {
  o->a = bndl_cfg_float(cfg, BNDL_KEY_TEXT_SIF_A);
  o->remove_pc = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_SIF_REMOVE_PC);
}

typedef struct embed_job {
  const bndl_dataset *ds;
  const bndl_word_vectors *wv;
  const bndl_sif_options *o;
  const int64_t *rev_off; /* n_items + 1 */
  const int64_t *rev_rows;
  int64_t n_items;
  float *vectors;
  uint8_t *has_text;
} embed_job;

/* Adds the weighted vectors of text's tokens to acc; *n counts them. */
static bndl_status add_text(const bndl_word_vectors *wv, double a, bndl_token_list *toks, const char *text,
                            size_t len, double *acc, int64_t *n) {
  BNDL_TRY(bndl_tokenize(wv->tok, text, len, toks));
  int32_t dim = wv->opt.dim;
  double total = (double)wv->total;
  for (size_t i = 0; i < toks->n; i++) {
    const bndl_token *t = &toks->tokens[i];
    if (t->kind == BNDL_TOKEN_PUNCT)
      continue;
    int64_t id = bndl_vocab_find(&wv->vocab, t->text, t->length, bndl_vocab_hash(t->text, t->length));
    if (id < 0)
      continue;
    double weight = a / (a + (double)wv->counts[id] / total);
    const float *v = wv->vectors + (size_t)id * (size_t)dim;
    for (int32_t d = 0; d < dim; d++)
      acc[d] += weight * v[d];
    (*n)++;
  }
  return BNDL_OK;
}

/* out = acc / n as float (zero when n is 0). */
static void write_mean(const double *acc, int64_t n, int32_t dim, float *out) {
  for (int32_t d = 0; d < dim; d++)
    out[d] = n ? (float)(acc[d] / (double)n) : 0.0f;
}

/* Scales r to unit length (a zero vector stays zero). */
static void normalise(float *r, int32_t dim) {
  double s = 0;
  for (int32_t d = 0; d < dim; d++)
    s += (double)r[d] * r[d];
  double inv = s > 0 ? 1.0 / sqrt(s) : 0.0;
  for (int32_t d = 0; d < dim; d++)
    r[d] = (float)(r[d] * inv);
}

static bndl_status embed_block(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const embed_job *j = ud;
  const bndl_dataset *ds = j->ds;
  const bndl_allocator *a = ds->alloc;
  int32_t dim = j->wv->opt.dim;
  double *acc = bndl_alloc_array(a, (size_t)dim, sizeof *acc);
  if (acc == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_token_list toks;
  bndl_token_list_init(&toks, a);
  bndl_status st = BNDL_OK;
  int64_t lo = task * ITEM_BLOCK, hi = lo + ITEM_BLOCK < j->n_items ? lo + ITEM_BLOCK : j->n_items;
  const bndl_catalogue *cat = &ds->cat;
  const bndl_review_rows *rv = &ds->rv;
  char where[64];
  for (int64_t item = lo; item < hi; item++) {
    memset(acc, 0, (size_t)dim * sizeof *acc);
    int64_t n = 0;
    if (cat->title_off && cat->title_off[item + 1] > cat->title_off[item]) {
      st = add_text(j->wv, j->o->a, &toks, bndl_bytes_at(&cat->titles, cat->title_off[item]),
                    (size_t)(cat->title_off[item + 1] - cat->title_off[item]), acc, &n);
      if (st != BNDL_OK) {
        snprintf(where, sizeof where, "title of item %lld", (long long)item);
        goto fail;
      }
    }
    for (int64_t k = j->rev_off[item]; k < j->rev_off[item + 1]; k++) {
      int64_t r = j->rev_rows[k];
      st = add_text(j->wv, j->o->a, &toks, bndl_bytes_at(&rv->text, rv->text_off[r]),
                    (size_t)(rv->text_off[r + 1] - rv->text_off[r]), acc, &n);
      if (st != BNDL_OK) {
        snprintf(where, sizeof where, "review %lld", (long long)r);
        goto fail;
      }
    }
    write_mean(acc, n, dim, j->vectors + (size_t)item * (size_t)dim);
    j->has_text[item] = n > 0;
  }
  goto done;
fail:
  if (st != BNDL_ERR_OUT_OF_MEMORY)
    st = bndl_error_prefix(st, where);
done:
  bndl_token_list_free(&toks);
  bndl_free(a, acc);
  return st;
}

/* The top right singular vector of the rows with text (power iteration on X^T X), in
 * pc; 0 when every such row is zero. */
static int first_component(const float *x, const uint8_t *has, int64_t n, int32_t dim, double *pc, double *next) {
  memset(pc, 0, (size_t)dim * sizeof *pc);
  for (int64_t i = 0; i < n; i++)
    if (has[i])
      for (int32_t d = 0; d < dim; d++)
        pc[d] += x[(size_t)i * (size_t)dim + d];
  double norm = 0;
  for (int32_t d = 0; d < dim; d++)
    norm += pc[d] * pc[d];
  if (!(norm > 0)) {
    /* the rows cancel out: start from the first non-zero row instead */
    for (int64_t i = 0; i < n && !(norm > 0); i++)
      if (has[i]) {
        norm = 0;
        for (int32_t d = 0; d < dim; d++) {
          pc[d] = x[(size_t)i * (size_t)dim + d];
          norm += pc[d] * pc[d];
        }
      }
    if (!(norm > 0))
      return 0;
  }
  for (int32_t d = 0; d < dim; d++)
    pc[d] /= sqrt(norm);
  for (int it = 0; it < POWER_ITERATIONS; it++) {
    memset(next, 0, (size_t)dim * sizeof *next);
    for (int64_t i = 0; i < n; i++) {
      if (!has[i])
        continue;
      const float *r = x + (size_t)i * (size_t)dim;
      double p = 0;
      for (int32_t d = 0; d < dim; d++)
        p += r[d] * pc[d];
      for (int32_t d = 0; d < dim; d++)
        next[d] += p * r[d];
    }
    double nn = 0, change = 0;
    for (int32_t d = 0; d < dim; d++)
      nn += next[d] * next[d];
    if (!(nn > 0))
      return 0;
    nn = sqrt(nn);
    for (int32_t d = 0; d < dim; d++) {
      double v = next[d] / nn;
      change += (v - pc[d]) * (v - pc[d]);
      pc[d] = v;
    }
    if (change < 1e-20)
      break;
  }
  return 1;
}

bndl_status bndl_item_text_vectors_compute(const bndl_dataset *ds, const bndl_word_vectors *wv,
                                           const bndl_sif_options *o, float *vectors, uint8_t *has_text,
                                           int64_t *with_text) {
  const bndl_allocator *a = ds->alloc;
  int64_t n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  int32_t dim = wv->opt.dim;
  const bndl_review_rows *rv = &ds->rv;
  int64_t *rev_off = bndl_zalloc_array(a, (size_t)n_items + 2, sizeof *rev_off);
  int64_t *rev_rows = bndl_alloc_array(a, rv->n + 1, sizeof *rev_rows);
  uint8_t *has = has_text ? has_text : bndl_alloc_array(a, (size_t)n_items + 1, sizeof *has);
  double *pc = bndl_alloc_array(a, (size_t)dim, sizeof *pc);
  double *next = bndl_alloc_array(a, (size_t)dim, sizeof *next);
  bndl_status st = BNDL_OK;
  if (!rev_off || !rev_rows || !has || !pc || !next) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  /* reviews by item, each item's in row order */
  for (size_t r = 0; r < rv->n; r++)
    if (rv->item[r] >= 0 && rv->item[r] < n_items)
      rev_off[rv->item[r] + 2]++;
  for (int64_t i = 0; i < n_items; i++)
    rev_off[i + 2] += rev_off[i + 1];
  for (size_t r = 0; r < rv->n; r++)
    if (rv->item[r] >= 0 && rv->item[r] < n_items)
      rev_rows[rev_off[rv->item[r] + 1]++] = (int64_t)r;
  embed_job j = {ds, wv, o, rev_off, rev_rows, n_items, vectors, has};
  BNDL_TRY_GOTO(st, bndl_parallel_for(ds->ctx, (n_items + ITEM_BLOCK - 1) / ITEM_BLOCK, embed_block, &j), done);
  if (o->remove_pc && first_component(vectors, has, n_items, dim, pc, next)) {
    for (int64_t i = 0; i < n_items; i++) {
      if (!has[i])
        continue;
      float *r = vectors + (size_t)i * (size_t)dim;
      double p = 0;
      for (int32_t d = 0; d < dim; d++)
        p += r[d] * pc[d];
      for (int32_t d = 0; d < dim; d++)
        r[d] = (float)(r[d] - p * pc[d]);
    }
  }
  int64_t count = 0;
  for (int64_t i = 0; i < n_items; i++) {
    if (!has[i])
      continue;
    count++;
    normalise(vectors + (size_t)i * (size_t)dim, dim);
  }
  if (with_text)
    *with_text = count;
done:
  bndl_free(a, rev_off);
  bndl_free(a, rev_rows);
  if (has != has_text)
    bndl_free(a, has);
  bndl_free(a, pc);
  bndl_free(a, next);
  return st;
}

bndl_status bndl_text_vector_compute(const bndl_word_vectors *wv, double a, const char *text, size_t len, float *out,
                                     int64_t *known) {
  int32_t dim = wv->opt.dim;
  double *acc = bndl_zalloc_array(wv->alloc, (size_t)dim, sizeof *acc);
  if (acc == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_token_list toks;
  bndl_token_list_init(&toks, wv->alloc);
  int64_t n = 0;
  bndl_status st = add_text(wv, a, &toks, text, len, acc, &n);
  if (st == BNDL_OK) {
    write_mean(acc, n, dim, out);
    normalise(out, dim);
    if (known)
      *known = n;
  }
  bndl_token_list_free(&toks);
  bndl_free(wv->alloc, acc);
  return st;
}
