/*
 * test_model_train.c - the trainer (train.h) and the evaluation protocols (evaluate.h):
 *  - learning: sequences whose next item is a fixed function of the previous one are
 *    learnt by both encoders (full-ranking NDCG@10 of the held-out last items > 0.9,
 *    from about 0.1 untrained), and the epoch loss falls;
 *  - determinism: the same seed gives bit-identical parameters, on 1 and on 2 threads;
 *    another seed does not;
 *  - the best parameters are kept: a run cancelled after epoch 2 ends with exactly the
 *    parameters of a 2-epoch run (both at their best validation) (BNDL_ERR_CANCELLED, a message that says so); early
 *    stopping after `patience` validations without improvement;
 *  - bad inputs: empty data, nothing of length 2, items / types out of range, missing
 *    event types, misaligned validation data, a diverging rate (BNDL_ERR_STATE), and
 *    the config reader;
 *  - evaluate: full-ranking and sampled NDCG / HIT equal a brute-force ranking from the
 *    encoder's own states; masking and sampling exclude the user's items.
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

#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/rng.h"
#include "model/evaluate.h"
#include "model/train.h"
#include "test_support.h"

static void ok(bndl_status st, const char *what) {
  if (st != BNDL_OK)
    fail_msg("%s: %s", what, bndl_last_error_message());
}

enum { N_ITEMS = 40, N_USERS = 240 };

/* next = (3 prev + 1) mod 40 from a random start, lengths 4..13, types alternating */
typedef struct synth {
  int64_t off[N_USERS + 1];
  int32_t items[N_USERS * 13], types[N_USERS * 13];
  bndl_nn_sequences s;
} synth;

static void make_synth(synth *d, uint64_t seed) {
  bndl_rng r;
  bndl_rng_seed(&r, seed, 0);
  d->off[0] = 0;
  for (int u = 0; u < N_USERS; u++) {
    int64_t len = 4 + (int64_t)bndl_rng_below(&r, 10);
    int32_t x = (int32_t)bndl_rng_below(&r, N_ITEMS);
    for (int64_t i = 0; i < len; i++) {
      d->items[d->off[u] + i] = x;
      d->types[d->off[u] + i] = (int32_t)(i % 2);
      x = (3 * x + 1) % N_ITEMS;
    }
    d->off[u + 1] = d->off[u] + len;
  }
  d->s = (bndl_nn_sequences){N_USERS, d->off, d->items, d->types};
}

typedef struct model {
  bndl_context *ctx;
  bndl_nn_params params;
  bndl_nn_encoder enc;
} model;

static void make_model(model *m, int32_t threads, bndl_nn_encoder_kind kind, int64_t n_types) {
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  ok(bndl_context_create(&desc, &m->ctx), "context");
  bndl_nn_encoder_config c = {.kind = kind, .n_items = N_ITEMS, .max_len = 8, .dim = 16, .layers = 1, .heads = 2,
                              .hidden = 0, .n_event_types = n_types, .dropout = 0.1f, .attn_dropout = 0.1f};
  bndl_nn_params_init(&m->params, &m->ctx->alloc);
  ok(bndl_nn_encoder_build(&m->params, &c, &m->enc), "build");
  ok(bndl_nn_params_alloc(&m->params, 17), "alloc");
}

static void free_model(model *m) {
  bndl_nn_params_free(&m->params);
  bndl_context_free(m->ctx);
}

static bndl_nn_train_options options(int softmax) {
  bndl_nn_train_options o;
  ok(bndl_nn_train_options_from_config(NULL, 1234, &o), "defaults");
  o.epochs = 40;
  o.batch = 32;
  o.lr = 0.01;
  o.patience = 0;
  o.valid_every = 5;
  o.valid_users = 0;
  if (softmax) {
    o.loss = BNDL_NN_LOSS_SAMPLED_SOFTMAX;
    o.shared_negatives = 1;
    o.negatives = 16;
  }
  return o;
}

/* full-ranking NDCG@10 of every sequence's last item (input: the rest) */
static double ndcg_last(model *m, const synth *d) {
  int64_t in[N_USERS];
  int32_t target[N_USERS];
  for (int u = 0; u < N_USERS; u++) {
    in[u] = d->off[u + 1] - d->off[u] - 1;
    target[u] = d->items[d->off[u + 1] - 1];
  }
  bndl_nn_eval_set set = {.seq = &d->s, .input_len = in, .exclude_len = NULL, .targets = target};
  bndl_nn_eval_options eo = {.protocol = BNDL_NN_EVAL_FULL, .k = 10, .seed = 1};
  bndl_nn_eval_result r;
  ok(bndl_nn_evaluate(m->ctx, &m->enc, &m->params, NULL, &set, &eo, &r), "evaluate");
  assert_int_equal(r.users, N_USERS);
  return r.ndcg;
}

typedef struct trace {
  double loss[64], metric[64];
  int64_t n, cancel_after;
} trace;

static int record(void *ud, const bndl_nn_train_progress *p) {
  trace *t = ud;
  assert_int_equal(p->epoch, t->n + 1);
  assert_true(p->seconds >= 0 && p->eta_seconds >= 0);
  t->loss[t->n] = p->loss;
  t->metric[t->n++] = p->metric;
  return t->cancel_after > 0 && p->epoch >= t->cancel_after;
}

static void learn(bndl_nn_encoder_kind kind, int softmax) {
  synth d;
  make_synth(&d, 5);
  model m;
  make_model(&m, 2, kind, 0);
  double before = ndcg_last(&m, &d);
  bndl_nn_train_options o = options(softmax);
  trace tr = {0};
  bndl_nn_train_report rep;
  bndl_nn_sequences s = d.s;
  s.types = NULL;
  ok(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, record, &tr, &rep), "train");
  double after = ndcg_last(&m, &d);
  printf("%s %s: NDCG@10 %.3f -> %.3f (valid %.3f at epoch %lld), loss %.3f -> %.3f, %.2f s\n",
         bndl_nn_encoder_kind_name(kind), softmax ? "sampled softmax" : "bce", before, after, rep.best_metric,
         (long long)rep.best_epoch, tr.loss[0], tr.loss[tr.n - 1], rep.seconds);
  assert_int_equal(rep.epochs_run, 40);
  assert_int_equal(tr.n, 40);
  assert_true(before < 0.3);
  assert_true(after > 0.9);
  assert_true(rep.best_metric > 0.9);
  assert_true(tr.loss[tr.n - 1] < 0.5 * tr.loss[0]);
  assert_true(isnan(tr.metric[0]) && !isnan(tr.metric[4]));
  free_model(&m);
}

static void test_learn_sasrec(void **state) {
  (void)state;
  learn(BNDL_NN_ENCODER_SASREC, 0);
  learn(BNDL_NN_ENCODER_SASREC, 1);
}

static void test_learn_lstm(void **state) {
  (void)state;
  learn(BNDL_NN_ENCODER_LSTM, 1);
  learn(BNDL_NN_ENCODER_LSTM, 0);
}

/* trains a fresh model for `epochs`; returns its values (malloc) */
static float *train_values(int32_t threads, bndl_nn_encoder_kind kind, uint64_t seed, int64_t epochs,
                           int64_t cancel_after, bndl_status want, size_t *n) {
  synth d;
  make_synth(&d, 8);
  model m;
  make_model(&m, threads, kind, 2);
  bndl_nn_train_options o = options(kind == BNDL_NN_ENCODER_LSTM);
  o.epochs = epochs;
  o.seed = seed;
  o.valid_every = 1;
  o.lr = 0.003;
  trace tr = {.cancel_after = cancel_after};
  bndl_nn_train_report rep;
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &d.s, NULL, &o, record, &tr, &rep), want);
  if (want == BNDL_ERR_CANCELLED) {
    test_assert_error_contains("cancelled");
    test_assert_error_contains("best so far");
  }
  *n = m.params.total;
  float *v = malloc(*n * sizeof(float));
  memcpy(v, m.params.value, *n * sizeof(float));
  free_model(&m);
  return v;
}

static void test_determinism(void **state) {
  (void)state;
  for (int k = 0; k < 2; k++) {
    bndl_nn_encoder_kind kind = k ? BNDL_NN_ENCODER_LSTM : BNDL_NN_ENCODER_SASREC;
    size_t n1, n2, n3, n4;
    float *a = train_values(1, kind, 99, 3, 0, BNDL_OK, &n1);
    float *b = train_values(2, kind, 99, 3, 0, BNDL_OK, &n2);
    float *c = train_values(2, kind, 99, 3, 0, BNDL_OK, &n3);
    float *e = train_values(2, kind, 98, 3, 0, BNDL_OK, &n4);
    assert_true(n1 == n2 && n2 == n3 && n3 == n4);
    assert_memory_equal(a, b, n1 * sizeof(float));
    assert_memory_equal(b, c, n1 * sizeof(float));
    assert_true(memcmp(a, e, n1 * sizeof(float)) != 0);
    free(a);
    free(b);
    free(c);
    free(e);
  }
}

static void test_cancel_keeps_best(void **state) {
  (void)state;
  size_t n1, n2;
  /* both runs validate every epoch and end at their best of epochs 1-2; training is
   * deterministic, so the cancelled 5-epoch run must hold what the 2-epoch run holds */
  float *two = train_values(2, BNDL_NN_ENCODER_SASREC, 7, 2, 0, BNDL_OK, &n1);
  float *cancelled = train_values(2, BNDL_NN_ENCODER_SASREC, 7, 5, 2, BNDL_ERR_CANCELLED, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(two, cancelled, n1 * sizeof(float));
  free(two);
  free(cancelled);
}

static void test_early_stopping(void **state) {
  (void)state;
  synth d;
  make_synth(&d, 3);
  model m;
  make_model(&m, 1, BNDL_NN_ENCODER_SASREC, 0);
  bndl_nn_train_options o = options(0);
  o.lr = 0; /* nothing changes, so the first validation stays the best */
  o.epochs = 20;
  o.valid_every = 2;
  o.patience = 3;
  bndl_nn_train_report rep;
  bndl_nn_sequences s = d.s;
  s.types = NULL;
  ok(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep), "train");
  assert_true(rep.stopped_early);
  assert_int_equal(rep.best_epoch, 2);
  assert_int_equal(rep.epochs_run, 8); /* validations at 2 (best), 4, 6, 8 */
  assert_int_equal(rep.steps, 8 * ((N_USERS + 31) / 32));
  assert_int_equal(rep.train_sequences, N_USERS);
  assert_int_equal(rep.valid_users, N_USERS);
  free_model(&m);
}

static void test_bad_inputs(void **state) {
  (void)state;
  synth d;
  make_synth(&d, 4);
  model m;
  make_model(&m, 1, BNDL_NN_ENCODER_SASREC, 2);
  bndl_nn_train_options o = options(0);
  o.epochs = 1;
  bndl_nn_train_report rep;
  bndl_nn_sequences s = d.s;

  s.count = 0;
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("no sequences");
  s = d.s;
  int64_t ones[N_USERS + 1];
  for (int u = 0; u <= N_USERS; u++)
    ones[u] = u;
  s.offsets = ones; /* every sequence one item long */
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("2 or more items");
  s = d.s;
  d.items[5] = N_ITEMS;
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("item 40 outside");
  d.items[5] = 0;
  d.types[7] = 2;
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("event type 2");
  d.types[7] = 1;
  s.types = NULL;
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("event types");
  s = d.s;
  int64_t voff[3] = {0, 1, 2};
  int32_t vitems[2] = {1, 2};
  bndl_nn_sequences v = {2, voff, vitems, NULL};
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, &v, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("align");
  int64_t bad_off[N_USERS + 1];
  memcpy(bad_off, d.off, sizeof bad_off);
  bad_off[3] = bad_off[2] - 1;
  s.offsets = bad_off;
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("offsets decrease");
  s = d.s;
  o.batch = 0;
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  o = options(0);
  o.sampler = BNDL_NN_SAMPLE_ALL;
  assert_int_equal(bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep),
                   BNDL_ERR_INVALID_ARGUMENT);
  /* divergence: an absurd rate without clipping */
  o = options(0);
  o.lr = 1e30;
  o.clip = 0;
  o.epochs = 3;
  bndl_status st = bndl_nn_train(m.ctx, &m.enc, &m.params, NULL, &s, NULL, &o, NULL, NULL, &rep);
  assert_int_equal(st, BNDL_ERR_STATE);
  printf("diverged: %s\n", bndl_last_error_message());
  free_model(&m);
}

static void test_config(void **state) {
  (void)state;
  bndl_config *cfg;
  ok(bndl_config_new(bndl_default_allocator(), &cfg), "config");
  bndl_nn_train_options o;
  ok(bndl_nn_train_options_from_config(cfg, 77, &o), "defaults");
  assert_true(o.seed == 77 && o.loss == BNDL_NN_LOSS_BCE && o.negatives == 1 && !o.shared_negatives);
  assert_true(o.optimizer == BNDL_NN_ADAM && o.epochs == 200 && o.batch == 128 && o.beta2 == 0.98);
  ok(bndl_config_put_text(cfg, "train.loss", "sampled_softmax"), "loss");
  ok(bndl_config_put_text(cfg, "train.optimizer", "adamw"), "optimizer");
  ok(bndl_config_put_text(cfg, "train.lr_schedule", "cosine"), "schedule");
  ok(bndl_config_put_text(cfg, "train.sampler", "popularity"), "sampler");
  ok(bndl_config_put_text(cfg, "train.seed", "5"), "seed");
  ok(bndl_nn_train_options_from_config(cfg, 77, &o), "read");
  assert_true(o.seed == 5 && o.loss == BNDL_NN_LOSS_SAMPLED_SOFTMAX && o.negatives == 256 && o.shared_negatives);
  assert_true(o.optimizer == BNDL_NN_ADAMW && o.schedule == BNDL_NN_LR_COSINE && o.sampler == BNDL_NN_SAMPLE_POPULARITY);
  ok(bndl_config_put_text(cfg, "train.loss", "bce"), "loss");
  ok(bndl_config_put_text(cfg, "train.sampler", "all"), "sampler");
  assert_int_equal(bndl_nn_train_options_from_config(cfg, 77, &o), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("sampled_softmax");
  bndl_config_destroy(cfg);
}

static double brute_rank_ndcg(model *m, const synth *d, const int64_t *in, const int64_t *ex, const int32_t *target,
                              int sampled, uint64_t seed, double *hit) {
  /* states by the encoder itself, scores in double, ranks by counting */
  bndl_nn_arena arena;
  bndl_nn_arena_init(&arena, &m->ctx->alloc, 0);
  bndl_nn nn = {.ctx = m->ctx, .params = &m->params, .arena = &arena};
  int64_t T = m->enc.cfg.max_len, dmn = m->enc.cfg.dim;
  const float *E = bndl_nn_value(&m->params, bndl_nn_encoder_items(&m->enc)->table);
  double s_ndcg = 0, s_hit = 0;
  int64_t users = 0;
  int32_t items[8];
  float *out = malloc((size_t)(T * dmn) * sizeof(float));
  for (int64_t u = 0; u < N_USERS; u++) {
    if (target[u] < 0 || in[u] < 1)
      continue;
    users++;
    int64_t take = in[u] < T ? in[u] : T;
    for (int64_t p = 0; p < T; p++)
      items[p] = p < T - take ? -1 : d->items[d->off[u] + in[u] - take + (p - (T - take))];
    bndl_nn_batch b = {.batch = 1, .len = T, .items = items};
    ok(bndl_nn_encoder_forward(&nn, &m->enc, &b, out, NULL), "forward");
    const float *h = out + (T - 1) * dmn;
    double sc[N_ITEMS];
    for (int j = 0; j < N_ITEMS; j++) {
      float acc = 0;
      for (int64_t c = 0; c < dmn; c++)
        acc += h[c] * E[j * dmn + c];
      sc[j] = acc;
    }
    int masked[N_ITEMS] = {0};
    for (int64_t p = 0; p < ex[u]; p++)
      masked[d->items[d->off[u] + p]] = 1;
    int64_t rank = 0;
    if (!sampled) {
      for (int j = 0; j < N_ITEMS; j++)
        rank += j != target[u] && !masked[j] && sc[j] > sc[target[u]];
    } else {
      bndl_rng r;
      bndl_rng_seed(&r, seed ^ 0x6576616cull, (uint64_t)u);
      for (int k = 0; k < 5; k++) {
        int64_t j;
        do
          j = (int64_t)bndl_rng_below(&r, N_ITEMS);
        while (masked[j]);
        rank += sc[j] > sc[target[u]];
      }
    }
    if (rank < 3) {
      s_ndcg += 1 / log2(rank + 2.0);
      s_hit += 1;
    }
  }
  free(out);
  bndl_nn_arena_free(&arena);
  *hit = s_hit / (double)users;
  return s_ndcg / (double)users;
}

static void test_evaluate(void **state) {
  (void)state;
  synth d;
  make_synth(&d, 6);
  d.s.types = NULL;
  model m;
  make_model(&m, 2, BNDL_NN_ENCODER_SASREC, 0);
  int64_t in[N_USERS], ex[N_USERS];
  int32_t target[N_USERS];
  for (int u = 0; u < N_USERS; u++) {
    int64_t l = d.off[u + 1] - d.off[u];
    in[u] = l - 1;
    ex[u] = l - 2;
    target[u] = u % 7 == 3 ? -1 : d.items[d.off[u] + l - 1];
  }
  for (int sampled = 0; sampled < 2; sampled++) {
    bndl_nn_eval_set set = {.seq = &d.s, .input_len = in, .exclude_len = ex, .targets = target};
    bndl_nn_eval_options eo = {.protocol = sampled ? BNDL_NN_EVAL_SAMPLED : BNDL_NN_EVAL_FULL, .k = 3, .n_neg = 5,
                               .seed = 21};
    bndl_nn_eval_result r;
    ok(bndl_nn_evaluate(m.ctx, &m.enc, &m.params, NULL, &set, &eo, &r), "evaluate");
    double hit, ndcg = brute_rank_ndcg(&m, &d, in, ex, target, sampled, 21, &hit);
    printf("%s: NDCG@3 %.4f (brute force %.4f), HIT@3 %.4f (%.4f), %lld users\n", sampled ? "sampled" : "full",
           r.ndcg, ndcg, r.hit, hit, (long long)r.users);
    assert_int_equal(r.users, N_USERS - (N_USERS + 3) / 7);
    assert_float_equal(r.ndcg, ndcg, 1e-12);
    assert_float_equal(r.hit, hit, 1e-12);
    /* a user sample: as many users as asked, the same each time */
    eo.max_users = 50;
    bndl_nn_eval_result r1, r2;
    ok(bndl_nn_evaluate(m.ctx, &m.enc, &m.params, NULL, &set, &eo, &r1), "sample");
    ok(bndl_nn_evaluate(m.ctx, &m.enc, &m.params, NULL, &set, &eo, &r2), "sample again");
    assert_int_equal(r1.users, 50);
    assert_true(r1.ndcg == r2.ndcg && r1.hit == r2.hit);
  }
  bndl_nn_eval_set set = {.seq = &d.s, .input_len = in, .exclude_len = ex, .targets = target};
  bndl_nn_eval_options eo = {.protocol = BNDL_NN_EVAL_FULL, .k = 0};
  bndl_nn_eval_result r;
  assert_int_equal(bndl_nn_evaluate(m.ctx, &m.enc, &m.params, NULL, &set, &eo, &r), BNDL_ERR_INVALID_ARGUMENT);
  eo.k = 10;
  target[0] = N_ITEMS;
  assert_int_equal(bndl_nn_evaluate(m.ctx, &m.enc, &m.params, NULL, &set, &eo, &r), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("target 40");
  free_model(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_evaluate),         cmocka_unit_test(test_config),
      cmocka_unit_test(test_bad_inputs),       cmocka_unit_test(test_early_stopping),
      cmocka_unit_test(test_cancel_keeps_best), cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_learn_sasrec),     cmocka_unit_test(test_learn_lstm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
