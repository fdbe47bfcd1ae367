/*
 * complements.c - per-item co-purchase partners ranked by lift (see complements.h).
 *
 * The baskets are transposed once into per-item basket lists; then each task takes a
 * contiguous range of rows and, per row i, counts its partners over i's baskets in a
 * dense counter (resetting only the touched entries), scores those with count >=
 * min_count, and keeps the best k. Rows are independent, so tasks write disjoint
 * fragments that are stitched in row order.
 */
#include "compute/complements.h"

#include <stdlib.h>
#include <string.h>

#include "compute/neighbors.h"
#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"

typedef struct partner {
  float score;
  int32_t item;
} partner;

/* Score descending, ties by lower item. */
static int cmp_partner(const void *a, const void *b) {
  const partner *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return (x->item > y->item) - (x->item < y->item);
}

/* The kept partners of rows [lo, hi) of one task. */
typedef struct fragment {
  int32_t *row_len; /* hi - lo */
  partner *kept;
  size_t n_kept, cap_kept;
} fragment;

typedef struct comp_job {
  const bndl_baskets *b;
  const int64_t *inv_ptr;     /* n_items + 1 */
  const int64_t *inv_baskets; /* the baskets of each item, ascending */
  int64_t min_count;
  int32_t k;
  int64_t n_tasks;
  const bndl_allocator *a;
  fragment *frags;
} comp_job;

static int32_t task_row(const comp_job *job, int64_t task) {
  return (int32_t)((int64_t)job->b->n_items * task / job->n_tasks);
}

static bndl_status comp_task(void *ud, int64_t task, int32_t worker) {
  (void)worker;
  comp_job *job = ud;
  const bndl_baskets *b = job->b;
  const bndl_allocator *a = job->a;
  int32_t lo = task_row(job, task), hi = task_row(job, task + 1), n_items = b->n_items;
  fragment *f = &job->frags[task];
  int64_t *acc = bndl_zalloc_array(a, (size_t)n_items + 1, sizeof *acc);
  int32_t *touched = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *touched);
  partner *cand = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *cand);
  f->row_len = bndl_zalloc_array(a, (size_t)(hi - lo) + 1, sizeof *f->row_len);
  bndl_status st = BNDL_OK;
  if (!acc || !touched || !cand || !f->row_len) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  double n = (double)b->n;
  for (int32_t i = lo; i < hi; i++) {
    int32_t n_touched = 0;
    for (int64_t x = job->inv_ptr[i]; x < job->inv_ptr[i + 1]; x++) {
      int64_t bk = job->inv_baskets[x];
      for (int64_t y = b->indptr[bk]; y < b->indptr[bk + 1]; y++) {
        int32_t j = b->items[y];
        if (j != i && acc[j]++ == 0)
          touched[n_touched++] = j;
      }
    }
    double count_i = (double)(job->inv_ptr[i + 1] - job->inv_ptr[i]);
    int32_t n_cand = 0;
    for (int32_t t = 0; t < n_touched; t++) {
      int32_t j = touched[t];
      if (acc[j] >= job->min_count) {
        double count_j = (double)(job->inv_ptr[j + 1] - job->inv_ptr[j]);
        cand[n_cand++] = (partner){(float)(n * (double)acc[j] / (count_i * count_j)), j};
      }
      acc[j] = 0;
    }
    qsort(cand, (size_t)n_cand, sizeof *cand, cmp_partner);
    int32_t keep = n_cand < job->k ? n_cand : job->k;
    if (keep > 0) {
      BNDL_TRY_GOTO(st, bndl_grow_typed(a, &f->kept, &f->cap_kept, f->n_kept + (size_t)keep, sizeof *f->kept),
                    done);
      memcpy(f->kept + f->n_kept, cand, (size_t)keep * sizeof *cand);
      f->n_kept += (size_t)keep;
    }
    f->row_len[i - lo] = keep;
  }
done:
  bndl_free(a, acc);
  bndl_free(a, touched);
  bndl_free(a, cand);
  return st;
}

bndl_status bndl_complements_build(bndl_context *ctx, const bndl_baskets *b, int64_t min_count, int32_t k,
                                   bndl_neighbors **out) {
  const bndl_allocator *a = &ctx->alloc;
  int32_t n_items = b->n_items;
  comp_job job = {.b = b, .min_count = min_count, .k = k, .a = a};
  int64_t *inv_ptr = bndl_zalloc_array(a, (size_t)n_items + 2, sizeof *inv_ptr);
  int64_t *inv_baskets = bndl_alloc_array(a, (size_t)b->indptr[b->n] + 1, sizeof *inv_baskets);
  int32_t *idx = NULL;
  float *val = NULL;
  bndl_status st = BNDL_OK;
  if (!inv_ptr || !inv_baskets) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  /* Transpose: inv_ptr[i + 2] counts first, so that the scatter below can use
   * inv_ptr[i + 1] as item i's cursor and leave the offsets in place. */
  for (int64_t y = 0; y < b->indptr[b->n]; y++)
    inv_ptr[b->items[y] + 2]++;
  for (int32_t i = 0; i < n_items; i++)
    inv_ptr[i + 2] += inv_ptr[i + 1];
  for (int64_t bk = 0; bk < b->n; bk++)
    for (int64_t y = b->indptr[bk]; y < b->indptr[bk + 1]; y++)
      inv_baskets[inv_ptr[b->items[y] + 1]++] = bk;
  job.inv_ptr = inv_ptr;
  job.inv_baskets = inv_baskets;

  int64_t threads = bndl_context_thread_count(ctx);
  job.n_tasks = n_items < 8 * threads ? n_items : 8 * threads;
  if (job.n_tasks < 1)
    job.n_tasks = 1;
  job.frags = bndl_zalloc_array(a, (size_t)job.n_tasks, sizeof *job.frags);
  if (job.frags == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  BNDL_TRY_GOTO(st, bndl_parallel_for(ctx, job.n_tasks, comp_task, &job), done);

  /* Stitch into the rows x width table bndl_neighbors_from_topk takes; the width is
   * the longest row, not k, so a large sim.k costs nothing when rows are short. */
  int64_t width = 1;
  for (int64_t t = 0; t < job.n_tasks; t++)
    for (int32_t r = 0; r < task_row(&job, t + 1) - task_row(&job, t); r++)
      width = job.frags[t].row_len[r] > width ? job.frags[t].row_len[r] : width;
  size_t cells;
  if (!bndl_mul_size((size_t)n_items + 1, (size_t)width, &cells)) {
    st = bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "out of memory: %d x %lld neighbour table", n_items, (long long)width);
    goto done;
  }
  idx = bndl_alloc_array(a, cells, sizeof *idx);
  val = bndl_alloc_array(a, cells, sizeof *val);
  if (!idx || !val) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int64_t t = 0; t < job.n_tasks; t++) {
    const fragment *f = &job.frags[t];
    size_t at = 0;
    int32_t lo = task_row(&job, t), hi = task_row(&job, t + 1);
    for (int32_t i = lo; i < hi; i++) {
      int32_t len = f->row_len[i - lo];
      for (int64_t c = 0; c < width; c++) {
        idx[(int64_t)i * width + c] = c < len ? f->kept[at + (size_t)c].item : -1;
        val[(int64_t)i * width + c] = c < len ? f->kept[at + (size_t)c].score : 0.0f;
      }
      at += (size_t)len;
    }
  }
  st = bndl_neighbors_from_topk(ctx, n_items, width, idx, val, out);
done:
  if (job.frags) {
    for (int64_t t = 0; t < job.n_tasks; t++) {
      bndl_free(a, job.frags[t].row_len);
      bndl_free(a, job.frags[t].kept);
    }
    bndl_free(a, job.frags);
  }
  bndl_free(a, inv_ptr);
  bndl_free(a, inv_baskets);
  bndl_free(a, idx);
  bndl_free(a, val);
  return st;
}
