/*
 * bench_keywords.c - item keywords at finalize on real reviews: the time of the text
 * step per method against a finalize without it (text.features 0, the baseline in the
 * same run), and the keywords of a few items for eyeballing.
 *
 *   bench_keywords [--threads N] [--repeat R] [--show N] [--lexicon DIR]
 *
 * English: ../shared/data/reviews_en/All_Beauty_5.json.gz (preset amazon_reviews_json;
 * 5,269 reviews of 85 items). Chinese: reviews_zh/online_shopping_10_cats.csv.gz with
 * the product category as the item (preset reviews_zh_shopping, ITEM mapped to "cat":
 * the corpus has no product ids; 62,774 reviews of 10 "items"). With --lexicon the
 * lexicons of that folder score the reviews (so the sentiment columns are filled).
 * Times are the best of R runs of create + load + finalize, minus nothing: the
 * baseline row is the same without the text step.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"

#ifndef BNDL_SHARED_DATA_DIR
#  define BNDL_SHARED_DATA_DIR "../shared/data"
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int check(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return 0;
  fprintf(stderr, "%s: %s\n", what, bndl_last_error_message());
  return 1;
}

typedef struct corpus {
  const char *label, *path, *preset, *item_column;
} corpus;

/* Loads and finalizes one corpus under (method, features); *load_s / *fin_s: times. */
static bndl_dataset *build(bndl_context *ctx, const corpus *c, const char *method, int features, bndl_lexicon *lex,
                           double *fin_s) {
  bndl_table_spec *spec = NULL;
  bndl_config *cfg = NULL;
  bndl_dataset *ds = NULL;
  if (check(bndl_table_spec_preset(c->preset, &spec), "preset") ||
      (c->item_column && check(bndl_table_spec_map(spec, BNDL_FIELD_ITEM, c->item_column), "map item")) ||
      check(bndl_config_create(&cfg), "config") || check(bndl_config_set(cfg, "text.keyword_method", method), "cfg") ||
      check(bndl_config_set_int(cfg, BNDL_KEY_TEXT_FEATURES, features), "cfg") ||
      (strcmp(c->preset, "reviews_zh_shopping") == 0 &&
       (check(bndl_config_set(cfg, "text.positive_min", "1"), "cfg") ||
        check(bndl_config_set(cfg, "text.negative_max", "0"), "cfg"))) ||
      check(bndl_dataset_create(ctx, &ds), "create") || check(bndl_dataset_configure(ds, cfg), "configure") ||
      check(bndl_dataset_load_table(ds, c->path, spec), c->path) ||
      (lex && check(bndl_dataset_set_sentiment_lexicon(ds, lex), "set lexicon"))) {
    bndl_dataset_free(ds);
    ds = NULL;
    goto done;
  }
  double t0 = now();
  if (check(bndl_dataset_finalize(ds), "finalize")) {
    bndl_dataset_free(ds);
    ds = NULL;
    goto done;
  }
  *fin_s = now() - t0;
done:
  bndl_table_spec_free(spec);
  bndl_config_free(cfg);
  return ds;
}

static float item_feature(const bndl_dataset *ds, int64_t item, const char *name) {
  const float *f;
  int64_t rows;
  int32_t cols;
  if (bndl_dataset_features(ds, BNDL_ENTITY_ITEM, &f, &rows, &cols) != BNDL_OK)
    return NAN;
  for (int32_t c = 0; c < cols; c++)
    if (strcmp(bndl_dataset_feature_name(ds, BNDL_ENTITY_ITEM, c), name) == 0)
      return f[item * cols + c];
  return NAN;
}

static void show(const bndl_dataset *ds, int64_t n_show) {
  int64_t n = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  for (int64_t i = 0; i < n && i < n_show; i++) {
    const char *id;
    int32_t k = 0;
    bndl_dataset_external_id(ds, BNDL_ENTITY_ITEM, i, &id);
    bndl_dataset_item_keyword_count(ds, i, &k);
    printf("  %-12s reviews %4.0f  sentiment %+.3f  agreement %.3f:", id, item_feature(ds, i, "reviews"),
           item_feature(ds, i, "sentiment_mean"), item_feature(ds, i, "rating_sentiment_agreement"));
    for (int32_t q = 0; q < k; q++) {
      const char *w;
      size_t len;
      float s;
      bndl_dataset_item_keyword(ds, i, q, &w, &len, &s);
      printf(" %s(%.2f)", w, s);
    }
    printf("\n");
  }
}

int main(int argc, char **argv) {
  int threads = 1, repeat = 3;
  int64_t n_show = 5;
  const char *lexdir = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--show") && i + 1 < argc)
      n_show = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--lexicon") && i + 1 < argc)
      lexdir = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--threads N] [--repeat R] [--show N] [--lexicon DIR]\n", argv[0]);
      return 2;
    }
  }
  bndl_context *ctx = NULL;
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  if (check(bndl_context_create(&desc, &ctx), "context"))
    return 1;
  bndl_lexicon *lex = NULL;
  if (lexdir && (check(bndl_lexicon_create(ctx, &lex), "lexicon") || check(bndl_lexicon_load_dir(lex, lexdir), lexdir)))
    return 1;
  const corpus corpora[] = {
      {"All_Beauty (en)", BNDL_SHARED_DATA_DIR "/reviews_en/All_Beauty_5.json.gz", "amazon_reviews_json", NULL},
      {"online_shopping_10_cats (zh, item = category)", BNDL_SHARED_DATA_DIR "/reviews_zh/online_shopping_10_cats.csv.gz",
       "reviews_zh_shopping", "cat"},
  };
  const char *methods[] = {"none", "tfidf", "textrank"};
  int rc = 0;
  printf("threads %d, best of %d, lexicon %s\n", threads, repeat, lexdir ? lexdir : "none");
  for (size_t c = 0; c < sizeof corpora / sizeof corpora[0] && rc == 0; c++) {
    printf("%s\n", corpora[c].label);
    for (int m = 0; m < 3 && rc == 0; m++) {
      double best = INFINITY;
      bndl_dataset *keep = NULL;
      for (int r = 0; r < repeat; r++) {
        double t = 0;
        bndl_dataset *ds = build(ctx, &corpora[c], m == 0 ? "tfidf" : methods[m], m != 0, lex, &t);
        if (ds == NULL) {
          rc = 1;
          break;
        }
        if (t < best)
          best = t;
        bndl_dataset_free(keep);
        keep = ds;
      }
      if (rc)
        break;
      printf(" finalize, text step %-8s %8.1f ms  (%lld reviews, %lld items)\n", methods[m], best * 1e3,
             (long long)bndl_dataset_num_reviews(keep), (long long)bndl_dataset_count(keep, BNDL_ENTITY_ITEM));
      if (m != 0)
        show(keep, n_show);
      bndl_dataset_free(keep);
    }
  }
  bndl_lexicon_free(lex);
  bndl_context_free(ctx);
  return rc;
}
