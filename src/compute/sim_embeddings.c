/*
 * sim_embeddings.c - top-k of dense query vectors against a dense item table, by dot
 * product or cosine, through the context's provider ops.
 *
 * Queries are taken in blocks of B rows: S = Q_b I^T (B x n_items) by bndl_op_gemm
 * (I is read in place, strided rows allowed, through trans_b), for cosine S[r, c] is
 * divided by ||q_r|| ||i_c|| (norms from bndl_op_row_norms; the rows through
 * bndl_op_scale_rows, the columns by a plain loop, which is O(B n) against the GEMM's
 * O(B n dim)); then bndl_op_topk writes the block's rows of the rows x k table. A zero
 * vector has cosine 0 with everything.
 *
 * Memory: the item norms, one B x n_items score block, the table and the result. B is
 * the largest block (at most SCORE_BLOCK_BYTES of scores) that keeps the peak under
 * max_bytes; it depends on the sizes and max_bytes only, never on the thread count, so
 * results are the same for every thread count. Between backends they differ by GEMM
 * rounding only (R15's tolerance).
 */
#include <math.h>
#include <string.h>

#include "compute/similarity.h"
#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "runtime/runtime.h"

/* Big enough for GEMM to run at its full rate, small enough to stay out of the way. */
#define SCORE_BLOCK_BYTES (32.0 * 1024 * 1024)

bndl_status bndl_sim_embeddings_topk(bndl_context *ctx, const bndl_sim_dense *q, const bndl_sim_dense *it,
                                     bndl_metric metric, int64_t k, int64_t max_bytes, bndl_neighbors **out) {
  const bndl_allocator *al = &ctx->alloc;
  int64_t nq = q->rows, ni = it->rows, dim = q->dim;
  int64_t kk = k < ni ? k : ni;
  int cosine = metric == BNDL_METRIC_COSINE;

  /* sizes in double: exact at any size that could fit, no overflow to check */
  double row_bytes = (double)ni * sizeof(float) + (cosine ? sizeof(float) : 0); /* scores + query norm */
  double norms = cosine ? (double)ni * sizeof(float) : 0;
  double table = (double)nq * (double)kk * (sizeof(int32_t) + sizeof(float));
  double result = ((double)nq + 1) * sizeof(int64_t) + table;
  double small = 4096; /* a page for the small blocks (one-element paddings, headers) */
  double room = (double)max_bytes - small - table - norms;
  double fit = ni > 0 ? floor(room / row_bytes) : (double)nq;
  double cap = ni > 0 ? floor(SCORE_BLOCK_BYTES / ((double)ni * sizeof(float))) : (double)nq;
  double block = fit < cap ? fit : cap;
  if (block > (double)nq)
    block = (double)nq;
  if (block < 1 && nq > 0)
    block = 1;
  double peak = small + table + fmax(norms + block * row_bytes, result);
  if (peak > (double)max_bytes)
    return bndl_fail(BNDL_ERR_LIMIT,
                     "top-%lld of %lld queries against %lld items needs %.0f bytes at its peak (top-k table %.0f, "
                     "one query's scores %.0f, result %.0f) but the limit (sim.max_bytes) is %lld",
                     (long long)kk, (long long)nq, (long long)ni, peak, table, row_bytes, result, (long long)max_bytes);
  int64_t b_rows = (int64_t)block;

  bndl_status st = BNDL_OK;
  float *inv_item = NULL, *inv_query = NULL, *scores = NULL, *tbl_val = NULL;
  int32_t *tbl_idx = NULL;
  tbl_idx = bndl_alloc_array(al, (size_t)(nq * kk) + 1, sizeof *tbl_idx);
  tbl_val = bndl_alloc_array(al, (size_t)(nq * kk) + 1, sizeof *tbl_val);
  scores = bndl_alloc_array(al, (size_t)(b_rows * ni) + 1, sizeof *scores);
  if (cosine) {
    inv_item = bndl_alloc_array(al, (size_t)ni + 1, sizeof *inv_item);
    inv_query = bndl_alloc_array(al, (size_t)b_rows + 1, sizeof *inv_query);
  }
  if (!tbl_idx || !tbl_val || !scores || (cosine && (!inv_item || !inv_query))) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  if (cosine) {
    BNDL_TRY_GOTO(st, bndl_op_row_norms(ctx, ni, dim, it->data, it->ld, inv_item), done);
    for (int64_t c = 0; c < ni; c++)
      inv_item[c] = inv_item[c] > 0 ? 1.0f / inv_item[c] : 0.0f;
  }
  for (int64_t q0 = 0; q0 < nq && kk > 0; q0 += b_rows) {
    int64_t m = nq - q0 < b_rows ? nq - q0 : b_rows;
    const float *qb = q->data + q0 * q->ld;
    bndl_gemm_desc g = {.trans_a = 0,
                        .trans_b = 1,
                        .m = m,
                        .n = ni,
                        .k = dim,
                        .batch = 1,
                        .alpha = 1.0f,
                        .beta = 0.0f,
                        .a = qb,
                        .lda = q->ld,
                        .b = it->data,
                        .ldb = it->ld,
                        .c = scores,
                        .ldc = ni};
    BNDL_TRY_GOTO(st, bndl_op_gemm(ctx, &g), done);
    if (cosine) {
      BNDL_TRY_GOTO(st, bndl_op_row_norms(ctx, m, dim, qb, q->ld, inv_query), done);
      for (int64_t r = 0; r < m; r++)
        inv_query[r] = inv_query[r] > 0 ? 1.0f / inv_query[r] : 0.0f;
      BNDL_TRY_GOTO(st, bndl_op_scale_rows(ctx, m, ni, scores, ni, inv_query), done);
      for (int64_t r = 0; r < m; r++) {
        float *row = scores + r * ni;
        for (int64_t c = 0; c < ni; c++)
          row[c] *= inv_item[c];
      }
    }
    bndl_topk_desc t = {.rows = m,
                        .cols = ni,
                        .k = kk,
                        .x = scores,
                        .ldx = ni,
                        .exclude = NULL,
                        .idx = tbl_idx + q0 * kk,
                        .val = tbl_val + q0 * kk,
                        .ldk = kk};
    BNDL_TRY_GOTO(st, bndl_op_topk(ctx, &t), done);
  }
  bndl_free(al, scores);
  scores = NULL;
  bndl_free(al, inv_item);
  inv_item = NULL;
  st = bndl_neighbors_from_topk(ctx, nq, kk, tbl_idx, tbl_val, out);

done:
  bndl_free(al, scores);
  bndl_free(al, inv_item);
  bndl_free(al, inv_query);
  bndl_free(al, tbl_idx);
  bndl_free(al, tbl_val);
  return st;
}
