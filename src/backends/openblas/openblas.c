/*
 * openblas.c - the OpenBLAS + LAPACKE provider: vtable, instance, thread pinning, and
 * row norms (only when found at configure time).
 *
 * What it provides: gemm (cblas_sgemm, and cblas_sgemv when m or n is 1, TARGETS.md P2),
 * row_norms (cblas_snrm2), spd_inverse (spotrf + spotri) and sym_eigen (ssyevr). The
 * other slots are NULL: OpenBLAS has no sparse, softmax, elementwise or top-k routine,
 * so the runtime runs ref's.
 *
 * Thread pinning is process-wide: openblas_set_num_threads(1) changes OpenBLAS for every
 * caller in the process, including the application's own BLAS calls. That is the price
 * of OpenBLAS 0.3.21 having no per-call thread count; without it, each pool task's BLAS
 * call would start its own threads (pool x BLAS threads, the 2.3x slowdown of
 * TARGETS.md section 0). An application that sets the count back gets it pinned again
 * at the next op of this provider.
 */
#include "backends/backend.h"

#ifndef BNDL_HAVE_OPENBLAS
const bndl_backend_ops *bndl_backend_openblas(void) { return NULL; }
#else

#include <cblas.h>
#include <stdio.h>
#include <string.h>

#include "backends/openblas/openblas.h"

void openblas_pin(void) {
  if (openblas_get_num_threads() != 1)
    openblas_set_num_threads(1);
}

/* "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..." -> "0.3.21" (into out, cap bytes). */
static void config_version(char *out, size_t cap) {
  const char *cfg = openblas_get_config();
  const char *v = cfg ? strchr(cfg, ' ') : NULL;
  size_t len = 0;
  if (v != NULL) {
    v++;
    while (v[len] != '\0' && v[len] != ' ')
      len++;
  }
  if (len == 0 || len >= cap) {
    snprintf(out, cap, "?");
    return;
  }
  memcpy(out, v, len);
  out[len] = '\0';
}

static bndl_status ob_open(const bndl_host *host, void **state) {
  openblas_state *s = host->alloc(host->self, sizeof *s);
  if (s == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memset(s, 0, sizeof *s);
  s->host = host;
  bndl_status st = bndl_backend_ref()->open(host, &s->ref);
  if (st != BNDL_OK) {
    host->free(host->self, s);
    return st;
  }
  openblas_pin();
  char version[32];
  config_version(version, sizeof version);
  const char *core = openblas_get_corename();
  snprintf(s->description, sizeof s->description,
           "openblas %s (core %s), 1 BLAS thread per task on the context pool; LAPACK ops on the calling thread",
           version, core ? core : "?");
  *state = s;
  return BNDL_OK;
}

static void ob_close(void *state) {
  openblas_state *s = state;
  bndl_backend_ref()->close(s->ref);
  s->host->free(s->host->self, s);
}

static const char *ob_describe(void *state) { return ((const openblas_state *)state)->description; }

/* ---- row norms: cblas_snrm2 per row (OpenBLAS's kernel is vectorised and guards
 * against overflow; ref's plain double loop is not vectorised). Tasks are fixed blocks of
 * rows, so results do not depend on the thread count. */

typedef struct norms_job {
  int64_t rows, cols, ldx, rows_per_task;
  const float *x;
  float *out;
} norms_job;

static bndl_status norms_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const norms_job *j = ud;
  int64_t r1 = (task + 1) * j->rows_per_task;
  for (int64_t r = task * j->rows_per_task; r < r1 && r < j->rows; r++)
    j->out[r] = cblas_snrm2((blasint)j->cols, j->x + r * j->ldx, 1);
  return BNDL_OK;
}

bndl_status openblas_row_norms(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *out) {
  const openblas_state *s = state;
  if (!openblas_fits(cols))
    return bndl_backend_ref()->row_norms(s->ref, rows, cols, x, ldx, out);
  openblas_pin();
  /* about 64 K values per task: below that, waking a worker costs more than it saves */
  int64_t per = cols > 0 ? (1 << 16) / cols : 1 << 16;
  norms_job j = {rows, cols, ldx, per < 1 ? 1 : per, x, out};
  int64_t tasks = (rows + j.rows_per_task - 1) / j.rows_per_task;
  if (tasks <= 1) {
    for (int64_t t = 0; t < tasks; t++)
      BNDL_PROVIDER_TRY(norms_task(&j, t, 0));
    return BNDL_OK;
  }
  return s->host->parallel_for(s->host->self, tasks, norms_task, &j);
}

static const bndl_backend_ops openblas_ops = {
    sizeof(bndl_backend_ops),
    "openblas",
    ob_open,
    ob_close,
    ob_describe,
    openblas_gemm,
    NULL, /* spmm */
    openblas_row_norms,
    NULL, /* scale_rows */
    NULL, /* softmax */
    NULL, /* eltwise */
    NULL, /* eltwise_backward */
    NULL, /* topk */
    openblas_spd_inverse,
    openblas_sym_eigen,
    NULL, /* lstm_forward: composed by model/lstm.c */
    NULL, /* lstm_workspace */
};

const bndl_backend_ops *bndl_backend_openblas(void) { return &openblas_ops; }

#endif
