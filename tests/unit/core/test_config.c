/*
 * test_config.c - the option bag: the default of every key, range and type checks,
 * setting by name from text, clone, merge_range, and allocation failures.
 *
 * The expected defaults below are copied from the documentation in bundle_types.h, not
 * from config_keys.c, so a drift between the two fails here. A new key must be added
 * to the table (the count check makes sure of that).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/error.h"
#include "test_support.h"

typedef struct expect_key {
  bndl_key key;
  const char *name;
  bndl_value_type type;
  int64_t i;
  double f;
  const char *s;
} expect_key;

#define EI(k, n, v) {k, n, BNDL_TYPE_INT, v, 0, NULL}
#define EF(k, n, v) {k, n, BNDL_TYPE_FLOAT, 0, v, NULL}
#define ES(k, n, v) {k, n, BNDL_TYPE_STRING, 0, 0, v}

static const expect_key expected[] = {
    EI(BNDL_KEY_LOAD_STRICT, "load.strict", 0),
    EI(BNDL_KEY_LOAD_MAX_FIELD_BYTES, "load.max_field_bytes", 16 << 20),
    EI(BNDL_KEY_LOAD_MAX_ROWS, "load.max_rows", INT32_MAX),
    EI(BNDL_KEY_REPORT_MAX_EXAMPLES, "report.max_examples", 5),
    EI(BNDL_KEY_CLEAN_DROP_DUPLICATES, "clean.drop_duplicates", 1),
    EI(BNDL_KEY_CLEAN_REPEAT_WINDOW_S, "clean.repeat_window_s", 0),
    ES(BNDL_KEY_CLEAN_REPEAT_TYPES, "clean.repeat_types", "view,click,cart"),
    ES(BNDL_KEY_CLEAN_UNKNOWN_ITEMS, "clean.unknown_items", "drop"),
    EF(BNDL_KEY_CLEAN_ANOMALY_Z, "clean.anomaly_z", 5.0),
    EI(BNDL_KEY_CLEAN_ANOMALY_MIN_USERS, "clean.anomaly_min_users", 50),
    EF(BNDL_KEY_WEIGHT_VIEW, "weight.view", 1),
    EF(BNDL_KEY_WEIGHT_CLICK, "weight.click", 2),
    EF(BNDL_KEY_WEIGHT_CART, "weight.cart", 4),
    EF(BNDL_KEY_WEIGHT_PURCHASE, "weight.purchase", 8),
    EF(BNDL_KEY_WEIGHT_RETURN, "weight.return", -8),
    EF(BNDL_KEY_WEIGHT_RATING, "weight.rating", 1),
    EI(BNDL_KEY_WEIGHT_BY_QUANTITY, "weight.by_quantity", 0),
    EF(BNDL_KEY_DECAY_HALF_LIFE_DAYS, "weight.decay_half_life_days", 0),
    EI(BNDL_KEY_REFERENCE_TIME, "features.reference_time", 0),
    ES(BNDL_KEY_SPLIT_METHOD, "split.method", "leave_last_out"),
    EI(BNDL_KEY_SPLIT_TIME_CUTOFF, "split.time_cutoff", 0),
    EF(BNDL_KEY_SPLIT_TEST_RATIO, "split.test_ratio", 0.2),
    EF(BNDL_KEY_SPLIT_VALID_RATIO, "split.valid_ratio", 0),
    EI(BNDL_KEY_SPLIT_VALID_TIME_CUTOFF, "split.valid_time_cutoff", 0),
    EI(BNDL_KEY_SPLIT_HOLDOUT, "split.holdout", 1),
    EI(BNDL_KEY_SPLIT_WITH_VALID, "split.with_valid", 0),
    EI(BNDL_KEY_SPLIT_SEED, "split.seed", -1), /* -1 = use the context seed */
    ES(BNDL_KEY_MODEL_KIND, "model.kind", "transformer"),
    EI(BNDL_KEY_MODEL_DIM, "model.dim", 64),
    EI(BNDL_KEY_MODEL_LAYERS, "model.layers", 2),
    EI(BNDL_KEY_MODEL_HEADS, "model.heads", 1),
    EI(BNDL_KEY_MODEL_HIDDEN, "model.hidden", 0),
    EI(BNDL_KEY_MODEL_MAX_LEN, "model.max_len", 50),
    EF(BNDL_KEY_MODEL_DROPOUT, "model.dropout", 0.2),
    EF(BNDL_KEY_MODEL_ATTN_DROPOUT, "model.attn_dropout", 0.2),
    EI(BNDL_KEY_MODEL_EVENT_TYPES, "model.event_types", 0),
    EI(BNDL_KEY_MODEL_ITEM_FEATURES, "model.item_features", 0),
    EI(BNDL_KEY_TRAIN_EPOCHS, "train.epochs", 200),
    EI(BNDL_KEY_TRAIN_BATCH_SIZE, "train.batch_size", 128),
    ES(BNDL_KEY_TRAIN_OPTIMIZER, "train.optimizer", "adam"),
    EF(BNDL_KEY_TRAIN_LR, "train.lr", 0.001),
    EF(BNDL_KEY_TRAIN_WEIGHT_DECAY, "train.weight_decay", 0),
    EF(BNDL_KEY_TRAIN_MOMENTUM, "train.momentum", 0.9),
    EF(BNDL_KEY_TRAIN_BETA1, "train.beta1", 0.9),
    EF(BNDL_KEY_TRAIN_BETA2, "train.beta2", 0.98),
    EF(BNDL_KEY_TRAIN_CLIP_NORM, "train.clip_norm", 5),
    ES(BNDL_KEY_TRAIN_LR_SCHEDULE, "train.lr_schedule", "constant"),
    EI(BNDL_KEY_TRAIN_WARMUP_STEPS, "train.warmup_steps", 0),
    ES(BNDL_KEY_TRAIN_LOSS, "train.loss", "bce"),
    EI(BNDL_KEY_TRAIN_NEGATIVES, "train.negatives", 0),
    EI(BNDL_KEY_TRAIN_PATIENCE, "train.patience", 5),
    EI(BNDL_KEY_TRAIN_VALID_EVERY, "train.valid_every", 1),
    EI(BNDL_KEY_TRAIN_VALID_USERS, "train.valid_users", 10000),
    EI(BNDL_KEY_TRAIN_METRIC_K, "train.metric_k", 10),
    EI(BNDL_KEY_TRAIN_SEED, "train.seed", -1),
    ES(BNDL_KEY_TRAIN_SAMPLER, "train.sampler", "uniform"),
    EF(BNDL_KEY_TRAIN_SAMPLER_ALPHA, "train.sampler_alpha", 0.75),
    ES(BNDL_KEY_SIM_MEASURE, "sim.measure", "cosine"),
    EI(BNDL_KEY_SIM_K, "sim.k", 50),
    EF(BNDL_KEY_SIM_SHRINK, "sim.shrink", 0),
    EI(BNDL_KEY_SIM_MIN_SUPPORT, "sim.min_support", 1),
    EF(BNDL_KEY_SIM_ALPHA, "sim.alpha", 0.5),
    EF(BNDL_KEY_SIM_BM25_K1, "sim.bm25_k1", 1.2),
    EF(BNDL_KEY_SIM_BM25_B, "sim.bm25_b", 0.75),
    EI(BNDL_KEY_SIM_BINARY, "sim.binary", 0),
    EI(BNDL_KEY_SIM_EXCLUDE_SELF, "sim.exclude_self", 1),
    EI(BNDL_KEY_SIM_MAX_BYTES, "sim.max_bytes", INT64_C(1) << 30),
    ES(BNDL_KEY_BASKET_BY, "basket.by", "order"),
    EI(BNDL_KEY_BASKET_SESSION_GAP_S, "basket.session_gap_s", 1800),
    EI(BNDL_KEY_BASKET_WINDOW_S, "basket.window_s", 86400),
    ES(BNDL_KEY_BASKET_EVENT_TYPES, "basket.event_types", "purchase"),
    EF(BNDL_KEY_FP_MIN_SUPPORT, "fp.min_support", 0.01),
    EI(BNDL_KEY_FP_MIN_COUNT, "fp.min_count", 1),
    EI(BNDL_KEY_FP_MAX_LEN, "fp.max_len", 0),
    EF(BNDL_KEY_RULE_MIN_CONFIDENCE, "rule.min_confidence", 0.5),
    EF(BNDL_KEY_RULE_MIN_LIFT, "rule.min_lift", 0),
    EF(BNDL_KEY_EASE_LAMBDA, "ease.lambda", 500),
    EI(BNDL_KEY_MODEL_MAX_ITEMS, "model.max_items", 40000),
    EI(BNDL_KEY_MODEL_MAX_BYTES, "model.max_bytes", INT64_C(16) << 30),
    EI(BNDL_KEY_FACTORS_RANK, "factors.rank", 64),
    EF(BNDL_KEY_FACTORS_REG, "factors.reg", 0.01),
    ES(BNDL_KEY_TEXT_LANGUAGE, "text.language", "auto"),
    EI(BNDL_KEY_TEXT_NEGATION, "text.negation", 1),
    EI(BNDL_KEY_TEXT_STOPWORDS, "text.stopwords", 0),
    EI(BNDL_KEY_TEXT_WORD_NGRAMS, "text.word_ngrams", 2),
    EI(BNDL_KEY_TEXT_CHAR_NGRAMS, "text.char_ngrams", 5),
    EI(BNDL_KEY_TEXT_MIN_DF, "text.min_df", 2),
    EF(BNDL_KEY_TEXT_C, "text.c", 16),
    ES(BNDL_KEY_TEXT_CLASS_WEIGHT, "text.class_weight", "none"),
    EI(BNDL_KEY_TEXT_EPOCHS, "text.epochs", 50),
    EI(BNDL_KEY_TEXT_SEED, "text.seed", -1),
    EF(BNDL_KEY_TEXT_POSITIVE_MIN, "text.positive_min", 4),
    EF(BNDL_KEY_TEXT_NEGATIVE_MAX, "text.negative_max", 2),
    EI(BNDL_KEY_TEXT_KEYWORDS, "text.keywords", 10),
    ES(BNDL_KEY_TEXT_KEYWORD_METHOD, "text.keyword_method", "tfidf"),
    EI(BNDL_KEY_TEXT_VECTOR_DIM, "text.vector_dim", 64),
    EI(BNDL_KEY_TEXT_WINDOW, "text.window", 5),
    EI(BNDL_KEY_TEXT_FEATURES, "text.features", 1),
    EI(BNDL_KEY_TEXT_VECTOR_NEGATIVES, "text.vector_negatives", 5),
    EI(BNDL_KEY_TEXT_VECTOR_EPOCHS, "text.vector_epochs", 5),
    EI(BNDL_KEY_TEXT_VECTOR_MIN_COUNT, "text.vector_min_count", 5),
    EF(BNDL_KEY_TEXT_VECTOR_SAMPLE, "text.vector_sample", 1e-3),
    EF(BNDL_KEY_TEXT_VECTOR_LR, "text.vector_lr", 0.025),
    EF(BNDL_KEY_TEXT_SIF_A, "text.sif_a", 1e-3),
    EI(BNDL_KEY_TEXT_SIF_REMOVE_PC, "text.sif_remove_pc", 1),
};
enum { N_EXPECTED = sizeof expected / sizeof expected[0] };

static void check_defaults(const bndl_config *cfg) {
  for (int i = 0; i < N_EXPECTED; i++) {
    const expect_key *e = &expected[i];
    switch (e->type) {
    case BNDL_TYPE_INT: {
      assert_int_equal(bndl_cfg_int(cfg, e->key), e->i);
      int64_t v = -12345;
      assert_int_equal(bndl_config_get_int(cfg, e->key, &v), BNDL_OK);
      assert_int_equal(v, e->i);
      break;
    }
    case BNDL_TYPE_FLOAT: {
      assert_true(bndl_cfg_float(cfg, e->key) == e->f);
      double v = -12345;
      assert_int_equal(bndl_config_get_float(cfg, e->key, &v), BNDL_OK);
      assert_true(v == e->f);
      break;
    }
    default: {
      assert_string_equal(bndl_cfg_string(cfg, e->key), e->s);
      const char *v = NULL;
      assert_int_equal(bndl_config_get_string(cfg, e->key, &v), BNDL_OK);
      assert_string_equal(v, e->s);
      break;
    }
    }
  }
}

static void test_every_key_has_its_documented_default(void **state) {
  (void)state;
  assert_int_equal(bndl_key_count(), N_EXPECTED);
  check_defaults(NULL); /* a NULL config reads as all defaults */
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_new(&a, &cfg), BNDL_OK);
  check_defaults(cfg);
  bndl_config_destroy(cfg);
  assert_int_equal(t.live_bytes, 0);
}

static void test_names_and_types_round_trip(void **state) {
  (void)state;
  for (int i = 0; i < N_EXPECTED; i++) {
    const expect_key *e = &expected[i];
    assert_string_equal(bndl_config_key_name(e->key), e->name);
    assert_int_equal(bndl_config_key_type(e->key), e->type);
    bndl_key k = (bndl_key)0;
    assert_int_equal(bndl_config_key_by_name(e->name, &k), BNDL_OK);
    assert_int_equal(k, e->key);
    /* the internal table agrees with the public lookups */
    const bndl_key_info *info = bndl_key_at(i);
    assert_non_null(info);
    assert_non_null(bndl_key_lookup(info->key));
  }
  assert_null(bndl_key_at(N_EXPECTED));
  assert_null(bndl_key_at(-1));
  assert_null(bndl_config_key_name((bndl_key)9999));
  assert_int_equal(bndl_config_key_type((bndl_key)9999), 0);
  bndl_key k = BNDL_KEY_LOAD_STRICT;
  assert_int_equal(bndl_config_key_by_name("no.such_key", &k), BNDL_ERR_NOT_FOUND);
  assert_int_equal(k, BNDL_KEY_LOAD_STRICT); /* untouched on failure */
  test_assert_error_contains("no.such_key");
}

static bndl_config *fresh(test_alloc *t) {
  static bndl_allocator a;
  a = test_alloc_hook(t);
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_new(&a, &cfg), BNDL_OK);
  return cfg;
}

static void test_int_range_checks(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_config *cfg = fresh(&t);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_LOAD_STRICT, 1), BNDL_OK);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_LOAD_STRICT, 2), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("load.strict");
  test_assert_error_contains("2");
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_LOAD_STRICT, -1), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_cfg_int(cfg, BNDL_KEY_LOAD_STRICT), 1); /* a rejected value changes nothing */
  /* the edges of a range are inside it */
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_SPLIT_HOLDOUT, 1), BNDL_OK);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_SPLIT_HOLDOUT, 1000), BNDL_OK);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_SPLIT_HOLDOUT, 0), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_SPLIT_HOLDOUT, 1001), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_cfg_int(cfg, BNDL_KEY_SPLIT_HOLDOUT), 1000);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_CLEAN_ANOMALY_MIN_USERS, 2), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_LOAD_MAX_FIELD_BYTES, 15), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_LOAD_MAX_ROWS, (int64_t)INT32_MAX + 1),
                   BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_SPLIT_SEED, -2), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_REFERENCE_TIME, INT64_MIN), BNDL_OK);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_REFERENCE_TIME, INT64_MAX), BNDL_OK);
  assert_int_equal(bndl_cfg_int(cfg, BNDL_KEY_REFERENCE_TIME), INT64_MAX);
  bndl_config_destroy(cfg);
  assert_int_equal(t.live_bytes, 0);
}

static void test_float_range_checks(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_config *cfg = fresh(&t);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO, 0.5), BNDL_OK);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO, 1.0), BNDL_OK);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO, 0.0), BNDL_OK);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO, 1.5), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("split.test_ratio");
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO, -0.1), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO, NAN), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_WEIGHT_VIEW, INFINITY), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_WEIGHT_VIEW, -INFINITY), BNDL_ERR_INVALID_ARGUMENT);
  assert_true(bndl_cfg_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO) == 0.0);
  assert_true(bndl_cfg_float(cfg, BNDL_KEY_WEIGHT_VIEW) == 1.0); /* still the default */
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_WEIGHT_RETURN, -1e6), BNDL_OK);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_WEIGHT_RETURN, -1e6 * 1.0001), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_CLEAN_ANOMALY_Z, -0.5), BNDL_ERR_INVALID_ARGUMENT);
  bndl_config_destroy(cfg);
  assert_int_equal(t.live_bytes, 0);
}

static void test_string_choices(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_config *cfg = fresh(&t);
  assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_CLEAN_UNKNOWN_ITEMS, "keep"), BNDL_OK);
  assert_string_equal(bndl_cfg_string(cfg, BNDL_KEY_CLEAN_UNKNOWN_ITEMS), "keep");
  assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_CLEAN_UNKNOWN_ITEMS, "maybe"), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("maybe");
  test_assert_error_contains("clean.unknown_items");
  assert_string_equal(bndl_cfg_string(cfg, BNDL_KEY_CLEAN_UNKNOWN_ITEMS), "keep");
  static const char *const methods[] = {"leave_last_out", "time", "random", "fixed"};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_SPLIT_METHOD, methods[i]), BNDL_OK);
    assert_string_equal(bndl_cfg_string(cfg, BNDL_KEY_SPLIT_METHOD), methods[i]);
  }
  assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_SPLIT_METHOD, "Random"), BNDL_ERR_INVALID_ARGUMENT);
  /* free text keys take anything, and a replaced string is released */
  assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_CLEAN_REPEAT_TYPES, "view"), BNDL_OK);
  assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_CLEAN_REPEAT_TYPES, ""), BNDL_OK);
  assert_string_equal(bndl_cfg_string(cfg, BNDL_KEY_CLEAN_REPEAT_TYPES), "");
  bndl_config_destroy(cfg);
  assert_int_equal(t.live_bytes, 0);
}

static void test_type_mismatch_and_unknown_key(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_config *cfg = fresh(&t);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_CLEAN_ANOMALY_Z, 3), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("clean.anomaly_z");
  test_assert_error_contains("float");
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_LOAD_STRICT, 1.0), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("int");
  assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_SPLIT_HOLDOUT, "1"), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("string");
  assert_int_equal(bndl_config_put_int(cfg, (bndl_key)12345, 1), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("12345");
  assert_int_equal(bndl_config_put_float(cfg, (bndl_key)0, 1), BNDL_ERR_NOT_FOUND);
  assert_int_equal(bndl_config_put_string(cfg, (bndl_key)-1, "x"), BNDL_ERR_NOT_FOUND);
  /* the public getters check the type too, and leave *out alone */
  int64_t i = 77;
  assert_int_equal(bndl_config_get_int(cfg, BNDL_KEY_CLEAN_ANOMALY_Z, &i), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_config_get_int");
  assert_int_equal(i, 77);
  double f = 77;
  assert_int_equal(bndl_config_get_float(cfg, (bndl_key)12345, &f), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("bndl_config_get_float");
  assert_true(f == 77);
  assert_int_equal(cfg->n, 0); /* nothing was stored by any failed call */
  bndl_config_destroy(cfg);
  assert_int_equal(t.live_bytes, 0);
}

static void test_set_by_name_from_text(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_config *cfg = fresh(&t);
  assert_int_equal(bndl_config_put_text(cfg, "clean.anomaly_z", "3.0"), BNDL_OK);
  assert_true(bndl_cfg_float(cfg, BNDL_KEY_CLEAN_ANOMALY_Z) == 3.0);
  assert_int_equal(bndl_config_put_text(cfg, "clean.anomaly_z", "2.5e1"), BNDL_OK);
  assert_true(bndl_cfg_float(cfg, BNDL_KEY_CLEAN_ANOMALY_Z) == 25.0);
  assert_int_equal(bndl_config_put_text(cfg, "load.strict", "1"), BNDL_OK);
  assert_int_equal(bndl_cfg_int(cfg, BNDL_KEY_LOAD_STRICT), 1);
  assert_int_equal(bndl_config_put_text(cfg, "features.reference_time", "-86400"), BNDL_OK);
  assert_int_equal(bndl_cfg_int(cfg, BNDL_KEY_REFERENCE_TIME), -86400);
  assert_int_equal(bndl_config_put_text(cfg, "split.method", "time"), BNDL_OK);
  assert_string_equal(bndl_cfg_string(cfg, BNDL_KEY_SPLIT_METHOD), "time");
  assert_int_equal(bndl_config_put_text(cfg, "clean.repeat_types", "view,cart"), BNDL_OK);
  assert_string_equal(bndl_cfg_string(cfg, BNDL_KEY_CLEAN_REPEAT_TYPES), "view,cart");
  /* parse errors name the key and the text */
  static const struct {
    const char *name, *text;
  } bad[] = {
      {"load.strict", "1x"},          {"load.strict", ""},          {"load.strict", "2"},
      {"load.strict", "1.0"},         {"load.max_rows", "99999999999999999999"},
      {"clean.anomaly_z", "abc"},     {"clean.anomaly_z", ""},      {"clean.anomaly_z", "1e999"},
      {"clean.anomaly_z", "nan"},     {"clean.anomaly_z", "3.0 "},  {"split.method", "sideways"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    assert_int_equal(bndl_config_put_text(cfg, bad[k].name, bad[k].text), BNDL_ERR_INVALID_ARGUMENT);
    test_assert_error_contains(bad[k].name);
  }
  assert_int_equal(bndl_config_put_text(cfg, "clean.anomaly_zz", "1"), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("clean.anomaly_zz");
  /* nothing above changed the values set before */
  assert_int_equal(bndl_cfg_int(cfg, BNDL_KEY_LOAD_STRICT), 1);
  assert_true(bndl_cfg_float(cfg, BNDL_KEY_CLEAN_ANOMALY_Z) == 25.0);
  assert_string_equal(bndl_cfg_string(cfg, BNDL_KEY_SPLIT_METHOD), "time");
  assert_int_equal(bndl_cfg_int(cfg, BNDL_KEY_LOAD_MAX_ROWS), INT32_MAX);
  bndl_config_destroy(cfg);
  assert_int_equal(t.live_bytes, 0);
}

static void test_clone_is_deep(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_config *cfg = fresh(&t);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_SPLIT_HOLDOUT, 3), BNDL_OK);
  assert_int_equal(bndl_config_put_float(cfg, BNDL_KEY_WEIGHT_CART, 5.5), BNDL_OK);
  assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_SPLIT_METHOD, "random"), BNDL_OK);
  bndl_config *copy = NULL;
  assert_int_equal(bndl_config_clone(cfg, &copy), BNDL_OK);
  assert_ptr_not_equal(copy, cfg);
  assert_int_equal(bndl_cfg_int(copy, BNDL_KEY_SPLIT_HOLDOUT), 3);
  assert_true(bndl_cfg_float(copy, BNDL_KEY_WEIGHT_CART) == 5.5);
  assert_string_equal(bndl_cfg_string(copy, BNDL_KEY_SPLIT_METHOD), "random");
  assert_ptr_not_equal(bndl_cfg_string(copy, BNDL_KEY_SPLIT_METHOD), bndl_cfg_string(cfg, BNDL_KEY_SPLIT_METHOD));
  /* unset keys stay unset (defaults) in the copy */
  assert_int_equal(bndl_cfg_int(copy, BNDL_KEY_LOAD_STRICT), 0);
  /* changing or freeing the original does not touch the copy */
  assert_int_equal(bndl_config_put_string(cfg, BNDL_KEY_SPLIT_METHOD, "time"), BNDL_OK);
  assert_int_equal(bndl_config_put_int(cfg, BNDL_KEY_SPLIT_HOLDOUT, 9), BNDL_OK);
  bndl_config_free(cfg);
  assert_string_equal(bndl_cfg_string(copy, BNDL_KEY_SPLIT_METHOD), "random");
  assert_int_equal(bndl_cfg_int(copy, BNDL_KEY_SPLIT_HOLDOUT), 3);
  bndl_config_free(copy);
  assert_int_equal(t.live_bytes, 0);
}

static void test_merge_range(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_config *src = fresh(&t);
  bndl_config *dst = fresh(&t);
  assert_int_equal(bndl_config_put_int(src, BNDL_KEY_LOAD_STRICT, 1), BNDL_OK);          /* 200 */
  assert_int_equal(bndl_config_put_float(src, BNDL_KEY_CLEAN_ANOMALY_Z, 2.0), BNDL_OK);  /* 214 */
  assert_int_equal(bndl_config_put_string(src, BNDL_KEY_CLEAN_UNKNOWN_ITEMS, "keep"), BNDL_OK); /* 213 */
  assert_int_equal(bndl_config_put_string(src, BNDL_KEY_SPLIT_METHOD, "fixed"), BNDL_OK); /* 260 */
  assert_int_equal(bndl_config_put_float(dst, BNDL_KEY_CLEAN_ANOMALY_Z, 9.0), BNDL_OK);
  assert_int_equal(bndl_config_put_int(dst, BNDL_KEY_SPLIT_HOLDOUT, 4), BNDL_OK);
  /* only the cleaning keys 210..229 */
  assert_int_equal(bndl_config_merge_range(dst, src, 210, 229), BNDL_OK);
  assert_true(bndl_cfg_float(dst, BNDL_KEY_CLEAN_ANOMALY_Z) == 2.0); /* overwritten */
  assert_string_equal(bndl_cfg_string(dst, BNDL_KEY_CLEAN_UNKNOWN_ITEMS), "keep");
  assert_int_equal(bndl_cfg_int(dst, BNDL_KEY_LOAD_STRICT), 0);      /* outside: default */
  assert_string_equal(bndl_cfg_string(dst, BNDL_KEY_SPLIT_METHOD), "leave_last_out");
  assert_int_equal(bndl_cfg_int(dst, BNDL_KEY_SPLIT_HOLDOUT), 4);    /* dst's own key kept */
  /* the bounds are inclusive */
  assert_int_equal(bndl_config_merge_range(dst, src, 200, 200), BNDL_OK);
  assert_int_equal(bndl_cfg_int(dst, BNDL_KEY_LOAD_STRICT), 1);
  assert_string_equal(bndl_cfg_string(dst, BNDL_KEY_SPLIT_METHOD), "leave_last_out");
  assert_int_equal(bndl_config_merge_range(dst, src, 260, 299), BNDL_OK);
  assert_string_equal(bndl_cfg_string(dst, BNDL_KEY_SPLIT_METHOD), "fixed");
  /* a NULL source is all defaults: nothing to copy */
  assert_int_equal(bndl_config_merge_range(dst, NULL, 0, INT32_MAX), BNDL_OK);
  assert_string_equal(bndl_cfg_string(dst, BNDL_KEY_SPLIT_METHOD), "fixed");
  bndl_config_destroy(src);
  bndl_config_destroy(dst);
  assert_int_equal(t.live_bytes, 0);
}

/* Fail allocation N = 1, 2, ... (transient, then persistent) through a sequence of sets
 * and a clone: each failure is OUT_OF_MEMORY, leaves no leak, and a retry succeeds. */
static void test_out_of_memory_loop(void **state) {
  (void)state;
  for (int persistent = 0; persistent <= 1; persistent++) {
    int64_t sites = 0;
    for (int64_t n = 1;; n++) {
      test_alloc t;
      test_alloc_reset(&t, n, persistent);
      bndl_allocator a = test_alloc_hook(&t);
      bndl_config *cfg = NULL, *copy = NULL;
      bndl_status st = bndl_config_new(&a, &cfg);
      if (st == BNDL_OK)
        st = bndl_config_put_string(cfg, BNDL_KEY_SPLIT_METHOD, "random");
      for (int k = 0; st == BNDL_OK && k < N_EXPECTED; k++)
        if (expected[k].type == BNDL_TYPE_INT)
          st = bndl_config_put_int(cfg, expected[k].key, expected[k].i);
      if (st == BNDL_OK)
        st = bndl_config_put_string(cfg, BNDL_KEY_CLEAN_REPEAT_TYPES, "view");
      if (st == BNDL_OK)
        st = bndl_config_clone(cfg, &copy);
      if (st == BNDL_OK) {
        assert_string_equal(bndl_cfg_string(copy, BNDL_KEY_SPLIT_METHOD), "random");
        assert_string_equal(bndl_cfg_string(copy, BNDL_KEY_CLEAN_REPEAT_TYPES), "view");
      }
      int done = st == BNDL_OK;
      if (!done) {
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
        assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
        assert_true(t.n_failed > 0);
        assert_null(copy);
        sites++;
      }
      bndl_config_destroy(copy);
      bndl_config_destroy(cfg);
      assert_int_equal(t.live_bytes, 0);
      assert_int_equal(t.live_blocks, 0);
      if (done)
        break;
      assert_true(n < 1000);
    }
    print_message("config OOM loop (%s): %lld failing runs\n", persistent ? "persistent" : "transient",
                  (long long)sites);
    assert_true(sites >= 4);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_key_has_its_documented_default),
      cmocka_unit_test(test_names_and_types_round_trip),
      cmocka_unit_test(test_int_range_checks),
      cmocka_unit_test(test_float_range_checks),
      cmocka_unit_test(test_string_choices),
      cmocka_unit_test(test_type_mismatch_and_unknown_key),
      cmocka_unit_test(test_set_by_name_from_text),
      cmocka_unit_test(test_clone_is_deep),
      cmocka_unit_test(test_merge_range),
      cmocka_unit_test(test_out_of_memory_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
