/*
 * batches.c - epoch order, left-padded windows and negative sampling (see batches.h).
 */
#include "model/batches.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"

/* generator streams, so order and negatives never share draws */
#define ORDER_KEY 0x6f72646572ull /* "order" */
#define NEG_KEY 0x6e6567ull       /* "neg" */

static int64_t prefix_len(const bndl_nn_batcher *b, int64_t u) {
  return b->len ? b->len[u] : b->seq->offsets[u + 1] - b->seq->offsets[u];
}

void bndl_nn_batcher_free(bndl_nn_batcher *b) {
  if (b->alloc != NULL) {
    void *arrays[] = {b->examples, b->order, b->cdf, b->logq, b->items, b->types,
                      b->pos,      b->neg,   b->row, b->logq_pos, b->logq_neg};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
      bndl_free(b->alloc, arrays[i]);
  }
  memset(b, 0, sizeof *b);
}

bndl_status bndl_nn_batcher_init(bndl_nn_batcher *b, const bndl_allocator *alloc, const bndl_nn_sequences *seq,
                                 const int64_t *len, const bndl_nn_batch_config *cfg) {
  memset(b, 0, sizeof *b);
  if (cfg->batch < 1 || cfg->max_len < 1 || cfg->n_items < 1 || cfg->n_neg < 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "batches: batch %lld, max_len %lld, items %lld, negatives %lld",
                     (long long)cfg->batch, (long long)cfg->max_len, (long long)cfg->n_items,
                     (long long)cfg->n_neg);
  if (cfg->sampler < BNDL_NN_SAMPLE_UNIFORM || cfg->sampler > BNDL_NN_SAMPLE_ALL ||
      (cfg->sampler == BNDL_NN_SAMPLE_ALL && !cfg->shared_neg) ||
      (cfg->loss == BNDL_NN_LOSS_BCE && cfg->shared_neg && cfg->sampler == BNDL_NN_SAMPLE_ALL))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "batches: sampler %d does not fit %s negatives", (int)cfg->sampler,
                     cfg->shared_neg ? "shared" : "per-row");
  if (cfg->sampler != BNDL_NN_SAMPLE_ALL && cfg->n_neg < 1)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "batches: at least one negative is needed");
  b->cfg = *cfg;
  b->alloc = alloc;
  b->seq = seq;
  b->len = len;
  int64_t n = 0;
  for (int64_t u = 0; u < seq->count; u++)
    n += prefix_len(b, u) >= 2;
  if (n == 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                     "batches: none of the %lld training sequences has 2 or more items (nothing to predict)",
                     (long long)seq->count);
  int64_t bt = cfg->batch * cfg->max_len, k = cfg->sampler == BNDL_NN_SAMPLE_ALL ? cfg->n_items : cfg->n_neg;
  int64_t n_negs = cfg->shared_neg ? k : bt * k;
  b->n_neg = k;
  b->examples = bndl_alloc_array(alloc, (size_t)n, sizeof(int64_t));
  b->order = bndl_alloc_array(alloc, (size_t)n, sizeof(int64_t));
  b->items = bndl_alloc_array(alloc, (size_t)bt, sizeof(int32_t));
  b->types = bndl_alloc_array(alloc, (size_t)bt, sizeof(int32_t));
  b->pos = bndl_alloc_array(alloc, (size_t)bt, sizeof(int32_t));
  b->row = bndl_alloc_array(alloc, (size_t)bt, sizeof(int64_t));
  b->neg = bndl_alloc_array(alloc, (size_t)n_negs, sizeof(int32_t));
  int pop = cfg->sampler == BNDL_NN_SAMPLE_POPULARITY;
  if (pop) {
    b->cdf = bndl_zalloc_array(alloc, (size_t)cfg->n_items, sizeof(double));
    b->logq = bndl_alloc_array(alloc, (size_t)cfg->n_items, sizeof(float));
    b->logq_pos = bndl_alloc_array(alloc, (size_t)bt, sizeof(float));
    b->logq_neg = bndl_alloc_array(alloc, (size_t)n_negs, sizeof(float));
  }
  if (!b->examples || !b->order || !b->items || !b->types || !b->pos || !b->row || !b->neg ||
      (pop && (!b->cdf || !b->logq || !b->logq_pos || !b->logq_neg))) {
    bndl_nn_batcher_free(b);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  for (int64_t u = 0; u < seq->count; u++)
    if (prefix_len(b, u) >= 2)
      b->examples[b->n_examples++] = u;
  memcpy(b->order, b->examples, (size_t)n * sizeof(int64_t));
  if (pop) {
    /* counts of the training targets (every prefix item but the first), then c^alpha */
    for (int64_t u = 0; u < seq->count; u++) {
      int64_t off = seq->offsets[u], l = prefix_len(b, u);
      for (int64_t i = 1; i < l; i++)
        b->cdf[seq->items[off + i]] += 1.0;
    }
    double total = 0;
    for (int64_t i = 0; i < cfg->n_items; i++) {
      b->cdf[i] = b->cdf[i] > 0 ? pow(b->cdf[i], cfg->alpha) : 0.0;
      total += b->cdf[i];
    }
    double acc = 0;
    for (int64_t i = 0; i < cfg->n_items; i++) {
      double q = b->cdf[i] / total;
      b->logq[i] = q > 0 ? (float)log(q) : -INFINITY;
      acc += q;
      b->cdf[i] = acc;
    }
    b->cdf[cfg->n_items - 1] = 1.0;
  }
  return BNDL_OK;
}

int64_t bndl_nn_batcher_steps(const bndl_nn_batcher *b) {
  return (b->n_examples + b->cfg.batch - 1) / b->cfg.batch;
}

void bndl_nn_batcher_epoch(bndl_nn_batcher *b, int64_t epoch) {
  bndl_rng r;
  bndl_rng_seed(&r, b->cfg.seed ^ ORDER_KEY, (uint64_t)epoch);
  memcpy(b->order, b->examples, (size_t)b->n_examples * sizeof(int64_t));
  for (int64_t i = b->n_examples - 1; i > 0; i--) {
    int64_t j = (int64_t)bndl_rng_below(&r, (uint64_t)i + 1), t = b->order[i];
    b->order[i] = b->order[j];
    b->order[j] = t;
  }
}

static int32_t draw(const bndl_nn_batcher *b, bndl_rng *r) {
  if (b->cfg.sampler == BNDL_NN_SAMPLE_UNIFORM)
    return (int32_t)bndl_rng_below(r, (uint64_t)b->cfg.n_items);
  /* first index with cdf > u */
  double u = bndl_rng_uniform(r);
  int64_t lo = 0, hi = b->cfg.n_items - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (b->cdf[mid] > u)
      hi = mid;
    else
      lo = mid + 1;
  }
  return (int32_t)lo;
}

void bndl_nn_batcher_fill(bndl_nn_batcher *b, int64_t index, uint64_t step, bndl_nn_batch *out, bndl_nn_targets *t,
                          const int64_t **row) {
  const bndl_nn_sequences *s = b->seq;
  int64_t T = b->cfg.max_len, begin = index * b->cfg.batch;
  int64_t nb = b->n_examples - begin < b->cfg.batch ? b->n_examples - begin : b->cfg.batch;
  int64_t rows = 0;
  for (int64_t i = 0; i < nb; i++) {
    int64_t u = b->order[begin + i], l = prefix_len(b, u);
    int64_t m = l < T + 1 ? l : T + 1; /* window of m items: m - 1 inputs and targets */
    const int32_t *w = s->items + s->offsets[u] + (l - m);
    const int32_t *wt = s->types ? s->types + s->offsets[u] + (l - m) : NULL;
    int32_t *it = b->items + i * T, *ty = b->types + i * T;
    int64_t pad = T - (m - 1);
    for (int64_t p = 0; p < pad; p++) {
      it[p] = -1;
      ty[p] = 0;
    }
    for (int64_t p = 0; p < m - 1; p++) {
      it[pad + p] = w[p];
      ty[pad + p] = wt ? wt[p] : 0;
      b->pos[rows] = w[p + 1];
      b->row[rows++] = i * T + pad + p;
    }
  }
  bndl_rng r;
  bndl_rng_seed(&r, b->cfg.seed ^ NEG_KEY, step);
  int64_t k = b->n_neg;
  int pop = b->cfg.sampler == BNDL_NN_SAMPLE_POPULARITY;
  if (b->cfg.sampler == BNDL_NN_SAMPLE_ALL) {
    for (int64_t j = 0; j < k; j++)
      b->neg[j] = (int32_t)j;
  } else if (b->cfg.shared_neg) {
    for (int64_t j = 0; j < k; j++)
      b->neg[j] = draw(b, &r);
  } else {
    for (int64_t i = 0; i < rows; i++)
      for (int64_t j = 0; j < k; j++) {
        int32_t id = draw(b, &r);
        for (int tries = 1; id == b->pos[i] && tries < 64; tries++)
          id = draw(b, &r);
        b->neg[i * k + j] = id == b->pos[i] ? -1 : id; /* (a one-item catalogue: no negative) */
      }
  }
  if (pop) {
    int64_t n_negs = b->cfg.shared_neg ? k : rows * k;
    for (int64_t i = 0; i < rows; i++)
      b->logq_pos[i] = b->logq[b->pos[i]];
    for (int64_t j = 0; j < n_negs; j++)
      b->logq_neg[j] = b->logq[b->neg[j]];
  }
  *out = (bndl_nn_batch){.batch = nb, .len = T, .items = b->items, .types = s->types ? b->types : NULL};
  *t = (bndl_nn_targets){.rows = rows,
                         .pos = b->pos,
                         .n_neg = k,
                         .shared_neg = b->cfg.shared_neg,
                         .neg = b->neg,
                         .logq_pos = pop && b->cfg.loss == BNDL_NN_LOSS_SAMPLED_SOFTMAX ? b->logq_pos : NULL,
                         .logq_neg = pop && b->cfg.loss == BNDL_NN_LOSS_SAMPLED_SOFTMAX ? b->logq_neg : NULL,
                         .remove_accidental_hits = 1};
  *row = b->row;
}
