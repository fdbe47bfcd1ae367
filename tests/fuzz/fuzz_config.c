/*
 * fuzz_config.c - the config text parser (bndl_config_set: key names and values parsed
 * per the key's type, range and choices).
 *
 * Input: lines "name=value". Invariants: each set is OK, NOT_FOUND (unknown name) or
 * INVALID_ARGUMENT (bad value); a value that was accepted reads back through the typed
 * getter with OK.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

static void set_and_read(bndl_config *cfg, const char *name, const char *value) {
  bndl_status st = bndl_config_set(cfg, name, value);
  if (st == BNDL_ERR_NOT_FOUND || st == BNDL_ERR_INVALID_ARGUMENT)
    return;
  if (st != BNDL_OK)
    abort();
  bndl_key key;
  if (bndl_config_key_by_name(name, &key) != BNDL_OK)
    abort();
  int64_t i;
  double f;
  const char *s;
  switch (bndl_config_key_type(key)) {
  case BNDL_TYPE_INT:
    st = bndl_config_get_int(cfg, key, &i);
    break;
  case BNDL_TYPE_FLOAT:
    st = bndl_config_get_float(cfg, key, &f);
    break;
  default:
    st = bndl_config_get_string(cfg, key, &s);
  }
  if (st != BNDL_OK)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  bndl_config *cfg = NULL;
  if (text == NULL || bndl_config_create(&cfg) != BNDL_OK) {
    free(text);
    return 0;
  }
  memcpy(text, data, size);
  text[size] = '\0';
  char *line = text;
  while (line != NULL) {
    char *next = strchr(line, '\n');
    if (next != NULL)
      *next++ = '\0';
    char *eq = strchr(line, '=');
    if (eq != NULL) {
      *eq = '\0';
      set_and_read(cfg, line, eq + 1);
    }
    line = next;
  }
  bndl_config_free(cfg);
  free(text);
  return 0;
}
