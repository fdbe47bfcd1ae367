/*
 * activation.c - elementwise activations through the provider's eltwise ops (ReLU,
 * GELU-tanh, sigmoid, tanh); backward from the forward input, as the op's contract.
 */
#include "model/layers.h"
#include "runtime/runtime.h"

bndl_status bndl_nn_activation_forward(const bndl_nn *nn, bndl_eltwise_kind kind, int64_t n, const float *x,
                                       float *y) {
  return bndl_op_eltwise(nn->ctx, kind, n, x, y);
}

bndl_status bndl_nn_activation_backward(const bndl_nn *nn, bndl_eltwise_kind kind, int64_t n, const float *x,
                                        const float *dy, float *dx) {
  return bndl_op_eltwise_backward(nn->ctx, kind, n, x, dy, dx);
}
