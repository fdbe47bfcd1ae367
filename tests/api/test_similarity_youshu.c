/*
 * test_similarity_youshu.c - every similarity measure on a slice of real data (the
 * first 5,000 lines of Youshu's user_item.txt from ../shared/data, loaded through the
 * youshu_user_item preset: 291 users, 3,000 items) equals the brute force of
 * similarity_oracle.c, item-item and user-user. Skips when the file is missing (fails
 * under BNDL_REQUIRE_SHARED_DATA). Label "data".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "similarity_oracle.h"
#include "test_support.h"

enum { SLICE_LINES = 5000 };

static const char *const measures[] = {"cosine", "asymmetric_cosine", "jaccard", "bm25",
                                       "tfidf",  "lift",              "pmi",     "dot"};

/* The first SLICE_LINES lines of the file, in a temporary file. */
static char *slice(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t cap = 1 << 20, len = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  int lines = 0, c;
  while (lines < SLICE_LINES && (c = fgetc(f)) != EOF) {
    if (len + 1 >= cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      assert_non_null(buf);
    }
    buf[len++] = (char)c;
    lines += c == '\n';
  }
  fclose(f);
  assert_int_equal(lines, SLICE_LINES);
  char *tmp = test_write_tmp(".txt", buf, len);
  free(buf);
  return tmp;
}

static void youshu_slice_against_brute_force(void **state) {
  (void)state;
  const char *path = test_shared_path("youshu/user_item.txt");
  if (path == NULL) {
    skip();
    return;
  }
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  bndl_table_spec *spec = NULL;
  assert_int_equal(bndl_table_spec_preset("youshu_user_item", &spec), BNDL_OK);
  assert_int_equal(bndl_dataset_load_table(ds, slice(path), spec), BNDL_OK);
  bndl_table_spec_free(spec);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_USER), 291);
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_ITEM), 3000);

  int64_t checked = 0;
  for (int m = 0; m < 8; m++)
    for (int users = 0; users < 2; users++)
      for (int v = 0; v < 2; v++) {
        oracle_params p = oracle_defaults(measures[m]);
        if (v == 1) { /* a second parameter set: support and shrink, fewer neighbours */
          p.k = 10;
          p.min_support = 2;
          p.shrink = 5;
          p.alpha = 0.8;
        }
        bndl_config *cfg = oracle_config(&p);
        bndl_neighbors *nb = NULL;
        bndl_status st = users ? bndl_similarity_users(ds, cfg, &nb) : bndl_similarity_items(ds, cfg, &nb);
        if (st != BNDL_OK)
          fail_msg("%s: %s", measures[m], bndl_last_error_message());
        checked += oracle_check(ds, users, &p, nb);
        bndl_neighbors_free(nb);
        bndl_config_free(cfg);
      }
  assert_true(checked > 100000);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  test_tmp_cleanup();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(youshu_slice_against_brute_force),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
