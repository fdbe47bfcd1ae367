/*
 * quickstart.c - the main job on the bundled sample data: load a shop's raw export,
 * clean it, print the data report and a summary of the behaviour features.
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
  rc = 0;
done:
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return rc;
}
