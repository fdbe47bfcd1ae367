/*
 * csv.h - RFC 4180 record reader over a bndl_input window.
 *
 * Handles quoted fields with doubled quotes, delimiters and newlines inside quotes
 * (the line counter still advances), CRLF and LF, a missing final newline, and a
 * "blank-run" mode (delimiter ' ') where runs of spaces and tabs separate unquoted
 * fields. Blank lines are skipped: they are not records.
 *
 * A record is first scanned without modifying the buffer; only once it is known to be
 * complete are its quoted fields unescaped in place. A record cut by the end of the
 * window is therefore re-scanned safely after bndl_input_more.
 */
#ifndef BNDL_DATA_CSV_H
#define BNDL_DATA_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "data/input.h"
#include "data/text_field.h"


typedef struct bndl_csv {
  bndl_input *in;
  int delimiter;     /* byte; ' ' = runs of blanks */
  int quote;         /* byte; 0 = no quoting */
  size_t max_window; /* longest record + slack, see bndl_input_more */
  int64_t line;      /* 1-based line of the next byte to read */
  int64_t record_line;
  const char *record;   /* raw bytes of the last record (before unescaping) */
  size_t record_len;
  bndl_text_field *fields;
  size_t n_fields, cap_fields;
  unsigned char *needs_unescape; /* per field */
  unsigned char special[256];    /* 1 for the delimiter, '\n' and the quote */
} bndl_csv;

void bndl_csv_init(bndl_csv *c, bndl_input *in, int delimiter, int quote, size_t max_window);
void bndl_csv_free(bndl_csv *c);
/* Reads the next record into c->fields. *got = 0 at end of input. An unterminated
 * quote gives BNDL_ERR_FORMAT naming the line where the quoted field began. */
bndl_status bndl_csv_next(bndl_csv *c, int *got);

#endif
