/*
 * evaluate.h - next-item ranking quality of a trained encoder: NDCG@K and HIT@K under
 * the two protocols of ../shared/data/PROTOCOLS.md section 2.
 *
 * Each evaluated user has an input sequence (a prefix of its sequence in a CSR), one
 * held-out target, and an "exclude" prefix of the same sequence. The encoder reads the
 * last max_len input items (left padded, as in training); the user state is the last
 * row, and item i scores <state, E[i]> with the tied item table.
 *  - FULL (ICLRec / S3-Rec): the target is ranked against every item; the items of the
 *    exclude prefix (the user's training items) are masked, i.e. never ranked above
 *    the target. The target itself is always ranked.
 *  - SAMPLED (SASRec's code): the target is ranked against n_neg (100) items drawn
 *    uniformly, with replacement, among the items not in the exclude prefix (SASRec
 *    draws them outside the training items only, so the exclude prefix is then the
 *    training part, shorter than the input).
 * rank = the number of candidates scored strictly above the target; NDCG@K = 1 /
 * log2(rank + 2) and HIT@K = 1 when rank < K, else 0, averaged over the users.
 *
 * Users: those with a target >= 0 and a non-empty input; when there are more than
 * max_users (> 0), a seeded sample of max_users of them (the same for every call with
 * the same seed), evaluated in index order. Negatives of user u come from a generator
 * seeded by (seed, u), so results do not depend on batching or threads; the encoder
 * runs in inference mode (no dropout) on the context pool.
 */
#ifndef BNDL_MODEL_EVALUATE_H
#define BNDL_MODEL_EVALUATE_H

#include <stdint.h>

#include "model/batches.h"
#include "model/encoder.h"

typedef enum bndl_nn_eval_protocol { BNDL_NN_EVAL_FULL = 1, BNDL_NN_EVAL_SAMPLED = 2 } bndl_nn_eval_protocol;

typedef struct bndl_nn_eval_set {
  const bndl_nn_sequences *seq;
  const int64_t *input_len;   /* items of sequence u that form its input (NULL: all) */
  const int64_t *exclude_len; /* prefix masked (FULL) or kept out of the negatives (SAMPLED); NULL: input_len */
  const int32_t *targets;     /* per sequence; -1: not evaluated */
} bndl_nn_eval_set;

typedef struct bndl_nn_eval_options {
  bndl_nn_eval_protocol protocol;
  int64_t k;         /* cut-off */
  int64_t n_neg;     /* SAMPLED: negatives per user (100) */
  int64_t max_users; /* 0: all */
  uint64_t seed;     /* user sample and negatives */
} bndl_nn_eval_options;

typedef struct bndl_nn_eval_result {
  double ndcg, hit;
  int64_t users; /* evaluated */
} bndl_nn_eval_result;

/* BNDL_ERR_INVALID_ARGUMENT for an item or target outside the item table, a missing
 * type or feature input the encoder needs, or bad options. */
bndl_status bndl_nn_evaluate(struct bndl_context *ctx, const bndl_nn_encoder *enc, bndl_nn_params *params,
                             const float *item_features, const bndl_nn_eval_set *set,
                             const bndl_nn_eval_options *opt, bndl_nn_eval_result *out);

#endif
