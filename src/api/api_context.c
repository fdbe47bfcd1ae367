/*
 * api_context.c - public entry points of bndl_context.
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/context.h"
#include "core/reentry.h"
#include "runtime/runtime.h"

bndl_status bndl_context_create(const bndl_context_desc *desc, bndl_context **out) {
  BNDL_CHECK_PTR(out);
  bndl_context *ctx = NULL;
  bndl_status st = bndl_context_new(desc, &ctx);
  if (st == BNDL_OK && (st = bndl_runtime_attach(ctx, NULL)) != BNDL_OK)
    bndl_context_release(ctx);
  if (st == BNDL_OK)
    *out = ctx;
  BNDL_API_RETURN(st);
}

void bndl_context_free(bndl_context *ctx) {
  if (bndl_handle_is(ctx, BNDL_MAGIC_CONTEXT))
    bndl_context_release(ctx);
}

/* set_log and set_threads take the context's write locks, which a log callback or a
 * pool task on this thread already holds for reading: refuse instead of hanging. */
static bndl_status check_not_reentrant(const char *fn) {
  if (bndl_tls_inside_callback)
    return bndl_error_prefix(
        bndl_fail(BNDL_ERR_STATE, "called from inside a log callback or a parallel task of the library"), fn);
  return BNDL_OK;
}

bndl_status bndl_context_set_log(bndl_context *ctx, bndl_log_fn fn, void *user_data, bndl_release_fn release,
                                 bndl_log_level min_level) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_TRY(check_not_reentrant(__func__));
  BNDL_CHECK_ARG(min_level >= BNDL_LOG_DEBUG && min_level <= BNDL_LOG_OFF, "min_level=%d is not a bndl_log_level",
                 (int)min_level);
  pthread_rwlock_wrlock(&ctx->log_lock);
  bndl_log_sink old = ctx->log;
  ctx->log.has_sink = 1; /* a NULL fn silences this context, overriding the default */
  ctx->log.fn = fn;
  ctx->log.user_data = user_data;
  ctx->log.release = release;
  ctx->log.min_level = min_level;
  pthread_rwlock_unlock(&ctx->log_lock);
  if (old.has_sink && old.release)
    old.release(old.user_data);
  return BNDL_OK;
}

bndl_status bndl_context_set_threads(bndl_context *ctx, int32_t n_threads) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_ARG(n_threads >= 0 && n_threads <= 1024, "n_threads=%d is outside 0..1024", n_threads);
  BNDL_TRY(check_not_reentrant(__func__));
  BNDL_API_RETURN(bndl_context_resize_pool(ctx, n_threads));
}

int32_t bndl_context_threads(const bndl_context *ctx) {
  if (!bndl_handle_is(ctx, BNDL_MAGIC_CONTEXT))
    return 0;
  return bndl_context_thread_count((bndl_context *)ctx);
}

bndl_status bndl_context_set_seed(bndl_context *ctx, uint64_t seed) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  atomic_store(&ctx->seed, seed);
  return BNDL_OK;
}

bndl_status bndl_context_set_backend(bndl_context *ctx, const char *name) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  BNDL_CHECK_PTR(name);
  BNDL_TRY(check_not_reentrant(__func__));
  BNDL_API_RETURN(bndl_runtime_select(ctx, name));
}

const char *bndl_context_backend(const bndl_context *ctx) {
  return bndl_handle_is(ctx, BNDL_MAGIC_CONTEXT) ? bndl_runtime_name(ctx) : NULL;
}

const char *bndl_context_backend_info(const bndl_context *ctx) {
  return bndl_handle_is(ctx, BNDL_MAGIC_CONTEXT) ? bndl_runtime_describe(ctx) : NULL;
}

const char *bndl_backend_name(int32_t index) { return bndl_runtime_builtin_name(index); }

int32_t bndl_backend_available(const char *name) {
  for (int32_t i = 0; name && bndl_runtime_builtin_name(i); i++)
    if (strcmp(bndl_runtime_builtin_name(i), name) == 0)
      return bndl_runtime_builtin_available(i);
  return 0;
}

uint64_t bndl_context_seed(const bndl_context *ctx) {
  if (!bndl_handle_is(ctx, BNDL_MAGIC_CONTEXT))
    return 0;
  return atomic_load(&((bndl_context *)ctx)->seed);
}
