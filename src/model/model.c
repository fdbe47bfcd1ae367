/*
 * model.c - creating and releasing the sequence-encoder model object (model.h): the
 * architecture from the model.* config keys, the item count, ids and features copied
 * from a finalized dataset (behaviour features standardised, then the item text vectors
 * when the dataset has them), parameters drawn from the context's seed.
 *
 * This is the one file of model/ that reads a dataset (data/dataset.h): the model copies
 * what it needs at creation, so nothing of the dataset is referenced afterwards.
 */
#include "model/model.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "core/handle.h"
#include "data/dataset.h"

void bndl_model_arch_from_config(const bndl_config *cfg, bndl_nn_encoder_config *arch) {
  memset(arch, 0, sizeof *arch);
  const char *kind = bndl_cfg_string(cfg, BNDL_KEY_MODEL_KIND);
  arch->kind = strcmp(kind, "lstm") == 0 ? BNDL_NN_ENCODER_LSTM : BNDL_NN_ENCODER_SASREC;
  arch->dim = bndl_cfg_int(cfg, BNDL_KEY_MODEL_DIM);
  arch->layers = bndl_cfg_int(cfg, BNDL_KEY_MODEL_LAYERS);
  arch->heads = bndl_cfg_int(cfg, BNDL_KEY_MODEL_HEADS);
  arch->hidden = bndl_cfg_int(cfg, BNDL_KEY_MODEL_HIDDEN);
  arch->max_len = bndl_cfg_int(cfg, BNDL_KEY_MODEL_MAX_LEN);
  arch->dropout = (float)bndl_cfg_float(cfg, BNDL_KEY_MODEL_DROPOUT);
  arch->attn_dropout = (float)bndl_cfg_float(cfg, BNDL_KEY_MODEL_ATTN_DROPOUT);
  arch->n_event_types = bndl_cfg_int(cfg, BNDL_KEY_MODEL_EVENT_TYPES) ? BNDL_EVENT_TYPE_COUNT : 0;
  /* n_items and n_item_features come from the dataset */
}

static void destroy(bndl_model *m) {
  bndl_context *ctx = m->ctx;
  const bndl_allocator *a = m->alloc;
  m->magic = BNDL_MAGIC_FREED;
  for (bndl_model_scratch *s = m->scratch_free, *next; s != NULL; s = next) {
    next = s->next;
    bndl_nn_arena_free(&s->arena);
    bndl_free(a, s);
  }
  pthread_mutex_destroy(&m->scratch_lock);
  bndl_nn_params_free(&m->params);
  bndl_id_map_free(&m->item_ids);
  bndl_free(a, m->item_features);
  bndl_free(a, m);
  bndl_context_release(ctx);
}

bndl_status bndl_model_new(bndl_context *ctx, const bndl_nn_encoder_config *arch, uint64_t seed, bndl_model **out) {
  const bndl_allocator *a = &ctx->alloc;
  bndl_model *m = bndl_zalloc(a, sizeof *m);
  if (m == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  if (pthread_mutex_init(&m->scratch_lock, NULL) != 0) {
    bndl_free(a, m);
    return bndl_fail(BNDL_ERR_INTERNAL, "pthread_mutex_init failed");
  }
  m->magic = BNDL_MAGIC_MODEL;
  atomic_init(&m->refs, 1);
  m->ctx = ctx;
  bndl_context_retain(ctx);
  m->alloc = a;
  m->arch = *arch;
  bndl_id_map_init(&m->item_ids, a);
  bndl_nn_params_init(&m->params, a);
  bndl_status st = bndl_nn_encoder_build(&m->params, arch, &m->enc);
  if (st == BNDL_OK) {
    /* The item table starts at N(0, 1/dim), not nn.Embedding's N(0, 1): its rows are
     * both the input and the tied output scores, and with unit entries the first scores
     * of a layer-normed state spread by sqrt(dim), so the sampled softmax starts near a
     * loss of 21 instead of 6 and learns far slower (measured on Beauty, train.h). */
    bndl_nn_param table = bndl_nn_encoder_items(&m->enc)->table;
    m->params.tensors[table].init_a = (float)(1.0 / sqrt((double)arch->dim));
    st = bndl_nn_params_alloc(&m->params, seed);
  }
  if (st == BNDL_OK && arch->n_item_features > 0) {
    m->item_features = bndl_zalloc_array(a, (size_t)arch->n_items * (size_t)arch->n_item_features, sizeof(float));
    if (m->item_features == NULL)
      st = BNDL_ERR_OUT_OF_MEMORY;
  }
  if (st != BNDL_OK) {
    destroy(m);
    return st;
  }
  *out = m;
  return BNDL_OK;
}

void bndl_model_standardise(const float *in, int64_t rows, int64_t cols, float *out) {
  for (int64_t c = 0; c < cols; c++) {
    double sum = 0, sq = 0;
    int64_t n = 0;
    for (int64_t r = 0; r < rows; r++) {
      double v = in[r * cols + c];
      if (isfinite(v)) {
        sum += v;
        n++;
      }
    }
    double mean = n ? sum / (double)n : 0;
    for (int64_t r = 0; r < rows; r++) {
      double v = in[r * cols + c];
      if (isfinite(v))
        sq += (v - mean) * (v - mean);
    }
    double sd = n ? sqrt(sq / (double)n) : 0;
    for (int64_t r = 0; r < rows; r++) {
      double v = in[r * cols + c];
      out[r * cols + c] = isfinite(v) && sd > 0 ? (float)((v - mean) / sd) : 0.0f;
    }
  }
}

bndl_status bndl_model_from_dataset(const bndl_dataset *ds, const bndl_config *cfg, bndl_model **out) {
  bndl_nn_encoder_config arch;
  bndl_model_arch_from_config(cfg, &arch);
  arch.n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  if (arch.n_items < 1)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "the dataset has no items to build a model over");
  const bndl_feature_table *feat = &ds->features[1];
  const bndl_item_text_table *tv = &ds->text_vectors;
  int32_t n_text = 0;
  if (bndl_cfg_int(cfg, BNDL_KEY_MODEL_ITEM_FEATURES)) {
    if (feat->cols < 1 || feat->rows != arch.n_items)
      return bndl_fail(BNDL_ERR_INTERNAL, "item feature table is %lld x %d for %lld items", (long long)feat->rows,
                       feat->cols, (long long)arch.n_items);
    if (tv->data != NULL && tv->rows != arch.n_items)
      return bndl_fail(BNDL_ERR_INTERNAL, "item text vectors are %lld x %d for %lld items", (long long)tv->rows,
                       tv->cols, (long long)arch.n_items);
    n_text = tv->data != NULL ? tv->cols : 0;
    arch.n_item_features = feat->cols + n_text;
  }
  bndl_model *m;
  BNDL_TRY(bndl_model_new(ds->ctx, &arch, atomic_load(&ds->ctx->seed), &m));
  bndl_status st = bndl_id_map_copy(&m->item_ids, &ds->ids->map[BNDL_IDS_ITEM]);
  if (st == BNDL_OK && m->item_features != NULL) {
    /* behaviour columns standardised, then the text vectors as they are (unit length) */
    float *std = bndl_alloc_array(m->alloc, (size_t)arch.n_items * (size_t)feat->cols, sizeof *std);
    if (std == NULL) {
      st = BNDL_ERR_OUT_OF_MEMORY;
    } else {
      bndl_model_standardise(feat->data, arch.n_items, feat->cols, std);
      size_t nf = (size_t)arch.n_item_features, fc = (size_t)feat->cols;
      for (size_t i = 0; i < (size_t)arch.n_items; i++) {
        memcpy(m->item_features + i * nf, std + i * fc, fc * sizeof *std);
        if (n_text)
          memcpy(m->item_features + i * nf + fc, tv->data + i * (size_t)n_text, (size_t)n_text * sizeof *std);
      }
      bndl_free(m->alloc, std);
    }
  }
  if (st != BNDL_OK) {
    destroy(m);
    return st;
  }
  *out = m;
  return BNDL_OK;
}

void bndl_model_ref(bndl_model *m) { atomic_fetch_add(&m->refs, 1); }

void bndl_model_unref(bndl_model *m) {
  if (atomic_fetch_sub(&m->refs, 1) == 1)
    destroy(m);
}

int64_t bndl_model_param_count(const bndl_model *m) {
  int64_t n = 0;
  for (int32_t i = 0; i < m->params.count; i++)
    n += m->params.tensors[i].rows * m->params.tensors[i].cols;
  return n;
}

const char *bndl_model_kind_name(const bndl_model *m) {
  return m->arch.kind == BNDL_NN_ENCODER_LSTM ? "lstm" : "transformer";
}
