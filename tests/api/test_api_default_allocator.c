/*
 * test_api_default_allocator.c - bndl_set_default_allocator: validation, routing of
 * contexts and configs created without an allocator, and BNDL_ERR_BUSY once a context
 * exists.
 *
 * The BUSY state is process-wide and permanent, so this lives in its own executable
 * and its steps run in the order written (one test function per phase, BUSY last).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "test_support.h"

static test_alloc counted;

static void test_rejects_incomplete_allocators(void **state) {
  (void)state;
  bndl_allocator a = BNDL_ALLOCATOR_INIT;
  assert_int_equal(bndl_set_default_allocator(&a), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_set_default_allocator");
  a = test_alloc_hook(&counted);
  a.struct_size = 8;
  assert_int_equal(bndl_set_default_allocator(&a), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("struct_size");
  a = test_alloc_hook(&counted);
  a.free = NULL;
  assert_int_equal(bndl_set_default_allocator(&a), BNDL_ERR_INVALID_ARGUMENT);
}

static void test_configs_use_the_default_they_were_born_with(void **state) {
  (void)state;
  test_alloc_reset(&counted, 0, 0);
  bndl_allocator a = test_alloc_hook(&counted);
  assert_int_equal(bndl_set_default_allocator(&a), BNDL_OK);
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_int_equal(bndl_config_set_string(cfg, BNDL_KEY_SPLIT_METHOD, "random"), BNDL_OK);
  assert_true(counted.live_blocks >= 2);
  /* back to malloc: new configs no longer count, the old one still frees through its own copy */
  assert_int_equal(bndl_set_default_allocator(NULL), BNDL_OK);
  int64_t before = counted.n_allocs;
  bndl_config *plain = NULL;
  assert_int_equal(bndl_config_create(&plain), BNDL_OK);
  assert_int_equal(counted.n_allocs, before);
  bndl_config_free(plain);
  bndl_config_free(cfg);
  assert_int_equal(counted.live_blocks, 0);
  assert_int_equal(counted.live_bytes, 0);
}

static void test_contexts_use_the_default(void **state) {
  (void)state;
  test_alloc_reset(&counted, 0, 0);
  bndl_allocator a = test_alloc_hook(&counted);
  assert_int_equal(bndl_set_default_allocator(&a), BNDL_OK);
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = 2;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(&d, &ctx), BNDL_OK);
  assert_true(counted.live_blocks >= 2);
  /* from now on the default is frozen, whatever is passed */
  bndl_allocator b = test_alloc_hook(&counted);
  assert_int_equal(bndl_set_default_allocator(&b), BNDL_ERR_BUSY);
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_BUSY);
  test_assert_error_contains("bndl_set_default_allocator");
  assert_int_equal(bndl_set_default_allocator(NULL), BNDL_ERR_BUSY);
  bndl_context_free(ctx);
  assert_int_equal(counted.live_bytes, 0);
  /* and it stays frozen after the last context is gone */
  assert_int_equal(bndl_set_default_allocator(NULL), BNDL_ERR_BUSY);
  /* the frozen default still serves new objects */
  int64_t before = counted.n_allocs;
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  assert_true(counted.n_allocs > before);
  bndl_config_free(cfg);
  assert_int_equal(counted.live_bytes, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rejects_incomplete_allocators),
      cmocka_unit_test(test_configs_use_the_default_they_were_born_with),
      cmocka_unit_test(test_contexts_use_the_default),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
