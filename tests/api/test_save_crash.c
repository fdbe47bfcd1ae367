/*
 * test_save_crash.c - crash consistency of saved files (TARGETS.md R8): a process killed
 * at any moment while it saves leaves a file that still loads, as the old or the new
 * version, never a torn one.
 *
 * A child process saves two different datasets to the same path, one after the other,
 * without pause; the parent kills it (SIGKILL) after a random 0-15 ms, then loads the
 * path: it must load and be one of the two. 200 kills. The same harness run against a
 * naive in-place writer (fopen "wb" + fwrite in 4 KiB pieces) must find torn files, or
 * the harness could not see the failure it guards against (a test of the test).
 *
 * The child only calls save on datasets the parent finalized, on a 1-thread context, so
 * no pool thread is missing after fork.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_support.h"

enum { KILLS = 200, MAX_DELAY_US = 15000 };

typedef struct fixture {
  bndl_context *ctx;
  bndl_dataset *a, *b; /* two versions of "the file" */
  int64_t events_a, events_b;
  bndl_buffer *bytes_a, *bytes_b;
  char dir[64], path[96];
} fixture;

static bndl_dataset *load_sample(bndl_context *ctx) {
  bndl_dataset *ds;
  bndl_table_spec *spec;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  assert_int_equal(bndl_table_spec_preset("online_retail", &spec), BNDL_OK);
  assert_int_equal(bndl_dataset_load_table(ds, test_data_path("online_retail_sample.csv.gz"), spec), BNDL_OK);
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  bndl_table_spec_free(spec);
  return ds;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->ctx = test_context(NULL, 1);
  f->a = load_sample(f->ctx);
  bndl_dataset *test = NULL;
  assert_int_equal(bndl_dataset_split(f->a, NULL, &f->b, NULL, &test), BNDL_OK);
  bndl_dataset_free(test);
  f->events_a = bndl_dataset_num_events(f->a);
  f->events_b = bndl_dataset_num_events(f->b);
  assert_true(f->events_a != f->events_b);
  assert_int_equal(bndl_dataset_save_buffer(f->a, &f->bytes_a), BNDL_OK);
  assert_int_equal(bndl_dataset_save_buffer(f->b, &f->bytes_b), BNDL_OK);
  strcpy(f->dir, "/tmp/bndl-crash-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->path, sizeof f->path, "%s/data.bndl", f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", f->dir);
  bndl_buffer_free(f->bytes_a);
  bndl_buffer_free(f->bytes_b);
  bndl_dataset_free(f->a);
  bndl_dataset_free(f->b);
  bndl_context_free(f->ctx);
  free(f);
  return 0;
}

/* The naive writer the test must be able to catch. */
static void write_in_place(const char *path, const bndl_buffer *buf) {
  FILE *out = fopen(path, "wb");
  if (out == NULL)
    _exit(3);
  const char *p = bndl_buffer_data(buf);
  size_t n = bndl_buffer_size(buf);
  for (size_t off = 0; off < n; off += 4096) {
    size_t len = n - off < 4096 ? n - off : 4096;
    if (fwrite(p + off, 1, len, out) != len || fflush(out) != 0)
      _exit(3);
  }
  fclose(out);
}

/* Runs the kill loop with the library's save (naive = 0) or the in-place writer;
 * returns how many times the file at the path did not load as one of the versions. */
static int kill_loop(fixture *f, int naive) {
  assert_int_equal(bndl_dataset_save(f->a, f->path), BNDL_OK);
  unsigned seed = 12345u + (unsigned)naive;
  int torn = 0;
  for (int i = 0; i < KILLS; i++) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      for (;;) {
        if (naive) {
          write_in_place(f->path, f->bytes_b);
          write_in_place(f->path, f->bytes_a);
        } else if (bndl_dataset_save(f->b, f->path) != BNDL_OK || bndl_dataset_save(f->a, f->path) != BNDL_OK) {
          _exit(2);
        }
      }
    }
    struct timespec delay = {0, (long)(rand_r(&seed) % MAX_DELAY_US) * 1000L};
    while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status)); /* killed while saving, not failed on its own */
    bndl_dataset *back = NULL;
    if (bndl_dataset_load(f->ctx, f->path, &back) != BNDL_OK) {
      torn++;
      continue;
    }
    int64_t events = bndl_dataset_num_events(back);
    if (events != f->events_a && events != f->events_b)
      torn++;
    bndl_dataset_free(back);
  }
  return torn;
}

static void atomic_save_survives_kills(void **state) {
  fixture *f = *state;
  int torn = kill_loop(f, 0);
  printf("library save: %d of %d kills left an unloadable file\n", torn, KILLS);
  assert_int_equal(torn, 0);
}

static void harness_catches_in_place_writer(void **state) {
  fixture *f = *state;
  int torn = kill_loop(f, 1);
  printf("in-place writer: %d of %d kills left an unloadable file\n", torn, KILLS);
  assert_true(torn > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(atomic_save_survives_kills),
      cmocka_unit_test(harness_catches_in_place_writer),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
