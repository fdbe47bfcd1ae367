/*
 * test_error.c - the thread-local error slot: codes, long messages, prefixing, threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "test_support.h"

static void test_fail_sets_code_and_message(void **state) {
  (void)state;
  assert_int_equal(bndl_fail(BNDL_ERR_FORMAT, "line %d: bad", 7), BNDL_ERR_FORMAT);
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_FORMAT);
  assert_string_equal(bndl_last_error_message(), "line 7: bad");
}

static void test_long_message_is_not_truncated(void **state) {
  (void)state;
  static char big[100000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  bndl_fail(BNDL_ERR_IO, "%s!", big);
  assert_int_equal(strlen(bndl_last_error_message()), sizeof big);
}

static void test_prefix_once(void **state) {
  (void)state;
  bndl_fail(BNDL_ERR_FORMAT, "inner");
  bndl_error_prefix(BNDL_ERR_FORMAT, "bndl_x");
  bndl_error_prefix(BNDL_ERR_FORMAT, "bndl_x");
  assert_string_equal(bndl_last_error_message(), "bndl_x: inner");
  /* a message may be built from the current one */
  bndl_fail(BNDL_ERR_IO, "outer(%s)", bndl_last_error_message());
  assert_string_equal(bndl_last_error_message(), "outer(bndl_x: inner)");
}

static void test_copy_protocol(void **state) {
  (void)state;
  bndl_fail(BNDL_ERR_NOT_FOUND, "abcdef");
  size_t need = 0;
  char small[4];
  assert_int_equal(bndl_last_error_copy(small, sizeof small, &need), BNDL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(need, 7);
  assert_string_equal(small, "abc");
  char ok[7];
  assert_int_equal(bndl_last_error_copy(ok, sizeof ok, &need), BNDL_OK);
  assert_string_equal(ok, "abcdef");
  /* copying never overwrites the slot */
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_NOT_FOUND);
}

static void *other_thread(void *arg) {
  (void)arg;
  bndl_fail(BNDL_ERR_IO, "from the other thread");
  return NULL;
}

static void test_slots_are_per_thread(void **state) {
  (void)state;
  bndl_fail(BNDL_ERR_STATE, "mine");
  pthread_t t;
  pthread_create(&t, NULL, other_thread, NULL);
  pthread_join(t, NULL);
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_STATE);
  assert_string_equal(bndl_last_error_message(), "mine");
}

static void test_status_strings(void **state) {
  (void)state;
  for (int s = 0; s < 120; s++)
    assert_non_null(bndl_status_str((bndl_status)s));
  assert_string_equal(bndl_status_str(BNDL_OK), "success");
  assert_string_equal(bndl_status_str((bndl_status)77), "unknown status code");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fail_sets_code_and_message), cmocka_unit_test(test_long_message_is_not_truncated),
      cmocka_unit_test(test_prefix_once),                cmocka_unit_test(test_copy_protocol),
      cmocka_unit_test(test_slots_are_per_thread),       cmocka_unit_test(test_status_strings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
