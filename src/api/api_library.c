/*
 * api_library.c - version queries, status texts, the last-error slot and the process
 * defaults (allocator, log sink).
 */
#include <stdarg.h>
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/alloc.h"
#include "core/build_info.h"
#include "core/log.h"
#include "core/reentry.h"

bndl_status bndl_api_invalid(const char *fn, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bndl_failv(BNDL_ERR_INVALID_ARGUMENT, fmt, ap);
  va_end(ap);
  return bndl_error_prefix(BNDL_ERR_INVALID_ARGUMENT, fn);
}

int32_t bndl_version_number(void) { return BNDL_VERSION_NUMBER; }

const char *bndl_version_string(void) { return BNDL_VERSION_STRING; }

int32_t bndl_abi_version(void) { return BNDL_ABI_VERSION; }

const char *bndl_build_info(void) { return bndl_build_info_json(); }

const char *bndl_status_str(bndl_status status) {
  switch (status) {
  case BNDL_OK: return "success";
  case BNDL_ERR_INVALID_ARGUMENT: return "invalid argument";
  case BNDL_ERR_OUT_OF_MEMORY: return "out of memory";
  case BNDL_ERR_NOT_FOUND: return "not found";
  case BNDL_ERR_IO: return "input/output error";
  case BNDL_ERR_FORMAT: return "malformed or unknown file format";
  case BNDL_ERR_VERSION: return "unsupported version";
  case BNDL_ERR_UNSUPPORTED: return "not supported by this build";
  case BNDL_ERR_BACKEND: return "compute backend or device failure";
  case BNDL_ERR_STATE: return "call not valid in the object's current state";
  case BNDL_ERR_BUFFER_TOO_SMALL: return "buffer too small";
  case BNDL_ERR_CANCELLED: return "cancelled by callback";
  case BNDL_ERR_BUSY: return "busy: process-wide setting already in use";
  case BNDL_ERR_LIMIT: return "configured resource limit exceeded";
  case BNDL_ERR_INTERNAL: return "internal error (a libbundle bug)";
  }
  return "unknown status code";
}

bndl_status bndl_last_error_code(void) { return bndl_error_code(); }

const char *bndl_last_error_message(void) { return bndl_error_message(); }

bndl_status bndl_last_error_copy(char *buf, size_t cap, size_t *needed) {
  /* Must not touch the slot: report argument errors through the status only. */
  const char *msg = bndl_error_message();
  size_t n = strlen(msg) + 1;
  if (needed)
    *needed = n;
  if (buf == NULL && cap > 0)
    return BNDL_ERR_INVALID_ARGUMENT;
  if (cap >= n) {
    memcpy(buf, msg, n);
    return BNDL_OK;
  }
  if (cap > 0) {
    memcpy(buf, msg, cap - 1);
    buf[cap - 1] = '\0';
  }
  return BNDL_ERR_BUFFER_TOO_SMALL;
}

bndl_status bndl_set_default_allocator(const bndl_allocator *allocator) {
  BNDL_API_RETURN(bndl_default_allocator_set(allocator));
}

bndl_status bndl_set_default_log(bndl_log_fn fn, void *user_data, bndl_release_fn release,
                                 bndl_log_level min_level) {
  if (bndl_tls_inside_callback)
    return bndl_error_prefix(bndl_fail(BNDL_ERR_STATE, "called from inside a log callback"), __func__);
  BNDL_CHECK_ARG(min_level >= BNDL_LOG_DEBUG && min_level <= BNDL_LOG_OFF, "min_level=%d is not a bndl_log_level",
                 (int)min_level);
  bndl_log_sink s = {fn != NULL, fn, user_data, release, min_level};
  BNDL_API_RETURN(bndl_log_set_default(&s));
}
