/*
 * nn.c - the helpers every layer shares (see nn.h): GEMM descriptors, row blocks on the
 * pool, masks.
 */
#include "model/nn.h"

#include <string.h>

#include "core/context.h"
#include "runtime/runtime.h"

bndl_status bndl_nn_gemm(const bndl_nn *nn, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                         const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  return bndl_nn_gemm_batched(nn, trans_a, trans_b, m, n, k, 1, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0);
}

bndl_status bndl_nn_gemm_batched(const bndl_nn *nn, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                                 int64_t batch, float alpha, const float *a, int64_t lda, int64_t stride_a,
                                 const float *b, int64_t ldb, int64_t stride_b, float beta, float *c, int64_t ldc,
                                 int64_t stride_c) {
  bndl_gemm_desc d = {.trans_a = trans_a,
                      .trans_b = trans_b,
                      .m = m,
                      .n = n,
                      .k = k,
                      .batch = batch,
                      .alpha = alpha,
                      .beta = beta,
                      .a = a,
                      .lda = lda,
                      .stride_a = stride_a,
                      .b = b,
                      .ldb = ldb,
                      .stride_b = stride_b,
                      .c = c,
                      .ldc = ldc,
                      .stride_c = stride_c};
  return bndl_op_gemm(nn->ctx, &d);
}

typedef struct rows_job {
  int64_t rows, grain;
  bndl_nn_rows_fn fn;
  void *ud;
} rows_job;

static bndl_status rows_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const rows_job *j = ud;
  int64_t begin = task * j->grain, end = begin + j->grain < j->rows ? begin + j->grain : j->rows;
  j->fn(j->ud, begin, end);
  return BNDL_OK;
}

bndl_status bndl_nn_for_rows(const bndl_nn *nn, int64_t rows, int64_t grain, bndl_nn_rows_fn fn, void *ud) {
  if (rows <= 0)
    return BNDL_OK;
  if (grain < 1)
    grain = 1;
  if (rows <= grain) {
    fn(ud, 0, rows);
    return BNDL_OK;
  }
  rows_job j = {rows, grain, fn, ud};
  return bndl_parallel_for(nn->ctx, (rows + grain - 1) / grain, rows_task, &j);
}

int64_t bndl_nn_grain(int64_t cols) {
  int64_t g = cols > 0 ? (1 << 14) / cols : 1;
  return g < 1 ? 1 : g;
}

void bndl_nn_mask_rows(int64_t rows, int64_t cols, float *y, const uint8_t *valid) {
  if (valid == NULL)
    return;
  for (int64_t r = 0; r < rows; r++)
    if (!valid[r])
      memset(y + r * cols, 0, (size_t)cols * sizeof(float));
}

void bndl_nn_add(int64_t n, float *y, const float *x) {
  for (int64_t i = 0; i < n; i++)
    y[i] += x[i];
}

uint64_t bndl_nn_mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
