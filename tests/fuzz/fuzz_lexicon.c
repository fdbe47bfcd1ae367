/*
 * fuzz_lexicon.c - the lexicon file readers (VADER, word lists, HowNet, DUTIR, negators).
 *
 * Input: byte 0 picks the format, the rest is the file. Invariants: a load is OK, FORMAT,
 * LIMIT or OUT_OF_MEMORY; a failed load leaves the lexicon as it was (it still scores
 * the probe text to the same value); scores stay in [-1, 1].
 */
#include <stdlib.h>

#include "fuzz_util.h"

static const char *const formats[] = {"vader",          "positive",        "negative",
                                      "hownet_positive", "hownet_negative", "hownet_degree",
                                      "hownet_opinion", "dutir",           "negation"};
enum { N_FORMATS = sizeof formats / sizeof formats[0] };

static const char probe[] = "not very good, but 非常满意";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bndl_context *ctx = fuzz_context();
  if (ctx == NULL || size < 1)
    return 0;
  const char *path = fuzz_write_file(data + 1, size - 1);
  bndl_lexicon *lex = NULL;
  if (path == NULL || bndl_lexicon_create(ctx, &lex) != BNDL_OK)
    return 0;
  double before = 0, after = 0;
  if (bndl_lexicon_score(lex, probe, sizeof probe - 1, &before) != BNDL_OK)
    abort();
  bndl_status st = bndl_lexicon_load(lex, path, formats[data[0] % N_FORMATS]);
  if (bndl_lexicon_score(lex, probe, sizeof probe - 1, &after) != BNDL_OK || after < -1 || after > 1)
    abort();
  if (st != BNDL_OK) {
    if ((st != BNDL_ERR_FORMAT && st != BNDL_ERR_LIMIT && st != BNDL_ERR_OUT_OF_MEMORY) || after != before)
      fuzz_unexpected("bndl_lexicon_load (or the score after it changed)", st);
  }
  bndl_lexicon_free(lex);
  return 0;
}
