/*
 * error.h - the thread-local last-error slot and the propagation macro.
 *
 * Contract: a function that fails stores a code and a message here and returns the
 * code; its callers propagate the code unchanged (BNDL_TRY), and the public entry point
 * prefixes the message with its own name (bndl_error_prefix). The slot is per thread, so
 * concurrent calls never see each other's messages; it is overwritten only by failures.
 */
#ifndef BNDL_CORE_ERROR_H
#define BNDL_CORE_ERROR_H

#include <stdarg.h>

#include "bundle/bundle_types.h"

#if defined(__GNUC__)
#  define BNDL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define BNDL_PRINTF(f, a)
#endif

/* Stores code + formatted message in the calling thread's slot; returns code. */
bndl_status bndl_fail(bndl_status code, const char *fmt, ...) BNDL_PRINTF(2, 3);
bndl_status bndl_failv(bndl_status code, const char *fmt, va_list ap) BNDL_PRINTF(2, 0);
/* Prepends "prefix: " to the current message (used by the API layer). Returns code. */
bndl_status bndl_error_prefix(bndl_status code, const char *prefix);
/* Copies the current slot out (for handing a worker's error to the calling thread). */
bndl_status bndl_error_code(void);
const char *bndl_error_message(void);

/* Propagate a failure without repeating `if` blocks (zstd's FORWARD_IF_ERROR idea). */
#define BNDL_TRY(expr)                   \
  do {                                   \
    bndl_status bndl_try_s_ = (expr);    \
    if (bndl_try_s_ != BNDL_OK)          \
      return bndl_try_s_;                \
  } while (0)

/* Same, but jump to a cleanup label with the status stored in `st`. */
#define BNDL_TRY_GOTO(st, expr, label) \
  do {                                 \
    (st) = (expr);                     \
    if ((st) != BNDL_OK)               \
      goto label;                      \
  } while (0)

#endif
