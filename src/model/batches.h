/*
 * batches.h - training mini-batches for next-item prediction from behaviour sequences.
 *
 * Sequences are a CSR (bndl_nn_sequences: offsets per sequence, items in time order,
 * optional event types). The trainer uses a prefix of each (`len`: the items left after
 * holding out validation targets). One example per sequence and epoch, as SASRec: the
 * LAST max_len + 1 items of the prefix give the inputs (all but the last) and the
 * next-item targets (all but the first), left padded to T = max_len, so the most recent
 * input is always at position T - 1. Sequences whose prefix has fewer than 2 items
 * have no example.
 *
 * Order: the examples are shuffled each epoch by a Fisher-Yates pass of a generator
 * seeded by (seed, epoch); batch i of the epoch takes examples [i B, (i + 1) B) of that
 * order (the last batch may be smaller).
 *
 * Targets come compacted: only the rows (b * T + t) that have a target, in row order,
 * with `row` mapping each back, so the loss never scores padding.
 *
 * Negatives are drawn by a generator seeded by (seed, step), serially in row order, so
 * a batch depends on (seed, epoch, index, step) only:
 *  - per row (BCE, or sampled softmax with shared = 0): K ids, each redrawn until it
 *    differs from the row's positive;
 *  - shared (sampled softmax): K ids for the whole batch; the loss drops a shared
 *    negative equal to a row's positive (remove_accidental_hits).
 * Samplers: uniform over the items; popularity, q(i) proportional to c(i)^alpha with
 * c(i) the item's count among the training targets (with logQ correction: logq is
 * log q of every candidate); all, every item as a shared candidate (full softmax).
 */
#ifndef BNDL_MODEL_BATCHES_H
#define BNDL_MODEL_BATCHES_H

#include <stdint.h>

#include "model/encoders.h"
#include "model/loss.h"

typedef struct bndl_nn_sequences {
  int64_t count;
  const int64_t *offsets; /* count + 1 */
  const int32_t *items;
  const int32_t *types;   /* or NULL */
} bndl_nn_sequences;

typedef enum bndl_nn_sampler {
  BNDL_NN_SAMPLE_UNIFORM = 0,
  BNDL_NN_SAMPLE_POPULARITY = 1,
  BNDL_NN_SAMPLE_ALL = 2
} bndl_nn_sampler;

typedef struct bndl_nn_batch_config {
  int64_t batch, max_len, n_items;
  bndl_nn_loss_kind loss;
  int64_t n_neg;           /* per row or shared (ignored for BNDL_NN_SAMPLE_ALL) */
  int shared_neg;
  bndl_nn_sampler sampler;
  double alpha;            /* popularity exponent */
  uint64_t seed;
} bndl_nn_batch_config;

typedef struct bndl_nn_batcher {
  bndl_nn_batch_config cfg;
  const bndl_allocator *alloc;
  const bndl_nn_sequences *seq;
  const int64_t *len;        /* prefix used per sequence */
  int64_t n_examples;
  int64_t *examples, *order; /* sequence ids with a prefix of >= 2; this epoch's order */
  double *cdf;               /* popularity: cumulative q */
  float *logq;               /* popularity: log q(i) */
  /* one batch */
  int32_t *items, *types, *pos, *neg;
  int64_t *row;
  float *logq_pos, *logq_neg;
  int64_t n_neg;             /* K as filled */
} bndl_nn_batcher;

/* len: items of each sequence to use (NULL: all). The sequences must stay alive and
 * unchanged while the batcher is used. BNDL_ERR_INVALID_ARGUMENT when no sequence has 2
 * or more items, or for an impossible configuration. */
bndl_status bndl_nn_batcher_init(bndl_nn_batcher *b, const bndl_allocator *alloc, const bndl_nn_sequences *seq,
                                 const int64_t *len, const bndl_nn_batch_config *cfg);
/* Batches per epoch. */
int64_t bndl_nn_batcher_steps(const bndl_nn_batcher *b);
/* Shuffles the examples for `epoch`. */
void bndl_nn_batcher_epoch(bndl_nn_batcher *b, int64_t epoch);
/* Batch `index` of the current epoch, negatives from `step`: fills the batch (items,
 * types) and compacted targets (t->rows rows; *row maps them to b * T + t). The arrays
 * belong to the batcher and are overwritten by the next call. */
void bndl_nn_batcher_fill(bndl_nn_batcher *b, int64_t index, uint64_t step, bndl_nn_batch *out, bndl_nn_targets *t,
                          const int64_t **row);
void bndl_nn_batcher_free(bndl_nn_batcher *b);

#endif
