/*
 * fuzz_text.c - the tokenizer (UTF-8 validation, full-width folding, script runs,
 * English rules, Chinese segmentation, negation scopes) through bndl_text_tokenize.
 *
 * Input: byte 0 picks the language ("auto", "en", "zh") and the negation and stopword
 * switches; the rest is the text. Invariants: OK or FORMAT (invalid UTF-8), and on OK
 * the tokens are valid UTF-8 themselves (a re-tokenization of them succeeds).
 */
#include <stdlib.h>

#include "fuzz_util.h"

static const char *const languages[] = {"auto", "en", "zh"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bndl_context *ctx = fuzz_context();
  bndl_config *cfg = NULL;
  if (ctx == NULL || size < 1 || bndl_config_create(&cfg) != BNDL_OK)
    return 0;
  if (bndl_config_set_string(cfg, BNDL_KEY_TEXT_LANGUAGE, languages[data[0] % 3]) != BNDL_OK ||
      bndl_config_set_int(cfg, BNDL_KEY_TEXT_NEGATION, (data[0] >> 2) & 1) != BNDL_OK ||
      bndl_config_set_int(cfg, BNDL_KEY_TEXT_STOPWORDS, (data[0] >> 3) & 1) != BNDL_OK)
    abort();
  bndl_buffer *tokens = NULL;
  bndl_status st = bndl_text_tokenize(ctx, (const char *)data + 1, size - 1, cfg, &tokens);
  if (st == BNDL_OK) {
    bndl_buffer *again = NULL;
    if (bndl_text_tokenize(ctx, bndl_buffer_data(tokens), bndl_buffer_size(tokens), cfg, &again) != BNDL_OK)
      abort();
    bndl_buffer_free(again);
  } else if (st != BNDL_ERR_FORMAT && st != BNDL_ERR_OUT_OF_MEMORY) {
    fuzz_unexpected("bndl_text_tokenize", st);
  }
  bndl_buffer_free(tokens);
  bndl_config_free(cfg);
  return 0;
}
