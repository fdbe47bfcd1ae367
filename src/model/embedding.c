/*
 * embedding.c - embedding lookup (a gather) and its gradient (a scatter-add), and the
 * position indices of SASRec's learned position embedding.
 *
 * The backward scatter-add runs serially in row order: rows sharing an index (the same
 * item twice in a batch, every row's position) then sum in one fixed order. It is
 * O(n x dim), next to the O(n x dim x dim) of the layers it feeds. (A parallel version
 * would group rows by index first, counting sort, and give each task whole indices.)
 */
#include <string.h>

#include "core/error.h"
#include "model/layers.h"

bndl_status bndl_nn_name(char *buf, const char *prefix, const char *suffix) {
  size_t a = strlen(prefix), b = strlen(suffix);
  if (a + 1 + b >= BNDL_NN_NAME_MAX)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "parameter name '%s.%s' is longer than %d bytes", prefix, suffix,
                     BNDL_NN_NAME_MAX - 1);
  memcpy(buf, prefix, a);
  buf[a] = '.';
  memcpy(buf + a + 1, suffix, b + 1);
  return BNDL_OK;
}

bndl_status bndl_nn_embedding_build(bndl_nn_params *p, const char *name, int64_t rows, int64_t dim,
                                    bndl_nn_embedding *e) {
  e->rows = rows;
  e->dim = dim;
  return bndl_nn_params_add(p, name, rows, dim, BNDL_NN_INIT_NORMAL, 1.0f, &e->table);
}

typedef struct gather_job {
  const float *table;
  const int32_t *idx;
  int64_t dim;
  float scale;
  int accumulate;
  float *y;
} gather_job;

static void gather_rows(void *ud, int64_t begin, int64_t end) {
  const gather_job *j = ud;
  for (int64_t r = begin; r < end; r++) {
    float *y = j->y + r * j->dim;
    int32_t i = j->idx[r];
    if (i < 0) {
      if (!j->accumulate)
        memset(y, 0, (size_t)j->dim * sizeof(float));
      continue;
    }
    const float *t = j->table + (int64_t)i * j->dim;
    if (j->accumulate)
      for (int64_t c = 0; c < j->dim; c++)
        y[c] += j->scale * t[c];
    else
      for (int64_t c = 0; c < j->dim; c++)
        y[c] = j->scale * t[c];
  }
}

bndl_status bndl_nn_embedding_forward(const bndl_nn *nn, const bndl_nn_embedding *e, int64_t n, const int32_t *idx,
                                      float scale, int accumulate, float *y) {
  for (int64_t r = 0; r < n; r++)
    if (idx[r] >= e->rows)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "row %lld: index %d is outside the embedding table (%lld rows)",
                       (long long)r, idx[r], (long long)e->rows);
  gather_job j = {bndl_nn_value(nn->params, e->table), idx, e->dim, scale, accumulate, y};
  return bndl_nn_for_rows(nn, n, bndl_nn_grain(e->dim), gather_rows, &j);
}

void bndl_nn_embedding_backward(const bndl_nn *nn, const bndl_nn_embedding *e, int64_t n, const int32_t *idx,
                                float scale, const float *dy) {
  float *g = bndl_nn_grad(nn->params, e->table);
  for (int64_t r = 0; r < n; r++) {
    if (idx[r] < 0)
      continue;
    float *gr = g + (int64_t)idx[r] * e->dim;
    const float *d = dy + r * e->dim;
    for (int64_t c = 0; c < e->dim; c++)
      gr[c] += scale * d[c];
  }
}

void bndl_nn_positions(int64_t batch, int64_t len, const uint8_t *valid, int32_t *idx) {
  for (int64_t b = 0; b < batch; b++)
    for (int64_t t = 0; t < len; t++) {
      int64_t r = b * len + t;
      idx[r] = valid == NULL || valid[r] ? (int32_t)t : -1;
    }
}
