/*
 * text_model.h - the trained text classifier behind bndl_text_model_*: TF-IDF of word
 * and character n-grams (ngrams.h) and L2-regularised logistic regression (logreg.h).
 *
 * The model is immutable once built or loaded: the tokenizer (built from the stored
 * options, no lexicon: unknown Chinese runs become character bigrams, and the character
 * n-grams carry the rest), the vocabulary, idf, weights and bias. Scoring needs only
 * per-call scratch, so any number of threads may score with one model. The model keeps
 * its context alive and uses its allocator and pool.
 */
#ifndef BNDL_TEXT_TEXT_MODEL_H
#define BNDL_TEXT_TEXT_MODEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "text/ngrams.h"
#include "text/tokenize.h"
#include "text/vocab.h"

struct bndl_context;

struct bndl_text_model {
  uint32_t magic;
  atomic_int holders; /* references beyond the creator's (a dataset it scores for) */
  struct bndl_context *ctx;
  const bndl_allocator *alloc;
  bndl_tokenizer_options topt;
  bndl_tokenizer *tok;
  bndl_ngram_options nopt;
  bndl_vocab vocab;
  double *idf; /* vocab.n */
  double *w;   /* vocab.n */
  double bias;
  /* how it was trained (kept in the file for people; scoring needs none of it) */
  int64_t min_df, n_docs, n_pos, n_neg;
  double c;
  int32_t balanced, iterations;
};

/* The options a config gives (NULL = defaults). */
void bndl_text_model_options(const bndl_config *cfg, bndl_tokenizer_options *topt, bndl_ngram_options *nopt);

/* Trains on n texts with 0/1 labels (arguments already checked by the API layer). */
bndl_status bndl_text_model_build(struct bndl_context *ctx, const char *const *texts, const size_t *lengths,
                                  const int32_t *labels, int64_t n, const bndl_config *cfg, bndl_text_model **out);
/* Labels from a finalized dataset's review ratings, then bndl_text_model_build. */
bndl_status bndl_text_model_build_reviews(const bndl_dataset *ds, const bndl_config *cfg, bndl_text_model **out);

/* Probability of the positive class for each text (lengths NULL: NUL-terminated); in
 * parallel on the model's context when n is large. */
bndl_status bndl_text_model_probabilities(const bndl_text_model *m, const char *const *texts, const size_t *lengths,
                                          int64_t n, double *out);

/* An empty model shell (vocabulary empty, arrays NULL) and its destructor. */
bndl_status bndl_text_model_new(struct bndl_context *ctx, const bndl_tokenizer_options *topt,
                                const bndl_ngram_options *nopt, bndl_text_model **out);
void bndl_text_model_destroy(bndl_text_model *m);
/* As bndl_lexicon_retain / _release (lexicon.h). */
void bndl_text_model_retain(bndl_text_model *m);
void bndl_text_model_release(bndl_text_model *m);

/* Model file (text_model_format.h). */
bndl_status bndl_text_model_encode(const bndl_text_model *m, char **out, size_t *len);
bndl_status bndl_text_model_decode(struct bndl_context *ctx, const void *data, size_t len, const char *label,
                                   bndl_text_model **out);

#endif
