/*
 * clean.c - duplicate, unknown-item, repeat and anomalous-user detection.
 */
#include "data/clean.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "data/id_map.h"
#include "data/table_spec.h"

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xBF58476D1CE4E5B9ull;
}

static uint64_t event_hash(const bndl_event_rows *e, size_t i) {
  uint64_t q, p;
  memcpy(&q, &e->qty[i], 8);
  memcpy(&p, &e->price[i], 8);
  uint64_t h = mix(0, (uint64_t)(uint32_t)e->user[i]);
  h = mix(h, (uint64_t)(uint32_t)e->item[i]);
  h = mix(h, (uint64_t)e->ts[i]);
  h = mix(h, ((uint64_t)e->type[i] << 32) | (uint32_t)e->order[i]);
  h = mix(h, q);
  h = mix(h, p);
  uint64_t w;
  memcpy(&w, &e->weight[i], 8);
  h = mix(h, w);
  return h ^ (h >> 31);
}

/* Bitwise comparison of doubles, so NaN (unknown price) equals NaN. */
static int same_event(const bndl_event_rows *e, size_t a, size_t b) {
  return e->user[a] == e->user[b] && e->item[a] == e->item[b] && e->ts[a] == e->ts[b] &&
         e->type[a] == e->type[b] && e->order[a] == e->order[b] && memcmp(&e->qty[a], &e->qty[b], 8) == 0 &&
         memcmp(&e->price[a], &e->price[b], 8) == 0 && memcmp(&e->weight[a], &e->weight[b], 8) == 0;
}

bndl_status bndl_clean_duplicates(bndl_dataset *ds, uint8_t *drop) {
  const bndl_event_rows *e = &ds->ev;
  if (e->n < 2)
    return BNDL_OK;
  size_t n_slots = 64;
  while (n_slots < e->n * 2)
    n_slots *= 2;
  uint32_t *slots = bndl_zalloc_array(ds->alloc, n_slots, sizeof *slots);
  if (slots == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  size_t mask = n_slots - 1;
  for (size_t i = 0; i < e->n; i++) {
    if (drop[i])
      continue;
    size_t j = (size_t)event_hash(e, i) & mask;
    for (; slots[j]; j = (j + 1) & mask)
      if (same_event(e, slots[j] - 1, i))
        break;
    if (slots[j])
      drop[i] = BNDL_DROP_DUPLICATE;
    else
      slots[j] = (uint32_t)i + 1;
  }
  bndl_free(ds->alloc, slots);
  return BNDL_OK;
}

void bndl_clean_unknown_items(bndl_dataset *ds, uint8_t *drop) {
  if (strcmp(bndl_cfg_string(ds->cfg, BNDL_KEY_CLEAN_UNKNOWN_ITEMS), "drop") != 0 || ds->cat.listed == NULL)
    return;
  int32_t n_items = bndl_dataset_n(ds, BNDL_IDS_ITEM);
  int any = 0;
  for (int32_t i = 0; i < n_items && !any; i++)
    any = ds->cat.listed[i] != 0;
  if (!any)
    return;
  for (size_t i = 0; i < ds->ev.n; i++)
    if (!drop[i] && !ds->cat.listed[ds->ev.item[i]])
      drop[i] = BNDL_DROP_UNKNOWN_ITEM;
}

/* Parses "view,click,cart" into a mask over event types. */
static unsigned repeat_mask(const char *list) {
  unsigned mask = 0;
  const char *p = list;
  while (*p) {
    const char *e = p;
    while (*e && *e != ',')
      e++;
    for (int t = 1; t <= BNDL_EVENT_TYPE_COUNT; t++) {
      const char *name = bndl_event_type_name((bndl_event_type)t);
      if (strlen(name) == (size_t)(e - p) && strncasecmp(name, p, (size_t)(e - p)) == 0)
        mask |= 1u << t;
    }
    p = *e ? e + 1 : e;
  }
  return mask;
}

typedef struct last_seen {
  int32_t item;
  uint8_t type;
  int64_t ts;
} last_seen;

static int cmp_last_seen(const void *a, const void *b) {
  const last_seen *x = a, *y = b;
  if (x->item != y->item)
    return x->item < y->item ? -1 : 1;
  return (int)x->type - (int)y->type;
}

bndl_status bndl_clean_repeats(bndl_dataset *ds, const uint32_t *order, const int64_t *user_off, uint8_t *drop) {
  int64_t window = bndl_cfg_int(ds->cfg, BNDL_KEY_CLEAN_REPEAT_WINDOW_S);
  unsigned mask = repeat_mask(bndl_cfg_string(ds->cfg, BNDL_KEY_CLEAN_REPEAT_TYPES));
  if (window <= 0 || mask == 0 || !ds->has_real_time)
    return BNDL_OK;
  int32_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER);
  /* Per user, a sorted table of (item, type) -> time of the last kept event. Users'
   * histories are short, so a small array sorted per insertion batch is enough: we scan
   * the user's events in time order and look up with bsearch after each sort. */
  size_t cap = 0;
  last_seen *seen = NULL;
  for (int32_t u = 0; u < n_users; u++) {
    size_t n = 0;
    for (int64_t k = user_off[u]; k < user_off[u + 1]; k++) {
      uint32_t i = order[k];
      if (drop[i] || !(mask & (1u << ds->ev.type[i])))
        continue;
      last_seen key = {ds->ev.item[i], ds->ev.type[i], 0};
      last_seen *hit = n ? bsearch(&key, seen, n, sizeof *seen, cmp_last_seen) : NULL;
      if (hit && ds->ev.ts[i] - hit->ts < window) {
        drop[i] = BNDL_DROP_REPEAT_IN_WINDOW;
        continue;
      }
      if (hit) {
        hit->ts = ds->ev.ts[i];
        continue;
      }
      void *p = seen;
      bndl_status st = bndl_grow(ds->alloc, &p, &cap, n + 1, sizeof *seen);
      if (st != BNDL_OK) {
        bndl_free(ds->alloc, seen);
        return st;
      }
      seen = p;
      /* insert keeping the table sorted */
      size_t pos = n;
      while (pos > 0 && cmp_last_seen(&seen[pos - 1], &key) > 0) {
        seen[pos] = seen[pos - 1];
        pos--;
      }
      key.ts = ds->ev.ts[i];
      seen[pos] = key;
      n++;
    }
  }
  bndl_free(ds->alloc, seen);
  return BNDL_OK;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_of(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bndl_status bndl_clean_anomalous_users(bndl_dataset *ds, const uint32_t *order, const int64_t *user_off,
                                       uint8_t *drop) {
  double zmax = bndl_cfg_float(ds->cfg, BNDL_KEY_CLEAN_ANOMALY_Z);
  int64_t min_users = bndl_cfg_int(ds->cfg, BNDL_KEY_CLEAN_ANOMALY_MIN_USERS);
  int32_t n_users = bndl_dataset_n(ds, BNDL_IDS_USER);
  if (zmax <= 0)
    return BNDL_OK;
  double *activity = bndl_alloc_array(ds->alloc, (size_t)n_users + 1, sizeof *activity);
  double *tmp = bndl_alloc_array(ds->alloc, (size_t)n_users + 1, sizeof *tmp);
  bndl_status st = BNDL_OK;
  if (activity == NULL || tmp == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  size_t active = 0;
  for (int32_t u = 0; u < n_users; u++) {
    int64_t kept = 0;
    for (int64_t k = user_off[u]; k < user_off[u + 1]; k++)
      kept += drop[order[k]] == 0;
    activity[u] = kept ? log((double)kept) : -1;
    if (kept)
      tmp[active++] = activity[u];
  }
  if ((int64_t)active < min_users)
    goto done;
  double med = median_of(tmp, active);
  for (size_t i = 0; i < active; i++)
    tmp[i] = fabs(tmp[i] - med);
  double mad = median_of(tmp, active);
  /* Floor the spread at log 2 (activity doubling). k-core filtered data (every user
   * with 5..10 events) has a tiny MAD, and without the floor its ordinary heavy users
   * would all look like bots; with it, z = 5 means at least ~170x the median activity. */
  if (mad < 0.6931)
    mad = 0.6931;
  double scale = 0.6745 / mad;
  for (int32_t u = 0; u < n_users; u++) {
    if (activity[u] < 0)
      continue;
    double z = (activity[u] - med) * scale;
    if (z <= zmax)
      continue;
    int64_t n = 0;
    for (int64_t k = user_off[u]; k < user_off[u + 1]; k++)
      if (drop[order[k]] == 0) {
        drop[order[k]] = BNDL_DROP_ANOMALOUS_USER;
        n++;
      }
    bndl_log(ds->ctx, BNDL_LOG_INFO, "user '%s' dropped as anomalous: %lld events, robust z %.2f > %.2f",
             bndl_id_map_name(&ds->ids->map[BNDL_IDS_USER], u), (long long)n, z, zmax);
  }
done:
  bndl_free(ds->alloc, activity);
  bndl_free(ds->alloc, tmp);
  return st;
}

bndl_status bndl_clean_report(bndl_dataset *ds, const uint8_t *drop) {
  const bndl_event_rows *e = &ds->ev;
  const bndl_id_map *users = &ds->ids->map[BNDL_IDS_USER], *items = &ds->ids->map[BNDL_IDS_ITEM];
  for (size_t i = 0; i < e->n; i++) {
    if (!drop[i])
      continue;
    ds->report.sources[e->source[i]].returns -= e->type[i] == BNDL_EVENT_RETURN; /* no longer kept */
    char why[512];
    switch (drop[i]) {
    case BNDL_DROP_DUPLICATE:
      snprintf(why, sizeof why, "exact duplicate event (user '%s', item '%s')", bndl_id_map_name(users, e->user[i]),
               bndl_id_map_name(items, e->item[i]));
      break;
    case BNDL_DROP_UNKNOWN_ITEM:
      snprintf(why, sizeof why, "item '%s' is not in the catalogue", bndl_id_map_name(items, e->item[i]));
      break;
    case BNDL_DROP_REPEAT_IN_WINDOW:
      snprintf(why, sizeof why, "user '%s' repeated %s of item '%s' within clean.repeat_window_s",
               bndl_id_map_name(users, e->user[i]), bndl_event_type_name((bndl_event_type)e->type[i]),
               bndl_id_map_name(items, e->item[i]));
      break;
    default:
      snprintf(why, sizeof why, "user '%s' is an activity outlier (clean.anomaly_z)",
               bndl_id_map_name(users, e->user[i]));
    }
    BNDL_TRY(bndl_report_drop(&ds->report, e->source[i], (bndl_drop_reason)drop[i], e->line[i], NULL, NULL, 0, why,
                              0));
  }
  return BNDL_OK;
}
