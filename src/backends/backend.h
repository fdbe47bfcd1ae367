/*
 * backend.h - the compute provider interface (internal vtable).
 *
 * A provider implements a small set of primitive operations on float32 data; every
 * algorithm above (similarity, closed-form models, encoders, search) is written once
 * against these ops and never calls a vendor library itself (BLIS layering, STYLE.md).
 *
 * Providers: "ref" (portable C11, always built, the numerical oracle every other
 * provider is tested against), "openblas" (cblas + LAPACKE), "onednn" (dnnl). A CUDA
 * provider will be a separately loaded module, which is why a provider sees the library
 * only through bndl_host (function pointers) and never includes core/ headers.
 *
 * Conventions for every op:
 *  - Row-major storage; ld* are leading dimensions in elements (>= the row length);
 *    strides of batched operands in elements.
 *  - Sizes may be 0 (the op then does nothing, or only scales C by beta).
 *  - Results must not depend on the number of threads: work is split into blocks
 *    whose results do not interact (reductions are done per row, in a fixed order).
 *  - An op slot left NULL means "not provided": the runtime runs the ref op instead
 *    (logged once at INFO). Failures return a status after host->fail(code, message).
 *  - Providers use host->parallel_for for threading and keep vendor libraries to one
 *    thread inside each task, so threads never exceed the context's pool.
 */
#ifndef BNDL_BACKENDS_BACKEND_H
#define BNDL_BACKENDS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

/* Propagates a failure (providers do not include core/error.h). */
#define BNDL_PROVIDER_TRY(expr)       \
  do {                                \
    bndl_status bndl_ptry_ = (expr);  \
    if (bndl_ptry_ != BNDL_OK)        \
      return bndl_ptry_;              \
  } while (0)

/* ---- what the host gives a provider */
typedef bndl_status (*bndl_host_task_fn)(void *ud, int64_t task, int32_t worker);

typedef struct bndl_host {
  uint32_t struct_size;
  void *self; /* the host's own context; passed back as the first argument */
  /* 64-byte aligned memory from the context allocator; NULL (and the error set) on failure */
  void *(*alloc)(void *self, size_t size);
  void (*free)(void *self, void *p);
  /* runs task 0..n-1 on the context pool (see core/thread_pool.h for the contract) */
  bndl_status (*parallel_for)(void *self, int64_t n_tasks, bndl_host_task_fn fn, void *ud);
  int32_t (*threads)(void *self);
  /* sets the calling thread's error (message copied) and returns code */
  bndl_status (*fail)(bndl_status code, const char *message);
  void (*log)(void *self, bndl_log_level level, const char *message);
} bndl_host;

/* ---- operation descriptors */

/* C[m x n] = alpha * op(A) * op(B) + beta * C for `batch` independent matrices. op(A) is
 * m x k (A is k x m when trans_a), op(B) is k x n (B is n x k when trans_b). With
 * beta == 0, C is written without being read (it may hold NaN). */
typedef struct bndl_gemm_desc {
  int32_t trans_a, trans_b;
  int64_t m, n, k, batch;
  float alpha, beta;
  const float *a;
  int64_t lda, stride_a;
  const float *b;
  int64_t ldb, stride_b;
  float *c;
  int64_t ldc, stride_c;
} bndl_gemm_desc;

/* C[rows x n] = alpha * A * B + beta * C, A a rows x cols CSR matrix (values NULL = all
 * ones), B dense cols x n. With trans_a, A is used transposed: C is cols x n and B is
 * rows x n. */
typedef struct bndl_spmm_desc {
  int32_t trans_a;
  int64_t rows, cols, n;
  const int64_t *indptr;
  const int32_t *indices;
  const float *values;
  float alpha, beta;
  const float *b;
  int64_t ldb;
  float *c;
  int64_t ldc;
} bndl_spmm_desc;

/* Top-k of each row of a dense rows x cols matrix: idx[r*ldk + j], val[r*ldk + j] for j
 * < min(k, valid cols), by score descending, ties by lower column index; NaN ranks
 * below every number. Columns with exclude[r*ldx + c] != 0 (exclude may be NULL) are
 * skipped. Unfilled slots (fewer valid columns than k) get idx -1 and val -INFINITY. */
typedef struct bndl_topk_desc {
  int64_t rows, cols, k;
  const float *x;
  int64_t ldx;
  const uint8_t *exclude;
  int32_t *idx;
  float *val;
  int64_t ldk;
} bndl_topk_desc;

typedef enum bndl_eltwise_kind {
  BNDL_ELT_RELU = 1,
  BNDL_ELT_SIGMOID = 2,
  BNDL_ELT_TANH = 3,
  BNDL_ELT_GELU = 4, /* tanh approximation, as PyTorch's approximate="tanh" */
  BNDL_ELT_EXP = 5,
  BNDL_ELT_LOG = 6
} bndl_eltwise_kind;

/* One unidirectional LSTM layer (nn.LSTM's cell and parameters, gates i, f, g, o) over
 * `batch` sequences of `len` steps, every step real: the caller cuts padding away (the
 * model layer runs groups of sequences that share their valid suffix, model/lstm.c).
 * Time-major: x is len x batch x input, y len x batch x hidden (row t * batch + b),
 * both contiguous. w_ih is 4H x input and w_hh 4H x H (nn.LSTM's weight_ih / weight_hh,
 * row-major), b_ih and b_hh 4H. h0, c0 (batch x H) are the initial state, NULL = zero;
 * h_out, c_out (batch x H) receive the state after the last step (NULL: not wanted).
 * work: lstm_workspace's bytes, 64-byte aligned, so that a call allocates nothing;
 * NULL: the provider allocates it for the call. weights_ready = 1 says that work
 * already holds this layer's weights as the provider prepared them in an earlier call
 * on the same work with the same input and hidden sizes and unchanged weights (a layer
 * run as several calls prepares its weights once). No buffer may overlap another. */
typedef struct bndl_lstm_desc {
  int64_t len, batch, input, hidden;
  const float *x;
  const float *w_ih, *w_hh, *b_ih, *b_hh;
  const float *h0, *c0;
  float *y;
  float *h_out, *c_out;
  void *work;
  int32_t weights_ready;
} bndl_lstm_desc;

/* ---- the provider vtable */
typedef struct bndl_backend_ops {
  uint32_t struct_size;
  const char *name;
  /* Opens a provider instance for one context; *state is passed to every op. */
  bndl_status (*open)(const bndl_host *host, void **state);
  void (*close)(void *state);
  /* Static text describing what runs ("openblas 0.3.21 Haswell, 1 thread per task"). */
  const char *(*describe)(void *state);

  bndl_status (*gemm)(void *state, const bndl_gemm_desc *d);
  bndl_status (*spmm)(void *state, const bndl_spmm_desc *d);
  /* out[r] = || row r ||_2 */
  bndl_status (*row_norms)(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *out);
  /* x[r, :] *= scale[r] */
  bndl_status (*scale_rows)(void *state, int64_t rows, int64_t cols, float *x, int64_t ldx, const float *scale);
  /* y[r, :] = softmax(x[r, :]) (max-subtracted); y may equal x */
  bndl_status (*softmax)(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *y,
                         int64_t ldy);
  /* y = f(x) elementwise over n contiguous values; y may equal x */
  bndl_status (*eltwise)(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, float *y);
  /* dx = dy * f'(x) over n values (x: the forward input); dx may equal dy */
  bndl_status (*eltwise_backward)(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, const float *dy,
                                  float *dx);
  bndl_status (*topk)(void *state, const bndl_topk_desc *d);
  /* A (n x n, symmetric positive definite, lower triangle read) <- A^-1 (both triangles
   * written). BNDL_ERR_INVALID_ARGUMENT if A is not positive definite. */
  bndl_status (*spd_inverse)(void *state, int64_t n, float *a, int64_t lda);
  /* The k largest eigenvalues (descending) of symmetric A (n x n, lower triangle read;
   * A is destroyed) and their unit eigenvectors as the rows of vectors (k x n), each
   * with its largest-magnitude component positive so results are comparable (the first
   * such component by index on exact ties; when two components are equal in magnitude
   * up to rounding, providers may legitimately disagree on the sign). */
  bndl_status (*sym_eigen)(void *state, int64_t n, float *a, int64_t lda, int64_t k, float *values, float *vectors);
  /* Optional fused layers: unlike the ops above, ref does not implement them and the
   * runtime does not fall back; the caller asks bndl_runtime_provides first and
   * composes the layer from the ops above where no provider has it. */
  /* LSTM layer forward for inference (no state kept for backward). */
  bndl_status (*lstm_forward)(void *state, const bndl_lstm_desc *d);
  /* *bytes of work lstm_forward needs for d's sizes (pointers are not read). */
  bndl_status (*lstm_workspace)(void *state, const bndl_lstm_desc *d, size_t *bytes);
} bndl_backend_ops;

/* Built-in providers (NULL when not compiled in). */
const bndl_backend_ops *bndl_backend_ref(void);
const bndl_backend_ops *bndl_backend_openblas(void);
const bndl_backend_ops *bndl_backend_onednn(void);

#endif
