/*
 * item_gram.h - the item Gram matrix G = X^T X of a dataset's binary user x item
 * matrix (X[u][i] = 1 when the user's interaction weight with i is > 0, as in EASE).
 *
 * G[i][j] is the number of users with both i and j, G[i][i] the number of users of i.
 * The n x n float matrix is the caller's (it is the model's memory by nature); building
 * it takes no other memory. Counts are exact integers, converted to float once, so the
 * result is the same for every thread count and every backend.
 */
#ifndef BNDL_COMPUTE_ITEM_GRAM_H
#define BNDL_COMPUTE_ITEM_GRAM_H

#include <stdint.h>

#include "bundle/bundle_types.h"

/* Writes the full (both triangles) n_items x n_items Gram matrix of finalized ds into g
 * (row-major, leading dimension n_items). */
bndl_status bndl_item_gram(const bndl_dataset *ds, float *g);

#endif
