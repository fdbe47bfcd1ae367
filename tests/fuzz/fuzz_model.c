/*
 * fuzz_model.c - the sequence model's file reader (bndl_model_load_buffer).
 *
 * Invariants: a rejected file gets FORMAT, VERSION, LIMIT, OUT_OF_MEMORY or UNSUPPORTED
 * (a big-endian file); an accepted one answers encode and recommend for a short
 * history with finite scores, and saves back to the same bytes (in builds that check
 * checksums: see fuzz_snapshot.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

static void use(const bndl_model *m) {
  int64_t n_items = bndl_model_num_items(m), dim = bndl_model_embedding_dim(m);
  if (n_items < 1 || dim < 1)
    abort();
  int32_t hist[3] = {0, (int32_t)(n_items / 2), (int32_t)(n_items - 1)}, top[5];
  float scores[5];
  int64_t n_out = 0;
  bndl_status st = bndl_model_recommend(m, hist, NULL, 3, NULL, 0, 1, 5, top, scores, &n_out);
  if (st != BNDL_OK)
    fuzz_unexpected("bndl_model_recommend", st);
  for (int64_t i = 0; i < n_out; i++)
    if (top[i] < 0 || top[i] >= n_items || isnan(scores[i]))
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bndl_context *ctx = fuzz_context();
  if (ctx == NULL)
    return 0;
  bndl_model *m = NULL;
  bndl_status st = bndl_model_load_buffer(ctx, data, size, &m);
  if (st != BNDL_OK) {
    if (st != BNDL_ERR_FORMAT && st != BNDL_ERR_VERSION && st != BNDL_ERR_LIMIT && st != BNDL_ERR_OUT_OF_MEMORY &&
        st != BNDL_ERR_UNSUPPORTED)
      fuzz_unexpected("bndl_model_load_buffer", st);
    return 0;
  }
  use(m);
  bndl_buffer *again = NULL;
  if (bndl_model_save_buffer(m, &again) != BNDL_OK)
    abort();
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  if (bndl_buffer_size(again) != size || memcmp(bndl_buffer_data(again), data, size) != 0)
    abort();
#endif
  bndl_buffer_free(again);
  bndl_model_free(m);
  return 0;
}
