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
/* The count of a dictionary word (what its cost comes from); -1 when it is not one. */
int64_t bndl_tokenizer_word_count(const bndl_tokenizer *t, const char *word, size_t length);
/* Saving and restoring a dictionary (a trained model keeps the one it was trained with):
 * for_each_word calls fn for every Chinese word with its count, in byte order; a new
 * tokenizer given that list by set_words, which sets counts exactly (adding the words
 * that are new), segments exactly as the one the list came from. A non-OK return of fn
 * stops the walk and is returned. */
typedef bndl_status (*bndl_tokenizer_word_fn)(const char *word, size_t length, int64_t count, void *user_data);
bndl_status bndl_tokenizer_for_each_word(const bndl_tokenizer *t, bndl_tokenizer_word_fn fn, void *user_data);
bndl_status bndl_tokenizer_set_words(bndl_tokenizer *t, const char *const *words, const int64_t *counts, int64_t n);

/* ---- learning the dictionary from a corpus (build phase; word_learn.c) ---------- */

/* New word discovery over raw texts: strings of 2..4 ideographs seen >= min_count times
 * whose every split has PMI >= min_pmi + (length - 2) * pmi_step (nats), whose left and
 * right neighbour entropies are >= min_entropy (nats), and that are not two such
 * 2-character words side by side; word_learn.c states the rules exactly. */
typedef struct bndl_word_learn_options {
  int64_t min_count;  /* default 5 */
  double min_pmi;     /* default 2.3 (ln 10): 10 times more often than chance */
  double pmi_step;    /* default 2.3: a 3-gram needs 100 times, a 4-gram 1000 times */
  double min_entropy; /* default 1.5 */
} bndl_word_learn_options;

typedef struct bndl_learnt_words {
  const bndl_allocator *alloc;
  int64_t n;
  char **words;       /* NUL-terminated UTF-8, into pool */
  int64_t *counts;    /* occurrences in the corpus */
  double *pmi;        /* the least PMI over the word's splits */
  double *entropy;    /* the lesser of its left and right neighbour entropies */
  char *pool;
  int64_t corpus_chars; /* ideographs in the corpus */
} bndl_learnt_words;

void bndl_word_learn_defaults(bndl_word_learn_options *o);
/* The words of texts (lengths may be NULL: NUL-terminated), sorted by count descending,
 * then by bytes. Deterministic: depends only on the texts and their order. Invalid
 * UTF-8: BNDL_ERR_FORMAT naming the text. Free with bndl_learnt_words_free. */
bndl_status bndl_text_learn_words(const bndl_allocator *a, const char *const *texts, const size_t *lengths, int64_t n,
                                  const bndl_word_learn_options *opt, bndl_learnt_words *out);
void bndl_learnt_words_free(bndl_learnt_words *w);
/* Re-estimates the counts of the dictionary's Chinese words from texts (hard EM):
 * `iterations` times, segment every text with the current costs and set each word's
 * count to the number of times the path chose it. */
bndl_status bndl_tokenizer_reestimate(bndl_tokenizer *t, const char *const *texts, const size_t *lengths, int64_t n,
                                      int iterations);
/* Adds learnt words with their counts, except those that end in a one-character
 * negator or particle of the dictionary ("也不", "还没", "买了"): they would hide a
 * negation scope or glue a particle to its word (the particles: 的 了 吗 呢 吧 啊 呀 哦 嘛). *added (may be NULL): words taken. */
bndl_status bndl_tokenizer_add_learnt(bndl_tokenizer *t, const bndl_learnt_words *w, int64_t *added);
/* bndl_text_learn_words with the default thresholds and this min_count, the words added
 * by bndl_tokenizer_add_learnt, then 2 re-estimation iterations over the same texts: the lexicon
 * and built-in words get corpus counts too. */
bndl_status bndl_tokenizer_learn(bndl_tokenizer *t, const char *const *texts, const size_t *lengths, int64_t n,
                                 int64_t min_count);

/* 1 if cp is a CJK ideograph, the characters Chinese segmentation works on. */
int bndl_text_is_ideograph(uint32_t cp);
const bndl_allocator *bndl_tokenizer_allocator(const bndl_tokenizer *t);

void bndl_token_list_init(bndl_token_list *l, const bndl_allocator *a);
void bndl_token_list_clear(bndl_token_list *l);
void bndl_token_list_free(bndl_token_list *l);
/* Tokenizes text into l (cleared first). Invalid UTF-8: BNDL_ERR_FORMAT with the offset. */
bndl_status bndl_tokenize(const bndl_tokenizer *t, const char *text, size_t len, bndl_token_list *l);

#endif
