/*
 * thread_count.c - counting the entries of /proc/self/task (see thread_count.h).
 */
#include "thread_count.h"

#include <dirent.h>
#include <pthread.h>
#include <time.h>

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int test_count_threads(void) {
  DIR *d = opendir("/proc/self/task");
  if (d == NULL)
    return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

static void *noop_thread(void *arg) { return arg; }

int test_thread_baseline(void) {
  int before = test_count_threads();
  pthread_t t;
  if (pthread_create(&t, NULL, noop_thread, NULL) == 0)
    pthread_join(t, NULL);
  int n = test_count_threads();
  /* back to `before` unless the runtime kept a helper thread */
  for (int i = 0; i < 200 && n > before; i++) {
    sleep_ms(1);
    n = test_count_threads();
  }
  return n;
}

int test_settled_thread_count(int want) {
  int n = test_count_threads();
  for (int i = 0; i < 2000 && n != want; i++) {
    sleep_ms(1);
    n = test_count_threads();
  }
  return n;
}
