/*
 * test_dataset_pipelined.c - gzip inputs read with decompression on a second pool
 * thread (the pipelined mode of src/data/input.c) must give exactly what the
 * one-thread path gives, and fail the same way.
 *
 * The cases that matter are the hand-offs between the two threads: a clean end, a
 * corrupt or truncated stream (the inflating thread fails: its message must reach the
 * caller), a parser that stops early under load.strict (the inflating thread must be
 * released, not left waiting on a full ring), and a pool that is busy with another
 * caller's work (the load falls back to one thread). Runs under TSan in CI.
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
#include <zlib.h>

#include "bundle/bundle.h"
#include "test_support.h"

/* Counts the library's "inflated on a second thread" records, so the test knows the
 * pipelined path really ran (and did not quietly fall back to one thread). */
static int pipelined_loads;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void count_pipelined(void *ud, bndl_log_level level, const char *msg) {
  (void)ud;
  (void)level;
  pthread_mutex_lock(&log_lock);
  if (strstr(msg, "inflated on a second thread"))
    pipelined_loads++;
  pthread_mutex_unlock(&log_lock);
}

static bndl_context *context(int threads) {
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = threads;
  bndl_context *ctx = NULL;
  assert_int_equal(bndl_context_create(&d, &ctx), BNDL_OK);
  assert_int_equal(bndl_context_set_log(ctx, count_pipelined, NULL, NULL, BNDL_LOG_DEBUG), BNDL_OK);
  return ctx;
}

/* Loads path with the online_retail preset; returns the status, fills the snapshot of
 * the finalized dataset (NULL buffer on failure). */
static bndl_status load(int threads, const char *path, int strict, bndl_buffer **snapshot) {
  bndl_context *ctx = context(threads);
  bndl_dataset *ds = NULL;
  bndl_table_spec *spec = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  assert_int_equal(bndl_table_spec_preset("online_retail", &spec), BNDL_OK);
  if (strict) {
    bndl_config *cfg = NULL;
    assert_int_equal(bndl_config_create(&cfg), BNDL_OK);
    assert_int_equal(bndl_config_set(cfg, "load.strict", "1"), BNDL_OK);
    assert_int_equal(bndl_dataset_configure(ds, cfg), BNDL_OK);
    bndl_config_free(cfg);
  }
  bndl_status st = bndl_dataset_load_table(ds, path, spec);
  *snapshot = NULL;
  if (st == BNDL_OK) {
    assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
    assert_int_equal(bndl_dataset_save_buffer(ds, snapshot), BNDL_OK);
  } else {
    /* a failed load leaves nothing behind */
    assert_int_equal(bndl_dataset_rows_read(ds), 0);
    assert_int_equal(bndl_dataset_num_events(ds), 0);
  }
  bndl_table_spec_free(spec);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return st;
}

/* gzip-compresses data into a temporary .gz file */
static char *write_gz(const void *data, size_t len) {
  uLongf cap = compressBound((uLong)len) + 64;
  unsigned char *out = malloc(cap);
  assert_non_null(out);
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)len;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  size_t n = z.total_out;
  deflateEnd(&z);
  char *path = test_write_tmp(".csv.gz", out, n);
  free(out);
  return path;
}

/* The bundled sample, decompressed, repeated to span many 1 MiB ring blocks. */
static char *big_csv(size_t *len, int repeats) {
  gzFile f = gzopen(test_data_path("online_retail_sample.csv.gz"), "rb");
  assert_non_null(f);
  size_t cap = 8 << 20, n = 0;
  char *one = malloc(cap);
  int r;
  while ((r = gzread(f, one + n, (unsigned)(cap - n))) > 0)
    n += (size_t)r;
  gzclose(f);
  const char *body = (const char *)memchr(one, '\n', n) + 1; /* data lines, without the header */
  size_t body_len = n - (size_t)(body - one);
  char *all = malloc((body - one) + body_len * (size_t)repeats);
  memcpy(all, one, (size_t)(body - one));
  size_t at = (size_t)(body - one);
  for (int k = 0; k < repeats; k++, at += body_len)
    memcpy(all + at, body, body_len);
  free(one);
  *len = at;
  return all;
}

static void assert_same(bndl_buffer *a, bndl_buffer *b) {
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(bndl_buffer_size(a), bndl_buffer_size(b));
  assert_memory_equal(bndl_buffer_data(a), bndl_buffer_data(b), bndl_buffer_size(a));
}

static void test_same_result_as_one_thread(void **state) {
  (void)state;
  size_t len;
  char *csv = big_csv(&len, 4); /* ~9 MB decoded: more than two windows, many ring blocks */
  char *gz = write_gz(csv, len);
  bndl_buffer *one = NULL, *two = NULL;
  pipelined_loads = 0;
  assert_int_equal(load(1, gz, 0, &one), BNDL_OK);
  assert_int_equal(pipelined_loads, 0);
  for (int run = 0; run < 3; run++) {
    assert_int_equal(load(2, gz, 0, &two), BNDL_OK);
    assert_int_equal(pipelined_loads, run + 1);
    assert_same(one, two); /* snapshots are byte-identical: same rows, ids, report */
    bndl_buffer_free(two);
  }
  bndl_buffer_free(one);
  free(csv);
}

static void test_truncated_stream_fails_like_one_thread(void **state) {
  (void)state;
  size_t len;
  char *csv = big_csv(&len, 6);
  char *gz = write_gz(csv, len);
  /* cut the compressed file to 60% (about 8 MB decoded, past the first 4 MiB window that
   * opening the file reads): the inflating thread meets the end mid-stream */
  FILE *f = fopen(gz, "rb");
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *bytes = malloc((size_t)n);
  assert_int_equal(fread(bytes, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  char *cut = test_write_tmp(".csv.gz", bytes, (size_t)n * 6 / 10);
  bndl_buffer *out = NULL;
  assert_int_equal(load(1, cut, 0, &out), BNDL_ERR_FORMAT);
  test_assert_error_contains("truncated");
  pipelined_loads = 0;
  assert_int_equal(load(2, cut, 0, &out), BNDL_ERR_FORMAT);
  assert_int_equal(pipelined_loads, 1);
  test_assert_error_contains("truncated"); /* the producer's own message, not a generic one */
  test_assert_error_contains(cut);
  /* flip bytes in the middle of the deflate data: corrupt, not truncated */
  for (long k = n / 2; k < n / 2 + 64; k++)
    bytes[k] ^= 0x5A;
  char *bad = test_write_tmp(".csv.gz", bytes, (size_t)n);
  bndl_status s1 = load(1, bad, 0, &out), s2 = load(2, bad, 0, &out);
  assert_int_equal(s1, BNDL_ERR_FORMAT);
  assert_int_equal(s2, s1);
  free(bytes);
  free(csv);
}

static void test_strict_stop_releases_the_inflater(void **state) {
  (void)state;
  size_t len;
  char *csv = big_csv(&len, 4);
  /* the sample has rows without CustomerID from line 624 on: strict stops there, long
   * before the inflating thread is done, with the ring full behind it */
  char *gz = write_gz(csv, len);
  bndl_buffer *out = NULL;
  pipelined_loads = 0;
  assert_int_equal(load(2, gz, 1, &out), BNDL_ERR_FORMAT);
  assert_int_equal(pipelined_loads, 1);
  test_assert_error_contains(":624: field 'CustomerID'");
  assert_int_equal(load(1, gz, 1, &out), BNDL_ERR_FORMAT);
  test_assert_error_contains(":624: field 'CustomerID'");
  free(csv);
}

typedef struct busy_arg {
  bndl_context *ctx;
  const char *path;
  bndl_status st;
} busy_arg;

static void *load_on_shared_context(void *p) {
  busy_arg *a = p;
  bndl_dataset *ds = NULL;
  bndl_table_spec *spec = NULL;
  bndl_dataset_create(a->ctx, &ds);
  bndl_table_spec_preset("online_retail", &spec);
  a->st = bndl_dataset_load_table(ds, a->path, spec);
  if (a->st == BNDL_OK)
    a->st = bndl_dataset_finalize(ds);
  bndl_table_spec_free(spec);
  bndl_dataset_free(ds);
  return NULL;
}

/* Several application threads loading through one 2-thread context: whoever finds the
 * pool busy reads alone; all must succeed with the same rows. */
static void test_concurrent_loads_share_one_pool(void **state) {
  (void)state;
  size_t len;
  char *csv = big_csv(&len, 2);
  char *gz = write_gz(csv, len);
  bndl_context *ctx = context(2);
  pipelined_loads = 0;
  pthread_t t[3];
  busy_arg args[3];
  for (int i = 0; i < 3; i++) {
    args[i].ctx = ctx;
    args[i].path = gz;
    pthread_create(&t[i], NULL, load_on_shared_context, &args[i]);
  }
  for (int i = 0; i < 3; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(args[i].st, BNDL_OK);
  }
  assert_true(pipelined_loads >= 1); /* at least the first found the pool free */
  bndl_context_free(ctx);
  free(csv);
}

static int teardown(void **state) {
  (void)state;
  test_tmp_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_same_result_as_one_thread, teardown),
      cmocka_unit_test_teardown(test_truncated_stream_fails_like_one_thread, teardown),
      cmocka_unit_test_teardown(test_strict_stop_releases_the_inflater, teardown),
      cmocka_unit_test_teardown(test_concurrent_loads_share_one_pool, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
