/*
 * text_model_format.h - layout of the text classifier's model file (format 1.x).
 *
 * The container is core/secfile.h (the dataset snapshot's layout): 64-byte header with
 * magic "BNDLTXTM", u16 major, u16 minor, the file size and CRCs of header and table,
 * then a table of {tag, crc32, offset, length, count} and 64-byte-aligned payloads.
 * All numbers little-endian. Sections, in file order:
 *
 *   META  i64[TM_COUNT]    counts and options (below); a later minor may append entries,
 *                          which this reader ignores
 *   PARM  f64[TP_COUNT]    bias (|bias| <= 1e15), C (finite, > 0)
 *   KOFF  i64[n + 1]       offsets of the n feature keys in KEYS: 0, rising strictly (no
 *                          empty key), ending at KEYS' length
 *   KEYS  bytes            the keys back to back (ngrams.h: 'w' word n-grams, 'c' char
 *                          n-grams); distinct
 *   IDF_  f64[n]           idf of each key (1 <= idf <= 64)
 *   WGHT  f64[n]           weight of each key (|w| <= 1e15: scores stay finite)
 *
 * Feature i is key i, idf i and weight i. A reader accepts major 1 and minors up to its
 * own; unknown tags are refused within a major (a newer minor is refused before that,
 * with both versions named).
 */
#ifndef BNDL_TEXT_TEXT_MODEL_FORMAT_H
#define BNDL_TEXT_TEXT_MODEL_FORMAT_H

#include "core/secfile.h"

#define BNDL_TEXT_MODEL_MAGIC "BNDLTXTM"
enum { BNDL_TEXT_MODEL_FORMAT_MAJOR = 1, BNDL_TEXT_MODEL_FORMAT_MINOR = 0 };

#define BNDL_TSEC_META BNDL_SECFILE_TAG('M', 'E', 'T', 'A')
#define BNDL_TSEC_PARM BNDL_SECFILE_TAG('P', 'A', 'R', 'M')
#define BNDL_TSEC_KOFF BNDL_SECFILE_TAG('K', 'O', 'F', 'F')
#define BNDL_TSEC_KEYS BNDL_SECFILE_TAG('K', 'E', 'Y', 'S')
#define BNDL_TSEC_IDF BNDL_SECFILE_TAG('I', 'D', 'F', '_')
#define BNDL_TSEC_WGHT BNDL_SECFILE_TAG('W', 'G', 'H', 'T')

/* META entries. */
enum {
  TM_N_FEATURES,  /* n */
  TM_WORD_NGRAMS, /* 1..5 (text.word_ngrams) */
  TM_CHAR_NGRAMS, /* 0..8 (text.char_ngrams) */
  TM_LANGUAGE,    /* 0 auto, 1 en, 2 zh (text.language) */
  TM_NEGATION,    /* 0/1 (text.negation) */
  TM_STOPWORDS,   /* 0/1 (text.stopwords) */
  TM_MIN_DF,      /* >= 1 (text.min_df) */
  TM_N_DOCS,      /* training texts = positive + negative */
  TM_N_POS,
  TM_N_NEG,
  TM_BALANCED,    /* 0/1 (text.class_weight) */
  TM_ITERATIONS,  /* Newton iterations the solver took */
  TM_COUNT
};

/* PARM entries. */
enum { TP_BIAS, TP_C, TP_COUNT };

#endif
