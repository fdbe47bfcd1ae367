/*
 * test_model_optim.c - the optimizers, clipping and schedule (optim.h) and the
 * mini-batches (batches.h):
 *  - Adam, AdamW and SGD with momentum against the torch.optim formulas evaluated in
 *    double by this test (three steps on fixed values, weight decay on), within float
 *    rounding; Adam's first step is -lr sign(g) whatever |g| (a property torch has too);
 *  - a store of several blocks: the pool and the calling thread give bit-identical steps;
 *  - clip_grad_norm_: the gradient is scaled to norm c exactly when above c, untouched
 *    below;
 *  - the schedule's values at the warm-up, mid-decay and end points;
 *  - batches: left padding, the last max_len + 1 items, targets shifted by one and
 *    compacted with their row numbers, short sequences skipped, per-row negatives never
 *    equal to the positive, the epoch order a permutation that changes with the epoch,
 *    everything a function of (seed, epoch, step) only; popularity logQ values.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "model/batches.h"
#include "model/optim.h"
#include "test_support.h"

static void ok(bndl_status st, const char *what) {
  if (st != BNDL_OK)
    fail_msg("%s: %s", what, bndl_last_error_message());
}

/* one 5-value tensor and one 3-value tensor (so the padding between them is exercised) */
static void make_params(bndl_nn_params *p) {
  bndl_nn_param a, b;
  bndl_nn_params_init(p, bndl_default_allocator());
  ok(bndl_nn_params_add(p, "a", 1, 5, BNDL_NN_INIT_ZEROS, 0, &a), "add a");
  ok(bndl_nn_params_add(p, "b", 1, 3, BNDL_NN_INIT_ZEROS, 0, &b), "add b");
  ok(bndl_nn_params_alloc(p, 1), "alloc");
  const float w0[8] = {0.5f, -1.25f, 2.0f, 0.0f, 3.5f, -0.75f, 0.1f, 1.0f};
  for (int i = 0; i < 5; i++)
    p->value[p->tensors[0].offset + (size_t)i] = w0[i];
  for (int i = 0; i < 3; i++)
    p->value[p->tensors[1].offset + (size_t)i] = w0[5 + i];
}

/* the gradient of step s at value index i (the same formula for the reference) */
static double grad_at(int s, int i, double w) { return 0.3 * w + 0.2 * (i - 3) + 0.05 * s * (i % 2 ? 1 : -1); }

static void set_grads(bndl_nn_params *p, int s) {
  int idx = 0;
  for (int t = 0; t < 2; t++)
    for (int64_t j = 0; j < bndl_nn_numel(p, t); j++, idx++) {
      size_t o = p->tensors[t].offset + (size_t)j;
      p->grad[o] = (float)grad_at(s, idx, p->value[o]);
    }
}

static void check_optimizer(bndl_nn_optimizer kind) {
  bndl_nn_params p;
  make_params(&p);
  bndl_nn_optim_config c = {.kind = kind, .lr = 0.05, .weight_decay = 0.1, .momentum = 0.9, .beta1 = 0.9,
                            .beta2 = 0.98, .eps = 1e-8};
  bndl_nn_optim o;
  ok(bndl_nn_optim_init(&o, &p, &c), "init");
  double w[8], m[8] = {0}, v[8] = {0};
  int idx = 0;
  for (int t = 0; t < 2; t++)
    for (int64_t j = 0; j < bndl_nn_numel(&p, t); j++)
      w[idx++] = p.value[p.tensors[t].offset + (size_t)j];
  for (int s = 1; s <= 3; s++) {
    set_grads(&p, s);
    ok(bndl_nn_optim_step(&o, NULL, &p, NULL), "step");
    for (int i = 0; i < 8; i++) {
      double g = grad_at(s, i, w[i]); /* the float gradient differs by rounding only */
      if (kind == BNDL_NN_SGD) {
        g += c.weight_decay * w[i];
        m[i] = s == 1 ? g : c.momentum * m[i] + g;
        w[i] -= c.lr * m[i];
      } else {
        if (kind == BNDL_NN_ADAMW)
          w[i] *= 1 - c.lr * c.weight_decay;
        else
          g += c.weight_decay * w[i];
        m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
        v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
        double bc1 = 1 - pow(c.beta1, s), bc2 = 1 - pow(c.beta2, s);
        w[i] -= c.lr / bc1 * m[i] / (sqrt(v[i]) / sqrt(bc2) + c.eps);
      }
    }
    idx = 0;
    for (int t = 0; t < 2; t++)
      for (int64_t j = 0; j < bndl_nn_numel(&p, t); j++, idx++) {
        double got = p.value[p.tensors[t].offset + (size_t)j];
        if (fabs(got - w[idx]) > 2e-6 * fmax(1.0, fabs(w[idx])))
          fail_msg("optimizer %d step %d value %d: %.9g, expected %.9g", (int)kind, s, idx, got, w[idx]);
      }
  }
  /* padding between the tensors stays zero */
  for (size_t i = 5; i < p.tensors[1].offset; i++)
    assert_true(p.value[i] == 0.0f);
  bndl_nn_optim_free(&o);
  bndl_nn_params_free(&p);
}

static void test_optimizers(void **state) {
  (void)state;
  check_optimizer(BNDL_NN_ADAM);
  check_optimizer(BNDL_NN_ADAMW);
  check_optimizer(BNDL_NN_SGD);
}

static void test_adam_first_step_is_sign(void **state) {
  (void)state;
  bndl_nn_params p;
  make_params(&p);
  float before[8];
  memcpy(before, p.value, 8 * sizeof(float));
  const float g[8] = {1e-3f, -50.0f, 7.0f, 0.25f, -0.5f, 0, 0, 0};
  memcpy(p.grad, g, sizeof g);
  bndl_nn_optim_config c = {.kind = BNDL_NN_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
  bndl_nn_optim o;
  ok(bndl_nn_optim_init(&o, &p, &c), "init");
  ok(bndl_nn_optim_step(&o, NULL, &p, NULL), "step");
  for (int i = 0; i < 5; i++)
    assert_float_equal(p.value[i] - before[i], g[i] > 0 ? -0.01 : 0.01, 1e-6);
  bndl_nn_optim_free(&o);
  bndl_nn_params_free(&p);
}

static void test_clipping(void **state) {
  (void)state;
  bndl_nn_params p;
  make_params(&p);
  const float g[5] = {3, 0, -4, 0, 0}; /* norm 5 */
  for (int clip = 0; clip < 2; clip++) {
    bndl_nn_params_zero_grad(&p);
    memcpy(p.grad, g, sizeof g);
    p.grad[p.tensors[1].offset] = 12; /* norm 13 */
    float w0 = p.value[0];
    bndl_nn_optim_config c = {.kind = BNDL_NN_SGD, .lr = 1.0, .momentum = 0, .clip_norm = clip ? 6.5 : 20};
    bndl_nn_optim o;
    ok(bndl_nn_optim_init(&o, &p, &c), "init");
    double norm;
    ok(bndl_nn_optim_step(&o, NULL, &p, &norm), "step");
    assert_float_equal(norm, 13.0, 1e-9);
    double scale = clip ? 6.5 / (13.0 + 1e-6) : 1.0;
    assert_float_equal(bndl_nn_grad_norm(&p), 13.0 * scale, 1e-5);
    assert_float_equal(p.value[0], w0 - 3.0 * scale, 1e-5);
    bndl_nn_optim_free(&o);
  }
  /* a non-finite gradient is refused and changes nothing */
  p.grad[1] = NAN;
  float w1 = p.value[1];
  bndl_nn_optim_config c = {.kind = BNDL_NN_ADAM, .lr = 0.1, .beta1 = 0.9, .beta2 = 0.99};
  bndl_nn_optim o;
  ok(bndl_nn_optim_init(&o, &p, &c), "init");
  assert_int_equal(bndl_nn_optim_step(&o, NULL, &p, NULL), BNDL_ERR_STATE);
  test_assert_error_contains("not finite");
  assert_true(p.value[1] == w1);
  bndl_nn_optim_free(&o);
  /* bad configurations */
  c.beta2 = 1.0;
  assert_int_equal(bndl_nn_optim_init(&o, &p, &c), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("betas");
  c.beta2 = 0.99;
  c.lr = -1;
  assert_int_equal(bndl_nn_optim_init(&o, &p, &c), BNDL_ERR_INVALID_ARGUMENT);
  c.lr = 0.1;
  c.kind = (bndl_nn_optimizer)9;
  assert_int_equal(bndl_nn_optim_init(&o, &p, &c), BNDL_ERR_INVALID_ARGUMENT);
  bndl_nn_params_free(&p);
}

/* a store of several 64K blocks: the pool (2 threads) and the calling thread give
 * bit-identical steps, and the blocked norm equals the serial one */
static void test_blocks_on_pool(void **state) {
  (void)state;
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = 2;
  bndl_context *ctx;
  ok(bndl_context_create(&desc, &ctx), "context");
  bndl_nn_params p[2];
  for (int k = 0; k < 2; k++) {
    bndl_nn_param id;
    bndl_nn_params_init(&p[k], bndl_default_allocator());
    ok(bndl_nn_params_add(&p[k], "big", 1000, 250, BNDL_NN_INIT_NORMAL, 1.0f, &id), "add");
    ok(bndl_nn_params_alloc(&p[k], 5), "alloc");
  }
  bndl_nn_optim_config c = {.kind = BNDL_NN_ADAMW, .lr = 0.01, .weight_decay = 0.01, .beta1 = 0.9, .beta2 = 0.999,
                            .eps = 1e-8, .clip_norm = 10};
  bndl_nn_optim o[2];
  for (int k = 0; k < 2; k++)
    ok(bndl_nn_optim_init(&o[k], &p[k], &c), "init");
  for (int s = 0; s < 3; s++) {
    double norm[2];
    for (int k = 0; k < 2; k++) {
      for (size_t i = 0; i < p[k].total; i++)
        p[k].grad[i] = (float)sin(0.001 * (double)i + s) * 0.05f;
      double ref = bndl_nn_grad_norm(&p[k]);
      ok(bndl_nn_optim_step(&o[k], k ? ctx : NULL, &p[k], &norm[k]), "step");
      assert_float_equal(norm[k], ref, 1e-9 * ref);
    }
    assert_true(norm[0] == norm[1]);
    assert_memory_equal(p[0].value, p[1].value, p[0].total * sizeof(float));
  }
  for (int k = 0; k < 2; k++) {
    bndl_nn_optim_free(&o[k]);
    bndl_nn_params_free(&p[k]);
  }
  bndl_context_free(ctx);
}

static void test_schedule(void **state) {
  (void)state;
  bndl_nn_optim_config c = {.lr = 0.1, .schedule = BNDL_NN_LR_CONSTANT, .warmup_steps = 10, .total_steps = 110};
  assert_float_equal(bndl_nn_lr_at(&c, 0), 0.01, 1e-12);
  assert_float_equal(bndl_nn_lr_at(&c, 4), 0.05, 1e-12);
  assert_float_equal(bndl_nn_lr_at(&c, 9), 0.1, 1e-12);
  assert_float_equal(bndl_nn_lr_at(&c, 100), 0.1, 1e-12);
  c.schedule = BNDL_NN_LR_LINEAR;
  assert_float_equal(bndl_nn_lr_at(&c, 10), 0.1, 1e-12);
  assert_float_equal(bndl_nn_lr_at(&c, 60), 0.05, 1e-12);
  assert_float_equal(bndl_nn_lr_at(&c, 110), 0.0, 1e-12);
  c.schedule = BNDL_NN_LR_COSINE;
  assert_float_equal(bndl_nn_lr_at(&c, 10), 0.1, 1e-12);
  assert_float_equal(bndl_nn_lr_at(&c, 60), 0.05, 1e-12);
  assert_float_equal(bndl_nn_lr_at(&c, 35), 0.05 * (1 + cos(3.14159265358979323846 / 4)), 1e-12);
  assert_float_equal(bndl_nn_lr_at(&c, 500), 0.0, 1e-12);
  c.warmup_steps = 0;
  assert_float_equal(bndl_nn_lr_at(&c, 0), 0.1, 1e-12);
}

/* 5 sequences: lengths 4, 1, 9, 2, 0 (items 10 u + i), types i % 3 */
typedef struct seqs {
  int64_t off[6];
  int32_t items[16], types[16];
  bndl_nn_sequences s;
} seqs;

static void make_seqs(seqs *q) {
  const int64_t len[5] = {4, 1, 9, 2, 0};
  q->off[0] = 0;
  for (int u = 0; u < 5; u++) {
    q->off[u + 1] = q->off[u] + len[u];
    for (int64_t i = 0; i < len[u]; i++) {
      q->items[q->off[u] + i] = (int32_t)(10 * u + i);
      q->types[q->off[u] + i] = (int32_t)(i % 3);
    }
  }
  q->s = (bndl_nn_sequences){5, q->off, q->items, q->types};
}

static void test_batches(void **state) {
  (void)state;
  seqs q;
  make_seqs(&q);
  bndl_nn_batch_config c = {.batch = 2, .max_len = 5, .n_items = 50, .loss = BNDL_NN_LOSS_BCE, .n_neg = 3,
                            .sampler = BNDL_NN_SAMPLE_UNIFORM, .seed = 9};
  bndl_nn_batcher b;
  ok(bndl_nn_batcher_init(&b, bndl_default_allocator(), &q.s, NULL, &c), "init");
  assert_int_equal(b.n_examples, 3); /* sequences 0, 2, 3 */
  assert_int_equal(bndl_nn_batcher_steps(&b), 2);
  bndl_nn_batcher_epoch(&b, 0);
  int seen[5] = {0};
  for (int i = 0; i < 3; i++)
    seen[b.order[i]]++;
  assert_true(seen[0] == 1 && seen[2] == 1 && seen[3] == 1);
  /* find the batch holding sequence 2 and check its window */
  int found = 0;
  for (int64_t idx = 0; idx < 2; idx++) {
    bndl_nn_batch bt;
    bndl_nn_targets t;
    const int64_t *row;
    bndl_nn_batcher_fill(&b, idx, 100 + (uint64_t)idx, &bt, &t, &row);
    assert_int_equal(bt.len, 5);
    assert_int_equal(t.rows, 0 + (bt.batch == 2 ? (b.order[2 * idx] == 2 ? 5 : b.order[2 * idx] == 0 ? 3 : 1) +
                                                      (b.order[2 * idx + 1] == 2   ? 5
                                                       : b.order[2 * idx + 1] == 0 ? 3
                                                                                   : 1)
                                                : (b.order[2] == 2 ? 5 : b.order[2] == 0 ? 3 : 1)));
    int64_t r = 0;
    for (int64_t s = 0; s < bt.batch; s++) {
      int64_t u = b.order[2 * idx + s], l = q.off[u + 1] - q.off[u], m = l < 6 ? l : 6;
      for (int64_t p = 0; p < 5; p++) {
        int64_t k = p - (5 - (m - 1)); /* index in the window of inputs */
        int32_t want = k < 0 ? -1 : q.items[q.off[u] + (l - m) + k];
        assert_int_equal(bt.items[s * 5 + p], want);
        if (k >= 0) {
          assert_int_equal(bt.types[s * 5 + p], q.types[q.off[u] + (l - m) + k]);
          assert_int_equal(row[r], s * 5 + p);
          assert_int_equal(t.pos[r], want + 1); /* the next item */
          for (int j = 0; j < 3; j++) {
            int32_t neg = t.neg[r * 3 + j];
            assert_true(neg >= 0 && neg < 50 && neg != t.pos[r]);
          }
          r++;
        }
      }
      found += u == 2;
    }
    assert_int_equal(r, t.rows);
    assert_true(t.logq_pos == NULL && !t.shared_neg);
    /* the same (epoch, index, step) again: the same batch */
    int32_t negs[64];
    memcpy(negs, t.neg, (size_t)(t.rows * 3) * sizeof(int32_t));
    bndl_nn_batcher_fill(&b, idx, 100 + (uint64_t)idx, &bt, &t, &row);
    assert_memory_equal(negs, t.neg, (size_t)(t.rows * 3) * sizeof(int32_t));
    bndl_nn_batcher_fill(&b, idx, 7777, &bt, &t, &row);
    assert_true(memcmp(negs, t.neg, (size_t)(t.rows * 3) * sizeof(int32_t)) != 0);
  }
  assert_int_equal(found, 1);
  /* orders over epochs: a permutation each time, not always the same */
  int64_t first[3];
  memcpy(first, b.order, sizeof first);
  int differ = 0;
  for (int64_t e = 1; e < 8; e++) {
    bndl_nn_batcher_epoch(&b, e);
    differ += memcmp(first, b.order, sizeof first) != 0;
  }
  assert_true(differ > 0);
  bndl_nn_batcher_free(&b);

  /* prefixes: sequence 2 cut to 3 items keeps its first 3 */
  int64_t len[5] = {4, 1, 3, 1, 0};
  ok(bndl_nn_batcher_init(&b, bndl_default_allocator(), &q.s, len, &c), "prefix init");
  assert_int_equal(b.n_examples, 2);
  bndl_nn_batcher_epoch(&b, 3);
  bndl_nn_batch bt;
  bndl_nn_targets t;
  const int64_t *row;
  bndl_nn_batcher_fill(&b, 0, 1, &bt, &t, &row);
  int64_t s2 = b.order[0] == 2 ? 0 : 1;
  assert_int_equal(bt.items[s2 * 5 + 3], 20);
  assert_int_equal(bt.items[s2 * 5 + 4], 21);
  assert_int_equal(bt.items[s2 * 5 + 2], -1);
  bndl_nn_batcher_free(&b);

  /* nothing to learn from */
  int64_t ones[5] = {1, 1, 1, 1, 0};
  assert_int_equal(bndl_nn_batcher_init(&b, bndl_default_allocator(), &q.s, ones, &c), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("2 or more items");
}

static void test_shared_and_popularity(void **state) {
  (void)state;
  seqs q;
  make_seqs(&q);
  bndl_nn_batch_config c = {.batch = 4, .max_len = 3, .n_items = 50, .loss = BNDL_NN_LOSS_SAMPLED_SOFTMAX,
                            .n_neg = 200, .shared_neg = 1, .sampler = BNDL_NN_SAMPLE_POPULARITY, .alpha = 1.0,
                            .seed = 3};
  bndl_nn_batcher b;
  ok(bndl_nn_batcher_init(&b, bndl_default_allocator(), &q.s, NULL, &c), "init");
  bndl_nn_batcher_epoch(&b, 0);
  bndl_nn_batch bt;
  bndl_nn_targets t;
  const int64_t *row;
  bndl_nn_batcher_fill(&b, 0, 0, &bt, &t, &row);
  assert_true(t.shared_neg && t.n_neg == 200 && t.remove_accidental_hits);
  /* targets are items 1..3 of seq 0, 1..8 of seq 2, 1 of seq 3: 12 equally often, so
   * every sampled negative is one of them and log q = -log 12 */
  for (int j = 0; j < 200; j++) {
    int32_t id = t.neg[j];
    int u = id / 10, i = id % 10;
    assert_true(i >= 1 && ((u == 0 && i <= 3) || (u == 2 && i <= 8) || (u == 3 && i == 1)));
    assert_float_equal(t.logq_neg[j], -log(12.0), 1e-6);
  }
  for (int64_t r = 0; r < t.rows; r++)
    assert_float_equal(t.logq_pos[r], -log(12.0), 1e-6);
  bndl_nn_batcher_free(&b);
  /* "all": every item, in order */
  c.sampler = BNDL_NN_SAMPLE_ALL;
  ok(bndl_nn_batcher_init(&b, bndl_default_allocator(), &q.s, NULL, &c), "init all");
  bndl_nn_batcher_epoch(&b, 0);
  bndl_nn_batcher_fill(&b, 0, 0, &bt, &t, &row);
  assert_int_equal(t.n_neg, 50);
  for (int j = 0; j < 50; j++)
    assert_int_equal(t.neg[j], j);
  assert_true(t.logq_pos == NULL);
  bndl_nn_batcher_free(&b);
  c.shared_neg = 0;
  assert_int_equal(bndl_nn_batcher_init(&b, bndl_default_allocator(), &q.s, NULL, &c), BNDL_ERR_INVALID_ARGUMENT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_optimizers), cmocka_unit_test(test_adam_first_step_is_sign),
      cmocka_unit_test(test_clipping),   cmocka_unit_test(test_schedule), cmocka_unit_test(test_blocks_on_pool),
      cmocka_unit_test(test_batches),    cmocka_unit_test(test_shared_and_popularity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
