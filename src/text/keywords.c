/*
 * keywords.c - TF-IDF and TextRank keywords of documents (the rules are in keywords.h).
 *
 * Both methods run in the same frame: documents are cut into blocks (at most BLOCK_DOCS
 * documents or about BLOCK_BYTES of text: the cuts depend on the data only), a pool
 * task per block writes the keywords of its documents into their slots (the strings
 * into its worker's arena, so slots say which arena), and one serial pass joins the
 * slots in document order into the result, giving each distinct keyword string one
 * entry. Scratch is per worker and only grows, so the allocations do not grow with the
 * number of documents. TF-IDF needs document
 * frequencies first: a pass over chunks of blocks collects each block's distinct words
 * per document in a block-local vocabulary, and the chunk's blocks are merged into the
 * global vocabulary in document order (so word ids, df and idf cannot depend on which
 * thread ran what); the scoring pass tokenizes again, so no pass keeps the token
 * streams of the whole collection.
 */
#include "text/keywords.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/error.h"
#include "text/ngrams.h"
#include "text/vocab.h"

enum { BLOCK_DOCS = 64, CHUNK_BLOCKS = 256 };
#define BLOCK_BYTES ((size_t)1 << 20)

void bndl_keyword_options_from(const bndl_config *cfg, bndl_keyword_options *o) {
  o->method = strcmp(bndl_cfg_string(cfg, BNDL_KEY_TEXT_KEYWORD_METHOD), "textrank") == 0 ? BNDL_KEYWORDS_TEXTRANK
                                                                                           : BNDL_KEYWORDS_TFIDF;
  o->k = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_KEYWORDS);
  o->window = (int32_t)bndl_cfg_int(cfg, BNDL_KEY_TEXT_WINDOW);
}

/* ---- the tokenizer */

/* 1 if any text holds a CJK ideograph (the three-byte UTF-8 forms with lead bytes
 * E3..E9 hold every BMP ideograph bndl_text_is_ideograph accepts; texts are valid UTF-8,
 * so a lead byte is never a continuation byte). */
static int has_ideographs(const char *const *texts, const size_t *lens, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const unsigned char *p = (const unsigned char *)texts[i];
    for (size_t k = 0; p && k + 2 < lens[i]; k++) {
      if (p[k] < 0xE3 || p[k] > 0xE9)
        continue;
      uint32_t cp = (uint32_t)(p[k] & 0x0F) << 12 | (uint32_t)(p[k + 1] & 0x3F) << 6 | (uint32_t)(p[k + 2] & 0x3F);
      if (bndl_text_is_ideograph(cp))
        return 1;
    }
  }
  return 0;
}

bndl_status bndl_keywords_tokenizer(const bndl_allocator *a, const bndl_config *cfg, const char *const *texts,
                                    const size_t *lengths, size_t n, bndl_tokenizer **out) {
  const char *lang = bndl_cfg_string(cfg, BNDL_KEY_TEXT_LANGUAGE);
  bndl_tokenizer_options o = {strcmp(lang, "en") == 0 ? 1 : strcmp(lang, "zh") == 0 ? 2 : 0, 0, 1};
  bndl_tokenizer *t;
  BNDL_TRY(bndl_tokenizer_new(a, &o, NULL, &t));
  bndl_status st = BNDL_OK;
  if (has_ideographs(texts, lengths, n))
    st = bndl_tokenizer_learn(t, texts, lengths, (int64_t)n, BNDL_KEYWORDS_LEARN_MIN);
  if (st != BNDL_OK) {
    bndl_tokenizer_free(t);
    return st;
  }
  *out = t;
  return BNDL_OK;
}

/* ---- candidates */

static size_t code_points(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += ((unsigned char)s[i] & 0xC0) != 0x80;
  return k;
}

/* Words the tokenizer keeps because sentiment rules need them (negators, contrast
 * words, degree adverbs) or that are too general to name anything (auxiliaries, fillers,
 * contractions left without their apostrophe): never keywords. TF-IDF would mostly bury
 * them by their idf; TextRank ranks by centrality and would put them on top. */
static const char *const keyword_stopwords[] = {
    /* English */
    "not", "no", "never", "nor", "none", "nothing", "nobody", "neither", "without", "but", "however", "although",
    "though", "yet", "very", "really", "so", "too", "quite", "pretty", "rather", "extremely", "more", "most", "much",
    "less", "least", "just", "also", "even", "still", "only", "well", "again", "ever", "get", "got", "gets", "would",
    "could", "should", "will", "can", "may", "might", "must", "one", "ones", "im", "ive", "id", "ill", "youre",
    "its", "thats", "theres", "dont", "doesnt", "didnt", "cant", "wont", "isnt", "wasnt", "arent", "lot", "lots",
    "thing", "things", "way", "bit", "since", "because", "back", "now", "then", "there", "here",
    /* Chinese */
    "没有", "不是", "但是", "可是", "不过", "然而", "还是", "就是", "非常", "比较", "觉得", "感觉", "真的", "已经",
    "可以", "还有", "一下", "一点", "有点", "特别", "而且", "一个", "一次", "这次", "这么", "那么", "怎么", "什么",
    "因为", "所以", "虽然", "如果", "不会", "不能", "一直", "一样", "其实", "现在", "还是", "不要", "只是", "应该",
    "以后", "的话", "时候", "有些", "一些", "这种", "那种", "东西"};

static int is_candidate(const bndl_vocab *stop, const bndl_token *t) {
  return (t->kind == BNDL_TOKEN_WORD || t->kind == BNDL_TOKEN_CJK) && code_points(t->text, t->length) >= 2 &&
         bndl_vocab_find(stop, t->text, t->length, bndl_vocab_hash(t->text, t->length)) < 0;
}

static bndl_status stopword_vocab(bndl_vocab *v) {
  for (size_t k = 0; k < sizeof keyword_stopwords / sizeof keyword_stopwords[0]; k++) {
    const char *w = keyword_stopwords[k];
    int64_t id;
    int added;
    BNDL_TRY(bndl_vocab_insert(v, w, strlen(w), bndl_vocab_hash(w, strlen(w)), &id, &added));
  }
  return BNDL_OK;
}

/* Tokenizes text `i` of the collection; invalid UTF-8 names the text. */
static bndl_status tokenize_text(const bndl_tokenizer *tok, const bndl_keyword_docs *d, int64_t i,
                                 bndl_token_list *l) {
  const char *t = d->texts[i] ? d->texts[i] : "";
  bndl_status st = bndl_tokenize(tok, t, d->texts[i] ? d->lengths[i] : 0, l);
  if (st != BNDL_OK && st != BNDL_ERR_OUT_OF_MEMORY) {
    char where[48];
    snprintf(where, sizeof where, "text %lld", (long long)i);
    st = bndl_error_prefix(st, where);
  }
  return st;
}

/* Ranking: score descending, then first appearance in the document. */
typedef struct ranked {
  double score;
  int64_t pos;
} ranked;

static int cmp_ranked(const void *x, const void *y) {
  const ranked *a = x, *b = y;
  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return (a->pos > b->pos) - (a->pos < b->pos);
}

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return (a > b) - (a < b);
}

/* One worker's scratch; every array only grows. */
typedef struct worker {
  bndl_token_list list;
  bndl_term_counter tc;
  bndl_vocab vocab; /* TextRank: the document's words */
  int32_t *ids;     /* candidate ids of a document (TF-IDF) or of one text (TextRank) */
  size_t ids_cap;
  uint64_t *edges;
  size_t edges_n, edges_cap;
  int64_t *off;
  size_t off_cap;
  int32_t *adj;
  size_t adj_cap;
  double *w, *wc, *score, *scratch;
  size_t w_cap, wc_cap, score_cap, scratch_cap;
  ranked *r;
  size_t r_cap;
  const char **words;
  size_t words_cap;
  size_t *lens;
  size_t lens_cap;
  bndl_bytes arena; /* the keywords this worker wrote, NUL-terminated */
} worker;

#define GROW(a, w, field, need) bndl_grow((a), (void **)&(w)->field, &(w)->field##_cap, (need), sizeof *(w)->field)

static void worker_free(const bndl_allocator *a, worker *w) {
  bndl_token_list_free(&w->list);
  bndl_term_counter_free(&w->tc);
  bndl_vocab_free(&w->vocab);
  bndl_free(a, w->ids);
  bndl_free(a, w->edges);
  bndl_free(a, w->off);
  bndl_free(a, w->adj);
  bndl_free(a, w->w);
  bndl_free(a, w->wc);
  bndl_free(a, w->score);
  bndl_free(a, w->scratch);
  bndl_free(a, w->r);
  bndl_free(a, w->words);
  bndl_free(a, w->lens);
  bndl_free(a, w->arena.data);
}

typedef struct job {
  struct bndl_context *ctx;
  const bndl_allocator *a;
  const bndl_tokenizer *tok;
  const bndl_keyword_docs *docs;
  const bndl_keyword_options *opt;
  const int64_t *block_off; /* n_blocks + 1 document offsets */
  const bndl_vocab *stop;   /* keyword_stopwords */
  worker *workers;
  int32_t n_workers;
  /* slots: document d's keywords are [d * k, d * k + count[d]) */
  int32_t *count;
  int64_t *at;    /* offset of the word in its worker's arena */
  int32_t *arena; /* which worker's arena */
  double *score;
  /* TF-IDF */
  int64_t first_block; /* df pass: the chunk's first block */
  bndl_vocab *local;   /* df pass: one per block of the chunk */
  bndl_bytes *distinct; /* df pass: per block, int32 distinct local ids per document, -1 ending each */
  bndl_vocab *global;  /* read-only in the scoring pass */
  const double *idf;
} job;

static bndl_status worker_of(const job *j, int32_t index, worker **out) {
  if (index < 0 || index >= j->n_workers)
    return bndl_fail(BNDL_ERR_INTERNAL, "pool worker %d outside the %d prepared", index, j->n_workers);
  *out = &j->workers[index];
  return BNDL_OK;
}

/* Keeps the best k of r[0..n) (pos = index into words / lens) in document d's slots. */
static bndl_status emit_top(const job *j, worker *w, int32_t wi, int64_t d, size_t n) {
  int32_t k = j->opt->k;
  qsort(w->r, n, sizeof *w->r, cmp_ranked);
  size_t keep = n < (size_t)k ? n : (size_t)k;
  for (size_t q = 0; q < keep; q++) {
    int64_t off;
    size_t idx = (size_t)w->r[q].pos, slot = (size_t)d * (size_t)k + q;
    BNDL_TRY(bndl_bytes_append(j->a, &w->arena, w->words[idx], w->lens[idx], &off));
    BNDL_TRY(bndl_bytes_append(j->a, &w->arena, "", 1, NULL));
    j->at[slot] = off;
    j->arena[slot] = wi;
    j->score[slot] = w->r[q].score;
  }
  j->count[d] = (int32_t)keep;
  return BNDL_OK;
}

/* ---- TextRank */

int bndl_textrank_scores(int64_t n, const int64_t *off, const int32_t *adj, const double *w, double *score,
                         double *scratch) {
  double *wsum = scratch, *next = scratch + n;
  for (int64_t v = 0; v < n; v++) {
    double s = 0;
    for (int64_t e = off[v]; e < off[v + 1]; e++)
      s += w[e];
    wsum[v] = s;
    score[v] = 1.0;
  }
  int sweep = 0;
  while (sweep < BNDL_TEXTRANK_MAX_SWEEPS) {
    sweep++;
    double moved = 0;
    for (int64_t v = 0; v < n; v++) {
      double s = 0;
      for (int64_t e = off[v]; e < off[v + 1]; e++)
        s += w[e] / wsum[adj[e]] * score[adj[e]];
      next[v] = (1.0 - BNDL_TEXTRANK_DAMPING) + BNDL_TEXTRANK_DAMPING * s;
      double m = fabs(next[v] - score[v]);
      if (m > moved)
        moved = m;
    }
    memcpy(score, next, (size_t)n * sizeof *score);
    if (moved <= BNDL_TEXTRANK_TOLERANCE)
      break;
  }
  return sweep;
}

static bndl_status add_edge(const bndl_allocator *a, worker *w, int32_t x, int32_t y) {
  BNDL_TRY(GROW(a, w, edges, w->edges_n + 1));
  uint32_t lo = (uint32_t)(x < y ? x : y), hi = (uint32_t)(x < y ? y : x);
  w->edges[w->edges_n++] = (uint64_t)lo << 32 | hi;
  return BNDL_OK;
}

/* The graph of one document from its texts, PageRank, and its top k. */
static bndl_status textrank_doc(const job *j, worker *w, int32_t wi, int64_t doc) {
  const bndl_allocator *a = j->a;
  bndl_vocab_clear(&w->vocab);
  w->edges_n = 0;
  for (int64_t t = j->docs->doc_off[doc]; t < j->docs->doc_off[doc + 1]; t++) {
    BNDL_TRY(tokenize_text(j->tok, j->docs, t, &w->list));
    size_t n_seq = 0;
    for (size_t k = 0; k < w->list.n; k++) {
      const bndl_token *tk = &w->list.tokens[k];
      if (!is_candidate(j->stop, tk))
        continue;
      int64_t id;
      int added;
      BNDL_TRY(bndl_vocab_insert(&w->vocab, tk->text, tk->length, bndl_vocab_hash(tk->text, tk->length), &id, &added));
      BNDL_TRY(GROW(a, w, ids, n_seq + 1));
      w->ids[n_seq++] = (int32_t)id;
    }
    for (size_t p = 0; p < n_seq; p++)
      for (size_t q = p + 1; q < n_seq && q - p < (size_t)j->opt->window; q++)
        if (w->ids[p] != w->ids[q])
          BNDL_TRY(add_edge(a, w, w->ids[p], w->ids[q]));
  }
  int64_t n = w->vocab.n;
  if (n == 0) {
    j->count[doc] = 0;
    return BNDL_OK;
  }
  /* repeated edges summed into weights (compacted in place, counts in wc) */
  qsort(w->edges, w->edges_n, sizeof *w->edges, cmp_u64);
  BNDL_TRY(GROW(a, w, wc, w->edges_n + 1));
  size_t m = 0;
  for (size_t e = 0; e < w->edges_n; e++) {
    if (m > 0 && w->edges[m - 1] == w->edges[e]) {
      w->wc[m - 1] += 1;
      continue;
    }
    w->edges[m] = w->edges[e];
    w->wc[m++] = 1;
  }
  BNDL_TRY(GROW(a, w, off, (size_t)n + 1));
  BNDL_TRY(GROW(a, w, adj, 2 * m + 1));
  BNDL_TRY(GROW(a, w, w, 2 * m + 1));
  BNDL_TRY(GROW(a, w, score, (size_t)n));
  BNDL_TRY(GROW(a, w, scratch, 2 * (size_t)n));
  BNDL_TRY(GROW(a, w, r, (size_t)n));
  BNDL_TRY(GROW(a, w, words, (size_t)n));
  BNDL_TRY(GROW(a, w, lens, (size_t)n));
  memset(w->off, 0, ((size_t)n + 1) * sizeof *w->off);
  for (size_t e = 0; e < m; e++) {
    w->off[(w->edges[e] >> 32) + 1]++;
    w->off[(w->edges[e] & 0xFFFFFFFFu) + 1]++;
  }
  for (int64_t v = 0; v < n; v++)
    w->off[v + 1] += w->off[v];
  /* One pass in (lo, hi) order fills every row ascending: row v first receives its
   * lower neighbours u (edges (u, v), met in ascending u), then its higher ones. */
  int64_t *fill = (int64_t *)w->scratch; /* n int64 fit in 2n doubles */
  memcpy(fill, w->off, (size_t)n * sizeof *fill);
  for (size_t e = 0; e < m; e++) {
    int32_t lo = (int32_t)(w->edges[e] >> 32), hi = (int32_t)(w->edges[e] & 0xFFFFFFFFu);
    w->adj[fill[lo]] = hi;
    w->w[fill[lo]++] = w->wc[e];
    w->adj[fill[hi]] = lo;
    w->w[fill[hi]++] = w->wc[e];
  }
  bndl_textrank_scores(n, w->off, w->adj, w->w, w->score, w->scratch);
  for (int64_t v = 0; v < n; v++) {
    w->r[v].score = w->score[v];
    w->r[v].pos = v; /* local ids are first appearances */
    w->words[v] = bndl_vocab_key(&w->vocab, v, &w->lens[v]);
  }
  return emit_top(j, w, wi, doc, (size_t)n);
}

static bndl_status textrank_task(void *ud, int64_t task, int32_t wi) {
  const job *j = ud;
  worker *w = NULL;
  BNDL_TRY(worker_of(j, wi, &w));
  for (int64_t doc = j->block_off[task]; doc < j->block_off[task + 1]; doc++)
    BNDL_TRY(textrank_doc(j, w, wi, doc));
  return BNDL_OK;
}

/* ---- TF-IDF */

/* A document's candidates as ids of vocabulary v (inserted when `insert`, else looked
 * up: the scoring pass meets only words the df pass put there) into w->ids; *n_out. */
static bndl_status doc_ids(const job *j, worker *w, int64_t doc, bndl_vocab *v, int insert, size_t *n_out) {
  size_t n = 0;
  for (int64_t t = j->docs->doc_off[doc]; t < j->docs->doc_off[doc + 1]; t++) {
    BNDL_TRY(tokenize_text(j->tok, j->docs, t, &w->list));
    for (size_t k = 0; k < w->list.n; k++) {
      const bndl_token *tk = &w->list.tokens[k];
      if (!is_candidate(j->stop, tk))
        continue;
      uint64_t h = bndl_vocab_hash(tk->text, tk->length);
      int64_t id;
      if (insert) {
        int added;
        BNDL_TRY(bndl_vocab_insert(v, tk->text, tk->length, h, &id, &added));
      } else if ((id = bndl_vocab_find(v, tk->text, tk->length, h)) < 0) {
        return bndl_fail(BNDL_ERR_INTERNAL, "keyword '%.*s' missing from the document-frequency pass", (int)tk->length,
                         tk->text);
      }
      BNDL_TRY(GROW(j->a, w, ids, n + 1));
      w->ids[n++] = (int32_t)id;
    }
  }
  BNDL_TRY(bndl_term_counter_begin(&w->tc, n));
  for (size_t k = 0; k < n; k++)
    bndl_term_counter_add(&w->tc, w->ids[k]);
  *n_out = n;
  return BNDL_OK;
}

/* df pass: each document's distinct candidate words, into the block's local vocabulary. */
static bndl_status df_task(void *ud, int64_t task, int32_t wi) {
  const job *j = ud;
  worker *w = NULL;
  BNDL_TRY(worker_of(j, wi, &w));
  int64_t b = j->first_block + task;
  for (int64_t doc = j->block_off[b]; doc < j->block_off[b + 1]; doc++) {
    size_t n;
    BNDL_TRY(doc_ids(j, w, doc, &j->local[task], 1, &n));
    BNDL_TRY(bndl_bytes_append(j->a, &j->distinct[task], (const char *)w->tc.ids, w->tc.n * sizeof(int32_t), NULL));
    int32_t end = -1;
    BNDL_TRY(bndl_bytes_append(j->a, &j->distinct[task], (const char *)&end, sizeof end, NULL));
  }
  return BNDL_OK;
}

static bndl_status tfidf_task(void *ud, int64_t task, int32_t wi) {
  const job *j = ud;
  worker *w = NULL;
  BNDL_TRY(worker_of(j, wi, &w));
  for (int64_t doc = j->block_off[task]; doc < j->block_off[task + 1]; doc++) {
    size_t n;
    BNDL_TRY(doc_ids(j, w, doc, j->global, 0, &n));
    size_t m = w->tc.n;
    BNDL_TRY(GROW(j->a, w, score, m + 1));
    BNDL_TRY(GROW(j->a, w, r, m + 1));
    BNDL_TRY(GROW(j->a, w, words, m + 1));
    BNDL_TRY(GROW(j->a, w, lens, m + 1));
    bndl_tfidf_row(w->tc.ids, w->tc.counts, m, j->idf, w->score);
    for (size_t k = 0; k < m; k++) {
      w->r[k].score = w->score[k];
      w->r[k].pos = (int64_t)k; /* the counter lists ids in first-appearance order */
      w->words[k] = bndl_vocab_key(j->global, w->tc.ids[k], &w->lens[k]);
    }
    BNDL_TRY(emit_top(j, w, wi, doc, m));
  }
  return BNDL_OK;
}

/* Merges one df block into the global vocabulary and df, in document order. */
static bndl_status merge_block(const job *j, const bndl_vocab *lv, const bndl_bytes *dist, int64_t **df, size_t *df_cap,
                               int64_t *non_empty) {
  size_t n = dist->len / sizeof(int32_t);
  int empty = 1;
  for (size_t k = 0; k < n; k++) {
    int32_t lid;
    memcpy(&lid, dist->data + k * sizeof lid, sizeof lid);
    if (lid < 0) {
      *non_empty += !empty;
      empty = 1;
      continue;
    }
    empty = 0;
    size_t len;
    const char *key = bndl_vocab_key(lv, lid, &len);
    int64_t id;
    int added;
    BNDL_TRY(bndl_vocab_insert(j->global, key, len, lv->hash[lid], &id, &added));
    if ((size_t)id >= *df_cap) {
      size_t old = *df_cap;
      BNDL_TRY(bndl_grow(j->a, (void **)df, df_cap, (size_t)id + 1, sizeof **df));
      memset(*df + old, 0, (*df_cap - old) * sizeof **df);
    }
    (*df)[id]++;
  }
  return BNDL_OK;
}

/* The df pass in chunks of blocks, merged in document order; then idf. */
static bndl_status tfidf_prepare(job *j, int64_t n_blocks, double **idf_out) {
  const bndl_allocator *a = j->a;
  int64_t *df = NULL, non_empty = 0;
  size_t df_cap = 0;
  bndl_status st = BNDL_OK;
  j->local = bndl_zalloc_array(a, CHUNK_BLOCKS, sizeof *j->local);
  j->distinct = bndl_zalloc_array(a, CHUNK_BLOCKS, sizeof *j->distinct);
  if (!j->local || !j->distinct) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t b = 0; b < CHUNK_BLOCKS; b++)
    bndl_vocab_init(&j->local[b], a);
  for (int64_t first = 0; first < n_blocks && st == BNDL_OK; first += CHUNK_BLOCKS) {
    int64_t n = n_blocks - first < CHUNK_BLOCKS ? n_blocks - first : CHUNK_BLOCKS;
    for (int64_t b = 0; b < n; b++) {
      bndl_vocab_clear(&j->local[b]);
      j->distinct[b].len = 0;
    }
    j->first_block = first;
    st = bndl_parallel_for(j->ctx, n, df_task, j);
    for (int64_t b = 0; b < n && st == BNDL_OK; b++)
      st = merge_block(j, &j->local[b], &j->distinct[b], &df, &df_cap, &non_empty);
  }
  if (st != BNDL_OK)
    goto done;
  double *idf = bndl_alloc_array(a, (size_t)j->global->n + 1, sizeof *idf);
  if (idf == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t w = 0; w < j->global->n; w++)
    idf[w] = bndl_idf(df[w], non_empty);
  *idf_out = idf;
done:
  if (j->local)
    for (int64_t b = 0; b < CHUNK_BLOCKS; b++)
      bndl_vocab_free(&j->local[b]);
  if (j->distinct)
    for (int64_t b = 0; b < CHUNK_BLOCKS; b++)
      bndl_free(a, j->distinct[b].data);
  bndl_free(a, j->local);
  bndl_free(a, j->distinct);
  j->local = NULL;
  j->distinct = NULL;
  bndl_free(a, df);
  return st;
}

/* ---- blocks and the joined result */

/* Cuts documents into blocks by count and text bytes (data only, never threads). */
static bndl_status cut_blocks(const bndl_allocator *a, const bndl_keyword_docs *d, int64_t **off_out, int64_t *n_out) {
  int64_t *off = bndl_alloc_array(a, (size_t)d->n_docs + 2, sizeof *off);
  if (off == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  int64_t n = 0, docs = 0;
  size_t bytes = 0;
  off[0] = 0;
  for (int64_t doc = 0; doc < d->n_docs; doc++) {
    for (int64_t t = d->doc_off[doc]; t < d->doc_off[doc + 1]; t++)
      bytes += d->texts[t] ? d->lengths[t] : 0;
    if (++docs == BLOCK_DOCS || bytes >= BLOCK_BYTES || doc + 1 == d->n_docs) {
      off[++n] = doc + 1;
      docs = 0;
      bytes = 0;
    }
  }
  *off_out = off;
  *n_out = n;
  return BNDL_OK;
}

static bndl_status assemble(const job *j, bndl_item_keywords *kw) {
  const bndl_allocator *a = j->a;
  int64_t n_docs = j->docs->n_docs, total = 0;
  for (int64_t d = 0; d < n_docs; d++)
    total += j->count[d];
  bndl_vocab seen;
  bndl_vocab_init(&seen, a);
  bndl_bytes text = {0};
  bndl_status st = BNDL_OK;
  kw->offsets = bndl_alloc_array(a, (size_t)n_docs + 1, sizeof *kw->offsets);
  kw->word = bndl_alloc_array(a, (size_t)total + 1, sizeof *kw->word);
  kw->score = bndl_alloc_array(a, (size_t)total + 1, sizeof *kw->score);
  if (!kw->offsets || !kw->word || !kw->score) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  int64_t at = 0;
  for (int64_t d = 0; d < n_docs; d++) {
    kw->offsets[d] = at;
    for (int32_t q = 0; q < j->count[d]; q++) {
      size_t slot = (size_t)d * (size_t)j->opt->k + (size_t)q;
      const char *wd = j->workers[j->arena[slot]].arena.data + j->at[slot];
      size_t len = strlen(wd);
      int64_t id;
      int added;
      BNDL_TRY_GOTO(st, bndl_vocab_insert(&seen, wd, len, bndl_vocab_hash(wd, len), &id, &added), done);
      if (added)
        BNDL_TRY_GOTO(st, bndl_bytes_append(a, &text, wd, len + 1, NULL), done);
      kw->word[at] = (int32_t)id;
      kw->score[at] = (float)j->score[slot];
      at++;
    }
  }
  kw->offsets[n_docs] = at;
  kw->word_off = bndl_alloc_array(a, (size_t)seen.n + 1, sizeof *kw->word_off);
  if (kw->word_off == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  kw->n_words = seen.n;
  /* the strings were appended in id order, each with its NUL */
  kw->word_off[0] = 0;
  for (int64_t w = 0; w < seen.n; w++)
    kw->word_off[w + 1] = kw->word_off[w] + (seen.off[w + 1] - seen.off[w]) + 1;
  if (text.data == NULL && (text.data = bndl_alloc(a, 1)) == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  kw->text = text.data;
  text.data = NULL;
done:
  bndl_vocab_free(&seen);
  bndl_free(a, text.data);
  if (st != BNDL_OK)
    bndl_item_keywords_free(a, kw);
  return st;
}

bndl_status bndl_keywords_extract(struct bndl_context *ctx, const bndl_tokenizer *tok, const bndl_keyword_docs *docs,
                                  const bndl_keyword_options *opt, bndl_item_keywords *out) {
  const bndl_allocator *a = &ctx->alloc;
  memset(out, 0, sizeof *out);
  job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx;
  j.a = a;
  j.tok = tok;
  j.docs = docs;
  j.opt = opt;
  int64_t n_blocks = 0, *block_off = NULL;
  size_t slots = (size_t)docs->n_docs * (size_t)(opt->k > 0 ? opt->k : 1) + 1;
  bndl_vocab global, stop;
  bndl_vocab_init(&global, a);
  bndl_vocab_init(&stop, a);
  j.stop = &stop;
  double *idf = NULL;
  bndl_status st = cut_blocks(a, docs, &block_off, &n_blocks);
  if (st == BNDL_OK)
    st = stopword_vocab(&stop);
  if (st != BNDL_OK)
    goto done;
  j.block_off = block_off;
  j.n_workers = bndl_context_thread_count(ctx);
  j.workers = bndl_zalloc_array(a, (size_t)j.n_workers, sizeof *j.workers);
  j.count = bndl_zalloc_array(a, (size_t)docs->n_docs + 1, sizeof *j.count);
  j.at = bndl_alloc_array(a, slots, sizeof *j.at);
  j.arena = bndl_alloc_array(a, slots, sizeof *j.arena);
  j.score = bndl_alloc_array(a, slots, sizeof *j.score);
  if (!j.workers || !j.count || !j.at || !j.arena || !j.score) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int32_t w = 0; w < j.n_workers; w++) {
    bndl_token_list_init(&j.workers[w].list, a);
    bndl_term_counter_init(&j.workers[w].tc, a);
    bndl_vocab_init(&j.workers[w].vocab, a);
  }
  if (opt->k > 0 && n_blocks > 0) {
    if (opt->method == BNDL_KEYWORDS_TEXTRANK) {
      st = bndl_parallel_for(ctx, n_blocks, textrank_task, &j);
    } else {
      j.global = &global;
      st = tfidf_prepare(&j, n_blocks, &idf);
      j.idf = idf;
      if (st == BNDL_OK)
        st = bndl_parallel_for(ctx, n_blocks, tfidf_task, &j);
    }
  }
  if (st == BNDL_OK)
    st = assemble(&j, out);
done:
  if (j.workers)
    for (int32_t w = 0; w < j.n_workers; w++)
      worker_free(a, &j.workers[w]);
  bndl_free(a, j.workers);
  bndl_free(a, j.count);
  bndl_free(a, j.at);
  bndl_free(a, j.arena);
  bndl_free(a, j.score);
  bndl_free(a, block_off);
  bndl_free(a, idf);
  bndl_vocab_free(&global);
  bndl_vocab_free(&stop);
  return st;
}
