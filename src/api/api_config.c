/*
 * api_config.c - public entry points of bndl_config.
 */
#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/alloc.h"
#include "core/config.h"

#define CHECK_CFG(c) BNDL_CHECK_HANDLE(c, BNDL_MAGIC_CONFIG, "bndl_config")

bndl_status bndl_config_create(bndl_config **out) {
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(bndl_config_new(bndl_default_allocator(), out));
}

bndl_status bndl_config_clone(const bndl_config *cfg, bndl_config **out) {
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(out);
  BNDL_API_RETURN(bndl_config_copy(cfg, &cfg->alloc, out));
}

void bndl_config_free(bndl_config *cfg) {
  if (bndl_handle_is(cfg, BNDL_MAGIC_CONFIG))
    bndl_config_destroy(cfg);
}

bndl_status bndl_config_set_int(bndl_config *cfg, bndl_key key, int64_t value) {
  CHECK_CFG(cfg);
  BNDL_API_RETURN(bndl_config_put_int(cfg, key, value));
}

bndl_status bndl_config_set_float(bndl_config *cfg, bndl_key key, double value) {
  CHECK_CFG(cfg);
  BNDL_API_RETURN(bndl_config_put_float(cfg, key, value));
}

bndl_status bndl_config_set_string(bndl_config *cfg, bndl_key key, const char *value) {
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(value);
  BNDL_API_RETURN(bndl_config_put_string(cfg, key, value));
}

bndl_status bndl_config_set(bndl_config *cfg, const char *name, const char *value) {
  CHECK_CFG(cfg);
  BNDL_CHECK_PTR(name);
  BNDL_CHECK_PTR(value);
  BNDL_API_RETURN(bndl_config_put_text(cfg, name, value));
}

/* Getters accept a NULL config (all defaults) but not a foreign pointer. */
static bndl_status typed_key(const bndl_config *cfg, bndl_key key, bndl_value_type type, const char *fn) {
  if (cfg != NULL && !bndl_handle_is(cfg, BNDL_MAGIC_CONFIG))
    return bndl_api_invalid(fn, "cfg is not a live bndl_config handle");
  const bndl_key_info *k = bndl_key_lookup(key);
  if (k == NULL)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "unknown config key %d", (int)key), fn);
  if (k->type != type)
    return bndl_api_invalid(fn, "key '%s' is not of the requested type", k->name);
  return BNDL_OK;
}

bndl_status bndl_config_get_int(const bndl_config *cfg, bndl_key key, int64_t *out) {
  BNDL_CHECK_PTR(out);
  BNDL_TRY(typed_key(cfg, key, BNDL_TYPE_INT, __func__));
  *out = bndl_cfg_int(cfg, key);
  return BNDL_OK;
}

bndl_status bndl_config_get_float(const bndl_config *cfg, bndl_key key, double *out) {
  BNDL_CHECK_PTR(out);
  BNDL_TRY(typed_key(cfg, key, BNDL_TYPE_FLOAT, __func__));
  *out = bndl_cfg_float(cfg, key);
  return BNDL_OK;
}

bndl_status bndl_config_get_string(const bndl_config *cfg, bndl_key key, const char **out) {
  BNDL_CHECK_PTR(out);
  BNDL_TRY(typed_key(cfg, key, BNDL_TYPE_STRING, __func__));
  *out = bndl_cfg_string(cfg, key);
  return BNDL_OK;
}

const char *bndl_config_key_name(bndl_key key) {
  const bndl_key_info *k = bndl_key_lookup(key);
  return k ? k->name : NULL;
}

bndl_value_type bndl_config_key_type(bndl_key key) {
  const bndl_key_info *k = bndl_key_lookup(key);
  return k ? k->type : (bndl_value_type)0;
}

bndl_status bndl_config_key_by_name(const char *name, bndl_key *out) {
  BNDL_CHECK_PTR(name);
  BNDL_CHECK_PTR(out);
  const bndl_key_info *k = bndl_key_lookup_name(name);
  if (k == NULL)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "unknown config key name '%s'", name), __func__);
  *out = k->key;
  return BNDL_OK;
}
