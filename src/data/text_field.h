/*
 * text_field.h - a borrowed span of bytes from an input buffer (not NUL-terminated).
 */
#ifndef BNDL_DATA_TEXT_FIELD_H
#define BNDL_DATA_TEXT_FIELD_H

#include <stddef.h>

typedef struct bndl_text_field {
  const char *p;
  size_t len;
} bndl_text_field;

#endif
