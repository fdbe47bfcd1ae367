/*
 * config_keys.c - defaults and ranges of every key (documented in bundle_types.h).
 */
#include "core/config_keys.h"

#include <math.h>
#include <string.h>

static const char *const unknown_item_choices[] = {"drop", "keep", NULL};
static const char *const split_choices[] = {"leave_last_out", "time", "random", "fixed", NULL};
static const char *const sim_measures[] = {"cosine", "asymmetric_cosine", "jaccard", "bm25", "tfidf",
                                           "lift",   "pmi",               "dot",     NULL};
static const char *const basket_choices[] = {"order", "session", "window", "user", NULL};
static const char *const language_choices[] = {"auto", "en", "zh", NULL};
static const char *const class_weight_choices[] = {"none", "balanced", NULL};
static const char *const keyword_choices[] = {"tfidf", "textrank", NULL};
static const char *const model_kinds[] = {"transformer", "lstm", NULL};
static const char *const optimizers[] = {"adam", "adamw", "sgd", NULL};
static const char *const lr_schedules[] = {"constant", "linear", "cosine", NULL};
static const char *const losses[] = {"bce", "sampled_softmax", NULL};
static const char *const samplers[] = {"uniform", "popularity", "all", NULL};

#define I(k, n, def, lo, hi) {k, n, BNDL_TYPE_INT, def, lo, hi, 0, 0, 0, NULL, NULL}
#define F(k, n, def, lo, hi) {k, n, BNDL_TYPE_FLOAT, 0, 0, 0, def, lo, hi, NULL, NULL}
#define S(k, n, def, choices) {k, n, BNDL_TYPE_STRING, 0, 0, 0, 0, 0, 0, def, choices}

static const bndl_key_info keys[] = {
    I(BNDL_KEY_LOAD_STRICT, "load.strict", 0, 0, 1),
    I(BNDL_KEY_LOAD_MAX_FIELD_BYTES, "load.max_field_bytes", 16 << 20, 16, INT64_C(1) << 31),
    I(BNDL_KEY_LOAD_MAX_ROWS, "load.max_rows", INT32_MAX, 0, INT32_MAX),
    I(BNDL_KEY_REPORT_MAX_EXAMPLES, "report.max_examples", 5, 0, 1000),
    I(BNDL_KEY_CLEAN_DROP_DUPLICATES, "clean.drop_duplicates", 1, 0, 1),
    I(BNDL_KEY_CLEAN_REPEAT_WINDOW_S, "clean.repeat_window_s", 0, 0, INT64_C(1) << 40),
    S(BNDL_KEY_CLEAN_REPEAT_TYPES, "clean.repeat_types", "view,click,cart", NULL),
    S(BNDL_KEY_CLEAN_UNKNOWN_ITEMS, "clean.unknown_items", "drop", unknown_item_choices),
    F(BNDL_KEY_CLEAN_ANOMALY_Z, "clean.anomaly_z", 5.0, 0, 1e6),
    I(BNDL_KEY_CLEAN_ANOMALY_MIN_USERS, "clean.anomaly_min_users", 50, 3, INT32_MAX),
    F(BNDL_KEY_WEIGHT_VIEW, "weight.view", 1, -1e6, 1e6),
    F(BNDL_KEY_WEIGHT_CLICK, "weight.click", 2, -1e6, 1e6),
    F(BNDL_KEY_WEIGHT_CART, "weight.cart", 4, -1e6, 1e6),
    F(BNDL_KEY_WEIGHT_PURCHASE, "weight.purchase", 8, -1e6, 1e6),
    F(BNDL_KEY_WEIGHT_RETURN, "weight.return", -8, -1e6, 1e6),
    F(BNDL_KEY_WEIGHT_RATING, "weight.rating", 1, -1e6, 1e6),
    I(BNDL_KEY_WEIGHT_BY_QUANTITY, "weight.by_quantity", 0, 0, 1),
    F(BNDL_KEY_DECAY_HALF_LIFE_DAYS, "weight.decay_half_life_days", 0, 0, 1e7),
    I(BNDL_KEY_REFERENCE_TIME, "features.reference_time", 0, INT64_MIN, INT64_MAX),
    S(BNDL_KEY_SPLIT_METHOD, "split.method", "leave_last_out", split_choices),
    I(BNDL_KEY_SPLIT_TIME_CUTOFF, "split.time_cutoff", 0, INT64_MIN, INT64_MAX),
    F(BNDL_KEY_SPLIT_TEST_RATIO, "split.test_ratio", 0.2, 0, 1),
    F(BNDL_KEY_SPLIT_VALID_RATIO, "split.valid_ratio", 0, 0, 1),
    I(BNDL_KEY_SPLIT_VALID_TIME_CUTOFF, "split.valid_time_cutoff", 0, INT64_MIN, INT64_MAX),
    I(BNDL_KEY_SPLIT_HOLDOUT, "split.holdout", 1, 1, 1000),
    I(BNDL_KEY_SPLIT_WITH_VALID, "split.with_valid", 0, 0, 1),
    I(BNDL_KEY_SPLIT_SEED, "split.seed", -1, -1, INT64_MAX),
    S(BNDL_KEY_MODEL_KIND, "model.kind", "transformer", model_kinds),
    I(BNDL_KEY_MODEL_DIM, "model.dim", 64, 1, 4096),
    I(BNDL_KEY_MODEL_LAYERS, "model.layers", 2, 1, 8),
    I(BNDL_KEY_MODEL_HEADS, "model.heads", 1, 1, 64),
    I(BNDL_KEY_MODEL_HIDDEN, "model.hidden", 0, 0, 16384),
    I(BNDL_KEY_MODEL_MAX_LEN, "model.max_len", 50, 1, 4096),
    F(BNDL_KEY_MODEL_DROPOUT, "model.dropout", 0.2, 0, 0.95),
    F(BNDL_KEY_MODEL_ATTN_DROPOUT, "model.attn_dropout", 0.2, 0, 0.95),
    I(BNDL_KEY_MODEL_EVENT_TYPES, "model.event_types", 0, 0, 1),
    I(BNDL_KEY_MODEL_ITEM_FEATURES, "model.item_features", 0, 0, 1),
    I(BNDL_KEY_TRAIN_EPOCHS, "train.epochs", 200, 1, 100000),
    I(BNDL_KEY_TRAIN_BATCH_SIZE, "train.batch_size", 128, 1, 65536),
    S(BNDL_KEY_TRAIN_OPTIMIZER, "train.optimizer", "adam", optimizers),
    F(BNDL_KEY_TRAIN_LR, "train.lr", 0.001, 0, 100),
    F(BNDL_KEY_TRAIN_WEIGHT_DECAY, "train.weight_decay", 0, 0, 100),
    F(BNDL_KEY_TRAIN_MOMENTUM, "train.momentum", 0.9, 0, 1),
    F(BNDL_KEY_TRAIN_BETA1, "train.beta1", 0.9, 0, 0.999999),
    F(BNDL_KEY_TRAIN_BETA2, "train.beta2", 0.98, 0, 0.999999),
    F(BNDL_KEY_TRAIN_CLIP_NORM, "train.clip_norm", 5, 0, 1e9),
    S(BNDL_KEY_TRAIN_LR_SCHEDULE, "train.lr_schedule", "constant", lr_schedules),
    I(BNDL_KEY_TRAIN_WARMUP_STEPS, "train.warmup_steps", 0, 0, INT32_MAX),
    S(BNDL_KEY_TRAIN_LOSS, "train.loss", "bce", losses),
    I(BNDL_KEY_TRAIN_NEGATIVES, "train.negatives", 0, 0, 1 << 20),
    I(BNDL_KEY_TRAIN_PATIENCE, "train.patience", 5, 0, 100000),
    I(BNDL_KEY_TRAIN_VALID_EVERY, "train.valid_every", 1, 1, 100000),
    I(BNDL_KEY_TRAIN_VALID_USERS, "train.valid_users", 10000, 0, INT32_MAX),
    I(BNDL_KEY_TRAIN_METRIC_K, "train.metric_k", 10, 1, 1000),
    I(BNDL_KEY_TRAIN_SEED, "train.seed", -1, -1, INT64_MAX),
    S(BNDL_KEY_TRAIN_SAMPLER, "train.sampler", "uniform", samplers),
    F(BNDL_KEY_TRAIN_SAMPLER_ALPHA, "train.sampler_alpha", 0.75, 0, 4),
    S(BNDL_KEY_SIM_MEASURE, "sim.measure", "cosine", sim_measures),
    I(BNDL_KEY_SIM_K, "sim.k", 50, 1, 100000),
    F(BNDL_KEY_SIM_SHRINK, "sim.shrink", 0, 0, 1e12),
    I(BNDL_KEY_SIM_MIN_SUPPORT, "sim.min_support", 1, 1, INT32_MAX),
    F(BNDL_KEY_SIM_ALPHA, "sim.alpha", 0.5, 0, 1),
    F(BNDL_KEY_SIM_BM25_K1, "sim.bm25_k1", 1.2, 0, 100),
    F(BNDL_KEY_SIM_BM25_B, "sim.bm25_b", 0.75, 0, 1),
    I(BNDL_KEY_SIM_BINARY, "sim.binary", 0, 0, 1),
    I(BNDL_KEY_SIM_EXCLUDE_SELF, "sim.exclude_self", 1, 0, 1),
    I(BNDL_KEY_SIM_MAX_BYTES, "sim.max_bytes", INT64_C(1) << 30, INT64_C(1) << 20, INT64_MAX),
    S(BNDL_KEY_BASKET_BY, "basket.by", "order", basket_choices),
    I(BNDL_KEY_BASKET_SESSION_GAP_S, "basket.session_gap_s", 1800, 1, INT64_C(1) << 40),
    I(BNDL_KEY_BASKET_WINDOW_S, "basket.window_s", 86400, 1, INT64_C(1) << 40),
    S(BNDL_KEY_BASKET_EVENT_TYPES, "basket.event_types", "purchase", NULL),
    F(BNDL_KEY_FP_MIN_SUPPORT, "fp.min_support", 0.01, 0, 1),
    I(BNDL_KEY_FP_MIN_COUNT, "fp.min_count", 1, 1, INT64_MAX),
    I(BNDL_KEY_FP_MAX_LEN, "fp.max_len", 0, 0, 1000),
    F(BNDL_KEY_RULE_MIN_CONFIDENCE, "rule.min_confidence", 0.5, 0, 1),
    F(BNDL_KEY_RULE_MIN_LIFT, "rule.min_lift", 0, 0, 1e12),
    F(BNDL_KEY_EASE_LAMBDA, "ease.lambda", 500, 0, 1e12),
    I(BNDL_KEY_MODEL_MAX_ITEMS, "model.max_items", 40000, 1, INT32_MAX),
    I(BNDL_KEY_MODEL_MAX_BYTES, "model.max_bytes", INT64_C(16) << 30, INT64_C(1) << 20, INT64_MAX),
    I(BNDL_KEY_FACTORS_RANK, "factors.rank", 64, 1, 100000),
    F(BNDL_KEY_FACTORS_REG, "factors.reg", 0.01, 0, 1e12),
    S(BNDL_KEY_TEXT_LANGUAGE, "text.language", "auto", language_choices),
    I(BNDL_KEY_TEXT_NEGATION, "text.negation", 1, 0, 1),
    I(BNDL_KEY_TEXT_STOPWORDS, "text.stopwords", 0, 0, 1),
    I(BNDL_KEY_TEXT_WORD_NGRAMS, "text.word_ngrams", 2, 1, 5),
    I(BNDL_KEY_TEXT_CHAR_NGRAMS, "text.char_ngrams", 5, 0, 8),
    I(BNDL_KEY_TEXT_MIN_DF, "text.min_df", 2, 1, INT32_MAX),
    F(BNDL_KEY_TEXT_C, "text.c", 16, 1e-6, 1e6),
    S(BNDL_KEY_TEXT_CLASS_WEIGHT, "text.class_weight", "none", class_weight_choices),
    I(BNDL_KEY_TEXT_EPOCHS, "text.epochs", 50, 1, 100000),
    I(BNDL_KEY_TEXT_SEED, "text.seed", -1, -1, INT64_MAX),
    F(BNDL_KEY_TEXT_POSITIVE_MIN, "text.positive_min", 4, -1e9, 1e9),
    F(BNDL_KEY_TEXT_NEGATIVE_MAX, "text.negative_max", 2, -1e9, 1e9),
    I(BNDL_KEY_TEXT_KEYWORDS, "text.keywords", 10, 0, 1000),
    S(BNDL_KEY_TEXT_KEYWORD_METHOD, "text.keyword_method", "tfidf", keyword_choices),
    I(BNDL_KEY_TEXT_VECTOR_DIM, "text.vector_dim", 64, 0, 4096),
    I(BNDL_KEY_TEXT_WINDOW, "text.window", 5, 1, 100),
    I(BNDL_KEY_TEXT_FEATURES, "text.features", 1, 0, 1),
    I(BNDL_KEY_TEXT_VECTOR_NEGATIVES, "text.vector_negatives", 5, 1, 100),
    I(BNDL_KEY_TEXT_VECTOR_EPOCHS, "text.vector_epochs", 5, 1, 1000),
    I(BNDL_KEY_TEXT_VECTOR_MIN_COUNT, "text.vector_min_count", 5, 1, INT32_MAX),
    F(BNDL_KEY_TEXT_VECTOR_SAMPLE, "text.vector_sample", 1e-3, 0, 1),
    F(BNDL_KEY_TEXT_VECTOR_LR, "text.vector_lr", 0.025, 1e-6, 10),
    F(BNDL_KEY_TEXT_SIF_A, "text.sif_a", 1e-3, 1e-9, 1e3),
    I(BNDL_KEY_TEXT_SIF_REMOVE_PC, "text.sif_remove_pc", 1, 0, 1),
};

const bndl_key_info *bndl_key_lookup(bndl_key key) {
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (keys[i].key == key)
      return &keys[i];
  return NULL;
}

const bndl_key_info *bndl_key_lookup_name(const char *name) {
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strcmp(keys[i].name, name) == 0)
      return &keys[i];
  return NULL;
}

int32_t bndl_key_count(void) { return (int32_t)(sizeof keys / sizeof keys[0]); }

const bndl_key_info *bndl_key_at(int32_t i) {
  return i >= 0 && i < bndl_key_count() ? &keys[i] : NULL;
}
