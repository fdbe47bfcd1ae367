/*
 * test_support.h - helpers shared by the cmocka tests.
 *
 * counting allocator: counts live blocks and bytes, and can fail the N-th allocation
 * (once, or every allocation from the N-th on), the SQLite-style OOM loop of
 * TARGETS.md R6.
 */
#ifndef BNDL_TEST_SUPPORT_H
#define BNDL_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle.h"

typedef struct test_alloc {
  int64_t n_allocs;      /* allocation calls so far */
  int64_t live_blocks;
  int64_t live_bytes;
  int64_t peak_bytes;
  int64_t fail_at;       /* 1-based call number to fail; 0 = never */
  int fail_persistent;   /* also fail every call after fail_at */
  int64_t n_failed;
} test_alloc;

void test_alloc_reset(test_alloc *t, int64_t fail_at, int persistent);
/* A bndl_allocator routed to t. */
bndl_allocator test_alloc_hook(test_alloc *t);
/* A context (1 thread unless n_threads given) whose allocations go to t. */
bndl_context *test_context(test_alloc *t, int32_t n_threads);

/* Path of a file in tests/data, or of a real dataset in ../shared/data. The shared
 * variant returns NULL (and the caller skips) when the file is missing, unless the
 * build requires shared data, in which case it fails the test. */
const char *test_data_path(const char *name);
const char *test_shared_path(const char *relative);

/* Writes `len` bytes to a fresh temporary file and returns its path (static buffer per
 * call site is not needed: the string is malloc'ed and freed by test_tmp_cleanup). */
char *test_write_tmp(const char *suffix, const void *data, size_t len);
void test_tmp_cleanup(void);

/* Fails the test with the status and the library's message unless st is BNDL_OK. */
void test_expect_ok(bndl_status st);
/* Fails unless st is `want` and, when needle is not NULL, the thread's last error message
 * contains it. */
void test_expect_error(bndl_status st, bndl_status want, const char *needle);
/* Asserts that the thread's last error message contains every given fragment. */
void test_assert_error_contains(const char *fragment);

#endif
