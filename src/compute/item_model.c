/*
 * item_model.c - what the closed-form item models share: the memory they need, the
 * limit checks, the object's life, and scoring.
 *
 * Memory (bndl_item_model_need_of), in bytes, n items, k = min(factors.rank, n):
 *   matrix       4 n^2        the Gram matrix; EASE inverts it and turns it into B in place
 *   model_extra  4 KiB for the model object and bookkeeping (a fallback provider's
 *                state, allocation rounding), plus EASE: 4 n (diag(P)); factors: 4 k
 *                (eigenvalues) + 4 k n (eigenvectors as the op returns them) + 4 n k (the
 *                factors) + 8 k^2 (normal-equations Cholesky) - all counted as live at
 *                once, an upper bound
 *   workspace    what the provider running the dense op allocates on top (the op's
 *                provider is the one the context would dispatch to):
 *                  ref      spd_inverse 8 n^2 (U = L^-T in double);
 *                           sym_eigen 4 n (n + 1) + 8 n ceil(n / 32) + 8 k n + 161 n (the
 *                           lower triangle packed in double, the tridiagonal reduction's
 *                           column sums per block of 32 rows, the k eigenvectors in double,
 *                           20 vectors of n 8-byte entries and n flags: ref_linalg.c)
 *                  openblas spd_inverse 0 (spotrf/spotri in place, column-major on the
 *                           lower triangle); sym_eigen 4 (n + lwork + liwork) + 8 k with
 *                           ssyevr's lwork ~ 40 n and liwork 10 n, counted as 204 n + 8 k
 *                           (OpenBLAS's own fixed per-thread buffers are not counted)
 *                  others   the ref figures (the largest known)
 * The Gram build itself takes nothing besides the matrix (item_gram.c); the dataset is
 * not counted (it exists already).
 *
 * Scoring reads B or V only; sums run in double, in a fixed order, so scores are
 * identical across threads and calls.
 */
#include "compute/item_model.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "core/handle.h"
#include "data/dataset.h"
#include "runtime/runtime.h"

bndl_status bndl_item_model_type_parse(const char *kind_name, bndl_item_model_type *kind) {
  if (strcmp(kind_name, "ease") == 0)
    *kind = BNDL_ITEM_MODEL_EASE;
  else if (strcmp(kind_name, "factors") == 0)
    *kind = BNDL_ITEM_MODEL_FACTORS;
  else
    return bndl_fail(BNDL_ERR_NOT_FOUND, "no item model kind '%s' (known: \"ease\", \"factors\")", kind_name);
  return BNDL_OK;
}

/* ---- saturating int64 arithmetic for sizes (n may be up to INT32_MAX items) */

static int64_t sat_mul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

static int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static int64_t sat_mul3(int64_t a, int64_t b, int64_t c) { return sat_mul(sat_mul(a, b), c); }

enum { BOOKKEEPING = 4096 };

void bndl_item_model_need_of(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model_type kind,
                             bndl_item_model_need *need) {
  int64_t n = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  memset(need, 0, sizeof *need);
  need->n_items = n;
  need->matrix = sat_mul3(4, n, n);
  if (kind == BNDL_ITEM_MODEL_EASE) {
    need->provider = bndl_runtime_op_provider(ds->ctx, offsetof(bndl_backend_ops, spd_inverse));
    need->model_extra = BOOKKEEPING + 4 * n;
    need->workspace = strcmp(need->provider, "openblas") == 0 ? 0 : sat_mul3(8, n, n);
  } else {
    int64_t k = bndl_cfg_int(cfg, BNDL_KEY_FACTORS_RANK);
    if (k > n)
      k = n;
    need->rank = k;
    need->provider = bndl_runtime_op_provider(ds->ctx, offsetof(bndl_backend_ops, sym_eigen));
    need->model_extra = sat_add(sat_add(BOOKKEEPING + 4 * k, sat_mul3(8, k, n)), sat_mul3(8, k, k));
    if (strcmp(need->provider, "openblas") == 0)
      need->workspace = sat_add(sat_mul(204, n), 8 * k);
    else
      need->workspace = sat_add(sat_add(sat_mul3(4, n, n + 1), sat_mul3(8, n, (n + 31) / 32)),
                                sat_add(sat_mul3(8, k, n), sat_mul(161, n)));
  }
  need->total = sat_add(sat_add(need->matrix, need->model_extra), need->workspace);
}

/* ---- messages: "45,000" and "8.1 GB" */

static const char *grouped(int64_t v, char buf[32]) {
  char digits[24];
  int len = snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
  int out = 0;
  if (v < 0)
    buf[out++] = '-';
  for (int i = 0; i < len; i++) {
    if (i > 0 && (len - i) % 3 == 0)
      buf[out++] = ',';
    buf[out++] = digits[i];
  }
  buf[out] = '\0';
  return buf;
}

static const char *human_bytes(int64_t v, char buf[32]) {
  double d = (double)v;
  if (d >= 1e9)
    snprintf(buf, 32, "%.1f GB", d / 1e9);
  else if (d >= 1e6)
    snprintf(buf, 32, "%.1f MB", d / 1e6);
  else if (d >= 1e3)
    snprintf(buf, 32, "%.1f kB", d / 1e3);
  else
    snprintf(buf, 32, "%lld bytes", (long long)v);
  return buf;
}

bndl_status bndl_item_model_check_limits(const bndl_config *cfg, bndl_item_model_type kind,
                                         const bndl_item_model_need *need) {
  int64_t max_items = bndl_cfg_int(cfg, BNDL_KEY_MODEL_MAX_ITEMS);
  int64_t max_bytes = bndl_cfg_int(cfg, BNDL_KEY_MODEL_MAX_BYTES);
  char what[64], n_items[32], total[32], total_exact[32], matrix[32], extra[32], ws[32], lim[32], lim_exact[32];
  if (kind == BNDL_ITEM_MODEL_EASE)
    snprintf(what, sizeof what, "EASE");
  else
    snprintf(what, sizeof what, "item factors (rank %lld)", (long long)need->rank);
  grouped(need->n_items, n_items);
  human_bytes(need->total, total);
  if (need->n_items > max_items)
    return bndl_fail(BNDL_ERR_LIMIT, "%s on %s items: more than model.max_items (%s); it would need %s", what,
                     n_items, grouped(max_items, lim), total);
  if (need->total > max_bytes)
    return bndl_fail(BNDL_ERR_LIMIT,
                     "%s on %s items needs %s (%s bytes: the %s x %s float matrix %s, %s besides, %s workspace of "
                     "%s's %s), model.max_bytes is %s (%s bytes)",
                     what, n_items, total, grouped(need->total, total_exact), n_items, n_items,
                     human_bytes(need->matrix, matrix), human_bytes(need->model_extra, extra),
                     human_bytes(need->workspace, ws), need->provider,
                     kind == BNDL_ITEM_MODEL_EASE ? "spd_inverse" : "sym_eigen", human_bytes(max_bytes, lim),
                     grouped(max_bytes, lim_exact));
  return BNDL_OK;
}

/* ---- object life */

bndl_status bndl_item_model_alloc(bndl_context *ctx, bndl_item_model_type kind, int64_t rows, int64_t cols,
                                  bndl_item_model **out) {
  const bndl_allocator *a = &ctx->alloc;
  size_t cells;
  if (!bndl_mul_size((size_t)rows, (size_t)cols, &cells))
    return bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "a %lld x %lld matrix does not fit in memory", (long long)rows,
                     (long long)cols);
  bndl_item_model *m = bndl_zalloc(a, sizeof *m);
  if (m == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  m->weights = bndl_alloc_array(a, cells + 1, sizeof *m->weights);
  if (m->weights == NULL) {
    bndl_free(a, m);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  m->kind = kind;
  m->rows = rows;
  m->cols = cols;
  bndl_context_retain(ctx);
  m->ctx = ctx;
  *out = m;
  return BNDL_OK;
}

void bndl_item_model_destroy(bndl_item_model *m) {
  bndl_context *ctx = m->ctx;
  const bndl_allocator *a = &ctx->alloc;
  m->magic = BNDL_MAGIC_FREED;
  bndl_free(a, m->weights);
  bndl_free(a, m->eigenvalues);
  bndl_free(a, m->normal_chol);
  bndl_free(a, m);
  bndl_context_release(ctx);
}

/* ---- scoring */

enum { SCORE_BLOCK = 256 };

/* scores[j] = sum_h w_h B[items_h][j], in history order, blockwise in double so one pass
 * over the history rows reads each B row slice once per block. */
static void ease_scores(const bndl_item_model *m, const int32_t *items, const float *weights, int64_t n,
                        float *scores) {
  double acc[SCORE_BLOCK];
  for (int64_t j0 = 0; j0 < m->cols; j0 += SCORE_BLOCK) {
    int64_t len = m->cols - j0 < SCORE_BLOCK ? m->cols - j0 : SCORE_BLOCK;
    memset(acc, 0, sizeof acc);
    for (int64_t h = 0; h < n; h++) {
      double w = weights ? weights[h] : 1.0;
      const float *b = m->weights + (int64_t)items[h] * m->cols + j0;
      for (int64_t j = 0; j < len; j++)
        acc[j] += w * b[j];
    }
    for (int64_t j = 0; j < len; j++)
      scores[j0 + j] = (float)acc[j];
  }
}

bndl_status bndl_item_model_scores(const bndl_item_model *m, const int32_t *items, const float *weights, int64_t n,
                                   float *scores) {
  if (m->kind == BNDL_ITEM_MODEL_EASE) {
    ease_scores(m, items, weights, n, scores);
    return BNDL_OK;
  }
  const bndl_allocator *a = &m->ctx->alloc;
  float *u = bndl_alloc_array(a, (size_t)m->cols + 1, sizeof *u);
  if (u == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_status st = bndl_item_model_user_factors(m, items, weights, n, u);
  if (st == BNDL_OK) {
    /* scores = V u with the float u fold-in returns, so a caller's V * fold_in agrees */
    for (int64_t i = 0; i < m->rows; i++) {
      const float *v = m->weights + i * m->cols;
      double s = 0;
      for (int64_t r = 0; r < m->cols; r++)
        s += (double)v[r] * u[r];
      scores[i] = (float)s;
    }
  }
  bndl_free(a, u);
  return st;
}
