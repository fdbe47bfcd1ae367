/*
 * bundle_types.h - status codes, enums, opaque handle types, plain data descriptors
 * and callback types of the libbundle public API.
 *
 * Rules (../shared/design/API.md section 1): enums have explicit values and are
 * append-only; every public struct is a plain data descriptor that starts with
 * uint32_t struct_size and has an *_INIT macro; flags are int32_t, never bool.
 */
#ifndef BUNDLE_TYPES_H
#define BUNDLE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes (values 0..99 are frozen; bindings map unknown codes to INTERNAL) */
typedef enum bndl_status {
  BNDL_OK = 0,
  BNDL_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, wrong or freed handle, value out of range */
  BNDL_ERR_OUT_OF_MEMORY = 2,    /* the allocator returned NULL, or a size overflowed */
  BNDL_ERR_NOT_FOUND = 3,        /* unknown id, key, column or name */
  BNDL_ERR_IO = 4,               /* open/read/write/fsync/rename failed (errno text in message) */
  BNDL_ERR_FORMAT = 5,           /* malformed input: file, line, field and value in message */
  BNDL_ERR_VERSION = 6,          /* file or ABI version this library cannot read */
  BNDL_ERR_UNSUPPORTED = 7,      /* feature or backend not built into this library */
  BNDL_ERR_BACKEND = 8,          /* device or vendor runtime failure */
  BNDL_ERR_STATE = 9,            /* wrong lifecycle step, e.g. dataset not finalized */
  BNDL_ERR_BUFFER_TOO_SMALL = 10,/* the needed size was written to the size out-param */
  BNDL_ERR_CANCELLED = 11,       /* a progress callback returned nonzero */
  BNDL_ERR_BUSY = 12,            /* process-wide setter called after the first context */
  BNDL_ERR_LIMIT = 13,           /* a configured resource limit would be exceeded */
  BNDL_ERR_INTERNAL = 99         /* a bug in libbundle; please report the message */
} bndl_status;

/* ---- Opaque handles (each begins with a magic tag checked by every entry point) */
typedef struct bndl_context bndl_context;       /* allocator, logger, thread pool, seed */
typedef struct bndl_config bndl_config;         /* typed key/value option bag */
typedef struct bndl_table_spec bndl_table_spec; /* how one input file maps onto the dataset */
typedef struct bndl_dataset bndl_dataset;       /* users, items, events, catalogue, reviews, bundles */
typedef struct bndl_buffer bndl_buffer;         /* owned byte blob (JSON, serialised dataset) */
typedef struct bndl_neighbors bndl_neighbors;   /* sparse top-k rows: neighbour indices with scores */
typedef struct bndl_itemsets bndl_itemsets;     /* frequent itemsets with their support counts */
typedef struct bndl_rules bndl_rules;           /* association rules with their metrics */
typedef struct bndl_item_model bndl_item_model; /* closed-form item model: EASE weights or item factors */
typedef struct bndl_lexicon bndl_lexicon;       /* sentiment lexicons with their rules (English, Chinese) */
typedef struct bndl_text_model bndl_text_model; /* a trained text classifier (TF-IDF n-grams + logistic regression) */
typedef struct bndl_model bndl_model;           /* sequence encoder (SASRec-style Transformer or LSTM) with its item ids */
typedef struct bndl_word_vectors bndl_word_vectors; /* skip-gram word vectors with their vocabulary and tokenizer */

/* ---- Logging */
typedef enum bndl_log_level {
  BNDL_LOG_DEBUG = 1,
  BNDL_LOG_INFO = 2,
  BNDL_LOG_WARN = 3,
  BNDL_LOG_ERROR = 4,
  BNDL_LOG_OFF = 5
} bndl_log_level;

/* One complete record per call. May be called from library worker threads, so the
 * function must be thread-safe. The message is valid only during the call. */
typedef void(BNDL_CALLBACK *bndl_log_fn)(void *user_data, bndl_log_level level, const char *message);

/* Called once when the library no longer needs user_data (callback replaced, owner freed). */
typedef void(BNDL_CALLBACK *bndl_release_fn)(void *user_data);

/* ---- Allocator hook. Every allocation the library makes goes through it.
 * alloc returns memory aligned to at least `alignment` (a power of two <= 4096), or
 * NULL on failure; free(NULL) need not be handled (the library never passes NULL). */
typedef struct bndl_allocator {
  uint32_t struct_size;
  void *(BNDL_CALLBACK *alloc)(void *user_data, size_t size, size_t alignment);
  void(BNDL_CALLBACK *free)(void *user_data, void *ptr);
  void *user_data;
} bndl_allocator;
#define BNDL_ALLOCATOR_INIT {sizeof(bndl_allocator), 0, 0, 0}

/* ---- Context creation descriptor; NULL means all defaults. */
typedef struct bndl_context_desc {
  uint32_t struct_size;
  int32_t n_threads;                 /* worker threads incl. the caller; 0 = hardware concurrency */
  const bndl_allocator *allocator;   /* copied; NULL = process default (malloc unless replaced) */
  uint64_t seed;                     /* default seed for every randomised step */
} bndl_context_desc;
#define BNDL_CONTEXT_DESC_INIT {sizeof(bndl_context_desc), 0, 0, 0}

/* ---- Configuration keys, grouped in ranges (append-only; names in bndl_config_key_name).
 * 100s context, 200s dataset loading and cleaning, 230s event weights and features,
 * 260s splits, 300s sequence-encoder architecture, 400s encoder training, 500s similarity,
 * 520s co-purchase, 540s closed-form item models, 800s text. Types: I = int64, F = double,
 * S = string. */
typedef enum bndl_key {
  /* dataset loading */
  BNDL_KEY_LOAD_STRICT = 200,             /* I 0/1: first rejected row fails the load (default 0) */
  BNDL_KEY_LOAD_MAX_FIELD_BYTES = 201,    /* I: longest accepted field (default 16 MiB) */
  BNDL_KEY_LOAD_MAX_ROWS = 202,           /* I: rows per dataset before BNDL_ERR_LIMIT (default 2^31-1) */
  BNDL_KEY_REPORT_MAX_EXAMPLES = 203,     /* I: examples kept per drop reason (default 5) */
  /* cleaning, applied by bndl_dataset_finalize */
  BNDL_KEY_CLEAN_DROP_DUPLICATES = 210,   /* I 0/1: drop exact duplicate events (default 1) */
  BNDL_KEY_CLEAN_REPEAT_WINDOW_S = 211,   /* I: merge same user/item/type repeats within N s (default 0 = off) */
  BNDL_KEY_CLEAN_REPEAT_TYPES = 212,      /* S: event types the window applies to (default "view,click,cart") */
  BNDL_KEY_CLEAN_UNKNOWN_ITEMS = 213,     /* S: "drop" (default) or "keep" events whose item is not in the catalogue */
  BNDL_KEY_CLEAN_ANOMALY_Z = 214,         /* F: robust z of log activity above which a user is anomalous (default 5; 0 = off) */
  BNDL_KEY_CLEAN_ANOMALY_MIN_USERS = 215, /* I: fewest users for the anomaly test to run (default 50) */
  /* event weights, time decay and behaviour features */
  BNDL_KEY_WEIGHT_VIEW = 230,             /* F (default 1) */
  BNDL_KEY_WEIGHT_CLICK = 231,            /* F (default 2) */
  BNDL_KEY_WEIGHT_CART = 232,             /* F (default 4) */
  BNDL_KEY_WEIGHT_PURCHASE = 233,         /* F (default 8) */
  BNDL_KEY_WEIGHT_RETURN = 234,           /* F (default -8): returns count against the pair */
  BNDL_KEY_WEIGHT_RATING = 235,           /* F (default 1): multiplied by the rating value */
  BNDL_KEY_WEIGHT_BY_QUANTITY = 236,      /* I 0/1: multiply by |quantity| (default 0) */
  BNDL_KEY_DECAY_HALF_LIFE_DAYS = 237,    /* F: exponential time decay half-life (default 0 = off) */
  BNDL_KEY_REFERENCE_TIME = 238,          /* I: "now" in Unix seconds for recency/decay (default 0 = latest event) */
  /* splits */
  BNDL_KEY_SPLIT_METHOD = 260,            /* S: "leave_last_out" (default), "time", "random", "fixed" */
  BNDL_KEY_SPLIT_TIME_CUTOFF = 261,       /* I: Unix seconds; events at or after it are test ("time") */
  BNDL_KEY_SPLIT_TEST_RATIO = 262,        /* F: fraction of events for test ("random", default 0.2) */
  BNDL_KEY_SPLIT_VALID_RATIO = 263,       /* F: fraction for validation ("random"; default 0) */
  BNDL_KEY_SPLIT_VALID_TIME_CUTOFF = 264, /* I: start of validation window ("time"; 0 = none) */
  BNDL_KEY_SPLIT_HOLDOUT = 265,           /* I: events per user held out ("leave_last_out", default 1) */
  BNDL_KEY_SPLIT_WITH_VALID = 266,        /* I 0/1: leave-last-out also holds out a validation event */
  BNDL_KEY_SPLIT_SEED = 267,              /* I: seed for "random" (default -1 = context seed) */
  /* sequence encoder architecture (bndl_model_create) */
  BNDL_KEY_MODEL_KIND = 300,              /* S: transformer (default; SASRec-style) or lstm (GRU4Rec-style) */
  BNDL_KEY_MODEL_DIM = 301,               /* I: embedding and output size (default 64) */
  BNDL_KEY_MODEL_LAYERS = 302,            /* I: Transformer blocks or stacked LSTM layers (default 2) */
  BNDL_KEY_MODEL_HEADS = 303,             /* I: attention heads, a divisor of the dim (default 1) */
  BNDL_KEY_MODEL_HIDDEN = 304,            /* I: FFN inner size / LSTM hidden size (default 0 = dim) */
  BNDL_KEY_MODEL_MAX_LEN = 305,           /* I: most recent items an encoder reads (default 50) */
  BNDL_KEY_MODEL_DROPOUT = 306,           /* F: embedding, residual, FFN and between-layer dropout (default 0.2) */
  BNDL_KEY_MODEL_ATTN_DROPOUT = 307,      /* F: attention-probability dropout (default 0.2) */
  BNDL_KEY_MODEL_EVENT_TYPES = 308,       /* I 0/1: add an event-type embedding to the input (default 0) */
  BNDL_KEY_MODEL_ITEM_FEATURES = 309,     /* I 0/1: add the projected item feature table to the input (default 0) */
  /* encoder training (bndl_model_train) */
  BNDL_KEY_TRAIN_EPOCHS = 400,            /* I: most passes over the training sequences (default 200) */
  BNDL_KEY_TRAIN_BATCH_SIZE = 401,        /* I: sequences per step (default 128) */
  BNDL_KEY_TRAIN_OPTIMIZER = 402,         /* S: adam (default), adamw, sgd (with momentum) */
  BNDL_KEY_TRAIN_LR = 403,                /* F: peak learning rate (default 0.001) */
  BNDL_KEY_TRAIN_WEIGHT_DECAY = 404,      /* F: L2 (adam, sgd) or decoupled (adamw) decay (default 0) */
  BNDL_KEY_TRAIN_MOMENTUM = 405,          /* F: sgd momentum (default 0.9) */
  BNDL_KEY_TRAIN_BETA1 = 406,             /* F: Adam beta1 (default 0.9) */
  BNDL_KEY_TRAIN_BETA2 = 407,             /* F: Adam beta2 (default 0.98, as SASRec) */
  BNDL_KEY_TRAIN_CLIP_NORM = 408,         /* F: global gradient-norm clip (default 5; 0 = off) */
  BNDL_KEY_TRAIN_LR_SCHEDULE = 409,       /* S: constant (default), linear, cosine (decay to 0 after the warm-up) */
  BNDL_KEY_TRAIN_WARMUP_STEPS = 410,      /* I: linear warm-up steps (default 0) */
  BNDL_KEY_TRAIN_LOSS = 411,              /* S: bce (default; SASRec) or sampled_softmax */
  BNDL_KEY_TRAIN_NEGATIVES = 412,         /* I: negatives per position (bce) or shared per batch (sampled_softmax); 0 = 1 / 256 */
  BNDL_KEY_TRAIN_PATIENCE = 413,          /* I: validations without improvement before stopping (default 5; 0 = never stop early) */
  BNDL_KEY_TRAIN_VALID_EVERY = 414,       /* I: epochs between validations (default 1) */
  BNDL_KEY_TRAIN_VALID_USERS = 415,       /* I: users sampled for validation (default 10000; 0 = all) */
  BNDL_KEY_TRAIN_METRIC_K = 416,          /* I: cut-off of the validation NDCG@K (default 10) */
  BNDL_KEY_TRAIN_SEED = 417,              /* I: seed of batches, negatives, dropout (default -1 = context seed) */
  BNDL_KEY_TRAIN_SAMPLER = 418,           /* S: negatives drawn uniform (default), by popularity (sampled_softmax: logQ-corrected), or all (full softmax) */
  BNDL_KEY_TRAIN_SAMPLER_ALPHA = 419,     /* F: popularity sampler: q(item) ~ count^alpha (default 0.75) */
  /* similarity (bndl_similarity_items / _users) */
  BNDL_KEY_SIM_MEASURE = 500,             /* S: cosine (default), asymmetric_cosine, jaccard, bm25, tfidf, lift, pmi, dot */
  BNDL_KEY_SIM_K = 501,                   /* I: neighbours kept per row (default 50) */
  BNDL_KEY_SIM_SHRINK = 502,              /* F: added to the denominator, damping rare pairs (default 0) */
  BNDL_KEY_SIM_MIN_SUPPORT = 503,         /* I: fewest common users (items) for a pair (default 1) */
  BNDL_KEY_SIM_ALPHA = 504,               /* F: asymmetric cosine exponent (default 0.5 = cosine) */
  BNDL_KEY_SIM_BM25_K1 = 505,             /* F (default 1.2) */
  BNDL_KEY_SIM_BM25_B = 506,              /* F (default 0.75) */
  BNDL_KEY_SIM_BINARY = 507,              /* I 0/1: 1 = every positive interaction counts 1 (default 0: weights) */
  BNDL_KEY_SIM_EXCLUDE_SELF = 508,        /* I 0/1: drop the row's own index (default 1) */
  BNDL_KEY_SIM_MAX_BYTES = 509,           /* I: working-memory bound of a similarity build (default 1 GiB) */
  /* co-purchase mining */
  BNDL_KEY_BASKET_BY = 520,               /* S: order (default), session, window, user */
  BNDL_KEY_BASKET_SESSION_GAP_S = 521,    /* I: a gap longer than this starts a new session (default 1800) */
  BNDL_KEY_BASKET_WINDOW_S = 522,         /* I: window length for "window" baskets (default 86400) */
  BNDL_KEY_BASKET_EVENT_TYPES = 523,      /* S: event types that make baskets (default "purchase") */
  BNDL_KEY_FP_MIN_SUPPORT = 524,          /* F: fraction of baskets (default 0.01) */
  BNDL_KEY_FP_MIN_COUNT = 525,            /* I: absolute minimum count, if larger (default 1) */
  BNDL_KEY_FP_MAX_LEN = 526,              /* I: longest itemset (default 0 = unlimited) */
  BNDL_KEY_RULE_MIN_CONFIDENCE = 527,     /* F (default 0.5) */
  BNDL_KEY_RULE_MIN_LIFT = 528,           /* F (default 0) */
  /* closed-form item models */
  BNDL_KEY_EASE_LAMBDA = 540,             /* F: L2 regularisation of EASE (default 500) */
  BNDL_KEY_MODEL_MAX_ITEMS = 541,         /* I: largest catalogue for dense item models (default 40000) */
  BNDL_KEY_MODEL_MAX_BYTES = 542,         /* I: memory bound of a dense item model build (default 16 GiB) */
  BNDL_KEY_FACTORS_RANK = 543,            /* I: rank of the item factors (default 64) */
  BNDL_KEY_FACTORS_REG = 544,             /* F: ridge term of the fold-in solve (default 0.01) */
  /* text: tokenization, sentiment, keywords, text vectors */
  BNDL_KEY_TEXT_LANGUAGE = 800,           /* S: auto (default: by script), en, zh */
  BNDL_KEY_TEXT_NEGATION = 801,           /* I 0/1: mark tokens in a negation scope with "NOT_" (default 1) */
  BNDL_KEY_TEXT_STOPWORDS = 802,          /* I 0/1: drop stopwords (default 0; the classifier keeps them) */
  BNDL_KEY_TEXT_WORD_NGRAMS = 803,        /* I: longest word n-gram of the classifier's features (default 2) */
  BNDL_KEY_TEXT_CHAR_NGRAMS = 804,        /* I: longest character n-gram, 3 at most with Chinese (default 5; 0 = none) */
  BNDL_KEY_TEXT_MIN_DF = 805,             /* I: fewest documents a feature must occur in (default 2) */
  BNDL_KEY_TEXT_C = 806,                  /* F: inverse L2 regularisation strength of the classifier (default 16) */
  BNDL_KEY_TEXT_CLASS_WEIGHT = 807,       /* S: none (default) or balanced */
  BNDL_KEY_TEXT_EPOCHS = 808,             /* I: training passes / solver iterations cap (default 50) */
  BNDL_KEY_TEXT_SEED = 809,               /* I: seed (default -1 = context seed) */
  BNDL_KEY_TEXT_POSITIVE_MIN = 810,       /* F: reviews rated >= this are positive (default 4) */
  BNDL_KEY_TEXT_NEGATIVE_MAX = 811,       /* F: reviews rated <= this are negative (default 2) */
  BNDL_KEY_TEXT_KEYWORDS = 812,           /* I: keywords kept per item (default 10) */
  BNDL_KEY_TEXT_KEYWORD_METHOD = 813,     /* S: tfidf (default) or textrank */
  BNDL_KEY_TEXT_VECTOR_DIM = 814,         /* I: dimension of the skip-gram word vectors (default 64; 0 = off) */
  BNDL_KEY_TEXT_WINDOW = 815,             /* I: skip-gram and TextRank co-occurrence window (default 5) */
  BNDL_KEY_TEXT_FEATURES = 816,           /* I 0/1: review text step at finalize: sentiment columns and item keywords (default 1; nothing without reviews) */
  /* word vectors (skip-gram) and item text vectors */
  BNDL_KEY_TEXT_VECTOR_NEGATIVES = 830,   /* I: noise words per pair (default 5) */
  BNDL_KEY_TEXT_VECTOR_EPOCHS = 831,      /* I: passes over the corpus (default 5) */
  BNDL_KEY_TEXT_VECTOR_MIN_COUNT = 832,   /* I: fewest occurrences of a word with a vector (default 5) */
  BNDL_KEY_TEXT_VECTOR_SAMPLE = 833,      /* F: frequent-word subsampling threshold (default 1e-3; 0 = off) */
  BNDL_KEY_TEXT_VECTOR_LR = 834,          /* F: starting learning rate, falling linearly to 1e-4 of it (default 0.025) */
  BNDL_KEY_TEXT_SIF_A = 835,              /* F: SIF weight a / (a + p(w)) of item text vectors (default 1e-3) */
  BNDL_KEY_TEXT_SIF_REMOVE_PC = 836       /* I 0/1: remove the first principal component of item text vectors (default 1) */
} bndl_key;

typedef enum bndl_value_type {
  BNDL_TYPE_INT = 1,
  BNDL_TYPE_FLOAT = 2,
  BNDL_TYPE_STRING = 3
} bndl_value_type;

/* ---- Dataset vocabulary */
typedef enum bndl_event_type {
  BNDL_EVENT_VIEW = 1,
  BNDL_EVENT_CLICK = 2,
  BNDL_EVENT_CART = 3,
  BNDL_EVENT_PURCHASE = 4,
  BNDL_EVENT_RETURN = 5, /* a return or cancellation; kept as a negative event */
  BNDL_EVENT_RATING = 6  /* an explicit rating; the value field holds the rating */
} bndl_event_type;
enum { BNDL_EVENT_TYPE_COUNT = 6 };

/* What one input file holds. */
typedef enum bndl_table_kind {
  BNDL_TABLE_EVENTS = 1,       /* behaviour: user, item, type, time, quantity, unit price, order */
  BNDL_TABLE_CATALOGUE = 2,    /* item, price, cost, stock, category, title */
  BNDL_TABLE_REVIEWS = 3,      /* user, item, rating, text, time */
  BNDL_TABLE_BUNDLE_ITEMS = 4, /* bundle, item membership */
  BNDL_TABLE_USER_BUNDLES = 5  /* user, bundle interactions */
} bndl_table_kind;

/* How the file is laid out. */
typedef enum bndl_table_format {
  BNDL_FORMAT_DELIMITED = 1,      /* CSV/TSV, RFC 4180 quoting, optional header */
  BNDL_FORMAT_SEQUENCE_LINES = 2, /* "user item item item ..." one user per line, in time order */
  BNDL_FORMAT_JSON_LINES = 3,     /* one JSON object per line; fields map to keys */
  BNDL_FORMAT_BASKET_JSON = 4     /* {"user": [[items of basket 1], [basket 2], ...], ...} */
} bndl_table_format;

/* Logical fields a column can map onto. */
typedef enum bndl_field {
  BNDL_FIELD_USER = 1,
  BNDL_FIELD_ITEM = 2,
  BNDL_FIELD_EVENT_TYPE = 3,
  BNDL_FIELD_TIMESTAMP = 4,
  BNDL_FIELD_QUANTITY = 5,
  BNDL_FIELD_UNIT_PRICE = 6,  /* price paid per unit in an event */
  BNDL_FIELD_LINE_TOTAL = 7,  /* amount of the whole line; unit price = total / quantity */
  BNDL_FIELD_LINE_PROFIT = 8, /* profit of the whole line; unit cost = (total - profit) / quantity */
  BNDL_FIELD_ORDER = 9,       /* invoice, basket or session id */
  BNDL_FIELD_RATING = 10,     /* review rating or sentiment label */
  BNDL_FIELD_PRICE = 11,      /* catalogue list price */
  BNDL_FIELD_COST = 12,       /* catalogue unit cost */
  BNDL_FIELD_STOCK = 13,
  BNDL_FIELD_CATEGORY = 14,
  BNDL_FIELD_TITLE = 15,
  BNDL_FIELD_TEXT = 16,       /* review text */
  BNDL_FIELD_BUNDLE = 17,
  BNDL_FIELD_WEIGHT = 18      /* explicit feedback strength of an event (default 1) */
} bndl_field;
enum { BNDL_FIELD_COUNT = 18 };

/* Why a row was not kept. Every row read is either kept or counted under one reason. */
typedef enum bndl_drop_reason {
  BNDL_DROP_MALFORMED_ROW = 1,    /* wrong number of columns, unparseable JSON line */
  BNDL_DROP_MISSING_FIELD = 2,    /* a required field (user, item, ...) is empty */
  BNDL_DROP_INVALID_NUMBER = 3,   /* non-numeric or non-finite number */
  BNDL_DROP_INVALID_TIMESTAMP = 4,
  BNDL_DROP_INVALID_UTF8 = 5,
  BNDL_DROP_INVALID_PRICE = 6,    /* zero or negative price or unit price */
  BNDL_DROP_INVALID_QUANTITY = 7, /* zero quantity, or negative without a return marker */
  BNDL_DROP_UNKNOWN_EVENT_TYPE = 8,
  BNDL_DROP_FIELD_TOO_LONG = 9,   /* longer than BNDL_KEY_LOAD_MAX_FIELD_BYTES */
  BNDL_DROP_DUPLICATE = 10,       /* exact duplicate of an earlier row */
  BNDL_DROP_REPEAT_IN_WINDOW = 11,/* same user, item and type again within the repeat window */
  BNDL_DROP_UNKNOWN_ITEM = 12,    /* event or review for an item not in the catalogue */
  BNDL_DROP_ANOMALOUS_USER = 13,  /* the user's activity is a robust-z outlier (bot-like) */
  BNDL_DROP_CATALOGUE_MERGED = 14 /* a later catalogue row for an item already listed, merged into it */
} bndl_drop_reason;
enum { BNDL_DROP_REASON_COUNT = 14 };

/* Which part of a split a row of a pre-split file belongs to (Youshu train/tune/test). */
typedef enum bndl_split_part {
  BNDL_PART_NONE = 0,
  BNDL_PART_TRAIN = 1,
  BNDL_PART_VALID = 2,
  BNDL_PART_TEST = 3
} bndl_split_part;

/* Entities features are computed for. */
typedef enum bndl_entity {
  BNDL_ENTITY_USER = 1,
  BNDL_ENTITY_ITEM = 2,
  BNDL_ENTITY_BUNDLE = 3,
  BNDL_ENTITY_CATEGORY = 4
} bndl_entity;

/* Distances/similarities between dense vectors. */
typedef enum bndl_metric {
  BNDL_METRIC_COSINE = 1,
  BNDL_METRIC_DOT = 2
} bndl_metric;

typedef enum bndl_dtype {
  BNDL_DTYPE_F32 = 1,
  BNDL_DTYPE_F64 = 2,
  BNDL_DTYPE_I32 = 3,
  BNDL_DTYPE_I64 = 4,
  BNDL_DTYPE_U8 = 5
} bndl_dtype;

typedef enum bndl_device_kind {
  BNDL_DEVICE_CPU = 1,
  BNDL_DEVICE_GPU = 2
} bndl_device_kind;

/* A borrowed view of an array (numpy arrays, Go slices): the zero-copy input path. */
typedef struct bndl_tensor_view {
  uint32_t struct_size; /* = sizeof(bndl_tensor_view) as compiled by the caller */
  int32_t dtype;        /* bndl_dtype */
  int32_t ndim;         /* <= 8 */
  int32_t device_kind;  /* bndl_device_kind; CPU for host memory */
  int32_t device_index;
  int32_t flags;
  const int64_t *shape;   /* ndim entries */
  const int64_t *strides; /* in bytes; NULL = C-contiguous */
  void *data;
} bndl_tensor_view;
#define BNDL_TENSOR_VIEW_INIT {sizeof(bndl_tensor_view), 0, 0, 1, 0, 0, 0, 0, 0}

/* Metrics of one association rule A -> C over N baskets. */
typedef struct bndl_rule_metrics {
  uint32_t struct_size;
  int64_t count;     /* baskets holding A and C */
  double support;    /* count / N */
  double confidence; /* count / count(A) */
  double lift;       /* confidence / support(C) */
  double leverage;   /* support - support(A) support(C) */
  double conviction; /* (1 - support(C)) / (1 - confidence); +inf when confidence is 1 */
} bndl_rule_metrics;
#define BNDL_RULE_METRICS_INIT {sizeof(bndl_rule_metrics), 0, 0, 0, 0, 0, 0}

/* ---- Encoder training (bndl_model_train). Progress after each epoch; the callback
 * runs on the calling thread, and a nonzero return stops training with
 * BNDL_ERR_CANCELLED (the model keeps the best parameters seen so far). */
typedef struct bndl_train_progress {
  uint32_t struct_size; /* sizeof(bndl_train_progress) of the library that calls */
  int64_t epoch;        /* 1-based, just finished */
  int64_t epochs;       /* train.epochs */
  int64_t step;         /* optimizer steps so far */
  double loss;          /* mean training loss of the epoch */
  double metric;        /* validation NDCG@train.metric_k of this epoch; NaN when not validated */
  double best_metric;   /* best so far; NaN before the first validation */
  int64_t best_epoch;   /* 0 before the first validation */
  double seconds;       /* since training started */
  double eta_seconds;   /* estimated time to the last epoch */
} bndl_train_progress;
typedef int32_t(BNDL_CALLBACK *bndl_train_progress_fn)(void *user_data, const bndl_train_progress *progress);

/* How a model was trained (zeros for an untrained model); saved with the model. */
typedef struct bndl_train_summary {
  uint32_t struct_size;
  int64_t epochs;      /* epochs run, over every bndl_model_train call */
  int64_t steps;       /* optimizer steps, likewise */
  int64_t best_epoch;  /* epoch of the best validation of the last run (0: never validated) */
  double best_metric;  /* its validation NDCG@K (0 when never validated) */
  double final_loss;   /* mean training loss of the last epoch run */
} bndl_train_summary;
#define BNDL_TRAIN_SUMMARY_INIT {sizeof(bndl_train_summary), 0, 0, 0, 0, 0}

/* ---- In-memory append descriptors (the embedder path). Arrays are borrowed for the
 * duration of the call and copied. For ids give either the int64 array or the string
 * array; int64 ids are mapped through their decimal spelling, so 42 and "42" are the
 * same entity. Optional arrays may be NULL. */
typedef struct bndl_event_columns {
  uint32_t struct_size;
  int64_t count;
  const int64_t *user_ids;
  const char *const *user_names;
  const int64_t *item_ids;
  const char *const *item_names;
  const int32_t *event_types;  /* bndl_event_type; NULL = all BNDL_EVENT_PURCHASE */
  const int64_t *timestamps;   /* Unix seconds; NULL = arrival order */
  const double *quantities;    /* NULL = 1 */
  const double *unit_prices;   /* NULL = unknown */
  const int64_t *order_ids;    /* NULL = none */
  const double *weights;       /* explicit feedback strength multiplying the event-type
                                  weight (play counts, dwell time); NULL = 1 */
} bndl_event_columns;
#define BNDL_EVENT_COLUMNS_INIT {sizeof(bndl_event_columns), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

typedef struct bndl_catalogue_columns {
  uint32_t struct_size;
  int64_t count;
  const int64_t *item_ids;
  const char *const *item_names;
  const double *prices;            /* NULL = unknown */
  const double *costs;             /* NULL = unknown; NaN entries = unknown */
  const int64_t *stock;            /* NULL = unknown; negative entries = unknown */
  const char *const *categories;   /* NULL = none */
  const char *const *titles;       /* NULL = none */
} bndl_catalogue_columns;
#define BNDL_CATALOGUE_COLUMNS_INIT {sizeof(bndl_catalogue_columns), 0, 0, 0, 0, 0, 0, 0, 0}

/* Bundle membership in CSR form: bundle b holds item_ids[indptr[b] .. indptr[b+1]). */
typedef struct bndl_bundle_csr {
  uint32_t struct_size;
  int64_t n_bundles;
  const int64_t *bundle_ids;     /* external ids of the n_bundles bundles; NULL = 0..n-1 */
  const int64_t *indptr;         /* n_bundles + 1 entries, indptr[0] = 0, non-decreasing */
  const int64_t *item_ids;
  const char *const *item_names; /* alternative to item_ids */
} bndl_bundle_csr;
#define BNDL_BUNDLE_CSR_INIT {sizeof(bndl_bundle_csr), 0, 0, 0, 0, 0}

#ifdef __cplusplus
}
#endif
#endif /* BUNDLE_TYPES_H */
