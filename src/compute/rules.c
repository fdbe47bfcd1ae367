/*
 * rules.c - association rules from frequent itemsets (see rules.h for the contract).
 *
 * For one itemset S the consequents are enumerated depth first as position sets in
 * lexicographic order, each extended only by positions after its last one, so every
 * proper non-empty subset is visited once and the children of a consequent C are
 * supersets of C: if A -> C fails min_confidence, so does every child (a smaller
 * antecedent has a count at least as large), and the subtree is skipped. Counts of A
 * and C come from binary searches in the itemsets (sorted by length, then items).
 *
 * The itemsets of length >= 2 are cut into fixed chunks, one pool task each; every
 * chunk writes its own rules, and the chunks are concatenated in order.
 */
#include "compute/rules.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "core/handle.h"

typedef struct rule_found {
  int32_t *items;
  size_t n_items, cap_items;
  int32_t *lens, *n_ante;
  bndl_rule_metrics *metrics;
  size_t n, cap_lens, cap_ante, cap_metrics;
} rule_found;

typedef struct rule_job {
  const bndl_itemsets *s;
  const bndl_rule_params *p;
  const bndl_allocator *a;
  int64_t first, chunk; /* itemsets [first, s->n), chunk per task */
  rule_found *found;
  atomic_int_fast64_t kept, examined;
} rule_job;

enum { RULES_CHUNK = 256, RULES_FLUSH = 4096, RULES_MAX_LEN = 64 };

typedef struct rule_miner {
  rule_job *job;
  rule_found *out;
  int64_t kept_pending, examined_pending;
  const int32_t *set;
  int32_t len;
  int64_t count;
  int32_t cons_pos[RULES_MAX_LEN];
  int32_t ante[RULES_MAX_LEN], cons[RULES_MAX_LEN];
} rule_miner;

static bndl_status flush_counts(rule_miner *m) {
  rule_job *job = m->job;
  int64_t kept = (int64_t)atomic_fetch_add(&job->kept, m->kept_pending) + m->kept_pending;
  int64_t examined = (int64_t)atomic_fetch_add(&job->examined, m->examined_pending) + m->examined_pending;
  m->kept_pending = m->examined_pending = 0;
  if (kept > job->p->max_rules)
    return bndl_fail(BNDL_ERR_LIMIT,
                     "more than %lld association rules (the internal cap); raise rule.min_confidence, "
                     "rule.min_lift or fp.min_support, or lower fp.max_len",
                     (long long)job->p->max_rules);
  if (examined > job->p->max_candidates)
    return bndl_fail(BNDL_ERR_LIMIT,
                     "more than %lld candidate rules to examine (the internal cap); raise rule.min_confidence "
                     "or fp.min_support, or lower fp.max_len",
                     (long long)job->p->max_candidates);
  return BNDL_OK;
}

static bndl_status count_of(const rule_miner *m, const int32_t *items, int32_t len, int64_t *count) {
  int64_t at = bndl_itemsets_find(m->job->s, items, len);
  if (at < 0) /* every subset of a frequent set is in the result */
    return bndl_fail(BNDL_ERR_INTERNAL, "rules: a subset of a frequent itemset is missing");
  *count = m->job->s->counts[at];
  return BNDL_OK;
}

static bndl_status keep(rule_miner *m, int32_t n_ante, const bndl_rule_metrics *metrics) {
  rule_found *f = m->out;
  const bndl_allocator *a = m->job->a;
  BNDL_TRY(bndl_grow_typed(a, &f->items, &f->cap_items, f->n_items + (size_t)m->len, sizeof *f->items));
  BNDL_TRY(bndl_grow_typed(a, &f->lens, &f->cap_lens, f->n + 1, sizeof *f->lens));
  BNDL_TRY(bndl_grow_typed(a, &f->n_ante, &f->cap_ante, f->n + 1, sizeof *f->n_ante));
  BNDL_TRY(bndl_grow_typed(a, &f->metrics, &f->cap_metrics, f->n + 1, sizeof *f->metrics));
  memcpy(f->items + f->n_items, m->ante, (size_t)n_ante * sizeof *f->items);
  memcpy(f->items + f->n_items + n_ante, m->cons, (size_t)(m->len - n_ante) * sizeof *f->items);
  f->n_items += (size_t)m->len;
  f->lens[f->n] = m->len;
  f->n_ante[f->n] = n_ante;
  f->metrics[f->n] = *metrics;
  f->n++;
  m->kept_pending++;
  return BNDL_OK;
}

/* Consequents extending cons_pos[0..k) by one position from `start` on. */
static bndl_status split(rule_miner *m, int32_t k, int32_t start) {
  const bndl_rule_params *p = m->job->p;
  double n = (double)m->job->s->n_baskets;
  for (int32_t pos = start; pos < m->len; pos++) {
    m->cons_pos[k] = pos;
    int32_t n_cons = k + 1, n_ante = m->len - n_cons;
    if (n_ante == 0)
      continue;
    int32_t ia = 0, ic = 0;
    for (int32_t i = 0; i < m->len; i++) {
      if (ic < n_cons && m->cons_pos[ic] == i)
        m->cons[ic++] = m->set[i];
      else
        m->ante[ia++] = m->set[i];
    }
    if (++m->examined_pending >= RULES_FLUSH)
      BNDL_TRY(flush_counts(m));
    int64_t count_a = 1, count_c = 1;
    BNDL_TRY(count_of(m, m->ante, n_ante, &count_a));
    BNDL_TRY(count_of(m, m->cons, n_cons, &count_c));
    double confidence = (double)m->count / (double)count_a;
    if (confidence < p->min_confidence)
      continue; /* and every smaller antecedent: skip the subtree */
    double support = (double)m->count / n, support_a = (double)count_a / n, support_c = (double)count_c / n;
    double lift = confidence / support_c;
    if (lift >= p->min_lift) {
      bndl_rule_metrics r = BNDL_RULE_METRICS_INIT;
      r.count = m->count;
      r.support = support;
      r.confidence = confidence;
      r.lift = lift;
      r.leverage = support - support_a * support_c;
      r.conviction = confidence >= 1.0 ? INFINITY : (1.0 - support_c) / (1.0 - confidence);
      BNDL_TRY(keep(m, n_ante, &r));
      if (m->kept_pending >= RULES_FLUSH)
        BNDL_TRY(flush_counts(m));
    }
    BNDL_TRY(split(m, k + 1, pos + 1));
  }
  return BNDL_OK;
}

static bndl_status rules_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  rule_job *job = ud;
  const bndl_itemsets *s = job->s;
  rule_miner m = {.job = job, .out = &job->found[task]};
  int64_t lo = job->first + task * job->chunk, hi = lo + job->chunk < s->n ? lo + job->chunk : s->n;
  for (int64_t i = lo; i < hi; i++) {
    m.set = s->items + s->offsets[i];
    m.len = (int32_t)(s->offsets[i + 1] - s->offsets[i]);
    m.count = s->counts[i];
    if (m.len > RULES_MAX_LEN) /* fpgrowth's own cap keeps sets far shorter */
      return bndl_fail(BNDL_ERR_INTERNAL, "rules: itemset of length %d", m.len);
    BNDL_TRY(split(&m, 0, 0));
  }
  return flush_counts(&m);
}

static bndl_status assemble(const rule_job *job, int64_t n_tasks, bndl_rules **out) {
  bndl_context *ctx = job->s->ctx;
  const bndl_allocator *a = &ctx->alloc;
  int64_t n = 0, n_items = 0;
  for (int64_t k = 0; k < n_tasks; k++) {
    n += (int64_t)job->found[k].n;
    n_items += (int64_t)job->found[k].n_items;
  }
  bndl_rules *r = bndl_zalloc(a, sizeof *r);
  if (r == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  r->offsets = bndl_alloc_array(a, (size_t)n + 1, sizeof *r->offsets);
  r->n_antecedent = bndl_alloc_array(a, (size_t)n + 1, sizeof *r->n_antecedent);
  r->items = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *r->items);
  r->metrics = bndl_alloc_array(a, (size_t)n + 1, sizeof *r->metrics);
  if (!r->offsets || !r->n_antecedent || !r->items || !r->metrics) {
    bndl_free(a, r->offsets);
    bndl_free(a, r->n_antecedent);
    bndl_free(a, r->items);
    bndl_free(a, r->metrics);
    bndl_free(a, r);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  int64_t at = 0, w = 0;
  for (int64_t k = 0; k < n_tasks; k++) {
    const rule_found *f = &job->found[k];
    if (f->n == 0)
      continue;
    memcpy(r->items + w, f->items, f->n_items * sizeof *r->items);
    memcpy(r->n_antecedent + at, f->n_ante, f->n * sizeof *r->n_antecedent);
    memcpy(r->metrics + at, f->metrics, f->n * sizeof *r->metrics);
    for (size_t i = 0; i < f->n; i++) {
      r->offsets[at++] = w;
      w += f->lens[i];
    }
  }
  r->offsets[n] = w;
  r->n = n;
  bndl_context_retain(ctx);
  r->ctx = ctx;
  r->magic = BNDL_MAGIC_RULES;
  *out = r;
  return BNDL_OK;
}

bndl_status bndl_rules_build(const bndl_itemsets *s, const bndl_rule_params *p, bndl_rules **out) {
  bndl_context *ctx = s->ctx;
  const bndl_allocator *a = &ctx->alloc;
  rule_job job = {.s = s, .p = p, .a = a, .chunk = RULES_CHUNK};
  atomic_init(&job.kept, 0);
  atomic_init(&job.examined, 0);
  job.first = s->longest >= 2 ? s->by_length[2] : s->n;
  int64_t n_tasks = (s->n - job.first + RULES_CHUNK - 1) / RULES_CHUNK;
  job.found = bndl_zalloc_array(a, (size_t)n_tasks + 1, sizeof *job.found);
  if (job.found == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_status st = BNDL_OK;
  if (n_tasks > 0)
    st = bndl_parallel_for(ctx, n_tasks, rules_task, &job);
  if (st == BNDL_OK)
    st = assemble(&job, n_tasks, out);
  for (int64_t k = 0; k < n_tasks; k++) {
    bndl_free(a, job.found[k].items);
    bndl_free(a, job.found[k].lens);
    bndl_free(a, job.found[k].n_ante);
    bndl_free(a, job.found[k].metrics);
  }
  bndl_free(a, job.found);
  return st;
}

void bndl_rules_destroy(bndl_rules *r) {
  bndl_context *ctx = r->ctx;
  const bndl_allocator *a = &ctx->alloc;
  r->magic = BNDL_MAGIC_FREED;
  bndl_free(a, r->offsets);
  bndl_free(a, r->n_antecedent);
  bndl_free(a, r->items);
  bndl_free(a, r->metrics);
  bndl_free(a, r);
  bndl_context_release(ctx);
}
