/*
 * test_support.c - counting/failing allocator, data paths, temporary files.
 *
 * The allocator is called from library worker threads too (tasks allocate scratch, a
 * failing task copies its message), so its counters are updated under one lock; tests
 * read them only after the threads are joined.
 */
#define _DEFAULT_SOURCE 1 /* mkstemps */
#include "test_support.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct block_header {
  size_t size;
  size_t offset; /* from the raw pointer to the user pointer */
} block_header;

static pthread_mutex_t counting_lock = PTHREAD_MUTEX_INITIALIZER;

static void *counting_alloc(void *ud, size_t size, size_t align) {
  test_alloc *t = ud;
  pthread_mutex_lock(&counting_lock);
  t->n_allocs++;
  if (t->fail_at > 0 && (t->n_allocs == t->fail_at || (t->fail_persistent && t->n_allocs > t->fail_at))) {
    t->n_failed++;
    pthread_mutex_unlock(&counting_lock);
    return NULL;
  }
  pthread_mutex_unlock(&counting_lock);
  if (align < sizeof(block_header))
    align = sizeof(block_header);
  size_t total = size + align + sizeof(block_header);
  unsigned char *raw = malloc(total);
  if (raw == NULL)
    return NULL;
  uintptr_t user = ((uintptr_t)raw + sizeof(block_header) + align - 1) & ~(uintptr_t)(align - 1);
  block_header *h = (block_header *)(user - sizeof(block_header));
  h->size = size;
  h->offset = user - (uintptr_t)raw;
  pthread_mutex_lock(&counting_lock);
  t->live_blocks++;
  t->live_bytes += (int64_t)size;
  if (t->live_bytes > t->peak_bytes)
    t->peak_bytes = t->live_bytes;
  pthread_mutex_unlock(&counting_lock);
  return (void *)user;
}

static void counting_free(void *ud, void *p) {
  test_alloc *t = ud;
  block_header *h = (block_header *)((uintptr_t)p - sizeof(block_header));
  pthread_mutex_lock(&counting_lock);
  t->live_blocks--;
  t->live_bytes -= (int64_t)h->size;
  pthread_mutex_unlock(&counting_lock);
  free((unsigned char *)p - h->offset);
}

void test_alloc_reset(test_alloc *t, int64_t fail_at, int persistent) {
  memset(t, 0, sizeof *t);
  t->fail_at = fail_at;
  t->fail_persistent = persistent;
}

bndl_allocator test_alloc_hook(test_alloc *t) {
  bndl_allocator a = BNDL_ALLOCATOR_INIT;
  a.alloc = counting_alloc;
  a.free = counting_free;
  a.user_data = t;
  return a;
}

bndl_context *test_context(test_alloc *t, int32_t n_threads) {
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  bndl_allocator a;
  if (t) {
    a = test_alloc_hook(t);
    d.allocator = &a;
  }
  d.n_threads = n_threads > 0 ? n_threads : 1;
  d.seed = 42;
  bndl_context *ctx = NULL;
  if (bndl_context_create(&d, &ctx) != BNDL_OK)
    return NULL;
  return ctx;
}

const char *test_data_path(const char *name) {
  static char buf[8][4096];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, 4096, "%s/%s", BNDL_TEST_DATA_DIR, name);
  return p;
}

const char *test_shared_path(const char *relative) {
  static char buf[8][4096];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, 4096, "%s/%s", BNDL_SHARED_DATA_DIR, relative);
  if (access(p, R_OK) == 0)
    return p;
  if (BNDL_REQUIRE_SHARED_DATA)
    fail_msg("required dataset missing: %s", p);
  return NULL;
}

/* Every path handed out, so test_tmp_cleanup removes them all (grows as needed). */
static char **tmp_paths;
static int n_tmp, cap_tmp;

char *test_write_tmp(const char *suffix, const void *data, size_t len) {
  char tmpl[512];
  snprintf(tmpl, sizeof tmpl, "/tmp/bndl_test_XXXXXX%s", suffix ? suffix : "");
  int fd = mkstemps(tmpl, suffix ? (int)strlen(suffix) : 0);
  assert_true(fd >= 0);
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, (const char *)data + done, len - done);
    assert_true(w > 0);
    done += (size_t)w;
  }
  close(fd);
  char *copy = strdup(tmpl);
  assert_non_null(copy);
  if (n_tmp == cap_tmp) {
    int cap = cap_tmp ? 2 * cap_tmp : 64;
    char **more = realloc(tmp_paths, (size_t)cap * sizeof *more);
    assert_non_null(more);
    tmp_paths = more;
    cap_tmp = cap;
  }
  tmp_paths[n_tmp++] = copy;
  return copy;
}

void test_tmp_cleanup(void) {
  for (int i = 0; i < n_tmp; i++) {
    unlink(tmp_paths[i]);
    free(tmp_paths[i]);
  }
  free(tmp_paths);
  tmp_paths = NULL;
  n_tmp = cap_tmp = 0;
}

void test_expect_ok(bndl_status st) {
  if (st != BNDL_OK)
    fail_msg("status %d (%s): %s", (int)st, bndl_status_str(st), bndl_last_error_message());
}

void test_expect_error(bndl_status st, bndl_status want, const char *needle) {
  if (st != want)
    fail_msg("status %d (want %d): %s", (int)st, (int)want, st ? bndl_last_error_message() : "");
  if (needle != NULL && strstr(bndl_last_error_message(), needle) == NULL)
    fail_msg("message '%s' lacks '%s'", bndl_last_error_message(), needle);
}

void test_assert_error_contains(const char *fragment) {
  const char *msg = bndl_last_error_message();
  if (strstr(msg, fragment) == NULL)
    fail_msg("error message \"%s\" does not contain \"%s\"", msg, fragment);
}
