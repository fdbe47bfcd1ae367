/*
 * table_spec.c - construction and queries of table specs.
 */
#include "data/table_spec.h"

#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/handle.h"
#include "data/timestamp.h"

bndl_status bndl_spec_new(const bndl_allocator *a, bndl_table_kind kind, bndl_table_format format,
                          bndl_table_spec **out) {
  if (kind < BNDL_TABLE_EVENTS || kind > BNDL_TABLE_USER_BUNDLES)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "kind=%d is not a bndl_table_kind", (int)kind);
  if (format < BNDL_FORMAT_DELIMITED || format > BNDL_FORMAT_BASKET_JSON)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "format=%d is not a bndl_table_format", (int)format);
  if ((format == BNDL_FORMAT_SEQUENCE_LINES || format == BNDL_FORMAT_BASKET_JSON) && kind != BNDL_TABLE_EVENTS)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "format %d holds events only, not table kind %s", (int)format,
                     bndl_table_kind_name(kind));
  bndl_table_spec *s = bndl_zalloc(a, sizeof *s);
  if (s == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  s->alloc = *a;
  s->kind = kind;
  s->format = format;
  s->delimiter = format == BNDL_FORMAT_SEQUENCE_LINES ? ' ' : ',';
  s->quote = '"';
  s->has_header = format == BNDL_FORMAT_DELIMITED;
  for (int f = 0; f <= BNDL_FIELD_COUNT; f++)
    s->columns[f].index = -1;
  s->default_event = BNDL_EVENT_PURCHASE;
  s->time_format = bndl_strdup(a, format == BNDL_FORMAT_SEQUENCE_LINES || format == BNDL_FORMAT_BASKET_JSON
                                      ? "ordinal"
                                      : "auto");
  if (s->time_format == NULL) {
    bndl_free(a, s);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  s->magic = BNDL_MAGIC_TABLE_SPEC;
  *out = s;
  return BNDL_OK;
}

void bndl_spec_destroy(bndl_table_spec *s) {
  bndl_allocator a = s->alloc;
  for (int f = 0; f <= BNDL_FIELD_COUNT; f++)
    bndl_free(&a, s->columns[f].name);
  for (size_t i = 0; i < s->n_event_names; i++)
    bndl_free(&a, s->event_names[i].name);
  bndl_free(&a, s->event_names);
  bndl_free(&a, s->time_format);
  bndl_free(&a, s->return_prefix);
  s->magic = BNDL_MAGIC_FREED;
  bndl_free(&a, s);
}

bndl_status bndl_spec_map(bndl_table_spec *s, bndl_field field, const char *name, int32_t index) {
  if (field < 1 || (int)field > BNDL_FIELD_COUNT)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "field=%d is not a bndl_field", (int)field);
  char *copy = NULL;
  if (name) {
    copy = bndl_strdup(&s->alloc, name);
    if (copy == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
  }
  bndl_free(&s->alloc, s->columns[field].name);
  s->columns[field].name = copy;
  s->columns[field].index = name ? -1 : index;
  return BNDL_OK;
}

bndl_status bndl_spec_set_time_format(bndl_table_spec *s, const char *format) {
  if (!bndl_timestamp_format_valid(format))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                     "time format '%s' is not auto, unix, unix_ms, ordinal or a %%Y/%%y/%%m/%%d/%%H/%%M/%%S pattern",
                     format);
  char *copy = bndl_strdup(&s->alloc, format);
  if (copy == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_free(&s->alloc, s->time_format);
  s->time_format = copy;
  return BNDL_OK;
}

bndl_status bndl_spec_add_event_name(bndl_table_spec *s, const char *name, bndl_event_type type) {
  if (type < 1 || (int)type > BNDL_EVENT_TYPE_COUNT)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "type=%d is not a bndl_event_type", (int)type);
  for (size_t i = 0; i < s->n_event_names; i++)
    if (strcasecmp(s->event_names[i].name, name) == 0) {
      s->event_names[i].type = type;
      return BNDL_OK;
    }
  char *copy = bndl_strdup(&s->alloc, name);
  if (copy == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_event_name *p = bndl_realloc_array(&s->alloc, s->event_names, s->n_event_names, s->n_event_names + 1,
                                          sizeof *p);
  if (p == NULL) {
    bndl_free(&s->alloc, copy);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  s->event_names = p;
  p[s->n_event_names].name = copy;
  p[s->n_event_names].type = type;
  s->n_event_names++;
  return BNDL_OK;
}

bndl_status bndl_spec_set_return_prefix(bndl_table_spec *s, bndl_field field, const char *prefix) {
  if (field < 1 || (int)field > BNDL_FIELD_COUNT)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "field=%d is not a bndl_field", (int)field);
  char *copy = NULL;
  if (prefix && *prefix) {
    copy = bndl_strdup(&s->alloc, prefix);
    if (copy == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
  }
  bndl_free(&s->alloc, s->return_prefix);
  s->return_prefix = copy;
  s->return_field = copy ? field : (bndl_field)0;
  return BNDL_OK;
}

int bndl_spec_is_mapped(const bndl_table_spec *s, bndl_field f) {
  return s->columns[f].name != NULL || s->columns[f].index >= 0;
}

static const struct {
  const char *name;
  bndl_event_type type;
} builtin_events[] = {
    {"view", BNDL_EVENT_VIEW},         {"pv", BNDL_EVENT_VIEW},           {"page_view", BNDL_EVENT_VIEW},
    {"detail", BNDL_EVENT_VIEW},       {"click", BNDL_EVENT_CLICK},       {"cart", BNDL_EVENT_CART},
    {"addtocart", BNDL_EVENT_CART},    {"add_to_cart", BNDL_EVENT_CART},  {"add-to-cart", BNDL_EVENT_CART},
    {"purchase", BNDL_EVENT_PURCHASE}, {"buy", BNDL_EVENT_PURCHASE},      {"order", BNDL_EVENT_PURCHASE},
    {"transaction", BNDL_EVENT_PURCHASE}, {"return", BNDL_EVENT_RETURN}, {"refund", BNDL_EVENT_RETURN},
    {"cancel", BNDL_EVENT_RETURN},     {"rating", BNDL_EVENT_RATING},     {"rate", BNDL_EVENT_RATING},
};

bndl_event_type bndl_spec_event_type(const bndl_table_spec *s, const char *value, size_t len) {
  for (size_t i = 0; i < s->n_event_names; i++)
    if (strlen(s->event_names[i].name) == len && strncasecmp(s->event_names[i].name, value, len) == 0)
      return s->event_names[i].type;
  for (size_t i = 0; i < sizeof builtin_events / sizeof builtin_events[0]; i++)
    if (strlen(builtin_events[i].name) == len && strncasecmp(builtin_events[i].name, value, len) == 0)
      return builtin_events[i].type;
  return (bndl_event_type)0;
}

const char *bndl_field_name(bndl_field f) {
  static const char *const names[] = {"?",        "user",       "item",        "event_type", "timestamp",
                                      "quantity", "unit_price", "line_total",  "line_profit", "order",
                                      "rating",   "price",      "cost",        "stock",       "category",
                                      "title",    "text",       "bundle",      "weight"};
  return f >= 1 && (int)f <= BNDL_FIELD_COUNT ? names[f] : "?";
}

const char *bndl_table_kind_name(bndl_table_kind k) {
  static const char *const names[] = {"?", "events", "catalogue", "reviews", "bundle_items", "user_bundles"};
  return k >= 1 && k <= BNDL_TABLE_USER_BUNDLES ? names[k] : "?";
}

const char *bndl_event_type_name(bndl_event_type t) {
  static const char *const names[] = {"?", "view", "click", "cart", "purchase", "return", "rating"};
  return t >= 1 && (int)t <= BNDL_EVENT_TYPE_COUNT ? names[t] : "?";
}
