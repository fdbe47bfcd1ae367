/*
 * quickstart.c - the main job on the bundled sample data: load a shop's raw export,
 * clean it, print the data report and a summary of the behaviour features, then what
 * the compute core finds in it: similar items, frequent baskets and rules.
 *
 *   quickstart DATA_DIR                      loads DATA_DIR/online_retail_sample.csv.gz
 *   quickstart --preset NAME FILE [...]      loads any files through presets
 *
 * Later stages (training, recommendations) extend this program as they land.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bundle/bundle.h"

static int check(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return 0;
  fprintf(stderr, "%s failed: %s (%s)\n", what, bndl_last_error_message(), bndl_status_str(st));
  return 1;
}

/* "ID title" of an item, for printing (titles are not NUL-terminated). */
static void print_item(const bndl_dataset *ds, int64_t item) {
  const char *id = "?", *title = "";
  size_t len = 0;
  bndl_dataset_external_id(ds, BNDL_ENTITY_ITEM, item, &id);
  bndl_dataset_item_title(ds, item, &title, &len);
  printf("%s %.*s", id, (int)(len > 48 ? 48 : len), title);
}

/* Inserts (index, value) into a best-first list of n entries if it ranks. */
static void keep_best(int64_t *idx, double *val, int n, int64_t i, double v) {
  for (int k = 0; k < n; k++) {
    if (idx[k] < 0 || v > val[k]) {
      for (int j = n - 1; j > k; j--)
        idx[j] = idx[j - 1], val[j] = val[j - 1];
      idx[k] = i, val[k] = v;
      return;
    }
  }
}

static void show_similar_items(const bndl_dataset *ds) {
  const float *f;
  int64_t rows;
  int32_t cols, users_col = 0;
  if (bndl_dataset_features(ds, BNDL_ENTITY_ITEM, &f, &rows, &cols) != BNDL_OK)
    return;
  for (int32_t c = 0; c < cols; c++)
    if (strcmp(bndl_dataset_feature_name(ds, BNDL_ENTITY_ITEM, c), "users") == 0)
      users_col = c;
  int64_t popular[3] = {-1, -1, -1};
  double users[3] = {0};
  for (int64_t r = 0; r < rows; r++)
    keep_best(popular, users, 3, r, f[r * cols + users_col]);

  bndl_config *cfg = NULL;
  bndl_neighbors *nb = NULL;
  if (check(bndl_config_create(&cfg), "bndl_config_create") || check(bndl_config_set(cfg, "sim.k", "5"), "sim.k") ||
      check(bndl_config_set(cfg, "sim.min_support", "3"), "sim.min_support") ||
      check(bndl_similarity_items(ds, cfg, &nb), "bndl_similarity_items")) {
    bndl_config_free(cfg);
    return;
  }
  printf("\n== similar items: cosine on the user x item matrix, for the 3 most popular items ==\n");
  for (int k = 0; k < 3 && popular[k] >= 0; k++) {
    const int32_t *nbr;
    const float *score;
    int32_t n = 0;
    bndl_neighbors_row(nb, popular[k], &nbr, &score, &n);
    printf("  ");
    print_item(ds, popular[k]);
    printf(" (%.0f customers)\n", users[k]);
    for (int32_t j = 0; j < n; j++) {
      printf("      %.3f  ", score[j]);
      print_item(ds, nbr[j]);
      printf("\n");
    }
  }
  bndl_neighbors_free(nb);
  bndl_config_free(cfg);
}

static void print_items(const bndl_dataset *ds, const int32_t *items, int32_t n, const char *indent) {
  for (int32_t j = 0; j < n; j++) {
    printf("%s", indent);
    print_item(ds, items[j]);
    printf("\n");
  }
}

static void show_baskets(const bndl_dataset *ds) {
  bndl_config *cfg = NULL;
  bndl_itemsets *sets = NULL;
  bndl_rules *rules = NULL;
  if (check(bndl_config_create(&cfg), "bndl_config_create") ||
      check(bndl_config_set(cfg, "fp.min_support", "0.02"), "fp.min_support") ||
      check(bndl_config_set(cfg, "rule.min_confidence", "0.6"), "rule.min_confidence") ||
      check(bndl_copurchase_itemsets(ds, cfg, &sets), "bndl_copurchase_itemsets") ||
      check(bndl_itemsets_rules(sets, cfg, &rules), "bndl_itemsets_rules")) {
    bndl_itemsets_free(sets);
    bndl_config_free(cfg);
    return;
  }
  printf("\n== co-purchase: %lld frequent itemsets in %lld invoices (support >= 2%%), %lld rules "
         "(confidence >= 0.6); the 5 with the highest lift ==\n",
         (long long)bndl_itemsets_count(sets), (long long)bndl_itemsets_baskets(sets),
         (long long)bndl_rules_count(rules));
  int64_t top[5] = {-1, -1, -1, -1, -1};
  double lift[5] = {0};
  const int32_t *a, *c;
  int32_t na, nc;
  bndl_rule_metrics m = BNDL_RULE_METRICS_INIT;
  for (int64_t i = 0; i < bndl_rules_count(rules); i++)
    if (bndl_rules_get(rules, i, &a, &na, &c, &nc, &m) == BNDL_OK)
      keep_best(top, lift, 5, i, m.lift);
  for (int k = 0; k < 5 && top[k] >= 0; k++) {
    bndl_rules_get(rules, top[k], &a, &na, &c, &nc, &m);
    printf("  lift %.1f, confidence %.2f, in %lld invoices: whoever buys\n", m.lift, m.confidence,
           (long long)m.count);
    print_items(ds, a, na, "      ");
    printf("    also buys\n");
    print_items(ds, c, nc, "      ");
  }
  bndl_rules_free(rules);
  bndl_itemsets_free(sets);
  bndl_config_free(cfg);
}

static int load(bndl_dataset *ds, const char *preset, const char *path) {
  bndl_table_spec *spec = NULL;
  if (check(bndl_table_spec_preset(preset, &spec), "bndl_table_spec_preset"))
    return 1;
  int rc = check(bndl_dataset_load_table(ds, path, spec), path);
  bndl_table_spec_free(spec);
  if (rc == 0)
    printf("loaded %s as %s\n", path, preset);
  return rc;
}

/* min / mean / max over the finite values of one feature column */
static void summarize(const bndl_dataset *ds, bndl_entity entity, const char *title) {
  const float *data;
  int64_t rows;
  int32_t cols;
  if (check(bndl_dataset_features(ds, entity, &data, &rows, &cols), "bndl_dataset_features"))
    return;
  printf("\n%s features (%lld rows)\n  %-28s %12s %12s %12s %8s\n", title, (long long)rows, "column", "min", "mean",
         "max", "known");
  for (int32_t c = 0; c < cols; c++) {
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    int64_t n = 0;
    for (int64_t r = 0; r < rows; r++) {
      float v = data[r * cols + c];
      if (!isfinite(v))
        continue;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      sum += v;
      n++;
    }
    if (n)
      printf("  %-28s %12.3f %12.3f %12.3f %8lld\n", bndl_dataset_feature_name(ds, entity, c), lo, sum / (double)n,
             hi, (long long)n);
    else
      printf("  %-28s %12s %12s %12s %8d\n", bndl_dataset_feature_name(ds, entity, c), "-", "-", "-", 0);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DATA_DIR | --preset NAME FILE [--preset NAME FILE ...]\n", argv[0]);
    return 2;
  }
  if (!BNDL_CHECK_ABI()) {
    fprintf(stderr, "libbundle ABI %d does not match the headers (%d)\n", bndl_abi_version(), BNDL_ABI_VERSION);
    return 1;
  }
  printf("libbundle %s\n%s\n\n", bndl_version_string(), bndl_build_info());
  bndl_context *ctx = NULL;
  bndl_dataset *ds = NULL;
  int rc = 1;
  if (check(bndl_context_create(NULL, &ctx), "bndl_context_create") ||
      check(bndl_dataset_create(ctx, &ds), "bndl_dataset_create"))
    goto done;
  if (strcmp(argv[1], "--preset") != 0) {
    char path[4096];
    snprintf(path, sizeof path, "%s/online_retail_sample.csv.gz", argv[1]);
    if (load(ds, "online_retail", path))
      goto done;
  } else {
    for (int i = 1; i + 2 < argc + 1 && strcmp(argv[i], "--preset") == 0; i += 3) {
      if (i + 2 >= argc) {
        fprintf(stderr, "--preset needs NAME FILE\n");
        goto done;
      }
      if (load(ds, argv[i + 1], argv[i + 2]))
        goto done;
    }
  }
  if (check(bndl_dataset_finalize(ds), "bndl_dataset_finalize"))
    goto done;
  bndl_buffer *report = NULL;
  if (check(bndl_dataset_report_text(ds, &report), "bndl_dataset_report_text"))
    goto done;
  printf("\n== data report ==\n%s", (const char *)bndl_buffer_data(report));
  bndl_buffer_free(report);
  printf("\nusers %lld, items %lld, categories %lld, bundles %lld, events kept %lld, returns kept %lld\n",
         (long long)bndl_dataset_count(ds, BNDL_ENTITY_USER), (long long)bndl_dataset_count(ds, BNDL_ENTITY_ITEM),
         (long long)bndl_dataset_count(ds, BNDL_ENTITY_CATEGORY),
         (long long)bndl_dataset_count(ds, BNDL_ENTITY_BUNDLE), (long long)bndl_dataset_num_events(ds),
         (long long)bndl_dataset_returns_kept(ds));
  summarize(ds, BNDL_ENTITY_USER, "user");
  summarize(ds, BNDL_ENTITY_ITEM, "item");
  printf("\ncompute backend: %s\n", bndl_context_backend_info(ctx));
  show_similar_items(ds);
  show_baskets(ds);
  rc = 0;
done:
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return rc;
}
