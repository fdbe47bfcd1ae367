/*
 * lstm_fused.c - the stacked LSTM's inference forward on the provider's fused LSTM
 * layer (bndl_op_lstm_forward; oneDNN's primitive), for providers that have one.
 *
 * The fused layer knows no padding: every sequence it gets runs every step. The model
 * pads on the left and a padded step leaves the state alone (lstm.h), so a sequence
 * is its valid suffix started from the zero state. The sequences are ordered by the
 * step their suffix starts at (then by index); at step t the running ones are then a
 * prefix of that order, growing at each distinct start. Between two distinct starts
 * the same sequences run, so each such stretch is one fused call of (steps x running
 * sequences), handed the previous stretch's final state with zero rows appended for
 * the sequences that start there. One sequence (inference at batch 1) or a batch
 * without padding is one call per layer. The stretches' inputs and outputs are packed
 * time-major one after the other; every layer reads and writes that packed layout, and
 * the result is scattered to rows b * len + t at the end (zero rows where padded).
 *
 * Not taken (the caller composes): sequences with a valid step before their suffix
 * (holes), dropout between layers (training), or a shape the provider turns down
 * (BNDL_ERR_UNSUPPORTED when asked for its workspace, before anything runs). The
 * workspace of the largest call comes from the arena, so a repeated shape allocates
 * nothing.
 *
 * Results depend on the batch's composition (which stretches a sequence falls in) and
 * on the shapes, not on the thread count: the fused layer is one execution on the
 * calling thread.
 */
#include <stddef.h>
#include <string.h>

#include "core/error.h"
#include "model/lstm.h"
#include "runtime/runtime.h"

typedef struct stretch {
  int64_t t0, steps, n; /* first step, steps, running sequences */
  int64_t np;           /* rows per step in the packed layout: n rounded up (dummy rows) */
  int64_t row;          /* first packed row */
} stretch;

/* One fused call: `steps` steps of `np` rows from packed row `row`; rows [zero_from,
 * np) of the incoming state start at zero (sequences that start here, dummies). */
typedef struct piece {
  int64_t row, steps, np, zero_from;
  int first; /* the very first call: zero state */
} piece;

/* Few distinct shapes, so the provider's primitive cache keeps them all: the running
 * count is rounded up to 1, 2, 4, 8, then a multiple of 8 (the extra rows compute
 * nothing anyone reads), and a stretch runs as pieces of 2^j steps, longest first. */
static int64_t round_rows(int64_t n) {
  if (n > 8)
    return (n + 7) / 8 * 8;
  int64_t r = 1;
  while (r < n)
    r *= 2;
  return r;
}

/* Orders the sequences by suffix start and cuts the steps into stretches. Returns 0
 * when a sequence has a hole (a valid step before its suffix). */
static int plan(int64_t batch, int64_t len, const uint8_t *valid, int64_t *start, int64_t *order, stretch *st,
                int64_t *n_st, int64_t *rows) {
  for (int64_t b = 0; b < batch; b++) {
    int64_t s = len;
    while (s > 0 && (valid == NULL || valid[b * len + s - 1]))
      s--;
    for (int64_t t = 0; t < s && valid; t++)
      if (valid[b * len + t])
        return 0;
    start[b] = s;
  }
  int64_t k = 0; /* counting order by start: stable in b */
  for (int64_t s = 0; s <= len; s++)
    for (int64_t b = 0; b < batch; b++)
      if (start[b] == s)
        order[k++] = b;
  *n_st = 0;
  *rows = 0;
  for (int64_t i = 0; i < batch && start[order[i]] < len;) {
    int64_t t0 = start[order[i]];
    while (i < batch && start[order[i]] == t0)
      i++;
    if (*n_st > 0)
      st[*n_st - 1].steps = t0 - st[*n_st - 1].t0;
    st[*n_st] = (stretch){t0, len - t0, i, round_rows(i), 0};
    (*n_st)++;
  }
  for (int64_t j = 0; j < *n_st; j++) {
    st[j].row = *rows;
    *rows += st[j].steps * st[j].np;
  }
  return 1;
}

/* The calls of one layer, in order; returns their count (pieces may be NULL to count). */
static int64_t cut(const stretch *st, int64_t n_st, piece *pieces) {
  int64_t count = 0;
  for (int64_t k = 0; k < n_st; k++) {
    int64_t row = st[k].row, left = st[k].steps;
    for (int64_t size = (int64_t)1 << 62; left > 0; size >>= 1) {
      if (size > left)
        continue;
      if (pieces)
        pieces[count] = (piece){row, size, st[k].np, row == st[k].row && k > 0 ? st[k - 1].n : st[k].np,
                                count == 0};
      count++;
      row += size * st[k].np;
      left -= size;
    }
  }
  return count;
}

/* One layer over every piece; h and c are ping-pong state pairs (rows x H each). */
static bndl_status layer_run(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t li, const piece *pc, int64_t n_pc,
                             const float *xp, float *yp, float *h[2], float *c[2], void *work) {
  const bndl_nn_params *p = nn->params;
  int64_t in = li == 0 ? l->input : l->hidden, hid = l->hidden;
  for (int64_t k = 0; k < n_pc; k++) {
    float *h_in = h[k % 2], *c_in = c[k % 2];
    if (!pc[k].first && pc[k].zero_from < pc[k].np) {
      size_t from = (size_t)(pc[k].zero_from * hid), count = (size_t)((pc[k].np - pc[k].zero_from) * hid);
      memset(h_in + from, 0, count * sizeof(float));
      memset(c_in + from, 0, count * sizeof(float));
    }
    bndl_lstm_desc d = {
        .len = pc[k].steps,
        .batch = pc[k].np,
        .input = in,
        .hidden = hid,
        .x = xp + pc[k].row * in,
        .w_ih = bndl_nn_value(p, l->w_ih[li]),
        .w_hh = bndl_nn_value(p, l->w_hh[li]),
        .b_ih = bndl_nn_value(p, l->b_ih[li]),
        .b_hh = bndl_nn_value(p, l->b_hh[li]),
        .h0 = pc[k].first ? NULL : h_in,
        .c0 = pc[k].first ? NULL : c_in,
        .y = yp + pc[k].row * hid,
        .h_out = k + 1 < n_pc ? h[(k + 1) % 2] : NULL,
        .c_out = k + 1 < n_pc ? c[(k + 1) % 2] : NULL,
        .work = work,
        .weights_ready = k > 0,
    };
    BNDL_TRY(bndl_op_lstm_forward(nn->ctx, &d));
  }
  return BNDL_OK;
}

static bndl_status fused_run(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t batch, int64_t len, const float *x,
                             const uint8_t *valid, float *y, int *done) {
  int64_t hid = l->hidden, in0 = l->input, widest = in0 > hid ? in0 : hid;
  int64_t *start = bndl_nn_arena_alloc(nn->arena, (size_t)batch * sizeof(int64_t));
  int64_t *order = bndl_nn_arena_alloc(nn->arena, (size_t)batch * sizeof(int64_t));
  stretch *st = bndl_nn_arena_alloc(nn->arena, (size_t)batch * sizeof(stretch));
  if (start == NULL || order == NULL || st == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  int64_t n_st = 0, rows = 0;
  if (!plan(batch, len, valid, start, order, st, &n_st, &rows))
    return BNDL_OK; /* holes: composed */
  if (rows == 0) { /* every sequence fully padded */
    memset(y, 0, (size_t)(batch * len * hid) * sizeof(float));
    *done = 1;
    return BNDL_OK;
  }
  int64_t n_pc = cut(st, n_st, NULL), width = st[n_st - 1].np;
  piece *pc = bndl_nn_arena_alloc(nn->arena, (size_t)n_pc * sizeof(piece));
  float *buf[2] = {bndl_nn_arena_floats(nn->arena, rows * widest), bndl_nn_arena_floats(nn->arena, rows * hid)};
  float *h[2] = {bndl_nn_arena_floats(nn->arena, width * hid), bndl_nn_arena_floats(nn->arena, width * hid)};
  float *c[2] = {bndl_nn_arena_floats(nn->arena, width * hid), bndl_nn_arena_floats(nn->arena, width * hid)};
  if (pc == NULL || buf[0] == NULL || buf[1] == NULL || h[0] == NULL || h[1] == NULL || c[0] == NULL || c[1] == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  cut(st, n_st, pc);
  /* one workspace for the largest call (asking also creates and caches the primitives) */
  size_t work_bytes = 0;
  for (int64_t li = 0; li < l->layers && li < 2; li++)
    for (int64_t k = 0; k < n_pc; k++) {
      bndl_lstm_desc q = {.len = pc[k].steps, .batch = pc[k].np, .input = li == 0 ? in0 : hid, .hidden = hid};
      size_t bytes = 0;
      bndl_status status = bndl_op_lstm_workspace(nn->ctx, &q, &bytes);
      if (status == BNDL_ERR_UNSUPPORTED)
        return BNDL_OK; /* the provider turned the shape down: composed */
      BNDL_TRY(status);
      work_bytes = bytes > work_bytes ? bytes : work_bytes;
    }
  void *work = bndl_nn_arena_alloc(nn->arena, work_bytes);
  if (work == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  /* pack: stretch k, step t0 + s, running sequence i -> row st[k].row + s * np + i
   * (dummy rows stay zero) */
  for (int64_t k = 0; k < n_st; k++)
    for (int64_t s = 0; s < st[k].steps; s++) {
      float *step = buf[0] + (st[k].row + s * st[k].np) * in0;
      for (int64_t i = 0; i < st[k].n; i++)
        memcpy(step + i * in0, x + (order[i] * len + st[k].t0 + s) * in0, (size_t)in0 * sizeof(float));
      memset(step + st[k].n * in0, 0, (size_t)((st[k].np - st[k].n) * in0) * sizeof(float));
    }
  int cur = 0;
  for (int64_t li = 0; li < l->layers; li++) {
    BNDL_TRY(layer_run(nn, l, li, pc, n_pc, buf[cur], buf[1 - cur], h, c, work));
    cur = 1 - cur;
  }
  memset(y, 0, (size_t)(batch * len * hid) * sizeof(float));
  for (int64_t k = 0; k < n_st; k++)
    for (int64_t s = 0; s < st[k].steps; s++)
      for (int64_t i = 0; i < st[k].n; i++)
        memcpy(y + (order[i] * len + st[k].t0 + s) * hid, buf[cur] + (st[k].row + s * st[k].np + i) * hid,
               (size_t)hid * sizeof(float));
  *done = 1;
  return BNDL_OK;
}

bndl_status bndl_nn_lstm_forward_fused(const bndl_nn *nn, const bndl_nn_lstm *l, int64_t batch, int64_t len,
                                       const float *x, const uint8_t *valid, float *y, int *done) {
  *done = 0;
  if (batch <= 0 || len <= 0 || !bndl_runtime_provides(nn->ctx, offsetof(bndl_backend_ops, lstm_forward)))
    return BNDL_OK;
  for (int64_t li = 0; li + 1 < l->layers; li++) {
    bndl_nn_dropout d = {l->drop.p, l->drop.site + (uint64_t)li};
    if (bndl_nn_dropout_active(nn, &d))
      return BNDL_OK;
  }
  bndl_nn_mark m = bndl_nn_arena_mark(nn->arena);
  bndl_status st = fused_run(nn, l, batch, len, x, valid, y, done);
  bndl_nn_arena_release(nn->arena, m);
  return st;
}
