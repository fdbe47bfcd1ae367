/*
 * openblas_gemm.c - dense products on cblas_sgemm and cblas_sgemv, parallel over the
 * host pool.
 *
 * OpenBLAS runs one thread per call (openblas.c); the parallelism is ours: C is cut into
 * blocks of rows (or of columns, when C is wider than tall), each block is one
 * single-threaded BLAS call, and blocks run as pool tasks. A block of C needs all of
 * op(B) (or op(A)), which each call packs again, and each call has a fixed cost, so
 * blocks are large (at least 256 rows and 16 MFLOP) and few (at most 64 per matrix):
 * 256^3 runs as 2 blocks, 1024^3 as 4, 2048^3 as 8. Measured on 2 cores (tests/bench/
 * RESULTS.md) that stays within a few percent of OpenBLAS's own 2-thread sgemm.
 *
 * The cut depends on the shape only, never on the thread count. That is what keeps
 * results identical for every thread count: OpenBLAS does not round the same way for
 * every row range (under OPENBLAS_CORETYPE=Haswell the same rows of C come out with
 * different last bits from a 2048-row call and from 672- or 512-row calls, with no
 * alignment that avoids it), so a cut that followed the threads would change the
 * results with them. The price: a machine with more cores than a product has blocks
 * leaves the rest idle for that product.
 *
 * m == 1 or n == 1 is a matrix-vector product and goes to cblas_sgemv: OpenBLAS 0.3.21
 * runs an m == 1 sgemm 5.5x slower than sgemv (TARGETS.md 1.2, P2). Small vectors stay
 * on one thread (a second one makes them slower, P7); long ones (a query against 1 M
 * items) are cut into blocks of outputs.
 *
 * Batched products run (matrix, block) pairs as tasks. Products too small to be worth
 * waking a worker run on the calling thread, block by block, the same arithmetic.
 */
#include "backends/backend.h"

#ifdef BNDL_HAVE_OPENBLAS

#include <cblas.h>
#include <string.h>

#include "backends/openblas/openblas.h"

enum {
  BLOCK_ROWS = 256,    /* a block has at least this many rows (or columns) of C ... */
  BLOCK_ALIGN = 16,    /* blocks start at multiples of the kernels' row unroll */
  MAX_BLOCKS = 64,     /* per matrix: each block repacks op(B) (or op(A)) */
  GEMV_BLOCK = 1 << 20 /* matrix elements per GEMV block (4 MB) */
};
/* ... and at least this much work (about 150 us of one core): each BLAS call and each
 * task costs a few microseconds, so 64 x 1024 x 256 runs as 2 blocks, not 4 */
static const double BLOCK_FLOPS = 16e6;
/* Below this, a product runs uncut and on the calling thread: about 20 us of one core. */
static const double CUT_FLOPS = 4e6;

typedef struct gemm_plan {
  const bndl_gemm_desc *d;
  int64_t blocks; /* per matrix */
  int64_t span;   /* rows or columns of C per block */
  int cut_cols;   /* blocks are column ranges of C (else row ranges) */
} gemm_plan;

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

static int64_t round_up(int64_t a, int64_t unit) { return ceil_div(a, unit) * unit; }

/* Cuts `len` outputs into about `blocks` blocks (at least 2, at most MAX_BLOCKS), each
 * a multiple of BLOCK_ALIGN long but the last. */
static void cut(gemm_plan *p, int64_t len, int64_t blocks) {
  if (blocks < 2)
    blocks = 2;
  if (blocks > MAX_BLOCKS)
    blocks = MAX_BLOCKS;
  int64_t span = round_up(ceil_div(len, blocks), BLOCK_ALIGN);
  p->span = span < len ? span : len;
  p->blocks = ceil_div(len, p->span);
}

static void plan_gemm(gemm_plan *p, const bndl_gemm_desc *d) {
  memset(p, 0, sizeof *p);
  p->d = d;
  p->blocks = 1;
  double flops = 2.0 * (double)d->m * (double)d->n * (double)d->k;
  if (d->m == 1 || d->n == 1) {
    /* GEMV: m == 1 cuts the n outputs, n == 1 the m outputs; blocks of about GEMV_BLOCK
     * matrix elements and at least 256 outputs */
    int64_t len = d->m == 1 ? d->n : d->m;
    double elements = (double)len * (double)d->k;
    p->cut_cols = d->m == 1;
    p->span = len;
    if (elements >= 2.0 * GEMV_BLOCK && len >= 512) {
      int64_t by_size = (int64_t)(elements / GEMV_BLOCK), by_len = len / 256;
      cut(p, len, by_size < by_len ? by_size : by_len);
    }
    return;
  }
  /* cut the longer side of C: the operand every block repacks is then the smaller one */
  p->cut_cols = d->n > d->m;
  int64_t len = p->cut_cols ? d->n : d->m;
  p->span = len;
  if (flops >= CUT_FLOPS && len >= 2 * BLOCK_ALIGN) {
    int64_t by_len = len / BLOCK_ROWS, by_work = (int64_t)(flops / BLOCK_FLOPS);
    cut(p, len, by_len < by_work ? by_len : by_work);
  }
}

/* Block `blk` of matrix `b`: one single-threaded BLAS call. */
static void run_block(const gemm_plan *p, int64_t b, int64_t blk) {
  const bndl_gemm_desc *d = p->d;
  const float *a = d->a + b * d->stride_a, *bm = d->b + b * d->stride_b;
  float *c = d->c + b * d->stride_c;
  int64_t lo = blk * p->span, len = p->cut_cols ? d->n : d->m;
  int64_t hi = lo + p->span < len ? lo + p->span : len;
  blasint w = (blasint)(hi - lo), k = (blasint)d->k;
  blasint lda = (blasint)d->lda, ldb = (blasint)d->ldb, ldc = (blasint)d->ldc;
  if (d->m == 1) {
    /* c[0, lo:hi] = alpha * op(B)[:, lo:hi]^T x + beta * c, x = row 0 of op(A) */
    blasint incx = d->trans_a ? lda : 1;
    if (d->trans_b) /* B is n x k: its rows lo..hi */
      cblas_sgemv(CblasRowMajor, CblasNoTrans, w, k, d->alpha, bm + lo * d->ldb, ldb, a, incx, d->beta, c + lo, 1);
    else /* B is k x n: its columns lo..hi */
      cblas_sgemv(CblasRowMajor, CblasTrans, k, w, d->alpha, bm + lo, ldb, a, incx, d->beta, c + lo, 1);
    return;
  }
  if (d->n == 1) {
    /* c[lo:hi, 0] = alpha * op(A)[lo:hi, :] x + beta * c, x = column 0 of op(B) */
    blasint incx = d->trans_b ? 1 : ldb;
    if (d->trans_a) /* A is k x m: its columns lo..hi */
      cblas_sgemv(CblasRowMajor, CblasTrans, k, w, d->alpha, a + lo, lda, bm, incx, d->beta, c + lo * d->ldc, ldc);
    else
      cblas_sgemv(CblasRowMajor, CblasNoTrans, w, k, d->alpha, a + lo * d->lda, lda, bm, incx, d->beta,
                  c + lo * d->ldc, ldc);
    return;
  }
  enum CBLAS_TRANSPOSE ta = d->trans_a ? CblasTrans : CblasNoTrans, tb = d->trans_b ? CblasTrans : CblasNoTrans;
  if (p->cut_cols) {
    /* columns lo..hi of op(B): columns of B, or rows of B when transposed */
    const float *bb = d->trans_b ? bm + lo * d->ldb : bm + lo;
    cblas_sgemm(CblasRowMajor, ta, tb, (blasint)d->m, w, k, d->alpha, a, lda, bb, ldb, d->beta, c + lo, ldc);
  } else {
    /* rows lo..hi of op(A): rows of A, or columns of A when transposed */
    const float *aa = d->trans_a ? a + lo : a + lo * d->lda;
    cblas_sgemm(CblasRowMajor, ta, tb, w, (blasint)d->n, k, d->alpha, aa, lda, bm, ldb, d->beta, c + lo * d->ldc,
                ldc);
  }
}

static bndl_status block_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const gemm_plan *p = ud;
  run_block(p, task / p->blocks, task % p->blocks);
  return BNDL_OK;
}

/* alpha == 0 or k == 0: C = beta * C, written without reading C when beta == 0. */
static void scale_c(const bndl_gemm_desc *d) {
  for (int64_t b = 0; b < d->batch; b++)
    for (int64_t i = 0; i < d->m; i++) {
      float *c = d->c + b * d->stride_c + i * d->ldc;
      if (d->beta == 0.0f)
        memset(c, 0, (size_t)d->n * sizeof *c);
      else if (d->beta != 1.0f)
        for (int64_t j = 0; j < d->n; j++)
          c[j] *= d->beta;
    }
}

bndl_status openblas_gemm(void *state, const bndl_gemm_desc *d) {
  const openblas_state *s = state;
  if (d->m == 0 || d->n == 0 || d->batch == 0)
    return BNDL_OK;
  if (!openblas_fits(d->m) || !openblas_fits(d->n) || !openblas_fits(d->k) || !openblas_fits(d->lda) ||
      !openblas_fits(d->ldb) || !openblas_fits(d->ldc))
    return bndl_backend_ref()->gemm(s->ref, d);
  if (d->k == 0 || d->alpha == 0.0f) {
    scale_c(d);
    return BNDL_OK;
  }
  openblas_pin();
  gemm_plan p;
  plan_gemm(&p, d);
  int64_t tasks = d->batch * p.blocks;
  double flops = 2.0 * (double)d->m * (double)d->n * (double)d->k * (double)d->batch;
  if (tasks == 1 || flops < CUT_FLOPS) {
    for (int64_t t = 0; t < tasks; t++)
      block_task(&p, t, 0);
    return BNDL_OK;
  }
  return s->host->parallel_for(s->host->self, tasks, block_task, &p);
}

#else
typedef int bndl_openblas_gemm_not_built; /* ISO C forbids an empty translation unit */
#endif
