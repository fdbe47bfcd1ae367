/*
 * keywords.h - the K most characteristic words of each document of a collection, by
 * TF-IDF or by TextRank; an item's document is its title and its reviews.
 *
 * Candidate words come from the shared tokenizer (tokenize.h; English and Chinese,
 * mixed text): word and Chinese-word tokens only (numbers, punctuation and emoji are
 * dropped), stopwords dropped by the tokenizer, negation marks ignored ("NOT_good" is
 * "good" here: a keyword names what reviews talk about, not what they say of it), and
 * single-character tokens dropped, Latin or Chinese: one letter is never a keyword, and
 * one ideograph is mostly a function word or an adverb the stopword list misses (很, 太,
 * 还), while the nouns people name things by are segmented as two or more; and a short
 * list of words the tokenizer keeps for the sentiment rules (negators, contrast words,
 * degree adverbs) or that name nothing (keywords.c) is dropped too.
 *
 * TF-IDF: a document's score of word w is (1 + ln tf) * idf, idf = ln((1 + N) / (1 +
 * df)) + 1 over the N non-empty documents of the collection (sklearn's sublinear tf and
 * smooth idf), the row then L2-normalised, so scores compare across documents.
 *
 * TextRank (Mihalcea & Tarau, EMNLP 2004): per document an undirected graph whose
 * vertices are its candidate words and whose edge weights count how often two distinct
 * words co-occur within `window` consecutive candidates of one text (the title and each
 * review are separate texts: no edge crosses them). Scores are weighted PageRank,
 *   S(v) = (1 - d) + d * sum_{u ~ v} w(u, v) / W(u) * S(u),   W(u) = sum_x w(u, x),
 * d = 0.85, iterated from S = 1 (Jacobi sweeps, so the order of vertices cannot matter)
 * until no score moves by more than 1e-4 (the paper's threshold) or 200 sweeps; scores
 * sum to the number of vertices. Adjacent keywords are not merged into phrases.
 *
 * Ties rank the word seen first in the document first. Work runs on the context pool in
 * fixed blocks of documents, each block writing its own slots; the TF-IDF vocabulary is
 * merged in document order between the passes, so results are identical for every
 * thread count. Memory does not grow with the amount of text: the TF-IDF vocabulary
 * (distinct candidate words), per-worker scratch sized by the largest document, the df
 * pass's block vocabularies for one chunk of blocks at a time, and K slots per document
 * (about twice the size of the result itself).
 */
#ifndef BNDL_TEXT_KEYWORDS_H
#define BNDL_TEXT_KEYWORDS_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "data/dataset.h"
#include "text/tokenize.h"

struct bndl_context;

enum { BNDL_KEYWORDS_TFIDF = 0, BNDL_KEYWORDS_TEXTRANK = 1 };

#define BNDL_TEXTRANK_DAMPING 0.85
#define BNDL_TEXTRANK_TOLERANCE 1e-4
#define BNDL_TEXTRANK_MAX_SWEEPS 200

typedef struct bndl_keyword_options {
  int method;     /* BNDL_KEYWORDS_* */
  int32_t k;      /* keywords kept per document (text.keywords) */
  int32_t window; /* TextRank co-occurrence window in candidates (text.window), >= 2 to make edges */
} bndl_keyword_options;

/* Documents: document d is the texts [doc_off[d], doc_off[d+1]) of texts/lengths. */
typedef struct bndl_keyword_docs {
  int64_t n_docs;
  const int64_t *doc_off;
  const char *const *texts;
  const size_t *lengths;
} bndl_keyword_docs;

/* Options from a config (text.keyword_method, text.keywords, text.window; NULL =
 * defaults). */
void bndl_keyword_options_from(const bndl_config *cfg, bndl_keyword_options *o);

/* The tokenizer keywords use: text.language of cfg, no negation marks, stopwords
 * dropped, the built-in dictionaries only (no lexicon: keywords then depend on the texts
 * and config alone), and, when any of texts[0..n) holds a CJK ideograph, Chinese words
 * learnt from those texts (bndl_tokenizer_learn, min count BNDL_KEYWORDS_LEARN_MIN). */
enum { BNDL_KEYWORDS_LEARN_MIN = 5 };
bndl_status bndl_keywords_tokenizer(const bndl_allocator *a, const bndl_config *cfg, const char *const *texts,
                                    const size_t *lengths, size_t n, bndl_tokenizer **out);

/* Keywords of every document into *out (out->offsets has n_docs + 1 entries). The
 * tokenizer should drop stopwords; it is only read. Invalid UTF-8 in a text:
 * BNDL_ERR_FORMAT naming the text's index. On failure *out is left empty. */
bndl_status bndl_keywords_extract(struct bndl_context *ctx, const bndl_tokenizer *tok, const bndl_keyword_docs *docs,
                                  const bndl_keyword_options *opt, bndl_item_keywords *out);

/* Weighted PageRank of TextRank over a symmetric graph in CSR (n vertices; row v lists
 * its neighbours adj[off[v]..off[v+1]) with weights w, no self loops) into score[n];
 * scratch holds 2n doubles. Returns the sweeps made. Exposed for the tests. */
int bndl_textrank_scores(int64_t n, const int64_t *off, const int32_t *adj, const double *w, double *score,
                         double *scratch);

#endif
