/*
 * test_item_model.c - EASE and item factors (bndl_item_model_*) through bundle.h and
 * libbundle.so only, against references computed here in double precision.
 *
 * The data is generated here (80 users x 30 items, seeded): each (user, item) pair is
 * bought, only viewed (a positive weight too), bought and returned (net weight 0: not in
 * the binary matrix), or absent, and one item is only ever bought and returned. The test
 * keeps its own binary matrix, maps it onto the dataset's dense ids with
 * bndl_dataset_find, and computes from it:
 *  - G = X^T X, P = (G + lambda I)^-1 by Gauss-Jordan with pivoting and B, all in double;
 *  - the eigenpairs of G by its own cyclic Jacobi in double;
 *  - fold-in by a direct solve of the normal equations (V^T V + reg I) u = V^T x in
 *    double, from the float V the library returns.
 * What is checked:
 *  - EASE: B within 1e-4 of the double reference (the error is printed), diag(B) == 0
 *    exactly, for lambda 5 and 500, on every built backend; 1 and 2 threads give
 *    bit-identical weights on each backend; every backend is within 1e-5 of ref;
 *  - factors: eigenvalues (||V column||^2) within 1e-5 * lambda_max of the reference,
 *    G q = lambda q with residual below 1e-4 * lambda_max, unit and orthogonal q, the
 *    sign convention (largest component positive), V V^T = G at full rank, rank clamped
 *    to the item count; every backend within tolerance of ref, 1 vs 2 threads identical;
 *  - fold-in equals the direct solve (1e-5 relative) and scoring equals the explicit
 *    products x^T B and V u; duplicates in a history add up; NULL weights = 1;
 *  - limits: model.max_items and model.max_bytes give BNDL_ERR_LIMIT whose message
 *    states the items, the bytes needed (exactly as bndl_item_model_memory says) and the
 *    limit; on ref the stated memory is the formula of item_model.c and the measured
 *    peak of the build (counting allocator) is 90-100 % of it; on every backend the
 *    peak through the allocator stays within the statement;
 *  - argument, handle and lifecycle errors; an empty dataset; out-of-memory at every allocation of both
 *    builds fails cleanly without leaks; a model outlives its dataset and context.
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

enum { N_USERS = 80, N_ITEMS = 30, RETURNED_ONLY = N_ITEMS - 1 };

/* ---- the generated data */

typedef struct gen {
  uint8_t pos[N_USERS][N_ITEMS]; /* the binary matrix, generator's item order */
  int32_t dense[N_ITEMS];        /* generator item -> dataset dense index */
  double g[N_ITEMS][N_ITEMS];    /* G in dense order */
} gen;

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Builds the events: kind 0 none, 1 purchase, 2 view only, 3 purchase then return. */
static bndl_dataset *make_dataset(bndl_context *ctx, gen *g) {
  static int64_t users[N_USERS * N_ITEMS * 2], items[N_USERS * N_ITEMS * 2], ts[N_USERS * N_ITEMS * 2];
  static int32_t types[N_USERS * N_ITEMS * 2];
  uint64_t s = 0x9E3779B97F4A7C15ull;
  int64_t n = 0, t = 1600000000;
  memset(g, 0, sizeof *g);
  for (int u = 0; u < N_USERS; u++) {
    for (int i = 0; i < N_ITEMS; i++) {
      int r = (int)(rng_next(&s) % 100);
      int kind = r < 25 ? 1 : r < 30 ? 2 : r < 35 ? 3 : 0;
      if (i == RETURNED_ONLY)
        kind = u % 7 == 0 ? 3 : 0;
      else if (u == i % N_USERS && kind == 0)
        kind = 1; /* every item appears */
      if (kind == 0)
        continue;
      users[n] = 100 + u;
      items[n] = 5000 + i;
      types[n] = kind == 2 ? BNDL_EVENT_VIEW : BNDL_EVENT_PURCHASE;
      ts[n++] = t++;
      if (kind == 3) {
        users[n] = 100 + u;
        items[n] = 5000 + i;
        types[n] = BNDL_EVENT_RETURN;
        ts[n++] = t++;
      }
      g->pos[u][i] = kind == 1 || kind == 2;
    }
  }
  bndl_dataset *ds = NULL;
  test_expect_ok(bndl_dataset_create(ctx, &ds));
  bndl_config *cfg = NULL;
  test_expect_ok(bndl_config_create(&cfg));
  test_expect_ok(bndl_config_set_float(cfg, BNDL_KEY_CLEAN_ANOMALY_Z, 0)); /* keep every user */
  test_expect_ok(bndl_dataset_configure(ds, cfg));
  bndl_config_free(cfg);
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = n;
  c.user_ids = users;
  c.item_ids = items;
  c.event_types = types;
  c.timestamps = ts;
  test_expect_ok(bndl_dataset_add_events(ds, &c));
  test_expect_ok(bndl_dataset_finalize(ds));
  assert_int_equal(bndl_dataset_count(ds, BNDL_ENTITY_ITEM), N_ITEMS);
  for (int i = 0; i < N_ITEMS; i++) {
    char name[32];
    int64_t idx = -1;
    snprintf(name, sizeof name, "%d", 5000 + i);
    test_expect_ok(bndl_dataset_find(ds, BNDL_ENTITY_ITEM, name, &idx));
    g->dense[i] = (int32_t)idx;
  }
  for (int u = 0; u < N_USERS; u++)
    for (int i = 0; i < N_ITEMS; i++)
      for (int j = 0; j < N_ITEMS; j++)
        g->g[g->dense[i]][g->dense[j]] += g->pos[u][i] && g->pos[u][j];
  return ds;
}

static bndl_context *make_context(int32_t threads, const char *backend) {
  bndl_context *ctx = test_context(NULL, threads);
  assert_non_null(ctx);
  test_expect_ok(bndl_context_set_backend(ctx, backend));
  return ctx;
}

static bndl_config *model_config(double lambda, int64_t rank, double reg) {
  bndl_config *cfg = NULL;
  test_expect_ok(bndl_config_create(&cfg));
  test_expect_ok(bndl_config_set_float(cfg, BNDL_KEY_EASE_LAMBDA, lambda));
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_FACTORS_RANK, rank));
  test_expect_ok(bndl_config_set_float(cfg, BNDL_KEY_FACTORS_REG, reg));
  return cfg;
}

/* ---- double-precision references */

/* inv <- (g + lambda I)^-1 by Gauss-Jordan with partial pivoting. */
static void reference_inverse(const gen *g, double lambda, double inv[N_ITEMS][N_ITEMS]) {
  enum { N = N_ITEMS };
  double a[N][2 * N];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < 2 * N; j++)
      a[i][j] = j < N ? g->g[i][j] + (i == j ? lambda : 0) : (j - N == i);
  for (int c = 0; c < N; c++) {
    int piv = c;
    for (int r = c + 1; r < N; r++)
      if (fabs(a[r][c]) > fabs(a[piv][c]))
        piv = r;
    for (int j = 0; j < 2 * N; j++) {
      double t = a[c][j];
      a[c][j] = a[piv][j];
      a[piv][j] = t;
    }
    double d = a[c][c];
    for (int j = 0; j < 2 * N; j++)
      a[c][j] /= d;
    for (int r = 0; r < N; r++) {
      if (r == c || a[r][c] == 0)
        continue;
      double f = a[r][c];
      for (int j = 0; j < 2 * N; j++)
        a[r][j] -= f * a[c][j];
    }
  }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      inv[i][j] = a[i][N + j];
}

static void reference_ease(const gen *g, double lambda, double b[N_ITEMS][N_ITEMS]) {
  double p[N_ITEMS][N_ITEMS];
  reference_inverse(g, lambda, p);
  for (int i = 0; i < N_ITEMS; i++)
    for (int j = 0; j < N_ITEMS; j++)
      b[i][j] = i == j ? 0 : -p[i][j] / p[j][j];
}

/* All eigenvalues of G (descending) by cyclic Jacobi in double. */
static void reference_eigenvalues(const gen *g, double values[N_ITEMS]) {
  enum { N = N_ITEMS };
  double m[N][N];
  memcpy(m, g->g, sizeof m);
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0;
    for (int p = 0; p < N; p++)
      for (int q = p + 1; q < N; q++)
        off += m[p][q] * m[p][q];
    if (off < 1e-26)
      break;
    for (int p = 0; p < N; p++)
      for (int q = p + 1; q < N; q++) {
        if (m[p][q] == 0)
          continue;
        double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < N; k++) {
          double mkp = m[k][p], mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < N; k++) {
          double mpk = m[p][k], mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
      }
  }
  for (int i = 0; i < N; i++)
    values[i] = m[i][i];
  for (int i = 0; i < N; i++) /* descending */
    for (int j = i + 1; j < N; j++)
      if (values[j] > values[i]) {
        double t = values[i];
        values[i] = values[j];
        values[j] = t;
      }
}

/* Solves a x = b (k x k, double, Gaussian elimination with pivoting); a and b destroyed. */
static void solve(double *a, double *b, int k, double *x) {
  for (int c = 0; c < k; c++) {
    int piv = c;
    for (int r = c + 1; r < k; r++)
      if (fabs(a[r * k + c]) > fabs(a[piv * k + c]))
        piv = r;
    for (int j = 0; j < k; j++) {
      double t = a[c * k + j];
      a[c * k + j] = a[piv * k + j];
      a[piv * k + j] = t;
    }
    double t = b[c];
    b[c] = b[piv];
    b[piv] = t;
    for (int r = c + 1; r < k; r++) {
      double f = a[r * k + c] / a[c * k + c];
      for (int j = c; j < k; j++)
        a[r * k + j] -= f * a[c * k + j];
      b[r] -= f * b[c];
    }
  }
  for (int r = k - 1; r >= 0; r--) {
    double s = b[r];
    for (int j = r + 1; j < k; j++)
      s -= a[r * k + j] * x[j];
    x[r] = s / a[r * k + r];
  }
}

/* ---- helpers over models */

static bndl_item_model *build(const char *kind, const bndl_config *cfg, const bndl_dataset *ds) {
  bndl_item_model *m = NULL;
  if (strcmp(kind, "ease") == 0)
    test_expect_ok(bndl_item_model_ease(ds, cfg, &m));
  else
    test_expect_ok(bndl_item_model_factors(ds, cfg, &m));
  assert_non_null(m);
  assert_string_equal(bndl_item_model_kind(m), kind); /* every model built says what it is */
  return m;
}

static const float *weights_of(const bndl_item_model *m, int64_t *rows, int64_t *cols) {
  const float *w = NULL;
  test_expect_ok(bndl_item_model_weights(m, &w, rows, cols));
  assert_non_null(w);
  return w;
}

static double max_abs_diff(const float *a, const float *b, int64_t n) {
  double e = 0;
  for (int64_t i = 0; i < n; i++)
    e = fmax(e, fabs((double)a[i] - b[i]));
  return e;
}

/* ---- EASE */

static void check_ease_against_reference(const char *backend, double lambda) {
  bndl_context *ctx = make_context(2, backend);
  gen *g = malloc(sizeof *g);
  bndl_dataset *ds = make_dataset(ctx, g);
  bndl_config *cfg = model_config(lambda, 8, 0.01);
  bndl_item_model *m = build("ease", cfg, ds);
  int64_t rows = 0, cols = 0;
  const float *w = weights_of(m, &rows, &cols);
  assert_int_equal(rows, N_ITEMS);
  assert_int_equal(cols, N_ITEMS);
  double ref[N_ITEMS][N_ITEMS], err = 0, scale = 0;
  reference_ease(g, lambda, ref);
  for (int i = 0; i < N_ITEMS; i++) {
    assert_true(w[i * N_ITEMS + i] == 0.0f); /* exactly 0, not rounded to it */
    for (int j = 0; j < N_ITEMS; j++) {
      err = fmax(err, fabs(w[i * N_ITEMS + j] - ref[i][j]));
      scale = fmax(scale, fabs(ref[i][j]));
    }
  }
  /* the item that is only bought and returned is outside X: its row and column are 0 */
  int32_t r = g->dense[RETURNED_ONLY];
  for (int j = 0; j < N_ITEMS; j++) {
    assert_true(w[r * N_ITEMS + j] == 0.0f);
    assert_true(w[j * N_ITEMS + r] == 0.0f);
  }
  print_message("EASE %-8s lambda %5g: max |B - B_double| = %.3g (max |B| = %.3g)\n", backend, lambda, err, scale);
  assert_true(scale > 1e-3);
  assert_true(err <= 1e-4);
  bndl_item_model_free(m);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  free(g);
}

static void test_ease_reference(void **state) {
  (void)state;
  for (int32_t b = 0; bndl_backend_name(b) != NULL; b++) {
    const char *name = bndl_backend_name(b);
    if (!bndl_backend_available(name))
      continue;
    check_ease_against_reference(name, 5);
    check_ease_against_reference(name, 500);
  }
}

/* The model's weights for (backend, threads, kind). Caller frees. */
static float *weights_copy(const char *backend, int32_t threads, const char *kind, int64_t *cols_out) {
  bndl_context *ctx = make_context(threads, backend);
  gen *g = malloc(sizeof *g);
  bndl_dataset *ds = make_dataset(ctx, g);
  bndl_config *cfg = model_config(5, 8, 0.01);
  bndl_item_model *m = build(kind, cfg, ds);
  int64_t rows = 0, cols = 0;
  const float *w = weights_of(m, &rows, &cols);
  float *copy = malloc((size_t)(rows * cols) * sizeof *copy);
  memcpy(copy, w, (size_t)(rows * cols) * sizeof *copy);
  *cols_out = cols;
  bndl_item_model_free(m);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  free(g);
  return copy;
}

/* Factors of two backends: eigenvalues (squared column norms) within 1e-5 lambda_max;
 * unit eigenvectors within 2e-5 lambda_max / gap, the first-order perturbation bound of
 * a vector whose eigenvalue is `gap` away from its neighbours (both use the same sign
 * convention, so no sign flip is allowed). */
static void compare_factors(const char *name, const float *v, const float *ref, int64_t k) {
  double lam[N_ITEMS] = {0}, lam_ref[N_ITEMS] = {0}, err_value = 0, worst_ratio = 0;
  assert_true(k > 0 && k <= N_ITEMS);
  for (int64_t r = 0; r < k; r++) {
    lam[r] = lam_ref[r] = 0;
    for (int i = 0; i < N_ITEMS; i++) {
      lam[r] += (double)v[i * k + r] * v[i * k + r];
      lam_ref[r] += (double)ref[i * k + r] * ref[i * k + r];
    }
  }
  for (int64_t r = 0; r < k; r++) {
    err_value = fmax(err_value, fabs(lam[r] - lam_ref[r]));
    double gap = INFINITY;
    if (r > 0)
      gap = fmin(gap, lam_ref[r - 1] - lam_ref[r]);
    if (r + 1 < k)
      gap = fmin(gap, lam_ref[r] - lam_ref[r + 1]);
    double err_vec = 0;
    for (int i = 0; i < N_ITEMS; i++)
      err_vec = fmax(err_vec, fabs(v[i * k + r] / sqrt(lam[r]) - ref[i * k + r] / sqrt(lam_ref[r])));
    double bound = 2e-5 * lam_ref[0] / gap;
    worst_ratio = fmax(worst_ratio, err_vec / bound);
    assert_true(err_vec <= bound);
  }
  print_message("factors %-8s vs ref: max |lambda - lambda_ref| %.3g (lambda_max %.1f); eigenvectors at most %.2g of "
                "their bound; 1 and 2 threads bit-identical\n",
                name, err_value, lam_ref[0], worst_ratio);
  assert_true(err_value <= 1e-5 * lam_ref[0]);
}

static void test_backends_and_threads(void **state) {
  (void)state;
  static const char *const kinds[] = {"ease", "factors"};
  for (int kk = 0; kk < 2; kk++) {
    int64_t cols = 0;
    float *ref = weights_copy("ref", 1, kinds[kk], &cols);
    for (int32_t b = 0; bndl_backend_name(b) != NULL; b++) {
      const char *name = bndl_backend_name(b);
      if (!bndl_backend_available(name))
        continue;
      int64_t c1 = 0, c2 = 0;
      float *one = weights_copy(name, 1, kinds[kk], &c1);
      float *two = weights_copy(name, 2, kinds[kk], &c2);
      assert_int_equal(c1, cols);
      assert_int_equal(c2, cols);
      assert_memory_equal(one, two, (size_t)(N_ITEMS * cols) * sizeof *one);
      if (kk == 0) {
        double err = max_abs_diff(one, ref, N_ITEMS * cols), scale = 0;
        for (int64_t i = 0; i < N_ITEMS * cols; i++)
          scale = fmax(scale, fabs(ref[i]));
        print_message("ease    %-8s vs ref: max |B - B_ref| %.3g (max |B| %.3g); 1 and 2 threads bit-identical\n",
                      name, err, scale);
        assert_true(err <= 1e-5 * scale);
      } else {
        compare_factors(name, one, ref, cols);
      }
      free(one);
      free(two);
    }
    free(ref);
  }
}

/* ---- factors */

static void check_factors(const char *backend) {
  bndl_context *ctx = make_context(2, backend);
  gen *g = malloc(sizeof *g);
  bndl_dataset *ds = make_dataset(ctx, g);
  double ref_values[N_ITEMS];
  reference_eigenvalues(g, ref_values);
  const int64_t k = 8;
  bndl_config *cfg = model_config(500, k, 0.01);
  bndl_item_model *m = build("factors", cfg, ds);
  int64_t rows = 0, cols = 0;
  const float *v = weights_of(m, &rows, &cols);
  assert_int_equal(rows, N_ITEMS);
  assert_int_equal(cols, k);
  double lmax = ref_values[0], err_value = 0, err_residual = 0, err_ortho = 0;

  for (int64_t r = 0; r < k; r++) {
    double q[N_ITEMS], lam = 0;
    for (int i = 0; i < N_ITEMS; i++)
      lam += (double)v[i * k + r] * v[i * k + r];
    for (int i = 0; i < N_ITEMS; i++)
      q[i] = v[i * k + r] / sqrt(lam);
    err_value = fmax(err_value, fabs(lam - ref_values[r]));
    int arg = 0;
    for (int i = 0; i < N_ITEMS; i++) {
      double gq = 0;
      for (int j = 0; j < N_ITEMS; j++)
        gq += g->g[i][j] * q[j];
      err_residual = fmax(err_residual, fabs(gq - lam * q[i]));
      if (fabs(q[i]) > fabs(q[arg]))
        arg = i;
    }
    assert_true(q[arg] > 0); /* sign convention */
    for (int64_t s = 0; s <= r; s++) {
      double dot = 0, ls = 0;
      for (int i = 0; i < N_ITEMS; i++) {
        dot += (double)v[i * k + r] * v[i * k + s];
        ls += (double)v[i * k + s] * v[i * k + s];
      }
      dot /= sqrt(lam * ls);
      err_ortho = fmax(err_ortho, fabs(dot - (r == s)));
    }
  }
  print_message("factors %-8s rank %lld: max |lambda - ref| = %.3g, max |G q - lambda q| = %.3g (lambda_max %.1f), "
                "max |q_r . q_s - delta| = %.3g\n",
                backend, (long long)k, err_value, err_residual, lmax, err_ortho);
  assert_true(err_value <= 1e-5 * lmax);
  assert_true(err_residual <= 1e-4 * lmax);
  assert_true(err_ortho <= 1e-5);
  bndl_item_model_free(m);
  bndl_config_free(cfg);

  /* full rank (asked for more than the items: clamped): V V^T = G */
  cfg = model_config(500, 1000, 0.01);
  m = build("factors", cfg, ds);
  v = weights_of(m, &rows, &cols);
  assert_int_equal(cols, N_ITEMS);
  double err_gram = 0;
  for (int i = 0; i < N_ITEMS; i++)
    for (int j = 0; j < N_ITEMS; j++) {
      double s = 0;
      for (int r = 0; r < N_ITEMS; r++)
        s += (double)v[i * N_ITEMS + r] * v[j * N_ITEMS + r];
      err_gram = fmax(err_gram, fabs(s - g->g[i][j]));
    }
  print_message("factors %-8s full rank: max |V V^T - G| = %.3g\n", backend, err_gram);
  assert_true(err_gram <= 1e-4 * lmax);
  bndl_item_model_free(m);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  free(g);
}

static void test_factors(void **state) {
  (void)state;
  for (int32_t b = 0; bndl_backend_name(b) != NULL; b++)
    if (bndl_backend_available(bndl_backend_name(b)))
      check_factors(bndl_backend_name(b));
}

/* ---- fold-in and scoring */

static void test_fold_in_and_scores(void **state) {
  (void)state;
  bndl_context *ctx = make_context(2, "ref");
  gen *g = malloc(sizeof *g);
  bndl_dataset *ds = make_dataset(ctx, g);
  const int k = 6;
  const double reg = 0.5;
  bndl_config *cfg = model_config(20, k, reg);
  bndl_item_model *f = build("factors", cfg, ds);
  bndl_item_model *e = build("ease", cfg, ds);
  int64_t rows, cols;
  const float *v = weights_of(f, &rows, &cols);
  const float *b = weights_of(e, &rows, &cols);
  /* a history with a repeated item (its weights add up) */
  const int32_t hist[] = {3, 7, 11, 3, 20};
  const float hw[] = {1.0f, 2.0f, 0.5f, 1.5f, -1.0f};
  const int64_t n = 5;
  double x[N_ITEMS] = {0};
  for (int64_t h = 0; h < n; h++)
    x[hist[h]] += hw[h];

  /* fold-in against the direct normal-equations solve */
  float u[8] = {0};
  test_expect_ok(bndl_item_model_fold_in(f, hist, hw, n, u, k));
  double a[6 * 6], rhs[6], uref[6];
  for (int r = 0; r < k; r++) {
    rhs[r] = 0;
    for (int i = 0; i < N_ITEMS; i++)
      rhs[r] += (double)v[i * k + r] * x[i];
    for (int s = 0; s < k; s++) {
      double t = r == s ? reg : 0;
      for (int i = 0; i < N_ITEMS; i++)
        t += (double)v[i * k + r] * v[i * k + s];
      a[r * k + s] = t;
    }
  }
  solve(a, rhs, k, uref);
  double err_u = 0, norm_u = 0;
  for (int r = 0; r < k; r++) {
    err_u = fmax(err_u, fabs(u[r] - uref[r]));
    norm_u = fmax(norm_u, fabs(uref[r]));
  }
  print_message("fold-in: max |u - u_direct| = %.3g (max |u| %.3g)\n", err_u, norm_u);
  assert_true(norm_u > 1e-3);
  assert_true(err_u <= 1e-5 * norm_u);

  /* factor scores = V u */
  float scores[N_ITEMS + 2];
  scores[N_ITEMS] = 12345.0f;
  test_expect_ok(bndl_item_model_score(f, hist, hw, n, scores, N_ITEMS + 1));
  assert_true(scores[N_ITEMS] == 12345.0f); /* only n_items written */
  double err_s = 0;
  for (int i = 0; i < N_ITEMS; i++) {
    double s = 0;
    for (int r = 0; r < k; r++)
      s += (double)v[i * k + r] * u[r];
    err_s = fmax(err_s, fabs(scores[i] - s));
  }
  print_message("factor scores: max |score - V u| = %.3g\n", err_s);
  assert_true(err_s <= 1e-5);

  /* EASE scores = x^T B */
  test_expect_ok(bndl_item_model_score(e, hist, hw, n, scores, N_ITEMS));
  err_s = 0;
  for (int j = 0; j < N_ITEMS; j++) {
    double s = 0;
    for (int i = 0; i < N_ITEMS; i++)
      s += x[i] * b[i * N_ITEMS + j];
    err_s = fmax(err_s, fabs(scores[j] - s));
  }
  print_message("EASE scores: max |score - x^T B| = %.3g\n", err_s);
  assert_true(err_s <= 1e-6);

  /* NULL weights mean 1 */
  const float ones[] = {1, 1, 1, 1, 1};
  float s1[N_ITEMS], s2[N_ITEMS];
  for (int kind = 0; kind < 2; kind++) {
    bndl_item_model *m = kind ? f : e;
    test_expect_ok(bndl_item_model_score(m, hist, NULL, n, s1, N_ITEMS));
    test_expect_ok(bndl_item_model_score(m, hist, ones, n, s2, N_ITEMS));
    assert_memory_equal(s1, s2, sizeof s1);
  }
  /* an empty history scores 0 */
  test_expect_ok(bndl_item_model_score(e, NULL, NULL, 0, s1, N_ITEMS));
  test_expect_ok(bndl_item_model_score(f, NULL, NULL, 0, s2, N_ITEMS));
  for (int i = 0; i < N_ITEMS; i++)
    assert_true(s1[i] == 0.0f && s2[i] == 0.0f);

  /* reg 0 with full rank on a rank-deficient Gram (the returned-only item's column is 0): fold-in refuses */
  bndl_config *c0 = model_config(20, N_ITEMS, 0);
  bndl_item_model *f0 = build("factors", c0, ds);
  float u0[N_ITEMS];
  assert_int_equal(bndl_item_model_fold_in(f0, hist, hw, n, u0, N_ITEMS), BNDL_ERR_STATE);
  test_assert_error_contains("bndl_item_model_fold_in: ");
  test_assert_error_contains("factors.reg");
  bndl_item_model_free(f0);
  bndl_config_free(c0);

  bndl_item_model_free(f);
  bndl_item_model_free(e);
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  free(g);
}

/* ---- limits and the memory statement */

static const char *grouped(int64_t v, char *buf) {
  char d[32];
  int len = snprintf(d, sizeof d, "%lld", (long long)v), o = 0;
  for (int i = 0; i < len; i++) {
    if (i > 0 && (len - i) % 3 == 0)
      buf[o++] = ',';
    buf[o++] = d[i];
  }
  buf[o] = '\0';
  return buf;
}

/* n_items items, each bought by two users. */
static bndl_dataset *wide_dataset(bndl_context *ctx, int n_items) {
  int64_t *users = malloc(sizeof(int64_t) * 2 * (size_t)n_items);
  int64_t *items = malloc(sizeof(int64_t) * 2 * (size_t)n_items);
  for (int i = 0; i < n_items; i++) {
    users[2 * i] = i % 50;
    users[2 * i + 1] = (i * 7 + 3) % 50;
    items[2 * i] = items[2 * i + 1] = i;
  }
  bndl_dataset *ds = NULL;
  test_expect_ok(bndl_dataset_create(ctx, &ds));
  bndl_event_columns c = BNDL_EVENT_COLUMNS_INIT;
  c.count = 2 * n_items;
  c.user_ids = users;
  c.item_ids = items;
  test_expect_ok(bndl_dataset_add_events(ds, &c));
  test_expect_ok(bndl_dataset_finalize(ds));
  free(users);
  free(items);
  return ds;
}

static void test_limits(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 2);
  test_expect_ok(bndl_context_set_backend(ctx, "ref"));
  const int n = 400;
  bndl_dataset *ds = wide_dataset(ctx, n);
  int64_t ease_bytes = 0, factor_bytes = 0;
  bndl_config *cfg = model_config(500, 16, 0.01);
  test_expect_ok(bndl_item_model_memory(ds, cfg, "ease", &ease_bytes));
  test_expect_ok(bndl_item_model_memory(ds, cfg, "factors", &factor_bytes));
  /* ref: the matrix, bookkeeping, diag(P), and U = L^-T in double */
  assert_int_equal(ease_bytes, 4LL * n * n + 4096 + 4LL * n + 8LL * n * n);
  /* ref: G, bookkeeping, eigenvalues, eigenvectors and factors, the Cholesky factor; sym_eigen's
   * packed triangle in double, the column sums of 13 row blocks, 16 eigenvectors in double,
   * 20 vectors of n and n flags */
  assert_int_equal(factor_bytes, 4LL * n * n + 4096 + 4 * 16 + 8LL * 16 * n + 8 * 16 * 16 +
                                     (4LL * n * (n + 1) + 8LL * n * 13 + 8LL * 16 * n + 161LL * n));

  /* the measured peak of a build stays within the statement (and is most of it) */
  for (int kind = 0; kind < 2; kind++) {
    int64_t before = t.live_bytes;
    t.peak_bytes = before;
    bndl_item_model *m = NULL;
    test_expect_ok(kind ? bndl_item_model_factors(ds, cfg, &m) : bndl_item_model_ease(ds, cfg, &m));
    int64_t used = t.peak_bytes - before, stated = kind ? factor_bytes : ease_bytes;
    print_message("%s on %d items (ref): stated %lld bytes, measured peak %lld bytes\n", kind ? "factors" : "EASE",
                  n, (long long)stated, (long long)used);
    assert_true(used <= stated);
    assert_true(used >= stated * 9 / 10);
    bndl_item_model_free(m);
  }

  /* On every backend the statement covers what goes through the allocator (vendor
   * libraries' own buffers cannot be measured here). */
  for (int32_t b = 0; bndl_backend_name(b) != NULL; b++) {
    const char *name = bndl_backend_name(b);
    if (!bndl_backend_available(name))
      continue;
    test_expect_ok(bndl_context_set_backend(ctx, name));
    for (int kind = 0; kind < 2; kind++) {
      int64_t stated = 0, before = t.live_bytes;
      test_expect_ok(bndl_item_model_memory(ds, cfg, kind ? "factors" : "ease", &stated));
      t.peak_bytes = before;
      bndl_item_model *m = NULL;
      test_expect_ok(kind ? bndl_item_model_factors(ds, cfg, &m) : bndl_item_model_ease(ds, cfg, &m));
      int64_t used = t.peak_bytes - before;
      print_message("%-7s on %d items (%s): stated %lld bytes, measured peak through the allocator %lld bytes\n",
                    kind ? "factors" : "EASE", n, name, (long long)stated, (long long)used);
      assert_true(used <= stated);
      assert_true(stated >= 4LL * n * n);
      bndl_item_model_free(m);
    }
  }
  test_expect_ok(bndl_context_set_backend(ctx, "ref"));

  /* model.max_items */
  char buf[64], want[256];
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_MAX_ITEMS, 399));
  bndl_item_model *m = (bndl_item_model *)&t; /* must stay untouched */
  assert_int_equal(bndl_item_model_ease(ds, cfg, &m), BNDL_ERR_LIMIT);
  assert_ptr_equal(m, (bndl_item_model *)&t);
  test_assert_error_contains("bndl_item_model_ease: EASE on 400 items: more than model.max_items (399)");
  assert_int_equal(bndl_item_model_factors(ds, cfg, &m), BNDL_ERR_LIMIT);
  test_assert_error_contains("bndl_item_model_factors: item factors (rank 16) on 400 items: more than model.max_items");
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_MAX_ITEMS, 400));

  /* model.max_bytes */
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_MAX_BYTES, ease_bytes - 1));
  assert_int_equal(bndl_item_model_ease(ds, cfg, &m), BNDL_ERR_LIMIT);
  print_message("message: %s\n", bndl_last_error_message());
  test_assert_error_contains("bndl_item_model_ease: EASE on 400 items needs 1.9 MB");
  snprintf(want, sizeof want, "(%s bytes:", grouped(ease_bytes, buf));
  test_assert_error_contains(want);
  test_assert_error_contains("the 400 x 400 float matrix 640.0 kB");
  test_assert_error_contains("workspace of ref's spd_inverse");
  snprintf(want, sizeof want, "model.max_bytes is 1.9 MB (%s bytes)", grouped(ease_bytes - 1, buf));
  test_assert_error_contains(want);
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_MAX_BYTES, ease_bytes));
  test_expect_ok(bndl_item_model_ease(ds, cfg, &m)); /* exactly at the limit: allowed */
  bndl_item_model_free(m);
  test_expect_ok(bndl_config_set_int(cfg, BNDL_KEY_MODEL_MAX_BYTES, 1 << 20));
  assert_int_equal(bndl_item_model_factors(ds, cfg, &m), BNDL_ERR_LIMIT);
  print_message("message: %s\n", bndl_last_error_message());
  snprintf(want, sizeof want, "item factors (rank 16) on 400 items needs 1.5 MB (%s bytes:",
           grouped(factor_bytes, buf));
  test_assert_error_contains(want);
  test_assert_error_contains("workspace of ref's sym_eigen), model.max_bytes is 1.0 MB (1,048,576 bytes)");

  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  assert_int_equal(t.live_blocks, 0);
}

/* ---- errors and lifecycle */

static void test_errors(void **state) {
  (void)state;
  bndl_context *ctx = make_context(1, "ref");
  gen *g = malloc(sizeof *g);
  bndl_dataset *ds = make_dataset(ctx, g);
  bndl_item_model *m = NULL;
  int64_t bytes = 0;

  assert_int_equal(bndl_item_model_ease(NULL, NULL, &m), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_item_model_ease: ds is NULL");
  assert_int_equal(bndl_item_model_factors(ds, NULL, NULL), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_item_model_factors: out is NULL");
  assert_int_equal(bndl_item_model_ease(ds, (const bndl_config *)ds, &m), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("cfg is not a live bndl_config");
  assert_int_equal(bndl_item_model_memory(ds, NULL, "svd", &bytes), BNDL_ERR_NOT_FOUND);
  test_assert_error_contains("bndl_item_model_memory: no item model kind 'svd' (known: \"ease\", \"factors\")");
  assert_int_equal(bndl_item_model_memory(ds, NULL, NULL, &bytes), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_item_model_memory(ds, NULL, "ease", NULL), BNDL_ERR_INVALID_ARGUMENT);
  test_expect_ok(bndl_item_model_memory(ds, NULL, "ease", &bytes));
  assert_true(bytes >= 4 * N_ITEMS * N_ITEMS);

  bndl_dataset *open = NULL;
  test_expect_ok(bndl_dataset_create(ctx, &open));
  assert_int_equal(bndl_item_model_ease(open, NULL, &m), BNDL_ERR_STATE);
  test_assert_error_contains("bndl_item_model_ease: the dataset is not finalized");
  assert_int_equal(bndl_item_model_memory(open, NULL, "ease", &bytes), BNDL_ERR_STATE);
  bndl_dataset_free(open);

  bndl_item_model *e = NULL, *f = NULL;
  test_expect_ok(bndl_item_model_ease(ds, NULL, &e));
  test_expect_ok(bndl_item_model_factors(ds, NULL, &f)); /* defaults: rank 64 -> the 30 items */
  const float *w;
  int64_t rows, cols;
  test_expect_ok(bndl_item_model_weights(f, &w, &rows, &cols));
  assert_int_equal(cols, N_ITEMS);
  assert_int_equal(bndl_item_model_weights(NULL, &w, &rows, &cols), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_item_model_weights((const bndl_item_model *)ds, &w, &rows, &cols), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_item_model_weights: model is not a live bndl_item_model handle");
  assert_int_equal(bndl_item_model_weights(e, NULL, &rows, &cols), BNDL_ERR_INVALID_ARGUMENT);

  float scores[N_ITEMS], u[N_ITEMS];
  int32_t bad[] = {1, N_ITEMS};
  assert_int_equal(bndl_item_model_score(e, bad, NULL, 2, scores, N_ITEMS), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_item_model_score: items[1] is 30, outside the model's items 0..29");
  bad[1] = -1;
  assert_int_equal(bndl_item_model_fold_in(f, bad, NULL, 2, u, N_ITEMS), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_item_model_fold_in: items[1] is -1");
  int32_t good[] = {1, 2};
  float nan_w[] = {1, NAN};
  assert_int_equal(bndl_item_model_score(e, good, nan_w, 2, scores, N_ITEMS), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("weights[1] is not finite");
  assert_int_equal(bndl_item_model_score(e, good, NULL, 2, scores, N_ITEMS - 1), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_item_model_score: n_scores is 29, the model scores 30 items");
  assert_int_equal(bndl_item_model_score(e, good, NULL, -1, scores, N_ITEMS), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_item_model_score(e, NULL, NULL, 2, scores, N_ITEMS), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_item_model_score(e, good, NULL, 2, NULL, N_ITEMS), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_item_model_fold_in(e, good, NULL, 2, u, N_ITEMS), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_item_model_fold_in: model is an EASE model");
  assert_int_equal(bndl_item_model_fold_in(f, good, NULL, 2, u, N_ITEMS - 1), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("rank is 29, the model has rank 30");
  assert_int_equal(bndl_item_model_fold_in(f, good, NULL, 2, NULL, N_ITEMS), BNDL_ERR_INVALID_ARGUMENT);

  /* an empty dataset gives empty models */
  bndl_dataset *empty = NULL;
  test_expect_ok(bndl_dataset_create(ctx, &empty));
  test_expect_ok(bndl_dataset_finalize(empty));
  bndl_item_model *e0 = NULL, *f0 = NULL;
  test_expect_ok(bndl_item_model_ease(empty, NULL, &e0));
  test_expect_ok(bndl_item_model_factors(empty, NULL, &f0));
  test_expect_ok(bndl_item_model_weights(f0, &w, &rows, &cols));
  assert_int_equal(rows, 0);
  assert_int_equal(cols, 0);
  test_expect_ok(bndl_item_model_score(e0, NULL, NULL, 0, scores, 0));
  test_expect_ok(bndl_item_model_fold_in(f0, NULL, NULL, 0, u, 0));
  bndl_item_model_free(e0);
  bndl_item_model_free(f0);
  bndl_dataset_free(empty);

  /* the model outlives its dataset and context */
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  test_expect_ok(bndl_item_model_score(e, good, NULL, 2, scores, N_ITEMS));
  test_expect_ok(bndl_item_model_fold_in(f, good, NULL, 2, u, N_ITEMS));
  bndl_item_model_free(e);
  bndl_item_model_free(f);
  bndl_item_model_free(NULL);
  assert_null(bndl_item_model_kind(NULL));
  free(g);
}

/* Every allocation of both builds fails once in turn: the call fails with
 * OUT_OF_MEMORY and leaves nothing behind, until the first run that sees no failure. */
static void test_out_of_memory(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 2);
  test_expect_ok(bndl_context_set_backend(ctx, "ref"));
  gen *g = malloc(sizeof *g);
  bndl_dataset *ds = make_dataset(ctx, g);
  bndl_config *cfg = model_config(5, 4, 0.01);
  /* One build first, so nothing a context makes once, on first use, is counted below. */
  bndl_item_model *warm = NULL;
  test_expect_ok(bndl_item_model_ease(ds, cfg, &warm));
  bndl_item_model_free(warm);
  for (int kind = 0; kind < 2; kind++) {
    int64_t fails = 0;
    for (int64_t n = 1;; n++) {
      int64_t blocks = t.live_blocks;
      t.fail_at = t.n_allocs + n;
      int64_t failed_before = t.n_failed;
      bndl_item_model *m = NULL;
      bndl_status st = kind ? bndl_item_model_factors(ds, cfg, &m) : bndl_item_model_ease(ds, cfg, &m);
      int hit = t.n_failed > failed_before;
      t.fail_at = 0;
      if (!hit) {
        test_expect_ok(st);
        bndl_item_model_free(m);
        break;
      }
      fails++;
      assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
      assert_null(m);
      assert_int_equal(t.live_blocks, blocks);
    }
    print_message("%s: %lld allocations failed in turn, each cleanly\n", kind ? "factors" : "EASE", (long long)fails);
    assert_true(fails >= 2);
  }
  bndl_config_free(cfg);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  free(g);
  assert_int_equal(t.live_blocks, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ease_reference),  cmocka_unit_test(test_backends_and_threads),
      cmocka_unit_test(test_factors),         cmocka_unit_test(test_fold_in_and_scores),
      cmocka_unit_test(test_limits),          cmocka_unit_test(test_errors),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
