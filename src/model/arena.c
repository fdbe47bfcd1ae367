/*
 * arena.c - bump allocation over a list of blocks (see arena.h).
 *
 * A block is one allocation: a header followed by its capacity. When the current block
 * is full the next block of the list is used if it is big enough; otherwise the blocks
 * after the current one are freed and a new block of max(need, 2 x the current block,
 * min_block) is appended, so a pass of any size needs O(log) allocations the first time
 * and none once reset has merged them.
 */
#include "model/arena.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

enum { ARENA_ALIGN = 64 };

struct bndl_nn_block {
  bndl_nn_block *next;
  size_t cap;
  /* the data starts at the next ARENA_ALIGN boundary after the header */
};

static size_t header_bytes(void) { return (sizeof(bndl_nn_block) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN; }

static unsigned char *block_data(bndl_nn_block *b) { return (unsigned char *)b + header_bytes(); }

void bndl_nn_arena_init(bndl_nn_arena *a, const bndl_allocator *alloc, size_t min_block) {
  memset(a, 0, sizeof *a);
  a->alloc = alloc;
  a->min_block = min_block ? min_block : (size_t)1 << 20;
}

static bndl_nn_block *new_block(bndl_nn_arena *a, size_t cap) {
  size_t bytes;
  if (!bndl_add_size(cap, header_bytes(), &bytes)) {
    bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "activation workspace block of %zu bytes overflows", cap);
    return NULL;
  }
  bndl_nn_block *b = bndl_alloc(a->alloc, bytes);
  if (b == NULL)
    return NULL;
  b->next = NULL;
  b->cap = cap;
  return b;
}

static void free_chain(const bndl_allocator *al, bndl_nn_block *b) {
  while (b != NULL) {
    bndl_nn_block *next = b->next;
    bndl_free(al, b);
    b = next;
  }
}

void *bndl_nn_arena_alloc(bndl_nn_arena *a, size_t bytes) {
  size_t need;
  if (!bndl_add_size(bytes ? bytes : 1, ARENA_ALIGN - 1, &need)) {
    bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "activation workspace: %zu bytes overflow", bytes);
    return NULL;
  }
  need = need / ARENA_ALIGN * ARENA_ALIGN;
  if (a->cur == NULL || a->cur->cap - a->used < need) {
    bndl_nn_block *next = a->cur ? a->cur->next : a->first;
    if (next == NULL || next->cap < need) {
      size_t cap = a->cur ? a->cur->cap * 2 : a->min_block;
      if (cap < a->min_block)
        cap = a->min_block;
      if (cap < need)
        cap = need;
      bndl_nn_block *b = new_block(a, cap);
      if (b == NULL)
        return NULL;
      /* blocks after cur are too small or absent: replace them */
      free_chain(a->alloc, next);
      if (a->cur)
        a->cur->next = b;
      else
        a->first = b;
      next = b;
    }
    a->cur = next;
    a->used = 0;
  }
  void *p = block_data(a->cur) + a->used;
  a->used += need;
  a->live += need;
  if (a->live > a->peak)
    a->peak = a->live;
  return p;
}

float *bndl_nn_arena_floats(bndl_nn_arena *a, int64_t count) {
  size_t bytes;
  if (count < 0 || !bndl_mul_size((size_t)count, sizeof(float), &bytes)) {
    bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "activation workspace: %lld floats overflow", (long long)count);
    return NULL;
  }
  return bndl_nn_arena_alloc(a, bytes);
}

float *bndl_nn_arena_zfloats(bndl_nn_arena *a, int64_t count) {
  float *p = bndl_nn_arena_floats(a, count);
  if (p != NULL && count > 0)
    memset(p, 0, (size_t)count * sizeof(float));
  return p;
}

bndl_nn_mark bndl_nn_arena_mark(const bndl_nn_arena *a) { return (bndl_nn_mark){a->cur, a->used, a->live}; }

void bndl_nn_arena_release(bndl_nn_arena *a, bndl_nn_mark m) {
  a->cur = m.block;
  a->used = m.used;
  a->live = m.live;
}

size_t bndl_nn_arena_capacity(const bndl_nn_arena *a) {
  size_t s = 0;
  for (const bndl_nn_block *b = a->first; b != NULL; b = b->next)
    s += b->cap;
  return s;
}

void bndl_nn_arena_reset(bndl_nn_arena *a) {
  a->cur = NULL;
  a->used = 0;
  a->live = 0;
  if (a->first != NULL && a->first->next != NULL) {
    /* Merge: the next pass of this shape then fits one block. If the allocation fails
     * the arena is simply empty; the next alloc reports the failure. */
    size_t total = bndl_nn_arena_capacity(a);
    free_chain(a->alloc, a->first);
    a->first = new_block(a, total);
  }
}

void bndl_nn_arena_free(bndl_nn_arena *a) {
  free_chain(a->alloc, a->first);
  a->first = a->cur = NULL;
  a->used = a->live = 0;
}
