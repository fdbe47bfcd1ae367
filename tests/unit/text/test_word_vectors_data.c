/*
 * test_word_vectors_data.c - word vectors on real review corpora of ../shared/data
 * (label data; skipped without it; label slow: minutes under the sanitizers).
 *
 *  - All_Beauty (5,269 English reviews): "great" has "good", "excellent", "amazing",
 *    "awesome", "love" or "wonderful" among its 10 nearest words; every reviewed item
 *    has a text vector and min(k, items - 1) text neighbours;
 *  - ChnSentiCorp hotel reviews (7,766, Chinese, dictionary learnt from the corpus):
 *    "不错" has "好", "很好", "满意", "挺好" or "不错的" among its 10 nearest words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "test_support.h"

static int64_t find(const bndl_word_vectors *wv, const char *word) {
  int64_t id = -1;
  assert_int_equal(bndl_word_vectors_find(wv, word, strlen(word), &id), BNDL_OK);
  return id;
}

static int nearest_has(const bndl_word_vectors *wv, const char *probe, const char *const *expect, int n_expect) {
  int64_t ids[10];
  float scores[10];
  int32_t found;
  assert_int_equal(bndl_word_vectors_nearest(wv, find(wv, probe), 10, ids, scores, &found), BNDL_OK);
  int hit = 0;
  print_message("%s:", probe);
  for (int32_t k = 0; k < found; k++) {
    const char *word;
    size_t len;
    assert_int_equal(bndl_word_vectors_word(wv, ids[k], &word, &len, NULL), BNDL_OK);
    print_message(" %.*s", (int)len, word);
    for (int e = 0; e < n_expect; e++)
      hit |= strlen(expect[e]) == len && memcmp(expect[e], word, len) == 0;
  }
  print_message("\n");
  return hit;
}

static bndl_dataset *load_reviews(bndl_context *ctx, const char *file, const char *preset) {
  const char *path = test_shared_path(file);
  if (path == NULL)
    return NULL;
  bndl_dataset *ds;
  bndl_table_spec *spec;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  assert_int_equal(bndl_table_spec_preset(preset, &spec), BNDL_OK);
  assert_int_equal(bndl_dataset_load_table(ds, path, spec), BNDL_OK);
  bndl_table_spec_free(spec);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  return ds;
}

static void test_real_data(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = load_reviews(ctx, "reviews_en/All_Beauty_5.json.gz", "amazon_reviews_json");
  if (ds == NULL) {
    bndl_context_free(ctx);
    skip();
  }
  bndl_config *cfg;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  bndl_word_vectors *wv = NULL;
  assert_int_equal(bndl_word_vectors_train_dataset(ds, cfg, &wv), BNDL_OK);
  static const char *const great[] = {"good", "excellent", "amazing", "awesome", "love", "wonderful"};
  assert_true(nearest_has(wv, "great", great, 6));
  /* every reviewed item has a text vector, and text neighbours */
  int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  float *v = malloc((size_t)n_items * (size_t)bndl_word_vectors_dim(wv) * sizeof *v);
  int32_t *has = malloc((size_t)n_items * sizeof *has);
  assert_int_equal(bndl_item_text_vectors(ds, wv, cfg, v, has), BNDL_OK);
  int64_t with = 0;
  for (int64_t i = 0; i < n_items; i++)
    with += has[i];
  assert_int_equal(with, n_items);
  bndl_neighbors *nb = NULL;
  assert_int_equal(bndl_similarity_items_text(ds, wv, cfg, &nb), BNDL_OK);
  assert_int_equal(bndl_neighbors_nnz(nb), n_items * (n_items - 1 < 50 ? n_items - 1 : 50));
  bndl_neighbors_free(nb);
  free(v);
  free(has);
  bndl_word_vectors_free(wv);
  bndl_dataset_free(ds);

  ds = load_reviews(ctx, "reviews_zh/ChnSentiCorp_htl_all.csv.gz", "reviews_zh");
  assert_non_null(ds);
  assert_int_equal(bndl_word_vectors_train_dataset(ds, cfg, &wv), BNDL_OK);
  static const char *const good[] = {"好", "很好", "满意", "挺好", "不错的"};
  assert_true(nearest_has(wv, "不错", good, 5));
  bndl_word_vectors_free(wv);
  bndl_dataset_free(ds);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_real_data)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
