/*
 * lexicon_internal.h - the store's entry and the writes the loaders make (lexicon.c);
 * shared by lexicon.c and lexicon_load.c only.
 */
#ifndef BNDL_TEXT_LEXICON_INTERNAL_H
#define BNDL_TEXT_LEXICON_INTERNAL_H

#include "text/lexicon.h"

typedef struct bndl_lex_entry {
  uint32_t key;     /* offset of the NUL-terminated word in lex->pool */
  uint32_t key_len;
  uint32_t kinds;   /* BNDL_LEX_* */
  uint32_t votes;   /* valences summed at `rank` */
  double valence_sum;
  double degree;    /* 1 unless a degree word */
  uint8_t rank;     /* source rank of the valence (0: none yet) */
} bndl_lex_entry;

/* Source ranks of valences (lexicon.h: the highest rank that lists a word wins). */
enum { BNDL_LEX_RANK_LIST = 1, BNDL_LEX_RANK_DUTIR = 2, BNDL_LEX_RANK_VADER = 3 };

/* The entry of word w (normalised), created empty when new. The pointer is valid until
 * the next intern. */
bndl_status bndl_lexicon_intern(bndl_lexicon *lex, const char *w, size_t n, bndl_lex_entry **out);
void bndl_lexicon_entry_add_valence(bndl_lexicon *lex, bndl_lex_entry *e, double valence, int rank);
/* Sets the multiplier of a new degree word; for one already a degree word keeps the
 * old value and returns 0 when the new one differs (the caller warns), else 1. */
int bndl_lexicon_entry_set_degree(bndl_lexicon *lex, bndl_lex_entry *e, double multiplier);
void bndl_lexicon_entry_add_kind(bndl_lexicon *lex, bndl_lex_entry *e, uint32_t kind);

/* A copy of the store taken before a load, so that a failed load can be undone. */
typedef struct bndl_lex_mark {
  bndl_lex_entry *saved;
  size_t n_entries, pool_len;
  int64_t counts[4];
} bndl_lex_mark;

bndl_status bndl_lexicon_mark(bndl_lexicon *lex, bndl_lex_mark *m);
/* Back to the marked state (the mark is released). */
void bndl_lexicon_rollback(bndl_lexicon *lex, bndl_lex_mark *m);
void bndl_lexicon_mark_release(bndl_lexicon *lex, bndl_lex_mark *m);

#endif
