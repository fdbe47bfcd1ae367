/*
 * word_vectors_format.h - layout of the word-vectors file (format 1.x).
 *
 * The container is core/secfile.h (magic "BNDLWVEC", versions, CRCs, checked sizes).
 * All numbers little-endian. Sections, in file order:
 *
 *   META  i64[WV_COUNT]  counts and options (below); a later minor may append entries
 *   PARM  f64[WP_COUNT]  subsampling threshold (0..1), starting learning rate (> 0)
 *   KOFF  i64[n + 1]     offsets of the n words in KEYS: 0, rising strictly, ending at
 *                        KEYS' length
 *   KEYS  bytes          the words back to back (normalised token text), distinct
 *   CNTS  i64[n]         each word's corpus count (>= min_count; they sum to TOTAL)
 *   VECS  f32[n x dim]   the vectors, row-major, finite
 *   DOFF  i64[m + 1]     offsets of the tokenizer's m Chinese dictionary words in DKEY
 *   DKEY  bytes          those words back to back (no NUL inside)
 *   DCNT  i64[m]         their counts (>= 0): the dictionary the vectors were trained
 *                        with, so a loaded model cuts Chinese text the same way
 *
 * Word i is key i, count i and vector i. A reader accepts major 1 and minors up to its
 * own; unknown tags are refused within a major.
 */
#ifndef BNDL_TEXT_WORD_VECTORS_FORMAT_H
#define BNDL_TEXT_WORD_VECTORS_FORMAT_H

#include "core/secfile.h"

#define BNDL_WORD_VECTORS_MAGIC "BNDLWVEC"
enum { BNDL_WORD_VECTORS_FORMAT_MAJOR = 1, BNDL_WORD_VECTORS_FORMAT_MINOR = 0 };

#define BNDL_WSEC_META BNDL_SECFILE_TAG('M', 'E', 'T', 'A')
#define BNDL_WSEC_PARM BNDL_SECFILE_TAG('P', 'A', 'R', 'M')
#define BNDL_WSEC_KOFF BNDL_SECFILE_TAG('K', 'O', 'F', 'F')
#define BNDL_WSEC_KEYS BNDL_SECFILE_TAG('K', 'E', 'Y', 'S')
#define BNDL_WSEC_CNTS BNDL_SECFILE_TAG('C', 'N', 'T', 'S')
#define BNDL_WSEC_VECS BNDL_SECFILE_TAG('V', 'E', 'C', 'S')
#define BNDL_WSEC_DOFF BNDL_SECFILE_TAG('D', 'O', 'F', 'F')
#define BNDL_WSEC_DKEY BNDL_SECFILE_TAG('D', 'K', 'E', 'Y')
#define BNDL_WSEC_DCNT BNDL_SECFILE_TAG('D', 'C', 'N', 'T')

/* META entries. */
enum {
  WV_N_WORDS,   /* n >= 1 */
  WV_DIM,       /* 1..4096 (text.vector_dim) */
  WV_WINDOW,    /* 1..100 (text.window) */
  WV_NEGATIVES, /* 1..100 */
  WV_EPOCHS,    /* 1..1000 */
  WV_MIN_COUNT, /* >= 1 */
  WV_LANGUAGE,  /* 0 auto, 1 en, 2 zh */
  WV_TOTAL,     /* corpus tokens with a vector (sum of the counts) */
  WV_N_TEXTS,   /* training texts */
  WV_N_DICT,    /* m */
  WV_SEED,      /* the seed, as its 64 bits */
  WV_COUNT
};

/* PARM entries. */
enum { WP_SAMPLE, WP_ALPHA, WP_COUNT };

#endif
