/*
 * test_api_context.c - the public contract of the library, context and config entry
 * points, seen through bundle.h and libbundle.so only.
 *
 * What is checked (API.md sections 4, 5, 8, 12): NULL out-params and NULL, garbage,
 * wrong-typed or freed handles give BNDL_ERR_INVALID_ARGUMENT with a message naming the
 * function and the argument, and leave out-params alone; *_free(NULL) is a no-op;
 * version and ABI queries agree with the header; bndl_build_info() is valid JSON;
 * log callbacks release their user data exactly once; and the OOM loop of TARGETS.md
 * R6 over bndl_context_create.
 *
 * Freed handles are probed for real: the process default allocator is replaced (before
 * the first context, as the contract requires) by a quarantine allocator that keeps
 * freed blocks mapped until the end, so the library's freed-tag check can be exercised
 * without a use-after-free under ASan.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle/bundle.h"
#include "json_check.h"
#include "test_support.h"

/* ---- quarantine allocator: frees are deferred to the end of the process */

enum { QUARANTINE_MAX = 1 << 16 };
static void *quarantine[QUARANTINE_MAX];
static int n_quarantined;
static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;

static void *q_alloc(void *ud, size_t size, size_t align) {
  (void)ud;
  void *p = NULL;
  if (align < sizeof(void *))
    align = sizeof(void *);
  return posix_memalign(&p, align, size ? size : 1) == 0 ? p : NULL;
}

static void q_free(void *ud, void *p) {
  (void)ud;
  pthread_mutex_lock(&quarantine_lock);
  if (n_quarantined < QUARANTINE_MAX)
    quarantine[n_quarantined++] = p;
  else
    free(p); /* only the first blocks matter for the freed-handle probes */
  pthread_mutex_unlock(&quarantine_lock);
}

static int release_quarantine(void **state) {
  (void)state;
  for (int i = 0; i < n_quarantined; i++)
    free(quarantine[i]);
  n_quarantined = 0;
  return 0;
}

static int install_quarantine(void **state) {
  (void)state;
  bndl_allocator a = BNDL_ALLOCATOR_INIT;
  a.alloc = q_alloc;
  a.free = q_free;
  return bndl_set_default_allocator(&a) == BNDL_OK ? 0 : -1;
}

/* ---- helpers */

/* The call failed with INVALID_ARGUMENT and a message naming fn and arg. */
static void expect_invalid(bndl_status st, const char *fn, const char *arg) {
  assert_int_equal(st, BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_INVALID_ARGUMENT);
  const char *msg = bndl_last_error_message();
  if (strncmp(msg, fn, strlen(fn)) != 0 || strstr(msg, arg) == NULL)
    fail_msg("message \"%s\" should start with \"%s\" and name \"%s\"", msg, fn, arg);
}

static bndl_context *new_context(int32_t n_threads) {
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = n_threads;
  d.seed = 7;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(&d, &ctx), BNDL_OK);
  assert_non_null(ctx);
  return ctx;
}

/* ---- version, ABI, build info, status texts */

static void test_version_and_abi_match_headers(void **state) {
  (void)state;
  assert_int_equal(bndl_version_number(), BNDL_VERSION_NUMBER);
  assert_int_equal(BNDL_VERSION_NUMBER, BNDL_VERSION_MAJOR * 10000 + BNDL_VERSION_MINOR * 100 + BNDL_VERSION_PATCH);
  assert_string_equal(bndl_version_string(), BNDL_VERSION_STRING);
  int maj = -1, min = -1, pat = -1;
  char tail = 0;
  assert_int_equal(sscanf(bndl_version_string(), "%d.%d.%d%c", &maj, &min, &pat, &tail), 3);
  assert_int_equal(maj, BNDL_VERSION_MAJOR);
  assert_int_equal(min, BNDL_VERSION_MINOR);
  assert_int_equal(pat, BNDL_VERSION_PATCH);
  assert_int_equal(bndl_abi_version(), BNDL_ABI_VERSION);
  assert_true(BNDL_CHECK_ABI());
}

static void test_build_info_is_json(void **state) {
  (void)state;
  const char *info = bndl_build_info();
  assert_non_null(info);
  char why[128];
  if (!test_json_valid(info, strlen(info), why, sizeof why))
    fail_msg("bndl_build_info() is not valid JSON (%s): %s", why, info);
  assert_true(test_json_has_key(info, "version"));
  assert_true(test_json_has_key(info, "dependencies"));
  assert_true(test_json_has_key(info, "abi"));
  assert_false(test_json_has_key(info, "no_such_key"));
  char want[64];
  snprintf(want, sizeof want, "\"version\":\"%s\"", bndl_version_string());
  assert_non_null(strstr(info, want));
  /* every optional dependency is reported, found or not */
  static const char *const deps[] = {"\"zlib\":", "\"openblas\":", "\"onednn\":", "\"cuda\":", "\"cudnn\":"};
  for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++)
    assert_non_null(strstr(info, deps[i]));
  assert_ptr_equal(bndl_build_info(), info); /* static */
}

static void test_status_strings(void **state) {
  (void)state;
  static const bndl_status known[] = {BNDL_OK, BNDL_ERR_INVALID_ARGUMENT, BNDL_ERR_OUT_OF_MEMORY,
                                      BNDL_ERR_NOT_FOUND, BNDL_ERR_IO, BNDL_ERR_FORMAT, BNDL_ERR_VERSION,
                                      BNDL_ERR_UNSUPPORTED, BNDL_ERR_BACKEND, BNDL_ERR_STATE,
                                      BNDL_ERR_BUFFER_TOO_SMALL, BNDL_ERR_CANCELLED, BNDL_ERR_BUSY,
                                      BNDL_ERR_LIMIT, BNDL_ERR_INTERNAL};
  enum { N = sizeof known / sizeof known[0] };
  const char *unknown = bndl_status_str((bndl_status)55);
  assert_non_null(unknown);
  for (int i = 0; i < N; i++) {
    const char *s = bndl_status_str(known[i]);
    assert_non_null(s);
    assert_true(strlen(s) > 0);
    assert_string_not_equal(s, unknown);
    for (int j = 0; j < i; j++)
      assert_string_not_equal(s, bndl_status_str(known[j]));
  }
  assert_non_null(bndl_status_str((bndl_status)-1));
  assert_non_null(bndl_status_str((bndl_status)100000));
}

/* ---- NULL out-params and bad descriptors */

static void test_null_out_params(void **state) {
  (void)state;
  expect_invalid(bndl_context_create(NULL, NULL), "bndl_context_create", "out");
  expect_invalid(bndl_config_create(NULL), "bndl_config_create", "out");
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  expect_invalid(bndl_config_clone(cfg, NULL), "bndl_config_clone", "out");
  expect_invalid(bndl_config_get_int(cfg, BNDL_KEY_LOAD_STRICT, NULL), "bndl_config_get_int", "out");
  expect_invalid(bndl_config_get_float(cfg, BNDL_KEY_WEIGHT_VIEW, NULL), "bndl_config_get_float", "out");
  expect_invalid(bndl_config_get_string(cfg, BNDL_KEY_SPLIT_METHOD, NULL), "bndl_config_get_string", "out");
  bndl_key k = BNDL_KEY_SPLIT_SEED;
  expect_invalid(bndl_config_key_by_name("load.strict", NULL), "bndl_config_key_by_name", "out");
  expect_invalid(bndl_config_key_by_name(NULL, &k), "bndl_config_key_by_name", "name");
  assert_int_equal(k, BNDL_KEY_SPLIT_SEED);
  expect_invalid(bndl_config_set_string(cfg, BNDL_KEY_SPLIT_METHOD, NULL), "bndl_config_set_string", "value");
  expect_invalid(bndl_config_set(cfg, NULL, "1"), "bndl_config_set", "name");
  expect_invalid(bndl_config_set(cfg, "load.strict", NULL), "bndl_config_set", "value");
  bndl_config_free(cfg);
}

static void test_bad_context_descriptors(void **state) {
  (void)state;
  bndl_context *const sentinel = (bndl_context *)(uintptr_t)0x1234;
  bndl_context *ctx = sentinel;
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.struct_size = 4;
  expect_invalid(bndl_context_create(&d, &ctx), "bndl_context_create", "struct_size");
  d = (bndl_context_desc)BNDL_CONTEXT_DESC_INIT;
  d.n_threads = -1;
  expect_invalid(bndl_context_create(&d, &ctx), "bndl_context_create", "n_threads");
  d.n_threads = 1025;
  expect_invalid(bndl_context_create(&d, &ctx), "bndl_context_create", "n_threads");
  d.n_threads = 1;
  bndl_allocator half = BNDL_ALLOCATOR_INIT; /* no functions */
  d.allocator = &half;
  expect_invalid(bndl_context_create(&d, &ctx), "bndl_context_create", "allocator");
  assert_ptr_equal(ctx, sentinel); /* out-params are untouched on failure */
  /* a newer caller's larger descriptor is read up to the fields this library knows */
  struct {
    bndl_context_desc d;
    uint64_t field_from_the_future;
  } big;
  memset(&big, 0, sizeof big);
  big.d = (bndl_context_desc)BNDL_CONTEXT_DESC_INIT;
  big.d.struct_size = sizeof big;
  big.d.n_threads = 2;
  big.field_from_the_future = 99;
  assert_int_equal(bndl_context_create(&big.d, &ctx), BNDL_OK);
  assert_int_equal(bndl_context_threads(ctx), 2);
  bndl_context_free(ctx);
  /* NULL desc = defaults: hardware concurrency and seed 0 */
  ctx = NULL;
  assert_int_equal(bndl_context_create(NULL, &ctx), BNDL_OK);
  assert_true(bndl_context_threads(ctx) >= 1);
  assert_true(bndl_context_seed(ctx) == 0);
  bndl_context_free(ctx);
}

/* ---- NULL, garbage, wrong-typed and freed handles */

static void expect_bad_context(bndl_context *bad, const char *what) {
  expect_invalid(bndl_context_set_seed(bad, 1), "bndl_context_set_seed", "ctx");
  test_assert_error_contains(what);
  expect_invalid(bndl_context_set_threads(bad, 2), "bndl_context_set_threads", "ctx");
  test_assert_error_contains(what);
  expect_invalid(bndl_context_set_log(bad, NULL, NULL, NULL, BNDL_LOG_INFO), "bndl_context_set_log", "ctx");
  test_assert_error_contains(what);
  assert_int_equal(bndl_context_threads(bad), 0);
  assert_true(bndl_context_seed(bad) == 0);
  bndl_context_free(bad); /* ignored, no crash */
}

static void expect_bad_config(bndl_config *bad, const char *what) {
  expect_invalid(bndl_config_set_int(bad, BNDL_KEY_LOAD_STRICT, 1), "bndl_config_set_int", "cfg");
  test_assert_error_contains(what);
  expect_invalid(bndl_config_set_float(bad, BNDL_KEY_WEIGHT_VIEW, 1), "bndl_config_set_float", "cfg");
  expect_invalid(bndl_config_set_string(bad, BNDL_KEY_SPLIT_METHOD, "time"), "bndl_config_set_string", "cfg");
  expect_invalid(bndl_config_set(bad, "load.strict", "1"), "bndl_config_set", "cfg");
  bndl_config *copy = (bndl_config *)(uintptr_t)0x99;
  expect_invalid(bndl_config_clone(bad, &copy), "bndl_config_clone", "cfg");
  assert_ptr_equal(copy, (bndl_config *)(uintptr_t)0x99);
  bndl_config_free(bad);
}

static void test_null_handles(void **state) {
  (void)state;
  expect_bad_context(NULL, "NULL");
  expect_bad_config(NULL, "NULL");
  /* getters take a NULL config as "all defaults" (documented), so NULL is fine there */
  int64_t v = -1;
  assert_int_equal(bndl_config_get_int(NULL, BNDL_KEY_REPORT_MAX_EXAMPLES, &v), BNDL_OK);
  assert_int_equal(v, 5);
  assert_null(bndl_buffer_data(NULL));
  assert_int_equal(bndl_buffer_size(NULL), 0);
}

static void test_garbage_and_wrong_typed_handles(void **state) {
  (void)state;
  uint64_t garbage[16];
  for (int i = 0; i < 16; i++)
    garbage[i] = 0x0123456789ABCDEFull * (uint64_t)(i + 1);
  expect_bad_context((bndl_context *)garbage, "not a live bndl_context");
  expect_bad_config((bndl_config *)garbage, "not a live bndl_config");
  int64_t v = -1;
  expect_invalid(bndl_config_get_int((bndl_config *)garbage, BNDL_KEY_LOAD_STRICT, &v), "bndl_config_get_int",
                 "cfg");
  assert_int_equal(v, -1);
  assert_null(bndl_buffer_data((bndl_buffer *)garbage));
  assert_int_equal(bndl_buffer_size((bndl_buffer *)garbage), 0);
  bndl_buffer_free((bndl_buffer *)garbage);
  /* a live handle of another type */
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  bndl_context *ctx = new_context(1);
  expect_bad_context((bndl_context *)cfg, "not a live bndl_context");
  expect_bad_config((bndl_config *)ctx, "not a live bndl_config");
  assert_null(bndl_buffer_data((bndl_buffer *)ctx));
  bndl_buffer_free((bndl_buffer *)ctx);
  /* both are still alive and usable after being passed as the wrong type */
  assert_int_equal(bndl_config_set_int(cfg, BNDL_KEY_LOAD_STRICT, 1), BNDL_OK);
  assert_int_equal(bndl_context_set_seed(ctx, 3), BNDL_OK);
  assert_true(bndl_context_seed(ctx) == 3);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
}

static void test_freed_handles(void **state) {
  (void)state;
  bndl_context *ctx = new_context(2);
  bndl_context_free(ctx);
  expect_bad_context(ctx, "not a live bndl_context"); /* includes a second free */
  bndl_config *cfg = NULL;
  assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
  bndl_config_free(cfg);
  expect_bad_config(cfg, "not a live bndl_config");
}

static void test_free_null_is_a_no_op(void **state) {
  (void)state;
  /* a no-op also leaves the error slot alone */
  expect_invalid(bndl_context_set_seed(NULL, 1), "bndl_context_set_seed", "ctx");
  bndl_context_free(NULL);
  bndl_config_free(NULL);
  bndl_buffer_free(NULL);
  bndl_table_spec_free(NULL);
  bndl_dataset_free(NULL);
  test_assert_error_contains("bndl_context_set_seed: ctx");
}

/* ---- context values */

static void test_seed_and_threads(void **state) {
  (void)state;
  bndl_context *ctx = new_context(3);
  assert_true(bndl_context_seed(ctx) == 7);
  assert_int_equal(bndl_context_set_seed(ctx, UINT64_MAX), BNDL_OK);
  assert_true(bndl_context_seed(ctx) == UINT64_MAX);
  assert_int_equal(bndl_context_threads(ctx), 3);
  assert_int_equal(bndl_context_set_threads(ctx, 1), BNDL_OK);
  assert_int_equal(bndl_context_threads(ctx), 1);
  expect_invalid(bndl_context_set_threads(ctx, -2), "bndl_context_set_threads", "n_threads");
  expect_invalid(bndl_context_set_threads(ctx, 5000), "bndl_context_set_threads", "n_threads");
  assert_int_equal(bndl_context_threads(ctx), 1);
  assert_int_equal(bndl_context_set_threads(ctx, 0), BNDL_OK);
  assert_true(bndl_context_threads(ctx) >= 1);
  bndl_context_free(ctx);
}

/* ---- error slot through the public API */

static void test_last_error_copy(void **state) {
  (void)state;
  expect_invalid(bndl_context_set_seed(NULL, 1), "bndl_context_set_seed", "ctx");
  const char *msg = bndl_last_error_message();
  size_t need = 0;
  assert_int_equal(bndl_last_error_copy(NULL, 0, &need), BNDL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(need, strlen(msg) + 1);
  char small[8];
  assert_int_equal(bndl_last_error_copy(small, sizeof small, NULL), BNDL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(strlen(small), sizeof small - 1);
  assert_memory_equal(small, msg, sizeof small - 1);
  char *full = malloc(need);
  assert_int_equal(bndl_last_error_copy(full, need, NULL), BNDL_OK);
  assert_string_equal(full, bndl_last_error_message());
  free(full);
  /* an argument error of the copy itself does not overwrite the slot */
  assert_int_equal(bndl_last_error_copy(NULL, 10, NULL), BNDL_ERR_INVALID_ARGUMENT);
  assert_int_equal(bndl_last_error_code(), BNDL_ERR_INVALID_ARGUMENT);
  test_assert_error_contains("bndl_context_set_seed");
  /* success does not clear the slot */
  bndl_context *ctx = new_context(1);
  test_assert_error_contains("bndl_context_set_seed");
  bndl_context_free(ctx);
}

/* ---- log callbacks: release exactly once per user_data */

typedef struct log_ud {
  int released;
  int records;
} log_ud;

static void BNDL_CALLBACK count_log(void *ud, bndl_log_level level, const char *message) {
  (void)level;
  (void)message;
  ((log_ud *)ud)->records++;
}

static void BNDL_CALLBACK count_release(void *ud) { ((log_ud *)ud)->released++; }

static void test_context_log_release(void **state) {
  (void)state;
  log_ud a = {0, 0}, b = {0, 0}, c = {0, 0};
  bndl_context *ctx = new_context(2);
  assert_int_equal(bndl_context_set_log(ctx, count_log, &a, count_release, BNDL_LOG_DEBUG), BNDL_OK);
  assert_int_equal(a.released, 0);
  /* replaced: the old user data is released once, the new one not yet */
  assert_int_equal(bndl_context_set_log(ctx, count_log, &b, count_release, BNDL_LOG_WARN), BNDL_OK);
  assert_int_equal(a.released, 1);
  assert_int_equal(b.released, 0);
  /* a rejected call changes nothing and releases nothing */
  expect_invalid(bndl_context_set_log(ctx, count_log, &c, count_release, (bndl_log_level)0), "bndl_context_set_log",
                 "min_level");
  expect_invalid(bndl_context_set_log(ctx, count_log, &c, count_release, (bndl_log_level)6), "bndl_context_set_log",
                 "min_level");
  assert_int_equal(b.released, 0);
  assert_int_equal(c.released, 0);
  /* a NULL fn silences the context; the previous user data is still released */
  assert_int_equal(bndl_context_set_log(ctx, NULL, &c, count_release, BNDL_LOG_INFO), BNDL_OK);
  assert_int_equal(b.released, 1);
  assert_int_equal(bndl_context_set_log(ctx, count_log, &c, count_release, BNDL_LOG_OFF), BNDL_OK);
  assert_int_equal(c.released, 1); /* the NULL-fn registration carried &c too */
  assert_int_equal(bndl_context_set_log(ctx, count_log, &b, count_release, BNDL_LOG_ERROR), BNDL_OK);
  assert_int_equal(c.released, 2);
  /* a NULL release function is never called */
  assert_int_equal(bndl_context_set_log(ctx, count_log, &a, NULL, BNDL_LOG_ERROR), BNDL_OK);
  assert_int_equal(b.released, 2);
  assert_int_equal(bndl_context_set_log(ctx, count_log, &b, count_release, BNDL_LOG_ERROR), BNDL_OK);
  assert_int_equal(a.released, 1);
  /* freeing the context releases the current user data, once */
  bndl_context_free(ctx);
  assert_int_equal(b.released, 3);
  assert_int_equal(a.released, 1);
  assert_int_equal(a.records + b.records + c.records, 0); /* nothing logs at these levels yet */
}

static void test_context_without_log_releases_nothing(void **state) {
  (void)state;
  log_ud a = {0, 0};
  bndl_context *ctx = new_context(1);
  bndl_context_free(ctx);
  assert_int_equal(a.released, 0);
}

static void test_default_log_release(void **state) {
  (void)state;
  log_ud a = {0, 0}, b = {0, 0};
  expect_invalid(bndl_set_default_log(count_log, &a, count_release, (bndl_log_level)9), "bndl_set_default_log",
                 "min_level");
  assert_int_equal(a.released, 0);
  assert_int_equal(bndl_set_default_log(count_log, &a, count_release, BNDL_LOG_INFO), BNDL_OK);
  assert_int_equal(bndl_set_default_log(count_log, &b, count_release, BNDL_LOG_INFO), BNDL_OK);
  assert_int_equal(a.released, 1);
  assert_int_equal(b.released, 0);
  assert_int_equal(bndl_set_default_log(NULL, NULL, NULL, BNDL_LOG_OFF), BNDL_OK);
  assert_int_equal(b.released, 1);
  assert_int_equal(a.released, 1);
}

/* ---- OOM loop (TARGETS.md R6) over bndl_context_create */

static int64_t oom_loop(int32_t n_threads, int persistent) {
  int64_t failing_runs = 0;
  for (int64_t n = 1;; n++) {
    test_alloc t;
    test_alloc_reset(&t, n, persistent);
    bndl_allocator a = test_alloc_hook(&t);
    bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
    d.allocator = &a;
    d.n_threads = n_threads;
    bndl_context *ctx = NULL;
    bndl_status st = bndl_context_create(&d, &ctx);
    if (st == BNDL_OK) {
      assert_int_equal(t.n_failed, 0);
      assert_int_equal(bndl_context_threads(ctx), n_threads);
      bndl_context_free(ctx);
      assert_int_equal(t.live_bytes, 0);
      assert_int_equal(t.live_blocks, 0);
      return failing_runs;
    }
    failing_runs++;
    assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
    assert_int_equal(bndl_last_error_code(), BNDL_ERR_OUT_OF_MEMORY);
    test_assert_error_contains("bndl_context_create");
    test_assert_error_contains("out of memory");
    assert_null(ctx);
    assert_true(t.n_failed >= 1);
    assert_int_equal(t.live_bytes, 0);
    assert_int_equal(t.live_blocks, 0);
    assert_true(n < 100);
  }
}

static void test_context_create_oom_loop(void **state) {
  (void)state;
  static const int32_t threads[] = {1, 3};
  for (int persistent = 0; persistent <= 1; persistent++) {
    int64_t sites[2];
    for (int k = 0; k < 2; k++) {
      sites[k] = oom_loop(threads[k], persistent);
      print_message("bndl_context_create n_threads=%d %s: %lld allocation sites failed\n", threads[k],
                    persistent ? "persistent" : "transient", (long long)sites[k]);
    }
    /* at least the context and its pool; worker threads need more */
    assert_true(sites[0] >= 2);
    assert_true(sites[1] > sites[0]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version_and_abi_match_headers),
      cmocka_unit_test(test_build_info_is_json),
      cmocka_unit_test(test_status_strings),
      cmocka_unit_test(test_null_out_params),
      cmocka_unit_test(test_bad_context_descriptors),
      cmocka_unit_test(test_null_handles),
      cmocka_unit_test(test_garbage_and_wrong_typed_handles),
      cmocka_unit_test(test_freed_handles),
      cmocka_unit_test(test_free_null_is_a_no_op),
      cmocka_unit_test(test_seed_and_threads),
      cmocka_unit_test(test_last_error_copy),
      cmocka_unit_test(test_context_log_release),
      cmocka_unit_test(test_context_without_log_releases_nothing),
      cmocka_unit_test(test_default_log_release),
      cmocka_unit_test(test_context_create_oom_loop),
  };
  return cmocka_run_group_tests(tests, install_quarantine, release_quarantine);
}
