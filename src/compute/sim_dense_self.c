/*
 * sim_dense_self.c - the rows of one dense table against each other: top-k among the
 * rows that are present, each row's own index left out. The cold-start text similarity
 * (item text vectors, where items without text are absent) is the user.
 *
 * The present rows are copied into a compact table (so an absent row can neither take a
 * slot nor push a present one with a negative cosine out of the top k), that table is
 * searched against itself by bndl_sim_embeddings_topk with k + 1, and each row's own
 * index is dropped while the compact indices are mapped back. Thread-count independence
 * and backend tolerance are those of bndl_sim_embeddings_topk. The compact copy (present
 * rows x dim floats) comes on top of that call's max_bytes.
 */
#include <string.h>

#include "compute/similarity.h"
#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"

bndl_status bndl_sim_dense_self_topk(bndl_context *ctx, const bndl_sim_dense *table, const uint8_t *present,
                                     bndl_metric metric, int64_t k, int64_t max_bytes, bndl_neighbors **out) {
  const bndl_allocator *a = &ctx->alloc;
  int64_t n = table->rows, dim = table->dim, m = 0;
  for (int64_t r = 0; r < n; r++)
    m += present[r] != 0;
  int64_t kk = k < m - 1 ? k : m - 1;
  if (kk < 0)
    kk = 0;
  float *compact = bndl_alloc_array(a, (size_t)(m * dim) + 1, sizeof *compact);
  int32_t *orig = bndl_alloc_array(a, (size_t)m + 1, sizeof *orig);
  int32_t *idx = bndl_alloc_array(a, (size_t)(n * kk) + 1, sizeof *idx);
  float *val = bndl_alloc_array(a, (size_t)(n * kk) + 1, sizeof *val);
  bndl_neighbors *inner = NULL;
  bndl_status st = BNDL_OK;
  if (!compact || !orig || !idx || !val) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  int64_t c = 0;
  for (int64_t r = 0; r < n; r++)
    if (present[r]) {
      memcpy(compact + c * dim, table->data + r * table->ld, (size_t)dim * sizeof *compact);
      orig[c++] = (int32_t)r;
    }
  for (int64_t i = 0; i < n * kk; i++)
    idx[i] = -1;
  if (kk > 0) {
    bndl_sim_dense ct = {m, dim, dim, compact};
    BNDL_TRY_GOTO(st, bndl_sim_embeddings_topk(ctx, &ct, &ct, metric, kk + 1, max_bytes, &inner), done);
    for (int64_t q = 0; q < m; q++) {
      int64_t row = orig[q], j = 0;
      for (int64_t e = inner->indptr[q]; e < inner->indptr[q + 1] && j < kk; e++) {
        if (inner->cols[e] == q)
          continue;
        idx[row * kk + j] = orig[inner->cols[e]];
        val[row * kk + j] = inner->scores[e];
        j++;
      }
    }
  }
  st = bndl_neighbors_from_topk(ctx, n, kk, idx, val, out);
done:
  if (inner)
    bndl_neighbors_destroy(inner);
  bndl_free(a, compact);
  bndl_free(a, orig);
  bndl_free(a, idx);
  bndl_free(a, val);
  return st;
}
