/*
 * json_scan.c - the JSON pull scanner.
 */
#include "core/json_scan.h"

#include <string.h>

enum { MAX_DEPTH = 64 };

static int fail(bndl_json *j, const char *why) {
  if (!j->error) {
    j->error = why;
    j->error_at = j->i;
  }
  return 0;
}

static void ws(bndl_json *j) {
  while (j->i < j->n && (j->p[j->i] == ' ' || j->p[j->i] == '\t' || j->p[j->i] == '\n' || j->p[j->i] == '\r'))
    j->i++;
}

void bndl_json_init(bndl_json *j, const char *p, size_t n) {
  memset(j, 0, sizeof *j);
  j->p = p;
  j->n = n;
}

bndl_json_kind bndl_json_peek(bndl_json *j) {
  ws(j);
  if (j->error)
    return BNDL_JSON_INVALID;
  if (j->i >= j->n)
    return BNDL_JSON_END;
  switch (j->p[j->i]) {
  case '{': return BNDL_JSON_OBJECT;
  case '[': return BNDL_JSON_ARRAY;
  case '"': return BNDL_JSON_STRING;
  case 't': return BNDL_JSON_TRUE;
  case 'f': return BNDL_JSON_FALSE;
  case 'n': return BNDL_JSON_NULL;
  default:
    if (j->p[j->i] == '-' || (j->p[j->i] >= '0' && j->p[j->i] <= '9'))
      return BNDL_JSON_NUMBER;
    return BNDL_JSON_INVALID;
  }
}

int bndl_json_enter(bndl_json *j, char open) {
  ws(j);
  if (j->i >= j->n || j->p[j->i] != open)
    return fail(j, open == '{' ? "expected '{'" : "expected '['");
  if (++j->depth > MAX_DEPTH)
    return fail(j, "nesting deeper than 64 levels");
  j->i++;
  return 1;
}

int bndl_json_next(bndl_json *j, char close, int *first) {
  ws(j);
  if (j->i >= j->n)
    return fail(j, "unexpected end inside an object or array");
  if (j->p[j->i] == close) {
    j->i++;
    j->depth--;
    return 0;
  }
  if (!*first) {
    if (j->p[j->i] != ',')
      return fail(j, "expected ',' or a closing bracket");
    j->i++;
  }
  *first = 0;
  return 1;
}

static int hex4(bndl_json *j, uint32_t *out) {
  if (j->i + 4 > j->n)
    return fail(j, "truncated \\u escape");
  uint32_t v = 0;
  for (int k = 0; k < 4; k++) {
    char c = j->p[j->i++];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
    else return fail(j, "bad hex digit in \\u escape");
  }
  *out = v;
  return 1;
}

static void put_utf8(bndl_strbuf *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  bndl_strbuf_append(b, u, n);
}

int bndl_json_string(bndl_json *j, bndl_strbuf *b) {
  ws(j);
  if (j->i >= j->n || j->p[j->i] != '"')
    return fail(j, "expected a string");
  j->i++;
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
  size_t run = j->i;
  while (j->i < j->n) {
    unsigned char c = (unsigned char)j->p[j->i];
    if (c == '"') {
      bndl_strbuf_append(b, j->p + run, j->i - run);
      j->i++;
      if (b->data == NULL)
        bndl_strbuf_append(b, "", 0);
      return b->status == BNDL_OK ? 1 : fail(j, "out of memory");
    }
    if (c < 0x20)
      return fail(j, "control character inside a string");
    if (c != '\\') {
      j->i++;
      continue;
    }
    bndl_strbuf_append(b, j->p + run, j->i - run);
    j->i++;
    if (j->i >= j->n)
      return fail(j, "truncated escape");
    char e = j->p[j->i++];
    switch (e) {
    case '"': bndl_strbuf_append(b, "\"", 1); break;
    case '\\': bndl_strbuf_append(b, "\\", 1); break;
    case '/': bndl_strbuf_append(b, "/", 1); break;
    case 'b': bndl_strbuf_append(b, "\b", 1); break;
    case 'f': bndl_strbuf_append(b, "\f", 1); break;
    case 'n': bndl_strbuf_append(b, "\n", 1); break;
    case 'r': bndl_strbuf_append(b, "\r", 1); break;
    case 't': bndl_strbuf_append(b, "\t", 1); break;
    case 'u': {
      uint32_t cp;
      if (!hex4(j, &cp))
        return 0;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (j->i + 2 > j->n || j->p[j->i] != '\\' || j->p[j->i + 1] != 'u')
          return fail(j, "unpaired high surrogate");
        j->i += 2;
        if (!hex4(j, &lo))
          return 0;
        if (lo < 0xDC00 || lo > 0xDFFF)
          return fail(j, "invalid low surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(j, "unpaired low surrogate");
      }
      put_utf8(b, cp);
      break;
    }
    default:
      return fail(j, "unknown escape");
    }
    run = j->i;
  }
  return fail(j, "unterminated string");
}

int bndl_json_key(bndl_json *j, bndl_strbuf *b) {
  if (!bndl_json_string(j, b))
    return 0;
  ws(j);
  if (j->i >= j->n || j->p[j->i] != ':')
    return fail(j, "expected ':' after an object key");
  j->i++;
  return 1;
}

int bndl_json_number(bndl_json *j, const char **p, size_t *n) {
  ws(j);
  size_t s = j->i;
  if (j->i < j->n && j->p[j->i] == '-')
    j->i++;
  if (j->i >= j->n || j->p[j->i] < '0' || j->p[j->i] > '9')
    return fail(j, "expected a number");
  if (j->p[j->i] == '0')
    j->i++;
  else
    while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9')
      j->i++;
  if (j->i < j->n && j->p[j->i] == '.') {
    j->i++;
    if (j->i >= j->n || j->p[j->i] < '0' || j->p[j->i] > '9')
      return fail(j, "expected digits after '.'");
    while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9')
      j->i++;
  }
  if (j->i < j->n && (j->p[j->i] == 'e' || j->p[j->i] == 'E')) {
    j->i++;
    if (j->i < j->n && (j->p[j->i] == '+' || j->p[j->i] == '-'))
      j->i++;
    if (j->i >= j->n || j->p[j->i] < '0' || j->p[j->i] > '9')
      return fail(j, "expected exponent digits");
    while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9')
      j->i++;
  }
  *p = j->p + s;
  *n = j->i - s;
  return 1;
}

static int literal(bndl_json *j, const char *word) {
  size_t n = strlen(word);
  if (j->i + n > j->n || memcmp(j->p + j->i, word, n) != 0)
    return fail(j, "invalid literal");
  j->i += n;
  return 1;
}

/* Skips a string without unescaping it. */
static int skip_string(bndl_json *j) {
  j->i++;
  while (j->i < j->n) {
    char c = j->p[j->i++];
    if (c == '"')
      return 1;
    if ((unsigned char)c < 0x20)
      return fail(j, "control character inside a string");
    if (c == '\\') {
      if (j->i >= j->n)
        break;
      j->i++;
    }
  }
  return fail(j, "unterminated string");
}

int bndl_json_skip(bndl_json *j) {
  const char *p;
  size_t n;
  int first = 1;
  switch (bndl_json_peek(j)) {
  case BNDL_JSON_OBJECT:
    if (!bndl_json_enter(j, '{'))
      return 0;
    while (bndl_json_next(j, '}', &first)) {
      ws(j);
      if (j->i >= j->n || j->p[j->i] != '"' || !skip_string(j))
        return fail(j, "expected an object key");
      ws(j);
      if (j->i >= j->n || j->p[j->i] != ':')
        return fail(j, "expected ':' after an object key");
      j->i++;
      if (!bndl_json_skip(j))
        return 0;
    }
    return j->error == NULL;
  case BNDL_JSON_ARRAY:
    if (!bndl_json_enter(j, '['))
      return 0;
    while (bndl_json_next(j, ']', &first))
      if (!bndl_json_skip(j))
        return 0;
    return j->error == NULL;
  case BNDL_JSON_STRING: return skip_string(j);
  case BNDL_JSON_NUMBER: return bndl_json_number(j, &p, &n);
  case BNDL_JSON_TRUE: return literal(j, "true");
  case BNDL_JSON_FALSE: return literal(j, "false");
  case BNDL_JSON_NULL: return literal(j, "null");
  case BNDL_JSON_END: return fail(j, "unexpected end of input");
  default: return fail(j, "unexpected character");
  }
}

int bndl_json_at_end(bndl_json *j) {
  ws(j);
  return j->i >= j->n;
}
