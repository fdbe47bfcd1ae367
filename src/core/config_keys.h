/*
 * config_keys.h - the table of every configuration key: name, type, default, range.
 *
 * One row per bndl_key value. Names are "group.name" in snake case and are part of the
 * API (bindings and the CLI set keys by name).
 */
#ifndef BNDL_CORE_CONFIG_KEYS_H
#define BNDL_CORE_CONFIG_KEYS_H

#include "bundle/bundle_types.h"

typedef struct bndl_key_info {
  bndl_key key;
  const char *name;
  bndl_value_type type;
  int64_t int_default, int_min, int_max;
  double float_default, float_min, float_max;
  const char *string_default;
  const char *const *string_choices; /* NULL = free text */
} bndl_key_info;

/* NULL for an unknown key. */
const bndl_key_info *bndl_key_lookup(bndl_key key);
const bndl_key_info *bndl_key_lookup_name(const char *name);
int32_t bndl_key_count(void);
const bndl_key_info *bndl_key_at(int32_t i);

#endif
