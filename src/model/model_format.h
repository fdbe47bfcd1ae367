/*
 * model_format.h - layout of the sequence-encoder model file (format 1.x).
 *
 * The container is core/secfile.h: 64-byte header with magic "BNDLSEQM", u16 major,
 * u16 minor, the file size and CRCs of header and table, then a table of {tag, crc32,
 * offset, length, count} and 64-byte-aligned payloads. All numbers little-endian.
 * Sections, in file order:
 *
 *   ARCH  i64[AR_COUNT]   the architecture (below) and the sizes of TDIR and PVAL
 *   ARCF  f64[AF_COUNT]   dropout, attention dropout (each in [0, 0.95])
 *   TDIR  bndl_model_tdir_entry[n_tensors]  the tensor directory: name (NUL padded),
 *                         rows, cols, offset in floats into PVAL; must equal, entry by
 *                         entry, the directory of the architecture rebuilt by the reader
 *   PVAL  f32[param_floats]  every parameter value (zero padding between tensors), each
 *                         finite and |v| <= BNDL_MODEL_MAX_VALUE (1e6; below)
 *   IOFF  i64[n_items + 1]   offsets of the item ids in INAM (data/id_map.h's layout)
 *   INAM  bytes           the item ids, each NUL-terminated, distinct
 *   FEAT  f32[n_items x n_item_features]  the item features (model.h: standardised
 *                         behaviour columns, then any item text vectors), each
 *                         |v| <= 1e6; present exactly when n_item_features > 0
 *   TRAN  f64[TR_COUNT]   the training summary (model.h; counts are whole and >= 0)
 *
 * Why 1e6: with every weight and feature at most B = 1e6 in magnitude, every value
 * inference computes stays finite for every architecture the reader accepts (dim <=
 * 4096, hidden <= 16384, 8 layers): LayerNorm (in double) bounds each branch input by
 * B (sqrt(d) + 1), so the largest terms are the FFN output, hidden d^1.5 B^3 ~ 4e27 per
 * block, the attention logits, d (d^1.5 B^2)^2 / sqrt(d) ~ 4e36, and the scores,
 * d B^2 (sqrt(d) + 1) ~ 3e17, all below FLT_MAX (3.4e38); the LSTM's gates saturate.
 * Trained weights are orders of magnitude smaller; a larger one means a diverged run,
 * and bndl_model_save refuses it (BNDL_ERR_STATE) rather than write a file that could
 * not be read back. Without the bound, finite weights near 1e30 load and score NaN.
 *
 * Versions: a reader accepts major 1 and any minor. A later minor may append sections
 * and entries to ARCH, ARCF and TRAN, which an older reader ignores; within the minors it
 * knows, an unknown section is FORMAT.
 */
#ifndef BNDL_MODEL_MODEL_FORMAT_H
#define BNDL_MODEL_MODEL_FORMAT_H

#include <stdint.h>

#include "core/secfile.h"
#include "model/params.h"

#define BNDL_MODEL_MAGIC "BNDLSEQM"
#define BNDL_MODEL_MAX_VALUE 1e6f
enum { BNDL_MODEL_FORMAT_MAJOR = 1, BNDL_MODEL_FORMAT_MINOR = 0 };

#define BNDL_MSEC_ARCH BNDL_SECFILE_TAG('A', 'R', 'C', 'H')
#define BNDL_MSEC_ARCF BNDL_SECFILE_TAG('A', 'R', 'C', 'F')
#define BNDL_MSEC_TDIR BNDL_SECFILE_TAG('T', 'D', 'I', 'R')
#define BNDL_MSEC_PVAL BNDL_SECFILE_TAG('P', 'V', 'A', 'L')
#define BNDL_MSEC_IOFF BNDL_SECFILE_TAG('I', 'O', 'F', 'F')
#define BNDL_MSEC_INAM BNDL_SECFILE_TAG('I', 'N', 'A', 'M')
#define BNDL_MSEC_FEAT BNDL_SECFILE_TAG('F', 'E', 'A', 'T')
#define BNDL_MSEC_TRAN BNDL_SECFILE_TAG('T', 'R', 'A', 'N')

/* ARCH entries. */
enum {
  AR_KIND,          /* 1 transformer (SASRec-style), 2 lstm */
  AR_N_ITEMS,       /* >= 1 */
  AR_MAX_LEN,       /* 1..4096 */
  AR_DIM,           /* 1..4096 */
  AR_LAYERS,        /* 1..8 */
  AR_HEADS,         /* 1..64, divides dim (transformer) */
  AR_HIDDEN,        /* 0..16384 (0: dim) */
  AR_EVENT_TYPES,   /* 0 or BNDL_EVENT_TYPE_COUNT */
  AR_ITEM_FEATURES, /* 0..4096 */
  AR_N_TENSORS,     /* entries of TDIR */
  AR_PARAM_FLOATS,  /* floats of PVAL */
  AR_COUNT
};

/* ARCF entries. */
enum { AF_DROPOUT, AF_ATTN_DROPOUT, AF_COUNT };

/* TRAN entries. */
enum { TR_EPOCHS, TR_STEPS, TR_BEST_EPOCH, TR_BEST_METRIC, TR_FINAL_LOSS, TR_COUNT };

typedef struct bndl_model_tdir_entry {
  char name[BNDL_NN_NAME_MAX];
  int64_t rows, cols, offset, reserved; /* reserved: 0 */
} bndl_model_tdir_entry;

_Static_assert(sizeof(bndl_model_tdir_entry) == 96, "TDIR entries are 96 bytes");

#endif
