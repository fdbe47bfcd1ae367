/*
 * optim.c - Adam, AdamW, SGD with momentum, clipping and the schedule (see optim.h).
 *
 * The per-element arithmetic is in float like torch's, with the step-dependent scalars
 * (bias corrections, the clip factor, the scheduled rate) computed once in double.
 */
#include "model/optim.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

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
  if (o->m == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
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

bndl_status bndl_nn_optim_step(bndl_nn_optim *o, bndl_nn_params *p, double *norm) {
  if (p->total != o->n || p->value == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "optimizer: built for %zu parameters, given %zu", o->n, p->total);
  const bndl_nn_optim_config *c = &o->cfg;
  float *w = p->value, *g = p->grad;
  size_t n = o->n;
  double gn = bndl_nn_grad_norm(p);
  if (norm != NULL)
    *norm = gn;
  if (!isfinite(gn))
    return bndl_fail(BNDL_ERR_STATE, "optimizer: the gradient is not finite at step %lld (norm %g)",
                     (long long)o->step, gn);
  if (c->clip_norm > 0) {
    double coef = c->clip_norm / (gn + 1e-6);
    if (coef < 1.0) {
      float cf = (float)coef;
      for (size_t i = 0; i < n; i++)
        g[i] *= cf;
    }
  }
  double lr_d = bndl_nn_lr_at(c, o->step);
  float lr = (float)lr_d, wd = (float)c->weight_decay;
  o->step++;
  if (c->kind == BNDL_NN_SGD) {
    float mom = (float)c->momentum;
    int first = o->step == 1;
    for (size_t i = 0; i < n; i++) {
      float gi = g[i] + wd * w[i];
      float b = first ? gi : mom * o->m[i] + gi;
      o->m[i] = b;
      w[i] -= lr * (mom > 0 ? b : gi);
    }
    return BNDL_OK;
  }
  double bc1 = 1.0 - pow(c->beta1, (double)o->step), bc2 = 1.0 - pow(c->beta2, (double)o->step);
  float b1 = (float)c->beta1, b2 = (float)c->beta2, eps = (float)c->eps;
  float step_size = (float)(lr_d / bc1), bc2_sqrt = (float)sqrt(bc2);
  int adamw = c->kind == BNDL_NN_ADAMW;
  float decay = adamw ? (float)(1.0 - lr_d * c->weight_decay) : 1.0f, l2 = adamw ? 0.0f : wd;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + l2 * w[i];
    float m = b1 * o->m[i] + (1.0f - b1) * gi;
    float v = b2 * o->v[i] + (1.0f - b2) * gi * gi;
    o->m[i] = m;
    o->v[i] = v;
    w[i] = w[i] * decay - step_size * m / (sqrtf(v) / bc2_sqrt + eps);
  }
  return BNDL_OK;
}

void bndl_nn_optim_free(bndl_nn_optim *o) {
  if (o->alloc != NULL) {
    bndl_free(o->alloc, o->m);
    bndl_free(o->alloc, o->v);
  }
  memset(o, 0, sizeof *o);
}
