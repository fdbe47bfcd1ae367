/*
 * lexicon.c - the lexicon store: an insertion-ordered open-addressing hash map from a
 * normalised word to its entry (valence by source rank, degree multiplier, kind bits).
 *
 * The loaders of each file format live in lexicon_load.c; this file only stores and
 * combines. The combining rules (lexicon.h) are order-independent on purpose: a word's
 * valence is the mean over the sources of its highest rank, so loading the folder in
 * any order gives the same store.
 */
#include "text/lexicon.h"

#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "core/handle.h"
#include "text/lexicon_internal.h"

bndl_status bndl_lexicon_new(bndl_context *ctx, bndl_lexicon **out) {
  bndl_lexicon *lex = bndl_zalloc(&ctx->alloc, sizeof *lex);
  if (lex == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_context_retain(ctx);
  lex->ctx = ctx;
  lex->magic = BNDL_MAGIC_LEXICON;
  *out = lex;
  return BNDL_OK;
}

void bndl_lexicon_retain(bndl_lexicon *lex) { atomic_fetch_add(&lex->holders, 1); }

void bndl_lexicon_release(bndl_lexicon *lex) {
  if (atomic_fetch_sub(&lex->holders, 1) == 0)
    bndl_lexicon_destroy(lex);
}

void bndl_lexicon_destroy(bndl_lexicon *lex) {
  bndl_context *ctx = lex->ctx;
  const bndl_allocator *a = &ctx->alloc;
  lex->magic = BNDL_MAGIC_FREED;
  if (lex->tokenizer != NULL)
    lex->tokenizer_release(lex->tokenizer);
  bndl_free(a, lex->entries);
  bndl_free(a, lex->index);
  bndl_free(a, lex->pool);
  bndl_free(a, lex);
  bndl_context_release(ctx);
}

/* FNV-1a: short keys, no adversary (the words come from the caller's own files). */
static uint64_t hash_word(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static const char *entry_word(const bndl_lexicon *lex, const bndl_lex_entry *e) { return lex->pool + e->key; }

/* Slot of word in the index: the slot holding it, or the empty slot where it goes. */
static size_t find_slot(const bndl_lexicon *lex, const char *w, size_t n, uint64_t h) {
  size_t mask = lex->index_cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    uint32_t k = lex->index[i];
    if (k == 0)
      return i;
    const bndl_lex_entry *e = &lex->entries[k - 1];
    if (e->key_len == n && memcmp(entry_word(lex, e), w, n) == 0)
      return i;
  }
}

/* Keeps the index at most half full (double and rehash). */
static bndl_status grow_index(bndl_lexicon *lex) {
  if (lex->index_cap != 0 && (lex->n_entries + 1) * 2 <= lex->index_cap)
    return BNDL_OK;
  const bndl_allocator *a = &lex->ctx->alloc;
  size_t cap = lex->index_cap ? lex->index_cap * 2 : 1024;
  uint32_t *idx = bndl_zalloc_array(a, cap, sizeof *idx);
  if (idx == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_free(a, lex->index);
  lex->index = idx;
  lex->index_cap = cap;
  for (size_t k = 0; k < lex->n_entries; k++) {
    const bndl_lex_entry *e = &lex->entries[k];
    size_t s = find_slot(lex, entry_word(lex, e), e->key_len, hash_word(entry_word(lex, e), e->key_len));
    lex->index[s] = (uint32_t)k + 1;
  }
  return BNDL_OK;
}

bndl_status bndl_lexicon_intern(bndl_lexicon *lex, const char *w, size_t n, bndl_lex_entry **out) {
  if (lex->index_cap != 0) {
    size_t s = find_slot(lex, w, n, hash_word(w, n));
    if (lex->index[s] != 0) {
      *out = &lex->entries[lex->index[s] - 1];
      return BNDL_OK;
    }
  }
  if (lex->n_entries >= UINT32_MAX - 1 || lex->pool_len + n + 1 > UINT32_MAX)
    return bndl_fail(BNDL_ERR_LIMIT, "lexicon: more than 4 GiB of words");
  const bndl_allocator *a = &lex->ctx->alloc;
  BNDL_TRY(bndl_grow(a, (void **)&lex->entries, &lex->cap_entries, lex->n_entries + 1, sizeof *lex->entries));
  BNDL_TRY(bndl_grow(a, (void **)&lex->pool, &lex->pool_cap, lex->pool_len + n + 1, 1));
  BNDL_TRY(grow_index(lex));
  bndl_lex_entry *e = &lex->entries[lex->n_entries];
  memset(e, 0, sizeof *e);
  e->key = (uint32_t)lex->pool_len;
  e->key_len = (uint32_t)n;
  e->degree = 1.0;
  memcpy(lex->pool + lex->pool_len, w, n);
  lex->pool[lex->pool_len + n] = '\0';
  lex->pool_len += n + 1;
  lex->index[find_slot(lex, w, n, hash_word(w, n))] = (uint32_t)lex->n_entries + 1;
  lex->n_entries++;
  *out = e;
  return BNDL_OK;
}

static void count_kind(bndl_lexicon *lex, bndl_lex_entry *e, uint32_t kind) {
  if (e->kinds & kind)
    return;
  e->kinds |= kind;
  for (int b = 0; b < 4; b++)
    if (kind == (1u << b))
      lex->counts[b]++;
}

void bndl_lexicon_entry_add_valence(bndl_lexicon *lex, bndl_lex_entry *e, double valence, int rank) {
  if (rank < e->rank)
    return;
  if (rank > e->rank) {
    e->rank = (uint8_t)rank;
    e->valence_sum = 0;
    e->votes = 0;
  }
  e->valence_sum += valence;
  e->votes++;
  count_kind(lex, e, BNDL_LEX_SENTIMENT);
}

int bndl_lexicon_entry_set_degree(bndl_lexicon *lex, bndl_lex_entry *e, double multiplier) {
  if (e->kinds & BNDL_LEX_DEGREE)
    return e->degree == multiplier;
  e->degree = multiplier;
  count_kind(lex, e, BNDL_LEX_DEGREE);
  return 1;
}

void bndl_lexicon_entry_add_kind(bndl_lexicon *lex, bndl_lex_entry *e, uint32_t kind) { count_kind(lex, e, kind); }

int bndl_lexicon_lookup(const bndl_lexicon *lex, const char *word, size_t length, bndl_lex_word *out) {
  if (lex->index_cap == 0)
    return 0;
  uint32_t k = lex->index[find_slot(lex, word, length, hash_word(word, length))];
  if (k == 0)
    return 0;
  const bndl_lex_entry *e = &lex->entries[k - 1];
  out->kinds = e->kinds;
  out->valence = e->votes ? e->valence_sum / e->votes : 0.0;
  out->degree = e->degree;
  return 1;
}

int64_t bndl_lexicon_size(const bndl_lexicon *lex) { return (int64_t)lex->n_entries; }

/* 1 when s is one or more code points of the CJK ideograph blocks (Unified, Ext. A,
 * Compatibility; the supplementary planes' Ext. B.. too). */
static int all_cjk(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    if (p[i] >= 0xE0 && p[i] < 0xF0 && i + 3 <= n) {
      cp = ((uint32_t)(p[i] & 0x0F) << 12) | ((uint32_t)(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
      i += 3;
    } else if (p[i] >= 0xF0 && i + 4 <= n) {
      cp = ((uint32_t)(p[i] & 0x07) << 18) | ((uint32_t)(p[i + 1] & 0x3F) << 12) |
           ((uint32_t)(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
      i += 4;
    } else {
      return 0;
    }
    if (!((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
          (cp >= 0x20000 && cp <= 0x3134F)))
      return 0;
  }
  return 1;
}

bndl_status bndl_lexicon_for_each_word(const bndl_lexicon *lex, int cjk_only, bndl_lexicon_word_fn fn,
                                       void *user_data) {
  for (size_t k = 0; k < lex->n_entries; k++) {
    const bndl_lex_entry *e = &lex->entries[k];
    const char *w = entry_word(lex, e);
    if (cjk_only && !all_cjk(w, e->key_len))
      continue;
    BNDL_TRY(fn(w, e->key_len, e->kinds, user_data));
  }
  return BNDL_OK;
}

bndl_status bndl_lexicon_mark(bndl_lexicon *lex, bndl_lex_mark *m) {
  memset(m, 0, sizeof *m);
  if (lex->n_entries > 0) {
    m->saved = bndl_alloc_array(&lex->ctx->alloc, lex->n_entries, sizeof *m->saved);
    if (m->saved == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    memcpy(m->saved, lex->entries, lex->n_entries * sizeof *m->saved);
  }
  m->n_entries = lex->n_entries;
  m->pool_len = lex->pool_len;
  memcpy(m->counts, lex->counts, sizeof m->counts);
  return BNDL_OK;
}

void bndl_lexicon_rollback(bndl_lexicon *lex, bndl_lex_mark *m) {
  if (m->n_entries > 0)
    memcpy(lex->entries, m->saved, m->n_entries * sizeof *m->saved);
  lex->n_entries = m->n_entries;
  lex->pool_len = m->pool_len;
  memcpy(lex->counts, m->counts, sizeof m->counts);
  /* open addressing cannot delete single keys without breaking probe chains: rebuild */
  if (lex->index_cap > 0) {
    memset(lex->index, 0, lex->index_cap * sizeof *lex->index);
    for (size_t k = 0; k < lex->n_entries; k++) {
      const bndl_lex_entry *e = &lex->entries[k];
      size_t s = find_slot(lex, entry_word(lex, e), e->key_len, hash_word(entry_word(lex, e), e->key_len));
      lex->index[s] = (uint32_t)k + 1;
    }
  }
  bndl_lexicon_mark_release(lex, m);
}

void bndl_lexicon_mark_release(bndl_lexicon *lex, bndl_lex_mark *m) {
  bndl_free(&lex->ctx->alloc, m->saved);
  m->saved = NULL;
}
