/*
 * api_keywords.c - bndl_text_keywords: the keyword extraction of item keywords
 * (text/keywords.h) over documents the caller gives, one document per text.
 */
#include <string.h>

#include "api/api_check.h"
#include "bundle/bundle.h"
#include "core/alloc.h"
#include "core/buffer.h"
#include "core/context.h"
#include "core/strbuf.h"
#include "text/keywords.h"
#include "text/tokenize.h"

/* The keywords as text lines "<doc>\t<word>\t<score>\n". */
static bndl_status write_lines(const bndl_allocator *a, const bndl_item_keywords *kw, int64_t n, bndl_buffer **out) {
  bndl_strbuf b;
  bndl_strbuf_init(&b, a);
  for (int64_t d = 0; d < n; d++)
    for (int64_t at = kw->offsets[d]; at < kw->offsets[d + 1]; at++)
      bndl_strbuf_printf(&b, "%lld\t%s\t%.9g\n", (long long)d, kw->text + kw->word_off[kw->word[at]],
                         (double)kw->score[at]);
  if (b.status != BNDL_OK) {
    bndl_strbuf_free(&b);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  size_t len = 0;
  char *data = bndl_strbuf_take(&b, &len);
  bndl_strbuf_free(&b);
  if (data == NULL) /* even an empty result gets its byte */
    return BNDL_ERR_OUT_OF_MEMORY;
  return bndl_buffer_adopt(a, data, len, out);
}

bndl_status bndl_text_keywords(bndl_context *ctx, const char *const *texts, const size_t *lengths, int64_t n,
                               const bndl_config *cfg, bndl_buffer **keywords) {
  BNDL_CHECK_HANDLE(ctx, BNDL_MAGIC_CONTEXT, "bndl_context");
  if (cfg != NULL)
    BNDL_CHECK_HANDLE(cfg, BNDL_MAGIC_CONFIG, "bndl_config");
  BNDL_CHECK_PTR(keywords);
  BNDL_CHECK_ARG(n >= 0, "n is %lld (negative)", (long long)n);
  if (n > 0)
    BNDL_CHECK_PTR(texts);
  for (int64_t i = 0; i < n; i++)
    BNDL_CHECK_ARG(texts[i] != NULL, "texts[%lld] is NULL", (long long)i);
  const bndl_allocator *a = &ctx->alloc;
  size_t *lens = bndl_alloc_array(a, (size_t)n + 1, sizeof *lens);
  int64_t *doc_off = bndl_alloc_array(a, (size_t)n + 1, sizeof *doc_off);
  bndl_tokenizer *tok = NULL;
  bndl_item_keywords kw;
  memset(&kw, 0, sizeof kw);
  bndl_status st = BNDL_OK;
  if (!lens || !doc_off) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t i = 0; i <= n; i++)
    doc_off[i] = i;
  for (int64_t i = 0; i < n; i++)
    lens[i] = lengths ? lengths[i] : strlen(texts[i]);
  BNDL_TRY_GOTO(st, bndl_keywords_tokenizer(a, cfg, texts, lens, (size_t)n, &tok), done);
  bndl_keyword_options o;
  bndl_keyword_options_from(cfg, &o);
  bndl_keyword_docs docs = {n, doc_off, texts, lens};
  BNDL_TRY_GOTO(st, bndl_keywords_extract(ctx, tok, &docs, &o, &kw), done);
  st = write_lines(a, &kw, n, keywords);
done:
  bndl_item_keywords_free(a, &kw);
  bndl_tokenizer_free(tok);
  bndl_free(a, lens);
  bndl_free(a, doc_off);
  BNDL_API_RETURN(st);
}
