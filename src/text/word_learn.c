/*
 * word_learn.c - Chinese words learnt from a raw corpus (no segmented text needed), the
 * unsupervised "new word discovery" of frequency, cohesion and boundary freedom:
 *
 *   a string w of 2..4 ideographs is a word when
 *   - it occurs at least min_count times (inside CJK runs; runs end at any other
 *     character, so punctuation, spaces, Latin letters and digits are boundaries);
 *   - cohesion: for every way to cut it in two, w = a + b,
 *       PMI(a, b) = ln( N c(w) / (c(a) c(b)) ) >= min_pmi    (N = ideographs in the corpus)
 *     i.e. its parts stick together far more often than chance (rules out "手机的");
 *   - boundary freedom: the entropy of the characters seen just before it, and of those
 *     just after it, are both >= min_entropy nats (rules out fragments such as "克力",
 *     always preceded by "巧"). The start or end of a run counts as a new distinct
 *     neighbour at each occurrence, since a run boundary is a word boundary.
 *
 * Counting. The corpus is first mapped to a sequence of 16-bit character ids (first
 * appearance order, 0 separating runs), so an n-gram of up to four characters is one
 * 64-bit key. Pass 1 counts characters and bigrams; pass 2 counts a trigram only when
 * both its bigrams reach min_count, pass 3 a 4-gram only when both its trigrams do (an
 * n-gram is never more frequent than its parts, so nothing frequent is missed, and the
 * tables stay small). Pass 4 counts the neighbours of the candidates that passed the
 * count and cohesion tests. Everything is sequential and keyed by content, and the
 * result is sorted by count (descending) then by the word's bytes, so the output depends
 * only on the texts and their order.
 *
 * A corpus with more than 65,535 distinct ideographs treats the rarer ones (those seen
 * after the 65,535th distinct one) as run boundaries.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/utf8.h"
#include "text/tokenize.h"

/* ---- a uint64 -> uint32 counting map (key 0 = empty) ----------------------------- */

typedef struct count_map {
  uint64_t *keys;
  uint32_t *vals;
  size_t cap, used;
} count_map;

static inline size_t mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return (size_t)k;
}

static void map_free(const bndl_allocator *a, count_map *m) {
  bndl_free(a, m->keys);
  bndl_free(a, m->vals);
  memset(m, 0, sizeof *m);
}

static bndl_status map_rehash(const bndl_allocator *a, count_map *m, size_t cap) {
  uint64_t *keys = bndl_zalloc_array(a, cap, sizeof *keys);
  uint32_t *vals = bndl_zalloc_array(a, cap, sizeof *vals);
  if (keys == NULL || vals == NULL) {
    bndl_free(a, keys);
    bndl_free(a, vals);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  for (size_t k = 0; k < m->cap; k++) {
    if (m->keys[k] == 0)
      continue;
    size_t i = mix64(m->keys[k]) & (cap - 1);
    while (keys[i] != 0)
      i = (i + 1) & (cap - 1);
    keys[i] = m->keys[k];
    vals[i] = m->vals[k];
  }
  bndl_free(a, m->keys);
  bndl_free(a, m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return BNDL_OK;
}

static bndl_status map_add(const bndl_allocator *a, count_map *m, uint64_t key, uint32_t v) {
  if ((m->used + 1) * 2 > m->cap)
    BNDL_TRY(map_rehash(a, m, m->cap ? m->cap * 2 : 4096));
  size_t i = mix64(key) & (m->cap - 1);
  while (m->keys[i] != 0 && m->keys[i] != key)
    i = (i + 1) & (m->cap - 1);
  if (m->keys[i] == 0) {
    m->keys[i] = key;
    m->used++;
  }
  m->vals[i] = m->vals[i] > UINT32_MAX - v ? UINT32_MAX : m->vals[i] + v;
  return BNDL_OK;
}

static uint32_t map_get(const count_map *m, uint64_t key) {
  if (m->cap == 0)
    return 0;
  size_t i = mix64(key) & (m->cap - 1);
  while (m->keys[i] != 0) {
    if (m->keys[i] == key)
      return m->vals[i];
    i = (i + 1) & (m->cap - 1);
  }
  return 0;
}

/* ---- the corpus as character ids ------------------------------------------------- */

#define MAX_IDS 65535

typedef struct id_corpus {
  uint16_t *seq; /* ids, 0 between runs; starts and ends with 0 */
  size_t len, cap;
  uint32_t *cp_of; /* id -> code point (index 0 unused) */
  uint32_t n_ids;
  int64_t *uni; /* id -> count */
  count_map ids; /* code point + 1 -> id */
} id_corpus;

static inline uint32_t decode_cp(const unsigned char *s, size_t *nb) {
  unsigned c = s[0];
  if (c < 0x80) {
    *nb = 1;
    return c;
  }
  if (c < 0xE0) {
    *nb = 2;
    return ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
  }
  if (c < 0xF0) {
    *nb = 3;
    return ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
  }
  *nb = 4;
  return ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
         (s[3] & 0x3F);
}

static bndl_status seq_push(const bndl_allocator *a, id_corpus *c, uint16_t id) {
  if (id == 0 && c->len > 0 && c->seq[c->len - 1] == 0)
    return BNDL_OK; /* one separator between runs */
  if (c->len == c->cap)
    BNDL_TRY(bndl_grow(a, (void **)&c->seq, &c->cap, c->len + 1, sizeof *c->seq));
  c->seq[c->len++] = id;
  return BNDL_OK;
}

static bndl_status build_ids(const bndl_allocator *a, const char *const *texts, const size_t *lengths, int64_t n,
                             id_corpus *c) {
  c->cp_of = bndl_zalloc_array(a, MAX_IDS + 1, sizeof *c->cp_of);
  c->uni = bndl_zalloc_array(a, MAX_IDS + 1, sizeof *c->uni);
  if (c->cp_of == NULL || c->uni == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  BNDL_TRY(seq_push(a, c, 0));
  for (int64_t k = 0; k < n; k++) {
    const unsigned char *s = (const unsigned char *)texts[k];
    size_t len = lengths != NULL ? lengths[k] : (s != NULL ? strlen((const char *)s) : 0);
    if (len == 0)
      continue;
    if (s == NULL)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "text %lld is NULL", (long long)k);
    size_t bad = bndl_utf8_invalid_at((const char *)s, len);
    if (bad < len)
      return bndl_fail(BNDL_ERR_FORMAT, "text %lld: invalid UTF-8 at byte %zu", (long long)k, bad);
    for (size_t i = 0; i < len;) {
      size_t nb;
      uint32_t cp = decode_cp(s + i, &nb);
      i += nb;
      uint16_t id = 0;
      if (bndl_text_is_ideograph(cp)) {
        uint32_t got = map_get(&c->ids, (uint64_t)cp + 1);
        if (got == 0 && c->n_ids < MAX_IDS) {
          got = ++c->n_ids;
          c->cp_of[got] = cp;
          BNDL_TRY(map_add(a, &c->ids, (uint64_t)cp + 1, got));
        }
        id = (uint16_t)got;
      }
      if (id != 0)
        c->uni[id]++;
      BNDL_TRY(seq_push(a, c, id));
    }
    BNDL_TRY(seq_push(a, c, 0));
  }
  return BNDL_OK;
}

/* The n-gram of `len` ids at p as one key (ids in 16-bit slots, first id lowest). */
static inline uint64_t gram_key(const uint16_t *p, int len) {
  uint64_t k = 0;
  for (int j = 0; j < len; j++)
    k |= (uint64_t)p[j] << (16 * j);
  return k;
}

static int64_t gram_count(const id_corpus *c, const count_map *grams, const uint16_t *p, int len) {
  return len == 1 ? c->uni[p[0]] : (int64_t)map_get(grams, gram_key(p, len));
}

/* ---- candidates ------------------------------------------------------------------ */

typedef struct cand {
  uint64_t key;
  int64_t count;
  double pmi;
  int64_t bound_left, bound_right; /* occurrences at a run start / end */
  double h_left, h_right;
  char word[4 * 4 + 1];
  uint8_t len;
  uint8_t free_ends; /* passed the entropy test */
} cand;

static int cand_order(const void *pa, const void *pb) {
  const cand *a = pa, *b = pb;
  if (a->count != b->count)
    return a->count > b->count ? -1 : 1;
  return strcmp(a->word, b->word);
}

void bndl_word_learn_defaults(bndl_word_learn_options *o) {
  o->min_count = 5;
  o->min_pmi = 2.3;
  o->pmi_step = 2.3;
  o->min_entropy = 1.5;
}

void bndl_learnt_words_free(bndl_learnt_words *w) {
  if (w->alloc != NULL) {
    bndl_free(w->alloc, w->words);
    bndl_free(w->alloc, w->counts);
    bndl_free(w->alloc, w->pmi);
    bndl_free(w->alloc, w->entropy);
    bndl_free(w->alloc, w->pool);
  }
  memset(w, 0, sizeof *w);
}

bndl_status bndl_text_learn_words(const bndl_allocator *a, const char *const *texts, const size_t *lengths, int64_t n,
                                  const bndl_word_learn_options *opt, bndl_learnt_words *out) {
  memset(out, 0, sizeof *out);
  out->alloc = a;
  bndl_word_learn_options o;
  bndl_word_learn_defaults(&o);
  if (opt != NULL)
    o = *opt;
  if (n < 0 || (n > 0 && texts == NULL))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%lld texts at %p", (long long)n, (const void *)texts);
  if (o.min_count < 1)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "min_count %lld is below 1", (long long)o.min_count);
  uint32_t mc = o.min_count > UINT32_MAX ? UINT32_MAX : (uint32_t)o.min_count;

  id_corpus c;
  memset(&c, 0, sizeof c);
  count_map grams, cand_index, neigh;
  memset(&grams, 0, sizeof grams);
  memset(&cand_index, 0, sizeof cand_index);
  memset(&neigh, 0, sizeof neigh);
  cand *cands = NULL;
  size_t n_cands = 0, cap_cands = 0;
  bndl_status st;
  BNDL_TRY_GOTO(st, build_ids(a, texts, lengths, n, &c), done);
  int64_t total = 0;
  for (uint32_t id = 1; id <= c.n_ids; id++)
    total += c.uni[id];

  /* passes 1-3: bigrams, then trigrams and 4-grams whose parts are frequent */
  for (int len = 2; len <= 4; len++) {
    for (size_t i = 1; i + (size_t)len <= c.len; i++) {
      const uint16_t *p = c.seq + i;
      int ok = 1;
      for (int j = 0; j < len && ok; j++)
        ok = p[j] != 0;
      if (!ok)
        continue;
      if (len > 2 && (map_get(&grams, gram_key(p, len - 1)) < mc || map_get(&grams, gram_key(p + 1, len - 1)) < mc))
        continue;
      if (len == 2 && (c.uni[p[0]] < mc || c.uni[p[1]] < mc))
        continue;
      BNDL_TRY_GOTO(st, map_add(a, &grams, gram_key(p, len), 1), done);
    }
  }

  /* frequent and cohesive n-grams become candidates */
  for (size_t k = 0; k < grams.cap; k++) {
    uint64_t key = grams.keys[k];
    if (key == 0 || grams.vals[k] < mc)
      continue;
    uint16_t p[4];
    int len = 0;
    for (int j = 0; j < 4; j++) {
      p[j] = (uint16_t)(key >> (16 * j));
      if (p[j] != 0)
        len = j + 1;
    }
    double cw = grams.vals[k], pmi = HUGE_VAL;
    for (int cut = 1; cut < len; cut++) {
      double ca = (double)gram_count(&c, &grams, p, cut), cb = (double)gram_count(&c, &grams, p + cut, len - cut);
      double v = log((double)total * cw / (ca * cb));
      if (v < pmi)
        pmi = v;
    }
    if (pmi < o.min_pmi + (len - 2) * o.pmi_step)
      continue;
    if (n_cands == cap_cands)
      BNDL_TRY_GOTO(st, bndl_grow(a, (void **)&cands, &cap_cands, n_cands + 1, sizeof *cands), done);
    cand *cd = &cands[n_cands];
    memset(cd, 0, sizeof *cd);
    cd->key = key;
    cd->count = grams.vals[k];
    cd->pmi = pmi;
    cd->len = (uint8_t)len;
    size_t wl = 0;
    for (int j = 0; j < len; j++) {
      uint32_t cp = c.cp_of[p[j]];
      if (cp < 0x10000) {
        cd->word[wl++] = (char)(0xE0 | (cp >> 12));
      } else {
        cd->word[wl++] = (char)(0xF0 | (cp >> 18));
        cd->word[wl++] = (char)(0x80 | ((cp >> 12) & 0x3F));
      }
      cd->word[wl++] = (char)(0x80 | ((cp >> 6) & 0x3F));
      cd->word[wl++] = (char)(0x80 | (cp & 0x3F));
    }
    cd->word[wl] = '\0';
    n_cands++;
  }
  /* a content order before the neighbour pass, so nothing below depends on map layout */
  if (n_cands > 1)
    qsort(cands, n_cands, sizeof *cands, cand_order);
  for (size_t k = 0; k < n_cands; k++)
    BNDL_TRY_GOTO(st, map_add(a, &cand_index, cands[k].key, (uint32_t)k + 1), done);

  /* pass 4: neighbours of every candidate occurrence; key = cand << 17 | side << 16 | id */
  for (size_t i = 1; i < c.len; i++) {
    const uint16_t *p = c.seq + i;
    for (int len = 2; len <= 4 && i + (size_t)len <= c.len; len++) {
      if (p[len - 1] == 0)
        break;
      uint32_t ci = map_get(&cand_index, gram_key(p, len));
      if (ci == 0)
        continue;
      cand *cd = &cands[ci - 1];
      uint16_t left = p[-1], right = p[len];
      if (left == 0)
        cd->bound_left++;
      else
        BNDL_TRY_GOTO(st, map_add(a, &neigh, ((uint64_t)ci << 17) | left, 1), done);
      if (right == 0)
        cd->bound_right++;
      else
        BNDL_TRY_GOTO(st, map_add(a, &neigh, ((uint64_t)ci << 17) | (1u << 16) | right, 1), done);
    }
  }
  for (size_t k = 0; k < n_cands; k++) {
    double tot = (double)cands[k].count;
    cands[k].h_left = (double)cands[k].bound_left * log(tot) / tot;
    cands[k].h_right = (double)cands[k].bound_right * log(tot) / tot;
  }
  /* entropy sums in slot order: the map's layout is a function of the insertion
   * sequence, which is fixed by the corpus, so the sums are reproducible */
  for (size_t k = 0; k < neigh.cap; k++) {
    if (neigh.keys[k] == 0)
      continue;
    cand *cd = &cands[(neigh.keys[k] >> 17) - 1];
    double q = (double)neigh.vals[k] / (double)cd->count;
    if ((neigh.keys[k] >> 16) & 1)
      cd->h_right -= q * log(q);
    else
      cd->h_left -= q * log(q);
  }

  /* the words: free at both ends, and not two shorter words side by side (a 4-gram
   * made of two 2-character words is a phrase, "经常死机" = "经常" + "死机") */
  for (size_t k = 0; k < n_cands; k++)
    cands[k].free_ends = cands[k].h_left >= o.min_entropy && cands[k].h_right >= o.min_entropy;
  size_t kept = 0, pool_len = 0;
  for (size_t k = 0; k < n_cands; k++) {
    if (!cands[k].free_ends)
      continue;
    if (cands[k].len == 4) {
      uint32_t left = map_get(&cand_index, cands[k].key & 0xFFFFFFFFu), right = map_get(&cand_index, cands[k].key >> 32);
      if (left != 0 && right != 0 && cands[left - 1].free_ends && cands[right - 1].free_ends)
        continue;
    }
    cands[kept++] = cands[k];
    pool_len += strlen(cands[k].word) + 1;
  }
  if (kept > 0) {
    out->words = bndl_alloc_array(a, kept, sizeof *out->words);
    out->counts = bndl_alloc_array(a, kept, sizeof *out->counts);
    out->pmi = bndl_alloc_array(a, kept, sizeof *out->pmi);
    out->entropy = bndl_alloc_array(a, kept, sizeof *out->entropy);
    out->pool = bndl_alloc(a, pool_len);
    if (out->words == NULL || out->counts == NULL || out->pmi == NULL || out->entropy == NULL || out->pool == NULL) {
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto done;
    }
    size_t at = 0;
    for (size_t k = 0; k < kept; k++) {
      size_t wl = strlen(cands[k].word);
      memcpy(out->pool + at, cands[k].word, wl + 1);
      out->words[k] = out->pool + at;
      at += wl + 1;
      out->counts[k] = cands[k].count;
      out->pmi[k] = cands[k].pmi;
      out->entropy[k] = cands[k].h_left < cands[k].h_right ? cands[k].h_left : cands[k].h_right;
    }
  }
  out->n = (int64_t)kept;
  out->corpus_chars = total;
  st = BNDL_OK;
done:
  if (st != BNDL_OK)
    bndl_learnt_words_free(out);
  bndl_free(a, cands);
  map_free(a, &grams);
  map_free(a, &cand_index);
  map_free(a, &neigh);
  map_free(a, &c.ids);
  bndl_free(a, c.seq);
  bndl_free(a, c.cp_of);
  bndl_free(a, c.uni);
  return st;
}

bndl_status bndl_tokenizer_learn(bndl_tokenizer *t, const char *const *texts, const size_t *lengths, int64_t n,
                                 int64_t min_count) {
  bndl_word_learn_options o;
  bndl_word_learn_defaults(&o);
  o.min_count = min_count;
  bndl_learnt_words w;
  BNDL_TRY(bndl_text_learn_words(bndl_tokenizer_allocator(t), texts, lengths, n, &o, &w));
  bndl_status st = bndl_tokenizer_add_learnt(t, &w, NULL);
  bndl_learnt_words_free(&w);
  if (st == BNDL_OK)
    st = bndl_tokenizer_reestimate(t, texts, lengths, n, 2);
  return st;
}
