/*
 * test_model_backends.c - the model layer across providers and thread counts, and what
 * padding and dropout promise:
 *  - every provider built against ref: both encoders, both losses, dropout on, on a
 *    medium shape (B 32, T 25, dim 32, 2 heads; 800 rows, so providers cut their GEMMs
 *    into blocks and the row loops run as several pool tasks): the encoder output, the
 *    loss and every parameter gradient within a relative 2-norm error of 1e-4 per tensor
 *    (the torch check's norm; GEMM summation order is the only difference, measured
 *    at most 6e-7 here);
 *  - 1, 2 and 3 threads bit-identical on every provider (backend.h's contract, and the
 *    model layer's own row loops);
 *  - dropout masks depend on (seed, step, site, row) only: the same on 1 and 3 threads,
 *    new for another step or site, the expected rate;
 *  - the LSTM's inference forward (no cache): on a provider with a fused LSTM layer
 *    (onednn) it runs that on groups of valid suffixes (model/lstm_fused.c); on every
 *    provider it must agree with the composed training forward within a relative
 *    2-norm of 1e-5 and the ref provider's within 1e-4, write exact zeros at padded
 *    rows, and be bit-identical on 1 and 3 threads: B 1, T 1, odd H, 1-3 layers, no
 *    padding, left padding in several groups (a fully padded sequence among them), and
 *    holes (the composed path);
 *  - padding: a sequence's outputs do not depend on the other sequences of its batch,
 *    on the inputs at padded positions, or (LSTM) on how much left padding it has;
 *    attention and LSTM outputs at valid rows do not change when padded rows change.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend_util.h"
#include "core/alloc.h"
#include "model/attention.h"
#include "model/lstm.h"
#include "model_test_util.h"

static void ok(bndl_status st, const char *what) {
  if (st != BNDL_OK)
    fail_msg("%s: %s", what, bndl_last_error_message());
}

typedef struct config {
  int lstm;
  bndl_nn_loss_kind loss;
  int shared;
  bndl_eltwise_kind act;
  const char *name;
} config;

static const config CONFIGS[] = {
    {0, BNDL_NN_LOSS_BCE, 0, BNDL_ELT_RELU, "sasrec bce"},
    {0, BNDL_NN_LOSS_SAMPLED_SOFTMAX, 1, BNDL_ELT_GELU, "sasrec softmax"},
    {1, BNDL_NN_LOSS_SAMPLED_SOFTMAX, 0, BNDL_ELT_RELU, "lstm softmax"},
    {1, BNDL_NN_LOSS_BCE, 1, BNDL_ELT_RELU, "lstm bce"},
};
enum { N_CONFIGS = sizeof CONFIGS / sizeof CONFIGS[0] };

static mt_shape medium(void) {
  /* smaller under valgrind */
  return conf_scale() == 0 ? (mt_shape){8, 12, 16, 2, 60} : (mt_shape){32, 25, 32, 2, 300};
}

/* One training pass: output, loss and gradients copied out. */
typedef struct result {
  float *out, *grad;
  double loss;
  int64_t n_out;
  size_t n_grad;
} result;

static void pass(bndl_context *ctx, const config *c, const mt_shape *sh, float dropout, result *res) {
  mt_run r;
  mt_problem p;
  mt_run_init(&r, ctx);
  mt_problem_build(&p, &r, sh, c->lstm, c->loss, c->shared, dropout, c->act);
  mt_run_alloc(&r, 11);
  ok(mt_problem_run(&p, &r, &res->loss, 1), c->name);
  res->n_out = p.batch * p.len * p.dim;
  res->n_grad = r.params.total;
  res->out = conf_malloc((size_t)res->n_out * sizeof(float));
  res->grad = conf_malloc(res->n_grad * sizeof(float));
  memcpy(res->out, p.out, (size_t)res->n_out * sizeof(float));
  memcpy(res->grad, r.params.grad, res->n_grad * sizeof(float));
  mt_problem_free(&p);
  mt_run_free(&r);
}

static void result_free(result *r) {
  free(r->out);
  free(r->grad);
}

static double rel2(const float *a, const float *b, int64_t n) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; i++) {
    num += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    den += (double)b[i] * b[i];
  }
  return den > 0 ? sqrt(num / den) : sqrt(num);
}

static void test_providers_match_ref(void **state) {
  (void)state;
  const char *names[8];
  int n = conf_providers(names, 8);
  mt_shape sh = medium();
  bndl_context *ref = conf_context("ref", 2);
  for (int ci = 0; ci < N_CONFIGS; ci++) {
    const config *c = &CONFIGS[ci];
    result want;
    pass(ref, c, &sh, 0.2f, &want);
    /* the tensor layout, for per-tensor errors */
    mt_run lay;
    mt_problem lp;
    mt_run_init(&lay, ref);
    mt_problem_build(&lp, &lay, &sh, c->lstm, c->loss, c->shared, 0.2f, c->act);
    for (int pi = 0; pi < n; pi++) {
      if (strcmp(names[pi], "ref") == 0)
        continue;
      bndl_context *ctx = conf_context(names[pi], 2);
      result got;
      pass(ctx, c, &sh, 0.2f, &got);
      double worst = rel2(got.out, want.out, want.n_out);
      const char *worst_name = "output";
      if (worst > 1e-4)
        fail_msg("%s on %s: output relative error %.3g", c->name, names[pi], worst);
      double le = fabs(got.loss - want.loss) / fabs(want.loss);
      if (le > 1e-4)
        fail_msg("%s on %s: loss %.9g, ref %.9g", c->name, names[pi], got.loss, want.loss);
      for (int32_t t = 0; t < lay.params.count; t++) {
        const bndl_nn_tensor *tt = &lay.params.tensors[t];
        double e = rel2(got.grad + tt->offset, want.grad + tt->offset, tt->rows * tt->cols);
        if (e > 1e-4)
          fail_msg("%s on %s: gradient of %s: relative error %.3g", c->name, names[pi], tt->name, e);
        if (e > worst) {
          worst = e;
          worst_name = tt->name;
        }
      }
      printf("[providers] %-15s %-8s vs ref: loss rel %.2e, worst rel2 %.2e (%s)\n", c->name, names[pi], le, worst,
             worst_name);
      result_free(&got);
      bndl_context_free(ctx);
    }
    mt_problem_free(&lp);
    mt_run_free(&lay);
    result_free(&want);
  }
  bndl_context_free(ref);
}

static void test_threads_bit_identical(void **state) {
  (void)state;
  const char *names[8];
  int n = conf_providers(names, 8);
  mt_shape sh = medium();
  static const int32_t threads[3] = {1, 2, 3};
  int n_thr = conf_scale() == 0 ? 2 : 3;
  for (int pi = 0; pi < n; pi++)
    for (int ci = 0; ci < N_CONFIGS; ci++) {
      result res[3];
      for (int k = 0; k < n_thr; k++) {
        bndl_context *ctx = conf_context(names[pi], threads[k]);
        pass(ctx, &CONFIGS[ci], &sh, 0.2f, &res[k]);
        bndl_context_free(ctx);
      }
      for (int k = 1; k < n_thr; k++) {
        if (!conf_same_bits(res[0].out, res[k].out, (size_t)res[0].n_out) || res[0].loss != res[k].loss ||
            !conf_same_bits(res[0].grad, res[k].grad, res[0].n_grad))
          fail_msg("%s on %s: %d threads differ from 1", CONFIGS[ci].name, names[pi], threads[k]);
      }
      for (int k = 0; k < n_thr; k++)
        result_free(&res[k]);
    }
}

static void test_dropout_masks(void **state) {
  (void)state;
  enum { ROWS = 4096, COLS = 64 };
  float *x = conf_malloc(ROWS * COLS * sizeof(float)), *y = conf_malloc(ROWS * COLS * sizeof(float));
  for (int64_t i = 0; i < ROWS * COLS; i++)
    x[i] = 1.0f;
  uint8_t *mask[4];
  bndl_context *ctx[2] = {conf_context("ref", 1), conf_context("ref", 3)};
  /* (threads, step, site): the first two must agree, the others differ */
  static const struct {
    int ctx;
    uint64_t step, site;
  } runs[4] = {{0, 5, 7}, {1, 5, 7}, {0, 6, 7}, {0, 5, 8}};
  for (int k = 0; k < 4; k++) {
    bndl_nn_params p;
    bndl_nn_arena a;
    bndl_nn_params_init(&p, bndl_default_allocator());
    bndl_nn_arena_init(&a, bndl_default_allocator(), 0);
    bndl_nn nn = {ctx[runs[k].ctx], &p, &a, 1, 1234, runs[k].step};
    bndl_nn_dropout d = {0.25f, runs[k].site};
    bndl_nn_dropout_cache c;
    ok(bndl_nn_dropout_forward(&nn, &d, ROWS, COLS, x, y, &c), "dropout");
    mask[k] = conf_malloc(ROWS * COLS);
    memcpy(mask[k], c.keep, ROWS * COLS);
    int64_t kept = 0;
    for (int64_t i = 0; i < ROWS * COLS; i++) {
      kept += mask[k][i];
      assert_true(y[i] == (mask[k][i] ? 1.0f / 0.75f : 0.0f));
    }
    /* 262144 draws: the kept fraction 0.75 +- 0.0008 (sd) */
    assert_true(fabs((double)kept / (ROWS * COLS) - 0.75) < 0.005);
    bndl_nn_arena_free(&a);
  }
  assert_memory_equal(mask[0], mask[1], ROWS * COLS);
  assert_true(memcmp(mask[0], mask[2], ROWS * COLS) != 0);
  assert_true(memcmp(mask[0], mask[3], ROWS * COLS) != 0);
  /* inactive in evaluation: y = x, no mask */
  bndl_nn_arena a;
  bndl_nn_arena_init(&a, bndl_default_allocator(), 0);
  bndl_nn nn = {ctx[0], NULL, &a, 0, 1234, 5};
  bndl_nn_dropout d = {0.25f, 7};
  bndl_nn_dropout_cache c;
  ok(bndl_nn_dropout_forward(&nn, &d, ROWS, COLS, x, y, &c), "dropout eval");
  assert_null(c.keep);
  assert_memory_equal(x, y, ROWS * COLS * sizeof(float));
  bndl_nn_arena_free(&a);
  for (int k = 0; k < 4; k++)
    free(mask[k]);
  bndl_context_free(ctx[0]);
  bndl_context_free(ctx[1]);
  free(x);
  free(y);
}

/* Encoder outputs (no dropout) of a batch, on ref. */
static void encode(bndl_context *ctx, int lstm, const bndl_nn_batch *b, float *out) {
  mt_run r;
  mt_problem p;
  mt_run_init(&r, ctx);
  r.nn.training = 0;
  mt_problem_build(&p, &r, &MT_TINY, lstm, BNDL_NN_LOSS_BCE, 0, 0.0f, BNDL_ELT_RELU);
  mt_run_alloc(&r, 13);
  if (lstm)
    ok(bndl_nn_lstm_encoder_forward(&r.nn, &p.lstm_enc, b, out, NULL), "lstm forward");
  else
    ok(bndl_nn_sasrec_forward(&r.nn, &p.sasrec, b, out, NULL), "sasrec forward");
  mt_problem_free(&p);
  mt_run_free(&r);
}

static void test_padding_isolation(void **state) {
  (void)state;
  bndl_context *ctx = conf_context("ref", 2);
  enum { B = 3, T = 6, D = 8, LONG = 9 };
  /* the tiny problem's batch: pads 2, 0, 4 */
  mt_run r0;
  mt_problem p0;
  mt_run_init(&r0, ctx);
  mt_problem_build(&p0, &r0, &MT_TINY, 0, BNDL_NN_LOSS_BCE, 0, 0, BNDL_ELT_RELU);
  for (int lstm = 0; lstm <= 1; lstm++) {
    float full[B * T * D], alone[T * D], other[B * T * D];
    encode(ctx, lstm, &p0.b, full);
    /* sequence 0 alone */
    bndl_nn_batch one = {1, T, p0.items, p0.types, p0.feat};
    encode(ctx, lstm, &one, alone);
    assert_memory_equal(alone, full, sizeof alone);
    /* other event types at the padded positions change nothing */
    int32_t types[B * T];
    memcpy(types, p0.types, sizeof types);
    for (int i = 0; i < B * T; i++)
      if (p0.items[i] < 0)
        types[i] = (types[i] + 1) % 3;
    bndl_nn_batch bt = p0.b;
    bt.types = types;
    encode(ctx, lstm, &bt, other);
    assert_memory_equal(other, full, sizeof other);
    /* padded rows are zero */
    for (int i = 0; i < B * T; i++)
      if (p0.items[i] < 0)
        for (int j = 0; j < D; j++)
          assert_true(full[i * D + j] == 0.0f);
  }
  /* LSTM: three more positions of left padding, the same outputs at the real ones */
  {
    int32_t items[B * LONG], types[B * LONG];
    for (int b = 0; b < B; b++)
      for (int t = 0; t < LONG; t++) {
        items[b * LONG + t] = t < 3 ? -1 : p0.items[b * T + t - 3];
        types[b * LONG + t] = t < 3 ? 0 : p0.types[b * T + t - 3];
      }
    bndl_nn_batch lb = {B, LONG, items, types, p0.feat};
    float full[B * T * D], longer[B * LONG * D];
    encode(ctx, 1, &p0.b, full);
    encode(ctx, 1, &lb, longer);
    for (int b = 0; b < B; b++)
      assert_memory_equal(longer + (b * LONG + 3) * D, full + b * T * D, T * D * sizeof(float));
  }
  mt_problem_free(&p0);
  mt_run_free(&r0);

  /* attention and LSTM layers: changing padded rows of x changes no valid output row */
  static const uint8_t valid[B * T] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1};
  for (int lstm = 0; lstm <= 1; lstm++) {
    mt_run r;
    mt_run_init(&r, ctx);
    bndl_nn_attention a;
    bndl_nn_lstm l;
    if (lstm)
      ok(bndl_nn_lstm_build(&r.params, "lstm", D, D, 2, 0, 20, &l), "build");
    else
      ok(bndl_nn_attention_build(&r.params, "attn", D, 2, 1, 0, 3, &a), "build");
    mt_run_alloc(&r, 2);
    float x[B * T * D], y1[B * T * D], y2[B * T * D];
    mt_fill(1, x, B * T * D, -1, 1);
    for (int k = 0; k < 2; k++) {
      if (k == 1)
        for (int i = 0; i < B * T; i++)
          if (!valid[i])
            for (int j = 0; j < D; j++)
              x[i * D + j] = 100.0f + (float)j;
      float *y = k ? y2 : y1;
      if (lstm)
        ok(bndl_nn_lstm_forward(&r.nn, &l, B, T, x, valid, y, NULL), "lstm");
      else
        ok(bndl_nn_attention_forward(&r.nn, &a, B, T, x, valid, y, NULL), "attention");
    }
    for (int i = 0; i < B * T; i++)
      if (valid[i])
        assert_memory_equal(y1 + i * D, y2 + i * D, D * sizeof(float));
    mt_run_free(&r);
  }
  bndl_context_free(ctx);
}

/* ---- the LSTM inference forward: fused where a provider has it, composed otherwise */

typedef struct lstm_inf_case {
  int64_t batch, len, input, hidden, layers;
  int pattern; /* 0 all valid, 1 left padding in groups, 2 holes, 3 left padding + an empty sequence */
} lstm_inf_case;

static void lstm_valid(const lstm_inf_case *c, uint8_t *valid) {
  for (int64_t b = 0; b < c->batch; b++) {
    int64_t start = c->pattern == 0 ? 0 : (b * 7 % c->len) / 2 * 2; /* repeats: groups */
    if (c->pattern == 3 && b == c->batch / 2)
      start = c->len;
    for (int64_t t = 0; t < c->len; t++)
      valid[b * c->len + t] = (uint8_t)(t >= start);
    if (c->pattern == 2 && c->len > 2 && b % 2 == 0)
      valid[b * c->len + c->len - 2] = 0; /* a hole before the last step */
  }
}

/* y: the inference forward on ctx (cache NULL); yc: the composed training forward (cache). */
static void lstm_inf_run(bndl_context *ctx, const lstm_inf_case *c, const float *x, const uint8_t *valid, float *y,
                         float *yc) {
  mt_run r;
  mt_run_init(&r, ctx);
  bndl_nn_lstm l;
  ok(bndl_nn_lstm_build(&r.params, "lstm", c->input, c->hidden, c->layers, 0.0f, 20, &l), "build");
  mt_run_alloc(&r, 5);
  r.nn.training = 0;
  ok(bndl_nn_lstm_forward(&r.nn, &l, c->batch, c->len, x, valid, y, NULL), "lstm inference");
  ok(bndl_nn_lstm_forward(&r.nn, &l, c->batch, c->len, x, valid, y, NULL), "lstm inference (again)");
  if (yc) {
    bndl_nn_lstm_cache cache;
    ok(bndl_nn_lstm_forward(&r.nn, &l, c->batch, c->len, x, valid, yc, &cache), "lstm composed");
  }
  mt_run_free(&r);
}

static void test_lstm_inference_paths(void **state) {
  (void)state;
  static const lstm_inf_case cases[] = {
      {1, 50, 64, 64, 1, 0}, {1, 50, 64, 64, 1, 1}, {1, 1, 5, 7, 1, 0},  {3, 1, 4, 9, 2, 0},
      {7, 9, 5, 33, 2, 1},   {9, 12, 6, 5, 3, 3},   {6, 10, 4, 7, 2, 2}, {64, 50, 64, 64, 1, 1},
  };
  const char *names[8];
  int n_prov = conf_providers(names, 8);
  bndl_context *ref = conf_context("ref", 2);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const lstm_inf_case *c = &cases[k];
    if (conf_scale() < 2 && c->batch * c->len > 200)
      continue;
    int64_t n_in = c->batch * c->len * c->input, n_out = c->batch * c->len * c->hidden;
    float *x = conf_malloc((size_t)n_in * sizeof(float)), *yr = conf_malloc((size_t)n_out * sizeof(float));
    float *y = conf_malloc((size_t)n_out * sizeof(float)), *yc = conf_malloc((size_t)n_out * sizeof(float));
    float *y3 = conf_malloc((size_t)n_out * sizeof(float));
    uint8_t *valid = conf_malloc((size_t)(c->batch * c->len));
    mt_fill(17 + k, x, n_in, -1, 1);
    lstm_valid(c, valid);
    lstm_inf_run(ref, c, x, valid, yr, NULL);
    for (int p = 0; p < n_prov; p++) {
      bndl_context *c1 = conf_context(names[p], 1), *c3 = conf_context(names[p], 3);
      lstm_inf_run(c1, c, x, valid, y, yc);
      lstm_inf_run(c3, c, x, valid, y3, NULL);
      double e_comp = rel2(y, yc, n_out), e_ref = rel2(y, yr, n_out);
      printf("[lstm inference] %-8s B %3lld T %2lld in %2lld H %2lld layers %lld pattern %d: rel2 vs composed %.2e, "
             "vs ref %.2e\n",
             names[p], (long long)c->batch, (long long)c->len, (long long)c->input, (long long)c->hidden,
             (long long)c->layers, c->pattern, e_comp, e_ref);
      assert_true(e_comp <= 1e-5);
      assert_true(e_ref <= 1e-4);
      assert_true(conf_same_bits(y, y3, (size_t)n_out));
      for (int64_t i = 0; i < c->batch * c->len; i++)
        if (!valid[i])
          for (int64_t j = 0; j < c->hidden; j++)
            assert_true(y[i * c->hidden + j] == 0.0f);
      bndl_context_free(c1);
      bndl_context_free(c3);
    }
    free(x);
    free(yr);
    free(y);
    free(yc);
    free(y3);
    free(valid);
  }
  bndl_context_free(ref);
}

int main(void) {
  conf_filter();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_providers_match_ref),
      cmocka_unit_test(test_threads_bit_identical),
      cmocka_unit_test(test_dropout_masks),
      cmocka_unit_test(test_padding_isolation),
      cmocka_unit_test(test_lstm_inference_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
