/*
 * skipgram.h - word2vec skip-gram with negative sampling (Mikolov et al. 2013) over a
 * corpus of word ids: the training step behind word vectors (word_vectors.h).
 *
 * The model is word2vec's: an input vector per word (the result) and an output vector
 * per word; for every word of a sentence and every other word within a dynamic window
 * (1..window, drawn per position), one positive pair and `negatives` noise words drawn
 * from unigram^0.75 (Vose's alias table: one random bucket and one compare per draw),
 * logistic loss, plain SGD with the rate falling linearly from alpha to alpha * 1e-4 over
 * all epochs; frequent words are subsampled with word2vec's keep probability
 * (sqrt(f / (t N)) + 1) t N / f; the sigmoid is word2vec's table over [-6, 6].
 *
 * Same vectors for every thread count (Hogwild, word2vec's scheme, gives different ones
 * on every run). The corpus is cut into fixed blocks of whole sentences (about
 * clamp(N / 256, 256, 8192) tokens each, N the corpus length: a function of the corpus
 * only), and blocks are trained in rounds of ROUND_BLOCKS = 2. Within a round both blocks
 * start from the same weights, work on private copies of the rows they touch (so each
 * sees its own updates: plain SGD inside a block), and keep the difference; after the
 * round the differences are added to the weights, first block first. Every random draw
 * comes from a generator seeded by (seed, epoch, block). The price, against Hogwild:
 *  - parallelism is 2 threads at most (a third thread waits). Rounds of 4 or 8 blocks
 *    were tried: summing 4 or 8 block trajectories that all moved the same frequent
 *    rows overshoots (8 diverged on All_Beauty; 4 lost quality on a toy corpus), and
 *    averaging them instead slowed learning (neighbour overlap with gensim 0.03 - 0.30
 *    against 0.52 for 2 blocks summed, gensim's own run-to-run overlap being 0.53);
 *  - a row's updates from the other block arrive one block late (at most 8192 tokens);
 *  - each touched row is copied in and out once per block (O(rows x dim) against the
 *    O(tokens x window x negatives x dim) of the training itself), and the merge runs
 *    on the calling thread.
 * Memory: per round slot, two dense maps of n_words int32 and copies of the touched rows
 * (at most 2 x min(n_words, rows touched) x dim floats).
 */
#ifndef BNDL_TEXT_SKIPGRAM_H
#define BNDL_TEXT_SKIPGRAM_H

#include <stdint.h>

#include "bundle/bundle_types.h"

struct bndl_context;

typedef struct bndl_skipgram_options {
  int32_t dim;       /* >= 1 */
  int32_t window;    /* >= 1: context up to window words each side */
  int32_t negatives; /* >= 1 */
  int32_t epochs;    /* >= 1 */
  double sample;     /* subsampling threshold t (0 = off) */
  double alpha;      /* starting learning rate */
  uint64_t seed;
} bndl_skipgram_options;

/* Sentences of word ids: sentence s is tokens[off[s] .. off[s + 1]). */
typedef struct bndl_skipgram_corpus {
  const int32_t *tokens; /* ids in [0, n_words) */
  const int64_t *off;    /* n_sentences + 1, off[0] = 0 */
  int64_t n_sentences;
} bndl_skipgram_corpus;

/* Trains and writes the input vectors (n_words x dim, row-major) to `vectors`. counts[w]
 * is word w's frequency (drives subsampling and the noise distribution; every count
 * >= 1). Runs on the context's pool. */
bndl_status bndl_skipgram_train(struct bndl_context *ctx, const bndl_skipgram_corpus *corpus, int64_t n_words,
                                const int64_t *counts, const bndl_skipgram_options *opt, float *vectors);

#endif
