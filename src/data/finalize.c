/*
 * finalize.c - catalogue merge, cleaning, time ordering, bundle indices, then the
 * derived interactions and features; finally the dataset is frozen.
 *
 * Events are stored in (user, time, arrival) order after finalize, so a user's history
 * is one contiguous slice [user_offsets[u], user_offsets[u+1]).
 */
#include "data/finalize.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/sort.h"
#include "data/clean.h"

/* ---- catalogue: rows -> per-item arrays */

static bndl_status merge_catalogue(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  int32_t n = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  bndl_catalogue *c = &ds->cat;
  const bndl_catalogue_rows *r = &ds->cat_rows;
  size_t items = (size_t)n + 1;
  c->price = bndl_alloc_array(a, items, sizeof *c->price);
  c->cost = bndl_alloc_array(a, items, sizeof *c->cost);
  c->stock = bndl_alloc_array(a, items, sizeof *c->stock);
  c->category = bndl_alloc_array(a, items, sizeof *c->category);
  c->title_off = bndl_zalloc_array(a, items + 1, sizeof *c->title_off);
  c->listed = bndl_zalloc_array(a, items, 1);
  int64_t *title_row = bndl_alloc_array(a, items, sizeof *title_row);
  if (!c->price || !c->cost || !c->stock || !c->category || !c->title_off || !c->listed || !title_row) {
    bndl_free(a, title_row);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  for (int32_t i = 0; i < n; i++) {
    c->price[i] = c->cost[i] = NAN;
    c->stock[i] = -1;
    c->category[i] = -1;
    title_row[i] = -1;
  }
  bndl_status st = BNDL_OK;
  /* Two passes: derived rows first (they only fill items no explicit row lists), then
   * explicit rows in arrival order, later known fields overriding earlier ones. */
  for (int pass = 0; pass < 2 && st == BNDL_OK; pass++) {
    for (size_t k = 0; k < r->n && st == BNDL_OK; k++) {
      if ((pass == 0) != (r->derived[k] != 0))
        continue;
      int32_t i = r->item[k];
      if (pass == 1 && c->listed[i] == 2) {
        char why[160];
        snprintf(why, sizeof why, "item '%s' was listed before; known fields of this row were merged into it",
                 bndl_id_map_name(&ds->ids->map[BNDL_IDS_ITEM], i));
        st = bndl_report_drop(&ds->report, r->source[k], BNDL_DROP_CATALOGUE_MERGED, r->line[k], NULL, NULL, 0,
                              why, 0);
      }
      if (pass == 1 && c->listed[i] == 1) { /* explicit data replaces derived data */
        c->price[i] = c->cost[i] = NAN;
        c->stock[i] = -1;
        c->category[i] = -1;
        title_row[i] = -1;
      }
      if (!isnan(r->price[k]))
        c->price[i] = r->price[k];
      if (!isnan(r->cost[k]))
        c->cost[i] = r->cost[k];
      if (r->stock[k] >= 0)
        c->stock[i] = r->stock[k];
      if (r->category[k] >= 0)
        c->category[i] = r->category[k];
      if (r->title_len[k] >= 0)
        title_row[i] = (int64_t)k;
      c->listed[i] = pass == 0 ? 1 : 2;
    }
  }
  /* Titles into one arena, in item order. */
  for (int32_t i = 0; i < n && st == BNDL_OK; i++) {
    if (title_row[i] >= 0) {
      size_t k = (size_t)title_row[i];
      st = bndl_bytes_append(a, &c->titles, bndl_bytes_at(&r->titles, r->title_off[k]), (size_t)r->title_len[k], NULL);
    }
    c->title_off[i + 1] = (int64_t)c->titles.len;
  }
  bndl_free(a, title_row);
  return st;
}

/* ---- events: clean, order by (user, time, arrival), compact */

static bndl_status order_events(bndl_dataset *ds, const uint8_t *drop, uint32_t **order_out, int64_t **off_out) {
  const bndl_allocator *a = ds->alloc;
  const bndl_event_rows *e = &ds->ev;
  int32_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER);
  uint32_t *order = bndl_alloc_array(a, e->n + 1, sizeof *order);
  uint32_t *tmp = bndl_alloc_array(a, e->n + 1, sizeof *tmp);
  int64_t *off = bndl_alloc_array(a, (size_t)n_users + 2, sizeof *off);
  int32_t *user_key = bndl_alloc_array(a, e->n + 1, sizeof *user_key);
  if (!order || !tmp || !off || !user_key) {
    bndl_free(a, order);
    bndl_free(a, tmp);
    bndl_free(a, off);
    bndl_free(a, user_key);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  /* Dropped rows go to an extra bucket n_users, past every user. */
  for (size_t i = 0; i < e->n; i++)
    user_key[i] = drop && drop[i] ? n_users : e->user[i];
  bndl_counting_sort(user_key, e->n, n_users + 1, order, off);
  for (int32_t u = 0; u < n_users; u++)
    bndl_sort_idx_by_i64(order + off[u], (size_t)(off[u + 1] - off[u]), e->ts, tmp);
  bndl_free(a, tmp);
  bndl_free(a, user_key);
  *order_out = order;
  *off_out = off;
  return BNDL_OK;
}

/* Permutes every column of the event table by order[0..n) and keeps the first n. */
static bndl_status compact_events(bndl_dataset *ds, const uint32_t *order, size_t n) {
  const bndl_allocator *a = ds->alloc;
  bndl_event_rows *e = &ds->ev;
  void *scratch = bndl_alloc_array(a, n + 1, sizeof(int64_t));
  if (scratch == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
#define PERMUTE(col)                                      \
  do {                                                    \
    __typeof__(e->col) s_ = scratch;                      \
    for (size_t k = 0; k < n; k++)                        \
      s_[k] = e->col[order[k]];                           \
    if (n) /* no events at all: the columns are NULL */   \
      memcpy(e->col, s_, n * sizeof *e->col);             \
  } while (0)
  PERMUTE(user); PERMUTE(item); PERMUTE(order); PERMUTE(ts); PERMUTE(qty); PERMUTE(price); PERMUTE(weight); PERMUTE(type);
  PERMUTE(part); PERMUTE(source); PERMUTE(line);
#undef PERMUTE
  bndl_free(a, scratch);
  e->n = n;
  return BNDL_OK;
}

static bndl_status finalize_events(bndl_dataset *ds, int clean) {
  const bndl_allocator *a = ds->alloc;
  bndl_event_rows *e = &ds->ev;
  int32_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER);
  uint8_t *drop = bndl_zalloc(a, e->n + 1);
  if (drop == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  uint32_t *order = NULL;
  int64_t *off = NULL;
  bndl_status st = BNDL_OK;
  if (clean) {
    if (bndl_cfg_int(ds->cfg, BNDL_KEY_CLEAN_DROP_DUPLICATES))
      BNDL_TRY_GOTO(st, bndl_clean_duplicates(ds, drop), done);
    bndl_clean_unknown_items(ds, drop);
    BNDL_TRY_GOTO(st, order_events(ds, drop, &order, &off), done);
    BNDL_TRY_GOTO(st, bndl_clean_repeats(ds, order, off, drop), done);
    BNDL_TRY_GOTO(st, bndl_clean_anomalous_users(ds, order, off, drop), done);
    BNDL_TRY_GOTO(st, bndl_clean_report(ds, drop), done);
    bndl_free(a, order);
    bndl_free(a, off);
    order = NULL;
    off = NULL;
  }
  BNDL_TRY_GOTO(st, order_events(ds, drop, &order, &off), done);
  BNDL_TRY_GOTO(st, compact_events(ds, order, (size_t)off[n_users]), done);
  ds->user_offsets = bndl_alloc_array(a, (size_t)n_users + 1, sizeof *ds->user_offsets);
  if (ds->user_offsets == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  memcpy(ds->user_offsets, off, ((size_t)n_users + 1) * sizeof *off);
done:
  bndl_free(a, drop);
  bndl_free(a, order);
  bndl_free(a, off);
  return st;
}

/* ---- pair tables: drop exact duplicate pairs (and same part) */

static bndl_status dedup_pairs(bndl_dataset *ds, bndl_pair_rows *t, int ids_a, const char *what, int by_time) {
  const bndl_allocator *a = ds->alloc;
  if (t->n == 0)
    return BNDL_OK;
  int32_t n_a = bndl_dataset_n(ds, ids_a);
  uint32_t *order = bndl_alloc_array(a, t->n, sizeof *order);
  uint32_t *tmp = bndl_alloc_array(a, t->n, sizeof *tmp);
  int64_t *off = bndl_alloc_array(a, (size_t)n_a + 1, sizeof *off);
  bndl_status st = BNDL_OK;
  if (!order || !tmp || !off) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  bndl_counting_sort(t->a, t->n, n_a, order, off);
  size_t w = 0;
  for (int32_t g = 0; g < n_a; g++) {
    size_t w_start = w;
    uint32_t *seg = order + off[g];
    size_t len = (size_t)(off[g + 1] - off[g]);
    bndl_sort_idx_by_i32(seg, len, t->b, tmp);
    for (size_t k = 0; k < len; k++) {
      uint32_t i = seg[k];
      int dup = 0;
      for (size_t q = k; q > 0 && t->b[seg[q - 1]] == t->b[i] && !dup; q--)
        dup = t->part[seg[q - 1]] == t->part[i];
      if (dup) {
        char why[200];
        snprintf(why, sizeof why, "%s pair repeats an earlier row", what);
        BNDL_TRY_GOTO(st, bndl_report_drop(&ds->report, t->source[i], BNDL_DROP_DUPLICATE, t->line[i], NULL, NULL, 0,
                                           why, 0),
                      done);
        continue;
      }
      order[w++] = i;
    }
    /* user-bundle rows: time order within a user, so "last" means latest */
    if (by_time)
      bndl_sort_idx_by_i64(order + w_start, w - w_start, t->ts, tmp);
  }
  /* Keep rows grouped by a: bundle membership then becomes a CSR directly. */
  {
    int32_t *ca = (int32_t *)tmp;
    for (size_t k = 0; k < w; k++) ca[k] = t->a[order[k]];
    int32_t *cb = bndl_alloc_array(a, w + 1, sizeof *cb);
    int64_t *cts = bndl_alloc_array(a, w + 1, sizeof *cts);
    uint8_t *cp = bndl_alloc_array(a, w + 1, 1);
    if (!cb || !cts || !cp) {
      bndl_free(a, cb);
      bndl_free(a, cts);
      bndl_free(a, cp);
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto done;
    }
    for (size_t k = 0; k < w; k++) {
      cb[k] = t->b[order[k]];
      cts[k] = t->ts[order[k]];
      cp[k] = t->part[order[k]];
    }
    memcpy(t->a, ca, w * sizeof *ca);
    memcpy(t->b, cb, w * sizeof *cb);
    memcpy(t->ts, cts, w * sizeof *cts);
    memcpy(t->part, cp, w);
    bndl_free(a, cb);
    bndl_free(a, cts);
    bndl_free(a, cp);
    t->n = w;
  }
done:
  bndl_free(a, order);
  bndl_free(a, tmp);
  bndl_free(a, off);
  return st;
}

static bndl_status build_bundle_csr(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  int32_t n_b = bndl_dataset_n(ds, BNDL_IDS_BUNDLE);
  const bndl_pair_rows *t = &ds->bundle_items;
  ds->bundle_indptr = bndl_zalloc_array(a, (size_t)n_b + 1, sizeof *ds->bundle_indptr);
  ds->bundle_members = bndl_alloc_array(a, t->n + 1, sizeof *ds->bundle_members);
  if (!ds->bundle_indptr || !ds->bundle_members)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (size_t k = 0; k < t->n; k++) {
    ds->bundle_indptr[t->a[k] + 1]++;
    ds->bundle_members[k] = t->b[k];
  }
  for (int32_t b = 0; b < n_b; b++)
    ds->bundle_indptr[b + 1] += ds->bundle_indptr[b];
  return BNDL_OK;
}

static void compute_reference_time(bndl_dataset *ds) {
  int64_t ref = bndl_cfg_int(ds->cfg, BNDL_KEY_REFERENCE_TIME);
  if (ref == 0) {
    ref = INT64_MIN;
    for (size_t i = 0; i < ds->ev.n; i++)
      if (ds->ev.ts[i] > ref)
        ref = ds->ev.ts[i];
    for (size_t i = 0; i < ds->rv.n; i++)
      if (ds->rv.ts[i] != INT64_MIN && ds->rv.ts[i] > ref && ds->has_real_time)
        ref = ds->rv.ts[i];
    if (ref == INT64_MIN)
      ref = 0;
  }
  ds->reference_time = ref;
}

bndl_status bndl_finalize(bndl_dataset *ds, int clean) {
  if (ds->has_real_time && ds->has_ordinal_time)
    return bndl_fail(BNDL_ERR_FORMAT, "events from inputs with timestamps and from inputs without (time format "
                                      "\"ordinal\") cannot be ordered together; give every events input a time");
  BNDL_TRY(merge_catalogue(ds));
  BNDL_TRY(finalize_events(ds, clean));
  BNDL_TRY(dedup_pairs(ds, &ds->bundle_items, BNDL_IDS_BUNDLE, "bundle membership", 0));
  BNDL_TRY(dedup_pairs(ds, &ds->user_bundles, BNDL_IDS_USER, "user-bundle", 1));
  BNDL_TRY(build_bundle_csr(ds));
  compute_reference_time(ds);
  BNDL_TRY(bndl_build_interactions(ds));
  BNDL_TRY(bndl_build_features(ds));
  /* Provenance is only needed to report drops, and drops happen no more. */
  bndl_free(ds->alloc, ds->ev.source);
  bndl_free(ds->alloc, ds->ev.line);
  ds->ev.source = NULL;
  ds->ev.line = NULL;
  ds->finalized = 1;
  bndl_log(ds->ctx, BNDL_LOG_INFO, "dataset finalized: %d users, %d items, %d bundles, %zu events, %zu reviews",
           bndl_dataset_n(ds, BNDL_IDS_USER), bndl_dataset_n(ds, BNDL_IDS_ITEM), bndl_dataset_n(ds, BNDL_IDS_BUNDLE),
           ds->ev.n, ds->rv.n);
  return BNDL_OK;
}
