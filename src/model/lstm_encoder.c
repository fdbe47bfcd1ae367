/*
 * lstm_encoder.c - the GRU4Rec-style LSTM encoder (see encoders.h): input embedding,
 * stacked LSTM, dropout, a projection to the item space when hidden != dim, padded rows
 * zeroed.
 */
#include <string.h>

#include "core/error.h"
#include "model/encoders.h"

bndl_status bndl_nn_lstm_encoder_build(bndl_nn_params *p, const bndl_nn_lstm_encoder_config *cfg,
                                       bndl_nn_lstm_encoder *m) {
  if (cfg->n_items < 1 || cfg->dim < 1)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "lstm encoder: items %lld and dim %lld must be positive",
                     (long long)cfg->n_items, (long long)cfg->dim);
  memset(m, 0, sizeof *m);
  m->cfg = *cfg;
  int64_t hidden = cfg->hidden > 0 ? cfg->hidden : cfg->dim;
  m->cfg.hidden = hidden;
  BNDL_TRY(bndl_nn_input_build(p, cfg->n_items, cfg->dim, 0, cfg->n_event_types, cfg->n_item_features, 1.0f,
                               cfg->dropout, &m->input));
  BNDL_TRY(bndl_nn_lstm_build(p, "lstm", cfg->dim, hidden, cfg->layers, cfg->dropout, 200, &m->lstm));
  m->out_drop = (bndl_nn_dropout){cfg->dropout, 199};
  if ((m->has_proj = hidden != cfg->dim))
    BNDL_TRY(bndl_nn_linear_build(p, "proj", hidden, cfg->dim, 1, &m->proj));
  return BNDL_OK;
}

bndl_status bndl_nn_lstm_encoder_forward(const bndl_nn *nn, const bndl_nn_lstm_encoder *m, const bndl_nn_batch *b,
                                         float *out, bndl_nn_lstm_encoder_cache *cache) {
  int64_t rows = b->batch * b->len, d = m->cfg.dim, hid = m->cfg.hidden;
  bndl_nn_lstm_encoder_cache local;
  bndl_nn_lstm_encoder_cache *c = cache ? cache : &local;
  bndl_nn_mark mark = bndl_nn_arena_mark(nn->arena);
  c->x = bndl_nn_arena_floats(nn->arena, rows * d);
  c->h = m->has_proj ? bndl_nn_arena_floats(nn->arena, rows * hid) : out;
  if (c->x == NULL || c->h == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  BNDL_TRY(bndl_nn_input_forward(nn, &m->input, b, c->x, &c->input));
  BNDL_TRY(bndl_nn_lstm_forward(nn, &m->lstm, b->batch, b->len, c->x, c->input.valid, c->h, cache ? &c->lstm : NULL));
  BNDL_TRY(bndl_nn_dropout_forward(nn, &m->out_drop, rows, hid, c->h, c->h, &c->out_drop));
  if (m->has_proj)
    BNDL_TRY(bndl_nn_linear_forward(nn, &m->proj, rows, c->h, out));
  bndl_nn_mask_rows(rows, d, out, c->input.valid);
  if (cache == NULL)
    bndl_nn_arena_release(nn->arena, mark);
  return BNDL_OK;
}

bndl_status bndl_nn_lstm_encoder_backward(const bndl_nn *nn, const bndl_nn_lstm_encoder *m, const bndl_nn_batch *b,
                                          const bndl_nn_lstm_encoder_cache *c, const float *dout) {
  int64_t rows = b->batch * b->len, d = m->cfg.dim, hid = m->cfg.hidden;
  bndl_nn_mark mark = bndl_nn_arena_mark(nn->arena);
  float *dh = bndl_nn_arena_floats(nn->arena, rows * hid), *dx = bndl_nn_arena_floats(nn->arena, rows * d);
  float *dy = bndl_nn_arena_floats(nn->arena, rows * d);
  if (dh == NULL || dx == NULL || dy == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memcpy(dy, dout, (size_t)(rows * d) * sizeof(float));
  bndl_nn_mask_rows(rows, d, dy, c->input.valid);
  if (m->has_proj)
    BNDL_TRY(bndl_nn_linear_backward(nn, &m->proj, rows, c->h, dy, dh));
  else
    memcpy(dh, dy, (size_t)(rows * d) * sizeof(float));
  BNDL_TRY(bndl_nn_dropout_backward(nn, &m->out_drop, rows, hid, &c->out_drop, dh, dh));
  BNDL_TRY(bndl_nn_lstm_backward(nn, &m->lstm, b->batch, b->len, &c->lstm, dh, dx));
  BNDL_TRY(bndl_nn_input_backward(nn, &m->input, b, &c->input, dx));
  bndl_nn_arena_release(nn->arena, mark);
  return BNDL_OK;
}
