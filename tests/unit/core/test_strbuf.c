/*
 * test_strbuf.c - the growable string: appends and printf across the stack-buffer
 * limit, JSON string escaping and numbers, and the sticky out-of-memory status.
 *
 * JSON output is checked twice: against the exact expected bytes, and with the strict
 * validator of tests/support, so an escape that is "right" by eye but not JSON fails.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/strbuf.h"
#include "json_check.h"
#include "test_support.h"

static void assert_valid_json(const bndl_strbuf *b) {
  char why[128];
  if (!test_json_valid(b->data, b->len, why, sizeof why))
    fail_msg("not valid JSON (%s): %s", why, b->data);
}

static void test_append_puts_printf(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  bndl_strbuf_puts(&b, "rows ");
  bndl_strbuf_append(&b, "read=xyz", 5);
  bndl_strbuf_printf(&b, "%d/%s", 42, "kept");
  assert_int_equal(b.status, BNDL_OK);
  assert_string_equal(b.data, "rows read=42/kept");
  assert_int_equal(b.len, strlen("rows read=42/kept"));
  /* longer than printf's 256-byte stack buffer: formatted straight into the buffer */
  char big[1000];
  memset(big, 'q', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  bndl_strbuf_printf(&b, "<%s>", big);
  assert_int_equal(b.len, 17 + 1001);
  assert_int_equal(b.data[17], '<');
  assert_int_equal(b.data[17 + 1000], '>');
  assert_int_equal(b.data[b.len], '\0');
  assert_int_equal(strlen(b.data), b.len);
  bndl_strbuf_free(&b);
  assert_int_equal(t.live_bytes, 0);
}

static void test_many_appends_grow(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  for (int i = 0; i < 100000; i++)
    bndl_strbuf_append(&b, &"0123456789"[i % 10], 1);
  assert_int_equal(b.status, BNDL_OK);
  assert_int_equal(b.len, 100000);
  for (int i = 0; i < 100000; i++)
    assert_int_equal(b.data[i], '0' + i % 10);
  assert_true(t.n_allocs < 40); /* geometric growth, not one block per append */
  bndl_strbuf_free(&b);
  assert_int_equal(t.live_bytes, 0);
}

static void expect_json_string(const char *in, size_t n, const char *want) {
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  bndl_strbuf_json_string(&b, in, n);
  assert_int_equal(b.status, BNDL_OK);
  assert_string_equal(b.data, want);
  assert_valid_json(&b);
  bndl_strbuf_free(&b);
  assert_int_equal(t.live_bytes, 0);
}

static void test_json_escapes_quotes_and_backslash(void **state) {
  (void)state;
  expect_json_string("plain", 5, "\"plain\"");
  expect_json_string("", 0, "\"\"");
  expect_json_string("say \"hi\"", 8, "\"say \\\"hi\\\"\"");
  expect_json_string("C:\\data\\x", 9, "\"C:\\\\data\\\\x\"");
  expect_json_string("\"", 1, "\"\\\"\"");
  expect_json_string("\\", 1, "\"\\\\\"");
  expect_json_string("a/b", 3, "\"a/b\""); /* '/' may stay as it is */
}

static void test_json_escapes_control_characters(void **state) {
  (void)state;
  expect_json_string("a\nb\rc\td", 7, "\"a\\nb\\rc\\td\"");
  expect_json_string("\x01", 1, "\"\\u0001\"");
  expect_json_string("\x1f", 1, "\"\\u001f\"");
  expect_json_string("\b\f", 2, "\"\\u0008\\u000c\"");
  expect_json_string("x\x7fy", 3, "\"x\x7fy\""); /* DEL is not a JSON control character */
  /* an embedded NUL (the length is explicit) */
  expect_json_string("a\0b", 3, "\"a\\u0000b\"");
  /* every control character alone is escaped and the result is valid JSON */
  for (int c = 0; c < 0x20; c++) {
    char in[3] = {'<', (char)c, '>'};
    test_alloc t;
    test_alloc_reset(&t, 0, 0);
    bndl_allocator a = test_alloc_hook(&t);
    bndl_strbuf b;
    bndl_strbuf_init(&b, &a);
    bndl_strbuf_json_string(&b, in, 3);
    assert_valid_json(&b);
    for (size_t i = 0; i < b.len; i++)
      assert_true((unsigned char)b.data[i] >= 0x20);
    bndl_strbuf_free(&b);
  }
}

static void test_json_utf8_passes_through(void **state) {
  (void)state;
  /* 2-, 3- and 4-byte sequences: é, ✓, 中, 😀 */
  const char *s = "caf\xc3\xa9 \xe2\x9c\x93 \xe4\xb8\xad \xf0\x9f\x98\x80";
  size_t n = strlen(s);
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  bndl_strbuf_json_string(&b, s, n);
  assert_int_equal(b.len, n + 2);
  assert_memory_equal(b.data + 1, s, n);
  assert_valid_json(&b);
  bndl_strbuf_free(&b);
}

static void test_json_double(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  static const double values[] = {0.0, 1.5, -8.0, 0.1, 1e-300, 1.7976931348623157e308, -3.25e-7};
  bndl_strbuf_puts(&b, "[");
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    size_t at = b.len;
    bndl_strbuf_json_double(&b, values[i]);
    assert_true(strtod(b.data + at, NULL) == values[i]); /* %.17g round-trips exactly */
    bndl_strbuf_puts(&b, ",");
  }
  bndl_strbuf_json_double(&b, NAN);
  bndl_strbuf_puts(&b, ",");
  bndl_strbuf_json_double(&b, INFINITY);
  bndl_strbuf_puts(&b, ",");
  bndl_strbuf_json_double(&b, -INFINITY);
  bndl_strbuf_puts(&b, "]");
  assert_non_null(strstr(b.data, ",null,null,null]"));
  assert_valid_json(&b);
  bndl_strbuf_free(&b);
  assert_int_equal(t.live_bytes, 0);
}

static void test_take_hands_over(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  bndl_strbuf_puts(&b, "owned");
  size_t len = 0;
  char *s = bndl_strbuf_take(&b, &len);
  assert_string_equal(s, "owned");
  assert_int_equal(len, 5);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  bndl_strbuf_free(&b); /* nothing left to free */
  assert_int_equal(t.live_blocks, 1);
  bndl_free(&a, s);
  /* taking an empty buffer still gives an owned "" */
  char *e = bndl_strbuf_take(&b, &len);
  assert_non_null(e);
  assert_string_equal(e, "");
  assert_int_equal(len, 0);
  bndl_free(&a, e);
  assert_int_equal(t.live_bytes, 0);
}

/* The first failed growth makes the status OUT_OF_MEMORY; later appends are no-ops even
 * though the (transient) allocator would succeed again, so the text never has a hole. */
static void test_out_of_memory_is_sticky(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 2, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  bndl_strbuf_puts(&b, "first"); /* allocation 1: 64 bytes */
  assert_int_equal(b.status, BNDL_OK);
  char big[200];
  memset(big, 'z', sizeof big);
  bndl_strbuf_append(&b, big, sizeof big); /* allocation 2 fails */
  assert_int_equal(b.status, BNDL_ERR_OUT_OF_MEMORY);
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
  int64_t calls = t.n_allocs;
  bndl_strbuf_append(&b, big, sizeof big);
  bndl_strbuf_puts(&b, "more");
  bndl_strbuf_printf(&b, "%s", "formatted");
  bndl_strbuf_printf(&b, "%300s", "long");
  bndl_strbuf_json_string(&b, "q\"", 2);
  bndl_strbuf_json_double(&b, 1.0);
  assert_int_equal(t.n_allocs, calls); /* no further allocation attempts */
  assert_int_equal(b.status, BNDL_ERR_OUT_OF_MEMORY);
  assert_string_equal(b.data, "first");
  assert_int_equal(b.len, 5);
  bndl_strbuf_free(&b);
  assert_int_equal(t.live_bytes, 0);
}

static void test_out_of_memory_on_first_append_and_printf(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 1, 1);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  bndl_strbuf_printf(&b, "%0400d", 7); /* the direct-format path */
  assert_int_equal(b.status, BNDL_ERR_OUT_OF_MEMORY);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  assert_null(bndl_strbuf_take(&b, NULL));
  bndl_strbuf_free(&b);
  assert_int_equal(t.live_blocks, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_append_puts_printf),
      cmocka_unit_test(test_many_appends_grow),
      cmocka_unit_test(test_json_escapes_quotes_and_backslash),
      cmocka_unit_test(test_json_escapes_control_characters),
      cmocka_unit_test(test_json_utf8_passes_through),
      cmocka_unit_test(test_json_double),
      cmocka_unit_test(test_take_hands_over),
      cmocka_unit_test(test_out_of_memory_is_sticky),
      cmocka_unit_test(test_out_of_memory_on_first_append_and_printf),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
