/*
 * alloc.h - every allocation of the library goes through a bndl_allocator.
 *
 * Objects born from a context use the context's allocator; objects without one
 * (configs, table specs) copy the process default when created and free with that
 * copy, so replacing the default later never mismatches alloc and free. The helpers set the
 * thread's error to BNDL_ERR_OUT_OF_MEMORY with the size asked for when they return
 * NULL, so callers only propagate the status. Sizes are computed with the checked
 * helpers, and an overflow is reported as out of memory.
 */
#ifndef BNDL_CORE_ALLOC_H
#define BNDL_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

/* The process default allocator (malloc unless bndl_set_default_allocator replaced it). */
const bndl_allocator *bndl_default_allocator(void);
/* malloc/free without error reporting, for the thread-local error slot only: it
 * outlives every context and must not depend on a replaceable allocator. */
void *bndl_sys_alloc(size_t size);
void bndl_sys_free(void *p);
/* Install a new process default; BNDL_ERR_BUSY after the first context. */
bndl_status bndl_default_allocator_set(const bndl_allocator *a);
/* Called on context creation: from now on the default is frozen. */
void bndl_default_allocator_freeze(void);

/* Allocation helpers; NULL + error slot set on failure. */
void *bndl_alloc(const bndl_allocator *a, size_t size);
void *bndl_zalloc(const bndl_allocator *a, size_t size);
void *bndl_alloc_array(const bndl_allocator *a, size_t count, size_t elem);
void *bndl_zalloc_array(const bndl_allocator *a, size_t count, size_t elem);
/* Grows or shrinks p from old_count to new_count elements (copying the common part).
 * On failure p is untouched and NULL is returned. */
void *bndl_realloc_array(const bndl_allocator *a, void *p, size_t old_count, size_t new_count, size_t elem);
void bndl_free(const bndl_allocator *a, void *p);
char *bndl_strdup(const bndl_allocator *a, const char *s);
char *bndl_strndup(const bndl_allocator *a, const char *s, size_t n);

/* Grows a dynamic array *p of *cap elements so that it holds at least `need`; doubles
 * the capacity. BNDL_OK or BNDL_ERR_OUT_OF_MEMORY. */
bndl_status bndl_grow(const bndl_allocator *a, void **p, size_t *cap, size_t need, size_t elem);

/* Checked size arithmetic: return 1 and store the result, or 0 on overflow. */
static inline int bndl_mul_size(size_t a, size_t b, size_t *out) { return !__builtin_mul_overflow(a, b, out); }
static inline int bndl_add_size(size_t a, size_t b, size_t *out) { return !__builtin_add_overflow(a, b, out); }

#endif
