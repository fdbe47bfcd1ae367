/*
 * read_delimited.c - CSV/TSV rows to fields via the spec's column mapping.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "data/csv.h"
#include "data/load.h"
#include "data/utf8.h"

/* Column index of every mapped field, resolved against the header if names are used. */
static bndl_status resolve_columns(bndl_ingest *g, const bndl_csv *c, int32_t col_of[BNDL_FIELD_COUNT + 1],
                                   int32_t *max_col) {
  const bndl_table_spec *s = g->spec;
  *max_col = -1;
  for (int f = 1; f <= BNDL_FIELD_COUNT; f++) {
    col_of[f] = -1;
    if (s->columns[f].index >= 0) {
      col_of[f] = s->columns[f].index;
    } else if (s->columns[f].name) {
      const char *want = s->columns[f].name;
      for (size_t k = 0; k < c->n_fields && col_of[f] < 0; k++)
        if (c->fields[k].len == strlen(want) && memcmp(c->fields[k].p, want, c->fields[k].len) == 0)
          col_of[f] = (int32_t)k;
      for (size_t k = 0; k < c->n_fields && col_of[f] < 0; k++) /* then ignoring case */
        if (c->fields[k].len == strlen(want) && strncasecmp(c->fields[k].p, want, c->fields[k].len) == 0)
          col_of[f] = (int32_t)k;
      if (col_of[f] < 0) {
        bndl_strbuf b;
        bndl_strbuf_init(&b, g->ds->alloc);
        for (size_t k = 0; k < c->n_fields; k++) {
          bndl_strbuf_puts(&b, k ? ", '" : "'");
          bndl_strbuf_value(&b, c->fields[k].p, c->fields[k].len);
          bndl_strbuf_puts(&b, "'");
        }
        bndl_status st = bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: column '%s' (mapped to field %s) is not in the header; "
                                   "the header has %s",
                                   c->in->path, (long long)c->record_line, want, bndl_field_name((bndl_field)f),
                                   b.data ? b.data : "no columns");
        bndl_strbuf_free(&b);
        return st;
      }
    }
    if (col_of[f] > *max_col)
      *max_col = col_of[f];
  }
  return BNDL_OK;
}

bndl_status bndl_read_delimited(bndl_ingest *g, bndl_input *in) {
  const bndl_table_spec *s = g->spec;
  bndl_csv c;
  bndl_csv_init(&c, in, s->delimiter, s->quote, bndl_load_max_window(g));
  bndl_status st = BNDL_OK;
  int got = 0;
  int32_t col_of[BNDL_FIELD_COUNT + 1], max_col = -1;
  size_t header_cols = 0;
  if (s->has_header) {
    BNDL_TRY_GOTO(st, bndl_csv_next(&c, &got), done);
    if (!got) {
      st = bndl_fail(BNDL_ERR_FORMAT, "%s: the file is empty, but a header line was expected", in->path);
      goto done;
    }
    header_cols = c.n_fields;
  }
  BNDL_TRY_GOTO(st, resolve_columns(g, &c, col_of, &max_col), done);
  bndl_text_row row;
  memset(&row, 0, sizeof row);
  for (int f = 1; f <= BNDL_FIELD_COUNT; f++)
    row.present[f] = col_of[f] >= 0;
  for (;;) {
    BNDL_TRY_GOTO(st, bndl_csv_next(&c, &got), done);
    if (!got)
      break;
    if ((header_cols && c.n_fields != header_cols) || (int64_t)c.n_fields <= max_col) {
      char why[128];
      if (header_cols)
        snprintf(why, sizeof why, "%zu columns, but the header has %zu", c.n_fields, header_cols);
      else
        snprintf(why, sizeof why, "%zu columns, need at least %d", c.n_fields, (int)max_col + 1);
      BNDL_TRY_GOTO(st, bndl_ingest_malformed(g, c.record_line, why), done);
      continue;
    }
    for (int f = 1; f <= BNDL_FIELD_COUNT; f++)
      if (col_of[f] >= 0)
        row.f[f] = c.fields[col_of[f]];
    /* One UTF-8 check of the whole line is cheaper than one per field; only a line
     * with a bad byte somewhere gets the per-field check that names the field. */
    row.utf8_valid = bndl_utf8_invalid_at(c.record, c.record_len) == c.record_len;
    BNDL_TRY_GOTO(st, bndl_ingest_text_row(g, &row, c.record_line), done);
  }
done:
  bndl_csv_free(&c);
  return st;
}

bndl_status bndl_read_sequence_lines(bndl_ingest *g, bndl_input *in) {
  bndl_csv c;
  bndl_csv_init(&c, in, ' ', 0, bndl_load_max_window(g));
  bndl_status st = BNDL_OK;
  bndl_text_row row;
  memset(&row, 0, sizeof row);
  row.present[BNDL_FIELD_USER] = row.present[BNDL_FIELD_ITEM] = 1;
  int got;
  for (;;) {
    BNDL_TRY_GOTO(st, bndl_csv_next(&c, &got), done);
    if (!got)
      break;
    row.f[BNDL_FIELD_USER] = c.fields[0];
    if (c.n_fields == 1) { /* a user with no items: one row, dropped */
      row.f[BNDL_FIELD_ITEM].len = 0;
      BNDL_TRY_GOTO(st, bndl_ingest_text_row(g, &row, c.record_line), done);
      continue;
    }
    for (size_t k = 1; k < c.n_fields; k++) {
      row.f[BNDL_FIELD_ITEM] = c.fields[k];
      BNDL_TRY_GOTO(st, bndl_ingest_text_row(g, &row, c.record_line), done);
    }
  }
done:
  bndl_csv_free(&c);
  return st;
}
