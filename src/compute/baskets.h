/*
 * baskets.h - the baskets co-purchase mining counts over: sets of items bought together,
 * cut from a finalized dataset's events.
 *
 * basket.by says what one basket is:
 *   order    the events of one order id (an invoice); events without an order id are
 *            grouped per user and timestamp (one checkout at one instant);
 *   session  a user's events, split where the time to the previous counted event of
 *            the same user exceeds basket.session_gap_s (a gap of exactly the limit
 *            stays in the session);
 *   window   a user's events in fixed windows of basket.window_s seconds aligned to
 *            time 0 (floor(ts / window_s); 86400 = UTC calendar days);
 *   user     a user's whole history.
 * Only events whose type is listed in basket.event_types count; returns never do (a
 * cancelled line is not a co-purchase). An item appears at most once per basket, so a
 * support count is a number of baskets. Baskets are numbered in order of their first
 * counted event in the dataset's (user, time, arrival) order, so the result is a pure
 * function of the dataset and the keys.
 */
#ifndef BNDL_COMPUTE_BASKETS_H
#define BNDL_COMPUTE_BASKETS_H

#include <stdint.h>

#include "bundle/bundle_types.h"

typedef enum bndl_basket_by {
  BNDL_BASKET_BY_ORDER = 0,
  BNDL_BASKET_BY_SESSION = 1,
  BNDL_BASKET_BY_WINDOW = 2,
  BNDL_BASKET_BY_USER = 3
} bndl_basket_by;

typedef struct bndl_basket_params {
  bndl_basket_by by;
  int64_t session_gap_s; /* > 0 */
  int64_t window_s;      /* > 0 */
  unsigned type_mask;    /* bit t set: events of bndl_event_type t count; never RETURN */
} bndl_basket_params;

/* Baskets in CSR form: basket b holds items[indptr[b] .. indptr[b+1]), ascending and
 * without repeats. Baskets may be empty only when built by hand (tests). */
typedef struct bndl_baskets {
  int64_t n;
  int64_t *indptr; /* n + 1 */
  int32_t *items;
  int32_t n_items; /* item indices are 0..n_items-1 */
} bndl_baskets;

/* Reads the basket.* keys of cfg (NULL = defaults). An unknown name in
 * basket.event_types, "return", or an empty list: BNDL_ERR_INVALID_ARGUMENT naming the
 * key and the value. */
bndl_status bndl_basket_params_read(const bndl_config *cfg, bndl_basket_params *out);

/* Cuts the baskets of finalized ds. Memory: O(events) while building, then the CSR. */
bndl_status bndl_baskets_build(const bndl_dataset *ds, const bndl_basket_params *p, const bndl_allocator *a,
                               bndl_baskets *out);
void bndl_baskets_free(const bndl_allocator *a, bndl_baskets *b);

/* ---- small helpers shared by the co-purchase files */

/* Sorts v[0..n) ascending (quicksort with inline comparisons, insertion sort for the
 * short runs that most paths are). */
void bndl_sort_i32(int32_t *v, int64_t n);
/* bndl_grow for a typed array: `array` is the address of any T * (T of size elem). */
bndl_status bndl_grow_typed(const bndl_allocator *a, void *array, size_t *cap, size_t need, size_t elem);

#endif
