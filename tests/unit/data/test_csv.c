/*
 * test_csv.c - the RFC 4180 record reader (csv.c) over the chunked input (input.c).
 *
 * Most cases render every record as "L<record_line>:[field][field]..." and compare the
 * whole file's rendering with the expected text, so a wrong field, a lost record or a
 * line counter that drifts after a quoted newline all show up in one diff. The window
 * cases place tricky bytes (a doubled quote, a CRLF, a quoted newline) exactly on the
 * 4 MiB block boundary of input.c, where the scanner must stop, read more and re-scan
 * without having unescaped anything in place; and one record is longer than the whole
 * block so the window has to grow. gzip inputs are written here with zlib and must
 * give byte-for-byte the records of the plain file, including across gzip members.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifdef TEST_HAVE_ZLIB
#  include <zlib.h>
#endif

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/strbuf.h"
#include "data/csv.h"
#include "data/input.h"
#include "test_support.h"

/* input.c reads decoded data in blocks of this size; the boundary cases aim at it. If
 * the block size changes the cases still pass, they just stop hitting the edge. */
enum { INPUT_BLOCK = 1 << 22 };
static const size_t LOADER_WINDOW = (size_t)64 << 20;

/* One open file: a counting allocator (so every case also checks for leaks), the input
 * and the record reader. Must not move once opened (the input points at `a`). */
typedef struct reader {
  test_alloc t;
  bndl_allocator a;
  bndl_input in;
  bndl_csv c;
} reader;

static bndl_status reader_open(reader *r, const char *path, int delimiter, int quote, size_t max_window) {
  test_alloc_reset(&r->t, 0, 0);
  r->a = test_alloc_hook(&r->t);
  bndl_status st = bndl_input_open(&r->in, &r->a, path);
  if (st != BNDL_OK) {
    assert_int_equal(r->t.live_blocks, 0);
    return st;
  }
  bndl_csv_init(&r->c, &r->in, delimiter, quote, max_window);
  return BNDL_OK;
}

static void reader_close(reader *r) {
  bndl_csv_free(&r->c);
  bndl_input_close(&r->in);
  assert_int_equal(r->t.live_blocks, 0);
  assert_int_equal(r->t.live_bytes, 0);
}

/* Renders every record of a file; returns the status of the first failure (the text
 * up to it is still returned). The caller frees *out with free(). */
static bndl_status render_file(const char *path, int delimiter, int quote, char **out, int64_t *n_records) {
  reader r;
  bndl_strbuf b;
  bndl_strbuf_init(&b, bndl_default_allocator());
  bndl_strbuf_append(&b, "", 0);
  int64_t n = 0;
  bndl_status st = reader_open(&r, path, delimiter, quote, LOADER_WINDOW);
  if (st == BNDL_OK) {
    for (;;) {
      int got = 0;
      st = bndl_csv_next(&r.c, &got);
      if (st != BNDL_OK || !got)
        break;
      n++;
      bndl_strbuf_printf(&b, "L%lld:", (long long)r.c.record_line);
      for (size_t f = 0; f < r.c.n_fields; f++) {
        bndl_strbuf_append(&b, "[", 1);
        bndl_strbuf_append(&b, r.c.fields[f].p, r.c.fields[f].len);
        bndl_strbuf_append(&b, "]", 1);
      }
      bndl_strbuf_append(&b, "\n", 1);
    }
    reader_close(&r);
  }
  assert_int_equal(b.status, BNDL_OK);
  *out = strdup(b.data);
  bndl_strbuf_free(&b);
  if (n_records)
    *n_records = n;
  return st;
}

static void expect_records(const char *content, size_t len, int delimiter, int quote, const char *want) {
  const char *path = test_write_tmp(".csv", content, len);
  char *got;
  bndl_status st = render_file(path, delimiter, quote, &got, NULL);
  if (st != BNDL_OK)
    fail_msg("reading %s failed: %s", path, bndl_error_message());
  if (strcmp(got, want) != 0)
    fail_msg("records differ\n--- got ---\n%s--- want ---\n%s", got, want);
  free(got);
}

#define EXPECT(content, want) expect_records(content, sizeof(content) - 1, ',', '"', want)

static void test_quoting_rfc4180(void **state) {
  (void)state;
  /* doubled quotes, a delimiter inside quotes, an empty quoted field */
  EXPECT("a,\"b \"\"q\"\" c\",\"d,e\",\"\"\n", "L1:[a][b \"q\" c][d,e][]\n");
  /* LF and CRLF inside quotes: the field keeps them, the next record's line moves on */
  EXPECT("h1,h2\n\"x\ny\",\"w\r\nv\"\nlast,1\n", "L1:[h1][h2]\nL2:[x\ny][w\r\nv]\nL5:[last][1]\n");
  EXPECT("\"1\n2\n3\n4\",x\r\nnext,y\r\n", "L1:[1\n2\n3\n4][x]\nL5:[next][y]\n");
  /* only quotes, and a quote right before the delimiter */
  EXPECT("\"\"\"\",\"\"\"\"\"\"\n", "L1:[\"][\"\"]\n");
  /* text after a closing quote is kept (as spreadsheets do) */
  EXPECT("\"ab\"cd,e\n", "L1:[abcd][e]\n");
  /* empty fields, leading and trailing */
  EXPECT("a,,\n,\n,b\n", "L1:[a][][]\nL2:[][]\nL3:[][b]\n");
}

static void test_line_endings_and_blank_lines(void **state) {
  (void)state;
  EXPECT("a,b\nc,d", "L1:[a][b]\nL2:[c][d]\n");                   /* no final newline */
  EXPECT("a,\"b\"", "L1:[a][b]\n");                              /* closing quote is the last byte */
  EXPECT("a,b\r\nc,d\r\n", "L1:[a][b]\nL2:[c][d]\n");            /* CRLF stripped */
  EXPECT("a,\"b\"\r\n\"c\"\r\n", "L1:[a][b]\nL2:[c]\n");         /* CRLF after a quoted field */
  EXPECT("a,b\r\nc,d\r", "L1:[a][b]\nL2:[c][d]\n");              /* lone CR at the very end */
  EXPECT("\n\na,b\n\r\n\nc,d\n\n", "L3:[a][b]\nL6:[c][d]\n");     /* blank lines are not records */
  EXPECT("\r\n\r\nx\r\n", "L3:[x]\n");
  EXPECT("", "");
  EXPECT("\n\n\n", "");
  EXPECT("a", "L1:[a]\n"); /* one byte: shorter than the gzip magic probe */
  EXPECT("ab", "L1:[ab]\n");
  EXPECT("a\n", "L1:[a]\n");
}

static void test_tsv_and_other_delimiters(void **state) {
  (void)state;
  const char tsv[] = "a\tb c\t\"q\tx\"\n1\t\t3\n";
  expect_records(tsv, sizeof tsv - 1, '\t', '"', "L1:[a][b c][q\tx]\nL2:[1][][3]\n");
  const char semi[] = "a;\"b;c\";d\n";
  expect_records(semi, sizeof semi - 1, ';', '"', "L1:[a][b;c][d]\n");
  /* quoting off: quotes are ordinary bytes */
  const char noq[] = "a,\"b,c\"\n";
  expect_records(noq, sizeof noq - 1, ',', 0, "L1:[a][\"b][c\"]\n");
}

static void test_blank_run_mode(void **state) {
  (void)state;
  /* runs of spaces and tabs separate fields; leading/trailing blanks and blank-only
   * lines do not make fields or records; quotes mean nothing */
  const char in[] = "  u1   i1\ti2  \n\n   \t \nu2 i3\r\n\"a b\"\nlast";
  expect_records(in, sizeof in - 1, ' ', '"', "L1:[u1][i1][i2]\nL4:[u2][i3]\nL5:[\"a][b\"]\nL6:[last]\n");
}

static void test_bom_is_stripped(void **state) {
  (void)state;
  EXPECT("\xEF\xBB\xBFid,x\n1,2\n", "L1:[id][x]\nL2:[1][2]\n");
  EXPECT("\xEF\xBB\xBF", "");
  EXPECT("\xEF\xBB\xBF\"q\",1\n", "L1:[q][1]\n");
  /* only a leading mark is stripped: elsewhere it is data */
  EXPECT("a\n\xEF\xBB\xBF" "b\n", "L1:[a]\nL2:[\xEF\xBB\xBF" "b]\n");
  /* a partial mark is data too */
  EXPECT("\xEF\xBBx\n", "L1:[\xEF\xBBx]\n");
}

static void test_unterminated_quote_names_the_opening_line(void **state) {
  (void)state;
  const char in[] = "a,b\nc,d\ne,\"open\nmore\nstuff\n";
  const char *path = test_write_tmp(".csv", in, sizeof in - 1);
  char *got;
  int64_t n;
  bndl_status st = render_file(path, ',', '"', &got, &n);
  assert_int_equal(st, BNDL_ERR_FORMAT);
  assert_int_equal(n, 2); /* the complete records before it were delivered */
  assert_string_equal(got, "L1:[a][b]\nL2:[c][d]\n");
  free(got);
  test_assert_error_contains(path);
  test_assert_error_contains("unterminated");
  test_assert_error_contains("opened on line 3");

  /* the quote opens on the first line of a file without a final newline */
  const char in2[] = "\"never closed";
  path = test_write_tmp(".csv", in2, sizeof in2 - 1);
  st = render_file(path, ',', '"', &got, &n);
  assert_int_equal(st, BNDL_ERR_FORMAT);
  assert_int_equal(n, 0);
  free(got);
  test_assert_error_contains("opened on line 1");

  /* a doubled quote at the very end is an escaped quote, not a closing one */
  const char in3[] = "x\n\"abc\"\"";
  path = test_write_tmp(".csv", in3, sizeof in3 - 1);
  st = render_file(path, ',', '"', &got, &n);
  assert_int_equal(st, BNDL_ERR_FORMAT);
  free(got);
  test_assert_error_contains("opened on line 2");
}

/* A file whose record `tricky` starts `shift` bytes before the block boundary, after
 * one padding record that fills the space before it. */
static char *boundary_content(size_t block, size_t shift, const char *tricky, size_t *len) {
  size_t tl = strlen(tricky);
  const char tail[] = "next,1\n";
  size_t pad = block - shift; /* bytes before the tricky record, newline included */
  *len = pad + tl + sizeof tail - 1;
  char *s = malloc(*len);
  assert_non_null(s);
  memcpy(s, "pad,", 4);
  memset(s + 4, 'X', pad - 5);
  s[pad - 1] = '\n';
  memcpy(s + pad, tricky, tl);
  memcpy(s + pad + tl, tail, sizeof tail - 1);
  return s;
}

#ifdef TEST_HAVE_ZLIB
/* Writes data as a .gz of `members` concatenated gzip members (cut at arbitrary
 * offsets, even inside a record). */
static const char *write_gz(const void *data, size_t len, int members) {
  const char *path = test_write_tmp(".gz", "", 0);
  size_t done = 0;
  for (int m = 0; m < members; m++) {
    size_t part = m == members - 1 ? len - done : len / (size_t)members + (size_t)m * 7;
    if (part > len - done)
      part = len - done;
    gzFile f = gzopen(path, m == 0 ? "wb6" : "ab6");
    assert_non_null(f);
    if (part)
      assert_int_equal(gzwrite(f, (const char *)data + done, (unsigned)part), (int)part);
    assert_int_equal(gzclose(f), Z_OK);
    done += part;
  }
  return path;
}
#endif

static void test_records_across_the_block_boundary(void **state) {
  (void)state;
  /* doubled quote, quoted CRLF, CRLF terminator: 15 bytes, every one of them lands on
   * the boundary for some shift */
  const char tricky[] = "\"a\"\"b\",\"c\r\nd\"\r\n";
  const char want_tail[] = "L2:[a\"b][c\r\nd]\nL4:[next][1]\n";
  for (size_t shift = 1; shift <= sizeof tricky; shift++) {
    size_t len;
    char *content = boundary_content(INPUT_BLOCK, shift, tricky, &len);
    const char *paths[2] = {test_write_tmp(".csv", content, len), NULL};
#ifdef TEST_HAVE_ZLIB
    paths[1] = write_gz(content, len, 1);
#endif
    free(content);
    for (int k = 0; k < 2 && paths[k]; k++) {
      char *got;
      int64_t n;
      bndl_status st = render_file(paths[k], ',', '"', &got, &n);
      if (st != BNDL_OK)
        fail_msg("shift %zu (%s): %s", shift, k ? "gzip" : "plain", bndl_error_message());
      assert_int_equal(n, 3);
      const char *second = strchr(got, '\n') + 1;
      if (strcmp(second, want_tail) != 0)
        fail_msg("shift %zu (%s): got\n%s", shift, k ? "gzip" : "plain", second);
      free(got);
    }
  }
}

/* Random records (numbers, empty fields, quoted fields with doubled quotes, commas,
 * LF and CRLF inside, CRLF or LF terminators, stray blank lines) and, alongside, the
 * rendering render_file must produce for them, line numbers included. */
static char *random_records(uint64_t seed, size_t target_len, size_t *len, char **want) {
  bndl_rng rng;
  bndl_rng_seed(&rng, seed, 0);
  bndl_strbuf b, w;
  bndl_strbuf_init(&b, bndl_default_allocator());
  bndl_strbuf_init(&w, bndl_default_allocator());
  bndl_strbuf_append(&w, "", 0);
  int64_t line = 1;
  static const char quoted_raw[] = "\"he said \"\"hi\"\", then\nleft, \r\nquickly\"";
  static const char quoted_val[] = "he said \"hi\", then\nleft, \r\nquickly";
  while (b.len < target_len) {
    bndl_strbuf_printf(&w, "L%lld:", (long long)line);
    int fields = 1 + (int)bndl_rng_below(&rng, 5);
    for (int f = 0; f < fields; f++) {
      if (f)
        bndl_strbuf_append(&b, ",", 1);
      /* the first field is never empty: an empty one-field record is a blank line */
      unsigned kind = (unsigned)bndl_rng_below(&rng, 4);
      if (kind == 2 && f == 0)
        kind = 0;
      char tmp[64];
      switch (kind) {
      case 0:
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)bndl_rng_below(&rng, 1000000));
        bndl_strbuf_puts(&b, tmp);
        bndl_strbuf_printf(&w, "[%s]", tmp);
        break;
      case 1:
        bndl_strbuf_puts(&b, quoted_raw);
        bndl_strbuf_printf(&w, "[%s]", quoted_val);
        line += 2;
        break;
      case 2: bndl_strbuf_puts(&w, "[]"); break;
      default:
        snprintf(tmp, sizeof tmp, "%llu,%llu", (unsigned long long)bndl_rng_below(&rng, 1000),
                 (unsigned long long)bndl_rng_below(&rng, 1000));
        bndl_strbuf_printf(&b, "\"%s\"", tmp);
        bndl_strbuf_printf(&w, "[%s]", tmp);
      }
    }
    bndl_strbuf_puts(&b, bndl_rng_below(&rng, 3) ? "\n" : "\r\n");
    bndl_strbuf_append(&w, "\n", 1);
    line++;
    if (bndl_rng_below(&rng, 50) == 0) {
      bndl_strbuf_append(&b, "\n", 1); /* a blank line now and then */
      line++;
    }
  }
  assert_int_equal(b.status, BNDL_OK);
  assert_int_equal(w.status, BNDL_OK);
  *len = b.len;
  *want = bndl_strbuf_take(&w, NULL);
  return bndl_strbuf_take(&b, NULL);
}

static void test_many_records_plain_and_gzip_agree(void **state) {
  (void)state;
  const bndl_allocator *da = bndl_default_allocator();
  size_t len;
  char *want;
  /* more than two blocks, so the window slides several times mid-record */
  char *content = random_records(7, (size_t)9 << 20, &len, &want);
  const char *plain = test_write_tmp(".csv", content, len);
  char *got;
  assert_int_equal(render_file(plain, ',', '"', &got, NULL), BNDL_OK);
  if (strcmp(got, want) != 0)
    fail_msg("plain file: records differ from the generated ones");
  free(got);
#ifdef TEST_HAVE_ZLIB
  for (int members = 1; members <= 3; members += 2) {
    const char *gz = write_gz(content, len, members);
    assert_int_equal(render_file(gz, ',', '"', &got, NULL), BNDL_OK);
    if (strcmp(got, want) != 0)
      fail_msg("gzip (%d members): records differ from the generated ones", members);
    free(got);
  }
#endif
  bndl_free(da, content);
  bndl_free(da, want);
}

/* A 6 MB quoted field (longer than the 4 MiB block) with doubled quotes and newlines
 * inside: the window must grow, the field must come back intact, and the line counter
 * must still count the newlines inside it. */
static void test_record_longer_than_the_block(void **state) {
  (void)state;
  const size_t field_len = 6000000;
  char *field = malloc(field_len);
  assert_non_null(field);
  size_t quotes = 0, newlines = 0;
  for (size_t i = 0; i < field_len; i++) {
    field[i] = (char)('a' + i % 26);
    if (i % 100003 == 50) {
      field[i] = '"';
      quotes++;
    } else if (i % 1000003 == 999) {
      field[i] = '\n';
      newlines++;
    }
  }
  size_t len = 0;
  char *content = malloc(field_len + quotes + 64);
  assert_non_null(content);
  memcpy(content, "id1,\"", 5);
  len = 5;
  for (size_t i = 0; i < field_len; i++) {
    content[len++] = field[i];
    if (field[i] == '"')
      content[len++] = '"';
  }
  const char tail[] = "\",tail\r\nnext,2,3\n";
  memcpy(content + len, tail, sizeof tail - 1);
  len += sizeof tail - 1;

  const char *paths[2] = {test_write_tmp(".csv", content, len), NULL};
#ifdef TEST_HAVE_ZLIB
  paths[1] = write_gz(content, len, 1);
#endif
  for (int k = 0; k < 2 && paths[k]; k++) {
    reader r;
    assert_int_equal(reader_open(&r, paths[k], ',', '"', LOADER_WINDOW), BNDL_OK);
    int got = 0;
    assert_int_equal(bndl_csv_next(&r.c, &got), BNDL_OK);
    assert_int_equal(got, 1);
    assert_int_equal(r.c.record_line, 1);
    assert_int_equal(r.c.n_fields, 3);
    assert_int_equal(r.c.fields[1].len, field_len);
    assert_memory_equal(r.c.fields[1].p, field, field_len);
    assert_int_equal(r.c.fields[2].len, 4);
    assert_memory_equal(r.c.fields[2].p, "tail", 4);
    assert_true(r.in.cap > (size_t)INPUT_BLOCK); /* the window did grow */
    assert_int_equal(bndl_csv_next(&r.c, &got), BNDL_OK);
    assert_int_equal(got, 1);
    assert_int_equal(r.c.record_line, 2 + (int64_t)newlines);
    assert_int_equal(r.c.n_fields, 3);
    assert_int_equal(bndl_csv_next(&r.c, &got), BNDL_OK);
    assert_int_equal(got, 0);
    reader_close(&r);

    /* a window cap below the record's size is a LIMIT error naming the file */
    assert_int_equal(reader_open(&r, paths[k], ',', '"', (size_t)5 << 20), BNDL_OK);
    assert_int_equal(bndl_csv_next(&r.c, &got), BNDL_ERR_LIMIT);
    test_assert_error_contains(paths[k]);
    reader_close(&r);
  }
  free(content);
  free(field);
}

static void test_missing_file_is_io_error(void **state) {
  (void)state;
  reader r;
  assert_int_equal(reader_open(&r, "/nonexistent/dir/x.csv", ',', '"', LOADER_WINDOW), BNDL_ERR_IO);
  test_assert_error_contains("/nonexistent/dir/x.csv");
  test_assert_error_contains("No such file or directory");
}

#ifdef TEST_HAVE_ZLIB
static void test_gzip_bom_and_empty(void **state) {
  (void)state;
  const char in[] = "\xEF\xBB\xBFid,x\n1,\"2\n3\"\n";
  const char *gz = write_gz(in, sizeof in - 1, 1);
  char *got;
  assert_int_equal(render_file(gz, ',', '"', &got, NULL), BNDL_OK);
  assert_string_equal(got, "L1:[id][x]\nL2:[1][2\n3]\n");
  free(got);
  /* a gzip stream of nothing is an empty file */
  gz = write_gz("", 0, 1);
  int64_t n = -1;
  assert_int_equal(render_file(gz, ',', '"', &got, &n), BNDL_OK);
  assert_int_equal(n, 0);
  free(got);
}

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc((size_t)n + 1);
  assert_non_null(p);
  assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return p;
}

/* A .gz cut short (a partial download) must fail with FORMAT, not end quietly as if
 * the file were complete: the records after the cut would be lost without a word. */
static void test_truncated_gzip_is_format_error(void **state) {
  (void)state;
  size_t len;
  char *want;
  char *content = random_records(11, 200000, &len, &want);
  bndl_free(bndl_default_allocator(), want);
  size_t gz_len;
  unsigned char *gz = slurp(write_gz(content, len, 1), &gz_len);
  bndl_free(bndl_default_allocator(), content);
  /* cut inside the deflate data, just before the 8-byte trailer, inside the trailer,
   * and right after the 10-byte header */
  const size_t cuts[] = {gz_len / 2, gz_len - 8, gz_len - 3, 10, 2};
  for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
    const char *path = test_write_tmp(".gz", gz, cuts[k]);
    char *got;
    bndl_status st = render_file(path, ',', '"', &got, NULL);
    free(got);
    if (st != BNDL_ERR_FORMAT)
      fail_msg("gzip cut to %zu of %zu bytes: status %d, want BNDL_ERR_FORMAT", cuts[k], gz_len, (int)st);
    test_assert_error_contains(path);
  }
  /* a second member cut short fails too */
  unsigned char *two = malloc(2 * gz_len);
  assert_non_null(two);
  memcpy(two, gz, gz_len);
  memcpy(two + gz_len, gz, gz_len / 2);
  const char *path = test_write_tmp(".gz", two, gz_len + gz_len / 2);
  char *got;
  assert_int_equal(render_file(path, ',', '"', &got, NULL), BNDL_ERR_FORMAT);
  free(got);
  free(two);
  free(gz);
}

static void test_corrupt_gzip_is_format_error(void **state) {
  (void)state;
  size_t len;
  char *want;
  char *content = random_records(12, 100000, &len, &want);
  bndl_free(bndl_default_allocator(), want);
  size_t gz_len;
  unsigned char *gz = slurp(write_gz(content, len, 1), &gz_len);
  bndl_free(bndl_default_allocator(), content);
  gz[gz_len / 2] ^= 0x55; /* inside the deflate data: a data error or a CRC mismatch */
  const char *path = test_write_tmp(".gz", gz, gz_len);
  char *got;
  assert_int_equal(render_file(path, ',', '"', &got, NULL), BNDL_ERR_FORMAT);
  free(got);
  test_assert_error_contains(path);
  free(gz);
}
#endif

static int teardown(void **state) {
  (void)state;
  test_tmp_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_quoting_rfc4180, teardown),
      cmocka_unit_test_teardown(test_line_endings_and_blank_lines, teardown),
      cmocka_unit_test_teardown(test_tsv_and_other_delimiters, teardown),
      cmocka_unit_test_teardown(test_blank_run_mode, teardown),
      cmocka_unit_test_teardown(test_bom_is_stripped, teardown),
      cmocka_unit_test_teardown(test_unterminated_quote_names_the_opening_line, teardown),
      cmocka_unit_test_teardown(test_records_across_the_block_boundary, teardown),
      cmocka_unit_test_teardown(test_many_records_plain_and_gzip_agree, teardown),
      cmocka_unit_test_teardown(test_record_longer_than_the_block, teardown),
      cmocka_unit_test_teardown(test_missing_file_is_io_error, teardown),
#ifdef TEST_HAVE_ZLIB
      cmocka_unit_test_teardown(test_gzip_bom_and_empty, teardown),
      cmocka_unit_test_teardown(test_truncated_gzip_is_format_error, teardown),
      cmocka_unit_test_teardown(test_corrupt_gzip_is_format_error, teardown),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
