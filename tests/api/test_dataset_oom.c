/*
 * test_dataset_oom.c - the out-of-memory loop of TARGETS.md R6 over the dataset
 * calls, through bundle.h and libbundle.so only.
 *
 * For each phase - (a) bndl_dataset_load_table of a slice of the Online Retail sample
 * (plain and gzip, into an empty dataset and into one that already holds a file), (b) bndl_dataset_finalize, (c) bndl_dataset_save_buffer followed by
 * bndl_dataset_load_buffer, (d) bndl_dataset_split - a clean run first counts the
 * allocations the phase makes. Then, for N = 1, 2, ... up to that count, a fresh
 * context whose allocator is the counting one of tests/support fails the N-th
 * allocation of the phase, once (first pass) or from N on (second pass). Every run
 * must:
 *   - return BNDL_OK or BNDL_ERR_OUT_OF_MEMORY, nothing else, and OUT_OF_MEMORY only
 *     when an allocation really failed, with the thread's last error saying so;
 *   - when it returns OK, give exactly the clean run's result (a failure must not be
 *     swallowed into a quietly different dataset);
 *   - when it fails, leave the objects as documented: a failed load leaves the dataset
 *     as before and a later load of the same file gives, byte for byte, the snapshot of
 *     a fresh dataset; a failed finalize leaves a dataset on which finalize is
 *     BNDL_ERR_STATE; failed snapshot and split calls leave their out-params NULL;
 *   - after every handle is freed, leave 0 live bytes and 0 live blocks.
 *
 * The slice is the first 400 lines of tests/data/online_retail_sample.csv.gz plus three
 * rows that are dropped (missing customer, bad price, wrong column count), so the drop
 * examples' allocations are in the loop too. Finalize, snapshot and split run on the
 * slice plus a catalogue, JSON-lines reviews, bundle items and user bundles (each with a
 * row dropped at load or at finalize) under a config with an int, a float and a string
 * key, so catalogue merging, review texts, bundle indices, pair de-duplication and the
 * snapshot's config section allocate inside the loop as well.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zlib.h>

#include "bundle/bundle.h"
#include "test_support.h"

enum { SLICE_LINES = 400 };

static char *plain_path, *gzip_path;
static bndl_table_spec *retail;
static bndl_config *split_cfg;
/* The other table kinds, loaded after the slice for the finalize, snapshot and split
 * phases, so their allocations (catalogue merge, review texts, bundle CSR, pair
 * de-duplication, the snapshot's config section) are in the loop too. */
enum { N_SIDES = 4 };
static const char *side_paths[N_SIDES];
static bndl_table_spec *side_specs[N_SIDES];
static bndl_config *build_cfg; /* one key of each type: int, float, string */

/* ---- what a phase produced, to compare a run with the clean one */

typedef struct result {
  int64_t read, kept, returns, users, items, categories, events, reviews;
  int64_t dropped[BNDL_DROP_REASON_COUNT + 1];
  int64_t part_events[3]; /* split: train, valid, test */
  int64_t part_users[3];
  int finalized;
} result;

static void describe(const bndl_dataset *ds, result *r) {
  memset(r, 0, sizeof *r);
  r->read = bndl_dataset_rows_read(ds);
  r->kept = bndl_dataset_rows_kept(ds);
  r->returns = bndl_dataset_returns_kept(ds);
  r->users = bndl_dataset_count(ds, BNDL_ENTITY_USER);
  r->items = bndl_dataset_count(ds, BNDL_ENTITY_ITEM);
  r->categories = bndl_dataset_count(ds, BNDL_ENTITY_CATEGORY);
  r->events = bndl_dataset_num_events(ds);
  r->reviews = bndl_dataset_num_reviews(ds);
  for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++)
    r->dropped[k] = bndl_dataset_rows_dropped(ds, (bndl_drop_reason)k);
  r->finalized = bndl_dataset_is_finalized(ds);
  int64_t dropped = 0;
  for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++)
    dropped += r->dropped[k];
  assert_int_equal(r->read, r->kept + dropped); /* the report adds up, always */
}

static void assert_same_result(const result *got, const result *want, const char *what, const char *against) {
  if (memcmp(got, want, sizeof *got) != 0)
    fail_msg("%s: the result differs from %s (read %lld/%lld, kept %lld/%lld, users %lld/%lld, "
             "items %lld/%lld, events %lld/%lld, finalized %d/%d)",
             what, against, (long long)got->read, (long long)want->read, (long long)got->kept, (long long)want->kept,
             (long long)got->users, (long long)want->users, (long long)got->items, (long long)want->items,
             (long long)got->events, (long long)want->events, got->finalized, want->finalized);
}

/* ---- one run of one phase */

typedef enum phase {
  PHASE_LOAD_PLAIN,  /* into an empty dataset */
  PHASE_LOAD_GZIP,
  PHASE_LOAD_SECOND, /* the plain slice into a dataset that holds the gzip one: the
                      * rollback must stop at the first file's ids, rows and report */
  PHASE_LOAD_SIDES,  /* catalogue, JSON-lines reviews, bundle items, user bundles */
  PHASE_FINALIZE,
  PHASE_SNAPSHOT,
  PHASE_SPLIT,
  PHASE_COUNT
} phase;
static const char *const phase_names[] = {
    "load_table (plain)", "load_table (gzip)", "load_table (2nd file)", "load_table (other kinds)",
    "finalize",           "save_buffer + load_buffer", "split"};

/* The clean run's outcome of each phase. */
typedef struct reference {
  int64_t allocs;
  result r;
  void *snapshot; /* bytes of the loaded + finalized dataset's snapshot (load phases), */
  size_t snapshot_size; /* copied to malloc'ed memory: the run's context is gone */
} reference;
static reference refs[PHASE_COUNT];

typedef struct outcome {
  bndl_status st;
  int64_t allocs; /* allocation calls the phase made */
  int64_t failed; /* of which failed */
} outcome;

static void arm(test_alloc *t, int64_t n, int persistent) {
  t->fail_at = n > 0 ? t->n_allocs + n : 0;
  t->fail_persistent = persistent;
}

static void disarm(test_alloc *t, outcome *o, int64_t base, int64_t failed_before) {
  o->allocs = t->n_allocs - base;
  o->failed = t->n_failed - failed_before;
  t->fail_at = 0;
  t->fail_persistent = 0;
}

static void check_status(const outcome *o, const char *what) {
  if (o->st != BNDL_OK && o->st != BNDL_ERR_OUT_OF_MEMORY)
    fail_msg("%s: %s (%d): %s", what, bndl_status_str(o->st), (int)o->st, bndl_last_error_message());
  if (o->st == BNDL_ERR_OUT_OF_MEMORY) {
    if (o->failed == 0)
      fail_msg("%s: OUT_OF_MEMORY but no allocation failed", what);
    if (bndl_last_error_code() != BNDL_ERR_OUT_OF_MEMORY)
      fail_msg("%s: returned OUT_OF_MEMORY but the last error is %s: %s", what,
               bndl_status_str(bndl_last_error_code()), bndl_last_error_message());
  }
}

/* Puts a different error in the thread's slot, so a failure that forgets to set its
 * own is caught by check_status. */
static void poison_error_slot(void) {
  assert_int_equal(bndl_dataset_finalize(NULL), BNDL_ERR_INVALID_ARGUMENT);
}

/* The slice and the other kinds, under build_cfg. */
static bndl_dataset *rich_dataset(bndl_context *ctx) {
  bndl_dataset *ds = NULL;
  assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
  assert_int_equal(bndl_dataset_configure(ds, build_cfg), BNDL_OK);
  assert_int_equal(bndl_dataset_load_table(ds, plain_path, retail), BNDL_OK);
  for (int i = 0; i < N_SIDES; i++)
    if (bndl_dataset_load_table(ds, side_paths[i], side_specs[i]) != BNDL_OK)
      fail_msg("loading %s: %s", side_paths[i], bndl_last_error_message());
  return ds;
}

static void assert_same_bytes(const bndl_buffer *a, const void *b, size_t b_size, const char *what) {
  if (bndl_buffer_size(a) != b_size || memcmp(bndl_buffer_data(a), b, b_size) != 0)
    fail_msg("%s: the snapshot differs from the clean run's", what);
}

/* Loaded (at once or after a failure): finalized, it is the same as in the clean run,
 * down to the bytes of its snapshot. Frees ds. */
static void finish_load_phase(bndl_dataset *ds, const result *got, reference *ref, const reference *want,
                              const char *what) {
  assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
  bndl_buffer *snap = NULL;
  assert_int_equal(bndl_dataset_save_buffer(ds, &snap), BNDL_OK);
  if (ref) {
    ref->r = *got;
    ref->snapshot_size = bndl_buffer_size(snap);
    ref->snapshot = malloc(ref->snapshot_size);
    assert_non_null(ref->snapshot);
    memcpy(ref->snapshot, bndl_buffer_data(snap), ref->snapshot_size);
  } else {
    assert_same_result(got, &want->r, what, "the clean run's");
    assert_same_bytes(snap, want->snapshot, want->snapshot_size, what);
  }
  bndl_buffer_free(snap);
  bndl_dataset_free(ds);
}

/* Runs `p` with the n-th allocation failing (0 = none); checks everything the file
 * comment lists; returns what happened. With `ref` the run is the clean one and fills
 * it in. */
static outcome run_phase(phase p, int64_t n, int persistent, reference *ref) {
  char what[128];
  snprintf(what, sizeof what, "%s, allocation %lld failing%s", phase_names[p], (long long)n,
           persistent ? " and all after it" : "");
  const reference *want = &refs[p];
  test_alloc t;
  test_alloc_reset(&t, 0, 0);
  bndl_context *ctx = test_context(&t, 1);
  assert_non_null(ctx);
  outcome o;
  memset(&o, 0, sizeof o);
  result got;

  if (p == PHASE_LOAD_PLAIN || p == PHASE_LOAD_GZIP || p == PHASE_LOAD_SECOND) {
    const char *path = p == PHASE_LOAD_GZIP ? gzip_path : plain_path;
    bndl_dataset *ds = NULL;
    assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
    if (p == PHASE_LOAD_SECOND)
      assert_int_equal(bndl_dataset_load_table(ds, gzip_path, retail), BNDL_OK);
    result before;
    describe(ds, &before);
    poison_error_slot();
    int64_t base = t.n_allocs, failed0 = t.n_failed;
    arm(&t, n, persistent);
    o.st = bndl_dataset_load_table(ds, path, retail);
    disarm(&t, &o, base, failed0);
    check_status(&o, what);
    describe(ds, &got);
    if (o.st != BNDL_OK) {
      assert_same_result(&got, &before, what, "the dataset before the failed load");
      assert_int_equal(bndl_dataset_load_table(ds, path, retail), BNDL_OK);
      describe(ds, &got);
    }
    finish_load_phase(ds, &got, ref, want, what);
  } else if (p == PHASE_LOAD_SIDES) {
    bndl_dataset *ds = NULL;
    assert_int_equal(bndl_dataset_create(ctx, &ds), BNDL_OK);
    assert_int_equal(bndl_dataset_configure(ds, build_cfg), BNDL_OK);
    assert_int_equal(bndl_dataset_load_table(ds, plain_path, retail), BNDL_OK);
    poison_error_slot();
    int64_t base = t.n_allocs, failed0 = t.n_failed;
    arm(&t, n, persistent);
    o.st = BNDL_OK;
    for (int i = 0; i < N_SIDES; i++) {
      result before;
      describe(ds, &before);
      bndl_status st = bndl_dataset_load_table(ds, side_paths[i], side_specs[i]);
      if (st != BNDL_OK && o.st == BNDL_OK) {
        /* the first failure: check it, then load on without failures */
        o.st = st;
        disarm(&t, &o, base, failed0);
        check_status(&o, what);
        describe(ds, &got);
        assert_same_result(&got, &before, what, "the dataset before the failed load");
        st = bndl_dataset_load_table(ds, side_paths[i], side_specs[i]);
      }
      if (st != BNDL_OK)
        fail_msg("%s: loading %s: %s", what, side_paths[i], bndl_last_error_message());
    }
    if (o.st == BNDL_OK)
      disarm(&t, &o, base, failed0);
    describe(ds, &got);
    finish_load_phase(ds, &got, ref, want, what);
  } else if (p == PHASE_FINALIZE) {
    bndl_dataset *ds = rich_dataset(ctx);
    poison_error_slot();
    int64_t base = t.n_allocs, failed0 = t.n_failed;
    arm(&t, n, persistent);
    o.st = bndl_dataset_finalize(ds);
    disarm(&t, &o, base, failed0);
    check_status(&o, what);
    if (o.st == BNDL_OK) {
      describe(ds, &got);
      if (ref)
        ref->r = got;
      else
        assert_same_result(&got, &want->r, what, "the clean run's");
    } else {
      /* documented: a failed finalize leaves the dataset only freeable */
      assert_false(bndl_dataset_is_finalized(ds));
      bndl_status again = bndl_dataset_finalize(ds);
      if (again != BNDL_ERR_STATE)
        fail_msg("%s: finalize after the failed one gave %s, want BNDL_ERR_STATE", what, bndl_status_str(again));
      assert_int_equal(bndl_dataset_load_table(ds, plain_path, retail), BNDL_ERR_STATE);
      const float *data;
      int64_t rows;
      int32_t cols;
      assert_int_equal(bndl_dataset_features(ds, BNDL_ENTITY_USER, &data, &rows, &cols), BNDL_ERR_STATE);
      describe(ds, &got); /* the getters still answer, and the report still adds up */
    }
    bndl_dataset_free(ds);
  } else if (p == PHASE_SNAPSHOT) {
    bndl_dataset *ds = rich_dataset(ctx);
    assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
    bndl_buffer *snap = NULL;
    bndl_dataset *back = NULL;
    poison_error_slot();
    int64_t base = t.n_allocs, failed0 = t.n_failed;
    arm(&t, n, persistent);
    o.st = bndl_dataset_save_buffer(ds, &snap);
    if (o.st == BNDL_OK)
      o.st = bndl_dataset_load_buffer(ctx, bndl_buffer_data(snap), bndl_buffer_size(snap), &back);
    disarm(&t, &o, base, failed0);
    check_status(&o, what);
    if (o.st == BNDL_OK) {
      describe(back, &got);
      if (ref) {
        ref->r = got;
      } else {
        assert_same_result(&got, &want->r, what, "the clean run's");
        /* and it saves to the same bytes */
        bndl_buffer *again = NULL;
        assert_int_equal(bndl_dataset_save_buffer(back, &again), BNDL_OK);
        assert_same_bytes(again, bndl_buffer_data(snap), bndl_buffer_size(snap), what);
        bndl_buffer_free(again);
      }
    } else {
      assert_null(back);
    }
    bndl_dataset_free(back);
    bndl_buffer_free(snap);
    bndl_dataset_free(ds);
  } else {
    bndl_dataset *ds = rich_dataset(ctx);
    assert_int_equal(bndl_dataset_finalize(ds), BNDL_OK);
    bndl_dataset *parts[3] = {NULL, NULL, NULL};
    poison_error_slot();
    int64_t base = t.n_allocs, failed0 = t.n_failed;
    arm(&t, n, persistent);
    o.st = bndl_dataset_split(ds, split_cfg, &parts[0], &parts[1], &parts[2]);
    disarm(&t, &o, base, failed0);
    check_status(&o, what);
    if (o.st == BNDL_OK) {
      describe(ds, &got);
      for (int k = 0; k < 3; k++) {
        assert_non_null(parts[k]);
        assert_true(bndl_dataset_is_finalized(parts[k]));
        got.part_events[k] = bndl_dataset_num_events(parts[k]);
        got.part_users[k] = bndl_dataset_count(parts[k], BNDL_ENTITY_USER);
      }
      if (ref)
        ref->r = got;
      else
        assert_same_result(&got, &want->r, what, "the clean run's");
    } else {
      for (int k = 0; k < 3; k++)
        assert_null(parts[k]);
    }
    for (int k = 0; k < 3; k++)
      bndl_dataset_free(parts[k]);
    bndl_dataset_free(ds);
  }

  bndl_context_free(ctx);
  if (!ref) {
    if (t.live_blocks != 0 || t.live_bytes != 0)
      fail_msg("%s: %lld blocks (%lld bytes) still live after every handle was freed", what,
               (long long)t.live_blocks, (long long)t.live_bytes);
  }
  return o;
}

static void oom_loop(phase p) {
  clock_t t0 = clock();
  reference *ref = &refs[p];
  int64_t sites = ref->allocs;
  assert_true(sites > 0);
  int64_t ok[2] = {0, 0}, oom[2] = {0, 0};
  for (int persistent = 0; persistent < 2; persistent++) {
    for (int64_t n = 1;; n++) {
      outcome o = run_phase(p, n, persistent, NULL);
      if (o.failed == 0) {
        /* past the last allocation: the run was clean, and that must be where the
         * clean run ended too */
        assert_int_equal(o.st, BNDL_OK);
        assert_int_equal(n, sites + 1);
        break;
      }
      if (o.st == BNDL_OK)
        ok[persistent]++;
      else
        oom[persistent]++;
      assert_true(n <= sites);
    }
  }
  printf("  %-26s %4lld allocation sites; failing once: %lld OOM, %lld recovered; from N on: %lld OOM, "
         "%lld recovered (%.1f s)\n",
         phase_names[p], (long long)sites, (long long)oom[0], (long long)ok[0], (long long)oom[1],
         (long long)ok[1], (double)(clock() - t0) / CLOCKS_PER_SEC);
  fflush(stdout);
}

static void test_oom_load_plain(void **state) {
  (void)state;
  oom_loop(PHASE_LOAD_PLAIN);
}
static void test_oom_load_gzip(void **state) {
  (void)state;
  oom_loop(PHASE_LOAD_GZIP);
}
static void test_oom_load_second_file(void **state) {
  (void)state;
  oom_loop(PHASE_LOAD_SECOND);
}
static void test_oom_load_other_kinds(void **state) {
  (void)state;
  oom_loop(PHASE_LOAD_SIDES);
}
static void test_oom_finalize(void **state) {
  (void)state;
  oom_loop(PHASE_FINALIZE);
}
static void test_oom_snapshot(void **state) {
  (void)state;
  oom_loop(PHASE_SNAPSHOT);
}
static void test_oom_split(void **state) {
  (void)state;
  oom_loop(PHASE_SPLIT);
}

/* ---- inputs */

/* The first SLICE_LINES lines of the sample plus three rows that are dropped. */
static char *make_slice(size_t *len) {
  gzFile in = gzopen(test_data_path("online_retail_sample.csv.gz"), "rb");
  assert_non_null(in);
  size_t cap = 1 << 20, n = 0;
  char *s = malloc(cap);
  assert_non_null(s);
  char line[4096];
  for (int i = 0; i < SLICE_LINES && gzgets(in, line, sizeof line); i++) {
    size_t l = strlen(line);
    assert_true(n + l < cap);
    memcpy(s + n, line, l);
    n += l;
  }
  gzclose(in);
  static const char extra[] =
      "536999,85123A,NO CUSTOMER,6,2010-12-01 08:26:00,2.55,,United Kingdom\n"
      "536999,85123A,BAD PRICE,6,2010-12-01 08:26:00,2.5x,17850,United Kingdom\n"
      "536999,85123A,TOO FEW COLUMNS,6\n";
  assert_true(n + sizeof extra < cap);
  memcpy(s + n, extra, sizeof extra - 1);
  n += sizeof extra - 1;
  *len = n;
  return s;
}

static bndl_table_spec *spec(bndl_table_kind kind, bndl_table_format format, const bndl_field *fields,
                             const char *const *columns, int n) {
  bndl_table_spec *sp = NULL;
  assert_int_equal(bndl_table_spec_create(kind, format, &sp), BNDL_OK);
  for (int i = 0; i < n; i++)
    assert_int_equal(bndl_table_spec_map(sp, fields[i], columns[i]), BNDL_OK);
  return sp;
}

static const char *write_text(const char *text) { return test_write_tmp(".txt", text, strlen(text)); }

/* Each side file also holds a row that is dropped at load or at finalize. */
static void make_side_files(void) {
  side_paths[0] = write_text("item,price,cost,stock,category,title\n"
                             "85123A,2.95,1.20,100,home,WHITE HANGING HEART\n"
                             "71053,3.50,,5,home,WHITE METAL LANTERN\n"
                             "NEWITEM1,9.99,4.00,0,toys,Only in the catalogue\n"
                             "85123A,2.99,,,home,\n"   /* merged into the first at finalize */
                             "BADPRICE,-1,,,x,y\n"); /* dropped: price */
  static const bndl_field cat_f[] = {BNDL_FIELD_ITEM, BNDL_FIELD_PRICE, BNDL_FIELD_COST, BNDL_FIELD_STOCK,
                                     BNDL_FIELD_CATEGORY, BNDL_FIELD_TITLE};
  static const char *const cat_c[] = {"item", "price", "cost", "stock", "category", "title"};
  side_specs[0] = spec(BNDL_TABLE_CATALOGUE, BNDL_FORMAT_DELIMITED, cat_f, cat_c, 6);

  side_paths[1] = write_text(
      "{\"user\":\"17850\",\"item\":\"85123A\",\"rating\":5,\"text\":\"lovely \\u00e9 heart\",\"time\":1291194000}\n"
      "{\"user\":\"13047\",\"item\":\"71053\",\"rating\":2,\"text\":\"meh\",\"time\":1291195000}\n"
      "{\"user\":\"x\",\"item\":\"y\",\"rating\":\n" /* dropped: malformed */
      "{\"user\":\"17850\",\"item\":\"NEWITEM1\",\"rating\":4,\"text\":\"ok\",\"time\":1291196000}\n");
  static const bndl_field rv_f[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_RATING, BNDL_FIELD_TEXT,
                                    BNDL_FIELD_TIMESTAMP};
  static const char *const rv_c[] = {"user", "item", "rating", "text", "time"};
  side_specs[1] = spec(BNDL_TABLE_REVIEWS, BNDL_FORMAT_JSON_LINES, rv_f, rv_c, 5);
  assert_int_equal(bndl_table_spec_set_time_format(side_specs[1], "unix"), BNDL_OK);

  side_paths[2] = write_text("bundle,item\nb1,85123A\nb1,71053\nb2,85123A\nb2,NEWITEM1\n"
                             "b1,85123A\n"); /* dropped at finalize: duplicate pair */
  static const bndl_field bi_f[] = {BNDL_FIELD_BUNDLE, BNDL_FIELD_ITEM};
  static const char *const bi_c[] = {"bundle", "item"};
  side_specs[2] = spec(BNDL_TABLE_BUNDLE_ITEMS, BNDL_FORMAT_DELIMITED, bi_f, bi_c, 2);

  side_paths[3] = write_text("user,bundle,time\n17850,b1,2010-12-01 09:00:00\n13047,b2,2010-12-02 09:00:00\n"
                             "17850,b2,2010-12-03 09:00:00\n"
                             "17850,b1,2010-12-01 09:00:00\n"); /* dropped at finalize: duplicate */
  static const bndl_field ub_f[] = {BNDL_FIELD_USER, BNDL_FIELD_BUNDLE, BNDL_FIELD_TIMESTAMP};
  static const char *const ub_c[] = {"user", "bundle", "time"};
  side_specs[3] = spec(BNDL_TABLE_USER_BUNDLES, BNDL_FORMAT_DELIMITED, ub_f, ub_c, 3);

  assert_int_equal(bndl_config_create(&build_cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(build_cfg, "clean.repeat_window_s", "3600"), BNDL_OK);
  assert_int_equal(bndl_config_set(build_cfg, "clean.anomaly_z", "4.5"), BNDL_OK);
  assert_int_equal(bndl_config_set(build_cfg, "clean.unknown_items", "keep"), BNDL_OK);
}

static int setup(void **state) {
  (void)state;
  size_t len;
  char *slice = make_slice(&len);
  plain_path = test_write_tmp(".csv", slice, len);
  gzip_path = test_write_tmp(".csv.gz", "", 0);
  gzFile out = gzopen(gzip_path, "wb6");
  assert_non_null(out);
  assert_int_equal(gzwrite(out, slice, (unsigned)len), (int)len);
  assert_int_equal(gzclose(out), Z_OK);
  free(slice);
  assert_int_equal(bndl_table_spec_preset("online_retail", &retail), BNDL_OK);
  make_side_files();
  assert_int_equal(bndl_config_create(&split_cfg), BNDL_OK);
  assert_int_equal(bndl_config_set(split_cfg, "split.method", "leave_last_out"), BNDL_OK);
  assert_int_equal(bndl_config_set(split_cfg, "split.with_valid", "1"), BNDL_OK);
  /* the clean runs: allocation counts and reference results */
  for (int p = 0; p < PHASE_COUNT; p++) {
    outcome o = run_phase((phase)p, 0, 0, &refs[p]);
    assert_int_equal(o.st, BNDL_OK);
    assert_int_equal(o.failed, 0);
    refs[p].allocs = o.allocs;
  }
  /* the slice is what it should be: its extra rows dropped, returns kept */
  const result *r = &refs[PHASE_LOAD_PLAIN].r;
  assert_int_equal(r->read, SLICE_LINES - 1 + 3);
  assert_true(r->dropped[BNDL_DROP_MISSING_FIELD] >= 1);
  assert_int_equal(r->dropped[BNDL_DROP_INVALID_NUMBER], 1);
  assert_int_equal(r->dropped[BNDL_DROP_MALFORMED_ROW], 1);
  assert_true(r->returns > 0);
  assert_same_result(&refs[PHASE_LOAD_GZIP].r, r, "the gzip slice", "the plain slice's");
  assert_true(refs[PHASE_SPLIT].r.part_events[2] > 0);
  /* the side files' bad rows that are dropped at load (the others go at finalize) */
  const result *sides = &refs[PHASE_LOAD_SIDES].r;
  assert_int_equal(sides->dropped[BNDL_DROP_INVALID_PRICE], r->dropped[BNDL_DROP_INVALID_PRICE] + 1);
  assert_int_equal(sides->dropped[BNDL_DROP_MALFORMED_ROW], r->dropped[BNDL_DROP_MALFORMED_ROW] + 1);
  assert_int_equal(sides->reviews, 3);
  assert_int_equal(refs[PHASE_LOAD_SECOND].r.read, 2 * r->read);
  assert_int_equal(refs[PHASE_LOAD_SECOND].r.users, r->users); /* the same ids again */
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int p = 0; p < PHASE_COUNT; p++)
    free(refs[p].snapshot);
  bndl_table_spec_free(retail);
  bndl_config_free(split_cfg);
  bndl_config_free(build_cfg);
  for (int i = 0; i < N_SIDES; i++)
    bndl_table_spec_free(side_specs[i]);
  test_tmp_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_oom_load_plain),
      cmocka_unit_test(test_oom_load_gzip),
      cmocka_unit_test(test_oom_load_second_file),
      cmocka_unit_test(test_oom_load_other_kinds),
      cmocka_unit_test(test_oom_finalize),
      cmocka_unit_test(test_oom_snapshot),
      cmocka_unit_test(test_oom_split),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
