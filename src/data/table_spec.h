/*
 * table_spec.h - how the columns of one input file map onto dataset fields.
 *
 * A spec is a plain value: the loader reads it and never keeps it, so one spec can load
 * many files (e.g. twelve monthly exports of the same shop).
 */
#ifndef BNDL_DATA_TABLE_SPEC_H
#define BNDL_DATA_TABLE_SPEC_H

#include <stdint.h>

#include "bundle/bundle_types.h"

typedef struct bndl_column_ref {
  char *name;    /* header name or JSON key; NULL when mapped by index or unmapped */
  int32_t index; /* 0-based position; -1 = by name or unmapped */
} bndl_column_ref;

typedef struct bndl_event_name {
  char *name;
  bndl_event_type type;
} bndl_event_name;

struct bndl_table_spec {
  uint32_t magic;
  bndl_allocator alloc;
  bndl_table_kind kind;
  bndl_table_format format;
  int32_t delimiter;
  int32_t quote;
  int32_t has_header;
  bndl_column_ref columns[BNDL_FIELD_COUNT + 1]; /* indexed by bndl_field */
  char *time_format;
  bndl_event_name *event_names;
  size_t n_event_names;
  bndl_event_type default_event;
  bndl_field return_field; /* 0 = none */
  char *return_prefix;
  int32_t derive_catalogue;
  bndl_split_part part;
};

bndl_status bndl_spec_new(const bndl_allocator *a, bndl_table_kind kind, bndl_table_format format,
                          bndl_table_spec **out);
void bndl_spec_destroy(bndl_table_spec *s);
bndl_status bndl_spec_map(bndl_table_spec *s, bndl_field field, const char *name, int32_t index);
bndl_status bndl_spec_set_time_format(bndl_table_spec *s, const char *format);
bndl_status bndl_spec_add_event_name(bndl_table_spec *s, const char *name, bndl_event_type type);
bndl_status bndl_spec_set_return_prefix(bndl_table_spec *s, bndl_field field, const char *prefix);
int bndl_spec_is_mapped(const bndl_table_spec *s, bndl_field f);
/* Event type for a value of the EVENT_TYPE column: the spec's names first, then the
 * built-in vocabulary (case-insensitive). 0 if unknown. */
bndl_event_type bndl_spec_event_type(const bndl_table_spec *s, const char *value, size_t len);
/* Builds a preset by name (presets.c). NOT_FOUND lists the names. */
bndl_status bndl_spec_preset(const bndl_allocator *a, const char *name, bndl_table_spec **out);
const char *bndl_spec_preset_name(int32_t index);
/* Stable lower-case names for messages and reports. */
const char *bndl_field_name(bndl_field f);
const char *bndl_table_kind_name(bndl_table_kind k);
const char *bndl_event_type_name(bndl_event_type t);

#endif
