/*
 * dataset.h - the dataset object: id maps, row tables, the report, and the frozen
 * indices built by bndl_dataset_finalize.
 *
 * Life cycle: build phase (rows appended by loaders and the append API; each row keeps
 * its source and line so cleaning at finalize can report where a dropped row came
 * from) -> finalize (clean, sort, index, compute features; provenance arrays freed) ->
 * frozen (read-only, shared across threads).
 *
 * Row tables are structures of arrays. Events carry dense user/item/order indices,
 * event type, Unix-second (or ordinal) timestamp, quantity and unit price (NaN =
 * unknown). Catalogue data is kept as rows until finalize merges them per item, so a
 * failed load can be rolled back by truncating every table to its length before the
 * load.
 */
#ifndef BNDL_DATA_DATASET_H
#define BNDL_DATA_DATASET_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "core/config.h"
#include "data/id_map.h"
#include "data/report.h"

struct bndl_context;

/* Internal id spaces (the first four follow bndl_entity - 1). */
enum { BNDL_IDS_USER = 0, BNDL_IDS_ITEM = 1, BNDL_IDS_BUNDLE = 2, BNDL_IDS_CATEGORY = 3, BNDL_IDS_ORDER = 4,
       BNDL_IDS_COUNT = 5 };

/* Id maps shared (read-only) between a finalized dataset and its splits. */
typedef struct bndl_id_maps {
  atomic_int refs;
  const bndl_allocator *alloc;
  bndl_id_map map[BNDL_IDS_COUNT];
} bndl_id_maps;

/* A growable byte arena for titles and review texts. */
typedef struct bndl_bytes {
  char *data;
  size_t len, cap;
} bndl_bytes;

/* The bytes at offset off. data stays NULL while only empty strings were appended, and
 * NULL + 0 is undefined behaviour in C, so every reader goes through this. */
static inline const char *bndl_bytes_at(const bndl_bytes *b, int64_t off) { return b->data ? b->data + off : ""; }

typedef struct bndl_event_rows {
  size_t n, cap;
  int32_t *user, *item, *order; /* order -1 = none */
  int64_t *ts;
  double *qty, *price;          /* price NaN = unknown; qty holds the rating of rating events */
  double *weight;               /* explicit strength multiplier (1 when not given) */
  uint8_t *type, *part;
  int32_t *source;              /* build phase only */
  int64_t *line;                /* build phase only */
} bndl_event_rows;

typedef struct bndl_review_rows {
  size_t n, cap;
  int32_t *user, *item, *category; /* -1 = none */
  double *rating;                  /* NaN = none */
  int64_t *ts;                     /* INT64_MIN = unknown */
  int64_t *text_off;               /* n + 1 offsets into text */
  uint8_t *part;
  int32_t *source;
  int64_t *line;
  bndl_bytes text;
} bndl_review_rows;

/* (a, b) pairs: bundle membership (bundle, item) or user-bundle interactions. */
typedef struct bndl_pair_rows {
  size_t n, cap;
  int32_t *a, *b;
  int64_t *ts;
  uint8_t *part;
  int32_t *source;
  int64_t *line;
} bndl_pair_rows;

/* Catalogue facts as rows; merged per item at finalize (explicit rows win over derived
 * ones; among explicit rows later known fields override earlier ones). */
typedef struct bndl_catalogue_rows {
  size_t n, cap;
  int32_t *item, *category;
  double *price, *cost;
  int64_t *stock;
  int64_t *title_off, *title_len; /* into titles; len -1 = none */
  uint8_t *derived;
  int32_t *source;
  int64_t *line;
  bndl_bytes titles;
} bndl_catalogue_rows;

/* Per-item catalogue after finalize. */
typedef struct bndl_catalogue {
  double *price, *cost;
  int64_t *stock;
  int32_t *category;
  int64_t *title_off; /* n_items + 1 offsets into titles (empty = no title) */
  uint8_t *listed;    /* 0 = not in the catalogue, 1 = derived from events, 2 = listed */
  bndl_bytes titles;
} bndl_catalogue;

typedef struct bndl_feature_table {
  float *data; /* rows x cols, row-major */
  int64_t rows;
  int32_t cols;
  const char *const *names;
} bndl_feature_table;

/* Keywords of every item after finalize (text/keywords.h computes them; the data layer
 * stores, splits leave them to the API layer, snapshots keep them). Item i's keywords are
 * [offsets[i], offsets[i+1]) of word / score, best first; word indexes the distinct
 * keyword strings, NUL-terminated in `text` from word_off[w] (n_words + 1 offsets, each
 * string's NUL included). All NULL when the dataset has no keywords. */
typedef struct bndl_item_keywords {
  int64_t *offsets;
  int32_t *word;
  float *score;
  int64_t n_words;
  int64_t *word_off;
  char *text;
} bndl_item_keywords;

void bndl_item_keywords_free(const bndl_allocator *a, bndl_item_keywords *k);

/* The sentiment scorer attached for finalize: a lexicon or a trained text model, held
 * by a reference the API layer takes and gives back through `release` (the data layer
 * never calls text/). */
typedef struct bndl_sentiment_scorer {
  void *object;                 /* struct bndl_lexicon * or struct bndl_text_model * */
  int kind;                     /* 0 none, 1 lexicon, 2 text model */
  void (*release)(void *object);
} bndl_sentiment_scorer;

/* Another layer's object the dataset holds a reference to (the API layer takes it and
 * gives it back through `release`; the data layer never calls text/). */
typedef struct bndl_held_object {
  void *object;
  void (*release)(void *object);
} bndl_held_object;

/* Item text vectors after finalize (text/text_vectors.h, from the word vectors attached
 * with bndl_dataset_set_word_vectors): rows x cols floats, row-major, unit length or zero
 * with has_text 0. All NULL / 0 when the dataset has none. Snapshots keep them. */
typedef struct bndl_item_text_table {
  float *data;
  uint8_t *has_text;
  int64_t rows;
  int32_t cols;
} bndl_item_text_table;

struct bndl_dataset {
  uint32_t magic;
  struct bndl_context *ctx;
  const bndl_allocator *alloc;
  bndl_config *cfg;
  int finalized;
  int broken; /* a finalize failed half way (out of memory): only free is allowed */
  bndl_id_maps *ids;
  bndl_event_rows ev;
  bndl_review_rows rv;
  bndl_pair_rows bundle_items;
  bndl_pair_rows user_bundles;
  bndl_catalogue_rows cat_rows;
  bndl_report report;
  int32_t api_calls;      /* numbering of in-memory appends in the report */
  int64_t next_ordinal;   /* ordinal clock for inputs without time */
  int has_real_time, has_ordinal_time;

  /* ---- frozen by finalize */
  int64_t reference_time;
  int64_t *user_offsets; /* n_users + 1: events of user u are [off[u], off[u+1]) in time order */
  int64_t *ix_indptr;    /* weighted user x item CSR */
  int32_t *ix_items;
  float *ix_weights;
  bndl_catalogue cat;
  int64_t *bundle_indptr; /* n_bundles + 1 */
  int32_t *bundle_members;
  bndl_feature_table features[2]; /* [0] users, [1] items */

  /* ---- review text (set by the API layer around finalize; see text/text_features.h) */
  bndl_sentiment_scorer scorer; /* build phase; released once finalize succeeds */
  int text_features;            /* 1: the review text feature columns exist */
  double *review_sentiment;     /* rv.n scores in [-1, 1], NaN = no text; NULL = no scorer */
  bndl_item_keywords keywords;
  bndl_held_object word_vectors; /* struct bndl_word_vectors *; kept after finalize for splits */
  bndl_item_text_table text_vectors;
};

/* Creates an empty dataset in the build phase (ids: fresh maps, or shared `ids`). */
bndl_status bndl_dataset_new(struct bndl_context *ctx, bndl_id_maps *shared_ids, bndl_dataset **out);
void bndl_dataset_destroy(bndl_dataset *ds);
bndl_status bndl_id_maps_new(const bndl_allocator *a, bndl_id_maps **out);
void bndl_id_maps_release(bndl_id_maps *m);

/* Row appends (grow all columns; provenance set by the caller). */
bndl_status bndl_event_rows_push(const bndl_allocator *a, bndl_event_rows *t);
bndl_status bndl_review_rows_push(const bndl_allocator *a, bndl_review_rows *t);
bndl_status bndl_pair_rows_push(const bndl_allocator *a, bndl_pair_rows *t);
bndl_status bndl_catalogue_rows_push(const bndl_allocator *a, bndl_catalogue_rows *t);
bndl_status bndl_bytes_append(const bndl_allocator *a, bndl_bytes *b, const char *s, size_t n, int64_t *off);
void bndl_event_rows_free(const bndl_allocator *a, bndl_event_rows *t);
void bndl_review_rows_free(const bndl_allocator *a, bndl_review_rows *t);
void bndl_pair_rows_free(const bndl_allocator *a, bndl_pair_rows *t);
void bndl_catalogue_rows_free(const bndl_allocator *a, bndl_catalogue_rows *t);

/* Everything a load may change, to undo a load that failed half way. */
typedef struct bndl_dataset_mark {
  size_t ev, rv, rv_text, bundle_items, user_bundles, cat, cat_titles;
  int32_t ids[BNDL_IDS_COUNT];
  int64_t next_ordinal;
  int has_real_time, has_ordinal_time;
  bndl_report_mark report;
} bndl_dataset_mark;
void bndl_dataset_mark_get(const bndl_dataset *ds, bndl_dataset_mark *m);
void bndl_dataset_rollback(bndl_dataset *ds, const bndl_dataset_mark *m);

static inline int32_t bndl_dataset_n(const bndl_dataset *ds, int ids) { return ds->ids->map[ids].count; }

#endif
