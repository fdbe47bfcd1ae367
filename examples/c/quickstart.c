/*
 * quickstart.c - the main job on the bundled sample data: load a shop's raw export,
 * clean it, print the data report and a summary of the behaviour features, then what
 * the compute core finds in it: similar items, frequent baskets and rules; then train a
 * sequence model (Transformer) on a leave-last-out split, compare its hit rate on each
 * customer's held-out last purchase with a popularity baseline, save and reload it, and
 * recommend for one customer.
 *
 *   quickstart DATA_DIR                      loads DATA_DIR/online_retail_sample.csv.gz
 *   quickstart --preset NAME FILE [...]      loads any files through presets
 *
 * Later stages (bundles, feedback, evaluation) extend this program as they land.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static int32_t print_progress(void *ud, const bndl_train_progress *p) {
  (void)ud;
  if (p->epoch == 1 || p->epoch % 5 == 0 || p->epoch == p->epochs)
    printf("  epoch %3lld/%lld  loss %.4f  validation NDCG@10 %.4f (best %.4f at epoch %lld)  %.1f s, ETA %.1f s\n",
           (long long)p->epoch, (long long)p->epochs, p->loss, p->metric, p->best_metric, (long long)p->best_epoch,
           p->seconds, p->eta_seconds);
  return 0;
}

/* Items ranked by how many customers bought them (the baseline a model must beat). */
static int32_t *popularity_order(const bndl_dataset *train) {
  int64_t n_users = bndl_dataset_count(train, BNDL_ENTITY_USER), n_items = bndl_dataset_count(train, BNDL_ENTITY_ITEM);
  const int64_t *indptr;
  const int32_t *items;
  const float *w;
  int32_t *order = malloc((size_t)n_items * sizeof *order);
  int64_t *count = calloc((size_t)n_items, sizeof *count);
  if (order == NULL || count == NULL || bndl_dataset_interactions(train, &indptr, &items, &w) != BNDL_OK) {
    free(order);
    free(count);
    return NULL;
  }
  for (int64_t u = 0; u < n_users; u++)
    for (int64_t e = indptr[u]; e < indptr[u + 1]; e++)
      count[items[e]]++;
  for (int64_t i = 0; i < n_items; i++)
    order[i] = (int32_t)i;
  for (int64_t i = 1; i < n_items; i++) /* insertion sort: a few thousand items */
    for (int64_t j = i; j > 0 && count[order[j]] > count[order[j - 1]]; j--) {
      int32_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  free(count);
  return order;
}

/* HIT@10 of the model and of popularity on each test customer's held-out purchase, with
 * the items the customer already had excluded from both. */
static void compare_with_popularity(const bndl_model *m, const bndl_dataset *ds, const bndl_dataset *test,
                                    const int32_t *popular) {
  int64_t n_users = bndl_dataset_count(ds, BNDL_ENTITY_USER), n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  int64_t evaluated = 0, model_hits = 0, popular_hits = 0;
  for (int64_t u = 0; u < n_users; u++) {
    const int32_t *held, *all;
    int64_t n_held = 0, n_all = 0;
    if (bndl_dataset_user_events(test, u, &held, NULL, NULL, &n_held) != BNDL_OK || n_held == 0 ||
        bndl_dataset_user_events(ds, u, &all, NULL, NULL, &n_all) != BNDL_OK || n_all <= n_held)
      continue;
    int64_t n_hist = n_all - n_held; /* the events before the held-out one */
    int32_t top[10];
    int64_t n_top = 0;
    if (bndl_model_recommend(m, all, NULL, n_hist, NULL, 0, 1, 10, top, NULL, &n_top) != BNDL_OK)
      continue;
    evaluated++;
    for (int64_t k = 0; k < n_top; k++)
      model_hits += top[k] == held[0];
    int64_t shown = 0;
    for (int64_t k = 0; k < n_items && shown < 10; k++) {
      int seen = 0;
      for (int64_t h = 0; h < n_hist && !seen; h++)
        seen = all[h] == popular[k];
      if (seen)
        continue;
      popular_hits += popular[k] == held[0];
      shown++;
    }
  }
  printf("  HIT@10 on %lld customers' held-out last purchase: model %.3f, most popular items %.3f\n",
         (long long)evaluated, evaluated ? (double)model_hits / (double)evaluated : 0.0,
         evaluated ? (double)popular_hits / (double)evaluated : 0.0);
}

static void show_sequence_model(bndl_context *ctx, const bndl_dataset *ds) {
  static const char *const settings[][2] = {
      {"split.with_valid", "1"},   {"model.kind", "transformer"}, {"model.dim", "32"},
      {"model.heads", "2"},        {"model.max_len", "30"},       {"train.epochs", "80"},
      {"train.loss", "sampled_softmax"}, {"train.negatives", "256"}, {"train.lr", "0.005"},
      {"train.patience", "10"},     {"model.dropout", "0.3"}};
  bndl_config *cfg = NULL;
  bndl_dataset *train = NULL, *valid = NULL, *test = NULL;
  bndl_model *m = NULL, *loaded = NULL;
  int32_t *popular = NULL;
  if (check(bndl_config_create(&cfg), "bndl_config_create"))
    return;
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
    if (check(bndl_config_set(cfg, settings[i][0], settings[i][1]), settings[i][0]))
      goto done;
  printf("\n== sequence model: a Transformer over each customer's purchases in time order ==\n");
  if (check(bndl_dataset_split(ds, cfg, &train, &valid, &test), "bndl_dataset_split") ||
      check(bndl_model_create(ds, cfg, &m), "bndl_model_create"))
    goto done;
  printf("  %s, dim %lld, %lld parameters; leave-last-out: the last purchase of each customer is the test, the one "
         "before it the validation\n",
         bndl_model_kind(m), (long long)bndl_model_embedding_dim(m), (long long)bndl_model_num_params(m));
  bndl_status st = bndl_model_train(m, train, valid, cfg, print_progress, NULL);
  if (check(st, "bndl_model_train"))
    goto done;
  bndl_train_summary sum = BNDL_TRAIN_SUMMARY_INIT;
  bndl_model_train_summary(m, &sum);
  printf("  trained %lld epochs (%lld steps); kept epoch %lld, validation NDCG@10 %.4f\n", (long long)sum.epochs,
         (long long)sum.steps, (long long)sum.best_epoch, sum.best_metric);
  popular = popularity_order(train);
  if (popular != NULL)
    compare_with_popularity(m, ds, test, popular);

  char path[] = "/tmp/quickstart-model-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    goto done;
  close(fd);
  if (check(bndl_model_save(m, path), "bndl_model_save") || check(bndl_model_load(ctx, path, &loaded), path)) {
    remove(path);
    goto done;
  }
  remove(path);
  printf("  saved and reloaded (one file: weights, architecture, the %lld item ids)\n",
         (long long)bndl_model_num_items(loaded));
  /* Recommend for the customer with the longest history, from the reloaded model. */
  int64_t best_user = 0, best_len = 0;
  for (int64_t u = 0; u < bndl_dataset_count(ds, BNDL_ENTITY_USER); u++) {
    const int32_t *items;
    int64_t n = 0;
    if (bndl_dataset_user_events(ds, u, &items, NULL, NULL, &n) == BNDL_OK && n > best_len)
      best_user = u, best_len = n;
  }
  const int32_t *hist;
  int64_t n_hist = 0;
  const char *customer = "?";
  bndl_dataset_external_id(ds, BNDL_ENTITY_USER, best_user, &customer);
  bndl_dataset_user_events(ds, best_user, &hist, NULL, NULL, &n_hist);
  printf("  customer %s, %lld events; the last 3:\n", customer, (long long)n_hist);
  print_items(ds, hist + (n_hist > 3 ? n_hist - 3 : 0), (int32_t)(n_hist > 3 ? 3 : n_hist), "      ");
  int32_t top[5];
  float score[5];
  int64_t n_top = 0;
  if (check(bndl_model_recommend(loaded, hist, NULL, n_hist, NULL, 0, 1, 5, top, score, &n_top),
            "bndl_model_recommend"))
    goto done;
  printf("    recommended next (not bought before):\n");
  for (int64_t k = 0; k < n_top; k++) {
    printf("      %6.2f  ", score[k]);
    print_item(ds, top[k]);
    printf("\n");
  }
done:
  free(popular);
  bndl_model_free(loaded);
  bndl_model_free(m);
  bndl_dataset_free(train);
  bndl_dataset_free(valid);
  bndl_dataset_free(test);
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
  show_sequence_model(ctx, ds);
  rc = 0;
done:
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return rc;
}
