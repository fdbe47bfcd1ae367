/*
 * thread_count.h - how many threads this process has, from /proc/self/task.
 *
 * The thread-budget tests (TARGETS.md P6) compare the count while jobs run against a
 * baseline taken before the library created any thread.
 */
#ifndef BNDL_TEST_THREAD_COUNT_H
#define BNDL_TEST_THREAD_COUNT_H

/* Threads of this process right now (-1 if /proc is not readable). */
int test_count_threads(void);
/* The count once runtime helper threads exist: sanitizer runtimes may start one with
 * the first pthread_create, so one thread is started and joined before counting. */
int test_thread_baseline(void);
/* A joined thread can stay listed for a moment while the kernel finishes its exit;
 * waits up to 2 s for the count to come down to `want` and returns the last count. */
int test_settled_thread_count(int want);

#endif
