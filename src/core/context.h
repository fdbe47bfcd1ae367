/*
 * context.h - the library instance every object is created from.
 *
 * A context owns the allocator, the log sink, the worker pool and the default seed. It
 * is reference counted: objects created from it retain it, so the user may free the
 * context before its children (API.md section 5.2).
 */
#ifndef BNDL_CORE_CONTEXT_H
#define BNDL_CORE_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "bundle/bundle_types.h"
#include "core/log.h"
#include "core/thread_pool.h"

struct bndl_context {
  uint32_t magic;
  atomic_int refs;
  bndl_allocator alloc;
  bndl_log_sink log; /* guarded by log_lock; has_sink == 0 means "use the process default" */
  pthread_rwlock_t log_lock;
  pthread_rwlock_t pool_lock; /* read: using `pool`; write: swapping it (set_threads) */
  bndl_pool *pool;
  atomic_uint_fast64_t seed;
  /* The compute runtime (runtime/runtime.c) lives above core: core only keeps it and
   * calls its release when the context goes. */
  struct bndl_runtime *runtime;
  void (*runtime_release)(struct bndl_runtime *);
};

bndl_status bndl_context_new(const bndl_context_desc *desc, bndl_context **out);
void bndl_context_retain(bndl_context *ctx);
void bndl_context_release(bndl_context *ctx);
/* Runs tasks on the context's pool (see thread_pool.h for the contract). */
bndl_status bndl_parallel_for(bndl_context *ctx, int64_t n_tasks, bndl_task_fn fn, void *ud);
/* Runs n_tasks that must run at the same time, if the pool can (see
 * bndl_pool_for_concurrent); *ran = 0 otherwise. */
bndl_status bndl_parallel_concurrent(bndl_context *ctx, int64_t n_tasks, bndl_task_fn fn, void *ud, int *ran);
int32_t bndl_context_thread_count(bndl_context *ctx);
bndl_status bndl_context_resize_pool(bndl_context *ctx, int32_t n_threads);

#endif
