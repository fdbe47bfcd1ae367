/*
 * sim_measures.h - the similarity measures of the sparse builder: how each one weights
 * the matrix entries, what it keeps per row, and the score of one pair (the formulas
 * and their sources are in sim_measures.c).
 *
 * Notation. A is the rows x features matrix whose rows are compared (items x users for
 * item-item, users x items for user-user), holding only the positive entries of the
 * interaction matrix (1 for each of them under sim.binary). For rows r and c:
 *   v_rf   the entry after the measure's weighting (bndl_sim_weight_values),
 *   d      = sum_f v_rf v_cf over the features both rows hold (the accumulated dot),
 *   common = the number of those features (the support of the pair).
 * score = bndl_sim_pair_score(stats, r, c, d, common); pairs with common < min_support
 * are never scored. The builder accumulates d and common; this file does the rest.
 */
#ifndef BNDL_COMPUTE_SIM_MEASURES_H
#define BNDL_COMPUTE_SIM_MEASURES_H

#include <math.h>
#include <stdint.h>

#include "compute/similarity.h"

/* A CSR the builder owns (values may be rewritten in place; NULL = all ones). */
typedef struct bndl_sim_csr {
  int64_t rows, cols;
  int64_t *indptr;
  int32_t *idx;
  float *val;
} bndl_sim_csr;

/* Per-row factors of a measure's denominator, so that a pair costs one multiply:
 * den = row_part[r] * col_part[c] (Jaccard: row_part[r] + col_part[c] - d). */
typedef struct bndl_sim_stats {
  bndl_sim_measure measure;
  double shrink;
  double n_features; /* N of lift and PMI */
  double *row_part;
  double *col_part;
} bndl_sim_stats;

/* Replaces A's values (positive raw entries, rows x features, not NULL) by the
 * measure's v_rf (tf-idf and BM25; the others keep the raw values).
 * at_indptr is the row pointer of A's transpose: feature f is held by
 * at_indptr[f + 1] - at_indptr[f] rows (its document frequency). */
void bndl_sim_weight_values(const bndl_sim_params *p, bndl_sim_csr *a, const int64_t *at_indptr);

/* Fills stats->row_part / col_part (arrays of a->rows, owned by the caller) from A's
 * weighted values. */
void bndl_sim_row_stats(const bndl_sim_params *p, const bndl_sim_csr *a, bndl_sim_stats *stats);

/* Whether every v_rf is 1 (lift and PMI count; the other unweighted measures on binary
 * data): then d = common, and the builder keeps no values and accumulates counts only. */
static inline int bndl_sim_counts_only(const bndl_sim_params *p) {
  return p->measure == BNDL_SIM_LIFT || p->measure == BNDL_SIM_PMI ||
         (p->binary && p->measure != BNDL_SIM_TFIDF && p->measure != BNDL_SIM_BM25);
}

static inline double bndl_sim_pair_score(const bndl_sim_stats *s, int64_t r, int64_t c, double d, int32_t common) {
  double den;
  switch (s->measure) {
  case BNDL_SIM_DOT:
    return d;
  case BNDL_SIM_JACCARD:
    den = s->row_part[r] + s->col_part[c] - d + s->shrink;
    break;
  case BNDL_SIM_LIFT:
  case BNDL_SIM_PMI:
    den = s->row_part[r] * s->col_part[c] + s->shrink;
    d = (double)common * s->n_features;
    break;
  default: /* cosine, asymmetric cosine, bm25, tfidf */
    den = s->row_part[r] * s->col_part[c] + s->shrink;
    break;
  }
  if (!(den > 0))
    return 0; /* only when both rows weigh nothing (tf-idf of a feature every row holds) */
  double v = d / den;
  return s->measure == BNDL_SIM_PMI ? log(v) : v;
}

#endif
