/*
 * item_model_dump.c - writes what the closed-form item models computed, for the numpy /
 * scipy cross-check (test_item_model_numpy.py). Not a test by itself.
 *
 *   item_model_dump --data FILE --preset NAME --out DIR [--min-users N] [--backend B]
 *                   [--threads T] [--lambda L] [--rank K] [--reg R]
 *   item_model_dump --list-backends
 *
 * Loads FILE through the preset, keeps the items that at least N users have a positive
 * interaction with, and rebuilds a dataset of those (user, item) pairs only (so the dense
 * n x n work of the models stays small). Then, on backend B, writes to DIR (raw
 * little-endian arrays, shapes in meta.json):
 *   x_indptr.i64, x_items.i32   the binary user x item matrix (positive interactions)
 *   gram.f32                    the library's own G = X^T X (item_gram.c), n x n
 *   ease_b.f32                  EASE weights B, n x n
 *   eigenvalues.f32, factors_v.f32   the model's eigenvalues (k) and item factors (n x k)
 *   hist_indptr.i64, hist_items.i32  a few users' histories (items, weight 1)
 *   fold_u.f32, factor_scores.f32, ease_scores.f32   fold-in and scores of those
 * It links the static library for G and the eigenvalues, which bundle.h does not expose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle/bundle.h"
#include "compute/item_gram.h"
#include "compute/item_model.h"

#define CHECK(call)                                                                                         \
  do {                                                                                                      \
    if ((call) != BNDL_OK) {                                                                                \
      fprintf(stderr, "item_model_dump: %s failed: %s\n", #call, bndl_last_error_message());                \
      exit(1);                                                                                              \
    }                                                                                                       \
  } while (0)

static const char *out_dir;

static void write_array(const char *name, const void *data, size_t elem, size_t count) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", out_dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || (count > 0 && fwrite(data, elem, count, f) != count) || fclose(f) != 0) {
    fprintf(stderr, "item_model_dump: cannot write %s\n", path);
    exit(1);
  }
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) {
    fprintf(stderr, "item_model_dump: out of memory\n");
    exit(1);
  }
  return p;
}

/* The pairs of ds whose item has >= min_users positive users, as a new finalized dataset. */
static bndl_dataset *filtered(bndl_context *ctx, const bndl_dataset *ds, int64_t min_users) {
  const int64_t *indptr;
  const int32_t *items;
  const float *w;
  CHECK(bndl_dataset_interactions(ds, &indptr, &items, &w));
  int64_t n_users = bndl_dataset_count(ds, BNDL_ENTITY_USER), n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  int64_t *users_of = calloc((size_t)n_items + 1, sizeof *users_of);
  for (int64_t q = 0; q < indptr[n_users]; q++)
    users_of[items[q]] += w[q] > 0;
  int64_t n = 0;
  const char **un = xmalloc(sizeof *un * (size_t)(indptr[n_users] + 1));
  const char **in = xmalloc(sizeof *in * (size_t)(indptr[n_users] + 1));
  for (int64_t u = 0; u < n_users; u++)
    for (int64_t q = indptr[u]; q < indptr[u + 1]; q++) {
      if (!(w[q] > 0) || users_of[items[q]] < min_users)
        continue;
      CHECK(bndl_dataset_external_id(ds, BNDL_ENTITY_USER, u, &un[n]));
      CHECK(bndl_dataset_external_id(ds, BNDL_ENTITY_ITEM, items[q], &in[n]));
      n++;
    }
  bndl_dataset *out = NULL;
  bndl_config *cfg = NULL;
  CHECK(bndl_dataset_create(ctx, &out));
  CHECK(bndl_config_create(&cfg));
  CHECK(bndl_config_set_float(cfg, BNDL_KEY_CLEAN_ANOMALY_Z, 0));
  CHECK(bndl_dataset_configure(out, cfg));
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = n;
  c.user_names = un;
  c.item_names = in;
  CHECK(bndl_dataset_add_events(out, &c));
  CHECK(bndl_dataset_finalize(out));
  bndl_config_free(cfg);
  free(un);
  free(in);
  free(users_of);
  return out;
}

int main(int argc, char **argv) {
  const char *data = NULL, *preset = "online_retail", *backend = "ref";
  int64_t min_users = 16, rank = 16, threads = 2;
  double lambda = 50, reg = 0.01;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--list-backends") == 0) {
      for (int32_t b = 0; bndl_backend_name(b) != NULL; b++)
        if (bndl_backend_available(bndl_backend_name(b)))
          printf("%s\n", bndl_backend_name(b));
      return 0;
    }
    if (v == NULL) {
      fprintf(stderr, "item_model_dump: %s needs a value\n", a);
      return 2;
    }
    i++;
    if (strcmp(a, "--data") == 0)
      data = v;
    else if (strcmp(a, "--preset") == 0)
      preset = v;
    else if (strcmp(a, "--out") == 0)
      out_dir = v;
    else if (strcmp(a, "--backend") == 0)
      backend = v;
    else if (strcmp(a, "--min-users") == 0)
      min_users = atoll(v);
    else if (strcmp(a, "--threads") == 0)
      threads = atoll(v);
    else if (strcmp(a, "--rank") == 0)
      rank = atoll(v);
    else if (strcmp(a, "--lambda") == 0)
      lambda = atof(v);
    else if (strcmp(a, "--reg") == 0)
      reg = atof(v);
    else {
      fprintf(stderr, "item_model_dump: unknown option %s\n", a);
      return 2;
    }
  }
  if (data == NULL || out_dir == NULL) {
    fprintf(stderr, "usage: item_model_dump --data FILE --out DIR [--preset P] [--min-users N] [--backend B] "
                    "[--threads T] [--lambda L] [--rank K] [--reg R] | --list-backends\n");
    return 2;
  }
  mkdir(out_dir, 0755);

  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = (int32_t)threads;
  bndl_context *ctx = NULL;
  CHECK(bndl_context_create(&d, &ctx));
  CHECK(bndl_context_set_backend(ctx, backend));
  bndl_table_spec *spec = NULL;
  bndl_dataset *raw = NULL;
  CHECK(bndl_table_spec_preset(preset, &spec));
  CHECK(bndl_dataset_create(ctx, &raw));
  CHECK(bndl_dataset_load_table(raw, data, spec));
  CHECK(bndl_dataset_finalize(raw));
  bndl_dataset *ds = filtered(ctx, raw, min_users);
  bndl_dataset_free(raw);
  bndl_table_spec_free(spec);

  int64_t n_users = bndl_dataset_count(ds, BNDL_ENTITY_USER), n = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  const int64_t *indptr;
  const int32_t *items;
  const float *w;
  CHECK(bndl_dataset_interactions(ds, &indptr, &items, &w));
  write_array("x_indptr.i64", indptr, sizeof *indptr, (size_t)n_users + 1);
  write_array("x_items.i32", items, sizeof *items, (size_t)indptr[n_users]);

  float *g = xmalloc(sizeof *g * (size_t)(n * n));
  CHECK(bndl_item_gram(ds, g));
  write_array("gram.f32", g, sizeof *g, (size_t)(n * n));
  free(g);

  bndl_config *cfg = NULL;
  CHECK(bndl_config_create(&cfg));
  CHECK(bndl_config_set_float(cfg, BNDL_KEY_EASE_LAMBDA, lambda));
  CHECK(bndl_config_set_int(cfg, BNDL_KEY_FACTORS_RANK, rank));
  CHECK(bndl_config_set_float(cfg, BNDL_KEY_FACTORS_REG, reg));
  bndl_item_model *ease = NULL, *fac = NULL;
  CHECK(bndl_item_model_ease(ds, cfg, &ease));
  CHECK(bndl_item_model_factors(ds, cfg, &fac));
  const float *b, *v;
  int64_t rows, cols, k;
  CHECK(bndl_item_model_weights(ease, &b, &rows, &cols));
  write_array("ease_b.f32", b, sizeof *b, (size_t)(rows * cols));
  CHECK(bndl_item_model_weights(fac, &v, &rows, &k));
  write_array("factors_v.f32", v, sizeof *v, (size_t)(rows * k));
  write_array("eigenvalues.f32", fac->eigenvalues, sizeof(float), (size_t)k);

  /* histories: the first few users */
  int64_t n_hist = n_users < 5 ? n_users : 5;
  write_array("hist_indptr.i64", indptr, sizeof *indptr, (size_t)n_hist + 1);
  write_array("hist_items.i32", items, sizeof *items, (size_t)indptr[n_hist]);
  float *u = xmalloc(sizeof *u * (size_t)(n_hist * k));
  float *fs = xmalloc(sizeof *fs * (size_t)(n_hist * n));
  float *es = xmalloc(sizeof *es * (size_t)(n_hist * n));
  for (int64_t h = 0; h < n_hist; h++) {
    const int32_t *hi = items + indptr[h];
    int64_t len = indptr[h + 1] - indptr[h];
    CHECK(bndl_item_model_fold_in(fac, hi, NULL, len, u + h * k, k));
    CHECK(bndl_item_model_score(fac, hi, NULL, len, fs + h * n, n));
    CHECK(bndl_item_model_score(ease, hi, NULL, len, es + h * n, n));
  }
  write_array("fold_u.f32", u, sizeof *u, (size_t)(n_hist * k));
  write_array("factor_scores.f32", fs, sizeof *fs, (size_t)(n_hist * n));
  write_array("ease_scores.f32", es, sizeof *es, (size_t)(n_hist * n));

  char path[4096];
  snprintf(path, sizeof path, "%s/meta.json", out_dir);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "item_model_dump: cannot write %s\n", path);
    return 1;
  }
  fprintf(f,
          "{\"backend\": \"%s\", \"n_users\": %lld, \"n_items\": %lld, \"nnz\": %lld, \"lambda\": %.17g, "
          "\"rank\": %lld, \"reg\": %.17g, \"n_hist\": %lld}\n",
          bndl_context_backend(ctx), (long long)n_users, (long long)n, (long long)indptr[n_users], lambda,
          (long long)k, reg, (long long)n_hist);
  fclose(f);
  free(u);
  free(fs);
  free(es);
  bndl_item_model_free(ease);
  bndl_item_model_free(fac);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  printf("item_model_dump: %lld users, %lld items, backend %s -> %s\n", (long long)n_users, (long long)n, backend,
         out_dir);
  return 0;
}
