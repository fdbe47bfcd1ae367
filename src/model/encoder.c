/*
 * encoder.c - dispatch from the encoder handle to the two architectures.
 */
#include "model/encoder.h"

#include <string.h>

#include "core/error.h"

bndl_status bndl_nn_encoder_build(bndl_nn_params *p, const bndl_nn_encoder_config *cfg, bndl_nn_encoder *e) {
  memset(e, 0, sizeof *e);
  e->cfg = *cfg;
  if (cfg->kind == BNDL_NN_ENCODER_SASREC) {
    if (cfg->heads < 1 || cfg->dim % cfg->heads != 0)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "sasrec: dim %lld is not a multiple of heads %lld",
                       (long long)cfg->dim, (long long)cfg->heads);
    bndl_nn_sasrec_config s = bndl_nn_sasrec_defaults(cfg->n_items, cfg->max_len, cfg->dim, cfg->heads, cfg->layers);
    s.ffn_hidden = cfg->hidden > 0 ? cfg->hidden : cfg->dim;
    s.n_event_types = cfg->n_event_types;
    s.n_item_features = cfg->n_item_features;
    s.dropout = cfg->dropout;
    s.attn_dropout = cfg->attn_dropout;
    return bndl_nn_sasrec_build(p, &s, &e->u.sasrec);
  }
  if (cfg->kind == BNDL_NN_ENCODER_LSTM) {
    if (cfg->layers < 1 || cfg->dim < 1 || cfg->n_items < 1)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "lstm: items %lld, dim %lld, layers %lld must be positive",
                       (long long)cfg->n_items, (long long)cfg->dim, (long long)cfg->layers);
    bndl_nn_lstm_encoder_config l = {.n_items = cfg->n_items,
                                     .dim = cfg->dim,
                                     .hidden = cfg->hidden > 0 ? cfg->hidden : cfg->dim,
                                     .layers = cfg->layers,
                                     .n_event_types = cfg->n_event_types,
                                     .n_item_features = cfg->n_item_features,
                                     .dropout = cfg->dropout};
    return bndl_nn_lstm_encoder_build(p, &l, &e->u.lstm);
  }
  return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "encoder: unknown kind %d", (int)cfg->kind);
}

bndl_status bndl_nn_encoder_forward(const bndl_nn *nn, const bndl_nn_encoder *e, const bndl_nn_batch *b, float *out,
                                    bndl_nn_encoder_cache *cache) {
  if (e->cfg.kind == BNDL_NN_ENCODER_SASREC)
    return bndl_nn_sasrec_forward(nn, &e->u.sasrec, b, out, cache ? &cache->sasrec : NULL);
  return bndl_nn_lstm_encoder_forward(nn, &e->u.lstm, b, out, cache ? &cache->lstm : NULL);
}

bndl_status bndl_nn_encoder_backward(const bndl_nn *nn, const bndl_nn_encoder *e, const bndl_nn_batch *b,
                                     const bndl_nn_encoder_cache *cache, const float *dout) {
  if (e->cfg.kind == BNDL_NN_ENCODER_SASREC)
    return bndl_nn_sasrec_backward(nn, &e->u.sasrec, b, &cache->sasrec, dout);
  return bndl_nn_lstm_encoder_backward(nn, &e->u.lstm, b, &cache->lstm, dout);
}

const bndl_nn_embedding *bndl_nn_encoder_items(const bndl_nn_encoder *e) {
  return e->cfg.kind == BNDL_NN_ENCODER_SASREC ? &e->u.sasrec.input.item : &e->u.lstm.input.item;
}

const char *bndl_nn_encoder_kind_name(bndl_nn_encoder_kind kind) {
  return kind == BNDL_NN_ENCODER_SASREC ? "sasrec" : kind == BNDL_NN_ENCODER_LSTM ? "lstm" : "unknown";
}
