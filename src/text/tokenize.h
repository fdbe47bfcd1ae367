/*
 * tokenize.h - turning UTF-8 text into tokens, shared by every text feature (lexicon
 * sentiment, the classifier's n-grams, keywords, word vectors).
 *
 * A tokenizer is built once (it holds the Chinese dictionary and the English stopword
 * and negator lists) and is then read-only: bndl_tokenize may run on many threads at
 * once with one bndl_token_list per thread. Tokens point into the list's own arena and
 * stay valid until the list is cleared or freed.
 */
#ifndef BNDL_TEXT_TOKENIZE_H
#define BNDL_TEXT_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

typedef enum bndl_token_kind {
  BNDL_TOKEN_WORD = 1,   /* a word (English) or a segmented word (Chinese) */
  BNDL_TOKEN_NUMBER = 2,
  BNDL_TOKEN_PUNCT = 3,  /* sentence punctuation, kept: it ends negation scopes and clauses */
  BNDL_TOKEN_EMOJI = 4,  /* emoji and emoticons such as ":)" (VADER scores some) */
  BNDL_TOKEN_CJK = 5     /* a Chinese word */
} bndl_token_kind;

typedef struct bndl_token {
  const char *text; /* NUL-terminated, normalised (case-folded, half-width) */
  uint32_t length;
  uint8_t kind;     /* bndl_token_kind */
  uint8_t negated;  /* inside a negation scope */
  uint32_t offset;  /* byte offset of the token in the input */
} bndl_token;

typedef struct bndl_token_list {
  const bndl_allocator *alloc;
  bndl_token *tokens;
  size_t n, cap;
  char *arena;
  size_t arena_len, arena_cap;
} bndl_token_list;

typedef struct bndl_tokenizer bndl_tokenizer;

typedef struct bndl_tokenizer_options {
  int language;  /* 0 auto (by script), 1 English, 2 Chinese */
  int negation;  /* mark negation scopes */
  int stopwords; /* drop stopwords */
} bndl_tokenizer_options;

/* A tokenizer with the built-in English rules and, when `lexicon` is not NULL, the
 * Chinese words of its lexicons added to the segmentation dictionary. */
bndl_status bndl_tokenizer_new(const bndl_allocator *a, const bndl_tokenizer_options *opt,
                               const struct bndl_lexicon *lexicon, bndl_tokenizer **out);
void bndl_tokenizer_free(bndl_tokenizer *t);
/* Adds words (with counts) learnt from a corpus to the Chinese dictionary (build phase).
 * counts may be NULL (each word then counts 2, as lexicon words do); a word already
 * there adds its count. Words that are not 1..8 CJK ideographs (after trimming blanks)
 * are skipped: the dictionary only segments Chinese runs. */
bndl_status bndl_tokenizer_add_words(bndl_tokenizer *t, const char *const *words, const int64_t *counts, int64_t n);
/* 1 if word (length bytes) is a word of the Chinese dictionary, else 0. */
int bndl_tokenizer_has_word(const bndl_tokenizer *t, const char *word, size_t length);

void bndl_token_list_init(bndl_token_list *l, const bndl_allocator *a);
void bndl_token_list_clear(bndl_token_list *l);
void bndl_token_list_free(bndl_token_list *l);
/* Tokenizes text into l (cleared first). Invalid UTF-8: BNDL_ERR_FORMAT with the offset. */
bndl_status bndl_tokenize(const bndl_tokenizer *t, const char *text, size_t len, bndl_token_list *l);

#endif
