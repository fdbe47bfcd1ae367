/*
 * neighbors.h - bndl_neighbors: an owned, sparse top-k matrix (rows x at most k
 * neighbours each, score descending, ties by lower index), the common output of the
 * similarity builders, co-purchase complements and embedding search.
 *
 * Builders fill a dense rows x k staging table (idx -1 for empty slots, the layout the
 * top-k op writes) and then compact it into CSR with bndl_neighbors_from_topk.
 */
#ifndef BNDL_COMPUTE_NEIGHBORS_H
#define BNDL_COMPUTE_NEIGHBORS_H

#include <stdint.h>

#include "bundle/bundle_types.h"

struct bndl_context;

struct bndl_neighbors {
  uint32_t magic;
  struct bndl_context *ctx; /* retained: the allocator lives there */
  int64_t rows;
  int64_t *indptr; /* rows + 1 */
  int32_t *cols;
  float *scores;
};

/* Compacts a rows x k table (idx[r*k + j] == -1 marks an empty slot; filled slots come
 * first in each row) into a new bndl_neighbors. */
bndl_status bndl_neighbors_from_topk(struct bndl_context *ctx, int64_t rows, int64_t k, const int32_t *idx,
                                     const float *val, bndl_neighbors **out);
void bndl_neighbors_destroy(bndl_neighbors *nb);

#endif
