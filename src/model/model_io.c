/*
 * model_io.c - sequence-encoder model <-> model file bytes (model_format.h).
 *
 * Reading trusts nothing: the container checks (core/secfile.c) first; then every ARCH
 * entry against its range, the tensor directory against the one the architecture
 * itself registers (names, shapes, offsets, count) and PVAL's size against its total,
 * all before the model is allocated, so a file can never make the reader allocate more
 * than its own bytes describe; then the values (finite and within BNDL_MODEL_MAX_VALUE,
 * see model_format.h), the id map's own checks, the feature table and the training
 * summary. Every failure is BNDL_ERR_FORMAT naming the section.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "model/model.h"
#include "model/model_format.h"

static const bndl_secfile_kind kind = {BNDL_MODEL_MAGIC, BNDL_MODEL_FORMAT_MAJOR, BNDL_MODEL_FORMAT_MINOR,
                                       "sequence model", 1};

/* 1 if every float of p[0..n) is finite and at most BNDL_MODEL_MAX_VALUE in magnitude
 * (NaN fails the comparison). */
static int all_bounded(const void *p, uint64_t n) {
  const unsigned char *b = p;
  for (uint64_t i = 0; i < n; i++) {
    float v;
    memcpy(&v, b + 4 * i, 4);
    if (!(fabsf(v) <= BNDL_MODEL_MAX_VALUE))
      return 0;
  }
  return 1;
}

bndl_status bndl_model_encode_file(const bndl_model *m, char **out, size_t *len) {
  const bndl_nn_encoder_config *a = &m->arch;
  const bndl_nn_params *p = &m->params;
  /* a file the reader would refuse is not written */
  for (int32_t i = 0; i < p->count; i++)
    if (!all_bounded(bndl_nn_value(p, i), (uint64_t)bndl_nn_numel(p, i)))
      return bndl_fail(BNDL_ERR_STATE, "parameter tensor '%s' holds a value that is NaN, infinite or above 1e6 in "
                       "magnitude (diverged training?); such a model is not saved", p->tensors[i].name);
  int64_t arch[AR_COUNT];
  arch[AR_KIND] = a->kind == BNDL_NN_ENCODER_LSTM ? 2 : 1;
  arch[AR_N_ITEMS] = a->n_items;
  arch[AR_MAX_LEN] = a->max_len;
  arch[AR_DIM] = a->dim;
  arch[AR_LAYERS] = a->layers;
  arch[AR_HEADS] = a->heads;
  arch[AR_HIDDEN] = a->hidden;
  arch[AR_EVENT_TYPES] = a->n_event_types;
  arch[AR_ITEM_FEATURES] = a->n_item_features;
  arch[AR_N_TENSORS] = p->count;
  arch[AR_PARAM_FLOATS] = (int64_t)p->total;
  double archf[AF_COUNT] = {a->dropout, a->attn_dropout};
  double tran[TR_COUNT];
  tran[TR_EPOCHS] = (double)m->summary.epochs;
  tran[TR_STEPS] = (double)m->summary.steps;
  tran[TR_BEST_EPOCH] = (double)m->summary.best_epoch;
  tran[TR_BEST_METRIC] = m->summary.best_metric;
  tran[TR_FINAL_LOSS] = m->summary.final_loss;
  bndl_model_tdir_entry *dir = bndl_zalloc_array(m->alloc, (size_t)p->count, sizeof *dir);
  if (dir == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int32_t i = 0; i < p->count; i++) {
    memcpy(dir[i].name, p->tensors[i].name, sizeof dir[i].name);
    dir[i].rows = p->tensors[i].rows;
    dir[i].cols = p->tensors[i].cols;
    dir[i].offset = (int64_t)p->tensors[i].offset;
  }
  const bndl_id_map *ids = &m->item_ids;
  uint64_t n_feat = (uint64_t)a->n_items * (uint64_t)a->n_item_features;
  bndl_secfile_section s[8] = {
      {BNDL_MSEC_ARCH, arch, sizeof arch, AR_COUNT},
      {BNDL_MSEC_ARCF, archf, sizeof archf, AF_COUNT},
      {BNDL_MSEC_TDIR, dir, (uint64_t)p->count * sizeof *dir, (uint64_t)p->count},
      {BNDL_MSEC_PVAL, p->value, (uint64_t)p->total * 4, (uint64_t)p->total},
      {BNDL_MSEC_IOFF, ids->offsets, ((uint64_t)ids->count + 1) * 8, (uint64_t)ids->count + 1},
      {BNDL_MSEC_INAM, ids->bytes, ids->bytes_len, ids->bytes_len},
      {BNDL_MSEC_TRAN, tran, sizeof tran, TR_COUNT},
      {BNDL_MSEC_FEAT, m->item_features, n_feat * 4, n_feat},
  };
  bndl_status st = bndl_secfile_encode(m->alloc, &kind, s, n_feat > 0 ? 8 : 7, out, len);
  bndl_free(m->alloc, dir);
  return st;
}

static bndl_status bad(const char *label, const char *section, const char *what) {
  return bndl_fail(BNDL_ERR_FORMAT, "'%s' is not a valid libbundle sequence model file: section %s: %s", label,
                   section, what);
}

static int in_range(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

/* ARCH and ARCF -> the architecture, every entry in range. */
static bndl_status read_arch(const bndl_secfile *f, const char *label, size_t len, bndl_nn_encoder_config *a,
                             int64_t *n_tensors, int64_t *param_floats) {
  const void *p;
  uint64_t count;
  BNDL_TRY(bndl_secfile_any_array(f, &kind, BNDL_MSEC_ARCH, 8, &p, &count));
  if (count < AR_COUNT)
    return bad(label, "ARCH", "too short");
  int64_t v[AR_COUNT];
  memcpy(v, p, sizeof v);
  memset(a, 0, sizeof *a);
  if (!in_range(v[AR_KIND], 1, 2) || !in_range(v[AR_N_ITEMS], 1, INT32_MAX - 1) ||
      !in_range(v[AR_MAX_LEN], 1, BNDL_MODEL_MAX_LEN) || !in_range(v[AR_DIM], 1, BNDL_MODEL_MAX_DIM) ||
      !in_range(v[AR_LAYERS], 1, BNDL_NN_SASREC_MAX_BLOCKS) || !in_range(v[AR_HEADS], 1, BNDL_MODEL_MAX_HEADS) ||
      !in_range(v[AR_HIDDEN], 0, BNDL_MODEL_MAX_HIDDEN) ||
      (v[AR_EVENT_TYPES] != 0 && v[AR_EVENT_TYPES] != BNDL_EVENT_TYPE_COUNT) ||
      !in_range(v[AR_ITEM_FEATURES], 0, BNDL_MODEL_MAX_FEATURES) || !in_range(v[AR_N_TENSORS], 1, 1 << 20) ||
      !in_range(v[AR_PARAM_FLOATS], 1, (int64_t)(len / 4)))
    return bad(label, "ARCH", "a size or option is out of range");
  /* the item table alone is n_items x dim floats of PVAL */
  if (v[AR_N_ITEMS] > v[AR_PARAM_FLOATS] / v[AR_DIM])
    return bad(label, "ARCH", "more items than the parameter values can hold");
  if (v[AR_KIND] == 1 && v[AR_DIM] % v[AR_HEADS] != 0)
    return bad(label, "ARCH", "dim is not a multiple of heads");
  BNDL_TRY(bndl_secfile_any_array(f, &kind, BNDL_MSEC_ARCF, 8, &p, &count));
  if (count < AF_COUNT)
    return bad(label, "ARCF", "too short");
  double d[AF_COUNT];
  memcpy(d, p, sizeof d);
  if (!(d[AF_DROPOUT] >= 0 && d[AF_DROPOUT] <= 0.95) || !(d[AF_ATTN_DROPOUT] >= 0 && d[AF_ATTN_DROPOUT] <= 0.95))
    return bad(label, "ARCF", "a dropout rate is outside [0, 0.95]");
  a->kind = v[AR_KIND] == 2 ? BNDL_NN_ENCODER_LSTM : BNDL_NN_ENCODER_SASREC;
  a->n_items = v[AR_N_ITEMS];
  a->max_len = v[AR_MAX_LEN];
  a->dim = v[AR_DIM];
  a->layers = v[AR_LAYERS];
  a->heads = v[AR_HEADS];
  a->hidden = v[AR_HIDDEN];
  a->n_event_types = v[AR_EVENT_TYPES];
  a->n_item_features = v[AR_ITEM_FEATURES];
  a->dropout = (float)d[AF_DROPOUT];
  a->attn_dropout = (float)d[AF_ATTN_DROPOUT];
  *n_tensors = v[AR_N_TENSORS];
  *param_floats = v[AR_PARAM_FLOATS];
  return BNDL_OK;
}

/* The directory the architecture registers against TDIR and the size of PVAL; nothing
 * but the registration's small tensor list is allocated. */
static bndl_status check_directory(const bndl_secfile *f, const char *label, const bndl_allocator *alloc,
                                   const bndl_nn_encoder_config *a, int64_t n_tensors, int64_t param_floats) {
  bndl_nn_params p;
  bndl_nn_params_init(&p, alloc);
  bndl_nn_encoder enc;
  bndl_status st = bndl_nn_encoder_build(&p, a, &enc);
  if (st != BNDL_OK) {
    bndl_nn_params_free(&p);
    return st == BNDL_ERR_OUT_OF_MEMORY ? st : bad(label, "ARCH", "the architecture cannot be built");
  }
  const void *dirp;
  st = bndl_secfile_array(f, &kind, BNDL_MSEC_TDIR, (uint64_t)n_tensors, sizeof(bndl_model_tdir_entry), &dirp);
  if (st == BNDL_OK && (p.count != n_tensors || (int64_t)p.total != param_floats))
    st = bad(label, "TDIR", "the tensor count or parameter size differs from the architecture's");
  for (int32_t i = 0; st == BNDL_OK && i < p.count; i++) {
    bndl_model_tdir_entry e;
    memcpy(&e, (const char *)dirp + (size_t)i * sizeof e, sizeof e);
    const bndl_nn_tensor *t = &p.tensors[i];
    if (memchr(e.name, '\0', sizeof e.name) == NULL || strcmp(e.name, t->name) != 0 || e.rows != t->rows ||
        e.cols != t->cols || e.offset != (int64_t)t->offset || e.reserved != 0)
      st = bndl_fail(BNDL_ERR_FORMAT,
                     "'%s' is not a valid libbundle sequence model file: section TDIR: entry %d does not match the "
                     "architecture's tensor '%s' (%lld x %lld at %zu)",
                     label, (int)i, t->name, (long long)t->rows, (long long)t->cols, t->offset);
  }
  bndl_nn_params_free(&p);
  if (st == BNDL_OK) {
    const void *pv;
    st = bndl_secfile_array(f, &kind, BNDL_MSEC_PVAL, (uint64_t)param_floats, 4, &pv);
  }
  return st;
}

bndl_status bndl_model_decode_file(bndl_context *ctx, const void *data, size_t len, const char *label,
                                   bndl_model **out) {
  bndl_secfile f;
  BNDL_TRY(bndl_secfile_parse(&kind, data, len, label, &f));
  if (f.minor <= BNDL_MODEL_FORMAT_MINOR) {
    static const uint32_t known[] = {BNDL_MSEC_ARCH, BNDL_MSEC_ARCF, BNDL_MSEC_TDIR, BNDL_MSEC_PVAL,
                                     BNDL_MSEC_IOFF, BNDL_MSEC_INAM, BNDL_MSEC_FEAT, BNDL_MSEC_TRAN};
    BNDL_TRY(bndl_secfile_only(&f, &kind, known, (int)(sizeof known / sizeof known[0])));
  }
  bndl_nn_encoder_config a;
  int64_t n_tensors = 0, param_floats = 0;
  BNDL_TRY(read_arch(&f, label, len, &a, &n_tensors, &param_floats));
  BNDL_TRY(check_directory(&f, label, &ctx->alloc, &a, n_tensors, param_floats));
  const void *pv, *ioff, *inam, *feat = NULL, *tran;
  uint64_t inam_len, count;
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_MSEC_PVAL, (uint64_t)param_floats, 4, &pv));
  if (!all_bounded(pv, (uint64_t)param_floats))
    return bad(label, "PVAL", "a parameter value is NaN, infinite or above 1e6 in magnitude");
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_MSEC_IOFF, (uint64_t)a.n_items + 1, 8, &ioff));
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_MSEC_INAM, 1, &inam, &inam_len));
  uint64_t n_feat = (uint64_t)a.n_items * (uint64_t)a.n_item_features;
  if (n_feat > 0) {
    BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_MSEC_FEAT, n_feat, 4, &feat));
    if (!all_bounded(feat, n_feat))
      return bad(label, "FEAT", "an item feature is NaN, infinite or above 1e6 in magnitude");
  } else if (bndl_secfile_find(&f, BNDL_MSEC_FEAT) != NULL) {
    return bad(label, "FEAT", "present in a model without item features");
  }
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_MSEC_TRAN, 8, &tran, &count));
  if (count < TR_COUNT)
    return bad(label, "TRAN", "too short");
  double tr[TR_COUNT];
  memcpy(tr, tran, sizeof tr);
  for (int i = TR_EPOCHS; i <= TR_BEST_EPOCH; i++)
    if (!(tr[i] >= 0 && tr[i] <= 9007199254740992.0 && tr[i] == floor(tr[i])))
      return bad(label, "TRAN", "a count is not a whole number >= 0");
  if (!isfinite(tr[TR_BEST_METRIC]) || !isfinite(tr[TR_FINAL_LOSS]))
    return bad(label, "TRAN", "a metric is NaN or infinite");

  bndl_model *m;
  BNDL_TRY(bndl_model_new(ctx, &a, 0, &m));
  memcpy(m->params.value, pv, (size_t)param_floats * 4);
  if (n_feat > 0)
    memcpy(m->item_features, feat, (size_t)n_feat * 4);
  m->summary.epochs = (int64_t)tr[TR_EPOCHS];
  m->summary.steps = (int64_t)tr[TR_STEPS];
  m->summary.best_epoch = (int64_t)tr[TR_BEST_EPOCH];
  m->summary.best_metric = tr[TR_BEST_METRIC];
  m->summary.final_loss = tr[TR_FINAL_LOSS];
  /* the offsets are copied first: the caller's buffer need not be 8-byte aligned */
  bndl_status st = BNDL_ERR_OUT_OF_MEMORY;
  int64_t *off = bndl_alloc_array(m->alloc, (size_t)a.n_items + 1, sizeof *off);
  if (off != NULL) {
    memcpy(off, ioff, ((size_t)a.n_items + 1) * sizeof *off);
    st = bndl_id_map_restore(&m->item_ids, (int32_t)a.n_items, off, inam, (size_t)inam_len);
    if (st == BNDL_ERR_FORMAT) {
      char prefix[512];
      snprintf(prefix, sizeof prefix, "'%s' is not a valid libbundle sequence model file: section IOFF/INAM", label);
      st = bndl_error_prefix(st, prefix);
    }
    bndl_free(m->alloc, off);
  }
  if (st != BNDL_OK) {
    bndl_model_unref(m);
    return st;
  }
  *out = m;
  return BNDL_OK;
}
