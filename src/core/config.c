/*
 * config.c - storage, validation and typed reads of configuration values.
 */
#include "core/config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/handle.h"

bndl_status bndl_config_new(const bndl_allocator *a, bndl_config **out) {
  bndl_config *c = bndl_zalloc(a, sizeof *c);
  if (c == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  c->alloc = *a;
  c->magic = BNDL_MAGIC_CONFIG;
  *out = c;
  return BNDL_OK;
}

void bndl_config_destroy(bndl_config *c) {
  if (c == NULL)
    return;
  bndl_allocator a = c->alloc;
  for (size_t i = 0; i < c->n; i++)
    bndl_free(&a, c->entries[i].s);
  bndl_free(&a, c->entries);
  c->magic = BNDL_MAGIC_FREED;
  bndl_free(&a, c);
}

static const bndl_config_entry *find(const bndl_config *c, bndl_key key) {
  if (c == NULL)
    return NULL;
  for (size_t i = 0; i < c->n; i++)
    if (c->entries[i].key == key)
      return &c->entries[i];
  return NULL;
}

/* Returns the entry for key, adding an empty one if needed. */
static bndl_status slot(bndl_config *c, bndl_key key, bndl_config_entry **out) {
  bndl_config_entry *e = (bndl_config_entry *)find(c, key);
  if (e == NULL) {
    void *p = c->entries;
    BNDL_TRY(bndl_grow(&c->alloc, &p, &c->cap, c->n + 1, sizeof *c->entries));
    c->entries = p;
    e = &c->entries[c->n++];
    memset(e, 0, sizeof *e);
    e->key = key;
  }
  *out = e;
  return BNDL_OK;
}

static bndl_status typed_info(bndl_key key, bndl_value_type want, const bndl_key_info **out) {
  const bndl_key_info *k = bndl_key_lookup(key);
  if (k == NULL)
    return bndl_fail(BNDL_ERR_NOT_FOUND, "unknown config key %d", (int)key);
  if (k->type != want) {
    static const char *const names[] = {"?", "int", "float", "string"};
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "key '%s' holds a %s, not a %s", k->name, names[k->type],
                     names[want]);
  }
  *out = k;
  return BNDL_OK;
}

bndl_status bndl_config_put_int(bndl_config *c, bndl_key key, int64_t v) {
  const bndl_key_info *k = NULL;
  BNDL_TRY(typed_info(key, BNDL_TYPE_INT, &k));
  if (v < k->int_min || v > k->int_max)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "key '%s' value %lld is outside %lld..%lld", k->name, (long long)v,
                     (long long)k->int_min, (long long)k->int_max);
  bndl_config_entry *e;
  BNDL_TRY(slot(c, key, &e));
  e->i = v;
  return BNDL_OK;
}

bndl_status bndl_config_put_float(bndl_config *c, bndl_key key, double v) {
  const bndl_key_info *k = NULL;
  BNDL_TRY(typed_info(key, BNDL_TYPE_FLOAT, &k));
  if (!isfinite(v) || v < k->float_min || v > k->float_max)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "key '%s' value %g is outside %g..%g", k->name, v, k->float_min,
                     k->float_max);
  bndl_config_entry *e;
  BNDL_TRY(slot(c, key, &e));
  e->f = v;
  return BNDL_OK;
}

bndl_status bndl_config_put_string(bndl_config *c, bndl_key key, const char *v) {
  const bndl_key_info *k = NULL;
  BNDL_TRY(typed_info(key, BNDL_TYPE_STRING, &k));
  if (k->string_choices) {
    int ok = 0;
    for (const char *const *ch = k->string_choices; *ch; ch++)
      ok |= strcmp(*ch, v) == 0;
    if (!ok)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "key '%s' value '%s' is not one of the accepted choices", k->name,
                       v);
  }
  char *copy = bndl_strdup(&c->alloc, v);
  if (copy == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_config_entry *e;
  bndl_status st = slot(c, key, &e);
  if (st != BNDL_OK) {
    bndl_free(&c->alloc, copy);
    return st;
  }
  bndl_free(&c->alloc, e->s);
  e->s = copy;
  return BNDL_OK;
}

bndl_status bndl_config_put_text(bndl_config *c, const char *name, const char *text) {
  const bndl_key_info *k = bndl_key_lookup_name(name);
  if (k == NULL)
    return bndl_fail(BNDL_ERR_NOT_FOUND, "unknown config key name '%s'", name);
  char *end = NULL;
  errno = 0;
  switch (k->type) {
  case BNDL_TYPE_INT: {
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "key '%s': '%s' is not an integer", name, text);
    return bndl_config_put_int(c, k->key, v);
  }
  case BNDL_TYPE_FLOAT: {
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "key '%s': '%s' is not a number", name, text);
    return bndl_config_put_float(c, k->key, v);
  }
  default:
    return bndl_config_put_string(c, k->key, text);
  }
}

int64_t bndl_cfg_int(const bndl_config *c, bndl_key key) {
  const bndl_config_entry *e = find(c, key);
  if (e)
    return e->i;
  const bndl_key_info *k = bndl_key_lookup(key);
  return k ? k->int_default : 0;
}

double bndl_cfg_float(const bndl_config *c, bndl_key key) {
  const bndl_config_entry *e = find(c, key);
  if (e)
    return e->f;
  const bndl_key_info *k = bndl_key_lookup(key);
  return k ? k->float_default : 0;
}

const char *bndl_cfg_string(const bndl_config *c, bndl_key key) {
  const bndl_config_entry *e = find(c, key);
  if (e && e->s)
    return e->s;
  const bndl_key_info *k = bndl_key_lookup(key);
  return k && k->string_default ? k->string_default : "";
}

bndl_status bndl_config_copy(const bndl_config *src, const bndl_allocator *a, bndl_config **out) {
  bndl_config *c;
  BNDL_TRY(bndl_config_new(a, &c));
  bndl_status st = bndl_config_merge_range(c, src, 0, INT32_MAX);
  if (st != BNDL_OK) {
    bndl_config_destroy(c);
    return st;
  }
  *out = c;
  return BNDL_OK;
}

bndl_status bndl_config_merge_range(bndl_config *dst, const bndl_config *src, int32_t lo, int32_t hi) {
  if (src == NULL)
    return BNDL_OK;
  for (size_t i = 0; i < src->n; i++) {
    const bndl_config_entry *e = &src->entries[i];
    if ((int32_t)e->key < lo || (int32_t)e->key > hi)
      continue;
    const bndl_key_info *k = bndl_key_lookup(e->key);
    if (k->type == BNDL_TYPE_INT)
      BNDL_TRY(bndl_config_put_int(dst, e->key, e->i));
    else if (k->type == BNDL_TYPE_FLOAT)
      BNDL_TRY(bndl_config_put_float(dst, e->key, e->f));
    else
      BNDL_TRY(bndl_config_put_string(dst, e->key, e->s));
  }
  return BNDL_OK;
}
