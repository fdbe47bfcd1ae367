/*
 * fuzz_text_model.c - the text classifier's model file reader (bndl_text_model_load).
 *
 * Invariants: a rejected file gets FORMAT, VERSION, LIMIT, IO, OUT_OF_MEMORY or UNSUPPORTED
 * (a big-endian file); an
 * accepted one scores English and Chinese text to a probability in [0, 1].
 */
#include <stdlib.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bndl_context *ctx = fuzz_context();
  const char *path = ctx ? fuzz_write_file(data, size) : NULL;
  if (path == NULL)
    return 0;
  bndl_text_model *m = NULL;
  bndl_status st = bndl_text_model_load(ctx, path, &m);
  if (st != BNDL_OK) {
    if (st != BNDL_ERR_FORMAT && st != BNDL_ERR_VERSION && st != BNDL_ERR_LIMIT && st != BNDL_ERR_IO &&
        st != BNDL_ERR_UNSUPPORTED &&
        st != BNDL_ERR_OUT_OF_MEMORY)
      fuzz_unexpected("bndl_text_model_load", st);
    return 0;
  }
  static const char *const texts[] = {"great product, would not buy again", "质量很好，但是物流太慢了"};
  for (int i = 0; i < 2; i++) {
    double p = -1;
    if (bndl_text_model_predict(m, texts[i], 0, &p) == BNDL_OK && !(p >= 0 && p <= 1))
      abort();
  }
  bndl_text_model_free(m);
  return 0;
}
