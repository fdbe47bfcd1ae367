/*
 * layers.h - the basic layers of the model layer: embedding lookup, linear, layer norm,
 * dropout, elementwise activations, the position-wise feed-forward network. Conventions
 * (caches, gradient accumulation, row layout) are those of nn.h.
 *
 * Each has forward and backward; backward is exact (the derivative of what forward
 * computes in float), checked by finite differences in tests/unit/model/ and against
 * PyTorch (tests/unit/model/torch_oracle.py).
 */
#ifndef BNDL_MODEL_LAYERS_H
#define BNDL_MODEL_LAYERS_H

#include <stdint.h>

#include "backends/backend.h"
#include "model/nn.h"

/* ---- embedding lookup (embedding.c)
 * y[r, :] = scale * table[idx[r], :] for r < n (or += with `accumulate`); idx[r] < 0
 * (padding) contributes nothing (a zero row when not accumulating). Serves items,
 * positions (bndl_nn_positions) and event types alike. */
typedef struct bndl_nn_embedding {
  int64_t rows, dim;
  bndl_nn_param table;
} bndl_nn_embedding;

/* Registers `name` (rows x dim, N(0, 1) as nn.Embedding). */
bndl_status bndl_nn_embedding_build(bndl_nn_params *p, const char *name, int64_t rows, int64_t dim,
                                    bndl_nn_embedding *e);
/* BNDL_ERR_INVALID_ARGUMENT if an index is >= rows (the message names the row). */
bndl_status bndl_nn_embedding_forward(const bndl_nn *nn, const bndl_nn_embedding *e, int64_t n, const int32_t *idx,
                                      float scale, int accumulate, float *y);
/* table_grad[idx[r], :] += scale * dy[r, :] for r = 0, 1, ..., n - 1 in that order: a
 * serial scatter-add, so repeated indices sum in row order whatever the thread count. */
void bndl_nn_embedding_backward(const bndl_nn *nn, const bndl_nn_embedding *e, int64_t n, const int32_t *idx,
                                float scale, const float *dy);
/* Position indices of B x T rows: idx[b * T + t] = t where valid (NULL: all valid), -1
 * elsewhere. Absolute positions, as SASRec: with left padding the most recent item is
 * always at position T - 1. */
void bndl_nn_positions(int64_t batch, int64_t len, const uint8_t *valid, int32_t *idx);

/* ---- linear (linear.c): y = x W^T + b, W out x in, as nn.Linear */
typedef struct bndl_nn_linear {
  int64_t in, out;
  bndl_nn_param w, b; /* b = -1: no bias */
} bndl_nn_linear;

/* nn.Linear's initialisation: W and b ~ U(-1/sqrt(in), 1/sqrt(in)). Registers
 * "<name>.weight" and "<name>.bias". */
bndl_status bndl_nn_linear_build(bndl_nn_params *p, const char *name, int64_t in, int64_t out, int bias,
                                 bndl_nn_linear *l);
/* The same with explicit schemes (attention's projections). */
bndl_status bndl_nn_linear_build_init(bndl_nn_params *p, const char *name, int64_t in, int64_t out, int bias,
                                      bndl_nn_init w_init, float w_a, bndl_nn_init b_init, float b_a,
                                      bndl_nn_linear *l);
bndl_status bndl_nn_linear_forward(const bndl_nn *nn, const bndl_nn_linear *l, int64_t rows, const float *x, float *y);
/* x: the forward input. dx (may be NULL) = dy W; dW += dy^T x; db += column sums of dy. */
bndl_status bndl_nn_linear_backward(const bndl_nn *nn, const bndl_nn_linear *l, int64_t rows, const float *x,
                                    const float *dy, float *dx);

/* ---- layer norm over the last dimension (layer_norm.c), as nn.LayerNorm: biased
 * variance, y = (x - mean) / sqrt(var + eps) * gamma + beta. eps: PyTorch's default is
 * 1e-5; SASRec (the TensorFlow original and pmixer's PyTorch port) uses 1e-8, which is
 * what the SASRec encoder defaults to. Mean and variance are summed in double. */
typedef struct bndl_nn_layer_norm {
  int64_t dim;
  float eps;
  bndl_nn_param gamma, beta;
} bndl_nn_layer_norm;

typedef struct bndl_nn_layer_norm_cache {
  float *xhat; /* rows x dim, normalised input */
  float *rstd; /* rows */
} bndl_nn_layer_norm_cache;

bndl_status bndl_nn_layer_norm_build(bndl_nn_params *p, const char *name, int64_t dim, float eps,
                                     bndl_nn_layer_norm *l);
bndl_status bndl_nn_layer_norm_forward(const bndl_nn *nn, const bndl_nn_layer_norm *l, int64_t rows, const float *x,
                                       float *y, bndl_nn_layer_norm_cache *cache);
bndl_status bndl_nn_layer_norm_backward(const bndl_nn *nn, const bndl_nn_layer_norm *l, int64_t rows,
                                        const bndl_nn_layer_norm_cache *cache, const float *dy, float *dx);

/* ---- dropout (dropout.c): inverted dropout, y = x * keep / (1 - p), active only when
 * nn->training and p > 0 (else y = x). keep[r, c] = (u >= round(p 2^16)) for u the
 * c-th 16-bit draw of a generator seeded by (nn->seed, nn->step, site) and stream r
 * (core/rng.h): the mask of a row depends on those four numbers only, never on threads
 * or on other rows. */
typedef struct bndl_nn_dropout {
  float p;
  uint64_t site; /* distinct for every dropout in a model */
} bndl_nn_dropout;

typedef struct bndl_nn_dropout_cache {
  uint8_t *keep; /* rows x cols, NULL when inactive */
} bndl_nn_dropout_cache;

int bndl_nn_dropout_active(const bndl_nn *nn, const bndl_nn_dropout *d);
/* y may equal x. */
bndl_status bndl_nn_dropout_forward(const bndl_nn *nn, const bndl_nn_dropout *d, int64_t rows, int64_t cols,
                                    const float *x, float *y, bndl_nn_dropout_cache *cache);
/* dx may equal dy. */
bndl_status bndl_nn_dropout_backward(const bndl_nn *nn, const bndl_nn_dropout *d, int64_t rows, int64_t cols,
                                     const bndl_nn_dropout_cache *cache, const float *dy, float *dx);

/* ---- elementwise activations (activation.c) through bndl_op_eltwise: ReLU, GELU
 * (tanh approximation, nn.GELU(approximate="tanh")), sigmoid, tanh. */
bndl_status bndl_nn_activation_forward(const bndl_nn *nn, bndl_eltwise_kind kind, int64_t n, const float *x, float *y);
/* x: the forward input; dx may equal dy. */
bndl_status bndl_nn_activation_backward(const bndl_nn *nn, bndl_eltwise_kind kind, int64_t n, const float *x,
                                        const float *dy, float *dx);

/* ---- position-wise feed-forward (ffn.c): y = fc2(dropout(act(fc1(x)))), the
 * Transformer's (and SASRec's two kernel-size-1 convolutions with dropout between). */
typedef struct bndl_nn_ffn {
  bndl_nn_linear fc1, fc2; /* dim -> hidden -> dim */
  bndl_eltwise_kind act;   /* BNDL_ELT_RELU (SASRec) or BNDL_ELT_GELU */
  bndl_nn_dropout drop;
} bndl_nn_ffn;

typedef struct bndl_nn_ffn_cache {
  const float *x;
  float *pre;  /* fc1 output, rows x hidden */
  float *hid;  /* after activation and dropout, rows x hidden */
  bndl_nn_dropout_cache drop;
} bndl_nn_ffn_cache;

bndl_status bndl_nn_ffn_build(bndl_nn_params *p, const char *name, int64_t dim, int64_t hidden, bndl_eltwise_kind act,
                              float dropout, uint64_t site, bndl_nn_ffn *f);
bndl_status bndl_nn_ffn_forward(const bndl_nn *nn, const bndl_nn_ffn *f, int64_t rows, const float *x, float *y,
                                bndl_nn_ffn_cache *cache);
bndl_status bndl_nn_ffn_backward(const bndl_nn *nn, const bndl_nn_ffn *f, int64_t rows, const bndl_nn_ffn_cache *cache,
                                 const float *dy, float *dx);

/* "<prefix>.<suffix>" into buf (BNDL_NN_NAME_MAX); BNDL_ERR_INVALID_ARGUMENT if too long. */
bndl_status bndl_nn_name(char *buf, const char *prefix, const char *suffix);

#endif
