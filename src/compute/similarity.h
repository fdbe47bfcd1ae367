/*
 * similarity.h - exact top-k similarity, the internal form behind bndl_similarity_* and
 * the recommender's neighbourhood models.
 *
 * Sparse path (sim_sparse.c, measures in sim_measures.c): the rows of a weighted matrix
 * against each other. The input is always a users x items CSR (the dataset's
 * interaction matrix, or any matrix of that shape, such as a recommender's training
 * matrix); `side` says whether the rows to compare are its items (item-item) or its
 * users (user-user). Each row's co-occurrence row of A A^T is accumulated in a
 * per-worker dense accumulator with a touched-list, turned into scores, and reduced to
 * its k best with a bounded heap; nothing n x n is ever allocated. The working memory is
 * computed before anything is allocated and checked against max_bytes.
 *
 * Dense path (sim_embeddings.c): queries x items^T through the context's GEMM in query
 * blocks, cosine or dot, top-k through the top-k op.
 *
 * Ordering everywhere: score descending (as float, the stored value), equal scores by
 * lower index, NaN last: the order of bndl_topk_desc. Results do not depend on the
 * number of threads; the sparse path does not depend on the backend either (it uses no
 * provider op).
 */
#ifndef BNDL_COMPUTE_SIMILARITY_H
#define BNDL_COMPUTE_SIMILARITY_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "compute/neighbors.h"

struct bndl_context;
struct bndl_dataset;

typedef enum bndl_sim_measure {
  BNDL_SIM_COSINE = 0,
  BNDL_SIM_ASYMMETRIC_COSINE,
  BNDL_SIM_JACCARD,
  BNDL_SIM_BM25,
  BNDL_SIM_TFIDF,
  BNDL_SIM_LIFT,
  BNDL_SIM_PMI,
  BNDL_SIM_DOT,
  BNDL_SIM_MEASURE_COUNT
} bndl_sim_measure;

/* Which rows of the users x items matrix are compared. */
typedef enum bndl_sim_side { BNDL_SIM_ITEMS = 0, BNDL_SIM_USERS = 1 } bndl_sim_side;

/* Every knob of a sparse build (the 500s config keys, see bundle_types.h). */
typedef struct bndl_sim_params {
  bndl_sim_measure measure;
  int64_t k;           /* >= 1; clamped to the number of rows */
  double shrink;       /* >= 0 */
  int64_t min_support; /* >= 1 */
  double alpha;        /* asymmetric cosine, in [0, 1] */
  double bm25_k1, bm25_b;
  int binary;
  int exclude_self;
  int64_t max_bytes;   /* working-memory bound, output included */
} bndl_sim_params;

/* A borrowed users x items CSR; indices ascending within a row; values may be any sign
 * (entries <= 0 are ignored by the builder). */
typedef struct bndl_sim_matrix {
  int64_t n_users, n_items;
  const int64_t *indptr; /* n_users + 1 */
  const int32_t *items;
  const float *weights;
} bndl_sim_matrix;

/* Name of a measure ("cosine") and back (-1 if unknown). */
const char *bndl_sim_measure_name(bndl_sim_measure m);
int bndl_sim_measure_parse(const char *name);

/* Reads the 500s keys of cfg (NULL = defaults). */
void bndl_sim_params_from_config(const bndl_config *cfg, bndl_sim_params *p);

/* Top-k neighbours of every row on `side` of x. */
bndl_status bndl_sim_sparse_topk(struct bndl_context *ctx, const bndl_sim_matrix *x, bndl_sim_side side,
                                 const bndl_sim_params *p, bndl_neighbors **out);

/* The same on a finalized dataset's interaction matrix. */
bndl_status bndl_sim_dataset_topk(const struct bndl_dataset *ds, bndl_sim_side side, const bndl_sim_params *p,
                                  bndl_neighbors **out);

/* Bytes a sparse build of x needs with `workers` accumulators (what is checked against
 * max_bytes); for tests and for callers that size their own limits. */
int64_t bndl_sim_sparse_bytes(const bndl_sim_matrix *x, bndl_sim_side side, const bndl_sim_params *p,
                              int32_t workers);

/* A borrowed dense float32 row-major table: row r starts at data + r * ld (ld >= dim). */
typedef struct bndl_sim_dense {
  int64_t rows, dim, ld;
  const float *data;
} bndl_sim_dense;

/* Top-k items for every query by cosine (zero vectors score 0) or dot, k clamped to the
 * number of items. The score block of one GEMM is bounded by max_bytes. */
bndl_status bndl_sim_embeddings_topk(struct bndl_context *ctx, const bndl_sim_dense *queries,
                                     const bndl_sim_dense *items, bndl_metric metric, int64_t k, int64_t max_bytes,
                                     bndl_neighbors **out);

/* The rows of one table against each other (sim_dense_self.c): top-k among the rows
 * with present[r] != 0, the row itself excluded; absent rows get no neighbours and are
 * nobody's. k is clamped to (present rows - 1). */
bndl_status bndl_sim_dense_self_topk(struct bndl_context *ctx, const bndl_sim_dense *table, const uint8_t *present,
                                     bndl_metric metric, int64_t k, int64_t max_bytes, bndl_neighbors **out);

#endif
