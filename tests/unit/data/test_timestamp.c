/*
 * test_timestamp.c - text timestamps to Unix seconds (timestamp.c).
 *
 * The parser does its own calendar arithmetic (it must not read the process time zone
 * or locale), so it is checked against glibc's timegm() on many random dates, and
 * against its own formatter in a round trip. The hand-written cases pin the accepted
 * ISO 8601 subset, the patterns with the documented 2-digit-year rule, Unix seconds and
 * milliseconds, and the calendar checks (Feb 30, month 13, hour 24 are not times).
 */
#define _DEFAULT_SOURCE 1 /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/rng.h"
#include "data/timestamp.h"

static int64_t utc(int y, int mo, int d, int h, int mi, int s) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return (int64_t)timegm(&tm);
}

static void expect_time(const char *format, const char *text, int64_t want) {
  int64_t got = INT64_MIN;
  if (!bndl_parse_timestamp(format, text, strlen(text), &got))
    fail_msg("format '%s': '%s' rejected", format, text);
  if (got != want)
    fail_msg("format '%s': '%s' gave %lld, want %lld", format, text, (long long)got, (long long)want);
}

static void expect_reject(const char *format, const char *text) {
  int64_t got = 4242;
  if (bndl_parse_timestamp(format, text, strlen(text), &got))
    fail_msg("format '%s': '%s' accepted as %lld", format, text, (long long)got);
}

static void test_iso8601_variants(void **state) {
  (void)state;
  const int64_t base = utc(2021, 3, 4, 5, 6, 7);
  expect_time("auto", "2021-03-04", utc(2021, 3, 4, 0, 0, 0));
  expect_time("auto", "2021-03-04T05:06", base - 7);
  expect_time("auto", "2021-03-04 05:06", base - 7);
  expect_time("auto", "2021-03-04T05:06:07", base);
  expect_time("auto", "2021-03-04 05:06:07", base);
  expect_time("auto", "2021-03-04T05:06:07.5", base); /* fractions are truncated */
  expect_time("auto", "2021-03-04T05:06:07.999999999", base);
  expect_time("auto", "2021-03-04T05:06:07Z", base);
  expect_time("auto", "2021-03-04T05:06:07.123Z", base);
  expect_time("auto", "2021-03-04T05:06:07+02:00", base - 2 * 3600);
  expect_time("auto", "2021-03-04T05:06:07-05:30", base + 5 * 3600 + 30 * 60);
  expect_time("auto", "2021-03-04T05:06:07+0200", base - 2 * 3600);
  expect_time("auto", "2021-03-04T05:06:07+02", base - 2 * 3600);
  expect_time("auto", "2021-03-04T05:06Z", base - 7);
  expect_time("auto", "  2021-03-04T05:06:07Z\t", base); /* surrounding blanks */
  expect_time("auto", "2020-02-29", utc(2020, 2, 29, 0, 0, 0)); /* leap day */
  expect_time("auto", "2000-02-29", utc(2000, 2, 29, 0, 0, 0)); /* 400-year leap */
  expect_time("auto", "1969-12-31T23:59:59Z", -1);
  expect_time("auto", "1970-01-01T00:00:00Z", 0);
  expect_time("auto", "2021-12-31T23:59:60Z", utc(2022, 1, 1, 0, 0, 0)); /* leap second */
  expect_time("auto", "0001-01-01", utc(1, 1, 1, 0, 0, 0));
  expect_time("auto", "9999-12-31T23:59:59", utc(9999, 12, 31, 23, 59, 59));
}

static void test_invalid_dates_rejected(void **state) {
  (void)state;
  static const char *const bad[] = {
      "2020-02-30",          "2021-02-29",          "1900-02-29",          "2020-04-31",
      "2020-13-01",          "2020-00-10",          "2020-01-00",          "2020-01-32",
      "2020-01-01T24:00",    "2020-01-01T23:60",    "2020-01-01T23:59:61", "2020-1-01",
      "2020-01-1",           "20-01-01",            "2020/01/01",          "2020-01-01x",
      "2020-01-01T",         "2020-01-01T10",       "2020-01-01T10:5",     "2020-01-01T10:05:",
      "2020-01-01T10:05:07.", "2020-01-01T10:05:07+", "2020-01-01T10:05:07+2", "2020-01-01Z",
      "",                    "   ",                 "yesterday",           "2020-01-01 10:05:07 UTC",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    expect_reject("auto", bad[i]);
  /* the same calendar rules apply to patterns */
  expect_reject("%d/%m/%Y", "30/02/2020");
  expect_reject("%d/%m/%Y", "01/13/2020");
  expect_reject("%Y-%m-%d %H:%M:%S", "2020-01-01 24:00:00");
  expect_reject("%Y-%m-%d %H:%M:%S", "2020-01-01 12:60:00");
}

static void test_patterns(void **state) {
  (void)state;
  /* %y: 69-99 are 19xx, 00-68 are 20xx */
  expect_time("%d/%m/%y", "01/12/10", utc(2010, 12, 1, 0, 0, 0));
  expect_time("%d/%m/%y", "1/2/03", utc(2003, 2, 1, 0, 0, 0)); /* 1-digit day and month */
  expect_time("%d/%m/%y", "31/12/68", utc(2068, 12, 31, 0, 0, 0));
  expect_time("%d/%m/%y", "01/01/69", utc(1969, 1, 1, 0, 0, 0));
  expect_time("%d/%m/%y", "15/06/99", utc(1999, 6, 15, 0, 0, 0));
  expect_time("%d/%m/%y", "15/06/00", utc(2000, 6, 15, 0, 0, 0));
  expect_time("%d/%m/%y %H:%M", "1/12/10 8:26", utc(2010, 12, 1, 8, 26, 0));
  expect_time("%Y-%m-%d %H:%M:%S", "2010-12-01 08:26:00", utc(2010, 12, 1, 8, 26, 0));
  expect_time("%Y%m%d", "20101201", utc(2010, 12, 1, 0, 0, 0));
  expect_time("%m/%d/%Y %H:%M:%S", "12/31/1999 23:59:59", utc(1999, 12, 31, 23, 59, 59));
  expect_time("%Y-%m-%d 100%%", "2010-12-01 100%", utc(2010, 12, 1, 0, 0, 0));
  /* literals must match, and nothing may be left over */
  expect_reject("%d/%m/%y", "01-12-10");
  expect_reject("%d/%m/%y", "01/12/2010");
  expect_reject("%d/%m/%y", "01/12/1");
  expect_reject("%Y-%m-%d", "10-12-01");
  expect_reject("%Y-%m-%d", "2010-12-01 00:00");
  expect_reject("%Y-%m-%d %H:%M:%S", "2010-12-01");
  expect_reject("%Y-%m-%d 100%%", "2010-12-01 100");
}

static void test_unix_seconds_and_milliseconds(void **state) {
  (void)state;
  expect_time("unix", "1600000000", 1600000000);
  expect_time("unix", " -5 ", -5);
  expect_time("unix", "0", 0);
  expect_reject("unix", "1600000000.5");
  expect_reject("unix", "1.6e9");
  expect_reject("unix", "2020-01-01");
  expect_reject("unix", "");
  expect_time("unix_ms", "1600000000123", 1600000000);
  expect_time("unix_ms", "999", 0);
  /* before 1970 the millisecond count rounds down to the earlier second */
  expect_time("unix_ms", "-1", -1);
  expect_time("unix_ms", "-999", -1);
  expect_time("unix_ms", "-1000", -1);
  expect_time("unix_ms", "-1001", -2);
  expect_time("unix_ms", "9223372036854775807", 9223372036854775);
  expect_time("unix_ms", "-9223372036854775808", -9223372036854776);
  expect_reject("unix_ms", "12.5");
  /* auto: an integer is Unix seconds, a decimal is truncated seconds */
  expect_time("auto", "1600000000", 1600000000);
  expect_time("auto", "1.6e9", 1600000000);
  expect_time("auto", "1600000000.75", 1600000000);
  expect_reject("auto", "1e30");
}

static void test_format_validity(void **state) {
  (void)state;
  static const char *const ok[] = {"auto", "unix", "unix_ms", "ordinal", "%d/%m/%y", "%Y-%m-%d %H:%M:%S", "%Y"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    assert_true(bndl_timestamp_format_valid(ok[i]));
  static const char *const bad[] = {"", "iso", "%q", "%Y-%", "%%", "plain text", "%Y %j"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (bndl_timestamp_format_valid(bad[i]))
      fail_msg("format '%s' accepted", bad[i]);
}

/* Random proleptic-Gregorian times from year 1 to 9999 against glibc's timegm, in ISO
 * form (auto), in a pattern, and with a time-zone offset. */
static void test_random_dates_match_timegm(void **state) {
  (void)state;
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bndl_rng r;
  bndl_rng_seed(&r, 99, 0);
  char buf[64];
  for (int i = 0; i < 100000; i++) {
    int y = 1 + (int)bndl_rng_below(&r, 9999);
    int mo = 1 + (int)bndl_rng_below(&r, 12);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int d = 1 + (int)bndl_rng_below(&r, (uint64_t)(dim[mo - 1] + (mo == 2 && leap)));
    int h = (int)bndl_rng_below(&r, 24), mi = (int)bndl_rng_below(&r, 60), s = (int)bndl_rng_below(&r, 60);
    int64_t want = utc(y, mo, d, h, mi, s);
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
    expect_time("auto", buf, want);
    snprintf(buf, sizeof buf, "%d/%d/%04d %d:%d:%d", d, mo, y, h, mi, s);
    expect_time("%d/%m/%Y %H:%M:%S", buf, want);
    int oh = (int)bndl_rng_below(&r, 15), om = 15 * (int)bndl_rng_below(&r, 4);
    int sign = bndl_rng_below(&r, 2) ? 1 : -1;
    snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d%c%02d:%02d", y, mo, d, h, mi, s, sign > 0 ? '+' : '-',
             oh, om);
    expect_time("auto", buf, want - sign * (oh * 3600 + om * 60));
    assert_int_equal(bndl_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s, want);
  }
}

/* Any time from year 1 to 9999 formats as "YYYY-MM-DD HH:MM:SS" and parses back. */
static void test_format_round_trip(void **state) {
  (void)state;
  const int64_t lo = utc(1, 1, 1, 0, 0, 0), hi = utc(9999, 12, 31, 23, 59, 59);
  bndl_rng r;
  bndl_rng_seed(&r, 5, 0);
  char buf[64], ref[64];
  for (int i = 0; i < 100000; i++) {
    int64_t t = lo + (int64_t)bndl_rng_below(&r, (uint64_t)(hi - lo + 1));
    if (i < 3)
      t = i == 0 ? lo : i == 1 ? hi : 0;
    bndl_format_timestamp(t, buf, sizeof buf);
    time_t tt = (time_t)t;
    struct tm tm;
    assert_non_null(gmtime_r(&tt, &tm));
    snprintf(ref, sizeof ref, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (strcmp(buf, ref) != 0)
      fail_msg("%lld formats as '%s', gmtime says '%s'", (long long)t, buf, ref);
    expect_time("%Y-%m-%d %H:%M:%S", buf, t);
    expect_time("auto", buf, t);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_iso8601_variants),
      cmocka_unit_test(test_invalid_dates_rejected),
      cmocka_unit_test(test_patterns),
      cmocka_unit_test(test_unix_seconds_and_milliseconds),
      cmocka_unit_test(test_format_validity),
      cmocka_unit_test(test_random_dates_match_timegm),
      cmocka_unit_test(test_format_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
