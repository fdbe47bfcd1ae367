/*
 * dataset.c - creation, destruction, growable row tables and load rollback.
 */
#include "data/dataset.h"

#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "core/handle.h"

bndl_status bndl_id_maps_new(const bndl_allocator *a, bndl_id_maps **out) {
  bndl_id_maps *m = bndl_zalloc(a, sizeof *m);
  if (m == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  m->alloc = a;
  atomic_init(&m->refs, 1);
  for (int i = 0; i < BNDL_IDS_COUNT; i++)
    bndl_id_map_init(&m->map[i], a);
  *out = m;
  return BNDL_OK;
}

void bndl_id_maps_release(bndl_id_maps *m) {
  if (m == NULL || atomic_fetch_sub(&m->refs, 1) != 1)
    return;
  for (int i = 0; i < BNDL_IDS_COUNT; i++)
    bndl_id_map_free(&m->map[i]);
  bndl_free(m->alloc, m);
}

bndl_status bndl_dataset_new(bndl_context *ctx, bndl_id_maps *shared_ids, bndl_dataset **out) {
  const bndl_allocator *a = &ctx->alloc;
  bndl_dataset *ds = bndl_zalloc(a, sizeof *ds);
  if (ds == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  ds->alloc = a;
  bndl_status st = bndl_config_new(a, &ds->cfg);
  if (st != BNDL_OK) {
    bndl_free(a, ds);
    return st;
  }
  if (shared_ids) {
    atomic_fetch_add(&shared_ids->refs, 1);
    ds->ids = shared_ids;
  } else if ((st = bndl_id_maps_new(a, &ds->ids)) != BNDL_OK) {
    bndl_config_destroy(ds->cfg);
    bndl_free(a, ds);
    return st;
  }
  bndl_report_init(&ds->report, a, (int32_t)bndl_cfg_int(NULL, BNDL_KEY_REPORT_MAX_EXAMPLES));
  bndl_context_retain(ctx);
  ds->ctx = ctx;
  ds->magic = BNDL_MAGIC_DATASET;
  *out = ds;
  return BNDL_OK;
}

static void free_feature_table(const bndl_allocator *a, bndl_feature_table *t) {
  bndl_free(a, t->data);
  memset(t, 0, sizeof *t);
}

void bndl_item_keywords_free(const bndl_allocator *a, bndl_item_keywords *k) {
  bndl_free(a, k->offsets);
  bndl_free(a, k->word);
  bndl_free(a, k->score);
  bndl_free(a, k->word_off);
  bndl_free(a, k->text);
  memset(k, 0, sizeof *k);
}

void bndl_dataset_destroy(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  ds->magic = BNDL_MAGIC_FREED;
  bndl_event_rows_free(a, &ds->ev);
  bndl_review_rows_free(a, &ds->rv);
  bndl_pair_rows_free(a, &ds->bundle_items);
  bndl_pair_rows_free(a, &ds->user_bundles);
  bndl_catalogue_rows_free(a, &ds->cat_rows);
  bndl_report_free(&ds->report);
  bndl_config_destroy(ds->cfg);
  bndl_free(a, ds->user_offsets);
  bndl_free(a, ds->ix_indptr);
  bndl_free(a, ds->ix_items);
  bndl_free(a, ds->ix_weights);
  bndl_free(a, ds->cat.price);
  bndl_free(a, ds->cat.cost);
  bndl_free(a, ds->cat.stock);
  bndl_free(a, ds->cat.category);
  bndl_free(a, ds->cat.title_off);
  bndl_free(a, ds->cat.listed);
  bndl_free(a, ds->cat.titles.data);
  bndl_free(a, ds->bundle_indptr);
  bndl_free(a, ds->bundle_members);
  free_feature_table(a, &ds->features[0]);
  free_feature_table(a, &ds->features[1]);
  bndl_free(a, ds->review_sentiment);
  bndl_item_keywords_free(a, &ds->keywords);
  if (ds->scorer.release)
    ds->scorer.release(ds->scorer.object);
  bndl_free(a, ds->text_vectors.data);
  bndl_free(a, ds->text_vectors.has_text);
  if (ds->word_vectors.release)
    ds->word_vectors.release(ds->word_vectors.object);
  bndl_id_maps_release(ds->ids);
  bndl_context *ctx = ds->ctx;
  bndl_free(a, ds);
  bndl_context_release(ctx); /* last: the allocator lives in the context */
}

/* Grows one column from cap to new_cap elements. */
static bndl_status grow_col(const bndl_allocator *a, void **col, size_t n, size_t new_cap, size_t elem) {
  void *p = bndl_realloc_array(a, *col, n, new_cap, elem);
  if (p == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  *col = p;
  return BNDL_OK;
}

#define GROW(col) BNDL_TRY(grow_col(a, (void **)&t->col, t->n, cap, sizeof *t->col))

static size_t next_cap(size_t cap) { return cap ? cap * 2 : 1024; }

bndl_status bndl_event_rows_push(const bndl_allocator *a, bndl_event_rows *t) {
  if (t->n == t->cap) {
    size_t cap = next_cap(t->cap);
    GROW(user); GROW(item); GROW(order); GROW(ts); GROW(qty); GROW(price); GROW(weight); GROW(type); GROW(part);
    GROW(source); GROW(line);
    t->cap = cap;
  }
  t->n++;
  return BNDL_OK;
}

bndl_status bndl_review_rows_push(const bndl_allocator *a, bndl_review_rows *t) {
  if (t->n == t->cap) {
    size_t cap = next_cap(t->cap);
    GROW(user); GROW(item); GROW(category); GROW(rating); GROW(ts); GROW(part); GROW(source); GROW(line);
    BNDL_TRY(grow_col(a, (void **)&t->text_off, t->n ? t->n + 1 : 0, cap + 1, sizeof *t->text_off));
    if (t->n == 0)
      t->text_off[0] = 0;
    t->cap = cap;
  }
  t->n++;
  return BNDL_OK;
}

bndl_status bndl_pair_rows_push(const bndl_allocator *a, bndl_pair_rows *t) {
  if (t->n == t->cap) {
    size_t cap = next_cap(t->cap);
    GROW(a); GROW(b); GROW(ts); GROW(part); GROW(source); GROW(line);
    t->cap = cap;
  }
  t->n++;
  return BNDL_OK;
}

bndl_status bndl_catalogue_rows_push(const bndl_allocator *a, bndl_catalogue_rows *t) {
  if (t->n == t->cap) {
    size_t cap = next_cap(t->cap);
    GROW(item); GROW(category); GROW(price); GROW(cost); GROW(stock); GROW(title_off); GROW(title_len);
    GROW(derived); GROW(source); GROW(line);
    t->cap = cap;
  }
  t->n++;
  return BNDL_OK;
}
#undef GROW

bndl_status bndl_bytes_append(const bndl_allocator *a, bndl_bytes *b, const char *s, size_t n, int64_t *off) {
  void *p = b->data;
  BNDL_TRY(bndl_grow(a, &p, &b->cap, b->len + n, 1));
  b->data = p;
  if (n)
    memcpy(b->data + b->len, s, n);
  if (off)
    *off = (int64_t)b->len;
  b->len += n;
  return BNDL_OK;
}

void bndl_event_rows_free(const bndl_allocator *a, bndl_event_rows *t) {
  bndl_free(a, t->user); bndl_free(a, t->item); bndl_free(a, t->order); bndl_free(a, t->ts);
  bndl_free(a, t->qty); bndl_free(a, t->price); bndl_free(a, t->weight); bndl_free(a, t->type); bndl_free(a, t->part);
  bndl_free(a, t->source); bndl_free(a, t->line);
  memset(t, 0, sizeof *t);
}

void bndl_review_rows_free(const bndl_allocator *a, bndl_review_rows *t) {
  bndl_free(a, t->user); bndl_free(a, t->item); bndl_free(a, t->category); bndl_free(a, t->rating);
  bndl_free(a, t->ts); bndl_free(a, t->text_off); bndl_free(a, t->part); bndl_free(a, t->source);
  bndl_free(a, t->line); bndl_free(a, t->text.data);
  memset(t, 0, sizeof *t);
}

void bndl_pair_rows_free(const bndl_allocator *a, bndl_pair_rows *t) {
  bndl_free(a, t->a); bndl_free(a, t->b); bndl_free(a, t->ts); bndl_free(a, t->part);
  bndl_free(a, t->source); bndl_free(a, t->line);
  memset(t, 0, sizeof *t);
}

void bndl_catalogue_rows_free(const bndl_allocator *a, bndl_catalogue_rows *t) {
  bndl_free(a, t->item); bndl_free(a, t->category); bndl_free(a, t->price); bndl_free(a, t->cost);
  bndl_free(a, t->stock); bndl_free(a, t->title_off); bndl_free(a, t->title_len); bndl_free(a, t->derived);
  bndl_free(a, t->source); bndl_free(a, t->line); bndl_free(a, t->titles.data);
  memset(t, 0, sizeof *t);
}

void bndl_dataset_mark_get(const bndl_dataset *ds, bndl_dataset_mark *m) {
  m->ev = ds->ev.n;
  m->rv = ds->rv.n;
  m->rv_text = ds->rv.text.len;
  m->bundle_items = ds->bundle_items.n;
  m->user_bundles = ds->user_bundles.n;
  m->cat = ds->cat_rows.n;
  m->cat_titles = ds->cat_rows.titles.len;
  for (int i = 0; i < BNDL_IDS_COUNT; i++)
    m->ids[i] = ds->ids->map[i].count;
  m->next_ordinal = ds->next_ordinal;
  m->has_real_time = ds->has_real_time;
  m->has_ordinal_time = ds->has_ordinal_time;
  bndl_report_mark_get(&ds->report, &m->report);
}

void bndl_dataset_rollback(bndl_dataset *ds, const bndl_dataset_mark *m) {
  ds->ev.n = m->ev;
  ds->rv.n = m->rv;
  ds->rv.text.len = m->rv_text;
  ds->bundle_items.n = m->bundle_items;
  ds->user_bundles.n = m->user_bundles;
  ds->cat_rows.n = m->cat;
  ds->cat_rows.titles.len = m->cat_titles;
  for (int i = 0; i < BNDL_IDS_COUNT; i++)
    bndl_id_map_truncate(&ds->ids->map[i], m->ids[i]);
  ds->next_ordinal = m->next_ordinal;
  ds->has_real_time = m->has_real_time;
  ds->has_ordinal_time = m->has_ordinal_time;
  bndl_report_rollback(&ds->report, &m->report);
}
