/*
 * utf8.h - strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF)
 * that also refuses NUL, since the library returns its strings as C strings.
 */
#ifndef BNDL_DATA_UTF8_H
#define BNDL_DATA_UTF8_H

#include <stddef.h>

/* Returns the offset of the first invalid byte, or n if all of s is valid. */
size_t bndl_utf8_invalid_at(const char *s, size_t n);

#endif
