/*
 * model_infer.c - inference on an immutable model: user states of histories (the
 * encoder's last row) and top-k items by dot product with the item table.
 *
 * Scratch. Every call takes an arena from the model's free list (model.h) and gives it
 * back reset, so concurrent calls never share memory and a repeated call of the same
 * shape allocates nothing: at batch 1 the cost is the encoder forward, one GEMV over the
 * item table (bndl_op_gemm with n = 1) and one top-k (bndl_op_topk with an exclusion
 * mask), all on the context's provider.
 *
 * Batches. Histories are encoded in blocks of a fixed number of sequences chosen from
 * the architecture alone (about 64 MiB of activations; the attention scores grow with
 * max_len squared), so memory is bounded for any n_seq and the blocking never depends on
 * the thread count.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "model/model.h"
#include "runtime/runtime.h"

enum { BLOCK_BYTES = 64 << 20, BLOCK_MAX_SEQS = 256 };

static bndl_status take_scratch(const bndl_model *cm, bndl_model_scratch **out) {
  /* The free list is the model's only mutable part; it is guarded by its mutex. */
  bndl_model *m = (bndl_model *)cm;
  pthread_mutex_lock(&m->scratch_lock);
  bndl_model_scratch *s = m->scratch_free;
  if (s != NULL)
    m->scratch_free = s->next;
  pthread_mutex_unlock(&m->scratch_lock);
  if (s == NULL) {
    s = bndl_alloc(m->alloc, sizeof *s);
    if (s == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    bndl_nn_arena_init(&s->arena, m->alloc, 0);
  }
  s->next = NULL;
  *out = s;
  return BNDL_OK;
}

static void give_back_scratch(const bndl_model *cm, bndl_model_scratch *s) {
  bndl_model *m = (bndl_model *)cm;
  bndl_nn_arena_reset(&s->arena);
  pthread_mutex_lock(&m->scratch_lock);
  s->next = m->scratch_free;
  m->scratch_free = s;
  pthread_mutex_unlock(&m->scratch_lock);
}

int64_t bndl_model_batch_len(const bndl_model *m, int64_t longest) {
  if (m->arch.kind == BNDL_NN_ENCODER_SASREC)
    return m->arch.max_len;
  return longest < m->arch.max_len ? longest : m->arch.max_len;
}

/* Sequences per block: activations of about BLOCK_BYTES at T = max_len. */
static int64_t block_seqs(const bndl_model *m) {
  const bndl_nn_encoder_config *a = &m->arch;
  int64_t hidden = a->hidden > 0 ? a->hidden : a->dim;
  int64_t per_row = 16 * a->dim + 8 * hidden + a->n_item_features; /* floats kept per row, generously */
  if (a->kind == BNDL_NN_ENCODER_SASREC)
    per_row += 2 * a->heads * a->max_len; /* attention scores and probabilities */
  int64_t per_seq = 4 * per_row * a->max_len;
  int64_t n = BLOCK_BYTES / (per_seq > 0 ? per_seq : 1);
  return n < 1 ? 1 : n > BLOCK_MAX_SEQS ? BLOCK_MAX_SEQS : n;
}

/* One block of n_seq non-empty histories -> n_seq x dim user states. */
static bndl_status encode_block(const bndl_model *m, bndl_nn_arena *arena, int64_t n_seq, const int64_t *offsets,
                                const int32_t *items, const int32_t *types, float *out) {
  int64_t max_len = m->arch.max_len, dim = m->arch.dim, longest = 0;
  for (int64_t s = 0; s < n_seq; s++) {
    int64_t n = offsets[s + 1] - offsets[s];
    if (n > longest)
      longest = n;
  }
  int64_t T = bndl_model_batch_len(m, longest), rows = n_seq * T;
  int has_types = m->arch.n_event_types > 0;
  int32_t *bi = bndl_nn_arena_alloc(arena, (size_t)rows * sizeof(int32_t));
  int32_t *bt = has_types ? bndl_nn_arena_alloc(arena, (size_t)rows * sizeof(int32_t)) : NULL;
  float *y = bndl_nn_arena_floats(arena, rows * dim);
  if (bi == NULL || y == NULL || (has_types && bt == NULL))
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t s = 0; s < n_seq; s++) {
    int64_t n = offsets[s + 1] - offsets[s];
    if (n > max_len)
      n = max_len;
    int64_t first = offsets[s + 1] - n, pad = T - n;
    int32_t *ri = bi + s * T;
    for (int64_t t = 0; t < pad; t++)
      ri[t] = -1;
    memcpy(ri + pad, items + first, (size_t)n * sizeof(int32_t));
    if (has_types) {
      int32_t *rt = bt + s * T;
      for (int64_t t = 0; t < pad; t++)
        rt[t] = -1;
      for (int64_t t = 0; t < n; t++)
        rt[pad + t] = bndl_model_type_row(types ? types[first + t] : BNDL_EVENT_PURCHASE);
    }
  }
  bndl_nn nn = {.ctx = m->ctx, .params = (bndl_nn_params *)&m->params, .arena = arena, .training = 0};
  bndl_nn_batch b = {.batch = n_seq, .len = T, .items = bi, .types = bt, .item_features = m->item_features};
  BNDL_TRY(bndl_nn_encoder_forward(&nn, &m->enc, &b, y, NULL));
  for (int64_t s = 0; s < n_seq; s++)
    memcpy(out + s * dim, y + (s * T + T - 1) * dim, (size_t)dim * sizeof(float));
  return BNDL_OK;
}

bndl_status bndl_model_encode_rows(const bndl_model *m, int64_t n_seq, const int64_t *offsets, const int32_t *items,
                                   const int32_t *types, float *out) {
  bndl_model_scratch *s;
  BNDL_TRY(take_scratch(m, &s));
  bndl_status st = BNDL_OK;
  int64_t block = block_seqs(m);
  for (int64_t b0 = 0; b0 < n_seq && st == BNDL_OK; b0 += block) {
    int64_t nb = n_seq - b0 < block ? n_seq - b0 : block;
    st = encode_block(m, &s->arena, nb, offsets + b0, items, types, out + b0 * m->arch.dim);
    bndl_nn_arena_reset(&s->arena);
  }
  give_back_scratch(m, s);
  return st;
}

bndl_status bndl_model_top_items(const bndl_model *m, const int32_t *items, const int32_t *types, int64_t n,
                                 const int32_t *exclude, int64_t n_exclude, int exclude_history, int64_t k,
                                 int32_t *out_items, float *out_scores, int64_t *n_out) {
  int64_t n_items = m->arch.n_items, dim = m->arch.dim, kk = k < n_items ? k : n_items;
  bndl_model_scratch *s;
  BNDL_TRY(take_scratch(m, &s));
  bndl_nn_arena *arena = &s->arena;
  bndl_status st = BNDL_ERR_OUT_OF_MEMORY;
  const int64_t offsets[2] = {0, n};
  float *u = bndl_nn_arena_floats(arena, dim);
  float *scores = bndl_nn_arena_floats(arena, n_items);
  uint8_t *mask = bndl_nn_arena_alloc(arena, (size_t)n_items);
  int32_t *idx = bndl_nn_arena_alloc(arena, (size_t)kk * sizeof(int32_t));
  float *val = bndl_nn_arena_floats(arena, kk);
  if (u == NULL || scores == NULL || mask == NULL || idx == NULL || val == NULL)
    goto done;
  BNDL_TRY_GOTO(st, encode_block(m, arena, 1, offsets, items, types, u), done);
  const bndl_nn_embedding *E = bndl_model_item_table(m);
  /* a one-column product: every provider runs it as a GEMV */
  bndl_gemm_desc g = {.m = n_items, .n = 1, .k = dim, .batch = 1, .alpha = 1.0f, .beta = 0.0f,
                      .a = bndl_nn_value(&m->params, E->table), .lda = dim, .b = u, .ldb = 1,
                      .c = scores, .ldc = 1};
  BNDL_TRY_GOTO(st, bndl_op_gemm(m->ctx, &g), done);
  memset(mask, 0, (size_t)n_items);
  if (exclude_history)
    for (int64_t i = 0; i < n; i++)
      mask[items[i]] = 1;
  for (int64_t i = 0; i < n_exclude; i++)
    mask[exclude[i]] = 1;
  bndl_topk_desc t = {.rows = 1, .cols = n_items, .k = kk, .x = scores, .ldx = n_items, .exclude = mask,
                      .idx = idx, .val = val, .ldk = kk};
  BNDL_TRY_GOTO(st, bndl_op_topk(m->ctx, &t), done);
  int64_t got = 0;
  while (got < kk && idx[got] >= 0) {
    out_items[got] = idx[got];
    if (out_scores != NULL)
      out_scores[got] = val[got];
    got++;
  }
  *n_out = got;
  st = BNDL_OK;
done:
  give_back_scratch(m, s);
  return st;
}
