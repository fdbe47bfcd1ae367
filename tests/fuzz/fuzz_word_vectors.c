/*
 * fuzz_word_vectors.c - the word-vectors file reader (bndl_word_vectors_load).
 *
 * Invariants: a rejected file gets FORMAT, VERSION, LIMIT, IO, OUT_OF_MEMORY or
 * UNSUPPORTED (a big-endian file); an accepted one has words and a dimension, finds its
 * own first word, and gives nearest words with cosines in [-1, 1] (up to rounding).
 */
#include <math.h>
#include <stdlib.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bndl_context *ctx = fuzz_context();
  const char *path = ctx ? fuzz_write_file(data, size) : NULL;
  if (path == NULL)
    return 0;
  bndl_word_vectors *wv = NULL;
  bndl_status st = bndl_word_vectors_load(ctx, path, &wv);
  if (st != BNDL_OK) {
    if (st != BNDL_ERR_FORMAT && st != BNDL_ERR_VERSION && st != BNDL_ERR_LIMIT && st != BNDL_ERR_IO &&
        st != BNDL_ERR_UNSUPPORTED && st != BNDL_ERR_OUT_OF_MEMORY)
      fuzz_unexpected("bndl_word_vectors_load", st);
    return 0;
  }
  if (bndl_word_vectors_count(wv) < 1 || bndl_word_vectors_dim(wv) < 1)
    abort();
  const char *word;
  size_t length;
  int64_t index = -1, ids[4];
  float scores[4];
  int32_t found = 0;
  if (bndl_word_vectors_word(wv, 0, &word, &length, NULL) != BNDL_OK ||
      bndl_word_vectors_find(wv, word, length, &index) != BNDL_OK || index != 0)
    abort();
  if (bndl_word_vectors_nearest(wv, 0, 4, ids, scores, &found) != BNDL_OK)
    abort();
  for (int32_t k = 0; k < found; k++)
    if (!(fabsf(scores[k]) <= 1.001f) || ids[k] <= 0 || ids[k] >= bndl_word_vectors_count(wv))
      abort();
  bndl_word_vectors_free(wv);
  return 0;
}
