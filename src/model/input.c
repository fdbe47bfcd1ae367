/*
 * input.c - the input embedding shared by both encoders (see encoders.h): item, position,
 * event type and projected item features summed, dropout, padded rows zeroed.
 */
#include <string.h>

#include "core/error.h"
#include "model/encoders.h"

bndl_status bndl_nn_input_build(bndl_nn_params *p, int64_t n_items, int64_t dim, int64_t max_len, int64_t n_types,
                                int64_t n_features, float item_scale, float dropout, bndl_nn_input *in) {
  memset(in, 0, sizeof *in);
  in->dim = dim;
  in->item_scale = item_scale;
  in->drop.p = dropout;
  in->drop.site = 1;
  in->feat.w = in->feat.b = -1;
  BNDL_TRY(bndl_nn_embedding_build(p, "item_emb", n_items, dim, &in->item));
  if ((in->has_pos = max_len > 0))
    BNDL_TRY(bndl_nn_embedding_build(p, "pos_emb", max_len, dim, &in->pos));
  if ((in->has_type = n_types > 0))
    BNDL_TRY(bndl_nn_embedding_build(p, "type_emb", n_types, dim, &in->type));
  if ((in->has_feat = n_features > 0))
    BNDL_TRY(bndl_nn_linear_build(p, "feat_proj", n_features, dim, 0, &in->feat));
  return BNDL_OK;
}

bndl_status bndl_nn_input_forward(const bndl_nn *nn, const bndl_nn_input *in, const bndl_nn_batch *b, float *x,
                                  bndl_nn_input_cache *c) {
  int64_t rows = b->batch * b->len, dim = in->dim;
  memset(c, 0, sizeof *c);
  if (in->has_pos && b->len > in->pos.rows)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "sequence length %lld is above the model's maximum %lld",
                     (long long)b->len, (long long)in->pos.rows);
  if (in->has_feat && b->item_features == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "the model takes item features but the batch has none");
  c->valid = bndl_nn_arena_alloc(nn->arena, (size_t)rows);
  if (c->valid == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t r = 0; r < rows; r++)
    c->valid[r] = b->items[r] >= 0;
  BNDL_TRY(bndl_nn_embedding_forward(nn, &in->item, rows, b->items, in->item_scale, 0, x));
  if (in->has_pos) {
    if ((c->pos_idx = bndl_nn_arena_alloc(nn->arena, (size_t)rows * sizeof(int32_t))) == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    bndl_nn_positions(b->batch, b->len, c->valid, c->pos_idx);
    BNDL_TRY(bndl_nn_embedding_forward(nn, &in->pos, rows, c->pos_idx, 1.0f, 1, x));
  }
  if (in->has_type && b->types != NULL) {
    if ((c->type_idx = bndl_nn_arena_alloc(nn->arena, (size_t)rows * sizeof(int32_t))) == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    for (int64_t r = 0; r < rows; r++)
      c->type_idx[r] = c->valid[r] ? b->types[r] : -1; /* -1: no type */
    BNDL_TRY(bndl_nn_embedding_forward(nn, &in->type, rows, c->type_idx, 1.0f, 1, x));
  }
  if (in->has_feat) {
    int64_t nf = in->feat.in;
    c->feat_rows = bndl_nn_arena_floats(nn->arena, rows * nf);
    float *proj = bndl_nn_arena_floats(nn->arena, rows * dim);
    if (c->feat_rows == NULL || proj == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    for (int64_t r = 0; r < rows; r++) {
      if (c->valid[r])
        memcpy(c->feat_rows + r * nf, b->item_features + (int64_t)b->items[r] * nf, (size_t)nf * sizeof(float));
      else
        memset(c->feat_rows + r * nf, 0, (size_t)nf * sizeof(float));
    }
    BNDL_TRY(bndl_nn_linear_forward(nn, &in->feat, rows, c->feat_rows, proj));
    bndl_nn_add(rows * dim, x, proj);
  }
  BNDL_TRY(bndl_nn_dropout_forward(nn, &in->drop, rows, dim, x, x, &c->drop));
  bndl_nn_mask_rows(rows, dim, x, c->valid);
  return BNDL_OK;
}

bndl_status bndl_nn_input_backward(const bndl_nn *nn, const bndl_nn_input *in, const bndl_nn_batch *b,
                                   const bndl_nn_input_cache *c, float *dx) {
  int64_t rows = b->batch * b->len, dim = in->dim;
  bndl_nn_mask_rows(rows, dim, dx, c->valid);
  BNDL_TRY(bndl_nn_dropout_backward(nn, &in->drop, rows, dim, &c->drop, dx, dx));
  bndl_nn_embedding_backward(nn, &in->item, rows, b->items, in->item_scale, dx);
  if (c->pos_idx != NULL)
    bndl_nn_embedding_backward(nn, &in->pos, rows, c->pos_idx, 1.0f, dx);
  if (c->type_idx != NULL)
    bndl_nn_embedding_backward(nn, &in->type, rows, c->type_idx, 1.0f, dx);
  if (c->feat_rows != NULL)
    BNDL_TRY(bndl_nn_linear_backward(nn, &in->feat, rows, c->feat_rows, dx, NULL));
  return BNDL_OK;
}
