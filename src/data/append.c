/*
 * append.c - typed rows from memory into the same ingest path as files.
 */
#include "data/append.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "data/ingest.h"
#include "data/utf8.h"

/* An id as a span: the string, or the decimal spelling of the int64 (in buf). */
static bndl_text_field id_span(const int64_t *ids, const char *const *names, int64_t i, char buf[24]) {
  bndl_text_field t;
  if (ids) {
    int n = snprintf(buf, 24, "%" PRId64, ids[i]);
    t.p = buf;
    t.len = (size_t)n;
  } else {
    t.p = names[i];
    t.len = names[i] ? strlen(names[i]) : 0;
  }
  return t;
}

static bndl_status check_ids(const char *what, const int64_t *ids, const char *const *names, int required) {
  if (ids && names)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "give either %s_ids or %s_names, not both", what, what);
  if (required && !ids && !names)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%s_ids and %s_names are both NULL", what, what);
  return BNDL_OK;
}

/* Drops a row whose string id is missing or not UTF-8; returns 1 if dropped. */
static int bad_id(bndl_ingest *g, bndl_text_field t, bndl_field f, int64_t row, bndl_status *st) {
  if (t.p == NULL || t.len == 0) {
    *st = bndl_ingest_drop(g, BNDL_DROP_MISSING_FIELD, -row, f, NULL, 0, "id is NULL or empty");
    return 1;
  }
  size_t bad = bndl_utf8_invalid_at(t.p, t.len);
  if (bad < t.len) {
    *st = bndl_ingest_drop(g, BNDL_DROP_INVALID_UTF8, -row, f, t.p, t.len, "id is not valid UTF-8");
    return 1;
  }
  return 0;
}

static bndl_status begin(bndl_dataset *ds, bndl_ingest *g, bndl_table_kind kind, const char *fn) {
  char label[96];
  snprintf(label, sizeof label, "%s call %d", fn, (int)++ds->api_calls);
  return bndl_ingest_begin(g, ds, NULL, kind, label);
}

static bndl_status finish(bndl_dataset *ds, bndl_ingest *g, bndl_status st, const bndl_dataset_mark *mark) {
  if (st == BNDL_OK)
    st = bndl_ingest_commit(g);
  bndl_ingest_end(g);
  if (st != BNDL_OK)
    bndl_dataset_rollback(ds, mark);
  return st;
}

bndl_status bndl_append_events(bndl_dataset *ds, const bndl_event_columns *c) {
  BNDL_TRY(check_ids("user", c->user_ids, c->user_names, 1));
  BNDL_TRY(check_ids("item", c->item_ids, c->item_names, 1));
  bndl_dataset_mark mark;
  bndl_dataset_mark_get(ds, &mark);
  bndl_ingest g;
  BNDL_TRY(begin(ds, &g, BNDL_TABLE_EVENTS, "bndl_dataset_add_events"));
  bndl_status st = BNDL_OK;
  bndl_source *src = &ds->report.sources[g.source];
  for (int64_t i = 0; i < c->count && st == BNDL_OK; i++) {
    src = &ds->report.sources[g.source];
    src->rows_read++;
    char ub[24], ib[24], ob[24];
    bndl_event_value v;
    memset(&v, 0, sizeof v);
    v.user = id_span(c->user_ids, c->user_names, i, ub);
    v.item = id_span(c->item_ids, c->item_names, i, ib);
    if (bad_id(&g, v.user, BNDL_FIELD_USER, i, &st) || bad_id(&g, v.item, BNDL_FIELD_ITEM, i, &st))
      continue;
    v.type = c->event_types ? (bndl_event_type)c->event_types[i] : BNDL_EVENT_PURCHASE;
    if (v.type < 1 || (int)v.type > BNDL_EVENT_TYPE_COUNT) {
      char num[16];
      snprintf(num, sizeof num, "%d", (int)v.type);
      st = bndl_ingest_drop(&g, BNDL_DROP_UNKNOWN_EVENT_TYPE, -i, BNDL_FIELD_EVENT_TYPE, num, strlen(num),
                            "not a bndl_event_type");
      continue;
    }
    v.ts = c->timestamps ? c->timestamps[i] : ds->next_ordinal++;
    v.qty = c->quantities ? c->quantities[i] : 1;
    v.unit_price = c->unit_prices ? c->unit_prices[i] : NAN;
    v.unit_cost = NAN;
    v.weight = c->weights ? c->weights[i] : 1;
    if (c->order_ids) {
      v.order = id_span(c->order_ids, NULL, i, ob);
      v.has_order = 1;
    }
    st = bndl_ingest_event(&g, &v, -i);
  }
  if (st == BNDL_OK && c->count > 0) {
    if (c->timestamps)
      ds->has_real_time = 1;
    else
      ds->has_ordinal_time = 1;
  }
  return finish(ds, &g, st, &mark);
}

bndl_status bndl_append_catalogue(bndl_dataset *ds, const bndl_catalogue_columns *c) {
  BNDL_TRY(check_ids("item", c->item_ids, c->item_names, 1));
  bndl_dataset_mark mark;
  bndl_dataset_mark_get(ds, &mark);
  bndl_ingest g;
  BNDL_TRY(begin(ds, &g, BNDL_TABLE_CATALOGUE, "bndl_dataset_add_catalogue"));
  bndl_status st = BNDL_OK;
  for (int64_t i = 0; i < c->count && st == BNDL_OK; i++) {
    ds->report.sources[g.source].rows_read++;
    char ib[24];
    bndl_text_field item = id_span(c->item_ids, c->item_names, i, ib);
    if (bad_id(&g, item, BNDL_FIELD_ITEM, i, &st))
      continue;
    double price = c->prices ? c->prices[i] : NAN, cost = c->costs ? c->costs[i] : NAN;
    if (!isnan(price) && !(isfinite(price) && price > 0)) {
      char num[32];
      snprintf(num, sizeof num, "%g", price);
      st = bndl_ingest_drop(&g, BNDL_DROP_INVALID_PRICE, -i, BNDL_FIELD_PRICE, num, strlen(num), "price must be > 0");
      continue;
    }
    if (!isnan(cost) && !(isfinite(cost) && cost >= 0)) {
      char num[32];
      snprintf(num, sizeof num, "%g", cost);
      st = bndl_ingest_drop(&g, BNDL_DROP_INVALID_PRICE, -i, BNDL_FIELD_COST, num, strlen(num), "cost must be >= 0");
      continue;
    }
    const char *cat = c->categories ? c->categories[i] : NULL, *title = c->titles ? c->titles[i] : NULL;
    if ((cat && bndl_utf8_invalid_at(cat, strlen(cat)) < strlen(cat)) ||
        (title && bndl_utf8_invalid_at(title, strlen(title)) < strlen(title))) {
      st = bndl_ingest_drop(&g, BNDL_DROP_INVALID_UTF8, -i, cat ? BNDL_FIELD_CATEGORY : BNDL_FIELD_TITLE, NULL, 0,
                            "category or title is not valid UTF-8");
      continue;
    }
    bndl_catalogue_rows *t = &ds->cat_rows;
    int32_t item_idx, cat_idx = -1;
    if ((st = bndl_id_map_intern(&ds->ids->map[BNDL_IDS_ITEM], item.p, item.len, &item_idx, NULL)) != BNDL_OK)
      break;
    if (cat && *cat &&
        (st = bndl_id_map_intern(&ds->ids->map[BNDL_IDS_CATEGORY], cat, strlen(cat), &cat_idx, NULL)) != BNDL_OK)
      break;
    if ((st = bndl_catalogue_rows_push(ds->alloc, t)) != BNDL_OK)
      break;
    size_t r = t->n - 1;
    t->item[r] = item_idx;
    t->category[r] = cat_idx;
    t->price[r] = price;
    t->cost[r] = cost;
    t->stock[r] = c->stock && c->stock[i] >= 0 ? c->stock[i] : -1;
    t->title_len[r] = -1;
    t->title_off[r] = 0;
    t->derived[r] = 0;
    t->source[r] = g.source;
    t->line[r] = -i;
    if (title && (st = bndl_bytes_append(ds->alloc, &t->titles, title, strlen(title), &t->title_off[r])) == BNDL_OK)
      t->title_len[r] = (int64_t)strlen(title);
  }
  return finish(ds, &g, st, &mark);
}

bndl_status bndl_append_bundles(bndl_dataset *ds, const bndl_bundle_csr *c) {
  BNDL_TRY(check_ids("item", c->item_ids, c->item_names, 1));
  if (c->n_bundles < 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "n_bundles=%lld is negative", (long long)c->n_bundles);
  if (c->n_bundles > 0 && c->indptr == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "indptr is NULL");
  if (c->n_bundles > 0 && c->indptr[0] != 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "indptr[0]=%lld, must be 0", (long long)c->indptr[0]);
  for (int64_t b = 0; b < c->n_bundles; b++)
    if (c->indptr[b + 1] < c->indptr[b])
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "indptr[%lld]=%lld is less than indptr[%lld]=%lld",
                       (long long)(b + 1), (long long)c->indptr[b + 1], (long long)b, (long long)c->indptr[b]);
  bndl_dataset_mark mark;
  bndl_dataset_mark_get(ds, &mark);
  bndl_ingest g;
  BNDL_TRY(begin(ds, &g, BNDL_TABLE_BUNDLE_ITEMS, "bndl_dataset_add_bundles"));
  bndl_status st = BNDL_OK;
  for (int64_t b = 0; b < c->n_bundles && st == BNDL_OK; b++) {
    char bb[24];
    int64_t bid = c->bundle_ids ? c->bundle_ids[b] : b;
    bndl_text_field bundle = id_span(&bid, NULL, 0, bb);
    for (int64_t k = c->indptr[b]; k < c->indptr[b + 1] && st == BNDL_OK; k++) {
      ds->report.sources[g.source].rows_read++;
      char ib[24];
      bndl_text_field item = id_span(c->item_ids, c->item_names, k, ib);
      if (bad_id(&g, item, BNDL_FIELD_ITEM, k, &st))
        continue;
      int32_t bi, ii;
      if ((st = bndl_id_map_intern(&ds->ids->map[BNDL_IDS_BUNDLE], bundle.p, bundle.len, &bi, NULL)) != BNDL_OK ||
          (st = bndl_id_map_intern(&ds->ids->map[BNDL_IDS_ITEM], item.p, item.len, &ii, NULL)) != BNDL_OK ||
          (st = bndl_pair_rows_push(ds->alloc, &ds->bundle_items)) != BNDL_OK)
        break;
      bndl_pair_rows *t = &ds->bundle_items;
      size_t r = t->n - 1;
      t->a[r] = bi;
      t->b[r] = ii;
      t->ts[r] = INT64_MIN;
      t->part[r] = BNDL_PART_NONE;
      t->source[r] = g.source;
      t->line[r] = -k;
    }
  }
  return finish(ds, &g, st, &mark);
}
