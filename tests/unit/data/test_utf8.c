/*
 * test_utf8.c - strict UTF-8 validation (utf8.c).
 *
 * The validator is checked two ways: hand-picked sequences with the exact offset it
 * must return (overlongs, surrogates, code points past U+10FFFF, truncated and broken
 * sequences, each after ASCII prefixes of every length so the 8-byte ASCII fast path
 * hands over at every alignment), and against a reference written from the table of
 * well-formed byte sequences in the Unicode standard (Table 3-7) over every 1- and
 * 2-byte input and many random longer ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/rng.h"
#include "data/utf8.h"

/* Length of the well-formed sequence at s (Unicode Table 3-7), 0 if ill-formed or
 * NUL (the library refuses U+0000: its strings are handed out as C strings). */
static size_t ref_sequence(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c == 0)
    return 0;
  if (c <= 0x7F)
    return 1;
  unsigned char lo = 0x80, hi = 0xBF;
  size_t len;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0;
    if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90;
    if (c == 0xF4)
      hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t k = 2; k < len; k++)
    if (s[k] < 0x80 || s[k] > 0xBF)
      return 0;
  return len;
}

static size_t ref_invalid_at(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t len = ref_sequence(s + i, n - i);
    if (len == 0)
      return i;
    i += len;
  }
  return n;
}

static size_t check(const char *s, size_t n) { return bndl_utf8_invalid_at(s, n); }

static void test_valid_text(void **state) {
  (void)state;
  static const char *const ok[] = {
      "",
      "plain ascii, longer than eight bytes",
      "\xC3\xA9",                 /* U+00E9 */
      "\xC2\x80",                 /* U+0080, smallest 2-byte */
      "\xDF\xBF",                 /* U+07FF */
      "\xE0\xA0\x80",             /* U+0800, smallest 3-byte */
      "\xE2\x82\xAC",             /* U+20AC euro */
      "\xED\x9F\xBF",             /* U+D7FF, just below the surrogates */
      "\xEE\x80\x80",             /* U+E000, just above them */
      "\xEF\xBF\xBF",             /* U+FFFF */
      "\xF0\x90\x80\x80",         /* U+10000, smallest 4-byte */
      "\xF0\x9F\x98\x80",         /* U+1F600 */
      "\xF4\x8F\xBF\xBF",         /* U+10FFFF, the last code point */
      "\xE4\xB8\xAD\xE6\x96\x87 mixed \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80!",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    size_t n = strlen(ok[i]);
    if (check(ok[i], n) != n)
      fail_msg("valid input %zu rejected at %zu", i, check(ok[i], n));
  }
  /* NUL is refused (every kept string is returned as a C string), and the length,
   * not a terminator, bounds the check */
  assert_int_equal(check("a\0b", 3), 1);
  assert_int_equal(check("0123456789abcdef\0", 17), 16);
  assert_int_equal(check("ab\xFF", 2), 2);
}

static void test_invalid_sequences_and_offsets(void **state) {
  (void)state;
  static const struct {
    const char *bytes;
    const char *what;
  } bad[] = {
      {"\xC0\x80", "overlong NUL"},
      {"\xC1\xBF", "overlong 2-byte"},
      {"\xE0\x80\x80", "overlong 3-byte"},
      {"\xE0\x9F\xBF", "overlong 3-byte (U+07FF)"},
      {"\xF0\x80\x80\x80", "overlong 4-byte"},
      {"\xF0\x8F\xBF\xBF", "overlong 4-byte (U+FFFF)"},
      {"\xED\xA0\x80", "high surrogate U+D800"},
      {"\xED\xBF\xBF", "low surrogate U+DFFF"},
      {"\xED\xA0\xBD\xED\xB8\x80", "CESU-8 surrogate pair"},
      {"\xF4\x90\x80\x80", "U+110000"},
      {"\xF5\x80\x80\x80", "lead byte F5"},
      {"\xF7\xBF\xBF\xBF", "lead byte F7"},
      {"\xF8\x88\x80\x80\x80", "5-byte form"},
      {"\xFC\x84\x80\x80\x80\x80", "6-byte form"},
      {"\xFE", "FE"},
      {"\xFF", "FF"},
      {"\x80", "lone continuation"},
      {"\xBF", "lone continuation BF"},
      {"\xC3", "truncated 2-byte"},
      {"\xE2\x82", "truncated 3-byte"},
      {"\xF0\x9F\x98", "truncated 4-byte"},
      {"\xC3\x41", "ASCII where a continuation belongs"},
      {"\xE2\x28\xA1", "bad second byte"},
      {"\xE2\x82\x28", "bad third byte"},
      {"\xF0\x9F\x28\x80", "bad third byte of 4"},
      {"\xF0\x9F\x98\x28", "bad fourth byte"},
      {"\xC3\xC3\xA9", "lead byte where a continuation belongs"},
  };
  char buf[64];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t blen = strlen(bad[i].bytes);
    /* after k valid bytes (ASCII or multibyte), the offset is exactly k */
    for (size_t k = 0; k <= 17; k++) {
      for (int multibyte = 0; multibyte < 2; multibyte++) {
        size_t pre = 0;
        while (pre < k) {
          if (multibyte && pre + 2 <= k) {
            memcpy(buf + pre, "\xC3\xA9", 2);
            pre += 2;
          } else {
            buf[pre] = (char)('a' + pre % 26);
            pre++;
          }
        }
        memcpy(buf + pre, bad[i].bytes, blen);
        memcpy(buf + pre + blen, "tail_ascii", 10); /* valid text after must not matter */
        size_t n = pre + blen + 10;
        size_t got = check(buf, n);
        if (got != pre)
          fail_msg("%s after %zu valid bytes%s: offset %zu, want %zu", bad[i].what, pre,
                   multibyte ? " (multibyte)" : "", got, pre);
      }
    }
  }
}

static void test_every_short_input_matches_reference(void **state) {
  (void)state;
  unsigned char s[4];
  for (unsigned a = 0; a < 256; a++) {
    s[0] = (unsigned char)a;
    assert_int_equal(check((const char *)s, 1), ref_invalid_at(s, 1));
    for (unsigned b = 0; b < 256; b++) {
      s[1] = (unsigned char)b;
      size_t want = ref_invalid_at(s, 2), got = check((const char *)s, 2);
      if (got != want)
        fail_msg("%02X %02X: offset %zu, reference %zu", a, b, got, want);
    }
  }
  /* every 3-byte sequence that starts with a 3-byte lead */
  for (unsigned a = 0xE0; a <= 0xEF; a++)
    for (unsigned b = 0; b < 256; b++)
      for (unsigned c = 0; c < 256; c++) {
        s[0] = (unsigned char)a, s[1] = (unsigned char)b, s[2] = (unsigned char)c;
        size_t want = ref_invalid_at(s, 3), got = check((const char *)s, 3);
        if (got != want)
          fail_msg("%02X %02X %02X: offset %zu, reference %zu", a, b, c, got, want);
      }
}

static void test_random_text_matches_reference(void **state) {
  (void)state;
  bndl_rng r;
  bndl_rng_seed(&r, 8, 0);
  unsigned char buf[40];
  for (int i = 0; i < 300000; i++) {
    size_t n = (size_t)bndl_rng_below(&r, sizeof buf + 1);
    for (size_t k = 0; k < n; k++) {
      /* mostly ASCII and valid-looking bytes, so errors sit at varied offsets */
      uint64_t kind = bndl_rng_below(&r, 8);
      buf[k] = kind < 4   ? (unsigned char)bndl_rng_below(&r, 0x80)
               : kind < 6 ? (unsigned char)(0x80 + bndl_rng_below(&r, 0x40))
                          : (unsigned char)(0xC0 + bndl_rng_below(&r, 0x40));
    }
    size_t want = ref_invalid_at(buf, n), got = check((const char *)buf, n);
    if (got != want)
      fail_msg("random input %d (%zu bytes): offset %zu, reference %zu", i, n, got, want);
  }
  /* every code point, encoded, is valid (surrogates and U+0000 excepted) */
  for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
    if (cp >= 0xD800 && cp <= 0xDFFF)
      continue;
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
      u[0] = (unsigned char)cp, n = 1;
    } else if (cp < 0x800) {
      u[0] = (unsigned char)(0xC0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
      u[0] = (unsigned char)(0xE0 | cp >> 12), u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
      u[2] = (unsigned char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
      u[0] = (unsigned char)(0xF0 | cp >> 18), u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
      u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (unsigned char)(0x80 | (cp & 0x3F)), n = 4;
    }
    if (check((const char *)u, n) != n)
      fail_msg("U+%04X rejected", (unsigned)cp);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_text),
      cmocka_unit_test(test_invalid_sequences_and_offsets),
      cmocka_unit_test(test_every_short_input_matches_reference),
      cmocka_unit_test(test_random_text_matches_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
