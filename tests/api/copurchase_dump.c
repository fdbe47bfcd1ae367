/*
 * copurchase_dump.c - prints the frequent itemsets of one file, for the Python
 * cross-check against mlxtend (fpgrowth_vs_mlxtend.py).
 *
 *   copurchase_dump [--threads N] [--set key=value]... PRESET FILE
 *
 * Loads FILE through the table-spec preset, finalizes (the --set keys of the 200s
 * configure the dataset), mines with the same config and writes to stdout:
 *   baskets<TAB>N
 *   <count><TAB><item id><TAB><item id>...     one line per itemset, library order
 * Item ids are the dataset's external ids. Exit status 0, or 1 with the error on
 * stderr. Uses bundle.h only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"

static int fail(const char *what) {
  fprintf(stderr, "copurchase_dump: %s: %s\n", what, bndl_last_error_message());
  return 1;
}

int main(int argc, char **argv) {
  int32_t threads = 0;
  bndl_config *cfg = NULL;
  if (bndl_config_create(&cfg) != BNDL_OK)
    return fail("config");
  int i = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--threads") == 0) {
      threads = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--set") == 0) {
      char *eq = strchr(argv[i + 1], '=');
      if (eq == NULL) {
        fprintf(stderr, "copurchase_dump: --set wants key=value, got '%s'\n", argv[i + 1]);
        return 2;
      }
      *eq = '\0';
      if (bndl_config_set(cfg, argv[i + 1], eq + 1) != BNDL_OK)
        return fail(argv[i + 1]);
    } else {
      fprintf(stderr, "copurchase_dump: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (argc - i != 2) {
    fprintf(stderr, "usage: copurchase_dump [--threads N] [--set key=value]... PRESET FILE\n");
    return 2;
  }
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = threads;
  bndl_context *ctx = NULL;
  bndl_table_spec *spec = NULL;
  bndl_dataset *ds = NULL;
  bndl_itemsets *sets = NULL;
  if (bndl_context_create(&d, &ctx) != BNDL_OK)
    return fail("context");
  if (bndl_table_spec_preset(argv[i], &spec) != BNDL_OK)
    return fail(argv[i]);
  if (bndl_dataset_create(ctx, &ds) != BNDL_OK || bndl_dataset_configure(ds, cfg) != BNDL_OK)
    return fail("dataset");
  if (bndl_dataset_load_table(ds, argv[i + 1], spec) != BNDL_OK || bndl_dataset_finalize(ds) != BNDL_OK)
    return fail(argv[i + 1]);
  if (bndl_copurchase_itemsets(ds, cfg, &sets) != BNDL_OK)
    return fail("itemsets");
  printf("baskets\t%lld\n", (long long)bndl_itemsets_baskets(sets));
  for (int64_t s = 0; s < bndl_itemsets_count(sets); s++) {
    const int32_t *items;
    int32_t len;
    int64_t count;
    if (bndl_itemsets_get(sets, s, &items, &len, &count) != BNDL_OK)
      return fail("get");
    printf("%lld", (long long)count);
    for (int32_t j = 0; j < len; j++) {
      const char *id = NULL;
      if (bndl_dataset_external_id(ds, BNDL_ENTITY_ITEM, items[j], &id) != BNDL_OK)
        return fail("external_id");
      printf("\t%s", id);
    }
    putchar('\n');
  }
  bndl_itemsets_free(sets);
  bndl_dataset_free(ds);
  bndl_table_spec_free(spec);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  return ferror(stdout) ? 1 : 0;
}
