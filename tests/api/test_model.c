/*
 * test_model.c - the sequence-encoder model (bndl_model_*) through bundle.h and
 * libbundle.so only.
 *
 * The data is generated here: 40 users with 3 to 14 events each over 23 items with
 * string ids ("sku-<n>"), views, carts and purchases in time order. Models are small
 * (dim 16, max_len 6, so longer histories are cut) and untrained: their parameters are
 * seeded draws, which is all inference needs to be checked against its own definition.
 * What is checked:
 *  - properties: kind, dim, item count, the parameter count against the architecture's
 *    formula for both kinds with and without side inputs; item ids round trip and match
 *    the dataset's; the model outlives its dataset and context; retain/free counting;
 *  - encode: deterministic; only the max_len most recent items matter; types NULL equals
 *    all purchases; a model without event types ignores them; encode_batch equals
 *    repeated encode (bit-identical on ref, 1e-5 on the other backends), also across
 *    its internal blocks (600 histories);
 *  - recommend: the scores are the dot products of the user state with the item table
 *    (recomputed here in double), the order is by score then index, exclusions (the list
 *    and the history) are honoured, k above what remains returns what remains;
 *  - files: save / save_buffer give the same bytes, load and load_buffer give a model
 *    whose encodings and recommendations are bit-identical and whose re-save is the same
 *    bytes; every single-byte change and every truncation of the file is refused with a
 *    status (never a crash); another major version is BNDL_ERR_VERSION, a newer minor
 *    loads (header re-sealed here with its CRC);
 *  - every bad argument with its message; out-of-memory at every allocation of create,
 *    save, load, encode and recommend fails cleanly without leaks.
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
#include "test_support.h"

enum { N_USERS = 40, N_GEN_ITEMS = 23, MAX_LEN = 6, DIM = 16 };

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static bndl_dataset *make_dataset(bndl_context *ctx) {
  enum { CAP = N_USERS * 16 };
  static int64_t users[CAP], ts[CAP];
  static int32_t types[CAP];
  static char names[CAP][16];
  static const char *item_names[CAP];
  uint64_t s = 0x9E3779B97F4A7C15ull;
  int64_t n = 0, t = 1000;
  for (int u = 0; u < N_USERS; u++) {
    int len = 3 + (int)(rng_next(&s) % 12);
    for (int e = 0; e < len; e++) {
      users[n] = 100 + u;
      snprintf(names[n], sizeof names[n], "sku-%d", (int)(rng_next(&s) % N_GEN_ITEMS));
      item_names[n] = names[n];
      int r = (int)(rng_next(&s) % 3);
      types[n] = r == 0 ? BNDL_EVENT_VIEW : r == 1 ? BNDL_EVENT_CART : BNDL_EVENT_PURCHASE;
      ts[n++] = t++;
    }
  }
  bndl_dataset *ds = NULL;
  test_expect_ok(bndl_dataset_create(ctx, &ds));
  bndl_config *cfg = NULL;
  test_expect_ok(bndl_config_create(&cfg));
  test_expect_ok(bndl_config_set_float(cfg, BNDL_KEY_CLEAN_ANOMALY_Z, 0));
  test_expect_ok(bndl_dataset_configure(ds, cfg));
  bndl_config_free(cfg);
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = n;
  c.user_ids = users;
  c.item_names = item_names;
  c.event_types = types;
  c.timestamps = ts;
  test_expect_ok(bndl_dataset_add_events(ds, &c));
  test_expect_ok(bndl_dataset_finalize(ds));
  return ds;
}

typedef struct arch {
  const char *kind;
  int64_t dim, layers, heads, hidden, max_len;
  int event_types, item_features;
} arch;

static const arch ARCHS[] = {
    {"transformer", DIM, 2, 2, 24, MAX_LEN, 1, 1},
    {"transformer", DIM, 1, 1, 0, MAX_LEN, 0, 0},
    {"lstm", DIM, 2, 1, 20, MAX_LEN, 1, 1},
    {"lstm", DIM, 1, 1, 0, MAX_LEN, 0, 0},
};
enum { N_ARCHS = sizeof ARCHS / sizeof ARCHS[0] };

static bndl_config *arch_config(const arch *a) {
  bndl_config *cfg = NULL;
  test_expect_ok(bndl_config_create(&cfg));
  test_expect_ok(bndl_config_set_string(cfg, BNDL_KEY_MODEL_KIND, a->kind));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_DIM, a->dim));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_LAYERS, a->layers));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_HEADS, a->heads));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_HIDDEN, a->hidden));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_MAX_LEN, a->max_len));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_EVENT_TYPES, a->event_types));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_ITEM_FEATURES, a->item_features));
  return cfg;
}

static bndl_model *make_model(const bndl_dataset *ds, const arch *a) {
  bndl_config *cfg = arch_config(a);
  bndl_model *m = NULL;
  test_expect_ok(bndl_model_create(ds, cfg, &m));
  bndl_config_free(cfg);
  return m;
}

/* The architecture's trainable scalars, as nn.Module would count them. */
static int64_t expected_params(const arch *a, int64_t n_items, int64_t n_features) {
  int64_t d = a->dim, h = a->hidden > 0 ? a->hidden : d;
  int64_t n = n_items * d + (a->event_types ? 6 * d : 0) + (a->item_features ? n_features * d : 0);
  if (strcmp(a->kind, "transformer") == 0) {
    n += a->max_len * d;
    int64_t block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (d * h + h) + (h * d + d);
    return n + a->layers * block + 2 * d;
  }
  for (int64_t l = 0; l < a->layers; l++)
    n += 4 * h * (l == 0 ? d : h) + 4 * h * h + 8 * h;
  return n + (h != d ? h * d + d : 0);
}

/* A history of n items from a seed. */
static void history(uint64_t seed, int64_t n_items, int64_t n, int32_t *items, int32_t *types) {
  uint64_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < n; i++) {
    items[i] = (int32_t)(rng_next(&s) % (uint64_t)n_items);
    if (types)
      types[i] = 1 + (int32_t)(rng_next(&s) % 6);
  }
}

/* ---- properties */

static void test_properties(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = make_dataset(ctx);
  int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  assert_true(n_items > 15 && n_items <= N_GEN_ITEMS);
  const float *feat;
  int64_t feat_rows;
  int32_t feat_cols;
  test_expect_ok(bndl_dataset_features(ds, BNDL_ENTITY_ITEM, &feat, &feat_rows, &feat_cols));
  for (int i = 0; i < N_ARCHS; i++) {
    bndl_model *m = make_model(ds, &ARCHS[i]);
    assert_string_equal(bndl_model_kind(m), ARCHS[i].kind);
    assert_int_equal(bndl_model_embedding_dim(m), DIM);
    assert_int_equal(bndl_model_num_items(m), n_items);
    assert_int_equal(bndl_model_num_params(m), expected_params(&ARCHS[i], n_items, feat_cols));
    const float *emb;
    int64_t rows, cols;
    test_expect_ok(bndl_model_item_embeddings(m, &emb, &rows, &cols));
    assert_int_equal(rows, n_items);
    assert_int_equal(cols, DIM);
    for (int64_t j = 0; j < rows * cols; j++)
      assert_true(isfinite(emb[j]));
    /* ids: the dataset's, both ways */
    for (int32_t j = 0; j < n_items; j++) {
      const char *id, *ds_id;
      size_t len;
      test_expect_ok(bndl_model_item_id(m, j, &id, &len));
      test_expect_ok(bndl_dataset_external_id(ds, BNDL_ENTITY_ITEM, j, &ds_id));
      assert_string_equal(id, ds_id);
      assert_int_equal(len, strlen(ds_id));
      int32_t back = -1;
      test_expect_ok(bndl_model_item_index(m, id, len, &back));
      assert_int_equal(back, j);
    }
    int32_t idx = 7;
    test_expect_error(bndl_model_item_index(m, "sku-999", 7, &idx), BNDL_ERR_NOT_FOUND, "sku-999");
    assert_int_equal(idx, 7);
    /* a prefix of a known id is not that id */
    test_expect_error(bndl_model_item_index(m, "sku-1", 4, &idx), BNDL_ERR_NOT_FOUND, "'sku-'");
    bndl_model_free(m);
  }
  /* the same seed and config give the same parameters; another seed others */
  bndl_model *a = make_model(ds, &ARCHS[0]), *b = make_model(ds, &ARCHS[0]);
  const float *ea, *eb;
  int64_t r, c;
  test_expect_ok(bndl_model_item_embeddings(a, &ea, &r, &c));
  test_expect_ok(bndl_model_item_embeddings(b, &eb, &r, &c));
  assert_memory_equal(ea, eb, (size_t)(r * c) * sizeof(float));
  bndl_model_free(b);
  test_expect_ok(bndl_context_set_seed(ctx, 43));
  b = make_model(ds, &ARCHS[0]);
  test_expect_ok(bndl_model_item_embeddings(b, &eb, &r, &c));
  assert_true(memcmp(ea, eb, (size_t)(r * c) * sizeof(float)) != 0);
  bndl_model_free(b);

  /* lifetimes: the model keeps the context, not the dataset; retain adds a reference */
  int32_t items[3] = {0, 1, 2};
  float before[DIM], after[DIM];
  test_expect_ok(bndl_model_encode(a, items, NULL, 3, before, DIM));
  test_expect_ok(bndl_model_retain(a));
  bndl_model_free(a); /* the retained reference keeps it */
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  test_expect_ok(bndl_model_encode(a, items, NULL, 3, after, DIM));
  assert_memory_equal(before, after, sizeof before);
  bndl_model_free(a);
}

/* ---- encode */

static void test_encode(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = make_dataset(ctx);
  int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  for (int ai = 0; ai < N_ARCHS; ai++) {
    bndl_model *m = make_model(ds, &ARCHS[ai]);
    int32_t items[20], types[20], purchases[20];
    history(ai + 1, n_items, 20, items, types);
    for (int i = 0; i < 20; i++)
      purchases[i] = BNDL_EVENT_PURCHASE;
    float e1[DIM], e2[DIM], e3[DIM];
    for (int64_t n = 1; n <= 20; n++) {
      test_expect_ok(bndl_model_encode(m, items, types, n, e1, DIM));
      for (int j = 0; j < DIM; j++)
        assert_true(isfinite(e1[j]));
      /* deterministic */
      test_expect_ok(bndl_model_encode(m, items, types, n, e2, DIM));
      assert_memory_equal(e1, e2, sizeof e1);
      /* only the last max_len items are read */
      if (n > MAX_LEN) {
        test_expect_ok(bndl_model_encode(m, items + n - MAX_LEN, types + n - MAX_LEN, MAX_LEN, e2, DIM));
        assert_memory_equal(e1, e2, sizeof e1);
      }
      /* types NULL = purchases; a model without types ignores them */
      test_expect_ok(bndl_model_encode(m, items, NULL, n, e2, DIM));
      test_expect_ok(bndl_model_encode(m, items, purchases, n, e3, DIM));
      assert_memory_equal(e2, e3, sizeof e2);
      if (!ARCHS[ai].event_types)
        assert_memory_equal(e1, e2, sizeof e1);
    }
    /* with types, they matter; the most recent item always matters */
    if (ARCHS[ai].event_types) {
      test_expect_ok(bndl_model_encode(m, items, types, 5, e1, DIM));
      test_expect_ok(bndl_model_encode(m, items, purchases, 5, e2, DIM));
      assert_true(memcmp(e1, e2, sizeof e1) != 0);
    }
    int32_t other[5];
    memcpy(other, items, sizeof other);
    other[4] = (items[4] + 1) % (int32_t)n_items;
    test_expect_ok(bndl_model_encode(m, items, NULL, 5, e1, DIM));
    test_expect_ok(bndl_model_encode(m, other, NULL, 5, e2, DIM));
    assert_true(memcmp(e1, e2, sizeof e1) != 0);
    bndl_model_free(m);
  }
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* encode_batch against one encode per history, on every built backend. */
static void test_encode_batch(void **state) {
  (void)state;
  enum { N_SEQ = 600 };
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = make_dataset(ctx);
  int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  int64_t *off = malloc(sizeof(int64_t) * (N_SEQ + 1));
  int32_t *items = malloc(sizeof(int32_t) * N_SEQ * 12), *types = malloc(sizeof(int32_t) * N_SEQ * 12);
  float *batch = malloc(sizeof(float) * N_SEQ * DIM);
  off[0] = 3; /* the histories need not start at 0 */
  history(99, n_items, 3, items, types);
  for (int s = 0; s < N_SEQ; s++) {
    int64_t len = 1 + (s * 7) % 11;
    history((uint64_t)s + 1000, n_items, len, items + off[s], types + off[s]);
    off[s + 1] = off[s] + len;
  }
  for (int32_t bi = 0; bndl_backend_name(bi) != NULL; bi++) {
    const char *be = bndl_backend_name(bi);
    if (!bndl_backend_available(be))
      continue;
    test_expect_ok(bndl_context_set_backend(ctx, be));
    for (int ai = 0; ai < N_ARCHS; ai++) {
      bndl_model *m = make_model(ds, &ARCHS[ai]);
      test_expect_ok(bndl_model_encode_batch(m, N_SEQ, off, items, types, batch, N_SEQ * DIM));
      double worst = 0;
      for (int s = 0; s < N_SEQ; s++) {
        float one[DIM];
        test_expect_ok(bndl_model_encode(m, items + off[s], types + off[s], off[s + 1] - off[s], one, DIM));
        for (int j = 0; j < DIM; j++) {
          double err = fabs((double)one[j] - batch[s * DIM + j]) / (1.0 + fabs(one[j]));
          worst = err > worst ? err : worst;
        }
      }
      print_message("%s %s: encode_batch vs encode, worst relative difference %.3g\n", be, ARCHS[ai].kind, worst);
      if (strcmp(be, "ref") == 0)
        assert_true(worst == 0);
      else
        assert_true(worst <= 1e-5);
      /* n_seq 0 is a no-op */
      test_expect_ok(bndl_model_encode_batch(m, 0, NULL, NULL, NULL, NULL, 0));
      bndl_model_free(m);
    }
  }
  free(off);
  free(items);
  free(types);
  free(batch);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- recommend */

typedef struct scored {
  double score;
  int32_t item;
} scored;

static int by_score(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->item - y->item;
}

static void test_recommend(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = make_dataset(ctx);
  int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  for (int ai = 0; ai < N_ARCHS; ai++) {
    bndl_model *m = make_model(ds, &ARCHS[ai]);
    const float *E;
    int64_t rows, cols;
    test_expect_ok(bndl_model_item_embeddings(m, &E, &rows, &cols));
    for (int trial = 0; trial < 12; trial++) {
      int32_t items[8], types[8], exclude[3];
      int64_t n = 1 + trial % 8;
      history(trial + 77, n_items, n, items, types);
      history(trial + 500, n_items, 3, exclude, NULL);
      int64_t n_exclude = trial % 4;
      int exclude_history = trial % 2;
      float u[DIM];
      test_expect_ok(bndl_model_encode(m, items, types, n, u, DIM));
      /* the reference ranking, in double, without the excluded items */
      scored ref[64];
      int64_t n_ref = 0;
      for (int32_t j = 0; j < n_items; j++) {
        int skip = 0;
        for (int64_t i = 0; i < n_exclude; i++)
          skip |= exclude[i] == j;
        for (int64_t i = 0; exclude_history && i < n; i++)
          skip |= items[i] == j;
        if (skip)
          continue;
        double s = 0;
        for (int64_t d = 0; d < DIM; d++)
          s += (double)E[j * DIM + d] * u[d];
        ref[n_ref++] = (scored){s, j};
      }
      qsort(ref, (size_t)n_ref, sizeof ref[0], by_score);
      for (int64_t k = 1; k <= n_items + 3; k += (k < 12 ? 1 : 5)) {
        int32_t out[64];
        float sc[64];
        int64_t got = -1;
        test_expect_ok(bndl_model_recommend(m, items, types, n, exclude, n_exclude, exclude_history, k, out, sc, &got));
        assert_int_equal(got, k < n_ref ? k : n_ref);
        for (int64_t r = 0; r < got; r++) {
          /* the score is the item's dot product, and the order is by score, then index */
          double s = 0;
          for (int64_t d = 0; d < DIM; d++)
            s += (double)E[out[r] * DIM + d] * u[d];
          assert_true(fabs(s - sc[r]) <= 1e-5 * (1 + fabs(s)));
          if (r > 0)
            assert_true(sc[r - 1] > sc[r] || (sc[r - 1] == sc[r] && out[r - 1] < out[r]));
          /* the same items as the reference, up to rounding-level ties */
          assert_true(fabs(ref[r].score - sc[r]) <= 1e-5 * (1 + fabs(s)));
        }
        for (int64_t r = 0; r < got; r++) {
          for (int64_t i = 0; i < n_exclude; i++)
            assert_int_not_equal(out[r], exclude[i]);
          for (int64_t i = 0; exclude_history && i < n; i++)
            assert_int_not_equal(out[r], items[i]);
        }
        /* out_scores may be NULL */
        int32_t out2[64];
        int64_t got2 = -1;
        test_expect_ok(
            bndl_model_recommend(m, items, types, n, exclude, n_exclude, exclude_history, k, out2, NULL, &got2));
        assert_int_equal(got2, got);
        assert_memory_equal(out, out2, (size_t)got * sizeof(int32_t));
      }
    }
    /* excluding everything leaves nothing */
    int32_t all[64], out[4];
    for (int32_t j = 0; j < n_items; j++)
      all[j] = j;
    int64_t got = -1;
    test_expect_ok(bndl_model_recommend(m, all, NULL, 2, all, n_items, 0, 4, out, NULL, &got));
    assert_int_equal(got, 0);
    bndl_model_free(m);
  }
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- files */

static void compare_models(const bndl_model *a, const bndl_model *b, int64_t n_items) {
  assert_string_equal(bndl_model_kind(a), bndl_model_kind(b));
  assert_int_equal(bndl_model_num_params(a), bndl_model_num_params(b));
  assert_int_equal(bndl_model_num_items(a), bndl_model_num_items(b));
  for (int32_t j = 0; j < n_items; j++) {
    const char *ia, *ib;
    test_expect_ok(bndl_model_item_id(a, j, &ia, NULL));
    test_expect_ok(bndl_model_item_id(b, j, &ib, NULL));
    assert_string_equal(ia, ib);
  }
  for (int trial = 0; trial < 6; trial++) {
    int32_t items[9], types[9], oa[10], ob[10];
    float ea[DIM], eb[DIM], sa[10], sb[10];
    int64_t na, nb;
    history(trial + 3, n_items, 9, items, types);
    test_expect_ok(bndl_model_encode(a, items, types, 1 + trial, ea, DIM));
    test_expect_ok(bndl_model_encode(b, items, types, 1 + trial, eb, DIM));
    assert_memory_equal(ea, eb, sizeof ea);
    test_expect_ok(bndl_model_recommend(a, items, types, 9, NULL, 0, 1, 10, oa, sa, &na));
    test_expect_ok(bndl_model_recommend(b, items, types, 9, NULL, 0, 1, 10, ob, sb, &nb));
    assert_int_equal(na, nb);
    assert_memory_equal(oa, ob, (size_t)na * sizeof(int32_t));
    assert_memory_equal(sa, sb, (size_t)na * sizeof(float));
  }
}

static unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)n);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void test_save_load(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = make_dataset(ctx);
  int64_t n_items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  for (int ai = 0; ai < N_ARCHS; ai++) {
    bndl_model *m = make_model(ds, &ARCHS[ai]);
    bndl_buffer *buf = NULL;
    test_expect_ok(bndl_model_save_buffer(m, &buf));
    char *path = test_write_tmp(".bndlseq", "", 0);
    test_expect_ok(bndl_model_save(m, path));
    size_t flen;
    unsigned char *file = read_all(path, &flen);
    assert_int_equal(flen, bndl_buffer_size(buf));
    assert_memory_equal(file, bndl_buffer_data(buf), flen);
    bndl_model *from_file = NULL, *from_buf = NULL;
    test_expect_ok(bndl_model_load(ctx, path, &from_file));
    /* an unaligned copy of the bytes loads too */
    unsigned char *shifted = malloc(flen + 1);
    memcpy(shifted + 1, bndl_buffer_data(buf), flen);
    test_expect_ok(bndl_model_load_buffer(ctx, shifted + 1, flen, &from_buf));
    compare_models(m, from_file, n_items);
    compare_models(m, from_buf, n_items);
    /* a loaded model saves to the same bytes */
    bndl_buffer *again = NULL;
    test_expect_ok(bndl_model_save_buffer(from_buf, &again));
    assert_int_equal(bndl_buffer_size(again), flen);
    assert_memory_equal(bndl_buffer_data(again), file, flen);
    bndl_buffer_free(again);
    bndl_model_free(from_file);
    bndl_model_free(from_buf);
    free(shifted);
    free(file);
    bndl_buffer_free(buf);
    bndl_model_free(m);
  }
  bndl_model *m = NULL;
  test_expect_error(bndl_model_load(ctx, "/nonexistent/dir/model.bin", &m), BNDL_ERR_IO, "/nonexistent/dir/model.bin");
  assert_null(m);
  test_expect_error(bndl_model_load_buffer(ctx, "BNDLSEQ", 7, &m), BNDL_ERR_FORMAT, "<buffer>");
  test_tmp_cleanup();
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static uint32_t crc32_bitwise(const unsigned char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

/* Sets the header's version and re-seals its CRC (bytes 60..63 cover bytes 0..59). */
static void set_version(unsigned char *b, uint16_t major, uint16_t minor) {
  memcpy(b + 8, &major, 2);
  memcpy(b + 10, &minor, 2);
  uint32_t crc = crc32_bitwise(b, 60);
  memcpy(b + 60, &crc, 4);
}

static void test_damaged_files(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_dataset *ds = make_dataset(ctx);
  bndl_model *m = make_model(ds, &ARCHS[0]);
  bndl_buffer *buf = NULL;
  test_expect_ok(bndl_model_save_buffer(m, &buf));
  size_t len = bndl_buffer_size(buf);
  unsigned char *b = malloc(len);
  memcpy(b, bndl_buffer_data(buf), len);

  /* every truncation */
  int64_t checked = 0;
  for (size_t cut = 0; cut < len; cut += (cut < 4096 ? 1 : 13)) {
    bndl_model *bad = NULL;
    bndl_status st = bndl_model_load_buffer(ctx, b, cut, &bad);
    if (st != BNDL_ERR_FORMAT)
      fail_msg("truncated at %zu: status %d (%s)", cut, (int)st, st ? bndl_last_error_message() : "loaded");
    assert_null(bad);
    checked++;
  }
  /* every byte changed (every 3rd past the first 4 KiB): refused, never loaded */
  for (size_t at = 0; at < len; at += (at < 4096 ? 1 : 3)) {
    unsigned char keep = b[at];
    b[at] ^= (unsigned char)(1u << (at % 8));
    bndl_model *bad = NULL;
    bndl_status st = bndl_model_load_buffer(ctx, b, len, &bad);
    if (st != BNDL_ERR_FORMAT && st != BNDL_ERR_VERSION && st != BNDL_ERR_UNSUPPORTED)
      fail_msg("byte %zu changed: status %d (%s)", at, (int)st, st ? bndl_last_error_message() : "loaded");
    assert_null(bad);
    b[at] = keep;
    checked++;
  }
  print_message("%lld damaged copies of a %zu-byte model file refused\n", (long long)checked, len);

  /* versions: another major is VERSION naming both; a newer minor loads */
  set_version(b, 2, 0);
  bndl_model *other = NULL;
  test_expect_error(bndl_model_load_buffer(ctx, b, len, &other), BNDL_ERR_VERSION, "format 2.0");
  assert_true(strstr(bndl_last_error_message(), "1.x") != NULL);
  set_version(b, 1, 7);
  test_expect_ok(bndl_model_load_buffer(ctx, b, len, &other));
  compare_models(m, other, bndl_model_num_items(m));
  bndl_model_free(other);
  set_version(b, 1, 0);
  assert_memory_equal(b, bndl_buffer_data(buf), len);

  free(b);
  bndl_buffer_free(buf);
  bndl_model_free(m);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- arguments */

static void test_bad_arguments(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_dataset *ds = make_dataset(ctx);
  bndl_model *m = make_model(ds, &ARCHS[0]);
  int64_t n_items = bndl_model_num_items(m);
  bndl_config *cfg = NULL;
  test_expect_ok(bndl_config_create(&cfg));
  bndl_model *out = NULL;

  /* create */
  test_expect_error(bndl_model_create(NULL, NULL, &out), BNDL_ERR_INVALID_ARGUMENT, "bndl_model_create: ds is NULL");
  test_expect_error(bndl_model_create((const bndl_dataset *)cfg, NULL, &out), BNDL_ERR_INVALID_ARGUMENT,
               "not a live bndl_dataset");
  test_expect_error(bndl_model_create(ds, (const bndl_config *)ds, &out), BNDL_ERR_INVALID_ARGUMENT,
               "not a live bndl_config");
  test_expect_error(bndl_model_create(ds, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT, "out is NULL");
  bndl_dataset *open = NULL;
  test_expect_ok(bndl_dataset_create(ctx, &open));
  test_expect_error(bndl_model_create(open, NULL, &out), BNDL_ERR_STATE, "not finalized");
  bndl_dataset_free(open);
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_DIM, 10));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_HEADS, 4));
  test_expect_error(bndl_model_create(ds, cfg, &out), BNDL_ERR_INVALID_ARGUMENT, "heads");
  assert_null(out);

  /* handles */
  const bndl_model *wrong = (const bndl_model *)cfg;
  float e[DIM];
  int32_t items[4] = {0, 1, 2, 3}, o[4];
  int64_t got;
  test_expect_error(bndl_model_encode(wrong, items, NULL, 4, e, DIM), BNDL_ERR_INVALID_ARGUMENT,
               "bndl_model_encode: model is not a live bndl_model handle");
  test_expect_error(bndl_model_encode(NULL, items, NULL, 4, e, DIM), BNDL_ERR_INVALID_ARGUMENT, "model is NULL");
  assert_null(bndl_model_kind(wrong));
  assert_int_equal(bndl_model_embedding_dim(NULL), 0);
  assert_int_equal(bndl_model_num_params(wrong), 0);
  assert_int_equal(bndl_model_num_items(wrong), 0);
  test_expect_error(bndl_model_retain((bndl_model *)wrong), BNDL_ERR_INVALID_ARGUMENT, "bndl_model_retain");
  bndl_model_free(NULL);
  bndl_model_free((bndl_model *)wrong); /* ignored: not a model */
  test_expect_error(bndl_model_save(wrong, "x"), BNDL_ERR_INVALID_ARGUMENT, "bndl_model_save");
  test_expect_error(bndl_model_save(m, NULL), BNDL_ERR_INVALID_ARGUMENT, "path is NULL");
  test_expect_error(bndl_model_save_buffer(m, NULL), BNDL_ERR_INVALID_ARGUMENT, "out is NULL");
  test_expect_error(bndl_model_load(NULL, "x", &out), BNDL_ERR_INVALID_ARGUMENT, "ctx is NULL");
  test_expect_error(bndl_model_load(ctx, NULL, &out), BNDL_ERR_INVALID_ARGUMENT, "path is NULL");
  test_expect_error(bndl_model_load_buffer(ctx, NULL, 4, &out), BNDL_ERR_INVALID_ARGUMENT, "data is NULL");
  test_expect_error(bndl_model_load_buffer(ctx, "x", 1, NULL), BNDL_ERR_INVALID_ARGUMENT, "out is NULL");

  /* encode */
  test_expect_error(bndl_model_encode(m, NULL, NULL, 4, e, DIM), BNDL_ERR_INVALID_ARGUMENT, "items is NULL");
  test_expect_error(bndl_model_encode(m, items, NULL, 4, NULL, DIM), BNDL_ERR_INVALID_ARGUMENT, "out is NULL");
  test_expect_error(bndl_model_encode(m, items, NULL, 0, e, DIM), BNDL_ERR_INVALID_ARGUMENT, "history is empty");
  test_expect_error(bndl_model_encode(m, items, NULL, 4, e, DIM - 1), BNDL_ERR_INVALID_ARGUMENT, "out_cap is 15");
  int32_t bad_items[4] = {0, 1, (int32_t)n_items, 3};
  char want[128];
  snprintf(want, sizeof want, "items[2] is %lld, outside the model's %lld items", (long long)n_items,
           (long long)n_items);
  test_expect_error(bndl_model_encode(m, bad_items, NULL, 4, e, DIM), BNDL_ERR_INVALID_ARGUMENT, want);
  bad_items[2] = -1;
  test_expect_error(bndl_model_encode(m, bad_items, NULL, 4, e, DIM), BNDL_ERR_INVALID_ARGUMENT, "items[2] is -1");
  int32_t bad_types[4] = {1, 2, 3, 7};
  test_expect_error(bndl_model_encode(m, items, bad_types, 4, e, DIM), BNDL_ERR_INVALID_ARGUMENT,
               "types[3] is 7, not a bndl_event_type");

  /* encode_batch */
  int64_t off[3] = {0, 2, 2};
  float eb[3 * DIM];
  test_expect_error(bndl_model_encode_batch(m, -1, off, items, NULL, eb, 3 * DIM), BNDL_ERR_INVALID_ARGUMENT,
               "n_seq is -1");
  test_expect_error(bndl_model_encode_batch(m, 2, NULL, items, NULL, eb, 3 * DIM), BNDL_ERR_INVALID_ARGUMENT,
               "offsets is NULL");
  test_expect_error(bndl_model_encode_batch(m, 2, off, items, NULL, eb, 3 * DIM), BNDL_ERR_INVALID_ARGUMENT,
               "history 1 is empty");
  off[2] = 4;
  test_expect_error(bndl_model_encode_batch(m, 2, off, items, NULL, eb, 2 * DIM - 1), BNDL_ERR_INVALID_ARGUMENT,
               "out_cap is 31");
  int64_t neg[2] = {-1, 2};
  test_expect_error(bndl_model_encode_batch(m, 1, neg, items, NULL, eb, DIM), BNDL_ERR_INVALID_ARGUMENT,
               "offsets[0] is -1");
  test_expect_error(bndl_model_encode_batch(m, 2, off, bad_items, NULL, eb, 2 * DIM), BNDL_ERR_INVALID_ARGUMENT,
               "items[2] is -1");
  test_expect_ok(bndl_model_encode_batch(m, 2, off, items, NULL, eb, 2 * DIM));

  /* recommend */
  int32_t excl[2] = {0, (int32_t)n_items + 5};
  test_expect_error(bndl_model_recommend(m, items, NULL, 4, NULL, 0, 1, 0, o, NULL, &got), BNDL_ERR_INVALID_ARGUMENT,
               "k is 0");
  test_expect_error(bndl_model_recommend(m, items, NULL, 4, NULL, 0, 1, -3, o, NULL, &got), BNDL_ERR_INVALID_ARGUMENT,
               "k is -3");
  test_expect_error(bndl_model_recommend(m, items, NULL, 0, NULL, 0, 1, 4, o, NULL, &got), BNDL_ERR_INVALID_ARGUMENT,
               "history is empty");
  test_expect_error(bndl_model_recommend(m, items, NULL, 4, NULL, 2, 1, 4, o, NULL, &got), BNDL_ERR_INVALID_ARGUMENT,
               "exclude is NULL");
  test_expect_error(bndl_model_recommend(m, items, NULL, 4, excl, -1, 1, 4, o, NULL, &got), BNDL_ERR_INVALID_ARGUMENT,
               "n_exclude is -1");
  snprintf(want, sizeof want, "exclude[1] is %lld", (long long)n_items + 5);
  test_expect_error(bndl_model_recommend(m, items, NULL, 4, excl, 2, 1, 4, o, NULL, &got), BNDL_ERR_INVALID_ARGUMENT,
               want);
  test_expect_error(bndl_model_recommend(m, items, NULL, 4, NULL, 0, 1, 4, NULL, NULL, &got), BNDL_ERR_INVALID_ARGUMENT,
               "out_items is NULL");
  test_expect_error(bndl_model_recommend(m, items, NULL, 4, NULL, 0, 1, 4, o, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT,
               "n_out is NULL");
  test_expect_error(bndl_model_recommend(m, bad_items, NULL, 4, NULL, 0, 1, 4, o, NULL, &got),
               BNDL_ERR_INVALID_ARGUMENT, "bndl_model_recommend: items[2] is -1");

  /* views and ids */
  const float *data;
  int64_t rows, cols;
  test_expect_error(bndl_model_item_embeddings(m, NULL, &rows, &cols), BNDL_ERR_INVALID_ARGUMENT, "data is NULL");
  test_expect_error(bndl_model_item_embeddings(m, &data, NULL, &cols), BNDL_ERR_INVALID_ARGUMENT, "rows is NULL");
  const char *id;
  int32_t idx;
  test_expect_error(bndl_model_item_id(m, -1, &id, NULL), BNDL_ERR_INVALID_ARGUMENT, "index is -1");
  test_expect_error(bndl_model_item_id(m, (int32_t)n_items, &id, NULL), BNDL_ERR_INVALID_ARGUMENT, "outside");
  test_expect_error(bndl_model_item_id(m, 0, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT, "id is NULL");
  test_expect_error(bndl_model_item_index(m, NULL, 3, &idx), BNDL_ERR_INVALID_ARGUMENT, "id is NULL");
  test_expect_error(bndl_model_item_index(m, "sku-1", 5, NULL), BNDL_ERR_INVALID_ARGUMENT, "index is NULL");

  /* a freed model is caught while its memory is not reused */
  bndl_config_free(cfg);
  bndl_model_free(m);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- out of memory */

typedef bndl_status (*oom_step)(bndl_context *ctx, const bndl_dataset *ds, const bndl_model *m,
                                const bndl_buffer *buf);

static bndl_status step_create(bndl_context *ctx, const bndl_dataset *ds, const bndl_model *m,
                               const bndl_buffer *buf) {
  (void)ctx, (void)m, (void)buf;
  bndl_config *cfg = arch_config(&ARCHS[0]);
  bndl_model *out = NULL;
  bndl_status st = bndl_model_create(ds, cfg, &out);
  bndl_config_free(cfg);
  bndl_model_free(out);
  return st;
}

static bndl_status step_save(bndl_context *ctx, const bndl_dataset *ds, const bndl_model *m,
                             const bndl_buffer *buf) {
  (void)ctx, (void)ds, (void)buf;
  bndl_buffer *out = NULL;
  bndl_status st = bndl_model_save_buffer(m, &out);
  bndl_buffer_free(out);
  return st;
}

static bndl_status step_load(bndl_context *ctx, const bndl_dataset *ds, const bndl_model *m,
                             const bndl_buffer *buf) {
  (void)ds, (void)m;
  bndl_model *out = NULL;
  bndl_status st = bndl_model_load_buffer(ctx, bndl_buffer_data(buf), bndl_buffer_size(buf), &out);
  bndl_model_free(out);
  return st;
}

static bndl_status step_encode(bndl_context *ctx, const bndl_dataset *ds, const bndl_model *m,
                               const bndl_buffer *buf) {
  (void)ctx, (void)ds, (void)buf;
  int32_t items[5] = {1, 2, 3, 4, 0};
  int64_t off[3] = {0, 2, 5};
  float e[2 * DIM];
  bndl_status st = bndl_model_encode(m, items, NULL, 5, e, DIM);
  return st == BNDL_OK ? bndl_model_encode_batch(m, 2, off, items, NULL, e, 2 * DIM) : st;
}

static bndl_status step_recommend(bndl_context *ctx, const bndl_dataset *ds, const bndl_model *m,
                                  const bndl_buffer *buf) {
  (void)ctx, (void)ds, (void)buf;
  int32_t items[5] = {1, 2, 3, 4, 0}, out[5];
  float sc[5];
  int64_t got;
  return bndl_model_recommend(m, items, NULL, 5, NULL, 0, 1, 5, out, sc, &got);
}

static void test_out_of_memory(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  /* one thread: the allocations of a round then come in one order, so failing the N-th
   * always hits the same site */
  bndl_context *ctx = test_context(&t, 1);
  bndl_dataset *ds = make_dataset(ctx);
  const struct {
    const char *name;
    oom_step fn;
  } steps[] = {{"create", step_create},
               {"save_buffer", step_save},
               {"load_buffer", step_load},
               {"encode", step_encode},
               {"recommend", step_recommend}};
  /* one warm run per architecture first: the context opens the provider of an op the
   * first time that op runs */
  for (int ai = 0; ai < N_ARCHS; ai += 2) {
    bndl_model *m = make_model(ds, &ARCHS[ai]);
    bndl_buffer *buf = NULL;
    test_expect_ok(bndl_model_save_buffer(m, &buf));
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++)
      test_expect_ok(steps[s].fn(ctx, ds, m, buf));
    bndl_buffer_free(buf);
    bndl_model_free(m);
  }
  for (int ai = 0; ai < N_ARCHS; ai += 2) {
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
      int64_t fails = 0;
      for (int64_t n = 1;; n++) {
        int64_t blocks = t.live_blocks;
        /* a fresh model per round, so encode and recommend start without scratch */
        bndl_model *m = make_model(ds, &ARCHS[ai]);
        bndl_buffer *buf = NULL;
        test_expect_ok(bndl_model_save_buffer(m, &buf));
        t.fail_at = t.n_allocs + n;
        int64_t failed_before = t.n_failed;
        bndl_status st = steps[s].fn(ctx, ds, m, buf);
        t.fail_at = 0;
        int injected = t.n_failed > failed_before;
        bndl_buffer_free(buf);
        bndl_model_free(m);
        assert_int_equal(t.live_blocks, blocks);
        if (!injected) {
          test_expect_ok(st);
          break;
        }
        if (st == BNDL_OK)
          continue; /* a failure the call could absorb (an arena keeping its blocks) */
        if (st != BNDL_ERR_OUT_OF_MEMORY)
          fail_msg("%s, allocation %lld failed: status %d (%s)", steps[s].name, (long long)n, (int)st,
                   st ? bndl_last_error_message() : "OK");
        fails++;
      }
      print_message("%s %s: %lld allocations failed in turn, each cleanly\n", ARCHS[ai].kind, steps[s].name,
                    (long long)fails);
      assert_true(fails > 0);
    }
  }
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  assert_int_equal(t.live_blocks, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_properties),   cmocka_unit_test(test_encode),
      cmocka_unit_test(test_encode_batch), cmocka_unit_test(test_recommend),
      cmocka_unit_test(test_save_load),    cmocka_unit_test(test_damaged_files),
      cmocka_unit_test(test_bad_arguments), cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
