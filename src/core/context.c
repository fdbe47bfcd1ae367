/*
 * context.c - creation, reference counting and the pool of a context.
 */
#include "core/context.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/handle.h"

bndl_status bndl_context_new(const bndl_context_desc *desc, bndl_context **out) {
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  if (desc) {
    /* The first layout is the smallest there will ever be; a newer caller's larger
     * struct is read up to the fields this library knows. */
    if (desc->struct_size < sizeof(bndl_context_desc))
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                       "desc->struct_size=%u is smaller than the first layout (%zu); use BNDL_CONTEXT_DESC_INIT",
                       (unsigned)desc->struct_size, sizeof(bndl_context_desc));
    memcpy(&d, desc, sizeof d);
  }
  if (d.n_threads < 0 || d.n_threads > 1024)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "desc->n_threads=%d is outside 0..1024", d.n_threads);
  bndl_allocator a = *bndl_default_allocator();
  if (d.allocator) {
    if (d.allocator->struct_size < sizeof(bndl_allocator) || !d.allocator->alloc || !d.allocator->free)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT,
                       "desc->allocator: struct_size=%u (need %zu) and both alloc and free must be set",
                       (unsigned)d.allocator->struct_size, sizeof(bndl_allocator));
    a = *d.allocator;
  }
  bndl_default_allocator_freeze();

  bndl_context *ctx = bndl_zalloc(&a, sizeof *ctx);
  if (ctx == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  ctx->alloc = a;
  atomic_init(&ctx->refs, 1);
  atomic_init(&ctx->seed, d.seed);
  ctx->log.min_level = BNDL_LOG_OFF;
  pthread_rwlock_init(&ctx->log_lock, NULL);
  pthread_rwlock_init(&ctx->pool_lock, NULL);
  bndl_status st = bndl_pool_create(&ctx->alloc, d.n_threads, &ctx->pool);
  if (st != BNDL_OK) {
    pthread_rwlock_destroy(&ctx->pool_lock);
    pthread_rwlock_destroy(&ctx->log_lock);
    bndl_free(&a, ctx);
    return st;
  }
  ctx->magic = BNDL_MAGIC_CONTEXT;
  *out = ctx;
  return BNDL_OK;
}

void bndl_context_retain(bndl_context *ctx) { atomic_fetch_add(&ctx->refs, 1); }

void bndl_context_release(bndl_context *ctx) {
  if (atomic_fetch_sub(&ctx->refs, 1) != 1)
    return;
  ctx->magic = BNDL_MAGIC_FREED;
  if (ctx->runtime_release)
    ctx->runtime_release(ctx->runtime);
  bndl_pool_destroy(ctx->pool);
  if (ctx->log.has_sink && ctx->log.release)
    ctx->log.release(ctx->log.user_data);
  pthread_rwlock_destroy(&ctx->pool_lock);
  pthread_rwlock_destroy(&ctx->log_lock);
  bndl_allocator a = ctx->alloc;
  bndl_free(&a, ctx);
}

bndl_status bndl_parallel_for(bndl_context *ctx, int64_t n_tasks, bndl_task_fn fn, void *ud) {
  /* The read lock keeps the pool alive for the whole job, so a concurrent set_threads
   * waits; glibc rwlocks prefer readers, so nested calls from tasks cannot deadlock
   * behind a waiting writer. A caller that finds the pool busy runs inline. */
  pthread_rwlock_rdlock(&ctx->pool_lock);
  bndl_status st = bndl_pool_for(ctx->pool, n_tasks, fn, ud);
  pthread_rwlock_unlock(&ctx->pool_lock);
  return st;
}

bndl_status bndl_parallel_concurrent(bndl_context *ctx, int64_t n_tasks, bndl_task_fn fn, void *ud, int *ran) {
  pthread_rwlock_rdlock(&ctx->pool_lock);
  bndl_status st = bndl_pool_for_concurrent(ctx->pool, n_tasks, fn, ud, ran);
  pthread_rwlock_unlock(&ctx->pool_lock);
  return st;
}

int32_t bndl_context_thread_count(bndl_context *ctx) {
  pthread_rwlock_rdlock(&ctx->pool_lock);
  int32_t n = bndl_pool_threads(ctx->pool);
  pthread_rwlock_unlock(&ctx->pool_lock);
  return n;
}

bndl_status bndl_context_resize_pool(bndl_context *ctx, int32_t n_threads) {
  bndl_pool *fresh = NULL;
  BNDL_TRY(bndl_pool_create(&ctx->alloc, n_threads, &fresh));
  pthread_rwlock_wrlock(&ctx->pool_lock);
  bndl_pool *old = ctx->pool;
  ctx->pool = fresh;
  pthread_rwlock_unlock(&ctx->pool_lock);
  bndl_pool_destroy(old);
  return BNDL_OK;
}
