/*
 * bench_text_similarity.c - quality of the cold-start text neighbours
 * (bndl_similarity_items_text) on a catalogue with categories: Sample Superstore's 1,862
 * products with titles and sub-categories (17), from ../shared/data.
 *
 *   bench_text_similarity [--threads N] [--data DIR] [--k K] [--set KEY=VALUE]...
 *
 * Category agreement@k: over the items with neighbours, the mean share of their k
 * neighbours in the item's own sub-category. Beside it: the agreement random neighbours
 * would have (sum over categories of n_c (n_c - 1) / (N (N - 1))), and the interaction
 * path (bndl_similarity_items, cosine on purchases) with its coverage. Text neighbours
 * use no interaction at all, so every titled item, a brand-new one included, is covered.
 * One JSON line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"

enum { MAX_SETS = 32 };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return;
  fprintf(stderr, "bench_text_similarity: %s failed: %s (%s)\n", what, bndl_last_error_message(),
          bndl_status_str(st));
  exit(1);
}

/* Mean share of same-category neighbours over rows with neighbours; *covered rows. */
static double agreement(const bndl_neighbors *nb, const int32_t *cat, int64_t *covered) {
  double sum = 0;
  int64_t rows = 0;
  for (int64_t r = 0; r < bndl_neighbors_rows(nb); r++) {
    const int32_t *cols;
    const float *scores;
    int32_t n;
    die(bndl_neighbors_row(nb, r, &cols, &scores, &n), "bndl_neighbors_row");
    if (n == 0 || cat[r] < 0)
      continue;
    int same = 0;
    for (int32_t j = 0; j < n; j++)
      same += cat[cols[j]] == cat[r];
    sum += (double)same / n;
    rows++;
  }
  *covered = rows;
  return rows ? sum / (double)rows : 0;
}

int main(int argc, char **argv) {
  int threads = 2, k = 10, n_sets = 0;
  const char *data = BNDL_SHARED_DATA_DIR, *sets[MAX_SETS];
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--k") == 0 && i + 1 < argc)
      k = atoi(argv[++i]);
    else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
      data = argv[++i];
    else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && n_sets < MAX_SETS)
      sets[n_sets++] = argv[++i];
    else {
      fprintf(stderr, "usage: bench_text_similarity [--threads N] [--data DIR] [--k K] [--set KEY=VALUE]...\n");
      return 2;
    }
  }
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  bndl_context *ctx;
  die(bndl_context_create(&desc, &ctx), "bndl_context_create");
  bndl_config *cfg;
  die(bndl_config_create(&cfg), "bndl_config_create");
  die(bndl_config_set_int(cfg, BNDL_KEY_SIM_K, k), "sim.k");
  die(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_MIN_COUNT, 2), "text.vector_min_count");
  for (int i = 0; i < n_sets; i++) {
    char key[256];
    const char *eq = strchr(sets[i], '=');
    if (eq == NULL || (size_t)(eq - sets[i]) >= sizeof key)
      return 2;
    memcpy(key, sets[i], (size_t)(eq - sets[i]));
    key[eq - sets[i]] = '\0';
    die(bndl_config_set(cfg, key, eq + 1), sets[i]);
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/superstore_profit/Sample_Superstore_2019_2022.csv.gz", data);
  bndl_dataset *ds;
  bndl_table_spec *spec;
  die(bndl_dataset_create(ctx, &ds), "bndl_dataset_create");
  die(bndl_table_spec_preset("superstore", &spec), "superstore");
  die(bndl_dataset_load_table(ds, path, spec), path);
  die(bndl_dataset_finalize(ds), "bndl_dataset_finalize");
  bndl_table_spec_free(spec);
  int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  int64_t n_cats = bndl_dataset_count(ds, BNDL_ENTITY_CATEGORY);
  const int32_t *cat;
  die(bndl_dataset_catalogue(ds, NULL, NULL, NULL, &cat), "bndl_dataset_catalogue");
  int64_t *per = calloc((size_t)n_cats + 1, sizeof *per), with_cat = 0;
  for (int64_t i = 0; i < n_items; i++)
    if (cat[i] >= 0) {
      per[cat[i]]++;
      with_cat++;
    }
  double random = 0;
  for (int64_t c = 0; c < n_cats; c++)
    random += (double)per[c] * (double)(per[c] - 1) / ((double)with_cat * (double)(with_cat - 1));
  double t0 = now_s();
  bndl_word_vectors *wv;
  die(bndl_word_vectors_train_dataset(ds, cfg, &wv), "bndl_word_vectors_train_dataset");
  double t1 = now_s();
  bndl_neighbors *text_nb, *ix_nb;
  die(bndl_similarity_items_text(ds, wv, cfg, &text_nb), "bndl_similarity_items_text");
  double t2 = now_s();
  die(bndl_similarity_items(ds, cfg, &ix_nb), "bndl_similarity_items");
  double t3 = now_s();
  int64_t text_rows, ix_rows;
  double text_agree = agreement(text_nb, cat, &text_rows), ix_agree = agreement(ix_nb, cat, &ix_rows);
  printf("{\"items\":%lld,\"categories\":%lld,\"k\":%d,\"words\":%lld,\"train_s\":%.3f,\"text_sim_s\":%.3f,"
         "\"text_agreement\":%.4f,\"text_covered\":%lld,\"interaction_agreement\":%.4f,\"interaction_covered\":%lld,"
         "\"interaction_s\":%.3f,\"random_agreement\":%.4f}\n",
         (long long)n_items, (long long)n_cats, k, (long long)bndl_word_vectors_count(wv), t1 - t0, t2 - t1,
         text_agree, (long long)text_rows, ix_agree, (long long)ix_rows, t3 - t2, random);
  free(per);
  bndl_neighbors_free(text_nb);
  bndl_neighbors_free(ix_nb);
  bndl_word_vectors_free(wv);
  bndl_dataset_free(ds);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  return 0;
}
