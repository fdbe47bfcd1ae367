/*
 * text_vectors.h - one vector per item from its text: the SIF embedding (Arora, Liang &
 * Ma 2017) of the item's catalogue title and all its reviews over trained word vectors.
 *
 *   v_i = (1 / |S_i|) sum_{w in S_i} a / (a + p(w)) vec(w)
 *
 * S_i is the multiset of the item's tokens that have a vector (title first, then reviews
 * in row order), p(w) = count(w) / total over the word vectors' training corpus, a =
 * text.sif_a. With text.sif_remove_pc the projection on the first principal component of
 * the items' vectors (uncentred, as the paper's: the top right singular vector of the
 * items x dim matrix, by power iteration in double) is removed from each; then every
 * vector is scaled to unit length. An item with no token that has a vector gets a zero
 * vector and has_text 0, and takes no part in the principal component.
 *
 * Items are cut into fixed blocks on the pool and each item's sum runs in its own fixed
 * order; the power iteration is serial: results do not depend on the thread count. Meant
 * for the dataset finalize step too (text features): it reads only the finalized
 * catalogue and review rows.
 */
#ifndef BNDL_TEXT_TEXT_VECTORS_H
#define BNDL_TEXT_TEXT_VECTORS_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "text/word_vectors.h"

typedef struct bndl_sif_options {
  double a;          /* > 0 */
  int32_t remove_pc; /* 0/1 */
} bndl_sif_options;

/* From text.sif_a and text.sif_remove_pc (cfg NULL = defaults). */
void bndl_sif_options_from_config(const bndl_config *cfg, bndl_sif_options *o);

/* Item vectors of a finalized dataset: vectors (n_items x dim, row-major) and has_text
 * (n_items; may be NULL). *with_text (may be NULL) receives the number of items with
 * text. FORMAT for invalid UTF-8 in a title or review, naming it. */
bndl_status bndl_item_text_vectors_compute(const bndl_dataset *ds, const bndl_word_vectors *wv,
                                           const bndl_sif_options *o, float *vectors, uint8_t *has_text,
                                           int64_t *with_text);

/* The vector of one text (a query, a new item's title and reviews joined): its SIF mean
 * as above, unit length, without the principal-component removal (a property of a
 * collection). *known (may be NULL): its tokens with a vector; 0 leaves out zero. Per-call
 * scratch: any number of threads may call it on one wv. Item vectors computed with
 * remove_pc 0 equal this function on the item's text, bit for bit. */
bndl_status bndl_text_vector_compute(const bndl_word_vectors *wv, double a, const char *text, size_t len, float *out,
                                     int64_t *known);

#endif
