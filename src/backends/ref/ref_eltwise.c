/*
 * ref_eltwise.c - elementwise activations and their derivatives.
 *
 * Sigmoid is evaluated in the form that never overflows exp(); GELU is the tanh
 * approximation (PyTorch approximate="tanh"), so encoders can be checked against it.
 */
#include <math.h>

#include "backends/ref/ref.h"

enum { CHUNK = 1 << 14 };

typedef struct elt_job {
  bndl_eltwise_kind kind;
  const float *x, *dy;
  float *y;
} elt_job;

static const float GELU_C = 0.7978845608028654f; /* sqrt(2 / pi) */

static inline float sigmoid(float x) {
  if (x >= 0)
    return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

static inline float forward(bndl_eltwise_kind k, float x) {
  switch (k) {
  case BNDL_ELT_RELU: return x > 0 ? x : 0;
  case BNDL_ELT_SIGMOID: return sigmoid(x);
  case BNDL_ELT_TANH: return tanhf(x);
  case BNDL_ELT_GELU: return 0.5f * x * (1.0f + tanhf(GELU_C * (x + 0.044715f * x * x * x)));
  case BNDL_ELT_EXP: return expf(x);
  case BNDL_ELT_LOG: return logf(x);
  }
  return NAN;
}

static inline float derivative(bndl_eltwise_kind k, float x) {
  switch (k) {
  case BNDL_ELT_RELU: return x > 0 ? 1.0f : 0.0f;
  case BNDL_ELT_SIGMOID: {
    float s = sigmoid(x);
    return s * (1 - s);
  }
  case BNDL_ELT_TANH: {
    float t = tanhf(x);
    return 1 - t * t;
  }
  case BNDL_ELT_GELU: {
    float u = GELU_C * (x + 0.044715f * x * x * x), t = tanhf(u);
    return 0.5f * (1 + t) + 0.5f * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715f * x * x);
  }
  case BNDL_ELT_EXP: return expf(x);
  case BNDL_ELT_LOG: return 1.0f / x;
  }
  return NAN;
}

static bndl_status fwd_range(void *ud, int64_t begin, int64_t end) {
  const elt_job *j = ud;
  for (int64_t i = begin * CHUNK, e = end * CHUNK; i < e; i++)
    j->y[i] = forward(j->kind, j->x[i]);
  return BNDL_OK;
}

static bndl_status bwd_range(void *ud, int64_t begin, int64_t end) {
  const elt_job *j = ud;
  for (int64_t i = begin * CHUNK, e = end * CHUNK; i < e; i++)
    j->y[i] = j->dy[i] * derivative(j->kind, j->x[i]);
  return BNDL_OK;
}

/* Runs the whole chunks on the pool and the tail here. */
static bndl_status run(void *state, elt_job *j, int64_t n, ref_range_fn fn) {
  int64_t chunks = n / CHUNK;
  BNDL_PROVIDER_TRY(ref_parallel_range(state, chunks, 1, fn, j));
  for (int64_t i = chunks * CHUNK; i < n; i++)
    j->y[i] = j->dy ? j->dy[i] * derivative(j->kind, j->x[i]) : forward(j->kind, j->x[i]);
  return BNDL_OK;
}

static int kind_ok(bndl_eltwise_kind k) { return k >= BNDL_ELT_RELU && k <= BNDL_ELT_LOG; }

bndl_status ref_eltwise(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, float *y) {
  const ref_state *s = state;
  if (!kind_ok(kind))
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "unknown elementwise op");
  elt_job j = {kind, x, NULL, y};
  return run(state, &j, n, fwd_range);
}

bndl_status ref_eltwise_backward(void *state, bndl_eltwise_kind kind, int64_t n, const float *x, const float *dy,
                                 float *dx) {
  const ref_state *s = state;
  if (!kind_ok(kind))
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "unknown elementwise op");
  elt_job j = {kind, x, dy, dx};
  return run(state, &j, n, bwd_range);
}
