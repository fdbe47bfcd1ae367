/*
 * lstm.h - a stacked LSTM over padded sequences, as nn.LSTM(input, hidden, layers,
 * batch_first=True, dropout=p): the same parameters per layer l (weight_ih_l<l>
 * 4H x in, weight_hh_l<l> 4H x H, bias_ih_l<l>, bias_hh_l<l>), the same gate order
 * (i, f, g, o), the same cell
 *     i, f, o = sigmoid(.), g = tanh(.),  c_t = f c_{t-1} + i g,  h_t = o tanh(c_t),
 * and dropout on the output of every layer but the last.
 *
 * Padding. A padded step (valid = 0) leaves the state alone (h_t = h_{t-1},
 * c_t = c_{t-1}) and outputs a zero row. With left padding the state is therefore still
 * zero at the first real item, so every sequence gets exactly what nn.LSTM gives on its
 * unpadded items alone (what pack_padded_sequence would give), and padding has no
 * effect on real positions; holes in the middle are skipped the same way.
 *
 * Compute. Inside a layer the state is kept feature-major, H x B per step, so the
 * gates of one step are one 4H x B block: the input projection of every step is one
 * batched GEMM (W_ih x_t^T), the recurrent one is one GEMM per step (W_hh h_{t-1}, the
 * whole batch), and the activations are three contiguous eltwise calls per step
 * (sigmoid over i and f, tanh over g, sigmoid over o) plus one for tanh(c_t). Backward through time runs the
 * cell derivatives in C from the kept activations, one GEMM per step for
 * dh_{t-1} = W_hh^T dG_t, then the weight gradients as per-step GEMMs accumulated in
 * step order and the input gradient as one batched GEMM.
 *
 * Inference (cache NULL) on a provider with a fused LSTM layer (onednn) runs that
 * instead, on the valid suffixes (lstm_fused.c): outputs agree with the composed path
 * within float rounding (the conformance suite and the PyTorch oracle check both), are
 * the same for every thread count, but not bit-identical to the composed path.
 * Training (cache given) composes on every provider.
 */
#ifndef BNDL_MODEL_LSTM_H
#define BNDL_MODEL_LSTM_H

#include <stdint.h>

#include "model/layers.h"

enum { BNDL_NN_LSTM_MAX_LAYERS = 8 };

typedef struct bndl_nn_lstm {
  int64_t input, hidden, layers;
  bndl_nn_param w_ih[BNDL_NN_LSTM_MAX_LAYERS], w_hh[BNDL_NN_LSTM_MAX_LAYERS];
  bndl_nn_param b_ih[BNDL_NN_LSTM_MAX_LAYERS], b_hh[BNDL_NN_LSTM_MAX_LAYERS];
  bndl_nn_dropout drop; /* between layers; layer l uses site drop.site + l */
} bndl_nn_lstm;

typedef struct bndl_nn_lstm_layer_cache {
  const float *x;   /* layer input, rows x in */
  const uint8_t *vstep; /* len x batch: step t of sequence b is valid */
  float *gates;     /* len x 4H x batch, after the activations */
  float *cell;      /* len x H x batch */
  float *tcell;     /* tanh(cell) */
  float *state;     /* len x H x batch, h_t (carried over padded steps) */
  float *state_rows; /* the same, len x batch x H */
  float *out;       /* rows x H: the layer's output before dropout */
  float *dropped;   /* the next layer's input (== out without dropout) */
  bndl_nn_dropout_cache drop;
} bndl_nn_lstm_layer_cache;

typedef struct bndl_nn_lstm_cache {
  const uint8_t *valid;
  bndl_nn_lstm_layer_cache layer[BNDL_NN_LSTM_MAX_LAYERS];
} bndl_nn_lstm_cache;

/* Registers the four tensors of every layer, U(-1/sqrt(H), 1/sqrt(H)) as nn.LSTM. */
bndl_status bndl_nn_lstm_build(bndl_nn_params *p, const char *name, int64_t input, int64_t hidden, int64_t layers,
                               float dropout, uint64_t site, bndl_nn_lstm *l);
/* x: (batch * len) x input, row b * len + t; y: (batch * len) x hidden, the last
 * layer's output (zero rows at padded steps). valid NULL: all valid. */
bndl_status bndl_nn_lstm_forward(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t batch, int64_t len, const float *x,
                                 const uint8_t *valid, float *y, bndl_nn_lstm_cache *cache);
/* Inference forward (no cache) on the provider's fused LSTM layer (lstm_fused.c);
 * *done = 0 when it does not apply (no fused layer on this context, holes in a
 * sequence, dropout on) and the caller composes. bndl_nn_lstm_forward calls it when
 * cache is NULL. */
bndl_status bndl_nn_lstm_forward_fused(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t batch, int64_t len,
                                       const float *x, const uint8_t *valid, float *y, int *done);
bndl_status bndl_nn_lstm_backward(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t batch, int64_t len,
                                  const bndl_nn_lstm_cache *cache, const float *dy, float *dx);

#endif
