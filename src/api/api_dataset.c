/*
 * api_dataset.c - public entry points of bndl_dataset (build, finalize, read access,
 * report), splits and snapshots. The review text side is in api_dataset_text.c.
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/alloc.h"
#include "core/buffer.h"
#include "core/context.h"
#include "core/strbuf.h"
#include "data/append.h"
#include "data/dataset.h"
#include "data/finalize.h"
#include "data/load.h"
#include "data/snapshot.h"
#include "data/split.h"
#include "text/text_features.h"
#include "text/word_vectors.h"

#define CHECK_DS(d) BNDL_CHECK_HANDLE(d, BNDL_MAGIC_DATASET, "bndl_dataset")

static bndl_status check_building(const bndl_dataset *ds, const char *fn) {
  if (ds->broken)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "an earlier finalize failed half way; free this dataset"), fn);
  if (ds->finalized)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "the dataset is finalized (read-only)"), fn);
  return BNDL_OK;
}

static bndl_status check_frozen(const bndl_dataset *ds, const char *fn) {
  if (!ds->finalized)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "the dataset is not finalized yet (call bndl_dataset_finalize)"),
                             fn);
  return BNDL_OK;
}

static int entity_ok(bndl_entity e) { return e >= BNDL_ENTITY_USER && e <= BNDL_ENTITY_CATEGORY; }

bndl_status bndl_dataset_create(bndl_context *ctx, bndl_dataset **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(bndl_dataset_new(ctx, NULL, out));
}

void bndl_dataset_free(bndl_dataset *ds) {
  if (bndl_handle_is(ds, BNDL_MAGIC_DATASET))
    bndl_dataset_destroy(ds);
}

bndl_status bndl_dataset_configure(bndl_dataset *ds, const bndl_config *cfg) {
  CHECK_DS(ds);
  BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  BNDL_TRY(check_building(ds, __func__));
  bndl_status st = bndl_config_merge_range(ds->cfg, cfg, 200, 299);
  if (st == BNDL_OK) /* the text keys its finalize reads (text.features, keywords, ...) */
    st = bndl_config_merge_range(ds->cfg, cfg, 800, 899);
  BNDL_API_RETURN(st);
}

bndl_status bndl_dataset_load_table(bndl_dataset *ds, const char *path, const bndl_table_spec *spec) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(path);
  BNDL_CHECK_HANDLE(spec, BNDL_MAGIC_TABLE_SPEC, "bndl_table_spec");
  BNDL_TRY(check_building(ds, __func__));
  BNDL_API_RETURN(bndl_load_file(ds, path, spec));
}

#define CHECK_DESC(c, type)                                                                                      \
  do {                                                                                                           \
    BNDL_CHECK_PTR(c);                                                                                           \
    BNDL_CHECK_ARG((c)->struct_size >= sizeof(type), "%s->struct_size=%u is smaller than %zu (use the *_INIT macro)", \
                   #c, (unsigned)(c)->struct_size, sizeof(type));                                                \
  } while (0)

bndl_status bndl_dataset_add_events(bndl_dataset *ds, const bndl_event_columns *columns) {
  CHECK_DS(ds);
  CHECK_DESC(columns, bndl_event_columns);
  BNDL_CHECK_ARG(columns->count >= 0, "columns->count=%lld is negative", (long long)columns->count);
  BNDL_TRY(check_building(ds, __func__));
  BNDL_API_RETURN(bndl_append_events(ds, columns));
}

bndl_status bndl_dataset_add_catalogue(bndl_dataset *ds, const bndl_catalogue_columns *columns) {
  CHECK_DS(ds);
  CHECK_DESC(columns, bndl_catalogue_columns);
  BNDL_CHECK_ARG(columns->count >= 0, "columns->count=%lld is negative", (long long)columns->count);
  BNDL_TRY(check_building(ds, __func__));
  BNDL_API_RETURN(bndl_append_catalogue(ds, columns));
}

bndl_status bndl_dataset_add_bundles(bndl_dataset *ds, const bndl_bundle_csr *bundles) {
  CHECK_DS(ds);
  CHECK_DESC(bundles, bndl_bundle_csr);
  BNDL_TRY(check_building(ds, __func__));
  BNDL_API_RETURN(bndl_append_bundles(ds, bundles));
}

bndl_status bndl_dataset_finalize(bndl_dataset *ds) {
  CHECK_DS(ds);
  BNDL_TRY(check_building(ds, __func__));
  /* The text step around the data layer's finalize (text/text_features.h): review scores
   * before it, for the feature tables; keywords after it, from the merged titles. */
  bndl_status st = bndl_text_prepare_finalize(ds);
  if (st == BNDL_OK)
    st = bndl_finalize(ds, 1);
  if (st == BNDL_OK) {
    st = bndl_text_item_keywords(ds);
    if (st == BNDL_OK)
      st = bndl_text_item_vectors(ds);
    if (st != BNDL_OK)
      ds->finalized = 0;
  }
  if (st != BNDL_OK && st != BNDL_ERR_FORMAT)
    ds->broken = 1; /* rows may be half cleaned; nothing leaks, free releases it all */
  if (st == BNDL_OK && ds->scorer.release) { /* the scorer's work is done: give it back */
    ds->scorer.release(ds->scorer.object);
    memset(&ds->scorer, 0, sizeof ds->scorer);
  }
  BNDL_API_RETURN(st);
}

int32_t bndl_dataset_is_finalized(const bndl_dataset *ds) {
  return bndl_handle_is(ds, BNDL_MAGIC_DATASET) && ds->finalized;
}

int64_t bndl_dataset_count(const bndl_dataset *ds, bndl_entity entity) {
  if (!bndl_handle_is(ds, BNDL_MAGIC_DATASET) || !entity_ok(entity))
    return 0;
  return bndl_dataset_n(ds, (int)entity - 1);
}

int64_t bndl_dataset_num_events(const bndl_dataset *ds) {
  return bndl_handle_is(ds, BNDL_MAGIC_DATASET) ? (int64_t)ds->ev.n : 0;
}

int64_t bndl_dataset_num_reviews(const bndl_dataset *ds) {
  return bndl_handle_is(ds, BNDL_MAGIC_DATASET) ? (int64_t)ds->rv.n : 0;
}

int64_t bndl_dataset_num_user_bundles(const bndl_dataset *ds) {
  return bndl_handle_is(ds, BNDL_MAGIC_DATASET) ? (int64_t)ds->user_bundles.n : 0;
}

bndl_status bndl_dataset_external_id(const bndl_dataset *ds, bndl_entity entity, int64_t index, const char **out) {
  CHECK_DS(ds);
  BNDL_CHECK_ARG(entity_ok(entity), "entity=%d is not a bndl_entity", (int)entity);
  BNDL_CHECK_PTR(out);
  const bndl_id_map *m = &ds->ids->map[entity - 1];
  if (index < 0 || index >= m->count)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "index %lld is outside 0..%d", (long long)index,
                                       m->count - 1),
                             __func__);
  *out = bndl_id_map_name(m, (int32_t)index);
  return BNDL_OK;
}

bndl_status bndl_dataset_find(const bndl_dataset *ds, bndl_entity entity, const char *external_id, int64_t *out) {
  CHECK_DS(ds);
  BNDL_CHECK_ARG(entity_ok(entity), "entity=%d is not a bndl_entity", (int)entity);
  BNDL_CHECK_PTR(external_id);
  BNDL_CHECK_PTR(out);
  int32_t i = bndl_id_map_find(&ds->ids->map[entity - 1], external_id, strlen(external_id));
  if (i < 0)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "no id '%s'", external_id), __func__);
  *out = i;
  return BNDL_OK;
}

/* ---- report */

/* Report totals of a valid handle, or all zeros. */
static bndl_report_totals totals_of(const bndl_dataset *ds) {
  bndl_report_totals t;
  memset(&t, 0, sizeof t);
  if (bndl_handle_is(ds, BNDL_MAGIC_DATASET))
    bndl_report_sum(&ds->report, &t);
  return t;
}

int64_t bndl_dataset_rows_read(const bndl_dataset *ds) { return totals_of(ds).read; }

int64_t bndl_dataset_rows_kept(const bndl_dataset *ds) { return totals_of(ds).kept; }

int64_t bndl_dataset_rows_dropped(const bndl_dataset *ds, bndl_drop_reason reason) {
  if (reason < 1 || (int)reason > BNDL_DROP_REASON_COUNT)
    return 0;
  return totals_of(ds).dropped[reason];
}

int64_t bndl_dataset_returns_kept(const bndl_dataset *ds) { return totals_of(ds).returns; }

bndl_status bndl_dataset_drop_example(const bndl_dataset *ds, bndl_drop_reason reason, int32_t index,
                                      const char **out) {
  CHECK_DS(ds);
  BNDL_CHECK_ARG(reason >= 1 && (int)reason <= BNDL_DROP_REASON_COUNT, "reason=%d is not a bndl_drop_reason",
                 (int)reason);
  BNDL_CHECK_PTR(out);
  if (index < 0 || index >= ds->report.n_examples[reason])
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "reason %s has %d examples, not %d",
                                       bndl_drop_reason_text(reason), ds->report.n_examples[reason], index + 1),
                             __func__);
  *out = ds->report.examples[reason][index];
  return BNDL_OK;
}

const char *bndl_drop_reason_name(bndl_drop_reason reason) { return bndl_drop_reason_text(reason); }

static bndl_status report_buffer(const bndl_dataset *ds, int json, bndl_buffer **out) {
  bndl_strbuf b;
  bndl_strbuf_init(&b, ds->alloc);
  if (json)
    bndl_report_json(&ds->report, &b);
  else
    bndl_report_text(&ds->report, &b);
  if (b.status != BNDL_OK) {
    bndl_strbuf_free(&b);
    return b.status;
  }
  size_t len;
  char *data = bndl_strbuf_take(&b, &len);
  if (data == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  return bndl_buffer_adopt(ds->alloc, data, len, out);
}

bndl_status bndl_dataset_report_json(const bndl_dataset *ds, bndl_buffer **out) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(report_buffer(ds, 1, out));
}

bndl_status bndl_dataset_report_text(const bndl_dataset *ds, bndl_buffer **out) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(report_buffer(ds, 0, out));
}

/* ---- frozen read access */

bndl_status bndl_dataset_features(const bndl_dataset *ds, bndl_entity entity, const float **data, int64_t *rows,
                                  int32_t *cols) {
  CHECK_DS(ds);
  BNDL_CHECK_ARG(entity == BNDL_ENTITY_USER || entity == BNDL_ENTITY_ITEM, "entity=%d: features exist for users "
                                                                            "and items", (int)entity);
  BNDL_CHECK_PTR(data);
  BNDL_CHECK_PTR(rows);
  BNDL_CHECK_PTR(cols);
  BNDL_TRY(check_frozen(ds, __func__));
  const bndl_feature_table *t = &ds->features[entity == BNDL_ENTITY_USER ? 0 : 1];
  *data = t->data;
  *rows = t->rows;
  *cols = t->cols;
  return BNDL_OK;
}

const char *bndl_dataset_feature_name(const bndl_dataset *ds, bndl_entity entity, int32_t column) {
  if (!bndl_handle_is(ds, BNDL_MAGIC_DATASET) || !ds->finalized ||
      (entity != BNDL_ENTITY_USER && entity != BNDL_ENTITY_ITEM))
    return NULL;
  const bndl_feature_table *t = &ds->features[entity == BNDL_ENTITY_USER ? 0 : 1];
  return column >= 0 && column < t->cols ? t->names[column] : NULL;
}

bndl_status bndl_dataset_interactions(const bndl_dataset *ds, const int64_t **indptr, const int32_t **items,
                                      const float **weights) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(indptr);
  BNDL_CHECK_PTR(items);
  BNDL_CHECK_PTR(weights);
  BNDL_TRY(check_frozen(ds, __func__));
  *indptr = ds->ix_indptr;
  *items = ds->ix_items;
  *weights = ds->ix_weights;
  return BNDL_OK;
}

bndl_status bndl_dataset_user_events(const bndl_dataset *ds, int64_t user, const int32_t **items,
                                     const uint8_t **event_types, const int64_t **timestamps, int64_t *count) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(items);
  BNDL_CHECK_PTR(count);
  BNDL_TRY(check_frozen(ds, __func__));
  int32_t n = bndl_dataset_n(ds, BNDL_IDS_USER);
  if (user < 0 || user >= n)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "user %lld is outside 0..%d", (long long)user, n - 1),
                             __func__);
  int64_t lo = ds->user_offsets[user];
  *items = ds->ev.item + lo;
  if (event_types)
    *event_types = ds->ev.type + lo;
  if (timestamps)
    *timestamps = ds->ev.ts + lo;
  *count = ds->user_offsets[user + 1] - lo;
  return BNDL_OK;
}

bndl_status bndl_dataset_catalogue(const bndl_dataset *ds, const double **prices, const double **costs,
                                   const int64_t **stock, const int32_t **categories) {
  CHECK_DS(ds);
  BNDL_TRY(check_frozen(ds, __func__));
  if (prices)
    *prices = ds->cat.price;
  if (costs)
    *costs = ds->cat.cost;
  if (stock)
    *stock = ds->cat.stock;
  if (categories)
    *categories = ds->cat.category;
  return BNDL_OK;
}

bndl_status bndl_dataset_item_title(const bndl_dataset *ds, int64_t item, const char **title, size_t *length) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(title);
  BNDL_CHECK_PTR(length);
  BNDL_TRY(check_frozen(ds, __func__));
  int32_t n = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  if (item < 0 || item >= n)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "item %lld is outside 0..%d", (long long)item, n - 1),
                             __func__);
  /* titles are stored back to back without terminators (the snapshot layout) */
  *title = ds->cat.titles.data ? ds->cat.titles.data + ds->cat.title_off[item] : "";
  *length = (size_t)(ds->cat.title_off[item + 1] - ds->cat.title_off[item]);
  return BNDL_OK;
}

bndl_status bndl_dataset_bundles(const bndl_dataset *ds, const int64_t **indptr, const int32_t **items) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(indptr);
  BNDL_CHECK_PTR(items);
  BNDL_TRY(check_frozen(ds, __func__));
  *indptr = ds->bundle_indptr;
  *items = ds->bundle_members;
  return BNDL_OK;
}

bndl_status bndl_dataset_split(const bndl_dataset *ds, const bndl_config *cfg, bndl_dataset **train,
                               bndl_dataset **valid, bndl_dataset **test) {
  CHECK_DS(ds);
  if (cfg != NULL)
    BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  BNDL_CHECK_PTR(train);
  BNDL_CHECK_PTR(test);
  BNDL_TRY(check_frozen(ds, __func__));
  bndl_dataset *parts[3] = {NULL, NULL, NULL}; /* train, valid, test */
  bndl_status st = bndl_split(ds, cfg, &parts[0], valid ? &parts[1] : NULL, &parts[2]);
  /* each part's keywords and text vectors from its own titles and reviews (its scores
   * came with its rows); the parts hold the parent's word vectors, to be split again */
  for (int k = 0; k < 3 && st == BNDL_OK; k++)
    if (parts[k]) {
      if (ds->word_vectors.object) {
        bndl_word_vectors_retain(ds->word_vectors.object);
        parts[k]->word_vectors = ds->word_vectors;
      }
      st = bndl_text_item_keywords(parts[k]);
      if (st == BNDL_OK)
        st = bndl_text_item_vectors(parts[k]);
    }
  if (st != BNDL_OK) {
    for (int k = 0; k < 3; k++)
      if (parts[k])
        bndl_dataset_destroy(parts[k]);
  } else {
    *train = parts[0];
    if (valid)
      *valid = parts[1];
    *test = parts[2];
  }
  BNDL_API_RETURN(st);
}

/* ---- snapshots */

bndl_status bndl_dataset_save_buffer(const bndl_dataset *ds, bndl_buffer **out) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(out);
  BNDL_TRY(check_frozen(ds, __func__));
  char *data;
  size_t len;
  bndl_status st = bndl_snapshot_encode(ds, &data, &len);
  if (st == BNDL_OK)
    st = bndl_buffer_adopt(ds->alloc, data, len, out);
  BNDL_API_RETURN(st);
}

bndl_status bndl_dataset_save(const bndl_dataset *ds, const char *path) {
  CHECK_DS(ds);
  BNDL_CHECK_PTR(path);
  BNDL_TRY(check_frozen(ds, __func__));
  char *data;
  size_t len;
  bndl_status st = bndl_snapshot_encode(ds, &data, &len);
  BNDL_API_RETURN(bndl_write_encoded(ds->alloc, path, st, data, len));
}

bndl_status bndl_dataset_load(bndl_context *ctx, const char *path, bndl_dataset **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_PTR(path);
  BNDL_CHECK_PTR(out);
  char *data;
  size_t len;
  /* Snapshot files are read whole: every section is needed to rebuild the dataset. */
  bndl_status st = bndl_read_file(&ctx->alloc, path, SIZE_MAX / 2, &data, &len);
  if (st == BNDL_OK) {
    st = bndl_snapshot_decode(ctx, data, len, path, out);
    bndl_free(&ctx->alloc, data);
  }
  BNDL_API_RETURN(st);
}

bndl_status bndl_dataset_load_buffer(bndl_context *ctx, const void *data, size_t size, bndl_dataset **out) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_PTR(data);
  BNDL_CHECK_PTR(out);
  /* Sections are read with memcpy, so the caller's buffer needs no alignment. */
  BNDL_API_RETURN(bndl_snapshot_decode(ctx, data, size, "<buffer>", out));
}
