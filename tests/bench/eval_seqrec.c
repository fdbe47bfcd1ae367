/*
 * eval_seqrec.c - quality of the behaviour-sequence encoders (issue 4's quality bars):
 * trains the SASRec-style Transformer or the LSTM encoder with the internal trainer
 * (model/train.h) on a leave-one-out split and reports NDCG@10 / HIT@10 on the test
 * targets under the protocol that matches the data set's published numbers
 * (../shared/data/PROTOCOLS.md section 2):
 *
 *   beauty  seqrec_amazon/Beauty_s3rec_5core.txt ("user item item ..." per line):
 *           full ranking over all items, the user's input items masked (ICLRec / S3-Rec)
 *   video   seqrec_amazon/Video_sasrec.txt ("user item" per line, in time order):
 *           the target against 100 uniform negatives outside the training items, 10,000
 *           sampled users (SASRec's code)
 *
 * Split (both): sequence s of length L >= 3: train on s[:-2], validate on s[-2] (input
 * s[:-2]), test on s[-1] (input s[:-1]); shorter sequences are training only. Model
 * selection (best epoch, early stopping) uses the trainer's full-ranking validation
 * NDCG@10 on the validation targets; the test items are never seen before the end.
 *
 * Usage: eval_seqrec --data beauty|video [--encoder transformer|lstm] [--epochs N]
 *   [--batch B] [--dim D] [--layers L] [--heads H] [--max-len T] [--dropout P]
 *   [--lr X] [--l2 X] [--loss bce|softmax] [--negatives K] [--sampler uniform|popularity|all]
 *   [--patience P] [--valid-every E] [--valid-users N] [--init-scale S] [--threads N] [--backend NAME] [--seed S] [--file PATH]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"
#include "core/context.h"
#include "model/encoder.h"
#include "model/evaluate.h"
#include "model/train.h"

#define CHECK(call)                                                                         \
  do {                                                                                      \
    if ((call) != BNDL_OK) {                                                                \
      fprintf(stderr, "eval_seqrec: %s failed: %s\n", #call, bndl_last_error_message());    \
      exit(1);                                                                              \
    }                                                                                       \
  } while (0)

#ifndef BNDL_SHARED_DATA_DIR
#  define BNDL_SHARED_DATA_DIR "../shared/data"
#endif

typedef struct data {
  int64_t users, n_items, n;
  int64_t *off;
  int32_t *items;
} data;

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) {
    fprintf(stderr, "eval_seqrec: out of memory\n");
    exit(1);
  }
  return p;
}

/* Lines of integers. pairs = 0: "user i1 i2 ..." (one user per line); pairs = 1: "user
 * item" lines, grouped per user in order of first appearance, time order kept. Item ids
 * are 1-based in both files and become id - 1. */
static void load(const char *path, int pairs, data *d) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "eval_seqrec: cannot open %s\n", path);
    exit(1);
  }
  int64_t cap = 1 << 20, n = 0, lines = 0, lcap = 1 << 16;
  int64_t *uid = xmalloc((size_t)cap * sizeof(int64_t));
  int32_t *it = xmalloc((size_t)cap * sizeof(int32_t));
  int64_t *line_start = xmalloc((size_t)lcap * sizeof(int64_t));
  char buf[1 << 16];
  int64_t max_item = 0, max_user = 0;
  while (fgets(buf, sizeof buf, f)) {
    char *p = buf, *e;
    long long u = strtoll(p, &e, 10);
    if (e == p)
      continue;
    p = e;
    if (lines + 1 >= lcap) {
      lcap *= 2;
      line_start = realloc(line_start, (size_t)lcap * sizeof(int64_t));
    }
    line_start[lines++] = n;
    for (;;) {
      long long v = strtoll(p, &e, 10);
      if (e == p)
        break;
      p = e;
      if (n == cap) {
        cap *= 2;
        uid = realloc(uid, (size_t)cap * sizeof(int64_t));
        it = realloc(it, (size_t)cap * sizeof(int32_t));
        if (!uid || !it)
          exit(1);
      }
      uid[n] = u;
      it[n++] = (int32_t)(v - 1);
      max_item = v > max_item ? v : max_item;
    }
    max_user = u > max_user ? u : max_user;
  }
  fclose(f);
  d->n_items = max_item;
  d->n = n;
  if (!pairs) {
    d->users = lines;
    d->off = xmalloc((size_t)(lines + 1) * sizeof(int64_t));
    memcpy(d->off, line_start, (size_t)lines * sizeof(int64_t));
    d->off[lines] = n;
    d->items = it;
  } else {
    /* counting sort by user id (users are 1-based integers), stable: time order kept */
    int64_t *cnt = calloc((size_t)max_user + 2, sizeof(int64_t));
    for (int64_t i = 0; i < n; i++)
      cnt[uid[i] + 1]++;
    int64_t users = 0;
    for (int64_t u = 0; u <= max_user; u++)
      users += cnt[u + 1] > 0;
    d->users = users;
    d->off = xmalloc((size_t)(users + 1) * sizeof(int64_t));
    int64_t *pos = xmalloc((size_t)(max_user + 1) * sizeof(int64_t));
    int64_t acc = 0, k = 0;
    for (int64_t u = 0; u <= max_user; u++) {
      pos[u] = acc;
      if (cnt[u + 1] > 0)
        d->off[k++] = acc;
      acc += cnt[u + 1];
    }
    d->off[users] = n;
    d->items = xmalloc((size_t)n * sizeof(int32_t));
    for (int64_t i = 0; i < n; i++)
      d->items[pos[uid[i]]++] = it[i];
    free(it);
    free(cnt);
    free(pos);
  }
  free(uid);
  free(line_start);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int progress(void *ud, const bndl_nn_train_progress *p) {
  (void)ud;
  printf("epoch %3lld  loss %.4f  valid NDCG@10 %.4f  best %.4f (epoch %lld)  %.0f s  eta %.0f s\n",
         (long long)p->epoch, p->loss, p->metric, p->best_metric, (long long)p->best_epoch, p->seconds,
         p->eta_seconds);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  const char *which = "beauty", *encoder = "transformer", *loss = "softmax", *sampler = "uniform", *backend = "onednn";
  const char *file = NULL;
  int64_t epochs = 200, batch = 128, dim = 64, layers = 2, heads = 1, max_len = 50, negatives = 0, patience = 10;
  int64_t valid_every = 1, threads = 2, seed = 42, valid_users = 0;
  double dropout = 0.5, lr = 0.001, l2 = 0.0, init_scale = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--data")) which = v;
    else if (!strcmp(k, "--encoder")) encoder = v;
    else if (!strcmp(k, "--loss")) loss = v;
    else if (!strcmp(k, "--sampler")) sampler = v;
    else if (!strcmp(k, "--backend")) backend = v;
    else if (!strcmp(k, "--file")) file = v;
    else if (!strcmp(k, "--epochs")) epochs = atoll(v);
    else if (!strcmp(k, "--batch")) batch = atoll(v);
    else if (!strcmp(k, "--dim")) dim = atoll(v);
    else if (!strcmp(k, "--layers")) layers = atoll(v);
    else if (!strcmp(k, "--heads")) heads = atoll(v);
    else if (!strcmp(k, "--max-len")) max_len = atoll(v);
    else if (!strcmp(k, "--negatives")) negatives = atoll(v);
    else if (!strcmp(k, "--patience")) patience = atoll(v);
    else if (!strcmp(k, "--valid-every")) valid_every = atoll(v);
    else if (!strcmp(k, "--valid-users")) valid_users = atoll(v); /* 0: all */
    else if (!strcmp(k, "--threads")) threads = atoll(v);
    else if (!strcmp(k, "--seed")) seed = atoll(v);
    else if (!strcmp(k, "--dropout")) dropout = atof(v);
    else if (!strcmp(k, "--lr")) lr = atof(v);
    else if (!strcmp(k, "--l2")) l2 = atof(v);
    else if (!strcmp(k, "--init-scale")) init_scale = atof(v); /* 0: nn.Embedding's N(0, 1) */
    else {
      fprintf(stderr, "eval_seqrec: unknown option %s\n", k);
      return 2;
    }
  }
  int video = !strcmp(which, "video");
  char path[4096];
  snprintf(path, sizeof path, "%s", file ? file
                                         : video ? BNDL_SHARED_DATA_DIR "/seqrec_amazon/Video_sasrec.txt"
                                                 : BNDL_SHARED_DATA_DIR "/seqrec_amazon/Beauty_s3rec_5core.txt");
  data d;
  load(path, video, &d);

  /* leave-one-out: train prefix, validation and test targets */
  int64_t U = d.users;
  int64_t *toff = xmalloc((size_t)(U + 1) * sizeof(int64_t)), *voff = xmalloc((size_t)(U + 1) * sizeof(int64_t));
  int32_t *titems = xmalloc((size_t)d.n * sizeof(int32_t)), *vitems = xmalloc((size_t)U * sizeof(int32_t));
  int64_t *test_in = xmalloc((size_t)U * sizeof(int64_t)), *test_ex = xmalloc((size_t)U * sizeof(int64_t));
  int32_t *test_t = xmalloc((size_t)U * sizeof(int32_t));
  int64_t nt = 0, nv = 0, n_test = 0;
  for (int64_t u = 0; u < U; u++) {
    int64_t l = d.off[u + 1] - d.off[u], keep = l >= 3 ? l - 2 : l;
    toff[u] = nt;
    voff[u] = nv;
    memcpy(titems + nt, d.items + d.off[u], (size_t)keep * sizeof(int32_t));
    nt += keep;
    if (l >= 3)
      vitems[nv++] = d.items[d.off[u] + l - 2];
    test_t[u] = l >= 3 ? d.items[d.off[u] + l - 1] : -1;
    test_in[u] = l >= 3 ? l - 1 : 0;
    test_ex[u] = l >= 3 ? (video ? l - 2 : l - 1) : 0;
    n_test += l >= 3;
  }
  toff[U] = nt;
  voff[U] = nv;
  printf("%s: %lld users, %lld items, %lld actions, %lld test users; %s, %s loss, %s sampler\n", path, (long long)U,
         (long long)d.n_items, (long long)d.n, (long long)n_test, encoder, loss, sampler);

  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = (int32_t)threads;
  bndl_context *ctx = NULL;
  CHECK(bndl_context_create(&desc, &ctx));
  CHECK(bndl_context_set_backend(ctx, backend));

  bndl_nn_encoder_config ec = {.kind = strcmp(encoder, "lstm") == 0 ? BNDL_NN_ENCODER_LSTM : BNDL_NN_ENCODER_SASREC,
                               .n_items = d.n_items,
                               .max_len = max_len,
                               .dim = dim,
                               .layers = layers,
                               .heads = heads,
                               .hidden = 0,
                               .dropout = (float)dropout,
                               .attn_dropout = (float)dropout};
  bndl_nn_params params;
  bndl_nn_params_init(&params, &ctx->alloc);
  bndl_nn_encoder enc;
  CHECK(bndl_nn_encoder_build(&params, &ec, &enc));
  /* The item table starts at N(0, 1/dim) instead of nn.Embedding's N(0, 1): the scores
   * <state, E[i]> of a layer-normed state then start with unit spread rather than
   * sqrt(dim) (SASRec's code gets a small start likewise, from xavier_normal_). */
  bndl_nn_param item_table = bndl_nn_params_find(&params, "item_emb");
  if (item_table >= 0 && init_scale > 0)
    params.tensors[item_table].init_a = (float)(init_scale / sqrt((double)dim));
  CHECK(bndl_nn_params_alloc(&params, (uint64_t)seed));

  bndl_nn_train_options o;
  CHECK(bndl_nn_train_options_from_config(NULL, (uint64_t)seed, &o));
  o.epochs = epochs;
  o.batch = batch;
  o.lr = lr;
  o.weight_decay = l2;
  o.patience = patience;
  o.valid_every = valid_every;
  o.valid_users = valid_users;
  o.clip = 5;
  int softmax = strcmp(loss, "bce") != 0;
  o.loss = softmax ? BNDL_NN_LOSS_SAMPLED_SOFTMAX : BNDL_NN_LOSS_BCE;
  o.shared_negatives = softmax;
  o.sampler = !strcmp(sampler, "all") ? BNDL_NN_SAMPLE_ALL
              : !strcmp(sampler, "popularity") ? BNDL_NN_SAMPLE_POPULARITY
                                               : BNDL_NN_SAMPLE_UNIFORM;
  o.negatives = negatives > 0 ? negatives : softmax ? 256 : 1;

  bndl_nn_sequences train = {U, toff, titems, NULL}, valid = {U, voff, vitems, NULL};
  bndl_nn_train_report rep;
  double t0 = now();
  CHECK(bndl_nn_train(ctx, &enc, &params, NULL, &train, &valid, &o, progress, NULL, &rep));
  double t_train = now() - t0;

  bndl_nn_sequences all = {U, d.off, d.items, NULL};
  bndl_nn_eval_set set = {.seq = &all, .input_len = test_in, .exclude_len = test_ex, .targets = test_t};
  bndl_nn_eval_options eo = {.protocol = video ? BNDL_NN_EVAL_SAMPLED : BNDL_NN_EVAL_FULL,
                             .k = 10,
                             .n_neg = 100,
                             .max_users = video ? 10000 : 0,
                             .seed = (uint64_t)seed};
  bndl_nn_eval_result r;
  t0 = now();
  CHECK(bndl_nn_evaluate(ctx, &enc, &params, NULL, &set, &eo, &r));
  double t_eval = now() - t0;
  printf("RESULT data %s encoder %s loss %s sampler %s negatives %lld dim %lld layers %lld max_len %lld dropout %.2f "
         "lr %g batch %lld: epochs %lld (best %lld, valid NDCG@10 %.4f%s), train %.0f s (%.2f s/epoch), "
         "test %s: NDCG@10 %.4f HIT@10 %.4f over %lld users (%.1f s)\n",
         which, encoder, loss, sampler, (long long)o.negatives, (long long)dim, (long long)layers, (long long)max_len,
         dropout, lr, (long long)batch, (long long)rep.epochs_run, (long long)rep.best_epoch, rep.best_metric,
         rep.stopped_early ? ", stopped early" : "", t_train, t_train / (double)rep.epochs_run,
         video ? "100 sampled negatives" : "full ranking", r.ndcg, r.hit, (long long)r.users, t_eval);
  bndl_nn_params_free(&params);
  bndl_context_free(ctx);
  free(d.off);
  free(d.items);
  free(toff);
  free(voff);
  free(titems);
  free(vitems);
  free(test_in);
  free(test_ex);
  free(test_t);
  return 0;
}
