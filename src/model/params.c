/*
 * params.c - the parameter store (see params.h for the layout and the init schemes).
 *
 * Tensors start on 16-float (64-byte) boundaries so every tensor is as aligned as a
 * fresh allocation. Normal draws use Box-Muller on two 53-bit uniforms (both outputs
 * used), computed in double and rounded once.
 */
#include "model/params.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"

enum { ALIGN_FLOATS = 16 };

void bndl_nn_params_init(bndl_nn_params *p, const bndl_allocator *alloc) {
  memset(p, 0, sizeof *p);
  p->alloc = alloc;
}

bndl_nn_param bndl_nn_params_find(const bndl_nn_params *p, const char *name) {
  for (int32_t i = 0; i < p->count; i++)
    if (strcmp(p->tensors[i].name, name) == 0)
      return i;
  return -1;
}

bndl_status bndl_nn_params_add(bndl_nn_params *p, const char *name, int64_t rows, int64_t cols, bndl_nn_init init,
                               float init_a, bndl_nn_param *out) {
  if (p->value != NULL)
    return bndl_fail(BNDL_ERR_STATE, "parameter '%s' added after the store was allocated", name);
  size_t len = strlen(name);
  if (len == 0 || len >= BNDL_NN_NAME_MAX)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "parameter name '%s' is empty or longer than %d bytes", name,
                     BNDL_NN_NAME_MAX - 1);
  if (rows < 1 || cols < 1)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "parameter '%s' has shape %lld x %lld", name, (long long)rows,
                     (long long)cols);
  if (bndl_nn_params_find(p, name) >= 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "parameter '%s' registered twice", name);
  size_t numel, padded, total;
  if (!bndl_mul_size((size_t)rows, (size_t)cols, &numel) || !bndl_add_size(numel, ALIGN_FLOATS - 1, &padded) ||
      !bndl_add_size(p->total, padded / ALIGN_FLOATS * ALIGN_FLOATS, &total))
    return bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "parameter '%s' (%lld x %lld) overflows the store size", name,
                     (long long)rows, (long long)cols);
  size_t cap = (size_t)p->cap;
  BNDL_TRY(bndl_grow(p->alloc, (void **)&p->tensors, &cap, (size_t)p->count + 1, sizeof *p->tensors));
  p->cap = (int32_t)cap;
  bndl_nn_tensor *t = &p->tensors[p->count];
  memset(t, 0, sizeof *t);
  memcpy(t->name, name, len + 1);
  t->rows = rows;
  t->cols = cols;
  t->offset = p->total;
  t->init = init;
  t->init_a = init_a;
  p->total = total;
  *out = p->count++;
  return BNDL_OK;
}

static uint64_t fnv1a(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
  return h;
}

void bndl_nn_params_reset(bndl_nn_params *p, bndl_nn_param id, uint64_t seed) {
  const bndl_nn_tensor *t = &p->tensors[id];
  float *v = p->value + t->offset;
  int64_t n = t->rows * t->cols;
  bndl_rng r;
  bndl_rng_seed(&r, seed, fnv1a(t->name));
  double a = t->init_a;
  switch (t->init) {
  case BNDL_NN_INIT_ZEROS:
  case BNDL_NN_INIT_ONES:
    for (int64_t i = 0; i < n; i++)
      v[i] = t->init == BNDL_NN_INIT_ONES ? 1.0f : 0.0f;
    break;
  case BNDL_NN_INIT_NORMAL:
    for (int64_t i = 0; i < n; i += 2) {
      /* Box-Muller: u1 in (0, 1] keeps the log finite */
      double u1 = 1.0 - bndl_rng_uniform(&r), u2 = bndl_rng_uniform(&r);
      double rad = sqrt(-2.0 * log(u1)), ang = 6.283185307179586476925 * u2;
      v[i] = (float)(a * rad * cos(ang));
      if (i + 1 < n)
        v[i + 1] = (float)(a * rad * sin(ang));
    }
    break;
  case BNDL_NN_INIT_UNIFORM:
  case BNDL_NN_INIT_XAVIER_UNIFORM: {
    double b = t->init == BNDL_NN_INIT_UNIFORM ? a : a * sqrt(6.0 / (double)(t->rows + t->cols));
    for (int64_t i = 0; i < n; i++)
      v[i] = (float)(b * (2.0 * bndl_rng_uniform(&r) - 1.0));
    break;
  }
  }
}

bndl_status bndl_nn_params_alloc(bndl_nn_params *p, uint64_t seed) {
  if (p->value != NULL)
    return bndl_fail(BNDL_ERR_STATE, "parameter store allocated twice");
  size_t n = p->total > 0 ? p->total : 1;
  p->value = bndl_alloc_array(p->alloc, n, sizeof(float));
  p->grad = p->value ? bndl_zalloc_array(p->alloc, n, sizeof(float)) : NULL;
  if (p->grad == NULL) {
    bndl_free(p->alloc, p->value);
    p->value = NULL;
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  /* padding between tensors stays zero, so whole-array loops see no garbage */
  memset(p->value, 0, n * sizeof(float));
  for (int32_t i = 0; i < p->count; i++)
    bndl_nn_params_reset(p, i, seed);
  return BNDL_OK;
}

void bndl_nn_params_zero_grad(bndl_nn_params *p) {
  if (p->grad != NULL)
    memset(p->grad, 0, p->total * sizeof(float));
}

void bndl_nn_params_free(bndl_nn_params *p) {
  if (p->alloc == NULL)
    return;
  bndl_free(p->alloc, p->value);
  bndl_free(p->alloc, p->grad);
  bndl_free(p->alloc, p->tensors);
  memset(p, 0, sizeof *p);
}
