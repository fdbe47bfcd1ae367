/*
 * item_model.h - closed-form item models: EASE weights and low-rank item factors.
 *
 * Both start from the item Gram matrix G = X^T X of the binary user x item matrix
 * (item_gram.h), one n x n float matrix that is the only large allocation:
 *  - EASE (Steck, WWW 2019): G + lambda I is inverted in place by the context's
 *    spd_inverse op (P), then turned in place into B = I - P diag(1/diag(P)), whose
 *    diagonal is exactly 0. The model keeps that matrix.
 *  - Factors: the context's sym_eigen op gives the `rank` leading eigenpairs of G; the
 *    item factors are V = Q diag(sqrt(lambda)) (items x rank), so G ~ V V^T. G is freed
 *    after the eigen solve. Fold-in of a history x solves the ridge problem
 *    min_u ||x - V u||^2 + reg ||u||^2 through the rank x rank normal equations
 *    (V^T V + reg I) u = V^T x, whose Cholesky factor is computed once at build time.
 *
 * Memory is stated before anything is allocated (bndl_item_model_need) and checked
 * against model.max_items / model.max_bytes; the need counts the n x n matrix, the
 * model's other arrays and the workspace of the provider that will run the dense op
 * (see item_model.c for the figures). A model is immutable once built: scoring and
 * fold-in only read it, from any thread.
 */
#ifndef BNDL_COMPUTE_ITEM_MODEL_H
#define BNDL_COMPUTE_ITEM_MODEL_H

#include <stdint.h>

#include "bundle/bundle_types.h"

struct bndl_context;

typedef enum bndl_item_model_type {
  BNDL_ITEM_MODEL_EASE = 1,
  BNDL_ITEM_MODEL_FACTORS = 2
} bndl_item_model_type;

struct bndl_item_model {
  uint32_t magic;
  struct bndl_context *ctx; /* retained: the allocator lives there */
  bndl_item_model_type kind;
  int64_t rows, cols; /* items x items (EASE) or items x rank (factors) */
  float *weights;     /* rows x cols, row-major */
  /* factors only */
  float *eigenvalues; /* rank, descending: the eigenvalues of G behind each column */
  double *normal_chol; /* rank x rank, lower: Cholesky factor of V^T V + reg I; NULL if
                          that matrix is singular (reg 0 and G of lower rank) */
  double reg;
};

/* What a build needs, in bytes. */
typedef struct bndl_item_model_need {
  int64_t n_items, rank; /* rank: 0 for EASE */
  int64_t matrix;        /* the n x n float Gram matrix (EASE: also P and B) */
  int64_t model_extra;   /* besides it: diag (EASE); eigenpairs, factors, Cholesky (factors) */
  int64_t workspace;     /* what the op's provider allocates on top */
  const char *provider;  /* provider that runs the dense op */
  int64_t total;         /* the sum (saturated at INT64_MAX) */
} bndl_item_model_need;

/* kind_name: "ease" or "factors" (BNDL_ERR_NOT_FOUND otherwise). */
bndl_status bndl_item_model_type_parse(const char *kind_name, bndl_item_model_type *kind);
/* The need of a build of `kind` for ds under cfg (cfg may be NULL), on ds's context. */
void bndl_item_model_need_of(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model_type kind,
                             bndl_item_model_need *need);
/* BNDL_ERR_LIMIT above model.max_items or model.max_bytes, the message stating the need. */
bndl_status bndl_item_model_check_limits(const bndl_config *cfg, bndl_item_model_type kind,
                                         const bndl_item_model_need *need);

/* Builds (ds finalized; limits already checked by the caller or not, as it wishes). */
bndl_status bndl_item_model_build_ease(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model **out);
bndl_status bndl_item_model_build_factors(const bndl_dataset *ds, const bndl_config *cfg,
                                          bndl_item_model **out);
void bndl_item_model_destroy(bndl_item_model *m);

/* A model shell with its weights array (rows x cols floats), magic not yet set. */
bndl_status bndl_item_model_alloc(struct bndl_context *ctx, bndl_item_model_type kind, int64_t rows, int64_t cols,
                                  bndl_item_model **out);

/* Scores of every item (m->rows of them) for a history: items in 0..rows-1, weights
 * NULL = 1. EASE: x^T B; factors: V u with u the fold-in of the history. */
bndl_status bndl_item_model_scores(const bndl_item_model *m, const int32_t *items, const float *weights, int64_t n,
                                   float *scores);
/* Factors model: u (m->cols values) = argmin ||x - V u||^2 + reg ||u||^2. */
bndl_status bndl_item_model_user_factors(const bndl_item_model *m, const int32_t *items, const float *weights,
                                         int64_t n, float *u);

#endif
