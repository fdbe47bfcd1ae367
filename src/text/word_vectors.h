/*
 * word_vectors.h - trained word vectors behind bndl_word_vectors_*: the tokenizer they
 * were trained with (its learnt Chinese dictionary included, so a later text is cut the
 * same way), the vocabulary (words seen >= min_count times, by count descending, ties in
 * first-appearance order), each word's count, and its skip-gram vector (skipgram.h).
 *
 * Building: texts are tokenized on the pool in fixed blocks of documents, each block
 * counting its words in its own vocabulary; the blocks are merged in block order (so
 * first appearance is corpus order), words below min_count dropped, the rest ordered,
 * and each block's token list mapped to final ids: the corpus for skip-gram, one
 * sentence per text. Punctuation tokens are dropped; words, numbers, emoji and Chinese
 * words are kept (negation is not marked: a word's vector is its own). For a corpus that
 * is not declared English, Chinese words are learnt from it first
 * (bndl_tokenizer_learn), as without a lexicon unknown runs fall back to character
 * bigrams.
 *
 * Immutable once built or loaded: lookups and nearest-word queries allocate per call, so
 * any number of threads may use one. Retains its context.
 */
#ifndef BNDL_TEXT_WORD_VECTORS_H
#define BNDL_TEXT_WORD_VECTORS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "text/skipgram.h"
#include "text/tokenize.h"
#include "text/vocab.h"

struct bndl_context;

struct bndl_word_vectors {
  uint32_t magic;
  atomic_int holders; /* references besides the creator's (a dataset's, see retain) */
  struct bndl_context *ctx;
  const bndl_allocator *alloc;
  bndl_tokenizer_options topt; /* language as configured; no negation marks, stopwords kept */
  bndl_tokenizer *tok;
  bndl_skipgram_options opt;
  int64_t min_count;
  bndl_vocab vocab;   /* word i is key i */
  int64_t *counts;    /* vocab.n, >= min_count */
  int64_t total;      /* corpus tokens kept (sum of counts) */
  int64_t n_texts;    /* training texts */
  float *vectors;     /* vocab.n x opt.dim */
  double *norm;       /* vocab.n: ||vector|| (in double: a file's tiny vectors stay finite) */
  /* how long training took (wall seconds; 0 after a load): learning the Chinese
   * dictionary, tokenizing and counting, skip-gram */
  double seconds_dictionary, seconds_corpus, seconds_skipgram;
};

/* Training options from a config (NULL = defaults); *min_count from text.vector_min_count. */
void bndl_word_vectors_options(const bndl_config *cfg, uint64_t context_seed, bndl_tokenizer_options *topt,
                               bndl_skipgram_options *opt, int64_t *min_count);

/* Trains on n texts (lengths NULL: NUL-terminated; arguments checked by the API layer).
 * `what` names the texts in messages ("texts", "review"); rows (NULL = identity) maps
 * document d to texts[rows[d]]. INVALID_ARGUMENT when dim is 0 or no word reaches
 * min_count; FORMAT for invalid UTF-8, naming the text. */
bndl_status bndl_word_vectors_build(struct bndl_context *ctx, const char *const *texts, const size_t *lengths,
                                    int64_t n, const bndl_config *cfg, const char *what, bndl_word_vectors **out);
/* The same on a finalized dataset's review texts and catalogue titles (titles first, in
 * item order, then reviews in row order). */
bndl_status bndl_word_vectors_build_dataset(const bndl_dataset *ds, const bndl_config *cfg, bndl_word_vectors **out);

/* Id of a word as the tokenizer normalises it (case folding, half-width forms), or -1. */
int64_t bndl_word_vectors_find_word(const bndl_word_vectors *wv, const char *word, size_t length);
/* The k words of highest cosine with word `id` (itself excluded), score descending, ties
 * by lower id; *found receives how many (k or fewer). */
void bndl_word_vectors_nearest_ids(const bndl_word_vectors *wv, int64_t id, int32_t k, int64_t *ids, float *scores,
                                   int32_t *found);

/* An empty shell (no words) and its destructor; the norms after vectors change. */
bndl_status bndl_word_vectors_new(struct bndl_context *ctx, const bndl_tokenizer_options *topt,
                                  bndl_word_vectors **out);
void bndl_word_vectors_destroy(bndl_word_vectors *wv);
/* Reference counting for holders such as a dataset (bndl_dataset_set_word_vectors):
 * retain adds one; release drops one and destroys when none is left (the creator's
 * free is a release). The object is read-only, so holders share it. */
void bndl_word_vectors_retain(bndl_word_vectors *wv);
void bndl_word_vectors_release(bndl_word_vectors *wv);
void bndl_word_vectors_compute_norms(bndl_word_vectors *wv);

/* File (word_vectors_format.h). */
bndl_status bndl_word_vectors_encode(const bndl_word_vectors *wv, char **out, size_t *len);
bndl_status bndl_word_vectors_decode(struct bndl_context *ctx, const void *data, size_t len, const char *label,
                                     bndl_word_vectors **out);

#endif
