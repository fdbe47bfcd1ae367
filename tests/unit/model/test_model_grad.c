/*
 * test_model_grad.c - finite-difference gradient checks (model_test_util.h states the
 * method and the tolerance) for every layer of src/model/ and for both encoders with
 * both losses, on tiny sizes, on the ref provider with one thread. Layers are checked
 * through an objective sum_i w_i y_i of their outputs (random fixed w), with respect to
 * every parameter and every float input; the encoders through their loss.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backend_util.h"
#include "core/error.h"
#include "model/attention.h"
#include "model/layers.h"
#include "model/lstm.h"
#include "model_test_util.h"

static bndl_context *g_ctx;

static int setup(void **state) {
  (void)state;
  g_ctx = conf_context("ref", 1);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bndl_context_free(g_ctx);
  return 0;
}

static void ok(bndl_status st, const char *what) {
  if (st != BNDL_OK)
    fail_msg("%s: %s", what, bndl_last_error_message());
}

enum { N = 18, DIM = 8, MAXV = 2048 };

/* ---- linear, layer norm, activations, dropout, FFN: y = f(x), x rows x in */
typedef struct rowwise {
  mt_run run;
  int kind; /* which layer */
  bndl_nn_linear lin;
  bndl_nn_layer_norm ln;
  bndl_nn_dropout drop;
  bndl_nn_ffn ffn;
  bndl_eltwise_kind act;
  int64_t rows, in, out;
  float x[MAXV], y[MAXV], dy[MAXV], dx[MAXV];
} rowwise;

enum { K_LINEAR, K_LN, K_ACT, K_DROP, K_FFN };

static bndl_status rowwise_forward(rowwise *w, void *cache) {
  bndl_nn *nn = &w->run.nn;
  switch (w->kind) {
  case K_LINEAR: return bndl_nn_linear_forward(nn, &w->lin, w->rows, w->x, w->y);
  case K_LN: return bndl_nn_layer_norm_forward(nn, &w->ln, w->rows, w->x, w->y, cache);
  case K_ACT: return bndl_nn_activation_forward(nn, w->act, w->rows * w->in, w->x, w->y);
  case K_DROP: return bndl_nn_dropout_forward(nn, &w->drop, w->rows, w->in, w->x, w->y, cache);
  case K_FFN: return bndl_nn_ffn_forward(nn, &w->ffn, w->rows, w->x, w->y, cache);
  }
  return BNDL_ERR_INTERNAL;
}

static bndl_status rowwise_objective(void *ud, double *v) {
  rowwise *w = ud;
  union {
    bndl_nn_layer_norm_cache ln;
    bndl_nn_dropout_cache d;
    bndl_nn_ffn_cache f;
  } c;
  BNDL_TRY(rowwise_forward(w, &c));
  *v = mt_weighted_sum(w->y, w->rows * w->out, 11);
  return BNDL_OK;
}

static bndl_status rowwise_gradient(void *ud) {
  rowwise *w = ud;
  bndl_nn *nn = &w->run.nn;
  union {
    bndl_nn_layer_norm_cache ln;
    bndl_nn_dropout_cache d;
    bndl_nn_ffn_cache f;
  } c;
  BNDL_TRY(rowwise_forward(w, &c));
  mt_weights(w->dy, w->rows * w->out, 11);
  switch (w->kind) {
  case K_LINEAR: return bndl_nn_linear_backward(nn, &w->lin, w->rows, w->x, w->dy, w->dx);
  case K_LN: return bndl_nn_layer_norm_backward(nn, &w->ln, w->rows, &c.ln, w->dy, w->dx);
  case K_ACT: return bndl_nn_activation_backward(nn, w->act, w->rows * w->in, w->x, w->dy, w->dx);
  case K_DROP: return bndl_nn_dropout_backward(nn, &w->drop, w->rows, w->in, &c.d, w->dy, w->dx);
  case K_FFN: return bndl_nn_ffn_backward(nn, &w->ffn, w->rows, &c.f, w->dy, w->dx);
  }
  return BNDL_ERR_INTERNAL;
}

static void run_rowwise(rowwise *w, const char *what, double lo, double hi) {
  mt_run_alloc(&w->run, 21);
  mt_fill(3, w->x, w->rows * w->in, lo, hi);
  mt_fd f = {.run = &w->run, .ud = w, .objective = rowwise_objective, .gradient = rowwise_gradient};
  f.inputs[0] = (mt_fd_input){"x", w->x, w->rows * w->in, w->dx};
  f.n_inputs = 1;
  mt_fd_check(&f, what);
  mt_run_free(&w->run);
}

static rowwise g_w;

static void test_linear(void **state) {
  (void)state;
  for (int bias = 0; bias <= 1; bias++) {
    memset(&g_w, 0, sizeof g_w);
    mt_run_init(&g_w.run, g_ctx);
    g_w.kind = K_LINEAR;
    g_w.rows = N;
    g_w.in = 7;
    g_w.out = 5;
    ok(bndl_nn_linear_build(&g_w.run.params, "lin", 7, 5, bias, &g_w.lin), "build");
    run_rowwise(&g_w, bias ? "linear" : "linear (no bias)", -1, 1);
  }
}

static void test_layer_norm(void **state) {
  (void)state;
  static const float eps[2] = {1e-5f, 1e-8f};
  for (int e = 0; e < 2; e++) {
    memset(&g_w, 0, sizeof g_w);
    mt_run_init(&g_w.run, g_ctx);
    g_w.kind = K_LN;
    g_w.rows = N;
    g_w.in = g_w.out = DIM;
    ok(bndl_nn_layer_norm_build(&g_w.run.params, "ln", DIM, eps[e], &g_w.ln), "build");
    run_rowwise(&g_w, e == 0 ? "layer_norm eps 1e-5" : "layer_norm eps 1e-8", -2, 2);
  }
}

static void test_activations(void **state) {
  (void)state;
  static const bndl_eltwise_kind kinds[4] = {BNDL_ELT_GELU, BNDL_ELT_SIGMOID, BNDL_ELT_TANH, BNDL_ELT_RELU};
  static const char *names[4] = {"gelu (tanh)", "sigmoid", "tanh", "relu"};
  for (int k = 0; k < 4; k++) {
    memset(&g_w, 0, sizeof g_w);
    mt_run_init(&g_w.run, g_ctx);
    g_w.kind = K_ACT;
    g_w.act = kinds[k];
    g_w.rows = N;
    g_w.in = g_w.out = DIM;
    mt_run_alloc(&g_w.run, 1);
    mt_fill(3, g_w.x, N * DIM, -3, 3);
    if (kinds[k] == BNDL_ELT_RELU) /* keep every input 0.1 away from the kink (h = 1e-2) */
      for (int64_t i = 0; i < N * DIM; i++)
        g_w.x[i] = g_w.x[i] >= 0 ? g_w.x[i] + 0.1f : g_w.x[i] - 0.1f;
    mt_fd f = {.run = &g_w.run, .ud = &g_w, .objective = rowwise_objective, .gradient = rowwise_gradient};
    f.inputs[0] = (mt_fd_input){"x", g_w.x, N * DIM, g_w.dx};
    f.n_inputs = 1;
    mt_fd_check(&f, names[k]);
    mt_run_free(&g_w.run);
  }
}

static void test_dropout(void **state) {
  (void)state;
  memset(&g_w, 0, sizeof g_w);
  mt_run_init(&g_w.run, g_ctx);
  g_w.kind = K_DROP;
  g_w.rows = N;
  g_w.in = g_w.out = DIM;
  g_w.drop = (bndl_nn_dropout){0.3f, 5};
  run_rowwise(&g_w, "dropout p 0.3", -1, 1);
  /* the mask really drops about p of the values, and scales the rest by 1 / (1 - p) */
  mt_run_init(&g_w.run, g_ctx);
  mt_run_alloc(&g_w.run, 1);
  double v;
  ok(rowwise_objective(&g_w, &v), "forward");
  mt_run_free(&g_w.run);
  int dropped = 0;
  for (int64_t i = 0; i < N * DIM; i++) {
    if (g_w.y[i] == 0.0f)
      dropped++;
    else
      assert_true(fabsf(g_w.y[i] - g_w.x[i] / 0.7f) <= 1e-6f * fabsf(g_w.y[i]));
  }
  assert_in_range(dropped, 20, 70); /* 144 values, expected 43 */
}

static void test_ffn(void **state) {
  (void)state;
  for (int drop = 0; drop <= 1; drop++) {
    memset(&g_w, 0, sizeof g_w);
    mt_run_init(&g_w.run, g_ctx);
    g_w.kind = K_FFN;
    g_w.rows = N;
    g_w.in = g_w.out = DIM;
    ok(bndl_nn_ffn_build(&g_w.run.params, "ffn", DIM, 12, BNDL_ELT_GELU, drop ? 0.25f : 0.0f, 9, &g_w.ffn), "build");
    run_rowwise(&g_w, drop ? "ffn gelu dropout 0.25" : "ffn gelu", -1, 1);
  }
}

/* ---- embedding and the whole input embedding */
typedef struct emb_case {
  mt_run run;
  bndl_nn_input in;
  bndl_nn_batch b;
  int32_t items[N], types[N];
  float feat[20 * 4], y[N * DIM], dy[N * DIM];
} emb_case;

static bndl_status emb_objective(void *ud, double *v) {
  emb_case *e = ud;
  bndl_nn_input_cache c;
  BNDL_TRY(bndl_nn_input_forward(&e->run.nn, &e->in, &e->b, e->y, &c));
  *v = mt_weighted_sum(e->y, N * DIM, 12);
  return BNDL_OK;
}

static bndl_status emb_gradient(void *ud) {
  emb_case *e = ud;
  bndl_nn_input_cache c;
  BNDL_TRY(bndl_nn_input_forward(&e->run.nn, &e->in, &e->b, e->y, &c));
  mt_weights(e->dy, N * DIM, 12);
  return bndl_nn_input_backward(&e->run.nn, &e->in, &e->b, &c, e->dy);
}

static void test_input_embedding(void **state) {
  (void)state;
  static emb_case e;
  for (int drop = 0; drop <= 1; drop++) {
    memset(&e, 0, sizeof e);
    mt_run_init(&e.run, g_ctx);
    ok(bndl_nn_input_build(&e.run.params, 20, DIM, 6, 3, 4, 2.5f, drop ? 0.3f : 0.0f, &e.in), "build");
    mt_run_alloc(&e.run, 4);
    /* 3 sequences of 6, left padded by 2, 0, 4; item 5 appears three times */
    static const int32_t items[N] = {-1, -1, 5, 7, 5, 1, 0, 19, 5, 3, 3, 2, -1, -1, -1, -1, 8, 11};
    static const int32_t types[N] = {0, 0, 1, 2, 0, 1, 2, 2, 1, 0, -1, 1, 0, 0, 0, 0, 2, 0};
    memcpy(e.items, items, sizeof items);
    memcpy(e.types, types, sizeof types);
    mt_fill(8, e.feat, 80, -1, 1);
    e.b = (bndl_nn_batch){3, 6, e.items, e.types, e.feat};
    mt_fd f = {.run = &e.run, .ud = &e, .objective = emb_objective, .gradient = emb_gradient};
    mt_fd_check(&f, drop ? "input embedding dropout" : "input embedding");
    /* padded rows are zero and their table rows get no gradient from them */
    for (int64_t r = 0; r < N; r++)
      if (items[r] < 0)
        for (int64_t c = 0; c < DIM; c++)
          assert_true(e.y[r * DIM + c] == 0.0f);
    const float *gpos = bndl_nn_grad(&e.run.params, e.in.pos.table);
    /* position 0 and 1 are valid only in sequence 1 */
    bndl_nn_params_zero_grad(&e.run.params);
    bndl_nn_arena_reset(&e.run.arena);
    ok(emb_gradient(&e), "gradient");
    for (int64_t c = 0; c < DIM; c++)
      assert_true(gpos[c] == (drop ? gpos[c] : e.dy[6 * DIM + c]));
    mt_run_free(&e.run);
  }
}

/* ---- attention */
typedef struct attn_case {
  mt_run run;
  bndl_nn_attention a;
  uint8_t valid[N];
  float x[N * DIM], y[N * DIM], dy[N * DIM], dx[N * DIM];
} attn_case;

static bndl_status attn_objective(void *ud, double *v) {
  attn_case *c = ud;
  BNDL_TRY(bndl_nn_attention_forward(&c->run.nn, &c->a, 3, 6, c->x, c->valid, c->y, NULL));
  *v = mt_weighted_sum(c->y, N * DIM, 13);
  return BNDL_OK;
}

static bndl_status attn_gradient(void *ud) {
  attn_case *c = ud;
  bndl_nn_attention_cache ac;
  BNDL_TRY(bndl_nn_attention_forward(&c->run.nn, &c->a, 3, 6, c->x, c->valid, c->y, &ac));
  mt_weights(c->dy, N * DIM, 13);
  return bndl_nn_attention_backward(&c->run.nn, &c->a, 3, 6, &ac, c->dy, c->dx);
}

static void test_attention(void **state) {
  (void)state;
  static attn_case c;
  static const uint8_t valid[N] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1};
  static const struct {
    int64_t heads;
    int causal;
    float drop;
    const char *name;
  } cases[] = {{2, 1, 0.0f, "attention causal h2"},
               {1, 1, 0.0f, "attention causal h1"},
               {4, 0, 0.0f, "attention padding-only h4"},
               {2, 1, 0.3f, "attention causal dropout"}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    memset(&c, 0, sizeof c);
    mt_run_init(&c.run, g_ctx);
    ok(bndl_nn_attention_build(&c.run.params, "attn", DIM, cases[k].heads, cases[k].causal, cases[k].drop, 3, &c.a),
       "build");
    mt_run_alloc(&c.run, 5);
    memcpy(c.valid, valid, sizeof valid);
    mt_fill(4, c.x, N * DIM, -1, 1);
    mt_fd f = {.run = &c.run, .ud = &c, .objective = attn_objective, .gradient = attn_gradient};
    f.inputs[0] = (mt_fd_input){"x", c.x, N * DIM, c.dx};
    f.n_inputs = 1;
    mt_fd_check(&f, cases[k].name);
    /* padded rows: no gradient flows into them */
    for (int64_t r = 0; r < N; r++)
      if (!valid[r])
        for (int64_t j = 0; j < DIM; j++)
          assert_true(c.dx[r * DIM + j] == 0.0f);
    mt_run_free(&c.run);
  }
}

/* ---- stacked LSTM */
typedef struct lstm_case {
  mt_run run;
  bndl_nn_lstm l;
  uint8_t valid[N];
  float x[N * 5], y[N * 6], dy[N * 6], dx[N * 5];
} lstm_case;

static bndl_status lstm_objective(void *ud, double *v) {
  lstm_case *c = ud;
  BNDL_TRY(bndl_nn_lstm_forward(&c->run.nn, &c->l, 3, 6, c->x, c->valid, c->y, NULL));
  *v = mt_weighted_sum(c->y, N * 6, 14);
  return BNDL_OK;
}

static bndl_status lstm_gradient(void *ud) {
  lstm_case *c = ud;
  bndl_nn_lstm_cache lc;
  BNDL_TRY(bndl_nn_lstm_forward(&c->run.nn, &c->l, 3, 6, c->x, c->valid, c->y, &lc));
  mt_weights(c->dy, N * 6, 14);
  return bndl_nn_lstm_backward(&c->run.nn, &c->l, 3, 6, &lc, c->dy, c->dx);
}

static void test_lstm(void **state) {
  (void)state;
  static lstm_case c;
  /* left padding, and a hole in sequence 2 (skipped, state carried) */
  static const uint8_t valid[N] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1};
  static const struct {
    int64_t layers;
    float drop;
    const char *name;
  } cases[] = {{1, 0, "lstm 1 layer"}, {3, 0, "lstm 3 layers"}, {2, 0.3f, "lstm 2 layers dropout"}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    memset(&c, 0, sizeof c);
    mt_run_init(&c.run, g_ctx);
    ok(bndl_nn_lstm_build(&c.run.params, "lstm", 5, 6, cases[k].layers, cases[k].drop, 20, &c.l), "build");
    mt_run_alloc(&c.run, 6);
    memcpy(c.valid, valid, sizeof valid);
    mt_fill(5, c.x, N * 5, -1, 1);
    mt_fd f = {.run = &c.run, .ud = &c, .objective = lstm_objective, .gradient = lstm_gradient};
    f.inputs[0] = (mt_fd_input){"x", c.x, N * 5, c.dx};
    f.n_inputs = 1;
    mt_fd_check(&f, cases[k].name);
    for (int64_t r = 0; r < N; r++)
      if (!valid[r])
        for (int64_t j = 0; j < 5; j++)
          assert_true(c.dx[r * 5 + j] == 0.0f);
    mt_run_free(&c.run);
  }
}

/* ---- losses alone: h is the input */
typedef struct loss_case {
  mt_run run;
  mt_problem p; /* for its targets */
  bndl_nn_embedding items;
  float h[N * DIM], dh[N * DIM];
} loss_case;

static bndl_status loss_objective(void *ud, double *v) {
  loss_case *c = ud;
  return bndl_nn_loss(&c->run.nn, c->p.loss, &c->items, &c->p.t, c->h, v, NULL);
}

static bndl_status loss_gradient(void *ud) {
  loss_case *c = ud;
  double v;
  return bndl_nn_loss(&c->run.nn, c->p.loss, &c->items, &c->p.t, c->h, &v, c->dh);
}

static void test_losses(void **state) {
  (void)state;
  static loss_case c;
  static const struct {
    bndl_nn_loss_kind kind;
    int shared;
    const char *name;
  } cases[] = {{BNDL_NN_LOSS_BCE, 0, "bce per-position negatives"},
               {BNDL_NN_LOSS_BCE, 1, "bce shared negatives"},
               {BNDL_NN_LOSS_SAMPLED_SOFTMAX, 0, "sampled softmax logQ"},
               {BNDL_NN_LOSS_SAMPLED_SOFTMAX, 1, "sampled softmax shared logQ"}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    memset(&c, 0, sizeof c);
    mt_run_init(&c.run, g_ctx);
    mt_run scratch;
    mt_run_init(&scratch, g_ctx);
    mt_problem_build(&c.p, &scratch, &MT_TINY, 0, cases[k].kind, cases[k].shared, 0, BNDL_ELT_GELU);
    mt_run_free(&scratch);
    ok(bndl_nn_embedding_build(&c.run.params, "item_emb", 20, DIM, &c.items), "build");
    mt_run_alloc(&c.run, 7);
    mt_fill(9, c.h, N * DIM, -0.5, 0.5);
    mt_fd f = {.run = &c.run, .ud = &c, .objective = loss_objective, .gradient = loss_gradient};
    f.inputs[0] = (mt_fd_input){"h", c.h, N * DIM, c.dh};
    f.n_inputs = 1;
    mt_fd_check(&f, cases[k].name);
    for (int64_t r = 0; r < N; r++)
      if (c.p.pos[r] < 0)
        for (int64_t j = 0; j < DIM; j++)
          assert_true(c.dh[r * DIM + j] == 0.0f);
    mt_run_free(&c.run);
    mt_problem_free(&c.p);
  }
}

/* The loss values against a direct double-precision evaluation on one row. */
static void test_loss_values(void **state) {
  (void)state;
  static loss_case c;
  for (int kind = 1; kind <= 2; kind++) {
    memset(&c, 0, sizeof c);
    mt_run_init(&c.run, g_ctx);
    mt_run scratch;
    mt_run_init(&scratch, g_ctx);
    mt_problem_build(&c.p, &scratch, &MT_TINY, 0, (bndl_nn_loss_kind)kind, 0, 0, BNDL_ELT_GELU);
    mt_run_free(&scratch);
    ok(bndl_nn_embedding_build(&c.run.params, "item_emb", 20, DIM, &c.items), "build");
    mt_run_alloc(&c.run, 7);
    mt_fill(9, c.h, N * DIM, -0.5, 0.5);
    double v;
    ok(bndl_nn_loss(&c.run.nn, (bndl_nn_loss_kind)kind, &c.items, &c.p.t, c.h, &v, NULL), "loss");
    const float *e = bndl_nn_value(&c.run.params, c.items.table);
    double sum = 0;
    int64_t nv = 0;
    for (int64_t r = 0; r < N; r++) {
      if (c.p.pos[r] < 0)
        continue;
      nv++;
      double s[3];
      int in[3];
      for (int j = 0; j < 3; j++) {
        int32_t id = j == 0 ? c.p.pos[r] : c.p.neg[r * 2 + j - 1];
        in[j] = id >= 0 && !(kind == 2 && j > 0 && id == c.p.pos[r]);
        s[j] = 0;
        for (int64_t q = 0; q < DIM && id >= 0; q++)
          s[j] += (double)c.h[r * DIM + q] * e[id * DIM + q];
        if (kind == 2)
          s[j] -= j == 0 ? c.p.logq_pos[r] : c.p.logq_neg[r * 2 + j - 1];
      }
      if (kind == 1) {
        sum += log1p(exp(-s[0]));
        for (int j = 1; j < 3; j++)
          sum += in[j] ? log1p(exp(s[j])) : 0;
      } else {
        double se = 0;
        for (int j = 0; j < 3; j++)
          se += in[j] ? exp(s[j]) : 0;
        sum += log(se) - s[0];
      }
    }
    assert_true(fabs(v - sum / (double)nv) <= 1e-6 * fabs(v));
    mt_run_free(&c.run);
    mt_problem_free(&c.p);
  }
}

/* ---- both encoders through both losses */
typedef struct enc_case {
  mt_run run;
  mt_problem p;
} enc_case;

static bndl_status enc_objective(void *ud, double *v) {
  enc_case *c = ud;
  return mt_problem_run(&c->p, &c->run, v, 0);
}

static bndl_status enc_gradient(void *ud) {
  enc_case *c = ud;
  double v;
  return mt_problem_run(&c->p, &c->run, &v, 1);
}

static void test_encoders(void **state) {
  (void)state;
  static enc_case c;
  static const struct {
    int lstm;
    bndl_nn_loss_kind loss;
    int shared;
    float drop;
    const char *name;
  } cases[] = {
      {0, BNDL_NN_LOSS_BCE, 0, 0.0f, "sasrec + bce"},
      {0, BNDL_NN_LOSS_SAMPLED_SOFTMAX, 1, 0.0f, "sasrec + sampled softmax"},
      {0, BNDL_NN_LOSS_BCE, 0, 0.2f, "sasrec + bce, dropout 0.2"},
      {1, BNDL_NN_LOSS_BCE, 0, 0.0f, "lstm enc + bce"},
      {1, BNDL_NN_LOSS_SAMPLED_SOFTMAX, 0, 0.2f, "lstm enc + softmax, dropout"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    memset(&c, 0, sizeof c);
    mt_run_init(&c.run, g_ctx);
    /* GELU: finite differences across ReLU's kink would measure the kink, not the code */
    mt_problem_build(&c.p, &c.run, &MT_TINY, cases[k].lstm, cases[k].loss, cases[k].shared, cases[k].drop,
                     BNDL_ELT_GELU);
    mt_run_alloc(&c.run, 8);
    /* smaller embeddings keep the sqrt(dim)-scaled inputs of O(1) */
    const bndl_nn_embedding *it = cases[k].lstm ? &c.p.lstm_enc.input.item : &c.p.sasrec.input.item;
    mt_fill(10, bndl_nn_value(&c.run.params, it->table), 20 * DIM, -0.5, 0.5);
    mt_fd f = {.run = &c.run, .ud = &c, .objective = enc_objective, .gradient = enc_gradient};
    mt_fd_check(&f, cases[k].name);
    mt_run_free(&c.run);
    mt_problem_free(&c.p);
  }
}

int main(void) {
  conf_filter();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear),     cmocka_unit_test(test_layer_norm),      cmocka_unit_test(test_activations),
      cmocka_unit_test(test_dropout),    cmocka_unit_test(test_ffn),             cmocka_unit_test(test_input_embedding),
      cmocka_unit_test(test_attention),  cmocka_unit_test(test_lstm),            cmocka_unit_test(test_losses),
      cmocka_unit_test(test_loss_values), cmocka_unit_test(test_encoders),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
