/*
 * model_dump.c - runs both encoders of src/model/ forward and backward on fixed seeded
 * weights and inputs and writes everything to one file for the PyTorch cross-check
 * (torch_oracle.py). Not a test by itself.
 *
 *   model_dump OUT [--backend NAME]...      (default: every provider built)
 *
 * Runs, per provider (B = 4 sequences of T = 10 with 0, 3, 6 and 9 padded positions,
 * event types, 4 item features):
 *   sasrec_bce          SASRec, 2 blocks, d 32, 2 heads, ReLU, eps 1e-8, BCE with 3
 *                       negatives per position, no dropout
 *   sasrec_softmax      the same with GELU, sampled softmax over 8 shared negatives with
 *                       logQ correction and an accidental hit
 *   sasrec_dropout      sasrec_bce with dropout 0.3 everywhere; every mask is written
 *   lstm_softmax        LSTM, 2 layers, d 32, sampled softmax, 3 negatives per position,
 *                       logQ, an accidental hit, no dropout
 *   lstm_bce            the same with BCE
 *   lstm_dropout        lstm_softmax with dropout 0.3; masks written
 *   lstm_proj           hidden 48 (projected back to 32), BCE
 *
 * File: "BNDLTDMP", u32 version 1, u32 record count, then records
 *   u16 name length, name ("<provider>/<run>/<kind>/<tensor>"), u8 dtype (0 f32, 1 i32,
 *   2 u8, 3 f64), u8 ndim, i64 dims[ndim], the data (little-endian, row-major).
 * Kinds: cfg (f64 scalars), in (inputs), param (values), grad, out (encoder output,
 * loss; states_infer: the inference forward's output, runs without dropout), mask (dropout keep flags, one per site).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "core/context.h"
#include "model/encoders.h"
#include "model/loss.h"

#define CHECK(call)                                                                          \
  do {                                                                                       \
    if ((call) != BNDL_OK) {                                                                 \
      fprintf(stderr, "model_dump: %s failed: %s\n", #call, bndl_last_error_message());      \
      exit(1);                                                                               \
    }                                                                                        \
  } while (0)

enum { B = 4, T = 10, ROWS = B * T, D = 32, N_ITEMS = 50, N_TYPES = 3, N_FEAT = 4 };
enum { DT_F32 = 0, DT_I32 = 1, DT_U8 = 2, DT_F64 = 3 };

static FILE *g_out;
static uint32_t g_count;
static char g_prefix[128];

static void put(const char *kind, const char *name, int dtype, int ndim, const int64_t *dims, const void *data) {
  char full[256];
  snprintf(full, sizeof full, "%s/%s/%s", g_prefix, kind, name);
  uint16_t len = (uint16_t)strlen(full);
  uint8_t dt = (uint8_t)dtype, nd = (uint8_t)ndim;
  int64_t n = 1;
  for (int i = 0; i < ndim; i++)
    n *= dims[i];
  static const size_t size[4] = {4, 4, 1, 8};
  if (fwrite(&len, 2, 1, g_out) != 1 || fwrite(full, 1, len, g_out) != len || fwrite(&dt, 1, 1, g_out) != 1 ||
      fwrite(&nd, 1, 1, g_out) != 1 || (ndim && fwrite(dims, 8, (size_t)ndim, g_out) != (size_t)ndim) ||
      (n && fwrite(data, size[dtype], (size_t)n, g_out) != (size_t)n)) {
    fprintf(stderr, "model_dump: write failed\n");
    exit(1);
  }
  g_count++;
}

static void put_cfg(const char *name, double v) { put("cfg", name, DT_F64, 0, NULL, &v); }

static void put2(const char *kind, const char *name, int dtype, int64_t r, int64_t c, const void *data) {
  int64_t dims[2] = {r, c};
  put(kind, name, dtype, 2, dims, data);
}

static uint64_t g_state;
static double uniform(void) {
  uint64_t z = (g_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}
static int32_t below(int32_t n) { return (int32_t)(uniform() * n); }

typedef struct inputs {
  int32_t items[ROWS], types[ROWS], pos[ROWS], neg[ROWS * 8];
  float feat[N_ITEMS * N_FEAT], logq_pos[ROWS], logq_neg[ROWS * 8];
} inputs;

/* B sequences left-padded by 0, 3, 6, 9; targets = next item; negatives uniform. */
static void make_inputs(inputs *in, int64_t n_neg, int shared) {
  g_state = 2024;
  static const int pad[B] = {0, 3, 6, 9};
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      int r = b * T + t, real = t >= pad[b];
      in->items[r] = real ? below(N_ITEMS) : -1;
      in->types[r] = real ? below(N_TYPES) : -1;
    }
  for (int r = 0; r < ROWS; r++)
    in->pos[r] = in->items[r] < 0 ? -1 : r % T + 1 < T ? in->items[r + 1] : below(N_ITEMS);
  int64_t n_ids = shared ? n_neg : ROWS * n_neg;
  for (int64_t i = 0; i < n_ids; i++)
    in->neg[i] = below(N_ITEMS);
  in->neg[shared ? 2 : 5 * n_neg + 1] = in->pos[5]; /* an accidental hit */
  for (int i = 0; i < N_ITEMS * N_FEAT; i++)
    in->feat[i] = (float)(2 * uniform() - 1);
  for (int r = 0; r < ROWS; r++)
    in->logq_pos[r] = (float)(-2 - 3 * uniform());
  for (int64_t i = 0; i < n_ids; i++)
    in->logq_neg[i] = (float)(-2 - 3 * uniform());
}

/* Default init, then LayerNorm gammas and zero-initialised biases spread so that
 * their gradients are exercised. */
static void init_params(bndl_nn_params *p) {
  CHECK(bndl_nn_params_alloc(p, 42));
  g_state = 77;
  for (int32_t i = 0; i < p->count; i++) {
    const bndl_nn_tensor *t = &p->tensors[i];
    float *v = bndl_nn_value(p, i);
    for (int64_t k = 0; k < t->rows * t->cols; k++) {
      if (t->init == BNDL_NN_INIT_ONES)
        v[k] = (float)(0.5 + uniform());
      else if (t->init == BNDL_NN_INIT_ZEROS)
        v[k] = (float)(0.4 * uniform() - 0.2);
    }
  }
}

static void put_mask(const char *name, const uint8_t *keep, int64_t rows, int64_t cols) {
  if (keep != NULL)
    put2("mask", name, DT_U8, rows, cols, keep);
}

typedef struct run_spec {
  const char *name;
  int lstm;
  bndl_nn_loss_kind loss;
  int shared;
  int64_t n_neg, hidden;
  float dropout;
  bndl_eltwise_kind act;
} run_spec;

static void run(bndl_context *ctx, const char *provider, const run_spec *s) {
  snprintf(g_prefix, sizeof g_prefix, "%s/%s", provider, s->name);
  bndl_nn_params p;
  bndl_nn_arena arena;
  bndl_nn_params_init(&p, &ctx->alloc);
  bndl_nn_arena_init(&arena, &ctx->alloc, 0);
  bndl_nn nn = {ctx, &p, &arena, 1, 1234, 5};
  static inputs in;
  make_inputs(&in, s->n_neg, s->shared);
  bndl_nn_batch batch = {B, T, in.items, in.types, in.feat};
  int softmax = s->loss == BNDL_NN_LOSS_SAMPLED_SOFTMAX;
  bndl_nn_targets tg = {ROWS, in.pos, s->n_neg, s->shared, in.neg, softmax ? in.logq_pos : NULL,
                        softmax ? in.logq_neg : NULL, 1};
  static bndl_nn_sasrec sm;
  static bndl_nn_lstm_encoder lm;
  static bndl_nn_sasrec_cache sc;
  static bndl_nn_lstm_encoder_cache lc;
  bndl_nn_sasrec_config scfg = bndl_nn_sasrec_defaults(N_ITEMS, T, D, 2, 2);
  bndl_nn_lstm_encoder_config lcfg = {N_ITEMS, D, s->hidden, 2, N_TYPES, N_FEAT, s->dropout};
  if (!s->lstm) {
    scfg.n_event_types = N_TYPES;
    scfg.n_item_features = N_FEAT;
    scfg.dropout = scfg.attn_dropout = s->dropout;
    scfg.ffn_act = s->act;
    CHECK(bndl_nn_sasrec_build(&p, &scfg, &sm));
  } else {
    CHECK(bndl_nn_lstm_encoder_build(&p, &lcfg, &lm));
  }
  init_params(&p);
  static float out[ROWS * D], dh[ROWS * D];
  double loss;
  const bndl_nn_embedding *items = s->lstm ? &lm.input.item : &sm.input.item;
  if (s->lstm)
    CHECK(bndl_nn_lstm_encoder_forward(&nn, &lm, &batch, out, &lc));
  else
    CHECK(bndl_nn_sasrec_forward(&nn, &sm, &batch, out, &sc));
  CHECK(bndl_nn_loss(&nn, s->loss, items, &tg, out, &loss, dh));
  if (s->lstm)
    CHECK(bndl_nn_lstm_encoder_backward(&nn, &lm, &batch, &lc, dh));
  else
    CHECK(bndl_nn_sasrec_backward(&nn, &sm, &batch, &sc, dh));

  put_cfg("lstm", s->lstm);
  put_cfg("batch", B);
  put_cfg("len", T);
  put_cfg("dim", D);
  put_cfg("n_items", N_ITEMS);
  put_cfg("n_types", N_TYPES);
  put_cfg("n_feat", N_FEAT);
  put_cfg("loss", s->loss);
  put_cfg("shared_neg", s->shared);
  put_cfg("n_neg", (double)s->n_neg);
  put_cfg("remove_hits", 1);
  put_cfg("dropout", s->dropout);
  if (!s->lstm) {
    put_cfg("heads", (double)scfg.heads);
    put_cfg("blocks", (double)scfg.blocks);
    put_cfg("ffn_hidden", (double)sm.cfg.ffn_hidden);
    put_cfg("ln_eps", scfg.ln_eps);
    put_cfg("gelu", s->act == BNDL_ELT_GELU);
    put_cfg("emb_scale", sm.input.item_scale);
  } else {
    put_cfg("hidden", (double)lm.cfg.hidden);
    put_cfg("layers", (double)lm.cfg.layers);
  }
  int64_t n_ids = s->shared ? s->n_neg : ROWS * s->n_neg;
  put2("in", "items", DT_I32, B, T, in.items);
  put2("in", "types", DT_I32, B, T, in.types);
  put2("in", "features", DT_F32, N_ITEMS, N_FEAT, in.feat);
  put2("in", "pos", DT_I32, 1, ROWS, in.pos);
  put2("in", "neg", DT_I32, 1, n_ids, in.neg);
  if (softmax) {
    put2("in", "logq_pos", DT_F32, 1, ROWS, in.logq_pos);
    put2("in", "logq_neg", DT_F32, 1, n_ids, in.logq_neg);
  }
  for (int32_t i = 0; i < p.count; i++) {
    const bndl_nn_tensor *t = &p.tensors[i];
    put2("param", t->name, DT_F32, t->rows, t->cols, bndl_nn_value(&p, i));
    put2("grad", t->name, DT_F32, t->rows, t->cols, bndl_nn_grad(&p, i));
  }
  put2("out", "states", DT_F32, ROWS, D, out);
  if (s->dropout == 0.0f) {
    /* inference (no cache, dropout off): on onednn the LSTM runs its fused layer
     * (model/lstm_fused.c), so the oracle checks that path too */
    static float inf[ROWS * D];
    nn.training = 0;
    if (s->lstm)
      CHECK(bndl_nn_lstm_encoder_forward(&nn, &lm, &batch, inf, NULL));
    else
      CHECK(bndl_nn_sasrec_forward(&nn, &sm, &batch, inf, NULL));
    nn.training = 1;
    put2("out", "states_infer", DT_F32, ROWS, D, inf);
  }
  int64_t one = 1;
  put("out", "loss", DT_F64, 1, &one, &loss);
  /* dropout masks, by site */
  if (!s->lstm) {
    put_mask("input", sc.input.drop.keep, ROWS, D);
    for (int64_t k = 0; k < scfg.blocks; k++) {
      char name[64];
      snprintf(name, sizeof name, "block%lld.attn", (long long)k);
      put_mask(name, sc.block[k].attn.drop.keep, B * scfg.heads * T, T);
      snprintf(name, sizeof name, "block%lld.drop1", (long long)k);
      put_mask(name, sc.block[k].drop1.keep, ROWS, D);
      snprintf(name, sizeof name, "block%lld.ffn", (long long)k);
      put_mask(name, sc.block[k].ffn.drop.keep, ROWS, sm.cfg.ffn_hidden);
      snprintf(name, sizeof name, "block%lld.drop2", (long long)k);
      put_mask(name, sc.block[k].drop2.keep, ROWS, D);
    }
  } else {
    put_mask("input", lc.input.drop.keep, ROWS, D);
    put_mask("lstm.l0", lc.lstm.layer[0].drop.keep, ROWS, lm.cfg.hidden);
    put_mask("out", lc.out_drop.keep, ROWS, lm.cfg.hidden);
  }
  bndl_nn_params_free(&p);
  bndl_nn_arena_free(&arena);
}

static const run_spec RUNS[] = {
    {"sasrec_bce", 0, BNDL_NN_LOSS_BCE, 0, 3, 0, 0.0f, BNDL_ELT_RELU},
    {"sasrec_softmax", 0, BNDL_NN_LOSS_SAMPLED_SOFTMAX, 1, 8, 0, 0.0f, BNDL_ELT_GELU},
    {"sasrec_dropout", 0, BNDL_NN_LOSS_BCE, 0, 3, 0, 0.3f, BNDL_ELT_RELU},
    {"lstm_softmax", 1, BNDL_NN_LOSS_SAMPLED_SOFTMAX, 0, 3, 0, 0.0f, BNDL_ELT_RELU},
    {"lstm_bce", 1, BNDL_NN_LOSS_BCE, 0, 3, 0, 0.0f, BNDL_ELT_RELU},
    {"lstm_dropout", 1, BNDL_NN_LOSS_SAMPLED_SOFTMAX, 0, 3, 0, 0.3f, BNDL_ELT_RELU},
    {"lstm_proj", 1, BNDL_NN_LOSS_BCE, 0, 3, 48, 0.0f, BNDL_ELT_RELU},
};

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: model_dump OUT [--backend NAME]...\n");
    return 2;
  }
  const char *providers[8];
  int n_prov = 0;
  for (int i = 2; i + 1 < argc && n_prov < 8; i += 2)
    if (strcmp(argv[i], "--backend") == 0)
      providers[n_prov++] = argv[i + 1];
  if (n_prov == 0)
    for (int32_t i = 0; bndl_backend_name(i) != NULL && n_prov < 8; i++)
      if (bndl_backend_available(bndl_backend_name(i)))
        providers[n_prov++] = bndl_backend_name(i);
  g_out = fopen(argv[1], "wb");
  if (g_out == NULL) {
    fprintf(stderr, "model_dump: cannot open %s\n", argv[1]);
    return 1;
  }
  uint32_t version = 1, zero = 0;
  fwrite("BNDLTDMP", 1, 8, g_out);
  fwrite(&version, 4, 1, g_out);
  fwrite(&zero, 4, 1, g_out);
  for (int pi = 0; pi < n_prov; pi++) {
    bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
    desc.n_threads = 2;
    bndl_context *ctx = NULL;
    CHECK(bndl_context_create(&desc, &ctx));
    CHECK(bndl_context_set_backend(ctx, providers[pi]));
    for (size_t r = 0; r < sizeof RUNS / sizeof RUNS[0]; r++)
      run(ctx, providers[pi], &RUNS[r]);
    bndl_context_free(ctx);
    printf("model_dump: %s: %zu runs\n", providers[pi], sizeof RUNS / sizeof RUNS[0]);
  }
  if (fseek(g_out, 12, SEEK_SET) != 0 || fwrite(&g_count, 4, 1, g_out) != 1 || fclose(g_out) != 0) {
    fprintf(stderr, "model_dump: cannot finish %s\n", argv[1]);
    return 1;
  }
  return 0;
}
