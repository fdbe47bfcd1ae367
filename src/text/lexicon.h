/*
 * lexicon.h - the sentiment lexicon store: word -> valence, degree multiplier and the
 * kinds of word it is (sentiment, degree, negator, opinion), with loaders for every
 * file format of ../shared/data/lexicons.
 *
 * One hash map from the normalised word (ASCII letters lower-cased, surrounding blanks
 * trimmed; the tokenizer folds tokens the same way) to one entry. VADER tokens written
 * with capitals are also kept as written, for emoticons, whose case the tokenizer keeps
 * ("D:" is not "d:"). Entries keep their insertion order, so iteration
 * (bndl_lexicon_for_each_word) is deterministic.
 *
 * How lists that overlap combine (order of loading never matters):
 *  - valence: every source has a rank: VADER (human-rated mean valence) 3, DUTIR
 *    (annotated intensity) 2, the one-word-per-line lists (Hu & Liu, NTUSD, HowNet) 1.
 *    A word keeps the mean of the valences given at the highest rank that lists it, so
 *    VADER's -4..4 value wins over Hu & Liu's fixed +-BNDL_LEX_LIST_VALENCE, and a word
 *    that two lists of the same rank give opposite signs averages to 0 (ambiguous).
 *  - degree: a word listed at several levels keeps the first level it was loaded with
 *    (a logged warning names it).
 *  - the kind bits accumulate: a word can be a sentiment word and a degree word ("好",
 *    "太好" vs "好棒"); the scoring rules decide per position which role it plays.
 *
 * Thread rule: loading is exclusive; once loading is over the store is read-only and
 * lookups may run on any number of threads.
 */
#ifndef BNDL_TEXT_LEXICON_H
#define BNDL_TEXT_LEXICON_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

struct bndl_tokenizer;

/* Kind bits of a word (several may be set). */
enum {
  BNDL_LEX_SENTIMENT = 1u, /* has a valence */
  BNDL_LEX_DEGREE = 2u,    /* intensifier or dampener: `degree` is its multiplier */
  BNDL_LEX_NEGATOR = 4u,   /* flips the polarity of what follows */
  BNDL_LEX_OPINION = 8u    /* opinion verb (HowNet 主张词语: "认为", "觉得"); no effect on scores */
};

/* The file formats of bndl_lexicon_load (bundle.h lists their layouts). */
typedef enum bndl_lex_format {
  BNDL_LEX_FORMAT_VADER = 1,
  BNDL_LEX_FORMAT_POSITIVE,
  BNDL_LEX_FORMAT_NEGATIVE,
  BNDL_LEX_FORMAT_HOWNET_POSITIVE,
  BNDL_LEX_FORMAT_HOWNET_NEGATIVE,
  BNDL_LEX_FORMAT_HOWNET_DEGREE,
  BNDL_LEX_FORMAT_HOWNET_OPINION, /* internal extra: HowNet's opinion-word lists */
  BNDL_LEX_FORMAT_DUTIR,
  BNDL_LEX_FORMAT_NEGATION
} bndl_lex_format;

/* Valence given to the words of a plain positive/negative list, on VADER's -4..4 scale
 * (VADER's own words average about 1.6 in magnitude). */
#define BNDL_LEX_LIST_VALENCE 2.0

/* What a lookup returns. */
typedef struct bndl_lex_word {
  uint32_t kinds;  /* BNDL_LEX_* bits */
  double valence;  /* -4..4; 0 when not a sentiment word */
  double degree;   /* multiplier (> 1 intensifies, < 1 dampens); 1 when not a degree word */
} bndl_lex_word;

struct bndl_lexicon {
  uint32_t magic;
  atomic_int holders; /* references beyond the creator's (a dataset it scores for) */
  struct bndl_context *ctx; /* retained: allocator and log sink */
  /* entries in insertion order; the index maps hash slots to entry number + 1 */
  struct bndl_lex_entry *entries;
  size_t n_entries, cap_entries;
  uint32_t *index;
  size_t index_cap; /* power of two */
  char *pool;       /* NUL-terminated words, addressed by offset */
  size_t pool_len, pool_cap;
  int64_t counts[4]; /* words with each kind bit (sentiment, degree, negator, opinion) */
  /* the tokenizer that scoring uses (its Chinese dictionary holds the lexicon's words);
   * rebuilt at the end of every public load call, NULL before the first one */
  struct bndl_tokenizer *tokenizer;
  void (*tokenizer_release)(struct bndl_tokenizer *); /* set with it (keeps this file free of the tokenizer) */
};

/* An empty store (ctx is retained). */
bndl_status bndl_lexicon_new(struct bndl_context *ctx, struct bndl_lexicon **out);
void bndl_lexicon_destroy(struct bndl_lexicon *lex);
/* Reference counting for holders such as a dataset's sentiment scorer: retain adds one;
 * release drops one, and destroys when none is left (the creator's free is a release). */
void bndl_lexicon_retain(struct bndl_lexicon *lex);
void bndl_lexicon_release(struct bndl_lexicon *lex);

/* Format name ("vader", ...) -> format; 0 when unknown. */
bndl_lex_format bndl_lex_format_from_name(const char *name);

/* What one load did (tests compare the counts with SOURCE.md). */
typedef struct bndl_lex_load_stats {
  int64_t lines;        /* lines read */
  int64_t entries;      /* words taken */
  int64_t ignored;      /* blank lines, comments, headers, DUTIR rows of polarity 0 or 3 */
  int64_t skipped;      /* lines skipped with a logged warning (documented quirks of the source) */
  int64_t header_count; /* the count a HowNet header states; -1 for formats without one */
} bndl_lex_load_stats;

/* Loads one file into the store (stats may be NULL). Malformed lines: BNDL_ERR_FORMAT
 * "path:line: why"; the quirks that ../shared/data/lexicons/SOURCE.md documents are
 * skipped with a logged warning. A failed load leaves the store as it was. */
bndl_status bndl_lexicon_load_file(struct bndl_lexicon *lex, const char *path, bndl_lex_format format,
                                   bndl_lex_load_stats *stats);
/* Loads the known file names of a folder laid out as ../shared/data/lexicons (the list
 * and its reasons are in lexicon_load.c); files that are absent are skipped (logged at
 * INFO), none present at all is BNDL_ERR_NOT_FOUND. A failure leaves the store as it
 * was before the call. */
bndl_status bndl_lexicon_load_folder(struct bndl_lexicon *lex, const char *dir);

/* Looks a word up (already normalised: the tokenizer's token text). 1 and *out filled
 * when found, 0 otherwise. */
int bndl_lexicon_lookup(const struct bndl_lexicon *lex, const char *word, size_t length, bndl_lex_word *out);
int64_t bndl_lexicon_size(const struct bndl_lexicon *lex);

/* Calls fn for every word in insertion order (cjk_only: only words made entirely of
 * CJK ideographs, the ones a Chinese segmenter needs). A non-OK return from fn stops the
 * walk and is returned. For the tokenizer: seeding its Chinese dictionary. */
typedef bndl_status (*bndl_lexicon_word_fn)(const char *word, size_t length, uint32_t kinds, void *user_data);
bndl_status bndl_lexicon_for_each_word(const struct bndl_lexicon *lex, int cjk_only, bndl_lexicon_word_fn fn,
                                       void *user_data);

#endif
