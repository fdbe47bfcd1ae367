/*
 * nn.h - what every layer of the model layer (src/model/) is given: the run state of
 * one forward/backward pass, and the helpers the layers share.
 *
 * Conventions for every layer (layers.h, attention.h, lstm.h, encoders.h, loss.h):
 *  - Activations are row-major float matrices: one row per (sequence, position), row
 *    r = b * T + t for batch b and position t, unless a layer says otherwise.
 *  - A layer is a small struct of sizes and parameter indices (params.h), built by its
 *    *_build function, which registers its tensors under a name prefix.
 *  - *_forward writes its output and, when `cache` is not NULL, fills the cache with
 *    what backward needs (pointers into nn->arena, or to its inputs: the caller keeps
 *    the inputs alive and unchanged until backward). *_backward takes the output
 *    gradient, writes the input gradient (overwriting; NULL where the caller needs
 *    none) and ADDS the parameter gradients into nn->params->grad.
 *  - Heavy math goes through the context's provider (bndl_op_*), never a vendor
 *    library; the O(rows x dim) loops around it (layer norm, softmax backward, cell
 *    updates, gathers) are plain C over row blocks on the pool. Each row is computed by
 *    one task and sums run in a fixed order, and parameter gradients that sum over rows
 *    do so serially in row order, so results do not depend on the thread count (the
 *    provider ops guarantee the same, backend.h).
 *  - Randomness (dropout) comes from (nn->seed, nn->step, site id, row) only.
 *  - Memory: a training pass is forward (caches allocated from nn->arena), loss,
 *    backward (temporaries given back on return), then bndl_nn_arena_reset by the caller
 *    before the next pass. A layer that fails returns its status and may leave what it
 *    had allocated in the arena; the reset gives it back.
 *  - Inference: pass cache = NULL (and training = 0); the layer gives its arena use back.
 */
#ifndef BNDL_MODEL_NN_H
#define BNDL_MODEL_NN_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "model/arena.h"
#include "model/params.h"

struct bndl_context;

typedef struct bndl_nn {
  struct bndl_context *ctx;
  bndl_nn_params *params;
  bndl_nn_arena *arena;
  int training;  /* dropout active */
  uint64_t seed; /* dropout masks */
  uint64_t step; /* the optimizer step (or any pass counter): new masks each step */
} bndl_nn;

/* C = alpha op(A) op(B) + beta C through bndl_op_gemm (batch 1). */
bndl_status bndl_nn_gemm(const bndl_nn *nn, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                         const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
/* Batched form: `batch` products, operand i at a + i * stride_a (likewise b, c). */
bndl_status bndl_nn_gemm_batched(const bndl_nn *nn, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                                 int64_t batch, float alpha, const float *a, int64_t lda, int64_t stride_a,
                                 const float *b, int64_t ldb, int64_t stride_b, float beta, float *c, int64_t ldc,
                                 int64_t stride_c);

/* Runs fn(ud, begin, end) over [0, rows) in blocks of `grain` rows on the context
 * pool. fn must compute each row independently of the others. */
typedef void (*bndl_nn_rows_fn)(void *ud, int64_t begin, int64_t end);
bndl_status bndl_nn_for_rows(const bndl_nn *nn, int64_t rows, int64_t grain, bndl_nn_rows_fn fn, void *ud);
/* A grain giving each task about 16K floats of work for rows of `cols` values. */
int64_t bndl_nn_grain(int64_t cols);

/* y[r, :] = valid[r] ? y[r, :] : 0 over rows x cols (valid NULL: no-op). */
void bndl_nn_mask_rows(int64_t rows, int64_t cols, float *y, const uint8_t *valid);
/* y += x over n values. */
void bndl_nn_add(int64_t n, float *y, const float *x);

/* A 64-bit mix (splitmix64's finaliser) for deriving generator keys. */
uint64_t bndl_nn_mix(uint64_t x);

#endif
