/*
 * input.h - a chunked byte source over a plain or gzip file, for the text parsers.
 *
 * The parser sees one window buf[begin, end) of decoded bytes. When a record runs past
 * `end`, the parser calls bndl_input_more, which keeps the unconsumed bytes, moves them
 * to the front and appends the next block; the window grows only when a single record
 * is longer than the whole buffer (bounded by the caller's record limit). Memory stays
 * at about one buffer whatever the file size.
 *
 * gzip is recognised by its magic bytes, not the file name, and decoded with zlib's
 * inflate through the context allocator; concatenated gzip members are read in turn.
 */
#ifndef BNDL_DATA_INPUT_H
#define BNDL_DATA_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

typedef struct bndl_input {
  const bndl_allocator *alloc;
  const char *path; /* borrowed, for messages */
  int fd;
  int is_gzip;
  void *zstream;        /* z_stream * when is_gzip */
  unsigned char *zbuf;  /* compressed bytes read from fd */
  size_t zbuf_len, zbuf_pos;
  int fd_eof;
  char *buf;
  size_t cap;
  size_t begin, end; /* unconsumed decoded bytes */
  int eof;           /* the source has nothing more */
  uint64_t consumed; /* decoded bytes before buf[0] */
  struct bndl_input_ring *ring; /* pipelined mode, see bndl_input_make_async */
} bndl_input;

/* Opens path: IO naming the path and strerror on failure; UNSUPPORTED for gzip without
 * zlib. Strips a leading UTF-8 byte-order mark. */
bndl_status bndl_input_open(bndl_input *in, const bndl_allocator *a, const char *path);
/* Reads more (see above). max_window bounds the buffer; past it: BNDL_ERR_LIMIT. */
bndl_status bndl_input_more(bndl_input *in, size_t max_window);
void bndl_input_close(bndl_input *in);

/* Pipelined mode (gzip only): one thread runs bndl_input_produce, inflating into a
 * small ring of 1 MiB blocks, while another parses through bndl_input_more as usual.
 * Decompression is then hidden behind parsing on a second core. make_async is a no-op
 * for plain files and for inputs already fully read; is_async says which. The consumer
 * calls bndl_input_cancel when it stops early so the producer does not wait forever. */
bndl_status bndl_input_make_async(bndl_input *in);
int bndl_input_is_async(const bndl_input *in);
bndl_status bndl_input_produce(bndl_input *in);
void bndl_input_cancel(bndl_input *in);
/* Leaves pipelined mode before it started (back to reading on the caller's thread). */
void bndl_input_close_async(bndl_input *in);

#endif
