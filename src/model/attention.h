/*
 * attention.h - multi-head scaled dot-product self-attention with a causal mask and a
 * key padding mask, as nn.MultiheadAttention(dim, heads, batch_first=True) used for
 * self-attention (query = key = value = x): the same parameters (in_proj_weight
 * 3dim x dim holding W_q, W_k, W_v in that order, in_proj_bias, out_proj), the same head
 * split (head h owns columns h*dim/heads .. (h+1)*dim/heads - 1), the same dropout place
 * (on the attention probabilities).
 *
 * Masks. Query i of sequence b may attend to key j iff j <= i (when causal) and key j is
 * valid. Excluded scores are set to -inf before the softmax and the probabilities set to
 * exactly 0 after it, so a masked key has no influence at all, whatever the provider's
 * softmax does with -inf. A padded query (valid[b, i] = 0) attends to nothing: its
 * context vector is 0 (its output is out_proj's bias) and nothing flows back through it
 * (torch would give NaN for such a fully masked row; the encoders zero padded rows
 * anyway). With left padding every valid query has at least itself to attend to.
 *
 * Backward through the softmax is done here in C, per row: dS = P * (dP - sum_j dP P)
 * (masked entries have P = 0 and so get dS = 0). The products (scores, context, and the
 * four backward products) are batched GEMMs through the provider, one call per head
 * with the batch of sequences as the GEMM batch.
 */
#ifndef BNDL_MODEL_ATTENTION_H
#define BNDL_MODEL_ATTENTION_H

#include <stdint.h>

#include "model/layers.h"

typedef struct bndl_nn_attention {
  int64_t dim, heads;
  int causal;
  bndl_nn_linear in_proj;  /* dim -> 3 dim */
  bndl_nn_linear out_proj; /* dim -> dim */
  bndl_nn_dropout drop;    /* on the attention probabilities */
} bndl_nn_attention;

typedef struct bndl_nn_attention_cache {
  const float *x;
  const uint8_t *valid;
  float *qkv;   /* rows x 3 dim */
  float *prob;  /* batch x heads x len x len, softmax output */
  float *dprob; /* the same after dropout (== prob when dropout is inactive) */
  float *ctx;   /* rows x dim, heads concatenated */
  bndl_nn_dropout_cache drop;
} bndl_nn_attention_cache;

/* Registers "<name>.in_proj_weight" (xavier_uniform_), "<name>.in_proj_bias" (0),
 * "<name>.out_proj.weight" (nn.Linear's default), "<name>.out_proj.bias" (0): what
 * nn.MultiheadAttention._reset_parameters does. dim must be a multiple of heads. */
bndl_status bndl_nn_attention_build(bndl_nn_params *p, const char *name, int64_t dim, int64_t heads, int causal,
                                    float dropout, uint64_t site, bndl_nn_attention *a);
/* x, y: (batch * len) x dim; valid: batch * len flags (NULL: all valid). */
bndl_status bndl_nn_attention_forward(const bndl_nn *nn, const bndl_nn_attention *a, int64_t batch, int64_t len,
                                      const float *x, const uint8_t *valid, float *y, bndl_nn_attention_cache *cache);
bndl_status bndl_nn_attention_backward(const bndl_nn *nn, const bndl_nn_attention *a, int64_t batch, int64_t len,
                                       const bndl_nn_attention_cache *cache, const float *dy, float *dx);

#endif
