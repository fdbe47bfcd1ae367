/*
 * runtime.h - the compute provider of a context, and the op entry points algorithms
 * call (bndl_op_*).
 *
 * Each context has one selected provider ("auto" picks the best one compiled in:
 * onednn, then openblas, then ref) plus the ref provider as the fallback for ops the
 * selected one leaves out. Selection comes from bndl_context_set_backend or, when a
 * context is created, the environment variable BNDL_BACKEND. Asking for a provider that
 * is not compiled in is BNDL_ERR_UNSUPPORTED with the list of those that are: the
 * library never falls back silently.
 *
 * Thread rules: ops may run from any thread concurrently (read lock); switching the
 * provider waits for running ops (write lock).
 */
#ifndef BNDL_RUNTIME_RUNTIME_H
#define BNDL_RUNTIME_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "backends/backend.h"
#include "bundle/bundle_types.h"

struct bndl_context;

/* Attaches a runtime to a new context, selecting `name` (NULL: $BNDL_BACKEND or "auto"). */
bndl_status bndl_runtime_attach(struct bndl_context *ctx, const char *name);
bndl_status bndl_runtime_select(struct bndl_context *ctx, const char *name);
/* Name of the provider in use ("ref", "openblas", "onednn") and its description. */
const char *bndl_runtime_name(const struct bndl_context *ctx);
const char *bndl_runtime_describe(const struct bndl_context *ctx);
/* Built-in providers, compiled in or not. */
int32_t bndl_runtime_builtin_count(void);
const char *bndl_runtime_builtin_name(int32_t i);
int bndl_runtime_builtin_available(int32_t i);

/* The ops (see backends/backend.h for their contracts). The conformance tests run the
 * oracle on a second context set to "ref" (tests/backend/). */
bndl_status bndl_op_gemm(struct bndl_context *ctx, const bndl_gemm_desc *d);
bndl_status bndl_op_spmm(struct bndl_context *ctx, const bndl_spmm_desc *d);
bndl_status bndl_op_row_norms(struct bndl_context *ctx, int64_t rows, int64_t cols, const float *x, int64_t ldx,
                              float *out);
bndl_status bndl_op_scale_rows(struct bndl_context *ctx, int64_t rows, int64_t cols, float *x, int64_t ldx,
                               const float *scale);
bndl_status bndl_op_softmax(struct bndl_context *ctx, int64_t rows, int64_t cols, const float *x, int64_t ldx,
                            float *y, int64_t ldy);
bndl_status bndl_op_eltwise(struct bndl_context *ctx, bndl_eltwise_kind kind, int64_t n, const float *x, float *y);
bndl_status bndl_op_eltwise_backward(struct bndl_context *ctx, bndl_eltwise_kind kind, int64_t n, const float *x,
                                     const float *dy, float *dx);
bndl_status bndl_op_topk(struct bndl_context *ctx, const bndl_topk_desc *d);
bndl_status bndl_op_spd_inverse(struct bndl_context *ctx, int64_t n, float *a, int64_t lda);
bndl_status bndl_op_sym_eigen(struct bndl_context *ctx, int64_t n, float *a, int64_t lda, int64_t k, float *values,
                              float *vectors);

/* Optional fused layers (backend.h): the provider in use, or one after it in "auto"
 * order, runs them; with none, BNDL_ERR_UNSUPPORTED: ask bndl_runtime_provides first
 * and compose the layer from the ops above instead (model/lstm.c). */
bndl_status bndl_op_lstm_forward(struct bndl_context *ctx, const bndl_lstm_desc *d);
bndl_status bndl_op_lstm_workspace(struct bndl_context *ctx, const bndl_lstm_desc *d, size_t *bytes);
/* Whether some provider runs the op in vtable slot `slot_offset` (offsetof into
 * bndl_backend_ops) on this context: always for the ops above, for the optional ones
 * only where a provider has them. */
int bndl_runtime_provides(struct bndl_context *ctx, size_t slot_offset);

/* The host table of a context (for providers and tests). */
const bndl_host *bndl_runtime_host(struct bndl_context *ctx);

/* Name of the provider that runs the op in vtable slot `slot_offset` (offsetof into
 * bndl_backend_ops) on this context, by the same fallback rule as the op calls; opens
 * nothing. Lets an algorithm state its memory before it runs (the providers' workspace
 * differs: see item_model.c). */
const char *bndl_runtime_op_provider(struct bndl_context *ctx, size_t slot_offset);

#endif
