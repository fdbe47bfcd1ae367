/*
 * features.c - behaviour features per user and per item, computed at finalize from the
 * kept rows only (a split computes its own from its own rows: no leakage).
 *
 * Time spans are computed in double precision (timestamps may lie anywhere in int64, so
 * their difference could overflow) and are in days for datasets with timestamps and in
 * ordinal steps for datasets without (the column names say which). Unknown values are
 * NaN, never 0: a user with no purchase has no purchase recency, not a recency of zero.
 *
 * Review text columns (when ds->text_features; the API layer sets it at finalize from
 * text.features and scores the reviews into ds->review_sentiment first) are appended
 * after the behaviour columns of both tables; the review count is the "reviews" column
 * that is always there:
 *  - sentiment_mean: mean sentiment in [-1, 1] of the entity's reviews that have a
 *    score (NaN when none has one, and for every row when no scorer was attached);
 *  - rating_sentiment_agreement: among the entity's reviews whose rating has a side and
 *    whose sentiment has a sign, the fraction where they agree. A rating >=
 *    text.positive_min is positive, <= text.negative_max negative (the classifier's
 *    labels), anything between has no side; a sentiment >= +0.05 is positive, <= -0.05
 *    negative (VADER's neutral band, Hutto & Gilbert 2014). NaN when no review counts.
 *    A fraction, not a correlation: it exists from one review on, does not need the
 *    ratings to vary (88% of All_Beauty's are 5 stars), and reads as "how often the
 *    text says what the stars say", which is what flags suspect or sarcastic reviews.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"
#include "data/finalize.h"

enum {
  U_EVENTS, U_VIEWS, U_CLICKS, U_CARTS, U_PURCHASES, U_RETURNS, U_RATINGS, U_ITEMS, U_ORDERS, U_QTY_BOUGHT,
  U_MONETARY, U_RECENCY, U_TENURE, U_PURCHASE_FREQ, U_PURCHASE_RECENCY, U_MEAN_RATING, U_REVIEWS, U_WEIGHT,
  U_COLS
};

enum {
  I_USERS, I_EVENTS, I_VIEWS, I_CARTS, I_PURCHASES, I_RETURNS, I_QTY_SOLD, I_QTY_RETURNED, I_RETURN_RATE,
  I_REVENUE, I_PRICE, I_COST, I_MARGIN, I_MARGIN_RATE, I_STOCK, I_MEAN_RATING, I_REVIEWS, I_POPULARITY,
  I_RECENCY, I_COLS
};

/* The review text columns, appended to both tables. */
enum { T_SENTIMENT_MEAN, T_AGREEMENT, TEXT_COLS };
#define TEXT_NAMES "sentiment_mean", "rating_sentiment_agreement"
/* VADER's neutral band: a compound score inside (-0.05, 0.05) has no sign. */
#define SENTIMENT_NEUTRAL 0.05

static const char *const user_names_days[U_COLS + TEXT_COLS] = {
    "events",       "views",      "clicks",      "carts",       "purchases",
    "returns",      "ratings",    "distinct_items", "orders",   "quantity_bought",
    "monetary",     "recency_days", "tenure_days", "purchase_frequency_30d", "purchase_recency_days",
    "mean_rating",  "reviews",    "interaction_weight", TEXT_NAMES};
static const char *const user_names_steps[U_COLS + TEXT_COLS] = {
    "events",       "views",      "clicks",      "carts",       "purchases",
    "returns",      "ratings",    "distinct_items", "orders",   "quantity_bought",
    "monetary",     "recency_steps", "tenure_steps", "purchase_frequency_30steps", "purchase_recency_steps",
    "mean_rating",  "reviews",    "interaction_weight", TEXT_NAMES};
static const char *const item_names_days[I_COLS + TEXT_COLS] = {
    "users",      "events",        "views",       "carts",  "purchases",   "returns",       "quantity_sold",
    "quantity_returned", "return_rate", "revenue", "price", "cost",        "margin",        "margin_rate",
    "stock",      "mean_rating",   "reviews",     "popularity", "recency_days", TEXT_NAMES};
static const char *const item_names_steps[I_COLS + TEXT_COLS] = {
    "users",      "events",        "views",       "carts",  "purchases",   "returns",       "quantity_sold",
    "quantity_returned", "return_rate", "revenue", "price", "cost",        "margin",        "margin_rate",
    "stock",      "mean_rating",   "reviews",     "popularity", "recency_steps", TEXT_NAMES};

static bndl_status alloc_table(const bndl_allocator *a, bndl_feature_table *t, int64_t rows, int32_t cols,
                               const char *const *names) {
  t->data = bndl_zalloc_array(a, (size_t)(rows ? rows : 1) * (size_t)cols, sizeof(float));
  if (t->data == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  t->rows = rows;
  t->cols = cols;
  t->names = names;
  return BNDL_OK;
}

/* Widens t by TEXT_COLS columns (copied rows, the new columns NaN). */
static bndl_status widen(const bndl_allocator *a, bndl_feature_table *t) {
  int32_t cols = t->cols + TEXT_COLS;
  float *d = bndl_alloc_array(a, (size_t)(t->rows ? t->rows : 1) * (size_t)cols, sizeof(float));
  if (d == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (int64_t r = 0; r < t->rows; r++) {
    memcpy(d + (size_t)r * (size_t)cols, t->data + (size_t)r * (size_t)t->cols, (size_t)t->cols * sizeof(float));
    for (int32_t c = t->cols; c < cols; c++)
      d[(size_t)r * (size_t)cols + (size_t)c] = NAN;
  }
  bndl_free(a, t->data);
  t->data = d;
  t->cols = cols;
  return BNDL_OK;
}

/* Per entity: [0] sentiment sum, [1] scored reviews, [2] agreeing, [3] disagreeing. */
static void add_review(double *acc, double sentiment, int rating_side) {
  if (isnan(sentiment))
    return;
  acc[0] += sentiment;
  acc[1]++;
  int text_side = sentiment >= SENTIMENT_NEUTRAL ? 1 : sentiment <= -SENTIMENT_NEUTRAL ? -1 : 0;
  if (rating_side != 0 && text_side != 0)
    acc[rating_side == text_side ? 2 : 3]++;
}

static void write_text_columns(bndl_feature_table *t, const double *acc) {
  for (int64_t r = 0; r < t->rows; r++) {
    const double *q = acc + 4 * r;
    float *f = t->data + (size_t)r * (size_t)t->cols + (size_t)(t->cols - TEXT_COLS);
    f[T_SENTIMENT_MEAN] = q[1] > 0 ? (float)(q[0] / q[1]) : NAN;
    f[T_AGREEMENT] = q[2] + q[3] > 0 ? (float)(q[2] / (q[2] + q[3])) : NAN;
  }
}

/* The review text columns (see the file comment) from the rows' sentiment scores. */
static bndl_status build_text_features(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  bndl_feature_table *U = &ds->features[0], *I = &ds->features[1];
  BNDL_TRY(widen(a, U));
  BNDL_TRY(widen(a, I));
  if (ds->review_sentiment == NULL)
    return BNDL_OK; /* no scorer: the columns stay NaN */
  double pos = bndl_cfg_float(ds->cfg, BNDL_KEY_TEXT_POSITIVE_MIN), neg = bndl_cfg_float(ds->cfg, BNDL_KEY_TEXT_NEGATIVE_MAX);
  double *uacc = bndl_zalloc_array(a, (size_t)U->rows + 1, 4 * sizeof(double));
  double *iacc = bndl_zalloc_array(a, (size_t)I->rows + 1, 4 * sizeof(double));
  if (!uacc || !iacc) {
    bndl_free(a, uacc);
    bndl_free(a, iacc);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  for (size_t r = 0; r < ds->rv.n; r++) {
    double rating = ds->rv.rating[r];
    int side = isnan(rating) ? 0 : rating >= pos ? 1 : rating <= neg ? -1 : 0;
    if (ds->rv.user[r] >= 0)
      add_review(uacc + 4 * (size_t)ds->rv.user[r], ds->review_sentiment[r], side);
    if (ds->rv.item[r] >= 0)
      add_review(iacc + 4 * (size_t)ds->rv.item[r], ds->review_sentiment[r], side);
  }
  write_text_columns(U, uacc);
  write_text_columns(I, iacc);
  bndl_free(a, uacc);
  bndl_free(a, iacc);
  return BNDL_OK;
}

bndl_status bndl_build_features(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  const bndl_event_rows *e = &ds->ev;
  int32_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER), n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  int32_t n_orders = bndl_dataset_n(ds, BNDL_IDS_ORDER);
  int days = ds->has_real_time;
  double unit = days ? 86400.0 : 1.0;
  bndl_feature_table *U = &ds->features[0], *I = &ds->features[1];
  BNDL_TRY(alloc_table(a, U, n_users, U_COLS, days ? user_names_days : user_names_steps));
  BNDL_TRY(alloc_table(a, I, n_items, I_COLS, days ? item_names_days : item_names_steps));
  /* per-item and per-order scratch: last user seen (distinct counts), rating sums */
  int32_t *order_seen = bndl_alloc_array(a, (size_t)n_orders + 1, sizeof *order_seen);
  int64_t *item_last = bndl_alloc_array(a, (size_t)n_items + 1, sizeof *item_last);
  double *item_rating = bndl_zalloc_array(a, (size_t)n_items + 1, 2 * sizeof(double));
  double *user_rating = bndl_zalloc_array(a, (size_t)n_users + 1, 2 * sizeof(double));
  bndl_status st = BNDL_OK;
  if (!order_seen || !item_last || !item_rating || !user_rating) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int32_t o = 0; o < n_orders; o++)
    order_seen[o] = -1;
  for (int32_t i = 0; i < n_items; i++)
    item_last[i] = INT64_MIN;

  for (int32_t u = 0; u < n_users; u++) {
    float *f = U->data + (size_t)u * U_COLS;
    int64_t lo = ds->user_offsets[u], hi = ds->user_offsets[u + 1];
    double purchase_orders = 0, monetary = 0, qty_bought = 0;
    int64_t last_purchase = INT64_MIN;
    for (int64_t k = lo; k < hi; k++) {
      int t = e->type[k];
      double price = e->price[k];
      f[U_EVENTS]++;
      f[t == BNDL_EVENT_VIEW ? U_VIEWS : t == BNDL_EVENT_CLICK ? U_CLICKS : t == BNDL_EVENT_CART ? U_CARTS
        : t == BNDL_EVENT_PURCHASE ? U_PURCHASES : t == BNDL_EVENT_RETURN ? U_RETURNS : U_RATINGS]++;
      if (t == BNDL_EVENT_PURCHASE) {
        qty_bought += e->qty[k];
        if (!isnan(price))
          monetary += e->qty[k] * price;
        if (e->order[k] < 0 || order_seen[e->order[k]] != u) {
          purchase_orders++;
          if (e->order[k] >= 0)
            order_seen[e->order[k]] = u;
        }
        last_purchase = e->ts[k];
      } else if (t == BNDL_EVENT_RETURN && !isnan(price)) {
        monetary -= e->qty[k] * price;
      } else if (t == BNDL_EVENT_RATING) {
        user_rating[2 * u] += e->qty[k];
        user_rating[2 * u + 1]++;
        item_rating[2 * e->item[k]] += e->qty[k];
        item_rating[2 * e->item[k] + 1]++;
      }
      /* item side */
      float *g = I->data + (size_t)e->item[k] * I_COLS;
      g[I_EVENTS]++;
      if (t == BNDL_EVENT_VIEW) g[I_VIEWS]++;
      if (t == BNDL_EVENT_CART) g[I_CARTS]++;
      if (t == BNDL_EVENT_PURCHASE) {
        g[I_PURCHASES]++;
        g[I_QTY_SOLD] += (float)e->qty[k];
        if (!isnan(price))
          g[I_REVENUE] += (float)(e->qty[k] * price);
      }
      if (t == BNDL_EVENT_RETURN) {
        g[I_RETURNS]++;
        g[I_QTY_RETURNED] += (float)e->qty[k];
        if (!isnan(price))
          g[I_REVENUE] -= (float)(e->qty[k] * price);
      }
      if (e->ts[k] > item_last[e->item[k]])
        item_last[e->item[k]] = e->ts[k];
    }
    f[U_ITEMS] = (float)(ds->ix_indptr[u + 1] - ds->ix_indptr[u]);
    f[U_ORDERS] = (float)purchase_orders;
    f[U_QTY_BOUGHT] = (float)qty_bought;
    f[U_MONETARY] = (float)monetary;
    double weight = 0;
    for (int64_t k = ds->ix_indptr[u]; k < ds->ix_indptr[u + 1]; k++) {
      weight += ds->ix_weights[k];
      I->data[(size_t)ds->ix_items[k] * I_COLS + I_USERS]++;
      I->data[(size_t)ds->ix_items[k] * I_COLS + I_POPULARITY] += ds->ix_weights[k];
    }
    f[U_WEIGHT] = (float)weight;
    if (hi > lo) {
      double tenure = ((double)ds->reference_time - (double)e->ts[lo]) / unit;
      f[U_RECENCY] = (float)(((double)ds->reference_time - (double)e->ts[hi - 1]) / unit);
      f[U_TENURE] = (float)tenure;
      f[U_PURCHASE_FREQ] = (float)(purchase_orders / (tenure > 1 ? tenure : 1) * 30.0);
    } else {
      f[U_RECENCY] = f[U_TENURE] = NAN;
      f[U_PURCHASE_FREQ] = 0;
    }
    f[U_PURCHASE_RECENCY] =
        last_purchase == INT64_MIN ? NAN : (float)(((double)ds->reference_time - (double)last_purchase) / unit);
  }
  /* reviews add to ratings and review counts */
  for (size_t r = 0; r < ds->rv.n; r++) {
    int32_t u = ds->rv.user[r], i = ds->rv.item[r];
    double rating = ds->rv.rating[r];
    if (u >= 0) {
      U->data[(size_t)u * U_COLS + U_REVIEWS]++;
      if (!isnan(rating)) {
        user_rating[2 * u] += rating;
        user_rating[2 * u + 1]++;
      }
    }
    if (i >= 0) {
      I->data[(size_t)i * I_COLS + I_REVIEWS]++;
      if (!isnan(rating)) {
        item_rating[2 * i] += rating;
        item_rating[2 * i + 1]++;
      }
    }
  }
  for (int32_t u = 0; u < n_users; u++)
    U->data[(size_t)u * U_COLS + U_MEAN_RATING] =
        user_rating[2 * u + 1] > 0 ? (float)(user_rating[2 * u] / user_rating[2 * u + 1]) : NAN;
  for (int32_t i = 0; i < n_items; i++) {
    float *g = I->data + (size_t)i * I_COLS;
    double price = ds->cat.price[i], cost = ds->cat.cost[i];
    g[I_RETURN_RATE] = g[I_QTY_SOLD] > 0 ? g[I_QTY_RETURNED] / g[I_QTY_SOLD] : NAN;
    g[I_PRICE] = (float)price;
    g[I_COST] = (float)cost;
    g[I_MARGIN] = (float)(price - cost); /* NaN when either is unknown */
    g[I_MARGIN_RATE] = (float)((price - cost) / price);
    g[I_STOCK] = ds->cat.stock[i] >= 0 ? (float)ds->cat.stock[i] : NAN;
    g[I_MEAN_RATING] = item_rating[2 * i + 1] > 0 ? (float)(item_rating[2 * i] / item_rating[2 * i + 1]) : NAN;
    g[I_RECENCY] = item_last[i] == INT64_MIN ? NAN : (float)(((double)ds->reference_time - (double)item_last[i]) / unit);
  }
  if (ds->text_features)
    st = build_text_features(ds);
done:
  bndl_free(a, order_seen);
  bndl_free(a, item_last);
  bndl_free(a, item_rating);
  bndl_free(a, user_rating);
  return st;
}
