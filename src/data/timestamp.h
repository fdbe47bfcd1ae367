/*
 * timestamp.h - text timestamps to Unix seconds (UTC), without the C library's
 * locale- and time-zone-dependent routines (strptime/mktime read global state).
 *
 * Formats: "auto" (an integer is Unix seconds; otherwise ISO 8601
 * YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|(+|-)HH[:]MM]), "unix", "unix_ms", or a pattern of
 * %Y (4 digits) %y (2 digits, 69-99 -> 19xx, else 20xx) %m %d %H %M %S (1-2 digits)
 * and literal characters. "ordinal" is handled by the loader (row order), not here.
 */
#ifndef BNDL_DATA_TIMESTAMP_H
#define BNDL_DATA_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* A format decoded once per load, so the per-row parse does no string comparisons. */
typedef enum { BNDL_TIME_AUTO, BNDL_TIME_UNIX, BNDL_TIME_UNIX_MS, BNDL_TIME_PATTERN } bndl_time_kind;
typedef struct bndl_time_format {
  bndl_time_kind kind;
  const char *pattern; /* borrowed; BNDL_TIME_PATTERN only */
} bndl_time_format;

void bndl_time_format_compile(const char *format, bndl_time_format *out);
/* 1 on success. */
int bndl_parse_time(const bndl_time_format *f, const char *s, size_t n, int64_t *out);
/* The same, compiling format on every call (convenience for one-off parses). */
int bndl_parse_timestamp(const char *format, const char *s, size_t n, int64_t *out);
/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
int64_t bndl_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Writes "YYYY-MM-DD HH:MM:SS" (UTC) into buf (>= 20 bytes). */
void bndl_format_timestamp(int64_t t, char *buf, size_t cap);
/* 1 if format is one this parser accepts ("ordinal" included). */
int bndl_timestamp_format_valid(const char *format);

#endif
