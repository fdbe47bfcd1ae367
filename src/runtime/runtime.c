/*
 * runtime.c - provider selection per context, the host table, and op dispatch with
 * fallback to the ref provider.
 */
#include "runtime/runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "core/log.h"

typedef struct provider_entry {
  const char *name;
  const bndl_backend_ops *(*get)(void);
} provider_entry;

/* In "auto" order: the first compiled in wins. oneDNN's GEMM runs near the AVX-512 peak
 * here, Debian's OpenBLAS under OPENBLAS_CORETYPE=Haswell at half of it (TARGETS.md 1.2). */
static const provider_entry providers[] = {
    {"onednn", bndl_backend_onednn},
    {"openblas", bndl_backend_openblas},
    {"ref", bndl_backend_ref},
};
enum { N_PROVIDERS = sizeof providers / sizeof providers[0], N_OPS = 11, REF = N_PROVIDERS - 1 };

/* Ops the selected provider leaves out run on the first provider in "auto" order that
 * has them (a LAPACK op with onednn selected runs on openblas when it is built), and on
 * ref at the latest; each such fallback is logged once. Providers other than the
 * selected one are opened on first use. */
struct bndl_runtime {
  pthread_rwlock_t lock;
  pthread_mutex_t open_lock; /* opening a fallback provider */
  bndl_host host;
  int selected;              /* index into providers[] */
  void *state[N_PROVIDERS];  /* opened instances (NULL = not opened) */
  atomic_int fallback_logged[N_OPS];
};

int32_t bndl_runtime_builtin_count(void) { return N_PROVIDERS; }

const char *bndl_runtime_builtin_name(int32_t i) { return i >= 0 && i < N_PROVIDERS ? providers[i].name : NULL; }

int bndl_runtime_builtin_available(int32_t i) { return i >= 0 && i < N_PROVIDERS && providers[i].get() != NULL; }

/* ---- host table */

static void *host_alloc(void *self, size_t size) { return bndl_alloc(&((bndl_context *)self)->alloc, size); }

static void host_free(void *self, void *p) { bndl_free(&((bndl_context *)self)->alloc, p); }

static bndl_status host_parallel_for(void *self, int64_t n, bndl_host_task_fn fn, void *ud) {
  return bndl_parallel_for(self, n, fn, ud);
}

static int32_t host_threads(void *self) { return bndl_context_thread_count(self); }

static bndl_status host_fail(bndl_status code, const char *message) { return bndl_fail(code, "%s", message); }

static void host_log(void *self, bndl_log_level level, const char *message) { bndl_log(self, level, "%s", message); }

/* ---- selection */

static void runtime_release(struct bndl_runtime *rt) {
  for (int i = 0; i < N_PROVIDERS; i++)
    if (rt->state[i] && providers[i].get()->close)
      providers[i].get()->close(rt->state[i]);
  pthread_mutex_destroy(&rt->open_lock);
  pthread_rwlock_destroy(&rt->lock);
  bndl_context *ctx = rt->host.self;
  bndl_free(&ctx->alloc, rt);
}

/* Opens provider i if it is not open yet (callers hold open_lock or the write lock). */
static bndl_status open_provider(struct bndl_runtime *rt, int i) {
  if (rt->state[i])
    return BNDL_OK;
  return providers[i].get()->open(&rt->host, &rt->state[i]);
}

static bndl_status find_provider(const char *name, int *out) {
  char built[128] = "";
  for (int i = 0; i < N_PROVIDERS; i++) {
    if (providers[i].get() == NULL)
      continue;
    if (strcmp(name, "auto") == 0 || strcmp(providers[i].name, name) == 0) {
      *out = i;
      return BNDL_OK;
    }
    strncat(built, *built ? ", " : "", sizeof built - strlen(built) - 1);
    strncat(built, providers[i].name, sizeof built - strlen(built) - 1);
  }
  for (int i = 0; i < N_PROVIDERS; i++)
    if (strcmp(providers[i].name, name) == 0)
      return bndl_fail(BNDL_ERR_UNSUPPORTED, "compute backend '%s' is not built into this libbundle (built: %s)",
                       name, built);
  return bndl_fail(BNDL_ERR_NOT_FOUND, "no compute backend named '%s' (built: %s, or \"auto\")", name, built);
}

bndl_status bndl_runtime_select(bndl_context *ctx, const char *name) {
  struct bndl_runtime *rt = ctx->runtime;
  int i = REF;
  BNDL_TRY(find_provider(name, &i));
  pthread_rwlock_wrlock(&rt->lock);
  bndl_status st = open_provider(rt, i);
  if (st == BNDL_OK) {
    rt->selected = i;
    for (int k = 0; k < N_OPS; k++)
      atomic_store(&rt->fallback_logged[k], 0);
  }
  pthread_rwlock_unlock(&rt->lock);
  BNDL_TRY(st);
  const bndl_backend_ops *ops = providers[i].get();
  bndl_log(ctx, BNDL_LOG_INFO, "compute backend: %s (%s)", ops->name,
           ops->describe ? ops->describe(rt->state[i]) : ops->name);
  return BNDL_OK;
}

bndl_status bndl_runtime_attach(bndl_context *ctx, const char *name) {
  struct bndl_runtime *rt = bndl_zalloc(&ctx->alloc, sizeof *rt);
  if (rt == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  pthread_rwlock_init(&rt->lock, NULL);
  pthread_mutex_init(&rt->open_lock, NULL);
  rt->host.struct_size = sizeof rt->host;
  rt->host.self = ctx;
  rt->host.alloc = host_alloc;
  rt->host.free = host_free;
  rt->host.parallel_for = host_parallel_for;
  rt->host.threads = host_threads;
  rt->host.fail = host_fail;
  rt->host.log = host_log;
  rt->selected = REF;
  ctx->runtime = rt;
  ctx->runtime_release = runtime_release;
  if (name == NULL) {
    name = getenv("BNDL_BACKEND");
    if (name == NULL || *name == '\0')
      name = "auto";
  }
  bndl_status st = bndl_runtime_select(ctx, name);
  if (st != BNDL_OK) {
    ctx->runtime = NULL;
    ctx->runtime_release = NULL;
    runtime_release(rt);
  }
  return st;
}

const char *bndl_runtime_name(const bndl_context *ctx) { return providers[ctx->runtime->selected].name; }

const char *bndl_runtime_describe(const bndl_context *ctx) {
  const struct bndl_runtime *rt = ctx->runtime;
  const bndl_backend_ops *ops = providers[rt->selected].get();
  return ops->describe ? ops->describe(rt->state[rt->selected]) : ops->name;
}

const bndl_host *bndl_runtime_host(bndl_context *ctx) { return &ctx->runtime->host; }

/* Whether the op slot at byte offset `off` of a vtable is filled. All slots are
 * function pointers; memcpy reads one without type punning. */
static int has_slot(const bndl_backend_ops *ops, size_t off) {
  void (*fn)(void);
  memcpy(&fn, (const char *)ops + off, sizeof fn);
  return fn != NULL;
}

/* The provider that runs an op: the selected one if it has the slot, else the first in
 * auto order that has it (opened on demand). Called with the read lock held. */
/* Index of the provider that runs the op at slot_offset: the selected one if it has
 * the op, else the next one in "auto" order after it (onednn -> openblas -> ref), so
 * selecting "openblas" never runs oneDNN code. ref implements every op. */
static int choose(const struct bndl_runtime *rt, size_t slot_offset) {
  for (int i = rt->selected; i < N_PROVIDERS; i++) {
    const bndl_backend_ops *p = providers[i].get();
    if (p != NULL && has_slot(p, slot_offset))
      return i;
  }
  return REF;
}

static bndl_status provider_for(bndl_context *ctx, size_t slot_offset, int op_index, const char *op_name,
                                const bndl_backend_ops **ops, void **state) {
  struct bndl_runtime *rt = ctx->runtime;
  int i = choose(rt, slot_offset);
  if (i != rt->selected) {
    pthread_mutex_lock(&rt->open_lock);
    bndl_status st = open_provider(rt, i);
    pthread_mutex_unlock(&rt->open_lock);
    BNDL_TRY(st);
    if (!atomic_exchange(&rt->fallback_logged[op_index], 1))
      bndl_log(ctx, BNDL_LOG_INFO, "compute backend %s has no %s: running it on %s", providers[rt->selected].name,
               op_name, providers[i].name);
  }
  *ops = providers[i].get();
  *state = rt->state[i];
  return BNDL_OK;
}

int bndl_runtime_provides(bndl_context *ctx, size_t slot_offset) {
  struct bndl_runtime *rt = ctx->runtime;
  pthread_rwlock_rdlock(&rt->lock);
  const bndl_backend_ops *p = providers[choose(rt, slot_offset)].get();
  int has = p != NULL && has_slot(p, slot_offset);
  pthread_rwlock_unlock(&rt->lock);
  return has;
}

const char *bndl_runtime_op_provider(bndl_context *ctx, size_t slot_offset) {
  struct bndl_runtime *rt = ctx->runtime;
  pthread_rwlock_rdlock(&rt->lock);
  const char *name = providers[choose(rt, slot_offset)].name;
  pthread_rwlock_unlock(&rt->lock);
  return name;
}

/* ---- dispatch */

/* Calls op `slot` on the provider chosen by provider_for. */
#define DISPATCH(ctx, slot, op_index, ...)                                                                 \
  do {                                                                                                     \
    struct bndl_runtime *rt_ = (ctx)->runtime;                                                             \
    const bndl_backend_ops *ops_ = NULL; /* set on success; initialised for gcc -O3's flow analysis */     \
    void *state_ = NULL;                                                                                   \
    pthread_rwlock_rdlock(&rt_->lock);                                                                     \
    bndl_status st_ =                                                                                      \
        provider_for(ctx, offsetof(bndl_backend_ops, slot), op_index, #slot, &ops_, &state_);              \
    if (st_ == BNDL_OK)                                                                                    \
      st_ = ops_->slot(state_, __VA_ARGS__);                                                               \
    pthread_rwlock_unlock(&rt_->lock);                                                                     \
    return st_;                                                                                            \
  } while (0)

bndl_status bndl_op_gemm(bndl_context *ctx, const bndl_gemm_desc *d) { DISPATCH(ctx, gemm, 0, d); }

bndl_status bndl_op_spmm(bndl_context *ctx, const bndl_spmm_desc *d) { DISPATCH(ctx, spmm, 1, d); }

bndl_status bndl_op_row_norms(bndl_context *ctx, int64_t rows, int64_t cols, const float *x, int64_t ldx,
                              float *out) {
  DISPATCH(ctx, row_norms, 2, rows, cols, x, ldx, out);
}

bndl_status bndl_op_scale_rows(bndl_context *ctx, int64_t rows, int64_t cols, float *x, int64_t ldx,
                               const float *scale) {
  DISPATCH(ctx, scale_rows, 3, rows, cols, x, ldx, scale);
}

bndl_status bndl_op_softmax(bndl_context *ctx, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *y,
                            int64_t ldy) {
  DISPATCH(ctx, softmax, 4, rows, cols, x, ldx, y, ldy);
}

bndl_status bndl_op_eltwise(bndl_context *ctx, bndl_eltwise_kind kind, int64_t n, const float *x, float *y) {
  DISPATCH(ctx, eltwise, 5, kind, n, x, y);
}

bndl_status bndl_op_eltwise_backward(bndl_context *ctx, bndl_eltwise_kind kind, int64_t n, const float *x,
                                     const float *dy, float *dx) {
  DISPATCH(ctx, eltwise_backward, 6, kind, n, x, dy, dx);
}

bndl_status bndl_op_topk(bndl_context *ctx, const bndl_topk_desc *d) { DISPATCH(ctx, topk, 7, d); }

bndl_status bndl_op_spd_inverse(bndl_context *ctx, int64_t n, float *a, int64_t lda) {
  DISPATCH(ctx, spd_inverse, 8, n, a, lda);
}

bndl_status bndl_op_sym_eigen(bndl_context *ctx, int64_t n, float *a, int64_t lda, int64_t k, float *values,
                              float *vectors) {
  DISPATCH(ctx, sym_eigen, 9, n, a, lda, k, values, vectors);
}

/* Optional fused layers: no ref version, so no fallback to ref; the caller composes
 * the layer itself when bndl_runtime_provides says no. */
static bndl_status lstm_dispatch(bndl_context *ctx, const bndl_lstm_desc *d, size_t *bytes) {
  struct bndl_runtime *rt = ctx->runtime;
  pthread_rwlock_rdlock(&rt->lock);
  int i = choose(rt, offsetof(bndl_backend_ops, lstm_forward));
  const bndl_backend_ops *ops = providers[i].get();
  bndl_status st = BNDL_OK;
  if (ops == NULL || ops->lstm_forward == NULL || ops->lstm_workspace == NULL)
    st = bndl_fail(BNDL_ERR_UNSUPPORTED, "compute backend %s has no fused LSTM layer", providers[rt->selected].name);
  else if (i != rt->selected) {
    pthread_mutex_lock(&rt->open_lock);
    st = open_provider(rt, i);
    pthread_mutex_unlock(&rt->open_lock);
  }
  if (st == BNDL_OK)
    st = bytes ? ops->lstm_workspace(rt->state[i], d, bytes) : ops->lstm_forward(rt->state[i], d);
  pthread_rwlock_unlock(&rt->lock);
  return st;
}

bndl_status bndl_op_lstm_forward(bndl_context *ctx, const bndl_lstm_desc *d) { return lstm_dispatch(ctx, d, NULL); }

bndl_status bndl_op_lstm_workspace(bndl_context *ctx, const bndl_lstm_desc *d, size_t *bytes) {
  *bytes = 0;
  return lstm_dispatch(ctx, d, bytes);
}
