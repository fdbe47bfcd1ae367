/*
 * json_check.h - a strict RFC 8259 validator for the JSON the library emits.
 *
 * Tests use it to prove that bndl_build_info(), reports and escaped strings parse as
 * JSON without pulling a JSON library into the test build. It checks grammar, string
 * escapes, raw control characters and UTF-8 well-formedness; it builds no tree.
 */
#ifndef BNDL_TEST_JSON_CHECK_H
#define BNDL_TEST_JSON_CHECK_H

#include <stddef.h>

/* 1 if text[0..len) is exactly one JSON value (surrounding whitespace allowed). On
 * failure, why (with the byte offset) is written to err when err is not NULL. */
int test_json_valid(const char *text, size_t len, char *err, size_t err_cap);
/* 1 if text is a valid JSON object with `key` among its top-level member names. */
int test_json_has_key(const char *text, const char *key);

#endif
