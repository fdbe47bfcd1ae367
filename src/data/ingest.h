/*
 * ingest.h - validation and appending of one row, shared by every file format and by
 * the in-memory append API, so a value is judged the same way wherever it comes from.
 *
 * Text rows (from files) arrive as one span per bndl_field; typed rows (from the API)
 * as values. Both end in the same checks and appends; a rejected row is counted under
 * one drop reason (first failing check wins, in this order: field length, UTF-8,
 * missing required field, event type, timestamp, numbers, price and quantity rules).
 */
#ifndef BNDL_DATA_INGEST_H
#define BNDL_DATA_INGEST_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "data/dataset.h"
#include "data/table_spec.h"
#include "data/text_field.h"
#include "data/timestamp.h"

/* Staged catalogue facts derived from event rows of one load (latest unit price). */
typedef struct bndl_derived_item {
  double price, cost;
  int64_t price_ts;
  int64_t title_off, title_len; /* into the staging arena; len -1 = none */
  int32_t category;
  uint8_t seen;
} bndl_derived_item;

typedef struct bndl_ingest {
  bndl_dataset *ds;
  const bndl_table_spec *spec; /* NULL for in-memory appends */
  bndl_table_kind kind;
  int32_t source;
  int strict;
  size_t max_field;
  int64_t max_rows;
  int ordinal_time; /* the spec's time format is "ordinal" */
  bndl_time_format time_format;
  /* Exports repeat the same timestamp for every line of an order: remember the last
   * text parsed and its value. */
  char last_time_text[40];
  size_t last_time_len; /* 0 = nothing cached */
  int64_t last_time;
  /* Consecutive rows usually share the user and the order (lines of one invoice): the
   * last id of each space is remembered and its hash lookup skipped. */
  struct {
    char text[32];
    size_t len; /* 0 = empty */
    int32_t index;
  } last_id[BNDL_IDS_COUNT];
  bndl_derived_item *derived;
  size_t derived_cap;
  bndl_bytes derived_titles;
} bndl_ingest;

/* A row as spans, indexed by bndl_field; present[f] says whether the field was in the
 * input at all (an empty span is present but empty). */
typedef struct bndl_text_row {
  bndl_text_field f[BNDL_FIELD_COUNT + 1];
  uint8_t present[BNDL_FIELD_COUNT + 1];
  int64_t forced_ts; /* used when has_forced_ts (basket JSON: one time per basket) */
  int utf8_valid;    /* the reader already checked the whole record: skip per-field checks */
  int has_forced_ts;
} bndl_text_row;

/* A typed event (ids as spans so int64 ids can be spelled in decimal). */
typedef struct bndl_event_value {
  bndl_text_field user, item, order, title, category; /* order/title/category len 0 = none */
  int has_order;
  bndl_event_type type;
  int64_t ts;
  double qty;
  double unit_price; /* NaN = unknown */
  double unit_cost;  /* NaN = unknown (derived catalogue only) */
  double weight;     /* explicit strength, finite and >= 0 */
} bndl_event_value;

bndl_status bndl_ingest_begin(bndl_ingest *g, bndl_dataset *ds, const bndl_table_spec *spec, bndl_table_kind kind,
                              const char *label);
/* Appends the staged derived catalogue rows; call once after a successful load. */
bndl_status bndl_ingest_commit(bndl_ingest *g);
void bndl_ingest_end(bndl_ingest *g);

/* Counts one row read and judges it. line > 0 is a file line, <= 0 a row index. */
bndl_status bndl_ingest_text_row(bndl_ingest *g, bndl_text_row *row, int64_t line);
/* Counts one row read and drops it (malformed rows the parser could not split). */
bndl_status bndl_ingest_malformed(bndl_ingest *g, int64_t line, const char *why);
/* Judges a typed event (row already counted as read by the caller via rows_read). */
bndl_status bndl_ingest_event(bndl_ingest *g, const bndl_event_value *v, int64_t line);
/* Drops a row for `reason` (counted as read elsewhere). */
bndl_status bndl_ingest_drop(bndl_ingest *g, bndl_drop_reason reason, int64_t line, bndl_field field,
                             const char *value, size_t len, const char *why);

#endif
