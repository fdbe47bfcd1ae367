/*
 * make_seeds.c - writes the binary seed corpora of the fuzz targets (dataset snapshots
 * and text-classifier model files) from the text seeds, so the seeds are valid files of
 * the current format versions. Run after a format change and commit what it writes:
 *
 *   make_fuzz_seeds tests/fuzz/corpus
 *
 * Models: small Transformer and LSTM models over the sequences seed, one with event
 * types and item features, one trained for two epochs.
 * Snapshots: datasets loaded from the table seeds (events with returns, sequences,
 * reviews, bundles with user-bundle pairs) and one built in memory. Text models: tiny
 * classifiers trained with different feature settings (word and character n-grams,
 * Chinese, class weights). Word vectors: tiny English and Chinese ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"

#define CHECK(call)                                                                     \
  do {                                                                                  \
    if ((call) != BNDL_OK) {                                                            \
      fprintf(stderr, "make_fuzz_seeds: %s: %s\n", #call, bndl_last_error_message()); \
      exit(1);                                                                          \
    }                                                                                   \
  } while (0)

static const char *corpus;

static void write_file(const char *dir, const char *name, const void *data, size_t size) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/%s", corpus, dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    fprintf(stderr, "make_fuzz_seeds: cannot write %s\n", path);
    exit(1);
  }
}

/* A table seed without its leading preset byte, as a file the loader can read. The
 * path is fixed (/tmp/<seed name>) because the snapshot's report records it and the seeds
 * should not change from one run to the next. */
static void load_seed(bndl_dataset *ds, const char *seed, const char *preset) {
  char path[1024], tmp[1024];
  snprintf(path, sizeof path, "%s/table/%s", corpus, seed);
  snprintf(tmp, sizeof tmp, "/tmp/%s", seed);
  FILE *in = fopen(path, "rb");
  FILE *out = fopen(tmp, "wb");
  if (in == NULL || out == NULL) {
    fprintf(stderr, "make_fuzz_seeds: cannot read %s\n", path);
    exit(1);
  }
  fgetc(in);
  int c;
  while ((c = fgetc(in)) != EOF)
    fputc(c, out);
  fclose(in);
  fclose(out);
  bndl_table_spec *spec;
  CHECK(bndl_table_spec_preset(preset, &spec));
  CHECK(bndl_dataset_load_table(ds, tmp, spec));
  bndl_table_spec_free(spec);
  remove(tmp);
}

static void snapshot(bndl_context *ctx, const char *name, const char *const *seeds, const char *const *presets,
                     int n) {
  bndl_dataset *ds;
  CHECK(bndl_dataset_create(ctx, &ds));
  for (int i = 0; i < n; i++)
    load_seed(ds, seeds[i], presets[i]);
  CHECK(bndl_dataset_finalize(ds));
  bndl_buffer *buf;
  CHECK(bndl_dataset_save_buffer(ds, &buf));
  write_file("snapshot", name, bndl_buffer_data(buf), bndl_buffer_size(buf));
  bndl_buffer_free(buf);
  bndl_dataset_free(ds);
}

/* Reviews with item text vectors (format 1.2's optional sections): word vectors trained
 * on a first finalize of the same rows, attached to a second. */
static void snapshot_text_vectors(bndl_context *ctx) {
  bndl_dataset *plain, *ds;
  CHECK(bndl_dataset_create(ctx, &plain));
  load_seed(plain, "03_amazon_reviews.jsonl", "amazon_reviews_json");
  CHECK(bndl_dataset_finalize(plain));
  bndl_config *cfg;
  CHECK(bndl_config_create(&cfg));
  CHECK(bndl_config_set(cfg, "text.vector_dim", "4"));
  CHECK(bndl_config_set(cfg, "text.vector_min_count", "1"));
  CHECK(bndl_config_set(cfg, "text.vector_epochs", "1"));
  bndl_word_vectors *wv;
  CHECK(bndl_word_vectors_train_dataset(plain, cfg, &wv));
  CHECK(bndl_dataset_create(ctx, &ds));
  load_seed(ds, "03_amazon_reviews.jsonl", "amazon_reviews_json");
  CHECK(bndl_dataset_set_word_vectors(ds, wv));
  CHECK(bndl_dataset_finalize(ds));
  bndl_buffer *buf;
  CHECK(bndl_dataset_save_buffer(ds, &buf));
  write_file("snapshot", "reviews_text_vectors.bndl", bndl_buffer_data(buf), bndl_buffer_size(buf));
  bndl_buffer_free(buf);
  bndl_word_vectors_free(wv);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_dataset_free(plain);
}

static void snapshot_in_memory(bndl_context *ctx) {
  static const int64_t users[] = {1, 1, 2, 2, 3}, items[] = {10, 11, 10, 12, 11}, times[] = {5, 6, 5, 9, 7};
  static const int32_t types[] = {BNDL_EVENT_VIEW, BNDL_EVENT_PURCHASE, BNDL_EVENT_CART, BNDL_EVENT_PURCHASE,
                                  BNDL_EVENT_RETURN};
  bndl_event_columns ev = BNDL_EVENT_COLUMNS_INIT;
  ev.count = 5;
  ev.user_ids = users;
  ev.item_ids = items;
  ev.event_types = types;
  ev.timestamps = times;
  bndl_dataset *ds;
  CHECK(bndl_dataset_create(ctx, &ds));
  CHECK(bndl_dataset_add_events(ds, &ev));
  CHECK(bndl_dataset_finalize(ds));
  bndl_buffer *buf;
  CHECK(bndl_dataset_save_buffer(ds, &buf));
  write_file("snapshot", "in_memory.bndl", bndl_buffer_data(buf), bndl_buffer_size(buf));
  bndl_buffer_free(buf);
  bndl_dataset_free(ds);
}

static void model(bndl_context *ctx, const char *name, const char *const *settings, int epochs) {
  bndl_dataset *ds;
  CHECK(bndl_dataset_create(ctx, &ds));
  load_seed(ds, "01_amazon_sequences.txt", "amazon_sequences");
  CHECK(bndl_dataset_finalize(ds));
  bndl_config *cfg;
  CHECK(bndl_config_create(&cfg));
  CHECK(bndl_config_set(cfg, "model.dim", "8"));
  CHECK(bndl_config_set(cfg, "model.max_len", "6"));
  for (int i = 0; settings[i] != NULL; i += 2)
    CHECK(bndl_config_set(cfg, settings[i], settings[i + 1]));
  bndl_model *m;
  CHECK(bndl_model_create(ds, cfg, &m));
  if (epochs > 0) {
    char text[16];
    snprintf(text, sizeof text, "%d", epochs);
    CHECK(bndl_config_set(cfg, "train.epochs", text));
    CHECK(bndl_model_train(m, ds, NULL, cfg, NULL, NULL));
  }
  bndl_buffer *buf;
  CHECK(bndl_model_save_buffer(m, &buf));
  write_file("model", name, bndl_buffer_data(buf), bndl_buffer_size(buf));
  bndl_buffer_free(buf);
  bndl_model_free(m);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
}

static void text_model(bndl_context *ctx, const char *name, const char *const *settings) {
  static const char *const texts[] = {"great product, love it", "works great", "not good at all", "terrible",
                                      "质量很好，非常满意", "很差，不推荐", "excellent value", "broke after a day"};
  static const int32_t labels[] = {1, 1, 0, 0, 1, 0, 1, 0};
  bndl_config *cfg;
  CHECK(bndl_config_create(&cfg));
  CHECK(bndl_config_set(cfg, "text.min_df", "1"));
  for (int i = 0; settings[i] != NULL; i += 2)
    CHECK(bndl_config_set(cfg, settings[i], settings[i + 1]));
  bndl_text_model *m;
  CHECK(bndl_text_model_train(ctx, texts, NULL, labels, 8, cfg, &m));
  char path[1024];
  snprintf(path, sizeof path, "%s/text_model/%s", corpus, name);
  CHECK(bndl_text_model_save(m, path));
  bndl_text_model_free(m);
  bndl_config_free(cfg);
}

/* Tiny word vectors: English (repeated phrases, min_count 1) and Chinese (the learnt
 * dictionary travels in the file). */
static void word_vectors(bndl_context *ctx, const char *name, const char *const *texts, int64_t n,
                         const char *language) {
  bndl_config *cfg;
  CHECK(bndl_config_create(&cfg));
  CHECK(bndl_config_set(cfg, "text.vector_dim", "4"));
  CHECK(bndl_config_set(cfg, "text.vector_min_count", "2"));
  CHECK(bndl_config_set(cfg, "text.vector_epochs", "2"));
  CHECK(bndl_config_set(cfg, "text.language", language));
  bndl_word_vectors *wv;
  CHECK(bndl_word_vectors_train(ctx, texts, NULL, n, cfg, &wv));
  char path[1024];
  snprintf(path, sizeof path, "%s/word_vectors/%s", corpus, name);
  CHECK(bndl_word_vectors_save(wv, path));
  bndl_word_vectors_free(wv);
  bndl_config_free(cfg);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_fuzz_seeds CORPUS_DIR\n");
    return 2;
  }
  corpus = argv[1];
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = 1;
  desc.seed = 7;
  bndl_context *ctx;
  CHECK(bndl_context_create(&desc, &ctx));

  snapshot(ctx, "events_returns.bndl", (const char *const[]){"00_online_retail_returns.csv"},
           (const char *const[]){"online_retail"}, 1);
  snapshot(ctx, "sequences.bndl", (const char *const[]){"01_amazon_sequences.txt"},
           (const char *const[]){"amazon_sequences"}, 1);
  snapshot(ctx, "reviews_en.bndl", (const char *const[]){"03_amazon_reviews.jsonl"},
           (const char *const[]){"amazon_reviews_json"}, 1);
  snapshot(ctx, "reviews_zh.bndl", (const char *const[]){"04_reviews_zh_shopping.csv"},
           (const char *const[]){"reviews_zh_shopping"}, 1);
  snapshot(ctx, "bundles.bndl", (const char *const[]){"05_youshu_bundle_item.tsv", "08_youshu_user_bundle.tsv"},
           (const char *const[]){"youshu_bundle_item", "youshu_user_bundle_train"}, 2);
  snapshot_in_memory(ctx);
  snapshot_text_vectors(ctx);

  text_model(ctx, "default.bin", (const char *const[]){NULL});
  text_model(ctx, "words_only.bin", (const char *const[]){"text.char_ngrams", "0", NULL});
  text_model(ctx, "trigrams.bin", (const char *const[]){"text.word_ngrams", "3", "text.char_ngrams", "3", NULL});
  text_model(ctx, "balanced.bin", (const char *const[]){"text.class_weight", "balanced", "text.c", "0.5", NULL});
  text_model(ctx, "chinese.bin", (const char *const[]){"text.language", "zh", NULL});
  static const char *const en[] = {"great soap, smells fresh", "the soap smells great", "fresh scent, great price",
                                   "great price for the soap", "the scent is fresh"};
  static const char *const zh[] = {"房间不错，服务很好", "服务不错，房间干净", "早餐不错，服务热情", "房间干净，早餐很好",
                                   "服务热情，房间不错"};
  word_vectors(ctx, "english.bin", en, 5, "en");
  word_vectors(ctx, "chinese.bin", zh, 5, "auto");
  model(ctx, "transformer.bndm", (const char *const[]){NULL}, 0);
  model(ctx, "lstm.bndm", (const char *const[]){"model.kind", "lstm", NULL}, 0);
  model(ctx, "side_inputs.bndm",
        (const char *const[]){"model.event_types", "1", "model.item_features", "1", "model.heads", "2", NULL}, 0);
  model(ctx, "lstm_two_layers.bndm", (const char *const[]){"model.kind", "lstm", "model.layers", "2", NULL}, 0);
  model(ctx, "trained.bndm", (const char *const[]){"model.layers", "1", NULL}, 2);
  bndl_context_free(ctx);
  return 0;
}
