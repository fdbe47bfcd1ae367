/*
 * encoders.h - the two behaviour-sequence encoders (issue 4) and the input embedding
 * they share. Both map a mini-batch of left-padded item sequences (B x T, item -1 =
 * padding) to one dim-vector per position (the user state after that position, row
 * b * T + t, zero at padded positions), which the scoring heads (loss.h) dot with the
 * same item embedding table the input uses (tied weights).
 *
 * Input embedding (input.c), for a valid position:
 *     x = s E[item] + P[t] (SASRec only) + Y[event type] (optional) + W_f f[item]
 *         (optional: the item's features, a fixed n_items x n_features table, projected
 *         by a bias-free linear map, i.e. "concatenate, then project" folded into a sum)
 * then dropout, and padded rows set to 0. s is sqrt(dim) for SASRec (as its code does),
 * 1 for the LSTM encoder.
 *
 * SASRec-style Transformer (sasrec.c; Kang & McAuley 2018, section 3): blocks of
 *     x = x + Dropout(Attention(LayerNorm(x)))     (causal, key padding, attention.h)
 *     x = x + Dropout(FFN(LayerNorm(x)))           (layers.h)
 *     x = x * valid                                (padded rows back to 0, as SASRec's code)
 * then a final LayerNorm, and padded rows set to 0. This is the paper's formula: query,
 * key and value all come from LayerNorm(x). (The TensorFlow original and pmixer's port
 * normalise only the queries and add the normalised queries back; that variant is not
 * built here.)
 *
 * LSTM encoder, GRU4Rec-style (lstm_encoder.c): input embedding, stacked LSTM (lstm.h,
 * dropout between layers), dropout, a linear map hidden -> dim when they differ, padded
 * rows 0. The state for recommending after the whole sequence is the last row of each
 * sequence (position T - 1, the most recent item under left padding).
 *
 * Dropout sites (bndl_nn_dropout.site) are fixed per encoder: input 1, block k attention
 * probabilities 100 + 10k, attention output 101 + 10k, FFN inner 102 + 10k, FFN output
 * 103 + 10k; LSTM between layers 200 + l, LSTM output 199.
 */
#ifndef BNDL_MODEL_ENCODERS_H
#define BNDL_MODEL_ENCODERS_H

#include <stdint.h>

#include "model/attention.h"
#include "model/layers.h"
#include "model/lstm.h"

/* One mini-batch of sequences. */
typedef struct bndl_nn_batch {
  int64_t batch, len;
  const int32_t *items;         /* batch * len, -1 = padding */
  const int32_t *types;         /* batch * len event types, or NULL (read at valid positions only) */
  const float *item_features;   /* n_items x n_features, row = item, or NULL when the model has none */
} bndl_nn_batch;

typedef struct bndl_nn_input {
  int64_t dim;
  float item_scale;
  bndl_nn_embedding item, pos, type;
  int has_pos, has_type, has_feat;
  bndl_nn_linear feat; /* n_features -> dim, no bias */
  bndl_nn_dropout drop;
} bndl_nn_input;

typedef struct bndl_nn_input_cache {
  uint8_t *valid;     /* batch * len */
  int32_t *pos_idx;   /* positions (-1 at padding), when has_pos */
  int32_t *type_idx;  /* event types (-1 at padding), when has_type */
  float *feat_rows;   /* gathered item features, when has_feat */
  bndl_nn_dropout_cache drop;
} bndl_nn_input_cache;

/* Registers "item_emb" (n_items x dim), "pos_emb" (max_len x dim, when max_len > 0),
 * "type_emb" (n_types x dim, when n_types > 0), "feat_proj.weight" (when
 * n_features > 0). */
bndl_status bndl_nn_input_build(bndl_nn_params *p, int64_t n_items, int64_t dim, int64_t max_len, int64_t n_types,
                                int64_t n_features, float item_scale, float dropout, bndl_nn_input *in);
/* x: rows x dim. The cache is needed by backward and also gives `valid` to the layers
 * above, so it is always filled. BNDL_ERR_INVALID_ARGUMENT for an item, type or length
 * out of range. */
bndl_status bndl_nn_input_forward(const bndl_nn *nn, const bndl_nn_input *in, const bndl_nn_batch *b, float *x,
                                  bndl_nn_input_cache *cache);
/* Scatters dx (rows x dim) into the tables' gradients; dx is overwritten. */
bndl_status bndl_nn_input_backward(const bndl_nn *nn, const bndl_nn_input *in, const bndl_nn_batch *b,
                                   const bndl_nn_input_cache *cache, float *dx);

/* ---- SASRec */
enum { BNDL_NN_SASREC_MAX_BLOCKS = 8 };

typedef struct bndl_nn_sasrec_config {
  int64_t n_items, max_len, dim, heads, blocks;
  int64_t ffn_hidden;       /* 0: dim (SASRec) */
  int64_t n_event_types;    /* 0: none */
  int64_t n_item_features;  /* 0: none */
  float dropout;            /* embedding, residual branches, FFN inner */
  float attn_dropout;       /* attention probabilities */
  float ln_eps;             /* 1e-8 as SASRec (PyTorch's default is 1e-5) */
  bndl_eltwise_kind ffn_act; /* BNDL_ELT_RELU (SASRec) or BNDL_ELT_GELU */
  int scale_embeddings;      /* 1: item embeddings times sqrt(dim), as SASRec */
} bndl_nn_sasrec_config;

/* SASRec's defaults for the sizes given: ffn_hidden = dim, dropout 0.2, eps 1e-8, ReLU,
 * scaled embeddings, no side inputs. */
bndl_nn_sasrec_config bndl_nn_sasrec_defaults(int64_t n_items, int64_t max_len, int64_t dim, int64_t heads,
                                              int64_t blocks);

typedef struct bndl_nn_sasrec_block {
  bndl_nn_layer_norm ln1, ln2;
  bndl_nn_attention attn;
  bndl_nn_ffn ffn;
  bndl_nn_dropout drop1, drop2;
} bndl_nn_sasrec_block;

typedef struct bndl_nn_sasrec {
  bndl_nn_sasrec_config cfg;
  bndl_nn_input input;
  bndl_nn_sasrec_block block[BNDL_NN_SASREC_MAX_BLOCKS];
  bndl_nn_layer_norm final_ln;
} bndl_nn_sasrec;

typedef struct bndl_nn_sasrec_block_cache {
  float *a; /* LayerNorm1 output */
  float *f; /* LayerNorm2 output */
  bndl_nn_layer_norm_cache ln1, ln2;
  bndl_nn_attention_cache attn;
  bndl_nn_ffn_cache ffn;
  bndl_nn_dropout_cache drop1, drop2;
} bndl_nn_sasrec_block_cache;

typedef struct bndl_nn_sasrec_cache {
  bndl_nn_input_cache input;
  bndl_nn_sasrec_block_cache block[BNDL_NN_SASREC_MAX_BLOCKS];
  bndl_nn_layer_norm_cache final_ln;
} bndl_nn_sasrec_cache;

bndl_status bndl_nn_sasrec_build(bndl_nn_params *p, const bndl_nn_sasrec_config *cfg, bndl_nn_sasrec *m);
/* out: (batch * len) x dim. cache NULL: inference (the arena is given back). */
bndl_status bndl_nn_sasrec_forward(const bndl_nn *nn, const bndl_nn_sasrec *m, const bndl_nn_batch *b, float *out,
                                   bndl_nn_sasrec_cache *cache);
bndl_status bndl_nn_sasrec_backward(const bndl_nn *nn, const bndl_nn_sasrec *m, const bndl_nn_batch *b,
                                    const bndl_nn_sasrec_cache *cache, const float *dout);

/* ---- LSTM encoder */
typedef struct bndl_nn_lstm_encoder_config {
  int64_t n_items, dim, hidden, layers; /* hidden 0: dim */
  int64_t n_event_types, n_item_features;
  float dropout; /* input, between layers, output */
} bndl_nn_lstm_encoder_config;

typedef struct bndl_nn_lstm_encoder {
  bndl_nn_lstm_encoder_config cfg;
  bndl_nn_input input;
  bndl_nn_lstm lstm;
  bndl_nn_dropout out_drop;
  int has_proj;
  bndl_nn_linear proj; /* hidden -> dim when they differ */
} bndl_nn_lstm_encoder;

typedef struct bndl_nn_lstm_encoder_cache {
  bndl_nn_input_cache input;
  float *x;      /* input embedding */
  float *h;      /* LSTM output, after dropout */
  bndl_nn_lstm_cache lstm;
  bndl_nn_dropout_cache out_drop;
} bndl_nn_lstm_encoder_cache;

bndl_status bndl_nn_lstm_encoder_build(bndl_nn_params *p, const bndl_nn_lstm_encoder_config *cfg,
                                       bndl_nn_lstm_encoder *m);
bndl_status bndl_nn_lstm_encoder_forward(const bndl_nn *nn, const bndl_nn_lstm_encoder *m, const bndl_nn_batch *b,
                                         float *out, bndl_nn_lstm_encoder_cache *cache);
bndl_status bndl_nn_lstm_encoder_backward(const bndl_nn *nn, const bndl_nn_lstm_encoder *m, const bndl_nn_batch *b,
                                          const bndl_nn_lstm_encoder_cache *cache, const float *dout);

#endif
