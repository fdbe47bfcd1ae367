/*
 * text_model_dump.c - writes what the classifier's pieces compute on a corpus, for
 * test_text_model_sklearn.py to recompute with scikit-learn.
 *
 *   text_model_dump CORPUS OUTDIR [C [MIN_DF [WORD_NGRAMS [CHAR_NGRAMS]]]]
 *
 * CORPUS: one "label<TAB>text" per line. Writes into OUTDIR:
 *   keys.txt   per document, its n-gram keys (tokenizer + ngrams.c) joined by TAB
 *   vocab.tsv  per feature: key, idf (%.17g)
 *   X.tsv      per non-zero of the TF-IDF rows: row, column, value (%.9g)
 *   model.tsv  first line the bias, then per feature its weight (TRON with eps 1e-10)
 * Links the static library: the keys, the matrix and the tight tolerance are internal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "core/alloc.h"
#include "core/context.h"
#include "text/logreg.h"
#include "text/ngrams.h"
#include "text/tokenize.h"

typedef struct corpus {
  int64_t n;
  char **text;
  int8_t *y;
  const bndl_tokenizer *tok;
} corpus;

static bndl_status doc_fn(void *ud, int64_t doc, bndl_token_list *scratch, const bndl_token_list **tokens,
                          const char **text, size_t *len) {
  corpus *c = ud;
  BNDL_TRY(bndl_tokenize(c->tok, c->text[doc], strlen(c->text[doc]), scratch));
  *tokens = scratch;
  *text = c->text[doc];
  *len = strlen(c->text[doc]);
  return BNDL_OK;
}

static void check(bndl_status st, const char *what) {
  if (st != BNDL_OK) {
    fprintf(stderr, "text_model_dump: %s: %s\n", what, bndl_last_error_message());
    exit(1);
  }
}

static FILE *open_out(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  return f;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: text_model_dump CORPUS OUTDIR [C [MIN_DF [WORD_NGRAMS [CHAR_NGRAMS]]]]\n");
    return 2;
  }
  double C = argc > 3 ? atof(argv[3]) : 4.0;
  int64_t min_df = argc > 4 ? atoll(argv[4]) : 2;
  bndl_ngram_options o = {argc > 5 ? atoi(argv[5]) : 2, argc > 6 ? atoi(argv[6]) : 3};
  FILE *in = fopen(argv[1], "r");
  if (in == NULL) {
    perror(argv[1]);
    return 1;
  }
  corpus c = {0, NULL, NULL, NULL};
  size_t cap = 0;
  char line[65536];
  while (fgets(line, sizeof line, in)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *tab = strchr(line, '\t');
    if (tab == NULL)
      continue;
    if ((size_t)c.n == cap) {
      cap = cap ? cap * 2 : 256;
      c.text = realloc(c.text, cap * sizeof *c.text);
      c.y = realloc(c.y, cap);
    }
    c.y[c.n] = atoi(line) == 1 ? 1 : -1;
    c.text[c.n] = strdup(tab + 1);
    c.n++;
  }
  fclose(in);
  bndl_context *ctx;
  check(bndl_context_create(NULL, &ctx), "context");
  bndl_tokenizer_options topt = {0, 1, 0};
  bndl_tokenizer *tok;
  check(bndl_tokenizer_new(&ctx->alloc, &topt, NULL, &tok), "tokenizer");
  c.tok = tok;

  FILE *f = open_out(argv[2], "keys.txt");
  bndl_token_list tl;
  bndl_ngram_keys keys;
  bndl_token_list_init(&tl, &ctx->alloc);
  bndl_ngram_keys_init(&keys, &ctx->alloc);
  for (int64_t i = 0; i < c.n; i++) {
    check(bndl_tokenize(tok, c.text[i], strlen(c.text[i]), &tl), "tokenize");
    check(bndl_ngram_keys_extract(&keys, &o, &tl, c.text[i], strlen(c.text[i])), "keys");
    for (size_t k = 0; k < keys.n; k++) {
      size_t len;
      const char *key = bndl_ngram_key(&keys, k, &len);
      fprintf(f, "%s%.*s", k ? "\t" : "", (int)len, key);
    }
    fputc('\n', f);
  }
  fclose(f);
  bndl_token_list_free(&tl);
  bndl_ngram_keys_free(&keys);

  bndl_vocab v;
  double *idf;
  bndl_csr X;
  check(bndl_tfidf_fit(ctx, &o, min_df, doc_fn, &c, c.n, &v, &idf, &X), "tfidf_fit");
  f = open_out(argv[2], "vocab.tsv");
  for (int64_t j = 0; j < v.n; j++) {
    size_t len;
    const char *key = bndl_vocab_key(&v, j, &len);
    fprintf(f, "%.*s\t%.17g\n", (int)len, key, idf[j]);
  }
  fclose(f);
  f = open_out(argv[2], "X.tsv");
  for (int64_t i = 0; i < X.rows; i++)
    for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; k++)
      fprintf(f, "%lld\t%d\t%.9g\n", (long long)i, X.idx[k], (double)X.val[k]);
  fclose(f);
  double *w = calloc((size_t)v.n + 1, sizeof *w), b;
  bndl_logreg_options lo = {C, 1000, 1e-10, 1};
  check(bndl_logreg_train(ctx, &X, c.y, NULL, &lo, w, &b, NULL), "logreg");
  f = open_out(argv[2], "model.tsv");
  fprintf(f, "%.17g\n", b);
  for (int64_t j = 0; j < v.n; j++)
    fprintf(f, "%.17g\n", w[j]);
  fclose(f);
  free(w);
  bndl_vocab_free(&v);
  bndl_free(&ctx->alloc, idf);
  bndl_csr_free(&ctx->alloc, &X);
  bndl_tokenizer_free(tok);
  bndl_context_free(ctx);
  for (int64_t i = 0; i < c.n; i++)
    free(c.text[i]);
  free(c.text);
  free(c.y);
  return 0;
}
