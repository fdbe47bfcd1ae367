/*
 * reentry.h - detects calls made from inside a callback or a pool task that would
 * deadlock on a lock the caller already holds (API.md section 5.8: re-entrant calls
 * into the invoking object get BNDL_ERR_STATE, never a hang).
 */
#ifndef BNDL_CORE_REENTRY_H
#define BNDL_CORE_REENTRY_H

/* > 0 while this thread runs a log callback or a pool task. */
extern _Thread_local int bndl_tls_inside_callback;

#endif
