/*
 * text_model.c - training and scoring the text classifier of text_model.h.
 *
 * Training: every text is tokenized and cut into n-gram keys on the pool
 * (bndl_tfidf_fit), the TF-IDF rows go to TRON (bndl_logreg_train) with labels +-1 and
 * the class weights, and the solution is the model. Nothing depends on the thread count
 * or on a random stream, so the same inputs and options give bit-identical weights.
 *
 * Scoring one text repeats the featurisation with the model's vocabulary (keys it does
 * not know are dropped before the L2 norm, as in training), then p = 1 / (1 + exp(-(w.x + b))).
 */
#include "text/text_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "core/handle.h"
#include "core/log.h"
#include "data/dataset.h"
#include "text/logreg.h"

enum { SCORE_BLOCK = 256 };

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bndl_text_model_options(const bndl_config *cfg, bndl_tokenizer_options *topt, bndl_ngram_options *nopt) {
  const char *lang = bndl_cfg_string(cfg, BNDL_KEY_TEXT_LANGUAGE);
  memset(topt, 0, sizeof *topt);
  topt->language = strcmp(lang, "en") == 0 ? 1 : strcmp(lang, "zh") == 0 ? 2 : 0;
  topt->negation = (int)bndl_cfg_int(cfg, BNDL_KEY_TEXT_NEGATION);
  topt->stopwords = (int)bndl_cfg_int(cfg, BNDL_KEY_TEXT_STOPWORDS);
  nopt->word_ngrams = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_WORD_NGRAMS);
  nopt->char_ngrams = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_CHAR_NGRAMS);
}

bndl_status bndl_text_model_new(bndl_context *ctx, const bndl_tokenizer_options *topt, const bndl_ngram_options *nopt,
                                bndl_text_model **out) {
  const bndl_allocator *a = &ctx->alloc;
  bndl_text_model *m = bndl_zalloc(a, sizeof *m);
  if (m == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  m->alloc = a;
  m->topt = *topt;
  m->nopt = *nopt;
  bndl_vocab_init(&m->vocab, a);
  bndl_status st = bndl_tokenizer_new(a, topt, NULL, &m->tok);
  if (st != BNDL_OK) {
    bndl_free(a, m);
    return st;
  }
  m->ctx = ctx;
  bndl_context_retain(ctx);
  m->magic = BNDL_MAGIC_TEXT_MODEL;
  *out = m;
  return BNDL_OK;
}

void bndl_text_model_retain(bndl_text_model *m) { atomic_fetch_add(&m->holders, 1); }

void bndl_text_model_release(bndl_text_model *m) {
  if (atomic_fetch_sub(&m->holders, 1) == 0)
    bndl_text_model_destroy(m);
}

void bndl_text_model_destroy(bndl_text_model *m) {
  if (m == NULL)
    return;
  const bndl_allocator *a = m->alloc;
  bndl_context *ctx = m->ctx;
  m->magic = BNDL_MAGIC_FREED;
  bndl_tokenizer_free(m->tok);
  bndl_vocab_free(&m->vocab);
  bndl_free(a, m->idf);
  bndl_free(a, m->w);
  bndl_free(a, m);
  if (ctx)
    bndl_context_release(ctx);
}

/* ---- training */

typedef struct corpus {
  const bndl_tokenizer *tok;
  const char *const *texts;
  const size_t *lengths;
  const int64_t *rows; /* document -> index into texts (NULL: identity) */
  const char *what;    /* "texts" or "review" for messages */
} corpus;

static bndl_status corpus_doc(void *ud, int64_t doc, bndl_token_list *scratch, const bndl_token_list **tokens,
                              const char **text, size_t *len) {
  const corpus *c = ud;
  int64_t i = c->rows ? c->rows[doc] : doc;
  const char *t = c->texts[i];
  size_t n = c->lengths ? c->lengths[i] : strlen(t);
  bndl_status st = bndl_tokenize(c->tok, t, n, scratch);
  if (st != BNDL_OK) {
    char where[64];
    snprintf(where, sizeof where, "%s[%lld]", c->what, (long long)i);
    return st == BNDL_ERR_OUT_OF_MEMORY ? st : bndl_error_prefix(st, where);
  }
  *tokens = scratch;
  *text = t;
  *len = n;
  return BNDL_OK;
}

static bndl_status train(bndl_context *ctx, const char *const *texts, const size_t *lengths, const int64_t *rows,
                         const int32_t *labels, int64_t n, const bndl_config *cfg, const char *what,
                         bndl_text_model **out) {
  const bndl_allocator *a = &ctx->alloc;
  bndl_tokenizer_options topt;
  bndl_ngram_options nopt;
  bndl_text_model_options(cfg, &topt, &nopt);
  int64_t n_pos = 0;
  for (int64_t d = 0; d < n; d++)
    n_pos += labels[rows ? rows[d] : d] == 1;
  int64_t n_neg = n - n_pos;
  if (n_pos == 0 || n_neg == 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "all %lld training texts are %s: a classifier needs both classes",
                     (long long)n, n_pos ? "positive" : "negative");
  bndl_text_model *m;
  BNDL_TRY(bndl_text_model_new(ctx, &topt, &nopt, &m));
  m->min_df = bndl_cfg_int(cfg, BNDL_KEY_TEXT_MIN_DF);
  m->c = bndl_cfg_float(cfg, BNDL_KEY_TEXT_C);
  m->balanced = strcmp(bndl_cfg_string(cfg, BNDL_KEY_TEXT_CLASS_WEIGHT), "balanced") == 0;
  m->n_docs = n;
  m->n_pos = n_pos;
  m->n_neg = n_neg;

  corpus cp = {m->tok, texts, lengths, rows, what};
  bndl_csr X;
  int8_t *y = NULL;
  double *cw = NULL;
  double t0 = seconds();
  bndl_status st = bndl_tfidf_fit(ctx, &nopt, m->min_df, corpus_doc, &cp, n, &m->vocab, &m->idf, &X);
  double t1 = seconds();
  if (st != BNDL_OK) {
    bndl_text_model_destroy(m);
    return st;
  }
  y = bndl_alloc_array(a, (size_t)n, sizeof *y);
  cw = m->balanced ? bndl_alloc_array(a, (size_t)n, sizeof *cw) : NULL;
  m->w = bndl_zalloc_array(a, (size_t)m->vocab.n + 1, sizeof *m->w);
  if (y == NULL || (m->balanced && cw == NULL) || m->w == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  /* balanced: n / (2 n_c), so each class carries half of the total weight n */
  double w_pos = (double)n / (2.0 * (double)n_pos), w_neg = (double)n / (2.0 * (double)n_neg);
  for (int64_t d = 0; d < n; d++) {
    int pos = labels[rows ? rows[d] : d] == 1;
    y[d] = pos ? 1 : -1;
    if (cw)
      cw[d] = pos ? w_pos : w_neg;
  }
  bndl_logreg_options lo;
  lo.c = m->c;
  lo.max_iter = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_EPOCHS);
  /* liblinear's stopping rule for primal logistic regression: 0.01, scaled by the
   * minority share (the gradient at 0 grows with the class imbalance) */
  lo.eps = 0.01 * (double)(n_pos < n_neg ? n_pos : n_neg) / (double)n;
  lo.fit_bias = 1;
  bndl_logreg_info info;
  st = bndl_logreg_train(ctx, &X, y, cw, &lo, m->w, &m->bias, &info);
  if (st == BNDL_OK) {
    m->iterations = info.iterations;
    bndl_log(ctx, BNDL_LOG_INFO,
             "text classifier: %lld texts (%lld positive), %lld features, %lld non-zeros in %.3f s; TRON %d "
             "iterations, %d CG steps in %.3f s, objective %.6g -> %.6g, |g| %.3g -> %.3g",
             (long long)n, (long long)n_pos, (long long)m->vocab.n, (long long)X.indptr[X.rows], t1 - t0,
             info.iterations, info.cg_steps, seconds() - t1, info.f0, info.f, info.gnorm0, info.gnorm);
  }
done:
  bndl_free(a, y);
  bndl_free(a, cw);
  bndl_csr_free(a, &X);
  if (st != BNDL_OK) {
    bndl_text_model_destroy(m);
    return st;
  }
  *out = m;
  return BNDL_OK;
}

bndl_status bndl_text_model_build(bndl_context *ctx, const char *const *texts, const size_t *lengths,
                                  const int32_t *labels, int64_t n, const bndl_config *cfg, bndl_text_model **out) {
  return train(ctx, texts, lengths, NULL, labels, n, cfg, "texts", out);
}

bndl_status bndl_text_model_build_reviews(const bndl_dataset *ds, const bndl_config *cfg, bndl_text_model **out) {
  const bndl_allocator *a = ds->alloc;
  double pos_min = bndl_cfg_float(cfg, BNDL_KEY_TEXT_POSITIVE_MIN);
  double neg_max = bndl_cfg_float(cfg, BNDL_KEY_TEXT_NEGATIVE_MAX);
  if (!(neg_max < pos_min))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "text.negative_max (%g) must be below text.positive_min (%g)",
                     neg_max, pos_min);
  const bndl_review_rows *rv = &ds->rv;
  size_t n = rv->n;
  const char **texts = bndl_alloc_array(a, n + 1, sizeof *texts);
  size_t *lengths = bndl_alloc_array(a, n + 1, sizeof *lengths);
  int32_t *labels = bndl_alloc_array(a, n + 1, sizeof *labels);
  int64_t *rows = bndl_alloc_array(a, n + 1, sizeof *rows);
  bndl_status st = BNDL_ERR_OUT_OF_MEMORY;
  if (texts && lengths && labels && rows) {
    int64_t kept = 0, n_pos = 0, n_neg = 0;
    for (size_t i = 0; i < n; i++) {
      texts[i] = bndl_bytes_at(&rv->text, rv->text_off[i]);
      lengths[i] = (size_t)(rv->text_off[i + 1] - rv->text_off[i]);
      double r = rv->rating[i];
      labels[i] = r >= pos_min ? 1 : r <= neg_max ? 0 : -1; /* NaN: neither */
      if (labels[i] >= 0) {
        rows[kept++] = (int64_t)i;
        n_pos += labels[i];
        n_neg += !labels[i];
      }
    }
    if (n_pos == 0 || n_neg == 0)
      st = bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                     "of the dataset's %zu reviews, %lld are rated >= %g (text.positive_min) and %lld <= %g "
                     "(text.negative_max): the %s class is empty",
                     n, (long long)n_pos, pos_min, (long long)n_neg, neg_max, n_pos ? "negative" : "positive");
    else
      st = train(ds->ctx, texts, lengths, rows, labels, kept, cfg, "review", out);
  }
  bndl_free(a, texts);
  bndl_free(a, lengths);
  bndl_free(a, labels);
  bndl_free(a, rows);
  return st;
}

/* ---- scoring */

typedef struct scratch {
  bndl_token_list toks;
  bndl_ngram_keys keys;
  bndl_term_counter tc;
  int32_t *ids;
  double *vals;
  size_t cap;
} scratch;

static void scratch_init(scratch *s, const bndl_allocator *a) {
  memset(s, 0, sizeof *s);
  bndl_token_list_init(&s->toks, a);
  bndl_ngram_keys_init(&s->keys, a);
  bndl_term_counter_init(&s->tc, a);
}

static void scratch_free(scratch *s, const bndl_allocator *a) {
  bndl_token_list_free(&s->toks);
  bndl_ngram_keys_free(&s->keys);
  bndl_term_counter_free(&s->tc);
  bndl_free(a, s->ids);
  bndl_free(a, s->vals);
}

static bndl_status score_one(const bndl_text_model *m, scratch *s, const char *text, size_t len, double *prob) {
  BNDL_TRY(bndl_tokenize(m->tok, text, len, &s->toks));
  BNDL_TRY(bndl_ngram_keys_extract(&s->keys, &m->nopt, &s->toks, text, len));
  BNDL_TRY(bndl_term_counter_begin(&s->tc, s->keys.n));
  /* lookups are cache misses at random: keep PREFETCH_AHEAD of them in flight (scoring
   * online_shopping, waimai and hotel: 2.28 -> 1.85 CPU s, best of 3, vs one at a time) */
  enum { PREFETCH_AHEAD = 8 };
  for (size_t i = 0; i < s->keys.n && i < PREFETCH_AHEAD; i++)
    bndl_vocab_prefetch(&m->vocab, s->keys.hash[i]);
  for (size_t i = 0; i < s->keys.n; i++) {
    if (i + PREFETCH_AHEAD < s->keys.n)
      bndl_vocab_prefetch(&m->vocab, s->keys.hash[i + PREFETCH_AHEAD]);
    size_t klen;
    const char *key = bndl_ngram_key(&s->keys, i, &klen);
    int64_t id = bndl_vocab_find(&m->vocab, key, klen, s->keys.hash[i]);
    if (id >= 0)
      bndl_term_counter_add(&s->tc, (int32_t)id);
  }
  if (s->tc.n > s->cap) {
    double *v = bndl_alloc_array(m->alloc, s->tc.n, sizeof *v);
    if (v == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    bndl_free(m->alloc, s->vals);
    s->vals = v;
    s->cap = s->tc.n;
  }
  bndl_tfidf_row(s->tc.ids, s->tc.counts, s->tc.n, m->idf, s->vals);
  double z = m->bias;
  for (size_t i = 0; i < s->tc.n; i++)
    z += (double)(float)s->vals[i] * m->w[s->tc.ids[i]]; /* float x, as the training rows hold */
  *prob = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
  return BNDL_OK;
}

typedef struct score_job {
  const bndl_text_model *m;
  const char *const *texts;
  const size_t *lengths;
  int64_t n;
  double *out;
} score_job;

static bndl_status score_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  score_job *j = ud;
  scratch s;
  scratch_init(&s, j->m->alloc);
  int64_t lo = task * SCORE_BLOCK, hi = lo + SCORE_BLOCK < j->n ? lo + SCORE_BLOCK : j->n;
  bndl_status st = BNDL_OK;
  for (int64_t i = lo; i < hi && st == BNDL_OK; i++) {
    const char *t = j->texts[i];
    size_t len = j->lengths ? j->lengths[i] : strlen(t);
    st = score_one(j->m, &s, t, len, &j->out[i]);
    if (st != BNDL_OK && st != BNDL_ERR_OUT_OF_MEMORY) {
      char where[48];
      snprintf(where, sizeof where, "texts[%lld]", (long long)i);
      st = bndl_error_prefix(st, where);
    }
  }
  scratch_free(&s, j->m->alloc);
  return st;
}

bndl_status bndl_text_model_probabilities(const bndl_text_model *m, const char *const *texts, const size_t *lengths,
                                          int64_t n, double *out) {
  score_job j = {m, texts, lengths, n, out};
  int64_t n_tasks = (n + SCORE_BLOCK - 1) / SCORE_BLOCK;
  if (n_tasks <= 1)
    return n_tasks ? score_task(&j, 0, 0) : BNDL_OK;
  return bndl_parallel_for(m->ctx, n_tasks, score_task, &j);
}
