/*
 * arena.h - the activation workspace of a forward/backward pass: a bump allocator over
 * blocks taken from the context allocator.
 *
 * A pass allocates every activation it keeps for backward and every temporary from
 * one arena; nothing is freed piecemeal. Temporaries are given back by position
 * (bndl_nn_arena_mark / _release, a stack discipline), and the whole arena by
 * bndl_nn_arena_reset between passes. Reset keeps the memory: when a pass needed more
 * than one block, the blocks are replaced by a single block of their total size, so
 * from the second pass of the same shape on a pass makes no allocation at all.
 *
 * Every pointer returned is 64-byte aligned. Memory is not zeroed (bndl_nn_arena_zfloats
 * does). Failures set the thread's error (BNDL_ERR_OUT_OF_MEMORY) and return NULL; the
 * arena stays usable. An arena is used by one thread at a time.
 */
#ifndef BNDL_MODEL_ARENA_H
#define BNDL_MODEL_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"

typedef struct bndl_nn_block bndl_nn_block;

typedef struct bndl_nn_arena {
  const bndl_allocator *alloc;
  bndl_nn_block *first, *cur; /* blocks in order; allocation happens in cur */
  size_t used;                /* bytes used in cur */
  size_t live, peak;          /* bytes handed out (alignment included) now and at most */
  size_t min_block;
} bndl_nn_arena;

typedef struct bndl_nn_mark {
  bndl_nn_block *block;
  size_t used, live;
} bndl_nn_mark;

/* min_block: the smallest block to ask for (0: 1 MiB). */
void bndl_nn_arena_init(bndl_nn_arena *a, const bndl_allocator *alloc, size_t min_block);
void *bndl_nn_arena_alloc(bndl_nn_arena *a, size_t bytes);
float *bndl_nn_arena_floats(bndl_nn_arena *a, int64_t count);
float *bndl_nn_arena_zfloats(bndl_nn_arena *a, int64_t count);
bndl_nn_mark bndl_nn_arena_mark(const bndl_nn_arena *a);
/* Gives back everything allocated since `m`. */
void bndl_nn_arena_release(bndl_nn_arena *a, bndl_nn_mark m);
/* Gives back everything; coalesces the blocks into one (see above). */
void bndl_nn_arena_reset(bndl_nn_arena *a);
/* Bytes held from the allocator. */
size_t bndl_nn_arena_capacity(const bndl_nn_arena *a);
void bndl_nn_arena_free(bndl_nn_arena *a);

#endif
