/*
 * log.h - leveled log records delivered to a user callback (silent by default).
 *
 * One complete record per callback call (LightGBM#6975 lesson), from any thread. The
 * process default sink serves messages that have no context and contexts that never
 * set their own.
 */
#ifndef BNDL_CORE_LOG_H
#define BNDL_CORE_LOG_H

#include "bundle/bundle_types.h"
#include "core/error.h"

typedef struct bndl_log_sink {
  int has_sink;
  bndl_log_fn fn;
  void *user_data;
  bndl_release_fn release;
  bndl_log_level min_level;
} bndl_log_sink;

struct bndl_context;

/* Formats and delivers a record through ctx's sink (or the default when ctx is NULL
 * or has none). Never fails: a record that cannot be formatted in full is truncated. */
void bndl_log(struct bndl_context *ctx, bndl_log_level level, const char *fmt, ...) BNDL_PRINTF(3, 4);
/* Replaces the process default sink; releases the previous user data. */
bndl_status bndl_log_set_default(const bndl_log_sink *sink);
/* Releases the default sink at unload so its user data is not leaked. */
void bndl_log_reset_default(void);

#endif
