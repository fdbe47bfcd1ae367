/*
 * encoder.h - one handle over the two behaviour-sequence encoders of encoders.h, so the
 * trainer (train.h), the model object and its file see "an encoder" and never switch on
 * the architecture themselves.
 *
 * An encoder maps a batch of left-padded sequences to one dim-vector per position; the
 * state used to recommend after a whole sequence is its last row (position len - 1,
 * the most recent item under left padding), and items are scored by dot products with
 * the item embedding table (bndl_nn_encoder_items), the same table the input uses.
 */
#ifndef BNDL_MODEL_ENCODER_H
#define BNDL_MODEL_ENCODER_H

#include <stdint.h>

#include "model/encoders.h"

typedef enum bndl_nn_encoder_kind { BNDL_NN_ENCODER_SASREC = 1, BNDL_NN_ENCODER_LSTM = 2 } bndl_nn_encoder_kind;

/* Everything that fixes the architecture (and so the parameter layout). Fields that do
 * not apply to the kind are ignored. */
typedef struct bndl_nn_encoder_config {
  bndl_nn_encoder_kind kind;
  int64_t n_items;          /* rows of the item table */
  int64_t max_len;          /* longest input sequence (SASRec's position table; the LSTM truncates likewise) */
  int64_t dim;              /* embedding and output size */
  int64_t layers;           /* SASRec blocks or stacked LSTM layers */
  int64_t heads;            /* SASRec */
  int64_t hidden;           /* SASRec FFN inner size / LSTM hidden size; 0: dim */
  int64_t n_event_types;    /* 0: no event-type input */
  int64_t n_item_features;  /* 0: no item-feature input */
  float dropout;
  float attn_dropout;       /* SASRec */
} bndl_nn_encoder_config;

typedef struct bndl_nn_encoder {
  bndl_nn_encoder_config cfg;
  union {
    bndl_nn_sasrec sasrec;
    bndl_nn_lstm_encoder lstm;
  } u;
} bndl_nn_encoder;

typedef union bndl_nn_encoder_cache {
  bndl_nn_sasrec_cache sasrec;
  bndl_nn_lstm_encoder_cache lstm;
} bndl_nn_encoder_cache;

/* Registers the encoder's tensors in p (before bndl_nn_params_alloc). SASRec uses its
 * paper's settings for what the config does not name (ReLU, eps 1e-8, scaled
 * embeddings). BNDL_ERR_INVALID_ARGUMENT for an impossible configuration. */
bndl_status bndl_nn_encoder_build(bndl_nn_params *p, const bndl_nn_encoder_config *cfg, bndl_nn_encoder *e);
/* out: (batch * len) x dim; cache NULL: inference. */
bndl_status bndl_nn_encoder_forward(const bndl_nn *nn, const bndl_nn_encoder *e, const bndl_nn_batch *b, float *out,
                                    bndl_nn_encoder_cache *cache);
bndl_status bndl_nn_encoder_backward(const bndl_nn *nn, const bndl_nn_encoder *e, const bndl_nn_batch *b,
                                     const bndl_nn_encoder_cache *cache, const float *dout);
/* The (tied) item embedding table the heads score with. */
const bndl_nn_embedding *bndl_nn_encoder_items(const bndl_nn_encoder *e);
/* "sasrec" or "lstm". */
const char *bndl_nn_encoder_kind_name(bndl_nn_encoder_kind kind);

#endif
