/*
 * test_model_train.c - bndl_model_train through bundle.h and libbundle.so only: from
 * events appended to a dataset, through the trainer, to the model's recommendations.
 *
 * The data: N_USERS users walk a ring of N_ITEMS items ("sku-<n>"): each user starts at a
 * seeded item and every next event is the next item on the ring, so after a history
 * ending at item i the right next item is i + 1. Checked:
 *  - both encoders learn the rule through the public pipeline (split with validation,
 *    train, then recommend after a fresh history: top-1 is the next item for nearly
 *    every start); progress reports every epoch with a validation metric; the summary
 *    records the run and survives save / load;
 *  - the same seed gives the same model bytes on 1 and 2 threads;
 *  - a progress callback that returns nonzero cancels (BNDL_ERR_CANCELLED) after that
 *    epoch and the model keeps what it learnt;
 *  - training without a validation set (leave-last-out inside the training data) and with
 *    event types as input;
 *  - errors: another dataset's items, a validation set that is not a split of the
 *    training data, an unfinalized dataset, bad handles, a short summary struct.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "test_support.h"

enum { N_USERS = 120, N_ITEMS = 30, LEN = 12 };

/* Ring walks as events: user u starts at (7u + 3) % n_items. */
static bndl_dataset *ring_dataset(bndl_context *ctx, int n_items, int with_views) {
  static char names[N_USERS * LEN][16], users[N_USERS * LEN][16];
  static const char *item_names[N_USERS * LEN], *user_names[N_USERS * LEN];
  static int64_t times[N_USERS * LEN];
  static int32_t types[N_USERS * LEN];
  int64_t n = 0;
  for (int u = 0; u < N_USERS; u++)
    for (int t = 0; t < LEN; t++, n++) {
      snprintf(users[n], sizeof users[n], "u%d", u);
      snprintf(names[n], sizeof names[n], "sku-%d", (7 * u + 3 + t) % n_items);
      user_names[n] = users[n];
      item_names[n] = names[n];
      times[n] = 1000 + t;
      types[n] = with_views && t % 3 == 1 ? BNDL_EVENT_VIEW : BNDL_EVENT_PURCHASE;
    }
  bndl_event_columns ev = BNDL_EVENT_COLUMNS_INIT;
  ev.count = n;
  ev.user_names = user_names;
  ev.item_names = item_names;
  ev.timestamps = times;
  ev.event_types = types;
  bndl_dataset *ds;
  test_expect_ok(bndl_dataset_create(ctx, &ds));
  test_expect_ok(bndl_dataset_add_events(ds, &ev));
  test_expect_ok(bndl_dataset_finalize(ds));
  return ds;
}

static bndl_config *small_config(const char *kind) {
  bndl_config *cfg;
  test_expect_ok(bndl_config_create(&cfg));
  test_expect_ok(bndl_config_set(cfg, "model.kind", kind));
  test_expect_ok(bndl_config_set(cfg, "model.dim", "16"));
  test_expect_ok(bndl_config_set(cfg, "model.layers", "1"));
  test_expect_ok(bndl_config_set(cfg, "model.max_len", "8"));
  test_expect_ok(bndl_config_set(cfg, "model.dropout", "0"));
  test_expect_ok(bndl_config_set(cfg, "model.attn_dropout", "0"));
  test_expect_ok(bndl_config_set(cfg, "train.epochs", "40"));
  test_expect_ok(bndl_config_set(cfg, "train.batch_size", "32"));
  test_expect_ok(bndl_config_set(cfg, "train.lr", "0.01"));
  test_expect_ok(bndl_config_set(cfg, "train.patience", "0"));
  test_expect_ok(bndl_config_set(cfg, "train.loss", "sampled_softmax"));
  test_expect_ok(bndl_config_set(cfg, "train.negatives", "16"));
  return cfg;
}

typedef struct progress_log {
  int calls, cancel_at;
  int64_t last_epoch;
  double last_metric;
  int ordered;
} progress_log;

static int32_t on_progress(void *ud, const bndl_train_progress *p) {
  progress_log *log = ud;
  log->calls++;
  if (p->struct_size < sizeof *p || p->epoch != log->last_epoch + 1 || !isfinite(p->loss) || p->seconds < 0)
    log->ordered = 0;
  log->last_epoch = p->epoch;
  log->last_metric = p->metric;
  return log->cancel_at > 0 && p->epoch >= log->cancel_at;
}

/* Share of starts whose top-1 recommendation after a 4-item walk is the next item. */
static double next_item_accuracy(const bndl_model *m, const bndl_dataset *ds) {
  int right = 0;
  for (int s = 0; s < N_ITEMS; s++) {
    int32_t hist[4], top = -1;
    for (int t = 0; t < 4; t++) {
      char id[16];
      int64_t idx;
      snprintf(id, sizeof id, "sku-%d", (s + t) % N_ITEMS);
      test_expect_ok(bndl_dataset_find(ds, BNDL_ENTITY_ITEM, id, &idx));
      hist[t] = (int32_t)idx;
    }
    int64_t n_out = 0;
    test_expect_ok(bndl_model_recommend(m, hist, NULL, 4, NULL, 0, 1, 1, &top, NULL, &n_out));
    const char *id;
    test_expect_ok(bndl_model_item_id(m, top, &id, NULL));
    char want[16];
    snprintf(want, sizeof want, "sku-%d", (s + 4) % N_ITEMS);
    right += strcmp(id, want) == 0;
  }
  return (double)right / N_ITEMS;
}

static void learns_the_ring(const char *kind) {
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = ring_dataset(ctx, N_ITEMS, 0), *train, *valid, *test;
  bndl_config *split;
  test_expect_ok(bndl_config_create(&split));
  test_expect_ok(bndl_config_set(split, "split.with_valid", "1"));
  test_expect_ok(bndl_dataset_split(ds, split, &train, &valid, &test));
  bndl_config *cfg = small_config(kind);
  bndl_model *m;
  test_expect_ok(bndl_model_create(ds, cfg, &m));
  bndl_train_summary before = BNDL_TRAIN_SUMMARY_INIT;
  test_expect_ok(bndl_model_train_summary(m, &before));
  assert_int_equal(before.epochs, 0);
  double untrained = next_item_accuracy(m, ds);

  progress_log log = {.ordered = 1};
  test_expect_ok(bndl_model_train(m, train, valid, cfg, on_progress, &log));
  assert_int_equal(log.calls, 40);
  assert_true(log.ordered);
  assert_true(isfinite(log.last_metric)); /* validated every epoch */
  double acc = next_item_accuracy(m, ds);
  printf("%s: top-1 next-item accuracy %.2f untrained, %.2f trained\n", kind, untrained, acc);
  assert_true(acc >= 0.9);

  bndl_train_summary sum = BNDL_TRAIN_SUMMARY_INIT;
  test_expect_ok(bndl_model_train_summary(m, &sum));
  assert_int_equal(sum.epochs, 40);
  assert_true(sum.steps >= 40);
  assert_true(sum.best_epoch >= 1 && sum.best_epoch <= 40);
  assert_true(sum.best_metric > 0.5);
  bndl_buffer *bytes;
  test_expect_ok(bndl_model_save_buffer(m, &bytes));
  bndl_model *back;
  test_expect_ok(bndl_model_load_buffer(ctx, bndl_buffer_data(bytes), bndl_buffer_size(bytes), &back));
  bndl_train_summary sum2 = BNDL_TRAIN_SUMMARY_INIT;
  test_expect_ok(bndl_model_train_summary(back, &sum2));
  assert_int_equal(sum2.epochs, sum.epochs);
  assert_int_equal(sum2.best_epoch, sum.best_epoch);
  assert_true(sum2.best_metric == sum.best_metric);
  assert_true(next_item_accuracy(back, ds) == acc);
  bndl_model_free(back);
  bndl_buffer_free(bytes);

  bndl_model_free(m);
  bndl_config_free(cfg);
  bndl_config_free(split);
  bndl_dataset_free(train);
  bndl_dataset_free(valid);
  bndl_dataset_free(test);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void transformer_learns_the_ring(void **state) {
  (void)state;
  learns_the_ring("transformer");
}

static void lstm_learns_the_ring(void **state) {
  (void)state;
  learns_the_ring("lstm");
}

/* The model bytes after training with n_threads threads. */
static bndl_buffer *trained_bytes(int n_threads) {
  bndl_context *ctx = test_context(NULL, n_threads);
  test_expect_ok(bndl_context_set_seed(ctx, 99));
  bndl_dataset *ds = ring_dataset(ctx, N_ITEMS, 1);
  bndl_config *cfg = small_config("transformer");
  test_expect_ok(bndl_config_set(cfg, "train.epochs", "3"));
  test_expect_ok(bndl_config_set(cfg, "model.event_types", "1"));
  test_expect_ok(bndl_config_set(cfg, "model.dropout", "0.2"));
  bndl_model *m;
  bndl_buffer *bytes;
  test_expect_ok(bndl_model_create(ds, cfg, &m));
  test_expect_ok(bndl_model_train(m, ds, NULL, cfg, NULL, NULL)); /* leave-last-out inside ds */
  test_expect_ok(bndl_model_save_buffer(m, &bytes));
  bndl_model_free(m);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return bytes;
}

static void same_seed_same_model_on_any_thread_count(void **state) {
  (void)state;
  bndl_buffer *one = trained_bytes(1), *two = trained_bytes(2), *again = trained_bytes(2);
  assert_int_equal(bndl_buffer_size(one), bndl_buffer_size(two));
  assert_memory_equal(bndl_buffer_data(one), bndl_buffer_data(two), bndl_buffer_size(one));
  assert_memory_equal(bndl_buffer_data(two), bndl_buffer_data(again), bndl_buffer_size(two));
  bndl_buffer_free(one);
  bndl_buffer_free(two);
  bndl_buffer_free(again);
}

static void progress_cancels(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = ring_dataset(ctx, N_ITEMS, 0);
  bndl_config *cfg = small_config("lstm");
  bndl_model *m;
  test_expect_ok(bndl_model_create(ds, cfg, &m));
  progress_log log = {.ordered = 1, .cancel_at = 2};
  test_expect_error(bndl_model_train(m, ds, NULL, cfg, on_progress, &log), BNDL_ERR_CANCELLED, "bndl_model_train");
  assert_int_equal(log.calls, 2);
  bndl_train_summary sum = BNDL_TRAIN_SUMMARY_INIT;
  test_expect_ok(bndl_model_train_summary(m, &sum));
  assert_int_equal(sum.epochs, 2);
  /* training can go on from there */
  test_expect_ok(bndl_config_set(cfg, "train.epochs", "1"));
  test_expect_ok(bndl_model_train(m, ds, NULL, cfg, NULL, NULL));
  test_expect_ok(bndl_model_train_summary(m, &sum));
  assert_int_equal(sum.epochs, 3);
  bndl_model_free(m);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void bad_inputs(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_dataset *ds = ring_dataset(ctx, N_ITEMS, 0), *other = ring_dataset(ctx, N_ITEMS - 1, 0);
  bndl_dataset *other_train, *other_test, *open;
  test_expect_ok(bndl_dataset_split(other, NULL, &other_train, NULL, &other_test));
  test_expect_ok(bndl_dataset_create(ctx, &open));
  bndl_config *cfg = small_config("transformer");
  test_expect_ok(bndl_config_set(cfg, "train.epochs", "1"));
  bndl_model *m;
  test_expect_ok(bndl_model_create(ds, cfg, &m));
  test_expect_error(bndl_model_train(m, other, NULL, cfg, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT, "items");
  test_expect_error(bndl_model_train(m, ds, other_test, cfg, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT, "valid");
  test_expect_error(bndl_model_train(m, open, NULL, cfg, NULL, NULL), BNDL_ERR_STATE, "finalize");
  test_expect_error(bndl_model_train(NULL, ds, NULL, cfg, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT, "bndl_model_train");
  test_expect_error(bndl_model_train(m, (bndl_dataset *)cfg, NULL, cfg, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT, NULL);
  bndl_train_summary small = BNDL_TRAIN_SUMMARY_INIT;
  small.struct_size = 8;
  test_expect_error(bndl_model_train_summary(m, &small), BNDL_ERR_INVALID_ARGUMENT, "struct_size");
  test_expect_error(bndl_model_train_summary(m, NULL), BNDL_ERR_INVALID_ARGUMENT, NULL);
  bndl_train_summary sum = BNDL_TRAIN_SUMMARY_INIT;
  test_expect_ok(bndl_model_train_summary(m, &sum));
  assert_int_equal(sum.epochs, 0); /* nothing ran */
  bndl_model_free(m);
  bndl_config_free(cfg);
  bndl_dataset_free(open);
  bndl_dataset_free(other_train);
  bndl_dataset_free(other_test);
  bndl_dataset_free(other);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(transformer_learns_the_ring),
      cmocka_unit_test(lstm_learns_the_ring),
      cmocka_unit_test(same_seed_same_model_on_any_thread_count),
      cmocka_unit_test(progress_cancels),
      cmocka_unit_test(bad_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
