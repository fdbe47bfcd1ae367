/*
 * load.c - the common frame of every file load (mark, read, commit or roll back).
 */
#include "data/load.h"

#include <string.h>

#include "core/context.h"
#include "core/error.h"
#include "core/log.h"

size_t bndl_load_max_window(const bndl_ingest *g) {
  size_t w = g->max_field * 4;
  return w < ((size_t)64 << 20) ? (size_t)64 << 20 : w;
}

static bndl_status check_spec(const bndl_table_spec *s, const char *path) {
  static const bndl_field required[][2] = {
      [BNDL_TABLE_EVENTS] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM},
      [BNDL_TABLE_CATALOGUE] = {BNDL_FIELD_ITEM, 0},
      [BNDL_TABLE_REVIEWS] = {0, 0},
      [BNDL_TABLE_BUNDLE_ITEMS] = {BNDL_FIELD_BUNDLE, BNDL_FIELD_ITEM},
      [BNDL_TABLE_USER_BUNDLES] = {BNDL_FIELD_USER, BNDL_FIELD_BUNDLE},
  };
  if (s->format == BNDL_FORMAT_SEQUENCE_LINES || s->format == BNDL_FORMAT_BASKET_JSON)
    return BNDL_OK; /* the layout itself says where users and items are */
  for (int k = 0; k < 2; k++) {
    bndl_field f = required[s->kind][k];
    if (f && !bndl_spec_is_mapped(s, f))
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "loading '%s' as %s needs field '%s' mapped to a column", path,
                       bndl_table_kind_name(s->kind), bndl_field_name(f));
  }
  if (s->kind == BNDL_TABLE_REVIEWS && !bndl_spec_is_mapped(s, BNDL_FIELD_TEXT) &&
      !bndl_spec_is_mapped(s, BNDL_FIELD_RATING))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "loading '%s' as reviews needs 'text' or 'rating' mapped", path);
  if (s->kind == BNDL_TABLE_EVENTS && strcmp(s->time_format, "ordinal") != 0 &&
      !bndl_spec_is_mapped(s, BNDL_FIELD_TIMESTAMP))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                     "loading '%s' as events needs 'timestamp' mapped, or time format \"ordinal\" (row order)", path);
  return BNDL_OK;
}

static bndl_status read_rows(bndl_ingest *g, bndl_input *in) {
  switch (g->spec->format) {
  case BNDL_FORMAT_DELIMITED: return bndl_read_delimited(g, in);
  case BNDL_FORMAT_SEQUENCE_LINES: return bndl_read_sequence_lines(g, in);
  case BNDL_FORMAT_JSON_LINES: return bndl_read_json_lines(g, in);
  case BNDL_FORMAT_BASKET_JSON: return bndl_read_basket_json(g, in);
  }
  return bndl_fail(BNDL_ERR_INTERNAL, "unknown table format %d", (int)g->spec->format);
}

typedef struct pipeline {
  bndl_ingest *g;
  bndl_input *in;
} pipeline;

/* Task 0 inflates, task 1 parses; a parser that stops early releases the inflater. */
static bndl_status pipeline_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  pipeline *p = ud;
  if (task == 0)
    return bndl_input_produce(p->in);
  bndl_status st = read_rows(p->g, p->in);
  bndl_input_cancel(p->in);
  return st;
}

/* Reads all rows, inflating gzip on a second pool thread when one is free. */
static bndl_status read_input(bndl_dataset *ds, bndl_ingest *g, bndl_input *in) {
  if (bndl_context_thread_count(ds->ctx) >= 2) {
    BNDL_TRY(bndl_input_make_async(in));
    if (bndl_input_is_async(in)) {
      pipeline p = {g, in};
      int ran = 0;
      bndl_status st = bndl_parallel_concurrent(ds->ctx, 2, pipeline_task, &p, &ran);
      if (ran) {
        bndl_log(ds->ctx, BNDL_LOG_DEBUG, "%s: inflated on a second thread while parsing", in->path);
        return st;
      }
      bndl_input_close_async(in); /* the pool was busy: read on this thread alone */
    }
  }
  return read_rows(g, in);
}

bndl_status bndl_load_file(bndl_dataset *ds, const char *path, const bndl_table_spec *spec) {
  BNDL_TRY(check_spec(spec, path));
  bndl_dataset_mark mark;
  bndl_dataset_mark_get(ds, &mark);
  bndl_ingest g;
  bndl_input in;
  bndl_status st = bndl_ingest_begin(&g, ds, spec, spec->kind, path);
  if (st != BNDL_OK)
    return st;
  st = bndl_input_open(&in, ds->alloc, path);
  if (st == BNDL_OK) {
    st = read_input(ds, &g, &in);
    bndl_input_close(&in);
  }
  if (st == BNDL_OK)
    st = bndl_ingest_commit(&g);
  bndl_ingest_end(&g);
  if (st != BNDL_OK) {
    bndl_dataset_rollback(ds, &mark);
    return st;
  }
  if (spec->kind == BNDL_TABLE_EVENTS) {
    if (g.ordinal_time)
      ds->has_ordinal_time = 1;
    else
      ds->has_real_time = 1;
  }
  const bndl_source *s = &ds->report.sources[g.source];
  bndl_log(ds->ctx, BNDL_LOG_INFO, "loaded %s as %s: %lld rows read, %lld kept", path,
           bndl_table_kind_name(spec->kind), (long long)s->rows_read, (long long)bndl_source_kept(s));
  return BNDL_OK;
}
