/*
 * model_train.c - datasets to training sequences for the model object (see
 * model_train.h for what is kept and why).
 */
#include "model/model_train.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "data/dataset.h"

/* The sequences of every user of ds: non-return events in time order, event types as
 * type-table rows when with_types. Arrays from the model's allocator. */
typedef struct owned_sequences {
  bndl_nn_sequences seq;
  int64_t *offsets;
  int32_t *items, *types;
} owned_sequences;

static void free_sequences(const bndl_allocator *a, owned_sequences *s) {
  bndl_free(a, s->offsets);
  bndl_free(a, s->items);
  bndl_free(a, s->types);
  memset(s, 0, sizeof *s);
}

static bndl_status sequences_of(const bndl_allocator *a, const bndl_dataset *ds, int with_types, owned_sequences *s) {
  memset(s, 0, sizeof *s);
  int64_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER), kept = 0;
  for (size_t e = 0; e < ds->ev.n; e++)
    kept += ds->ev.type[e] != BNDL_EVENT_RETURN;
  s->offsets = bndl_alloc_array(a, (size_t)n_users + 1, sizeof *s->offsets);
  s->items = bndl_alloc_array(a, (size_t)(kept > 0 ? kept : 1), sizeof *s->items);
  s->types = with_types ? bndl_alloc_array(a, (size_t)(kept > 0 ? kept : 1), sizeof *s->types) : NULL;
  if (s->offsets == NULL || s->items == NULL || (with_types && s->types == NULL)) {
    free_sequences(a, s);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  int64_t n = 0;
  s->offsets[0] = 0;
  for (int64_t u = 0; u < n_users; u++) {
    for (int64_t e = ds->user_offsets[u]; e < ds->user_offsets[u + 1]; e++) {
      if (ds->ev.type[e] == BNDL_EVENT_RETURN)
        continue;
      s->items[n] = ds->ev.item[e];
      if (with_types)
        s->types[n] = bndl_model_type_row(ds->ev.type[e]);
      n++;
    }
    s->offsets[u + 1] = n;
  }
  s->seq = (bndl_nn_sequences){.count = n_users, .offsets = s->offsets, .items = s->items, .types = s->types};
  return BNDL_OK;
}

/* The model's rows must be the dataset's items. */
static bndl_status check_items(const bndl_model *m, const bndl_dataset *ds) {
  const bndl_id_map *ids = &ds->ids->map[BNDL_IDS_ITEM];
  if (ids->count != m->arch.n_items)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "train: the model has %lld items, the dataset %lld",
                     (long long)m->arch.n_items, (long long)ids->count);
  for (int32_t i = 0; i < ids->count; i++) {
    size_t len = bndl_id_map_name_len(ids, i);
    if (len != bndl_id_map_name_len(&m->item_ids, i) ||
        memcmp(bndl_id_map_name(ids, i), bndl_id_map_name(&m->item_ids, i), len) != 0)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                       "train: item %d is '%s' in the model but '%s' in the dataset (create the model from this "
                       "dataset or a split of it)",
                       i, bndl_id_map_name(&m->item_ids, i), bndl_id_map_name(ids, i));
  }
  return BNDL_OK;
}

bndl_status bndl_model_train_on(bndl_model *m, const bndl_dataset *train, const bndl_dataset *valid,
                                const bndl_config *cfg, bndl_nn_train_progress_fn fn, void *ud,
                                bndl_nn_train_report *report) {
  BNDL_TRY(check_items(m, train));
  if (valid != NULL && valid->ids != train->ids)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                     "valid: not a split of the training data (its id maps differ; use bndl_dataset_split)");
  bndl_nn_train_options opt;
  BNDL_TRY(bndl_nn_train_options_from_config(cfg, atomic_load(&m->ctx->seed), &opt));
  int with_types = m->arch.n_event_types > 0;
  owned_sequences tr, va = {0};
  BNDL_TRY(sequences_of(m->alloc, train, with_types, &tr));
  bndl_status st = valid != NULL ? sequences_of(m->alloc, valid, 0, &va) : BNDL_OK;
  bndl_nn_train_report rep;
  memset(&rep, 0, sizeof rep);
  if (st == BNDL_OK)
    st = bndl_nn_train(m->ctx, &m->enc, &m->params, m->item_features, &tr.seq, valid != NULL ? &va.seq : NULL,
                       &opt, fn, ud, &rep);
  if (rep.epochs_run > 0) {
    /* The parameters end at the best values seen even when training stopped early,
     * was cancelled or failed, so the summary describes what the model now holds. */
    m->summary.epochs += rep.epochs_run;
    m->summary.steps += rep.steps;
    m->summary.best_epoch = rep.best_epoch;
    /* the file holds finite numbers only; best_epoch 0 already says "never validated" */
    m->summary.best_metric = isfinite(rep.best_metric) ? rep.best_metric : 0;
    m->summary.final_loss = isfinite(rep.final_loss) ? rep.final_loss : 0;
  }
  if (report != NULL)
    *report = rep;
  free_sequences(m->alloc, &tr);
  free_sequences(m->alloc, &va);
  return st;
}
