/*
 * buffer.h - bndl_buffer, an owned byte blob handed to the caller.
 */
#ifndef BNDL_CORE_BUFFER_H
#define BNDL_CORE_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

struct bndl_buffer {
  uint32_t magic;
  bndl_allocator alloc;
  void *data;
  size_t size;
};

/* Takes ownership of data (allocated with a); on failure frees it. */
bndl_status bndl_buffer_adopt(const bndl_allocator *a, void *data, size_t size, bndl_buffer **out);
void bndl_buffer_destroy(bndl_buffer *b);

#endif
