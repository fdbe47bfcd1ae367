/*
 * json_scan.h - a small pull scanner for JSON text held in memory (RFC 8259).
 *
 * No tree is built: callers walk objects and arrays and take the values they want,
 * skipping the rest, so a JSON-lines file of reviews costs one pass and no allocation
 * beyond one scratch buffer for unescaped strings. Nesting is capped (64) so a hostile
 * input cannot exhaust the stack.
 */
#ifndef BNDL_CORE_JSON_SCAN_H
#define BNDL_CORE_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "core/strbuf.h"

typedef struct bndl_json {
  const char *p;
  size_t n, i;
  int depth;
  const char *error; /* static text of the first syntax error, NULL if none */
  size_t error_at;
} bndl_json;

typedef enum bndl_json_kind {
  BNDL_JSON_END = 0,
  BNDL_JSON_OBJECT,
  BNDL_JSON_ARRAY,
  BNDL_JSON_STRING,
  BNDL_JSON_NUMBER,
  BNDL_JSON_TRUE,
  BNDL_JSON_FALSE,
  BNDL_JSON_NULL,
  BNDL_JSON_INVALID
} bndl_json_kind;

void bndl_json_init(bndl_json *j, const char *p, size_t n);
/* Kind of the next value (after whitespace), without consuming it. */
bndl_json_kind bndl_json_peek(bndl_json *j);
/* Enter '{' or '['. 0 on syntax error. */
int bndl_json_enter(bndl_json *j, char open);
/* Inside an object/array: 1 if another member follows (consumes ',' as needed), 0 at
 * the closing bracket (consumed). Sets j->error on syntax errors (returns 0). */
int bndl_json_next(bndl_json *j, char close, int *first);
/* Reads a string into b (unescaped, \u surrogates joined into UTF-8). 0 on error. */
int bndl_json_string(bndl_json *j, bndl_strbuf *b);
/* Reads an object key and the ':' after it. */
int bndl_json_key(bndl_json *j, bndl_strbuf *b);
/* Span of a number token (validated), consumed. */
int bndl_json_number(bndl_json *j, const char **p, size_t *n);
/* Skips any value. */
int bndl_json_skip(bndl_json *j);
/* 1 if only whitespace remains. */
int bndl_json_at_end(bndl_json *j);

#endif
