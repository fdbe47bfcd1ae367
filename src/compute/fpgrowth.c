/*
 * fpgrowth.c - FP-growth: frequent itemsets without candidate generation.
 *
 * 1. Count every item; the frequent ones get ranks by descending count, ties by lower
 *    item index, so the tree is the same on every run.
 * 2. Build the FP-tree: each basket's frequent items in rank order form a path from
 *    the root; shared prefixes share nodes, whose counts add. Nodes of one item are
 *    chained (node-links) from its header entry. A child is found by hashing
 *    (parent, item), so wide nodes (the root has one child per leading item) cost O(1).
 * 3. Mine: for each item r of a tree, emit prefix + {r} with r's support, then build
 *    r's conditional tree from its conditional pattern base (the paths above r's
 *    nodes, weighted by their counts, keeping only the items frequent in that base) and
 *    mine it with the longer prefix. A tree that is one single path needs no more
 *    trees: every combination of its nodes is frequent, with the count of its deepest
 *    node.
 *
 * Parallelism: the first-level items are independent tasks on the context's pool (the
 *    global tree is read-only); the least frequent items, whose bases are the largest,
 *    are claimed first. Every task has its own stack arena for its conditional trees
 *    (released level by level) and its own output. The outputs are then sorted by
 *    (length, items), which is a total order, so the result cannot depend on the
 *    thread count.
 */
#include "compute/fpgrowth.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "core/handle.h"

int64_t bndl_fp_min_count(double min_support, int64_t min_count, int64_t n_baskets) {
  int64_t floor_count = min_count > 1 ? min_count : 1;
  if (n_baskets <= 0 || min_support <= 0)
    return floor_count;
  double n = (double)n_baskets;
  double x = min_support * n;
  if (x > n) /* min_support <= 1, so this is rounding only */
    x = n;
  int64_t c = (int64_t)x;
  /* Settle on the exact threshold of the reported support count / n. */
  while (c > 0 && (double)(c - 1) / n >= min_support)
    c--;
  while ((double)c / n < min_support)
    c++;
  return c > floor_count ? c : floor_count;
}

/* ---- a stack arena: allocations are released in reverse order, level by level */

typedef struct arena_block {
  char *base;
  size_t size;
} arena_block;

typedef struct arena {
  const bndl_allocator *a;
  arena_block *blocks;
  size_t n_blocks, cap_blocks;
  size_t cur, off; /* the block in use and the first free byte in it */
} arena;

typedef struct arena_mark {
  size_t cur, off;
} arena_mark;

enum { ARENA_FIRST_BLOCK = 64 * 1024 };

static arena_mark arena_get_mark(const arena *ar) { return (arena_mark){ar->cur, ar->off}; }

static void arena_release(arena *ar, arena_mark m) {
  ar->cur = m.cur;
  ar->off = m.off;
}

static void *arena_alloc(arena *ar, size_t bytes) {
  bytes = (bytes + 15) & ~(size_t)15;
  if (ar->n_blocks > 0 && bytes <= ar->blocks[ar->cur].size - ar->off) {
    void *p = ar->blocks[ar->cur].base + ar->off;
    ar->off += bytes;
    return p;
  }
  /* The blocks after the current one are free (stack discipline): reuse the next one
   * if it is large enough, else replace it by one twice the current size. */
  size_t next = ar->n_blocks == 0 ? 0 : ar->cur + 1;
  if (next >= ar->n_blocks || ar->blocks[next].size < bytes) {
    size_t want = ar->n_blocks == 0 ? ARENA_FIRST_BLOCK : ar->blocks[ar->cur].size * 2;
    if (want < bytes)
      want = bytes;
    char *base = bndl_alloc(ar->a, want);
    if (base == NULL)
      return NULL;
    if (next < ar->n_blocks) {
      bndl_free(ar->a, ar->blocks[next].base);
    } else {
      if (bndl_grow_typed(ar->a, &ar->blocks, &ar->cap_blocks, next + 1, sizeof *ar->blocks) != BNDL_OK) {
        bndl_free(ar->a, base);
        return NULL;
      }
      ar->n_blocks = next + 1;
    }
    ar->blocks[next] = (arena_block){base, want};
  }
  ar->cur = next;
  ar->off = bytes;
  return ar->blocks[next].base;
}

static void arena_destroy(arena *ar) {
  for (size_t i = 0; i < ar->n_blocks; i++)
    bndl_free(ar->a, ar->blocks[i].base);
  bndl_free(ar->a, ar->blocks);
  ar->blocks = NULL;
  ar->n_blocks = ar->cap_blocks = 0;
}

/* ---- the FP-tree */

/* Node 0 is the root. Items are local ranks 0..n_items-1 (ascending rank = descending
 * support); ranks increase along every path from the root. */
typedef struct fp_tree {
  int32_t n_nodes;
  int32_t *item, *parent, *next; /* next: the node-link to the item's next node, -1 at the end */
  int64_t *count;
  int32_t n_items;
  int32_t *head;     /* first node of each item, -1 if none */
  int64_t *support;  /* each item's count in this tree */
  int32_t *global;   /* dataset item index of each rank */
  uint32_t mask;     /* child table: slots of (parent, item) -> node, linear probing */
  int32_t *slots;
} fp_tree;

enum { TREE_FIRST_SLOTS = 256 };

/* Node arrays for max_nodes (an upper bound, never touched beyond what is used); the
 * child table starts small and grows with the nodes actually made, because the bound
 * (a pattern base's total length) is often far above the nodes its shared prefixes
 * need, and clearing a table of the bound's size dominated the mining time. */
static bndl_status tree_init(arena *ar, fp_tree *t, int64_t max_nodes, int32_t n_items) {
  uint64_t n_slots = 16;
  while (n_slots < (uint64_t)max_nodes * 2 && n_slots < TREE_FIRST_SLOTS)
    n_slots *= 2;
  size_t nn = (size_t)max_nodes, ni = (size_t)n_items + 1;
  t->item = arena_alloc(ar, nn * sizeof *t->item);
  t->parent = arena_alloc(ar, nn * sizeof *t->parent);
  t->next = arena_alloc(ar, nn * sizeof *t->next);
  t->count = arena_alloc(ar, nn * sizeof *t->count);
  t->head = arena_alloc(ar, ni * sizeof *t->head);
  t->support = arena_alloc(ar, ni * sizeof *t->support);
  t->global = arena_alloc(ar, ni * sizeof *t->global);
  t->slots = arena_alloc(ar, (size_t)n_slots * sizeof *t->slots);
  if (!t->item || !t->parent || !t->next || !t->count || !t->head || !t->support || !t->global || !t->slots)
    return BNDL_ERR_OUT_OF_MEMORY;
  t->mask = (uint32_t)(n_slots - 1);
  memset(t->slots, 0xff, (size_t)n_slots * sizeof *t->slots);
  memset(t->head, 0xff, ni * sizeof *t->head);
  t->n_items = n_items;
  t->n_nodes = 1;
  t->item[0] = -1;
  t->parent[0] = -1;
  t->next[0] = -1;
  t->count[0] = 0;
  return BNDL_OK;
}

static inline uint32_t child_hash(int32_t parent, int32_t item) {
  uint64_t k = ((uint64_t)(uint32_t)parent << 32) | (uint32_t)item;
  k *= UINT64_C(0x9E3779B97F4A7C15);
  return (uint32_t)(k >> 32);
}

/* Makes the child table hold `nodes` at load <= 1/2 (a new table from the arena, the
 * old one left to the arena's next release). */
static bndl_status tree_reserve(arena *ar, fp_tree *t, int64_t nodes) {
  uint64_t n_slots = (uint64_t)t->mask + 1;
  if ((uint64_t)nodes * 2 <= n_slots)
    return BNDL_OK;
  while ((uint64_t)nodes * 2 > n_slots)
    n_slots *= 4;
  int32_t *slots = arena_alloc(ar, (size_t)n_slots * sizeof *slots);
  if (slots == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memset(slots, 0xff, (size_t)n_slots * sizeof *slots);
  uint32_t mask = (uint32_t)(n_slots - 1);
  for (int32_t c = 1; c < t->n_nodes; c++) {
    uint32_t h = child_hash(t->parent[c], t->item[c]) & mask;
    while (slots[h] >= 0)
      h = (h + 1) & mask;
    slots[h] = c;
  }
  t->slots = slots;
  t->mask = mask;
  return BNDL_OK;
}

/* Adds the path (ascending ranks) with weight w. The caller sized the node arrays. */
static bndl_status tree_insert(arena *ar, fp_tree *t, const int32_t *path, int32_t len, int64_t w) {
  BNDL_TRY(tree_reserve(ar, t, (int64_t)t->n_nodes + len));
  int32_t node = 0;
  for (int32_t i = 0; i < len; i++) {
    int32_t r = path[i];
    uint32_t h = child_hash(node, r) & t->mask;
    int32_t c;
    while ((c = t->slots[h]) >= 0 && !(t->parent[c] == node && t->item[c] == r))
      h = (h + 1) & t->mask;
    if (c < 0) {
      c = t->n_nodes++;
      t->item[c] = r;
      t->parent[c] = node;
      t->count[c] = 0;
      t->next[c] = t->head[r];
      t->head[r] = c;
      t->slots[h] = c;
    }
    t->count[c] += w;
    node = c;
  }
  return BNDL_OK;
}

/* One path from the root holding every item once, ranks 0..n_items-1 in order. */
static int tree_is_single_path(const fp_tree *t) {
  if (t->n_nodes - 1 != t->n_items)
    return 0;
  int32_t above = 0;
  for (int32_t q = 0; q < t->n_items; q++) {
    int32_t node = t->head[q];
    if (node < 0 || t->next[node] >= 0 || t->parent[node] != above)
      return 0;
    above = node;
  }
  return 1;
}

typedef struct ranked {
  int64_t count;
  int32_t key; /* item index (global tree) or parent-tree rank (conditional trees) */
} ranked;

/* Descending count, ties by ascending key. */
static int cmp_ranked(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return (x->key > y->key) - (x->key < y->key);
}

/* ---- mining */

/* What one task found, in the order found. */
typedef struct fp_found {
  int32_t *items;
  size_t n_items, cap_items;
  int32_t *lens;
  int64_t *counts;
  size_t n, cap_lens, cap_counts;
} fp_found;

typedef struct fp_job {
  const fp_tree *tree; /* the global tree, read-only */
  const bndl_fp_params *p;
  const bndl_allocator *a;
  fp_found *found; /* one per task */
  atomic_int_fast64_t total;
} fp_job;

enum { FP_MAX_DEPTH = 62, FP_FLUSH = 4096 };

typedef struct miner {
  fp_job *job;
  fp_found *out;
  arena ar;
  int64_t pending; /* found but not yet added to job->total */
  int32_t prefix[FP_MAX_DEPTH + 2];
} miner;

static bndl_status too_many(const miner *m) {
  return bndl_fail(BNDL_ERR_LIMIT,
                   "more than %lld frequent itemsets (the internal cap); raise fp.min_support or fp.min_count, "
                   "or set fp.max_len",
                   (long long)m->job->p->max_itemsets);
}

static bndl_status flush_count(miner *m) {
  int64_t t = (int64_t)atomic_fetch_add(&m->job->total, m->pending) + m->pending;
  m->pending = 0;
  return t > m->job->p->max_itemsets ? too_many(m) : BNDL_OK;
}

/* Records prefix[0..len) with its count. */
static bndl_status emit(miner *m, int32_t len, int64_t count) {
  /* All 2^len - 1 non-empty subsets of a frequent set are frequent (and no longer than
   * max_len), so a set this long alone proves the cap is exceeded. */
  if (len > FP_MAX_DEPTH || (INT64_C(1) << len) - 1 > m->job->p->max_itemsets)
    return too_many(m);
  fp_found *f = m->out;
  const bndl_allocator *a = m->job->a;
  BNDL_TRY(bndl_grow_typed(a, &f->items, &f->cap_items, f->n_items + (size_t)len, sizeof *f->items));
  BNDL_TRY(bndl_grow_typed(a, &f->lens, &f->cap_lens, f->n + 1, sizeof *f->lens));
  BNDL_TRY(bndl_grow_typed(a, &f->counts, &f->cap_counts, f->n + 1, sizeof *f->counts));
  int32_t *dst = f->items + f->n_items;
  memcpy(dst, m->prefix, (size_t)len * sizeof *dst);
  bndl_sort_i32(dst, len);
  f->n_items += (size_t)len;
  f->lens[f->n] = len;
  f->counts[f->n] = count;
  f->n++;
  if (++m->pending >= FP_FLUSH)
    return flush_count(m);
  return BNDL_OK;
}

/* Every combination of the single path's items from rank `start` on, at most `room`
 * more items, after prefix[0..depth). The count of a combination is that of its
 * deepest item, which is the last one added. */
static bndl_status mine_path(miner *m, const fp_tree *t, int32_t depth, int32_t start, int32_t room) {
  for (int32_t q = start; q < t->n_items; q++) {
    m->prefix[depth] = t->global[q];
    BNDL_TRY(emit(m, depth + 1, t->support[q]));
    if (room > 1)
      BNDL_TRY(mine_path(m, t, depth + 1, q + 1, room - 1));
  }
  return BNDL_OK;
}

/* Builds the conditional tree of rank r of t in m's arena; *built = 0 when no item of
 * r's pattern base is frequent. */
static bndl_status conditional_tree(miner *m, const fp_tree *t, int32_t r, fp_tree *c, int *built) {
  arena *ar = &m->ar;
  int64_t min_count = m->job->p->min_count;
  int64_t *cnt = arena_alloc(ar, (size_t)r * sizeof *cnt);
  if (cnt == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memset(cnt, 0, (size_t)r * sizeof *cnt);
  int64_t bound = 0; /* nodes the conditional tree can need: the base's total length */
  for (int32_t n = t->head[r]; n >= 0; n = t->next[n]) {
    int64_t w = t->count[n];
    for (int32_t p = t->parent[n]; p > 0; p = t->parent[p]) {
      cnt[t->item[p]] += w;
      bound++;
    }
  }
  int32_t n_freq = 0;
  for (int32_t q = 0; q < r; q++)
    n_freq += cnt[q] >= min_count;
  *built = 0;
  if (n_freq == 0)
    return BNDL_OK;
  ranked *order = arena_alloc(ar, (size_t)n_freq * sizeof *order);
  int32_t *map = arena_alloc(ar, (size_t)r * sizeof *map);
  int32_t *buf = arena_alloc(ar, (size_t)r * sizeof *buf);
  if (!order || !map || !buf)
    return BNDL_ERR_OUT_OF_MEMORY;
  int32_t k = 0;
  for (int32_t q = 0; q < r; q++) {
    map[q] = -1;
    if (cnt[q] >= min_count)
      order[k++] = (ranked){cnt[q], q};
  }
  qsort(order, (size_t)n_freq, sizeof *order, cmp_ranked);
  BNDL_TRY(tree_init(ar, c, bound + 1, n_freq));
  for (int32_t i = 0; i < n_freq; i++) {
    map[order[i].key] = i;
    c->global[i] = t->global[order[i].key];
    c->support[i] = order[i].count;
  }
  for (int32_t n = t->head[r]; n >= 0; n = t->next[n]) {
    /* Walking up gives descending old ranks; filling from the end gives them root
     * first, which the new ranks mostly follow, so the sort has little to do. */
    int32_t pos = r;
    for (int32_t p = t->parent[n]; p > 0; p = t->parent[p])
      if (map[t->item[p]] >= 0)
        buf[--pos] = map[t->item[p]];
    bndl_sort_i32(buf + pos, r - pos);
    BNDL_TRY(tree_insert(ar, c, buf + pos, r - pos, t->count[n]));
  }
  *built = 1;
  return BNDL_OK;
}

/* Mines tree t whose sets all extend prefix[0..depth); depth < max_len (or no limit). */
static bndl_status mine(miner *m, const fp_tree *t, int32_t depth) {
  int32_t max_len = m->job->p->max_len;
  if (tree_is_single_path(t))
    return mine_path(m, t, depth, 0, max_len ? max_len - depth : t->n_items);
  for (int32_t r = t->n_items - 1; r >= 0; r--) {
    m->prefix[depth] = t->global[r];
    BNDL_TRY(emit(m, depth + 1, t->support[r]));
    if ((max_len && depth + 1 >= max_len) || r == 0)
      continue;
    arena_mark mark = arena_get_mark(&m->ar);
    fp_tree c;
    int built;
    BNDL_TRY(conditional_tree(m, t, r, &c, &built));
    if (built)
      BNDL_TRY(mine(m, &c, depth + 1));
    arena_release(&m->ar, mark);
  }
  return BNDL_OK;
}

/* Task: everything whose least frequent item (in the global order) is rank r. */
static bndl_status fp_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  fp_job *job = ud;
  const fp_tree *t = job->tree;
  int32_t r = t->n_items - 1 - (int32_t)task;
  miner m = {.job = job, .out = &job->found[task], .ar = {.a = job->a}};
  m.prefix[0] = t->global[r];
  bndl_status st = emit(&m, 1, t->support[r]);
  if (st == BNDL_OK && job->p->max_len != 1 && r > 0) {
    fp_tree c;
    int built;
    st = conditional_tree(&m, t, r, &c, &built);
    if (st == BNDL_OK && built)
      st = mine(&m, &c, 1);
  }
  if (st == BNDL_OK)
    st = flush_count(&m);
  arena_destroy(&m.ar);
  return st;
}

/* ---- the global tree */

static bndl_status build_global_tree(const bndl_baskets *b, int64_t min_count, arena *ar, fp_tree *t) {
  const bndl_allocator *a = ar->a;
  int32_t n_items = b->n_items;
  int64_t *cnt = bndl_zalloc_array(a, (size_t)n_items + 1, sizeof *cnt);
  int32_t *rank = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *rank);
  ranked *order = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *order);
  int32_t *buf = NULL;
  bndl_status st = BNDL_OK;
  if (!cnt || !rank || !order) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  int64_t longest = 0;
  for (int64_t k = 0; k < b->n; k++) {
    int64_t len = b->indptr[k + 1] - b->indptr[k];
    longest = len > longest ? len : longest;
    for (int64_t j = b->indptr[k]; j < b->indptr[k + 1]; j++)
      cnt[b->items[j]]++;
  }
  int32_t n_freq = 0;
  int64_t total = 0;
  for (int32_t i = 0; i < n_items; i++) {
    rank[i] = -1;
    if (cnt[i] >= min_count) {
      order[n_freq++] = (ranked){cnt[i], i};
      total += cnt[i];
    }
  }
  if (total >= INT32_MAX) {
    st = bndl_fail(BNDL_ERR_LIMIT, "the FP-tree would need %lld nodes, more than 2^31 - 1", (long long)total + 1);
    goto done;
  }
  qsort(order, (size_t)n_freq, sizeof *order, cmp_ranked);
  buf = bndl_alloc_array(a, (size_t)longest + 1, sizeof *buf);
  if (buf == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  BNDL_TRY_GOTO(st, tree_init(ar, t, total + 1, n_freq), done);
  for (int32_t q = 0; q < n_freq; q++) {
    rank[order[q].key] = q;
    t->global[q] = order[q].key;
    t->support[q] = order[q].count;
  }
  for (int64_t k = 0; k < b->n; k++) {
    int32_t len = 0;
    for (int64_t j = b->indptr[k]; j < b->indptr[k + 1]; j++)
      if (rank[b->items[j]] >= 0)
        buf[len++] = rank[b->items[j]];
    bndl_sort_i32(buf, len);
    BNDL_TRY_GOTO(st, tree_insert(ar, t, buf, len, 1), done);
  }
done:
  bndl_free(a, cnt);
  bndl_free(a, rank);
  bndl_free(a, order);
  bndl_free(a, buf);
  return st;
}

/* ---- the result: sorted by (length, items) */

/* Records of one length L, for qsort: [L, item_1..item_L, count as two int32]. The
 * length rides in each record because qsort's comparator takes no context. */
static int cmp_record(const void *a, const void *b) {
  const int32_t *x = a, *y = b;
  int32_t len = x[0];
  for (int32_t i = 1; i <= len; i++)
    if (x[i] != y[i])
      return x[i] < y[i] ? -1 : 1;
  return 0;
}

static bndl_status assemble(bndl_context *ctx, const fp_job *job, int64_t n_tasks, int64_t n_baskets,
                            bndl_itemsets **out) {
  const bndl_allocator *a = &ctx->alloc;
  int64_t n = 0, n_items = 0;
  int32_t longest = 0;
  for (int64_t k = 0; k < n_tasks; k++) {
    const fp_found *f = &job->found[k];
    n += (int64_t)f->n;
    n_items += (int64_t)f->n_items;
    for (size_t i = 0; i < f->n; i++)
      longest = f->lens[i] > longest ? f->lens[i] : longest;
  }
  bndl_itemsets *s = bndl_zalloc(a, sizeof *s);
  int64_t *rec_start = bndl_zalloc_array(a, (size_t)longest + 2, sizeof *rec_start);
  int64_t *cursor = bndl_alloc_array(a, (size_t)longest + 2, sizeof *cursor);
  int32_t *rec = NULL;
  if (s == NULL || rec_start == NULL || cursor == NULL)
    goto oom;
  s->by_length = bndl_zalloc_array(a, (size_t)longest + 2, sizeof *s->by_length);
  s->offsets = bndl_alloc_array(a, (size_t)n + 1, sizeof *s->offsets);
  s->items = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *s->items);
  s->counts = bndl_alloc_array(a, (size_t)n + 1, sizeof *s->counts);
  rec = bndl_alloc_array(a, (size_t)(n_items + 3 * n) + 1, sizeof *rec);
  if (!s->by_length || !s->offsets || !s->items || !s->counts || !rec)
    goto oom;
  /* by_length[L + 1] counts sets of length L, then becomes the prefix sum; rec_start[L]
   * is where the records of length L begin. */
  for (int64_t k = 0; k < n_tasks; k++)
    for (size_t i = 0; i < job->found[k].n; i++)
      s->by_length[job->found[k].lens[i] + 1]++;
  for (int32_t len = 1; len <= longest; len++) {
    rec_start[len + 1] = rec_start[len] + s->by_length[len + 1] * (len + 3);
    s->by_length[len + 1] += s->by_length[len];
  }
  for (int32_t len = 1; len <= longest; len++)
    cursor[len] = rec_start[len];
  for (int64_t k = 0; k < n_tasks; k++) {
    const fp_found *f = &job->found[k];
    const int32_t *src = f->items;
    for (size_t i = 0; i < f->n; i++) {
      int32_t len = f->lens[i];
      int32_t *r = rec + cursor[len];
      r[0] = len;
      memcpy(r + 1, src, (size_t)len * sizeof *r);
      memcpy(r + 1 + len, &f->counts[i], sizeof f->counts[i]);
      cursor[len] += len + 3;
      src += len;
    }
  }
  int64_t w = 0, set = 0;
  for (int32_t len = 1; len <= longest; len++) {
    int64_t n_len = s->by_length[len + 1] - s->by_length[len];
    int32_t *r = rec + rec_start[len];
    qsort(r, (size_t)n_len, (size_t)(len + 3) * sizeof *r, cmp_record);
    for (int64_t i = 0; i < n_len; i++, r += len + 3) {
      s->offsets[set] = w;
      memcpy(s->items + w, r + 1, (size_t)len * sizeof *r);
      memcpy(&s->counts[set], r + 1 + len, sizeof s->counts[set]);
      w += len;
      set++;
    }
  }
  s->offsets[n] = w;
  bndl_free(a, rec);
  bndl_free(a, rec_start);
  bndl_free(a, cursor);
  s->n = n;
  s->n_baskets = n_baskets;
  s->longest = longest;
  bndl_context_retain(ctx);
  s->ctx = ctx;
  s->magic = BNDL_MAGIC_ITEMSETS;
  *out = s;
  return BNDL_OK;
oom:
  bndl_free(a, rec);
  bndl_free(a, rec_start);
  bndl_free(a, cursor);
  if (s) {
    bndl_free(a, s->by_length);
    bndl_free(a, s->offsets);
    bndl_free(a, s->items);
    bndl_free(a, s->counts);
    bndl_free(a, s);
  }
  return BNDL_ERR_OUT_OF_MEMORY;
}

bndl_status bndl_fpgrowth(bndl_context *ctx, const bndl_baskets *b, const bndl_fp_params *p, bndl_itemsets **out) {
  const bndl_allocator *a = &ctx->alloc;
  arena ar = {.a = a};
  fp_tree t;
  fp_job job = {.tree = &t, .p = p, .a = a};
  atomic_init(&job.total, 0);
  int64_t n_tasks = 0;
  bndl_status st = build_global_tree(b, p->min_count, &ar, &t);
  if (st != BNDL_OK)
    goto done;
  n_tasks = t.n_items;
  job.found = bndl_zalloc_array(a, (size_t)n_tasks + 1, sizeof *job.found);
  if (job.found == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  if (n_tasks > 0)
    BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, n_tasks, fp_task, &job), done);
  if ((int64_t)atomic_load(&job.total) > p->max_itemsets) { /* every task flushes, so a task failed already */
    st = bndl_fail(BNDL_ERR_INTERNAL, "fpgrowth: the itemset cap was passed unnoticed");
    goto done;
  }
  arena_destroy(&ar); /* the tree is no longer needed: free it before the result grows */
  st = assemble(ctx, &job, n_tasks, b->n, out);
done:
  arena_destroy(&ar);
  if (job.found) {
    for (int64_t k = 0; k < n_tasks; k++) {
      bndl_free(a, job.found[k].items);
      bndl_free(a, job.found[k].lens);
      bndl_free(a, job.found[k].counts);
    }
    bndl_free(a, job.found);
  }
  return st;
}

void bndl_itemsets_destroy(bndl_itemsets *s) {
  bndl_context *ctx = s->ctx;
  const bndl_allocator *a = &ctx->alloc;
  s->magic = BNDL_MAGIC_FREED;
  bndl_free(a, s->offsets);
  bndl_free(a, s->items);
  bndl_free(a, s->counts);
  bndl_free(a, s->by_length);
  bndl_free(a, s);
  bndl_context_release(ctx);
}

int64_t bndl_itemsets_find(const bndl_itemsets *s, const int32_t *items, int32_t len) {
  if (len < 1 || len > s->longest)
    return -1;
  int64_t lo = s->by_length[len], hi = s->by_length[len + 1];
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    const int32_t *x = s->items + s->offsets[mid];
    int c = 0;
    for (int32_t i = 0; i < len && c == 0; i++)
      c = (x[i] > items[i]) - (x[i] < items[i]);
    if (c == 0)
      return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}
