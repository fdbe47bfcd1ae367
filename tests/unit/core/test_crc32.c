/*
 * test_crc32.c - CRC-32 (IEEE, reflected 0xEDB88320): published check values, the empty
 * input, incremental == one-shot at every split point, and agreement with a bitwise
 * reference at every length and alignment (the slicing-by-8 loop has an 8-byte main
 * path and a byte tail, and both must meet at every boundary).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/crc32.h"

/* The textbook one-bit-at-a-time CRC, as the oracle. */
static uint32_t crc32_bitwise(uint32_t crc, const unsigned char *p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++)
      crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
  }
  return ~crc;
}

static void test_check_values(void **state) {
  (void)state;
  assert_int_equal(bndl_crc32(0, "123456789", 9), 0xCBF43926u);
  const char *fox = "The quick brown fox jumps over the lazy dog";
  assert_int_equal(bndl_crc32(0, fox, strlen(fox)), 0x414FA339u);
  static const unsigned char zeros[32];
  assert_int_equal(bndl_crc32(0, zeros, sizeof zeros), 0x190A55ADu);
}

static void test_empty_input(void **state) {
  (void)state;
  assert_int_equal(bndl_crc32(0, "", 0), 0);
  /* an empty continuation leaves any running value unchanged */
  assert_int_equal(bndl_crc32(0xCBF43926u, "", 0), 0xCBF43926u);
  assert_int_equal(bndl_crc32(0x12345678u, "", 0), 0x12345678u);
}

static void fill(unsigned char *buf, size_t n) {
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (unsigned char)x;
  }
}

static void test_incremental_equals_one_shot(void **state) {
  (void)state;
  enum { N = 1031 };
  static unsigned char buf[N];
  fill(buf, N);
  uint32_t whole = bndl_crc32(0, buf, N);
  for (size_t cut = 0; cut <= N; cut++) {
    uint32_t c = bndl_crc32(0, buf, cut);
    c = bndl_crc32(c, buf + cut, N - cut);
    assert_int_equal(c, whole);
  }
  /* many small pieces of varying size */
  uint32_t c = 0;
  size_t at = 0, step = 1;
  while (at < N) {
    size_t take = step < N - at ? step : N - at;
    c = bndl_crc32(c, buf + at, take);
    at += take;
    step = step % 13 + 1;
  }
  assert_int_equal(c, whole);
}

static void test_matches_bitwise_reference(void **state) {
  (void)state;
  static unsigned char buf[300 + 8];
  fill(buf, sizeof buf);
  for (size_t offset = 0; offset < 8; offset++)
    for (size_t len = 0; len <= 300; len++)
      assert_int_equal(bndl_crc32(0, buf + offset, len), crc32_bitwise(0, buf + offset, len));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_values),
      cmocka_unit_test(test_empty_input),
      cmocka_unit_test(test_incremental_equals_one_shot),
      cmocka_unit_test(test_matches_bitwise_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
