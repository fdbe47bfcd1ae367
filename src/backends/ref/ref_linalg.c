/*
 * ref_linalg.c - dense symmetric linear algebra for the closed-form item models:
 * inverse of a symmetric positive definite matrix, and the leading eigenpairs of a
 * symmetric matrix. Dot products accumulate in double (four interleaved partial sums,
 * combined in a fixed order).
 *
 * Inverse: Cholesky A = L L^T (left-looking, one parallel pass over the rows below the
 * diagonal per column), then U = L^-T by forward substitution, one column of L^-1 per
 * task, stored as a row of U so later products read contiguous rows, then
 * A^-1 = U U^T row by row. About n^3 multiply-adds in all.
 *
 * Eigenpairs (sym_eigen), in double, in three stages:
 *  1. Householder reduction A = Q T Q^T to a symmetric tridiagonal T (Golub & Van Loan,
 *     Matrix Computations, 4th ed., §8.3.1), from the last row up on the lower triangle
 *     packed by rows, each reflector read from a contiguous row. The rank-2 update of the
 *     trailing matrix by one reflector and its product with the next one share one pass,
 *     cut into fixed blocks of 32 rows on the pool: 4/3 n^3 flops, the trailing triangle
 *     read and written once per reflector (memory-bound for large n).
 *  2. The eigenvalues of T by implicit symmetric QR steps with Wilkinson shifts
 *     (§8.3.5), after T is split where an off-diagonal entry is below eps ||T||: about
 *     30 n^2 flops.
 *  3. The eigenvectors of the k largest only: inverse iteration on the unreduced block
 *     of T that holds each (LU with partial pivoting of T - lambda I, about 2 steps),
 *     orthogonalised against the earlier vectors of its cluster (eigenvalues closer than
 *     1e-3 ||T_block||, chained: O(n c) more per vector in a cluster of c), then Q
 *     applied from the stored reflectors, the vectors in parallel: 2 n^2 k flops.
 * Memory: the packed triangle (4 n^2 bytes), the 32-row blocks' column sums (n^2 / 4),
 * k eigenvectors and 20 vectors of n in double: about 4.25 n^2 + 8 n k bytes, one
 * allocation. Measured on 2 threads: n = 3,684 (the Online Retail item Gram matrix,
 * k = 64) 4.5 s, n = 1,500 0.3 s (the cyclic Jacobi method it replaces: 6 minutes at
 * n = 1,500, single-threaded). Non-finite input is refused.
 *
 * Order and signs: eigenvalues descending; equal eigenvalues (exact ties arise between
 * separate blocks of T, e.g. for a diagonal or block-diagonal A) in the order of their
 * blocks in T, first rows first - for a diagonal A, ties in increasing row index, the
 * eigenvectors being the unit vectors. Each vector's largest |component| (the first on
 * exact ties, decided on the float values returned) is made positive. Every step runs
 * in a fixed order, so results are bit-identical for any thread count.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/ref/ref.h"

/* Dot products in double with four interleaved partial sums: one running sum would
 * wait on the previous addition at every step (latency-bound, about 4x slower). The
 * partial sums are combined in a fixed order, so results do not depend on threads. */
static double dot_ff(const float *x, const float *y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t p = 0;
  for (; p + 4 <= n; p += 4) {
    s0 += (double)x[p] * y[p];
    s1 += (double)x[p + 1] * y[p + 1];
    s2 += (double)x[p + 2] * y[p + 2];
    s3 += (double)x[p + 3] * y[p + 3];
  }
  for (; p < n; p++)
    s0 += (double)x[p] * y[p];
  return (s0 + s1) + (s2 + s3);
}

static double dot_fd(const float *x, const double *y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t p = 0;
  for (; p + 4 <= n; p += 4) {
    s0 += x[p] * y[p];
    s1 += x[p + 1] * y[p + 1];
    s2 += x[p + 2] * y[p + 2];
    s3 += x[p + 3] * y[p + 3];
  }
  for (; p < n; p++)
    s0 += x[p] * y[p];
  return (s0 + s1) + (s2 + s3);
}

static double dot_dd(const double *x, const double *y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t p = 0;
  for (; p + 4 <= n; p += 4) {
    s0 += x[p] * y[p];
    s1 += x[p + 1] * y[p + 1];
    s2 += x[p + 2] * y[p + 2];
    s3 += x[p + 3] * y[p + 3];
  }
  for (; p < n; p++)
    s0 += x[p] * y[p];
  return (s0 + s1) + (s2 + s3);
}

typedef struct chol_job {
  int64_t n, lda, j;
  float *a;
  double *u; /* U = L^-T, n x n row-major, upper */
} chol_job;

/* Column j of L below the diagonal: L[i][j] = (A[i][j] - sum_p<j L[i][p] L[j][p]) / L[j][j]. */
static bndl_status chol_column(void *ud, int64_t begin, int64_t end) {
  const chol_job *c = ud;
  const float *lj = c->a + c->j * c->lda;
  for (int64_t i = c->j + 1 + begin; i < c->j + 1 + end; i++) {
    float *li = c->a + i * c->lda;
    double s = li[c->j] - dot_ff(li, lj, c->j);
    li[c->j] = (float)(s / lj[c->j]);
  }
  return BNDL_OK;
}

/* Column col of L^-1: z_i = (delta_i,col - sum_{p=col}^{i-1} L[i][p] z_p) / L[i][i], kept as
 * row col of U. */
static bndl_status inverse_columns(void *ud, int64_t begin, int64_t end) {
  const chol_job *c = ud;
  for (int64_t col = begin; col < end; col++) {
    double *z = c->u + col * c->n;
    for (int64_t i = 0; i < col; i++)
      z[i] = 0;
    for (int64_t i = col; i < c->n; i++) {
      const float *li = c->a + i * c->lda;
      double s = (i == col ? 1.0 : 0.0) - dot_fd(li + col, z + col, i - col);
      z[i] = s / li[i];
    }
  }
  return BNDL_OK;
}

/* A^-1[i][j] = sum_{p >= max(i,j)} U[i][p] U[j][p]; each task writes rows i (j >= i) and
 * the mirrored column entries, which no other task writes. */
static bndl_status product_rows(void *ud, int64_t begin, int64_t end) {
  const chol_job *c = ud;
  for (int64_t i = begin; i < end; i++) {
    const double *ui = c->u + i * c->n;
    for (int64_t j = i; j < c->n; j++) {
      const double *uj = c->u + j * c->n;
      double s = dot_dd(ui + j, uj + j, c->n - j);
      c->a[i * c->lda + j] = (float)s;
      c->a[j * c->lda + i] = (float)s;
    }
  }
  return BNDL_OK;
}

bndl_status ref_spd_inverse(void *state, int64_t n, float *a, int64_t lda) {
  const ref_state *s = state;
  if (n == 0)
    return BNDL_OK;
  chol_job c = {n, lda, 0, a, NULL};
  for (int64_t j = 0; j < n; j++) {
    float *lj = a + j * lda;
    double d = lj[j] - dot_ff(lj, lj, j);
    if (!(d > 0) || !isfinite(d))
      return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "matrix is not positive definite (Cholesky pivot <= 0)");
    lj[j] = (float)sqrt(d);
    c.j = j;
    BNDL_PROVIDER_TRY(ref_parallel_range(s, n - j - 1, 64, chol_column, &c));
  }
  size_t bytes = (size_t)n * (size_t)n * sizeof(double);
  c.u = s->host->alloc(s->host->self, bytes);
  if (c.u == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_status st = ref_parallel_range(s, n, 8, inverse_columns, &c);
  if (st == BNDL_OK)
    st = ref_parallel_range(s, n, 8, product_rows, &c);
  s->host->free(s->host->self, c.u);
  return st;
}

/* ---- symmetric eigenpairs
 *
 * Layout. The lower triangle is copied into `w` in double, packed by rows (row i holds
 * columns 0..i at w + i(i+1)/2), so every loop below walks contiguous rows. */

enum {
  EIG_ROW_BLOCK = 32,   /* rows per task of a reduction pass; fixed: it sets the summation order */
  EIG_INLINE = 32768,   /* a pass over fewer lower-triangle entries runs on the calling thread */
  EIG_QR_SWEEPS = 40,   /* implicit QR sweeps allowed per eigenvalue */
  EIG_INV_STEPS = 10,   /* inverse iteration steps allowed per eigenvector */
  EIG_BACK_GRAIN = 16   /* at most this many eigenvectors per back-transformation task */
};

#define EIG_EPS DBL_EPSILON
/* The scale at which a back substitution in inverse iteration is rescaled to stay finite. */
#define EIG_BIG 1e150

static double *packed_row(double *w, int64_t i) { return w + i * (i + 1) / 2; }

/* sqrt(x^2 + z^2) without the squares under- or overflowing */
static double rot_len(double x, double z) {
  double ax = fabs(x), az = fabs(z), big = ax > az ? ax : az;
  if (big > 1e-140 && big < 1e140)
    return sqrt(x * x + z * z);
  return hypot(x, z);
}

/* row[0..l] -= v[l] u[0..l] + u[l] v[0..l] (one row of the symmetric rank-2 update). */
static void update_row(double *restrict row, int64_t l, const double *restrict v, const double *restrict u) {
  const double vl = v[l], ul = u[l];
  for (int64_t c = 0; c <= l; c++)
    row[c] = row[c] - (vl * u[c] + ul * v[c]);
}

/* The fused step of the reduction for row l of the trailing matrix B: the pending
 * rank-2 update (as update_row), then row l's share of q = B x using only the lower
 * triangle: returns sum_{c <= l} B[l][c] x[c] and adds B[l][c] x[l] to part[c] for c < l
 * (the upper-triangle half of the product, gathered per column). One pass over the row
 * does both, so the trailing matrix is read and written once per reflector. */
static double update_product_row(double *restrict row, int64_t l, const double *restrict v, const double *restrict u,
                                 const double *restrict x, double *restrict part) {
  const double vl = v[l], ul = u[l], xl = x[l];
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t c = 0;
  for (; c + 4 <= l; c += 4) {
    double t0 = row[c] - (vl * u[c] + ul * v[c]);
    double t1 = row[c + 1] - (vl * u[c + 1] + ul * v[c + 1]);
    double t2 = row[c + 2] - (vl * u[c + 2] + ul * v[c + 2]);
    double t3 = row[c + 3] - (vl * u[c + 3] + ul * v[c + 3]);
    row[c] = t0;
    row[c + 1] = t1;
    row[c + 2] = t2;
    row[c + 3] = t3;
    s0 += t0 * x[c];
    s1 += t1 * x[c + 1];
    s2 += t2 * x[c + 2];
    s3 += t3 * x[c + 3];
    part[c] += t0 * xl;
    part[c + 1] += t1 * xl;
    part[c + 2] += t2 * xl;
    part[c + 3] += t3 * xl;
  }
  for (; c < l; c++) {
    double t = row[c] - (vl * u[c] + ul * v[c]);
    row[c] = t;
    s0 += t * x[c];
    part[c] += t * xl;
  }
  double t = row[l] - (vl * u[l] + ul * v[l]);
  row[l] = t;
  return ((s0 + s1) + (s2 + s3)) + t * xl;
}

typedef struct reduce_pass {
  double *w;
  int64_t rows, n;          /* rows 0..rows-1 of the packed triangle; n: stride of `part` */
  const double *v, *u, *x;  /* B -= v u^T + u v^T, then q = B x (zero vectors when absent) */
  double *rowdot, *part;    /* rowdot[l]: row l's own sums; part + b n: row block b's column sums */
} reduce_pass;

static bndl_status reduce_pass_blocks(void *ud, int64_t begin, int64_t end) {
  const reduce_pass *p = ud;
  for (int64_t b = begin; b < end; b++) {
    int64_t r0 = b * EIG_ROW_BLOCK, r1 = r0 + EIG_ROW_BLOCK < p->rows ? r0 + EIG_ROW_BLOCK : p->rows;
    double *part = p->part + b * p->n;
    memset(part, 0, (size_t)r1 * sizeof *part);
    for (int64_t l = r0; l < r1; l++)
      p->rowdot[l] = update_product_row(packed_row(p->w, l), l, p->v, p->u, p->x, part);
  }
  return BNDL_OK;
}

/* Householder reduction Q^T A Q = T (Golub & Van Loan, Matrix Computations, 4th ed.,
 * §8.3.1, with the Householder vectors of §5.1.2), run from the last row up so that each
 * reflector is read from a contiguous row: step i (i = n-1 .. 2) takes x = B[i][0..i-1]
 * of the trailing matrix B (rows and columns 0..i), and H_i = I - tau v v^T with
 * v[i-1] = 1 maps x to beta e_{i-1} (beta = -sign(x[i-1]) ||x||: no cancellation in
 * x[i-1] - beta). Then B[0..i-1] <- H_i B H_i = B - v u^T - u v^T with p = tau B v and
 * u = p - (tau/2)(p^T v) v. When x is already a multiple of e_{i-1}, H_i = I (tau 0), so
 * zeros in A (diagonal, block-diagonal) stay exactly zero.
 *
 * Step i's update is applied in the same pass as step i-1's product B v (row i-1 is
 * updated first, since it defines the next v): each pass reads and writes the trailing
 * triangle once. Rows are cut into fixed blocks of EIG_ROW_BLOCK; a block's column sums
 * go to its own buffer and are added in block order afterwards, so every sum runs in the
 * same order for any thread count. On return d, e hold T's diagonal and subdiagonal
 * (e[i-1] = T[i][i-1]), row i of w holds v[0..i-2] of H_i and tau[i] its tau (0 for
 * i < 2 and where H_i = I). */
static bndl_status tridiagonalize(const ref_state *s, int64_t n, double *w, double *d, double *e, double *tau,
                                  double *v, double *u, double *x, double *rowdot, double *part) {
  int pending = 0; /* rows 0..i hold B before the update by (v, u) */
  tau[0] = 0;
  for (int64_t i = n - 1; i >= 1; i--) {
    double *ri = packed_row(w, i);
    if (pending)
      update_row(ri, i, v, u);
    d[i] = ri[i];
    tau[i] = 0;
    if (i == 1) {
      e[0] = ri[0];
      break;
    }
    double alpha = ri[i - 1], sigma = dot_dd(ri, ri, i - 1), t = 0;
    if (sigma == 0) {
      e[i - 1] = alpha;
    } else {
      double mu = sqrt(alpha * alpha + sigma), beta = alpha >= 0 ? -mu : mu, scale = 1 / (alpha - beta);
      t = (beta - alpha) / beta;
      for (int64_t j = 0; j < i - 1; j++)
        ri[j] *= scale;
      e[i - 1] = beta;
      tau[i] = t;
    }
    if (!pending && t == 0)
      continue;
    for (int64_t j = 0; j < i - 1; j++)
      x[j] = t != 0 ? ri[j] : 0;
    x[i - 1] = t != 0 ? 1 : 0;
    if (!pending)
      for (int64_t j = 0; j < i; j++)
        v[j] = u[j] = 0;
    reduce_pass p = {w, i, n, v, u, x, rowdot, part};
    int64_t blocks = (i + EIG_ROW_BLOCK - 1) / EIG_ROW_BLOCK;
    if (i * i / 2 < EIG_INLINE)
      reduce_pass_blocks(&p, 0, blocks);
    else
      BNDL_PROVIDER_TRY(ref_parallel_range(s, blocks, 1, reduce_pass_blocks, &p));
    pending = t != 0;
    if (!pending)
      continue;
    /* q = B x: each row's own sums plus the column sums of its block and every later one */
    for (int64_t b = 0; b < blocks; b++) {
      int64_t r1 = (b + 1) * EIG_ROW_BLOCK < i ? (b + 1) * EIG_ROW_BLOCK : i;
      const double *pb = part + b * n;
      for (int64_t c = 0; c < r1; c++)
        rowdot[c] += pb[c];
    }
    for (int64_t j = 0; j < i; j++)
      rowdot[j] *= t;
    double half = 0.5 * t * dot_dd(rowdot, x, i);
    for (int64_t j = 0; j < i; j++)
      u[j] = rowdot[j] - half * x[j];
    double *swap = v;
    v = x;
    x = swap;
  }
  if (pending)
    update_row(w, 0, v, u);
  d[0] = w[0];
  return BNDL_OK;
}

/* Eigenvalues of one unreduced symmetric tridiagonal block (diagonal d[0..m-1],
 * off-diagonal e[0..m-2]), left in d; e is destroyed. Implicit symmetric QR steps with
 * the Wilkinson shift (Golub & Van Loan §8.3.5, Algorithm 8.3.2): the first rotation
 * comes from the first column of T - mu I, the following ones chase the bulge down. An
 * off-diagonal entry is dropped when it is below eps (|d_j| + |d_j+1|) or below `floor`
 * (eps ||T||: an absolute perturbation of T no larger than the reduction's own error).
 * Returns 0 if an eigenvalue needed more than EIG_QR_SWEEPS sweeps. */
static int tridiag_qr(double *d, double *e, int64_t m, double floor) {
  int64_t hi = m - 1;
  int sweeps = 0;
  while (hi > 0) {
    int64_t lo = hi;
    while (lo > 0 && fabs(e[lo - 1]) > EIG_EPS * (fabs(d[lo - 1]) + fabs(d[lo])) && fabs(e[lo - 1]) > floor)
      lo--;
    if (lo == hi) { /* d[hi] has converged */
      hi--;
      sweeps = 0;
      continue;
    }
    if (++sweeps > EIG_QR_SWEEPS)
      return 0;
    /* the eigenvalue of the trailing 2 x 2 block nearer to d[hi] */
    double a = d[hi - 1], b = e[hi - 1], c = d[hi], delta = (a - c) / 2, r = rot_len(delta, b);
    double mu = c - b * (b / (delta + (delta >= 0 ? r : -r)));
    double x = d[lo] - mu, z = e[lo];
    for (int64_t j = lo; j < hi; j++) {
      /* rotation in the plane (j, j+1) that zeroes z against x (the bulge below e[j-1]) */
      double len = rot_len(x, z), cs = 1, sn = 0;
      if (len > 0) {
        cs = x / len;
        sn = z / len;
      }
      if (j > lo)
        e[j - 1] = len;
      double dj = d[j], ej = e[j], dk = d[j + 1], cc = cs * cs, ss = sn * sn, cs2 = 2 * cs * sn;
      d[j] = cc * dj + cs2 * ej + ss * dk;
      d[j + 1] = ss * dj - cs2 * ej + cc * dk;
      e[j] = cs * sn * (dk - dj) + (cc - ss) * ej;
      if (j + 1 < hi) {
        double f = e[j + 1];
        z = sn * f;
        e[j + 1] = cs * f;
        x = e[j];
      }
    }
  }
  return 1;
}

static int desc_double(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return a > b ? -1 : a < b ? 1 : 0;
}

/* An eigenvalue of T and its index in `val` (block start + rank within the block). */
typedef struct eig_key {
  double value;
  int64_t index;
} eig_key;

/* Descending by value; equal values by index, i.e. by the position of their block in T
 * and then by rank within it. A total order: the selection does not depend on qsort. */
static int key_order(const void *pa, const void *pb) {
  const eig_key *a = pa, *b = pb;
  if (a->value != b->value)
    return a->value > b->value ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* LU factors with partial pivoting of a tridiagonal block T - sigma I (Golub & Van Loan
 * §4.3.5 for banded matrices): U has two superdiagonals (u1, u2), L one multiplier per
 * column (l), swap[i] set when rows i and i+1 were interchanged. */
typedef struct tri_lu {
  double *u0, *u1, *u2, *l;
  unsigned char *swap;
} tri_lu;

/* Factors (T - sigma I) / scale for the block d[0..m-1], e[0..m-2] (inv = 1 / scale,
 * sigma already divided by scale). Pivots smaller than eps (relative to ||T|| = 1 after
 * the scaling) are raised to eps: the shift is an eigenvalue, so one pivot is meant to be
 * nearly zero, and the perturbation only makes the solve finite. */
static void tri_factor(const double *d, const double *e, int64_t m, double inv, double sigma, const tri_lu *f) {
  double p0 = d[0] * inv - sigma, p1 = m > 1 ? e[0] * inv : 0; /* the row being eliminated */
  for (int64_t i = 0; i + 1 < m; i++) {
    double sub = e[i] * inv, nd = d[i + 1] * inv - sigma, ne = i + 2 < m ? e[i + 1] * inv : 0;
    if (fabs(sub) > fabs(p0)) { /* row i+1 is the pivot row */
      double mult = p0 / sub;
      f->swap[i] = 1;
      f->u0[i] = sub;
      f->u1[i] = nd;
      f->u2[i] = ne;
      f->l[i] = mult;
      p0 = p1 - mult * nd;
      p1 = -mult * ne;
    } else {
      if (fabs(p0) < EIG_EPS)
        p0 = p0 < 0 ? -EIG_EPS : EIG_EPS;
      double mult = sub / p0;
      f->swap[i] = 0;
      f->u0[i] = p0;
      f->u1[i] = p1;
      f->u2[i] = 0;
      f->l[i] = mult;
      p0 = nd - mult * p1;
      p1 = ne;
    }
  }
  if (fabs(p0) < EIG_EPS)
    p0 = p0 < 0 ? -EIG_EPS : EIG_EPS;
  f->u0[m - 1] = p0;
}

/* b <- (T - sigma I)^-1 b from the factors. A back substitution that grows past EIG_BIG
 * scales everything solved and still to solve by 1 / EIG_BIG (the system is linear), and
 * returns 1: the growth is then far beyond any convergence threshold. */
static int tri_solve(const tri_lu *f, int64_t m, double *b) {
  for (int64_t i = 0; i + 1 < m; i++) {
    if (f->swap[i]) {
      double t = b[i];
      b[i] = b[i + 1];
      b[i + 1] = t;
    }
    b[i + 1] -= f->l[i] * b[i];
  }
  int rescaled = 0;
  for (int64_t i = m - 1; i >= 0; i--) {
    double r = b[i];
    if (i + 1 < m)
      r -= f->u1[i] * b[i + 1];
    if (i + 2 < m)
      r -= f->u2[i] * b[i + 2];
    r /= f->u0[i];
    if (fabs(r) > EIG_BIG) {
      for (int64_t j = 0; j < m; j++)
        if (j != i)
          b[j] /= EIG_BIG;
      r /= EIG_BIG;
      rescaled = 1;
    }
    b[i] = r;
  }
  return rescaled;
}

/* z -= (q . z) q for each of the `count` earlier eigenvectors q = zs + rows[r] * ldz. */
static void orthogonalize(double *z, int64_t m, const double *zs, int64_t ldz, const int64_t *rows, int64_t count) {
  for (int64_t r = 0; r < count; r++) {
    const double *q = zs + rows[r] * ldz;
    double c = dot_dd(q, z, m);
    for (int64_t i = 0; i < m; i++)
      z[i] -= c * q[i];
  }
}

/* Inverse iteration (Golub & Van Loan §8.2.2; for tridiagonal matrices as in Peters &
 * Wilkinson, "The calculation of specified eigenvectors by inverse iteration", Handbook
 * for Automatic Computation II, 1971): z <- (T - sigma I)^-1 z from a fixed pseudo-random
 * start, orthogonalised (twice) against the earlier eigenvectors of the same cluster,
 * then normalised. With ||z|| = 1 before a solve, 1 / ||solution|| bounds the residual
 * ||(T - sigma I) z||: a step converges when that is <= tol; one more step follows
 * (it removes what remains of the other eigenvectors). Returns 0 if no step converged,
 * or the solution vanished. */
static int inverse_iteration(const tri_lu *f, int64_t m, double *z, const double *zs, int64_t ldz,
                             const int64_t *rows, int64_t count, double tol, uint64_t seed) {
  double nrm = 0;
  for (int64_t i = 0; i < m; i++) {
    /* splitmix64 */
    uint64_t h = (seed += 0x9e3779b97f4a7c15ULL);
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
    z[i] = (double)(h >> 11) * 0x1.0p-52 - 1.0;
    nrm += z[i] * z[i];
  }
  nrm = sqrt(nrm);
  for (int64_t i = 0; i < m; i++)
    z[i] /= nrm;
  int converged = 0;
  for (int step = 0; step < EIG_INV_STEPS && converged < 2; step++) {
    int rescaled = tri_solve(f, m, z);
    orthogonalize(z, m, zs, ldz, rows, count);
    orthogonalize(z, m, zs, ldz, rows, count);
    double big = 0;
    for (int64_t i = 0; i < m; i++)
      big = fmax(big, fabs(z[i]));
    if (!(big > 0) || !isfinite(big))
      return 0;
    nrm = 0;
    for (int64_t i = 0; i < m; i++) {
      z[i] /= big;
      nrm += z[i] * z[i];
    }
    nrm = sqrt(nrm);
    if (rescaled || nrm * big * tol >= 1)
      converged++;
    for (int64_t i = 0; i < m; i++)
      z[i] /= nrm;
  }
  return converged > 0;
}

/* y <- H_2 .. H_{n-1} applied to eigenvectors begin..end-1 of T (rows of z): the
 * eigenvectors of A = Q T Q^T are Q z with Q = H_{n-1} ... H_2, so H_2 acts first. Each
 * vector is zero below its block's start `first[j]` until the reflectors reach it. */
typedef struct back_job {
  double *w, *z;
  const double *tau;
  const int64_t *first;
  int64_t n;
} back_job;

static bndl_status back_transform(void *ud, int64_t begin, int64_t end) {
  const back_job *b = ud;
  for (int64_t i = 2; i < b->n; i++) {
    double t = b->tau[i];
    if (t == 0)
      continue;
    const double *vi = packed_row(b->w, i);
    for (int64_t j = begin; j < end; j++) {
      if (i <= b->first[j])
        continue;
      double *y = b->z + j * b->n;
      double c = t * (dot_dd(vi, y, i - 1) + y[i - 1]);
      for (int64_t p = 0; p < i - 1; p++)
        y[p] -= c * vi[p];
      y[i - 1] -= c;
    }
  }
  return BNDL_OK;
}

/* Bytes of workspace for n, k (one block): the packed triangle, the row blocks' column
 * sums, 20 vectors of n (8-byte entries), k eigenvectors in double, n swap flags. */
static int eig_workspace(int64_t n, int64_t k, size_t *bytes) {
  uint64_t blocks = (uint64_t)(n + EIG_ROW_BLOCK - 1) / EIG_ROW_BLOCK, tri = 0, words = 0, part = 0, vec = 0;
  if (__builtin_mul_overflow((uint64_t)n, (uint64_t)(n + 1), &tri) ||
      __builtin_mul_overflow(blocks, (uint64_t)n, &part) || __builtin_mul_overflow((uint64_t)k, (uint64_t)n, &vec))
    return 0;
  tri /= 2;
  if (__builtin_add_overflow(tri, part, &words) || __builtin_add_overflow(words, vec, &words) ||
      __builtin_add_overflow(words, 20 * (uint64_t)n, &words) || words > (SIZE_MAX - (uint64_t)n) / 8)
    return 0;
  *bytes = (size_t)(words * 8 + (uint64_t)n);
  return 1;
}

bndl_status ref_sym_eigen(void *state, int64_t n, float *a, int64_t lda, int64_t k, float *values, float *vectors) {
  const ref_state *s = state;
  if (k < 0 || k > n)
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "eigenpair count outside 0..n");
  if (n == 0 || k == 0)
    return BNDL_OK;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j <= i; j++)
      if (!isfinite(a[i * lda + j]))
        return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "matrix has a non-finite entry");
  size_t bytes = 0;
  if (!eig_workspace(n, k, &bytes))
    return s->host->fail(BNDL_ERR_OUT_OF_MEMORY, "sym_eigen workspace size overflows");
  double *w = s->host->alloc(s->host->self, bytes);
  if (w == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  /* carve the block: doubles, then int64 and key arrays (8-byte entries), then flags */
  size_t un = (size_t)n;
  double *part = w + un * (un + 1) / 2;
  double *z = part + un * ((un + EIG_ROW_BLOCK - 1) / EIG_ROW_BLOCK);
  double *d = z + (size_t)k * un, *e = d + un, *tau = e + un, *vbuf = tau + un, *ubuf = vbuf + un, *xbuf = ubuf + un,
         *rowdot = xbuf + un, *val = rowdot + un, *ework = val + un, *bnorm = ework + un;
  tri_lu lu = {bnorm + un, bnorm + 2 * un, bnorm + 3 * un, bnorm + 4 * un, NULL};
  int64_t *block_lo = (int64_t *)(bnorm + 5 * un), *block_hi = block_lo + un, *out_of = block_hi + un,
          *first = out_of + un;
  eig_key *keys = (eig_key *)(first + un);
  lu.swap = (unsigned char *)(keys + un);

  for (int64_t i = 0; i < n; i++) {
    double *row = packed_row(w, i);
    for (int64_t j = 0; j <= i; j++)
      row[j] = a[i * lda + j];
  }
  bndl_status st = tridiagonalize(s, n, w, d, e, tau, vbuf, ubuf, xbuf, rowdot, part);
  if (st != BNDL_OK)
    goto done;

  /* Split T where |e| <= eps ||T|| (treated as zero from here on) and find each
   * unreduced block's eigenvalues, descending, in val[lo..hi]. */
  double tnorm = 0;
  for (int64_t i = 0; i < n; i++)
    tnorm = fmax(tnorm, fabs(d[i]) + (i > 0 ? fabs(e[i - 1]) : 0) + (i + 1 < n ? fabs(e[i]) : 0));
  for (int64_t lo = 0, hi; lo < n; lo = hi + 1) {
    hi = lo;
    while (hi + 1 < n && fabs(e[hi]) > EIG_EPS * tnorm)
      hi++;
    double norm = 0;
    for (int64_t i = lo; i <= hi; i++)
      norm = fmax(norm, fabs(d[i]) + (i > lo ? fabs(e[i - 1]) : 0) + (i < hi ? fabs(e[i]) : 0));
    memcpy(val + lo, d + lo, (size_t)(hi - lo + 1) * sizeof *val);
    memcpy(ework + lo, e + lo, (size_t)(hi - lo) * sizeof *ework);
    if (!tridiag_qr(val + lo, ework + lo, hi - lo + 1, EIG_EPS * norm)) {
      st = s->host->fail(BNDL_ERR_BACKEND, "sym_eigen: the tridiagonal QR iteration did not converge");
      goto done;
    }
    qsort(val + lo, (size_t)(hi - lo + 1), sizeof *val, desc_double);
    for (int64_t i = lo; i <= hi; i++) {
      block_lo[i] = lo;
      block_hi[i] = hi;
      bnorm[i] = norm;
      keys[i].value = val[i];
      keys[i].index = i;
      out_of[i] = -1;
    }
  }
  qsort(keys, un, sizeof *keys, key_order);

  /* Eigenvectors of T for the k largest, by inverse iteration within their block. Within
   * a block they come in descending order (key_order), so the earlier members of a
   * cluster (neighbours closer than 1e-3 ||T_block||) are done when a vector needs them.
   * A shift within 10 eps of the previous one in its block is moved below it. */
  for (int64_t j = 0; j < k; j++) {
    int64_t t = keys[j].index, lo = block_lo[t], m = block_hi[t] - lo + 1, pos = t - lo;
    double *zj = z + j * n;
    memset(zj, 0, un * sizeof *zj);
    out_of[t] = j;
    first[j] = lo;
    if (m == 1) {
      zj[lo] = 1;
      continue;
    }
    double inv = 1 / bnorm[t], sigma = val[t] * inv;
    if (pos > 0 && ework[t - 1] - sigma < 10 * EIG_EPS)
      sigma = ework[t - 1] - 10 * EIG_EPS;
    ework[t] = sigma;
    int64_t c0 = pos;
    while (c0 > 0 && val[lo + c0 - 1] - val[lo + c0] <= 1e-3 * bnorm[t])
      c0--;
    tri_factor(d + lo, e + lo, m, inv, sigma, &lu);
    if (!inverse_iteration(&lu, m, zj + lo, z + lo, n, out_of + lo + c0, pos - c0, 64.0 * (double)m * EIG_EPS,
                           (uint64_t)j)) {
      st = s->host->fail(BNDL_ERR_BACKEND, "sym_eigen: inverse iteration did not converge");
      goto done;
    }
  }

  back_job bj = {w, z, tau, first, n};
  int64_t threads = s->host->threads(s->host->self), grain = (k + 4 * threads - 1) / (4 * threads);
  st = ref_parallel_range(s, k, grain < EIG_BACK_GRAIN ? grain : EIG_BACK_GRAIN, back_transform, &bj);
  if (st != BNDL_OK)
    goto done;

  /* float output; the sign rule of backend.h is applied to the rounded values, so it
   * holds exactly for what the caller sees */
  for (int64_t j = 0; j < k; j++) {
    values[j] = (float)val[keys[j].index];
    float *out = vectors + j * n;
    const double *zj = z + j * n;
    int64_t arg = 0;
    for (int64_t c = 0; c < n; c++) {
      out[c] = (float)zj[c];
      if (fabsf(out[c]) > fabsf(out[arg]))
        arg = c;
    }
    if (out[arg] < 0)
      for (int64_t c = 0; c < n; c++)
        out[c] = -out[c];
  }
done:
  s->host->free(s->host->self, w);
  return st;
}
