/*
 * optim.h - the optimizers of the trainer: Adam, AdamW and SGD with momentum over the
 * contiguous value / grad arrays of a parameter store (params.h), with global
 * gradient-norm clipping and a learning-rate schedule.
 *
 * The update formulas are torch.optim's (PyTorch 1.13, single-tensor path), so a run
 * here and the same run in torch take the same steps up to float rounding:
 *   Adam   g += wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *          p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *   AdamW  p *= 1 - lr wd (decoupled decay), then Adam without the L2 term
 *   SGD    g += wd p;  buf = momentum buf + g (buf = g at the first step);  p -= lr buf
 * Clipping is torch.nn.utils.clip_grad_norm_: with N the 2-norm of the whole gradient,
 * every gradient is scaled by c / (N + 1e-6) when that is below 1.
 *
 * Schedule (step s = 0, 1, ... counts the updates made before this one, T the total):
 * a linear warm-up lr (s + 1) / W for s < W, then constant lr, linear decay
 * lr (T - s) / (T - W) or cosine lr (1 + cos(pi (s - W) / (T - W))) / 2.
 *
 * The arrays are cut into fixed blocks of 64K values, run as tasks on the context's
 * pool (NULL context: on the calling thread). Updates are per element, and the norm is
 * summed in double per block, then over the blocks in order, so results do not depend
 * on the thread count. The padding between tensors has zero gradient and stays zero.
 */
#ifndef BNDL_MODEL_OPTIM_H
#define BNDL_MODEL_OPTIM_H

#include <stdint.h>

#include "model/params.h"

struct bndl_context;

typedef enum bndl_nn_optimizer { BNDL_NN_ADAM = 1, BNDL_NN_ADAMW = 2, BNDL_NN_SGD = 3 } bndl_nn_optimizer;

typedef enum bndl_nn_lr_schedule {
  BNDL_NN_LR_CONSTANT = 0,
  BNDL_NN_LR_LINEAR = 1,
  BNDL_NN_LR_COSINE = 2
} bndl_nn_lr_schedule;

typedef struct bndl_nn_optim_config {
  bndl_nn_optimizer kind;
  double lr, weight_decay, momentum, beta1, beta2, eps; /* eps: Adam's 1e-8 */
  double clip_norm;                                      /* 0: no clipping */
  bndl_nn_lr_schedule schedule;
  int64_t warmup_steps, total_steps;                     /* total: for the decays */
} bndl_nn_optim_config;

typedef struct bndl_nn_optim {
  bndl_nn_optim_config cfg;
  const bndl_allocator *alloc;
  float *m, *v; /* Adam moments / SGD momentum buffer (m) */
  double *partial; /* per-block squared norms */
  size_t n;
  int64_t step; /* updates made */
} bndl_nn_optim;

/* Allocates the state for p's layout. BNDL_ERR_INVALID_ARGUMENT for an unknown kind or
 * a value out of range (negative rates, betas outside [0, 1)). */
bndl_status bndl_nn_optim_init(bndl_nn_optim *o, const bndl_nn_params *p, const bndl_nn_optim_config *cfg);
/* The learning rate of update number `step` (0-based). */
double bndl_nn_lr_at(const bndl_nn_optim_config *cfg, int64_t step);
/* 2-norm of the whole gradient (summed in double, index order; a reference for tests). */
double bndl_nn_grad_norm(const bndl_nn_params *p);
/* Clips (when configured) and applies one update with the scheduled rate on ctx's pool
 * (ctx may be NULL); the gradient is left scaled by the clip. *norm (may be NULL) gets
 * the norm before clipping. */
bndl_status bndl_nn_optim_step(bndl_nn_optim *o, struct bndl_context *ctx, bndl_nn_params *p, double *norm);
void bndl_nn_optim_free(bndl_nn_optim *o);

#endif
