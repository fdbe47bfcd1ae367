/*
 * timestamp.c - calendar arithmetic and the timestamp formats.
 */
#include "data/timestamp.h"

#include <stdio.h>
#include <string.h>

#include "data/number.h"

int64_t bndl_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void bndl_format_timestamp(int64_t t, char *buf, size_t cap) {
  int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days--;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  snprintf(buf, cap, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, m, d, (int)(secs / 3600),
           (int)(secs / 60 % 60), (int)(secs % 60));
}

static int days_in_month(int64_t y, unsigned m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return dm[m - 1] + (m == 2 && leap);
}

/* Reads between min and max digits at s[*i]. */
static int read_digits(const char *s, size_t n, size_t *i, int min, int max, int *out) {
  int v = 0, k = 0;
  while (k < max && *i < n && s[*i] >= '0' && s[*i] <= '9') {
    v = v * 10 + (s[*i] - '0');
    (*i)++;
    k++;
  }
  if (k < min)
    return 0;
  *out = v;
  return 1;
}

static int make_time(int64_t y, int mo, int d, int h, int mi, int se, int64_t tz_offset, int64_t *out) {
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) || h > 23 || mi > 59 || se > 60)
    return 0;
  *out = bndl_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - tz_offset;
  return 1;
}

static int parse_iso(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  int y, mo, d, h = 0, mi = 0, se = 0;
  int64_t tz = 0;
  if (!read_digits(s, n, &i, 4, 4, &y) || i >= n || s[i++] != '-' || !read_digits(s, n, &i, 2, 2, &mo) ||
      i >= n || s[i++] != '-' || !read_digits(s, n, &i, 2, 2, &d))
    return 0;
  if (i < n && (s[i] == 'T' || s[i] == ' ')) {
    i++;
    if (!read_digits(s, n, &i, 2, 2, &h) || i >= n || s[i++] != ':' || !read_digits(s, n, &i, 2, 2, &mi))
      return 0;
    if (i < n && s[i] == ':') {
      i++;
      if (!read_digits(s, n, &i, 2, 2, &se))
        return 0;
      if (i < n && s[i] == '.') { /* fractional seconds: accepted, truncated */
        i++;
        int frac;
        if (!read_digits(s, n, &i, 1, 9, &frac))
          return 0;
      }
    }
    if (i < n && s[i] == 'Z') {
      i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
      int sign = s[i++] == '-' ? -1 : 1, th, tm = 0;
      if (!read_digits(s, n, &i, 2, 2, &th) || th > 23)
        return 0;
      int colon = i < n && s[i] == ':';
      i += (size_t)colon;
      if ((colon || i < n) && (!read_digits(s, n, &i, 2, 2, &tm) || tm > 59))
        return 0; /* "+05:" and "+05:7" are incomplete, "+05:99" is no offset */
      tz = sign * (th * 3600 + tm * 60);
    }
  }
  if (i != n)
    return 0;
  return make_time(y, mo, d, h, mi, se, tz, out);
}

static int parse_pattern(const char *fmt, const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  int y = 1970, mo = 1, d = 1, h = 0, mi = 0, se = 0, v;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') {
      if (i >= n || s[i++] != *f)
        return 0;
      continue;
    }
    f++;
    switch (*f) {
    case 'Y': if (!read_digits(s, n, &i, 4, 4, &y)) return 0; break;
    case 'y':
      if (!read_digits(s, n, &i, 2, 2, &v)) return 0;
      y = v >= 69 ? 1900 + v : 2000 + v;
      break;
    case 'm': if (!read_digits(s, n, &i, 1, 2, &mo)) return 0; break;
    case 'd': if (!read_digits(s, n, &i, 1, 2, &d)) return 0; break;
    case 'H': if (!read_digits(s, n, &i, 1, 2, &h)) return 0; break;
    case 'M': if (!read_digits(s, n, &i, 1, 2, &mi)) return 0; break;
    case 'S': if (!read_digits(s, n, &i, 1, 2, &se)) return 0; break;
    case '%': if (i >= n || s[i++] != '%') return 0; break;
    default: return 0;
    }
  }
  if (i != n)
    return 0;
  return make_time(y, mo, d, h, mi, se, 0, out);
}

int bndl_timestamp_format_valid(const char *fmt) {
  if (!strcmp(fmt, "auto") || !strcmp(fmt, "unix") || !strcmp(fmt, "unix_ms") || !strcmp(fmt, "ordinal"))
    return 1;
  int any = 0;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%')
      continue;
    f++;
    if (*f == '\0' || strchr("YymdHMS%", *f) == NULL)
      return 0;
    any |= *f != '%';
  }
  return any;
}

void bndl_time_format_compile(const char *format, bndl_time_format *out) {
  out->pattern = NULL;
  if (!strcmp(format, "unix"))
    out->kind = BNDL_TIME_UNIX;
  else if (!strcmp(format, "unix_ms"))
    out->kind = BNDL_TIME_UNIX_MS;
  else if (!strcmp(format, "auto") || !strcmp(format, "ordinal"))
    out->kind = BNDL_TIME_AUTO;
  else {
    out->kind = BNDL_TIME_PATTERN;
    out->pattern = format;
  }
}

int bndl_parse_timestamp(const char *format, const char *s, size_t n, int64_t *out) {
  bndl_time_format f;
  bndl_time_format_compile(format, &f);
  return bndl_parse_time(&f, s, n, out);
}

int bndl_parse_time(const bndl_time_format *f, const char *s, size_t n, int64_t *out) {
  while (n && (*s == ' ' || *s == '\t')) {
    s++;
    n--;
  }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  if (n == 0)
    return 0;
  if (f->kind == BNDL_TIME_UNIX)
    return bndl_parse_int64(s, n, out);
  if (f->kind == BNDL_TIME_UNIX_MS) {
    int64_t ms;
    if (!bndl_parse_int64(s, n, &ms))
      return 0;
    *out = ms / 1000 - (ms % 1000 < 0); /* floor, without negating INT64_MIN */
    return 1;
  }
  if (f->kind == BNDL_TIME_AUTO) {
    if (bndl_parse_int64(s, n, out))
      return 1;
    double v;
    if (bndl_parse_double(s, n, &v) && v > -9.2e18 && v < 9.2e18) {
      *out = (int64_t)v;
      return 1;
    }
    return parse_iso(s, n, out);
  }
  return parse_pattern(f->pattern, s, n, out);
}
