/*
 * backend_cases.h - inputs with known properties and double-precision references for
 * the provider tests: random CSR matrices, symmetric matrices with a chosen spectrum,
 * the elementwise functions and their error bounds, a naive top-k.
 */
#ifndef BNDL_TEST_BACKEND_CASES_H
#define BNDL_TEST_BACKEND_CASES_H

#include <stdint.h>

#include "backend_util.h"
#include "backends/backend.h"

/* A rows x cols CSR matrix with about `density` of its entries set (sorted, unique
 * columns; some rows empty), values uniform in [-1, 1). Free with csr_free. */
typedef struct csr {
  int64_t rows, cols, nnz;
  int64_t *indptr;
  int32_t *indices;
  float *values;
} csr;
void csr_make(conf_rng *r, csr *m, int64_t rows, int64_t cols, double density);
void csr_free(csr *m);

/* a (n x n, row-major, leading dimension lda) = Q diag(lambda) Q^T rounded to float,
 * both triangles, Q a random orthogonal matrix (three Householder reflections, in
 * double). Padding columns are left alone. */
void sym_make(conf_rng *r, int64_t n, const double *lambda, float *a, int64_t lda);

/* The elementwise functions in double, and a sound tolerance for a float
 * implementation compared with another one: twice the change of the exact function
 * when its input moves by 8 ulps (the input's conditioning), plus 16 ulps of the
 * result, plus for GELU an absolute term: its tanh form loses the low bits of 1 + tanh(u)
 * (and of 1 - tanh^2 in the derivative) for large |x| in float, in the reference as
 * much as in any provider: 16u(1 + |x|) forward, 8u|dy|(1 + |x|(1 + 0.134 x^2))
 * backward; sigmoid and tanh backward an absolute 4u|dy| (1 - s and 1 - t^2 computed
 * from the forward value cancel for large |x|). */
double elt_f(bndl_eltwise_kind k, double x);
double elt_df(bndl_eltwise_kind k, double x);
double elt_tol_fwd(bndl_eltwise_kind k, double x, double ref);
double elt_tol_bwd(bndl_eltwise_kind k, double x, double dy, double ref);
/* Inputs in the range where each function is meant to be used (log: positive only). */
void elt_inputs(conf_rng *r, bndl_eltwise_kind k, float *x, int64_t n);
const char *elt_name(bndl_eltwise_kind k);

/* Top-k of one row by full sort under the backend.h order (score descending, ties by
 * lower column, NaN last), unfilled slots -1 / -inf. */
void topk_naive(const float *x, const uint8_t *exclude, int64_t cols, int64_t k, int32_t *idx, float *val);

#endif
