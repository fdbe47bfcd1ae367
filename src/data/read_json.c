/*
 * read_json.c - JSON-lines rows and the basket-map JSON of next-basket datasets.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json_scan.h"
#include "core/strbuf.h"
#include "data/load.h"

/* Next line of the input (without its '\n' or "\r\n"); *got = 0 at the end. */
static bndl_status next_line(bndl_input *in, size_t max_window, const char **p, size_t *n, int *got) {
  for (;;) {
    char *start = in->buf + in->begin;
    size_t avail = in->end - in->begin;
    char *nl = avail ? memchr(start, '\n', avail) : NULL;
    if (nl || (in->eof && avail)) {
      size_t len = nl ? (size_t)(nl - start) : avail;
      in->begin += nl ? len + 1 : len;
      if (len && start[len - 1] == '\r')
        len--;
      *p = start;
      *n = len;
      *got = 1;
      return BNDL_OK;
    }
    if (in->eof) {
      *got = 0;
      return BNDL_OK;
    }
    BNDL_TRY(bndl_input_more(in, max_window));
  }
}

/* Which mapped field a JSON key feeds, or 0. */
static bndl_field field_of_key(const bndl_table_spec *s, const char *key) {
  for (int f = 1; f <= BNDL_FIELD_COUNT; f++)
    if (s->columns[f].name && strcmp(s->columns[f].name, key) == 0)
      return (bndl_field)f;
  return (bndl_field)0;
}

/* Parses one JSON object line into row; returns a syntax error text or NULL. Strings
 * are unescaped into per-field buffers, numbers point into the line. */
static const char *parse_object(const bndl_table_spec *s, const char *p, size_t n, bndl_text_row *row,
                                bndl_strbuf *key, bndl_strbuf vals[BNDL_FIELD_COUNT + 1], bndl_status *oom) {
  bndl_json j;
  bndl_json_init(&j, p, n);
  memset(row->present, 0, sizeof row->present);
  int first = 1;
  if (!bndl_json_enter(&j, '{'))
    return j.error;
  while (bndl_json_next(&j, '}', &first)) {
    if (!bndl_json_key(&j, key))
      break;
    bndl_field f = key->data ? field_of_key(s, key->data) : (bndl_field)0;
    if (f == 0) {
      if (!bndl_json_skip(&j))
        break;
      continue;
    }
    switch (bndl_json_peek(&j)) {
    case BNDL_JSON_STRING:
      if (!bndl_json_string(&j, &vals[f])) {
        if (vals[f].status != BNDL_OK)
          *oom = vals[f].status;
        return j.error;
      }
      row->f[f].p = vals[f].data;
      row->f[f].len = vals[f].len;
      row->present[f] = 1;
      break;
    case BNDL_JSON_NUMBER:
      if (!bndl_json_number(&j, &row->f[f].p, &row->f[f].len))
        return j.error;
      row->present[f] = 1;
      break;
    case BNDL_JSON_TRUE:
    case BNDL_JSON_FALSE:
      row->f[f].p = bndl_json_peek(&j) == BNDL_JSON_TRUE ? "1" : "0";
      row->f[f].len = 1;
      row->present[f] = 1;
      if (!bndl_json_skip(&j))
        return j.error;
      break;
    default: /* null, arrays and objects: treated as absent */
      if (!bndl_json_skip(&j))
        return j.error;
    }
  }
  if (j.error)
    return j.error;
  if (!bndl_json_at_end(&j))
    return "text after the closing brace";
  return NULL;
}

bndl_status bndl_read_json_lines(bndl_ingest *g, bndl_input *in) {
  const bndl_allocator *a = g->ds->alloc;
  bndl_strbuf key, vals[BNDL_FIELD_COUNT + 1];
  bndl_strbuf_init(&key, a);
  for (int f = 0; f <= BNDL_FIELD_COUNT; f++)
    bndl_strbuf_init(&vals[f], a);
  bndl_text_row row;
  memset(&row, 0, sizeof row);
  bndl_status st = BNDL_OK;
  int64_t line = 0;
  size_t max_window = bndl_load_max_window(g);
  for (;;) {
    const char *p;
    size_t n;
    int got;
    BNDL_TRY_GOTO(st, next_line(in, max_window, &p, &n, &got), done);
    if (!got)
      break;
    line++;
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t'))
      k++;
    if (k == n)
      continue; /* blank line */
    bndl_status oom = BNDL_OK;
    const char *err = parse_object(g->spec, p, n, &row, &key, vals, &oom);
    if (oom != BNDL_OK || key.status != BNDL_OK) {
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto done;
    }
    if (err) {
      char why[160];
      snprintf(why, sizeof why, "not a JSON object: %s", err);
      BNDL_TRY_GOTO(st, bndl_ingest_malformed(g, line, why), done);
      continue;
    }
    BNDL_TRY_GOTO(st, bndl_ingest_text_row(g, &row, line), done);
  }
done:
  bndl_strbuf_free(&key);
  for (int f = 0; f <= BNDL_FIELD_COUNT; f++)
    bndl_strbuf_free(&vals[f]);
  return st;
}

/* Reads the whole input into its window (basket JSON is one document). */
static bndl_status slurp(bndl_input *in, size_t max_window) {
  while (!in->eof) {
    if (in->end == in->cap && in->cap >= max_window)
      return bndl_fail(BNDL_ERR_LIMIT, "%s: a JSON document larger than %zu bytes", in->path, max_window);
    BNDL_TRY(bndl_input_more(in, max_window));
  }
  return BNDL_OK;
}

/* 1-based line of byte offset `at` of the document, counted incrementally (offsets
 * asked for only grow, so the whole document is scanned once). */
typedef struct line_tracker {
  size_t pos;
  int64_t line;
} line_tracker;

static int64_t line_of(line_tracker *t, const char *p, size_t at) {
  if (at < t->pos) {
    t->pos = 0;
    t->line = 1;
  }
  for (; t->pos < at; t->pos++)
    t->line += p[t->pos] == '\n';
  return t->line;
}

/* {"user": [[items], [items], ...], ...}; a basket holding only -1 is a sentinel of
 * the NBR preprocessing and is skipped (it is not data). Each basket gets one ordinal
 * time and an order id "<user>#<k>". */
bndl_status bndl_read_basket_json(bndl_ingest *g, bndl_input *in) {
  const bndl_allocator *a = g->ds->alloc;
  size_t max_window = (size_t)1 << 31;
  BNDL_TRY(slurp(in, max_window));
  const char *doc = in->buf + in->begin;
  size_t len = in->end - in->begin;
  bndl_json j;
  bndl_json_init(&j, doc, len);
  bndl_strbuf user, order;
  bndl_strbuf_init(&user, a);
  bndl_strbuf_init(&order, a);
  bndl_text_row row;
  memset(&row, 0, sizeof row);
  row.present[BNDL_FIELD_USER] = row.present[BNDL_FIELD_ITEM] = row.present[BNDL_FIELD_ORDER] = 1;
  row.has_forced_ts = 1;
  bndl_status st = BNDL_OK;
  int first_user = 1;
  line_tracker lines = {0, 1};
  if (!bndl_json_enter(&j, '{'))
    goto syntax;
  while (bndl_json_next(&j, '}', &first_user)) {
    if (!bndl_json_key(&j, &user))
      goto syntax;
    int first_basket = 1, basket_no = 0;
    if (!bndl_json_enter(&j, '['))
      goto syntax;
    while (bndl_json_next(&j, ']', &first_basket)) {
      /* Collect the basket's item spans first, to recognise the [-1] sentinel. */
      size_t basket_start = j.i;
      int first_item = 1, n_items = 0, sentinel = 0;
      if (!bndl_json_enter(&j, '['))
        goto syntax;
      while (bndl_json_next(&j, ']', &first_item)) {
        const char *p;
        size_t n;
        if (bndl_json_peek(&j) != BNDL_JSON_NUMBER) {
          if (!j.error) {
            j.error = "a basket item is not a number";
            j.error_at = j.i;
          }
          goto syntax;
        }
        if (!bndl_json_number(&j, &p, &n))
          goto syntax;
        n_items++;
        sentinel = n_items == 1 && n == 2 && memcmp(p, "-1", 2) == 0;
      }
      if (j.error)
        goto syntax;
      if (sentinel && n_items == 1)
        continue;
      int64_t line = line_of(&lines, doc, basket_start);
      user.status = order.status = BNDL_OK;
      order.len = 0;
      bndl_strbuf_printf(&order, "%s#%d", user.data ? user.data : "", basket_no++);
      if (order.status != BNDL_OK) {
        st = BNDL_ERR_OUT_OF_MEMORY;
        goto done;
      }
      row.f[BNDL_FIELD_USER].p = user.data;
      row.f[BNDL_FIELD_USER].len = user.len;
      row.f[BNDL_FIELD_ORDER].p = order.data;
      row.f[BNDL_FIELD_ORDER].len = order.len;
      row.forced_ts = g->ds->next_ordinal++;
      /* Second pass over the basket: one row per item. */
      bndl_json b;
      bndl_json_init(&b, doc, len);
      b.i = basket_start;
      int first = 1;
      bndl_json_enter(&b, '[');
      while (bndl_json_next(&b, ']', &first)) {
        bndl_json_number(&b, &row.f[BNDL_FIELD_ITEM].p, &row.f[BNDL_FIELD_ITEM].len);
        BNDL_TRY_GOTO(st, bndl_ingest_text_row(g, &row, line), done);
      }
    }
    if (j.error)
      goto syntax;
  }
  if (j.error || !bndl_json_at_end(&j))
    goto syntax;
  goto done;
syntax:
  st = bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: not a basket map {\"user\": [[items], ...]}: %s", in->path,
                 (long long)line_of(&lines, doc, j.error ? j.error_at : j.i), j.error ? j.error : "text after the document");
done:
  bndl_strbuf_free(&user);
  bndl_strbuf_free(&order);
  return st;
}
