/*
 * logreg.h - L2-regularised binary logistic regression on sparse rows.
 *
 * Problem (labels y_i in {-1, +1}, sample weights c_i > 0, an unregularised bias b):
 *
 *   min over (w, b)   f(w, b) = 1/2 ||w||^2 + C sum_i c_i log(1 + exp(-y_i (w . x_i + b)))
 *
 * Class weights enter as c_i (1, or n / (2 n_class) for "balanced"). The bias is left
 * out of the regulariser (as sklearn's lbfgs solver does): f stays strictly convex,
 * because the loss curves along every direction that moves b alone.
 *
 * Solver: trust-region Newton with conjugate gradients (TRON), after Lin, Weng & Keerthi,
 * "Trust region Newton method for logistic regression", JMLR 9 (2008), Algorithms 1-2:
 * at w_k, CG (Steihaug) approximately minimises the quadratic model
 * q(s) = g.s + 1/2 s.H s inside ||s|| <= Delta, stopping when ||r|| <= 0.1 ||g|| or at
 * the boundary; the step is taken when the actual reduction is > eta0 = 1e-4 of the
 * predicted one, and Delta is updated with the (eta1, eta2) = (0.25, 0.75),
 * (sigma1, sigma2, sigma3) = (0.25, 0.5, 4) rule of that paper's section 2.2 (the
 * interpolation choice of Lin & More 1999). Stop at ||g|| <= eps ||g_0||. (The diagonal
 * preconditioner of Hsia, Chiang & Lin 2018 was tried: on online_shopping's TF-IDF rows,
 * whose L2 normalisation already balances the columns, it saved 3 of 38 CG steps, less
 * than the extra pass over the data it costs per iteration.)
 *
 * Why TRON and not dual coordinate descent (Yu, Huang & Lin 2011, faster on one core
 * for many text sets): the work of TRON is function values, gradients and
 * Hessian-vector products H v = v + C X^T D X v, which split over fixed blocks with no
 * order-dependent arithmetic: X v is one dot product per row, X^T u one dot product per
 * column over a transposed copy (CSC), and each sum over rows is taken per fixed block of
 * rows and then over blocks in order. So the result is bit-identical for any thread count
 * while using every thread, and it needs no random visiting order at all (the seed has
 * nothing to change). Dual CD updates w after every example: parallel versions change the
 * arithmetic with the thread count.
 */
#ifndef BNDL_TEXT_LOGREG_H
#define BNDL_TEXT_LOGREG_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "text/ngrams.h"

struct bndl_context;

typedef struct bndl_logreg_options {
  double c;        /* C > 0 */
  int32_t max_iter; /* Newton iterations */
  double eps;       /* relative gradient-norm tolerance */
  int fit_bias;     /* 0: b fixed at 0 */
} bndl_logreg_options;

typedef struct bndl_logreg_info {
  int32_t iterations, cg_steps;
  double f, f0;            /* objective at the end and at w = 0, b = 0 */
  double gnorm, gnorm0;
} bndl_logreg_info;

/* Solves the problem above for X (rows = examples; cols = features), y (+-1) and
 * weights c (NULL = all 1). w has X->cols entries; on return w and *bias hold the
 * solution. Runs on the context's pool. */
bndl_status bndl_logreg_train(struct bndl_context *ctx, const bndl_csr *X, const int8_t *y, const double *c,
                              const bndl_logreg_options *o, double *w, double *bias, bndl_logreg_info *info);

/* f and its gradient at (w, b) (g has cols + 1 entries, the bias last): for tests. */
bndl_status bndl_logreg_objective(struct bndl_context *ctx, const bndl_csr *X, const int8_t *y, const double *c,
                                  double C, const double *w, double b, double *f, double *g);

#endif
