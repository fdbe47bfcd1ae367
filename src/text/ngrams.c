/*
 * ngrams.c - n-gram keys, per-document term counts, TF-IDF rows, and the corpus fit of
 * ngrams.h.
 *
 * The corpus fit (bottom of the file) reads documents in fixed blocks on the pool and
 * merges their keys in hash shards, both in fixed order, so the vocabulary, its ids and
 * the rows do not depend on the thread count.
 */
#include "text/ngrams.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"

enum { BLOCK_DOCS = 512 };
/* Longest character n-gram holding a Chinese ideograph: words are one to three
 * characters, and on online_shopping 4- and 5-grams added 64% more features (min_df 2)
 * and 57% more training time for no accuracy on the validation split. */
enum { CJK_MAX_NGRAM = 3 };

/* ---- keys */

void bndl_ngram_keys_init(bndl_ngram_keys *k, const bndl_allocator *a) {
  memset(k, 0, sizeof *k);
  k->alloc = a;
}

void bndl_ngram_keys_free(bndl_ngram_keys *k) {
  bndl_free(k->alloc, k->bytes);
  bndl_free(k->alloc, k->off);
  bndl_free(k->alloc, k->hash);
  bndl_free(k->alloc, k->cps);
  bndl_ngram_keys_init(k, k->alloc);
}

static bndl_status reserve_bytes(bndl_ngram_keys *k, size_t more) {
  if (k->len + more <= k->cap)
    return BNDL_OK;
  size_t cap = k->cap ? k->cap : 1024;
  while (cap < k->len + more)
    cap *= 2;
  char *b = bndl_realloc_array(k->alloc, k->bytes, k->len, cap, 1);
  if (b == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  k->bytes = b;
  k->cap = cap;
  return BNDL_OK;
}

static bndl_status reserve_keys(bndl_ngram_keys *k, size_t more) {
  if (k->n + more <= k->cap_n && k->off)
    return BNDL_OK;
  size_t cap = k->cap_n ? k->cap_n : 256;
  while (cap < k->n + more)
    cap *= 2;
  uint32_t *off = bndl_realloc_array(k->alloc, k->off, k->off ? k->n + 1 : 0, cap + 1, sizeof *off);
  if (off == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  k->off = off;
  uint64_t *hash = bndl_realloc_array(k->alloc, k->hash, k->n, cap, sizeof *hash);
  if (hash == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  k->hash = hash;
  k->cap_n = cap;
  return BNDL_OK;
}

/* Ends the key that started at k->off[k->n]. */
static void close_key(bndl_ngram_keys *k) {
  k->off[k->n + 1] = (uint32_t)k->len;
  k->hash[k->n] = bndl_vocab_hash(k->bytes + k->off[k->n], k->len - k->off[k->n]);
  k->n++;
}

static size_t encode_utf8(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* One code point at s[*i] (U+FFFD and one byte for anything that is not UTF-8). */
static uint32_t decode_utf8(const unsigned char *s, size_t n, size_t *i) {
  unsigned char c = s[*i];
  uint32_t cp;
  size_t need;
  if (c < 0x80) {
    (*i)++;
    return c;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    cp = c & 0x1F;
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    cp = c & 0x0F;
    need = 2;
  } else if (c >= 0xF0 && c <= 0xF4) {
    cp = c & 0x07;
    need = 3;
  } else {
    (*i)++;
    return 0xFFFD;
  }
  if (n - *i <= need) {
    (*i)++;
    return 0xFFFD;
  }
  for (size_t k = 1; k <= need; k++) {
    if ((s[*i + k] & 0xC0) != 0x80) {
      (*i)++;
      return 0xFFFD;
    }
    cp = (cp << 6) | (s[*i + k] & 0x3F);
  }
  static const uint32_t min_of[4] = {0, 0x80, 0x800, 0x10000};
  if (cp < min_of[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    (*i)++;
    return 0xFFFD;
  }
  *i += need + 1;
  return cp;
}

static int is_space(uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x3000 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F;
}

static int is_dropped(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xFEFF || (cp >= 0x200B && cp <= 0x200D) ||
         cp == 0x2060;
}

/* The normalised text of ngrams.h as code points in k->cps. */
static bndl_status normalise(bndl_ngram_keys *k, const char *text, size_t len) {
  if (len + 1 > k->cap_cps) {
    uint32_t *c = bndl_realloc_array(k->alloc, k->cps, 0, len + 1, sizeof *c);
    if (c == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    k->cps = c;
    k->cap_cps = len + 1;
  }
  size_t n = 0, i = 0;
  int pending_space = 0;
  while (i < len) {
    uint32_t cp = decode_utf8((const unsigned char *)text, len, &i);
    if (is_space(cp)) {
      pending_space = n > 0;
      continue;
    }
    if (is_dropped(cp))
      continue;
    if (cp >= 0xFF01 && cp <= 0xFF5E)
      cp -= 0xFEE0;
    if (cp >= 'A' && cp <= 'Z')
      cp += 'a' - 'A';
    if (pending_space)
      k->cps[n++] = ' ';
    pending_space = 0;
    k->cps[n++] = cp;
  }
  k->n_cps = n;
  return BNDL_OK;
}

static int is_word_token(const bndl_token *t) { return t->kind != BNDL_TOKEN_PUNCT && t->length > 0; }

static bndl_status word_ngrams(bndl_ngram_keys *k, int32_t max_n, const bndl_token_list *l) {
  static const char neg[] = "NOT_";
  for (size_t s = 0; s < l->n; s++) {
    if (!is_word_token(&l->tokens[s]))
      continue;
    size_t bytes = 1;
    for (int32_t g = 0; g < max_n && s + (size_t)g < l->n; g++) {
      const bndl_token *t = &l->tokens[s + (size_t)g];
      if (!is_word_token(t))
        break;
      bytes += t->length + (t->negated ? sizeof neg - 1 : 0) + 1;
      BNDL_TRY(reserve_bytes(k, bytes));
      BNDL_TRY(reserve_keys(k, 1));
      k->bytes[k->len++] = 'w';
      for (int32_t j = 0; j <= g; j++) {
        const bndl_token *u = &l->tokens[s + (size_t)j];
        if (j)
          k->bytes[k->len++] = ' ';
        if (u->negated) {
          memcpy(k->bytes + k->len, neg, sizeof neg - 1);
          k->len += sizeof neg - 1;
        }
        memcpy(k->bytes + k->len, u->text, u->length);
        k->len += u->length;
      }
      close_key(k);
    }
  }
  return BNDL_OK;
}

static int is_ideograph(uint32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3134F);
}

/* The n-grams of each space-delimited run with a space on either side (" run "), as
 * sklearn's char_wb analyzer: none spans two runs, and one that starts or ends a run
 * says so. Positions 0 and n + 1 of the padded text are the outer spaces; the single
 * spaces inside serve as the pad of the run on either side. n-grams holding an
 * ideograph stop at CJK_MAX_NGRAM characters. */
static bndl_status char_ngrams(bndl_ngram_keys *k, int32_t max_n) {
  size_t n = k->n_cps;
  if (n == 0)
    return BNDL_OK;
#define AT(i) ((i) == 0 || (i) == n + 1 ? (uint32_t)' ' : k->cps[(i) - 1])
  for (size_t s = 0; s < n + 2; s++) {
    int ideograph = 0;
    for (int32_t g = 1; g <= max_n && s + (size_t)g <= n + 2; g++) {
      size_t e = s + (size_t)g - 1;
      uint32_t ce = AT(e);
      if (g >= 3 && AT(e - 1) == ' ')
        break; /* a space inside: the window spans two runs */
      ideograph |= is_ideograph(ce);
      if (ideograph && g > CJK_MAX_NGRAM)
        break;
      if (g == 1 && ce == ' ')
        continue; /* a lone space is no feature */
      BNDL_TRY(reserve_bytes(k, 1 + 4 * (size_t)g));
      BNDL_TRY(reserve_keys(k, 1));
      k->bytes[k->len++] = 'c';
      for (size_t j = s; j <= e; j++)
        k->len += encode_utf8(AT(j), k->bytes + k->len);
      close_key(k);
    }
  }
#undef AT
  return BNDL_OK;
}

bndl_status bndl_ngram_keys_extract(bndl_ngram_keys *k, const bndl_ngram_options *o, const bndl_token_list *tokens,
                                    const char *text, size_t len) {
  k->n = 0;
  k->len = 0;
  BNDL_TRY(reserve_keys(k, 0));
  k->off[0] = 0;
  if (tokens != NULL && o->word_ngrams > 0)
    BNDL_TRY(word_ngrams(k, o->word_ngrams, tokens));
  if (o->char_ngrams > 0 && len > 0) {
    BNDL_TRY(normalise(k, text, len));
    BNDL_TRY(char_ngrams(k, o->char_ngrams));
  }
  if (k->len > UINT32_MAX)
    return bndl_fail(BNDL_ERR_LIMIT, "one document makes more than 4 GiB of n-gram keys");
  return BNDL_OK;
}

/* ---- per-document counts */

void bndl_term_counter_init(bndl_term_counter *c, const bndl_allocator *a) {
  memset(c, 0, sizeof *c);
  c->alloc = a;
}

void bndl_term_counter_free(bndl_term_counter *c) {
  bndl_free(c->alloc, c->slot_id);
  bndl_free(c->alloc, c->slot_pos);
  bndl_free(c->alloc, c->slot_gen);
  bndl_free(c->alloc, c->ids);
  bndl_free(c->alloc, c->counts);
  bndl_term_counter_init(c, c->alloc);
}

bndl_status bndl_term_counter_begin(bndl_term_counter *c, size_t max_terms) {
  c->n = 0;
  if (max_terms > c->cap) {
    int32_t *ids = bndl_alloc_array(c->alloc, max_terms, sizeof *ids);
    uint32_t *counts = bndl_alloc_array(c->alloc, max_terms, sizeof *counts);
    if (ids == NULL || counts == NULL) {
      bndl_free(c->alloc, ids);
      bndl_free(c->alloc, counts);
      return BNDL_ERR_OUT_OF_MEMORY;
    }
    bndl_free(c->alloc, c->ids);
    bndl_free(c->alloc, c->counts);
    c->ids = ids;
    c->counts = counts;
    c->cap = max_terms;
  }
  size_t slots = 64;
  while (slots < 2 * max_terms)
    slots *= 2;
  if (slots > c->mask + 1 || c->slot_id == NULL) {
    int32_t *id = bndl_alloc_array(c->alloc, slots, sizeof *id);
    uint32_t *pos = bndl_alloc_array(c->alloc, slots, sizeof *pos);
    uint32_t *gen = bndl_zalloc_array(c->alloc, slots, sizeof *gen);
    if (id == NULL || pos == NULL || gen == NULL) {
      bndl_free(c->alloc, id);
      bndl_free(c->alloc, pos);
      bndl_free(c->alloc, gen);
      return BNDL_ERR_OUT_OF_MEMORY;
    }
    bndl_free(c->alloc, c->slot_id);
    bndl_free(c->alloc, c->slot_pos);
    bndl_free(c->alloc, c->slot_gen);
    c->slot_id = id;
    c->slot_pos = pos;
    c->slot_gen = gen;
    c->mask = slots - 1;
    c->gen = 0;
  }
  /* A generation stamp per slot clears the table in O(1); on wrap-around, for real. */
  if (++c->gen == 0) {
    memset(c->slot_gen, 0, (c->mask + 1) * sizeof *c->slot_gen);
    c->gen = 1;
  }
  return BNDL_OK;
}

void bndl_term_counter_add(bndl_term_counter *c, int32_t id) {
  size_t i = ((uint32_t)id * 0x9E3779B1u) & c->mask;
  for (;; i = (i + 1) & c->mask) {
    if (c->slot_gen[i] != c->gen) {
      c->slot_gen[i] = c->gen;
      c->slot_id[i] = id;
      c->slot_pos[i] = (uint32_t)c->n;
      c->ids[c->n] = id;
      c->counts[c->n] = 1;
      c->n++;
      return;
    }
    if (c->slot_id[i] == id) {
      c->counts[c->slot_pos[i]]++;
      return;
    }
  }
}

/* ---- TF-IDF */

double bndl_idf(int64_t df, int64_t n_docs) { return log((1.0 + (double)n_docs) / (1.0 + (double)df)) + 1.0; }

void bndl_tfidf_row(const int32_t *ids, const uint32_t *counts, size_t n, const double *idf, double *out) {
  double ss = 0;
  for (size_t i = 0; i < n; i++) {
    double v = (counts[i] == 1 ? 1.0 : 1.0 + log((double)counts[i])) * idf[ids[i]]; /* most counts are 1 */
    out[i] = v;
    ss += v * v;
  }
  if (ss > 0) {
    double inv = 1.0 / sqrt(ss);
    for (size_t i = 0; i < n; i++)
      out[i] *= inv;
  }
}

void bndl_csr_free(const bndl_allocator *a, bndl_csr *m) {
  bndl_free(a, m->indptr);
  bndl_free(a, m->idx);
  bndl_free(a, m->val);
  memset(m, 0, sizeof *m);
}

/* ---- corpus fit
 *
 * Keys are identified by their 64-bit hash while a corpus is counted, so the hot loop
 * (one lookup per key occurrence) touches one table slot and never compares bytes. Two
 * different keys with equal hashes would count as one feature (probability about
 * k^2 / 2^65 for k distinct keys: 1e-7 at two million), a merge a linear model shrugs
 * off; the vocabulary the model keeps is exact (one string per feature).
 *
 *  1. blocks of BLOCK_DOCS documents on the pool: each block's keys get local ids in
 *     first-appearance order, with their bytes and the number of the block's documents
 *     holding them; each document becomes (local id, count) pairs;
 *  2. N_SHARDS shards (the top bits of the hash) on the pool: each shard walks the
 *     blocks in order and merges their keys of that shard (document frequencies, first
 *     appearance as (block, local id));
 *  3. the keys with df >= min_df are the vocabulary, ordered by df descending, then by
 *     first appearance;
 *  4. blocks on the pool again: pairs -> vocabulary ids -> TF-IDF rows.
 * Every step's result is fixed by block and shard indices, not by which thread ran it. */

enum { N_SHARD_BITS = 6, N_SHARDS = 1 << N_SHARD_BITS };

static inline int shard_of(uint64_t h) { return (int)(h >> (64 - N_SHARD_BITS)); }

typedef struct hslot {
  uint64_t hash;
  int32_t id; /* -1: empty */
  int32_t pad;
} hslot;

/* A hash -> dense id table (ids given by the caller in insertion order). */
typedef struct htab {
  hslot *slots;
  size_t mask, n;
} htab;

static void htab_free(const bndl_allocator *a, htab *t) {
  bndl_free(a, t->slots);
  memset(t, 0, sizeof *t);
}

static bndl_status htab_grow(const bndl_allocator *a, htab *t) {
  size_t n_slots = t->slots ? (t->mask + 1) * 2 : 1024;
  hslot *s = bndl_alloc_array(a, n_slots, sizeof *s);
  if (s == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (size_t i = 0; i < n_slots; i++)
    s[i].id = -1;
  size_t mask = n_slots - 1;
  for (size_t i = 0; t->slots && i <= t->mask; i++)
    if (t->slots[i].id >= 0) {
      size_t k = (size_t)t->slots[i].hash & mask;
      while (s[k].id >= 0)
        k = (k + 1) & mask;
      s[k] = t->slots[i];
    }
  bndl_free(a, t->slots);
  t->slots = s;
  t->mask = mask;
  return BNDL_OK;
}

/* The id of hash h, or -1 after reserving a slot for it in *slot (the caller fills it). */
static inline int32_t htab_find(const htab *t, uint64_t h, size_t *slot) {
  size_t i = (size_t)h & t->mask;
  for (;; i = (i + 1) & t->mask) {
    if (t->slots[i].id < 0) {
      *slot = i;
      return -1;
    }
    if (t->slots[i].hash == h)
      return t->slots[i].id;
  }
}

static inline bndl_status htab_reserve_one(const bndl_allocator *a, htab *t) {
  if (t->slots == NULL || (t->n + 1) * 2 > t->mask + 1)
    return htab_grow(a, t);
  return BNDL_OK;
}

typedef struct block {
  int64_t first, n_docs;
  /* local keys */
  htab tab;
  uint64_t *khash;
  int64_t *koff; /* n_keys + 1 into kbytes */
  uint32_t *kdf;
  int32_t n_keys, cap_keys;
  char *kbytes;
  size_t kbytes_len, kbytes_cap;
  int32_t *by_shard;               /* local ids grouped by shard, ascending in each */
  int32_t shard_off[N_SHARDS + 1];
  int32_t *to_id;                  /* local id -> shard id, then -> vocabulary id or -1 */
  /* documents */
  int64_t *indptr; /* n_docs + 1 into ids/counts */
  int32_t *ids;
  uint32_t *counts;
  size_t n_pairs, cap_pairs;
} block;

typedef struct shard {
  htab tab;
  uint64_t *first; /* (block << 32) | local id of the first appearance */
  int64_t *df;
  int32_t *final;  /* shard id -> vocabulary id or -1 */
  int32_t n, cap;
} shard;

typedef struct fit_job {
  const bndl_allocator *alloc;
  const bndl_ngram_options *opt;
  bndl_doc_fn doc;
  void *ud;
  block *blocks;
  int64_t n_blocks;
  shard *shards;
  const double *idf;
  bndl_csr *X;
} fit_job;

static bndl_status grow_pairs(const bndl_allocator *a, block *b, size_t more) {
  if (b->n_pairs + more <= b->cap_pairs)
    return BNDL_OK;
  size_t cap = b->cap_pairs ? b->cap_pairs : 4096;
  while (cap < b->n_pairs + more)
    cap *= 2;
  int32_t *ids = bndl_realloc_array(a, b->ids, b->n_pairs, cap, sizeof *ids);
  if (ids == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  b->ids = ids;
  uint32_t *counts = bndl_realloc_array(a, b->counts, b->n_pairs, cap, sizeof *counts);
  if (counts == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  b->counts = counts;
  b->cap_pairs = cap;
  return BNDL_OK;
}

/* A new local key (its hash already known absent, its slot reserved). */
static bndl_status add_local_key(const bndl_allocator *a, block *b, const char *key, size_t len, uint64_t h,
                                 int32_t *id) {
  if (b->n_keys == b->cap_keys) {
    int32_t cap = b->cap_keys ? b->cap_keys * 2 : 4096;
    if (b->cap_keys > INT32_MAX / 4)
      return bndl_fail(BNDL_ERR_LIMIT, "more than 2^29 distinct features in one block of documents");
    uint64_t *kh = bndl_realloc_array(a, b->khash, (size_t)b->n_keys, (size_t)cap, sizeof *kh);
    if (kh == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    b->khash = kh;
    int64_t *ko = bndl_realloc_array(a, b->koff, b->koff ? (size_t)b->n_keys + 1 : 0, (size_t)cap + 1, sizeof *ko);
    if (ko == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    if (b->koff == NULL)
      ko[0] = 0;
    b->koff = ko;
    uint32_t *kd = bndl_realloc_array(a, b->kdf, (size_t)b->n_keys, (size_t)cap, sizeof *kd);
    if (kd == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    b->kdf = kd;
    b->cap_keys = cap;
  }
  if (b->kbytes_len + len > b->kbytes_cap) {
    size_t cap = b->kbytes_cap ? b->kbytes_cap : 65536;
    while (cap < b->kbytes_len + len)
      cap *= 2;
    char *kb = bndl_realloc_array(a, b->kbytes, b->kbytes_len, cap, 1);
    if (kb == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    b->kbytes = kb;
    b->kbytes_cap = cap;
  }
  memcpy(b->kbytes + b->kbytes_len, key, len);
  b->kbytes_len += len;
  int32_t lid = b->n_keys++;
  b->khash[lid] = h;
  b->koff[lid + 1] = (int64_t)b->kbytes_len;
  b->kdf[lid] = 0;
  *id = lid;
  return BNDL_OK;
}

static bndl_status read_block(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  fit_job *j = ud;
  const bndl_allocator *a = j->alloc;
  block *b = &j->blocks[task];
  bndl_token_list toks;
  bndl_ngram_keys keys;
  bndl_term_counter tc;
  bndl_token_list_init(&toks, a);
  bndl_ngram_keys_init(&keys, a);
  bndl_term_counter_init(&tc, a);
  bndl_status st = BNDL_OK;
  b->indptr = bndl_alloc_array(a, (size_t)b->n_docs + 1, sizeof *b->indptr);
  if (b->indptr == NULL)
    st = BNDL_ERR_OUT_OF_MEMORY;
  else
    b->indptr[0] = 0;
  for (int64_t d = 0; d < b->n_docs && st == BNDL_OK; d++) {
    const bndl_token_list *tl = NULL;
    const char *text = NULL;
    size_t len = 0;
    BNDL_TRY_GOTO(st, j->doc(j->ud, b->first + d, &toks, &tl, &text, &len), done);
    BNDL_TRY_GOTO(st, bndl_ngram_keys_extract(&keys, j->opt, tl, text, len), done);
    BNDL_TRY_GOTO(st, bndl_term_counter_begin(&tc, keys.n), done);
    for (size_t i = 0; i < keys.n; i++) {
      BNDL_TRY_GOTO(st, htab_reserve_one(a, &b->tab), done);
      size_t slot;
      int32_t lid = htab_find(&b->tab, keys.hash[i], &slot);
      if (lid < 0) {
        size_t klen;
        const char *key = bndl_ngram_key(&keys, i, &klen);
        BNDL_TRY_GOTO(st, add_local_key(a, b, key, klen, keys.hash[i], &lid), done);
        b->tab.slots[slot].hash = keys.hash[i];
        b->tab.slots[slot].id = lid;
        b->tab.n++;
      }
      bndl_term_counter_add(&tc, lid);
    }
    BNDL_TRY_GOTO(st, grow_pairs(a, b, tc.n), done);
    for (size_t i = 0; i < tc.n; i++) {
      b->ids[b->n_pairs + i] = tc.ids[i];
      b->counts[b->n_pairs + i] = tc.counts[i];
      b->kdf[tc.ids[i]]++;
    }
    b->n_pairs += tc.n;
    b->indptr[d + 1] = (int64_t)b->n_pairs;
  }
  htab_free(a, &b->tab);
  /* group the local ids by shard (a counting sort keeps them ascending in each) */
  b->by_shard = bndl_alloc_array(a, (size_t)b->n_keys + 1, sizeof *b->by_shard);
  b->to_id = bndl_alloc_array(a, (size_t)b->n_keys + 1, sizeof *b->to_id);
  if (st == BNDL_OK && (b->by_shard == NULL || b->to_id == NULL))
    st = BNDL_ERR_OUT_OF_MEMORY;
  if (st == BNDL_OK) {
    int32_t next[N_SHARDS];
    memset(b->shard_off, 0, sizeof b->shard_off);
    for (int32_t l = 0; l < b->n_keys; l++)
      b->shard_off[shard_of(b->khash[l]) + 1]++;
    for (int s = 0; s < N_SHARDS; s++) {
      b->shard_off[s + 1] += b->shard_off[s];
      next[s] = b->shard_off[s];
    }
    for (int32_t l = 0; l < b->n_keys; l++)
      b->by_shard[next[shard_of(b->khash[l])]++] = l;
  }
done:
  bndl_token_list_free(&toks);
  bndl_ngram_keys_free(&keys);
  bndl_term_counter_free(&tc);
  return st;
}

static bndl_status merge_shard(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  fit_job *j = ud;
  const bndl_allocator *a = j->alloc;
  shard *sh = &j->shards[task];
  for (int64_t bi = 0; bi < j->n_blocks; bi++) {
    block *b = &j->blocks[bi];
    for (int32_t k = b->shard_off[task]; k < b->shard_off[task + 1]; k++) {
      int32_t lid = b->by_shard[k];
      uint64_t h = b->khash[lid];
      BNDL_TRY(htab_reserve_one(a, &sh->tab));
      size_t slot;
      int32_t sid = htab_find(&sh->tab, h, &slot);
      if (sid < 0) {
        if (sh->n == sh->cap) {
          int32_t cap = sh->cap ? sh->cap * 2 : 1024;
          uint64_t *f = bndl_realloc_array(a, sh->first, (size_t)sh->n, (size_t)cap, sizeof *f);
          if (f == NULL)
            return BNDL_ERR_OUT_OF_MEMORY;
          sh->first = f;
          int64_t *df = bndl_realloc_array(a, sh->df, (size_t)sh->n, (size_t)cap, sizeof *df);
          if (df == NULL)
            return BNDL_ERR_OUT_OF_MEMORY;
          sh->df = df;
          sh->cap = cap;
        }
        sid = sh->n++;
        sh->first[sid] = ((uint64_t)bi << 32) | (uint32_t)lid;
        sh->df[sid] = 0;
        sh->tab.slots[slot].hash = h;
        sh->tab.slots[slot].id = sid;
        sh->tab.n++;
      }
      sh->df[sid] += b->kdf[lid];
      b->to_id[lid] = sid;
    }
  }
  htab_free(a, &sh->tab);
  return BNDL_OK;
}

/* Pairs -> vocabulary ids; the TF-IDF rows of the block's documents. */
static bndl_status relabel_block(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  fit_job *j = ud;
  block *b = &j->blocks[task];
  for (int32_t l = 0; l < b->n_keys; l++)
    b->to_id[l] = j->shards[shard_of(b->khash[l])].final[b->to_id[l]];
  size_t out = 0;
  int64_t start = 0;
  for (int64_t d = 0; d < b->n_docs; d++) {
    for (int64_t p = start; p < b->indptr[d + 1]; p++) {
      int32_t id = b->to_id[b->ids[p]];
      if (id >= 0) {
        b->ids[out] = id;
        b->counts[out] = b->counts[p];
        out++;
      }
    }
    start = b->indptr[d + 1];
    b->indptr[d + 1] = (int64_t)out;
  }
  b->n_pairs = out;
  return BNDL_OK;
}

static bndl_status fill_block(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  fit_job *j = ud;
  block *b = &j->blocks[task];
  bndl_csr *X = j->X;
  size_t max_row = 0;
  for (int64_t d = 0; d < b->n_docs; d++)
    if ((size_t)(b->indptr[d + 1] - b->indptr[d]) > max_row)
      max_row = (size_t)(b->indptr[d + 1] - b->indptr[d]);
  double *vals = bndl_alloc_array(j->alloc, max_row + 1, sizeof *vals);
  if (vals == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t d = 0; d < b->n_docs; d++) {
    int64_t lo = b->indptr[d];
    size_t m = (size_t)(b->indptr[d + 1] - lo);
    int64_t out = X->indptr[b->first + d];
    bndl_tfidf_row(b->ids + lo, b->counts + lo, m, j->idf, vals);
    for (size_t i = 0; i < m; i++) {
      X->idx[out + (int64_t)i] = b->ids[lo + (int64_t)i];
      X->val[out + (int64_t)i] = (float)vals[i];
    }
  }
  bndl_free(j->alloc, vals);
  return BNDL_OK;
}

static void free_block(const bndl_allocator *a, block *b) {
  htab_free(a, &b->tab);
  bndl_free(a, b->khash);
  bndl_free(a, b->koff);
  bndl_free(a, b->kdf);
  bndl_free(a, b->kbytes);
  bndl_free(a, b->by_shard);
  bndl_free(a, b->to_id);
  bndl_free(a, b->indptr);
  bndl_free(a, b->ids);
  bndl_free(a, b->counts);
}

typedef struct kept_key {
  int64_t df;
  uint64_t first;
  int32_t shard, sid;
} kept_key;

/* Vocabulary order: document frequency descending, then first appearance (unique). The
 * frequent features then have small ids, so the solver's gathers from w (one per
 * non-zero) mostly hit a small, cached head of it: TRON on online_shopping took 1.4 s
 * instead of 2.6 s (one thread) with first-appearance order. */
static int by_df_then_first(const void *x, const void *y) {
  const kept_key *a = x, *b = y;
  if (a->df != b->df)
    return a->df > b->df ? -1 : 1;
  return (a->first > b->first) - (a->first < b->first);
}

bndl_status bndl_tfidf_fit(bndl_context *ctx, const bndl_ngram_options *o, int64_t min_df, bndl_doc_fn doc, void *ud,
                           int64_t n, bndl_vocab *vocab, double **idf_out, bndl_csr *X) {
  const bndl_allocator *a = &ctx->alloc;
  int64_t n_blocks = (n + BLOCK_DOCS - 1) / BLOCK_DOCS;
  bndl_status st = BNDL_OK;
  kept_key *kept = NULL;
  double *idf = NULL;
  memset(X, 0, sizeof *X);
  bndl_vocab_init(vocab, a);
  block *blocks = bndl_zalloc_array(a, (size_t)n_blocks + 1, sizeof *blocks);
  shard *shards = bndl_zalloc_array(a, N_SHARDS, sizeof *shards);
  if (blocks == NULL || shards == NULL) {
    bndl_free(a, blocks);
    bndl_free(a, shards);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  for (int64_t i = 0; i < n_blocks; i++) {
    blocks[i].first = i * BLOCK_DOCS;
    blocks[i].n_docs = (i + 1) * BLOCK_DOCS <= n ? BLOCK_DOCS : n - i * BLOCK_DOCS;
  }
  fit_job j = {a, o, doc, ud, blocks, n_blocks, shards, NULL, X};
  BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, n_blocks, read_block, &j), fail);
  BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, N_SHARDS, merge_shard, &j), fail);

  /* the vocabulary: keys with df >= min_df in order of first appearance */
  int64_t n_kept = 0;
  for (int s = 0; s < N_SHARDS; s++)
    for (int32_t k = 0; k < shards[s].n; k++)
      n_kept += shards[s].df[k] >= min_df;
  kept = bndl_alloc_array(a, (size_t)n_kept + 1, sizeof *kept);
  if (kept == NULL)
    BNDL_TRY_GOTO(st, BNDL_ERR_OUT_OF_MEMORY, fail);
  int64_t q = 0;
  size_t kept_bytes = 0;
  for (int s = 0; s < N_SHARDS; s++) {
    shard *sh = &shards[s];
    sh->final = bndl_alloc_array(a, (size_t)sh->n + 1, sizeof *sh->final);
    if (sh->final == NULL)
      BNDL_TRY_GOTO(st, BNDL_ERR_OUT_OF_MEMORY, fail);
    for (int32_t k = 0; k < sh->n; k++) {
      sh->final[k] = -1;
      if (sh->df[k] < min_df)
        continue;
      kept[q].df = sh->df[k];
      kept[q].first = sh->first[k];
      kept[q].shard = s;
      kept[q].sid = k;
      const block *b = &blocks[sh->first[k] >> 32];
      uint32_t lid = (uint32_t)sh->first[k];
      kept_bytes += (size_t)(b->koff[lid + 1] - b->koff[lid]);
      q++;
    }
  }
  qsort(kept, (size_t)n_kept, sizeof *kept, by_df_then_first);
  BNDL_TRY_GOTO(st, bndl_vocab_reserve(vocab, n_kept, kept_bytes + 1), fail);
  idf = bndl_alloc_array(a, (size_t)n_kept + 1, sizeof *idf);
  if (idf == NULL)
    BNDL_TRY_GOTO(st, BNDL_ERR_OUT_OF_MEMORY, fail);
  for (int64_t i = 0; i < n_kept; i++) {
    shard *sh = &shards[kept[i].shard];
    const block *b = &blocks[kept[i].first >> 32];
    uint32_t lid = (uint32_t)kept[i].first;
    int64_t id; /* distinct hashes, so distinct keys: no lookup needed */
    BNDL_TRY_GOTO(st, bndl_vocab_append_new(vocab, b->kbytes + b->koff[lid],
                                            (size_t)(b->koff[lid + 1] - b->koff[lid]), b->khash[lid], &id), fail);
    sh->final[kept[i].sid] = (int32_t)id;
    idf[id] = bndl_idf(sh->df[kept[i].sid], n);
  }
  bndl_free(a, kept);
  kept = NULL;

  /* rows */
  j.idf = idf;
  BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, n_blocks, relabel_block, &j), fail);
  X->rows = n;
  X->cols = n_kept;
  X->indptr = bndl_alloc_array(a, (size_t)n + 1, sizeof *X->indptr);
  int64_t nnz = 0;
  for (int64_t i = 0; i < n_blocks; i++)
    nnz += (int64_t)blocks[i].n_pairs;
  X->idx = bndl_alloc_array(a, (size_t)nnz + 1, sizeof *X->idx);
  X->val = bndl_alloc_array(a, (size_t)nnz + 1, sizeof *X->val);
  if (X->indptr == NULL || X->idx == NULL || X->val == NULL)
    BNDL_TRY_GOTO(st, BNDL_ERR_OUT_OF_MEMORY, fail);
  X->indptr[0] = 0;
  for (int64_t i = 0; i < n_blocks; i++) {
    const block *b = &blocks[i];
    for (int64_t d = 0; d < b->n_docs; d++)
      X->indptr[b->first + d + 1] = X->indptr[b->first] + b->indptr[d + 1];
  }
  BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, n_blocks, fill_block, &j), fail);
  goto done;

fail:
  bndl_vocab_free(vocab);
  bndl_free(a, idf);
  idf = NULL;
  bndl_csr_free(a, X);
done:
  for (int64_t i = 0; i < n_blocks; i++)
    free_block(a, &blocks[i]);
  for (int s = 0; s < N_SHARDS; s++) {
    htab_free(a, &shards[s].tab);
    bndl_free(a, shards[s].first);
    bndl_free(a, shards[s].df);
    bndl_free(a, shards[s].final);
  }
  bndl_free(a, blocks);
  bndl_free(a, shards);
  bndl_free(a, kept);
  if (st == BNDL_OK)
    *idf_out = idf;
  return st;
}
