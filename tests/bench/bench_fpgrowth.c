/*
 * bench_fpgrowth.c - time frequent-itemset mining (bndl_copurchase_itemsets) on one file.
 *
 *   bench_fpgrowth [--threads N] [--runs R] [--dump-dir DIR] [--set key=value]...
 *                  PRESET FILE MIN_SUPPORT...
 *
 * Loads FILE through the preset and finalizes (timed once, reported as load_s; the
 * --set keys configure the dataset and the mining), then for each MIN_SUPPORT runs
 * bndl_copurchase_itemsets R times (default 5) after one warm-up run and prints one
 * JSON line:
 *
 *   {"min_support":0.01,"threads":2,"baskets":...,"itemsets":...,"longest":...,
 *    "runs_s":[...],"median_s":...,"min_s":...,"cpu_median_s":...,"extract_s":...,
 *    "load_s":...,"maxrss_kib":...}
 *
 * Each run is the whole public call: basket extraction from the dataset's events plus
 * FP-growth plus the sorted result. extract_s is the median time of the same call with
 * fp.min_count so high that no item is frequent, i.e. the basket extraction and item
 * counting alone. Times are wall clock (CLOCK_MONOTONIC) inside the process;
 * cpu_median_s is the median CPU time of the calls (all threads), which a loaded
 * machine does not inflate. With
 * --dump-dir, the itemsets of each MIN_SUPPORT are written to DIR/itemsets_<ms>.tsv
 * ("count<TAB>item<TAB>item..." with external ids) for the identity check of
 * bench_fpgrowth_vs_mlxtend.py. Exit status 0, 1 on a library failure, 2 on bad usage.
 *
 * Public API only (bundle.h, libbundle.so).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bundle/bundle.h"

enum { MAX_RUNS = 100 };

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of every thread of the process: unlike wall time, it does not grow while
 * the process waits for a CPU on a loaded machine. */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static int check(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return 0;
  fprintf(stderr, "bench_fpgrowth: %s failed: %s (%s)\n", what, bndl_last_error_message(), bndl_status_str(st));
  return 1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int dump(const bndl_dataset *ds, const bndl_itemsets *sets, const char *dir, const char *ms) {
  char path[4096];
  snprintf(path, sizeof path, "%s/itemsets_%s.tsv", dir, ms);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  fprintf(f, "baskets\t%lld\n", (long long)bndl_itemsets_baskets(sets));
  for (int64_t s = 0; s < bndl_itemsets_count(sets); s++) {
    const int32_t *items;
    int32_t len;
    int64_t count;
    if (check(bndl_itemsets_get(sets, s, &items, &len, &count), "bndl_itemsets_get"))
      return 1;
    fprintf(f, "%lld", (long long)count);
    for (int32_t j = 0; j < len; j++) {
      const char *id;
      if (check(bndl_dataset_external_id(ds, BNDL_ENTITY_ITEM, items[j], &id), "bndl_dataset_external_id"))
        return 1;
      fprintf(f, "\t%s", id);
    }
    fputc('\n', f);
  }
  return fclose(f) == 0 ? 0 : 1;
}

/* One timed call (wall and CPU seconds); *sets receives the result (freed by the
 * caller). */
static int mine(const bndl_dataset *ds, const bndl_config *cfg, double *seconds, double *cpu, bndl_itemsets **sets) {
  double t0 = now_s(), c0 = cpu_s();
  if (check(bndl_copurchase_itemsets(ds, cfg, sets), "bndl_copurchase_itemsets"))
    return 1;
  *seconds = now_s() - t0;
  *cpu = cpu_s() - c0;
  return 0;
}

int main(int argc, char **argv) {
  int32_t threads = 0;
  int runs = 5;
  const char *dump_dir = NULL;
  bndl_config *cfg = NULL;
  if (check(bndl_config_create(&cfg), "bndl_config_create"))
    return 1;
  int i = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--threads") == 0) {
      threads = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--runs") == 0) {
      runs = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--dump-dir") == 0) {
      dump_dir = argv[i + 1];
    } else if (strcmp(argv[i], "--set") == 0) {
      char *eq = strchr(argv[i + 1], '=');
      if (eq == NULL)
        break;
      *eq = '\0';
      if (check(bndl_config_set(cfg, argv[i + 1], eq + 1), argv[i + 1]))
        return 1;
    } else {
      break;
    }
  }
  if (argc - i < 3 || runs < 1 || runs > MAX_RUNS) {
    fprintf(stderr, "usage: bench_fpgrowth [--threads N] [--runs R<=%d] [--dump-dir DIR] [--set key=value]... "
                    "PRESET FILE MIN_SUPPORT...\n",
            MAX_RUNS);
    return 2;
  }
  const char *preset = argv[i], *file = argv[i + 1];
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  bndl_context *ctx = NULL;
  bndl_table_spec *spec = NULL;
  bndl_dataset *ds = NULL;
  double t0 = now_s();
  if (check(bndl_context_create(&desc, &ctx), "bndl_context_create") ||
      check(bndl_table_spec_preset(preset, &spec), "bndl_table_spec_preset") ||
      check(bndl_dataset_create(ctx, &ds), "bndl_dataset_create") ||
      check(bndl_dataset_configure(ds, cfg), "bndl_dataset_configure") ||
      check(bndl_dataset_load_table(ds, file, spec), "bndl_dataset_load_table") ||
      check(bndl_dataset_finalize(ds), "bndl_dataset_finalize"))
    return 1;
  double load_s = now_s() - t0;

  /* Basket extraction and item counting alone: nothing is frequent. */
  double extract[MAX_RUNS];
  if (check(bndl_config_set(cfg, "fp.min_count", "4611686018427387904"), "fp.min_count"))
    return 1;
  for (int r = 0; r <= runs; r++) {
    bndl_itemsets *sets = NULL;
    double s, c;
    if (mine(ds, cfg, &s, &c, &sets))
      return 1;
    if (r > 0)
      extract[r - 1] = s;
    bndl_itemsets_free(sets);
  }
  double extract_s = median(extract, runs);
  if (check(bndl_config_set(cfg, "fp.min_count", "1"), "fp.min_count"))
    return 1;

  for (int a = i + 2; a < argc; a++) {
    if (check(bndl_config_set(cfg, "fp.min_support", argv[a]), "fp.min_support"))
      return 1;
    double times[MAX_RUNS], cpu[MAX_RUNS];
    bndl_itemsets *sets = NULL;
    for (int r = 0; r <= runs; r++) { /* run 0 warms caches and the pool */
      bndl_itemsets_free(sets);
      sets = NULL;
      double s, c;
      if (mine(ds, cfg, &s, &c, &sets))
        return 1;
      if (r > 0) {
        times[r - 1] = s;
        cpu[r - 1] = c;
      }
    }
    int32_t longest = 0;
    for (int64_t s = 0; s < bndl_itemsets_count(sets); s++) {
      const int32_t *items;
      int32_t len;
      int64_t count;
      if (check(bndl_itemsets_get(sets, s, &items, &len, &count), "bndl_itemsets_get"))
        return 1;
      longest = len > longest ? len : longest;
    }
    if (dump_dir && dump(ds, sets, dump_dir, argv[a]))
      return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"min_support\":%s,\"threads\":%d,\"baskets\":%lld,\"itemsets\":%lld,\"longest\":%d,\"runs_s\":[",
           argv[a], bndl_context_threads(ctx), (long long)bndl_itemsets_baskets(sets),
           (long long)bndl_itemsets_count(sets), longest);
    for (int r = 0; r < runs; r++)
      printf("%s%.6f", r ? "," : "", times[r]);
    double min_s = times[0];
    for (int r = 1; r < runs; r++)
      min_s = times[r] < min_s ? times[r] : min_s;
    printf("],\"median_s\":%.6f,\"min_s\":%.6f,\"cpu_median_s\":%.6f,\"extract_s\":%.6f,\"load_s\":%.3f,"
           "\"maxrss_kib\":%ld}\n",
           median(times, runs), min_s, median(cpu, runs), extract_s, load_s, ru.ru_maxrss);
    fflush(stdout);
    bndl_itemsets_free(sets);
  }
  bndl_dataset_free(ds);
  bndl_table_spec_free(spec);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  return 0;
}
