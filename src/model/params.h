/*
 * params.h - the parameter and gradient store of a model: every trainable tensor of
 * every layer lives in one contiguous float array, and its gradient in a second one of
 * the same layout.
 *
 * Why contiguous: an optimizer step, gradient clipping, zeroing, a checksum or a file
 * write is one loop over one array, and a layer holds only an index (bndl_nn_param),
 * never a pointer, so the arrays can be allocated after every layer has registered.
 *
 * Life cycle: bndl_nn_params_init, bndl_nn_params_add for every tensor (layers do this
 * when they are built), bndl_nn_params_alloc (allocates and initialises from a seed),
 * then forward/backward passes accumulate into grad (backward adds; the caller zeroes
 * with bndl_nn_params_zero_grad), bndl_nn_params_free.
 *
 * Initialisation follows PyTorch 1.13's default for the module each tensor belongs to,
 * so that a model built here with default settings starts from the same distributions
 * as the same architecture built with torch.nn (the values differ: the generators
 * differ):
 *   nn.Embedding.weight                 N(0, 1)                     BNDL_NN_INIT_NORMAL, a = 1
 *   nn.Linear.weight (in -> out)        U(-1/sqrt(in), 1/sqrt(in))  kaiming_uniform_(a = sqrt(5))
 *   nn.Linear.bias                      U(-1/sqrt(in), 1/sqrt(in))
 *   nn.MultiheadAttention.in_proj_weight xavier_uniform_: U(-b, b), b = sqrt(6 / (d + 3d))
 *   nn.MultiheadAttention.in_proj_bias, out_proj.bias   0
 *   nn.MultiheadAttention.out_proj.weight U(-1/sqrt(d), 1/sqrt(d))  (an nn.Linear's default)
 *   nn.LayerNorm weight / bias          1 / 0
 *   nn.LSTM (all four tensors a layer)  U(-1/sqrt(hidden), 1/sqrt(hidden))
 * Each tensor draws from its own generator, seeded by (seed, FNV-1a hash of its name),
 * in row-major order: adding a tensor never changes the values of the others, and the
 * thread count plays no part.
 */
#ifndef BNDL_MODEL_PARAMS_H
#define BNDL_MODEL_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

typedef enum bndl_nn_init {
  BNDL_NN_INIT_ZEROS = 0,
  BNDL_NN_INIT_ONES = 1,
  BNDL_NN_INIT_NORMAL = 2,  /* N(0, a^2) */
  BNDL_NN_INIT_UNIFORM = 3, /* U(-a, a) */
  BNDL_NN_INIT_XAVIER_UNIFORM = 4 /* U(-b, b), b = a * sqrt(6 / (rows + cols)) (a: the gain) */
} bndl_nn_init;

/* Index of a tensor in its store. */
typedef int32_t bndl_nn_param;

enum { BNDL_NN_NAME_MAX = 64 };

typedef struct bndl_nn_tensor {
  char name[BNDL_NN_NAME_MAX]; /* "block0.attn.in_proj_weight" */
  int64_t rows, cols;          /* a vector is 1 x cols */
  size_t offset;               /* in floats from the start of value / grad; a multiple of 16 */
  bndl_nn_init init;
  float init_a;
} bndl_nn_tensor;

typedef struct bndl_nn_params {
  const bndl_allocator *alloc;
  bndl_nn_tensor *tensors;
  int32_t count, cap;
  size_t total; /* floats, padding included */
  float *value, *grad;
} bndl_nn_params;

void bndl_nn_params_init(bndl_nn_params *p, const bndl_allocator *alloc);
/* Registers a rows x cols tensor (before bndl_nn_params_alloc). Names must be unique
 * and shorter than BNDL_NN_NAME_MAX. */
bndl_status bndl_nn_params_add(bndl_nn_params *p, const char *name, int64_t rows, int64_t cols, bndl_nn_init init,
                               float init_a, bndl_nn_param *out);
/* Allocates value and grad (grad zeroed) and initialises every tensor from `seed`. */
bndl_status bndl_nn_params_alloc(bndl_nn_params *p, uint64_t seed);
/* Re-draws one tensor from its scheme (used by tests and by re-initialisation). */
void bndl_nn_params_reset(bndl_nn_params *p, bndl_nn_param id, uint64_t seed);
void bndl_nn_params_zero_grad(bndl_nn_params *p);
void bndl_nn_params_free(bndl_nn_params *p);
/* Index of the tensor called `name`, or -1. */
bndl_nn_param bndl_nn_params_find(const bndl_nn_params *p, const char *name);

static inline float *bndl_nn_value(const bndl_nn_params *p, bndl_nn_param id) {
  return p->value + p->tensors[id].offset;
}
static inline float *bndl_nn_grad(const bndl_nn_params *p, bndl_nn_param id) {
  return p->grad + p->tensors[id].offset;
}
static inline int64_t bndl_nn_numel(const bndl_nn_params *p, bndl_nn_param id) {
  return p->tensors[id].rows * p->tensors[id].cols;
}

#endif
