/*
 * test_word_vectors.c - skip-gram word vectors, item text vectors and the cold-start
 * text similarity, end to end through their public calls.
 *
 *  - a synthetic corpus in which two pairs of words share their contexts: each word
 *    ends up nearer its partner than the words of the other pair;
 *  - determinism: 1, 2 and 3 threads give bit-identical vectors; the same seed the same
 *    vectors; another seed other vectors;
 *  - the file: save/load keeps words, counts and vectors bit for bit (and re-saves byte
 *    for byte), a Chinese corpus's learnt dictionary travels with it; every single-bit
 *    flip of the header and section table, sampled payload flips and every truncation
 *    are refused (FORMAT, VERSION or UNSUPPORTED);
 *  - item text vectors on hand-made items: an item whose text has one known word gets
 *    exactly that word's direction, items without known words get zero and has_text 0,
 *    vectors are unit length;
 *  - cold start: in a small catalogue a new item with a title but no interaction gets
 *    the expected text neighbour, and items without text get none;
 *  - (real review data: test_word_vectors_data.c)
 *  - bad inputs with their statuses: empty corpus, invalid UTF-8 naming the text,
 *    text.vector_dim 0, no word reaching min_count, NULL and stale handles, k 0;
 *  - allocation failures at every step of training and loading (R6): OUT_OF_MEMORY,
 *    nothing leaked.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "core/crc32.h"
#include "test_support.h"

static test_alloc g_counter;

static int setup(void **state) {
  (void)state;
  test_alloc_reset(&g_counter, 0, 0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  test_tmp_cleanup();
  return 0;
}

/* ---- the synthetic corpus: "apple"/"banana" and "car"/"truck" are interchangeable */

typedef struct corpus {
  char **text;
  int64_t n;
} corpus;

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return *s >> 33;
}

static corpus synthetic(int64_t n) {
  static const char *const who[] = {"i", "we", "they", "you", "she", "he"};
  static const char *const fruit_ctx[][2] = {
      {"ate a fresh", "for breakfast"}, {"peeled the ripe", "slowly"}, {"bought a sweet", "at the market"},
      {"sliced one", "into the salad"}};
  static const char *const vehicle_ctx[][2] = {
      {"drove the old", "to work"}, {"parked my", "in the garage"}, {"washed the", "on sunday"},
      {"repaired a", "engine today"}};
  static const char *const fruits[] = {"apple", "banana"};
  static const char *const vehicles[] = {"car", "truck"};
  corpus c = {malloc((size_t)n * sizeof(char *)), n};
  uint64_t s = 12345;
  for (int64_t i = 0; i < n; i++) {
    char buf[256];
    const char *w = who[lcg(&s) % 6];
    if (lcg(&s) % 2) {
      int k = (int)(lcg(&s) % 4);
      snprintf(buf, sizeof buf, "%s %s %s %s.", w, fruit_ctx[k][0], fruits[lcg(&s) % 2], fruit_ctx[k][1]);
    } else {
      int k = (int)(lcg(&s) % 4);
      snprintf(buf, sizeof buf, "%s %s %s %s.", w, vehicle_ctx[k][0], vehicles[lcg(&s) % 2], vehicle_ctx[k][1]);
    }
    c.text[i] = strdup(buf);
  }
  return c;
}

static void corpus_free(corpus *c) {
  for (int64_t i = 0; i < c->n; i++)
    free(c->text[i]);
  free(c->text);
}

static bndl_config *small_config(int64_t dim, int64_t epochs, int64_t min_count) {
  bndl_config *cfg;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_DIM, dim), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_EPOCHS, epochs), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_MIN_COUNT, min_count), BNDL_OK);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_TEXT_VECTOR_SAMPLE, 0), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_WINDOW, 3), BNDL_OK);
  assert_int_equal(bndl_config_set_string(cfg, BNDL_KEY_TEXT_LANGUAGE, "en"), BNDL_OK);
  return cfg;
}

static int64_t find(const bndl_word_vectors *wv, const char *word) {
  int64_t id = -1;
  assert_int_equal(bndl_word_vectors_find(wv, word, strlen(word), &id), BNDL_OK);
  return id;
}

static double cosine(const bndl_word_vectors *wv, const char *a, const char *b) {
  const float *x, *y;
  assert_int_equal(bndl_word_vectors_vector(wv, find(wv, a), &x), BNDL_OK);
  assert_int_equal(bndl_word_vectors_vector(wv, find(wv, b), &y), BNDL_OK);
  double s = 0, nx = 0, ny = 0;
  for (int32_t i = 0; i < bndl_word_vectors_dim(wv); i++) {
    s += (double)x[i] * y[i];
    nx += (double)x[i] * x[i];
    ny += (double)y[i] * y[i];
  }
  return s / sqrt(nx * ny);
}

static bndl_word_vectors *train(bndl_context *ctx, const corpus *c, const bndl_config *cfg) {
  bndl_word_vectors *wv = NULL;
  bndl_status st = bndl_word_vectors_train(ctx, (const char *const *)c->text, NULL, c->n, cfg, &wv);
  if (st != BNDL_OK)
    fail_msg("bndl_word_vectors_train: %s", bndl_last_error_message());
  return wv;
}

static void test_shared_contexts(void **state) {
  (void)state;
  corpus c = synthetic(3000);
  bndl_context *ctx = test_context(&g_counter, 2);
  bndl_config *cfg = small_config(16, 10, 1);
  bndl_word_vectors *wv = train(ctx, &c, cfg);
  assert_int_equal(bndl_word_vectors_dim(wv), 16);
  double ab = cosine(wv, "apple", "banana"), ct = cosine(wv, "car", "truck");
  double cross[4] = {cosine(wv, "apple", "car"), cosine(wv, "apple", "truck"), cosine(wv, "banana", "car"),
                     cosine(wv, "banana", "truck")};
  print_message("cos(apple, banana) %.3f, cos(car, truck) %.3f, across %.3f %.3f %.3f %.3f\n", ab, ct, cross[0],
                cross[1], cross[2], cross[3]);
  for (int i = 0; i < 4; i++) {
    assert_true(ab > cross[i] + 0.2);
    assert_true(ct > cross[i] + 0.2);
  }
  /* the nearest word of "apple" is "banana" */
  int64_t ids[3];
  float scores[3];
  int32_t found;
  assert_int_equal(bndl_word_vectors_nearest(wv, find(wv, "apple"), 3, ids, scores, &found), BNDL_OK);
  assert_int_equal(found, 3);
  assert_int_equal(ids[0], find(wv, "banana"));
  assert_true(scores[0] >= scores[1] && scores[1] >= scores[2]);
  /* words are numbered by count, most frequent first */
  int64_t prev = INT64_MAX;
  for (int64_t w = 0; w < bndl_word_vectors_count(wv); w++) {
    const char *word;
    size_t len;
    int64_t count;
    assert_int_equal(bndl_word_vectors_word(wv, w, &word, &len, &count), BNDL_OK);
    assert_true(count <= prev && count >= 1 && len > 0);
    prev = count;
  }
  /* case folding on lookup, as training did */
  assert_int_equal(find(wv, "APPLE"), find(wv, "apple"));
  bndl_word_vectors_free(wv);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  corpus_free(&c);
  assert_int_equal(g_counter.live_blocks, 0);
}

/* All vectors of wv, copied. */
static float *all_vectors(const bndl_word_vectors *wv, size_t *cells) {
  int64_t n = bndl_word_vectors_count(wv);
  int32_t dim = bndl_word_vectors_dim(wv);
  *cells = (size_t)n * (size_t)dim;
  float *out = malloc(*cells * sizeof *out);
  for (int64_t w = 0; w < n; w++) {
    const float *v;
    assert_int_equal(bndl_word_vectors_vector(wv, w, &v), BNDL_OK);
    memcpy(out + (size_t)w * (size_t)dim, v, (size_t)dim * sizeof *v);
  }
  return out;
}

static void test_determinism(void **state) {
  (void)state;
  corpus c = synthetic(4000);
  bndl_config *cfg = small_config(24, 3, 1);
  float *ref = NULL;
  size_t ref_cells = 0;
  for (int threads = 1; threads <= 3; threads++) {
    bndl_context *ctx = test_context(NULL, threads);
    bndl_word_vectors *wv = train(ctx, &c, cfg);
    size_t cells;
    float *v = all_vectors(wv, &cells);
    if (ref == NULL) {
      ref = v;
      ref_cells = cells;
    } else {
      assert_int_equal(cells, ref_cells);
      assert_memory_equal(v, ref, cells * sizeof *v);
      free(v);
    }
    bndl_word_vectors_free(wv);
    bndl_context_free(ctx);
  }
  /* the seed: text.seed overrides the context's, and another seed moves the vectors */
  bndl_context *ctx = test_context(NULL, 2);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_SEED, 42), BNDL_OK); /* the context's seed */
  bndl_word_vectors *wv = train(ctx, &c, cfg);
  size_t cells;
  float *v = all_vectors(wv, &cells);
  assert_memory_equal(v, ref, cells * sizeof *v);
  free(v);
  bndl_word_vectors_free(wv);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_SEED, 7), BNDL_OK);
  wv = train(ctx, &c, cfg);
  v = all_vectors(wv, &cells);
  assert_int_equal(cells, ref_cells);
  assert_true(memcmp(v, ref, cells * sizeof *v) != 0);
  free(v);
  bndl_word_vectors_free(wv);
  bndl_context_free(ctx);
  free(ref);
  bndl_config_free(cfg);
  corpus_free(&c);
}

/* ---- the file */

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void same_model(const bndl_word_vectors *a, const bndl_word_vectors *b) {
  assert_int_equal(bndl_word_vectors_count(a), bndl_word_vectors_count(b));
  assert_int_equal(bndl_word_vectors_dim(a), bndl_word_vectors_dim(b));
  for (int64_t w = 0; w < bndl_word_vectors_count(a); w++) {
    const char *wa, *wb;
    size_t la, lb;
    int64_t ca, cb;
    const float *va, *vb;
    assert_int_equal(bndl_word_vectors_word(a, w, &wa, &la, &ca), BNDL_OK);
    assert_int_equal(bndl_word_vectors_word(b, w, &wb, &lb, &cb), BNDL_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(wa, wb, la);
    assert_int_equal(ca, cb);
    assert_int_equal(bndl_word_vectors_vector(a, w, &va), BNDL_OK);
    assert_int_equal(bndl_word_vectors_vector(b, w, &vb), BNDL_OK);
    assert_memory_equal(va, vb, (size_t)bndl_word_vectors_dim(a) * sizeof *va);
  }
}

static const char *const zh_texts[] = {
    "这个酒店的服务很好，房间也不错", "位置不错，早餐很好吃", "房间干净，服务态度不错", "前台服务热情，房间不错",
    "早餐一般，位置很好", "设施陈旧，服务态度差", "房间很小，早餐不错", "交通方便，服务不错，下次还来",
    "环境不错，房间干净", "服务态度很好，早餐丰富",
};

static void test_file(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 1);
  /* Chinese: the learnt dictionary must travel with the file */
  enum { REPEAT = 8 };
  const char *texts[10 * REPEAT];
  for (int r = 0; r < REPEAT; r++)
    for (int i = 0; i < 10; i++)
      texts[r * 10 + i] = zh_texts[i];
  bndl_config *cfg = small_config(8, 2, 2);
  assert_int_equal(bndl_config_set_string(cfg, BNDL_KEY_TEXT_LANGUAGE, "auto"), BNDL_OK);
  bndl_word_vectors *wv = NULL;
  assert_int_equal(bndl_word_vectors_train(ctx, texts, NULL, 10 * REPEAT, cfg, &wv), BNDL_OK);
  int64_t good_id = find(wv, "不错");
  char *path = test_write_tmp(".bndlw", "", 0);
  assert_int_equal(bndl_word_vectors_save(wv, path), BNDL_OK);
  bndl_word_vectors *l = NULL;
  assert_int_equal(bndl_word_vectors_load(ctx, path, &l), BNDL_OK);
  same_model(wv, l);
  assert_int_equal(find(l, "不错"), good_id);
  /* a loaded model re-saves byte for byte */
  size_t len, len2;
  char *a = read_all(path, &len);
  char *path2 = test_write_tmp(".bndlw", "", 0);
  assert_int_equal(bndl_word_vectors_save(l, path2), BNDL_OK);
  char *b = read_all(path2, &len2);
  assert_int_equal(len, len2);
  assert_memory_equal(a, b, len);
  free(b);
  bndl_word_vectors_free(l);

  /* every bit of the header and section table, sampled payload bits, truncations */
  uint64_t n_sections;
  memcpy(&n_sections, a + 20, 4);
  n_sections &= 0xffffffffu;
  size_t meta_end = 64 + (size_t)n_sections * 32;
  int refused = 0, tried = 0;
  uint64_t s = 99;
  for (size_t bit = 0; bit < len * 8; bit++) {
    if (bit >= meta_end * 8 && lcg(&s) % 16 != 0)
      continue;
    a[bit / 8] ^= (char)(1u << (bit % 8));
    char *p = test_write_tmp(".bndlw", a, len);
    bndl_status st = bndl_word_vectors_load(ctx, p, &l);
    a[bit / 8] ^= (char)(1u << (bit % 8));
    tried++;
    if (st == BNDL_OK) {
      bndl_word_vectors_free(l);
      fail_msg("a flip of bit %zu loaded", bit);
    }
    assert_true(st == BNDL_ERR_FORMAT || st == BNDL_ERR_VERSION || st == BNDL_ERR_UNSUPPORTED);
    refused++;
    test_tmp_cleanup();
  }
  assert_int_equal(refused, tried);
  for (size_t cut = 0; cut < len; cut += 1 + cut / 4) {
    char *p = test_write_tmp(".bndlw", a, cut);
    assert_int_equal(bndl_word_vectors_load(ctx, p, &l), BNDL_ERR_FORMAT);
    test_tmp_cleanup();
  }
  test_assert_error_contains("bndl_word_vectors_load");
  assert_int_equal(bndl_word_vectors_load(ctx, "/nonexistent/vectors.bndlw", &l), BNDL_ERR_IO);
  free(a);
  bndl_word_vectors_free(wv);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  assert_int_equal(g_counter.live_blocks, 0);
}

/* ---- item text vectors and cold start */

/* A catalogue of titled items; items 0..n_events-1 get one purchase each. */
static bndl_dataset *catalogue(bndl_context *ctx, const char *const *names, const char *const *titles, int64_t n,
                               int64_t n_events) {
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  bndl_catalogue_columns cc = BNDL_CATALOGUE_COLUMNS_INIT;
  cc.count = n;
  cc.item_names = names;
  cc.titles = titles;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &cc), BNDL_OK);
  if (n_events > 0) {
    int64_t users[16];
    for (int64_t i = 0; i < n_events; i++)
      users[i] = i % 3;
    bndl_event_columns ev = BNDL_EVENT_COLUMNS_INIT;
    ev.count = n_events;
    ev.user_ids = users;
    ev.item_names = names;
    assert_int_equal(bndl_dataset_add_events(ds, &ev), BNDL_OK);
  }
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  return ds;
}

static int64_t item_index(const bndl_dataset *ds, const char *name) {
  int64_t idx = -1;
  assert_int_equal(bndl_dataset_find(ds, BNDL_ENTITY_ITEM, name, &idx), BNDL_OK);
  return idx;
}

static void test_item_vectors(void **state) {
  (void)state;
  corpus c = synthetic(3000);
  bndl_context *ctx = test_context(&g_counter, 2);
  bndl_config *cfg = small_config(16, 5, 1);
  bndl_word_vectors *wv = train(ctx, &c, cfg);
  static const char *const names[] = {"one", "none", "mixed", "empty"};
  static const char *const titles[] = {"Banana!", "zzz qqq", "fresh apple at the market", ""};
  bndl_dataset *ds = catalogue(ctx, names, titles, 4, 0);
  int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  assert_int_equal(n_items, 4);
  int32_t dim = bndl_word_vectors_dim(wv);
  float *v = malloc((size_t)n_items * (size_t)dim * sizeof *v);
  int32_t has[4];
  /* without the principal component removal an item of one known word is that word */
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_SIF_REMOVE_PC, 0), BNDL_OK);
  assert_int_equal(bndl_item_text_vectors(ds, wv, cfg, v, has), BNDL_OK);
  int64_t one = item_index(ds, "one"), none = item_index(ds, "none"), mixed = item_index(ds, "mixed"),
          empty = item_index(ds, "empty");
  assert_int_equal(has[one], 1);
  assert_int_equal(has[none], 0);
  assert_int_equal(has[mixed], 1);
  assert_int_equal(has[empty], 0);
  const float *banana;
  assert_int_equal(bndl_word_vectors_vector(wv, find(wv, "banana"), &banana), BNDL_OK);
  double nb = 0;
  for (int32_t d = 0; d < dim; d++)
    nb += (double)banana[d] * banana[d];
  for (int32_t d = 0; d < dim; d++) {
    assert_float_equal(v[one * dim + d], banana[d] / sqrt(nb), 1e-6);
    assert_true(v[none * dim + d] == 0.0f && v[empty * dim + d] == 0.0f);
  }
  /* one text through bndl_word_vectors_text_vector: the same vector, bit for bit */
  float *tv = malloc((size_t)dim * sizeof *tv);
  int64_t known = -1;
  assert_int_equal(bndl_word_vectors_text_vector(wv, titles[2], strlen(titles[2]), cfg, tv, &known), BNDL_OK);
  assert_int_equal(known, 5);
  assert_memory_equal(tv, v + mixed * dim, (size_t)dim * sizeof *tv);
  assert_int_equal(bndl_word_vectors_text_vector(wv, "zzz qqq", 7, cfg, tv, &known), BNDL_OK);
  assert_int_equal(known, 0);
  for (int32_t d = 0; d < dim; d++)
    assert_true(tv[d] == 0.0f);
  assert_int_equal(bndl_word_vectors_text_vector(wv, "bad \xC3\x28", 6, cfg, tv, NULL), BNDL_ERR_FORMAT);
  test_assert_error_contains("bndl_word_vectors_text_vector");
  assert_int_equal(bndl_word_vectors_text_vector(wv, "apple", 5, cfg, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_text_vector(NULL, "apple", 5, cfg, tv, NULL), BNDL_ERR_INVALID_ARGUMENT);
  free(tv);
  /* with it (the default): still unit length, and orthogonal to nothing in particular */
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_SIF_REMOVE_PC, 1), BNDL_OK);
  assert_int_equal(bndl_item_text_vectors(ds, wv, cfg, v, NULL), BNDL_OK);
  for (int64_t i = 0; i < n_items; i++) {
    double s = 0;
    for (int32_t d = 0; d < dim; d++)
      s += (double)v[i * dim + d] * v[i * dim + d];
    assert_true(i == none || i == empty ? s == 0 : fabs(s - 1) < 1e-5);
  }
  free(v);
  bndl_dataset_free(ds);
  bndl_word_vectors_free(wv);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  corpus_free(&c);
  assert_int_equal(g_counter.live_blocks, 0);
}

static void test_cold_start(void **state) {
  (void)state;
  corpus c = synthetic(3000);
  bndl_context *ctx = test_context(&g_counter, 2);
  bndl_config *cfg = small_config(16, 10, 1);
  bndl_word_vectors *wv = train(ctx, &c, cfg);
  /* items 0..3 have interactions; "new" has a title only; "blank" has nothing */
  static const char *const names[] = {"fruit1", "fruit2", "car1", "car2", "new", "blank"};
  static const char *const titles[] = {"a ripe banana for breakfast", "sweet banana at the market",
                                       "old truck to work", "car parked in the garage",
                                       "fresh apple for the salad", ""};
  bndl_dataset *ds = catalogue(ctx, names, titles, 6, 4);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_K, 2), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_SIF_REMOVE_PC, 0), BNDL_OK);
  bndl_neighbors *nb = NULL;
  assert_int_equal(bndl_similarity_items_text(ds, wv, cfg, &nb), BNDL_OK);
  assert_int_equal(bndl_neighbors_rows(nb), 6);
  const int32_t *cols;
  const float *scores;
  int32_t n;
  assert_int_equal(bndl_neighbors_row(nb, item_index(ds, "new"), &cols, &scores, &n), BNDL_OK);
  assert_int_equal(n, 2);
  int64_t f1 = item_index(ds, "fruit1"), f2 = item_index(ds, "fruit2");
  assert_true((cols[0] == f1 && cols[1] == f2) || (cols[0] == f2 && cols[1] == f1));
  assert_true(scores[0] >= scores[1]);
  assert_int_equal(bndl_neighbors_row(nb, item_index(ds, "car1"), &cols, &scores, &n), BNDL_OK);
  assert_int_equal(n, 2);
  assert_int_equal(cols[0], item_index(ds, "car2"));
  /* no text: no neighbours, and nobody's neighbour */
  int64_t blank = item_index(ds, "blank");
  assert_int_equal(bndl_neighbors_row(nb, blank, &cols, &scores, &n), BNDL_OK);
  assert_int_equal(n, 0);
  for (int64_t r = 0; r < 6; r++) {
    assert_int_equal(bndl_neighbors_row(nb, r, &cols, &scores, &n), BNDL_OK);
    for (int64_t j = 0; j < n; j++)
      assert_true(cols[j] != blank && cols[j] != r);
  }
  bndl_neighbors_free(nb);
  bndl_dataset_free(ds);
  bndl_word_vectors_free(wv);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  corpus_free(&c);
  assert_int_equal(g_counter.live_blocks, 0);
}

/* ---- bad inputs */

static void test_bad_inputs(void **state) {
  (void)state;
  bndl_context *ctx = test_context(&g_counter, 1);
  bndl_config *cfg = small_config(8, 1, 1);
  bndl_word_vectors *wv = NULL;
  const char *texts[] = {"one two three", "two three four"};
  assert_int_equal(bndl_word_vectors_train(ctx, texts, NULL, 0, cfg, &wv), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_word_vectors_train");
  test_assert_error_contains("empty");
  assert_int_equal(bndl_word_vectors_train(ctx, NULL, NULL, 2, cfg, &wv), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_train(ctx, texts, NULL, -1, cfg, &wv), BNDL_ERR_INVALID_ARGUMENT);
  const char *with_null[] = {"fine", NULL};
  assert_int_equal(bndl_word_vectors_train(ctx, with_null, NULL, 2, cfg, &wv), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("texts[1] is NULL");
  const char *bad_utf8[] = {"fine text", "broken \xC3\x28 text"};
  assert_int_equal(bndl_word_vectors_train(ctx, bad_utf8, NULL, 2, cfg, &wv), BNDL_ERR_FORMAT);
  test_assert_error_contains("texts[1]");
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_DIM, 0), BNDL_OK);
  assert_int_equal(bndl_word_vectors_train(ctx, texts, NULL, 2, cfg, &wv), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("text.vector_dim is 0");
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_DIM, 8), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_MIN_COUNT, 3), BNDL_OK);
  assert_int_equal(bndl_word_vectors_train(ctx, texts, NULL, 2, cfg, &wv), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("no word occurs 3 times");
  const char *punct[] = {"!!! ...", "?"};
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_TEXT_VECTOR_MIN_COUNT, 1), BNDL_OK);
  assert_int_equal(bndl_word_vectors_train(ctx, punct, NULL, 2, cfg, &wv), BNDL_ERR_INVALID_ARGUMENT);
  assert_null(wv);
  assert_int_equal(bndl_word_vectors_train(NULL, texts, NULL, 2, cfg, &wv), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_train(ctx, texts, NULL, 2, (bndl_config *)ctx, &wv), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_train(ctx, texts, NULL, 2, cfg, NULL), BNDL_ERR_INVALID_ARGUMENT);

  /* a model, then its getters' checks */
  assert_int_equal(bndl_word_vectors_train(ctx, texts, NULL, 2, cfg, &wv), BNDL_OK);
  assert_int_equal(bndl_word_vectors_count(wv), 4);
  int64_t id, ids[2];
  float scores[2];
  int32_t found;
  const float *vec;
  const char *word;
  size_t len;
  assert_int_equal(bndl_word_vectors_find(wv, "five", 4, &id), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("'five' has no vector");
  assert_int_equal(bndl_word_vectors_find(wv, "two three", 9, &id), BNDL_ERR_NOT_FOUND);
  assert_int_equal(bndl_word_vectors_vector(wv, 4, &vec), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_vector(wv, -1, &vec), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_word(wv, 4, &word, &len, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_nearest(wv, 0, 0, ids, scores, &found), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_nearest(wv, 0, 2, NULL, scores, &found), BNDL_ERR_INVALID_ARGUMENT);
  /* more asked than there are other words */
  int64_t many[8];
  float many_s[8];
  assert_int_equal(bndl_word_vectors_nearest(wv, 0, 8, many, many_s, &found), BNDL_OK);
  assert_int_equal(found, 3);
  assert_int_equal(bndl_word_vectors_save(wv, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_word_vectors_save(wv, "/nonexistent/dir/v.bndlw"), BNDL_ERR_IO);

  /* datasets: unfinalized is STATE, a wrong handle INVALID_ARGUMENT */
  bndl_dataset *ds;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  float v[8];
  bndl_neighbors *nb;
  assert_int_equal(bndl_word_vectors_train_dataset(ds, cfg, &wv), BNDL_ERR_STATE);
  assert_int_equal(bndl_item_text_vectors(ds, NULL, cfg, v, NULL), BNDL_ERR_STATE);
  assert_int_equal(bndl_similarity_items_text(ds, NULL, cfg, &nb), BNDL_ERR_STATE);
  assert_int_equal(bndl_similarity_items_text((bndl_dataset *)cfg, NULL, cfg, &nb), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  assert_int_equal(bndl_item_text_vectors(ds, (bndl_word_vectors *)cfg, cfg, v, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_item_text_vectors(ds, wv, cfg, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  /* a dataset with no text at all has nothing to train on */
  assert_int_equal(bndl_similarity_items_text(ds, NULL, cfg, &nb), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_similarity_items_text");
  bndl_dataset_free(ds);

  /* a freed handle is caught; free(NULL) is a no-op */
  bndl_word_vectors *stale = wv;
  bndl_word_vectors_free(wv);
  bndl_word_vectors_free(NULL);
  (void)stale;
  assert_int_equal(bndl_word_vectors_count(NULL), 0);
  assert_int_equal(bndl_word_vectors_dim(NULL), 0);
  assert_int_equal(bndl_word_vectors_find(NULL, "x", 1, &id), BNDL_ERR_INVALID_ARGUMENT);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  assert_int_equal(g_counter.live_blocks, 0);
}

/* ---- allocation failures (R6) */

static void test_oom_loops(void **state) {
  (void)state;
  corpus c = synthetic(300);
  bndl_config *cfg = small_config(8, 1, 1);
  char *path = NULL;
  for (int64_t fail_at = 1;; fail_at++) {
    test_alloc ta;
    test_alloc_reset(&ta, 0, 0);
    bndl_context *ctx = test_context(&ta, 2);
    ta.fail_at = ta.n_allocs + fail_at;
    bndl_word_vectors *wv = NULL;
    bndl_status st = bndl_word_vectors_train(ctx, (const char *const *)c.text, NULL, c.n, cfg, &wv);
    ta.fail_at = 0;
    if (st == BNDL_OK) {
      path = test_write_tmp(".bndlw", "", 0);
      assert_int_equal(bndl_word_vectors_save(wv, path), BNDL_OK);
      bndl_word_vectors_free(wv);
      bndl_context_free(ctx);
      assert_int_equal(ta.live_blocks, 0);
      break;
    }
    assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
    test_assert_error_contains("bndl_word_vectors_train");
    bndl_context_free(ctx);
    assert_int_equal(ta.live_blocks, 0);
    assert_true(fail_at < 100000);
  }
  for (int64_t fail_at = 1;; fail_at++) {
    test_alloc ta;
    test_alloc_reset(&ta, 0, 0);
    bndl_context *ctx = test_context(&ta, 1);
    ta.fail_at = ta.n_allocs + fail_at;
    bndl_word_vectors *wv = NULL;
    bndl_status st = bndl_word_vectors_load(ctx, path, &wv);
    ta.fail_at = 0;
    bndl_word_vectors_free(wv);
    bndl_context_free(ctx);
    assert_int_equal(ta.live_blocks, 0);
    if (st == BNDL_OK)
      break;
    assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
    assert_true(fail_at < 100000);
  }
  bndl_config_free(cfg);
  corpus_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_shared_contexts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_determinism, setup, teardown),
      cmocka_unit_test_setup_teardown(test_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_item_vectors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cold_start, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oom_loops, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
