/*
 * api_buffer.c - public entry points of bndl_buffer.
 */
#include "bundle/bundle.h"
#include "core/buffer.h"
#include "core/handle.h"

const void *bndl_buffer_data(const bndl_buffer *buf) {
  return bndl_handle_is(buf, BNDL_MAGIC_BUFFER) ? buf->data : NULL;
}

size_t bndl_buffer_size(const bndl_buffer *buf) { return bndl_handle_is(buf, BNDL_MAGIC_BUFFER) ? buf->size : 0; }

void bndl_buffer_free(bndl_buffer *buf) {
  if (bndl_handle_is(buf, BNDL_MAGIC_BUFFER))
    bndl_buffer_destroy(buf);
}
