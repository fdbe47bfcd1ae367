/*
 * ref.c - the reference provider's vtable, instance and range splitting.
 */
#include "backends/ref/ref.h"

typedef struct range_job {
  ref_range_fn fn;
  void *ud;
  int64_t n, grain;
} range_job;

static bndl_status range_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const range_job *j = ud;
  int64_t begin = task * j->grain, end = begin + j->grain;
  return j->fn(j->ud, begin, end < j->n ? end : j->n);
}

bndl_status ref_parallel_range(const ref_state *s, int64_t n, int64_t grain, ref_range_fn fn, void *ud) {
  if (n <= 0)
    return BNDL_OK;
  if (grain < 1)
    grain = 1;
  range_job j = {fn, ud, n, grain};
  return s->host->parallel_for(s->host->self, (n + grain - 1) / grain, range_task, &j);
}

static bndl_status ref_open(const bndl_host *host, void **state) {
  ref_state *s = host->alloc(host->self, sizeof *s);
  if (s == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  s->host = host;
  *state = s;
  return BNDL_OK;
}

static void ref_close(void *state) {
  ref_state *s = state;
  s->host->free(s->host->self, s);
}

static const char *ref_describe(void *state) {
  (void)state;
  return "ref: portable C11, threaded on the context pool";
}

static const bndl_backend_ops ref_ops = {
    sizeof(bndl_backend_ops),
    "ref",
    ref_open,
    ref_close,
    ref_describe,
    ref_gemm,
    ref_spmm,
    ref_row_norms,
    ref_scale_rows,
    ref_softmax,
    ref_eltwise,
    ref_eltwise_backward,
    ref_topk,
    ref_spd_inverse,
    ref_sym_eigen,
    NULL, /* lstm_forward: composed by model/lstm.c */
    NULL, /* lstm_workspace */
};

const bndl_backend_ops *bndl_backend_ref(void) { return &ref_ops; }
