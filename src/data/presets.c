/*
 * presets.c - ready-made table specs for the public exports in ../shared/data, so real
 * files load without conversion. Each preset cites the file it was written for; the
 * column names are those of the files' own headers (see each folder's SOURCE.md).
 */
#include <string.h>

#include "core/error.h"
#include "data/table_spec.h"

typedef struct preset_column {
  bndl_field field;
  const char *name; /* header name / JSON key; NULL = use index */
  int32_t index;
} preset_column;

typedef struct preset {
  const char *name;
  bndl_table_kind kind;
  bndl_table_format format;
  int32_t delimiter, quote, has_header;
  const char *time_format;
  bndl_event_type default_event;
  bndl_field return_field;
  const char *return_prefix;
  int32_t derive_catalogue;
  bndl_split_part part;
  preset_column columns[10];
} preset;

#define COL(f, n) {BNDL_FIELD_##f, n, -1}
#define IDX(f, i) {BNDL_FIELD_##f, NULL, i}
#define NO_RETURN (bndl_field)0, NULL

static const preset presets[] = {
    /* online_retail/online_retail.csv.gz (UCI Online Retail): invoices starting with C
     * are cancellations, kept as return events. */
    {"online_retail", BNDL_TABLE_EVENTS, BNDL_FORMAT_DELIMITED, ',', '"', 1, "%Y-%m-%d %H:%M:%S",
     BNDL_EVENT_PURCHASE, BNDL_FIELD_ORDER, "C", 1, BNDL_PART_NONE,
     {COL(USER, "CustomerID"), COL(ITEM, "StockCode"), COL(ORDER, "InvoiceNo"), COL(TIMESTAMP, "InvoiceDate"),
      COL(QUANTITY, "Quantity"), COL(UNIT_PRICE, "UnitPrice"), COL(TITLE, "Description")}},
    /* online_retail/online_retail_II_2009_2010.csv.gz (UCI Online Retail II headers). */
    {"online_retail_ii", BNDL_TABLE_EVENTS, BNDL_FORMAT_DELIMITED, ',', '"', 1, "%Y-%m-%d %H:%M:%S",
     BNDL_EVENT_PURCHASE, BNDL_FIELD_ORDER, "C", 1, BNDL_PART_NONE,
     {COL(USER, "Customer ID"), COL(ITEM, "StockCode"), COL(ORDER, "Invoice"), COL(TIMESTAMP, "InvoiceDate"),
      COL(QUANTITY, "Quantity"), COL(UNIT_PRICE, "Price"), COL(TITLE, "Description")}},
    /* youshu/<file>.txt (CrossCBR split): tab-separated id pairs, no header, no time. */
    {"youshu_user_item", BNDL_TABLE_EVENTS, BNDL_FORMAT_DELIMITED, '\t', 0, 0, "ordinal", BNDL_EVENT_PURCHASE,
     NO_RETURN, 0, BNDL_PART_NONE, {IDX(USER, 0), IDX(ITEM, 1)}},
    {"youshu_bundle_item", BNDL_TABLE_BUNDLE_ITEMS, BNDL_FORMAT_DELIMITED, '\t', 0, 0, "ordinal",
     BNDL_EVENT_PURCHASE, NO_RETURN, 0, BNDL_PART_NONE, {IDX(BUNDLE, 0), IDX(ITEM, 1)}},
    {"youshu_user_bundle_train", BNDL_TABLE_USER_BUNDLES, BNDL_FORMAT_DELIMITED, '\t', 0, 0, "ordinal",
     BNDL_EVENT_PURCHASE, NO_RETURN, 0, BNDL_PART_TRAIN, {IDX(USER, 0), IDX(BUNDLE, 1)}},
    {"youshu_user_bundle_tune", BNDL_TABLE_USER_BUNDLES, BNDL_FORMAT_DELIMITED, '\t', 0, 0, "ordinal",
     BNDL_EVENT_PURCHASE, NO_RETURN, 0, BNDL_PART_VALID, {IDX(USER, 0), IDX(BUNDLE, 1)}},
    {"youshu_user_bundle_test", BNDL_TABLE_USER_BUNDLES, BNDL_FORMAT_DELIMITED, '\t', 0, 0, "ordinal",
     BNDL_EVENT_PURCHASE, NO_RETURN, 0, BNDL_PART_TEST, {IDX(USER, 0), IDX(BUNDLE, 1)}},
    /* tafeng_nbr/tafeng_{history,future,merged}.json: {"uid": [[-1], basket, ..., [-1]]}. */
    {"tafeng_baskets", BNDL_TABLE_EVENTS, BNDL_FORMAT_BASKET_JSON, 0, 0, 0, "ordinal", BNDL_EVENT_PURCHASE,
     NO_RETURN, 0, BNDL_PART_NONE, {{0, NULL, -1}}},
    /* tafeng_nbr/tafeng_future.csv: user_id,order_number,product_id. */
    {"tafeng_future_csv", BNDL_TABLE_EVENTS, BNDL_FORMAT_DELIMITED, ',', '"', 1, "ordinal", BNDL_EVENT_PURCHASE,
     NO_RETURN, 0, BNDL_PART_NONE, {COL(USER, "user_id"), COL(ORDER, "order_number"), COL(ITEM, "product_id")}},
    /* seqrec_amazon/Beauty_s3rec_5core.txt: "user item item ..." in time order. */
    {"amazon_sequences", BNDL_TABLE_EVENTS, BNDL_FORMAT_SEQUENCE_LINES, ' ', 0, 0, "ordinal", BNDL_EVENT_PURCHASE,
     NO_RETURN, 0, BNDL_PART_NONE, {{0, NULL, -1}}},
    /* seqrec_amazon/Video_sasrec.txt: "user item" per line, grouped by user, in time order. */
    {"sasrec_pairs", BNDL_TABLE_EVENTS, BNDL_FORMAT_DELIMITED, ' ', 0, 0, "ordinal", BNDL_EVENT_PURCHASE,
     NO_RETURN, 0, BNDL_PART_NONE, {IDX(USER, 0), IDX(ITEM, 1)}},
    /* reviews_zh/online_shopping_10_cats.csv.gz: cat,label,review (label 1 positive). */
    {"reviews_zh_shopping", BNDL_TABLE_REVIEWS, BNDL_FORMAT_DELIMITED, ',', '"', 1, "auto", BNDL_EVENT_RATING,
     NO_RETURN, 0, BNDL_PART_NONE, {COL(CATEGORY, "cat"), COL(RATING, "label"), COL(TEXT, "review")}},
    /* reviews_zh/{waimai_10k,ChnSentiCorp_htl_all}.csv.gz: label,review. */
    {"reviews_zh", BNDL_TABLE_REVIEWS, BNDL_FORMAT_DELIMITED, ',', '"', 1, "auto", BNDL_EVENT_RATING, NO_RETURN,
     0, BNDL_PART_NONE, {COL(RATING, "label"), COL(TEXT, "review")}},
    /* reviews_en/amazon_cells_labelled.txt: "sentence<TAB>label", no header, no quoting. */
    {"amazon_cells", BNDL_TABLE_REVIEWS, BNDL_FORMAT_DELIMITED, '\t', 0, 0, "auto", BNDL_EVENT_RATING, NO_RETURN,
     0, BNDL_PART_NONE, {IDX(TEXT, 0), IDX(RATING, 1)}},
    /* reviews_en/All_Beauty_5.json.gz (Amazon Review Data 2018, JSON lines). */
    {"amazon_reviews_json", BNDL_TABLE_REVIEWS, BNDL_FORMAT_JSON_LINES, 0, 0, 0, "unix", BNDL_EVENT_RATING,
     NO_RETURN, 0, BNDL_PART_NONE,
     {COL(USER, "reviewerID"), COL(ITEM, "asin"), COL(RATING, "overall"), COL(TEXT, "reviewText"),
      COL(TIMESTAMP, "unixReviewTime")}},
    /* superstore_profit/Sample_Superstore_2019_2022.csv.gz: line totals and profit give
     * unit price and unit cost. */
    {"superstore", BNDL_TABLE_EVENTS, BNDL_FORMAT_DELIMITED, ',', '"', 1, "%d/%m/%y", BNDL_EVENT_PURCHASE,
     NO_RETURN, 1, BNDL_PART_NONE,
     {COL(USER, "Customer ID"), COL(ITEM, "Product ID"), COL(ORDER, "Order ID"), COL(TIMESTAMP, "Order Date"),
      COL(QUANTITY, "Quantity"), COL(LINE_TOTAL, "Sales"), COL(LINE_PROFIT, "Profit"),
      COL(CATEGORY, "Sub-Category"), COL(TITLE, "Product Name")}},
    /* bundlerec_amazon/<domain>/<file>.csv (Sun et al., SIGIR 2022). */
    {"bundlerec_user_item", BNDL_TABLE_EVENTS, BNDL_FORMAT_DELIMITED, ',', '"', 1, "unix", BNDL_EVENT_PURCHASE,
     NO_RETURN, 0, BNDL_PART_NONE, {COL(USER, "user ID"), COL(ITEM, "item ID"), COL(TIMESTAMP, "timestamp")}},
    {"bundlerec_bundle_item", BNDL_TABLE_BUNDLE_ITEMS, BNDL_FORMAT_DELIMITED, ',', '"', 1, "auto",
     BNDL_EVENT_PURCHASE, NO_RETURN, 0, BNDL_PART_NONE, {COL(BUNDLE, "bundle ID"), COL(ITEM, "item ID")}},
    {"bundlerec_user_bundle", BNDL_TABLE_USER_BUNDLES, BNDL_FORMAT_DELIMITED, ',', '"', 1, "unix",
     BNDL_EVENT_PURCHASE, NO_RETURN, 0, BNDL_PART_NONE,
     {COL(USER, "user ID"), COL(BUNDLE, "bundle ID"), COL(TIMESTAMP, "timestamp")}},
    {"bundlerec_item_titles", BNDL_TABLE_CATALOGUE, BNDL_FORMAT_DELIMITED, ',', '"', 1, "auto",
     BNDL_EVENT_PURCHASE, NO_RETURN, 0, BNDL_PART_NONE, {COL(ITEM, "item ID"), COL(TITLE, "titles")}},
    {"bundlerec_item_categories", BNDL_TABLE_CATALOGUE, BNDL_FORMAT_DELIMITED, ',', '"', 1, "auto",
     BNDL_EVENT_PURCHASE, NO_RETURN, 0, BNDL_PART_NONE, {COL(ITEM, "item ID"), COL(CATEGORY, "categories")}},
};

enum { N_PRESETS = sizeof presets / sizeof presets[0] };

const char *bndl_spec_preset_name(int32_t index) {
  return index >= 0 && index < N_PRESETS ? presets[index].name : NULL;
}

bndl_status bndl_spec_preset(const bndl_allocator *a, const char *name, bndl_table_spec **out) {
  const preset *p = NULL;
  for (int i = 0; i < N_PRESETS; i++)
    if (strcmp(presets[i].name, name) == 0)
      p = &presets[i];
  if (p == NULL) {
    char list[1024] = "";
    for (int i = 0; i < N_PRESETS; i++) {
      strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
      strncat(list, presets[i].name, sizeof list - strlen(list) - 1);
    }
    return bndl_fail(BNDL_ERR_NOT_FOUND, "no preset named '%s' (known: %s)", name, list);
  }
  bndl_table_spec *s;
  BNDL_TRY(bndl_spec_new(a, p->kind, p->format, &s));
  s->delimiter = p->delimiter;
  s->quote = p->quote;
  s->has_header = p->has_header;
  s->default_event = p->default_event;
  s->derive_catalogue = p->derive_catalogue;
  s->part = p->part;
  bndl_status st = bndl_spec_set_time_format(s, p->time_format);
  if (st == BNDL_OK && p->return_prefix)
    st = bndl_spec_set_return_prefix(s, p->return_field, p->return_prefix);
  for (int c = 0; c < 10 && st == BNDL_OK && p->columns[c].field; c++)
    st = bndl_spec_map(s, p->columns[c].field, p->columns[c].name, p->columns[c].index);
  if (st != BNDL_OK) {
    bndl_spec_destroy(s);
    return st;
  }
  *out = s;
  return BNDL_OK;
}
