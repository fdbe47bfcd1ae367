/*
 * model.h - the sequence-encoder model object behind the public bndl_model: one encoder
 * (encoder.h) with its parameter store, the item id map and, optionally, the item
 * feature table, so a model answers in the shop's ids and scores without the dataset
 * it was made from.
 *
 * What a trainer reaches (train.h, written against this struct): `enc` and `params`
 * (params.value is written in place during training, params.grad is allocated with it),
 * `item_features` (the table the encoder's batches point at, NULL without features) and
 * `summary` (filled at the end of a training run; saved with the model). While a
 * trainer runs the model is exclusive to it; afterwards it is immutable again.
 *
 * Conventions every user of the encoder here shares:
 *  - a batch is left padded to T = max_len for the Transformer (its positions are
 *    absolute, so the same history must always sit in the same slots) and to the
 *    longest history of the batch for the LSTM (padding leaves its state alone, lstm.h);
 *    histories longer than max_len keep their max_len most recent items;
 *  - event types are bndl_event_type values 1..BNDL_EVENT_TYPE_COUNT; the encoder's type
 *    table row is type - 1 (bndl_model_type_row);
 *  - the user state is the last row of the encoder output, and item j's score is its dot
 *    product with row j of the item embedding table (bndl_model_item_table).
 *
 * Item features. The dataset's item behaviour features (data/features.c) are raw counts,
 * money and days, NaN where unknown; fed as they are, revenue in the thousands would swamp
 * everything else the projection sees. The model keeps them standardised per column
 * ((x - mean) / std over the finite values, summed in double in row order) with unknown
 * values and constant columns at 0, the column mean.
 *
 * Inference (model_infer.c) is a read of the immutable model: each call takes a scratch
 * arena from a small free list (taken and given back under a mutex, so no two calls
 * ever share one; the list grows to the largest number of concurrent calls seen, and
 * after its first use at a shape an arena allocates nothing), so the encoder forward at
 * batch 1 makes no allocation in the steady state.
 */
#ifndef BNDL_MODEL_MODEL_H
#define BNDL_MODEL_MODEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "data/id_map.h"
#include "model/arena.h"
#include "model/encoder.h"
#include "model/nn.h"
#include "model/params.h"

struct bndl_context;

/* How the model was trained; zeros until a trainer fills it. */
typedef struct bndl_model_summary {
  int64_t epochs;      /* epochs run */
  int64_t steps;       /* optimizer steps */
  int64_t best_epoch;  /* epoch of the best validation metric (0: none) */
  double best_metric;  /* its value */
  double final_loss;   /* mean training loss of the last epoch */
} bndl_model_summary;

typedef struct bndl_model_scratch {
  struct bndl_model_scratch *next;
  bndl_nn_arena arena;
} bndl_model_scratch;

struct bndl_model {
  uint32_t magic;
  atomic_int refs;
  struct bndl_context *ctx; /* retained */
  const bndl_allocator *alloc;
  bndl_nn_encoder_config arch;
  bndl_nn_params params;
  bndl_nn_encoder enc;
  bndl_id_map item_ids;   /* external ids of the arch.n_items items */
  float *item_features;   /* arch.n_items x arch.n_item_features (standardised behaviour, then text vectors), or NULL */
  bndl_model_summary summary;
  /* inference scratch (model_infer.c) */
  pthread_mutex_t scratch_lock;
  bndl_model_scratch *scratch_free;
};

/* Largest supported sizes (the config keys' ranges; the file reader holds files to them). */
enum { BNDL_MODEL_MAX_DIM = 4096, BNDL_MODEL_MAX_LEN = 4096, BNDL_MODEL_MAX_HEADS = 64,
       BNDL_MODEL_MAX_HIDDEN = 16384, BNDL_MODEL_MAX_FEATURES = 4096 };

/* The architecture a config asks for (model.* keys; cfg NULL: defaults), with the item
 * count and feature columns filled by the caller. */
void bndl_model_arch_from_config(const bndl_config *cfg, bndl_nn_encoder_config *arch);

/* An empty model of architecture `arch`: tensors registered and allocated (initialised
 * from `seed`), no ids, features zero. The caller fills item_ids (and item_features).
 * The model retains ctx; refs is 1. */
bndl_status bndl_model_new(struct bndl_context *ctx, const bndl_nn_encoder_config *arch, uint64_t seed,
                           bndl_model **out);
/* A model for a finalized dataset: architecture from cfg, the dataset's item count,
 * item ids and (model.item_features) standardised item features followed by the item
 * text vectors when the dataset has them (unit length, as they are); parameters from the
 * context's seed. */
bndl_status bndl_model_from_dataset(const bndl_dataset *ds, const bndl_config *cfg, bndl_model **out);
void bndl_model_ref(bndl_model *m);
/* Drops one reference; the last one destroys the model and releases its context. */
void bndl_model_unref(bndl_model *m);

/* Standardises a rows x cols table column by column into out (see the top of this file). */
void bndl_model_standardise(const float *in, int64_t rows, int64_t cols, float *out);

static inline const bndl_nn_embedding *bndl_model_item_table(const bndl_model *m) {
  return bndl_nn_encoder_items(&m->enc);
}
/* Row of the encoder's type table for a bndl_event_type value. */
static inline int32_t bndl_model_type_row(int32_t event_type) { return event_type - 1; }
/* Trainable scalars (padding between tensors not counted). */
int64_t bndl_model_param_count(const bndl_model *m);
/* "transformer" or "lstm" (the public names of the kinds). */
const char *bndl_model_kind_name(const bndl_model *m);

/* ---- inference (model_infer.c); arguments already checked by the API layer */
/* The time dimension a batch of histories of at most `longest` items is padded to. */
int64_t bndl_model_batch_len(const bndl_model *m, int64_t longest);
/* User states of n_seq histories (sequence s is items[offsets[s] .. offsets[s+1]),
 * types likewise or NULL = all purchases), out: n_seq x dim. Runs in fixed blocks of
 * sequences, so memory stays bounded and the result does not depend on threads. */
bndl_status bndl_model_encode_rows(const bndl_model *m, int64_t n_seq, const int64_t *offsets, const int32_t *items,
                                   const int32_t *types, float *out);
/* Top-k items for one history: scores of every item, items of the history (when
 * exclude_history) and of exclude[] removed, the k best by score, ties by lower index;
 * *n_out <= k receives how many were written (fewer when fewer items remain). */
bndl_status bndl_model_top_items(const bndl_model *m, const int32_t *items, const int32_t *types, int64_t n,
                                 const int32_t *exclude, int64_t n_exclude, int exclude_history, int64_t k,
                                 int32_t *out_items, float *out_scores, int64_t *n_out);

/* ---- file (model_io.c, format in model_format.h) */
bndl_status bndl_model_encode_file(const bndl_model *m, char **out, size_t *len);
bndl_status bndl_model_decode_file(struct bndl_context *ctx, const void *data, size_t len, const char *label,
                                   bndl_model **out);

#endif
