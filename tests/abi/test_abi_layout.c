/*
 * test_abi_layout.c - the layout of every public struct, frozen at compile time.
 *
 * Each offsetof and sizeof below is part of the ABI (API.md section 8, the ORT
 * practice): moving, resizing or reordering a field breaks every compiled caller, so it
 * must fail this build rather than a user's program. Fields may only be appended, and
 * appending one means adding its line here and growing the sizeof. The values are for
 * the LP64 data model (Linux x86-64 and aarch64); another model needs its own table.
 * At run time the *_INIT macros are checked to stamp the right struct_size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bundle/bundle.h"

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu && SIZE_MAX == 0xFFFFFFFFFFFFFFFFu
#  define OFF(type, field, value) _Static_assert(offsetof(type, field) == (value), #type "." #field " moved")
#  define SIZE(type, value) _Static_assert(sizeof(type) == (value), "sizeof(" #type ") changed")

OFF(bndl_allocator, struct_size, 0);
OFF(bndl_allocator, alloc, 8);
OFF(bndl_allocator, free, 16);
OFF(bndl_allocator, user_data, 24);
SIZE(bndl_allocator, 32);

OFF(bndl_context_desc, struct_size, 0);
OFF(bndl_context_desc, n_threads, 4);
OFF(bndl_context_desc, allocator, 8);
OFF(bndl_context_desc, seed, 16);
SIZE(bndl_context_desc, 24);

OFF(bndl_event_columns, struct_size, 0);
OFF(bndl_event_columns, count, 8);
OFF(bndl_event_columns, user_ids, 16);
OFF(bndl_event_columns, user_names, 24);
OFF(bndl_event_columns, item_ids, 32);
OFF(bndl_event_columns, item_names, 40);
OFF(bndl_event_columns, event_types, 48);
OFF(bndl_event_columns, timestamps, 56);
OFF(bndl_event_columns, quantities, 64);
OFF(bndl_event_columns, unit_prices, 72);
OFF(bndl_event_columns, order_ids, 80);
OFF(bndl_event_columns, weights, 88);
SIZE(bndl_event_columns, 96);

OFF(bndl_catalogue_columns, struct_size, 0);
OFF(bndl_catalogue_columns, count, 8);
OFF(bndl_catalogue_columns, item_ids, 16);
OFF(bndl_catalogue_columns, item_names, 24);
OFF(bndl_catalogue_columns, prices, 32);
OFF(bndl_catalogue_columns, costs, 40);
OFF(bndl_catalogue_columns, stock, 48);
OFF(bndl_catalogue_columns, categories, 56);
OFF(bndl_catalogue_columns, titles, 64);
SIZE(bndl_catalogue_columns, 72);

OFF(bndl_bundle_csr, struct_size, 0);
OFF(bndl_bundle_csr, n_bundles, 8);
OFF(bndl_bundle_csr, bundle_ids, 16);
OFF(bndl_bundle_csr, indptr, 24);
OFF(bndl_bundle_csr, item_ids, 32);
OFF(bndl_bundle_csr, item_names, 40);
SIZE(bndl_bundle_csr, 48);

OFF(bndl_tensor_view, struct_size, 0);
OFF(bndl_tensor_view, dtype, 4);
OFF(bndl_tensor_view, ndim, 8);
OFF(bndl_tensor_view, device_kind, 12);
OFF(bndl_tensor_view, device_index, 16);
OFF(bndl_tensor_view, flags, 20);
OFF(bndl_tensor_view, shape, 24);
OFF(bndl_tensor_view, strides, 32);
OFF(bndl_tensor_view, data, 40);
SIZE(bndl_tensor_view, 48);

OFF(bndl_rule_metrics, struct_size, 0);
OFF(bndl_rule_metrics, count, 8);
OFF(bndl_rule_metrics, support, 16);
OFF(bndl_rule_metrics, confidence, 24);
OFF(bndl_rule_metrics, lift, 32);
OFF(bndl_rule_metrics, leverage, 40);
OFF(bndl_rule_metrics, conviction, 48);
SIZE(bndl_rule_metrics, 56);
OFF(bndl_train_progress, struct_size, 0);
OFF(bndl_train_progress, epoch, 8);
OFF(bndl_train_progress, epochs, 16);
OFF(bndl_train_progress, step, 24);
OFF(bndl_train_progress, loss, 32);
OFF(bndl_train_progress, metric, 40);
OFF(bndl_train_progress, best_metric, 48);
OFF(bndl_train_progress, best_epoch, 56);
OFF(bndl_train_progress, seconds, 64);
OFF(bndl_train_progress, eta_seconds, 72);
SIZE(bndl_train_progress, 80);
OFF(bndl_train_summary, struct_size, 0);
OFF(bndl_train_summary, epochs, 8);
OFF(bndl_train_summary, steps, 16);
OFF(bndl_train_summary, best_epoch, 24);
OFF(bndl_train_summary, best_metric, 32);
OFF(bndl_train_summary, final_loss, 40);
SIZE(bndl_train_summary, 48);
#else
#  error "test_abi_layout.c holds the LP64 layout only; add the table for this data model"
#endif

/* Enums are int-sized and their values are frozen (bundle_types.h rules). */
_Static_assert(sizeof(bndl_status) == sizeof(int), "bndl_status is not int-sized");
_Static_assert(BNDL_ERR_BUSY == 12 && BNDL_ERR_LIMIT == 13 && BNDL_ERR_INTERNAL == 99, "status values moved");
_Static_assert(BNDL_LOG_OFF == 5 && BNDL_TYPE_STRING == 3, "enum values moved");

static void test_init_macros_stamp_struct_size(void **state) {
  (void)state;
  bndl_allocator a = BNDL_ALLOCATOR_INIT;
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  bndl_event_columns e = BNDL_EVENT_COLUMNS_INIT;
  bndl_catalogue_columns c = BNDL_CATALOGUE_COLUMNS_INIT;
  bndl_bundle_csr b = BNDL_BUNDLE_CSR_INIT;
  assert_int_equal(a.struct_size, sizeof a);
  assert_int_equal(d.struct_size, sizeof d);
  assert_int_equal(e.struct_size, sizeof e);
  assert_int_equal(c.struct_size, sizeof c);
  assert_int_equal(b.struct_size, sizeof b);
  /* every other field starts out zero / NULL */
  assert_null(a.alloc);
  assert_int_equal(d.n_threads, 0);
  assert_null(d.allocator);
  assert_int_equal(e.count, 0);
  assert_null(e.order_ids);
  assert_null(c.titles);
  assert_null(b.item_names);
}

static void test_library_matches_these_headers(void **state) {
  (void)state;
  assert_true(BNDL_CHECK_ABI());
  assert_int_equal(bndl_version_number(), BNDL_VERSION_NUMBER);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init_macros_stamp_struct_size),
      cmocka_unit_test(test_library_matches_these_headers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
