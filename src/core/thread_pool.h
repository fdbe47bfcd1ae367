/*
 * thread_pool.h - the one worker pool of a context.
 *
 * bndl_pool_for runs fn(ud, task, worker) for task = 0..n_tasks-1. Tasks are claimed
 * dynamically, so callers must make each task's result depend on the task index only
 * (write to slot `task`), never on which worker ran it: that keeps results identical
 * for every thread count. `worker` (0..threads-1) indexes per-worker scratch.
 *
 * The calling thread works as worker 0. If the pool is already running a job (another
 * application thread, or a nested call from inside a task), the call runs all its tasks
 * inline on the caller: no deadlock and no extra threads, ever (TARGETS.md P6).
 *
 * A failing task stops the claiming of new tasks; the failure of the lowest failing task
 * index is returned and its message is moved to the caller's error slot.
 */
#ifndef BNDL_CORE_THREAD_POOL_H
#define BNDL_CORE_THREAD_POOL_H

#include <stdint.h>

#include "bundle/bundle_types.h"

typedef struct bndl_pool bndl_pool;
typedef bndl_status (*bndl_task_fn)(void *ud, int64_t task, int32_t worker);

/* n_threads counts the caller; 1 means no worker threads at all. */
bndl_status bndl_pool_create(const bndl_allocator *a, int32_t n_threads, bndl_pool **out);
void bndl_pool_destroy(bndl_pool *p);
int32_t bndl_pool_threads(const bndl_pool *p);
bndl_status bndl_pool_for(bndl_pool *p, int64_t n_tasks, bndl_task_fn fn, void *ud);
/* Like bndl_pool_for, but only if all n_tasks can run at the same time (tasks that wait
 * for each other, such as a producer and its consumer). If the pool has fewer threads
 * or is busy, nothing runs and *ran = 0: the caller takes its sequential path. */
bndl_status bndl_pool_for_concurrent(bndl_pool *p, int64_t n_tasks, bndl_task_fn fn, void *ud, int *ran);
/* Hardware concurrency of the machine (sysconf), at least 1. */
int32_t bndl_hardware_threads(void);

#endif
