/*
 * error.c - thread-local last error (code + message of any length).
 *
 * Each failure formats its message into a fresh buffer from malloc (the slot
 * outlives every context, so it cannot use a context allocator) and only then releases the previous one, so a message may be built from the
 * current one (prefixing) without aliasing. Failures are rare, so one allocation per
 * failure costs nothing that matters. If that allocation fails, a fixed per-thread
 * buffer holds a truncated message: a failure is never lost to a second failure.
 * A thread's buffer is released by a pthread key destructor when the thread exits.
 */
#include "core/error.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

enum { FALLBACK_BYTES = 256 };

typedef struct error_slot {
  bndl_status code;
  char *heap; /* current message from the default allocator, or NULL */
  char fallback[FALLBACK_BYTES];
  const char *msg; /* heap, fallback, or a static string */
} error_slot;

static _Thread_local error_slot *tls_slot;
static _Thread_local error_slot tls_static_slot; /* if the slot itself cannot be allocated */
static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;

static void slot_destroy(void *p) {
  error_slot *s = p;
  if (s == NULL || s == &tls_static_slot)
    return;
  if (s->heap)
    bndl_sys_free(s->heap);
  bndl_sys_free(s);
}

static void make_key(void) { (void)pthread_key_create(&slot_key, slot_destroy); }

static error_slot *slot_get(void) {
  if (tls_slot)
    return tls_slot;
  pthread_once(&slot_once, make_key);
  error_slot *s = bndl_sys_alloc(sizeof *s);
  if (s == NULL) {
    s = &tls_static_slot;
  } else {
    memset(s, 0, sizeof *s);
    (void)pthread_setspecific(slot_key, s);
  }
  s->code = BNDL_OK;
  s->msg = "no error";
  tls_slot = s;
  return s;
}

/* Replaces the message with `text` (len bytes, may alias the current message). */
static void slot_take(error_slot *s, char *fresh, const char *text, size_t len) {
  if (fresh) {
    if (s->heap)
      bndl_sys_free(s->heap);
    s->heap = fresh;
    s->msg = fresh;
    return;
  }
  size_t n = len < FALLBACK_BYTES - 1 ? len : FALLBACK_BYTES - 1;
  memmove(s->fallback, text, n);
  s->fallback[n] = '\0';
  s->msg = s->fallback;
}

bndl_status bndl_failv(bndl_status code, const char *fmt, va_list ap) {
  error_slot *s = slot_get();
  va_list ap2;
  va_copy(ap2, ap);
  char small[FALLBACK_BYTES];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n < 0) {
    n = (int)strlen(strcpy(small, "error message could not be formatted"));
  }
  char *fresh = bndl_sys_alloc((size_t)n + 1);
  if (fresh) {
    if ((size_t)n < sizeof small)
      memcpy(fresh, small, (size_t)n + 1);
    else
      vsnprintf(fresh, (size_t)n + 1, fmt, ap2);
  }
  va_end(ap2);
  slot_take(s, fresh, small, (size_t)n);
  s->code = code;
  return code;
}

bndl_status bndl_fail(bndl_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bndl_failv(code, fmt, ap);
  va_end(ap);
  return code;
}

bndl_status bndl_error_prefix(bndl_status code, const char *prefix) {
  error_slot *s = slot_get();
  size_t plen = strlen(prefix), mlen = strlen(s->msg);
  /* Already prefixed by this function (a public call used inside another): keep. */
  if (strncmp(s->msg, prefix, plen) == 0 && s->msg[plen] == ':')
    return code;
  return bndl_fail(code, "%.*s: %.*s", (int)plen, prefix, (int)mlen, s->msg);
}

bndl_status bndl_error_code(void) { return slot_get()->code; }

const char *bndl_error_message(void) { return slot_get()->msg; }
