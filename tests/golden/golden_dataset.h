/*
 * golden_dataset.h - the small dataset with every table kind filled, built through the
 * public API only. make_golden.c writes it as the golden snapshot; the snapshot tests
 * use it for round trips and corruption sweeps.
 *
 * Contents (hand-checked; test_dataset_snapshot.c asserts them on the golden file):
 *   add_catalogue call 1   apple (1.6, cost 0.8, stock 100, fruit, "Apple (kg)"),
 *                          milk (1.10, -, -, dairy, "Milk"), jam (2.0, 1.2, 10, pantry, "Jam")
 *   events.csv  10 rows    7 kept: alice apple x2 + bread (same invoice o1), bob apple x5
 *                          then return R3 of 2, carol milk (weight 2.5), alice milk x3,
 *                          erin tea; dropped: carol's repeated line (duplicate), dave's
 *                          quantity 0 (invalid_quantity), a row without user (missing_field).
 *                          Bread and tea are listed from their lines (derived catalogue).
 *   reviews.csv  4 rows    alice apple 5, bob apple 2 (two-line text), frank jam 4 (no text),
 *                          carol milk 3 (UTF-8 text)
 *   add_bundles call 2     bundle 100 = {apple, bread, jam}, bundle 200 = {milk, tea}
 *   ub_train.csv 3 rows    (tagged train) alice-100, bob-200, and alice-100 again (duplicate)
 *   ub_test.csv  2 rows    (tagged test) alice-200, erin-100
 *   configuration          weight.purchase = 10, clean.anomaly_z = 0
 * Ids: users alice bob carol erin frank; items apple milk jam bread tea; bundles 100 200;
 * categories fruit dairy pantry bakery drinks (dense indices in that order).
 */
#ifndef BNDL_TEST_GOLDEN_DATASET_H
#define BNDL_TEST_GOLDEN_DATASET_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bundle/bundle.h"

static const char golden_events_csv[] =
    "order,user,item,ts,qty,price,title,category,weight\n"
    "o1,alice,apple,1700000000,2,1.5,Apple,fruit,1\n"
    "o1,alice,bread,1700000000,1,3.0,Bread,bakery,1\n"
    "o2,bob,apple,1700086400,5,1.4,Apple,fruit,1\n"
    "R3,bob,apple,1700090000,-2,1.4,Apple,fruit,1\n"
    "o4,carol,milk,1700100000,1,0.99,\"Milk, whole\",dairy,2.5\n"
    "o4,carol,milk,1700100000,1,0.99,\"Milk, whole\",dairy,2.5\n"
    "o5,dave,caviar,1700200000,0,99,Caviar,deli,1\n"
    "o6,alice,milk,1700300000,3,1.05,Milk,dairy,1\n"
    "o7,,bread,1700300000,1,3,Bread,bakery,1\n"
    "o8,erin,tea,1700400000,1,4.2,\"Tea \"\"green\"\"\",drinks,1\n";

static const char golden_reviews_csv[] = "user,item,rating,text,ts\n"
                                         "alice,apple,5,\"Crisp, sweet \xE2\x80\x94 tr\xC3\xA8s bon\",1700000100\n"
                                         "bob,apple,2,\"Returned two.\nToo soft.\",1700090100\n"
                                         "frank,jam,4,,1700500000\n"
                                         "carol,milk,3,\xE7\x89\x9B\xE5\xA5\xB6\xE4\xB8\x8D\xE9\x94\x99,1700100100\n";

static const char golden_ub_train_csv[] = "user,bundle,ts\n"
                                          "alice,100,1700000500\n"
                                          "bob,200,1700090500\n"
                                          "alice,100,1700000500\n";

static const char golden_ub_test_csv[] = "user,bundle,ts\n"
                                         "alice,200,1700300500\n"
                                         "erin,100,1700400500\n";

static int golden_write(const char *dir, const char *name, const char *text, char *path, size_t cap) {
  snprintf(path, cap, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return 0;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

/* Loads one CSV text with the columns mapped by name (NULL-terminated lists). */
static bndl_status golden_load(bndl_dataset *ds, const char *dir, const char *name, const char *text,
                               bndl_table_kind kind, const bndl_field *fields, const char *const *columns,
                               bndl_split_part part) {
  char path[1024];
  if (!golden_write(dir, name, text, path, sizeof path))
    return BNDL_ERR_IO;
  bndl_table_spec *spec;
  bndl_status st = bndl_table_spec_create(kind, BNDL_FORMAT_DELIMITED, &spec);
  if (st != BNDL_OK)
    return st;
  for (int c = 0; columns[c] && st == BNDL_OK; c++)
    st = bndl_table_spec_map(spec, fields[c], columns[c]);
  if (st == BNDL_OK)
    st = bndl_table_spec_set_time_format(spec, "unix");
  if (st == BNDL_OK && kind == BNDL_TABLE_EVENTS) {
    st = bndl_table_spec_set_return_prefix(spec, BNDL_FIELD_ORDER, "R");
    if (st == BNDL_OK)
      st = bndl_table_spec_set_derive_catalogue(spec, 1);
  }
  if (st == BNDL_OK && part != BNDL_PART_NONE)
    st = bndl_table_spec_set_split_part(spec, part);
  if (st == BNDL_OK)
    st = bndl_dataset_load_table(ds, path, spec);
  bndl_table_spec_free(spec);
  return st;
}

/* Builds and finalizes the dataset, writing its input files into dir (which must
 * exist); the report labels are "<dir>/<file>". */
static bndl_status golden_build(bndl_context *ctx, const char *dir, bndl_dataset **out) {
  bndl_dataset *ds;
  bndl_status st = bndl_dataset_create(ctx, &ds);
  if (st != BNDL_OK)
    return st;
  bndl_config *cfg = NULL;
  st = bndl_config_create(&cfg);
  if (st == BNDL_OK)
    st = bndl_config_set(cfg, "weight.purchase", "10");
  if (st == BNDL_OK)
    st = bndl_config_set(cfg, "clean.anomaly_z", "0");
  if (st == BNDL_OK)
    st = bndl_dataset_configure(ds, cfg);
  bndl_config_free(cfg);

  static const char *const cat_items[] = {"apple", "milk", "jam"};
  static const double prices[] = {1.6, 1.10, 2.0}, costs[] = {0.8, NAN, 1.2};
  static const int64_t stock[] = {100, -1, 10};
  static const char *const cats[] = {"fruit", "dairy", "pantry"};
  static const char *const titles[] = {"Apple (kg)", "Milk", "Jam"};
  bndl_catalogue_columns c = BNDL_CATALOGUE_COLUMNS_INIT;
  c.count = 3;
  c.item_names = cat_items;
  c.prices = prices;
  c.costs = costs;
  c.stock = stock;
  c.categories = cats;
  c.titles = titles;
  if (st == BNDL_OK)
    st = bndl_dataset_add_catalogue(ds, &c);

  static const bndl_field ev_fields[] = {BNDL_FIELD_ORDER,    BNDL_FIELD_USER,  BNDL_FIELD_ITEM,
                                         BNDL_FIELD_TIMESTAMP, BNDL_FIELD_QUANTITY, BNDL_FIELD_UNIT_PRICE,
                                         BNDL_FIELD_TITLE,    BNDL_FIELD_CATEGORY, BNDL_FIELD_WEIGHT};
  static const char *const ev_cols[] = {"order", "user", "item", "ts", "qty", "price", "title", "category",
                                        "weight", NULL};
  if (st == BNDL_OK)
    st = golden_load(ds, dir, "events.csv", golden_events_csv, BNDL_TABLE_EVENTS, ev_fields, ev_cols,
                     BNDL_PART_NONE);
  static const bndl_field rv_fields[] = {BNDL_FIELD_USER, BNDL_FIELD_ITEM, BNDL_FIELD_RATING, BNDL_FIELD_TEXT,
                                         BNDL_FIELD_TIMESTAMP};
  static const char *const rv_cols[] = {"user", "item", "rating", "text", "ts", NULL};
  if (st == BNDL_OK)
    st = golden_load(ds, dir, "reviews.csv", golden_reviews_csv, BNDL_TABLE_REVIEWS, rv_fields, rv_cols,
                     BNDL_PART_NONE);

  static const int64_t bundle_ids[] = {100, 200};
  static const int64_t indptr[] = {0, 3, 5};
  static const char *const members[] = {"apple", "bread", "jam", "milk", "tea"};
  bndl_bundle_csr b = BNDL_BUNDLE_CSR_INIT;
  b.n_bundles = 2;
  b.bundle_ids = bundle_ids;
  b.indptr = indptr;
  b.item_names = members;
  if (st == BNDL_OK)
    st = bndl_dataset_add_bundles(ds, &b);

  static const bndl_field ub_fields[] = {BNDL_FIELD_USER, BNDL_FIELD_BUNDLE, BNDL_FIELD_TIMESTAMP};
  static const char *const ub_cols[] = {"user", "bundle", "ts", NULL};
  if (st == BNDL_OK)
    st = golden_load(ds, dir, "ub_train.csv", golden_ub_train_csv, BNDL_TABLE_USER_BUNDLES, ub_fields, ub_cols,
                     BNDL_PART_TRAIN);
  if (st == BNDL_OK)
    st = golden_load(ds, dir, "ub_test.csv", golden_ub_test_csv, BNDL_TABLE_USER_BUNDLES, ub_fields, ub_cols,
                     BNDL_PART_TEST);
  if (st == BNDL_OK)
    st = bndl_dataset_finalize(ds);
  if (st != BNDL_OK) {
    bndl_dataset_free(ds);
    return st;
  }
  *out = ds;
  return BNDL_OK;
}

/* Removes the input files golden_build wrote into dir. */
static void golden_remove_inputs(const char *dir) {
  static const char *const names[] = {"events.csv", "reviews.csv", "ub_train.csv", "ub_test.csv"};
  for (int i = 0; i < 4; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    remove(path);
  }
}

#endif
