/*
 * input.c - plain and gzip file reading into a sliding window.
 */
#include "data/input.h"

#include <errno.h>
#include <pthread.h>
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

/* Inflates into dst[*len, cap), advancing *len; sets *done when the stream ended. */
static bndl_status inflate_into(bndl_input *in, char *dst, size_t cap, size_t *len, int *done) {
  z_stream *z = in->zstream;
  while (*len < cap) {
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
      *done = 1;
      return BNDL_OK;
    }
    z->next_in = in->zbuf + in->zbuf_pos;
    z->avail_in = (uInt)(in->zbuf_len - in->zbuf_pos);
    z->next_out = (Bytef *)dst + *len;
    z->avail_out = (uInt)(cap - *len);
    int rc = inflate(z, Z_NO_FLUSH);
    in->zbuf_pos = in->zbuf_len - z->avail_in;
    *len = cap - z->avail_out;
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

/* ---- the pipelined mode: a second thread inflates into a ring of blocks */

enum { RING_SLOTS = 4, SLOT_BYTES = 1 << 20 };

struct bndl_input_ring {
  pthread_mutex_t m;
  pthread_cond_t changed;
  char *slot[RING_SLOTS];
  size_t len[RING_SLOTS];
  int head, count; /* filled slots: head .. head + count - 1 (mod RING_SLOTS) */
  size_t taken;    /* bytes of the head slot already handed to the window */
  int done;        /* the producer has put everything it will */
  int cancel;      /* the consumer stopped early */
  bndl_status error;
};

static void ring_free(const bndl_allocator *a, struct bndl_input_ring *r) {
  for (int i = 0; i < RING_SLOTS; i++)
    bndl_free(a, r->slot[i]);
  pthread_cond_destroy(&r->changed);
  pthread_mutex_destroy(&r->m);
  bndl_free(a, r);
}

bndl_status bndl_input_make_async(bndl_input *in) {
  if (!in->is_gzip || in->eof)
    return BNDL_OK; /* plain files read faster than they parse: nothing to overlap */
  struct bndl_input_ring *r = bndl_zalloc(in->alloc, sizeof *r);
  if (r == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  pthread_mutex_init(&r->m, NULL);
  pthread_cond_init(&r->changed, NULL);
  for (int i = 0; i < RING_SLOTS; i++) {
    r->slot[i] = bndl_alloc(in->alloc, SLOT_BYTES);
    if (r->slot[i] == NULL) {
      ring_free(in->alloc, r);
      return BNDL_ERR_OUT_OF_MEMORY;
    }
  }
  in->ring = r;
  return BNDL_OK;
}

int bndl_input_is_async(const bndl_input *in) { return in->ring != NULL; }

bndl_status bndl_input_produce(bndl_input *in) {
  struct bndl_input_ring *r = in->ring;
  bndl_status st = BNDL_OK;
  int done = 0;
  while (!done && st == BNDL_OK) {
    pthread_mutex_lock(&r->m);
    while (r->count == RING_SLOTS && !r->cancel)
      pthread_cond_wait(&r->changed, &r->m);
    int cancel = r->cancel, idx = (r->head + r->count) % RING_SLOTS;
    pthread_mutex_unlock(&r->m);
    if (cancel)
      break;
    /* the slot at idx is free and only this thread touches it until it is published */
    size_t len = 0;
#ifdef BNDL_HAVE_ZLIB
    st = inflate_into(in, r->slot[idx], SLOT_BYTES, &len, &done);
#endif
    pthread_mutex_lock(&r->m);
    if (st == BNDL_OK && len) {
      r->len[idx] = len;
      r->count++;
    }
    if (st != BNDL_OK || done) {
      r->done = 1;
      r->error = st;
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->m);
  }
  pthread_mutex_lock(&r->m);
  r->done = 1;
  pthread_cond_broadcast(&r->changed);
  pthread_mutex_unlock(&r->m);
  return st;
}

void bndl_input_close_async(bndl_input *in) {
  if (in->ring) {
    ring_free(in->alloc, in->ring);
    in->ring = NULL;
  }
}

void bndl_input_cancel(bndl_input *in) {
  struct bndl_input_ring *r = in->ring;
  pthread_mutex_lock(&r->m);
  r->cancel = 1;
  pthread_cond_broadcast(&r->changed);
  pthread_mutex_unlock(&r->m);
}

/* Consumer side: copies ring bytes into buf[end, cap). */
static bndl_status take_from_ring(bndl_input *in) {
  struct bndl_input_ring *r = in->ring;
  pthread_mutex_lock(&r->m);
  while (r->count == 0 && !r->done)
    pthread_cond_wait(&r->changed, &r->m);
  bndl_status st = BNDL_OK;
  if (r->count == 0) {
    in->eof = 1;
    if (r->error != BNDL_OK) /* the producer's own message goes back through the pool */
      st = bndl_fail(r->error, "%s: decompression failed", in->path);
  } else {
    int idx = r->head;
    pthread_mutex_unlock(&r->m);
    size_t n = r->len[idx] - r->taken, room = in->cap - in->end;
    if (n > room)
      n = room;
    memcpy(in->buf + in->end, r->slot[idx] + r->taken, n);
    in->end += n;
    pthread_mutex_lock(&r->m);
    r->taken += n;
    if (r->taken == r->len[idx]) {
      r->taken = 0;
      r->head = (r->head + 1) % RING_SLOTS;
      r->count--;
      pthread_cond_broadcast(&r->changed);
    }
  }
  pthread_mutex_unlock(&r->m);
  return st;
}

static bndl_status fill(bndl_input *in) {
  if (in->ring)
    return take_from_ring(in);
  if (in->is_gzip) {
#ifdef BNDL_HAVE_ZLIB
    int done = 0;
    BNDL_TRY(inflate_into(in, in->buf, in->cap, &in->end, &done));
    in->eof = done;
    return BNDL_OK;
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
  if (in->ring) {
    ring_free(in->alloc, in->ring);
    in->ring = NULL;
  }
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
