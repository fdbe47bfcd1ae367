/*
 * api_lexicon.c - public entry points of lexicon sentiment (bundle.h, Text section).
 *
 * The store and loaders are text/lexicon*.c, the rules text/sentiment.c. A lexicon gets
 * its tokenizer at creation (so scoring never meets a missing one) and a new one after
 * every successful load, with the loaded Chinese words in its segmentation dictionary.
 */
#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/context.h"
#include "text/lexicon.h"
#include "text/sentiment.h"

#define CHECK_LEX(l) BNDL_CHECK_HANDLE(l, BNDL_MAGIC_LEXICON, "bndl_lexicon")

bndl_status bndl_lexicon_create(bndl_context *ctx, bndl_lexicon **out) {
  BNDL_CHECK_PTR(out);
  *out = NULL;
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  bndl_lexicon *lex = NULL;
  bndl_status st = bndl_lexicon_new(ctx, &lex);
  if (st == BNDL_OK) {
    st = bndl_sentiment_prepare(lex);
    if (st != BNDL_OK)
      bndl_lexicon_destroy(lex);
    else
      *out = lex;
  }
  BNDL_API_RETURN(st);
}

bndl_status bndl_lexicon_load(bndl_lexicon *lex, const char *path, const char *format) {
  CHECK_LEX(lex);
  BNDL_CHECK_PTR(path);
  BNDL_CHECK_PTR(format);
  bndl_lex_format f = bndl_lex_format_from_name(format);
  BNDL_CHECK_ARG(f != 0,
                 "unknown lexicon format '%s' (vader, positive, negative, hownet_positive, hownet_negative, "
                 "hownet_degree, hownet_opinion, dutir, negation)",
                 format);
  BNDL_API_RETURN(bndl_sentiment_load(lex, path, f));
}

bndl_status bndl_lexicon_load_dir(bndl_lexicon *lex, const char *dir) {
  CHECK_LEX(lex);
  BNDL_CHECK_PTR(dir);
  BNDL_API_RETURN(bndl_sentiment_load(lex, dir, (bndl_lex_format)0));
}

bndl_status bndl_lexicon_score(const bndl_lexicon *lex, const char *text, size_t length, double *score) {
  CHECK_LEX(lex);
  BNDL_CHECK_PTR(score);
  *score = 0.0;
  BNDL_CHECK_ARG(text != NULL || length == 0, "text is NULL with length %zu", length);
  if (length == 0)
    return BNDL_OK;
  BNDL_API_RETURN(bndl_sentiment_score_text(lex, text, length, score, NULL));
}

void bndl_lexicon_free(bndl_lexicon *lex) {
  if (bndl_handle_is(lex, BNDL_MAGIC_LEXICON))
    bndl_lexicon_release(lex); /* a dataset may still hold it until its finalize */
}
