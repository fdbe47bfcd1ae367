/*
 * report.h - the cleaning report: every row read is counted as kept or under exactly one
 * drop reason, per input, with the first examples of each reason.
 *
 * Invariant (checked by tests after every load and after finalize):
 *   for each source: rows_read == kept + sum(dropped[reason]).
 * "kept" is derived, never stored, so the invariant cannot drift.
 */
#ifndef BNDL_DATA_REPORT_H
#define BNDL_DATA_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "core/strbuf.h"

typedef struct bndl_source {
  char *label; /* file path, or "bndl_dataset_add_events call 3" */
  bndl_table_kind kind;
  int64_t rows_read;
  int64_t dropped[BNDL_DROP_REASON_COUNT + 1];
  int64_t returns; /* kept rows that are return events */
} bndl_source;

typedef struct bndl_report {
  const bndl_allocator *alloc;
  bndl_source *sources;
  size_t n_sources, cap_sources;
  char **examples[BNDL_DROP_REASON_COUNT + 1];
  int32_t n_examples[BNDL_DROP_REASON_COUNT + 1];
  int32_t max_examples;
} bndl_report;

void bndl_report_init(bndl_report *r, const bndl_allocator *a, int32_t max_examples);
void bndl_report_free(bndl_report *r);
/* Adds a source; *index receives its number. */
bndl_status bndl_report_add_source(bndl_report *r, const char *label, bndl_table_kind kind, int32_t *index);
/* A position in the report, to roll back a load that failed half way. */
typedef struct bndl_report_mark {
  size_t n_sources;
  int32_t n_examples[BNDL_DROP_REASON_COUNT + 1];
} bndl_report_mark;
void bndl_report_mark_get(const bndl_report *r, bndl_report_mark *m);
void bndl_report_rollback(bndl_report *r, const bndl_report_mark *m);
int64_t bndl_source_kept(const bndl_source *s);
/* Sums over all sources. */
typedef struct bndl_report_totals {
  int64_t read, kept, returns;
  int64_t dropped[BNDL_DROP_REASON_COUNT + 1]; /* [0] = all reasons */
} bndl_report_totals;
void bndl_report_sum(const bndl_report *r, bndl_report_totals *t);
/* Counts a dropped row and keeps an example message
 *   "<label>:<line>: field '<field>' value '<value>': <why>"
 * (line <= 0 is printed as "row <-line>" for in-memory rows). With strict set, returns
 * BNDL_ERR_FORMAT with that message instead of counting it. value may be NULL. */
bndl_status bndl_report_drop(bndl_report *r, int32_t source, bndl_drop_reason reason, int64_t line,
                             const char *field, const char *value, size_t value_len, const char *why,
                             int strict);
/* 1 if a drop of `reason` would be kept as an example (or fails the load), so callers
 * can skip formatting a message nobody will read. */
int bndl_report_wants_text(const bndl_report *r, bndl_drop_reason reason, int strict);
/* Formats "<label>:<line>" (or "<label>, row N") into b. */
void bndl_report_where(const bndl_report *r, int32_t source, int64_t line, bndl_strbuf *b);
const char *bndl_drop_reason_text(bndl_drop_reason reason);
/* Writes the report as JSON or as text. */
void bndl_report_json(const bndl_report *r, bndl_strbuf *b);
void bndl_report_text(const bndl_report *r, bndl_strbuf *b);
/* Appends a value for messages: at most 80 bytes, invalid UTF-8 and control bytes as \xNN. */
void bndl_strbuf_value(bndl_strbuf *b, const char *value, size_t len);

#endif
