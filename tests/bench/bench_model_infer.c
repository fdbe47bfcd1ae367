/*
 * bench_model_infer.c - latency of one user's recommendation from a sequence model:
 * encode the history + score every item + top-10 (bndl_model_recommend), per backend
 * and thread count.
 *
 *   bench_model_infer [--file F] [--kind transformer|lstm] [--users N] [--rounds R]
 *                     [--backends a,b,c] [--threads 1,2]
 *
 * Loads F (default ../shared/data/seqrec_amazon/Beauty_s3rec_5core.txt: 12,101 items)
 * through the "amazon_sequences" preset, finalizes, and creates a model with the
 * default architecture (model.dim 64, 2 layers, 1 head, max_len 50; the kind from
 * --kind), untrained: latency does not depend on the weights. The queries are the
 * histories of the first N users (default 500), each call excluding the history.
 * For each backend (default ref,openblas,onednn, those built) and thread count (default
 * 1,2): one warm-up pass over the users, then R rounds (default 3); per call the wall
 * time of bndl_model_encode alone and of bndl_model_recommend (encode + GEMV over the
 * item table + top-k); medians and 90th percentiles over all calls, in microseconds, as
 * one markdown table. The goal (issue 4) is a median recommend <= 1 ms.
 *
 * Uses only the public API (bundle.h) and links libbundle.so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int check(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return 0;
  fprintf(stderr, "bench_model_infer: %s failed: %s (%s)\n", what, bndl_last_error_message(), bndl_status_str(st));
  return 1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double quantile(double *v, int64_t n, double q) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  int64_t i = (int64_t)(q * (double)(n - 1) + 0.5);
  return v[i];
}

int main(int argc, char **argv) {
  const char *file = BNDL_SHARED_DATA_DIR "/seqrec_amazon/Beauty_s3rec_5core.txt";
  const char *kind = "transformer", *backends = "ref,openblas,onednn", *threads_list = "1,2";
  int64_t n_users = 500;
  int rounds = 3;
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--file") == 0)
      file = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--kind") == 0)
      kind = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--users") == 0)
      n_users = atoll(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0)
      rounds = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--backends") == 0)
      backends = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0)
      threads_list = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--file F] [--kind transformer|lstm] [--users N] [--rounds R] [--backends a,b] "
                      "[--threads 1,2]\n", argv[0]);
      return 2;
    }
  }
  if (n_users < 1 || rounds < 1)
    return 2;

  bndl_context *ctx = NULL;
  bndl_dataset *ds = NULL;
  bndl_table_spec *spec = NULL;
  bndl_config *cfg = NULL;
  bndl_model *m = NULL;
  if (check(bndl_context_create(NULL, &ctx), "context") || check(bndl_dataset_create(ctx, &ds), "dataset") ||
      check(bndl_table_spec_preset("amazon_sequences", &spec), "preset") ||
      check(bndl_dataset_load_table(ds, file, spec), file) || check(bndl_dataset_finalize(ds), "finalize") ||
      check(bndl_config_create(&cfg), "config") ||
      check(bndl_config_set_string(cfg, BNDL_KEY_MODEL_KIND, kind), "model.kind") ||
      check(bndl_model_create(ds, cfg, &m), "model"))
    return 1;
  int64_t users = bndl_dataset_count(ds, BNDL_ENTITY_USER);
  if (n_users > users)
    n_users = users;
  int64_t dim = bndl_model_embedding_dim(m);
  printf("%s: %lld users, %lld items; %s model, dim %lld, %lld parameters; %lld queries x %d rounds\n\n", file,
         (long long)users, (long long)bndl_model_num_items(m), kind, (long long)dim,
         (long long)bndl_model_num_params(m), (long long)n_users, rounds);
  printf("| backend | threads | encode median us | encode p90 us | recommend (encode + score + top-10) median us | "
         "recommend p90 us |\n|---|---|---|---|---|---|\n");

  int64_t n_calls = n_users * rounds;
  double *t_enc = malloc(sizeof(double) * (size_t)n_calls), *t_rec = malloc(sizeof(double) * (size_t)n_calls);
  float *u = malloc(sizeof(float) * (size_t)dim);
  char list[256];
  snprintf(list, sizeof list, "%s", backends);
  for (char *be = strtok(list, ","); be != NULL; be = strtok(NULL, ",")) {
    if (!bndl_backend_available(be)) {
      printf("| %s | - | not built | | | |\n", be);
      continue;
    }
    if (check(bndl_context_set_backend(ctx, be), be))
      return 1;
    char tl[64];
    snprintf(tl, sizeof tl, "%s", threads_list);
    char *save = NULL;
    for (char *ts = strtok_r(tl, ",", &save); ts != NULL; ts = strtok_r(NULL, ",", &save)) {
      int32_t nt = atoi(ts);
      if (check(bndl_context_set_threads(ctx, nt), "threads"))
        return 1;
      int64_t c = 0;
      for (int r = -1; r < rounds; r++) { /* round -1: warm-up */
        for (int64_t user = 0; user < n_users; user++) {
          const int32_t *items;
          int64_t n;
          if (check(bndl_dataset_user_events(ds, user, &items, NULL, NULL, &n), "user_events"))
            return 1;
          int32_t top[10];
          float sc[10];
          int64_t got;
          double t0 = now_us();
          if (check(bndl_model_encode(m, items, NULL, n, u, dim), "encode"))
            return 1;
          double t1 = now_us();
          if (check(bndl_model_recommend(m, items, NULL, n, NULL, 0, 1, 10, top, sc, &got), "recommend"))
            return 1;
          double t2 = now_us();
          if (r >= 0) {
            t_enc[c] = t1 - t0;
            t_rec[c++] = t2 - t1;
          }
        }
      }
      double e50 = quantile(t_enc, c, 0.5), e90 = quantile(t_enc, c, 0.9);
      double r50 = quantile(t_rec, c, 0.5), r90 = quantile(t_rec, c, 0.9);
      printf("| %s | %d | %.0f | %.0f | %.0f | %.0f |\n", be, nt, e50, e90, r50, r90);
      fflush(stdout);
    }
  }
  free(t_enc);
  free(t_rec);
  free(u);
  bndl_model_free(m);
  bndl_config_free(cfg);
  bndl_table_spec_free(spec);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return 0;
}
