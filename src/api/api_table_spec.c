/*
 * api_table_spec.c - public entry points of bndl_table_spec.
 */
#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/alloc.h"
#include "data/table_spec.h"

#define CHECK_SPEC(s) BNDL_CHECK_HANDLE(s, BNDL_MAGIC_TABLE_SPEC, "bndl_table_spec")
#define CHECK_FIELD(f) \
  BNDL_CHECK_ARG((f) >= 1 && (int)(f) <= BNDL_FIELD_COUNT, "%s=%d is not a bndl_field", #f, (int)(f))

bndl_status bndl_table_spec_create(bndl_table_kind kind, bndl_table_format format, bndl_table_spec **out) {
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(bndl_spec_new(bndl_default_allocator(), kind, format, out));
}

bndl_status bndl_table_spec_preset(const char *name, bndl_table_spec **out) {
  BNDL_CHECK_PTR(name);
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(bndl_spec_preset(bndl_default_allocator(), name, out));
}

const char *bndl_table_spec_preset_name(int32_t index) { return bndl_spec_preset_name(index); }

void bndl_table_spec_free(bndl_table_spec *spec) {
  if (bndl_handle_is(spec, BNDL_MAGIC_TABLE_SPEC))
    bndl_spec_destroy(spec);
}

bndl_status bndl_table_spec_set_delimiter(bndl_table_spec *spec, int32_t delimiter) {
  CHECK_SPEC(spec);
  BNDL_CHECK_ARG(delimiter > 0 && delimiter < 128 && delimiter != '\n' && delimiter != '\r' &&
                     delimiter != spec->quote,
                 "delimiter=%d must be an ASCII byte other than a newline and the quote", (int)delimiter);
  spec->delimiter = delimiter;
  return BNDL_OK;
}

bndl_status bndl_table_spec_set_quote(bndl_table_spec *spec, int32_t quote) {
  CHECK_SPEC(spec);
  BNDL_CHECK_ARG(quote >= 0 && quote < 128 && quote != '\n' && quote != '\r' && quote != spec->delimiter,
                 "quote=%d must be 0 (none) or an ASCII byte other than a newline and the delimiter", (int)quote);
  spec->quote = quote;
  return BNDL_OK;
}

bndl_status bndl_table_spec_set_header(bndl_table_spec *spec, int32_t has_header) {
  CHECK_SPEC(spec);
  spec->has_header = has_header != 0;
  return BNDL_OK;
}

bndl_status bndl_table_spec_map(bndl_table_spec *spec, bndl_field field, const char *column) {
  CHECK_SPEC(spec);
  CHECK_FIELD(field);
  BNDL_CHECK_PTR(column);
  BNDL_CHECK_ARG(*column != '\0', "column is an empty name");
  BNDL_API_RETURN(bndl_spec_map(spec, field, column, -1));
}

bndl_status bndl_table_spec_map_index(bndl_table_spec *spec, bndl_field field, int32_t column) {
  CHECK_SPEC(spec);
  CHECK_FIELD(field);
  BNDL_CHECK_ARG(column >= -1 && column < 100000, "column=%d is outside -1..99999", (int)column);
  BNDL_API_RETURN(bndl_spec_map(spec, field, NULL, column));
}

bndl_status bndl_table_spec_set_time_format(bndl_table_spec *spec, const char *format) {
  CHECK_SPEC(spec);
  BNDL_CHECK_PTR(format);
  BNDL_API_RETURN(bndl_spec_set_time_format(spec, format));
}

bndl_status bndl_table_spec_set_event_name(bndl_table_spec *spec, const char *name, bndl_event_type type) {
  CHECK_SPEC(spec);
  BNDL_CHECK_PTR(name);
  BNDL_API_RETURN(bndl_spec_add_event_name(spec, name, type));
}

bndl_status bndl_table_spec_set_default_event(bndl_table_spec *spec, bndl_event_type type) {
  CHECK_SPEC(spec);
  BNDL_CHECK_ARG(type >= 1 && (int)type <= BNDL_EVENT_TYPE_COUNT, "type=%d is not a bndl_event_type", (int)type);
  spec->default_event = type;
  return BNDL_OK;
}

bndl_status bndl_table_spec_set_return_prefix(bndl_table_spec *spec, bndl_field field, const char *prefix) {
  CHECK_SPEC(spec);
  CHECK_FIELD(field);
  BNDL_API_RETURN(bndl_spec_set_return_prefix(spec, field, prefix));
}

bndl_status bndl_table_spec_set_derive_catalogue(bndl_table_spec *spec, int32_t enable) {
  CHECK_SPEC(spec);
  BNDL_CHECK_ARG(spec->kind == BNDL_TABLE_EVENTS || !enable, "only an events spec can derive the catalogue");
  spec->derive_catalogue = enable != 0;
  return BNDL_OK;
}

bndl_status bndl_table_spec_set_split_part(bndl_table_spec *spec, bndl_split_part part) {
  CHECK_SPEC(spec);
  BNDL_CHECK_ARG(part >= BNDL_PART_NONE && part <= BNDL_PART_TEST, "part=%d is not a bndl_split_part", (int)part);
  spec->part = part;
  return BNDL_OK;
}
