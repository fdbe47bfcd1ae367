/*
 * test_alloc.c - allocation helpers over a bndl_allocator: counting, alignment, checked
 * size arithmetic, realloc copy semantics, bndl_grow, and out-of-memory reporting.
 *
 * Every helper must route through the hook (so the OOM loops of TARGETS.md R6 can reach
 * each allocation site) and must turn both an allocator NULL and a size overflow into
 * BNDL_ERR_OUT_OF_MEMORY with a message, without calling the allocator for an overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "test_support.h"

/* Fills fresh blocks with 0xAB so a missing memset in bndl_zalloc cannot hide behind
 * pages that happen to be zero. */
static void *dirty_alloc(void *ud, size_t size, size_t align) {
  test_alloc *t = ud;
  bndl_allocator inner = test_alloc_hook(t);
  void *p = inner.alloc(t, size, align);
  if (p)
    memset(p, 0xAB, size);
  return p;
}

static bndl_allocator dirty_hook(test_alloc *t) {
  bndl_allocator a = test_alloc_hook(t);
  a.alloc = dirty_alloc;
  return a;
}

static void test_counts_and_alignment(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  void *small = bndl_alloc(&a, 100);
  void *big = bndl_alloc(&a, 4096);
  assert_non_null(small);
  assert_non_null(big);
  assert_int_equal(t.n_allocs, 2);
  assert_int_equal(t.live_blocks, 2);
  assert_int_equal(t.live_bytes, 4196);
  /* small blocks get 16-byte alignment, blocks of 256 bytes or more a cache line */
  assert_int_equal((uintptr_t)small % 16, 0);
  assert_int_equal((uintptr_t)big % 64, 0);
  memset(big, 1, 4096); /* the whole block is usable (ASan checks the bounds) */
  bndl_free(&a, small);
  bndl_free(&a, big);
  bndl_free(&a, NULL); /* a no-op that must not reach the hook (it may not handle NULL) */
  assert_int_equal(t.live_blocks, 0);
  assert_int_equal(t.live_bytes, 0);
  assert_int_equal(t.peak_bytes, 4196);
}

static void test_zero_size_is_a_real_block(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  void *p = bndl_alloc(&a, 0);
  assert_non_null(p);
  assert_int_equal(t.live_blocks, 1);
  bndl_free(&a, p);
  assert_int_equal(t.live_blocks, 0);
}

static void test_zalloc_zeroes(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = dirty_hook(&t);
  unsigned char *p = bndl_zalloc(&a, 300);
  assert_non_null(p);
  for (int i = 0; i < 300; i++)
    assert_int_equal(p[i], 0);
  int32_t *q = bndl_zalloc_array(&a, 50, sizeof *q);
  assert_non_null(q);
  for (int i = 0; i < 50; i++)
    assert_int_equal(q[i], 0);
  bndl_free(&a, p);
  bndl_free(&a, q);
  assert_int_equal(t.live_bytes, 0);
}

static void test_failure_sets_out_of_memory_with_size(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 1, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_fail(BNDL_OK, "clean");
  assert_null(bndl_alloc(&a, 12345));
  assert_int_equal(t.n_failed, 1);
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
  test_assert_error_contains("out of memory");
  test_assert_error_contains("12345");
  /* transient: the next call succeeds */
  void *p = bndl_alloc(&a, 8);
  assert_non_null(p);
  bndl_free(&a, p);
  assert_int_equal(t.live_blocks, 0);
}

static void test_checked_arithmetic(void **state) {
  (void)state;
  size_t r = 7;
  assert_true(bndl_mul_size(SIZE_MAX / 2, 2, &r));
  assert_true(r == SIZE_MAX - 1);
  assert_true(bndl_mul_size(0, SIZE_MAX, &r));
  assert_true(r == 0);
  assert_true(bndl_mul_size(SIZE_MAX, 1, &r));
  assert_true(r == SIZE_MAX);
  assert_false(bndl_mul_size(SIZE_MAX / 2 + 1, 2, &r));
  assert_false(bndl_mul_size((size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4), &r));
  assert_true(bndl_add_size(SIZE_MAX - 1, 1, &r));
  assert_true(r == SIZE_MAX);
  assert_false(bndl_add_size(SIZE_MAX, 1, &r));
  assert_false(bndl_add_size(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1, &r));
}

static void test_array_overflow_is_oom_without_calling_allocator(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_fail(BNDL_OK, "clean");
  assert_null(bndl_alloc_array(&a, SIZE_MAX / 2 + 1, 2));
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
  test_assert_error_contains("overflow");
  bndl_fail(BNDL_OK, "clean");
  assert_null(bndl_zalloc_array(&a, SIZE_MAX / 8, 16));
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
  test_assert_error_contains("overflow");
  bndl_fail(BNDL_OK, "clean");
  int dummy[4] = {1, 2, 3, 4};
  assert_null(bndl_realloc_array(&a, NULL, 0, SIZE_MAX / 4 + 1, sizeof dummy[0]));
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
  assert_int_equal(t.n_allocs, 0);
}

static void test_realloc_array_copies_common_part(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  /* from NULL: a plain allocation */
  int64_t *p = bndl_realloc_array(&a, NULL, 0, 10, sizeof *p);
  assert_non_null(p);
  for (int i = 0; i < 10; i++)
    p[i] = i * 11;
  /* grow: the 10 old elements move, the old block is released */
  int64_t *q = bndl_realloc_array(&a, p, 10, 1000, sizeof *q);
  assert_non_null(q);
  for (int i = 0; i < 10; i++)
    assert_int_equal(q[i], i * 11);
  assert_int_equal(t.live_blocks, 1);
  assert_int_equal(t.live_bytes, 1000 * (int64_t)sizeof *q);
  /* shrink: only the first 4 survive and nothing is read past the new end */
  int64_t *r = bndl_realloc_array(&a, q, 1000, 4, sizeof *r);
  assert_non_null(r);
  for (int i = 0; i < 4; i++)
    assert_int_equal(r[i], i * 11);
  assert_int_equal(t.live_bytes, 4 * (int64_t)sizeof *r);
  bndl_free(&a, r);
  assert_int_equal(t.live_blocks, 0);
}

static void test_realloc_array_failure_keeps_old_block(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 2, 0);
  bndl_allocator a = test_alloc_hook(&t);
  int32_t *p = bndl_alloc_array(&a, 8, sizeof *p);
  assert_non_null(p);
  for (int i = 0; i < 8; i++)
    p[i] = 100 + i;
  assert_null(bndl_realloc_array(&a, p, 8, 64, sizeof *p));
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
  assert_int_equal(t.live_blocks, 1);
  for (int i = 0; i < 8; i++)
    assert_int_equal(p[i], 100 + i);
  bndl_free(&a, p);
  assert_int_equal(t.live_bytes, 0);
}

static void test_grow_doubles_and_keeps_contents(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  void *vp = NULL;
  size_t cap = 0;
  assert_int_equal(bndl_grow(&a, &vp, &cap, 1, sizeof(int32_t)), BNDL_OK);
  assert_true(cap == 16);
  int32_t *p = vp;
  for (int i = 0; i < 16; i++)
    p[i] = i;
  /* enough room: no allocation at all */
  int64_t before = t.n_allocs;
  assert_int_equal(bndl_grow(&a, &vp, &cap, 16, sizeof(int32_t)), BNDL_OK);
  assert_int_equal(t.n_allocs, before);
  assert_true(cap == 16);
  assert_int_equal(bndl_grow(&a, &vp, &cap, 17, sizeof(int32_t)), BNDL_OK);
  assert_true(cap == 32);
  assert_int_equal(bndl_grow(&a, &vp, &cap, 1000, sizeof(int32_t)), BNDL_OK);
  assert_true(cap == 1024);
  p = vp;
  for (int i = 0; i < 16; i++)
    assert_int_equal(p[i], i);
  assert_int_equal(t.live_blocks, 1);
  assert_int_equal(t.live_bytes, 1024 * 4);
  bndl_free(&a, vp);
  assert_int_equal(t.live_bytes, 0);
}

static void test_grow_failure_leaves_array_untouched(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 2, 1);
  bndl_allocator a = test_alloc_hook(&t);
  void *vp = NULL;
  size_t cap = 0;
  assert_int_equal(bndl_grow(&a, &vp, &cap, 5, 8), BNDL_OK);
  void *old = vp;
  memset(vp, 0x5A, 16 * 8);
  assert_int_equal(bndl_grow(&a, &vp, &cap, 17, 8), BNDL_ERR_OUT_OF_MEMORY);
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
  assert_ptr_equal(vp, old);
  assert_true(cap == 16);
  for (int i = 0; i < 16 * 8; i++)
    assert_int_equal(((unsigned char *)vp)[i], 0x5A);
  bndl_free(&a, vp);
  assert_int_equal(t.live_blocks, 0);
}

static void test_grow_overflow_is_oom_with_message(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  void *vp = NULL;
  size_t cap = 0;
  /* the element count itself cannot double far enough */
  bndl_fail(BNDL_OK, "clean");
  assert_int_equal(bndl_grow(&a, &vp, &cap, SIZE_MAX, 1), BNDL_ERR_OUT_OF_MEMORY);
  test_assert_error_contains("out of memory");
  /* the count fits but count * elem does not */
  bndl_fail(BNDL_OK, "clean");
  assert_int_equal(bndl_grow(&a, &vp, &cap, SIZE_MAX / 16, 64), BNDL_ERR_OUT_OF_MEMORY);
  test_assert_error_contains("overflow");
  assert_null(vp);
  assert_true(cap == 0);
  assert_int_equal(t.n_allocs, 0);
}

static void test_strdup_and_strndup(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  char *s = bndl_strdup(&a, "bundle");
  assert_string_equal(s, "bundle");
  assert_int_equal(t.live_bytes, 7);
  char *n = bndl_strndup(&a, "bundle", 3);
  assert_string_equal(n, "bun");
  char *e = bndl_strndup(&a, "", 0);
  assert_string_equal(e, "");
  bndl_free(&a, s);
  bndl_free(&a, n);
  bndl_free(&a, e);
  assert_int_equal(t.live_bytes, 0);
  test_alloc_reset(&t, 1, 0);
  assert_null(bndl_strdup(&a, "x"));
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
}

static void test_default_allocator_is_usable(void **state) {
  (void)state;
  const bndl_allocator *d = bndl_default_allocator();
  assert_non_null(d);
  assert_int_equal(d->struct_size, sizeof(bndl_allocator));
  unsigned char *p = bndl_alloc(d, 1000);
  assert_non_null(p);
  assert_int_equal((uintptr_t)p % 64, 0);
  memset(p, 0, 1000);
  bndl_free(d, p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counts_and_alignment),
      cmocka_unit_test(test_zero_size_is_a_real_block),
      cmocka_unit_test(test_zalloc_zeroes),
      cmocka_unit_test(test_failure_sets_out_of_memory_with_size),
      cmocka_unit_test(test_checked_arithmetic),
      cmocka_unit_test(test_array_overflow_is_oom_without_calling_allocator),
      cmocka_unit_test(test_realloc_array_copies_common_part),
      cmocka_unit_test(test_realloc_array_failure_keeps_old_block),
      cmocka_unit_test(test_grow_doubles_and_keeps_contents),
      cmocka_unit_test(test_grow_failure_leaves_array_untouched),
      cmocka_unit_test(test_grow_overflow_is_oom_with_message),
      cmocka_unit_test(test_strdup_and_strndup),
      cmocka_unit_test(test_default_allocator_is_usable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
