/*
 * test_selection.c - choosing a provider: by name (bndl_context_set_backend), "auto",
 * $BNDL_BACKEND at context creation, the errors for a provider that is not built
 * (BNDL_ERR_UNSUPPORTED, naming those that are) and for an unknown name
 * (BNDL_ERR_NOT_FOUND), and bndl_build_info listing what is compiled in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend_util.h"
#include "test_support.h"

/* "built: ref, openblas" style list of the providers built, in index order as the
 * runtime prints it (auto order, ref last). */
static void built_list(char *out, size_t cap) {
  out[0] = '\0';
  for (int32_t i = 0; bndl_backend_name(i) != NULL; i++) {
    if (!bndl_backend_available(bndl_backend_name(i)))
      continue;
    if (out[0] != '\0')
      strncat(out, ", ", cap - strlen(out) - 1);
    strncat(out, bndl_backend_name(i), cap - strlen(out) - 1);
  }
}

static void test_names(void **state) {
  (void)state;
  int seen_ref = 0, n = 0;
  for (int32_t i = 0; bndl_backend_name(i) != NULL; i++, n++)
    seen_ref |= strcmp(bndl_backend_name(i), "ref") == 0;
  assert_true(seen_ref);
  assert_int_equal(n, 3); /* onednn, openblas, ref: built or not */
  assert_null(bndl_backend_name(n));
  assert_null(bndl_backend_name(-1));
  assert_int_equal(bndl_backend_available("ref"), 1);
  assert_int_equal(bndl_backend_available("no-such-backend"), 0);
  assert_int_equal(bndl_backend_available(NULL), 0);
}

static void test_set_each(void **state) {
  (void)state;
  bndl_context *ctx = conf_context("ref", 1);
  char built[128], want[256];
  built_list(built, sizeof built);
  for (int32_t i = 0; bndl_backend_name(i) != NULL; i++) {
    const char *name = bndl_backend_name(i);
    if (bndl_backend_available(name)) {
      assert_int_equal(bndl_context_set_backend(ctx, name), BNDL_OK);
      assert_string_equal(bndl_context_backend(ctx), name);
      const char *info = bndl_context_backend_info(ctx);
      assert_non_null(info);
      assert_true(strlen(info) > strlen(name));
      printf("[backend] %s: %s\n", name, info);
      if (strcmp(name, "openblas") == 0) {
        /* "openblas <version> (core <name>), ..." */
        assert_true(strncmp(info, "openblas ", 9) == 0);
        assert_non_null(strstr(info, "(core "));
        assert_non_null(strstr(info, "1 BLAS thread per task"));
      }
    } else {
      assert_int_equal(bndl_context_set_backend(ctx, name), BNDL_ERR_UNSUPPORTED);
      snprintf(want, sizeof want, "compute backend '%s' is not built into this libbundle (built: %s)", name, built);
      test_assert_error_contains(want);
      assert_non_null(bndl_context_backend(ctx)); /* the previous selection stays */
    }
  }
  bndl_context_free(ctx);
}

/* The UNSUPPORTED path needs a provider that is not built; with all of them built there
 * is nothing to ask for (the message format is still checked by test_set_each when one
 * is missing, and by the runtime's own wording here). */
static void test_unsupported(void **state) {
  (void)state;
  const char *missing = NULL;
  for (int32_t i = 0; bndl_backend_name(i) != NULL && missing == NULL; i++)
    if (!bndl_backend_available(bndl_backend_name(i)))
      missing = bndl_backend_name(i);
  if (missing == NULL) {
    printf("[backend] every provider is built: BNDL_ERR_UNSUPPORTED cannot be provoked here\n");
    skip();
  }
  bndl_context *ctx = conf_context("ref", 1);
  assert_int_equal(bndl_context_set_backend(ctx, missing), BNDL_ERR_UNSUPPORTED);
  test_assert_error_contains("bndl_context_set_backend");
  test_assert_error_contains("is not built into this libbundle (built: ");
  test_assert_error_contains("ref)");
  assert_string_equal(bndl_context_backend(ctx), "ref");
  bndl_context_free(ctx);
}

static void test_unknown_and_auto(void **state) {
  (void)state;
  bndl_context *ctx = conf_context("ref", 1);
  char built[128], want[200];
  built_list(built, sizeof built);
  assert_int_equal(bndl_context_set_backend(ctx, "cuda-or-whatever"), BNDL_ERR_NOT_FOUND);
  snprintf(want, sizeof want, "no compute backend named 'cuda-or-whatever' (built: %s, or \"auto\")", built);
  test_assert_error_contains(want);
  assert_string_equal(bndl_context_backend(ctx), "ref");
  assert_int_equal(bndl_context_set_backend(ctx, ""), BNDL_ERR_NOT_FOUND);
  assert_int_equal(bndl_context_set_backend(ctx, NULL), BNDL_ERR_INVALID_ARGUMENT);
  /* auto: the first built in index order (onednn, openblas, ref) */
  const char *first = NULL;
  for (int32_t i = 0; bndl_backend_name(i) != NULL && first == NULL; i++)
    if (bndl_backend_available(bndl_backend_name(i)))
      first = bndl_backend_name(i);
  assert_int_equal(bndl_context_set_backend(ctx, "auto"), BNDL_OK);
  assert_string_equal(bndl_context_backend(ctx), first);
  bndl_context_free(ctx);
}

static void test_env(void **state) {
  (void)state;
  const char *saved = getenv("BNDL_BACKEND");
  char *copy = saved ? strdup(saved) : NULL;
  bndl_context *ctx = NULL;
  for (int32_t i = 0; bndl_backend_name(i) != NULL; i++) {
    const char *name = bndl_backend_name(i);
    assert_int_equal(setenv("BNDL_BACKEND", name, 1), 0);
    if (bndl_backend_available(name)) {
      assert_int_equal(bndl_context_create(NULL, &ctx), BNDL_OK);
      assert_string_equal(bndl_context_backend(ctx), name);
      bndl_context_free(ctx);
    } else {
      assert_int_equal(bndl_context_create(NULL, &ctx), BNDL_ERR_UNSUPPORTED);
    }
  }
  assert_int_equal(setenv("BNDL_BACKEND", "no-such-backend", 1), 0);
  ctx = NULL;
  assert_int_equal(bndl_context_create(NULL, &ctx), BNDL_ERR_NOT_FOUND);
  assert_null(ctx);
  test_assert_error_contains("no compute backend named 'no-such-backend'");
  /* empty means auto */
  assert_int_equal(setenv("BNDL_BACKEND", "", 1), 0);
  assert_int_equal(bndl_context_create(NULL, &ctx), BNDL_OK);
  bndl_context *ctx2 = NULL;
  assert_int_equal(unsetenv("BNDL_BACKEND"), 0);
  assert_int_equal(bndl_context_create(NULL, &ctx2), BNDL_OK);
  assert_string_equal(bndl_context_backend(ctx), bndl_context_backend(ctx2));
  bndl_context_free(ctx);
  bndl_context_free(ctx2);
  if (copy) {
    setenv("BNDL_BACKEND", copy, 1);
    free(copy);
  }
}

static void test_build_info(void **state) {
  (void)state;
  const char *info = bndl_build_info();
  const char *list = strstr(info, "\"compute_backends\":[");
  assert_non_null(list);
  const char *end = strchr(list, ']');
  assert_non_null(end);
  for (int32_t i = 0; bndl_backend_name(i) != NULL; i++) {
    const char *name = bndl_backend_name(i);
    char quoted[32], dep[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", name);
    const char *at = strstr(list, quoted);
    int listed = at != NULL && at < end;
    assert_int_equal(listed, bndl_backend_available(name));
    if (strcmp(name, "ref") == 0)
      continue;
    snprintf(dep, sizeof dep, "\"%s\":{\"found\":", name);
    const char *d = strstr(info, dep);
    assert_non_null(d);
    const char *compiled = strstr(d, "\"compiled_in\":");
    assert_non_null(compiled);
    compiled += strlen("\"compiled_in\":");
    assert_int_equal(strncmp(compiled, "true", 4) == 0, bndl_backend_available(name));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),          cmocka_unit_test(test_set_each), cmocka_unit_test(test_unsupported),
      cmocka_unit_test(test_unknown_and_auto), cmocka_unit_test(test_env),    cmocka_unit_test(test_build_info),
  };
  conf_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
