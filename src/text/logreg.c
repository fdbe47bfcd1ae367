/*
 * logreg.c - TRON for L2-regularised logistic regression (see logreg.h for the method,
 * its sources and why it was chosen).
 *
 * Vectors over the unknowns have d + 1 entries, the bias last, so the trust region, CG
 * and every norm treat (w, b) as one vector; the regulariser and, without a bias, the
 * bias entry of every gradient and Hessian product are handled at the ends.
 *
 * Hessian-vector products gather the CG direction rounded to float (half the bytes of a
 * random gather; online_shopping: 2.06 -> 1.6 s for 45 CG steps on one thread): CG only
 * needs H v approximately, while f and the gradient, which decide the solution, are
 * computed in double from w itself.
 *
 * Determinism: row work is cut into fixed blocks of ROW_BLOCK rows and column work into
 * fixed blocks of COL_BLOCK columns, independent of the thread count; a task writes only
 * its own rows' or columns' results and its block's partial sums, and partial sums are
 * added in block order on the calling thread. Vector reductions over d + 1 entries run
 * sequentially in index order.
 */
#include "text/logreg.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"

enum { ROW_BLOCK = 4096, COL_BLOCK = 8192, CG_MAX = 250 };

typedef struct lr {
  bndl_context *ctx;
  const bndl_allocator *a;
  const bndl_csr *X;
  bndl_csr T; /* X transposed: row j lists the examples with feature j, in example order */
  const int8_t *y;
  const double *c;
  double C;
  int fit_bias;
  int64_t n, d;
  double *z;       /* margins at the last point evaluated */
  double *D;       /* C c_i s_i (1 - s_i) at the current point */
  double *t;       /* per-example scratch */
  float *vf;       /* H v's direction rounded to float: half the bytes to gather */
  double *partial; /* one partial sum per row block */
  int64_t n_row_blocks, n_col_blocks;
  /* operands of the current parallel step */
  const double *v;
  double *out;
} lr;

static inline double log1pexp_neg(double t) { /* log(1 + exp(-t)), stable */
  return t >= 0 ? log1p(exp(-t)) : -t + log1p(exp(t));
}

static inline double sigmoid(double t) {
  if (t >= 0)
    return 1.0 / (1.0 + exp(-t));
  double e = exp(t);
  return e / (1.0 + e);
}

static double dot(const double *a, const double *b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

static double sum_partials(const lr *p) {
  double s = 0;
  for (int64_t k = 0; k < p->n_row_blocks; k++)
    s += p->partial[k];
  return s;
}

static void row_range(const lr *p, int64_t task, int64_t *lo, int64_t *hi) {
  *lo = task * ROW_BLOCK;
  *hi = *lo + ROW_BLOCK < p->n ? *lo + ROW_BLOCK : p->n;
}

/* z_i = x_i . v + v_b; partial = sum of the block's weighted losses. */
static bndl_status fun_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  lr *p = ud;
  const bndl_csr *X = p->X;
  const double *v = p->v;
  double b = v[p->d], loss = 0;
  int64_t lo, hi;
  row_range(p, task, &lo, &hi);
  for (int64_t i = lo; i < hi; i++) {
    double s = b;
    for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++)
      s += (double)X->val[k] * v[X->idx[k]];
    p->z[i] = s;
    double l = log1pexp_neg(p->y[i] * s);
    loss += p->c ? p->c[i] * l : l;
  }
  p->partial[task] = loss;
  return BNDL_OK;
}

/* f at v (leaves the margins in p->z). */
static bndl_status fun(lr *p, const double *v, double *f) {
  p->v = v;
  BNDL_TRY(bndl_parallel_for(p->ctx, p->n_row_blocks, fun_task, p));
  *f = 0.5 * dot(v, v, p->d) + p->C * sum_partials(p);
  return BNDL_OK;
}

/* From the margins: t_i = C c_i (s_i - 1) y_i (the loss derivative), D_i. */
static bndl_status grad_rows_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  lr *p = ud;
  int64_t lo, hi;
  row_range(p, task, &lo, &hi);
  double sum = 0;
  for (int64_t i = lo; i < hi; i++) {
    double s = sigmoid(p->y[i] * p->z[i]);
    double w = p->C * (p->c ? p->c[i] : 1.0);
    p->t[i] = w * (s - 1.0) * p->y[i];
    p->D[i] = w * s * (1.0 - s);
    sum += p->t[i];
  }
  p->partial[task] = sum;
  return BNDL_OK;
}

/* out_j = v_j + sum_i x_ij t_i over the block's columns. */
static bndl_status xt_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  lr *p = ud;
  const bndl_csr *T = &p->T;
  int64_t lo = task * COL_BLOCK, hi = lo + COL_BLOCK < p->d ? lo + COL_BLOCK : p->d;
  for (int64_t j = lo; j < hi; j++) {
    double s = 0;
    for (int64_t k = T->indptr[j]; k < T->indptr[j + 1]; k++)
      s += (double)T->val[k] * p->t[T->idx[k]];
    p->out[j] = p->v[j] + s;
  }
  return BNDL_OK;
}

/* g = (w + X^T t, sum t) at the point whose margins fun() left. */
static bndl_status grad(lr *p, const double *w, double *g) {
  BNDL_TRY(bndl_parallel_for(p->ctx, p->n_row_blocks, grad_rows_task, p));
  double gb = sum_partials(p);
  p->v = w;
  p->out = g;
  BNDL_TRY(bndl_parallel_for(p->ctx, p->n_col_blocks, xt_task, p));
  g[p->d] = p->fit_bias ? gb : 0.0;
  return BNDL_OK;
}

/* t_i = D_i (x_i . v + v_b). */
static bndl_status hv_rows_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  lr *p = ud;
  const bndl_csr *X = p->X;
  const double *v = p->v;
  const float *vf = p->vf;
  int64_t lo, hi;
  row_range(p, task, &lo, &hi);
  double sum = 0;
  for (int64_t i = lo; i < hi; i++) {
    double s = v[p->d];
    for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++)
      s += (double)X->val[k] * (double)vf[X->idx[k]];
    p->t[i] = p->D[i] * s;
    sum += p->t[i];
  }
  p->partial[task] = sum;
  return BNDL_OK;
}

/* out = H v. */
static bndl_status hv(lr *p, const double *v, double *out) {
  p->v = v;
  for (int64_t j = 0; j < p->d; j++)
    p->vf[j] = (float)v[j];
  BNDL_TRY(bndl_parallel_for(p->ctx, p->n_row_blocks, hv_rows_task, p));
  double hb = sum_partials(p);
  p->out = out;
  BNDL_TRY(bndl_parallel_for(p->ctx, p->n_col_blocks, xt_task, p));
  out[p->d] = p->fit_bias ? hb : 0.0;
  return BNDL_OK;
}

/* Steihaug CG on the trust-region subproblem (Lin, Weng & Keerthi 2008, Algorithm 2).
 * On return s is the step and r = -g - H s. */
static bndl_status trcg(lr *p, double delta, const double *g, double *s, double *r, double *dv, double *Hd,
                        int32_t *steps) {
  int64_t m = p->d + 1;
  for (int64_t i = 0; i < m; i++) {
    s[i] = 0;
    r[i] = -g[i];
    dv[i] = r[i];
  }
  double cgtol = 0.1 * sqrt(dot(g, g, m));
  double rtr = dot(r, r, m);
  *steps = 0;
  while (sqrt(rtr) > cgtol && *steps < CG_MAX) {
    (*steps)++;
    BNDL_TRY(hv(p, dv, Hd));
    double dhd = dot(dv, Hd, m);
    if (!(dhd > 0))
      break; /* H is positive definite; only rounding can get here */
    double alpha = rtr / dhd;
    for (int64_t i = 0; i < m; i++)
      s[i] += alpha * dv[i];
    if (sqrt(dot(s, s, m)) > delta) {
      /* back to the previous s and along dv to the boundary ||s + tau dv|| = delta */
      for (int64_t i = 0; i < m; i++)
        s[i] -= alpha * dv[i];
      double std = dot(s, dv, m), sts = dot(s, s, m), dtd = dot(dv, dv, m), dsq = delta * delta;
      double rad = sqrt(std * std + dtd * (dsq - sts));
      alpha = std >= 0 ? (dsq - sts) / (std + rad) : (rad - std) / dtd;
      for (int64_t i = 0; i < m; i++) {
        s[i] += alpha * dv[i];
        r[i] -= alpha * Hd[i];
      }
      return BNDL_OK;
    }
    for (int64_t i = 0; i < m; i++)
      r[i] -= alpha * Hd[i];
    double rnew = dot(r, r, m);
    double beta = rnew / rtr;
    for (int64_t i = 0; i < m; i++)
      dv[i] = r[i] + beta * dv[i];
    rtr = rnew;
  }
  return BNDL_OK;
}

static bndl_status transpose(const bndl_allocator *a, const bndl_csr *X, bndl_csr *T) {
  memset(T, 0, sizeof *T);
  int64_t nnz = X->indptr[X->rows];
  T->rows = X->cols;
  T->cols = X->rows;
  T->indptr = bndl_zalloc_array(a, (size_t)X->cols + 1, sizeof *T->indptr);
  T->idx = bndl_alloc_array(a, (size_t)nnz + 1, sizeof *T->idx);
  T->val = bndl_alloc_array(a, (size_t)nnz + 1, sizeof *T->val);
  int64_t *next = bndl_alloc_array(a, (size_t)X->cols + 1, sizeof *next);
  if (!T->indptr || !T->idx || !T->val || !next) {
    bndl_free(a, next);
    bndl_csr_free(a, T);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  for (int64_t k = 0; k < nnz; k++)
    T->indptr[X->idx[k] + 1]++;
  for (int64_t j = 0; j < X->cols; j++)
    T->indptr[j + 1] += T->indptr[j];
  memcpy(next, T->indptr, (size_t)X->cols * sizeof *next);
  for (int64_t i = 0; i < X->rows; i++)
    for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++) {
      int64_t q = next[X->idx[k]]++;
      T->idx[q] = (int32_t)i;
      T->val[q] = X->val[k];
    }
  bndl_free(a, next);
  return BNDL_OK;
}

static void lr_free(lr *p) {
  bndl_csr_free(p->a, &p->T);
  bndl_free(p->a, p->z);
  bndl_free(p->a, p->D);
  bndl_free(p->a, p->t);
  bndl_free(p->a, p->partial);
  bndl_free(p->a, p->vf);
}

static bndl_status lr_init(lr *p, bndl_context *ctx, const bndl_csr *X, const int8_t *y, const double *c, double C,
                           int fit_bias) {
  memset(p, 0, sizeof *p);
  p->ctx = ctx;
  p->a = &ctx->alloc;
  p->X = X;
  p->y = y;
  p->c = c;
  p->C = C;
  p->fit_bias = fit_bias;
  p->n = X->rows;
  p->d = X->cols;
  p->n_row_blocks = (p->n + ROW_BLOCK - 1) / ROW_BLOCK;
  p->n_col_blocks = (p->d + COL_BLOCK - 1) / COL_BLOCK;
  size_t n1 = (size_t)p->n + 1;
  p->z = bndl_alloc_array(p->a, n1, sizeof *p->z);
  p->D = bndl_alloc_array(p->a, n1, sizeof *p->D);
  p->t = bndl_alloc_array(p->a, n1, sizeof *p->t);
  p->partial = bndl_zalloc_array(p->a, (size_t)p->n_row_blocks + 1, sizeof *p->partial);
  p->vf = bndl_alloc_array(p->a, (size_t)p->d + 1, sizeof *p->vf);
  if (!p->z || !p->D || !p->t || !p->partial || !p->vf) {
    lr_free(p);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  bndl_status st = transpose(p->a, X, &p->T);
  if (st != BNDL_OK)
    lr_free(p);
  return st;
}

bndl_status bndl_logreg_objective(bndl_context *ctx, const bndl_csr *X, const int8_t *y, const double *c, double C,
                                  const double *w, double b, double *f, double *g) {
  lr p;
  BNDL_TRY(lr_init(&p, ctx, X, y, c, C, 1));
  bndl_status st = BNDL_ERR_OUT_OF_MEMORY;
  double *v = bndl_alloc_array(p.a, (size_t)p.d + 1, sizeof *v);
  if (v != NULL) {
    if (p.d)
      memcpy(v, w, (size_t)p.d * sizeof *v);
    v[p.d] = b;
    st = fun(&p, v, f);
    if (st == BNDL_OK && g != NULL)
      st = grad(&p, v, g);
  }
  bndl_free(p.a, v);
  lr_free(&p);
  return st;
}

bndl_status bndl_logreg_train(bndl_context *ctx, const bndl_csr *X, const int8_t *y, const double *c,
                              const bndl_logreg_options *o, double *w_out, double *bias, bndl_logreg_info *info) {
  const double eta0 = 1e-4, eta1 = 0.25, eta2 = 0.75, sigma1 = 0.25, sigma2 = 0.5, sigma3 = 4.0;
  lr p;
  BNDL_TRY(lr_init(&p, ctx, X, y, c, o->c, o->fit_bias));
  int64_t m = p.d + 1;
  double *vecs = bndl_zalloc_array(p.a, (size_t)m * 7, sizeof *vecs);
  if (vecs == NULL) {
    lr_free(&p);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  double *w = vecs, *g = w + m, *s = g + m, *r = s + m, *dv = r + m, *Hd = dv + m, *wn = Hd + m;
  bndl_logreg_info inf;
  memset(&inf, 0, sizeof inf);
  bndl_status st = BNDL_OK;
  double f, fnew;
  BNDL_TRY_GOTO(st, fun(&p, w, &f), done);
  BNDL_TRY_GOTO(st, grad(&p, w, g), done);
  inf.f0 = f;
  double gnorm0 = sqrt(dot(g, g, m)), gnorm = gnorm0, delta = gnorm0;
  inf.gnorm0 = gnorm0;
  int32_t trials = 0;
  while (inf.iterations < o->max_iter && trials < 4 * o->max_iter + 20 && gnorm > o->eps * gnorm0) {
    trials++;
    int32_t steps;
    BNDL_TRY_GOTO(st, trcg(&p, delta, g, s, r, dv, Hd, &steps), done);
    inf.cg_steps += steps;
    for (int64_t i = 0; i < m; i++)
      wn[i] = w[i] + s[i];
    double gs = dot(g, s, m);
    double prered = -0.5 * (gs - dot(s, r, m));
    BNDL_TRY_GOTO(st, fun(&p, wn, &fnew), done);
    double actred = f - fnew, snorm = sqrt(dot(s, s, m));
    if (trials == 1)
      delta = delta < snorm ? delta : snorm;
    double alpha = fnew - f - gs <= 0 ? sigma3 : fmax(sigma1, -0.5 * (gs / (fnew - f - gs)));
    if (actred < eta0 * prered)
      delta = fmin(fmax(alpha, sigma1) * snorm, sigma2 * delta);
    else if (actred < eta1 * prered)
      delta = fmax(sigma1 * delta, fmin(alpha * snorm, sigma2 * delta));
    else if (actred < eta2 * prered)
      delta = fmax(sigma1 * delta, fmin(alpha * snorm, sigma3 * delta));
    else
      delta = fmax(delta, fmin(alpha * snorm, sigma3 * delta));
    if (actred > eta0 * prered) {
      inf.iterations++;
      memcpy(w, wn, (size_t)m * sizeof *w);
      f = fnew;
      BNDL_TRY_GOTO(st, grad(&p, w, g), done);
      gnorm = sqrt(dot(g, g, m));
    } else if (fabs(prered) <= 1e-12 * fabs(f)) {
      /* Near the optimum the decrease (about |g|^2 / 2 lambda) falls below the rounding
       * of f, so actred is noise: judge the step by the gradient instead, and stop when
       * even that no longer shrinks. (liblinear stops here, at |g| ~ 1e-8 relative.) */
      BNDL_TRY_GOTO(st, grad(&p, wn, Hd), done);
      double gn = sqrt(dot(Hd, Hd, m));
      if (!(gn < gnorm))
        break;
      inf.iterations++;
      memcpy(w, wn, (size_t)m * sizeof *w);
      memcpy(g, Hd, (size_t)m * sizeof *g);
      f = fnew;
      gnorm = gn;
    }
    if (actred <= 0 && prered <= 0)
      break; /* no decrease possible in floating point */
  }
  if (p.d)
    memcpy(w_out, w, (size_t)p.d * sizeof *w);
  *bias = w[p.d];
  inf.f = f;
  inf.gnorm = gnorm;
  if (info)
    *info = inf;
done:
  bndl_free(p.a, vecs);
  lr_free(&p);
  return st;
}
