/*
 * ffn.c - the position-wise feed-forward network: fc1 (dim -> hidden), activation,
 * dropout, fc2 (hidden -> dim). SASRec's is two kernel-size-1 convolutions with ReLU and
 * dropout between, which is the same map; hidden = dim there.
 */
#include "core/error.h"
#include "model/layers.h"

bndl_status bndl_nn_ffn_build(bndl_nn_params *p, const char *name, int64_t dim, int64_t hidden, bndl_eltwise_kind act,
                              float dropout, uint64_t site, bndl_nn_ffn *f) {
  char buf[BNDL_NN_NAME_MAX];
  BNDL_TRY(bndl_nn_name(buf, name, "fc1"));
  BNDL_TRY(bndl_nn_linear_build(p, buf, dim, hidden, 1, &f->fc1));
  BNDL_TRY(bndl_nn_name(buf, name, "fc2"));
  BNDL_TRY(bndl_nn_linear_build(p, buf, hidden, dim, 1, &f->fc2));
  f->act = act;
  f->drop.p = dropout;
  f->drop.site = site;
  return BNDL_OK;
}

bndl_status bndl_nn_ffn_forward(const bndl_nn *nn, const bndl_nn_ffn *f, int64_t rows, const float *x, float *y,
                                bndl_nn_ffn_cache *cache) {
  int64_t h = f->fc1.out;
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  float *pre = bndl_nn_arena_floats(nn->arena, rows * h);
  float *hid = bndl_nn_arena_floats(nn->arena, rows * h);
  if (pre == NULL || hid == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  BNDL_TRY(bndl_nn_linear_forward(nn, &f->fc1, rows, x, pre));
  BNDL_TRY(bndl_nn_activation_forward(nn, f->act, rows * h, pre, hid));
  BNDL_TRY(bndl_nn_dropout_forward(nn, &f->drop, rows, h, hid, hid, cache ? &cache->drop : NULL));
  BNDL_TRY(bndl_nn_linear_forward(nn, &f->fc2, rows, hid, y));
  if (cache != NULL) {
    cache->x = x;
    cache->pre = pre;
    cache->hid = hid;
  } else {
    bndl_nn_arena_release(nn->arena, m);
  }
  return BNDL_OK;
}

bndl_status bndl_nn_ffn_backward(const bndl_nn *nn, const bndl_nn_ffn *f, int64_t rows, const bndl_nn_ffn_cache *cache,
                                 const float *dy, float *dx) {
  int64_t h = f->fc1.out;
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  float *dh = bndl_nn_arena_floats(nn->arena, rows * h);
  if (dh == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  BNDL_TRY(bndl_nn_linear_backward(nn, &f->fc2, rows, cache->hid, dy, dh));
  BNDL_TRY(bndl_nn_dropout_backward(nn, &f->drop, rows, h, &cache->drop, dh, dh));
  BNDL_TRY(bndl_nn_activation_backward(nn, f->act, rows * h, cache->pre, dh, dh));
  BNDL_TRY(bndl_nn_linear_backward(nn, &f->fc1, rows, cache->x, dh, dx));
  bndl_nn_arena_release(nn->arena, m);
  return BNDL_OK;
}
