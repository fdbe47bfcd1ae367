/*
 * ingest.c - row validation and appending (see ingest.h for the rules and order).
 */
#include "data/ingest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/number.h"
#include "data/timestamp.h"
#include "data/utf8.h"

/* Fields whose text is kept (ids and labels) and so must be valid UTF-8. Numbers and
 * times are parsed, so invalid bytes there are simply not numbers. */
static int is_text_field(bndl_field f) {
  switch (f) {
  case BNDL_FIELD_USER: case BNDL_FIELD_ITEM: case BNDL_FIELD_EVENT_TYPE: case BNDL_FIELD_ORDER:
  case BNDL_FIELD_CATEGORY: case BNDL_FIELD_TITLE: case BNDL_FIELD_TEXT: case BNDL_FIELD_BUNDLE:
    return 1;
  default:
    return 0;
  }
}

bndl_status bndl_ingest_begin(bndl_ingest *g, bndl_dataset *ds, const bndl_table_spec *spec, bndl_table_kind kind,
                              const char *label) {
  memset(g, 0, sizeof *g);
  g->ds = ds;
  g->spec = spec;
  g->kind = kind;
  g->strict = (int)bndl_cfg_int(ds->cfg, BNDL_KEY_LOAD_STRICT);
  g->max_field = (size_t)bndl_cfg_int(ds->cfg, BNDL_KEY_LOAD_MAX_FIELD_BYTES);
  g->max_rows = bndl_cfg_int(ds->cfg, BNDL_KEY_LOAD_MAX_ROWS);
  g->ordinal_time = spec && strcmp(spec->time_format, "ordinal") == 0;
  if (spec)
    bndl_time_format_compile(spec->time_format, &g->time_format);
  ds->report.max_examples = (int32_t)bndl_cfg_int(ds->cfg, BNDL_KEY_REPORT_MAX_EXAMPLES);
  return bndl_report_add_source(&ds->report, label, kind, &g->source);
}

void bndl_ingest_end(bndl_ingest *g) {
  const bndl_allocator *a = g->ds->alloc;
  bndl_free(a, g->derived);
  bndl_free(a, g->derived_titles.data);
  g->derived = NULL;
  g->derived_titles.data = NULL;
}

/* "'UnitPrice' (unit_price)", "column 3 (item)" or "unit_price". */
static void field_label(const bndl_ingest *g, bndl_field f, char *buf, size_t cap) {
  const bndl_table_spec *s = g->spec;
  if (s && s->columns[f].name)
    snprintf(buf, cap, "%s", s->columns[f].name);
  else if (s && s->columns[f].index >= 0)
    snprintf(buf, cap, "column %d (%s)", (int)s->columns[f].index + 1, bndl_field_name(f));
  else
    snprintf(buf, cap, "%s", bndl_field_name(f));
}

bndl_status bndl_ingest_drop(bndl_ingest *g, bndl_drop_reason reason, int64_t line, bndl_field field,
                             const char *value, size_t len, const char *why) {
  if (!bndl_report_wants_text(&g->ds->report, reason, g->strict))
    return bndl_report_drop(&g->ds->report, g->source, reason, line, NULL, NULL, 0, why, 0);
  char label[256];
  if (field)
    field_label(g, field, label, sizeof label);
  return bndl_report_drop(&g->ds->report, g->source, reason, line, field ? label : NULL, value, len, why,
                          g->strict);
}

bndl_status bndl_ingest_malformed(bndl_ingest *g, int64_t line, const char *why) {
  g->ds->report.sources[g->source].rows_read++;
  return bndl_report_drop(&g->ds->report, g->source, BNDL_DROP_MALFORMED_ROW, line, NULL, NULL, 0, why,
                          g->strict);
}

static bndl_status check_row_limit(bndl_ingest *g) {
  const bndl_dataset *ds = g->ds;
  size_t rows = ds->ev.n + ds->rv.n + ds->bundle_items.n + ds->user_bundles.n + ds->cat_rows.n;
  if ((int64_t)rows >= g->max_rows)
    return bndl_fail(BNDL_ERR_LIMIT, "%s: more than load.max_rows=%lld rows", ds->report.sources[g->source].label,
                     (long long)g->max_rows);
  return BNDL_OK;
}

static bndl_status intern(bndl_ingest *g, int ids, bndl_text_field t, int32_t *out) {
  if (t.len == g->last_id[ids].len && memcmp(t.p, g->last_id[ids].text, t.len) == 0) {
    *out = g->last_id[ids].index;
    return BNDL_OK;
  }
  BNDL_TRY(bndl_id_map_intern(&g->ds->ids->map[ids], t.p, t.len, out, NULL));
  if (t.len > 0 && t.len <= sizeof g->last_id[ids].text) {
    memcpy(g->last_id[ids].text, t.p, t.len);
    g->last_id[ids].len = t.len;
    g->last_id[ids].index = *out;
  }
  return BNDL_OK;
}

/* ---- derived catalogue staging */

static bndl_status derived_slot(bndl_ingest *g, int32_t item, bndl_derived_item **out) {
  if ((size_t)item >= g->derived_cap) {
    size_t cap = g->derived_cap ? g->derived_cap : 1024;
    while (cap <= (size_t)item)
      cap *= 2;
    bndl_derived_item *p = bndl_realloc_array(g->ds->alloc, g->derived, g->derived_cap, cap, sizeof *p);
    if (p == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    memset(p + g->derived_cap, 0, (cap - g->derived_cap) * sizeof *p);
    g->derived = p;
    g->derived_cap = cap;
  }
  *out = &g->derived[item];
  return BNDL_OK;
}

static bndl_status stage_derived(bndl_ingest *g, int32_t item, const bndl_event_value *v) {
  bndl_derived_item *d;
  BNDL_TRY(derived_slot(g, item, &d));
  if (!d->seen) {
    d->seen = 1;
    d->price = d->cost = NAN;
    d->price_ts = INT64_MIN;
    d->title_len = -1;
    d->category = -1;
  }
  /* The latest sale sets the current price (ties: the later row). */
  if (v->type == BNDL_EVENT_PURCHASE && !isnan(v->unit_price) && v->ts >= d->price_ts) {
    d->price = v->unit_price;
    d->cost = v->unit_cost;
    d->price_ts = v->ts;
    if (v->category.len) {
      int32_t c;
      BNDL_TRY(intern(g, BNDL_IDS_CATEGORY, v->category, &c));
      d->category = c;
    }
  } else if (d->category < 0 && v->category.len) {
    int32_t c;
    BNDL_TRY(intern(g, BNDL_IDS_CATEGORY, v->category, &c));
    d->category = c;
  }
  if (d->title_len < 0 && v->title.len) {
    BNDL_TRY(bndl_bytes_append(g->ds->alloc, &g->derived_titles, v->title.p, v->title.len, &d->title_off));
    d->title_len = (int64_t)v->title.len;
  }
  return BNDL_OK;
}

bndl_status bndl_ingest_commit(bndl_ingest *g) {
  bndl_dataset *ds = g->ds;
  bndl_catalogue_rows *c = &ds->cat_rows;
  for (size_t item = 0; item < g->derived_cap; item++) {
    const bndl_derived_item *d = &g->derived[item];
    if (!d->seen)
      continue;
    BNDL_TRY(bndl_catalogue_rows_push(ds->alloc, c));
    size_t r = c->n - 1;
    c->item[r] = (int32_t)item;
    c->category[r] = d->category;
    c->price[r] = d->price;
    c->cost[r] = d->cost;
    c->stock[r] = -1;
    c->title_len[r] = d->title_len;
    c->title_off[r] = 0;
    if (d->title_len >= 0)
      BNDL_TRY(bndl_bytes_append(ds->alloc, &c->titles, bndl_bytes_at(&g->derived_titles, d->title_off),
                                 (size_t)d->title_len, &c->title_off[r]));
    c->derived[r] = 1;
    c->source[r] = g->source;
    c->line[r] = 0;
  }
  return BNDL_OK;
}

/* ---- events */

bndl_status bndl_ingest_event(bndl_ingest *g, const bndl_event_value *v, int64_t line) {
  bndl_dataset *ds = g->ds;
  double qty = v->qty;
  char num[64];
  if (!isfinite(qty) || qty == 0 || (qty < 0 && v->type != BNDL_EVENT_RETURN && v->type != BNDL_EVENT_RATING)) {
    snprintf(num, sizeof num, "%g", qty);
    return bndl_ingest_drop(g, BNDL_DROP_INVALID_QUANTITY, line, BNDL_FIELD_QUANTITY, num, strlen(num),
                            qty == 0 ? "quantity is zero"
                            : !isfinite(qty) ? "quantity is not finite"
                                             : "negative quantity without a return marker");
  }
  if (!isnan(v->unit_price) && (!isfinite(v->unit_price) || v->unit_price <= 0)) {
    snprintf(num, sizeof num, "%g", v->unit_price);
    return bndl_ingest_drop(g, BNDL_DROP_INVALID_PRICE, line, BNDL_FIELD_UNIT_PRICE, num, strlen(num),
                            "unit price must be a finite number > 0");
  }
  if (!isfinite(v->weight) || v->weight < 0) {
    snprintf(num, sizeof num, "%g", v->weight);
    return bndl_ingest_drop(g, BNDL_DROP_INVALID_NUMBER, line, BNDL_FIELD_WEIGHT, num, strlen(num),
                            "weight must be a finite number >= 0");
  }
  BNDL_TRY(check_row_limit(g));
  int32_t user, item, order = -1;
  BNDL_TRY(intern(g, BNDL_IDS_USER, v->user, &user));
  BNDL_TRY(intern(g, BNDL_IDS_ITEM, v->item, &item));
  if (v->has_order)
    BNDL_TRY(intern(g, BNDL_IDS_ORDER, v->order, &order));
  if (g->spec && g->spec->derive_catalogue)
    BNDL_TRY(stage_derived(g, item, v));
  bndl_event_rows *t = &ds->ev;
  BNDL_TRY(bndl_event_rows_push(ds->alloc, t));
  size_t r = t->n - 1;
  t->user[r] = user;
  t->item[r] = item;
  t->order[r] = order;
  t->ts[r] = v->ts;
  /* Returns keep their size as a positive quantity: the type carries the sign. */
  t->qty[r] = v->type == BNDL_EVENT_RETURN ? fabs(qty) : qty;
  t->price[r] = v->unit_price;
  t->weight[r] = v->weight;
  t->type[r] = (uint8_t)v->type;
  t->part[r] = (uint8_t)(g->spec ? g->spec->part : BNDL_PART_NONE);
  t->source[r] = g->source;
  t->line[r] = line;
  if (v->type == BNDL_EVENT_RETURN)
    ds->report.sources[g->source].returns++;
  return BNDL_OK;
}

/* ---- text rows */

static int present(const bndl_text_row *row, bndl_field f) { return row->present[f] && row->f[f].len > 0; }

/* Parses an optional number field: 1 = value set, 0 = absent/empty, -1 = row dropped. */
static int number_field(bndl_ingest *g, bndl_text_row *row, bndl_field f, int64_t line, double *out,
                        bndl_status *st) {
  if (!present(row, f))
    return 0;
  if (!bndl_parse_double(row->f[f].p, row->f[f].len, out)) {
    *st = bndl_ingest_drop(g, BNDL_DROP_INVALID_NUMBER, line, f, row->f[f].p, row->f[f].len, "not a number");
    return -1;
  }
  return 1;
}

static int time_field(bndl_ingest *g, bndl_text_row *row, int64_t line, int required, int64_t *out,
                      bndl_status *st) {
  if (row->has_forced_ts) {
    *out = row->forced_ts;
    return 1;
  }
  if (g->ordinal_time) {
    *out = g->ds->next_ordinal++;
    return 1;
  }
  if (!present(row, BNDL_FIELD_TIMESTAMP)) {
    if (!required)
      return 0;
    *st = bndl_ingest_drop(g, BNDL_DROP_MISSING_FIELD, line, BNDL_FIELD_TIMESTAMP, NULL, 0, "no timestamp");
    return -1;
  }
  const bndl_text_field *t = &row->f[BNDL_FIELD_TIMESTAMP];
  if (t->len == g->last_time_len && memcmp(t->p, g->last_time_text, t->len) == 0) {
    *out = g->last_time;
    return 1;
  }
  if (bndl_parse_time(&g->time_format, t->p, t->len, out)) {
    if (t->len <= sizeof g->last_time_text) {
      memcpy(g->last_time_text, t->p, t->len);
      g->last_time_len = t->len;
      g->last_time = *out;
    }
    return 1;
  }
  char why[200];
  snprintf(why, sizeof why, "not a timestamp in format '%s'", g->spec->time_format);
  *st = bndl_ingest_drop(g, BNDL_DROP_INVALID_TIMESTAMP, line, BNDL_FIELD_TIMESTAMP, t->p, t->len, why);
  return -1;
}

static bndl_status require(bndl_ingest *g, bndl_text_row *row, bndl_field f, int64_t line, int *ok) {
  *ok = present(row, f);
  if (*ok)
    return BNDL_OK;
  return bndl_ingest_drop(g, BNDL_DROP_MISSING_FIELD, line, f, NULL, 0, "required field is empty");
}

static bndl_status text_event(bndl_ingest *g, bndl_text_row *row, int64_t line) {
  const bndl_table_spec *s = g->spec;
  int ok;
  BNDL_TRY(require(g, row, BNDL_FIELD_USER, line, &ok));
  if (!ok)
    return BNDL_OK;
  BNDL_TRY(require(g, row, BNDL_FIELD_ITEM, line, &ok));
  if (!ok)
    return BNDL_OK;
  bndl_event_value v;
  memset(&v, 0, sizeof v);
  v.user = row->f[BNDL_FIELD_USER];
  v.item = row->f[BNDL_FIELD_ITEM];
  v.type = s->default_event;
  if (row->present[BNDL_FIELD_EVENT_TYPE]) {
    const bndl_text_field *t = &row->f[BNDL_FIELD_EVENT_TYPE];
    v.type = bndl_spec_event_type(s, t->p, t->len);
    if (v.type == 0)
      return bndl_ingest_drop(g, BNDL_DROP_UNKNOWN_EVENT_TYPE, line, BNDL_FIELD_EVENT_TYPE, t->p, t->len,
                              "unknown event type (map it with bndl_table_spec_set_event_name)");
  }
  if (s->return_field && row->present[s->return_field]) {
    const bndl_text_field *t = &row->f[s->return_field];
    size_t pl = strlen(s->return_prefix);
    if (t->len >= pl && memcmp(t->p, s->return_prefix, pl) == 0)
      v.type = BNDL_EVENT_RETURN;
  }
  bndl_status st = BNDL_OK;
  if (time_field(g, row, line, 1, &v.ts, &st) < 0)
    return st;
  v.qty = 1;
  if (number_field(g, row, BNDL_FIELD_QUANTITY, line, &v.qty, &st) < 0)
    return st;
  v.weight = 1;
  if (number_field(g, row, BNDL_FIELD_WEIGHT, line, &v.weight, &st) < 0)
    return st;
  if (v.type == BNDL_EVENT_RATING) {
    int r = number_field(g, row, BNDL_FIELD_RATING, line, &v.qty, &st);
    if (r < 0)
      return st;
    if (r == 0)
      return bndl_ingest_drop(g, BNDL_DROP_MISSING_FIELD, line, BNDL_FIELD_RATING, NULL, 0,
                              "a rating event needs a rating");
  }
  v.unit_price = NAN;
  v.unit_cost = NAN;
  if (number_field(g, row, BNDL_FIELD_UNIT_PRICE, line, &v.unit_price, &st) < 0)
    return st;
  double total, profit;
  int has_total = number_field(g, row, BNDL_FIELD_LINE_TOTAL, line, &total, &st);
  if (has_total < 0)
    return st;
  int has_profit = number_field(g, row, BNDL_FIELD_LINE_PROFIT, line, &profit, &st);
  if (has_profit < 0)
    return st;
  if (has_total && v.qty != 0) {
    v.unit_price = total / fabs(v.qty);
    if (has_profit)
      v.unit_cost = (total - profit) / fabs(v.qty);
  }
  if (present(row, BNDL_FIELD_ORDER)) {
    v.order = row->f[BNDL_FIELD_ORDER];
    v.has_order = 1;
  }
  if (present(row, BNDL_FIELD_TITLE))
    v.title = row->f[BNDL_FIELD_TITLE];
  if (present(row, BNDL_FIELD_CATEGORY))
    v.category = row->f[BNDL_FIELD_CATEGORY];
  return bndl_ingest_event(g, &v, line);
}

static bndl_status text_catalogue(bndl_ingest *g, bndl_text_row *row, int64_t line) {
  bndl_dataset *ds = g->ds;
  int ok;
  BNDL_TRY(require(g, row, BNDL_FIELD_ITEM, line, &ok));
  if (!ok)
    return BNDL_OK;
  bndl_status st = BNDL_OK;
  double price = NAN, cost = NAN, stock_d = -1;
  if (number_field(g, row, BNDL_FIELD_PRICE, line, &price, &st) < 0)
    return st;
  if (number_field(g, row, BNDL_FIELD_COST, line, &cost, &st) < 0)
    return st;
  int64_t stock = -1;
  if (present(row, BNDL_FIELD_STOCK)) {
    const bndl_text_field *t = &row->f[BNDL_FIELD_STOCK];
    if (!bndl_parse_int64(t->p, t->len, &stock) || stock < 0) {
      if (bndl_parse_double(t->p, t->len, &stock_d) && stock_d >= 0 && stock_d == floor(stock_d) && stock_d < 9e18)
        stock = (int64_t)stock_d;
      else
        return bndl_ingest_drop(g, BNDL_DROP_INVALID_NUMBER, line, BNDL_FIELD_STOCK, t->p, t->len,
                                "stock must be a whole number >= 0");
    }
  }
  if (!isnan(price) && !(price > 0))
    return bndl_ingest_drop(g, BNDL_DROP_INVALID_PRICE, line, BNDL_FIELD_PRICE, row->f[BNDL_FIELD_PRICE].p,
                            row->f[BNDL_FIELD_PRICE].len, "price must be > 0");
  if (!isnan(cost) && !(cost >= 0))
    return bndl_ingest_drop(g, BNDL_DROP_INVALID_PRICE, line, BNDL_FIELD_COST, row->f[BNDL_FIELD_COST].p,
                            row->f[BNDL_FIELD_COST].len, "cost must be >= 0");
  BNDL_TRY(check_row_limit(g));
  int32_t item, category = -1;
  BNDL_TRY(intern(g, BNDL_IDS_ITEM, row->f[BNDL_FIELD_ITEM], &item));
  if (present(row, BNDL_FIELD_CATEGORY))
    BNDL_TRY(intern(g, BNDL_IDS_CATEGORY, row->f[BNDL_FIELD_CATEGORY], &category));
  bndl_catalogue_rows *c = &ds->cat_rows;
  BNDL_TRY(bndl_catalogue_rows_push(ds->alloc, c));
  size_t r = c->n - 1;
  c->item[r] = item;
  c->category[r] = category;
  c->price[r] = price;
  c->cost[r] = cost;
  c->stock[r] = stock;
  c->title_len[r] = -1;
  c->title_off[r] = 0;
  if (present(row, BNDL_FIELD_TITLE)) {
    const bndl_text_field *t = &row->f[BNDL_FIELD_TITLE];
    BNDL_TRY(bndl_bytes_append(ds->alloc, &c->titles, t->p, t->len, &c->title_off[r]));
    c->title_len[r] = (int64_t)t->len;
  }
  c->derived[r] = 0;
  c->source[r] = g->source;
  c->line[r] = line;
  return BNDL_OK;
}

static bndl_status text_review(bndl_ingest *g, bndl_text_row *row, int64_t line) {
  bndl_dataset *ds = g->ds;
  bndl_status st = BNDL_OK;
  if (!row->present[BNDL_FIELD_TEXT] && !present(row, BNDL_FIELD_RATING))
    return bndl_ingest_drop(g, BNDL_DROP_MISSING_FIELD, line, BNDL_FIELD_TEXT, NULL, 0,
                            "a review needs a text or a rating");
  double rating = NAN;
  if (number_field(g, row, BNDL_FIELD_RATING, line, &rating, &st) < 0)
    return st;
  int64_t ts = INT64_MIN;
  if (!g->ordinal_time && time_field(g, row, line, 0, &ts, &st) < 0)
    return st;
  BNDL_TRY(check_row_limit(g));
  int32_t user = -1, item = -1, category = -1;
  if (present(row, BNDL_FIELD_USER))
    BNDL_TRY(intern(g, BNDL_IDS_USER, row->f[BNDL_FIELD_USER], &user));
  if (present(row, BNDL_FIELD_ITEM))
    BNDL_TRY(intern(g, BNDL_IDS_ITEM, row->f[BNDL_FIELD_ITEM], &item));
  if (present(row, BNDL_FIELD_CATEGORY))
    BNDL_TRY(intern(g, BNDL_IDS_CATEGORY, row->f[BNDL_FIELD_CATEGORY], &category));
  bndl_review_rows *t = &ds->rv;
  BNDL_TRY(bndl_review_rows_push(ds->alloc, t));
  size_t r = t->n - 1;
  const bndl_text_field *text = &row->f[BNDL_FIELD_TEXT];
  bndl_status as = bndl_bytes_append(ds->alloc, &t->text, row->present[BNDL_FIELD_TEXT] ? text->p : "",
                                     row->present[BNDL_FIELD_TEXT] ? text->len : 0, NULL);
  if (as != BNDL_OK) {
    t->n--;
    return as;
  }
  t->text_off[r + 1] = (int64_t)t->text.len;
  t->user[r] = user;
  t->item[r] = item;
  t->category[r] = category;
  t->rating[r] = rating;
  t->ts[r] = ts;
  t->part[r] = (uint8_t)g->spec->part;
  t->source[r] = g->source;
  t->line[r] = line;
  return BNDL_OK;
}

static bndl_status text_pair(bndl_ingest *g, bndl_text_row *row, int64_t line, bndl_field fa, int ids_a,
                             bndl_field fb, int ids_b, bndl_pair_rows *t) {
  bndl_dataset *ds = g->ds;
  int ok;
  BNDL_TRY(require(g, row, fa, line, &ok));
  if (!ok)
    return BNDL_OK;
  BNDL_TRY(require(g, row, fb, line, &ok));
  if (!ok)
    return BNDL_OK;
  bndl_status st = BNDL_OK;
  int64_t ts = INT64_MIN;
  if (time_field(g, row, line, 0, &ts, &st) < 0)
    return st;
  BNDL_TRY(check_row_limit(g));
  int32_t a, b;
  BNDL_TRY(intern(g, ids_a, row->f[fa], &a));
  BNDL_TRY(intern(g, ids_b, row->f[fb], &b));
  BNDL_TRY(bndl_pair_rows_push(ds->alloc, t));
  size_t r = t->n - 1;
  t->a[r] = a;
  t->b[r] = b;
  t->ts[r] = ts;
  t->part[r] = (uint8_t)g->spec->part;
  t->source[r] = g->source;
  t->line[r] = line;
  return BNDL_OK;
}

bndl_status bndl_ingest_text_row(bndl_ingest *g, bndl_text_row *row, int64_t line) {
  g->ds->report.sources[g->source].rows_read++;
  for (int f = 1; f <= BNDL_FIELD_COUNT; f++) {
    if (!row->present[f])
      continue;
    const bndl_text_field *t = &row->f[f];
    if (t->len > g->max_field) {
      char why[96];
      snprintf(why, sizeof why, "longer than load.max_field_bytes=%zu", g->max_field);
      return bndl_ingest_drop(g, BNDL_DROP_FIELD_TOO_LONG, line, (bndl_field)f, t->p, t->len, why);
    }
    if (!row->utf8_valid && is_text_field((bndl_field)f)) {
      size_t bad = bndl_utf8_invalid_at(t->p, t->len);
      if (bad < t->len) {
        char why[96];
        snprintf(why, sizeof why, "invalid UTF-8 at byte %zu", bad);
        return bndl_ingest_drop(g, BNDL_DROP_INVALID_UTF8, line, (bndl_field)f, t->p, t->len, why);
      }
    }
  }
  switch (g->kind) {
  case BNDL_TABLE_EVENTS: return text_event(g, row, line);
  case BNDL_TABLE_CATALOGUE: return text_catalogue(g, row, line);
  case BNDL_TABLE_REVIEWS: return text_review(g, row, line);
  case BNDL_TABLE_BUNDLE_ITEMS:
    return text_pair(g, row, line, BNDL_FIELD_BUNDLE, BNDL_IDS_BUNDLE, BNDL_FIELD_ITEM, BNDL_IDS_ITEM,
                     &g->ds->bundle_items);
  case BNDL_TABLE_USER_BUNDLES:
    return text_pair(g, row, line, BNDL_FIELD_USER, BNDL_IDS_USER, BNDL_FIELD_BUNDLE, BNDL_IDS_BUNDLE,
                     &g->ds->user_bundles);
  }
  return bndl_fail(BNDL_ERR_INTERNAL, "unknown table kind %d", (int)g->kind);
}
