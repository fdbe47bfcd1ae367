/*
 * test_id_map.c - external ids <-> dense indices (id_map.c).
 *
 * Indices are promised in order of first appearance and never to change, because
 * models and snapshots carry them; the cases check that against a plain reference
 * (first-seen table) over a million random ids, across truncation (the rollback of a
 * failed load), deep copies, the checks of restore (the snapshot loader's only guard
 * against a corrupt id section), and failed allocations, after which the map must be
 * exactly as before the call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/id_map.h"
#include "test_support.h"

typedef struct fixture {
  test_alloc t;
  bndl_allocator a;
  bndl_id_map m;
} fixture;

static void fixture_init(fixture *f) {
  test_alloc_reset(&f->t, 0, 0);
  f->a = test_alloc_hook(&f->t);
  bndl_id_map_init(&f->m, &f->a);
}

static void fixture_free(fixture *f) {
  bndl_id_map_free(&f->m);
  assert_int_equal(f->t.live_blocks, 0);
  assert_int_equal(f->t.live_bytes, 0);
}

static int32_t intern_str(bndl_id_map *m, const char *s, int *inserted) {
  int32_t idx = -7;
  assert_int_equal(bndl_id_map_intern(m, s, strlen(s), &idx, inserted), BNDL_OK);
  return idx;
}

static int32_t find_str(const bndl_id_map *m, const char *s) { return bndl_id_map_find(m, s, strlen(s)); }

static void test_interning_order_and_find(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  assert_int_equal(find_str(&f.m, "a"), -1); /* empty map */
  int ins;
  assert_int_equal(intern_str(&f.m, "b", &ins), 0);
  assert_int_equal(ins, 1);
  assert_int_equal(intern_str(&f.m, "a", &ins), 1);
  assert_int_equal(ins, 1);
  assert_int_equal(intern_str(&f.m, "b", &ins), 0);
  assert_int_equal(ins, 0);
  assert_int_equal(intern_str(&f.m, "", &ins), 2); /* the empty string is an id like any other */
  assert_int_equal(ins, 1);
  assert_int_equal(intern_str(&f.m, "ab", NULL), 3);
  assert_int_equal(f.m.count, 4);
  assert_int_equal(find_str(&f.m, "a"), 1);
  assert_int_equal(find_str(&f.m, ""), 2);
  assert_int_equal(find_str(&f.m, "ab"), 3);
  assert_int_equal(find_str(&f.m, "abc"), -1);
  assert_int_equal(find_str(&f.m, "B"), -1); /* case matters */
  assert_string_equal(bndl_id_map_name(&f.m, 0), "b");
  assert_string_equal(bndl_id_map_name(&f.m, 2), "");
  assert_int_equal(bndl_id_map_name_len(&f.m, 3), 2);
  /* the name is taken by length, not up to a terminator */
  int32_t idx;
  assert_int_equal(bndl_id_map_intern(&f.m, "abXYZ", 2, &idx, &ins), BNDL_OK);
  assert_int_equal(idx, 3);
  assert_int_equal(ins, 0);
  /* prefixes and long names that share 8-byte blocks stay distinct */
  const char *longs[] = {"0123456789abcdef", "0123456789abcdeg", "0123456789abcde", "0123456789abcdef0"};
  for (int i = 0; i < 4; i++)
    assert_int_equal(intern_str(&f.m, longs[i], NULL), 4 + i);
  for (int i = 0; i < 4; i++)
    assert_int_equal(find_str(&f.m, longs[i]), 4 + i);
  fixture_free(&f);
}

/* A million draws from 700k possible ids: every index is given once, in order of first
 * appearance, and every name finds its own index. */
static void test_million_random_ids(void **state) {
  (void)state;
  enum { DRAWS = 1000000, DISTINCT = 700000 };
  fixture f;
  fixture_init(&f);
  int32_t *first = malloc(DISTINCT * sizeof *first);
  assert_non_null(first);
  for (int i = 0; i < DISTINCT; i++)
    first[i] = -1;
  bndl_rng r;
  bndl_rng_seed(&r, 1234, 0);
  int32_t next = 0;
  char name[48];
  for (int i = 0; i < DRAWS; i++) {
    uint32_t v = (uint32_t)bndl_rng_below(&r, DISTINCT);
    /* varied lengths, from 1 to 25 bytes, so the tail handling of the hash is exercised */
    int len = snprintf(name, sizeof name, "%.*s%u", (int)(v % 17), "user_id_prefix___", v);
    int32_t idx;
    int ins;
    assert_int_equal(bndl_id_map_intern(&f.m, name, (size_t)len, &idx, &ins), BNDL_OK);
    if (first[v] < 0) {
      if (idx != next || !ins)
        fail_msg("new id '%s': index %d inserted %d, want %d inserted 1", name, idx, ins, next);
      first[v] = next++;
    } else if (idx != first[v] || ins) {
      fail_msg("repeat of '%s': index %d inserted %d, want %d inserted 0", name, idx, ins, first[v]);
    }
  }
  assert_int_equal(f.m.count, next);
  for (int v = 0; v < DISTINCT; v++) {
    if (first[v] < 0)
      continue;
    int len = snprintf(name, sizeof name, "%.*s%u", (int)(v % 17), "user_id_prefix___", (unsigned)v);
    assert_int_equal(bndl_id_map_find(&f.m, name, (size_t)len), first[v]);
    assert_int_equal(bndl_id_map_name_len(&f.m, first[v]), (size_t)len);
    assert_memory_equal(bndl_id_map_name(&f.m, first[v]), name, (size_t)len);
  }
  /* load factor at most 1/2 */
  assert_true(f.m.n_slots >= 2 * (size_t)f.m.count);
  free(first);
  fixture_free(&f);
}

static void test_truncate_then_reintern(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  char name[32];
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "id%d", i);
    assert_int_equal(intern_str(&f.m, name, NULL), i);
  }
  assert_int_equal(bndl_id_map_truncate(&f.m, 300), BNDL_OK); /* no-op */
  assert_int_equal(f.m.count, 300);
  assert_int_equal(bndl_id_map_truncate(&f.m, 120), BNDL_OK);
  assert_int_equal(f.m.count, 120);
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "id%d", i);
    assert_int_equal(find_str(&f.m, name), i < 120 ? i : -1);
  }
  /* a forgotten id comes back with the next free index; kept ids are untouched */
  assert_int_equal(intern_str(&f.m, "id250", NULL), 120);
  assert_int_equal(intern_str(&f.m, "fresh", NULL), 121);
  assert_int_equal(intern_str(&f.m, "id7", NULL), 7);
  assert_string_equal(bndl_id_map_name(&f.m, 120), "id250");
  assert_string_equal(bndl_id_map_name(&f.m, 119), "id119");
  assert_int_equal(f.m.bytes_len, (size_t)f.m.offsets[f.m.count]);
  assert_int_equal(find_str(&f.m, "id200"), -1);
  /* down to nothing, and up again */
  assert_int_equal(bndl_id_map_truncate(&f.m, 0), BNDL_OK);
  assert_int_equal(f.m.count, 0);
  assert_int_equal(find_str(&f.m, "id0"), -1);
  assert_int_equal(intern_str(&f.m, "again", NULL), 0);
  assert_int_equal(find_str(&f.m, "again"), 0);
  assert_int_equal(f.m.offsets[0], 0);
  assert_int_equal(f.m.offsets[1], 6);
  fixture_free(&f);
}

static void fill(bndl_id_map *m, int n) {
  char name[32];
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "name-%d", i * 7919);
    assert_int_equal(intern_str(m, name, NULL), i);
  }
}

static void assert_maps_equal(const bndl_id_map *a, const bndl_id_map *b) {
  assert_int_equal(a->count, b->count);
  if (a->count == 0)
    return;
  assert_memory_equal(a->offsets, b->offsets, ((size_t)a->count + 1) * sizeof *a->offsets);
  assert_int_equal(a->bytes_len, b->bytes_len);
  assert_memory_equal(a->bytes, b->bytes, a->bytes_len);
  for (int32_t i = 0; i < a->count; i++)
    assert_int_equal(bndl_id_map_find(b, bndl_id_map_name(a, i), bndl_id_map_name_len(a, i)), i);
}

static void test_copy_is_equal_and_independent(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  fill(&f.m, 5000);
  bndl_id_map c;
  assert_int_equal(bndl_id_map_copy(&c, &f.m), BNDL_OK);
  assert_maps_equal(&f.m, &c);
  /* the copy grows on its own */
  assert_int_equal(intern_str(&c, "only-in-copy", NULL), 5000);
  assert_int_equal(find_str(&f.m, "only-in-copy"), -1);
  assert_int_equal(f.m.count, 5000);
  bndl_id_map_free(&c);
  /* copy of an empty map */
  bndl_id_map e, ce;
  bndl_id_map_init(&e, &f.a);
  assert_int_equal(bndl_id_map_copy(&ce, &e), BNDL_OK);
  assert_int_equal(ce.count, 0);
  assert_int_equal(find_str(&ce, ""), -1);
  assert_int_equal(intern_str(&ce, "x", NULL), 0);
  bndl_id_map_free(&ce);
  bndl_id_map_free(&e);
  fixture_free(&f);
}

static bndl_status restore(fixture *f, int32_t count, const int64_t *offsets, const char *bytes, size_t len) {
  bndl_status st = bndl_id_map_restore(&f->m, count, offsets, bytes, len);
  if (st != BNDL_OK) {
    /* a failed restore leaves an empty, usable map and no memory behind */
    assert_int_equal(f->m.count, 0);
    assert_int_equal(f->t.live_blocks, 0);
    assert_int_equal(find_str(&f->m, "a"), -1);
  }
  return st;
}

static void test_restore_checks(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  const char bytes[] = "a\0bc\0\0def"; /* "a", "bc", "", "def" and its NUL */
  const size_t len = sizeof bytes;   /* 10: the literal's own NUL ends "def" */
  const int64_t good[] = {0, 2, 5, 6, 10};
  assert_int_equal(restore(&f, 4, good, bytes, len), BNDL_OK);
  assert_int_equal(f.m.count, 4);
  assert_int_equal(find_str(&f.m, "a"), 0);
  assert_int_equal(find_str(&f.m, "bc"), 1);
  assert_int_equal(find_str(&f.m, ""), 2);
  assert_int_equal(find_str(&f.m, "def"), 3);
  assert_int_equal(intern_str(&f.m, "new", NULL), 4);

  const int64_t not_monotonic[] = {0, 2, 1, 6, 10};
  assert_int_equal(restore(&f, 4, not_monotonic, bytes, len), BNDL_ERR_FORMAT);
  const int64_t equal_offsets[] = {0, 2, 2, 6, 10}; /* a name without even its NUL */
  assert_int_equal(restore(&f, 4, equal_offsets, bytes, len), BNDL_ERR_FORMAT);
  const int64_t no_nul[] = {0, 2, 4, 6, 10}; /* "bc" would end on 'c' */
  assert_int_equal(restore(&f, 4, no_nul, bytes, len), BNDL_ERR_FORMAT);
  test_assert_error_contains("NUL");
  const int64_t past_end[] = {0, 2, 5, 6, 11};
  assert_int_equal(restore(&f, 4, past_end, bytes, len), BNDL_ERR_FORMAT);
  const int64_t bad_first[] = {1, 2, 5, 6, 10};
  assert_int_equal(restore(&f, 4, bad_first, bytes, len), BNDL_ERR_FORMAT);
  const int64_t short_end[] = {0, 2, 5, 6}; /* names end at 6 of 10 bytes */
  assert_int_equal(restore(&f, 3, short_end, bytes, len), BNDL_ERR_FORMAT);
  const int64_t inner_nul[] = {0, 6, 10}; /* "a\0bc\0" holds NULs inside */
  assert_int_equal(restore(&f, 2, inner_nul, bytes, len), BNDL_ERR_FORMAT);
  assert_int_equal(restore(&f, -1, good, bytes, len), BNDL_ERR_FORMAT);
  assert_int_equal(restore(&f, 0, good, bytes, len), BNDL_ERR_FORMAT); /* no names but bytes */
  assert_int_equal(restore(&f, 0, good, bytes, 0), BNDL_OK);
  assert_int_equal(f.m.count, 0);

  const char dup[] = "x\0y\0x"; /* "x", "y", "x" */
  const int64_t dup_off[] = {0, 2, 4, 6};
  assert_int_equal(restore(&f, 3, dup_off, dup, sizeof dup), BNDL_ERR_FORMAT);
  test_assert_error_contains("repeats");
  fixture_free(&f);
}

/* Each allocation of a run of interns fails once in turn: the failing call reports
 * OUT_OF_MEMORY and the map is exactly as before it (same ids, indices and names);
 * the run then goes on and ends in the same map as an undisturbed one. */
static void test_out_of_memory_leaves_map_intact(void **state) {
  (void)state;
  enum { N = 3000 };
  char name[32];
  int64_t total;
  {
    fixture f;
    fixture_init(&f);
    fill(&f.m, N);
    total = f.t.n_allocs;
    fixture_free(&f);
  }
  assert_true(total > 10);
  for (int64_t k = 1; k <= total; k++) {
    fixture f;
    fixture_init(&f);
    f.t.fail_at = k;
    int failures = 0;
    for (int i = 0; i < N; i++) {
      snprintf(name, sizeof name, "name-%d", i * 7919);
      int32_t before = f.m.count, idx = -1;
      bndl_status st = bndl_id_map_intern(&f.m, name, strlen(name), &idx, NULL);
      if (st != BNDL_OK) {
        assert_int_equal(st, BNDL_ERR_OUT_OF_MEMORY);
        assert_int_equal(f.m.count, before);
        assert_int_equal(find_str(&f.m, name), -1);
        for (int32_t j = 0; j < before; j += 97)
          assert_int_equal(bndl_id_map_find(&f.m, bndl_id_map_name(&f.m, j), bndl_id_map_name_len(&f.m, j)), j);
        failures++;
        i--; /* retry: the allocator fails only once */
        continue;
      }
      assert_int_equal(idx, i);
    }
    assert_int_equal(failures, 1);
    bndl_id_map ref;
    bndl_id_map_init(&ref, &f.a);
    fill(&ref, N);
    assert_maps_equal(&ref, &f.m);
    bndl_id_map_free(&ref);
    fixture_free(&f);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_interning_order_and_find),
      cmocka_unit_test(test_million_random_ids),
      cmocka_unit_test(test_truncate_then_reintern),
      cmocka_unit_test(test_copy_is_equal_and_independent),
      cmocka_unit_test(test_restore_checks),
      cmocka_unit_test(test_out_of_memory_leaves_map_intact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
