/*
 * onednn_lstm.c - one LSTM layer forward (backend.h's lstm_forward) on oneDNN's fused
 * vanilla LSTM primitive (dnnl_lstm_forward_desc_init, forward_inference,
 * unidirectional left-to-right, one layer).
 *
 * oneDNN's vanilla LSTM has nn.LSTM's cell and gate order (i, f, c~ = g, o) and one
 * bias per gate, so the op gives it:
 *  - the weights in the format the primitive asks for (format_tag_any: a packed layout
 *    that selects the brgemm kernels; with plain ldigo weights oneDNN 2.6 falls back to
 *    its reference kernel, about 1.6x slower at B 64), reordered from nn.LSTM's 4H x in
 *    matrix, which is oneDNN's ldgoi, by a cached reorder primitive into the caller's
 *    work block. The work block remembers the formats it holds, so weights_ready skips
 *    the reorders only when the next call's primitive wants the same formats;
 *  - the bias b_ih + b_hh (ldgo, nn.LSTM's order);
 *  - x and y time-major (tnc) as the caller passes them, the states as ldnc with
 *    zero buffers standing in for a NULL initial state and scratch for an unwanted final
 *    one (a NULL handle would make oneDNN allocate).
 *
 * Primitives are cached by (len, batch, input, hidden), the reorders by the same key:
 * creating one costs far more than running it at these sizes (about 0.15 ms). Each call
 * is one execution on the calling thread, pinned to one OpenMP thread, so the result
 * depends on the shapes only, never on the pool size. It is not bit-identical to the
 * composed path (another GEMM and other activation kernels): the conformance suite
 * holds it to a tolerance.
 */
#include <string.h>

#include "backends/onednn/onednn.h"

enum { ARG_WL = 3, ARG_WI = 4 }; /* positions of the two weights among the LSTM's args */

/* The LSTM's primitive descriptor; key->shape = {len, batch, input, hidden}. */
static bndl_status lstm_pd(onednn_state *s, const onednn_key *key, const_dnnl_primitive_attr_t attr,
                           dnnl_primitive_desc_t *pd) {
  int64_t len = key->shape[0], batch = key->shape[1], in = key->shape[2], hid = key->shape[3];
  dnnl_memory_desc_t src_layer, state, w_layer, w_iter, bias, dst_layer;
  dnnl_dims_t d_src = {len, batch, in}, d_dst = {len, batch, hid}, d_state = {1, 1, batch, hid};
  dnnl_dims_t d_wl = {1, 1, in, 4, hid}, d_wi = {1, 1, hid, 4, hid}, d_bias = {1, 1, 4, hid};
  struct {
    dnnl_memory_desc_t *md;
    int ndims;
    const int64_t *dims;
    dnnl_format_tag_t tag;
  } mds[] = {
      {&src_layer, 3, d_src, dnnl_tnc},        {&state, 4, d_state, dnnl_ldnc}, {&w_layer, 5, d_wl, dnnl_format_tag_any},
      {&w_iter, 5, d_wi, dnnl_format_tag_any}, {&bias, 4, d_bias, dnnl_ldgo},   {&dst_layer, 3, d_dst, dnnl_tnc},
  };
  for (size_t i = 0; i < sizeof mds / sizeof mds[0]; i++)
    BNDL_PROVIDER_TRY(onednn_check(s, dnnl_memory_desc_init_by_tag(mds[i].md, mds[i].ndims, mds[i].dims, dnnl_f32,
                                                                    mds[i].tag),
                                   "dnnl_memory_desc_init_by_tag (lstm)"));
  dnnl_rnn_desc_t rd;
  BNDL_PROVIDER_TRY(onednn_check(s,
                                 dnnl_lstm_forward_desc_init(&rd, dnnl_forward_inference,
                                                             dnnl_unidirectional_left2right, &src_layer, &state,
                                                             &state, &w_layer, &w_iter, &bias, &dst_layer, &state,
                                                             &state, 0),
                                 "dnnl_lstm_forward_desc_init"));
  return onednn_check(s, dnnl_primitive_desc_create(pd, &rd, attr, s->engine, NULL),
                      "dnnl_primitive_desc_create (lstm forward)");
}

static bndl_status build_lstm(onednn_state *s, const onednn_key *key, const_dnnl_primitive_attr_t attr,
                              dnnl_primitive_desc_t *pd, int *nargs, int arg[ONEDNN_MAX_ARGS]) {
  BNDL_PROVIDER_TRY(lstm_pd(s, key, attr, pd));
  static const int args[] = {DNNL_ARG_SRC_LAYER,    DNNL_ARG_SRC_ITER,     DNNL_ARG_SRC_ITER_C,
                             DNNL_ARG_WEIGHTS_LAYER, DNNL_ARG_WEIGHTS_ITER, DNNL_ARG_BIAS,
                             DNNL_ARG_DST_LAYER,    DNNL_ARG_DST_ITER,     DNNL_ARG_DST_ITER_C};
  *nargs = (int)(sizeof args / sizeof args[0]);
  memcpy(arg, args, sizeof args);
  return BNDL_OK;
}

/* The reorder from nn.LSTM's layout (ldgoi) to the weights format of the LSTM with the
 * same shape; key->alg 0: weights_layer, 1: weights_iter. */
static bndl_status build_weights(onednn_state *s, const onednn_key *key, const_dnnl_primitive_attr_t attr,
                                 dnnl_primitive_desc_t *pd, int *nargs, int arg[ONEDNN_MAX_ARGS]) {
  dnnl_primitive_desc_t lpd = NULL;
  BNDL_PROVIDER_TRY(lstm_pd(s, key, attr, &lpd));
  int64_t rows = key->alg == 0 ? key->shape[2] : key->shape[3], hid = key->shape[3];
  dnnl_dims_t dims = {1, 1, rows, 4, hid};
  dnnl_memory_desc_t user;
  const dnnl_memory_desc_t *want =
      dnnl_primitive_desc_query_md(lpd, dnnl_query_exec_arg_md, key->alg == 0 ? DNNL_ARG_WEIGHTS_LAYER
                                                                              : DNNL_ARG_WEIGHTS_ITER);
  bndl_status st = want ? BNDL_OK : onednn_check(s, dnnl_runtime_error, "dnnl_primitive_desc_query_md (lstm weights)");
  if (st == BNDL_OK)
    st = onednn_check(s, dnnl_memory_desc_init_by_tag(&user, 5, dims, dnnl_f32, dnnl_ldgoi),
                      "dnnl_memory_desc_init_by_tag (lstm weights)");
  if (st == BNDL_OK)
    st = onednn_check(s, dnnl_reorder_primitive_desc_create(pd, &user, s->engine, want, s->engine, attr),
                      "dnnl_reorder_primitive_desc_create (lstm weights)");
  dnnl_primitive_desc_destroy(lpd);
  *nargs = 2;
  arg[0] = DNNL_ARG_FROM;
  arg[1] = DNNL_ARG_TO;
  return st;
}

/* The primitives of one call: the LSTM and the two weight reorders. */
typedef struct lstm_prims {
  onednn_prim *lstm, *wl, *wi;
} lstm_prims;

static bndl_status prims_get(onednn_state *s, const bndl_lstm_desc *d, lstm_prims *p) {
  onednn_key key;
  memset(&key, 0, sizeof key);
  key.op = ONEDNN_LSTM_FWD;
  key.shape[0] = d->len;
  key.shape[1] = d->batch;
  key.shape[2] = d->input;
  key.shape[3] = d->hidden;
  BNDL_PROVIDER_TRY(onednn_prim_get(s, &key, build_lstm, &p->lstm));
  key.op = ONEDNN_LSTM_WEIGHTS;
  BNDL_PROVIDER_TRY(onednn_prim_get(s, &key, build_weights, &p->wl));
  key.alg = 1;
  return onednn_prim_get(s, &key, build_weights, &p->wi);
}

static void prims_put(onednn_state *s, lstm_prims *p) {
  onednn_prim_put(s, p->lstm);
  onednn_prim_put(s, p->wl);
  onednn_prim_put(s, p->wi);
}

/* The work block: a header with the two weight formats it holds, the weights in those
 * formats, the bias, the zero state and two sinks, the scratchpads (LSTM, reorders);
 * each part starts on 64 bytes. */
typedef struct work_header {
  dnnl_memory_desc_t wl, wi;
  int64_t input, hidden;
  int32_t ready;
} work_header;

typedef struct work_layout {
  size_t wl, wi, bias, zero, scratch, scratch_wl, scratch_wi, total;
} work_layout;

static size_t round64(size_t b) { return (b + 63) & ~(size_t)63; }

static work_layout layout(const bndl_lstm_desc *d, const lstm_prims *p) {
  work_layout w;
  size_t at = round64(sizeof(work_header));
  w.wl = at;
  at += round64(dnnl_memory_desc_get_size(&p->lstm->md[ARG_WL]));
  w.wi = at;
  at += round64(dnnl_memory_desc_get_size(&p->lstm->md[ARG_WI]));
  w.bias = at;
  at += round64((size_t)(4 * d->hidden) * sizeof(float));
  w.zero = at;
  at += round64((size_t)(3 * d->batch * d->hidden) * sizeof(float));
  w.scratch = at;
  at += round64(p->lstm->scratch_bytes);
  w.scratch_wl = at;
  at += round64(p->wl->scratch_bytes);
  w.scratch_wi = at;
  at += round64(p->wi->scratch_bytes);
  w.total = at;
  return w;
}

static bndl_status check_sizes(onednn_state *s, const bndl_lstm_desc *d) {
  if (d->len < 0 || d->batch < 0 || d->input < 1 || d->hidden < 1)
    return s->host->fail(BNDL_ERR_INVALID_ARGUMENT, "lstm_forward: negative or empty sizes");
  return BNDL_OK;
}

bndl_status onednn_lstm_workspace(void *state, const bndl_lstm_desc *d, size_t *bytes) {
  onednn_state *s = state;
  *bytes = 0;
  BNDL_PROVIDER_TRY(check_sizes(s, d));
  if (d->len == 0 || d->batch == 0)
    return BNDL_OK;
  int previous = onednn_pin_begin();
  lstm_prims p = {NULL, NULL, NULL};
  bndl_status st = prims_get(s, d, &p);
  if (st == BNDL_OK)
    *bytes = layout(d, &p).total;
  prims_put(s, &p);
  onednn_pin_end(previous);
  return st;
}

static void *scratch_at(char *work, size_t offset, const onednn_prim *p) {
  return p->scratch_bytes ? work + offset : NULL;
}

static bndl_status run(onednn_state *s, const bndl_lstm_desc *d, const lstm_prims *p, char *work) {
  work_layout w = layout(d, p);
  work_header *hdr = (work_header *)work;
  int64_t g4 = 4 * d->hidden, bh = d->batch * d->hidden;
  int ready = d->weights_ready && hdr->ready && hdr->input == d->input && hdr->hidden == d->hidden &&
              memcmp(&hdr->wl, &p->lstm->md[ARG_WL], sizeof hdr->wl) == 0 &&
              memcmp(&hdr->wi, &p->lstm->md[ARG_WI], sizeof hdr->wi) == 0;
  float *bias = (float *)(work + w.bias), *zero = (float *)(work + w.zero), *sink = zero + bh;
  if (!ready) {
    hdr->ready = 0;
    void *from_wl[ONEDNN_MAX_ARGS] = {(void *)d->w_ih, work + w.wl};
    void *from_wi[ONEDNN_MAX_ARGS] = {(void *)d->w_hh, work + w.wi};
    BNDL_PROVIDER_TRY(onednn_prim_run_in(s, p->wl, from_wl, scratch_at(work, w.scratch_wl, p->wl)));
    BNDL_PROVIDER_TRY(onednn_prim_run_in(s, p->wi, from_wi, scratch_at(work, w.scratch_wi, p->wi)));
    for (int64_t j = 0; j < g4; j++)
      bias[j] = d->b_ih[j] + d->b_hh[j];
    hdr->wl = p->lstm->md[ARG_WL];
    hdr->wi = p->lstm->md[ARG_WI];
    hdr->input = d->input;
    hdr->hidden = d->hidden;
    hdr->ready = 1;
  }
  if (d->h0 == NULL || d->c0 == NULL)
    memset(zero, 0, (size_t)bh * sizeof(float));
  void *ptr[ONEDNN_MAX_ARGS] = {(void *)d->x,
                                (void *)(d->h0 ? d->h0 : zero),
                                (void *)(d->c0 ? d->c0 : zero),
                                work + w.wl,
                                work + w.wi,
                                bias,
                                d->y,
                                d->h_out ? d->h_out : sink,
                                d->c_out ? d->c_out : sink + bh};
  return onednn_prim_run_in(s, p->lstm, ptr, scratch_at(work, w.scratch, p->lstm));
}

bndl_status onednn_lstm_forward(void *state, const bndl_lstm_desc *d) {
  onednn_state *s = state;
  BNDL_PROVIDER_TRY(check_sizes(s, d));
  if (d->len == 0 || d->batch == 0)
    return BNDL_OK;
  int previous = onednn_pin_begin();
  lstm_prims p = {NULL, NULL, NULL};
  bndl_status st = prims_get(s, d, &p);
  void *mine = NULL, *work = d->work;
  if (st == BNDL_OK && work == NULL) {
    mine = s->host->alloc(s->host->self, layout(d, &p).total);
    if (mine != NULL)
      ((work_header *)mine)->ready = 0;
    work = mine;
    st = mine ? BNDL_OK : BNDL_ERR_OUT_OF_MEMORY;
  }
  if (st == BNDL_OK)
    st = run(s, d, &p, work);
  prims_put(s, &p);
  onednn_pin_end(previous);
  if (mine)
    s->host->free(s->host->self, mine);
  return st;
}
