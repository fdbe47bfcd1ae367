/*
 * text_model_io.c - text classifier <-> model file bytes (text_model_format.h).
 *
 * Reading trusts nothing: the container checks (core/secfile.c) come first; then META's
 * counts and options against their ranges, every section's element count against META
 * (so nothing is allocated that the file's own bytes could not fill), key offsets,
 * distinct keys, finite numbers. Only a file that passes everything becomes a model.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "text/text_model.h"
#include "text/text_model_format.h"

/* Bounds that keep every score finite: idf = ln((1 + N) / (1 + df)) + 1 is below 45 for
 * any N < 2^63, and the L2 term keeps trained weights many orders below 1e15, so w . x
 * (at most 2^31 terms of |x| <= 64 * |w|) can never overflow to inf - inf = NaN. */
#define MAX_IDF 64.0
#define MAX_WEIGHT 1e15

static const bndl_secfile_kind kind = {BNDL_TEXT_MODEL_MAGIC, BNDL_TEXT_MODEL_FORMAT_MAJOR,
                                       BNDL_TEXT_MODEL_FORMAT_MINOR, "text model", 0};

bndl_status bndl_text_model_encode(const bndl_text_model *m, char **out, size_t *len) {
  int64_t n = m->vocab.n;
  int64_t meta[TM_COUNT];
  meta[TM_N_FEATURES] = n;
  meta[TM_WORD_NGRAMS] = m->nopt.word_ngrams;
  meta[TM_CHAR_NGRAMS] = m->nopt.char_ngrams;
  meta[TM_LANGUAGE] = m->topt.language;
  meta[TM_NEGATION] = m->topt.negation;
  meta[TM_STOPWORDS] = m->topt.stopwords;
  meta[TM_MIN_DF] = m->min_df;
  meta[TM_N_DOCS] = m->n_docs;
  meta[TM_N_POS] = m->n_pos;
  meta[TM_N_NEG] = m->n_neg;
  meta[TM_BALANCED] = m->balanced;
  meta[TM_ITERATIONS] = m->iterations;
  double parm[TP_COUNT];
  parm[TP_BIAS] = m->bias;
  parm[TP_C] = m->c;
  static const int64_t zero = 0;
  const bndl_secfile_section s[] = {
      {BNDL_TSEC_META, meta, sizeof meta, TM_COUNT},
      {BNDL_TSEC_PARM, parm, sizeof parm, TP_COUNT},
      {BNDL_TSEC_KOFF, n ? (const void *)m->vocab.off : (const void *)&zero, (uint64_t)(n + 1) * 8, (uint64_t)n + 1},
      {BNDL_TSEC_KEYS, m->vocab.bytes, m->vocab.bytes_len, m->vocab.bytes_len},
      {BNDL_TSEC_IDF, m->idf, (uint64_t)n * 8, (uint64_t)n},
      {BNDL_TSEC_WGHT, m->w, (uint64_t)n * 8, (uint64_t)n},
  };
  return bndl_secfile_encode(m->alloc, &kind, s, (int)(sizeof s / sizeof s[0]), out, len);
}

static bndl_status bad(const char *label, const char *what) {
  return bndl_fail(BNDL_ERR_FORMAT, "'%s' is not a valid libbundle text model file: %s", label, what);
}

static int in_range(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

bndl_status bndl_text_model_decode(struct bndl_context *ctx, const void *data, size_t len, const char *label,
                                   bndl_text_model **out) {
  bndl_secfile f;
  BNDL_TRY(bndl_secfile_parse(&kind, data, len, label, &f));
  static const uint32_t known[] = {BNDL_TSEC_META, BNDL_TSEC_PARM, BNDL_TSEC_KOFF,
                                   BNDL_TSEC_KEYS, BNDL_TSEC_IDF,  BNDL_TSEC_WGHT};
  BNDL_TRY(bndl_secfile_only(&f, &kind, known, (int)(sizeof known / sizeof known[0])));
  const void *p;
  uint64_t count;
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_TSEC_META, 8, &p, &count));
  if (count < TM_COUNT)
    return bad(label, "META section too short");
  int64_t meta[TM_COUNT];
  memcpy(meta, p, sizeof meta);
  int64_t n = meta[TM_N_FEATURES];
  /* every feature takes at least 8 + 8 + 8 + 1 bytes of the file */
  if (!in_range(n, 0, (int64_t)(len / 25)) || !in_range(meta[TM_WORD_NGRAMS], 1, 5) ||
      !in_range(meta[TM_CHAR_NGRAMS], 0, 8) || !in_range(meta[TM_LANGUAGE], 0, 2) ||
      !in_range(meta[TM_NEGATION], 0, 1) || !in_range(meta[TM_STOPWORDS], 0, 1) ||
      !in_range(meta[TM_MIN_DF], 1, INT32_MAX) || !in_range(meta[TM_N_POS], 0, INT64_MAX / 2) ||
      !in_range(meta[TM_N_NEG], 0, INT64_MAX / 2) || meta[TM_N_DOCS] != meta[TM_N_POS] + meta[TM_N_NEG] ||
      !in_range(meta[TM_BALANCED], 0, 1) || !in_range(meta[TM_ITERATIONS], 0, INT32_MAX))
    return bad(label, "a count or option in META is out of range");
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_TSEC_PARM, 8, &p, &count));
  if (count < TP_COUNT)
    return bad(label, "PARM section too short");
  double parm[TP_COUNT];
  memcpy(parm, p, sizeof parm);
  if (!(fabs(parm[TP_BIAS]) <= MAX_WEIGHT) || !(parm[TP_C] > 0 && isfinite(parm[TP_C])))
    return bad(label, "the bias or C is out of range");
  const void *koff_p, *keys_p, *idf_p, *w_p;
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_TSEC_KOFF, (uint64_t)n + 1, 8, &koff_p));
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_TSEC_KEYS, 1, &keys_p, &count));
  uint64_t keys_len = count;
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_TSEC_IDF, (uint64_t)n, 8, &idf_p));
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_TSEC_WGHT, (uint64_t)n, 8, &w_p));

  bndl_tokenizer_options topt;
  memset(&topt, 0, sizeof topt);
  topt.language = (int)meta[TM_LANGUAGE];
  topt.negation = (int)meta[TM_NEGATION];
  topt.stopwords = (int)meta[TM_STOPWORDS];
  bndl_ngram_options nopt = {(int32_t)meta[TM_WORD_NGRAMS], (int32_t)meta[TM_CHAR_NGRAMS]};
  bndl_text_model *m;
  BNDL_TRY(bndl_text_model_new(ctx, &topt, &nopt, &m));
  m->min_df = meta[TM_MIN_DF];
  m->n_docs = meta[TM_N_DOCS];
  m->n_pos = meta[TM_N_POS];
  m->n_neg = meta[TM_N_NEG];
  m->balanced = (int32_t)meta[TM_BALANCED];
  m->iterations = (int32_t)meta[TM_ITERATIONS];
  m->bias = parm[TP_BIAS];
  m->c = parm[TP_C];
  bndl_status st = BNDL_OK;
  const bndl_allocator *a = m->alloc;
  m->idf = bndl_alloc_array(a, (size_t)n + 1, sizeof *m->idf);
  m->w = bndl_alloc_array(a, (size_t)n + 1, sizeof *m->w);
  int64_t *off = bndl_alloc_array(a, (size_t)n + 1, sizeof *off);
  if (m->idf == NULL || m->w == NULL || off == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  /* copies first: the caller's buffer need not be 8-byte aligned */
  memcpy(off, koff_p, ((size_t)n + 1) * sizeof *off);
  if (n) {
    memcpy(m->idf, idf_p, (size_t)n * sizeof *m->idf);
    memcpy(m->w, w_p, (size_t)n * sizeof *m->w);
  }
  if (off[0] != 0 || (uint64_t)off[n] != keys_len) {
    st = bad(label, "key offsets do not span the KEYS section");
    goto done;
  }
  for (int64_t i = 0; i < n; i++) {
    if (off[i + 1] <= off[i] || (uint64_t)off[i + 1] > keys_len) {
      st = bad(label, "key offsets do not rise (empty or overlapping key)");
      goto done;
    }
    char t = ((const char *)keys_p)[off[i]];
    if (t != 'w' && t != 'c') {
      st = bad(label, "a key is neither a word nor a character n-gram");
      goto done;
    }
    if (!(m->idf[i] >= 1.0 && m->idf[i] <= MAX_IDF) || !(fabs(m->w[i]) <= MAX_WEIGHT)) {
      st = bad(label, "an idf or weight is out of range");
      goto done;
    }
  }
  BNDL_TRY_GOTO(st, bndl_vocab_reserve(&m->vocab, n, (size_t)keys_len + 1), done);
  for (int64_t i = 0; i < n; i++) {
    const char *key = (const char *)keys_p + off[i];
    size_t klen = (size_t)(off[i + 1] - off[i]);
    int64_t id;
    int added;
    BNDL_TRY_GOTO(st, bndl_vocab_insert(&m->vocab, key, klen, bndl_vocab_hash(key, klen), &id, &added), done);
    if (!added) {
      st = bad(label, "a feature key appears twice");
      goto done;
    }
  }
done:
  bndl_free(a, off);
  if (st != BNDL_OK) {
    bndl_text_model_destroy(m);
    return st;
  }
  *out = m;
  return BNDL_OK;
}
