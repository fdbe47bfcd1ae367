/*
 * api_tokenize.c - bndl_text_tokenize: the tokenizer of text/tokenize.h behind the
 * public API, configured by the text.* keys.
 *
 * Each call builds a tokenizer with the built-in words only (no lexicon: the public
 * call takes none), so Chinese runs are segmented by the built-in function words and
 * everything else falls back to character bigrams. The tokens are joined by '\n'; a
 * token inside a negation scope is written "NOT_<token>" when text.negation is 1.
 * Punctuation and emoji tokens are kept (they carry sentiment and end clauses).
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/buffer.h"
#include "core/config.h"
#include "core/context.h"
#include "core/strbuf.h"
#include "text/tokenize.h"

bndl_status bndl_text_tokenize(bndl_context *ctx, const char *text, size_t length, const bndl_config *cfg,
                               bndl_buffer **tokens) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  if (cfg != NULL)
    BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  BNDL_CHECK_PTR(tokens);
  if (length > 0)
    BNDL_CHECK_PTR(text);
  const bndl_allocator *a = &ctx->alloc;
  const char *lang = bndl_cfg_string(cfg, BNDL_KEY_TEXT_LANGUAGE);
  bndl_tokenizer_options opt;
  opt.language = strcmp(lang, "en") == 0 ? 1 : strcmp(lang, "zh") == 0 ? 2 : 0;
  opt.negation = (int)bndl_cfg_int(cfg, BNDL_KEY_TEXT_NEGATION);
  opt.stopwords = (int)bndl_cfg_int(cfg, BNDL_KEY_TEXT_STOPWORDS);

  bndl_tokenizer *t = NULL;
  bndl_token_list list;
  bndl_token_list_init(&list, a);
  bndl_strbuf out;
  bndl_strbuf_init(&out, a);
  bndl_status st;
  BNDL_TRY_GOTO(st, bndl_tokenizer_new(a, &opt, NULL, &t), done);
  BNDL_TRY_GOTO(st, bndl_tokenize(t, length > 0 ? text : "", length, &list), done);
  for (size_t k = 0; k < list.n; k++) {
    if (k > 0)
      bndl_strbuf_append(&out, "\n", 1);
    if (list.tokens[k].negated)
      bndl_strbuf_append(&out, "NOT_", 4);
    bndl_strbuf_append(&out, list.tokens[k].text, list.tokens[k].length);
  }
  st = out.status;
  if (st != BNDL_OK)
    goto done;
  size_t size = 0;
  char *data = bndl_strbuf_take(&out, &size); /* NULL only when even one byte fails */
  st = data == NULL ? BNDL_ERR_OUT_OF_MEMORY : bndl_buffer_adopt(a, data, size, tokens);
done:
  bndl_strbuf_free(&out);
  bndl_token_list_free(&list);
  bndl_tokenizer_free(t);
  return st == BNDL_OK ? BNDL_OK : bndl_error_prefix(st, __func__);
}
