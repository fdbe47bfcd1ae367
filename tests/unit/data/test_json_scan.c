/*
 * test_json_scan.c - the JSON pull scanner (src/core/json_scan.c) as the JSON-lines and
 * basket readers use it.
 *
 * Strings: every escape, \u escapes joined into UTF-8 (surrogate pairs included) and
 * the malformed forms. Structure: nested skipping, the 64-level nesting cap (a hostile
 * line of brackets must fail cleanly, not exhaust the stack), and malformed documents,
 * each of which must leave j.error set; a scanner that silently stops would let a
 * broken line pass as a row with missing fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/json_scan.h"
#include "core/strbuf.h"
#include "test_support.h"

/* Reads one JSON string from text; returns 1 and the unescaped bytes in b, or 0. */
static int read_string(const char *text, bndl_strbuf *b, bndl_json *j) {
  bndl_json_init(j, text, strlen(text));
  return bndl_json_string(j, b);
}

static void test_string_escapes(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf b;
  bndl_strbuf_init(&b, &a);
  bndl_json j;

  assert_true(read_string("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t|\"", &b, &j));
  assert_int_equal(b.len, 13);
  assert_memory_equal(b.data, "a\"b\\c/d\b\f\n\r\t|", 13);
  assert_null(j.error);
  assert_true(bndl_json_at_end(&j));

  /* \u: 1-, 2- and 3-byte UTF-8, a surrogate pair joined into one 4-byte character,
   * upper- and lower-case hex, and U+0000 kept as a byte */
  assert_true(read_string("\" \\u0041\\u00e9\\u00E9\\u20ac\\ud83d\\ude00\\uDBFF\\uDFFF\\u0000.\"", &b, &j));
  const char want[] = " A\xC3\xA9\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\0.";
  assert_int_equal(b.len, sizeof want - 1);
  assert_memory_equal(b.data, want, sizeof want - 1);

  /* raw UTF-8 passes through; the empty string is a string */
  assert_true(read_string("\"\xE4\xB8\xAD\xE6\x96\x87\"", &b, &j));
  assert_string_equal(b.data, "\xE4\xB8\xAD\xE6\x96\x87");
  assert_true(read_string("\"\"", &b, &j));
  assert_int_equal(b.len, 0);
  assert_string_equal(b.data, "");

  /* a key and its colon */
  bndl_json_init(&j, " \"k\\u0031\" : 5", 14);
  assert_true(bndl_json_key(&j, &b));
  assert_string_equal(b.data, "k1");
  const char *p;
  size_t n;
  assert_true(bndl_json_number(&j, &p, &n));
  assert_int_equal(n, 1);
  assert_int_equal(*p, '5');

  static const struct {
    const char *text;
    const char *why; /* a fragment of j.error */
  } bad[] = {
      {"\"abc", "unterminated"},
      {"\"abc\\", "truncated escape"},
      {"\"\\x41\"", "unknown escape"},
      {"\"\\u12\"", "escape"},
      {"\"\\u12", "truncated"},
      {"\"\\u12g4\"", "hex"},
      {"\"\\ud83d\"", "unpaired high surrogate"},
      {"\"\\ud83dx\"", "unpaired high surrogate"},
      {"\"\\ud83d\\u0041\"", "invalid low surrogate"},
      {"\"\\ude00\"", "unpaired low surrogate"},
      {"\"tab\there\"", "control character"},
      {"\"new\nline\"", "control character"},
      {"abc", "expected a string"},
      {"", "expected a string"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (read_string(bad[i].text, &b, &j))
      fail_msg("'%s' accepted", bad[i].text);
    assert_non_null(j.error);
    if (strstr(j.error, bad[i].why) == NULL)
      fail_msg("'%s': error '%s' does not mention '%s'", bad[i].text, j.error, bad[i].why);
    assert_true(j.error_at <= strlen(bad[i].text));
  }
  bndl_strbuf_free(&b);
  assert_int_equal(t.live_bytes, 0);
}

static void test_numbers(void **state) {
  (void)state;
  static const char *const ok[] = {"0", "-0", "12", "-12.5e+3", "1E9", "0.25", "3e-7", "123456789012345678901234"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    bndl_json j;
    bndl_json_init(&j, ok[i], strlen(ok[i]));
    assert_int_equal(bndl_json_peek(&j), BNDL_JSON_NUMBER);
    const char *p;
    size_t n;
    assert_true(bndl_json_number(&j, &p, &n));
    assert_int_equal(n, strlen(ok[i])); /* the span is the whole token */
    assert_ptr_equal(p, ok[i]);
    assert_true(bndl_json_at_end(&j));
  }
  static const char *const bad[] = {"-", "1.", "1.e5", "1e", "1e+", "-.5", "+1", ".5", "-x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bndl_json j;
    bndl_json_init(&j, bad[i], strlen(bad[i]));
    const char *p;
    size_t n;
    if (bndl_json_number(&j, &p, &n))
      fail_msg("number '%s' accepted", bad[i]);
    assert_non_null(j.error);
  }
  /* "01" is the number 0 followed by junk: a document "01" is not one value */
  bndl_json j;
  bndl_json_init(&j, "01", 2);
  const char *p;
  size_t n;
  assert_true(bndl_json_number(&j, &p, &n));
  assert_int_equal(n, 1);
  assert_false(bndl_json_at_end(&j));
}

/* Skips the whole document; 1 if it is one valid value with only blanks after it. */
static int skip_document(const char *text, size_t n, bndl_json *j) {
  bndl_json_init(j, text, n);
  return bndl_json_skip(j) && j->error == NULL && bndl_json_at_end(j);
}

static void test_skip_nested(void **state) {
  (void)state;
  static const char *const ok[] = {
      "{}", "[]", " { } ", "\"s\"", "12", "true", "false", "null",
      "{\"a\":[1,2,{\"b\":null,\"c\":[true,false,[]]}],\"d\":\"x\\\"}]\",\"e\":{}}",
      "[[[[[\"deep\"]]]],{\"k\":{\"k\":{\"k\":-1.5e3}}}]",
      "\n\t{\r\n\"a\" :\t1 ,\"b\" : [ ] }\n",
      "{\"\\u0041\\ud83d\\ude00\":\"\\\\\"}",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    bndl_json j;
    if (!skip_document(ok[i], strlen(ok[i]), &j))
      fail_msg("'%s' not skipped: %s at %zu", ok[i], j.error ? j.error : "(no error)", j.error_at);
    assert_int_equal(j.depth, 0);
  }
}

/* Walks an object the way the JSON-lines reader does, taking some keys and skipping
 * the others, and returns what it took. */
static void test_walk_object(void **state) {
  (void)state;
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_allocator a = test_alloc_hook(&t);
  bndl_strbuf key, val;
  bndl_strbuf_init(&key, &a);
  bndl_strbuf_init(&val, &a);
  const char doc[] = "{\"skip\":{\"x\":[1,{\"y\":\"}\"}]},\"user\":\"u\\u00e9\",\"n\":[],\"rating\":4.5}";
  bndl_json j;
  bndl_json_init(&j, doc, sizeof doc - 1);
  assert_int_equal(bndl_json_peek(&j), BNDL_JSON_OBJECT);
  assert_true(bndl_json_enter(&j, '{'));
  int first = 1, seen = 0;
  while (bndl_json_next(&j, '}', &first)) {
    assert_true(bndl_json_key(&j, &key));
    if (strcmp(key.data, "user") == 0) {
      assert_int_equal(bndl_json_peek(&j), BNDL_JSON_STRING);
      assert_true(bndl_json_string(&j, &val));
      assert_string_equal(val.data, "u\xC3\xA9");
      seen |= 1;
    } else if (strcmp(key.data, "rating") == 0) {
      const char *p;
      size_t n;
      assert_true(bndl_json_number(&j, &p, &n));
      assert_int_equal(n, 3);
      assert_memory_equal(p, "4.5", 3);
      seen |= 2;
    } else {
      assert_true(bndl_json_skip(&j));
    }
  }
  assert_null(j.error);
  assert_int_equal(seen, 3);
  assert_int_equal(j.depth, 0);
  assert_true(bndl_json_at_end(&j));
  bndl_strbuf_free(&key);
  bndl_strbuf_free(&val);
  assert_int_equal(t.live_bytes, 0);
}

static char *brackets(int depth, size_t *len) {
  char *s = malloc(2 * (size_t)depth + 1);
  assert_non_null(s);
  for (int i = 0; i < depth; i++) {
    s[i] = '[';
    s[2 * depth - 1 - i] = ']';
  }
  s[2 * depth] = '\0';
  *len = 2 * (size_t)depth;
  return s;
}

static void test_depth_limit(void **state) {
  (void)state;
  size_t n;
  bndl_json j;
  char *s = brackets(64, &n);
  assert_true(skip_document(s, n, &j)); /* 64 levels: allowed */
  free(s);
  s = brackets(65, &n);
  assert_false(skip_document(s, n, &j));
  assert_non_null(j.error);
  assert_non_null(strstr(j.error, "64"));
  assert_int_equal(j.error_at, 64); /* the 65th bracket */
  free(s);
  /* objects count too, and mixing does not reset the count */
  char mixed[512];
  size_t k = 0;
  for (int i = 0; i < 65; i++)
    k += (size_t)snprintf(mixed + k, sizeof mixed - k, i % 2 ? "[" : "{\"a\":");
  assert_false(skip_document(mixed, k, &j));
  assert_non_null(strstr(j.error, "64"));
  /* a hostile line of a million brackets fails at the cap without deep recursion */
  enum { HUGE = 1000000 };
  s = malloc(HUGE);
  assert_non_null(s);
  memset(s, '[', HUGE);
  assert_false(skip_document(s, HUGE, &j));
  assert_non_null(strstr(j.error, "64"));
  free(s);
}

static void test_malformed_documents(void **state) {
  (void)state;
  static const char *const bad[] = {
      "{\"a\":1",            /* unterminated object */
      "[1,2",                /* unterminated array */
      "{\"a\":\"x",          /* unterminated string inside */
      "[1,2,]",              /* trailing comma */
      "{\"a\":1,}",          /* trailing comma in an object */
      "[,1]",                /* leading comma */
      "[1 2]",               /* missing comma */
      "{\"a\" 1}",           /* missing colon */
      "{\"a\":}",            /* missing value */
      "{a:1}",               /* unquoted key */
      "{1:1}",               /* non-string key */
      "tru",                 /* bad literals */
      "nul",
      "fals",
      "[truth]",
      "nULL",
      "]",
      "}",
      "",
      "   ",
      "@",
      "{\"a\":1}}",          /* text after the document */
      "[1]x",
      "\"a\" \"b\"",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bndl_json j;
    if (skip_document(bad[i], strlen(bad[i]), &j))
      fail_msg("malformed '%s' accepted", bad[i]);
    /* a syntax error inside the value must be reported in j.error; only text after a
     * complete value is left for the caller's at_end check */
    int trailing = i >= sizeof bad / sizeof bad[0] - 3;
    if (!trailing && j.error == NULL)
      fail_msg("malformed '%s': no error set", bad[i]);
  }
  /* the error position points at the offending byte */
  bndl_json j;
  assert_false(skip_document("[1,2,]", 6, &j));
  assert_int_equal(j.error_at, 5);
  assert_false(skip_document("{\"a\":1,}", 8, &j));
  assert_int_equal(j.error_at, 7);
  /* once an error is set, peek says INVALID and the first error is kept */
  const char *first_error = j.error;
  assert_int_equal(bndl_json_peek(&j), BNDL_JSON_INVALID);
  assert_false(bndl_json_enter(&j, '['));
  assert_ptr_equal(j.error, first_error);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_string_escapes),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_skip_nested),
      cmocka_unit_test(test_walk_object),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_malformed_documents),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
