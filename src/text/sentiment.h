/*
 * sentiment.h - the rule engine of lexicon sentiment: tokens + lexicon -> compound score.
 *
 * Input is a token list from the tokenizer (tokenize.h), so the rules see words, their
 * negation marks and the punctuation that ends clauses; the text itself is only read
 * back for ALL-CAPS emphasis (tokens are case-folded). The rules are in sentiment.c.
 * Scoring reads the lexicon only and allocates its scratch per call: any number of
 * threads may score with one lexicon.
 */
#ifndef BNDL_TEXT_SENTIMENT_H
#define BNDL_TEXT_SENTIMENT_H

#include <stddef.h>

#include "bundle/bundle_types.h"
#include "text/lexicon.h"
#include "text/tokenize.h"

/* VADER's empirically derived constants (Hutto & Gilbert, ICWSM 2014). */
#define BNDL_SENT_BOOST 0.293       /* booster / dampener step, valence units */
#define BNDL_SENT_CAPS 0.733        /* ALL-CAPS word in mixed-case text */
#define BNDL_SENT_NEGATE (-0.74)    /* English negation multiplier */
#define BNDL_SENT_BANG 0.292        /* per exclamation mark, at most 4 */
#define BNDL_SENT_BEFORE_BUT 0.5    /* clause weights around a contrast word */
#define BNDL_SENT_AFTER_BUT 1.5
#define BNDL_SENT_ALPHA 15.0        /* compound = s / sqrt(s^2 + alpha) */

typedef struct bndl_sentiment_detail {
  double sum;          /* the summed valence before normalisation (exclamation included) */
  int n_sentiment;     /* sentiment words that counted */
} bndl_sentiment_detail;

/* Score in [-1, 1] of the text whose tokens are `tokens` (text/len: the same text, for
 * the caps check; may be NULL/0, then no caps rule). detail may be NULL. */
bndl_status bndl_sentiment_score_tokens(const struct bndl_lexicon *lex, const char *text, size_t len,
                                        const bndl_token_list *tokens, double *score,
                                        bndl_sentiment_detail *detail);

/* (Re)builds the tokenizer that scoring text uses (auto language, negation scopes, no
 * stopword removal), its Chinese dictionary seeded with the lexicon's words. Called after
 * every change of the store; the old tokenizer is freed only when the new one exists. */
bndl_status bndl_sentiment_prepare(struct bndl_lexicon *lex);
/* Loads a file (format != 0) or a folder (format == 0, path a directory) and prepares
 * the tokenizer; on any failure the lexicon is as it was before the call. */
bndl_status bndl_sentiment_load(struct bndl_lexicon *lex, const char *path, bndl_lex_format format);
/* Tokenizes and scores one text (invalid UTF-8: BNDL_ERR_FORMAT with the offset). */
bndl_status bndl_sentiment_score_text(const struct bndl_lexicon *lex, const char *text, size_t len, double *score,
                                      bndl_sentiment_detail *detail);

#endif
