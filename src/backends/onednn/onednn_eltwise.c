/*
 * onednn_eltwise.c - elementwise activations (forward and backward) and row softmax on
 * oneDNN primitives.
 *
 * Work is cut into pieces whose size depends on the shape only, never on the thread
 * count: CHUNK values for eltwise, ROW_VALUES / cols rows for softmax. Each piece is one
 * primitive execution in one pool task (one OpenMP thread), so results are identical for
 * every pool size. A shape needs at most two primitives, the full piece and the tail,
 * both taken from the instance cache before the tasks start.
 *
 * Algorithms: relu (negative slope 0), logistic, tanh, gelu_tanh (PyTorch's
 * approximate="tanh"), exp, log. Backward uses the forward input x (not the *_use_dst_for_bwd
 * variants), as the vtable's contract states.
 *
 * Except the forward log: oneDNN 2.6's JIT log is off by up to 1.4e-6 *absolute*
 * (log(1) = -1.43e-6, log(e) = 0.999998; the same with the ISA capped to AVX2), which is
 * thousands of ulps near x = 1 and fails the conformance tolerance. The forward log
 * therefore runs as libm logf (< 1 ulp) over the same chunks. Its backward (dy / x) is
 * exact on oneDNN and stays there. Softmax is softmax_v2 "accurate" (max
 * subtracted) along the last axis; separate source and destination descriptors carry
 * the two leading dimensions.
 *
 * Compiled only with oneDNN (src/CMakeLists.txt).
 */
#include <math.h>
#include <string.h>

#include "backends/onednn/onednn.h"

enum { CHUNK = 1 << 16, ROW_VALUES = 1 << 16 };

static int eltwise_alg(bndl_eltwise_kind kind, dnnl_alg_kind_t *alg) {
  switch (kind) {
  case BNDL_ELT_RELU: *alg = dnnl_eltwise_relu; return 1;
  case BNDL_ELT_SIGMOID: *alg = dnnl_eltwise_logistic; return 1;
  case BNDL_ELT_TANH: *alg = dnnl_eltwise_tanh; return 1;
  case BNDL_ELT_GELU: *alg = dnnl_eltwise_gelu_tanh; return 1;
  case BNDL_ELT_EXP: *alg = dnnl_eltwise_exp; return 1;
  case BNDL_ELT_LOG: *alg = dnnl_eltwise_log; return 1;
  }
  return 0;
}

/* key: shape[0] = number of values (contiguous). */
static bndl_status build_eltwise(onednn_state *s, const onednn_key *key, const_dnnl_primitive_attr_t attr,
                                 dnnl_primitive_desc_t *pd, int *nargs, int arg[ONEDNN_MAX_ARGS]) {
  dnnl_memory_desc_t md;
  dnnl_dims_t dims = {key->shape[0]}, strides = {1};
  dnnl_alg_kind_t alg = (dnnl_alg_kind_t)key->alg;
  BNDL_PROVIDER_TRY(onednn_check(s, dnnl_memory_desc_init_by_strides(&md, 1, dims, dnnl_f32, strides),
                                 "dnnl_memory_desc_init_by_strides (eltwise)"));
  dnnl_eltwise_desc_t fwd;
  if (key->op == ONEDNN_ELTWISE_FWD) {
    BNDL_PROVIDER_TRY(onednn_check(s, dnnl_eltwise_forward_desc_init(&fwd, dnnl_forward_inference, alg, &md, 0, 0),
                                   "dnnl_eltwise_forward_desc_init"));
    BNDL_PROVIDER_TRY(onednn_check(s, dnnl_primitive_desc_create(pd, &fwd, attr, s->engine, NULL),
                                   "dnnl_primitive_desc_create (eltwise forward)"));
    *nargs = 2;
    arg[0] = DNNL_ARG_SRC;
    arg[1] = DNNL_ARG_DST;
    return BNDL_OK;
  }
  /* backward needs the training forward descriptor as its hint */
  dnnl_primitive_desc_t hint = NULL;
  dnnl_eltwise_desc_t bwd;
  BNDL_PROVIDER_TRY(onednn_check(s, dnnl_eltwise_forward_desc_init(&fwd, dnnl_forward_training, alg, &md, 0, 0),
                                 "dnnl_eltwise_forward_desc_init"));
  BNDL_PROVIDER_TRY(onednn_check(s, dnnl_primitive_desc_create(&hint, &fwd, NULL, s->engine, NULL),
                                 "dnnl_primitive_desc_create (eltwise forward hint)"));
  bndl_status st =
      onednn_check(s, dnnl_eltwise_backward_desc_init(&bwd, alg, &md, &md, 0, 0), "dnnl_eltwise_backward_desc_init");
  if (st == BNDL_OK)
    st = onednn_check(s, dnnl_primitive_desc_create(pd, &bwd, attr, s->engine, hint),
                      "dnnl_primitive_desc_create (eltwise backward)");
  dnnl_primitive_desc_destroy(hint);
  *nargs = 3;
  arg[0] = DNNL_ARG_SRC;
  arg[1] = DNNL_ARG_DIFF_DST;
  arg[2] = DNNL_ARG_DIFF_SRC;
  return st;
}

typedef struct elt_job {
  onednn_state *s;
  onednn_prim *full, *tail;
  int64_t full_chunks;
  const float *x, *dy;
  float *y;
} elt_job;

static bndl_status elt_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const elt_job *j = ud;
  int64_t begin = task * CHUNK;
  const onednn_prim *p = task < j->full_chunks ? j->full : j->tail;
  void *ptr[ONEDNN_MAX_ARGS] = {(void *)(j->x + begin), (void *)(j->y + begin), NULL};
  if (j->dy) {
    ptr[1] = (void *)(j->dy + begin);
    ptr[2] = j->y + begin;
  }
  return onednn_prim_run(j->s, p, ptr);
}

typedef struct log_job {
  int64_t n;
  const float *x;
  float *y;
} log_job;

static bndl_status log_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const log_job *j = ud;
  int64_t end = (task + 1) * CHUNK < j->n ? (task + 1) * CHUNK : j->n;
  for (int64_t i = task * CHUNK; i < end; i++)
    j->y[i] = logf(j->x[i]);
  return BNDL_OK;
}

static bndl_status run_eltwise(onednn_state *s, onednn_op op, bndl_eltwise_kind kind, int64_t n, const float *x,
                               const float *dy, float *y) {
  dnnl_alg_kind_t alg;
  if (!eltwise_alg(kind, &alg))
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "unknown elementwise op");
  if (n <= 0)
    return BNDL_OK;
  int64_t tail = n % CHUNK;
  if (op == ONEDNN_ELTWISE_FWD && kind == BNDL_ELT_LOG) {
    log_job lj = {n, x, y};
    return onednn_parallel(s, n / CHUNK + (tail > 0), log_task, &lj);
  }
  elt_job j = {s, NULL, NULL, n / CHUNK, x, dy, y};
  onednn_key key;
  memset(&key, 0, sizeof key);
  key.op = op;
  key.alg = (int32_t)alg;
  int previous = onednn_pin_begin();
  bndl_status st = BNDL_OK;
  if (j.full_chunks > 0) {
    key.shape[0] = CHUNK;
    st = onednn_prim_get(s, &key, build_eltwise, &j.full);
  }
  if (st == BNDL_OK && tail > 0) {
    key.shape[0] = tail;
    st = onednn_prim_get(s, &key, build_eltwise, &j.tail);
  }
  if (st == BNDL_OK)
    st = onednn_parallel(s, j.full_chunks + (tail > 0), elt_task, &j);
  onednn_prim_put(s, j.full);
  onednn_prim_put(s, j.tail);
  onednn_pin_end(previous);
  return st;
}

bndl_status onednn_eltwise(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, float *y) {
  return run_eltwise(state, ONEDNN_ELTWISE_FWD, kind, n, x, NULL, y);
}

bndl_status onednn_eltwise_backward(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, const float *dy,
                                    float *dx) {
  return run_eltwise(state, ONEDNN_ELTWISE_BWD, kind, n, x, dy, dx);
}

/* ---- softmax. key: shape = {rows, cols, ldx, ldy}. */

static bndl_status build_softmax(onednn_state *s, const onednn_key *key, const_dnnl_primitive_attr_t attr,
                                 dnnl_primitive_desc_t *pd, int *nargs, int arg[ONEDNN_MAX_ARGS]) {
  dnnl_memory_desc_t src, dst;
  dnnl_dims_t dims = {key->shape[0], key->shape[1]};
  dnnl_dims_t src_strides = {key->shape[2], 1}, dst_strides = {key->shape[3], 1};
  BNDL_PROVIDER_TRY(onednn_check(s, dnnl_memory_desc_init_by_strides(&src, 2, dims, dnnl_f32, src_strides),
                                 "dnnl_memory_desc_init_by_strides (softmax source)"));
  BNDL_PROVIDER_TRY(onednn_check(s, dnnl_memory_desc_init_by_strides(&dst, 2, dims, dnnl_f32, dst_strides),
                                 "dnnl_memory_desc_init_by_strides (softmax destination)"));
  dnnl_softmax_v2_desc_t sd;
  BNDL_PROVIDER_TRY(onednn_check(
      s, dnnl_softmax_v2_forward_desc_init(&sd, dnnl_forward_inference, dnnl_softmax_accurate, &src, &dst, 1),
      "dnnl_softmax_v2_forward_desc_init"));
  BNDL_PROVIDER_TRY(onednn_check(s, dnnl_primitive_desc_create(pd, &sd, attr, s->engine, NULL),
                                 "dnnl_primitive_desc_create (softmax)"));
  *nargs = 2;
  arg[0] = DNNL_ARG_SRC;
  arg[1] = DNNL_ARG_DST;
  return BNDL_OK;
}

typedef struct softmax_job {
  onednn_state *s;
  onednn_prim *full, *tail;
  int64_t rows_per_task, full_tasks;
  const float *x;
  int64_t ldx;
  float *y;
  int64_t ldy;
} softmax_job;

static bndl_status softmax_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const softmax_job *j = ud;
  int64_t r = task * j->rows_per_task;
  void *ptr[ONEDNN_MAX_ARGS] = {(void *)(j->x + r * j->ldx), j->y + r * j->ldy, NULL};
  return onednn_prim_run(j->s, task < j->full_tasks ? j->full : j->tail, ptr);
}

bndl_status onednn_softmax(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *y,
                           int64_t ldy) {
  onednn_state *s = state;
  if (rows <= 0 || cols <= 0)
    return BNDL_OK;
  int64_t per = ROW_VALUES / cols > 1 ? ROW_VALUES / cols : 1;
  softmax_job j = {s, NULL, NULL, per, rows / per, x, ldx, y, ldy};
  int64_t tail = rows % per;
  onednn_key key;
  memset(&key, 0, sizeof key);
  key.op = ONEDNN_SOFTMAX;
  key.alg = dnnl_softmax_accurate;
  key.shape[1] = cols;
  key.shape[2] = ldx;
  key.shape[3] = ldy;
  int previous = onednn_pin_begin();
  bndl_status st = BNDL_OK;
  if (j.full_tasks > 0) {
    key.shape[0] = per;
    st = onednn_prim_get(s, &key, build_softmax, &j.full);
  }
  if (st == BNDL_OK && tail > 0) {
    key.shape[0] = tail;
    st = onednn_prim_get(s, &key, build_softmax, &j.tail);
  }
  if (st == BNDL_OK)
    st = onednn_parallel(s, j.full_tasks + (tail > 0), softmax_task, &j);
  onednn_prim_put(s, j.full);
  onednn_prim_put(s, j.tail);
  onednn_pin_end(previous);
  return st;
}

