/*
 * test_similarity.c - bndl_similarity_items / _users / _embeddings through bundle.h and
 * libbundle.so only.
 *
 * What is checked:
 *  - every measure, on both sides, under several parameter sets (k below and above the
 *    candidate count, shrink, min_support, binary, exclude_self off, alpha, BM25 k1/b),
 *    equals a brute-force double-precision computation (similarity_oracle.c) on random
 *    datasets with returns (weights <= 0), single-purchase users and untouched items;
 *  - k larger than the number of rows keeps every candidate;
 *  - the sparse path is bit-identical with 1 and 2 threads and on every built backend;
 *  - sim.max_bytes too small: BNDL_ERR_LIMIT naming the bytes needed, before any
 *    allocation;
 *  - handle, argument and lifecycle errors, and the out-of-memory loop (no leak, out
 *    untouched);
 *  - embeddings: cosine and dot against a double-precision brute force on every built
 *    backend (strided rows, zero vectors, k > items), and every refused view.
 * Thread safety is in test_similarity_threads.c, the Youshu slice in
 * test_similarity_youshu.c.
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
#include "similarity_oracle.h"
#include "test_support.h"

static const char *const measures[] = {"cosine", "asymmetric_cosine", "jaccard", "bm25",
                                       "tfidf",  "lift",              "pmi",     "dot"};
enum { N_MEASURES = sizeof measures / sizeof measures[0] };

static bndl_neighbors *similarity(const bndl_dataset *ds, int users, const oracle_params *p) {
  bndl_config *cfg = oracle_config(p);
  bndl_neighbors *nb = NULL;
  bndl_status st = users ? bndl_similarity_users(ds, cfg, &nb) : bndl_similarity_items(ds, cfg, &nb);
  if (st != BNDL_OK)
    fail_msg("%s %s: %s", p->measure, users ? "users" : "items", bndl_last_error_message());
  bndl_config_free(cfg);
  return nb;
}

/* The parameter sets every measure is checked under. */
static int variants(const char *measure, oracle_params out[6]) {
  int n = 0;
  oracle_params p = oracle_defaults(measure);
  p.k = 5;
  out[n++] = p;
  p = oracle_defaults(measure); /* more than any row has */
  out[n++] = p;
  p = oracle_defaults(measure);
  p.k = 7;
  p.shrink = 3.5;
  p.min_support = 2;
  out[n++] = p;
  p = oracle_defaults(measure);
  p.k = 4;
  p.binary = 1;
  p.exclude_self = 0;
  out[n++] = p;
  p = oracle_defaults(measure);
  p.k = 6;
  p.alpha = 0.2;
  p.bm25_k1 = 2.0;
  p.bm25_b = 0.3;
  out[n++] = p;
  p = oracle_defaults(measure);
  p.k = 3;
  p.alpha = 0.9;
  p.bm25_k1 = 0.0;
  p.bm25_b = 1.0;
  p.shrink = 0.25;
  out[n++] = p;
  return n;
}

static void measures_against_brute_force(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  static const int sizes[][3] = {{40, 25, 300}, {12, 30, 60}, {60, 15, 500}, {25, 40, 200}};
  int64_t checked = 0;
  for (int d = 0; d < 4; d++) {
    bndl_dataset *ds = oracle_random_dataset(ctx, sizes[d][0], sizes[d][1], sizes[d][2], 1000u + (uint64_t)d);
    for (int m = 0; m < N_MEASURES; m++) {
      oracle_params ps[6];
      int nv = variants(measures[m], ps);
      for (int v = 0; v < nv; v++)
        for (int users = 0; users < 2; users++) {
          bndl_neighbors *nb = similarity(ds, users, &ps[v]);
          checked += oracle_check(ds, users, &ps[v], nb);
          bndl_neighbors_free(nb);
        }
    }
    bndl_dataset_free(ds);
  }
  assert_true(checked > 10000);
  bndl_context_free(ctx);
}

/* An item that only appears in returns and a catalogue-only item have no neighbours and
 * are nobody's neighbour; a single-purchase user's item row is still scored. */
static void empty_rows(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_dataset *ds = oracle_random_dataset(ctx, 30, 20, 200, 7);
  oracle_params p = oracle_defaults("cosine");
  bndl_neighbors *nb = similarity(ds, 0, &p);
  const char *ids[] = {"2000000", "2000001", "3000000", "3000002"};
  for (int i = 0; i < 4; i++) {
    int64_t item = -1;
    assert_int_equal(bndl_dataset_find(ds, BNDL_ENTITY_ITEM, ids[i], &item), BNDL_OK);
    const int32_t *cols;
    const float *scores;
    int32_t count = -1;
    assert_int_equal(bndl_neighbors_row(nb, item, &cols, &scores, &count), BNDL_OK);
    assert_int_equal(count, 0);
    const int64_t *indptr;
    assert_int_equal(bndl_neighbors_csr(nb, &indptr, &cols, &scores), BNDL_OK);
    for (int64_t e = 0; e < indptr[bndl_neighbors_rows(nb)]; e++)
      assert_true(cols[e] != item);
  }
  bndl_neighbors_free(nb);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

static void k_larger_than_rows(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  bndl_dataset *ds = oracle_random_dataset(ctx, 30, 12, 250, 99);
  for (int users = 0; users < 2; users++) {
    oracle_params p = oracle_defaults("jaccard");
    p.k = 100000;
    bndl_neighbors *nb = similarity(ds, users, &p);
    int64_t rows = bndl_dataset_count(ds, users ? BNDL_ENTITY_USER : BNDL_ENTITY_ITEM);
    assert_int_equal(bndl_neighbors_rows(nb), rows);
    assert_true(bndl_neighbors_nnz(nb) < rows * rows);
    oracle_check(ds, users, &p, nb);
    bndl_neighbors_free(nb);
  }
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- determinism: threads and backends */

static void assert_same(const bndl_neighbors *a, const bndl_neighbors *b, const char *what) {
  const int64_t *pa, *pb;
  const int32_t *ca, *cb;
  const float *sa, *sb;
  assert_int_equal(bndl_neighbors_rows(a), bndl_neighbors_rows(b));
  assert_int_equal(bndl_neighbors_csr(a, &pa, &ca, &sa), BNDL_OK);
  assert_int_equal(bndl_neighbors_csr(b, &pb, &cb, &sb), BNDL_OK);
  int64_t rows = bndl_neighbors_rows(a), nnz = pa[rows];
  if (memcmp(pa, pb, (size_t)(rows + 1) * sizeof *pa) != 0 || memcmp(ca, cb, (size_t)nnz * sizeof *ca) != 0 ||
      memcmp(sa, sb, (size_t)nnz * sizeof *sa) != 0)
    fail_msg("%s: results differ", what);
}

static void same_for_threads_and_backends(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  assert_int_equal(bndl_context_set_backend(ctx, "ref"), BNDL_OK);
  bndl_dataset *ds = oracle_random_dataset(ctx, 1500, 700, 20000, 4242);
  static const char *const ms[] = {"cosine", "bm25", "pmi", "asymmetric_cosine", "tfidf"};
  for (int m = 0; m < 5; m++)
    for (int users = 0; users < 2; users++) {
      oracle_params p = oracle_defaults(ms[m]);
      p.k = 20;
      p.shrink = m == 0 ? 0 : 2;
      assert_int_equal(bndl_context_set_threads(ctx, 1), BNDL_OK);
      assert_int_equal(bndl_context_set_backend(ctx, "ref"), BNDL_OK);
      bndl_neighbors *ref1 = similarity(ds, users, &p);
      assert_true(bndl_neighbors_nnz(ref1) > 0);
      assert_int_equal(bndl_context_set_threads(ctx, 2), BNDL_OK);
      for (int32_t b = 0; bndl_backend_name(b) != NULL; b++) {
        const char *name = bndl_backend_name(b);
        if (!bndl_backend_available(name))
          continue;
        assert_int_equal(bndl_context_set_backend(ctx, name), BNDL_OK);
        bndl_neighbors *other = similarity(ds, users, &p);
        char what[128];
        snprintf(what, sizeof what, "%s %s, 2 threads on %s vs 1 thread on ref", ms[m], users ? "users" : "items",
                 name);
        assert_same(ref1, other, what);
        bndl_neighbors_free(other);
      }
      bndl_neighbors_free(ref1);
    }
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
}

/* ---- limits */

static void max_bytes_too_small(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 2);
  bndl_dataset *ds = oracle_random_dataset(ctx, 800, 1000, 6000, 5);
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_K, 1000), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_MAX_BYTES, 1 << 20), BNDL_OK);
  int64_t allocs = t.n_allocs, live = t.live_bytes;
  bndl_neighbors *nb = (bndl_neighbors *)cfg; /* must stay untouched */
  assert_int_equal(bndl_similarity_items(ds, cfg, &nb), BNDL_ERR_LIMIT);
  assert_ptr_equal(nb, (bndl_neighbors *)cfg);
  assert_int_equal(t.n_allocs, allocs); /* refused before allocating anything */
  assert_int_equal(t.live_bytes, live);
  const char *msg = bndl_last_error_message();
  test_assert_error_contains("bndl_similarity_items: ");
  test_assert_error_contains("sim.max_bytes is 1048576");
  const char *needs = strstr(msg, "needs ");
  assert_non_null(needs);
  double bytes = strtod(needs + 6, NULL);
  int64_t items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  assert_true(bytes >= (double)items * (double)items * 8); /* at least the rows x k table */
  /* users: the same refusal; with room, it runs */
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_K, 800), BNDL_OK);
  assert_int_equal(bndl_similarity_users(ds, cfg, &nb), BNDL_ERR_LIMIT);
  test_assert_error_contains("bndl_similarity_users: a user-user similarity");
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_MAX_BYTES, (int64_t)bytes), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_K, 1000), BNDL_OK);
  t.peak_bytes = t.live_bytes;
  assert_int_equal(bndl_similarity_items(ds, cfg, &nb), BNDL_OK);
  assert_true((double)(t.peak_bytes - live) <= bytes); /* the estimate is an upper bound */
  bndl_neighbors_free(nb);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  assert_int_equal(t.live_blocks, 0);
}

/* ---- errors */

static void errors(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  bndl_dataset *ds = oracle_random_dataset(ctx, 10, 10, 40, 3);
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  bndl_neighbors *nb = NULL;
  assert_int_equal(bndl_similarity_items(NULL, NULL, &nb), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_similarity_items: ds is NULL");
  assert_int_equal(bndl_similarity_users((const bndl_dataset *)cfg, NULL, &nb), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_similarity_users: ds is not a live bndl_dataset");
  assert_int_equal(bndl_similarity_items(ds, (const bndl_config *)ds, &nb), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("cfg is not a live bndl_config");
  assert_int_equal(bndl_similarity_items(ds, cfg, NULL), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("out is NULL");
  assert_null(nb);
  bndl_dataset *open = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &open), BNDL_OK);
  assert_int_equal(bndl_similarity_users(open, cfg, &nb), BNDL_ERR_STATE);
  test_assert_error_contains("bndl_similarity_users: the dataset is not finalized");
  bndl_dataset_free(open);
  /* an empty finalized dataset: no rows */
  assert_int_equal(bndl_dataset_create(ctx, &open), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(open), BNDL_OK);
  assert_int_equal(bndl_similarity_items(open, NULL, &nb), BNDL_OK);
  assert_int_equal(bndl_neighbors_rows(nb), 0);
  assert_int_equal(bndl_neighbors_nnz(nb), 0);
  bndl_neighbors_free(nb);
  bndl_dataset_free(open);
  /* neighbours outlive the dataset and the context */
  assert_int_equal(bndl_similarity_items(ds, NULL, &nb), BNDL_OK);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  assert_true(bndl_neighbors_rows(nb) > 0);
  bndl_neighbors_free(nb);
  bndl_config_free(cfg);
}

/* Every allocation of the call failing in turn: OUT_OF_MEMORY, out untouched, no leak. */
static void out_of_memory(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 2);
  bndl_dataset *ds = oracle_random_dataset(ctx, 50, 30, 400, 8);
  oracle_params p = oracle_defaults("bm25");
  p.k = 5;
  bndl_config *cfg = oracle_config(&p);
  float qv[6 * 4], iv[9 * 4];
  for (int i = 0; i < 24; i++)
    qv[i] = (float)(i % 7) - 3.0f;
  for (int i = 0; i < 36; i++)
    iv[i] = (float)(i % 5) - 2.0f;
  int64_t qs[2] = {6, 4}, is[2] = {9, 4};
  bndl_tensor_view qt = BNDL_TENSOR_VIEW_INIT, it = BNDL_TENSOR_VIEW_INIT;
  qt.dtype = it.dtype = BNDL_DTYPE_F32;
  qt.ndim = it.ndim = 2;
  qt.shape = qs;
  it.shape = is;
  qt.data = qv;
  it.data = iv;
  /* a first call opens the fallback providers of ops the selected backend lacks; they
   * live as long as the context, so they are not counted as leaks below */
  bndl_neighbors *warm = NULL;
  assert_int_equal(bndl_similarity_embeddings(ctx, &qt, &it, BNDL_METRIC_COSINE, 3, NULL, &warm), BNDL_OK);
  bndl_neighbors_free(warm);
  for (int call = 0; call < 3; call++) {
    int done = 0;
    for (int64_t n = 1; !done; n++) {
      int64_t live = t.live_bytes;
      t.fail_at = t.n_allocs + n;
      bndl_neighbors *nb = NULL;
      bndl_status st = call == 0   ? bndl_similarity_items(ds, cfg, &nb)
                       : call == 1 ? bndl_similarity_users(ds, cfg, &nb)
                                   : bndl_similarity_embeddings(ctx, &qt, &it, BNDL_METRIC_COSINE, 3, NULL, &nb);
      t.fail_at = 0;
      if (st == BNDL_OK) {
        done = 1;
        assert_non_null(nb);
        bndl_neighbors_free(nb);
      } else {
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
        assert_null(nb);
      }
      assert_int_equal(t.live_bytes, live);
      assert_true(n < 100);
    }
  }
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  assert_int_equal(t.live_blocks, 0);
}

/* ---- embeddings */

static uint64_t rng_state = 77;
static float frand(void) {
  rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
  return (float)((double)(rng_state >> 40) / (double)(1u << 24)) * 2.0f - 1.0f;
}

typedef struct table {
  int64_t rows, dim, ld; /* ld in floats */
  float *data;
  int64_t shape[2], strides[2];
  bndl_tensor_view view;
} table;

static void table_init(table *t, int64_t rows, int64_t dim, int64_t pad) {
  t->rows = rows;
  t->dim = dim;
  t->ld = dim + pad;
  t->data = calloc((size_t)(rows * t->ld) + 1, sizeof *t->data);
  assert_non_null(t->data);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < t->ld; c++)
      t->data[r * t->ld + c] = c < dim ? frand() : NAN; /* padding must never be read */
  t->shape[0] = rows;
  t->shape[1] = dim;
  t->strides[0] = t->ld * (int64_t)sizeof(float);
  t->strides[1] = sizeof(float);
  bndl_tensor_view v = BNDL_TENSOR_VIEW_INIT;
  v.dtype = BNDL_DTYPE_F32;
  v.ndim = 2;
  v.shape = t->shape;
  v.strides = pad ? t->strides : NULL;
  v.data = t->data;
  t->view = v;
}

/* Scores within 1e-5 (cosine) or 1e-5 ||q|| ||i|| (dot) of the double-precision value,
 * descending; the set equal to the brute force's except at ties within that tolerance. */
static void check_embeddings(const table *q, const table *it, bndl_metric metric, int64_t k, const bndl_neighbors *nb,
                             const char *backend) {
  assert_int_equal(bndl_neighbors_rows(nb), q->rows);
  double *ref = malloc((size_t)it->rows * sizeof *ref), *sorted = malloc((size_t)it->rows * sizeof *sorted);
  assert_true(ref && sorted);
  for (int64_t r = 0; r < q->rows; r++) {
    const float *qr = q->data + r * q->ld;
    double qn = 0;
    for (int64_t d = 0; d < q->dim; d++)
      qn += (double)qr[d] * qr[d];
    double tol_r = 0;
    for (int64_t c = 0; c < it->rows; c++) {
      const float *ic = it->data + c * it->ld;
      double dot = 0, in = 0;
      for (int64_t d = 0; d < q->dim; d++) {
        dot += (double)qr[d] * ic[d];
        in += (double)ic[d] * ic[d];
      }
      if (metric == BNDL_METRIC_COSINE)
        ref[c] = qn > 0 && in > 0 ? dot / (sqrt(qn) * sqrt(in)) : 0;
      else
        ref[c] = dot;
      double t = metric == BNDL_METRIC_COSINE ? 1e-5 : 1e-5 * sqrt(qn) * sqrt(in);
      tol_r = t > tol_r ? t : tol_r;
      sorted[c] = ref[c];
    }
    for (int64_t i = 1; i < it->rows; i++) /* insertion sort, descending */
      for (int64_t j = i; j > 0 && sorted[j] > sorted[j - 1]; j--) {
        double x = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = x;
      }
    int64_t want = k < it->rows ? k : it->rows;
    const int32_t *cols;
    const float *vals;
    int32_t count;
    assert_int_equal(bndl_neighbors_row(nb, r, &cols, &vals, &count), BNDL_OK);
    assert_int_equal(count, want);
    for (int32_t j = 0; j < count; j++) {
      if (fabs((double)vals[j] - ref[cols[j]]) > tol_r)
        fail_msg("%s metric %d query %lld item %d: %.9g, brute force %.12g", backend, (int)metric, (long long)r,
                 (int)cols[j], (double)vals[j], ref[cols[j]]);
      if (ref[cols[j]] < sorted[want - 1] - 2 * tol_r)
        fail_msg("%s query %lld: item %d is not in the top %lld", backend, (long long)r, (int)cols[j],
                 (long long)want);
      if (j > 0)
        assert_true(vals[j] < vals[j - 1] || (vals[j] == vals[j - 1] && cols[j] > cols[j - 1]));
    }
  }
  free(ref);
  free(sorted);
}

static void embeddings_against_brute_force(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 2);
  table q, it;
  table_init(&q, 37, 24, 3);
  table_init(&it, 211, 24, 0);
  for (int64_t d = 0; d < 24; d++) { /* a zero query and a zero item */
    q.data[5 * q.ld + d] = 0;
    it.data[17 * it.ld + d] = 0;
  }
  for (int d = 0; d < 24; d++) /* exact duplicates: ties broken by index */
    it.data[40 * it.ld + d] = it.data[41 * it.ld + d];
  int backends = 0;
  for (int32_t b = 0; bndl_backend_name(b) != NULL; b++) {
    const char *name = bndl_backend_name(b);
    if (!bndl_backend_available(name))
      continue;
    backends++;
    assert_int_equal(bndl_context_set_backend(ctx, name), BNDL_OK);
    static const int64_t ks[] = {1, 10, 500};
    for (int m = 0; m < 2; m++)
      for (int kk = 0; kk < 3; kk++) {
        bndl_metric metric = m ? BNDL_METRIC_DOT : BNDL_METRIC_COSINE;
        bndl_neighbors *nb = NULL;
        if (bndl_similarity_embeddings(ctx, &q.view, &it.view, metric, (int32_t)ks[kk], NULL, &nb) != BNDL_OK)
          fail_msg("%s: %s", name, bndl_last_error_message());
        check_embeddings(&q, &it, metric, ks[kk], nb, name);
        /* the zero query scores 0 against everything under cosine */
        const int32_t *cols;
        const float *vals;
        int32_t count;
        assert_int_equal(bndl_neighbors_row(nb, 5, &cols, &vals, &count), BNDL_OK);
        if (metric == BNDL_METRIC_COSINE) {
          assert_true(vals[0] == 0.0f);
          assert_int_equal(cols[0], 0);
        }
        bndl_neighbors_free(nb);
      }
    /* queries == items: each row's best cosine is itself (or its duplicate) */
    bndl_neighbors *self = NULL;
    assert_int_equal(bndl_similarity_embeddings(ctx, &it.view, &it.view, BNDL_METRIC_COSINE, 2, NULL, &self), BNDL_OK);
    const int32_t *cols;
    const float *vals;
    int32_t count;
    assert_int_equal(bndl_neighbors_row(self, 3, &cols, &vals, &count), BNDL_OK);
    assert_int_equal(cols[0], 3);
    assert_true(fabsf(vals[0] - 1.0f) < 1e-5f);
    assert_int_equal(bndl_neighbors_row(self, 41, &cols, &vals, &count), BNDL_OK);
    assert_true((cols[0] == 40 && cols[1] == 41) || (cols[0] == 41 && cols[1] == 40));
    if (vals[0] == vals[1]) /* equal scores: the lower index first */
      assert_int_equal(cols[0], 40);
    bndl_neighbors_free(self);
  }
  assert_true(backends >= 1);
  /* no items: every query has an empty row */
  int64_t zero_shape[2] = {0, 24};
  bndl_tensor_view none = it.view;
  none.shape = zero_shape;
  bndl_neighbors *nb = NULL;
  assert_int_equal(bndl_similarity_embeddings(ctx, &q.view, &none, BNDL_METRIC_DOT, 5, NULL, &nb), BNDL_OK);
  assert_int_equal(bndl_neighbors_rows(nb), 37);
  assert_int_equal(bndl_neighbors_nnz(nb), 0);
  bndl_neighbors_free(nb);
  free(q.data);
  free(it.data);
  bndl_context_free(ctx);
}

static void expect_view_error(bndl_context *ctx, const bndl_tensor_view *q, const bndl_tensor_view *it,
                              bndl_metric metric, int32_t k, const char *fragment) {
  bndl_neighbors *nb = NULL;
  assert_int_equal(bndl_similarity_embeddings(ctx, q, it, metric, k, NULL, &nb), BNDL_ERR_INVALID_ARGUMENT);
  assert_null(nb);
  test_assert_error_contains("bndl_similarity_embeddings: ");
  test_assert_error_contains(fragment);
}

static void embedding_views_refused(void **state) {
  (void)state;
  bndl_context *ctx = test_context(NULL, 1);
  table q, it;
  table_init(&q, 4, 8, 0);
  table_init(&it, 6, 8, 2);
  bndl_tensor_view v = q.view;
  expect_view_error(ctx, &q.view, &it.view, (bndl_metric)3, 2, "metric=3");
  expect_view_error(ctx, &q.view, &it.view, BNDL_METRIC_DOT, 0, "k=0");
  v.dtype = BNDL_DTYPE_F64;
  expect_view_error(ctx, &v, &it.view, BNDL_METRIC_DOT, 2, "queries->dtype=2");
  v = q.view;
  v.ndim = 3;
  expect_view_error(ctx, &v, &it.view, BNDL_METRIC_DOT, 2, "queries->ndim=3");
  v = it.view;
  v.device_kind = BNDL_DEVICE_GPU;
  expect_view_error(ctx, &q.view, &v, BNDL_METRIC_DOT, 2, "items->device_kind=2");
  v = it.view;
  v.struct_size = 8;
  expect_view_error(ctx, &q.view, &v, BNDL_METRIC_DOT, 2, "items->struct_size=8");
  int64_t bad[2] = {10 * 4, 8}; /* column-major-like: element stride 8 bytes */
  v = it.view;
  v.strides = bad;
  expect_view_error(ctx, &q.view, &v, BNDL_METRIC_DOT, 2, "items->strides[1]=8");
  int64_t short_rows[2] = {7 * 4, 4};
  v.strides = short_rows;
  expect_view_error(ctx, &q.view, &v, BNDL_METRIC_DOT, 2, "items->strides[0]=28");
  int64_t odd_rows[2] = {8 * 4 + 2, 4};
  v.strides = odd_rows;
  expect_view_error(ctx, &q.view, &v, BNDL_METRIC_DOT, 2, "multiple of 4 bytes");
  int64_t other_dim[2] = {6, 7};
  v = it.view;
  v.shape = other_dim;
  expect_view_error(ctx, &q.view, &v, BNDL_METRIC_DOT, 2, "queries have dim 8 but items have dim 7");
  int64_t neg[2] = {-1, 8};
  v = it.view;
  v.shape = neg;
  expect_view_error(ctx, &q.view, &v, BNDL_METRIC_DOT, 2, "items->shape=[-1, 8]");
  v = q.view;
  v.data = NULL;
  expect_view_error(ctx, &v, &it.view, BNDL_METRIC_DOT, 2, "queries->data is NULL");
  v.data = (char *)q.data + 2;
  expect_view_error(ctx, &v, &it.view, BNDL_METRIC_DOT, 2, "not aligned");
  bndl_neighbors *nb = NULL;
  assert_int_equal(bndl_similarity_embeddings(NULL, &q.view, &it.view, BNDL_METRIC_DOT, 2, NULL, &nb),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("ctx is NULL");
  assert_int_equal(bndl_similarity_embeddings(ctx, NULL, &it.view, BNDL_METRIC_DOT, 2, NULL, &nb),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("queries is NULL");
  assert_int_equal(bndl_similarity_embeddings(ctx, &q.view, &it.view, BNDL_METRIC_DOT, 2, NULL, NULL),
                   BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("out is NULL");
  free(q.data);
  free(it.data);
  bndl_context_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(measures_against_brute_force),
      cmocka_unit_test(empty_rows),
      cmocka_unit_test(k_larger_than_rows),
      cmocka_unit_test(same_for_threads_and_backends),
      cmocka_unit_test(max_bytes_too_small),
      cmocka_unit_test(errors),
      cmocka_unit_test(out_of_memory),
      cmocka_unit_test(embeddings_against_brute_force),
      cmocka_unit_test(embedding_views_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
