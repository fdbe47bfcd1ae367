/*
 * backend_cases.c - see backend_cases.h.
 */
#include "backend_cases.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void csr_make(conf_rng *r, csr *m, int64_t rows, int64_t cols, double density) {
  m->rows = rows;
  m->cols = cols;
  m->indptr = conf_malloc((size_t)(rows + 1) * sizeof *m->indptr);
  /* first pass: which entries exist (one draw per entry keeps it simple; shapes are small) */
  int64_t cap = (int64_t)((double)rows * (double)cols * density * 1.5) + 16, nnz = 0;
  m->indices = conf_malloc((size_t)cap * sizeof *m->indices);
  m->indptr[0] = 0;
  for (int64_t i = 0; i < rows; i++) {
    int empty = conf_below(r, 5) == 0; /* a fifth of the rows are empty */
    for (int64_t j = 0; j < cols && !empty; j++) {
      if (conf_uniform(r, 0, 1) >= density)
        continue;
      if (nnz == cap) {
        cap *= 2;
        m->indices = realloc(m->indices, (size_t)cap * sizeof *m->indices);
        if (m->indices == NULL)
          abort();
      }
      m->indices[nnz++] = (int32_t)j;
    }
    m->indptr[i + 1] = nnz;
  }
  m->nnz = nnz;
  m->values = conf_malloc((size_t)nnz * sizeof *m->values);
  conf_fill(r, m->values, (size_t)nnz, -1, 1);
}

void csr_free(csr *m) {
  free(m->indptr);
  free(m->indices);
  free(m->values);
  memset(m, 0, sizeof *m);
}

/* m <- H m H with H = I - 2 v v^T / (v^T v), m full n x n in double. */
static void reflect(double *m, int64_t n, const double *v) {
  double vv = 0;
  for (int64_t i = 0; i < n; i++)
    vv += v[i] * v[i];
  if (vv == 0)
    return;
  double *w = calloc((size_t)n, sizeof *w);
  if (w == NULL)
    abort();
  /* rows: m <- H m = m - (2/vv) v (v^T m) */
  for (int64_t j = 0; j < n; j++) {
    double s = 0;
    for (int64_t i = 0; i < n; i++)
      s += v[i] * m[i * n + j];
    w[j] = s * 2 / vv;
  }
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < n; j++)
      m[i * n + j] -= v[i] * w[j];
  /* columns: m <- m H = m - (2/vv) (m v) v^T */
  for (int64_t i = 0; i < n; i++) {
    double s = 0;
    for (int64_t j = 0; j < n; j++)
      s += m[i * n + j] * v[j];
    w[i] = s * 2 / vv;
  }
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < n; j++)
      m[i * n + j] -= w[i] * v[j];
  free(w);
}

void sym_make(conf_rng *r, int64_t n, const double *lambda, float *a, int64_t lda) {
  double *m = calloc((size_t)(n * n) + 1, sizeof *m), *v = calloc((size_t)n + 1, sizeof *v);
  if (m == NULL || v == NULL)
    abort();
  for (int64_t i = 0; i < n; i++)
    m[i * n + i] = lambda[i];
  for (int rep = 0; rep < 3; rep++) {
    for (int64_t i = 0; i < n; i++)
      v[i] = conf_uniform(r, -1, 1);
    reflect(m, n, v);
  }
  /* symmetrise exactly before rounding (the reflections leave ~1e-16 asymmetry) */
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j <= i; j++)
      a[i * lda + j] = a[j * lda + i] = (float)(0.5 * (m[i * n + j] + m[j * n + i]));
  free(m);
  free(v);
}

static const double GELU_C = 0.7978845608028654;

double elt_f(bndl_eltwise_kind k, double x) {
  switch (k) {
  case BNDL_ELT_RELU: return x > 0 ? x : 0;
  case BNDL_ELT_SIGMOID: return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
  case BNDL_ELT_TANH: return tanh(x);
  case BNDL_ELT_GELU: return 0.5 * x * (1 + tanh(GELU_C * (x + 0.044715 * x * x * x)));
  case BNDL_ELT_EXP: return exp(x);
  case BNDL_ELT_LOG: return log(x);
  }
  return NAN;
}

double elt_df(bndl_eltwise_kind k, double x) {
  switch (k) {
  case BNDL_ELT_RELU: return x > 0 ? 1 : 0;
  case BNDL_ELT_SIGMOID: {
    double s = elt_f(k, x);
    return s * (1 - s);
  }
  case BNDL_ELT_TANH: {
    double t = tanh(x);
    return 1 - t * t;
  }
  case BNDL_ELT_GELU: {
    double u = GELU_C * (x + 0.044715 * x * x * x), t = tanh(u);
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
  }
  case BNDL_ELT_EXP: return exp(x);
  case BNDL_ELT_LOG: return 1 / x;
  }
  return NAN;
}

/* max |g(x (1 +- 8u)) - g(x)|: how much the exact function moves under input rounding */
static double sensitivity(double (*g)(bndl_eltwise_kind, double), bndl_eltwise_kind k, double x) {
  double g0 = g(k, x), up = fabs(g(k, x * (1 + 8 * CONF_U)) - g0), down = fabs(g(k, x * (1 - 8 * CONF_U)) - g0);
  return up > down ? up : down;
}

double elt_tol_fwd(bndl_eltwise_kind k, double x, double ref) {
  double tol = 2 * sensitivity(elt_f, k, x) + 16 * CONF_U * fabs(ref);
  if (k == BNDL_ELT_GELU)
    tol += 16 * CONF_U * (1 + fabs(x));
  return tol;
}

double elt_tol_bwd(bndl_eltwise_kind k, double x, double dy, double ref) {
  double tol = 2 * fabs(dy) * sensitivity(elt_df, k, x) + 16 * CONF_U * fabs(ref);
  /* sigmoid' = s (1 - s) and tanh' = 1 - t^2, written on the forward value as ref (and
   * PyTorch) do, lose the low bits of 1 - s and 1 - t^2 once |x| is large: an absolute
   * error of a few u |dy| that no input conditioning explains */
  if (k == BNDL_ELT_SIGMOID || k == BNDL_ELT_TANH)
    tol += 4 * CONF_U * fabs(dy);
  /* GELU': 0.5 (1 + t) and 1 - t^2 both lose their low bits when |t| -> 1, the second
   * one then multiplied by 0.5 x c (1 + 3 * 0.044715 x^2) */
  if (k == BNDL_ELT_GELU)
    tol += 8 * CONF_U * fabs(dy) * (1 + fabs(x) * (1 + 0.134145 * x * x));
  return tol;
}

void elt_inputs(conf_rng *r, bndl_eltwise_kind k, float *x, int64_t n) {
  static const float specials[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-3f, -1e-3f, 1.0f, -1.0f};
  for (int64_t i = 0; i < n; i++) {
    if (k == BNDL_ELT_LOG)
      x[i] = (float)exp(conf_uniform(r, -60, 60));
    else if (k == BNDL_ELT_EXP)
      x[i] = (float)conf_uniform(r, -80, 80);
    else if (conf_below(r, 16) == 0)
      x[i] = specials[conf_below(r, 8)];
    else
      x[i] = (float)conf_uniform(r, -10, 10);
  }
}

const char *elt_name(bndl_eltwise_kind k) {
  static const char *names[] = {"?", "relu", "sigmoid", "tanh", "gelu", "exp", "log"};
  return k >= BNDL_ELT_RELU && k <= BNDL_ELT_LOG ? names[k] : "?";
}

/* 1 if (va, ia) ranks above (vb, ib) */
static int ranks_above(float va, int32_t ia, float vb, int32_t ib) {
  int na = isnan(va), nb = isnan(vb);
  if (na != nb)
    return nb;
  if (!na && va != vb)
    return va > vb;
  return ia < ib;
}

void topk_naive(const float *x, const uint8_t *exclude, int64_t cols, int64_t k, int32_t *idx, float *val) {
  int32_t *order = conf_malloc((size_t)cols * sizeof *order);
  int64_t n = 0;
  for (int64_t c = 0; c < cols; c++)
    if (!(exclude && exclude[c]))
      order[n++] = (int32_t)c;
  /* insertion sort: the rows are short */
  for (int64_t i = 1; i < n; i++) {
    int32_t t = order[i];
    int64_t j = i;
    while (j > 0 && ranks_above(x[t], t, x[order[j - 1]], order[j - 1])) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = t;
  }
  for (int64_t j = 0; j < k; j++) {
    idx[j] = j < n ? order[j] : -1;
    val[j] = j < n ? x[order[j]] : -INFINITY;
  }
  free(order);
}
