/*
 * attention.c - causal multi-head self-attention with key padding (see attention.h for
 * the semantics and the softmax backward).
 *
 * Layouts: qkv is rows x 3 dim (q | k | v per row, as in_proj produces it); the head h
 * block of q for sequence b is the len x dh matrix at qkv + b len 3dim + h dh with
 * leading dimension 3 dim, so heads are read in place, never copied. Scores and
 * probabilities are batch x heads x len x len. Each of the GEMMs runs once per head,
 * batched over the sequences (stride len 3dim, len dim or heads len len). The two
 * products with K^T (scores) and V^T (backward) read a per-head transposed copy
 * (rows x dim, O(rows x dim) to make) instead of a transposed operand: the ref provider
 * runs a transposed B as dot products, 5-9x slower than its plain path.
 */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "model/attention.h"
#include "runtime/runtime.h"

bndl_status bndl_nn_attention_build(bndl_nn_params *p, const char *name, int64_t dim, int64_t heads, int causal,
                                    float dropout, uint64_t site, bndl_nn_attention *a) {
  if (heads < 1 || dim % heads != 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "attention: dim %lld is not a multiple of heads %lld",
                     (long long)dim, (long long)heads);
  char buf[BNDL_NN_NAME_MAX];
  a->dim = dim;
  a->heads = heads;
  a->causal = causal;
  a->drop.p = dropout;
  a->drop.site = site;
  a->in_proj.in = dim;
  a->in_proj.out = 3 * dim;
  BNDL_TRY(bndl_nn_name(buf, name, "in_proj_weight"));
  BNDL_TRY(bndl_nn_params_add(p, buf, 3 * dim, dim, BNDL_NN_INIT_XAVIER_UNIFORM, 1.0f, &a->in_proj.w));
  BNDL_TRY(bndl_nn_name(buf, name, "in_proj_bias"));
  BNDL_TRY(bndl_nn_params_add(p, buf, 1, 3 * dim, BNDL_NN_INIT_ZEROS, 0, &a->in_proj.b));
  BNDL_TRY(bndl_nn_name(buf, name, "out_proj"));
  return bndl_nn_linear_build_init(p, buf, dim, dim, 1, BNDL_NN_INIT_UNIFORM, (float)(1.0 / sqrt((double)dim)),
                                   BNDL_NN_INIT_ZEROS, 0, &a->out_proj);
}

typedef struct mask_job {
  int64_t heads, len;
  int causal;
  const uint8_t *valid;
  float *s;        /* scores / probabilities, rows of len */
  const float *dp; /* backward: gradient of the probabilities */
} mask_job;

/* Row rr = (b heads + h) len + i of the score matrix: may query i see key j? */
static inline int allowed(const mask_job *j, int64_t b, int64_t i, int64_t key) {
  return (!j->causal || key <= i) && (j->valid == NULL || j->valid[b * j->len + key]);
}

static inline int query_valid(const mask_job *j, int64_t b, int64_t i) {
  return j->valid == NULL || j->valid[b * j->len + i];
}

static void mask_scores(void *ud, int64_t begin, int64_t end) {
  const mask_job *j = ud;
  for (int64_t rr = begin; rr < end; rr++) {
    int64_t b = rr / (j->heads * j->len), i = rr % j->len;
    float *s = j->s + rr * j->len;
    int qv = query_valid(j, b, i);
    for (int64_t key = 0; key < j->len; key++)
      if (!qv)
        s[key] = 0.0f; /* finite, so the softmax stays quiet; zeroed after it */
      else if (!allowed(j, b, i, key))
        s[key] = -INFINITY;
  }
}

static void zero_masked(void *ud, int64_t begin, int64_t end) {
  const mask_job *j = ud;
  for (int64_t rr = begin; rr < end; rr++) {
    int64_t b = rr / (j->heads * j->len), i = rr % j->len;
    float *s = j->s + rr * j->len;
    int qv = query_valid(j, b, i);
    for (int64_t key = 0; key < j->len; key++)
      if (!qv || !allowed(j, b, i, key))
        s[key] = 0.0f;
  }
}

/* In place over dp: dS = P (dP - sum_j dP_j P_j). */
static void softmax_backward(void *ud, int64_t begin, int64_t end) {
  const mask_job *j = ud;
  for (int64_t rr = begin; rr < end; rr++) {
    const float *p = j->s + rr * j->len;
    float *d = (float *)j->dp + rr * j->len;
    double dot = 0;
    for (int64_t key = 0; key < j->len; key++)
      dot += (double)d[key] * p[key];
    for (int64_t key = 0; key < j->len; key++)
      d[key] = (float)(p[key] * ((double)d[key] - dot));
  }
}

/* The K (off = dim) or V (off = 2 dim) blocks of qkv, transposed per sequence and head:
 * dst[((b heads + h) dh + k) len + t] = qkv[(b len + t) 3dim + off + h dh + k], so the
 * products that need K^T or V^T have no transposed operand (see the file comment). */
static void transpose_heads(const float *qkv, int64_t off, int64_t batch, int64_t len, int64_t d, int64_t h,
                            float *dst) {
  int64_t dh = d / h;
  for (int64_t b = 0; b < batch; b++)
    for (int64_t t = 0; t < len; t++) {
      const float *src = qkv + (b * len + t) * 3 * d + off;
      for (int64_t hd = 0; hd < h; hd++)
        for (int64_t k = 0; k < dh; k++)
          dst[((b * h + hd) * dh + k) * len + t] = src[hd * dh + k];
    }
}

bndl_status bndl_nn_attention_forward(const bndl_nn *nn, const bndl_nn_attention *a, int64_t batch, int64_t len,
                                      const float *x, const uint8_t *valid, float *y, bndl_nn_attention_cache *cache) {
  int64_t d = a->dim, h = a->heads, dh = d / h, rows = batch * len, tt = len * len;
  float scale = (float)(1.0 / sqrt((double)dh));
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  float *qkv = bndl_nn_arena_floats(nn->arena, rows * 3 * d);
  float *prob = bndl_nn_arena_floats(nn->arena, batch * h * tt);
  float *ctx = bndl_nn_arena_floats(nn->arena, rows * d);
  if (qkv == NULL || prob == NULL || ctx == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  BNDL_TRY(bndl_nn_linear_forward(nn, &a->in_proj, rows, x, qkv));
  bndl_nn_mark mk = bndl_nn_arena_mark(nn->arena);
  float *kt = bndl_nn_arena_floats(nn->arena, rows * d);
  if (kt == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  transpose_heads(qkv, d, batch, len, d, h, kt);
  for (int64_t hd = 0; hd < h; hd++)
    BNDL_TRY(bndl_nn_gemm_batched(nn, 0, 0, len, len, dh, batch, scale, qkv + hd * dh, 3 * d, len * 3 * d,
                                  kt + hd * dh * len, len, h * dh * len, 0.0f, prob + hd * tt, len, h * tt));
  bndl_nn_arena_release(nn->arena, mk);
  mask_job mj = {h, len, a->causal, valid, prob, NULL};
  int64_t grain = bndl_nn_grain(len);
  BNDL_TRY(bndl_nn_for_rows(nn, batch * h * len, grain, mask_scores, &mj));
  BNDL_TRY(bndl_op_softmax(nn->ctx, batch * h * len, len, prob, len, prob, len));
  BNDL_TRY(bndl_nn_for_rows(nn, batch * h * len, grain, zero_masked, &mj));

  float *dprob = prob;
  bndl_nn_dropout_cache dc = {NULL};
  if (bndl_nn_dropout_active(nn, &a->drop)) {
    dprob = bndl_nn_arena_floats(nn->arena, batch * h * tt);
    if (dprob == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    BNDL_TRY(bndl_nn_dropout_forward(nn, &a->drop, batch * h * len, len, prob, dprob, &dc));
  }
  for (int64_t hd = 0; hd < h; hd++)
    BNDL_TRY(bndl_nn_gemm_batched(nn, 0, 0, len, dh, len, batch, 1.0f, dprob + hd * tt, len, h * tt,
                                  qkv + 2 * d + hd * dh, 3 * d, len * 3 * d, 0.0f, ctx + hd * dh, d, len * d));
  BNDL_TRY(bndl_nn_linear_forward(nn, &a->out_proj, rows, ctx, y));
  if (cache != NULL) {
    cache->x = x;
    cache->valid = valid;
    cache->qkv = qkv;
    cache->prob = prob;
    cache->dprob = dprob;
    cache->ctx = ctx;
    cache->drop = dc;
  } else {
    bndl_nn_arena_release(nn->arena, m);
  }
  return BNDL_OK;
}

bndl_status bndl_nn_attention_backward(const bndl_nn *nn, const bndl_nn_attention *a, int64_t batch, int64_t len,
                                       const bndl_nn_attention_cache *c, const float *dy, float *dx) {
  int64_t d = a->dim, h = a->heads, dh = d / h, rows = batch * len, tt = len * len;
  float scale = (float)(1.0 / sqrt((double)dh));
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  float *dctx = bndl_nn_arena_floats(nn->arena, rows * d);
  float *dqkv = bndl_nn_arena_floats(nn->arena, rows * 3 * d);
  float *dp = bndl_nn_arena_floats(nn->arena, batch * h * tt);
  float *vt = bndl_nn_arena_floats(nn->arena, rows * d);
  if (dctx == NULL || dqkv == NULL || dp == NULL || vt == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  BNDL_TRY(bndl_nn_linear_backward(nn, &a->out_proj, rows, c->ctx, dy, dctx));
  transpose_heads(c->qkv, 2 * d, batch, len, d, h, vt);
  for (int64_t hd = 0; hd < h; hd++) {
    /* d(dropped P) = dctx_h V_h^T;  dV_h = (dropped P)^T dctx_h */
    BNDL_TRY(bndl_nn_gemm_batched(nn, 0, 0, len, len, dh, batch, 1.0f, dctx + hd * dh, d, len * d,
                                  vt + hd * dh * len, len, h * dh * len, 0.0f, dp + hd * tt, len, h * tt));
    BNDL_TRY(bndl_nn_gemm_batched(nn, 1, 0, len, dh, len, batch, 1.0f, c->dprob + hd * tt, len, h * tt,
                                  dctx + hd * dh, d, len * d, 0.0f, dqkv + 2 * d + hd * dh, 3 * d, len * 3 * d));
  }
  BNDL_TRY(bndl_nn_dropout_backward(nn, &a->drop, batch * h * len, len, &c->drop, dp, dp));
  mask_job mj = {h, len, a->causal, c->valid, c->prob, dp};
  BNDL_TRY(bndl_nn_for_rows(nn, batch * h * len, bndl_nn_grain(len), softmax_backward, &mj));
  for (int64_t hd = 0; hd < h; hd++) {
    /* dQ_h = scale dS K_h;  dK_h = scale dS^T Q_h */
    BNDL_TRY(bndl_nn_gemm_batched(nn, 0, 0, len, dh, len, batch, scale, dp + hd * tt, len, h * tt,
                                  c->qkv + d + hd * dh, 3 * d, len * 3 * d, 0.0f, dqkv + hd * dh, 3 * d, len * 3 * d));
    BNDL_TRY(bndl_nn_gemm_batched(nn, 1, 0, len, dh, len, batch, scale, dp + hd * tt, len, h * tt, c->qkv + hd * dh,
                                  3 * d, len * 3 * d, 0.0f, dqkv + d + hd * dh, 3 * d, len * 3 * d));
  }
  BNDL_TRY(bndl_nn_linear_backward(nn, &a->in_proj, rows, c->x, dqkv, dx));
  bndl_nn_arena_release(nn->arena, m);
  return BNDL_OK;
}
