/*
 * log.c - formatting and delivery of log records.
 *
 * Records up to 1 KiB are formatted on the stack; longer ones are formatted into a heap
 * buffer from the context allocator, and truncated if that fails. The sink is read under
 * a read lock so that set_log can swap it while workers log.
 */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/reentry.h"

_Thread_local int bndl_tls_inside_callback;

static bndl_log_sink default_sink;
static pthread_rwlock_t default_lock = PTHREAD_RWLOCK_INITIALIZER;

bndl_status bndl_log_set_default(const bndl_log_sink *sink) {
  if (!sink->has_sink && sink->release) /* nothing will hold user_data: give it back now */
    sink->release(sink->user_data);
  pthread_rwlock_wrlock(&default_lock);
  bndl_log_sink old = default_sink;
  default_sink = *sink;
  pthread_rwlock_unlock(&default_lock);
  if (old.has_sink && old.release)
    old.release(old.user_data);
  return BNDL_OK;
}

/* At unload (dlclose or exit), hand the default sink's user data back to its owner. */
#if defined(__GNUC__)
__attribute__((destructor)) static void release_default_sink(void) { bndl_log_reset_default(); }
#endif

void bndl_log_reset_default(void) {
  bndl_log_sink none = {0, 0, 0, 0, BNDL_LOG_OFF};
  bndl_log_set_default(&none);
}

static void deliver(const bndl_log_sink *s, bndl_log_level level, const char *text) {
  if (s->has_sink && s->fn && level >= s->min_level && s->min_level != BNDL_LOG_OFF) {
    bndl_tls_inside_callback++;
    s->fn(s->user_data, level, text);
    bndl_tls_inside_callback--;
  }
}

/* Declared with the printf attribute so the compiler checks the va_list pass-through. */
static void format_and_deliver(const bndl_log_sink *s, const bndl_allocator *a, bndl_log_level level,
                               const char *fmt, va_list ap) BNDL_PRINTF(4, 0);

static void format_and_deliver(const bndl_log_sink *s, const bndl_allocator *a, bndl_log_level level,
                               const char *fmt, va_list ap) {
  if (!s->has_sink || s->fn == NULL || level < s->min_level || s->min_level == BNDL_LOG_OFF)
    return;
  va_list ap2;
  va_copy(ap2, ap);
  char small[1024];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n >= 0 && (size_t)n >= sizeof small) {
    char *big = a->alloc(a->user_data, (size_t)n + 1, 16);
    if (big) {
      vsnprintf(big, (size_t)n + 1, fmt, ap2);
      deliver(s, level, big);
      a->free(a->user_data, big);
      va_end(ap2);
      return;
    }
  }
  va_end(ap2);
  deliver(s, level, n < 0 ? "log record could not be formatted" : small);
}

void bndl_log(struct bndl_context *ctx, bndl_log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (ctx) {
    pthread_rwlock_rdlock(&ctx->log_lock);
    if (ctx->log.has_sink) {
      format_and_deliver(&ctx->log, &ctx->alloc, level, fmt, ap);
      pthread_rwlock_unlock(&ctx->log_lock);
      va_end(ap);
      return;
    }
    pthread_rwlock_unlock(&ctx->log_lock);
  }
  pthread_rwlock_rdlock(&default_lock);
  format_and_deliver(&default_sink, bndl_default_allocator(), level, fmt, ap);
  pthread_rwlock_unlock(&default_lock);
  va_end(ap);
}
