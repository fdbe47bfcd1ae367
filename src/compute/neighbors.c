/*
 * neighbors.c - construction of bndl_neighbors from top-k tables.
 */
#include "compute/neighbors.h"

#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/handle.h"

bndl_status bndl_neighbors_from_topk(bndl_context *ctx, int64_t rows, int64_t k, const int32_t *idx,
                                     const float *val, bndl_neighbors **out) {
  const bndl_allocator *a = &ctx->alloc;
  bndl_neighbors *nb = bndl_zalloc(a, sizeof *nb);
  if (nb == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  nb->indptr = bndl_alloc_array(a, (size_t)rows + 1, sizeof *nb->indptr);
  if (nb->indptr == NULL) {
    bndl_free(a, nb);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  int64_t nnz = 0;
  nb->indptr[0] = 0;
  for (int64_t r = 0; r < rows; r++) {
    int64_t j = 0;
    while (j < k && idx[r * k + j] >= 0)
      j++;
    nnz += j;
    nb->indptr[r + 1] = nnz;
  }
  nb->cols = bndl_alloc_array(a, (size_t)nnz + 1, sizeof *nb->cols);
  nb->scores = bndl_alloc_array(a, (size_t)nnz + 1, sizeof *nb->scores);
  if (nb->cols == NULL || nb->scores == NULL) {
    bndl_free(a, nb->cols);
    bndl_free(a, nb->scores);
    bndl_free(a, nb->indptr);
    bndl_free(a, nb);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  for (int64_t r = 0; r < rows; r++) {
    int64_t n = nb->indptr[r + 1] - nb->indptr[r];
    memcpy(nb->cols + nb->indptr[r], idx + r * k, (size_t)n * sizeof *nb->cols);
    memcpy(nb->scores + nb->indptr[r], val + r * k, (size_t)n * sizeof *nb->scores);
  }
  nb->rows = rows;
  bndl_context_retain(ctx);
  nb->ctx = ctx;
  nb->magic = BNDL_MAGIC_NEIGHBORS;
  *out = nb;
  return BNDL_OK;
}

void bndl_neighbors_destroy(bndl_neighbors *nb) {
  bndl_context *ctx = nb->ctx;
  const bndl_allocator *a = &ctx->alloc;
  nb->magic = BNDL_MAGIC_FREED;
  bndl_free(a, nb->indptr);
  bndl_free(a, nb->cols);
  bndl_free(a, nb->scores);
  bndl_free(a, nb);
  bndl_context_release(ctx);
}
