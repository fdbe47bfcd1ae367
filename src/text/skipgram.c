/*
 * skipgram.c - skip-gram with negative sampling in fixed blocks (the scheme and its cost
 * are in skipgram.h).
 *
 * One round: up to ROUND_BLOCKS blocks run as pool tasks; task t works in slot t (its
 * own row maps and row copies, so nothing depends on which worker ran it). A block reads
 * the shared weights only when it first touches a row (copy in), updates its copy, and at
 * the end turns each copy into copy - weights. Then the calling thread adds the slots'
 * differences to the weights in slot order (skipgram.h says why the round is 2 blocks). The hot loop is word2vec's: for a (context,
 * word) pair, the context word's input row l1 meets the word's output row (label 1) and
 * `negatives` noise rows (label 0); g = (label - sigmoid(l1 . l2)) * alpha; the output
 * row moves by g l1 and l1 by the sum of g l2 once the pair is done. Dot products sum in
 * 8 interleaved partial sums (a fixed order the compiler can vectorise).
 */
#include "text/skipgram.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "core/rng.h"

enum { ROUND_BLOCKS = 2, MIN_BLOCK_TOKENS = 256, MAX_BLOCK_TOKENS = 8192, SIGMOID_TABLE = 1000 };
#define MAX_EXP 6.0f

/* The touched rows of one matrix in a slot: map[word] = copy index or -1. */
typedef struct row_copies {
  int32_t *map;  /* n_words */
  int32_t *rows; /* word of each copy */
  float *vals;   /* copies, dim each */
  size_t n, cap;
} row_copies;

typedef struct slot {
  row_copies in, out;
  int32_t *sentence; /* the kept tokens of one sentence (longest sentence) */
  float *neu1e;      /* dim: the context row's accumulated update */
} slot;

typedef struct trainer {
  const bndl_skipgram_corpus *c;
  const bndl_skipgram_options *o;
  const bndl_allocator *a;
  int64_t n_words, total;
  int32_t dim;
  float *syn0, *syn1;
  double *keep;         /* subsampling keep probability per word */
  double *alias_prob;   /* Vose alias table over counts^0.75 */
  int32_t *alias;
  float sigmoid[SIGMOID_TABLE];
  int64_t *block_start; /* n_blocks + 1 sentence indices */
  int64_t n_blocks;
  slot slots[ROUND_BLOCKS];
  int64_t round_first, epoch;
} trainer;

/* splitmix64: a fast, well mixed stream from one 64-bit state. */
static inline uint64_t next_random(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* r's top 32 bits scaled to [0, n), n < 2^32 (Lemire's multiply-shift without the rejection:
 * a bias below n / 2^32, far under the sampling noise) */
static inline uint64_t below(uint64_t r, uint64_t n) { return ((r >> 32) * n) >> 32; }

static inline double unit_random(uint64_t r) { return (double)(r >> 11) * 0x1.0p-53; }

static inline float dot(const float *x, const float *y, int32_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int32_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++)
      s[j] += x[i + j] * y[i + j];
  for (; i < n; i++)
    s[i & 7] += x[i] * y[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static inline void axpy(float g, const float *x, float *y, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    y[i] += g * x[i];
}

/* Room for one more copy in rc (rows and vals grow together). */
static bndl_status copies_reserve(const bndl_allocator *a, row_copies *rc, int32_t dim) {
  if (rc->n < rc->cap)
    return BNDL_OK;
  size_t cap = rc->cap ? rc->cap * 2 : 256;
  int32_t *rows = bndl_realloc_array(a, rc->rows, rc->cap, cap, sizeof *rows);
  if (rows == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  rc->rows = rows;
  float *vals = bndl_realloc_array(a, rc->vals, rc->cap * (size_t)dim, cap * (size_t)dim, sizeof *vals);
  if (vals == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  rc->vals = vals;
  rc->cap = cap;
  return BNDL_OK;
}

/* The slot's copy of row w of m, copied in on first touch; NULL when out of memory. */
static inline float *row_copy(const trainer *t, row_copies *rc, const float *m, int32_t w) {
  int32_t k = rc->map[w];
  if (k >= 0)
    return rc->vals + (size_t)k * (size_t)t->dim;
  if (rc->n == rc->cap && copies_reserve(t->a, rc, t->dim) != BNDL_OK)
    return NULL;
  k = (int32_t)rc->n++;
  rc->map[w] = k;
  rc->rows[k] = w;
  float *v = rc->vals + (size_t)k * (size_t)t->dim;
  memcpy(v, m + (size_t)w * (size_t)t->dim, (size_t)t->dim * sizeof *v);
  return v;
}

/* Turns each copy into copy - weights and clears the map (the list stays for the merge). */
static void copies_to_deltas(const trainer *t, row_copies *rc, const float *m) {
  for (size_t k = 0; k < rc->n; k++) {
    int32_t w = rc->rows[k];
    const float *base = m + (size_t)w * (size_t)t->dim;
    float *v = rc->vals + k * (size_t)t->dim;
    for (int32_t i = 0; i < t->dim; i++)
      v[i] -= base[i];
    rc->map[w] = -1;
  }
}

/* Adds the slots' differences to m, slot by slot in order (so the float sums are the
 * same for every thread count), and empties the slots. */
static void merge_round(const trainer *t, row_copies *const *rcs, int64_t n_slots, float *m) {
  for (int64_t s = 0; s < n_slots; s++) {
    row_copies *rc = rcs[s];
    for (size_t k = 0; k < rc->n; k++) {
      float *dst = m + (size_t)rc->rows[k] * (size_t)t->dim;
      const float *v = rc->vals + k * (size_t)t->dim;
      for (int32_t i = 0; i < t->dim; i++)
        dst[i] += v[i];
    }
    rc->n = 0;
  }
}

static inline int32_t draw_noise(const trainer *t, uint64_t *rs) {
  uint64_t b = below(next_random(rs), (uint64_t)t->n_words);
  return unit_random(next_random(rs)) < t->alias_prob[b] ? (int32_t)b : t->alias[b];
}

static inline float sigmoid_of(const trainer *t, float f) {
  return t->sigmoid[(int)((f + MAX_EXP) * (SIGMOID_TABLE / MAX_EXP / 2))];
}

static bndl_status block_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  trainer *t = ud;
  const bndl_skipgram_options *o = t->o;
  const bndl_skipgram_corpus *c = t->c;
  slot *s = &t->slots[task];
  int64_t block = t->round_first + task;
  bndl_rng seeder;
  bndl_rng_seed(&seeder, o->seed, (uint64_t)(t->epoch * t->n_blocks + block));
  uint64_t rs = bndl_rng_next(&seeder);
  const int32_t dim = t->dim, window = o->window, negatives = o->negatives;
  const double work = (double)o->epochs * (double)t->total + 1.0;
  float *neu1e = s->neu1e;
  for (int64_t sen = t->block_start[block]; sen < t->block_start[block + 1]; sen++) {
    const int32_t *words = c->tokens + c->off[sen];
    int64_t len = c->off[sen + 1] - c->off[sen];
    /* the rate of the sentence: linear in the tokens trained before it */
    double progress = ((double)t->epoch * (double)t->total + (double)c->off[sen]) / work;
    float alpha = (float)(o->alpha * fmax(1.0 - progress, 1e-4));
    int64_t n = 0;
    for (int64_t i = 0; i < len; i++) {
      int32_t w = words[i];
      if (t->keep[w] < 1.0 && unit_random(next_random(&rs)) >= t->keep[w])
        continue;
      s->sentence[n++] = w;
    }
    for (int64_t i = 0; i < n; i++) {
      int32_t word = s->sentence[i];
      int64_t b = (int64_t)below(next_random(&rs), (uint64_t)window);
      int64_t span = window - b;
      int64_t lo = i - span < 0 ? 0 : i - span, hi = i + span >= n ? n - 1 : i + span;
      for (int64_t j = lo; j <= hi; j++) {
        if (j == i)
          continue;
        float *l1 = row_copy(t, &s->in, t->syn0, s->sentence[j]);
        if (l1 == NULL)
          return BNDL_ERR_OUT_OF_MEMORY;
        memset(neu1e, 0, (size_t)dim * sizeof *neu1e);
        for (int32_t d = 0; d <= negatives; d++) {
          int32_t target;
          float label;
          if (d == 0) {
            target = word;
            label = 1.0f;
          } else {
            target = draw_noise(t, &rs);
            if (target == word)
              continue;
            label = 0.0f;
          }
          float *l2 = row_copy(t, &s->out, t->syn1, target);
          if (l2 == NULL)
            return BNDL_ERR_OUT_OF_MEMORY;
          float f = dot(l1, l2, dim);
          float g;
          if (f >= MAX_EXP)
            g = (label - 1.0f) * alpha;
          else if (!(f > -MAX_EXP)) /* NaN too: never an index */
            g = label * alpha;
          else
            g = (label - sigmoid_of(t, f)) * alpha;
          axpy(g, l2, neu1e, dim);
          axpy(g, l1, l2, dim);
        }
        axpy(1.0f, neu1e, l1, dim);
      }
    }
  }
  copies_to_deltas(t, &s->in, t->syn0);
  copies_to_deltas(t, &s->out, t->syn1);
  return BNDL_OK;
}

/* Vose's alias method over counts^0.75: bucket b keeps itself with alias_prob[b] and
 * otherwise gives alias[b]. Built in a fixed order (small and large worklists as stacks). */
static bndl_status build_alias(trainer *t, const int64_t *counts) {
  int64_t n = t->n_words;
  double *p = bndl_alloc_array(t->a, (size_t)n, sizeof *p);
  int32_t *small = bndl_alloc_array(t->a, (size_t)n, sizeof *small);
  int32_t *large = bndl_alloc_array(t->a, (size_t)n, sizeof *large);
  bndl_status st = BNDL_OK;
  if (p == NULL || small == NULL || large == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  double sum = 0;
  for (int64_t w = 0; w < n; w++)
    sum += pow((double)counts[w], 0.75);
  int64_t ns = 0, nl = 0;
  for (int64_t w = 0; w < n; w++) {
    p[w] = pow((double)counts[w], 0.75) / sum * (double)n;
    if (p[w] < 1.0)
      small[ns++] = (int32_t)w;
    else
      large[nl++] = (int32_t)w;
  }
  while (ns > 0 && nl > 0) {
    int32_t s = small[--ns], l = large[nl - 1];
    t->alias_prob[s] = p[s];
    t->alias[s] = l;
    p[l] -= 1.0 - p[s];
    if (p[l] < 1.0) {
      nl--;
      small[ns++] = l;
    }
  }
  /* what is left is 1 up to rounding */
  while (nl > 0) {
    int32_t l = large[--nl];
    t->alias_prob[l] = 1.0;
    t->alias[l] = l;
  }
  while (ns > 0) {
    int32_t s = small[--ns];
    t->alias_prob[s] = 1.0;
    t->alias[s] = s;
  }
done:
  bndl_free(t->a, p);
  bndl_free(t->a, small);
  bndl_free(t->a, large);
  return st;
}

/* Blocks of whole sentences of about `target` tokens each. */
static bndl_status cut_blocks(trainer *t) {
  const bndl_skipgram_corpus *c = t->c;
  int64_t target = t->total / 256;
  if (target < MIN_BLOCK_TOKENS)
    target = MIN_BLOCK_TOKENS;
  if (target > MAX_BLOCK_TOKENS)
    target = MAX_BLOCK_TOKENS;
  int64_t n_blocks = 0, acc = 0;
  for (int64_t s = 0; s < c->n_sentences; s++) {
    acc += c->off[s + 1] - c->off[s];
    if (acc >= target || s + 1 == c->n_sentences) {
      n_blocks++;
      acc = 0;
    }
  }
  t->block_start = bndl_alloc_array(t->a, (size_t)n_blocks + 1, sizeof *t->block_start);
  if (t->block_start == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  int64_t b = 0;
  acc = 0;
  t->block_start[0] = 0;
  for (int64_t s = 0; s < c->n_sentences; s++) {
    acc += c->off[s + 1] - c->off[s];
    if (acc >= target || s + 1 == c->n_sentences) {
      t->block_start[++b] = s + 1;
      acc = 0;
    }
  }
  t->n_blocks = n_blocks;
  return BNDL_OK;
}

static void trainer_free(trainer *t) {
  const bndl_allocator *a = t->a;
  for (int i = 0; i < ROUND_BLOCKS; i++) {
    slot *s = &t->slots[i];
    bndl_free(a, s->in.map);
    bndl_free(a, s->in.rows);
    bndl_free(a, s->in.vals);
    bndl_free(a, s->out.map);
    bndl_free(a, s->out.rows);
    bndl_free(a, s->out.vals);
    bndl_free(a, s->sentence);
    bndl_free(a, s->neu1e);
  }
  bndl_free(a, t->syn1);
  bndl_free(a, t->keep);
  bndl_free(a, t->alias_prob);
  bndl_free(a, t->alias);
  bndl_free(a, t->block_start);
}

bndl_status bndl_skipgram_train(bndl_context *ctx, const bndl_skipgram_corpus *corpus, int64_t n_words,
                                const int64_t *counts, const bndl_skipgram_options *opt, float *vectors) {
  trainer t;
  memset(&t, 0, sizeof t);
  t.c = corpus;
  t.o = opt;
  t.a = &ctx->alloc;
  t.n_words = n_words;
  t.dim = opt->dim;
  t.syn0 = vectors;
  t.total = corpus->off[corpus->n_sentences];
  const bndl_allocator *a = t.a;
  size_t rows = (size_t)n_words * (size_t)opt->dim;
  int64_t longest = 0;
  for (int64_t s = 0; s < corpus->n_sentences; s++)
    if (corpus->off[s + 1] - corpus->off[s] > longest)
      longest = corpus->off[s + 1] - corpus->off[s];
  bndl_status st = BNDL_OK;
  t.syn1 = bndl_zalloc_array(a, rows, sizeof *t.syn1);
  t.keep = bndl_alloc_array(a, (size_t)n_words, sizeof *t.keep);
  t.alias_prob = bndl_alloc_array(a, (size_t)n_words, sizeof *t.alias_prob);
  t.alias = bndl_alloc_array(a, (size_t)n_words, sizeof *t.alias);
  if (t.syn1 == NULL || t.keep == NULL || t.alias_prob == NULL || t.alias == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int i = 0; i < ROUND_BLOCKS; i++) {
    slot *s = &t.slots[i];
    s->in.map = bndl_alloc_array(a, (size_t)n_words, sizeof *s->in.map);
    s->out.map = bndl_alloc_array(a, (size_t)n_words, sizeof *s->out.map);
    s->sentence = bndl_alloc_array(a, (size_t)longest + 1, sizeof *s->sentence);
    s->neu1e = bndl_alloc_array(a, (size_t)opt->dim, sizeof *s->neu1e);
    if (!s->in.map || !s->out.map || !s->sentence || !s->neu1e) {
      st = BNDL_ERR_OUT_OF_MEMORY;
      goto done;
    }
    memset(s->in.map, 0xff, (size_t)n_words * sizeof *s->in.map);
    memset(s->out.map, 0xff, (size_t)n_words * sizeof *s->out.map);
  }
  BNDL_TRY_GOTO(st, cut_blocks(&t), done);
  BNDL_TRY_GOTO(st, build_alias(&t, counts), done);
  double thr = opt->sample * (double)t.total;
  for (int64_t w = 0; w < n_words; w++) {
    double f = (double)counts[w];
    t.keep[w] = thr > 0 ? fmin(1.0, (sqrt(f / thr) + 1.0) * thr / f) : 1.0;
  }
  for (int i = 0; i < SIGMOID_TABLE; i++) {
    double x = ((double)i / SIGMOID_TABLE * 2.0 - 1.0) * MAX_EXP;
    t.sigmoid[i] = (float)(1.0 / (1.0 + exp(-x)));
  }
  /* word2vec's start: input rows uniform in [-0.5, 0.5) / dim, one stream per word;
   * output rows zero */
  for (int64_t w = 0; w < n_words; w++) {
    bndl_rng r;
    bndl_rng_seed(&r, opt->seed ^ 0x5347u, (uint64_t)w);
    float *v = vectors + (size_t)w * (size_t)opt->dim;
    for (int32_t i = 0; i < opt->dim; i++)
      v[i] = (float)((bndl_rng_uniform(&r) - 0.5) / opt->dim);
  }
  for (t.epoch = 0; t.epoch < opt->epochs; t.epoch++) {
    for (t.round_first = 0; t.round_first < t.n_blocks; t.round_first += ROUND_BLOCKS) {
      int64_t n_tasks = t.n_blocks - t.round_first < ROUND_BLOCKS ? t.n_blocks - t.round_first : ROUND_BLOCKS;
      st = bndl_parallel_for(ctx, n_tasks, block_task, &t);
      if (st != BNDL_OK)
        goto done;
      row_copies *ins[ROUND_BLOCKS], *outs[ROUND_BLOCKS];
      for (int64_t k = 0; k < n_tasks; k++) {
        ins[k] = &t.slots[k].in;
        outs[k] = &t.slots[k].out;
      }
      merge_round(&t, ins, n_tasks, t.syn0);
      merge_round(&t, outs, n_tasks, t.syn1);
    }
  }
done:
  trainer_free(&t);
  return st;
}
