/*
 * config.h - the option bag behind bndl_config.
 *
 * A config holds only the keys that were set; reads of unset keys return the key's
 * default from config_keys.c. Values are validated when set, so readers never re-check
 * ranges. A NULL config reads as all defaults.
 */
#ifndef BNDL_CORE_CONFIG_H
#define BNDL_CORE_CONFIG_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "core/config_keys.h"

typedef struct bndl_config_entry {
  bndl_key key;
  int64_t i;
  double f;
  char *s;
} bndl_config_entry;

struct bndl_config {
  uint32_t magic;
  bndl_allocator alloc;
  bndl_config_entry *entries;
  size_t n, cap;
};

bndl_status bndl_config_new(const bndl_allocator *a, bndl_config **out);
void bndl_config_destroy(bndl_config *cfg);
bndl_status bndl_config_copy(const bndl_config *src, const bndl_allocator *a, bndl_config **out);
/* Setters validate type and range against the key table. */
bndl_status bndl_config_put_int(bndl_config *cfg, bndl_key key, int64_t v);
bndl_status bndl_config_put_float(bndl_config *cfg, bndl_key key, double v);
bndl_status bndl_config_put_string(bndl_config *cfg, bndl_key key, const char *v);
bndl_status bndl_config_put_text(bndl_config *cfg, const char *name, const char *text);
/* Readers for keys known to exist with that type (a mismatch is a library bug and reads
 * the default). */
int64_t bndl_cfg_int(const bndl_config *cfg, bndl_key key);
double bndl_cfg_float(const bndl_config *cfg, bndl_key key);
const char *bndl_cfg_string(const bndl_config *cfg, bndl_key key);
/* Copies every key of src in [lo, hi] into dst (dataset_configure). */
bndl_status bndl_config_merge_range(bndl_config *dst, const bndl_config *src, int32_t lo, int32_t hi);

#endif
