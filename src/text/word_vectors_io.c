/*
 * word_vectors_io.c - word vectors <-> file bytes (word_vectors_format.h).
 *
 * Reading trusts nothing: the container checks (core/secfile.c) first; then META's
 * counts and options against their ranges, each section's element count against META
 * (nothing is allocated that the file's own bytes could not fill: every word takes at
 * least 8 + 8 + 1 + 4 x dim bytes), key offsets, distinct words, counts that reach
 * min_count and sum to the total, finite vectors; the dictionary words go through the
 * tokenizer's own checks. Only a file that passes everything becomes a model.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "text/word_vectors.h"
#include "text/word_vectors_format.h"

static const bndl_secfile_kind kind = {BNDL_WORD_VECTORS_MAGIC, BNDL_WORD_VECTORS_FORMAT_MAJOR,
                                       BNDL_WORD_VECTORS_FORMAT_MINOR, "word vectors", 0};

/* The tokenizer's Chinese dictionary as offsets + bytes + counts. */
typedef struct dict_dump {
  const bndl_allocator *a;
  int64_t *off, *counts;
  char *bytes;
  size_t n, cap, len, bytes_cap;
} dict_dump;

static bndl_status dump_word(const char *word, size_t length, int64_t count, void *ud) {
  dict_dump *d = ud;
  size_t cap = d->cap;
  BNDL_TRY(bndl_grow(d->a, (void **)&d->off, &cap, d->n + 2, sizeof *d->off));
  size_t ccap = d->cap;
  BNDL_TRY(bndl_grow(d->a, (void **)&d->counts, &ccap, d->n + 2, sizeof *d->counts));
  d->cap = cap < ccap ? cap : ccap;
  BNDL_TRY(bndl_grow(d->a, (void **)&d->bytes, &d->bytes_cap, d->len + length + 1, 1));
  memcpy(d->bytes + d->len, word, length);
  d->off[d->n] = (int64_t)d->len;
  d->len += length;
  d->counts[d->n] = count;
  d->n++;
  d->off[d->n] = (int64_t)d->len;
  return BNDL_OK;
}

bndl_status bndl_word_vectors_encode(const bndl_word_vectors *wv, char **out, size_t *len) {
  dict_dump d;
  memset(&d, 0, sizeof d);
  d.a = wv->alloc;
  bndl_status st = bndl_tokenizer_for_each_word(wv->tok, dump_word, &d);
  if (st == BNDL_OK) {
    int64_t n = wv->vocab.n;
    int64_t meta[WV_COUNT];
    meta[WV_N_WORDS] = n;
    meta[WV_DIM] = wv->opt.dim;
    meta[WV_WINDOW] = wv->opt.window;
    meta[WV_NEGATIVES] = wv->opt.negatives;
    meta[WV_EPOCHS] = wv->opt.epochs;
    meta[WV_MIN_COUNT] = wv->min_count;
    meta[WV_LANGUAGE] = wv->topt.language;
    meta[WV_TOTAL] = wv->total;
    meta[WV_N_TEXTS] = wv->n_texts;
    meta[WV_N_DICT] = (int64_t)d.n;
    memcpy(&meta[WV_SEED], &wv->opt.seed, sizeof meta[WV_SEED]);
    double parm[WP_COUNT] = {wv->opt.sample, wv->opt.alpha};
    static const int64_t zero = 0;
    uint64_t cells = (uint64_t)n * (uint64_t)wv->opt.dim;
    const bndl_secfile_section s[] = {
        {BNDL_WSEC_META, meta, sizeof meta, WV_COUNT},
        {BNDL_WSEC_PARM, parm, sizeof parm, WP_COUNT},
        {BNDL_WSEC_KOFF, wv->vocab.off, (uint64_t)(n + 1) * 8, (uint64_t)n + 1},
        {BNDL_WSEC_KEYS, wv->vocab.bytes, wv->vocab.bytes_len, wv->vocab.bytes_len},
        {BNDL_WSEC_CNTS, wv->counts, (uint64_t)n * 8, (uint64_t)n},
        {BNDL_WSEC_VECS, wv->vectors, cells * 4, cells},
        {BNDL_WSEC_DOFF, d.n ? (const void *)d.off : (const void *)&zero, (uint64_t)(d.n + 1) * 8, d.n + 1},
        {BNDL_WSEC_DKEY, d.bytes, d.len, d.len},
        {BNDL_WSEC_DCNT, d.counts, (uint64_t)d.n * 8, d.n},
    };
    st = bndl_secfile_encode(wv->alloc, &kind, s, (int)(sizeof s / sizeof s[0]), out, len);
  }
  bndl_free(d.a, d.off);
  bndl_free(d.a, d.counts);
  bndl_free(d.a, d.bytes);
  return st;
}

static bndl_status bad(const char *label, const char *what) {
  return bndl_fail(BNDL_ERR_FORMAT, "'%s' is not a valid libbundle word-vectors file: %s", label, what);
}

static int in_range(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

/* Offsets 0 = off[0] < off[1] < ... < off[n] = len (copied out first: the buffer need
 * not be aligned). */
static int offsets_ok(const int64_t *off, int64_t n, uint64_t len) {
  if (off[0] != 0 || (uint64_t)off[n] != len)
    return 0;
  for (int64_t i = 0; i < n; i++)
    if (off[i + 1] <= off[i])
      return 0;
  return 1;
}

/* Restores the tokenizer's dictionary from DOFF/DKEY/DCNT. */
static bndl_status load_dict(bndl_word_vectors *wv, const char *label, const void *doff_p, const char *dkey,
                             uint64_t dkey_len, const void *dcnt_p, int64_t m) {
  const bndl_allocator *a = wv->alloc;
  int64_t *off = bndl_alloc_array(a, (size_t)m + 1, sizeof *off);
  int64_t *counts = bndl_alloc_array(a, (size_t)m + 1, sizeof *counts);
  char *text = bndl_alloc_array(a, (size_t)(dkey_len + (uint64_t)m) + 1, 1);
  const char **words = bndl_alloc_array(a, (size_t)m + 1, sizeof *words);
  bndl_status st = BNDL_OK;
  if (!off || !counts || !text || !words) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  memcpy(off, doff_p, ((size_t)m + 1) * sizeof *off);
  if (m)
    memcpy(counts, dcnt_p, (size_t)m * sizeof *counts);
  if (!offsets_ok(off, m, dkey_len)) {
    st = bad(label, "dictionary offsets do not rise across DKEY");
    goto done;
  }
  char *at = text;
  for (int64_t i = 0; i < m; i++) {
    size_t l = (size_t)(off[i + 1] - off[i]);
    if (memchr(dkey + off[i], 0, l) != NULL || counts[i] < 0) {
      st = bad(label, "a dictionary word holds a NUL or has a negative count");
      goto done;
    }
    memcpy(at, dkey + off[i], l);
    at[l] = 0;
    words[i] = at;
    at += l + 1;
  }
  st = bndl_tokenizer_set_words(wv->tok, words, counts, m);
  if (st != BNDL_OK && st != BNDL_ERR_OUT_OF_MEMORY)
    st = bad(label, "the tokenizer refused a dictionary word");
done:
  bndl_free(a, off);
  bndl_free(a, counts);
  bndl_free(a, text);
  bndl_free(a, words);
  return st;
}

bndl_status bndl_word_vectors_decode(struct bndl_context *ctx, const void *data, size_t len, const char *label,
                                     bndl_word_vectors **out) {
  bndl_secfile f;
  BNDL_TRY(bndl_secfile_parse(&kind, data, len, label, &f));
  static const uint32_t known[] = {BNDL_WSEC_META, BNDL_WSEC_PARM, BNDL_WSEC_KOFF, BNDL_WSEC_KEYS, BNDL_WSEC_CNTS,
                                   BNDL_WSEC_VECS, BNDL_WSEC_DOFF, BNDL_WSEC_DKEY, BNDL_WSEC_DCNT};
  BNDL_TRY(bndl_secfile_only(&f, &kind, known, (int)(sizeof known / sizeof known[0])));
  const void *p;
  uint64_t count;
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_WSEC_META, 8, &p, &count));
  if (count < WV_COUNT)
    return bad(label, "META section too short");
  int64_t meta[WV_COUNT];
  memcpy(meta, p, sizeof meta);
  int64_t n = meta[WV_N_WORDS], dim = meta[WV_DIM], m = meta[WV_N_DICT];
  if (!in_range(dim, 1, 4096) || !in_range(n, 1, (int64_t)(len / (17 + 4 * (uint64_t)dim))) ||
      !in_range(m, 0, (int64_t)(len / 17)) || !in_range(meta[WV_WINDOW], 1, 100) ||
      !in_range(meta[WV_NEGATIVES], 1, 100) || !in_range(meta[WV_EPOCHS], 1, 1000) ||
      !in_range(meta[WV_MIN_COUNT], 1, INT32_MAX) || !in_range(meta[WV_LANGUAGE], 0, 2) ||
      !in_range(meta[WV_TOTAL], 1, INT64_MAX / 2) || !in_range(meta[WV_N_TEXTS], 1, INT64_MAX / 2))
    return bad(label, "a count or option in META is out of range");
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_WSEC_PARM, 8, &p, &count));
  if (count < WP_COUNT)
    return bad(label, "PARM section too short");
  double parm[WP_COUNT];
  memcpy(parm, p, sizeof parm);
  if (!(parm[WP_SAMPLE] >= 0 && parm[WP_SAMPLE] <= 1) || !(parm[WP_ALPHA] > 0 && parm[WP_ALPHA] <= 10))
    return bad(label, "the subsampling threshold or learning rate is out of range");
  const void *koff_p, *keys_p, *cnts_p, *vecs_p, *doff_p, *dkey_p, *dcnt_p;
  uint64_t keys_len, dkey_len;
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_WSEC_KOFF, (uint64_t)n + 1, 8, &koff_p));
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_WSEC_KEYS, 1, &keys_p, &keys_len));
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_WSEC_CNTS, (uint64_t)n, 8, &cnts_p));
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_WSEC_VECS, (uint64_t)n * (uint64_t)dim, 4, &vecs_p));
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_WSEC_DOFF, (uint64_t)m + 1, 8, &doff_p));
  BNDL_TRY(bndl_secfile_any_array(&f, &kind, BNDL_WSEC_DKEY, 1, &dkey_p, &dkey_len));
  BNDL_TRY(bndl_secfile_array(&f, &kind, BNDL_WSEC_DCNT, (uint64_t)m, 8, &dcnt_p));

  bndl_tokenizer_options topt;
  memset(&topt, 0, sizeof topt);
  topt.language = (int)meta[WV_LANGUAGE];
  bndl_word_vectors *wv;
  BNDL_TRY(bndl_word_vectors_new(ctx, &topt, &wv));
  const bndl_allocator *a = wv->alloc;
  wv->opt.dim = (int32_t)dim;
  wv->opt.window = (int32_t)meta[WV_WINDOW];
  wv->opt.negatives = (int32_t)meta[WV_NEGATIVES];
  wv->opt.epochs = (int32_t)meta[WV_EPOCHS];
  wv->opt.sample = parm[WP_SAMPLE];
  wv->opt.alpha = parm[WP_ALPHA];
  memcpy(&wv->opt.seed, &meta[WV_SEED], sizeof wv->opt.seed);
  wv->min_count = meta[WV_MIN_COUNT];
  wv->total = meta[WV_TOTAL];
  wv->n_texts = meta[WV_N_TEXTS];
  bndl_status st = BNDL_OK;
  size_t cells = (size_t)n * (size_t)dim;
  int64_t *off = bndl_alloc_array(a, (size_t)n + 1, sizeof *off);
  wv->counts = bndl_alloc_array(a, (size_t)n, sizeof *wv->counts);
  wv->vectors = bndl_alloc_array(a, cells, sizeof *wv->vectors);
  wv->norm = bndl_alloc_array(a, (size_t)n, sizeof *wv->norm);
  if (!off || !wv->counts || !wv->vectors || !wv->norm) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  memcpy(off, koff_p, ((size_t)n + 1) * sizeof *off);
  memcpy(wv->counts, cnts_p, (size_t)n * sizeof *wv->counts);
  memcpy(wv->vectors, vecs_p, cells * sizeof *wv->vectors);
  if (!offsets_ok(off, n, keys_len)) {
    st = bad(label, "word offsets do not rise across KEYS (empty or overlapping word)");
    goto done;
  }
  int64_t sum = 0;
  for (int64_t i = 0; i < n; i++) {
    if (wv->counts[i] < wv->min_count || wv->counts[i] > wv->total - sum) {
      st = bad(label, "a word count is below min_count or the counts exceed the total");
      goto done;
    }
    sum += wv->counts[i];
  }
  if (sum != wv->total) {
    st = bad(label, "the word counts do not sum to the total");
    goto done;
  }
  for (size_t i = 0; i < cells; i++)
    if (!isfinite(wv->vectors[i])) {
      st = bad(label, "a vector holds a NaN or an infinity");
      goto done;
    }
  BNDL_TRY_GOTO(st, bndl_vocab_reserve(&wv->vocab, n, (size_t)keys_len + 1), done);
  for (int64_t i = 0; i < n; i++) {
    const char *key = (const char *)keys_p + off[i];
    size_t klen = (size_t)(off[i + 1] - off[i]);
    int64_t id;
    int added;
    BNDL_TRY_GOTO(st, bndl_vocab_insert(&wv->vocab, key, klen, bndl_vocab_hash(key, klen), &id, &added), done);
    if (!added) {
      st = bad(label, "a word appears twice");
      goto done;
    }
  }
  BNDL_TRY_GOTO(st, load_dict(wv, label, doff_p, dkey_p, dkey_len, dcnt_p, m), done);
  bndl_word_vectors_compute_norms(wv);
done:
  bndl_free(a, off);
  if (st != BNDL_OK) {
    bndl_word_vectors_destroy(wv);
    return st;
  }
  *out = wv;
  return BNDL_OK;
}
