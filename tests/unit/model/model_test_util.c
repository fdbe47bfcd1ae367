/*
 * model_test_util.c - see model_test_util.h.
 */
#include "model_test_util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/context.h"
#include "core/error.h"

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void mt_fill(uint64_t seed, float *x, int64_t n, double lo, double hi) {
  uint64_t s = seed * 0x1234567ULL + 1;
  for (int64_t i = 0; i < n; i++)
    x[i] = (float)(lo + (hi - lo) * ((double)(splitmix(&s) >> 11) * 0x1.0p-53));
}

void mt_run_init(mt_run *r, bndl_context *ctx) {
  memset(r, 0, sizeof *r);
  r->ctx = ctx;
  bndl_nn_params_init(&r->params, &ctx->alloc);
  bndl_nn_arena_init(&r->arena, &ctx->alloc, 0);
  r->nn = (bndl_nn){ctx, &r->params, &r->arena, 1, 7, 3};
}

void mt_run_alloc(mt_run *r, uint64_t seed) {
  if (bndl_nn_params_alloc(&r->params, seed) != BNDL_OK)
    fail_msg("bndl_nn_params_alloc: %s", bndl_last_error_message());
  for (int32_t i = 0; i < r->params.count; i++) {
    const bndl_nn_tensor *t = &r->params.tensors[i];
    float *v = bndl_nn_value(&r->params, i);
    if (t->init == BNDL_NN_INIT_ONES)
      mt_fill(seed + 100 + (uint64_t)i, v, t->rows * t->cols, 0.5, 1.5);
    else if (t->init == BNDL_NN_INIT_ZEROS)
      mt_fill(seed + 100 + (uint64_t)i, v, t->rows * t->cols, -0.2, 0.2);
  }
}

void mt_run_free(mt_run *r) {
  bndl_nn_params_free(&r->params);
  bndl_nn_arena_free(&r->arena);
}

void mt_weights(float *w, int64_t n, uint64_t seed) { mt_fill(seed ^ 0xabcdefULL, w, n, -1, 1); }

double mt_weighted_sum(const float *y, int64_t n, uint64_t seed) {
  float *w = malloc((size_t)(n > 0 ? n : 1) * sizeof *w);
  assert_non_null(w);
  mt_weights(w, n, seed);
  double s = 0;
  for (int64_t i = 0; i < n; i++)
    s += (double)w[i] * y[i];
  free(w);
  return s;
}

static double eval(mt_fd *f) {
  double v = 0;
  bndl_nn_arena_reset(&f->run->arena);
  if (f->objective(f->ud, &v) != BNDL_OK)
    fail_msg("objective: %s", bndl_last_error_message());
  return v;
}

/* Checks n values at x against the analytic gradient g; returns the relative 2-norm
 * error and prints a line. */
static double check_values(mt_fd *f, const char *what, const char *name, float *x, int64_t n, const float *g) {
  double h = f->h > 0 ? f->h : 1e-2;
  double gmax = 0;
  for (int64_t i = 0; i < n; i++)
    gmax = fmax(gmax, fabs(g[i]));
  int64_t stride = f->max_per_tensor > 0 && n > f->max_per_tensor ? (n + f->max_per_tensor - 1) / f->max_per_tensor : 1;
  double num = 0, den = 0, worst = 0;
  for (int64_t i = 0; i < n; i += stride) {
    float x0 = x[i];
    float xp = (float)(x0 + h), xm = (float)(x0 - h);
    x[i] = xp;
    double lp = eval(f);
    x[i] = xm;
    double lm = eval(f);
    x[i] = x0;
    double fd = (lp - lm) / ((double)xp - (double)xm);
    double err = fabs(fd - g[i]), tol = 5e-4 * fmax(1.0, gmax) + 5e-3 * fabs(g[i]);
    num += err * err;
    den += (double)g[i] * g[i];
    worst = fmax(worst, err / tol);
    if (err > tol)
      fail_msg("%s: %s[%lld]: finite difference %.7g, analytic %.7g (|err| %.3g > tol %.3g)", what, name,
               (long long)i, fd, (double)g[i], err, tol);
  }
  double rel = den > 0 ? sqrt(num / den) : sqrt(num);
  printf("[fd] %-28s %-34s n %5lld  max|g| %9.3g  rel2 %8.2e  worst err/tol %.3f\n", what, name, (long long)n, gmax,
         rel, worst);
  return rel;
}

double mt_fd_check(mt_fd *f, const char *what) {
  bndl_nn_params *p = &f->run->params;
  bndl_nn_params_zero_grad(p);
  bndl_nn_arena_reset(&f->run->arena);
  if (f->gradient(f->ud) != BNDL_OK)
    fail_msg("gradient: %s", bndl_last_error_message());
  float *an = malloc(p->total * sizeof(float) + 1);
  assert_non_null(an);
  memcpy(an, p->grad, p->total * sizeof(float));
  float *ig[4] = {NULL};
  for (int k = 0; k < f->n_inputs; k++) {
    ig[k] = malloc((size_t)f->inputs[k].n * sizeof(float) + 1);
    assert_non_null(ig[k]);
    memcpy(ig[k], f->inputs[k].grad, (size_t)f->inputs[k].n * sizeof(float));
  }
  double worst = 0;
  for (int32_t i = 0; i < p->count; i++)
    worst = fmax(worst, check_values(f, what, p->tensors[i].name, bndl_nn_value(p, i), bndl_nn_numel(p, i),
                                     an + p->tensors[i].offset));
  for (int k = 0; k < f->n_inputs; k++)
    worst = fmax(worst, check_values(f, what, f->inputs[k].name, f->inputs[k].x, f->inputs[k].n, ig[k]));
  for (int k = 0; k < f->n_inputs; k++)
    free(ig[k]);
  free(an);
  fflush(stdout);
  return worst;
}

/* ---- the encoder problems */

const mt_shape MT_TINY = {3, 6, 8, 2, 20};

static void *xcalloc(int64_t n, size_t size) {
  void *p = calloc((size_t)(n > 0 ? n : 1), size);
  assert_non_null(p);
  return p;
}

void mt_problem_build(mt_problem *p, mt_run *r, const mt_shape *sh, int lstm, bndl_nn_loss_kind loss, int shared_neg,
                      float dropout, bndl_eltwise_kind ffn_act) {
  memset(p, 0, sizeof *p);
  int tiny = sh->dim == MT_TINY.dim && sh->len == MT_TINY.len;
  p->lstm = lstm;
  p->loss = loss;
  p->batch = sh->batch;
  p->len = sh->len;
  p->dim = sh->dim;
  p->n_items = sh->n_items;
  p->n_types = 3;
  p->n_feat = 4;
  p->n_neg = shared_neg ? 5 : 2;
  p->shared_neg = shared_neg;
  int64_t rows = p->batch * p->len, n_neg_ids = shared_neg ? p->n_neg : rows * p->n_neg;
  p->items = xcalloc(rows, sizeof(int32_t));
  p->types = xcalloc(rows, sizeof(int32_t));
  p->pos = xcalloc(rows, sizeof(int32_t));
  p->neg = xcalloc(n_neg_ids, sizeof(int32_t));
  p->logq_pos = xcalloc(rows, sizeof(float));
  p->logq_neg = xcalloc(n_neg_ids, sizeof(float));
  p->feat = xcalloc(p->n_items * p->n_feat, sizeof(float));
  p->out = xcalloc(rows * p->dim, sizeof(float));
  p->dh = xcalloc(rows * p->dim, sizeof(float));
  uint64_t s = 99;
  for (int64_t b = 0; b < p->batch; b++) {
    int64_t pad = tiny ? (b == 0 ? 2 : b == 1 ? 0 : 4) : (2 + 3 * b) % p->len;
    for (int64_t t = 0; t < p->len; t++) {
      int64_t rr = b * p->len + t;
      int real = t >= pad;
      p->items[rr] = real ? (int32_t)(splitmix(&s) % (uint64_t)p->n_items) : -1;
      p->types[rr] = real ? (int32_t)(splitmix(&s) % (uint64_t)p->n_types) : 0;
    }
  }
  /* the next item is the target; the last position's target is a fresh item */
  for (int64_t rr = 0; rr < rows; rr++) {
    int64_t t = rr % p->len;
    p->pos[rr] = p->items[rr] < 0           ? -1
                 : t + 1 < p->len           ? p->items[rr + 1]
                                            : (int32_t)(splitmix(&s) % (uint64_t)p->n_items);
  }
  for (int64_t i = 0; i < n_neg_ids; i++)
    p->neg[i] = (int32_t)(splitmix(&s) % (uint64_t)p->n_items);
  /* an accidental hit and a skipped slot */
  if (shared_neg) {
    p->neg[1] = p->pos[8];
    p->neg[3] = -1;
  } else {
    p->neg[8 * p->n_neg] = p->pos[8];
    p->neg[9 * p->n_neg + 1] = -1;
  }
  mt_fill(5, p->logq_pos, rows, -4, -1);
  mt_fill(6, p->logq_neg, n_neg_ids, -4, -1);
  mt_fill(7, p->feat, p->n_items * p->n_feat, -1, 1);
  p->b = (bndl_nn_batch){p->batch, p->len, p->items, p->types, p->feat};
  p->t = (bndl_nn_targets){rows,
                           p->pos,
                           p->n_neg,
                           shared_neg,
                           p->neg,
                           loss == BNDL_NN_LOSS_SAMPLED_SOFTMAX ? p->logq_pos : NULL,
                           loss == BNDL_NN_LOSS_SAMPLED_SOFTMAX ? p->logq_neg : NULL,
                           1};
  bndl_status st;
  if (!lstm) {
    bndl_nn_sasrec_config c = bndl_nn_sasrec_defaults(p->n_items, p->len, p->dim, sh->heads, 2);
    c.n_event_types = p->n_types;
    c.n_item_features = p->n_feat;
    c.dropout = dropout;
    c.attn_dropout = dropout;
    c.ffn_act = ffn_act;
    c.ffn_hidden = tiny ? 12 : 0;
    c.ln_eps = 1e-5f;
    st = bndl_nn_sasrec_build(&r->params, &c, &p->sasrec);
  } else {
    bndl_nn_lstm_encoder_config c = {p->n_items, p->dim, tiny ? 6 : 0, 2, p->n_types, p->n_feat, dropout};
    st = bndl_nn_lstm_encoder_build(&r->params, &c, &p->lstm_enc);
  }
  if (st != BNDL_OK)
    fail_msg("build: %s", bndl_last_error_message());
}

void mt_problem_free(mt_problem *p) {
  free(p->items);
  free(p->types);
  free(p->pos);
  free(p->neg);
  free(p->logq_pos);
  free(p->logq_neg);
  free(p->feat);
  free(p->out);
  free(p->dh);
  memset(p, 0, sizeof *p);
}

bndl_status mt_problem_run(mt_problem *p, mt_run *r, double *loss, int grad) {
  bndl_nn *nn = &r->nn;
  bndl_nn_arena_reset(&r->arena);
  const bndl_nn_embedding *items = p->lstm ? &p->lstm_enc.input.item : &p->sasrec.input.item;
  if (p->lstm)
    BNDL_TRY(bndl_nn_lstm_encoder_forward(nn, &p->lstm_enc, &p->b, p->out, grad ? &p->lc : NULL));
  else
    BNDL_TRY(bndl_nn_sasrec_forward(nn, &p->sasrec, &p->b, p->out, grad ? &p->sc : NULL));
  BNDL_TRY(bndl_nn_loss(nn, p->loss, items, &p->t, p->out, loss, grad ? p->dh : NULL));
  if (!grad)
    return BNDL_OK;
  if (p->lstm)
    return bndl_nn_lstm_encoder_backward(nn, &p->lstm_enc, &p->b, &p->lc, p->dh);
  return bndl_nn_sasrec_backward(nn, &p->sasrec, &p->b, &p->sc, p->dh);
}
