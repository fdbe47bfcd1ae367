/*
 * split.c - assigning every row a part, then building one finalized dataset per part.
 *
 * Rows are assigned, never copied twice: events by the chosen method; user-bundle rows
 * by the same method on their own order (or by their tag for "fixed"); a review goes to
 * the most held-out part of any event of the same (user, item) pair, or by its time for
 * "time", so a held-out purchase is never described by a training review. The parts
 * share the parent's id maps, catalogue and bundle membership, and each computes its
 * features from its own rows only (review sentiment scores travel with their reviews).
 */
#include "data/split.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/finalize.h"

enum { P_TRAIN = BNDL_PART_TRAIN, P_VALID = BNDL_PART_VALID, P_TEST = BNDL_PART_TEST };

typedef struct split_params {
  enum { M_LAST, M_TIME, M_RANDOM, M_FIXED } method;
  int64_t holdout, cutoff, valid_cutoff;
  int with_valid;
  double test_ratio, valid_ratio;
  uint64_t seed;
} split_params;

static bndl_status read_params(const bndl_dataset *ds, const bndl_config *cfg, int want_valid, split_params *p) {
  const char *m = bndl_cfg_string(cfg, BNDL_KEY_SPLIT_METHOD);
  p->method = !strcmp(m, "time") ? M_TIME : !strcmp(m, "random") ? M_RANDOM : !strcmp(m, "fixed") ? M_FIXED : M_LAST;
  p->holdout = bndl_cfg_int(cfg, BNDL_KEY_SPLIT_HOLDOUT);
  p->with_valid = (int)bndl_cfg_int(cfg, BNDL_KEY_SPLIT_WITH_VALID);
  p->cutoff = bndl_cfg_int(cfg, BNDL_KEY_SPLIT_TIME_CUTOFF);
  p->valid_cutoff = bndl_cfg_int(cfg, BNDL_KEY_SPLIT_VALID_TIME_CUTOFF);
  p->test_ratio = bndl_cfg_float(cfg, BNDL_KEY_SPLIT_TEST_RATIO);
  p->valid_ratio = bndl_cfg_float(cfg, BNDL_KEY_SPLIT_VALID_RATIO);
  int64_t seed = bndl_cfg_int(cfg, BNDL_KEY_SPLIT_SEED);
  p->seed = seed >= 0 ? (uint64_t)seed : atomic_load(&ds->ctx->seed);
  if (p->method == M_TIME && !ds->has_real_time)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "split.method \"time\" needs timestamps; these events are ordinal");
  if (p->method == M_TIME && p->valid_cutoff != 0 && p->valid_cutoff >= p->cutoff)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "split.valid_time_cutoff=%lld must be before split.time_cutoff=%lld",
                     (long long)p->valid_cutoff, (long long)p->cutoff);
  if (p->method == M_RANDOM && p->test_ratio + p->valid_ratio > 1)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "split.test_ratio + split.valid_ratio = %g exceeds 1",
                     p->test_ratio + p->valid_ratio);
  int makes_valid = (p->method == M_LAST && p->with_valid) || (p->method == M_TIME && p->valid_cutoff != 0) ||
                    (p->method == M_RANDOM && p->valid_ratio > 0) || p->method == M_FIXED;
  if (makes_valid && !want_valid && p->method != M_FIXED)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "the configuration holds out a validation part but valid is NULL");
  return BNDL_OK;
}

/* Assigns parts to rows grouped by owner (user), rows in owner-then-time order given by
 * off[] (n_owners + 1), or by the rows' own tags / times. */
static void assign(const split_params *p, size_t n, const int64_t *off, int32_t n_owners, const int64_t *ts,
                   const uint8_t *tag, int real_time, bndl_rng *rng, uint8_t *part) {
  for (size_t i = 0; i < n; i++) {
    switch (p->method) {
    case M_FIXED:
      part[i] = tag[i] == BNDL_PART_NONE ? P_TRAIN : tag[i];
      break;
    case M_TIME:
      part[i] = !real_time || ts[i] == INT64_MIN ? P_TRAIN
                : ts[i] >= p->cutoff            ? P_TEST
                : p->valid_cutoff != 0 && ts[i] >= p->valid_cutoff ? P_VALID
                                                                    : P_TRAIN;
      break;
    case M_RANDOM: {
      double u = bndl_rng_uniform(rng);
      part[i] = u < p->test_ratio ? P_TEST : u < p->test_ratio + p->valid_ratio ? P_VALID : P_TRAIN;
      break;
    }
    default:
      part[i] = P_TRAIN;
    }
  }
  if (p->method != M_LAST)
    return;
  int64_t h = p->holdout, need = p->with_valid ? 2 * h : h;
  for (int32_t u = 0; u < n_owners; u++) {
    int64_t lo = off[u], hi = off[u + 1];
    if (hi - lo <= need)
      continue; /* too short to hold anything out: all train */
    for (int64_t k = hi - h; k < hi; k++)
      part[k] = P_TEST;
    if (p->with_valid)
      for (int64_t k = hi - 2 * h; k < hi - h; k++)
        part[k] = P_VALID;
  }
}

/* Copies the rows of `part` into child (events, reviews, user-bundles) and the shared
 * tables (catalogue, bundle membership). */
static bndl_status fill_child(const bndl_dataset *ds, bndl_dataset *c, uint8_t which, const uint8_t *ev_part,
                              const uint8_t *rv_part, const uint8_t *ub_part) {
  const bndl_allocator *a = c->alloc;
  char label[64];
  snprintf(label, sizeof label, "split (%s part)", which == P_TRAIN ? "train" : which == P_VALID ? "valid" : "test");
  int32_t src;
  BNDL_TRY(bndl_report_add_source(&c->report, label, BNDL_TABLE_EVENTS, &src));
  int64_t rows = 0;
  const bndl_event_rows *e = &ds->ev;
  for (size_t i = 0; i < e->n; i++) {
    if (ev_part[i] != which)
      continue;
    BNDL_TRY(bndl_event_rows_push(a, &c->ev));
    size_t r = c->ev.n - 1;
    c->ev.user[r] = e->user[i];
    c->ev.item[r] = e->item[i];
    c->ev.order[r] = e->order[i];
    c->ev.ts[r] = e->ts[i];
    c->ev.qty[r] = e->qty[i];
    c->ev.price[r] = e->price[i];
    c->ev.weight[r] = e->weight[i];
    c->ev.type[r] = e->type[i];
    c->ev.part[r] = e->part[i];
    c->ev.source[r] = src;
    c->ev.line[r] = -rows++;
    c->report.sources[src].returns += e->type[i] == BNDL_EVENT_RETURN; /* kept returns, as a load counts them */
  }
  const bndl_review_rows *v = &ds->rv;
  for (size_t i = 0; i < v->n; i++) {
    if (rv_part[i] != which)
      continue;
    BNDL_TRY(bndl_review_rows_push(a, &c->rv));
    size_t r = c->rv.n - 1;
    int64_t lo = v->text_off[i], hi = v->text_off[i + 1];
    BNDL_TRY(bndl_bytes_append(a, &c->rv.text, bndl_bytes_at(&v->text, lo), (size_t)(hi - lo), NULL));
    c->rv.text_off[r + 1] = (int64_t)c->rv.text.len;
    c->rv.user[r] = v->user[i];
    c->rv.item[r] = v->item[i];
    c->rv.category[r] = v->category[i];
    c->rv.rating[r] = v->rating[i];
    c->rv.ts[r] = v->ts[i];
    c->rv.part[r] = v->part[i];
    c->rv.source[r] = src;
    c->rv.line[r] = -rows++;
  }
  const bndl_pair_rows *pairs[2] = {&ds->user_bundles, &ds->bundle_items};
  bndl_pair_rows *dst[2] = {&c->user_bundles, &c->bundle_items};
  for (int t = 0; t < 2; t++) {
    for (size_t i = 0; i < pairs[t]->n; i++) {
      if (t == 0 && ub_part[i] != which)
        continue;
      BNDL_TRY(bndl_pair_rows_push(a, dst[t]));
      size_t r = dst[t]->n - 1;
      dst[t]->a[r] = pairs[t]->a[i];
      dst[t]->b[r] = pairs[t]->b[i];
      dst[t]->ts[r] = pairs[t]->ts[i];
      dst[t]->part[r] = pairs[t]->part[i];
      dst[t]->source[r] = src;
      dst[t]->line[r] = -rows++;
    }
  }
  /* The parent's merged catalogue, one row per listed item. */
  int32_t n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  for (int32_t i = 0; i < n_items; i++) {
    if (!ds->cat.listed[i])
      continue;
    bndl_catalogue_rows *k = &c->cat_rows;
    BNDL_TRY(bndl_catalogue_rows_push(a, k));
    size_t r = k->n - 1;
    k->item[r] = i;
    k->category[r] = ds->cat.category[i];
    k->price[r] = ds->cat.price[i];
    k->cost[r] = ds->cat.cost[i];
    k->stock[r] = ds->cat.stock[i];
    int64_t lo = ds->cat.title_off[i], hi = ds->cat.title_off[i + 1];
    k->title_len[r] = hi > lo ? hi - lo : -1;
    k->title_off[r] = 0;
    if (hi > lo)
      BNDL_TRY(bndl_bytes_append(a, &k->titles, bndl_bytes_at(&ds->cat.titles, lo), (size_t)(hi - lo), &k->title_off[r]));
    k->derived[r] = ds->cat.listed[i] == 1;
    k->source[r] = src;
    k->line[r] = -rows++;
  }
  c->report.sources[src].rows_read = rows;
  /* The parent's review scores follow their rows (a child has no scorer of its own);
   * keywords are the API layer's step after this finalize, from the child's rows. */
  c->text_features = ds->text_features;
  if (ds->review_sentiment) {
    c->review_sentiment = bndl_alloc_array(a, c->rv.n + 1, sizeof *c->review_sentiment);
    if (c->review_sentiment == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    size_t r = 0;
    for (size_t i = 0; i < v->n; i++)
      if (rv_part[i] == which)
        c->review_sentiment[r++] = ds->review_sentiment[i];
  }
  c->has_real_time = ds->has_real_time;
  c->has_ordinal_time = ds->has_ordinal_time;
  BNDL_TRY(bndl_config_merge_range(c->cfg, ds->cfg, 0, INT32_MAX));
  return bndl_finalize(c, 0);
}

/* Review parts: the most held-out part among events of the same (user, item). */
static bndl_status review_parts(const bndl_dataset *ds, const split_params *p, const uint8_t *ev_part,
                                uint8_t *rv_part) {
  const bndl_review_rows *v = &ds->rv;
  for (size_t r = 0; r < v->n; r++) {
    int32_t u = v->user[r], it = v->item[r];
    uint8_t best = P_TRAIN;
    if (p->method == M_TIME && ds->has_real_time && v->ts[r] != INT64_MIN) {
      best = v->ts[r] >= p->cutoff ? P_TEST : p->valid_cutoff != 0 && v->ts[r] >= p->valid_cutoff ? P_VALID : P_TRAIN;
    } else if (u >= 0 && it >= 0) {
      for (int64_t k = ds->user_offsets[u]; k < ds->user_offsets[u + 1]; k++)
        if (ds->ev.item[k] == it && ev_part[k] > best)
          best = ev_part[k];
    }
    rv_part[r] = best;
  }
  return BNDL_OK;
}

/* User-bundle rows grouped by user (they are stored sorted by user after finalize). */
static bndl_status user_bundle_offsets(const bndl_dataset *ds, int64_t **out) {
  int32_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER);
  int64_t *off = bndl_zalloc_array(ds->alloc, (size_t)n_users + 1, sizeof *off);
  if (off == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (size_t i = 0; i < ds->user_bundles.n; i++)
    off[ds->user_bundles.a[i] + 1]++;
  for (int32_t u = 0; u < n_users; u++)
    off[u + 1] += off[u];
  *out = off;
  return BNDL_OK;
}

bndl_status bndl_split(const bndl_dataset *ds, const bndl_config *cfg, bndl_dataset **train, bndl_dataset **valid,
                       bndl_dataset **test) {
  split_params p;
  BNDL_TRY(read_params(ds, cfg, valid != NULL, &p));
  const bndl_allocator *a = ds->alloc;
  int32_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER);
  uint8_t *ev_part = bndl_alloc(a, ds->ev.n + 1);
  uint8_t *rv_part = bndl_alloc(a, ds->rv.n + 1);
  uint8_t *ub_part = bndl_alloc(a, ds->user_bundles.n + 1);
  int64_t *ub_off = NULL;
  bndl_dataset *out[4] = {NULL, NULL, NULL, NULL};
  bndl_status st = BNDL_OK;
  if (!ev_part || !rv_part || !ub_part) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  BNDL_TRY_GOTO(st, user_bundle_offsets(ds, &ub_off), done);
  bndl_rng rng;
  bndl_rng_seed(&rng, p.seed, 0);
  assign(&p, ds->ev.n, ds->user_offsets, n_users, ds->ev.ts, ds->ev.part, ds->has_real_time, &rng, ev_part);
  bndl_rng_seed(&rng, p.seed, 1);
  assign(&p, ds->user_bundles.n, ub_off, n_users, ds->user_bundles.ts, ds->user_bundles.part, ds->has_real_time,
         &rng, ub_part);
  BNDL_TRY_GOTO(st, review_parts(ds, &p, ev_part, rv_part), done);
  if (valid == NULL) {
    for (size_t i = 0; i < ds->ev.n && st == BNDL_OK; i++)
      if (ev_part[i] == P_VALID)
        st = bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "rows are tagged for validation but valid is NULL");
    for (size_t i = 0; i < ds->user_bundles.n && st == BNDL_OK; i++)
      if (ub_part[i] == P_VALID)
        st = bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "user-bundle rows are tagged for validation but valid is NULL");
    if (st != BNDL_OK)
      goto done;
  }
  for (uint8_t which = P_TRAIN; which <= P_TEST; which++) {
    if (which == P_VALID && valid == NULL)
      continue;
    BNDL_TRY_GOTO(st, bndl_dataset_new(ds->ctx, ds->ids, &out[which]), done);
    BNDL_TRY_GOTO(st, fill_child(ds, out[which], which, ev_part, rv_part, ub_part), done);
  }
  *train = out[P_TRAIN];
  if (valid)
    *valid = out[P_VALID];
  *test = out[P_TEST];
  out[P_TRAIN] = out[P_VALID] = out[P_TEST] = NULL;
done:
  for (int k = 1; k < 4; k++)
    if (out[k])
      bndl_dataset_destroy(out[k]);
  bndl_free(a, ev_part);
  bndl_free(a, rv_part);
  bndl_free(a, ub_part);
  bndl_free(a, ub_off);
  return st;
}
