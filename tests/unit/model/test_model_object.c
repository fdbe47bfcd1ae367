/*
 * test_model_object.c - the model object's internals (src/model/model*.c).
 *
 *  - inference is the encoder: bndl_model_encode_rows equals the last row of
 *    bndl_nn_encoder_forward on a batch built here (left padded to max_len, the
 *    history cut to its max_len most recent items), bit for bit on ref, for both kinds
 *    with event types and item features; for the LSTM, padding to max_len and to the
 *    history's own length give the same state (padding leaves it alone);
 *  - the steady state allocates nothing: after the first call, encode and top-k of the
 *    same shape make no allocation (counting allocator), and concurrent first calls each
 *    get their own scratch;
 *  - standardisation of the item features: mean 0 and unit variance over the finite
 *    values, unknown and constant columns 0;
 *  - the file reader's semantic checks, on files re-assembled here with core/secfile from
 *    a good file with one section changed: each is BNDL_ERR_FORMAT naming the section
 *    (tensor name, shape and offset in TDIR, ARCH ranges, NaN / Inf / |v| > 1e6 in PVAL
 *    and FEAT (the bound itself loads, and a model past it is not saved),
 *    FEAT in a model without features, duplicate ids, TRAN counts), an unknown section is
 *    refused in a 1.0 file and ignored in a 1.1 file, and major 2 is BNDL_ERR_VERSION.
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

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "core/secfile.h"
#include "model/model.h"
#include "model/model_format.h"
#include "runtime/runtime.h"
#include "test_support.h"

enum { N_ITEMS = 37, N_FEAT = 5 };

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static bndl_nn_encoder_config arch_of(bndl_nn_encoder_kind kind) {
  bndl_nn_encoder_config a;
  memset(&a, 0, sizeof a);
  a.kind = kind;
  a.n_items = N_ITEMS;
  a.max_len = 7;
  a.dim = 12;
  a.layers = 2;
  a.heads = 3;
  a.hidden = kind == BNDL_NN_ENCODER_LSTM ? 10 : 20;
  a.n_event_types = BNDL_EVENT_TYPE_COUNT;
  a.n_item_features = N_FEAT;
  a.dropout = 0.3f;
  a.attn_dropout = 0.1f;
  return a;
}

/* A model with ids "item-<j>" and seeded features. */
static bndl_model *make_model(bndl_context *ctx, bndl_nn_encoder_kind kind) {
  bndl_nn_encoder_config a = arch_of(kind);
  bndl_model *m = NULL;
  test_expect_ok(bndl_model_new(ctx, &a, 11, &m));
  for (int j = 0; j < N_ITEMS; j++) {
    char id[32];
    int len = snprintf(id, sizeof id, "item-%d", j);
    int32_t idx;
    test_expect_ok(bndl_id_map_intern(&m->item_ids, id, (size_t)len, &idx, NULL));
    assert_int_equal(idx, j);
  }
  uint64_t s = 5;
  for (int64_t i = 0; i < (int64_t)N_ITEMS * N_FEAT; i++)
    m->item_features[i] = (float)((double)(rng_next(&s) % 2000) / 1000.0 - 1.0);
  return m;
}

/* ---- inference is the encoder */

static void test_encode_is_encoder_last_row(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  test_expect_ok(bndl_runtime_select(ctx, "ref"));
  for (int k = 0; k < 2; k++) {
    bndl_nn_encoder_kind kind = k ? BNDL_NN_ENCODER_LSTM : BNDL_NN_ENCODER_SASREC;
    bndl_model *m = make_model(ctx, kind);
    int64_t T = m->arch.max_len, dim = m->arch.dim;
    uint64_t s = 99;
    for (int64_t n = 1; n <= 12; n++) {
      int32_t items[12], types[12];
      for (int64_t i = 0; i < n; i++) {
        items[i] = (int32_t)(rng_next(&s) % N_ITEMS);
        types[i] = 1 + (int32_t)(rng_next(&s) % BNDL_EVENT_TYPE_COUNT);
      }
      int64_t off[2] = {0, n};
      float got[12];
      test_expect_ok(bndl_model_encode_rows(m, 1, off, items, types, got));
      /* the batch by hand: left padded to max_len, the most recent max_len items */
      int64_t keep = n < T ? n : T;
      int32_t bi[7], bt[7];
      for (int64_t t = 0; t < T; t++) {
        int64_t src = n - T + t;
        bi[t] = t < T - keep ? -1 : items[src];
        bt[t] = t < T - keep ? -1 : types[src] - 1;
      }
      bndl_nn_arena arena;
      bndl_nn_arena_init(&arena, &ctx->alloc, 0);
      bndl_nn nn = {.ctx = ctx, .params = &m->params, .arena = &arena, .training = 0};
      bndl_nn_batch b = {.batch = 1, .len = T, .items = bi, .types = bt, .item_features = m->item_features};
      float y[7 * 12];
      test_expect_ok(bndl_nn_encoder_forward(&nn, &m->enc, &b, y, NULL));
      assert_memory_equal(got, y + (T - 1) * dim, (size_t)dim * sizeof(float));
      if (kind == BNDL_NN_ENCODER_LSTM) {
        /* unpadded: the same state */
        b.len = keep;
        b.items = bi + (T - keep);
        b.types = bt + (T - keep);
        test_expect_ok(bndl_nn_encoder_forward(&nn, &m->enc, &b, y, NULL));
        assert_memory_equal(got, y + (keep - 1) * dim, (size_t)dim * sizeof(float));
      }
      bndl_nn_arena_free(&arena);
      for (int64_t j = 0; j < dim; j++)
        assert_true(isfinite(got[j]) && got[j] != 0);
    }
    bndl_model_unref(m);
  }
  bndl_context_free(ctx);
}

/* ---- the steady state allocates nothing */

static void test_no_allocation_after_first_call(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 1);
  for (int k = 0; k < 2; k++) {
    bndl_model *m = make_model(ctx, k ? BNDL_NN_ENCODER_LSTM : BNDL_NN_ENCODER_SASREC);
    int32_t items[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, out[10];
    float u[12], sc[10];
    int64_t off[2] = {0, 9}, got;
    test_expect_ok(bndl_model_encode_rows(m, 1, off, items, NULL, u));
    test_expect_ok(bndl_model_top_items(m, items, NULL, 9, NULL, 0, 1, 10, out, sc, &got));
    int64_t before = t.n_allocs;
    for (int r = 0; r < 5; r++) {
      test_expect_ok(bndl_model_encode_rows(m, 1, off, items, NULL, u));
      test_expect_ok(bndl_model_top_items(m, items, NULL, 9, NULL, 0, 1, 10, out, sc, &got));
    }
    assert_int_equal(t.n_allocs, before);
    assert_int_equal(got, 10);
    /* one scratch arena in the free list */
    assert_non_null(m->scratch_free);
    assert_null(m->scratch_free->next);
    bndl_model_unref(m);
  }
  bndl_context_free(ctx);
  assert_int_equal(t.live_blocks, 0);
}

/* ---- standardisation */

static void test_standardise(void **state) {
  (void)state;
  /* column 0: 1 2 3 NaN; column 1 constant 5; column 2 all unknown; column 3 with inf */
  const float in[4 * 4] = {1, 5, NAN, 10, 2, 5, NAN, INFINITY, 3, 5, NAN, 20, NAN, 5, NAN, 30};
  float out[16];
  bndl_model_standardise(in, 4, 4, out);
  double sd0 = sqrt(2.0 / 3.0);
  assert_float_equal(out[0], -1 / sd0, 1e-6);
  assert_float_equal(out[4], 0, 1e-6);
  assert_float_equal(out[8], 1 / sd0, 1e-6);
  assert_float_equal(out[12], 0, 0); /* unknown: the mean */
  for (int r = 0; r < 4; r++) {
    assert_float_equal(out[r * 4 + 1], 0, 0);
    assert_float_equal(out[r * 4 + 2], 0, 0);
  }
  double sum = 0, sq = 0;
  for (int r = 0; r < 4; r++)
    if (r != 1) {
      sum += out[r * 4 + 3];
      sq += out[r * 4 + 3] * out[r * 4 + 3];
    }
  assert_float_equal(sum, 0, 1e-6);
  assert_float_equal(sq / 3, 1, 1e-6);
  assert_float_equal(out[1 * 4 + 3], 0, 0);
}

/* ---- the reader's semantic checks */

typedef struct sections {
  bndl_secfile_section s[BNDL_SECFILE_MAX_SECTIONS];
  int n, n_owned;
  void *owned[BNDL_SECFILE_MAX_SECTIONS]; /* copies this test changes */
} sections;

static void sections_of(const char *data, size_t len, sections *out) {
  static const bndl_secfile_kind k = {BNDL_MODEL_MAGIC, BNDL_MODEL_FORMAT_MAJOR, BNDL_MODEL_FORMAT_MINOR,
                                      "sequence model", 1};
  bndl_secfile f;
  test_expect_ok(bndl_secfile_parse(&k, data, len, "good", &f));
  memset(out, 0, sizeof *out);
  out->n = out->n_owned = f.n;
  for (int i = 0; i < f.n; i++) {
    out->s[i] = f.sec[i];
    out->owned[i] = malloc(f.sec[i].length ? (size_t)f.sec[i].length : 1);
    memcpy(out->owned[i], f.sec[i].data, (size_t)f.sec[i].length);
    out->s[i].data = out->owned[i];
  }
}

static void *section(sections *ss, uint32_t tag) {
  for (int i = 0; i < ss->n; i++)
    if (ss->s[i].tag == tag)
      return ss->owned[i];
  fail_msg("no section");
  return NULL;
}

static void sections_free(sections *ss) {
  for (int i = 0; i < ss->n_owned; i++)
    free(ss->owned[i]);
}

/* Assembles the sections as version major.minor and loads the result. */
static bndl_status load_sections(bndl_context *ctx, const sections *ss, uint16_t major, uint16_t minor) {
  const bndl_secfile_kind k = {BNDL_MODEL_MAGIC, major, minor, "sequence model", 0};
  char *data;
  size_t len;
  test_expect_ok(bndl_secfile_encode(&ctx->alloc, &k, ss->s, ss->n, &data, &len));
  bndl_model *m = NULL;
  bndl_status st = bndl_model_decode_file(ctx, data, len, "edited", &m);
  bndl_free(&ctx->alloc, data);
  if (st == BNDL_OK) {
    assert_non_null(m);
    bndl_model_unref(m);
  } else {
    assert_null(m);
  }
  return st;
}

typedef void (*edit_fn)(sections *ss);

static void edit_tensor_name(sections *ss) {
  bndl_model_tdir_entry *e = section(ss, BNDL_MSEC_TDIR);
  e[3].name[0] ^= 1;
}
static void edit_tensor_shape(sections *ss) {
  bndl_model_tdir_entry *e = section(ss, BNDL_MSEC_TDIR);
  e[2].rows += 1;
}
static void edit_tensor_offset(sections *ss) {
  bndl_model_tdir_entry *e = section(ss, BNDL_MSEC_TDIR);
  e[1].offset += 16;
}
static void edit_tensor_unterminated(sections *ss) {
  bndl_model_tdir_entry *e = section(ss, BNDL_MSEC_TDIR);
  memset(e[0].name, 'x', sizeof e[0].name);
}
static void edit_dim(sections *ss) {
  int64_t *a = section(ss, BNDL_MSEC_ARCH);
  a[AR_DIM] = 6; /* in range, but the directory no longer matches */
}
static void edit_kind(sections *ss) {
  int64_t *a = section(ss, BNDL_MSEC_ARCH);
  a[AR_KIND] = 3;
}
static void edit_items(sections *ss) {
  int64_t *a = section(ss, BNDL_MSEC_ARCH);
  a[AR_N_ITEMS] = INT64_C(1) << 40;
}
static void edit_heads(sections *ss) {
  int64_t *a = section(ss, BNDL_MSEC_ARCH);
  a[AR_HEADS] = 5;
}
static void edit_dropout(sections *ss) {
  double *d = section(ss, BNDL_MSEC_ARCF);
  d[AF_DROPOUT] = NAN;
}
static void edit_nan_weight(sections *ss) {
  float *p = section(ss, BNDL_MSEC_PVAL);
  p[100] = NAN;
}
static void edit_inf_weight(sections *ss) {
  float *p = section(ss, BNDL_MSEC_PVAL);
  p[7] = -INFINITY;
}
static void edit_huge_weight(sections *ss) {
  float *p = section(ss, BNDL_MSEC_PVAL);
  p[40] = 2e6f; /* finite, but scores could overflow (model_format.h) */
}
static void edit_huge_feature(sections *ss) {
  float *p = section(ss, BNDL_MSEC_FEAT);
  p[1] = -1.5e6f;
}
static void edit_inf_feature(sections *ss) {
  float *p = section(ss, BNDL_MSEC_FEAT);
  p[3] = INFINITY;
}
static void edit_duplicate_id(sections *ss) {
  char *names = section(ss, BNDL_MSEC_INAM);
  /* "item-1\0" becomes "item-0\0" */
  char *p = strstr(names + 7, "item-1");
  assert_non_null(p);
  p[5] = '0';
}
static void edit_id_offsets(sections *ss) {
  int64_t *off = section(ss, BNDL_MSEC_IOFF);
  off[5] = off[4];
}
static void edit_training_count(sections *ss) {
  double *t = section(ss, BNDL_MSEC_TRAN);
  t[TR_EPOCHS] = 2.5;
}
static void edit_training_metric(sections *ss) {
  double *t = section(ss, BNDL_MSEC_TRAN);
  t[TR_BEST_METRIC] = INFINITY;
}

static void test_reader_checks(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_model *m = make_model(ctx, BNDL_NN_ENCODER_SASREC);
  m->summary.epochs = 12;
  m->summary.best_metric = 0.25;
  char *good;
  size_t good_len;
  test_expect_ok(bndl_model_encode_file(m, &good, &good_len));
  /* the re-assembled file itself loads */
  sections ss;
  sections_of(good, good_len, &ss);
  test_expect_ok(load_sections(ctx, &ss, 1, 0));
  bndl_model *back = NULL;
  test_expect_ok(bndl_model_decode_file(ctx, good, good_len, "good", &back));
  assert_int_equal(back->summary.epochs, 12);
  assert_true(back->summary.best_metric == 0.25);
  assert_memory_equal(back->item_features, m->item_features, sizeof(float) * N_ITEMS * N_FEAT);
  bndl_model_unref(back);
  sections_free(&ss);

  const struct {
    edit_fn fn;
    const char *section;
  } edits[] = {
      {edit_tensor_name, "section TDIR"},        {edit_tensor_shape, "section TDIR"},
      {edit_tensor_offset, "section TDIR"},      {edit_tensor_unterminated, "section TDIR"},
      {edit_dim, "section TDIR"},                {edit_kind, "section ARCH"},
      {edit_items, "section ARCH"},              {edit_heads, "section ARCH"},
      {edit_dropout, "section ARCF"},            {edit_nan_weight, "section PVAL"},
      {edit_inf_weight, "section PVAL"},         {edit_inf_feature, "section FEAT"},
      {edit_huge_weight, "section PVAL"},        {edit_huge_feature, "section FEAT"},
      {edit_duplicate_id, "section IOFF/INAM"},  {edit_id_offsets, "section IOFF/INAM"},
      {edit_training_count, "section TRAN"},     {edit_training_metric, "section TRAN"},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    sections_of(good, good_len, &ss);
    edits[i].fn(&ss);
    bndl_status st = load_sections(ctx, &ss, 1, 0);
    if (st != BNDL_ERR_FORMAT || strstr(bndl_error_message(), edits[i].section) == NULL)
      fail_msg("edit %zu: status %d, message '%s' (want FORMAT naming %s)", i, (int)st, bndl_error_message(),
               edits[i].section);
    print_message("edit %zu: %s\n", i, bndl_error_message());
    sections_free(&ss);
  }

  /* FEAT in a model without features; a missing section */
  sections_of(good, good_len, &ss);
  int64_t *arch = section(&ss, BNDL_MSEC_ARCH);
  arch[AR_ITEM_FEATURES] = 0;
  assert_int_equal(load_sections(ctx, &ss, 1, 0), BNDL_ERR_FORMAT);
  sections_free(&ss);
  sections_of(good, good_len, &ss);
  ss.n--; /* TRAN or FEAT is last: either way a required section is gone */
  assert_int_equal(load_sections(ctx, &ss, 1, 0), BNDL_ERR_FORMAT);
  sections_free(&ss);

  /* versions: an unknown section is refused in 1.0 and ignored in 1.1; major 2 is VERSION */
  sections_of(good, good_len, &ss);
  static const char extra[8] = "future!";
  ss.s[ss.n++] = (bndl_secfile_section){BNDL_SECFILE_TAG('X', 'T', 'R', 'A'), extra, 8, 8};
  assert_int_equal(load_sections(ctx, &ss, 1, 0), BNDL_ERR_FORMAT);
  assert_non_null(strstr(bndl_error_message(), "unknown section XTRA"));
  test_expect_ok(load_sections(ctx, &ss, 1, 1));
  assert_int_equal(load_sections(ctx, &ss, 2, 0), BNDL_ERR_VERSION);
  assert_non_null(strstr(bndl_error_message(), "format 2.0"));
  sections_free(&ss);

  /* the bound itself loads; a model past it (a diverged run) is not saved */
  sections_of(good, good_len, &ss);
  ((float *)section(&ss, BNDL_MSEC_PVAL))[40] = -1e6f;
  test_expect_ok(load_sections(ctx, &ss, 1, 0));
  sections_free(&ss);
  char *bad_file = NULL;
  size_t bad_len = 0;
  m->params.value[m->params.tensors[2].offset] = 3e6f;
  assert_int_equal(bndl_model_encode_file(m, &bad_file, &bad_len), BNDL_ERR_STATE);
  assert_non_null(strstr(bndl_error_message(), m->params.tensors[2].name));
  assert_null(bad_file);

  bndl_free(&ctx->alloc, good);
  bndl_model_unref(m);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encode_is_encoder_last_row),
      cmocka_unit_test(test_no_allocation_after_first_call),
      cmocka_unit_test(test_standardise),
      cmocka_unit_test(test_reader_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
