/*
 * csv.c - the record scanner.
 */
#include "data/csv.h"

#include <string.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#include "core/alloc.h"
#include "core/error.h"

void bndl_csv_init(bndl_csv *c, bndl_input *in, int delimiter, int quote, size_t max_window) {
  memset(c, 0, sizeof *c);
  c->in = in;
  c->delimiter = delimiter;
  c->quote = delimiter == ' ' ? 0 : quote;
  c->max_window = max_window;
  c->special[(unsigned char)delimiter] = 1;
  c->special['\n'] = 1;
  if (c->quote)
    c->special[(unsigned char)c->quote] = 1;
  c->line = 1;
}

void bndl_csv_free(bndl_csv *c) {
  bndl_free(c->in->alloc, c->fields);
  bndl_free(c->in->alloc, c->needs_unescape);
  c->fields = NULL;
  c->needs_unescape = NULL;
}

static bndl_status grow_fields(bndl_csv *c) {
  size_t cap = c->cap_fields ? c->cap_fields * 2 : 32;
  bndl_text_field *f = bndl_realloc_array(c->in->alloc, c->fields, c->n_fields, cap, sizeof *f);
  if (f == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  c->fields = f;
  unsigned char *u = bndl_realloc_array(c->in->alloc, c->needs_unescape, c->n_fields, cap, 1);
  if (u == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  c->needs_unescape = u;
  c->cap_fields = cap;
  return BNDL_OK;
}

static inline bndl_status push_field(bndl_csv *c, const char *p, size_t len, int unescape) {
  if (c->n_fields == c->cap_fields)
    BNDL_TRY(grow_fields(c));
  c->fields[c->n_fields].p = p;
  c->fields[c->n_fields].len = len;
  c->needs_unescape[c->n_fields] = (unsigned char)unescape;
  c->n_fields++;
  return BNDL_OK;
}

/* Collapses "" to " and drops the enclosing quotes of a quoted field, in place. */
static size_t unescape(char *p, size_t len, char q) {
  size_t w = 0;
  int in_quotes = 0;
  for (size_t r = 0; r < len; r++) {
    if (p[r] == q) {
      if (in_quotes && r + 1 < len && p[r + 1] == q) {
        p[w++] = q;
        r++;
      } else {
        in_quotes = !in_quotes;
      }
    } else {
      p[w++] = p[r];
    }
  }
  return w;
}

/* Index of the first byte at or after i that is the delimiter, a newline or the quote
 * (or `end`). With SSE2 (every x86-64) 16 bytes are compared per step: the scan is the
 * largest share of a load (about a quarter of it on Online Retail, see
 * tests/bench/RESULTS.md), and plain text fields average well over 8 bytes. */
static size_t next_special(const bndl_csv *c, const char *buf, size_t i, size_t end) {
#if defined(__SSE2__)
  const __m128i vd = _mm_set1_epi8((char)c->delimiter), vn = _mm_set1_epi8('\n');
  const __m128i vq = _mm_set1_epi8(c->quote ? (char)c->quote : '\n');
  while (i + 16 <= end) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vn)), _mm_cmpeq_epi8(x, vq));
    unsigned mask = (unsigned)_mm_movemask_epi8(hit);
    if (mask)
      return i + (size_t)__builtin_ctz(mask);
    i += 16;
  }
#endif
  while (i < end && !c->special[(unsigned char)buf[i]])
    i++;
  return i;
}

/* Outcome of one scan attempt over the current window. */
enum { SCAN_DONE, SCAN_NEED_MORE, SCAN_BLANK };

/* Scans one record starting at in->begin. On SCAN_DONE, fields are set (raw) and *next
 * is the offset after the terminator; *newlines counts line breaks consumed. */
static bndl_status scan(bndl_csv *c, int *outcome, size_t *next, int64_t *newlines, int64_t *quote_line) {
  bndl_input *in = c->in;
  const char *buf = in->buf;
  size_t i = in->begin, end = in->end;
  const char q = (char)c->quote;
  int blank_mode = c->delimiter == ' ';
  int64_t nl = 0;
  c->n_fields = 0;

  if (blank_mode) {
    for (;;) {
      while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
        i++;
      if (i == end) {
        if (!in->eof) {
          *outcome = SCAN_NEED_MORE;
          return BNDL_OK;
        }
        break;
      }
      if (buf[i] == '\n') {
        i++;
        nl = 1;
        break;
      }
      size_t start = i;
      while (i < end && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
        i++;
      if (i == end && !in->eof) {
        *outcome = SCAN_NEED_MORE;
        return BNDL_OK;
      }
      BNDL_TRY(push_field(c, buf + start, i - start, 0));
    }
    *outcome = c->n_fields ? SCAN_DONE : SCAN_BLANK;
    *next = i;
    *newlines = nl;
    return BNDL_OK;
  }

  if (i < end && (buf[i] == '\n' || (buf[i] == '\r' && i + 1 < end && buf[i + 1] == '\n'))) {
    *outcome = SCAN_BLANK;
    *next = i + (buf[i] == '\r' ? 2 : 1);
    *newlines = 1;
    return BNDL_OK;
  }
  for (;;) {
    size_t start = i;
    int quoted = 0;
    if (q && i < end && buf[i] == q) {
      quoted = 1;
      *quote_line = c->line + nl;
      i++;
      for (;;) {
        while (i < end && buf[i] != q) {
          nl += buf[i] == '\n';
          i++;
        }
        if (i + 1 >= end && !in->eof) { /* need the byte after the quote too */
          *outcome = SCAN_NEED_MORE;
          return BNDL_OK;
        }
        if (i >= end)
          return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: unterminated quoted field (the quote opened on line %lld)",
                           in->path, (long long)(c->line + nl), (long long)*quote_line);
        if (i + 1 < end && buf[i + 1] == q) {
          i += 2;
          continue;
        }
        i++; /* closing quote */
        break;
      }
    }
    /* unquoted part (or the text after a closing quote, kept as Excel does) */
    for (;;) {
      i = next_special(c, buf, i, end);
      if (i < end && q && buf[i] == q) {
        quoted = 1; /* stray quote inside an unquoted field: unescape will drop it */
        i++;
        continue;
      }
      break;
    }
    if (i == end && !in->eof) {
      *outcome = SCAN_NEED_MORE;
      return BNDL_OK;
    }
    size_t len = i - start;
    int at_eol = i == end || buf[i] == '\n';
    if (at_eol && len > 0 && buf[start + len - 1] == '\r')
      len--;
    BNDL_TRY(push_field(c, buf + start, len, quoted));
    if (at_eol) {
      if (i < end) {
        i++;
        nl++;
      }
      break;
    }
    i++; /* delimiter */
  }
  *outcome = SCAN_DONE;
  *next = i;
  *newlines = nl;
  return BNDL_OK;
}

bndl_status bndl_csv_next(bndl_csv *c, int *got) {
  bndl_input *in = c->in;
  for (;;) {
    if (in->begin == in->end) {
      if (in->eof) {
        *got = 0;
        return BNDL_OK;
      }
      BNDL_TRY(bndl_input_more(in, c->max_window));
      continue;
    }
    int outcome;
    size_t next = 0;
    int64_t newlines = 0, quote_line = 0;
    BNDL_TRY(scan(c, &outcome, &next, &newlines, &quote_line));
    if (outcome == SCAN_NEED_MORE) {
      BNDL_TRY(bndl_input_more(in, c->max_window));
      continue;
    }
    c->record_line = c->line;
    c->line += newlines;
    c->record = in->buf + in->begin;
    c->record_len = next - in->begin;
    in->begin = next;
    if (outcome == SCAN_BLANK)
      continue;
    for (size_t f = 0; f < c->n_fields; f++)
      if (c->needs_unescape[f])
        c->fields[f].len = unescape((char *)c->fields[f].p, c->fields[f].len, (char)c->quote);
    *got = 1;
    return BNDL_OK;
  }
}
