/*
 * evaluate.c - full-ranking and sampled NDCG / HIT (see evaluate.h).
 *
 * Users go through the encoder in batches (inference, max_len positions); the full
 * protocol scores a batch against the whole item table with one GEMM into a batch x
 * items block (the batch is cut so that block stays near 16M floats), the sampled one
 * gathers each user's 1 + n_neg candidates. Ranking and sums are serial in user order.
 */
#include "model/evaluate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"

#define USERS_KEY 0x7573657273ull /* "users" */
#define EVAL_NEG_KEY 0x6576616cull /* "eval" */

enum { EVAL_BATCH = 256 };

static int64_t input_len(const bndl_nn_eval_set *s, int64_t u) {
  return s->input_len ? s->input_len[u] : s->seq->offsets[u + 1] - s->seq->offsets[u];
}

static int64_t exclude_len(const bndl_nn_eval_set *s, int64_t u) {
  return s->exclude_len ? s->exclude_len[u] : input_len(s, u);
}

static double dot(const float *a, const float *b, int64_t n) {
  float s = 0;
  for (int64_t i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

static bndl_status check(const bndl_nn_encoder *enc, const bndl_nn_params *params, const float *item_features,
                         const bndl_nn_eval_set *set, const bndl_nn_eval_options *opt) {
  const bndl_nn_sequences *s = set->seq;
  int64_t n = enc->cfg.n_items;
  if (params->value == NULL)
    return bndl_fail(BNDL_ERR_STATE, "evaluate: the parameter store is not allocated");
  if (opt->k < 1 || (opt->protocol != BNDL_NN_EVAL_FULL && opt->protocol != BNDL_NN_EVAL_SAMPLED) ||
      (opt->protocol == BNDL_NN_EVAL_SAMPLED && opt->n_neg < 1) || opt->max_users < 0)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "evaluate: protocol %d, k %lld, negatives %lld, max users %lld",
                     (int)opt->protocol, (long long)opt->k, (long long)opt->n_neg, (long long)opt->max_users);
  if (enc->cfg.n_event_types > 0 && s->types == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "evaluate: the encoder reads event types and the sequences have none");
  if (enc->cfg.n_item_features > 0 && item_features == NULL)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "evaluate: the encoder reads item features and none were given");
  for (int64_t u = 0; u < s->count; u++) {
    int64_t l = s->offsets[u + 1] - s->offsets[u];
    if (l < 0 || input_len(set, u) < 0 || input_len(set, u) > l || exclude_len(set, u) < 0 || exclude_len(set, u) > l)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "evaluate: sequence %lld: prefix lengths outside its %lld items",
                       (long long)u, (long long)l);
    if (set->targets[u] >= n)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "evaluate: sequence %lld: target %d outside the %lld items",
                       (long long)u, set->targets[u], (long long)n);
    for (int64_t i = s->offsets[u]; i < s->offsets[u + 1]; i++)
      if (s->items[i] < 0 || s->items[i] >= n)
        return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "evaluate: sequence %lld: item %d outside the %lld items",
                         (long long)u, s->items[i], (long long)n);
  }
  return BNDL_OK;
}

/* The evaluated users in index order; *m of them. */
static int64_t *pick_users(const bndl_allocator *a, const bndl_nn_eval_set *set, const bndl_nn_eval_options *opt,
                           int64_t *m) {
  const bndl_nn_sequences *s = set->seq;
  int64_t n = 0;
  for (int64_t u = 0; u < s->count; u++)
    n += set->targets[u] >= 0 && input_len(set, u) >= 1;
  int64_t *users = bndl_alloc_array(a, (size_t)(n > 0 ? n : 1), sizeof(int64_t));
  if (users == NULL)
    return NULL;
  n = 0;
  for (int64_t u = 0; u < s->count; u++)
    if (set->targets[u] >= 0 && input_len(set, u) >= 1)
      users[n++] = u;
  if (opt->max_users > 0 && n > opt->max_users) {
    bndl_rng r;
    bndl_rng_seed(&r, opt->seed ^ USERS_KEY, 0);
    for (int64_t i = 0; i < opt->max_users; i++) { /* partial Fisher-Yates */
      int64_t j = i + (int64_t)bndl_rng_below(&r, (uint64_t)(n - i)), t = users[i];
      users[i] = users[j];
      users[j] = t;
    }
    n = opt->max_users; /* the caller sorts them back into index order */
  }
  *m = n;
  return users;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

bndl_status bndl_nn_evaluate(struct bndl_context *ctx, const bndl_nn_encoder *enc, bndl_nn_params *params,
                             const float *item_features, const bndl_nn_eval_set *set,
                             const bndl_nn_eval_options *opt, bndl_nn_eval_result *out) {
  memset(out, 0, sizeof *out);
  BNDL_TRY(check(enc, params, item_features, set, opt));
  const bndl_allocator *a = params->alloc;
  const bndl_nn_sequences *s = set->seq;
  int64_t n = enc->cfg.n_items, d = enc->cfg.dim, T = enc->cfg.max_len, m = 0;
  int64_t *users = pick_users(a, set, opt, &m);
  if (users == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  qsort(users, (size_t)m, sizeof *users, cmp_i64);
  int full = opt->protocol == BNDL_NN_EVAL_FULL;
  int64_t nb = full ? (int64_t)(16 << 20) / n : EVAL_BATCH;
  nb = nb < 1 ? 1 : nb > EVAL_BATCH ? EVAL_BATCH : nb;
  bndl_nn_arena arena;
  bndl_nn_arena_init(&arena, a, 0);
  bndl_nn nn = {.ctx = ctx, .params = params, .arena = &arena, .training = 0, .seed = 0, .step = 0};
  int32_t *items = bndl_alloc_array(a, (size_t)(nb * T), sizeof(int32_t));
  int32_t *types = bndl_alloc_array(a, (size_t)(nb * T), sizeof(int32_t));
  int64_t *stamp = bndl_alloc_array(a, (size_t)n, sizeof(int64_t));
  float *states = bndl_alloc_array(a, (size_t)(nb * d), sizeof(float));
  float *scores = full ? bndl_alloc_array(a, (size_t)(nb * n), sizeof(float)) : NULL;
  bndl_status st = BNDL_OK;
  if (!items || !types || !stamp || !states || (full && !scores)) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t i = 0; i < n; i++)
    stamp[i] = -1;
  const float *table = bndl_nn_value(params, bndl_nn_encoder_items(enc)->table);
  double sum_ndcg = 0, sum_hit = 0;
  for (int64_t b0 = 0; b0 < m; b0 += nb) {
    int64_t bn = m - b0 < nb ? m - b0 : nb;
    for (int64_t i = 0; i < bn; i++) {
      int64_t u = users[b0 + i], l = input_len(set, u), take = l < T ? l : T, pad = T - take;
      const int32_t *src = s->items + s->offsets[u] + (l - take);
      for (int64_t p = 0; p < T; p++) {
        items[i * T + p] = p < pad ? -1 : src[p - pad];
        types[i * T + p] = p < pad || s->types == NULL ? 0 : s->types[s->offsets[u] + (l - take) + (p - pad)];
      }
    }
    bndl_nn_arena_reset(&arena);
    float *h = bndl_nn_arena_floats(&arena, bn * T * d);
    if (h == NULL) {
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto done;
    }
    bndl_nn_batch batch = {.batch = bn, .len = T, .items = items, .types = s->types ? types : NULL,
                           .item_features = item_features};
    BNDL_TRY_GOTO(st, bndl_nn_encoder_forward(&nn, enc, &batch, h, NULL), done);
    for (int64_t i = 0; i < bn; i++)
      memcpy(states + i * d, h + (i * T + T - 1) * d, (size_t)d * sizeof(float));
    if (full)
      BNDL_TRY_GOTO(st, bndl_nn_gemm(&nn, 0, 1, bn, n, d, 1.0f, states, d, table, d, 0.0f, scores, n), done);
    for (int64_t i = 0; i < bn; i++) {
      int64_t u = users[b0 + i], ex = exclude_len(set, u);
      int32_t target = set->targets[u];
      for (int64_t p = 0; p < ex; p++)
        stamp[s->items[s->offsets[u] + p]] = u;
      int64_t rank = 0;
      if (full) {
        const float *sc = scores + i * n;
        float ts = sc[target];
        for (int64_t j = 0; j < n; j++)
          rank += sc[j] > ts && stamp[j] != u && j != target;
      } else {
        bndl_rng r;
        bndl_rng_seed(&r, opt->seed ^ EVAL_NEG_KEY, (uint64_t)u);
        double ts = dot(states + i * d, table + (int64_t)target * d, d);
        int64_t free_items = n;
        for (int64_t p = 0; p < ex; p++) /* distinct excluded items */
          if (stamp[s->items[s->offsets[u] + p]] == u) {
            free_items--;
            stamp[s->items[s->offsets[u] + p]] = -2 - u;
          }
        for (int64_t p = 0; p < ex; p++)
          stamp[s->items[s->offsets[u] + p]] = u;
        if (free_items < 1) {
          st = bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "evaluate: sequence %lld excludes every item; no negative to draw",
                         (long long)u);
          goto done;
        }
        for (int64_t k = 0; k < opt->n_neg; k++) {
          int64_t j;
          do
            j = (int64_t)bndl_rng_below(&r, (uint64_t)n);
          while (stamp[j] == u);
          rank += dot(states + i * d, table + j * d, d) > ts;
        }
      }
      if (rank < opt->k) {
        sum_ndcg += 1.0 / log2((double)rank + 2.0);
        sum_hit += 1.0;
      }
    }
  }
  out->users = m;
  out->ndcg = m > 0 ? sum_ndcg / (double)m : 0.0;
  out->hit = m > 0 ? sum_hit / (double)m : 0.0;
done:
  bndl_nn_arena_free(&arena);
  bndl_free(a, items);
  bndl_free(a, types);
  bndl_free(a, stamp);
  bndl_free(a, states);
  bndl_free(a, scores);
  bndl_free(a, users);
  return st;
}
