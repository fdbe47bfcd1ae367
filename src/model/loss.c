/*
 * loss.c - scoring heads and the BCE / sampled-softmax losses (see loss.h).
 *
 * Logits are a rows x ncol matrix: column 0 the positive, columns 1..K the per-position
 * negatives (when not shared), then the K shared negatives (when shared). A candidate
 * is "in" when its id is >= 0, its row has a target, and (sampled softmax with
 * remove_accidental_hits) it is not the row's positive. Everything that is not in gets
 * a zero logit gradient, so it moves nothing.
 */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "model/loss.h"
#include "runtime/runtime.h"

typedef struct head {
  const bndl_nn_targets *t;
  int64_t kr, c, ks, ncol; /* per-row negatives, per-row candidates (1 + kr), shared, columns */
  int softmax;
} head;

static int32_t cand_id(const head *hd, int64_t r, int64_t j) {
  const bndl_nn_targets *t = hd->t;
  if (j == 0)
    return t->pos[r];
  if (j < hd->c)
    return t->neg[r * t->n_neg + (j - 1)];
  return t->neg[j - hd->c];
}

static int cand_in(const head *hd, int64_t r, int64_t j) {
  int32_t pos = hd->t->pos[r], id = cand_id(hd, r, j);
  if (pos < 0 || id < 0)
    return 0;
  return !(j > 0 && hd->softmax && hd->t->remove_accidental_hits && id == pos);
}

static float logq(const head *hd, int64_t r, int64_t j) {
  const bndl_nn_targets *t = hd->t;
  if (j == 0)
    return t->logq_pos ? t->logq_pos[r] : 0.0f;
  if (t->logq_neg == NULL)
    return 0.0f;
  return j < hd->c ? t->logq_neg[r * t->n_neg + (j - 1)] : t->logq_neg[j - hd->c];
}

static double softplus(double x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

static double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }

/* Rows of `src` (table rows by id, zero for id < 0) into dst (n x dim). */
static void gather(const float *table, int64_t dim, const int32_t *id, int64_t n, float *dst) {
  for (int64_t i = 0; i < n; i++) {
    if (id[i] >= 0)
      memcpy(dst + i * dim, table + (int64_t)id[i] * dim, (size_t)dim * sizeof(float));
    else
      memset(dst + i * dim, 0, (size_t)dim * sizeof(float));
  }
}

bndl_status bndl_nn_loss(const bndl_nn *nn, bndl_nn_loss_kind kind, const bndl_nn_embedding *items,
                         const bndl_nn_targets *t, const float *h, double *loss, float *dh) {
  int64_t rows = t->rows, d = items->dim, k = t->n_neg;
  head hd = {t, t->shared_neg ? 0 : k, 1 + (t->shared_neg ? 0 : k), t->shared_neg ? k : 0, 0,
             kind == BNDL_NN_LOSS_SAMPLED_SOFTMAX};
  hd.ncol = hd.c + hd.ks;
  if (kind != BNDL_NN_LOSS_BCE && kind != BNDL_NN_LOSS_SAMPLED_SOFTMAX)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "unknown loss kind %d", (int)kind);
  int64_t n_ids = t->shared_neg ? k : rows * k;
  for (int64_t i = 0; i < rows + n_ids; i++) {
    int32_t id = i < rows ? t->pos[i] : t->neg[i - rows];
    if (id >= items->rows)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%s %lld: item %d is outside the item table (%lld items)",
                       i < rows ? "target of row" : "negative", (long long)(i < rows ? i : i - rows), id,
                       (long long)items->rows);
  }
  const float *table = bndl_nn_value(nn->params, items->table);
  bndl_nn_mark mark = bndl_nn_arena_mark(nn->arena);
  float *g = bndl_nn_arena_floats(nn->arena, rows * hd.c * d);
  float *lg = bndl_nn_arena_floats(nn->arena, rows * hd.ncol), *dl = bndl_nn_arena_floats(nn->arena, rows * hd.ncol);
  float *es = hd.ks ? bndl_nn_arena_floats(nn->arena, hd.ks * d) : NULL;
  int32_t *ids = bndl_nn_arena_alloc(nn->arena, (size_t)(rows * hd.c) * sizeof(int32_t));
  if (g == NULL || lg == NULL || dl == NULL || ids == NULL || (hd.ks && es == NULL))
    return BNDL_ERR_OUT_OF_MEMORY;

  /* scores */
  for (int64_t r = 0; r < rows; r++)
    for (int64_t j = 0; j < hd.c; j++)
      ids[r * hd.c + j] = cand_id(&hd, r, j);
  gather(table, d, ids, rows * hd.c, g);
  BNDL_TRY(bndl_nn_gemm_batched(nn, 0, 0, hd.c, 1, d, rows, 1.0f, g, d, hd.c * d, h, 1, d, 0.0f, lg, 1, hd.ncol));
  if (hd.ks) {
    gather(table, d, t->neg, hd.ks, es);
    BNDL_TRY(bndl_nn_gemm(nn, 0, 1, rows, hd.ks, d, 1.0f, h, d, es, d, 0.0f, lg + hd.c, hd.ncol));
  }

  int64_t n_valid = 0;
  for (int64_t r = 0; r < rows; r++)
    n_valid += t->pos[r] >= 0;
  double inv = n_valid > 0 ? 1.0 / (double)n_valid : 0.0, sum = 0;
  if (kind == BNDL_NN_LOSS_BCE) {
    for (int64_t r = 0; r < rows; r++)
      for (int64_t j = 0; j < hd.ncol; j++) {
        float *o = dl + r * hd.ncol + j;
        if (!cand_in(&hd, r, j)) {
          *o = 0.0f;
          continue;
        }
        double s = lg[r * hd.ncol + j];
        sum += j == 0 ? softplus(-s) : softplus(s);
        *o = (float)((sigmoid(s) - (j == 0 ? 1.0 : 0.0)) * inv);
      }
  } else {
    for (int64_t r = 0; r < rows; r++) {
      float *l = lg + r * hd.ncol;
      if (t->pos[r] < 0) {
        memset(l, 0, (size_t)hd.ncol * sizeof(float)); /* finite for the softmax; gradient zeroed below */
        continue;
      }
      double mx = -INFINITY, se = 0;
      for (int64_t j = 0; j < hd.ncol; j++) {
        l[j] = cand_in(&hd, r, j) ? l[j] - logq(&hd, r, j) : -INFINITY;
        mx = l[j] > mx ? l[j] : mx;
      }
      for (int64_t j = 0; j < hd.ncol; j++)
        se += exp((double)l[j] - mx);
      sum += mx + log(se) - l[0];
    }
    BNDL_TRY(bndl_op_softmax(nn->ctx, rows, hd.ncol, lg, hd.ncol, dl, hd.ncol));
    for (int64_t r = 0; r < rows; r++)
      for (int64_t j = 0; j < hd.ncol; j++) {
        float *o = dl + r * hd.ncol + j;
        *o = cand_in(&hd, r, j) ? (float)(((double)*o - (j == 0 ? 1.0 : 0.0)) * inv) : 0.0f;
      }
  }
  *loss = sum * inv;
  if (dh == NULL) {
    bndl_nn_arena_release(nn->arena, mark);
    return BNDL_OK;
  }

  /* dh = G^T dl (per row) + dl_shared Es;  dG = dl h^T (per row);  dEs = dl_shared^T h */
  BNDL_TRY(bndl_nn_gemm_batched(nn, 1, 0, d, 1, hd.c, rows, 1.0f, g, d, hd.c * d, dl, 1, hd.ncol, 0.0f, dh, 1, d));
  if (hd.ks)
    BNDL_TRY(bndl_nn_gemm(nn, 0, 0, rows, d, hd.ks, 1.0f, dl + hd.c, hd.ncol, es, d, 1.0f, dh, d));
  BNDL_TRY(bndl_nn_gemm_batched(nn, 0, 0, hd.c, d, 1, rows, 1.0f, dl, 1, hd.ncol, h, d, d, 0.0f, g, d, hd.c * d));
  float *ge = bndl_nn_grad(nn->params, items->table);
  for (int64_t i = 0; i < rows * hd.c; i++)
    if (ids[i] >= 0)
      bndl_nn_add(d, ge + (int64_t)ids[i] * d, g + i * d);
  if (hd.ks) {
    BNDL_TRY(bndl_nn_gemm(nn, 1, 0, hd.ks, d, rows, 1.0f, dl + hd.c, hd.ncol, h, d, 0.0f, es, d));
    for (int64_t i = 0; i < hd.ks; i++)
      if (t->neg[i] >= 0)
        bndl_nn_add(d, ge + (int64_t)t->neg[i] * d, es + i * d);
  }
  bndl_nn_arena_release(nn->arena, mark);
  return BNDL_OK;
}
