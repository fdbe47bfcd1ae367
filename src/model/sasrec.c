/*
 * sasrec.c - the SASRec-style Transformer encoder (see encoders.h for the arrangement).
 *
 * Forward keeps, per block, the two LayerNorm outputs (rows x dim each; the attention
 * and FFN caches point at them) plus the LayerNorm, attention, FFN and dropout caches;
 * the residual stream itself is updated in place. Backward walks the blocks in reverse
 * with one running gradient (rows x dim) and two scratch buffers.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "model/encoders.h"

bndl_nn_sasrec_config bndl_nn_sasrec_defaults(int64_t n_items, int64_t max_len, int64_t dim, int64_t heads,
                                              int64_t blocks) {
  bndl_nn_sasrec_config c = {.n_items = n_items,
                             .max_len = max_len,
                             .dim = dim,
                             .heads = heads,
                             .blocks = blocks,
                             .ffn_hidden = dim,
                             .dropout = 0.2f,
                             .attn_dropout = 0.2f,
                             .ln_eps = 1e-8f,
                             .ffn_act = BNDL_ELT_RELU,
                             .scale_embeddings = 1};
  return c;
}

bndl_status bndl_nn_sasrec_build(bndl_nn_params *p, const bndl_nn_sasrec_config *cfg, bndl_nn_sasrec *m) {
  if (cfg->blocks < 1 || cfg->blocks > BNDL_NN_SASREC_MAX_BLOCKS)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "sasrec: %lld blocks (1 to %d supported)", (long long)cfg->blocks,
                     BNDL_NN_SASREC_MAX_BLOCKS);
  if (cfg->n_items < 1 || cfg->max_len < 1 || cfg->dim < 1)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "sasrec: items %lld, max_len %lld, dim %lld must be positive",
                     (long long)cfg->n_items, (long long)cfg->max_len, (long long)cfg->dim);
  memset(m, 0, sizeof *m);
  m->cfg = *cfg;
  int64_t d = cfg->dim, hidden = cfg->ffn_hidden > 0 ? cfg->ffn_hidden : d;
  m->cfg.ffn_hidden = hidden;
  float scale = cfg->scale_embeddings ? (float)sqrt((double)d) : 1.0f;
  BNDL_TRY(bndl_nn_input_build(p, cfg->n_items, d, cfg->max_len, cfg->n_event_types, cfg->n_item_features, scale,
                               cfg->dropout, &m->input));
  for (int64_t k = 0; k < cfg->blocks; k++) {
    bndl_nn_sasrec_block *bl = &m->block[k];
    char name[32];
    uint64_t site = 100 + 10 * (uint64_t)k;
    snprintf(name, sizeof name, "block%lld.ln1", (long long)k);
    BNDL_TRY(bndl_nn_layer_norm_build(p, name, d, cfg->ln_eps, &bl->ln1));
    snprintf(name, sizeof name, "block%lld.attn", (long long)k);
    BNDL_TRY(bndl_nn_attention_build(p, name, d, cfg->heads, 1, cfg->attn_dropout, site, &bl->attn));
    snprintf(name, sizeof name, "block%lld.ln2", (long long)k);
    BNDL_TRY(bndl_nn_layer_norm_build(p, name, d, cfg->ln_eps, &bl->ln2));
    snprintf(name, sizeof name, "block%lld.ffn", (long long)k);
    BNDL_TRY(bndl_nn_ffn_build(p, name, d, hidden, cfg->ffn_act, cfg->dropout, site + 2, &bl->ffn));
    bl->drop1 = (bndl_nn_dropout){cfg->dropout, site + 1};
    bl->drop2 = (bndl_nn_dropout){cfg->dropout, site + 3};
  }
  return bndl_nn_layer_norm_build(p, "final_ln", d, cfg->ln_eps, &m->final_ln);
}

/* x (rows x dim) -> x, through one block. br: a rows x dim scratch for the branch
 * outputs; tmp: one for the LayerNorm outputs when `c` is NULL (inference). */
static bndl_status block_forward(const bndl_nn *nn, const bndl_nn_sasrec_block *bl, int64_t batch, int64_t len,
                                 const uint8_t *valid, float *x, float *br, float *tmp,
                                 bndl_nn_sasrec_block_cache *c) {
  int64_t rows = batch * len, d = bl->ln1.dim, n = rows * d;
  float *a = tmp, *f = tmp;
  if (c != NULL) {
    /* the attention and FFN caches point at their inputs, so those are kept */
    a = c->a = bndl_nn_arena_floats(nn->arena, n);
    f = c->f = bndl_nn_arena_floats(nn->arena, n);
    if (a == NULL || f == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
  }
  BNDL_TRY(bndl_nn_layer_norm_forward(nn, &bl->ln1, rows, x, a, c ? &c->ln1 : NULL));
  BNDL_TRY(bndl_nn_attention_forward(nn, &bl->attn, batch, len, a, valid, br, c ? &c->attn : NULL));
  BNDL_TRY(bndl_nn_dropout_forward(nn, &bl->drop1, rows, d, br, br, c ? &c->drop1 : NULL));
  bndl_nn_add(n, x, br);
  BNDL_TRY(bndl_nn_layer_norm_forward(nn, &bl->ln2, rows, x, f, c ? &c->ln2 : NULL));
  BNDL_TRY(bndl_nn_ffn_forward(nn, &bl->ffn, rows, f, br, c ? &c->ffn : NULL));
  BNDL_TRY(bndl_nn_dropout_forward(nn, &bl->drop2, rows, d, br, br, c ? &c->drop2 : NULL));
  bndl_nn_add(n, x, br);
  bndl_nn_mask_rows(rows, d, x, valid);
  return BNDL_OK;
}

bndl_status bndl_nn_sasrec_forward(const bndl_nn *nn, const bndl_nn_sasrec *m, const bndl_nn_batch *b, float *out,
                                   bndl_nn_sasrec_cache *cache) {
  int64_t rows = b->batch * b->len, d = m->cfg.dim;
  bndl_nn_sasrec_cache local;
  bndl_nn_input_cache *ic = cache ? &cache->input : &local.input;
  bndl_nn_mark mark = bndl_nn_arena_mark(nn->arena);
  float *x = bndl_nn_arena_floats(nn->arena, rows * d), *br = bndl_nn_arena_floats(nn->arena, rows * d);
  float *tmp = cache ? NULL : bndl_nn_arena_floats(nn->arena, rows * d);
  if (x == NULL || br == NULL || (cache == NULL && tmp == NULL))
    return BNDL_ERR_OUT_OF_MEMORY;
  BNDL_TRY(bndl_nn_input_forward(nn, &m->input, b, x, ic));
  for (int64_t k = 0; k < m->cfg.blocks; k++)
    BNDL_TRY(block_forward(nn, &m->block[k], b->batch, b->len, ic->valid, x, br, tmp,
                           cache ? &cache->block[k] : NULL));
  BNDL_TRY(bndl_nn_layer_norm_forward(nn, &m->final_ln, rows, x, out, cache ? &cache->final_ln : NULL));
  bndl_nn_mask_rows(rows, d, out, ic->valid);
  if (cache == NULL)
    bndl_nn_arena_release(nn->arena, mark);
  return BNDL_OK;
}

/* dx (rows x dim): the gradient of the block's output in, of its input out. */
static bndl_status block_backward(const bndl_nn *nn, const bndl_nn_sasrec_block *bl, int64_t batch, int64_t len,
                                  const uint8_t *valid, const bndl_nn_sasrec_block_cache *c, float *dx) {
  int64_t rows = batch * len, d = bl->ln1.dim, n = rows * d;
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  float *t1 = bndl_nn_arena_floats(nn->arena, n), *t2 = bndl_nn_arena_floats(nn->arena, n);
  if (t1 == NULL || t2 == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_nn_mask_rows(rows, d, dx, valid);
  /* x_out = x_mid + drop2(ffn(ln2(x_mid))) */
  BNDL_TRY(bndl_nn_dropout_backward(nn, &bl->drop2, rows, d, &c->drop2, dx, t1));
  BNDL_TRY(bndl_nn_ffn_backward(nn, &bl->ffn, rows, &c->ffn, t1, t2));
  BNDL_TRY(bndl_nn_layer_norm_backward(nn, &bl->ln2, rows, &c->ln2, t2, t1));
  bndl_nn_add(n, dx, t1);
  /* x_mid = x_in + drop1(attn(ln1(x_in))) */
  BNDL_TRY(bndl_nn_dropout_backward(nn, &bl->drop1, rows, d, &c->drop1, dx, t1));
  BNDL_TRY(bndl_nn_attention_backward(nn, &bl->attn, batch, len, &c->attn, t1, t2));
  BNDL_TRY(bndl_nn_layer_norm_backward(nn, &bl->ln1, rows, &c->ln1, t2, t1));
  bndl_nn_add(n, dx, t1);
  bndl_nn_arena_release(nn->arena, m);
  return BNDL_OK;
}

bndl_status bndl_nn_sasrec_backward(const bndl_nn *nn, const bndl_nn_sasrec *m, const bndl_nn_batch *b,
                                    const bndl_nn_sasrec_cache *cache, const float *dout) {
  int64_t rows = b->batch * b->len, d = m->cfg.dim;
  const uint8_t *valid = cache->input.valid;
  bndl_nn_mark mark = bndl_nn_arena_mark(nn->arena);
  float *dy = bndl_nn_arena_floats(nn->arena, rows * d), *dx = bndl_nn_arena_floats(nn->arena, rows * d);
  if (dy == NULL || dx == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memcpy(dy, dout, (size_t)(rows * d) * sizeof(float));
  bndl_nn_mask_rows(rows, d, dy, valid);
  BNDL_TRY(bndl_nn_layer_norm_backward(nn, &m->final_ln, rows, &cache->final_ln, dy, dx));
  for (int64_t k = m->cfg.blocks - 1; k >= 0; k--)
    BNDL_TRY(block_backward(nn, &m->block[k], b->batch, b->len, valid, &cache->block[k], dx));
  BNDL_TRY(bndl_nn_input_backward(nn, &m->input, b, &cache->input, dx));
  bndl_nn_arena_release(nn->arena, mark);
  return BNDL_OK;
}
