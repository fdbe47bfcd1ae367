/*
 * text_eval_split.h - the held-out split every text-sentiment evaluation uses (the
 * trained classifier's eval_text_classifier, the lexicon scorer's evaluation, and the
 * speed benchmark against jieba + scikit-learn), so their accuracies are on the same rows.
 *
 * Rows: the labelled reviews of one file in the order the preset loads them (file order),
 * after dropping those without a label (All_Beauty: rating 3; a rating >= 4 is positive,
 * <= 2 negative; the Chinese files and amazon_cells carry 0/1). Reviews with an empty
 * text stay in.
 *
 * Shuffle: perm = 0..n-1, then Fisher-Yates from the end with bndl_rng seeded
 * (seed 42, stream 0): for i = n-1 down to 1: j = bndl_rng_below(&rng, i + 1);
 * swap(perm[i], perm[j]).
 *
 * Held out: the last n / 5 positions of perm (integer division); the first n - n / 5
 * train. Tuning never looks at them: it splits the training positions the same way again
 * (their last n_train / 5 validate). k-fold cross-validation (amazon_cells, k = 10): fold
 * f tests positions [f n / k, (f + 1) n / k) of perm and trains on the rest, in perm
 * order.
 *
 * bench_text_vs_sklearn.py re-implements the shuffle in Python (xoshiro256** seeded by
 * splitmix64, Lemire's bounded draw: src/core/rng.c) and checks its permutation against
 * the one eval_text_classifier --dump-split writes.
 */
#ifndef BNDL_TEXT_EVAL_SPLIT_H
#define BNDL_TEXT_EVAL_SPLIT_H

#include <stdint.h>

#include "core/rng.h"

enum { TEXT_EVAL_SEED = 42 };

static inline void text_eval_shuffle(int64_t *perm, int64_t n) {
  bndl_rng rng;
  bndl_rng_seed(&rng, TEXT_EVAL_SEED, 0);
  for (int64_t i = 0; i < n; i++)
    perm[i] = i;
  for (int64_t i = n - 1; i >= 1; i--) {
    int64_t j = (int64_t)bndl_rng_below(&rng, (uint64_t)i + 1);
    int64_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

/* Positions [0, n_train) train, [n_train, n) are held out. */
static inline int64_t text_eval_n_train(int64_t n) { return n - n / 5; }

#endif
