/*
 * onednn_gemm.c - dense matrix products on dnnl_sgemm (row-major, like the vtable).
 *
 * The product is cut into blocks of C whose size depends on the shape only (never on
 * the thread count, so results are identical for every pool size), and each block is one
 * dnnl_sgemm call on one OpenMP thread inside a pool task:
 *  - below SPLIT_FLOPS a matrix is one block: splitting a small product costs more
 *    than it saves, and m = 1 stays a single call, which oneDNN runs as a GEMV
 *    (TARGETS.md P2: 1 x 1024 x 256 in <= 15 us);
 *  - larger products with m >= 2 * MIN_ROW_BLOCK are cut into about TARGET_BLOCKS row
 *    blocks of 32..512 rows (a row block of op(A) is a column block of A when A is
 *    transposed). Each block re-packs B: on 1 thread at 1024^3 (Zen 4), blocks of 512,
 *    256 and 128 rows run at 96 %, 93 % and 88 % of one unsplit call, and at 2048^3
 *    blocks of 512 and 256 at 95 % and 92 %, so blocks stay large and few;
 *  - short, wide products (small m, large n: single-query scoring) are cut into column
 *    blocks of at least MIN_COL_BLOCK columns instead;
 *  - batched products flatten (matrix, block) pairs into items, several small items per
 *    task so that each task carries about SPLIT_FLOPS of work.
 * alpha == 0 or k == 0 never reaches oneDNN: C is only scaled by beta (and with beta ==
 * 0 written without being read, as the contract says).
 *
 * Valgrind note: valgrind hides AVX-512, so oneDNN takes its AVX2 kernels there, and on
 * some shapes (64 x 1024 x 256 with B transposed, 100 x 37 x 513) dnnl_sgemm reads 32
 * bytes past the end of its *own* packing buffer ("Invalid read of size 32 ... 0 bytes
 * after a block alloc'd by libdnnl"): an over-read inside libdnnl, not of the caller's
 * arrays. The test shapes under valgrind do not hit it; a suppression would have to
 * match anonymous JIT frames (Memcheck:Addr32 with obj:* frames).
 *
 * Compiled only with oneDNN (src/CMakeLists.txt).
 */
#include <string.h>

#include "backends/onednn/onednn.h"

enum {
  SPLIT_FLOPS = 1 << 22,
  TARGET_BLOCKS = 4,
  MIN_ROW_BLOCK = 32,
  MAX_ROW_BLOCK = 512,
  ROW_ALIGN = 16,
  MIN_COL_BLOCK = 256,
  COL_ALIGN = 64
};

typedef struct gemm_plan {
  onednn_state *s;
  const bndl_gemm_desc *d;
  int64_t mb, nb;                  /* block size in rows and columns of C */
  int64_t row_blocks, col_blocks;  /* blocks per matrix */
  int64_t items, items_per_task;   /* items = batch * row_blocks * col_blocks */
} gemm_plan;

static int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static void plan_blocks(gemm_plan *p) {
  const bndl_gemm_desc *d = p->d;
  double k = d->k > 0 ? (double)d->k : 1.0;
  double flops = 2.0 * (double)d->m * (double)d->n * k;
  p->mb = d->m;
  p->nb = d->n;
  if (flops >= SPLIT_FLOPS) {
    if (d->m >= 2 * MIN_ROW_BLOCK) {
      int64_t mb = round_up((d->m + TARGET_BLOCKS - 1) / TARGET_BLOCKS, ROW_ALIGN);
      p->mb = clamp64(mb, MIN_ROW_BLOCK, MAX_ROW_BLOCK);
    } else {
      int64_t nb = round_up((d->n + TARGET_BLOCKS - 1) / TARGET_BLOCKS, COL_ALIGN);
      p->nb = nb < MIN_COL_BLOCK ? MIN_COL_BLOCK : nb;
    }
    p->mb = p->mb < d->m ? p->mb : d->m;
    p->nb = p->nb < d->n ? p->nb : d->n;
  }
  p->row_blocks = (d->m + p->mb - 1) / p->mb;
  p->col_blocks = (d->n + p->nb - 1) / p->nb;
  p->items = d->batch * p->row_blocks * p->col_blocks;
  double item_flops = 2.0 * (double)p->mb * (double)p->nb * k;
  p->items_per_task = item_flops >= SPLIT_FLOPS ? 1 : (int64_t)(SPLIT_FLOPS / item_flops);
}

/* C block *= beta (beta == 0: zero-filled without reading C). */
static void scale_block(const bndl_gemm_desc *d, float *c, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; i++) {
    float *row = c + i * d->ldc;
    if (d->beta == 0.0f)
      memset(row, 0, (size_t)cols * sizeof *row);
    else if (d->beta != 1.0f)
      for (int64_t j = 0; j < cols; j++)
        row[j] *= d->beta;
  }
}

static bndl_status gemm_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const gemm_plan *p = ud;
  const bndl_gemm_desc *d = p->d;
  int64_t begin = task * p->items_per_task, end = begin + p->items_per_task;
  end = end < p->items ? end : p->items;
  int64_t per_matrix = p->row_blocks * p->col_blocks;
  for (int64_t item = begin; item < end; item++) {
    int64_t b = item / per_matrix, blk = item % per_matrix;
    int64_t i0 = blk / p->col_blocks * p->mb, j0 = blk % p->col_blocks * p->nb;
    int64_t rows = d->m - i0 < p->mb ? d->m - i0 : p->mb;
    int64_t cols = d->n - j0 < p->nb ? d->n - j0 : p->nb;
    float *c = d->c + b * d->stride_c + i0 * d->ldc + j0;
    if (d->alpha == 0.0f || d->k == 0) {
      scale_block(d, c, rows, cols);
      continue;
    }
    /* row block i0 of op(A): rows of A, or columns of A when it is transposed (k x m);
     * column block j0 of op(B): columns of B, or rows of B when it is transposed (n x k) */
    const float *a = d->a + b * d->stride_a + (d->trans_a ? i0 : i0 * d->lda);
    const float *bm = d->b + b * d->stride_b + (d->trans_b ? j0 * d->ldb : j0);
    dnnl_status_t st = dnnl_sgemm(d->trans_a ? 'T' : 'N', d->trans_b ? 'T' : 'N', rows, cols, d->k, d->alpha, a,
                                  d->lda, bm, d->ldb, d->beta, c, d->ldc);
    if (st != dnnl_success)
      return onednn_check(p->s, st, "dnnl_sgemm");
  }
  return BNDL_OK;
}

bndl_status onednn_gemm(void *state, const bndl_gemm_desc *d) {
  if (d->m <= 0 || d->n <= 0 || d->batch <= 0)
    return BNDL_OK;
  gemm_plan p;
  memset(&p, 0, sizeof p);
  p.s = state;
  p.d = d;
  plan_blocks(&p);
  return onednn_parallel(p.s, (p.items + p.items_per_task - 1) / p.items_per_task, gemm_task, &p);
}
