/*
 * optim.c - Adam, AdamW, SGD with momentum, clipping and the schedule (see optim.h).
 *
 * The per-element arithmetic is in float like torch's, with the step-dependent scalars
 * (bias corrections, the clip factor, the scheduled rate) computed once in double.
 * Two passes per step over fixed blocks on the pool: squared norms per block, then
 * clip + update. (Compiled with -fno-math-errno, src/CMakeLists.txt, so the sqrtf of
 * the Adam loop vectorises: it was a quarter of a Video training step.)
 */
#include "model/optim.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"

enum { OPT_BLOCK = 1 << 16 };

bndl_status bndl_nn_optim_init(bndl_nn_optim *o, const bndl_nn_params *p, const bndl_nn_optim_config *cfg) {
  memset(o, 0, sizeof *o);
  if (cfg->kind != BNDL_NN_ADAM && cfg->kind != BNDL_NN_ADAMW && cfg->kind != BNDL_NN_SGD)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "optimizer: unknown kind %d", (int)cfg->kind);
  if (!(cfg->lr >= 0) || !(cfg->weight_decay >= 0) || !(cfg->clip_norm >= 0) || !(cfg->eps >= 0))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                     "optimizer: lr %g, weight decay %g, clip norm %g and eps %g must be >= 0", cfg->lr,
                     cfg->weight_decay, cfg->clip_norm, cfg->eps);
  if (cfg->kind != BNDL_NN_SGD && !(cfg->beta1 >= 0 && cfg->beta1 < 1 && cfg->beta2 >= 0 && cfg->beta2 < 1))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "optimizer: Adam betas %g, %g must be in [0, 1)", cfg->beta1,
                     cfg->beta2);
  if (cfg->kind == BNDL_NN_SGD && !(cfg->momentum >= 0 && cfg->momentum <= 1))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "optimizer: SGD momentum %g must be in [0, 1]", cfg->momentum);
  if (cfg->schedule < BNDL_NN_LR_CONSTANT || cfg->schedule > BNDL_NN_LR_COSINE || cfg->warmup_steps < 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "optimizer: unknown schedule %d or negative warm-up %lld",
                     (int)cfg->schedule, (long long)cfg->warmup_steps);
  if (p->value == NULL)
    return bndl_fail(BNDL_ERR_STATE, "optimizer: the parameter store is not allocated");
  o->cfg = *cfg;
  o->alloc = p->alloc;
  o->n = p->total;
  size_t n = o->n > 0 ? o->n : 1;
  o->m = bndl_zalloc_array(p->alloc, n, sizeof(float));
  o->partial = bndl_alloc_array(p->alloc, (n + OPT_BLOCK - 1) / OPT_BLOCK, sizeof(double));
  if (o->m == NULL || o->partial == NULL) {
    bndl_nn_optim_free(o);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  if (cfg->kind != BNDL_NN_SGD) {
    o->v = bndl_zalloc_array(p->alloc, n, sizeof(float));
    if (o->v == NULL) {
      bndl_nn_optim_free(o);
      return BNDL_ERR_OUT_OF_MEMORY;
    }
  }
  return BNDL_OK;
}

double bndl_nn_lr_at(const bndl_nn_optim_config *cfg, int64_t step) {
  int64_t w = cfg->warmup_steps, t = cfg->total_steps;
  if (step < w)
    return cfg->lr * (double)(step + 1) / (double)w;
  if (cfg->schedule == BNDL_NN_LR_CONSTANT || t <= w)
    return cfg->lr;
  double frac = (double)(step - w) / (double)(t - w);
  if (frac > 1)
    frac = 1;
  if (cfg->schedule == BNDL_NN_LR_LINEAR)
    return cfg->lr * (1.0 - frac);
  return cfg->lr * 0.5 * (1.0 + cos(3.14159265358979323846 * frac));
}

double bndl_nn_grad_norm(const bndl_nn_params *p) {
  double s = 0;
  for (size_t i = 0; i < p->total; i++)
    s += (double)p->grad[i] * p->grad[i];
  return sqrt(s);
}

typedef struct step_job {
  bndl_nn_optim *o;
  float *w, *g;
  int pass; /* 0: squared norms; 1: update */
  float clip, lr, wd, mom, b1, b2, eps, step_size, bc2_sqrt, decay, l2;
  int first, scale;
} step_job;

static void update_block(const step_job *j, size_t lo, size_t hi) {
  bndl_nn_optim *o = j->o;
  float *restrict w = j->w, *restrict g = j->g, *restrict m = o->m, *restrict v = o->v;
  if (j->scale)
    for (size_t i = lo; i < hi; i++)
      g[i] *= j->clip;
  if (o->cfg.kind == BNDL_NN_SGD) {
    for (size_t i = lo; i < hi; i++) {
      float gi = g[i] + j->wd * w[i];
      float b = j->first ? gi : j->mom * m[i] + gi;
      m[i] = b;
      w[i] -= j->lr * (j->mom > 0 ? b : gi);
    }
    return;
  }
  for (size_t i = lo; i < hi; i++) {
    float gi = g[i] + j->l2 * w[i];
    float mi = j->b1 * m[i] + (1.0f - j->b1) * gi;
    float vi = j->b2 * v[i] + (1.0f - j->b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] * j->decay - j->step_size * mi / (sqrtf(vi) / j->bc2_sqrt + j->eps);
  }
}

static bndl_status step_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  const step_job *j = ud;
  size_t lo = (size_t)task * OPT_BLOCK, hi = lo + OPT_BLOCK < j->o->n ? lo + OPT_BLOCK : j->o->n;
  if (j->pass == 0) {
    double s = 0;
    for (size_t i = lo; i < hi; i++)
      s += (double)j->g[i] * j->g[i];
    j->o->partial[task] = s;
  } else {
    update_block(j, lo, hi);
  }
  return BNDL_OK;
}

static bndl_status run_pass(struct bndl_context *ctx, step_job *j, int pass) {
  int64_t blocks = (int64_t)((j->o->n + OPT_BLOCK - 1) / OPT_BLOCK);
  j->pass = pass;
  if (ctx != NULL && blocks > 1)
    return bndl_parallel_for(ctx, blocks, step_task, j);
  for (int64_t t = 0; t < blocks; t++)
    step_task(j, t, 0);
  return BNDL_OK;
}

bndl_status bndl_nn_optim_step(bndl_nn_optim *o, struct bndl_context *ctx, bndl_nn_params *p, double *norm) {
  if (p->total != o->n || p->value == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "optimizer: built for %zu parameters, given %zu", o->n, p->total);
  const bndl_nn_optim_config *c = &o->cfg;
  step_job j = {.o = o, .w = p->value, .g = p->grad};
  BNDL_TRY(run_pass(ctx, &j, 0));
  double sq = 0;
  for (size_t b = 0; b < (o->n + OPT_BLOCK - 1) / OPT_BLOCK; b++)
    sq += o->partial[b];
  double gn = sqrt(sq);
  if (norm != NULL)
    *norm = gn;
  if (!isfinite(gn))
    return bndl_fail(BNDL_ERR_STATE, "optimizer: the gradient is not finite at step %lld (norm %g)",
                     (long long)o->step, gn);
  if (c->clip_norm > 0) {
    double coef = c->clip_norm / (gn + 1e-6);
    j.scale = coef < 1.0;
    j.clip = (float)coef;
  }
  double lr_d = bndl_nn_lr_at(c, o->step);
  o->step++;
  j.lr = (float)lr_d;
  j.wd = (float)c->weight_decay;
  j.mom = (float)c->momentum;
  j.first = o->step == 1;
  if (c->kind != BNDL_NN_SGD) {
    double bc1 = 1.0 - pow(c->beta1, (double)o->step), bc2 = 1.0 - pow(c->beta2, (double)o->step);
    int adamw = c->kind == BNDL_NN_ADAMW;
    j.b1 = (float)c->beta1;
    j.b2 = (float)c->beta2;
    j.eps = (float)c->eps;
    j.step_size = (float)(lr_d / bc1);
    j.bc2_sqrt = (float)sqrt(bc2);
    j.decay = adamw ? (float)(1.0 - lr_d * c->weight_decay) : 1.0f;
    j.l2 = adamw ? 0.0f : j.wd;
  }
  return run_pass(ctx, &j, 1);
}

void bndl_nn_optim_free(bndl_nn_optim *o) {
  if (o->alloc != NULL) {
    bndl_free(o->alloc, o->m);
    bndl_free(o->alloc, o->v);
    bndl_free(o->alloc, o->partial);
  }
  memset(o, 0, sizeof *o);
}
