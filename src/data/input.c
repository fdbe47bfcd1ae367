/*
 * input.c - plain and gzip file reading into a sliding window.
 */
#include "data/input.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"

#ifdef BNDL_HAVE_ZLIB
#  include <zlib.h>
#endif

enum { BLOCK = 1 << 22, ZBLOCK = 1 << 18 };

static bndl_status read_fd(bndl_input *in, void *dst, size_t cap, size_t *got) {
  for (;;) {
    ssize_t r = read(in->fd, dst, cap);
    if (r >= 0) {
      *got = (size_t)r;
      return BNDL_OK;
    }
    if (errno != EINTR)
      return bndl_fail(BNDL_ERR_IO, "%s: read failed: %s", in->path, strerror(errno));
  }
}

#ifdef BNDL_HAVE_ZLIB
static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  const bndl_allocator *a = opaque;
  size_t n;
  if (!bndl_mul_size(items, size, &n))
    return Z_NULL;
  return a->alloc(a->user_data, n, 16);
}

static void z_free(voidpf opaque, voidpf p) {
  const bndl_allocator *a = opaque;
  if (p)
    a->free(a->user_data, p);
}

/* Inflates into buf[end, cap). */
static bndl_status inflate_more(bndl_input *in) {
  z_stream *z = in->zstream;
  while (in->end < in->cap) {
    if (in->zbuf_pos == in->zbuf_len && !in->fd_eof) {
      size_t got = 0;
      BNDL_TRY(read_fd(in, in->zbuf, ZBLOCK, &got));
      in->zbuf_len = got;
      in->zbuf_pos = 0;
      in->fd_eof = got == 0;
    }
    if (in->zbuf_pos == in->zbuf_len && in->fd_eof) {
      /* inflateReset zeroes total_in at each member's end: input taken since then is
       * a member the file cut short, not a clean end */
      if (z->total_in != 0)
        return bndl_fail(BNDL_ERR_FORMAT, "%s: gzip stream is truncated", in->path);
      in->eof = 1;
      return BNDL_OK;
    }
    z->next_in = in->zbuf + in->zbuf_pos;
    z->avail_in = (uInt)(in->zbuf_len - in->zbuf_pos);
    z->next_out = (Bytef *)in->buf + in->end;
    z->avail_out = (uInt)(in->cap - in->end);
    int rc = inflate(z, Z_NO_FLUSH);
    in->zbuf_pos = in->zbuf_len - z->avail_in;
    in->end = in->cap - z->avail_out;
    if (rc == Z_STREAM_END) {
      /* Another gzip member may follow (concatenated .gz files are valid gzip). */
      if (inflateReset(z) != Z_OK)
        return bndl_fail(BNDL_ERR_INTERNAL, "%s: inflateReset failed", in->path);
      continue;
    }
    if (rc == Z_MEM_ERROR)
      return bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "%s: out of memory in zlib inflate", in->path);
    if (rc == Z_BUF_ERROR && in->fd_eof && in->zbuf_pos == in->zbuf_len)
      return bndl_fail(BNDL_ERR_FORMAT, "%s: gzip stream is truncated", in->path);
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return bndl_fail(BNDL_ERR_FORMAT, "%s: corrupt gzip data (zlib: %s)", in->path, z->msg ? z->msg : "?");
  }
  return BNDL_OK;
}
#endif

static bndl_status fill(bndl_input *in) {
  if (in->is_gzip) {
#ifdef BNDL_HAVE_ZLIB
    return inflate_more(in);
#endif
  }
  size_t got = 0;
  BNDL_TRY(read_fd(in, in->buf + in->end, in->cap - in->end, &got));
  in->end += got;
  if (got == 0)
    in->eof = 1;
  return BNDL_OK;
}

bndl_status bndl_input_open(bndl_input *in, const bndl_allocator *a, const char *path) {
  memset(in, 0, sizeof *in);
  in->alloc = a;
  in->path = path;
  in->fd = -1;
  in->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (in->fd < 0)
    return bndl_fail(BNDL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  bndl_status st = BNDL_OK;
  in->cap = BLOCK;
  in->buf = bndl_alloc(a, in->cap);
  if (in->buf == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto fail;
  }
  unsigned char magic[2];
  size_t got = 0;
  BNDL_TRY_GOTO(st, read_fd(in, magic, 2, &got), fail);
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
#ifdef BNDL_HAVE_ZLIB
    in->is_gzip = 1;
    in->zbuf = bndl_alloc(a, ZBLOCK);
    z_stream *z = bndl_zalloc(a, sizeof *z);
    if (in->zbuf == NULL || z == NULL) {
      bndl_free(a, z);
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto fail;
    }
    z->zalloc = z_alloc;
    z->zfree = z_free;
    z->opaque = (voidpf)a;
    memcpy(in->zbuf, magic, 2);
    in->zbuf_len = 2;
    if (inflateInit2(z, 15 + 16) != Z_OK) {
      bndl_free(a, z);
      st = bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "%s: zlib inflateInit2 failed", path);
      goto fail;
    }
    in->zstream = z;
#else
    st = bndl_fail(BNDL_ERR_UNSUPPORTED, "'%s' is gzip-compressed but this libbundle was built without zlib", path);
    goto fail;
#endif
  } else {
    memcpy(in->buf, magic, got);
    in->end = got;
    if (got < 2)
      in->eof = got == 0;
  }
  if (!in->eof)
    BNDL_TRY_GOTO(st, fill(in), fail);
  if (in->end - in->begin >= 3 && memcmp(in->buf + in->begin, "\xEF\xBB\xBF", 3) == 0)
    in->begin += 3;
  return BNDL_OK;
fail:
  bndl_input_close(in);
  return st;
}

bndl_status bndl_input_more(bndl_input *in, size_t max_window) {
  if (in->eof)
    return BNDL_OK;
  size_t keep = in->end - in->begin;
  if (in->begin > 0) {
    memmove(in->buf, in->buf + in->begin, keep);
    in->consumed += in->begin;
    in->begin = 0;
    in->end = keep;
  }
  if (in->end == in->cap) {
    if (in->cap >= max_window)
      return bndl_fail(BNDL_ERR_LIMIT, "%s: a single record is longer than %zu bytes", in->path, max_window);
    size_t cap = in->cap * 2 < max_window ? in->cap * 2 : max_window;
    char *p = bndl_realloc_array(in->alloc, in->buf, in->end, cap, 1);
    if (p == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    in->buf = p;
    in->cap = cap;
  }
  return fill(in);
}

void bndl_input_close(bndl_input *in) {
#ifdef BNDL_HAVE_ZLIB
  if (in->zstream) {
    inflateEnd(in->zstream);
    bndl_free(in->alloc, in->zstream);
  }
#endif
  bndl_free(in->alloc, in->zbuf);
  bndl_free(in->alloc, in->buf);
  if (in->fd >= 0)
    close(in->fd);
  in->fd = -1;
  in->buf = NULL;
  in->zbuf = NULL;
  in->zstream = NULL;
}
