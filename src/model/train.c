/*
 * train.c - the training loop (see train.h): checks, the leave-last-out view of the
 * data, epochs of (forward, loss on the rows with a target, backward, optimizer step),
 * validation, best-parameter copy, early stopping, progress and cancellation.
 *
 * The loss runs on the compacted rows with a target only (batches.h gives their row
 * numbers): the encoder output rows are gathered into a dense block, and the loss
 * gradient is scattered back into a zeroed output gradient, so padding costs nothing
 * in the heads (for full softmax, most of a B x T block of short sequences is padding).
 */
#include "model/train.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"
#include "model/evaluate.h"

#define DROPOUT_KEY 0x64726f70ull /* "drop" */
#define VALID_KEY 0x76616c6964ull /* "valid" */

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bndl_status bndl_nn_train_options_from_config(const bndl_config *cfg, uint64_t context_seed,
                                              bndl_nn_train_options *out) {
  memset(out, 0, sizeof *out);
  out->epochs = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_EPOCHS);
  out->batch = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_BATCH_SIZE);
  const char *o = bndl_cfg_string(cfg, BNDL_KEY_TRAIN_OPTIMIZER);
  out->optimizer = strcmp(o, "sgd") == 0 ? BNDL_NN_SGD : strcmp(o, "adamw") == 0 ? BNDL_NN_ADAMW : BNDL_NN_ADAM;
  out->lr = bndl_cfg_float(cfg, BNDL_KEY_TRAIN_LR);
  out->weight_decay = bndl_cfg_float(cfg, BNDL_KEY_TRAIN_WEIGHT_DECAY);
  out->momentum = bndl_cfg_float(cfg, BNDL_KEY_TRAIN_MOMENTUM);
  out->beta1 = bndl_cfg_float(cfg, BNDL_KEY_TRAIN_BETA1);
  out->beta2 = bndl_cfg_float(cfg, BNDL_KEY_TRAIN_BETA2);
  out->eps = 1e-8;
  out->clip = bndl_cfg_float(cfg, BNDL_KEY_TRAIN_CLIP_NORM);
  const char *s = bndl_cfg_string(cfg, BNDL_KEY_TRAIN_LR_SCHEDULE);
  out->schedule = strcmp(s, "linear") == 0   ? BNDL_NN_LR_LINEAR
                  : strcmp(s, "cosine") == 0 ? BNDL_NN_LR_COSINE
                                             : BNDL_NN_LR_CONSTANT;
  out->warmup = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_WARMUP_STEPS);
  int softmax = strcmp(bndl_cfg_string(cfg, BNDL_KEY_TRAIN_LOSS), "sampled_softmax") == 0;
  out->loss = softmax ? BNDL_NN_LOSS_SAMPLED_SOFTMAX : BNDL_NN_LOSS_BCE;
  int64_t k = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_NEGATIVES);
  out->negatives = k > 0 ? k : softmax ? 256 : 1;
  out->shared_negatives = softmax;
  const char *sm = bndl_cfg_string(cfg, BNDL_KEY_TRAIN_SAMPLER);
  out->sampler = strcmp(sm, "popularity") == 0 ? BNDL_NN_SAMPLE_POPULARITY
                 : strcmp(sm, "all") == 0      ? BNDL_NN_SAMPLE_ALL
                                               : BNDL_NN_SAMPLE_UNIFORM;
  out->sampler_alpha = bndl_cfg_float(cfg, BNDL_KEY_TRAIN_SAMPLER_ALPHA);
  out->patience = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_PATIENCE);
  out->valid_every = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_VALID_EVERY);
  out->valid_users = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_VALID_USERS);
  out->metric_k = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_METRIC_K);
  int64_t seed = bndl_cfg_int(cfg, BNDL_KEY_TRAIN_SEED);
  out->seed = seed >= 0 ? (uint64_t)seed : context_seed;
  if (out->sampler == BNDL_NN_SAMPLE_ALL && !softmax)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "train.sampler 'all' (full softmax) needs train.loss sampled_softmax");
  return BNDL_OK;
}

/* A CSR's offsets and items: monotone from 0, items in [0, n_items), types in range. */
static bndl_status check_sequences(const char *what, const bndl_nn_sequences *s, int64_t n_items, int64_t n_types) {
  if (s->count < 1 || s->offsets == NULL || (s->items == NULL && s->offsets[s->count] > 0))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%s: no sequences (count %lld)", what, (long long)s->count);
  if (s->offsets[0] != 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%s: offsets[0] is %lld, not 0", what, (long long)s->offsets[0]);
  for (int64_t u = 0; u < s->count; u++) {
    if (s->offsets[u + 1] < s->offsets[u])
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%s: offsets decrease at sequence %lld (%lld after %lld)", what,
                       (long long)u, (long long)s->offsets[u + 1], (long long)s->offsets[u]);
    for (int64_t i = s->offsets[u]; i < s->offsets[u + 1]; i++) {
      if (s->items[i] < 0 || s->items[i] >= n_items)
        return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%s: sequence %lld, position %lld: item %d outside [0, %lld)",
                         what, (long long)u, (long long)(i - s->offsets[u]), s->items[i], (long long)n_items);
      if (n_types > 0 && (s->types[i] < 0 || s->types[i] >= n_types))
        return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                         "%s: sequence %lld, position %lld: event type %d outside [0, %lld)", what, (long long)u,
                         (long long)(i - s->offsets[u]), s->types[i], (long long)n_types);
    }
  }
  return BNDL_OK;
}

static bndl_status check_options(const bndl_nn_train_options *o) {
  if (o->epochs < 1 || o->batch < 1 || o->valid_every < 1 || o->metric_k < 1 || o->patience < 0 ||
      o->valid_users < 0 || o->warmup < 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                     "train: epochs %lld, batch %lld, valid_every %lld, metric_k %lld must be >= 1 and patience "
                     "%lld, valid_users %lld, warm-up %lld >= 0",
                     (long long)o->epochs, (long long)o->batch, (long long)o->valid_every, (long long)o->metric_k,
                     (long long)o->patience, (long long)o->valid_users, (long long)o->warmup);
  if (o->loss != BNDL_NN_LOSS_BCE && o->loss != BNDL_NN_LOSS_SAMPLED_SOFTMAX)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "train: unknown loss %d", (int)o->loss);
  if (o->loss == BNDL_NN_LOSS_BCE && o->sampler == BNDL_NN_SAMPLE_ALL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "train: the 'all' sampler (full softmax) needs the sampled softmax loss");
  return BNDL_OK;
}

typedef struct trainer {
  struct bndl_context *ctx;
  const bndl_nn_encoder *enc;
  bndl_nn_params *params;
  const float *feat;
  const bndl_nn_train_options *opt;
  const bndl_allocator *a;
  int64_t *train_len;
  int32_t *targets;
  float *best;
  int64_t n_valid;
  bndl_nn_batcher batcher;
  bndl_nn_optim optim;
  bndl_nn_arena arena;
  bndl_nn nn;
} trainer;

/* One step on batch `index` of the epoch; *loss and *rows: its mean loss and rows. */
static bndl_status train_step(trainer *t, int64_t index, double *loss, int64_t *rows) {
  bndl_nn_batch b;
  bndl_nn_targets tg;
  const int64_t *row;
  bndl_nn_batcher_fill(&t->batcher, index, t->nn.step, &b, &tg, &row);
  b.item_features = t->feat;
  int64_t d = t->enc->cfg.dim, n_out = b.batch * b.len * d;
  bndl_nn_arena_reset(&t->arena);
  float *out = bndl_nn_arena_floats(&t->arena, n_out);
  if (out == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_nn_encoder_cache cache;
  memset(&cache, 0, sizeof cache);
  BNDL_TRY(bndl_nn_encoder_forward(&t->nn, t->enc, &b, out, &cache));
  float *hc = bndl_nn_arena_floats(&t->arena, tg.rows * d), *dhc = bndl_nn_arena_floats(&t->arena, tg.rows * d);
  float *dout = bndl_nn_arena_zfloats(&t->arena, n_out);
  if (hc == NULL || dhc == NULL || dout == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t r = 0; r < tg.rows; r++)
    memcpy(hc + r * d, out + row[r] * d, (size_t)d * sizeof(float));
  BNDL_TRY(bndl_nn_loss(&t->nn, t->opt->loss, bndl_nn_encoder_items(t->enc), &tg, hc, loss, dhc));
  if (!isfinite(*loss))
    return bndl_fail(BNDL_ERR_STATE, "train: the loss is %g at step %lld (diverged: lower train.lr or clip)", *loss,
                     (long long)t->nn.step);
  for (int64_t r = 0; r < tg.rows; r++)
    memcpy(dout + row[r] * d, dhc + r * d, (size_t)d * sizeof(float));
  BNDL_TRY(bndl_nn_encoder_backward(&t->nn, t->enc, &b, &cache, dout));
  BNDL_TRY(bndl_nn_optim_step(&t->optim, t->ctx, t->params, NULL));
  bndl_nn_params_zero_grad(t->params);
  *rows = tg.rows;
  return BNDL_OK;
}

static bndl_status validate(trainer *t, const bndl_nn_sequences *train, double *metric) {
  bndl_nn_eval_set set = {.seq = train, .input_len = t->train_len, .exclude_len = NULL, .targets = t->targets};
  bndl_nn_eval_options eo = {.protocol = BNDL_NN_EVAL_FULL,
                             .k = t->opt->metric_k,
                             .n_neg = 0,
                             .max_users = t->opt->valid_users,
                             .seed = t->opt->seed ^ VALID_KEY};
  bndl_nn_eval_result r;
  BNDL_TRY(bndl_nn_evaluate(t->ctx, t->enc, t->params, t->feat, &set, &eo, &r));
  *metric = r.ndcg;
  return BNDL_OK;
}

static bndl_status run(trainer *t, const bndl_nn_sequences *train, bndl_nn_train_progress_fn fn, void *ud,
                       bndl_nn_train_report *rep) {
  const bndl_nn_train_options *o = t->opt;
  int64_t steps = bndl_nn_batcher_steps(&t->batcher), bad = 0;
  double t0 = now_seconds();
  for (int64_t e = 0; e < o->epochs; e++) {
    bndl_nn_batcher_epoch(&t->batcher, e);
    double sum = 0;
    int64_t n_rows = 0;
    for (int64_t i = 0; i < steps; i++) {
      double loss = 0;
      int64_t rows = 0;
      BNDL_TRY(train_step(t, i, &loss, &rows));
      sum += loss * (double)rows;
      n_rows += rows;
      t->nn.step++;
    }
    rep->epochs_run = e + 1;
    rep->steps = (int64_t)t->nn.step;
    rep->final_loss = n_rows > 0 ? sum / (double)n_rows : 0.0;
    double metric = NAN;
    int last = e + 1 == o->epochs;
    if (t->n_valid > 0 && ((e + 1) % o->valid_every == 0 || last)) {
      BNDL_TRY(validate(t, train, &metric));
      if (rep->best_epoch == 0 || metric > rep->best_metric) {
        rep->best_metric = metric;
        rep->best_epoch = e + 1;
        memcpy(t->best, t->params->value, t->params->total * sizeof(float));
        bad = 0;
      } else {
        bad++;
      }
    }
    double secs = now_seconds() - t0;
    rep->seconds = secs;
    int stop = o->patience > 0 && bad >= o->patience;
    if (fn != NULL) {
      bndl_nn_train_progress p = {.epoch = e + 1,
                                  .epochs = o->epochs,
                                  .step = (int64_t)t->nn.step,
                                  .loss = rep->final_loss,
                                  .metric = metric,
                                  .best_metric = rep->best_metric,
                                  .best_epoch = rep->best_epoch,
                                  .seconds = secs,
                                  .eta_seconds = stop || last ? 0.0 : secs / (double)(e + 1) * (double)(o->epochs - e - 1)};
      if (fn(ud, &p) != 0)
        return bndl_fail(BNDL_ERR_CANCELLED,
                         "train: cancelled by the progress callback after epoch %lld of %lld; the parameters are "
                         "the best so far (%s%lld, NDCG@%lld %.4f)",
                         (long long)(e + 1), (long long)o->epochs, rep->best_epoch ? "epoch " : "none validated: epoch ",
                         (long long)(rep->best_epoch ? rep->best_epoch : e + 1), (long long)o->metric_k,
                         rep->best_epoch ? rep->best_metric : NAN);
    }
    if (stop) {
      rep->stopped_early = 1;
      break;
    }
  }
  return BNDL_OK;
}

bndl_status bndl_nn_train(struct bndl_context *ctx, const bndl_nn_encoder *enc, bndl_nn_params *params,
                          const float *item_features, const bndl_nn_sequences *train,
                          const bndl_nn_sequences *valid, const bndl_nn_train_options *opt,
                          bndl_nn_train_progress_fn fn, void *ud, bndl_nn_train_report *rep) {
  bndl_nn_train_report local;
  if (rep == NULL)
    rep = &local;
  memset(rep, 0, sizeof *rep);
  rep->best_metric = NAN;
  if (ctx == NULL || enc == NULL || params == NULL || train == NULL || opt == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "train: context, encoder, parameters, sequences and options are required");
  if (params->value == NULL)
    return bndl_fail(BNDL_ERR_STATE, "train: the parameter store is not allocated");
  BNDL_TRY(check_options(opt));
  int64_t n_items = enc->cfg.n_items, n_types = enc->cfg.n_event_types;
  if (n_types > 0 && train->types == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "train: the encoder reads event types and the sequences have none");
  if (enc->cfg.n_item_features > 0 && item_features == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "train: the encoder reads item features and none were given");
  BNDL_TRY(check_sequences("train", train, n_items, n_types));
  if (valid != NULL) {
    if (valid->count != train->count)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "valid: %lld sequences, train has %lld (they must align)",
                       (long long)valid->count, (long long)train->count);
    BNDL_TRY(check_sequences("valid", valid, n_items, 0));
  }

  trainer t;
  memset(&t, 0, sizeof t);
  t.ctx = ctx;
  t.enc = enc;
  t.params = params;
  t.feat = item_features;
  t.opt = opt;
  t.a = params->alloc;
  bndl_status st = BNDL_OK;
  int64_t n = train->count;
  t.train_len = bndl_alloc_array(t.a, (size_t)n, sizeof(int64_t));
  t.targets = bndl_alloc_array(t.a, (size_t)n, sizeof(int32_t));
  t.best = bndl_alloc_array(t.a, params->total > 0 ? params->total : 1, sizeof(float));
  bndl_nn_arena_init(&t.arena, t.a, 0);
  if (t.train_len == NULL || t.targets == NULL || t.best == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t u = 0; u < n; u++) {
    int64_t l = train->offsets[u + 1] - train->offsets[u];
    if (valid != NULL) {
      t.train_len[u] = l;
      t.targets[u] = valid->offsets[u + 1] > valid->offsets[u] ? valid->items[valid->offsets[u]] : -1;
    } else {
      t.train_len[u] = l >= 3 ? l - 1 : l;
      t.targets[u] = l >= 3 ? train->items[train->offsets[u] + l - 1] : -1;
    }
    t.n_valid += t.targets[u] >= 0 && t.train_len[u] >= 1;
  }
  bndl_nn_batch_config bc = {.batch = opt->batch,
                             .max_len = enc->cfg.max_len,
                             .n_items = n_items,
                             .loss = opt->loss,
                             .n_neg = opt->negatives,
                             .shared_neg = opt->shared_negatives,
                             .sampler = opt->sampler,
                             .alpha = opt->sampler_alpha,
                             .seed = opt->seed};
  BNDL_TRY_GOTO(st, bndl_nn_batcher_init(&t.batcher, t.a, train, t.train_len, &bc), done);
  rep->train_sequences = t.batcher.n_examples;
  rep->valid_users = opt->valid_users > 0 && t.n_valid > opt->valid_users ? opt->valid_users : t.n_valid;
  bndl_nn_optim_config oc = {.kind = opt->optimizer,
                             .lr = opt->lr,
                             .weight_decay = opt->weight_decay,
                             .momentum = opt->momentum,
                             .beta1 = opt->beta1,
                             .beta2 = opt->beta2,
                             .eps = opt->eps,
                             .clip_norm = opt->clip,
                             .schedule = opt->schedule,
                             .warmup_steps = opt->warmup,
                             .total_steps = opt->epochs * bndl_nn_batcher_steps(&t.batcher)};
  BNDL_TRY_GOTO(st, bndl_nn_optim_init(&t.optim, params, &oc), done);
  t.nn = (bndl_nn){.ctx = ctx, .params = params, .arena = &t.arena, .training = 1,
                   .seed = bndl_nn_mix(opt->seed ^ DROPOUT_KEY), .step = 0};
  bndl_nn_params_zero_grad(params);
  st = run(&t, train, fn, ud, rep);
  if (rep->best_epoch > 0) /* restore the best, also after a failure or a cancel */
    memcpy(params->value, t.best, params->total * sizeof(float));
  bndl_nn_params_zero_grad(params);
done:
  bndl_nn_optim_free(&t.optim);
  bndl_nn_batcher_free(&t.batcher);
  bndl_nn_arena_free(&t.arena);
  bndl_free(t.a, t.train_len);
  bndl_free(t.a, t.targets);
  bndl_free(t.a, t.best);
  return st;
}
