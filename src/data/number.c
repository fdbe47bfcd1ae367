/*
 * number.c - integer and decimal parsing.
 *
 * Doubles take Clinger's fast path when the digits fit in 15 significant digits and the
 * decimal exponent in +-22: the mantissa and the power of ten are then exact doubles,
 * and one multiply or divide rounds correctly. That covers prices, quantities and
 * ratings. Anything else goes to strtod under the "C" locale (uselocale is per thread),
 * so a host that set a German locale still reads "2.55" as 2.55.
 */
#include "data/number.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t')) {
    (*s)++;
    (*n)--;
  }
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
    (*n)--;
}

int bndl_parse_int64(const char *s, size_t n, int64_t *out) {
  trim(&s, &n);
  if (n == 0)
    return 0;
  int neg = 0;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == n)
    return 0;
  uint64_t v = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9)
      return 0;
    if (v > (UINT64_MAX - d) / 10)
      return 0;
    v = v * 10 + d;
  }
  if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
    return 0;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return 1;
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* Slow path: strtod on a NUL-terminated copy under the C locale. */
static int parse_double_slow(const char *s, size_t n, double *out) {
  char buf[128];
  if (n >= sizeof buf)
    return 0;
  memcpy(buf, s, n);
  buf[n] = '\0';
  pthread_once(&c_locale_once, make_c_locale);
  locale_t old = (locale_t)0;
  if (c_locale)
    old = uselocale(c_locale);
  char *end = NULL;
  double v = strtod(buf, &end);
  if (c_locale)
    uselocale(old);
  if (end != buf + n || !isfinite(v))
    return 0;
  *out = v;
  return 1;
}

int bndl_parse_double(const char *s, size_t n, double *out) {
  trim(&s, &n);
  if (n == 0)
    return 0;
  size_t i = 0;
  int neg = 0;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  uint64_t mant = 0;
  int digits = 0, frac_digits = 0, any = 0;
  for (; i < n && (unsigned char)(s[i] - '0') <= 9; i++, any = 1) {
    if (mant || s[i] != '0')
      digits++;
    mant = mant * 10 + (uint64_t)(s[i] - '0');
    if (digits > 18)
      return parse_double_slow(s, n, out);
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && (unsigned char)(s[i] - '0') <= 9; i++, any = 1) {
      if (mant || s[i] != '0')
        digits++;
      mant = mant * 10 + (uint64_t)(s[i] - '0');
      frac_digits++;
      if (digits > 18)
        return parse_double_slow(s, n, out);
    }
  }
  if (!any)
    return 0;
  int exp10 = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    int eneg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
      eneg = s[i++] == '-';
    if (i == n)
      return 0;
    for (; i < n; i++) {
      unsigned d = (unsigned char)s[i] - '0';
      if (d > 9)
        return 0;
      if (exp10 < 100000)
        exp10 = exp10 * 10 + (int)d;
    }
    if (eneg)
      exp10 = -exp10;
  }
  if (i != n)
    return 0;
  exp10 -= frac_digits;
  if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
    double v = (double)mant;
    v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
    *out = neg ? -v : v;
    return 1;
  }
  return parse_double_slow(s, n, out);
}
