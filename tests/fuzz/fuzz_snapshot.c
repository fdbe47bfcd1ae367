/*
 * fuzz_snapshot.c - the binary dataset reader (bndl_dataset_load_buffer).
 *
 * Invariants: a rejected file gets FORMAT, VERSION, LIMIT, OUT_OF_MEMORY or UNSUPPORTED (a
 * big-endian file); an accepted file of the current format version saves back to the
 * same bytes (the snapshot's documented round trip); one of an older minor (the golden
 * 1.0 seed) is saved in the current format, and that file round-trips. In the
 * fuzzing build checksums are not checked (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION), so
 * an accepted file may carry wrong CRCs that a save then corrects: the byte comparison
 * is made only in builds that check them.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bndl_context *ctx = fuzz_context();
  if (ctx == NULL)
    return 0;
  bndl_dataset *ds = NULL;
  bndl_status st = bndl_dataset_load_buffer(ctx, data, size, &ds);
  if (st != BNDL_OK) {
    if (st != BNDL_ERR_FORMAT && st != BNDL_ERR_VERSION && st != BNDL_ERR_LIMIT && st != BNDL_ERR_OUT_OF_MEMORY &&
        st != BNDL_ERR_UNSUPPORTED)
      fuzz_unexpected("bndl_dataset_load_buffer", st);
    return 0;
  }
  bndl_buffer *again = NULL;
  if (bndl_dataset_save_buffer(ds, &again) != BNDL_OK)
    abort();
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  /* header bytes 8..11: the format's major and minor */
  if (memcmp(bndl_buffer_data(again), data, 12) == 0) {
    if (bndl_buffer_size(again) != size || memcmp(bndl_buffer_data(again), data, size) != 0)
      abort();
  } else {
    bndl_dataset *up = NULL;
    bndl_buffer *twice = NULL;
    if (bndl_dataset_load_buffer(ctx, bndl_buffer_data(again), bndl_buffer_size(again), &up) != BNDL_OK ||
        bndl_dataset_save_buffer(up, &twice) != BNDL_OK || bndl_buffer_size(twice) != bndl_buffer_size(again) ||
        memcmp(bndl_buffer_data(twice), bndl_buffer_data(again), bndl_buffer_size(again)) != 0)
      abort();
    bndl_buffer_free(twice);
    bndl_dataset_free(up);
  }
#endif
  bndl_buffer_free(again);
  bndl_dataset_free(ds);
  return 0;
}
