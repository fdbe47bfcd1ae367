/*
 * bench_ease.c - time EASE (bndl_item_model_ease) on one dataset and one backend.
 *
 *   bench_ease [--threads N] [--backend NAME] [--repeat R] [--lambda L] [--preset P]
 *              [--out DIR] FILE
 *   bench_ease --list-backends
 *
 * Loads FILE through the preset (default online_retail: users are customers, items stock
 * codes), finalizes, then builds EASE R times (default 3) on backend NAME (default
 * "auto") with ease.lambda L (default 500). Prints one JSON line:
 *
 *   {"backend":...,"backend_info":...,"threads":2,"users":...,"items":...,"nnz":...,
 *    "lambda":500,"stated_bytes":...,"load_s":...,"ease_s":[...],"gram_s":[...],
 *    "inverse_s":[...],"inverse_provider":"openblas","vmhwm_kib":...}
 *
 * ease_s is the wall time of each bndl_item_model_ease call (CLOCK_MONOTONIC); gram_s
 * and inverse_s are the library's own split of it, read from its INFO log record.
 * stated_bytes is what bndl_item_model_memory says before the build; vmhwm_kib the peak
 * RSS of this process (VmHWM), dataset included. With --out DIR it also writes
 * DIR/gram.f32 (the library's Gram matrix X^T X, items x items, float32 row-major: the
 * same matrix EASE inverts) and DIR/ease_b_<backend>.f32 (B of the last run), for
 * bench_ease_vs_numpy.py. For that it links the static library (the Gram matrix is not
 * part of bundle.h); the timed calls are the public API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bundle/bundle.h"
#include "compute/item_gram.h"

enum { MAX_REPEAT = 50 };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return;
  fprintf(stderr, "bench_ease: %s failed: %s (%s)\n", what, bndl_last_error_message(), bndl_status_str(st));
  exit(1);
}

static long vmhwm_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return -1;
  char line[256];
  long v = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) {
      v = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

/* The library logs "EASE: <n> items, lambda <l>: Gram <g> s, inverse <i> s (<provider>), total <t> s". */
typedef struct log_capture {
  double gram_s, inverse_s;
  char provider[32];
} log_capture;

static void on_log(void *ud, bndl_log_level level, const char *message) {
  (void)level;
  log_capture *c = ud;
  const char *g = strstr(message, "Gram "), *i = strstr(message, "inverse ");
  if (strncmp(message, "EASE: ", 6) != 0 || g == NULL || i == NULL)
    return;
  c->gram_s = atof(g + 5);
  c->inverse_s = atof(i + 8);
  const char *p = strchr(i, '(');
  if (p != NULL)
    sscanf(p + 1, "%31[^)]", c->provider);
}

static void write_file(const char *dir, const char *name, const void *data, size_t bytes) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, bytes, f) != bytes || fclose(f) != 0) {
    fprintf(stderr, "bench_ease: cannot write %s\n", path);
    exit(1);
  }
}

static void put_list(const char *key, const double *v, int n) {
  printf(",\"%s\":[", key);
  for (int i = 0; i < n; i++)
    printf("%s%.6f", i ? "," : "", v[i]);
  printf("]");
}

int main(int argc, char **argv) {
  const char *backend = "auto", *preset = "online_retail", *out = NULL, *file = NULL;
  int threads = 0, repeat = 3;
  double lambda = 500;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--list-backends") == 0) {
      for (int32_t b = 0; bndl_backend_name(b) != NULL; b++)
        if (bndl_backend_available(bndl_backend_name(b)))
          printf("%s\n", bndl_backend_name(b));
      return 0;
    }
    if (argv[i][0] == '-' && i + 1 >= argc) {
      fprintf(stderr, "bench_ease: %s needs a value\n", argv[i]);
      return 2;
    }
    if (strcmp(argv[i], "--threads") == 0)
      threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--backend") == 0)
      backend = argv[++i];
    else if (strcmp(argv[i], "--repeat") == 0)
      repeat = atoi(argv[++i]);
    else if (strcmp(argv[i], "--lambda") == 0)
      lambda = atof(argv[++i]);
    else if (strcmp(argv[i], "--preset") == 0)
      preset = argv[++i];
    else if (strcmp(argv[i], "--out") == 0)
      out = argv[++i];
    else if (argv[i][0] != '-' && file == NULL)
      file = argv[i];
    else {
      fprintf(stderr, "usage: bench_ease [--threads N] [--backend NAME] [--repeat R] [--lambda L] [--preset P] "
                      "[--out DIR] FILE | --list-backends\n");
      return 2;
    }
  }
  if (file == NULL || repeat < 1 || repeat > MAX_REPEAT) {
    fprintf(stderr, "bench_ease: need FILE and 1 <= --repeat <= %d\n", MAX_REPEAT);
    return 2;
  }

  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  bndl_context *ctx = NULL;
  die(bndl_context_create(&desc, &ctx), "bndl_context_create");
  die(bndl_context_set_backend(ctx, backend), "bndl_context_set_backend");
  log_capture cap = {0, 0, ""};
  die(bndl_context_set_log(ctx, on_log, &cap, NULL, BNDL_LOG_INFO), "bndl_context_set_log");

  double t0 = now_s();
  bndl_table_spec *spec = NULL;
  bndl_dataset *ds = NULL;
  die(bndl_table_spec_preset(preset, &spec), "bndl_table_spec_preset");
  die(bndl_dataset_create(ctx, &ds), "bndl_dataset_create");
  die(bndl_dataset_load_table(ds, file, spec), "bndl_dataset_load_table");
  die(bndl_dataset_finalize(ds), "bndl_dataset_finalize");
  double load_s = now_s() - t0;
  int64_t users = bndl_dataset_count(ds, BNDL_ENTITY_USER), items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  const int64_t *indptr;
  const int32_t *cols;
  const float *w;
  die(bndl_dataset_interactions(ds, &indptr, &cols, &w), "bndl_dataset_interactions");
  int64_t nnz = 0;
  for (int64_t q = 0; q < indptr[users]; q++)
    nnz += w[q] > 0;

  bndl_config *cfg = NULL;
  die(bndl_config_create(&cfg), "bndl_config_create");
  die(bndl_config_set_float(cfg, BNDL_KEY_EASE_LAMBDA, lambda), "bndl_config_set_float");
  int64_t stated = 0;
  die(bndl_item_model_memory(ds, cfg, "ease", &stated), "bndl_item_model_memory");

  double ease_s[MAX_REPEAT], gram_s[MAX_REPEAT], inverse_s[MAX_REPEAT];
  bndl_item_model *m = NULL;
  for (int r = 0; r < repeat; r++) {
    bndl_item_model_free(m);
    m = NULL;
    double t = now_s();
    die(bndl_item_model_ease(ds, cfg, &m), "bndl_item_model_ease");
    ease_s[r] = now_s() - t;
    gram_s[r] = cap.gram_s;
    inverse_s[r] = cap.inverse_s;
  }
  long hwm = vmhwm_kib();

  if (out != NULL) {
    mkdir(out, 0755);
    const float *b;
    int64_t rows, ncols;
    die(bndl_item_model_weights(m, &b, &rows, &ncols), "bndl_item_model_weights");
    char name[128];
    snprintf(name, sizeof name, "ease_b_%s.f32", bndl_context_backend(ctx));
    write_file(out, name, b, (size_t)(rows * ncols) * sizeof *b);
    float *g = malloc((size_t)(items * items) * sizeof *g + 1);
    if (g == NULL) {
      fprintf(stderr, "bench_ease: out of memory\n");
      return 1;
    }
    die(bndl_item_gram(ds, g), "bndl_item_gram");
    write_file(out, "gram.f32", g, (size_t)(items * items) * sizeof *g);
    free(g);
  }

  printf("{\"library\":\"%s\",\"backend\":\"%s\",\"backend_info\":\"%s\",\"threads\":%d,\"users\":%lld,"
         "\"items\":%lld,\"nnz\":%lld,\"lambda\":%g,\"stated_bytes\":%lld,\"load_s\":%.6f",
         bndl_version_string(), bndl_context_backend(ctx), bndl_context_backend_info(ctx),
         (int)bndl_context_threads(ctx), (long long)users, (long long)items, (long long)nnz, lambda,
         (long long)stated, load_s);
  put_list("ease_s", ease_s, repeat);
  put_list("gram_s", gram_s, repeat);
  put_list("inverse_s", inverse_s, repeat);
  printf(",\"inverse_provider\":\"%s\",\"vmhwm_kib\":%ld}\n", cap.provider, hwm);
  bndl_item_model_free(m);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_table_spec_free(spec);
  bndl_context_free(ctx);
  return 0;
}
