/*
 * fuzz_table.c - the text readers (CSV/TSV, sequence lines, JSON lines, basket JSON),
 * then cleaning and the report at finalize, then a split.
 *
 * Input: byte 0 picks the preset (so one corpus covers every reader and table kind),
 * the rest is the file. Invariants checked: no status outside the documented ones for
 * a load (OK, FORMAT, IO, LIMIT, OUT_OF_MEMORY), and after finalize rows read = rows kept
 * + the rows dropped under every reason.
 */
#include <stdlib.h>

#include "fuzz_util.h"

static const char *const presets[] = {"online_retail",       "amazon_sequences", "tafeng_baskets",
                                      "amazon_reviews_json", "reviews_zh_shopping", "youshu_bundle_item",
                                      "superstore",          "bundlerec_item_titles", "youshu_user_bundle_train",
                                      "sasrec_pairs"};
enum { N_PRESETS = sizeof presets / sizeof presets[0] };

static void expect_load_status(bndl_status st) {
  if (st != BNDL_OK && st != BNDL_ERR_FORMAT && st != BNDL_ERR_IO && st != BNDL_ERR_LIMIT &&
      st != BNDL_ERR_OUT_OF_MEMORY)
    fuzz_unexpected("bndl_dataset_load_table", st);
}

static void check_report(const bndl_dataset *ds) {
  int64_t dropped = 0;
  for (int r = 1; r <= BNDL_DROP_REASON_COUNT; r++)
    dropped += bndl_dataset_rows_dropped(ds, (bndl_drop_reason)r);
  if (bndl_dataset_rows_read(ds) != bndl_dataset_rows_kept(ds) + dropped)
    abort();
  bndl_buffer *json = NULL;
  if (bndl_dataset_report_json(ds, &json) != BNDL_OK)
    abort();
  bndl_buffer_free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bndl_context *ctx = fuzz_context();
  if (ctx == NULL || size < 1)
    return 0;
  const char *path = fuzz_write_file(data + 1, size - 1);
  if (path == NULL)
    return 0;
  bndl_table_spec *spec = NULL;
  if (bndl_table_spec_preset(presets[data[0] % N_PRESETS], &spec) != BNDL_OK)
    abort();
  bndl_dataset *ds = NULL;
  if (bndl_dataset_create(ctx, &ds) != BNDL_OK)
    abort();
  expect_load_status(bndl_dataset_load_table(ds, path, spec));
  if (bndl_dataset_finalize(ds) == BNDL_OK) {
    check_report(ds);
    bndl_dataset *train = NULL, *test = NULL;
    bndl_status st = bndl_dataset_split(ds, NULL, &train, NULL, &test);
    if (st == BNDL_ERR_INTERNAL)
      abort();
    bndl_dataset_free(train);
    bndl_dataset_free(test);
  }
  bndl_dataset_free(ds);
  bndl_table_spec_free(spec);
  return 0;
}
