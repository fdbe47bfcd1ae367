/*
 * train.h - the trainer of the behaviour-sequence encoders (issue 4): mini-batches of
 * left-padded sequences (batches.h), a loss over tied item embeddings (loss.h), an
 * optimizer step (optim.h), validation with full-ranking NDCG@K (evaluate.h), early
 * stopping and a progress callback. The public bndl_model_train runs on this.
 *
 * Data. `train` holds every user's sequence in time order. Validation targets are
 * either given (`valid`: per sequence, its first item is the target; an empty entry is
 * not validated) or taken from the data: the last item of every training sequence of
 * length >= 3 is held out and the rest is trained on (leave-last-out). Validation
 * ranks the target against every item with the user's training items masked
 * (BNDL_NN_EVAL_FULL), on a seeded sample of valid_users users (the same users each
 * time), every valid_every epochs and after the last epoch.
 *
 * Best model. The parameter values at the best validation are copied and restored at
 * the end (also after early stopping, cancellation or a failure during training), so
 * the store always ends at the best parameters seen; with no validation target at all
 * it ends at the last step. Early stopping: after `patience` validations in a row
 * without a strictly better metric (0: never).
 *
 * Determinism: batches, negatives, dropout masks, the optimizer and the validation
 * sample depend on (seed, epoch, step) only, and the layers are thread-count
 * independent (nn.h), so the same seed gives bit-identical parameters on any number of
 * threads. The initial values are the caller's (bndl_nn_params_alloc's seed). Measured
 * on Beauty (tests/bench/RESULTS.md): start the item table at N(0, 1/dim) (set the
 * "item_emb" tensor's init_a to 1/sqrt(dim) before allocating) rather than
 * nn.Embedding's N(0, 1); with N(0, 1) the first scores have spread sqrt(dim) and the
 * sampled softmax starts at a loss of about 21 instead of 5.8 (validation NDCG@10 after
 * 2 epochs 0.0005 instead of 0.0024).
 */
#ifndef BNDL_MODEL_TRAIN_H
#define BNDL_MODEL_TRAIN_H

#include <stdint.h>

#include "model/batches.h"
#include "model/encoder.h"
#include "model/loss.h"
#include "model/optim.h"

struct bndl_context;

typedef struct bndl_nn_train_options {
  int64_t epochs, batch;
  bndl_nn_optimizer optimizer;
  double lr, weight_decay, momentum, beta1, beta2, eps;
  double clip;                  /* global gradient-norm clip; 0: off */
  bndl_nn_lr_schedule schedule;
  int64_t warmup;               /* linear warm-up steps */
  bndl_nn_loss_kind loss;
  int64_t negatives;            /* per position (BCE) or shared per batch (sampled softmax) */
  int shared_negatives;         /* 1: one set for the batch (sampled softmax); 0: per position */
  bndl_nn_sampler sampler;      /* uniform, popularity (with logQ), all (full softmax) */
  double sampler_alpha;         /* popularity exponent */
  int64_t patience, valid_every, valid_users, metric_k;
  uint64_t seed;
} bndl_nn_train_options;

/* The 400s keys (bundle_types.h) into options; train.seed -1 takes context_seed. A NULL
 * config reads the defaults. */
bndl_status bndl_nn_train_options_from_config(const bndl_config *cfg, uint64_t context_seed,
                                              bndl_nn_train_options *out);

typedef struct bndl_nn_train_progress {
  int64_t epoch, epochs, step; /* epoch: 1-based, just finished; step: updates so far */
  double loss;                 /* mean training loss of the epoch */
  double metric;               /* validation NDCG@K of this epoch, NaN when not validated */
  double best_metric;          /* NaN before the first validation */
  int64_t best_epoch;          /* 0 before the first validation */
  double seconds, eta_seconds;
} bndl_nn_train_progress;

/* Called after every epoch; a nonzero return cancels. */
typedef int (*bndl_nn_train_progress_fn)(void *ud, const bndl_nn_train_progress *p);

typedef struct bndl_nn_train_report {
  int64_t epochs_run, best_epoch; /* best_epoch 0: never validated */
  double best_metric;             /* NaN when never validated */
  double final_loss;              /* mean loss of the last epoch run */
  int stopped_early;
  int64_t steps;
  double seconds;
  int64_t train_sequences;        /* sequences with an example (a prefix of >= 2 items) */
  int64_t valid_users;            /* users in the validation sample */
} bndl_nn_train_report;

/* Trains params (allocated, initialised) of enc in place. item_features: the
 * n_items x n_item_features table when the encoder reads one, else NULL. valid: see
 * above (NULL: leave-last-out). fn may be NULL; rep may be NULL.
 * BNDL_ERR_INVALID_ARGUMENT for empty data, no sequence of 2 or more items, an item,
 * type or offset out of range, a missing input the encoder needs, or bad options;
 * BNDL_ERR_STATE when the loss or the gradient stops being finite (the message says
 * where; lower the rate or clip); BNDL_ERR_CANCELLED when fn asked to stop. In every
 * case the parameters end at the best values seen. */
bndl_status bndl_nn_train(struct bndl_context *ctx, const bndl_nn_encoder *enc, bndl_nn_params *params,
                          const float *item_features, const bndl_nn_sequences *train,
                          const bndl_nn_sequences *valid, const bndl_nn_train_options *opt,
                          bndl_nn_train_progress_fn fn, void *ud, bndl_nn_train_report *rep);

#endif
