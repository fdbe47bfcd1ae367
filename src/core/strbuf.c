/*
 * strbuf.c - growable string with sticky out-of-memory status.
 */
#include "core/strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

void bndl_strbuf_init(bndl_strbuf *b, const bndl_allocator *a) {
  memset(b, 0, sizeof *b);
  b->alloc = a;
}

void bndl_strbuf_free(bndl_strbuf *b) {
  bndl_free(b->alloc, b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static int reserve(bndl_strbuf *b, size_t extra) {
  if (b->status != BNDL_OK)
    return 0;
  size_t need;
  if (!bndl_add_size(b->len, extra + 1, &need)) {
    b->status = bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "out of memory: string of more than SIZE_MAX bytes");
    return 0;
  }
  if (need <= b->cap)
    return 1;
  void *p = b->data;
  size_t cap = b->cap;
  if (bndl_grow(b->alloc, &p, &cap, need < 64 ? 64 : need, 1) != BNDL_OK) {
    b->status = BNDL_ERR_OUT_OF_MEMORY;
    return 0;
  }
  b->data = p;
  b->cap = cap;
  return 1;
}

void bndl_strbuf_append(bndl_strbuf *b, const char *s, size_t n) {
  if (!reserve(b, n))
    return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void bndl_strbuf_puts(bndl_strbuf *b, const char *s) { bndl_strbuf_append(b, s, strlen(s)); }

void bndl_strbuf_printf(bndl_strbuf *b, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    va_end(ap2);
    return;
  }
  if ((size_t)n < sizeof small) {
    bndl_strbuf_append(b, small, (size_t)n);
  } else if (reserve(b, (size_t)n)) {
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    b->len += (size_t)n;
  }
  va_end(ap2);
}

void bndl_strbuf_json_string(bndl_strbuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  bndl_strbuf_append(b, "\"", 1);
  size_t run = 0; /* start of the pending run of bytes that need no escaping */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    bndl_strbuf_append(b, s + run, i - run);
    run = i + 1;
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    switch (c) {
    case '"': bndl_strbuf_append(b, "\\\"", 2); break;
    case '\\': bndl_strbuf_append(b, "\\\\", 2); break;
    case '\n': bndl_strbuf_append(b, "\\n", 2); break;
    case '\r': bndl_strbuf_append(b, "\\r", 2); break;
    case '\t': bndl_strbuf_append(b, "\\t", 2); break;
    default: bndl_strbuf_append(b, esc, 6); break;
    }
  }
  bndl_strbuf_append(b, s + run, n - run);
  bndl_strbuf_append(b, "\"", 1);
}

void bndl_strbuf_json_double(bndl_strbuf *b, double v) {
  if (!isfinite(v))
    bndl_strbuf_puts(b, "null");
  else
    bndl_strbuf_printf(b, "%.17g", v);
}

char *bndl_strbuf_take(bndl_strbuf *b, size_t *len) {
  if (b->data == NULL && reserve(b, 0))
    b->data[0] = '\0';
  char *d = b->data;
  if (len)
    *len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  return d;
}
