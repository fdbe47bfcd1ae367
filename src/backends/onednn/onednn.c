/*
 * onednn.c - the oneDNN provider (only when found at configure time): its vtable and
 * instance, status mapping, OpenMP pinning, and the primitive cache.
 *
 * Ops: gemm (dnnl_sgemm, onednn_gemm.c), softmax and eltwise forward/backward
 * (primitives, onednn_eltwise.c), the LSTM layer forward (onednn_lstm.c). row_norms and scale_rows, topk, spmm, spd_inverse and
 * sym_eigen are left NULL: the runtime runs them on openblas when it is built, else on
 * ref. See onednn.h for the threading and concurrency rules.
 *
 * The cache. Creating a primitive (descriptor, implementation search, JIT) costs tens
 * of microseconds to milliseconds, so primitives are kept per instance, keyed by
 * (op, algorithm, shape, strides). The key is looked up under the mutex; a miss builds
 * the primitive outside it and inserts it, evicting the least recently used entry
 * nobody is running. When every slot is busy the new primitive is private to its call
 * and destroyed afterwards.
 *
 * Creation holds one process-wide lock (create_lock). Behind dnnl_primitive_desc_create
 * and dnnl_primitive_create sits oneDNN's own process-wide primitive cache, which hands
 * entries between threads through std::shared_future and lazily built statics inside
 * libdnnl. That is thread-safe, but libdnnl is not built with ThreadSanitizer, so TSan
 * cannot see those synchronisations and reports races on the cache's entries (seen
 * here with 4 threads creating primitives at once). Holding our own lock around creation
 * orders every such access visibly, so TSan runs stay clean without suppressions. It
 * costs nothing in steady state: creation only happens on misses of our cache.
 */
#include "backends/backend.h"

#ifndef BNDL_HAVE_ONEDNN
const bndl_backend_ops *bndl_backend_onednn(void) { return NULL; }
#else

#include <stdio.h>
#include <string.h>

#include "backends/onednn/onednn.h"

/* The OpenMP runtime libdnnl is built on (libgomp; linked by CMake). Declared here, not
 * through <omp.h>: that header comes with the compiler (clang's belongs to libomp, a
 * different runtime that would not pin libdnnl's threads), and nothing here is compiled
 * with -fopenmp. */
int omp_get_max_threads(void);
void omp_set_num_threads(int n);

/* ---- status mapping (oneDNN has no strerror) */

const char *onednn_status_name(dnnl_status_t st) {
  switch (st) {
  case dnnl_success: return "dnnl_success";
  case dnnl_out_of_memory: return "dnnl_out_of_memory";
  case dnnl_invalid_arguments: return "dnnl_invalid_arguments";
  case dnnl_unimplemented: return "dnnl_unimplemented";
  case dnnl_iterator_ends: return "dnnl_iterator_ends";
  case dnnl_runtime_error: return "dnnl_runtime_error";
  case dnnl_not_required: return "dnnl_not_required";
  }
  return "unknown dnnl_status_t";
}

bndl_status onednn_check(const onednn_state *s, dnnl_status_t st, const char *what) {
  if (st == dnnl_success)
    return BNDL_OK;
  bndl_status code = st == dnnl_out_of_memory    ? BNDL_ERR_OUT_OF_MEMORY
                     : st == dnnl_unimplemented ? BNDL_ERR_UNSUPPORTED
                                                : BNDL_ERR_BACKEND;
  char msg[256];
  snprintf(msg, sizeof msg, "onednn: %s failed: %s (%d)", what, onednn_status_name(st), (int)st);
  return s->host->fail(code, msg);
}

/* ---- OpenMP pinning */

int onednn_pin_begin(void) {
  int previous = omp_get_max_threads();
  if (previous != 1)
    omp_set_num_threads(1);
  return previous;
}

void onednn_pin_end(int previous) {
  if (previous != 1)
    omp_set_num_threads(previous);
}

typedef struct pinned_job {
  bndl_host_task_fn fn;
  void *ud;
} pinned_job;

static bndl_status pinned_task(void *ud, int64_t task, int32_t worker) {
  const pinned_job *j = ud;
  int previous = onednn_pin_begin();
  bndl_status st = j->fn(j->ud, task, worker);
  onednn_pin_end(previous);
  return st;
}

bndl_status onednn_parallel(onednn_state *s, int64_t n_tasks, bndl_host_task_fn fn, void *ud) {
  if (n_tasks <= 0)
    return BNDL_OK;
  pinned_job j = {fn, ud};
  if (n_tasks == 1)
    return pinned_task(&j, 0, 0);
  return s->host->parallel_for(s->host->self, n_tasks, pinned_task, &j);
}

/* ---- primitive cache */

/* Guards every creation and destruction of oneDNN objects that reach its process-wide
 * state (engines, primitives): see the file comment. */
static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static void prim_destroy(onednn_state *s, onednn_prim *p) {
  if (p == NULL)
    return;
  if (p->prim) {
    pthread_mutex_lock(&create_lock);
    dnnl_primitive_destroy(p->prim);
    pthread_mutex_unlock(&create_lock);
  }
  s->host->free(s->host->self, p);
}

static const char *op_name(int32_t op) {
  switch (op) {
  case ONEDNN_ELTWISE_FWD: return "eltwise forward";
  case ONEDNN_ELTWISE_BWD: return "eltwise backward";
  case ONEDNN_SOFTMAX: return "softmax";
  case ONEDNN_LSTM_FWD: return "lstm forward";
  case ONEDNN_LSTM_WEIGHTS: return "lstm weights reorder";
  }
  return "primitive";
}

static bndl_status prim_create(onednn_state *s, const onednn_key *key, onednn_build_fn build, onednn_prim **out) {
  onednn_prim *p = s->host->alloc(s->host->self, sizeof *p);
  if (p == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memset(p, 0, sizeof *p);
  p->key = *key;
  char msg[160] = "";
  pthread_mutex_lock(&create_lock);
  dnnl_primitive_attr_t attr = NULL;
  dnnl_primitive_desc_t pd = NULL;
  bndl_status st = onednn_check(s, dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create");
  if (st == BNDL_OK)
    st = onednn_check(s, dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
                      "dnnl_primitive_attr_set_scratchpad_mode");
  if (st == BNDL_OK)
    st = build(s, key, attr, &pd, &p->nargs, p->arg);
  if (st == BNDL_OK)
    st = onednn_check(s, dnnl_primitive_create(&p->prim, pd), "dnnl_primitive_create");
  for (int i = 0; st == BNDL_OK && i < p->nargs; i++) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, p->arg[i]);
    if (md == NULL)
      st = onednn_check(s, dnnl_runtime_error, "dnnl_primitive_desc_query_md");
    else
      p->md[i] = *md;
  }
  if (st == BNDL_OK) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (md != NULL && md->ndims > 0) {
      p->scratch_bytes = dnnl_memory_desc_get_size(md);
      p->scratch_md = *md;
    }
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
      snprintf(msg, sizeof msg, "onednn: new %s primitive (alg 0x%x, %lld x %lld): %s", op_name(key->op),
               (unsigned)key->alg, (long long)key->shape[0], (long long)key->shape[1], impl);
  }
  if (pd)
    dnnl_primitive_desc_destroy(pd);
  if (attr)
    dnnl_primitive_attr_destroy(attr);
  pthread_mutex_unlock(&create_lock);
  if (*msg) /* after the unlock: a log callback may call back into the library */
    s->host->log(s->host->self, BNDL_LOG_DEBUG, msg);
  if (st != BNDL_OK) {
    prim_destroy(s, p);
    return st;
  }
  *out = p;
  return BNDL_OK;
}

/* Called with the lock held. */
static onednn_prim *cache_find(onednn_state *s, const onednn_key *key) {
  for (int i = 0; i < ONEDNN_CACHE_SLOTS; i++)
    if (s->slots[i] && memcmp(&s->slots[i]->key, key, sizeof *key) == 0) {
      s->slots[i]->refs++;
      s->slots[i]->last_use = ++s->clock;
      return s->slots[i];
    }
  return NULL;
}

bndl_status onednn_prim_get(onednn_state *s, const onednn_key *key, onednn_build_fn build, onednn_prim **out) {
  pthread_mutex_lock(&s->lock);
  onednn_prim *hit = cache_find(s, key);
  pthread_mutex_unlock(&s->lock);
  if (hit) {
    *out = hit;
    return BNDL_OK;
  }
  onednn_prim *p = NULL;
  BNDL_PROVIDER_TRY(prim_create(s, key, build, &p));
  onednn_prim *evicted = NULL;
  pthread_mutex_lock(&s->lock);
  hit = cache_find(s, key); /* another thread may have built it meanwhile */
  if (hit == NULL) {
    int slot = -1;
    for (int i = 0; i < ONEDNN_CACHE_SLOTS && slot < 0; i++)
      if (s->slots[i] == NULL)
        slot = i;
    if (slot < 0) /* full: the least recently used entry nobody is running */
      for (int i = 0; i < ONEDNN_CACHE_SLOTS; i++)
        if (s->slots[i]->refs == 0 && (slot < 0 || s->slots[i]->last_use < s->slots[slot]->last_use))
          slot = i;
    p->refs = 1;
    p->last_use = ++s->clock;
    if (slot >= 0) {
      evicted = s->slots[slot];
      p->cached = 1;
      s->slots[slot] = p;
    }
  }
  pthread_mutex_unlock(&s->lock);
  if (hit) {
    prim_destroy(s, p);
    p = hit;
  }
  prim_destroy(s, evicted);
  *out = p;
  return BNDL_OK;
}

void onednn_prim_put(onednn_state *s, onednn_prim *p) {
  if (p == NULL)
    return;
  if (!p->cached) {
    prim_destroy(s, p);
    return;
  }
  pthread_mutex_lock(&s->lock);
  p->refs--;
  pthread_mutex_unlock(&s->lock);
}

bndl_status onednn_prim_run(onednn_state *s, const onednn_prim *p, void *const ptr[ONEDNN_MAX_ARGS]) {
  return onednn_prim_run_in(s, p, ptr, NULL);
}

bndl_status onednn_prim_run_in(onednn_state *s, const onednn_prim *p, void *const ptr[ONEDNN_MAX_ARGS],
                               void *scratchpad) {
  dnnl_stream_t stream = NULL;
  dnnl_memory_t mem[ONEDNN_MAX_ARGS + 1] = {NULL};
  dnnl_exec_arg_t args[ONEDNN_MAX_ARGS + 1];
  void *scratch = NULL;
  int nargs = 0;
  bndl_status st = onednn_check(s, dnnl_stream_create(&stream, s->engine, dnnl_stream_default_flags),
                                "dnnl_stream_create");
  for (; st == BNDL_OK && nargs < p->nargs; nargs++) {
    st = onednn_check(s, dnnl_memory_create(&mem[nargs], &p->md[nargs], s->engine, ptr[nargs]),
                      "dnnl_memory_create");
    args[nargs].arg = p->arg[nargs];
    args[nargs].memory = mem[nargs];
  }
  if (st == BNDL_OK && p->scratch_bytes > 0) {
    if (scratchpad == NULL)
      scratch = s->host->alloc(s->host->self, p->scratch_bytes);
    void *use = scratchpad ? scratchpad : scratch;
    st = use ? onednn_check(s, dnnl_memory_create(&mem[nargs], &p->scratch_md, s->engine, use),
                            "dnnl_memory_create (scratchpad)")
             : BNDL_ERR_OUT_OF_MEMORY;
    args[nargs].arg = DNNL_ARG_SCRATCHPAD;
    args[nargs].memory = mem[nargs];
    nargs++;
  }
  if (st == BNDL_OK)
    st = onednn_check(s, dnnl_primitive_execute(p->prim, stream, nargs, args), "dnnl_primitive_execute");
  if (st == BNDL_OK)
    st = onednn_check(s, dnnl_stream_wait(stream), "dnnl_stream_wait");
  for (int i = 0; i < ONEDNN_MAX_ARGS + 1; i++)
    if (mem[i])
      dnnl_memory_destroy(mem[i]);
  if (scratch)
    s->host->free(s->host->self, scratch);
  if (stream)
    dnnl_stream_destroy(stream);
  return st;
}

/* ---- instance */

static const char *isa_name(dnnl_cpu_isa_t isa) {
  switch ((int)isa) {
  case dnnl_cpu_isa_sse41: return "sse41";
  case dnnl_cpu_isa_avx: return "avx";
  case dnnl_cpu_isa_avx2: return "avx2";
  case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
  case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
  case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
  case dnnl_cpu_isa_avx512_core: return "avx512_core";
  case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
  case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
  case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
  }
  return "unknown isa";
}

static bndl_status onednn_open(const bndl_host *host, void **state) {
  onednn_state *s = host->alloc(host->self, sizeof *s);
  if (s == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memset(s, 0, sizeof *s);
  s->host = host;
  int previous = onednn_pin_begin();
  pthread_mutex_lock(&create_lock);
  bndl_status st = onednn_check(s, dnnl_engine_create(&s->engine, dnnl_cpu, 0), "dnnl_engine_create (cpu)");
  pthread_mutex_unlock(&create_lock);
  onednn_pin_end(previous);
  if (st != BNDL_OK) {
    host->free(host->self, s);
    return st;
  }
  pthread_mutex_init(&s->lock, NULL);
  const dnnl_version_t *v = dnnl_version();
  char hash[24] = "";
  if (v->hash && *v->hash && strcmp(v->hash, "N/A") != 0) /* Debian's build says "N/A" */
    snprintf(hash, sizeof hash, " (%.12s)", v->hash);
  snprintf(s->description, sizeof s->description,
           "onednn %d.%d.%d%s, %s JIT, OpenMP pinned to 1 thread per task on the context pool", v->major, v->minor,
           v->patch, hash, isa_name(dnnl_get_effective_cpu_isa()));
  *state = s;
  return BNDL_OK;
}

static void onednn_close(void *state) {
  onednn_state *s = state;
  for (int i = 0; i < ONEDNN_CACHE_SLOTS; i++)
    prim_destroy(s, s->slots[i]);
  pthread_mutex_lock(&create_lock);
  dnnl_engine_destroy(s->engine);
  pthread_mutex_unlock(&create_lock);
  pthread_mutex_destroy(&s->lock);
  s->host->free(s->host->self, s);
}

static const char *onednn_describe(void *state) { return ((const onednn_state *)state)->description; }

static const bndl_backend_ops onednn_ops = {
    sizeof(bndl_backend_ops),
    "onednn",
    onednn_open,
    onednn_close,
    onednn_describe,
    onednn_gemm,
    NULL, /* spmm */
    NULL, /* row_norms */
    NULL, /* scale_rows */
    onednn_softmax,
    onednn_eltwise,
    onednn_eltwise_backward,
    NULL, /* topk */
    NULL, /* spd_inverse */
    NULL, /* sym_eigen */
    onednn_lstm_forward,
    onednn_lstm_workspace,
};

const bndl_backend_ops *bndl_backend_onednn(void) { return &onednn_ops; }

#endif
