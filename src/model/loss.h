/*
 * loss.h - scoring heads and training losses for next-item prediction with sampled
 * negatives. Each position r with a target (pos[r] >= 0) is scored against its positive
 * item and its negatives by dot products with the item embedding table (tied to the
 * input embedding): s = <h_r, E[item]>.
 *
 * Candidates. Per-position negatives (neg is rows x K; SASRec's one random negative per
 * position, GRU4Rec-style sampled sets) or one shared set of K negatives for the whole
 * batch (neg is K ids; large sampled-softmax sets, scored by one GEMM). A negative id
 * < 0 is skipped (lets rows carry fewer than K).
 *
 * BCE (SASRec):  loss = 1/N sum_r [ -log sigmoid(s_pos) - sum_k log(1 - sigmoid(s_neg_k)) ]
 *   over the N rows with a target; with K = 1 this is SASRec's
 *   mean(BCE(pos, 1)) + mean(BCE(neg, 0)) over non-padded positions.
 * Sampled softmax: loss = 1/N sum_r [ logsumexp_j(l_j) - l_pos ] over the positive and
 *   the negatives (cross-entropy with the positive as class 0). Options:
 *   - logQ correction (Bengio & Senecal; Jean et al. 2015; Yi et al. 2019): l_j = s_j -
 *     log Q(j), Q(j) the probability that the sampler proposes item j, given per
 *     candidate (logq_pos for the positives, logq_neg for the negatives); it makes the
 *     sampled softmax an unbiased-in-the-limit estimate of the full softmax;
 *   - remove_accidental_hits: a negative equal to the row's positive is dropped
 *     (logit -inf), as TensorFlow's sampled_softmax_loss does by default.
 *   Both apply to the sampled softmax only; BCE takes the negatives as given.
 *
 * Gradients: dL/ds in C (sigmoid, or the row softmax through bndl_op_softmax minus the
 * one-hot), then through the heads: per-position candidates are gathered into a
 * rows x (1+K) x dim block and scored by batched GEMMs (one per row: (1+K) x dim times
 * dim x 1), shared negatives by one rows x dim times dim x K GEMM. dh is written;
 * dE is scatter-added (rows in order, candidates in order) into the item table's
 * gradient. The loss value is summed in double.
 */
#ifndef BNDL_MODEL_LOSS_H
#define BNDL_MODEL_LOSS_H

#include <stdint.h>

#include "model/layers.h"

typedef enum bndl_nn_loss_kind { BNDL_NN_LOSS_BCE = 1, BNDL_NN_LOSS_SAMPLED_SOFTMAX = 2 } bndl_nn_loss_kind;

typedef struct bndl_nn_targets {
  int64_t rows;
  const int32_t *pos;      /* rows; -1: no target at this row (padding) */
  int64_t n_neg;           /* K */
  int shared_neg;          /* 0: neg is rows x K; 1: neg is K ids for every row */
  const int32_t *neg;
  const float *logq_pos;   /* rows, or NULL: no logQ correction */
  const float *logq_neg;   /* like neg (rows x K or K), or NULL */
  int remove_accidental_hits;
} bndl_nn_targets;

/* Loss over rows x dim states h; with dh != NULL also its gradient: dh (rows x dim) is
 * written and the item table's gradient accumulated. BNDL_ERR_INVALID_ARGUMENT for a
 * candidate id >= the table's rows. */
bndl_status bndl_nn_loss(const bndl_nn *nn, bndl_nn_loss_kind kind, const bndl_nn_embedding *items,
                         const bndl_nn_targets *t, const float *h, double *loss, float *dh);

#endif
