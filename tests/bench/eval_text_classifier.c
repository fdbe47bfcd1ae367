/*
 * eval_text_classifier.c - accuracy of the trained text classifier (bndl_text_model_*)
 * on the review corpora of ../shared/data, on the split of text_eval_split.h.
 *
 *   eval_text_classifier [--threads N] [--data DIR] [--set KEY=VALUE]... [--valid]
 *                        [--cv K] [--dump-split FILE] [--verbose] [--runs R] [--score-all]
 *                        [DATASET...]
 *
 * DATASET: shopping (online_shopping_10_cats), waimai (waimai_10k), hotel
 * (ChnSentiCorp_htl_all), beauty (All_Beauty_5, rating >= 4 positive, <= 2 negative),
 * cells (amazon_cells_labelled); default all five. For each it loads the file through its
 * preset, trains on the training positions (bndl_text_model_train, in permutation order)
 * and scores the held-out 20% (bndl_text_model_predict_batch, p >= 0.5 is positive).
 * --valid evaluates on the validation part of the training positions instead (for
 * tuning: the held-out rows are never seen). --cv K adds K-fold cross-validation over all
 * rows (cells: 10 by default), over the training positions only with --valid. --set applies config keys (text.c=8, ...). One JSON line
 * per dataset:
 *
 *   {"dataset":"shopping","rows":62774,"train":50220,"test":12554,"accuracy":0.93,
 *    "train_s":1.2,"score_s":0.3,"features":123456,"cv_k":0,"cv_accuracy":null, ...}
 *
 * --dump-split FILE writes the permutation of the first dataset (one row index per line),
 * for bench_text_vs_sklearn.py's check of its own copy of the shuffle. Links the static
 * library only to read review texts and ratings, which bundle.h does not expose.
 * --verbose prints the library's INFO log (the trainer's time split) to stderr.
 * --score-all also scores every row of the file after training (score_all_s: the speed
 * benchmark's "tokenize + score all reviews"); --runs R repeats training and scoring R
 * times and reports the fastest (train_s, score_s, score_all_s) and the median times,
 * and the CPU time of all threads (train_cpu_s, score_all_cpu_s: steadier than wall time
 * on a shared machine).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"
#include "data/dataset.h"
#include "text/text_model.h"
#include "text_eval_split.h"

enum { MAX_SETS = 32 };

typedef struct source {
  const char *name, *file, *preset;
  double pos_min, neg_max;
  int cv_default;
} source;

static const source sources[] = {
    {"shopping", "reviews_zh/online_shopping_10_cats.csv.gz", "reviews_zh_shopping", 1, 0, 0},
    {"waimai", "reviews_zh/waimai_10k.csv.gz", "reviews_zh", 1, 0, 0},
    {"hotel", "reviews_zh/ChnSentiCorp_htl_all.csv.gz", "reviews_zh", 1, 0, 0},
    {"beauty", "reviews_en/All_Beauty_5.json.gz", "amazon_reviews_json", 4, 2, 0},
    {"cells", "reviews_en/amazon_cells_labelled.txt", "amazon_cells", 1, 0, 10},
};
enum { N_SOURCES = sizeof sources / sizeof sources[0] };

static void print_log(void *ud, bndl_log_level level, const char *message) {
  (void)ud;
  (void)level;
  fprintf(stderr, "%s\n", message);
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return;
  fprintf(stderr, "eval_text_classifier: %s failed: %s (%s)\n", what, bndl_last_error_message(),
          bndl_status_str(st));
  exit(1);
}

typedef struct rows {
  int64_t n;
  const char **text;
  size_t *len;
  int32_t *label;
} rows;

/* The labelled reviews of ds in load order. */
static void labelled_rows(const bndl_dataset *ds, const source *s, rows *r) {
  const bndl_review_rows *rv = &ds->rv;
  r->text = malloc((rv->n + 1) * sizeof *r->text);
  r->len = malloc((rv->n + 1) * sizeof *r->len);
  r->label = malloc((rv->n + 1) * sizeof *r->label);
  r->n = 0;
  for (size_t i = 0; i < rv->n; i++) {
    double g = rv->rating[i];
    int label = g >= s->pos_min ? 1 : g <= s->neg_max ? 0 : -1;
    if (label < 0)
      continue;
    r->text[r->n] = rv->text.data + rv->text_off[i];
    r->len[r->n] = (size_t)(rv->text_off[i + 1] - rv->text_off[i]);
    r->label[r->n] = label;
    r->n++;
  }
}

typedef struct result {
  double accuracy, train_s, score_s, score_all_s;
  double train_med_s, score_all_med_s;
  double train_cpu_s, score_all_cpu_s; /* CPU time of all threads, fastest run */
  int64_t features, n_train, n_test;
} result;

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, by_value);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Trains on perm[tr_lo, tr_hi) minus [te_lo, te_hi), tests on perm[te_lo, te_hi); with
 * score_all > 0 also times scoring every row; `runs` repetitions (fastest and median
 * times reported; the results are identical every time). */
static result run(bndl_context *ctx, const bndl_config *cfg, const rows *r, const int64_t *perm, int64_t tr_lo,
                  int64_t tr_hi, int64_t te_lo, int64_t te_hi, int runs, int score_all) {
  int64_t n_tr = 0, n_te = te_hi - te_lo;
  const char **tt = malloc((size_t)(tr_hi - tr_lo + 1) * sizeof *tt);
  size_t *tl = malloc((size_t)(tr_hi - tr_lo + 1) * sizeof *tl);
  int32_t *ty = malloc((size_t)(tr_hi - tr_lo + 1) * sizeof *ty);
  for (int64_t p = tr_lo; p < tr_hi; p++) {
    if (p >= te_lo && p < te_hi)
      continue;
    tt[n_tr] = r->text[perm[p]];
    tl[n_tr] = r->len[perm[p]];
    ty[n_tr] = r->label[perm[p]];
    n_tr++;
  }
  const char **et = malloc((size_t)(n_te + 1) * sizeof *et);
  size_t *el = malloc((size_t)(n_te + 1) * sizeof *el);
  double *prob = malloc((size_t)(n_te + 1) * sizeof *prob);
  for (int64_t k = 0; k < n_te; k++) {
    et[k] = r->text[perm[te_lo + k]];
    el[k] = r->len[perm[te_lo + k]];
  }
  result res;
  memset(&res, 0, sizeof res);
  double *all = score_all ? malloc((size_t)(r->n + 1) * sizeof *all) : NULL;
  double t_train[64], t_all[64];
  if (runs > 64)
    runs = 64;
  for (int rep = 0; rep < runs; rep++) {
    bndl_text_model *m;
    double c0 = cpu_s(), t0 = now_s();
    die(bndl_text_model_train(ctx, tt, tl, ty, n_tr, cfg, &m), "bndl_text_model_train");
    double t1 = now_s(), c1 = cpu_s();
    die(bndl_text_model_predict_batch(m, et, el, n_te, prob), "bndl_text_model_predict_batch");
    double t2 = now_s();
    double c2 = cpu_s();
    if (score_all)
      die(bndl_text_model_predict_batch(m, r->text, r->len, r->n, all), "bndl_text_model_predict_batch");
    double t3 = now_s(), c3 = cpu_s();
    if (rep == 0 || c1 - c0 < res.train_cpu_s)
      res.train_cpu_s = c1 - c0;
    if (rep == 0 || c3 - c2 < res.score_all_cpu_s)
      res.score_all_cpu_s = c3 - c2;
    t_train[rep] = t1 - t0;
    t_all[rep] = t3 - t2;
    if (rep == 0 || t1 - t0 < res.train_s)
      res.train_s = t1 - t0;
    if (rep == 0 || t2 - t1 < res.score_s)
      res.score_s = t2 - t1;
    if (rep == 0 || t3 - t2 < res.score_all_s)
      res.score_all_s = t3 - t2;
    if (rep == 0) {
      int64_t correct = 0;
      for (int64_t k = 0; k < n_te; k++)
        correct += (prob[k] >= 0.5) == (r->label[perm[te_lo + k]] == 1);
      res.accuracy = n_te ? (double)correct / (double)n_te : NAN;
      res.features = m->vocab.n;
    }
    bndl_text_model_free(m);
  }
  res.train_med_s = median(t_train, runs);
  res.score_all_med_s = median(t_all, runs);
  res.n_train = n_tr;
  res.n_test = n_te;
  free(all);
  free(tt);
  free(tl);
  free(ty);
  free(et);
  free(el);
  free(prob);
  return res;
}

int main(int argc, char **argv) {
  int threads = 2, valid = 0, cv = -1, verbose = 0, runs = 1, score_all = 0;
  const char *data = BNDL_SHARED_DATA_DIR, *dump = NULL;
  const char *sets[MAX_SETS];
  int n_sets = 0;
  const char *only[N_SOURCES];
  int n_only = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
      data = argv[++i];
    else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && n_sets < MAX_SETS)
      sets[n_sets++] = argv[++i];
    else if (strcmp(argv[i], "--verbose") == 0)
      verbose = 1;
    else if (strcmp(argv[i], "--score-all") == 0)
      score_all = 1;
    else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
      runs = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
    else if (strcmp(argv[i], "--valid") == 0)
      valid = 1;
    else if (strcmp(argv[i], "--cv") == 0 && i + 1 < argc)
      cv = atoi(argv[++i]);
    else if (strcmp(argv[i], "--dump-split") == 0 && i + 1 < argc)
      dump = argv[++i];
    else if (argv[i][0] != '-' && n_only < N_SOURCES)
      only[n_only++] = argv[i];
    else {
      fprintf(stderr, "usage: eval_text_classifier [--threads N] [--data DIR] [--set KEY=VALUE]... [--valid] "
                      "[--cv K] [--dump-split FILE] [shopping|waimai|hotel|beauty|cells]...\n");
      return 2;
    }
  }
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  bndl_context *ctx;
  die(bndl_context_create(&desc, &ctx), "bndl_context_create");
  if (verbose)
    die(bndl_context_set_log(ctx, print_log, NULL, NULL, BNDL_LOG_INFO), "bndl_context_set_log");
  bndl_config *cfg;
  die(bndl_config_create(&cfg), "bndl_config_create");
  for (int s = 0; s < n_sets; s++) {
    char key[128];
    const char *eq = strchr(sets[s], '=');
    if (eq == NULL || (size_t)(eq - sets[s]) >= sizeof key) {
      fprintf(stderr, "eval_text_classifier: --set wants KEY=VALUE, not '%s'\n", sets[s]);
      return 2;
    }
    memcpy(key, sets[s], (size_t)(eq - sets[s]));
    key[eq - sets[s]] = '\0';
    die(bndl_config_set(cfg, key, eq + 1), sets[s]);
  }
  for (int k = 0; k < N_SOURCES; k++) {
    const source *s = &sources[k];
    int wanted = n_only == 0;
    for (int o = 0; o < n_only; o++)
      wanted |= strcmp(only[o], s->name) == 0;
    if (!wanted)
      continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data, s->file);
    bndl_dataset *ds;
    bndl_table_spec *spec;
    die(bndl_dataset_create(ctx, &ds), "bndl_dataset_create");
    die(bndl_table_spec_preset(s->preset, &spec), s->preset);
    double t0 = now_s();
    die(bndl_dataset_load_table(ds, path, spec), path);
    die(bndl_dataset_finalize(ds), "bndl_dataset_finalize");
    double load_s = now_s() - t0;
    bndl_table_spec_free(spec);
    rows r;
    labelled_rows(ds, s, &r);
    int64_t *perm = malloc((size_t)(r.n + 1) * sizeof *perm);
    text_eval_shuffle(perm, r.n);
    if (dump) {
      FILE *f = fopen(dump, "w");
      for (int64_t i = 0; f && i < r.n; i++)
        fprintf(f, "%lld\n", (long long)perm[i]);
      if (f)
        fclose(f);
      dump = NULL;
    }
    int64_t n_train = text_eval_n_train(r.n);
    result res = valid ? run(ctx, cfg, &r, perm, 0, n_train, text_eval_n_train(n_train), n_train, runs, score_all)
                       : run(ctx, cfg, &r, perm, 0, r.n, n_train, r.n, runs, score_all);
    int k_folds = cv >= 0 ? cv : s->cv_default;
    double cv_acc = NAN, cv_min = NAN, cv_max = NAN;
    if (k_folds >= 2) {
      double sum = 0;
      for (int f = 0; f < k_folds; f++) {
        /* with --valid, the folds cut the training positions only */
        int64_t span = valid ? n_train : r.n;
        result fr = run(ctx, cfg, &r, perm, 0, span, f * span / k_folds, (f + 1) * span / k_folds, 1, 0);
        sum += fr.accuracy;
        cv_min = f == 0 || fr.accuracy < cv_min ? fr.accuracy : cv_min;
        cv_max = f == 0 || fr.accuracy > cv_max ? fr.accuracy : cv_max;
      }
      cv_acc = sum / k_folds;
    }
    int64_t n_pos = 0;
    for (int64_t i = 0; i < r.n; i++)
      n_pos += r.label[i];
    printf("{\"dataset\":\"%s\",\"rows\":%lld,\"positive\":%lld,\"train\":%lld,\"%s\":%lld,\"accuracy\":%.4f,"
           "\"train_s\":%.3f,\"score_s\":%.3f,\"features\":%lld,\"load_s\":%.3f,\"cv_k\":%d,",
           s->name, (long long)r.n, (long long)n_pos, (long long)res.n_train, valid ? "valid" : "test",
           (long long)res.n_test, res.accuracy, res.train_s, res.score_s, (long long)res.features, load_s,
           k_folds >= 2 ? k_folds : 0);
    if (k_folds >= 2)
      printf("\"cv_accuracy\":%.4f,\"cv_min\":%.4f,\"cv_max\":%.4f", cv_acc, cv_min, cv_max);
    else
      printf("\"cv_accuracy\":null");
    if (score_all)
      printf(",\"runs\":%d,\"train_median_s\":%.3f,\"score_all_s\":%.3f,\"score_all_median_s\":%.3f,"
             "\"train_cpu_s\":%.3f,\"score_all_cpu_s\":%.3f",
             runs, res.train_med_s, res.score_all_s, res.score_all_med_s, res.train_cpu_s, res.score_all_cpu_s);
    printf(",\"threads\":%d,\"settings\":\"", threads);
    for (int i = 0; i < n_sets; i++)
      printf("%s%s", i ? " " : "", sets[i]);
    printf("\"}\n");
    fflush(stdout);
    free(perm);
    free(r.text);
    free(r.len);
    free(r.label);
    bndl_dataset_free(ds);
  }
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  return 0;
}
