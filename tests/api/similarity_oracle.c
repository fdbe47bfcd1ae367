/*
 * similarity_oracle.c - brute-force similarity in double precision (see the header).
 */
#include "similarity_oracle.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint64_t next_random(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return (double)(next_random(s) >> 11) * 0x1.0p-53; }

bndl_dataset *oracle_random_dataset(bndl_context *ctx, int n_users, int n_items, int n_events, uint64_t seed) {
  uint64_t rng = seed;
  int n = n_events + 3 + 4;
  int64_t *user = malloc((size_t)n * sizeof *user), *item = malloc((size_t)n * sizeof *item);
  int64_t *ts = malloc((size_t)n * sizeof *ts);
  int32_t *type = malloc((size_t)n * sizeof *type);
  double *weight = malloc((size_t)n * sizeof *weight);
  assert_true(user && item && ts && type && weight);
  for (int e = 0; e < n; e++) {
    double a = uniform(&rng), b = uniform(&rng), t = uniform(&rng);
    user[e] = (int64_t)(a * a * n_users);     /* low ids are heavy users */
    item[e] = (int64_t)(b * b * b * n_items); /* low ids are popular */
    type[e] = t < 0.7 ? BNDL_EVENT_PURCHASE : t < 0.8 ? BNDL_EVENT_VIEW : t < 0.88 ? BNDL_EVENT_CLICK
                                                                                  : BNDL_EVENT_RETURN;
    weight[e] = 0.5 + 2.5 * uniform(&rng);
    ts[e] = 1000000000 + e;
  }
  for (int s = 0; s < 3; s++) { /* single-purchase users */
    int e = n_events + s;
    user[e] = 1000000 + s;
    item[e] = (int64_t)(uniform(&rng) * n_items);
    type[e] = BNDL_EVENT_PURCHASE;
  }
  for (int s = 0; s < 4; s++) { /* two items that are only returned */
    int e = n_events + 3 + s;
    user[e] = s;
    item[e] = 2000000 + s % 2;
    type[e] = BNDL_EVENT_RETURN;
  }
  bndl_dataset *ds = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "clean.anomaly_z", "0"), BNDL_OK);
  assert_int_equal(bndl_config_set(cfg, "clean.unknown_items", "keep"), BNDL_OK);
  assert_int_equal(bndl_dataset_configure(ds, cfg), BNDL_OK);
  bndl_config_free(cfg);
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = n;
  c.user_ids = user;
  c.item_ids = item;
  c.event_types = type;
  c.timestamps = ts;
  c.weights = weight;
  assert_int_equal(bndl_dataset_add_events(ds, &c), BNDL_OK);
  int64_t ghosts[3] = {3000000, 3000001, 3000002};
  bndl_catalogue_columns cat = BNDL_CATALOGUE_COLUMNS_INIT;
  cat.count = 3;
  cat.item_ids = ghosts;
  assert_int_equal(bndl_dataset_add_catalogue(ds, &cat), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  free(user);
  free(item);
  free(ts);
  free(type);
  free(weight);
  return ds;
}

oracle_params oracle_defaults(const char *measure) {
  oracle_params p = {measure, 50, 0, 1, 0.5, 1.2, 0.75, 0, 1};
  return p;
}

bndl_config *oracle_config(const oracle_params *p) {
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set_string(cfg, BNDL_KEY_SIM_MEASURE, p->measure), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_K, p->k), BNDL_OK);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_SIM_SHRINK, p->shrink), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_MIN_SUPPORT, p->min_support), BNDL_OK);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_SIM_ALPHA, p->alpha), BNDL_OK);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_SIM_BM25_K1, p->bm25_k1), BNDL_OK);
  assert_int_equal(bndl_config_set_float(cfg, BNDL_KEY_SIM_BM25_B, p->bm25_b), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_BINARY, p->binary), BNDL_OK);
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_SIM_EXCLUDE_SELF, p->exclude_self), BNDL_OK);
  return cfg;
}

/* A rows x features matrix as per-row lists, in double. */
typedef struct dmat {
  int64_t rows, features;
  int64_t *ptr;
  int64_t *feat;
  double *val;
} dmat;

/* The positive entries of the interaction matrix, rows = items (users == 0) or users. */
static dmat build_rows(const bndl_dataset *ds, int users, int binary) {
  const int64_t *indptr;
  const int32_t *items;
  const float *w;
  assert_int_equal(bndl_dataset_interactions(ds, &indptr, &items, &w), BNDL_OK);
  int64_t nu = bndl_dataset_count(ds, BNDL_ENTITY_USER), ni = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  dmat m = {users ? nu : ni, users ? ni : nu, NULL, NULL, NULL};
  m.ptr = calloc((size_t)m.rows + 1, sizeof *m.ptr);
  m.feat = malloc(((size_t)indptr[nu] + 1) * sizeof *m.feat);
  m.val = malloc(((size_t)indptr[nu] + 1) * sizeof *m.val);
  assert_true(m.ptr && m.feat && m.val);
  for (int64_t u = 0; u < nu; u++)
    for (int64_t e = indptr[u]; e < indptr[u + 1]; e++)
      if (w[e] > 0)
        m.ptr[(users ? u : items[e]) + 1]++;
  for (int64_t r = 0; r < m.rows; r++)
    m.ptr[r + 1] += m.ptr[r];
  int64_t *fill = calloc((size_t)m.rows + 1, sizeof *fill);
  assert_non_null(fill);
  for (int64_t u = 0; u < nu; u++)
    for (int64_t e = indptr[u]; e < indptr[u + 1]; e++)
      if (w[e] > 0) {
        int64_t r = users ? u : items[e], f = users ? items[e] : u;
        int64_t at = m.ptr[r] + fill[r]++;
        m.feat[at] = f;
        m.val[at] = binary ? 1.0 : (double)w[e];
      }
  free(fill);
  return m;
}

static void dmat_free(dmat *m) {
  free(m->ptr);
  free(m->feat);
  free(m->val);
}

/* Applies the tf-idf or BM25 weighting of sim_measures.c to m's values. */
static void weight(dmat *m, const oracle_params *p) {
  int tfidf = strcmp(p->measure, "tfidf") == 0, bm25 = strcmp(p->measure, "bm25") == 0;
  if (!tfidf && !bm25)
    return;
  double *df = calloc((size_t)m->features + 1, sizeof *df);
  assert_non_null(df);
  for (int64_t e = 0; e < m->ptr[m->rows]; e++)
    df[m->feat[e]] += 1;
  double R = (double)m->rows, total = 0;
  for (int64_t e = 0; e < m->ptr[m->rows]; e++)
    total += m->val[e];
  double avg = total / R;
  for (int64_t r = 0; r < m->rows; r++) {
    double len = 0;
    for (int64_t e = m->ptr[r]; e < m->ptr[r + 1]; e++)
      len += m->val[e];
    for (int64_t e = m->ptr[r]; e < m->ptr[r + 1]; e++) {
      double x = m->val[e], n = df[m->feat[e]];
      if (tfidf)
        m->val[e] = x * log(R / n);
      else
        m->val[e] = x * (p->bm25_k1 + 1) / (x + p->bm25_k1 * (1 - p->bm25_b + p->bm25_b * len / avg)) *
                    log(1 + (R - n + 0.5) / (n + 0.5));
    }
  }
  free(df);
}

typedef struct cand {
  double score;
  int64_t col;
} cand;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->col < y->col ? -1 : x->col > y->col;
}

static double tol(double ref) { return 1e-5 * fabs(ref) + 1e-6; }

int64_t oracle_check(const bndl_dataset *ds, int users, const oracle_params *p, const bndl_neighbors *nb) {
  dmat m = build_rows(ds, users, p->binary);
  weight(&m, p);
  const char *ms = p->measure;
  int counts_only = strcmp(ms, "lift") == 0 || strcmp(ms, "pmi") == 0;
  double *q = calloc((size_t)m.rows + 1, sizeof *q);
  double *dense = calloc((size_t)m.features + 1, sizeof *dense);
  unsigned char *has = calloc((size_t)m.features + 1, 1);
  double *score = malloc(((size_t)m.rows + 1) * sizeof *score);
  int64_t *support = malloc(((size_t)m.rows + 1) * sizeof *support);
  cand *cands = malloc(((size_t)m.rows + 1) * sizeof *cands);
  assert_true(q && dense && has && score && support && cands);
  for (int64_t r = 0; r < m.rows; r++)
    for (int64_t e = m.ptr[r]; e < m.ptr[r + 1]; e++)
      q[r] += m.val[e] * m.val[e];
  double N = (double)m.features;

  assert_int_equal(bndl_neighbors_rows(nb), m.rows);
  int64_t checked = 0;
  for (int64_t r = 0; r < m.rows; r++) {
    for (int64_t e = m.ptr[r]; e < m.ptr[r + 1]; e++) {
      dense[m.feat[e]] = m.val[e];
      has[m.feat[e]] = 1;
    }
    int64_t n_cand = 0;
    for (int64_t c = 0; c < m.rows; c++) {
      double d = 0;
      int64_t common = 0;
      for (int64_t e = m.ptr[c]; e < m.ptr[c + 1]; e++)
        if (has[m.feat[e]]) {
          d += dense[m.feat[e]] * m.val[e];
          common++;
        }
      double nr = (double)(m.ptr[r + 1] - m.ptr[r]), nc = (double)(m.ptr[c + 1] - m.ptr[c]);
      double s, den;
      if (strcmp(ms, "dot") == 0) {
        s = d;
      } else {
        if (strcmp(ms, "jaccard") == 0)
          den = q[r] + q[c] - d + p->shrink;
        else if (strcmp(ms, "asymmetric_cosine") == 0)
          den = pow(q[r], p->alpha) * pow(q[c], 1 - p->alpha) + p->shrink;
        else if (counts_only)
          den = nr * nc + p->shrink;
        else /* cosine, tfidf, bm25 */
          den = sqrt(q[r]) * sqrt(q[c]) + p->shrink;
        double num = counts_only ? (double)common * N : d;
        s = den > 0 ? num / den : 0;
        if (strcmp(ms, "pmi") == 0)
          s = log(s);
      }
      score[c] = s;
      support[c] = common;
      if (common >= 1 && common >= p->min_support && !(p->exclude_self && c == r))
        cands[n_cand++] = (cand){s, c};
    }
    for (int64_t e = m.ptr[r]; e < m.ptr[r + 1]; e++) {
      dense[m.feat[e]] = 0;
      has[m.feat[e]] = 0;
    }
    qsort(cands, (size_t)n_cand, sizeof *cands, cand_cmp);

    const int32_t *cols;
    const float *vals;
    int32_t count;
    assert_int_equal(bndl_neighbors_row(nb, r, &cols, &vals, &count), BNDL_OK);
    int64_t want = n_cand < p->k ? n_cand : p->k;
    if (count != want)
      fail_msg("%s %s row %lld: %d neighbours, brute force has %lld", ms, users ? "user" : "item", (long long)r,
               (int)count, (long long)want);
    for (int32_t j = 0; j < count; j++) {
      int64_t c = cols[j];
      if (c < 0 || c >= m.rows || support[c] < p->min_support || support[c] < 1 || (p->exclude_self && c == r))
        fail_msg("%s row %lld: neighbour %lld is not a candidate (support %lld)", ms, (long long)r, (long long)c,
                 (long long)(c >= 0 && c < m.rows ? support[c] : -1));
      if (fabs((double)vals[j] - score[c]) > tol(score[c]))
        fail_msg("%s %s row %lld col %lld: score %.9g, brute force %.12g", ms, users ? "user" : "item",
                 (long long)r, (long long)c, (double)vals[j], score[c]);
      if (j > 0 && (vals[j] > vals[j - 1] || (vals[j] == vals[j - 1] && cols[j] <= cols[j - 1])))
        fail_msg("%s row %lld: neighbours %d and %d out of order", ms, (long long)r, (int)j - 1, (int)j);
      /* the set: every kept pair is at least as good as the brute force's k-th, up to ties */
      if (score[c] < cands[want - 1].score - tol(cands[want - 1].score))
        fail_msg("%s row %lld: neighbour %lld (%.9g) is below the brute force's k-th (%.9g)", ms, (long long)r,
                 (long long)c, score[c], cands[want - 1].score);
      checked++;
    }
    /* and every brute-force pair clearly above the k-th is kept */
    for (int64_t j = 0; j < want; j++) {
      if (cands[j].score <= cands[want - 1].score + tol(cands[want - 1].score))
        break;
      int found = 0;
      for (int32_t t = 0; t < count && !found; t++)
        found = cols[t] == cands[j].col;
      if (!found)
        fail_msg("%s %s row %lld: brute-force neighbour %lld (%.9g) is missing", ms, users ? "user" : "item",
                 (long long)r, (long long)cands[j].col, cands[j].score);
    }
  }
  free(q);
  free(dense);
  free(has);
  free(score);
  free(support);
  free(cands);
  dmat_free(&m);
  return checked;
}
