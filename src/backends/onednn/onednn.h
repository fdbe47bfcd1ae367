/*
 * onednn.h - the oneDNN provider's instance, error mapping, thread pinning and
 * primitive cache (only compiled with BNDL_HAVE_ONEDNN).
 *
 * Threading. Debian's oneDNN 2.6 is built on the OpenMP runtime (libgomp): every call
 * runs on omp_get_max_threads() threads of the *calling* thread. Parallelism belongs to
 * the context pool instead, so every op pins the calling thread and every pool task to
 * one OpenMP thread (onednn_pin_begin/_end) and restores the previous value after, so a
 * host application's own OpenMP setting is left as it was. Primitives are also created
 * while pinned: oneDNN sizes some kernels by the thread count seen at creation.
 *
 * Concurrency. Ops may be called from several application threads at once, and the same
 * cached primitive runs in several pool tasks at once. That is safe because:
 *  - the engine is created once per instance and only read afterwards;
 *  - every execution makes its own stream and memory objects (cheap on CPU);
 *  - primitives use a user-managed scratchpad (library-managed scratchpads are shared
 *    and may not move between threads), allocated per execution from the context
 *    allocator when a primitive needs one;
 *  - the cache is guarded by a mutex and counts the users of each entry, so an entry is
 *    only evicted (and destroyed) while nobody runs it.
 */
#ifndef BNDL_BACKENDS_ONEDNN_H
#define BNDL_BACKENDS_ONEDNN_H

#include <pthread.h>

#include <dnnl.h>

#include "backends/backend.h"

enum { ONEDNN_CACHE_SLOTS = 192, ONEDNN_MAX_ARGS = 9 };

/* What a cached primitive computes; compared bytewise (build keys with memset first). */
typedef enum onednn_op {
  ONEDNN_ELTWISE_FWD = 1,
  ONEDNN_ELTWISE_BWD = 2,
  ONEDNN_SOFTMAX = 3,
  ONEDNN_LSTM_FWD = 4,
  ONEDNN_LSTM_WEIGHTS = 5 /* reorder of nn.LSTM weights to the primitive's format */
} onednn_op;

typedef struct onednn_key {
  int32_t op;        /* onednn_op */
  int32_t alg;       /* dnnl_alg_kind_t */
  int64_t shape[4];  /* op-specific sizes and strides */
} onednn_key;

typedef struct onednn_prim {
  onednn_key key;
  dnnl_primitive_t prim;
  int nargs;
  int arg[ONEDNN_MAX_ARGS];                  /* DNNL_ARG_* of each argument */
  dnnl_memory_desc_t md[ONEDNN_MAX_ARGS];    /* its memory descriptor */
  dnnl_memory_desc_t scratch_md;
  size_t scratch_bytes;                      /* user scratchpad per execution (0: none) */
  int32_t refs;                              /* running users (guarded by the cache lock) */
  int32_t cached;                            /* 0: private to one call, destroyed by put */
  uint64_t last_use;
} onednn_prim;

typedef struct onednn_state {
  const bndl_host *host;
  dnnl_engine_t engine;
  pthread_mutex_t lock; /* guards slots, clock and every entry's refs/last_use */
  onednn_prim *slots[ONEDNN_CACHE_SLOTS];
  uint64_t clock;
  char description[192];
} onednn_state;

/* Turns a failed oneDNN status into host->fail: dnnl_out_of_memory ->
 * BNDL_ERR_OUT_OF_MEMORY, dnnl_unimplemented -> BNDL_ERR_UNSUPPORTED, everything else
 * -> BNDL_ERR_BACKEND, with `what` and the status name in the message. */
bndl_status onednn_check(const onednn_state *s, dnnl_status_t st, const char *what);
const char *onednn_status_name(dnnl_status_t st);

/* Pins the calling thread's OpenMP runtime to one thread; returns the value to restore. */
int onednn_pin_begin(void);
void onednn_pin_end(int previous);

/* Fills the descriptor of a primitive to create: the op descriptor and its primitive
 * descriptor under `attr` (user scratchpad), plus which arguments it takes. */
typedef bndl_status (*onednn_build_fn)(onednn_state *s, const onednn_key *key, const_dnnl_primitive_attr_t attr,
                                       dnnl_primitive_desc_t *pd, int *nargs, int arg[ONEDNN_MAX_ARGS]);

/* The primitive for `key`, created with `build` on a miss; every get is paired with a
 * put. Call with the thread pinned. */
bndl_status onednn_prim_get(onednn_state *s, const onednn_key *key, onednn_build_fn build, onednn_prim **out);
void onednn_prim_put(onednn_state *s, onednn_prim *p);
/* Executes p on its own stream with ptr[i] as argument p->arg[i]. */
bndl_status onednn_prim_run(onednn_state *s, const onednn_prim *p, void *const ptr[ONEDNN_MAX_ARGS]);
/* The same on the caller's scratchpad (p->scratch_bytes, 64-byte aligned; NULL: one is
 * allocated for the execution). */
bndl_status onednn_prim_run_in(onednn_state *s, const onednn_prim *p, void *const ptr[ONEDNN_MAX_ARGS],
                               void *scratchpad);

/* Splits [0, n_tasks) over the host pool, or runs it here when there is one task. */
bndl_status onednn_parallel(onednn_state *s, int64_t n_tasks, bndl_host_task_fn fn, void *ud);

bndl_status onednn_gemm(void *state, const bndl_gemm_desc *d);
bndl_status onednn_softmax(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *y,
                           int64_t ldy);
bndl_status onednn_eltwise(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, float *y);
bndl_status onednn_eltwise_backward(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, const float *dy,
                                    float *dx);
bndl_status onednn_lstm_forward(void *state, const bndl_lstm_desc *d);
bndl_status onednn_lstm_workspace(void *state, const bndl_lstm_desc *d, size_t *bytes);

#endif
