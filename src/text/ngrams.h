/*
 * ngrams.h - the classifier's features: word and character n-grams, their vocabulary
 * with document frequencies, and TF-IDF rows.
 *
 * Feature keys (byte strings, the vocabulary's keys and the model file's):
 *   word n-gram  'w' + the tokens joined by ' ', a token inside a negation scope written
 *                "NOT_" + token (so "NOT_good" and "good" are different features). The
 *                tokens are the tokenizer's WORD, NUMBER, EMOJI and CJK tokens; a PUNCT
 *                token is not a feature and no n-gram spans one (n-grams stay inside a
 *                clause, as negation scopes do).
 *   char n-gram  'c' + n code points of the normalised text (below), n = 1..char_ngrams,
 *                taken inside each space-delimited run padded with a space on either
 *                side (sklearn's char_wb: " good " gives " g", "goo", "od ", ...; none
 *                spans two runs); a lone space is no feature. An n-gram holding a
 *                Chinese ideograph has at most 3 characters (CJK_MAX_NGRAM: Chinese words
 *                are 1-3 characters, and longer ones only cost time, ngrams.c), so for
 *                Chinese the character 1-3 grams carry the signal, segmentation or not,
 *                while alphabetic words get the longer n-grams that short English
 *                reviews need.
 * Normalised text (char n-grams only): ASCII and full-width Latin folded to lower-case
 * half-width (U+FF01..U+FF5E -> U+0021..U+007E), every run of white space (ASCII, NBSP,
 * U+3000) one space, control characters, U+FEFF and zero-width spaces dropped, ends
 * trimmed. Bytes that are not UTF-8 count as U+FFFD (the tokenizer refuses such text
 * before this is reached).
 *
 * TF-IDF (N training documents, df(t) the number of them containing t, c(t,d) the count
 * of t in d; sklearn's TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm='l2')):
 *   tf(t,d)  = 1 + ln c(t,d)                      (sublinear tf)
 *   idf(t)   = ln((1 + N) / (1 + df(t))) + 1      (smooth idf: as if one extra document
 *                                                  held every term; never 0)
 *   x(t,d)   = tf(t,d) idf(t) / sqrt(sum_t' (tf(t',d) idf(t'))^2)   (L2 rows)
 * Only vocabulary terms count in the norm; a document without any is an empty row.
 * Features seen in fewer than min_df training documents are dropped before idf.
 */
#ifndef BNDL_TEXT_NGRAMS_H
#define BNDL_TEXT_NGRAMS_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "text/tokenize.h"
#include "text/vocab.h"

typedef struct bndl_ngram_options {
  int32_t word_ngrams; /* longest word n-gram, >= 1 */
  int32_t char_ngrams; /* longest character n-gram, 0 = none */
} bndl_ngram_options;

/* The keys of one document (reused from document to document). */
typedef struct bndl_ngram_keys {
  const bndl_allocator *alloc;
  char *bytes;
  size_t len, cap;
  uint32_t *off; /* n + 1 */
  uint64_t *hash;
  size_t n, cap_n;
  uint32_t *cps; /* the normalised text as code points */
  size_t n_cps, cap_cps;
} bndl_ngram_keys;

void bndl_ngram_keys_init(bndl_ngram_keys *k, const bndl_allocator *a);
void bndl_ngram_keys_free(bndl_ngram_keys *k);
/* Fills k with the keys of one document, in a fixed order (word n-grams by start token
 * then length, then char n-grams by start then length), duplicates included. */
bndl_status bndl_ngram_keys_extract(bndl_ngram_keys *k, const bndl_ngram_options *o, const bndl_token_list *tokens,
                                    const char *text, size_t len);
static inline const char *bndl_ngram_key(const bndl_ngram_keys *k, size_t i, size_t *len) {
  *len = k->off[i + 1] - k->off[i];
  return k->bytes + k->off[i];
}

/* Distinct ids of one document with their counts, in first-appearance order. */
typedef struct bndl_term_counter {
  const bndl_allocator *alloc;
  int32_t *slot_id;
  uint32_t *slot_pos, *slot_gen;
  size_t mask;
  uint32_t gen;
  int32_t *ids;
  uint32_t *counts;
  size_t n, cap;
} bndl_term_counter;

void bndl_term_counter_init(bndl_term_counter *c, const bndl_allocator *a);
void bndl_term_counter_free(bndl_term_counter *c);
/* Starts a document that will add at most max_terms ids. */
bndl_status bndl_term_counter_begin(bndl_term_counter *c, size_t max_terms);
void bndl_term_counter_add(bndl_term_counter *c, int32_t id);

/* TF-IDF of counted terms: out[i] = x(ids[i], d) as defined at the top. */
void bndl_tfidf_row(const int32_t *ids, const uint32_t *counts, size_t n, const double *idf, double *out);
/* idf of a term seen in df of n_docs documents. */
double bndl_idf(int64_t df, int64_t n_docs);

/* A document for bndl_tfidf_fit: its tokens (filled into scratch, or any list the
 * callback owns) and its raw text. Called from pool tasks, concurrently for different
 * documents. */
typedef bndl_status (*bndl_doc_fn)(void *ud, int64_t doc, bndl_token_list *scratch, const bndl_token_list **tokens,
                                   const char **text, size_t *len);

/* Sparse rows (CSR) of float values with int32 column indices. */
typedef struct bndl_csr {
  int64_t rows, cols;
  int64_t *indptr; /* rows + 1 */
  int32_t *idx;
  float *val;
} bndl_csr;
void bndl_csr_free(const bndl_allocator *a, bndl_csr *m);

/* The features of a training corpus: the vocabulary of every key seen in >= min_df
 * documents (ids by document frequency, descending, then by first appearance in document
 * order), its idf, and the
 * TF-IDF rows of the n documents. Documents are read in fixed blocks on the context's
 * pool, and the result does not depend on the thread count. */
bndl_status bndl_tfidf_fit(struct bndl_context *ctx, const bndl_ngram_options *o, int64_t min_df, bndl_doc_fn doc,
                           void *ud, int64_t n, bndl_vocab *vocab, double **idf, bndl_csr *X);

#endif
