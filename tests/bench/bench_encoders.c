/*
 * bench_encoders.c - forward and training-pass times of the model layer's encoders
 * (src/model/) on each built provider.
 *
 *   bench_encoders [--threads N]... [--rounds R] [--backend B]... [--shape I]...
 *
 * Shapes (items 10000, event types and features off, dropout 0.2 in training):
 *   sasrec  B 64, T 50, d 64, 2 heads, 2 blocks (SASRec's Beauty setting, d 50 -> 64)
 *   sasrec  B 64, T 200, d 64 (SASRec's ML-1M length)
 *   lstm    B 64, T 50, d = H 64, 1 and 2 layers (TARGETS.md P5's shape)
 *   lstm    B 1, T 50, H 64, 1 layer (P5, one user)
 * "forward" is inference (no caches, dropout off); "train" is one step's worth of
 * work: zero the gradients, forward with caches, BCE with one negative per position,
 * backward. Best of R rounds (default 10) after one warm-up, in ms. One markdown table.
 * --shape I keeps shape I (0-based, in the order above) only.
 * Static library: the model layer is internal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"
#include "core/context.h"
#include "model/encoders.h"
#include "model/loss.h"

#define CHECK(call)                                                                            \
  do {                                                                                         \
    if ((call) != BNDL_OK) {                                                                   \
      fprintf(stderr, "bench_encoders: %s failed: %s\n", #call, bndl_last_error_message());    \
      exit(1);                                                                                 \
    }                                                                                          \
  } while (0)

typedef struct shape {
  const char *name;
  int lstm;
  int64_t batch, len, dim, layers;
} shape;

static const shape SHAPES[] = {
    {"sasrec", 0, 64, 50, 64, 2}, {"sasrec", 0, 64, 200, 64, 2}, {"lstm", 1, 64, 50, 64, 1},
    {"lstm", 1, 64, 50, 64, 2},   {"lstm", 1, 1, 50, 64, 1},
};

enum { N_ITEMS = 10000 };

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static uint64_t g_s = 1;
static int32_t below(int32_t n) {
  g_s = g_s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int32_t)((g_s >> 33) % (uint64_t)n);
}

/* best forward and train times (ms) of one shape on ctx */
static void measure(bndl_context *ctx, const shape *s, int rounds, double *fwd, double *train) {
  bndl_nn_params p;
  bndl_nn_arena arena;
  bndl_nn_params_init(&p, &ctx->alloc);
  bndl_nn_arena_init(&arena, &ctx->alloc, 0);
  static bndl_nn_sasrec sm;
  static bndl_nn_lstm_encoder lm;
  static bndl_nn_sasrec_cache sc;
  static bndl_nn_lstm_encoder_cache lc;
  if (s->lstm) {
    bndl_nn_lstm_encoder_config c = {N_ITEMS, s->dim, s->dim, s->layers, 0, 0, 0.2f};
    CHECK(bndl_nn_lstm_encoder_build(&p, &c, &lm));
  } else {
    bndl_nn_sasrec_config c = bndl_nn_sasrec_defaults(N_ITEMS, s->len, s->dim, 2, s->layers);
    CHECK(bndl_nn_sasrec_build(&p, &c, &sm));
  }
  CHECK(bndl_nn_params_alloc(&p, 1));
  int64_t rows = s->batch * s->len;
  int32_t *items = malloc((size_t)rows * sizeof *items), *pos = malloc((size_t)rows * sizeof *pos);
  int32_t *neg = malloc((size_t)rows * sizeof *neg);
  float *out = malloc((size_t)(rows * s->dim) * sizeof *out), *dh = malloc((size_t)(rows * s->dim) * sizeof *dh);
  if (!items || !pos || !neg || !out || !dh) {
    fprintf(stderr, "bench_encoders: out of memory\n");
    exit(1);
  }
  for (int64_t b = 0; b < s->batch; b++) {
    int64_t pad = below((int32_t)(s->len / 2)); /* up to half padded */
    for (int64_t t = 0; t < s->len; t++)
      items[b * s->len + t] = t < pad ? -1 : below(N_ITEMS);
  }
  for (int64_t r = 0; r < rows; r++) {
    pos[r] = items[r] < 0 ? -1 : below(N_ITEMS);
    neg[r] = below(N_ITEMS);
  }
  bndl_nn_batch batch = {s->batch, s->len, items, NULL, NULL};
  bndl_nn_targets tg = {rows, pos, 1, 0, neg, NULL, NULL, 0};
  const bndl_nn_embedding *emb = s->lstm ? &lm.input.item : &sm.input.item;
  *fwd = *train = 1e300;
  for (int round = 0; round <= rounds; round++) {
    bndl_nn eval = {ctx, &p, &arena, 0, 5, (uint64_t)round};
    double t0 = now_ms();
    bndl_nn_arena_reset(&arena);
    if (s->lstm)
      CHECK(bndl_nn_lstm_encoder_forward(&eval, &lm, &batch, out, NULL));
    else
      CHECK(bndl_nn_sasrec_forward(&eval, &sm, &batch, out, NULL));
    double t1 = now_ms();
    bndl_nn tr = {ctx, &p, &arena, 1, 5, (uint64_t)round};
    double loss;
    bndl_nn_params_zero_grad(&p);
    bndl_nn_arena_reset(&arena);
    if (s->lstm)
      CHECK(bndl_nn_lstm_encoder_forward(&tr, &lm, &batch, out, &lc));
    else
      CHECK(bndl_nn_sasrec_forward(&tr, &sm, &batch, out, &sc));
    CHECK(bndl_nn_loss(&tr, BNDL_NN_LOSS_BCE, emb, &tg, out, &loss, dh));
    if (s->lstm)
      CHECK(bndl_nn_lstm_encoder_backward(&tr, &lm, &batch, &lc, dh));
    else
      CHECK(bndl_nn_sasrec_backward(&tr, &sm, &batch, &sc, dh));
    double t2 = now_ms();
    if (round > 0) {
      *fwd = t1 - t0 < *fwd ? t1 - t0 : *fwd;
      *train = t2 - t1 < *train ? t2 - t1 : *train;
    }
  }
  free(items);
  free(pos);
  free(neg);
  free(out);
  free(dh);
  bndl_nn_params_free(&p);
  bndl_nn_arena_free(&arena);
}

int main(int argc, char **argv) {
  int rounds = 10, n_thr = 0, n_prov = 0, n_shapes = 0;
  int32_t threads[4];
  size_t only[8];
  const char *providers[8];
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--threads") == 0 && n_thr < 4)
      threads[n_thr++] = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--rounds") == 0)
      rounds = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--backend") == 0 && n_prov < 8)
      providers[n_prov++] = argv[i + 1];
    else if (strcmp(argv[i], "--shape") == 0 && n_shapes < 8)
      only[n_shapes++] = (size_t)atoi(argv[i + 1]);
  }
  size_t all = sizeof SHAPES / sizeof SHAPES[0];
  if (n_shapes == 0)
    for (size_t si = 0; si < all; si++)
      only[n_shapes++] = si;
  if (n_thr == 0) {
    threads[0] = 1;
    threads[1] = 2;
    n_thr = 2;
  }
  if (n_prov == 0)
    for (int32_t i = 0; bndl_backend_name(i) != NULL && n_prov < 8; i++)
      if (bndl_backend_available(bndl_backend_name(i)))
        providers[n_prov++] = bndl_backend_name(i);
  printf("| encoder | B | T | d | layers | provider | threads | forward ms | train step ms |\n");
  printf("|---|---|---|---|---|---|---|---|---|\n");
  for (int k = 0; k < n_shapes; k++)
    for (int pi = 0; pi < n_prov && only[k] < all; pi++)
      for (int ti = 0; ti < n_thr; ti++) {
        bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
        desc.n_threads = threads[ti];
        bndl_context *ctx = NULL;
        CHECK(bndl_context_create(&desc, &ctx));
        CHECK(bndl_context_set_backend(ctx, providers[pi]));
        double fwd, train;
        const shape *s = &SHAPES[only[k]];
        measure(ctx, s, rounds, &fwd, &train);
        printf("| %s | %lld | %lld | %lld | %lld | %s | %d | %.3f | %.3f |\n", s->name, (long long)s->batch,
               (long long)s->len, (long long)s->dim, (long long)s->layers, providers[pi], threads[ti], fwd, train);
        fflush(stdout);
        bndl_context_free(ctx);
      }
  return 0;
}
