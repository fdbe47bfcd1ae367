/*
 * number.h - strict, locale-independent number parsing of text fields.
 *
 * The whole field must be the number (surrounding blanks allowed): "12abc", "", "1,5"
 * are rejected. Decimal point is always '.', whatever the host application's locale.
 */
#ifndef BNDL_DATA_NUMBER_H
#define BNDL_DATA_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* 1 on success. Rejects overflow. */
int bndl_parse_int64(const char *s, size_t n, int64_t *out);
/* 1 on success. Accepts [+-]digits[.digits][(e|E)[+-]digits]; rejects inf/nan words,
 * results that overflow to infinity, and spellings longer than 127 bytes (no price,
 * quantity or rating needs them; the limit keeps the slow path allocation-free). */
int bndl_parse_double(const char *s, size_t n, double *out);

#endif
