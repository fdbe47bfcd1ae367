/*
 * ref.h - the reference provider: portable C11, threaded on the host pool, always built.
 *
 * It is the numerical oracle every other provider is tested against, so clarity and a
 * fixed order of floating-point operations come before speed: every output element is
 * computed by one task, in an order that does not depend on the thread count.
 */
#ifndef BNDL_BACKENDS_REF_H
#define BNDL_BACKENDS_REF_H

#include "backends/backend.h"

typedef struct ref_state {
  const bndl_host *host;
} ref_state;

/* Splits [0, n) into tasks of about `grain` items and runs fn(ud, begin, end) on the pool. */
typedef bndl_status (*ref_range_fn)(void *ud, int64_t begin, int64_t end);
bndl_status ref_parallel_range(const ref_state *s, int64_t n, int64_t grain, ref_range_fn fn, void *ud);

bndl_status ref_gemm(void *state, const bndl_gemm_desc *d);
bndl_status ref_spmm(void *state, const bndl_spmm_desc *d);
bndl_status ref_row_norms(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *out);
bndl_status ref_scale_rows(void *state, int64_t rows, int64_t cols, float *x, int64_t ldx, const float *scale);
bndl_status ref_softmax(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *y, int64_t ldy);
bndl_status ref_eltwise(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, float *y);
bndl_status ref_eltwise_backward(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, const float *dy,
                                 float *dx);
bndl_status ref_topk(void *state, const bndl_topk_desc *d);
bndl_status ref_spd_inverse(void *state, int64_t n, float *a, int64_t lda);
bndl_status ref_sym_eigen(void *state, int64_t n, float *a, int64_t lda, int64_t k, float *values, float *vectors);

#endif
