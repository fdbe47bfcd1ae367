/*
 * lstm.c - stacked LSTM forward and backward through time (see lstm.h for the
 * semantics, the padding rule and the layout).
 *
 * Per layer and step t the gate block G_t (4H x B, rows i | f | g | o) starts as
 * b_ih + b_hh, receives W_ih x_t^T (one batched GEMM for all steps before the loop, on
 * a feature-major copy of x so no operand is transposed) and W_hh h_{t-1} (per step),
 * then the activations in place. h_t is also kept batch-major (B x H) so that
 * dW_hh += dG_t h_{t-1}^T is a plain product too. (The ref provider runs a transposed
 * B operand as dot products, 2-4 GFLOP/s against 18 for a plain one; both copies are
 * O(len x batch x H).) Backward keeps dh and dc
 * (H x B): at a valid step
 *     dh' = dh + dy_t,  dc' = dc + dh' o (1 - tanh^2 c_t),
 *     dG_t = [dc' g i(1-i), dc' c_{t-1} f(1-f), dc' i (1-g^2), dh' tanh(c_t) o(1-o)],
 *     dc <- dc' f,  dh <- W_hh^T dG_t;
 * at a padded step dG_t = 0 and dh' and dc pass through unchanged (the state was
 * carried). All sums over steps or the batch run in a fixed order.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "model/lstm.h"

bndl_status bndl_nn_lstm_build(bndl_nn_params *p, const char *name, int64_t input, int64_t hidden, int64_t layers,
                               float dropout, uint64_t site, bndl_nn_lstm *l) {
  if (layers < 1 || layers > BNDL_NN_LSTM_MAX_LAYERS)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "lstm: %lld layers (1 to %d supported)", (long long)layers,
                     BNDL_NN_LSTM_MAX_LAYERS);
  l->input = input;
  l->hidden = hidden;
  l->layers = layers;
  l->drop.p = dropout;
  l->drop.site = site;
  float bound = (float)(1.0 / sqrt((double)hidden));
  for (int64_t li = 0; li < layers; li++) {
    char suffix[32], buf[BNDL_NN_NAME_MAX];
    int64_t in = li == 0 ? input : hidden;
    static const char *const what[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    bndl_nn_param *dst[4] = {&l->w_ih[li], &l->w_hh[li], &l->b_ih[li], &l->b_hh[li]};
    int64_t rows[4] = {4 * hidden, 4 * hidden, 1, 1}, cols[4] = {in, hidden, 4 * hidden, 4 * hidden};
    for (int k = 0; k < 4; k++) {
      snprintf(suffix, sizeof suffix, "%s_l%lld", what[k], (long long)li);
      BNDL_TRY(bndl_nn_name(buf, name, suffix));
      BNDL_TRY(bndl_nn_params_add(p, buf, rows[k], cols[k], BNDL_NN_INIT_UNIFORM, bound, dst[k]));
    }
  }
  return BNDL_OK;
}

static inline int step_valid(const uint8_t *valid, int64_t len, int64_t b, int64_t t) {
  return valid == NULL || valid[b * len + t];
}

static bndl_status layer_forward(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t li, int64_t batch, int64_t len,
                                 const float *x, const uint8_t *valid, float *out, bndl_nn_lstm_layer_cache *lc) {
  int64_t in = li == 0 ? l->input : l->hidden, hid = l->hidden, hb = hid * batch, g4 = 4 * hb;
  const bndl_nn_params *p = nn->params;
  const float *w_ih = bndl_nn_value(p, l->w_ih[li]), *w_hh = bndl_nn_value(p, l->w_hh[li]);
  const float *b_ih = bndl_nn_value(p, l->b_ih[li]), *b_hh = bndl_nn_value(p, l->b_hh[li]);
  float *gates = bndl_nn_arena_floats(nn->arena, len * g4);
  float *cell = bndl_nn_arena_floats(nn->arena, len * hb);
  float *tcell = bndl_nn_arena_floats(nn->arena, len * hb);
  float *state = bndl_nn_arena_floats(nn->arena, len * hb);
  float *state_rows = bndl_nn_arena_floats(nn->arena, len * hb);
  uint8_t *vstep = bndl_nn_arena_alloc(nn->arena, (size_t)(len * batch));
  if (gates == NULL || cell == NULL || tcell == NULL || state == NULL || state_rows == NULL || vstep == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t t = 0; t < len; t++)
    for (int64_t b = 0; b < batch; b++)
      vstep[t * batch + b] = (uint8_t)step_valid(valid, len, b, t);
  for (int64_t t = 0; t < len; t++)
    for (int64_t j = 0; j < 4 * hid; j++) {
      float bias = b_ih[j] + b_hh[j];
      float *g = gates + t * g4 + j * batch;
      for (int64_t b = 0; b < batch; b++)
        g[b] = bias;
    }
  /* x_t^T for every step (len x in x batch), so the input projection is a plain
   * product (the ref provider's transposed-B path is 5x slower) */
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  float *xt = bndl_nn_arena_floats(nn->arena, len * in * batch);
  if (xt == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t b = 0; b < batch; b++)
    for (int64_t t = 0; t < len; t++)
      for (int64_t i = 0; i < in; i++)
        xt[(t * in + i) * batch + b] = x[(b * len + t) * in + i];
  BNDL_TRY(bndl_nn_gemm_batched(nn, 0, 0, 4 * hid, batch, in, len, 1.0f, w_ih, in, 0, xt, batch, in * batch, 1.0f,
                                gates, batch, g4));
  bndl_nn_arena_release(nn->arena, m);
  float *zero = bndl_nn_arena_zfloats(nn->arena, hb); /* h_{-1} = c_{-1} = 0; given back below */
  if (zero == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t t = 0; t < len; t++) {
    float *g = gates + t * g4, *c = cell + t * hb, *s = state + t * hb;
    const float *cp = t > 0 ? cell + (t - 1) * hb : NULL, *sp = t > 0 ? state + (t - 1) * hb : NULL;
    if (t > 0)
      BNDL_TRY(bndl_nn_gemm(nn, 0, 0, 4 * hid, batch, hid, 1.0f, w_hh, hid, sp, batch, 1.0f, g, batch));
    BNDL_TRY(bndl_nn_activation_forward(nn, BNDL_ELT_SIGMOID, 2 * hb, g, g));
    BNDL_TRY(bndl_nn_activation_forward(nn, BNDL_ELT_TANH, hb, g + 2 * hb, g + 2 * hb));
    BNDL_TRY(bndl_nn_activation_forward(nn, BNDL_ELT_SIGMOID, hb, g + 3 * hb, g + 3 * hb));
    /* branch-free over b (selects), so the compiler vectorises the cell update */
    const uint8_t *v = vstep + t * batch;
    const float *c0 = cp ? cp : zero, *s0 = sp ? sp : zero;
    for (int64_t k0 = 0; k0 < hb; k0 += batch)
      for (int64_t b = 0; b < batch; b++) {
        int64_t k = k0 + b;
        float next = g[hb + k] * c0[k] + g[k] * g[2 * hb + k];
        c[k] = v[b] ? next : c0[k];
      }
    BNDL_TRY(bndl_nn_activation_forward(nn, BNDL_ELT_TANH, hb, c, tcell + t * hb));
    const float *tc = tcell + t * hb;
    for (int64_t k0 = 0; k0 < hb; k0 += batch)
      for (int64_t b = 0; b < batch; b++) {
        int64_t k = k0 + b;
        float next = g[3 * hb + k] * tc[k];
        s[k] = v[b] ? next : s0[k];
      }
    for (int64_t b = 0; b < batch; b++) {
      float *o = out + (b * len + t) * hid, *sr = state_rows + t * hb + b * hid;
      for (int64_t j = 0; j < hid; j++) {
        sr[j] = s[j * batch + b];
        o[j] = v[b] ? sr[j] : 0.0f;
      }
    }
  }
  bndl_nn_arena_release(nn->arena, m);
  lc->x = x;
  lc->vstep = vstep;
  lc->gates = gates;
  lc->cell = cell;
  lc->tcell = tcell;
  lc->state = state;
  lc->state_rows = state_rows;
  lc->out = out;
  return BNDL_OK;
}

bndl_status bndl_nn_lstm_forward(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t batch, int64_t len, const float *x,
                                 const uint8_t *valid, float *y, bndl_nn_lstm_cache *cache) {
  if (cache == NULL) {
    int done = 0;
    BNDL_TRY(bndl_nn_lstm_forward_fused(nn, l, batch, len, x, valid, y, &done));
    if (done)
      return BNDL_OK;
  }
  bndl_nn_lstm_cache local;
  bndl_nn_lstm_cache *c = cache ? cache : &local;
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  int64_t rows = batch * len, hid = l->hidden;
  c->valid = valid;
  const float *in = x;
  for (int64_t li = 0; li < l->layers; li++) {
    bndl_nn_lstm_layer_cache *lc = &c->layer[li];
    int last = li == l->layers - 1;
    float *out = last ? y : bndl_nn_arena_floats(nn->arena, rows * hid);
    if (out == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    BNDL_TRY(layer_forward(nn, l, li, batch, len, in, valid, out, lc));
    lc->dropped = out;
    lc->drop.keep = NULL;
    if (!last) {
      bndl_nn_dropout d = {l->drop.p, l->drop.site + (uint64_t)li};
      if (bndl_nn_dropout_active(nn, &d)) {
        lc->dropped = bndl_nn_arena_floats(nn->arena, rows * hid);
        if (lc->dropped == NULL)
          return BNDL_ERR_OUT_OF_MEMORY;
        BNDL_TRY(bndl_nn_dropout_forward(nn, &d, rows, hid, out, lc->dropped, &lc->drop));
      }
    }
    in = lc->dropped;
  }
  if (cache == NULL)
    bndl_nn_arena_release(nn->arena, m);
  return BNDL_OK;
}

static bndl_status layer_backward(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t li, int64_t batch, int64_t len,
                                  const bndl_nn_lstm_layer_cache *lc, const float *dy, float *dx) {
  int64_t in = li == 0 ? l->input : l->hidden, hid = l->hidden, hb = hid * batch, g4 = 4 * hb;
  const bndl_nn_params *p = nn->params;
  const float *w_ih = bndl_nn_value(p, l->w_ih[li]), *w_hh = bndl_nn_value(p, l->w_hh[li]);
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  float *dg = bndl_nn_arena_floats(nn->arena, len * g4);
  float *dh = bndl_nn_arena_zfloats(nn->arena, hb), *dc = bndl_nn_arena_zfloats(nn->arena, hb);
  float *dyt = bndl_nn_arena_floats(nn->arena, hb), *zero = bndl_nn_arena_zfloats(nn->arena, hb);
  if (dg == NULL || dh == NULL || dc == NULL || dyt == NULL || zero == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t t = len - 1; t >= 0; t--) {
    const float *g = lc->gates + t * g4, *tc = lc->tcell + t * hb;
    const float *cp = t > 0 ? lc->cell + (t - 1) * hb : zero;
    const uint8_t *v = lc->vstep + t * batch;
    float *d = dg + t * g4;
    for (int64_t b = 0; b < batch; b++) /* dy_t, feature-major; padded rows are read as 0 */
      for (int64_t j = 0; j < hid; j++)
        dyt[j * batch + b] = v[b] ? dy[(b * len + t) * hid + j] : 0.0f;
    /* branch-free over b: a padded column gets dG = 0 and passes dh and dc through */
    for (int64_t k0 = 0; k0 < hb; k0 += batch)
      for (int64_t b = 0; b < batch; b++) {
        int64_t k = k0 + b;
        float dht = dh[k] + dyt[k];
        float gi = g[k], gf = g[hb + k], gg = g[2 * hb + k], go = g[3 * hb + k], tck = tc[k];
        float dct = dc[k] + dht * go * (1.0f - tck * tck);
        d[k] = v[b] ? dct * gg * gi * (1.0f - gi) : 0.0f;
        d[hb + k] = v[b] ? dct * cp[k] * gf * (1.0f - gf) : 0.0f;
        d[2 * hb + k] = v[b] ? dct * gi * (1.0f - gg * gg) : 0.0f;
        d[3 * hb + k] = v[b] ? dht * tck * go * (1.0f - go) : 0.0f;
        dc[k] = v[b] ? dct * gf : dc[k];
        dh[k] = v[b] ? 0.0f : dht;
      }
    if (t > 0)
      BNDL_TRY(bndl_nn_gemm(nn, 1, 0, hid, batch, 4 * hid, 1.0f, w_hh, hid, d, batch, 1.0f, dh, batch));
  }
  float *gw_ih = bndl_nn_grad(p, l->w_ih[li]), *gw_hh = bndl_nn_grad(p, l->w_hh[li]);
  for (int64_t t = 0; t < len; t++) {
    BNDL_TRY(bndl_nn_gemm(nn, 0, 0, 4 * hid, in, batch, 1.0f, dg + t * g4, batch, lc->x + t * in, len * in, 1.0f,
                          gw_ih, in));
    if (t > 0)
      BNDL_TRY(bndl_nn_gemm(nn, 0, 0, 4 * hid, hid, batch, 1.0f, dg + t * g4, batch, lc->state_rows + (t - 1) * hb,
                            hid, 1.0f, gw_hh, hid));
  }
  float *gb_ih = bndl_nn_grad(p, l->b_ih[li]), *gb_hh = bndl_nn_grad(p, l->b_hh[li]);
  for (int64_t j = 0; j < 4 * hid; j++) {
    double s = 0;
    for (int64_t t = 0; t < len; t++)
      for (int64_t b = 0; b < batch; b++)
        s += dg[t * g4 + j * batch + b];
    gb_ih[j] += (float)s;
    gb_hh[j] += (float)s;
  }
  if (dx != NULL)
    BNDL_TRY(bndl_nn_gemm_batched(nn, 1, 0, batch, in, 4 * hid, len, 1.0f, dg, batch, g4, w_ih, in, 0, 0.0f, dx,
                                  len * in, in));
  bndl_nn_arena_release(nn->arena, m);
  return BNDL_OK;
}

bndl_status bndl_nn_lstm_backward(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t batch, int64_t len,
                                  const bndl_nn_lstm_cache *cache, const float *dy, float *dx) {
  int64_t rows = batch * len, hid = l->hidden;
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  /* two buffers, so a middle layer never writes the gradient it is reading */
  float *dbuf[2] = {NULL, NULL};
  for (int64_t li = 1; li < l->layers && li < 3; li++)
    if ((dbuf[li % 2] = bndl_nn_arena_floats(nn->arena, rows * hid)) == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
  const float *dcur = dy;
  for (int64_t li = l->layers - 1; li >= 0; li--) {
    float *dout = li > 0 ? dbuf[li % 2] : dx;
    BNDL_TRY(layer_backward(nn, l, li, batch, len, &cache->layer[li], dcur, dout));
    if (li > 0) {
      bndl_nn_dropout d = {l->drop.p, l->drop.site + (uint64_t)(li - 1)};
      BNDL_TRY(bndl_nn_dropout_backward(nn, &d, rows, hid, &cache->layer[li - 1].drop, dout, dout));
      dcur = dout;
    }
  }
  bndl_nn_arena_release(nn->arena, m);
  return BNDL_OK;
}
