/*
 * json_check.c - recursive-descent JSON validator (see json_check.h).
 *
 * Recursion is bounded (MAX_DEPTH) so a hostile input cannot overflow the test's
 * stack. Member names of the top-level object are compared in their raw (escaped)
 * spelling, which is enough for the ASCII keys the tests look for.
 */
#include "json_check.h"

#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 256 };

typedef struct parser {
  const unsigned char *p, *begin, *end;
  const char *why;
  const char *want_key; /* top-level key searched for, or NULL */
  int found_key;
} parser;

static int fail(parser *ps, const char *why) {
  if (ps->why == NULL)
    ps->why = why;
  return 0;
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the well-formed UTF-8 sequence starting at p (no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 if it is malformed. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned char c = p[0];
  size_t n;
  unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0)
      lo = 0xA0;
    if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0)
      lo = 0x90;
    if (c == 0xF4)
      hi = 0x8F;
  } else
    return 0;
  if ((size_t)(end - p) < n)
    return 0;
  if (p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return n;
}

/* Parses a string; stores the raw span between the quotes. */
static int parse_string(parser *ps, const unsigned char **raw, size_t *raw_len) {
  if (ps->p >= ps->end || *ps->p != '"')
    return fail(ps, "expected '\"'");
  const unsigned char *start = ++ps->p;
  while (ps->p < ps->end) {
    unsigned char c = *ps->p;
    if (c == '"') {
      if (raw) {
        *raw = start;
        *raw_len = (size_t)(ps->p - start);
      }
      ps->p++;
      return 1;
    }
    if (c < 0x20)
      return fail(ps, "raw control character in string");
    if (c == '\\') {
      ps->p++;
      if (ps->p >= ps->end)
        return fail(ps, "unterminated escape");
      c = *ps->p;
      if (c == 'u') {
        for (int i = 1; i <= 4; i++)
          if (ps->p + i >= ps->end || !is_hex(ps->p[i]))
            return fail(ps, "bad \\u escape");
        ps->p += 5;
        continue;
      }
      if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
        return fail(ps, "unknown escape");
      ps->p++;
      continue;
    }
    size_t n = utf8_len(ps->p, ps->end);
    if (n == 0)
      return fail(ps, "invalid UTF-8 in string");
    ps->p += n;
  }
  return fail(ps, "unterminated string");
}

static int parse_number(parser *ps) {
  if (ps->p < ps->end && *ps->p == '-')
    ps->p++;
  if (ps->p >= ps->end || !is_digit(*ps->p))
    return fail(ps, "expected a digit");
  if (*ps->p == '0')
    ps->p++;
  else
    while (ps->p < ps->end && is_digit(*ps->p))
      ps->p++;
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (ps->p >= ps->end || !is_digit(*ps->p))
      return fail(ps, "expected a digit after '.'");
    while (ps->p < ps->end && is_digit(*ps->p))
      ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
      ps->p++;
    if (ps->p >= ps->end || !is_digit(*ps->p))
      return fail(ps, "expected a digit in exponent");
    while (ps->p < ps->end && is_digit(*ps->p))
      ps->p++;
  }
  return 1;
}

static int parse_literal(parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
    return fail(ps, "unexpected character");
  ps->p += n;
  return 1;
}

static int parse_value(parser *ps, int depth);

static int parse_object(parser *ps, int depth) {
  ps->p++; /* '{' */
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return 1;
  }
  for (;;) {
    skip_ws(ps);
    const unsigned char *key;
    size_t key_len;
    if (!parse_string(ps, &key, &key_len))
      return 0;
    if (depth == 1 && ps->want_key && strlen(ps->want_key) == key_len && memcmp(key, ps->want_key, key_len) == 0)
      ps->found_key = 1;
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':')
      return fail(ps, "expected ':'");
    ps->p++;
    if (!parse_value(ps, depth))
      return 0;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == '}') {
      ps->p++;
      return 1;
    }
    return fail(ps, "expected ',' or '}'");
  }
}

static int parse_array(parser *ps, int depth) {
  ps->p++; /* '[' */
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    return 1;
  }
  for (;;) {
    if (!parse_value(ps, depth))
      return 0;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == ']') {
      ps->p++;
      return 1;
    }
    return fail(ps, "expected ',' or ']'");
  }
}

/* depth counts the containers around the value being parsed. */
static int parse_value(parser *ps, int depth) {
  skip_ws(ps);
  if (ps->p >= ps->end)
    return fail(ps, "unexpected end of input");
  switch (*ps->p) {
  case '{':
    if (depth >= MAX_DEPTH)
      return fail(ps, "nesting too deep");
    return parse_object(ps, depth + 1);
  case '[':
    if (depth >= MAX_DEPTH)
      return fail(ps, "nesting too deep");
    return parse_array(ps, depth + 1);
  case '"': return parse_string(ps, NULL, NULL);
  case 't': return parse_literal(ps, "true");
  case 'f': return parse_literal(ps, "false");
  case 'n': return parse_literal(ps, "null");
  default: return parse_number(ps);
  }
}

static int run(parser *ps, char *err, size_t err_cap) {
  int ok = parse_value(ps, 0);
  if (ok) {
    skip_ws(ps);
    if (ps->p != ps->end)
      ok = fail(ps, "trailing characters after the value");
  }
  if (!ok && err && err_cap)
    snprintf(err, err_cap, "%s at byte %td", ps->why ? ps->why : "invalid", ps->p - ps->begin);
  return ok;
}

int test_json_valid(const char *text, size_t len, char *err, size_t err_cap) {
  parser ps = {(const unsigned char *)text, (const unsigned char *)text, (const unsigned char *)text + len, NULL,
               NULL, 0};
  return run(&ps, err, err_cap);
}

int test_json_has_key(const char *text, const char *key) {
  size_t len = strlen(text);
  parser ps = {(const unsigned char *)text, (const unsigned char *)text, (const unsigned char *)text + len, NULL,
               key, 0};
  skip_ws(&ps);
  if (ps.p >= ps.end || *ps.p != '{')
    return 0;
  return run(&ps, NULL, 0) && ps.found_key;
}
