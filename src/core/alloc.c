/*
 * alloc.c - allocation through bndl_allocator hooks, and the process default.
 *
 * Alignment: blocks of 256 bytes or more are 64-byte aligned (a cache line and an
 * AVX-512 vector), smaller ones 16-byte aligned, which is what malloc gives anyway.
 */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static void *malloc_alloc(void *ud, size_t size, size_t align) {
  (void)ud;
  void *p = NULL;
  if (align < sizeof(void *))
    align = sizeof(void *);
  if (posix_memalign(&p, align, size ? size : 1) != 0)
    return NULL;
  return p;
}

static void malloc_free(void *ud, void *p) {
  (void)ud;
  free(p);
}

static const bndl_allocator malloc_allocator = {sizeof(bndl_allocator), malloc_alloc, malloc_free, NULL};
static bndl_allocator default_allocator = {sizeof(bndl_allocator), malloc_alloc, malloc_free, NULL};
static atomic_int default_frozen;

const bndl_allocator *bndl_default_allocator(void) { return &default_allocator; }

bndl_status bndl_default_allocator_set(const bndl_allocator *a) {
  if (atomic_load(&default_frozen))
    return bndl_fail(BNDL_ERR_BUSY, "the default allocator can only be set before the first context is created");
  if (a == NULL) {
    default_allocator = malloc_allocator;
    return BNDL_OK;
  }
  if (a->struct_size < sizeof(bndl_allocator) || a->alloc == NULL || a->free == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                     "allocator: struct_size=%u (need %zu) and both alloc and free must be set",
                     (unsigned)a->struct_size, sizeof(bndl_allocator));
  default_allocator = *a;
  return BNDL_OK;
}

void bndl_default_allocator_freeze(void) { atomic_store(&default_frozen, 1); }

void *bndl_sys_alloc(size_t size) { return malloc(size ? size : 1); }

void bndl_sys_free(void *p) { free(p); }

void *bndl_alloc(const bndl_allocator *a, size_t size) {
  void *p = a->alloc(a->user_data, size ? size : 1, size >= 256 ? 64 : 16);
  if (p == NULL)
    bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes", size);
  return p;
}

void *bndl_zalloc(const bndl_allocator *a, size_t size) {
  void *p = bndl_alloc(a, size);
  if (p)
    memset(p, 0, size);
  return p;
}

void *bndl_alloc_array(const bndl_allocator *a, size_t count, size_t elem) {
  size_t n;
  if (!bndl_mul_size(count, elem, &n)) {
    bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "out of memory: %zu elements of %zu bytes overflow size_t", count, elem);
    return NULL;
  }
  return bndl_alloc(a, n);
}

void *bndl_zalloc_array(const bndl_allocator *a, size_t count, size_t elem) {
  void *p = bndl_alloc_array(a, count, elem);
  if (p)
    memset(p, 0, count * elem); /* cannot overflow: alloc_array checked it */
  return p;
}

void *bndl_realloc_array(const bndl_allocator *a, void *p, size_t old_count, size_t new_count, size_t elem) {
  void *q = bndl_alloc_array(a, new_count, elem);
  if (q == NULL)
    return NULL;
  if (p) {
    size_t keep = old_count < new_count ? old_count : new_count;
    if (keep)
      memcpy(q, p, keep * elem);
    a->free(a->user_data, p);
  }
  return q;
}

void bndl_free(const bndl_allocator *a, void *p) {
  if (p)
    a->free(a->user_data, p);
}

char *bndl_strndup(const bndl_allocator *a, const char *s, size_t n) {
  char *p = bndl_alloc(a, n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

char *bndl_strdup(const bndl_allocator *a, const char *s) { return bndl_strndup(a, s, strlen(s)); }

bndl_status bndl_grow(const bndl_allocator *a, void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return BNDL_OK;
  size_t c = *cap ? *cap : 16;
  while (c < need) {
    if (c > SIZE_MAX / 2)
      return bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "out of memory: array of %zu elements", need);
    c *= 2;
  }
  void *q = bndl_realloc_array(a, *p, *cap, c, elem);
  if (q == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  *p = q;
  *cap = c;
  return BNDL_OK;
}
