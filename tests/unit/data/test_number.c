/*
 * test_number.c - strict number parsing of text fields (number.c).
 *
 * The double parser has its own fast path (Clinger: <= 15 digits, |exp| <= 22, one
 * exact multiply or divide), so it is checked bit for bit against the C library's
 * strtod on many random decimal strings, both inside and outside the fast path's
 * range. strtod runs here under the "C" locale the test starts in. The parser must not
 * depend on the host's locale: when a locale with a decimal comma is installed, the
 * same strings are parsed again under it.
 */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/rng.h"
#include "data/number.h"

static int parse_d(const char *s, double *out) { return bndl_parse_double(s, strlen(s), out); }
static int parse_i(const char *s, int64_t *out) { return bndl_parse_int64(s, strlen(s), out); }

static void assert_same_bits(double got, double want, const char *text) {
  if (memcmp(&got, &want, sizeof got) != 0)
    fail_msg("'%s': got %.17g, strtod says %.17g", text, got, want);
}

/* A random decimal: up to `max_digits` significant digits with the point anywhere
 * (or absent), an optional exponent in [exp_lo, exp_hi], an optional sign. */
static void random_decimal(bndl_rng *r, int max_digits, int exp_lo, int exp_hi, char *buf, size_t cap) {
  char digits[64];
  int nd = 1 + (int)bndl_rng_below(r, (uint64_t)max_digits);
  for (int i = 0; i < nd; i++)
    digits[i] = (char)('0' + bndl_rng_below(r, 10));
  int point = (int)bndl_rng_below(r, (uint64_t)nd + 2) - 1; /* -1 = no point */
  size_t k = 0;
  uint64_t sign = bndl_rng_below(r, 4);
  if (sign == 0)
    buf[k++] = '-';
  else if (sign == 1)
    buf[k++] = '+';
  for (int i = 0; i < nd; i++) {
    if (i == point && point > 0)
      buf[k++] = '.';
    buf[k++] = digits[i];
  }
  if (point == nd)
    buf[k++] = '.'; /* "12." */
  buf[k] = '\0';
  if (bndl_rng_below(r, 3) != 0) {
    int e = exp_lo + (int)bndl_rng_below(r, (uint64_t)(exp_hi - exp_lo + 1));
    snprintf(buf + k, cap - k, "%s%d", bndl_rng_below(r, 2) ? "e" : "E", e);
  }
}

static void compare_with_strtod(uint64_t seed, int n, int max_digits, int exp_lo, int exp_hi) {
  bndl_rng r;
  bndl_rng_seed(&r, seed, 0);
  char buf[128];
  for (int i = 0; i < n; i++) {
    random_decimal(&r, max_digits, exp_lo, exp_hi, buf, sizeof buf);
    double want = strtod(buf, NULL), got;
    int ok = parse_d(buf, &got);
    if (!isfinite(want)) { /* overflow is rejected, not turned into infinity */
      if (ok)
        fail_msg("'%s' overflows but was accepted as %.17g", buf, got);
      continue;
    }
    if (!ok)
      fail_msg("'%s' rejected", buf);
    assert_same_bits(got, want, buf);
  }
}

static void test_fast_path_matches_strtod(void **state) {
  (void)state;
  /* 15 digits and exponents -22..22: the range Clinger's fast path claims */
  compare_with_strtod(1, 100000, 15, -22, 22);
  /* short prices and quantities, the common case */
  compare_with_strtod(2, 20000, 6, -3, 3);
}

static void test_slow_path_matches_strtod(void **state) {
  (void)state;
  /* more digits than the fast path takes, and exponents beyond 10^22 */
  compare_with_strtod(3, 20000, 25, -300, 300);
  compare_with_strtod(4, 20000, 15, -330, -300); /* subnormal territory */
  static const char *const hard[] = {
      "9007199254740993",         /* 2^53 + 1: ties to even */
      "9007199254740992.5",
      "2.2250738585072011e-308",  /* the classic strtod hang value */
      "1.7976931348623157e308",   /* DBL_MAX */
      "4.9406564584124654e-324",  /* the smallest subnormal */
      "0.1", "0.2", "0.3", "1e23", "8.589973e9", "123456789012345678901234567890",
      "0.000000000000000000000000000001",
      "1e22", "1e-22", "999999999999999e22", "999999999999999e-22",
  };
  for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++) {
    double got;
    assert_true(parse_d(hard[i], &got));
    assert_same_bits(got, strtod(hard[i], NULL), hard[i]);
  }
}

static void test_accepted_spellings(void **state) {
  (void)state;
  static const struct {
    const char *text;
    double value;
  } ok[] = {
      {"0", 0},        {"-0", -0.0},     {"+1", 1},       {"2.55", 2.55},   {" 12.5 ", 12.5},
      {"\t7\t", 7},    {".5", 0.5},      {"5.", 5},       {"1E5", 1e5},     {"1e+5", 1e5},
      {"1e-5", 1e-5},  {"-3.25e2", -325}, {"007", 7},     {"1e0", 1},       {"000.000", 0},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    double got = 12345;
    if (!parse_d(ok[i].text, &got))
      fail_msg("'%s' rejected", ok[i].text);
    assert_same_bits(got, ok[i].value, ok[i].text);
  }
  /* the length is honoured: the bytes after n are not part of the number */
  double got;
  assert_true(bndl_parse_double("12.5xyz", 4, &got));
  assert_true(got == 12.5);
}

static void test_rejected_spellings(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",     " ",     "1,5",   "12abc", "inf",  "-inf", "nan",   "NaN",  "infinity", "1e",
      "1e+",  "--1",   "+-1",   "-",     "+",    ".",    "e5",    ".e5",  "1.2.3",    "1e5.5",
      "0x10", "1 2",   "1e400", "-1e400", "1_000", "١",   "1e99999999999", "12 abc",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double got = 12345;
    if (parse_d(bad[i], &got))
      fail_msg("'%s' accepted as %.17g", bad[i], got);
    assert_true(got == 12345); /* the out-param is untouched */
  }
}

static void test_int64_bounds(void **state) {
  (void)state;
  int64_t v = 0;
  assert_true(parse_i("9223372036854775807", &v));
  assert_true(v == INT64_MAX);
  assert_true(parse_i("-9223372036854775808", &v));
  assert_true(v == INT64_MIN);
  assert_true(parse_i(" +42 ", &v));
  assert_true(v == 42);
  assert_true(parse_i("-0", &v));
  assert_true(v == 0);
  assert_true(parse_i("000000000000000000000000000001", &v)); /* leading zeros do not overflow */
  assert_true(v == 1);
  static const char *const bad[] = {
      "9223372036854775808",  "-9223372036854775809", "18446744073709551615", "18446744073709551616",
      "99999999999999999999", "",                     "-",                    "+",
      "1.0",                  "1e3",                  "12abc",                "--1",
      " ",                    "0x1",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    v = 777;
    if (parse_i(bad[i], &v))
      fail_msg("'%s' accepted as %lld", bad[i], (long long)v);
    assert_true(v == 777);
  }
  /* every power of ten, and one below the limit from both sides */
  char buf[32];
  int64_t p = 1;
  for (int e = 0; e <= 18; e++) {
    snprintf(buf, sizeof buf, "%lld", (long long)p);
    assert_true(parse_i(buf, &v));
    assert_true(v == p);
    if (e < 18)
      p *= 10;
  }
  assert_true(parse_i("9223372036854775806", &v) && v == INT64_MAX - 1);
  assert_true(parse_i("-9223372036854775807", &v) && v == INT64_MIN + 1);
}

/* The host application may have switched LC_NUMERIC to a locale with a decimal comma;
 * "2.55" must still be 2.55 and "2,55" still rejected, on both paths. */
static void test_locale_independent(void **state) {
  (void)state;
  static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8", "fr_FR.utf8",
                                      "ru_RU.UTF-8", "nl_NL.UTF-8"};
  const char *used = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !used; i++)
    if (setlocale(LC_NUMERIC, names[i]) != NULL)
      used = names[i];
  if (!used || strcmp(localeconv()->decimal_point, ",") != 0) {
    setlocale(LC_NUMERIC, "C");
    printf("  (no locale with a decimal comma is installed: locale part skipped)\n");
    skip();
  }
  double v;
  assert_true(parse_d("2.55", &v));
  assert_true(v == 2.55);
  assert_false(parse_d("2,55", &v));
  /* the slow path (strtod) too: more than 18 digits, exponent beyond 22 */
  assert_true(parse_d("1234567890.1234567890123", &v));
  assert_true(v == 1234567890.1234567890123);
  assert_true(parse_d("2.5e300", &v));
  assert_true(v == 2.5e300);
  assert_false(parse_d("2,5e300", &v));
  setlocale(LC_NUMERIC, "C");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fast_path_matches_strtod),
      cmocka_unit_test(test_slow_path_matches_strtod),
      cmocka_unit_test(test_accepted_spellings),
      cmocka_unit_test(test_rejected_spellings),
      cmocka_unit_test(test_int64_bounds),
      cmocka_unit_test(test_locale_independent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
