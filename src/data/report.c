/*
 * report.c - drop accounting and report rendering.
 */
#include "data/report.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/utf8.h"

static const char *const reason_names[] = {
    "?",
    "malformed_row",
    "missing_field",
    "invalid_number",
    "invalid_timestamp",
    "invalid_utf8",
    "invalid_price",
    "invalid_quantity",
    "unknown_event_type",
    "field_too_long",
    "duplicate",
    "repeat_in_window",
    "unknown_item",
    "anomalous_user",
    "catalogue_merged",
};

const char *bndl_drop_reason_text(bndl_drop_reason reason) {
  return reason >= 1 && (int)reason <= BNDL_DROP_REASON_COUNT ? reason_names[reason] : NULL;
}

void bndl_report_init(bndl_report *r, const bndl_allocator *a, int32_t max_examples) {
  memset(r, 0, sizeof *r);
  r->alloc = a;
  r->max_examples = max_examples;
}

void bndl_report_free(bndl_report *r) {
  for (size_t i = 0; i < r->n_sources; i++)
    bndl_free(r->alloc, r->sources[i].label);
  bndl_free(r->alloc, r->sources);
  for (int k = 0; k <= BNDL_DROP_REASON_COUNT; k++) {
    for (int32_t i = 0; i < r->n_examples[k]; i++)
      bndl_free(r->alloc, r->examples[k][i]);
    bndl_free(r->alloc, r->examples[k]);
  }
  bndl_report_init(r, r->alloc, r->max_examples);
}

bndl_status bndl_report_add_source(bndl_report *r, const char *label, bndl_table_kind kind, int32_t *index) {
  if (r->n_sources >= INT32_MAX)
    return bndl_fail(BNDL_ERR_LIMIT, "too many inputs");
  char *copy = bndl_strdup(r->alloc, label);
  if (copy == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  void *p = r->sources;
  bndl_status st = bndl_grow(r->alloc, &p, &r->cap_sources, r->n_sources + 1, sizeof *r->sources);
  if (st != BNDL_OK) {
    bndl_free(r->alloc, copy);
    return st;
  }
  r->sources = p;
  bndl_source *s = &r->sources[r->n_sources];
  memset(s, 0, sizeof *s);
  s->label = copy;
  s->kind = kind;
  *index = (int32_t)r->n_sources++;
  return BNDL_OK;
}

void bndl_report_mark_get(const bndl_report *r, bndl_report_mark *m) {
  m->n_sources = r->n_sources;
  memcpy(m->n_examples, r->n_examples, sizeof m->n_examples);
}

void bndl_report_rollback(bndl_report *r, const bndl_report_mark *m) {
  for (size_t i = m->n_sources; i < r->n_sources; i++)
    bndl_free(r->alloc, r->sources[i].label);
  if (m->n_sources < r->n_sources)
    r->n_sources = m->n_sources;
  for (int k = 0; k <= BNDL_DROP_REASON_COUNT; k++) {
    for (int32_t e = m->n_examples[k]; e < r->n_examples[k]; e++)
      bndl_free(r->alloc, r->examples[k][e]);
    if (m->n_examples[k] < r->n_examples[k])
      r->n_examples[k] = m->n_examples[k];
  }
}

int64_t bndl_source_kept(const bndl_source *s) {
  int64_t k = s->rows_read;
  for (int i = 1; i <= BNDL_DROP_REASON_COUNT; i++)
    k -= s->dropped[i];
  return k;
}

void bndl_strbuf_value(bndl_strbuf *b, const char *v, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t shown = len > 80 ? 80 : len;
  size_t i = 0;
  while (i < shown) {
    size_t ok = bndl_utf8_invalid_at(v + i, shown - i);
    /* copy the valid run, escaping control bytes */
    for (size_t k = i; k < i + ok; k++) {
      unsigned char c = (unsigned char)v[k];
      if (c < 0x20 || c == 0x7F) {
        char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
        bndl_strbuf_append(b, esc, 4);
      } else {
        bndl_strbuf_append(b, v + k, 1);
      }
    }
    i += ok;
    if (i < shown) {
      unsigned char c = (unsigned char)v[i];
      char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      bndl_strbuf_append(b, esc, 4);
      i++;
    }
  }
  if (len > shown)
    bndl_strbuf_printf(b, "...(%zu bytes)", len);
}

void bndl_report_where(const bndl_report *r, int32_t source, int64_t line, bndl_strbuf *b) {
  const char *label = r->sources[source].label;
  if (line > 0)
    bndl_strbuf_printf(b, "%s:%lld", label, (long long)line);
  else
    bndl_strbuf_printf(b, "%s, row %lld", label, (long long)-line);
}

int bndl_report_wants_text(const bndl_report *r, bndl_drop_reason reason, int strict) {
  return strict || r->n_examples[reason] < r->max_examples;
}

bndl_status bndl_report_drop(bndl_report *r, int32_t source, bndl_drop_reason reason, int64_t line,
                             const char *field, const char *value, size_t value_len, const char *why,
                             int strict) {
  if (!bndl_report_wants_text(r, reason, strict)) {
    r->sources[source].dropped[reason]++;
    return BNDL_OK;
  }
  bndl_strbuf b;
  bndl_strbuf_init(&b, r->alloc);
  bndl_report_where(r, source, line, &b);
  if (field) {
    bndl_strbuf_printf(&b, ": field '%s'", field);
    if (value) {
      bndl_strbuf_puts(&b, " value '");
      bndl_strbuf_value(&b, value, value_len);
      bndl_strbuf_puts(&b, "'");
    }
  }
  bndl_strbuf_printf(&b, ": %s", why);
  if (b.status != BNDL_OK) {
    bndl_strbuf_free(&b);
    return b.status;
  }
  if (strict) {
    bndl_status st = bndl_fail(BNDL_ERR_FORMAT, "%s (%s; load.strict is on)", b.data, reason_names[reason]);
    bndl_strbuf_free(&b);
    return st;
  }
  /* Grow the example list one slot at a time: it is capped small. */
  char **list = bndl_realloc_array(r->alloc, r->examples[reason], (size_t)r->n_examples[reason],
                                   (size_t)r->n_examples[reason] + 1, sizeof *list);
  if (list == NULL) {
    bndl_strbuf_free(&b);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  r->examples[reason] = list;
  list[r->n_examples[reason]++] = bndl_strbuf_take(&b, NULL);
  r->sources[source].dropped[reason]++;
  return BNDL_OK;
}

void bndl_report_sum(const bndl_report *r, bndl_report_totals *t) {
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < r->n_sources; i++) {
    const bndl_source *s = &r->sources[i];
    t->read += s->rows_read;
    t->returns += s->returns;
    for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++)
      t->dropped[k] += s->dropped[k];
  }
  for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++)
    t->dropped[0] += t->dropped[k];
  t->kept = t->read - t->dropped[0];
}

void bndl_report_json(const bndl_report *r, bndl_strbuf *b) {
  bndl_report_totals t;
  bndl_report_sum(r, &t);
  const int64_t *dropped = t.dropped;
  bndl_strbuf_printf(b, "{\"rows_read\":%lld,\"rows_kept\":%lld,\"rows_dropped\":%lld,\"inputs\":[",
                     (long long)t.read, (long long)t.kept, (long long)t.dropped[0]);
  for (size_t i = 0; i < r->n_sources; i++) {
    const bndl_source *s = &r->sources[i];
    bndl_strbuf_puts(b, i ? ",{\"label\":" : "{\"label\":");
    bndl_strbuf_json_string(b, s->label, strlen(s->label));
    bndl_strbuf_printf(b, ",\"kind\":\"%s\",\"rows_read\":%lld,\"rows_kept\":%lld,\"returns_kept\":%lld,\"dropped\":{",
                       s->kind == BNDL_TABLE_EVENTS ? "events"
                       : s->kind == BNDL_TABLE_CATALOGUE ? "catalogue"
                       : s->kind == BNDL_TABLE_REVIEWS ? "reviews"
                       : s->kind == BNDL_TABLE_BUNDLE_ITEMS ? "bundle_items" : "user_bundles",
                       (long long)s->rows_read, (long long)bndl_source_kept(s), (long long)s->returns);
    int first = 1;
    for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++) {
      if (!s->dropped[k])
        continue;
      bndl_strbuf_printf(b, "%s\"%s\":%lld", first ? "" : ",", reason_names[k], (long long)s->dropped[k]);
      first = 0;
    }
    bndl_strbuf_puts(b, "}}");
  }
  bndl_strbuf_puts(b, "],\"dropped\":{");
  int first = 1;
  for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++) {
    if (!dropped[k])
      continue;
    bndl_strbuf_printf(b, "%s\"%s\":{\"rows\":%lld,\"examples\":[", first ? "" : ",", reason_names[k],
                       (long long)dropped[k]);
    for (int32_t e = 0; e < r->n_examples[k]; e++) {
      if (e)
        bndl_strbuf_puts(b, ",");
      bndl_strbuf_json_string(b, r->examples[k][e], strlen(r->examples[k][e]));
    }
    bndl_strbuf_puts(b, "]}");
    first = 0;
  }
  bndl_strbuf_puts(b, "}}");
}

void bndl_report_text(const bndl_report *r, bndl_strbuf *b) {
  bndl_report_totals t;
  bndl_report_sum(r, &t);
  bndl_strbuf_printf(b, "rows read %lld = kept %lld + dropped %lld\n", (long long)t.read, (long long)t.kept,
                     (long long)t.dropped[0]);
  for (size_t i = 0; i < r->n_sources; i++) {
    const bndl_source *s = &r->sources[i];
    bndl_strbuf_printf(b, "  %s: read %lld, kept %lld", s->label, (long long)s->rows_read,
                       (long long)bndl_source_kept(s));
    if (s->returns)
      bndl_strbuf_printf(b, " (%lld returns kept as negative events)", (long long)s->returns);
    bndl_strbuf_puts(b, "\n");
    for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++)
      if (s->dropped[k])
        bndl_strbuf_printf(b, "    dropped %-20s %lld\n", reason_names[k], (long long)s->dropped[k]);
  }
  for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++) {
    if (!r->n_examples[k])
      continue;
    bndl_strbuf_printf(b, "examples of %s:\n", reason_names[k]);
    for (int32_t e = 0; e < r->n_examples[k]; e++)
      bndl_strbuf_printf(b, "  %s\n", r->examples[k][e]);
  }
}
