/*
 * api_neighbors.c - public read access to bndl_neighbors.
 */
#include "api/api_check.h"
#include "bundle/bundle.h"
#include "compute/neighbors.h"

#define CHECK_NB(n) BNDL_CHECK_HANDLE(n, BNDL_MAGIC_NEIGHBORS, "bndl_neighbors")

int64_t bndl_neighbors_rows(const bndl_neighbors *nb) {
  return bndl_handle_is(nb, BNDL_MAGIC_NEIGHBORS) ? nb->rows : 0;
}

int64_t bndl_neighbors_nnz(const bndl_neighbors *nb) {
  return bndl_handle_is(nb, BNDL_MAGIC_NEIGHBORS) ? nb->indptr[nb->rows] : 0;
}

bndl_status bndl_neighbors_row(const bndl_neighbors *nb, int64_t row, const int32_t **cols, const float **scores,
                               int32_t *count) {
  CHECK_NB(nb);
  BNDL_CHECK_PTR(cols);
  BNDL_CHECK_PTR(scores);
  BNDL_CHECK_PTR(count);
  if (row < 0 || row >= nb->rows)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_NOT_FOUND, "row %lld is outside 0..%lld", (long long)row,
                                       (long long)nb->rows - 1),
                             __func__);
  *cols = nb->cols + nb->indptr[row];
  *scores = nb->scores + nb->indptr[row];
  *count = (int32_t)(nb->indptr[row + 1] - nb->indptr[row]);
  return BNDL_OK;
}

bndl_status bndl_neighbors_csr(const bndl_neighbors *nb, const int64_t **indptr, const int32_t **cols,
                               const float **scores) {
  CHECK_NB(nb);
  BNDL_CHECK_PTR(indptr);
  BNDL_CHECK_PTR(cols);
  BNDL_CHECK_PTR(scores);
  *indptr = nb->indptr;
  *cols = nb->cols;
  *scores = nb->scores;
  return BNDL_OK;
}

void bndl_neighbors_free(bndl_neighbors *nb) {
  if (bndl_handle_is(nb, BNDL_MAGIC_NEIGHBORS))
    bndl_neighbors_destroy(nb);
}
