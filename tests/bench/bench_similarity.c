/*
 * bench_similarity.c - time bndl_similarity_items on a real dataset.
 *
 *   bench_similarity [--threads N] [--backend NAME] [--k K] [--measure M] [--weights]
 *                    [--repeat R] [--dump-matrix PATH] [--dump-neighbors PATH] SOURCE FILE
 *
 * SOURCE says how FILE becomes a users x items matrix:
 *   youshu           user_item.txt through the youshu_user_item preset;
 *   retail_invoices  Online Retail (online_retail.csv.gz) through the online_retail
 *                    preset with USER remapped to InvoiceNo, so rows are invoices
 *                    (baskets) and columns stock codes; cancellation invoices ("C...")
 *                    are returns, weigh < 0 and are ignored by the similarity; anomaly
 *                    cleaning is off (a big invoice is not a bot).
 * Then it computes item-item top-K (default 50) by measure M (default cosine) on the
 * binary matrix (--weights: on the event weights), R times (default 3), and prints one
 * JSON line:
 *   {"source":...,"backend":...,"backend_info":...,"threads":...,"users":...,
 *    "items":...,"nnz":...,"k":...,"measure":...,"load_s":...,"sim_s":[...],
 *    "sim_cpu_s":[...],"sim_best_cpu_s":...,"sim_best_s":...,"result_nnz":...,"rss_before_sim_kib":...,
 *    "sim_peak_rss_kib":...,"vmhwm_kib":...}
 * sim_s are the wall times of each bndl_similarity_items call (CLOCK_MONOTONIC), sim_cpu_s
 * their CPU times summed over threads (CLOCK_PROCESS_CPUTIME_ID).
 * sim_peak_rss_kib is VmHWM measured after the calls, the high-water mark having been
 * reset (/proc/self/clear_refs, 5) just before them, so it is this process's peak while
 * computing (data included); rss_before_sim_kib is VmRSS just before. vmhwm_kib is the
 * peak before the reset (loading and finalize). -1 where /proc does not say.
 *
 * --dump-matrix writes the positive part of the matrix the similarity reads (binary
 * unless --weights) for the scipy baseline: int64 users, items, nnz; int64 indptr[users +
 * 1]; int32 indices[nnz]; float32 data[nnz]. --dump-neighbors writes the result: int64
 * rows, nnz; int64 indptr[rows + 1]; int32 cols[nnz]; float32 scores[nnz].
 *
 * Uses only the public API (bundle.h) and links libbundle.so. Exit status 0 on success,
 * 1 on a library or I/O failure (message on stderr), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"

static double clock_s(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int check(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return 0;
  fprintf(stderr, "bench_similarity: %s failed: %s (%s)\n", what, bndl_last_error_message(), bndl_status_str(st));
  return 1;
}

/* A field of /proc/self/status in KiB, -1 if unknown. */
static long proc_kib(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return -1;
  char line[256];
  long v = -1;
  size_t n = strlen(field);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, field, n) == 0 && line[n] == ':') {
      v = strtol(line + n + 1, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

/* Writes s as a JSON string (quotes and backslashes escaped, control bytes as \u00XX). */
static void put_json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

static void reset_peak_rss(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (f) {
    fputs("5", f);
    fclose(f);
  }
}

static int write_all(FILE *f, const void *p, size_t size, size_t n) { return fwrite(p, size, n, f) != n; }

static int dump_matrix(const bndl_dataset *ds, int binary, const char *path) {
  const int64_t *indptr;
  const int32_t *items;
  const float *w;
  if (check(bndl_dataset_interactions(ds, &indptr, &items, &w), "bndl_dataset_interactions"))
    return 1;
  int64_t users = bndl_dataset_count(ds, BNDL_ENTITY_USER), n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  int64_t nnz = 0;
  int64_t *ptr = malloc(((size_t)users + 1) * sizeof *ptr);
  int32_t *idx = malloc(((size_t)indptr[users] + 1) * sizeof *idx);
  float *val = malloc(((size_t)indptr[users] + 1) * sizeof *val);
  if (!ptr || !idx || !val) {
    fprintf(stderr, "bench_similarity: out of memory\n");
    return 1;
  }
  ptr[0] = 0;
  for (int64_t u = 0; u < users; u++) {
    for (int64_t e = indptr[u]; e < indptr[u + 1]; e++)
      if (w[e] > 0) {
        idx[nnz] = items[e];
        val[nnz++] = binary ? 1.0f : w[e];
      }
    ptr[u + 1] = nnz;
  }
  FILE *f = fopen(path, "wb");
  int64_t head[3] = {users, n_items, nnz};
  int bad = f == NULL || write_all(f, head, sizeof *head, 3) || write_all(f, ptr, sizeof *ptr, (size_t)users + 1) ||
            write_all(f, idx, sizeof *idx, (size_t)nnz) || write_all(f, val, sizeof *val, (size_t)nnz);
  if (f && fclose(f) != 0)
    bad = 1;
  free(ptr);
  free(idx);
  free(val);
  if (bad)
    fprintf(stderr, "bench_similarity: cannot write %s\n", path);
  return bad;
}

static int dump_neighbors(const bndl_neighbors *nb, const char *path) {
  const int64_t *indptr;
  const int32_t *cols;
  const float *scores;
  if (check(bndl_neighbors_csr(nb, &indptr, &cols, &scores), "bndl_neighbors_csr"))
    return 1;
  int64_t head[2] = {bndl_neighbors_rows(nb), bndl_neighbors_nnz(nb)};
  FILE *f = fopen(path, "wb");
  int bad = f == NULL || write_all(f, head, sizeof *head, 2) ||
            write_all(f, indptr, sizeof *indptr, (size_t)head[0] + 1) ||
            write_all(f, cols, sizeof *cols, (size_t)head[1]) || write_all(f, scores, sizeof *scores, (size_t)head[1]);
  if (f && fclose(f) != 0)
    bad = 1;
  if (bad)
    fprintf(stderr, "bench_similarity: cannot write %s\n", path);
  return bad;
}

static int usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s [--threads N] [--backend NAME] [--k K] [--measure M] [--weights] [--repeat R]\n"
          "          [--dump-matrix PATH] [--dump-neighbors PATH] youshu|retail_invoices FILE\n",
          argv0);
  return 2;
}

int main(int argc, char **argv) {
  int threads = 0, repeat = 3, binary = 1;
  long k = 50;
  const char *backend = NULL, *measure = "cosine", *dump_m = NULL, *dump_n = NULL;
  int a = 1;
  for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
    if (strcmp(argv[a], "--weights") == 0) {
      binary = 0;
      continue;
    }
    if (a + 1 >= argc)
      return usage(argv[0]);
    const char *v = argv[++a];
    if (strcmp(argv[a - 1], "--threads") == 0)
      threads = atoi(v);
    else if (strcmp(argv[a - 1], "--backend") == 0)
      backend = v;
    else if (strcmp(argv[a - 1], "--k") == 0)
      k = atol(v);
    else if (strcmp(argv[a - 1], "--measure") == 0)
      measure = v;
    else if (strcmp(argv[a - 1], "--repeat") == 0)
      repeat = atoi(v);
    else if (strcmp(argv[a - 1], "--dump-matrix") == 0)
      dump_m = v;
    else if (strcmp(argv[a - 1], "--dump-neighbors") == 0)
      dump_n = v;
    else
      return usage(argv[0]);
  }
  if (argc - a != 2 || repeat < 1 || repeat > 100)
    return usage(argv[0]);
  const char *source = argv[a], *file = argv[a + 1];
  int retail = strcmp(source, "retail_invoices") == 0;
  if (!retail && strcmp(source, "youshu") != 0)
    return usage(argv[0]);

  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  bndl_context *ctx = NULL;
  bndl_dataset *ds = NULL;
  bndl_table_spec *spec = NULL;
  bndl_config *cfg = NULL;
  if (check(bndl_context_create(&desc, &ctx), "bndl_context_create") ||
      (backend && check(bndl_context_set_backend(ctx, backend), "bndl_context_set_backend")) ||
      check(bndl_dataset_create(ctx, &ds), "bndl_dataset_create") ||
      check(bndl_config_create(&cfg), "bndl_config_create"))
    return 1;
  double t0 = clock_s(CLOCK_MONOTONIC);
  if (retail) {
    if (check(bndl_table_spec_preset("online_retail", &spec), "bndl_table_spec_preset") ||
        check(bndl_table_spec_map(spec, BNDL_FIELD_USER, "InvoiceNo"), "bndl_table_spec_map") ||
        check(bndl_config_set(cfg, "clean.anomaly_z", "0"), "bndl_config_set") ||
        check(bndl_dataset_configure(ds, cfg), "bndl_dataset_configure"))
      return 1;
  } else if (check(bndl_table_spec_preset("youshu_user_item", &spec), "bndl_table_spec_preset")) {
    return 1;
  }
  if (check(bndl_dataset_load_table(ds, file, spec), "bndl_dataset_load_table") ||
      check(bndl_dataset_finalize(ds), "bndl_dataset_finalize"))
    return 1;
  double load_s = clock_s(CLOCK_MONOTONIC) - t0;
  if (dump_m && dump_matrix(ds, binary, dump_m))
    return 1;
  if (check(bndl_config_set_string(cfg, BNDL_KEY_SIM_MEASURE, measure), "sim.measure") ||
      check(bndl_config_set_int(cfg, BNDL_KEY_SIM_K, k), "sim.k") ||
      check(bndl_config_set_int(cfg, BNDL_KEY_SIM_BINARY, binary), "sim.binary"))
    return 1;

  long hwm_load = proc_kib("VmHWM");
  reset_peak_rss();
  long rss_before = proc_kib("VmRSS");
  double times[100], cpu[100], best = 1e300, best_cpu = 1e300;
  bndl_neighbors *nb = NULL;
  for (int r = 0; r < repeat; r++) {
    bndl_neighbors_free(nb);
    nb = NULL;
    double s = clock_s(CLOCK_MONOTONIC), c = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (check(bndl_similarity_items(ds, cfg, &nb), "bndl_similarity_items"))
      return 1;
    times[r] = clock_s(CLOCK_MONOTONIC) - s;
    cpu[r] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c;
    best = times[r] < best ? times[r] : best;
    best_cpu = cpu[r] < best_cpu ? cpu[r] : best_cpu;
  }
  long sim_peak = proc_kib("VmHWM");
  if (dump_n && dump_neighbors(nb, dump_n))
    return 1;

  const int64_t *indptr;
  const int32_t *items;
  const float *w;
  if (check(bndl_dataset_interactions(ds, &indptr, &items, &w), "bndl_dataset_interactions"))
    return 1;
  int64_t users = bndl_dataset_count(ds, BNDL_ENTITY_USER), nnz = 0;
  for (int64_t e = 0; e < indptr[users]; e++)
    nnz += w[e] > 0;
  printf("{\"source\":\"%s\",\"backend\":\"%s\",\"backend_info\":", source, bndl_context_backend(ctx));
  put_json_string(bndl_context_backend_info(ctx));
  printf(",\"threads\":%d,\"users\":%lld,\"items\":%lld,\"nnz\":%lld,\"k\":%ld,\"measure\":",
         bndl_context_threads(ctx), (long long)users, (long long)bndl_dataset_count(ds, BNDL_ENTITY_ITEM),
         (long long)nnz, k);
  put_json_string(measure);
  printf(",\"binary\":%d,\"load_s\":%.6f,\"sim_s\":[", binary, load_s);
  for (int r = 0; r < repeat; r++)
    printf("%s%.6f", r ? "," : "", times[r]);
  printf("],\"sim_cpu_s\":[");
  for (int r = 0; r < repeat; r++)
    printf("%s%.6f", r ? "," : "", cpu[r]);
  printf("],\"sim_best_cpu_s\":%.6f,\"sim_best_s\":%.6f,\"result_nnz\":%lld,\"rss_before_sim_kib\":%ld,\"sim_peak_rss_kib\":%ld,"
         "\"vmhwm_kib\":%ld}\n",
         best_cpu, best, (long long)bndl_neighbors_nnz(nb), rss_before, sim_peak, hwm_load);
  bndl_neighbors_free(nb);
  bndl_config_free(cfg);
  bndl_table_spec_free(spec);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return 0;
}
