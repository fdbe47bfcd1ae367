/*
 * word_vectors.c - building word vectors from texts (word_vectors.h): tokenize in fixed
 * blocks, merge the blocks' vocabularies in block order, keep words seen min_count
 * times, train skip-gram (skipgram.c) on the id corpus; lookups and nearest words.
 *
 * Everything before training is a function of the texts and their order (blocks are
 * merged in order, the final order is a stable sort), and training is thread-count
 * independent (skipgram.h), so the vectors are the same for every thread count.
 */
#include "text/word_vectors.h"

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
#include "core/sort.h"
#include "data/dataset.h"

enum { DOC_BLOCK = 512 };

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bndl_word_vectors_options(const bndl_config *cfg, uint64_t context_seed, bndl_tokenizer_options *topt,
                               bndl_skipgram_options *opt, int64_t *min_count) {
  const char *lang = bndl_cfg_string(cfg, BNDL_KEY_TEXT_LANGUAGE);
  memset(topt, 0, sizeof *topt);
  topt->language = strcmp(lang, "en") == 0 ? 1 : strcmp(lang, "zh") == 0 ? 2 : 0;
  memset(opt, 0, sizeof *opt);
  opt->dim = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_VECTOR_DIM);
  opt->window = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_WINDOW);
  opt->negatives = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_VECTOR_NEGATIVES);
  opt->epochs = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_VECTOR_EPOCHS);
  opt->sample = bndl_cfg_float(cfg, BNDL_KEY_TEXT_VECTOR_SAMPLE);
  opt->alpha = bndl_cfg_float(cfg, BNDL_KEY_TEXT_VECTOR_LR);
  int64_t seed = bndl_cfg_int(cfg, BNDL_KEY_TEXT_SEED);
  opt->seed = seed < 0 ? context_seed : (uint64_t)seed;
  *min_count = bndl_cfg_int(cfg, BNDL_KEY_TEXT_VECTOR_MIN_COUNT);
}

bndl_status bndl_word_vectors_new(bndl_context *ctx, const bndl_tokenizer_options *topt, bndl_word_vectors **out) {
  const bndl_allocator *a = &ctx->alloc;
  bndl_word_vectors *wv = bndl_zalloc(a, sizeof *wv);
  if (wv == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  wv->alloc = a;
  wv->topt = *topt;
  bndl_vocab_init(&wv->vocab, a);
  bndl_status st = bndl_tokenizer_new(a, topt, NULL, &wv->tok);
  if (st != BNDL_OK) {
    bndl_free(a, wv);
    return st;
  }
  wv->ctx = ctx;
  bndl_context_retain(ctx);
  wv->magic = BNDL_MAGIC_WORD_VECTORS;
  *out = wv;
  return BNDL_OK;
}

void bndl_word_vectors_destroy(bndl_word_vectors *wv) {
  if (wv == NULL)
    return;
  const bndl_allocator *a = wv->alloc;
  bndl_context *ctx = wv->ctx;
  wv->magic = BNDL_MAGIC_FREED;
  bndl_tokenizer_free(wv->tok);
  bndl_vocab_free(&wv->vocab);
  bndl_free(a, wv->counts);
  bndl_free(a, wv->vectors);
  bndl_free(a, wv->norm);
  bndl_free(a, wv);
  if (ctx)
    bndl_context_release(ctx);
}

void bndl_word_vectors_retain(bndl_word_vectors *wv) { atomic_fetch_add(&wv->holders, 1); }

void bndl_word_vectors_release(bndl_word_vectors *wv) {
  if (atomic_fetch_sub(&wv->holders, 1) == 0)
    bndl_word_vectors_destroy(wv);
}

void bndl_word_vectors_compute_norms(bndl_word_vectors *wv) {
  int32_t dim = wv->opt.dim;
  for (int64_t w = 0; w < wv->vocab.n; w++) {
    const float *v = wv->vectors + (size_t)w * (size_t)dim;
    double s = 0;
    for (int32_t i = 0; i < dim; i++)
      s += (double)v[i] * v[i];
    wv->norm[w] = sqrt(s);
  }
}

/* ---- the corpus: tokenize in blocks, count per block, merge in block order */

/* Tokens that carry a word (punctuation only ends clauses). */
static int keeps(const bndl_token *t) { return t->kind != BNDL_TOKEN_PUNCT; }

typedef struct doc_block {
  bndl_vocab words;   /* the block's words in first-appearance order */
  int64_t *counts;    /* per block word */
  size_t counts_cap;
  int32_t *tokens;    /* block word ids, documents back to back */
  size_t n_tokens, tokens_cap;
  int64_t *doc_len;   /* tokens of each document of the block */
  int32_t *remap;     /* block word -> global word (then -> final id or -1) */
} doc_block;

typedef struct corpus_job {
  const bndl_tokenizer *tok;
  const char *const *texts;
  const size_t *lengths;
  int64_t n;
  const char *what;
  doc_block *blocks;
  const bndl_allocator *a;
} corpus_job;

static bndl_status count_block(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  corpus_job *j = ud;
  doc_block *b = &j->blocks[task];
  int64_t lo = task * DOC_BLOCK, hi = lo + DOC_BLOCK < j->n ? lo + DOC_BLOCK : j->n;
  bndl_token_list toks;
  bndl_token_list_init(&toks, j->a);
  bndl_status st = BNDL_OK;
  b->doc_len = bndl_zalloc_array(j->a, (size_t)(hi - lo), sizeof *b->doc_len);
  if (b->doc_len == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t d = lo; d < hi; d++) {
    const char *text = j->texts[d];
    size_t len = j->lengths ? j->lengths[d] : strlen(text);
    st = bndl_tokenize(j->tok, text, len, &toks);
    if (st != BNDL_OK) {
      if (st != BNDL_ERR_OUT_OF_MEMORY) {
        char where[64];
        snprintf(where, sizeof where, "%s[%lld]", j->what, (long long)d);
        st = bndl_error_prefix(st, where);
      }
      goto done;
    }
    BNDL_TRY_GOTO(st, bndl_grow(j->a, (void **)&b->tokens, &b->tokens_cap, b->n_tokens + toks.n, sizeof *b->tokens),
                  done);
    for (size_t i = 0; i < toks.n; i++) {
      const bndl_token *t = &toks.tokens[i];
      if (!keeps(t))
        continue;
      int64_t id;
      int added;
      BNDL_TRY_GOTO(st, bndl_vocab_insert(&b->words, t->text, t->length, bndl_vocab_hash(t->text, t->length), &id,
                                          &added),
                    done);
      if (added) {
        BNDL_TRY_GOTO(st, bndl_grow(j->a, (void **)&b->counts, &b->counts_cap, (size_t)id + 1, sizeof *b->counts),
                      done);
        b->counts[id] = 0;
      }
      b->counts[id]++;
      b->tokens[b->n_tokens++] = (int32_t)id;
      b->doc_len[d - lo]++;
    }
  }
done:
  bndl_token_list_free(&toks);
  return st;
}

static void blocks_free(const bndl_allocator *a, doc_block *blocks, int64_t n) {
  if (blocks == NULL)
    return;
  for (int64_t i = 0; i < n; i++) {
    bndl_vocab_free(&blocks[i].words);
    bndl_free(a, blocks[i].counts);
    bndl_free(a, blocks[i].tokens);
    bndl_free(a, blocks[i].doc_len);
    bndl_free(a, blocks[i].remap);
  }
  bndl_free(a, blocks);
}

/* Merges the blocks' words into wv (count order, min_count) and writes the id corpus. */
static bndl_status merge_blocks(bndl_word_vectors *wv, doc_block *blocks, int64_t n_blocks, int64_t n_docs,
                                int32_t **tokens_out, int64_t **off_out) {
  const bndl_allocator *a = wv->alloc;
  bndl_vocab all;
  bndl_vocab_init(&all, a);
  int64_t *counts = NULL, *final_id = NULL, *neg = NULL, *off = NULL;
  int32_t *tokens = NULL;
  uint32_t *idx = NULL, *scratch = NULL;
  size_t counts_cap = 0;
  bndl_status st = BNDL_OK;
  for (int64_t bi = 0; bi < n_blocks; bi++) {
    doc_block *b = &blocks[bi];
    b->remap = bndl_alloc_array(a, (size_t)b->words.n + 1, sizeof *b->remap);
    if (b->remap == NULL) {
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto done;
    }
    for (int64_t w = 0; w < b->words.n; w++) {
      size_t klen;
      const char *key = bndl_vocab_key(&b->words, w, &klen);
      int64_t id;
      int added;
      BNDL_TRY_GOTO(st, bndl_vocab_insert(&all, key, klen, b->words.hash[w], &id, &added), done);
      if (added) {
        BNDL_TRY_GOTO(st, bndl_grow(a, (void **)&counts, &counts_cap, (size_t)id + 1, sizeof *counts), done);
        counts[id] = 0;
      }
      counts[id] += b->counts[w];
      b->remap[w] = (int32_t)id;
    }
  }
  int64_t n_all = all.n, kept = 0, total = 0;
  final_id = bndl_alloc_array(a, (size_t)n_all + 1, sizeof *final_id);
  neg = bndl_alloc_array(a, (size_t)n_all + 1, sizeof *neg);
  idx = bndl_alloc_array(a, (size_t)n_all + 1, sizeof *idx);
  scratch = bndl_alloc_array(a, (size_t)n_all + 1, sizeof *scratch);
  if (!final_id || !neg || !idx || !scratch) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t w = 0; w < n_all; w++) {
    final_id[w] = -1;
    if (counts[w] >= wv->min_count) {
      neg[kept] = -counts[w];
      idx[kept] = (uint32_t)w;
      kept++;
    }
  }
  if (kept == 0) {
    st = bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                   "no word occurs %lld times (text.vector_min_count) in the %lld texts (%lld distinct words)",
                   (long long)wv->min_count, (long long)n_docs, (long long)n_all);
    goto done;
  }
  /* count descending, first appearance among equals (stable): neg is indexed by the
   * position in idx, so sort positions and then read the words */
  {
    uint32_t *pos = scratch;
    for (int64_t i = 0; i < kept; i++)
      pos[i] = (uint32_t)i;
    uint32_t *tmp = bndl_alloc_array(a, (size_t)kept + 1, sizeof *tmp);
    if (tmp == NULL) {
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto done;
    }
    bndl_sort_idx_by_i64(pos, (size_t)kept, neg, tmp);
    bndl_free(a, tmp);
    wv->counts = bndl_alloc_array(a, (size_t)kept, sizeof *wv->counts);
    if (wv->counts == NULL) {
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto done;
    }
    BNDL_TRY_GOTO(st, bndl_vocab_reserve(&wv->vocab, kept, all.bytes_len + 1), done);
    for (int64_t r = 0; r < kept; r++) {
      uint32_t w = idx[pos[r]];
      size_t klen;
      const char *key = bndl_vocab_key(&all, w, &klen);
      int64_t id;
      BNDL_TRY_GOTO(st, bndl_vocab_append_new(&wv->vocab, key, klen, all.hash[w], &id), done);
      wv->counts[r] = counts[w];
      total += counts[w];
      final_id[w] = r;
    }
  }
  wv->total = total;
  tokens = bndl_alloc_array(a, (size_t)total + 1, sizeof *tokens);
  off = bndl_alloc_array(a, (size_t)n_docs + 1, sizeof *off);
  if (tokens == NULL || off == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  int64_t at = 0, doc = 0;
  off[0] = 0;
  for (int64_t bi = 0; bi < n_blocks; bi++) {
    doc_block *b = &blocks[bi];
    size_t t = 0;
    int64_t docs = n_docs - bi * DOC_BLOCK < DOC_BLOCK ? n_docs - bi * DOC_BLOCK : DOC_BLOCK;
    for (int64_t d = 0; d < docs; d++) {
      for (int64_t i = 0; i < b->doc_len[d]; i++, t++) {
        int64_t id = final_id[b->remap[b->tokens[t]]];
        if (id >= 0)
          tokens[at++] = (int32_t)id;
      }
      off[++doc] = at;
    }
  }
  *tokens_out = tokens;
  *off_out = off;
  tokens = NULL;
  off = NULL;
done:
  bndl_vocab_free(&all);
  bndl_free(a, counts);
  bndl_free(a, final_id);
  bndl_free(a, neg);
  bndl_free(a, idx);
  bndl_free(a, scratch);
  bndl_free(a, tokens);
  bndl_free(a, off);
  return st;
}

bndl_status bndl_word_vectors_build(bndl_context *ctx, const char *const *texts, const size_t *lengths, int64_t n,
                                    const bndl_config *cfg, const char *what, bndl_word_vectors **out) {
  bndl_tokenizer_options topt;
  bndl_skipgram_options opt;
  int64_t min_count;
  bndl_word_vectors_options(cfg, atomic_load(&ctx->seed), &topt, &opt, &min_count);
  if (opt.dim == 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "text.vector_dim is 0: word vectors are switched off");
  if (n == 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "no %s to train on (the corpus is empty)", what);
  bndl_word_vectors *wv;
  BNDL_TRY(bndl_word_vectors_new(ctx, &topt, &wv));
  const bndl_allocator *a = wv->alloc;
  wv->opt = opt;
  wv->min_count = min_count;
  wv->n_texts = n;
  int64_t n_blocks = (n + DOC_BLOCK - 1) / DOC_BLOCK;
  doc_block *blocks = NULL;
  int32_t *tokens = NULL;
  int64_t *off = NULL;
  bndl_status st = BNDL_OK;
  double t0 = seconds();
  /* Chinese words from the corpus itself, unless it is declared English */
  if (topt.language != 1)
    BNDL_TRY_GOTO(st, bndl_tokenizer_learn(wv->tok, texts, lengths, n, 5), done);
  double t1 = seconds();
  blocks = bndl_zalloc_array(a, (size_t)n_blocks, sizeof *blocks);
  if (blocks == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t b = 0; b < n_blocks; b++)
    bndl_vocab_init(&blocks[b].words, a);
  corpus_job job = {wv->tok, texts, lengths, n, what, blocks, a};
  BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, n_blocks, count_block, &job), done);
  BNDL_TRY_GOTO(st, merge_blocks(wv, blocks, n_blocks, n, &tokens, &off), done);
  blocks_free(a, blocks, n_blocks);
  blocks = NULL;
  double t2 = seconds();
  size_t cells;
  if (!bndl_mul_size((size_t)wv->vocab.n, (size_t)opt.dim, &cells)) {
    st = bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "out of memory: %lld words x %d dimensions", (long long)wv->vocab.n,
                   (int)opt.dim);
    goto done;
  }
  wv->vectors = bndl_alloc_array(a, cells, sizeof *wv->vectors);
  wv->norm = bndl_alloc_array(a, (size_t)wv->vocab.n, sizeof *wv->norm);
  if (wv->vectors == NULL || wv->norm == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  bndl_skipgram_corpus corpus = {tokens, off, n};
  BNDL_TRY_GOTO(st, bndl_skipgram_train(ctx, &corpus, wv->vocab.n, wv->counts, &opt, wv->vectors), done);
  bndl_word_vectors_compute_norms(wv);
  double t3 = seconds();
  wv->seconds_dictionary = t1 - t0;
  wv->seconds_corpus = t2 - t1;
  wv->seconds_skipgram = t3 - t2;
  bndl_log(ctx, BNDL_LOG_INFO,
           "word vectors: %lld texts, %lld tokens, %lld words (min_count %lld); dictionary %.3f s, corpus %.3f s, "
           "skip-gram (dim %d, window %d, %d negatives, %d epochs) %.3f s, %.0f words/s",
           (long long)n, (long long)wv->total, (long long)wv->vocab.n, (long long)min_count, t1 - t0, t2 - t1,
           (int)opt.dim, (int)opt.window, (int)opt.negatives, (int)opt.epochs, t3 - t2,
           (double)wv->total * opt.epochs / (t3 - t2 > 0 ? t3 - t2 : 1e-9));
done:
  blocks_free(a, blocks, n_blocks);
  bndl_free(a, tokens);
  bndl_free(a, off);
  if (st != BNDL_OK) {
    bndl_word_vectors_destroy(wv);
    return st;
  }
  *out = wv;
  return BNDL_OK;
}

bndl_status bndl_word_vectors_build_dataset(const bndl_dataset *ds, const bndl_config *cfg, bndl_word_vectors **out) {
  const bndl_allocator *a = ds->alloc;
  int64_t n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  const bndl_catalogue *cat = &ds->cat;
  const bndl_review_rows *rv = &ds->rv;
  size_t cap = (size_t)n_items + rv->n + 1;
  const char **texts = bndl_alloc_array(a, cap, sizeof *texts);
  size_t *lengths = bndl_alloc_array(a, cap, sizeof *lengths);
  bndl_status st = BNDL_ERR_OUT_OF_MEMORY;
  if (texts && lengths) {
    int64_t n = 0;
    for (int64_t i = 0; cat->title_off && i < n_items; i++) {
      size_t len = (size_t)(cat->title_off[i + 1] - cat->title_off[i]);
      if (len) {
        texts[n] = bndl_bytes_at(&cat->titles, cat->title_off[i]);
        lengths[n++] = len;
      }
    }
    for (size_t r = 0; r < rv->n; r++) {
      size_t len = (size_t)(rv->text_off[r + 1] - rv->text_off[r]);
      if (len) {
        texts[n] = bndl_bytes_at(&rv->text, rv->text_off[r]);
        lengths[n++] = len;
      }
    }
    st = bndl_word_vectors_build(ds->ctx, texts, lengths, n, cfg, "dataset text", out);
  }
  bndl_free(a, texts);
  bndl_free(a, lengths);
  return st;
}

/* ---- lookups */

int64_t bndl_word_vectors_find_word(const bndl_word_vectors *wv, const char *word, size_t length) {
  int64_t id = bndl_vocab_find(&wv->vocab, word, length, bndl_vocab_hash(word, length));
  if (id >= 0)
    return id;
  /* normalise as training did: one kept token, looked up */
  bndl_token_list toks;
  bndl_token_list_init(&toks, wv->alloc);
  if (bndl_tokenize(wv->tok, word, length, &toks) == BNDL_OK) {
    const bndl_token *only = NULL;
    size_t kept = 0;
    for (size_t i = 0; i < toks.n; i++)
      if (keeps(&toks.tokens[i])) {
        only = &toks.tokens[i];
        kept++;
      }
    if (kept == 1)
      id = bndl_vocab_find(&wv->vocab, only->text, only->length, bndl_vocab_hash(only->text, only->length));
  }
  bndl_token_list_free(&toks);
  return id;
}

void bndl_word_vectors_nearest_ids(const bndl_word_vectors *wv, int64_t id, int32_t k, int64_t *ids, float *scores,
                                   int32_t *found) {
  int32_t dim = wv->opt.dim, n = 0;
  const float *q = wv->vectors + (size_t)id * (size_t)dim;
  for (int64_t w = 0; w < wv->vocab.n; w++) {
    if (w == id)
      continue;
    const float *v = wv->vectors + (size_t)w * (size_t)dim;
    double s = 0;
    for (int32_t i = 0; i < dim; i++)
      s += (double)q[i] * v[i];
    double den = wv->norm[id] * wv->norm[w];
    float c = den > 0 ? (float)(s / den) : 0.0f; /* a zero vector has cosine 0 */
    if (n == k && !(c > scores[n - 1]))
      continue;
    /* insert into the sorted list; equal scores keep the lower id first */
    int32_t at = n < k ? n : k - 1;
    while (at > 0 && c > scores[at - 1]) {
      scores[at] = scores[at - 1];
      ids[at] = ids[at - 1];
      at--;
    }
    scores[at] = c;
    ids[at] = w;
    if (n < k)
      n++;
  }
  *found = n;
}
