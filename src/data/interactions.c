/*
 * interactions.c - the weighted user x item matrix every similarity and model reads.
 *
 * weight(event) = w[type] * explicit weight * (|quantity| if weight.by_quantity and the type is a
 * purchase, return or cart) * (rating for rating events) * 0.5^(age / half-life),
 * summed per (user, item). Returns carry a negative weight, so a bought-then-returned
 * item can end at or below zero, which downstream code reads as "not liked". Entries
 * whose sum is exactly 0 are kept: the user did interact.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/sort.h"
#include "data/finalize.h"

double bndl_event_weight(const bndl_dataset *ds, const double w[BNDL_EVENT_TYPE_COUNT + 1], int by_qty,
                         double half_life_s, size_t i) {
  const bndl_event_rows *e = &ds->ev;
  int t = e->type[i];
  double v = w[t] * e->weight[i];
  if (t == BNDL_EVENT_RATING)
    v *= e->qty[i];
  else if (by_qty && (t == BNDL_EVENT_PURCHASE || t == BNDL_EVENT_RETURN || t == BNDL_EVENT_CART))
    v *= fabs(e->qty[i]);
  if (half_life_s > 0) {
    double age = ((double)ds->reference_time - (double)e->ts[i]);
    v *= exp2(-(age > 0 ? age : 0) / half_life_s);
  }
  return v;
}

bndl_status bndl_build_interactions(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  const bndl_event_rows *e = &ds->ev;
  int32_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER);
  double w[BNDL_EVENT_TYPE_COUNT + 1] = {0};
  w[BNDL_EVENT_VIEW] = bndl_cfg_float(ds->cfg, BNDL_KEY_WEIGHT_VIEW);
  w[BNDL_EVENT_CLICK] = bndl_cfg_float(ds->cfg, BNDL_KEY_WEIGHT_CLICK);
  w[BNDL_EVENT_CART] = bndl_cfg_float(ds->cfg, BNDL_KEY_WEIGHT_CART);
  w[BNDL_EVENT_PURCHASE] = bndl_cfg_float(ds->cfg, BNDL_KEY_WEIGHT_PURCHASE);
  w[BNDL_EVENT_RETURN] = bndl_cfg_float(ds->cfg, BNDL_KEY_WEIGHT_RETURN);
  w[BNDL_EVENT_RATING] = bndl_cfg_float(ds->cfg, BNDL_KEY_WEIGHT_RATING);
  int by_qty = (int)bndl_cfg_int(ds->cfg, BNDL_KEY_WEIGHT_BY_QUANTITY);
  double half_life = bndl_cfg_float(ds->cfg, BNDL_KEY_DECAY_HALF_LIFE_DAYS);
  if (half_life > 0 && !ds->has_real_time) {
    bndl_log(ds->ctx, BNDL_LOG_WARN, "weight.decay_half_life_days ignored: the events have no timestamps");
    half_life = 0;
  }
  double half_life_s = half_life * 86400.0;

  ds->ix_indptr = bndl_zalloc_array(a, (size_t)n_users + 1, sizeof *ds->ix_indptr);
  uint32_t *idx = bndl_alloc_array(a, e->n + 1, sizeof *idx);
  uint32_t *tmp = bndl_alloc_array(a, e->n + 1, sizeof *tmp);
  int32_t *items = bndl_alloc_array(a, e->n + 1, sizeof *items);
  float *weights = bndl_alloc_array(a, e->n + 1, sizeof *weights);
  bndl_status st = BNDL_OK;
  if (!ds->ix_indptr || !idx || !tmp || !items || !weights) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  size_t nnz = 0;
  for (int32_t u = 0; u < n_users; u++) {
    size_t lo = (size_t)ds->user_offsets[u], hi = (size_t)ds->user_offsets[u + 1];
    for (size_t k = lo; k < hi; k++)
      idx[k - lo] = (uint32_t)k;
    bndl_sort_idx_by_i32(idx, hi - lo, e->item, tmp);
    for (size_t k = 0; k < hi - lo;) {
      int32_t item = e->item[idx[k]];
      double sum = 0;
      /* summed in time order within the item, so the float result is reproducible */
      for (; k < hi - lo && e->item[idx[k]] == item; k++)
        sum += bndl_event_weight(ds, w, by_qty, half_life_s, idx[k]);
      items[nnz] = item;
      weights[nnz] = (float)sum;
      nnz++;
    }
    ds->ix_indptr[u + 1] = (int64_t)nnz;
  }
  ds->ix_items = bndl_realloc_array(a, items, e->n + 1, nnz + 1, sizeof *items);
  ds->ix_weights = bndl_realloc_array(a, weights, e->n + 1, nnz + 1, sizeof *weights);
  if (ds->ix_items)
    items = NULL;
  if (ds->ix_weights)
    weights = NULL;
  if (!ds->ix_items || !ds->ix_weights)
    st = BNDL_ERR_OUT_OF_MEMORY;
done:
  bndl_free(a, idx);
  bndl_free(a, tmp);
  bndl_free(a, items);
  bndl_free(a, weights);
  return st;
}
