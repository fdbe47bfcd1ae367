/*
 * api_check.h - argument and handle checks shared by every public entry point.
 *
 * Each check fails with BNDL_ERR_INVALID_ARGUMENT and a message that names the public
 * function (__func__ of the caller) and the argument. BNDL_API_RETURN prefixes the
 * message of a failure coming from below with the function name, so every message the
 * user sees starts with the public call that failed.
 */
#ifndef BNDL_API_CHECK_H
#define BNDL_API_CHECK_H

#include "core/error.h"
#include "core/handle.h"

#define BNDL_CHECK_HANDLE(h, magic, type_name)                                                              \
  do {                                                                                                      \
    if (!bndl_handle_is((h), (magic)))                                                                      \
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%s: %s is %s", __func__, #h,                             \
                       (h) == NULL ? "NULL" : "not a live " type_name " handle (freed, or another type)"); \
  } while (0)

#define BNDL_CHECK_PTR(p)                                                                  \
  do {                                                                                     \
    if ((p) == NULL)                                                                       \
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%s: %s is NULL", __func__, #p);         \
  } while (0)

#define BNDL_CHECK_ARG(cond, ...)                                                          \
  do {                                                                                     \
    if (!(cond))                                                                           \
      return bndl_api_invalid(__func__, __VA_ARGS__);                                      \
  } while (0)

#define BNDL_API_RETURN(expr)                                                              \
  do {                                                                                     \
    bndl_status bndl_api_s_ = (expr);                                                      \
    return bndl_api_s_ == BNDL_OK ? BNDL_OK : bndl_error_prefix(bndl_api_s_, __func__);    \
  } while (0)

/* INVALID_ARGUMENT with "fn: " + formatted text. */
bndl_status bndl_api_invalid(const char *fn, const char *fmt, ...) BNDL_PRINTF(2, 3);

#endif
