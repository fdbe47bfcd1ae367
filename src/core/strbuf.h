/*
 * strbuf.h - a growable byte string over an allocator, for messages, reports and JSON.
 *
 * Appends never fail silently: the first failed append records BNDL_ERR_OUT_OF_MEMORY
 * in `status`, later appends are no-ops, and the owner checks `status` once at the end.
 * That keeps report writers free of error checks after every line.
 */
#ifndef BNDL_CORE_STRBUF_H
#define BNDL_CORE_STRBUF_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "core/error.h"

typedef struct bndl_strbuf {
  const bndl_allocator *alloc;
  char *data; /* always NUL-terminated once anything was appended */
  size_t len;
  size_t cap;
  bndl_status status;
} bndl_strbuf;

void bndl_strbuf_init(bndl_strbuf *b, const bndl_allocator *a);
void bndl_strbuf_free(bndl_strbuf *b);
void bndl_strbuf_append(bndl_strbuf *b, const char *s, size_t n);
void bndl_strbuf_puts(bndl_strbuf *b, const char *s);
void bndl_strbuf_printf(bndl_strbuf *b, const char *fmt, ...) BNDL_PRINTF(2, 3);
/* JSON helpers: a quoted, escaped string; a number (non-finite as null). */
void bndl_strbuf_json_string(bndl_strbuf *b, const char *s, size_t n);
void bndl_strbuf_json_double(bndl_strbuf *b, double v);
/* Hands the string over (caller frees with the same allocator); resets b. */
char *bndl_strbuf_take(bndl_strbuf *b, size_t *len);

#endif
