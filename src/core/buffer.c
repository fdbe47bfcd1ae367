/*
 * buffer.c - an owned blob: the data and its allocator travel together, so the caller
 * releases it through bndl_buffer_free and never through free().
 */
#include "core/buffer.h"

#include "core/alloc.h"
#include "core/handle.h"

bndl_status bndl_buffer_adopt(const bndl_allocator *a, void *data, size_t size, bndl_buffer **out) {
  bndl_buffer *b = bndl_alloc(a, sizeof *b);
  if (b == NULL) {
    bndl_free(a, data);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  b->alloc = *a;
  b->data = data;
  b->size = size;
  b->magic = BNDL_MAGIC_BUFFER;
  *out = b;
  return BNDL_OK;
}

void bndl_buffer_destroy(bndl_buffer *b) {
  bndl_allocator a = b->alloc;
  b->magic = BNDL_MAGIC_FREED;
  bndl_free(&a, b->data);
  bndl_free(&a, b);
}
