/*
 * snapshot_read.c - snapshot bytes -> finalized dataset, trusting nothing.
 *
 * Order of checks: header (size, magic, CRC, endianness, version), section table (CRC,
 * bounds with checked arithmetic, alignment, known tags, each section's CRC), then
 * meaning: every count agrees with META, every index is inside its id space, offsets
 * rise and end where their blob ends, enums hold known values, events are in
 * user-then-time order. Only then is anything allocated in proportion to the counts,
 * and a count can never exceed what the file's own bytes can hold.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bundle/bundle_version.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/context.h"
#include "core/crc32.h"
#include "core/error.h"
#include "data/finalize.h"
#include "data/snapshot.h"
#include "data/snapshot_format.h"

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#  define CHECK_CRC 0 /* so the fuzzer reaches the parsers behind the checksums (R5) */
#else
#  define CHECK_CRC 1
#endif

typedef struct view {
  const char *data;
  uint64_t length, count;
  int present;
} view;

typedef struct reader {
  const char *buf;
  size_t len;
  const char *label;
  view sec[64];
  uint32_t tags[64];
  int n;
} reader;

static bndl_status corrupt(const reader *r, const char *what) {
  return bndl_fail(BNDL_ERR_FORMAT, "'%s' is not a valid libbundle dataset snapshot: %s", r->label, what);
}

static const view *find(const reader *r, uint32_t tag) {
  for (int i = 0; i < r->n; i++)
    if (r->tags[i] == tag)
      return &r->sec[i];
  return NULL;
}

static void tag_text(uint32_t tag, char out[5]) {
  for (int k = 0; k < 4; k++) {
    char c = (char)((tag >> (8 * k)) & 0xFF);
    out[k] = c >= 0x20 && c < 0x7F ? c : '?';
  }
  out[4] = '\0';
}

/* A section as an array of `count` elements of `elem` bytes. */
static bndl_status need(const reader *r, uint32_t tag, uint64_t count, size_t elem, const void **out) {
  const view *v = find(r, tag);
  char t[5];
  tag_text(tag, t);
  if (v == NULL)
    return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s is missing", r->label, t);
  if (v->count != count || v->length != count * elem)
    return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s holds %llu elements in %llu bytes, expected %llu of %zu bytes",
                     r->label, t, (unsigned long long)v->count, (unsigned long long)v->length,
                     (unsigned long long)count, elem);
  *out = v->data;
  return BNDL_OK;
}

static bndl_status parse_header(reader *r) {
  const char *b = r->buf;
  if (r->len < BNDL_SNAPSHOT_HEADER_SIZE)
    return corrupt(r, "shorter than its 64-byte header (truncated?)");
  if (memcmp(b, BNDL_SNAPSHOT_MAGIC, 8) != 0)
    return corrupt(r, "wrong magic bytes");
  uint32_t header_crc, table_crc, header_size, endian, n_sec;
  uint16_t major, minor;
  uint64_t file_size;
  memcpy(&major, b + 8, 2);
  memcpy(&minor, b + 10, 2);
  memcpy(&header_size, b + 12, 4);
  memcpy(&endian, b + 16, 4);
  memcpy(&n_sec, b + 20, 4);
  memcpy(&file_size, b + 24, 8);
  memcpy(&table_crc, b + 56, 4);
  memcpy(&header_crc, b + 60, 4);
  if (CHECK_CRC && bndl_crc32(0, b, 60) != header_crc)
    return corrupt(r, "header checksum mismatch");
  if (endian != BNDL_SNAPSHOT_ENDIAN_MARK)
    return bndl_fail(BNDL_ERR_UNSUPPORTED, "'%s' was written on a big-endian machine; this reader is little-endian",
                     r->label);
  char producer[25];
  memcpy(producer, b + 32, 24);
  producer[24] = '\0';
  for (int i = 0; i < 24; i++)
    if (producer[i] && (producer[i] < 0x20 || producer[i] > 0x7E))
      producer[i] = '?';
  if (major != BNDL_DATASET_FORMAT_MAJOR || minor > BNDL_DATASET_FORMAT_MINOR)
    return bndl_fail(BNDL_ERR_VERSION,
                     "'%s' has dataset format %u.%u (written by %s); this libbundle %s reads format %d.0 to %d.%d",
                     r->label, major, minor, producer, BNDL_VERSION_STRING, BNDL_DATASET_FORMAT_MAJOR,
                     BNDL_DATASET_FORMAT_MAJOR, BNDL_DATASET_FORMAT_MINOR);
  if (header_size != BNDL_SNAPSHOT_HEADER_SIZE)
    return corrupt(r, "unexpected header size");
  if (file_size != r->len)
    return bndl_fail(BNDL_ERR_FORMAT, "'%s' is %zu bytes but its header says %llu (truncated or padded)", r->label,
                     r->len, (unsigned long long)file_size);
  if (n_sec == 0 || n_sec > 64)
    return corrupt(r, "section count outside 1..64");
  uint64_t table_end = BNDL_SNAPSHOT_HEADER_SIZE + (uint64_t)n_sec * BNDL_SNAPSHOT_ENTRY_SIZE;
  if (table_end > r->len)
    return corrupt(r, "section table runs past the end of the file");
  if (CHECK_CRC && bndl_crc32(0, b + BNDL_SNAPSHOT_HEADER_SIZE, (size_t)n_sec * BNDL_SNAPSHOT_ENTRY_SIZE) != table_crc)
    return corrupt(r, "section table checksum mismatch");
  uint64_t prev_end = table_end;
  for (uint32_t i = 0; i < n_sec; i++) {
    const char *ent = b + BNDL_SNAPSHOT_HEADER_SIZE + (size_t)i * BNDL_SNAPSHOT_ENTRY_SIZE;
    uint32_t tag, crc;
    uint64_t off, len, count;
    memcpy(&tag, ent, 4);
    memcpy(&crc, ent + 4, 4);
    memcpy(&off, ent + 8, 8);
    memcpy(&len, ent + 16, 8);
    memcpy(&count, ent + 24, 8);
    char t[5];
    tag_text(tag, t);
    uint64_t end;
    if (off % BNDL_SNAPSHOT_ALIGN || off < prev_end || __builtin_add_overflow(off, len, &end) || end > r->len)
      return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s at offset %llu, %llu bytes, lies outside the file or "
                       "overlaps another", r->label, t, (unsigned long long)off, (unsigned long long)len);
    if (find(r, tag))
      return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s appears twice", r->label, t);
    /* The writer pads with zeros: anything else there is damage, even if no reader uses it. */
    for (uint64_t k = prev_end; k < off; k++)
      if (b[k] != 0)
        return bndl_fail(BNDL_ERR_FORMAT, "'%s': non-zero padding byte at offset %llu before section %s", r->label,
                         (unsigned long long)k, t);
    if (CHECK_CRC && bndl_crc32(0, b + off, (size_t)len) != crc)
      return bndl_fail(BNDL_ERR_FORMAT, "'%s': section %s checksum mismatch (corrupt data)", r->label, t);
    r->tags[r->n] = tag;
    r->sec[r->n].data = b + off;
    r->sec[r->n].length = len;
    r->sec[r->n].count = count;
    r->sec[r->n].present = 1;
    r->n++;
    prev_end = end;
  }
  if (prev_end != r->len)
    return corrupt(r, "bytes after the last section");
  return BNDL_OK;
}

/* ---- small cursor for the report and config blobs */
typedef struct cursor {
  const char *p;
  uint64_t n, i;
  int bad;
} cursor;

static void take(cursor *c, void *dst, size_t k) {
  if (c->bad || c->n - c->i < k) {
    c->bad = 1;
    memset(dst, 0, k);
    return;
  }
  memcpy(dst, c->p + c->i, k);
  c->i += k;
}

static uint32_t take_u32(cursor *c) {
  uint32_t v;
  take(c, &v, 4);
  return v;
}

static int64_t take_i64(cursor *c) {
  int64_t v;
  take(c, &v, 8);
  return v;
}

/* A length-prefixed string as a NUL-terminated copy. */
static char *take_str(cursor *c, const bndl_allocator *a, bndl_status *st) {
  uint32_t n = take_u32(c);
  if (c->bad || c->n - c->i < n || memchr(c->p + c->i, '\0', n)) {
    c->bad = 1;
    return NULL;
  }
  char *s = bndl_strndup(a, c->p + c->i, n);
  if (s == NULL)
    *st = BNDL_ERR_OUT_OF_MEMORY;
  c->i += n;
  return s;
}

static bndl_status decode_report(const reader *r, bndl_dataset *ds) {
  const view *v = find(r, BNDL_SEC_REPORT);
  if (v == NULL)
    return corrupt(r, "report section missing");
  cursor c = {v->data, v->length, 0, 0};
  bndl_report *rep = &ds->report;
  bndl_status st = BNDL_OK;
  int64_t n_sources = take_i64(&c);
  /* each source takes at least 4 + 4 + 8 * 16 bytes */
  if (n_sources < 0 || (uint64_t)n_sources > v->length / 136)
    return corrupt(r, "report source count out of range");
  for (int64_t i = 0; i < n_sources && st == BNDL_OK && !c.bad; i++) {
    uint32_t kind = take_u32(&c);
    char *label = take_str(&c, ds->alloc, &st);
    if (label == NULL)
      break;
    int32_t idx;
    st = bndl_report_add_source(rep, label, (bndl_table_kind)kind, &idx);
    bndl_free(ds->alloc, label);
    if (st != BNDL_OK)
      break;
    if (kind < BNDL_TABLE_EVENTS || kind > BNDL_TABLE_USER_BUNDLES)
      c.bad = 1;
    bndl_source *s = &rep->sources[idx];
    s->rows_read = take_i64(&c);
    s->returns = take_i64(&c);
    int64_t dropped = 0;
    for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++) {
      s->dropped[k] = take_i64(&c);
      if (s->dropped[k] < 0 || s->dropped[k] > s->rows_read - dropped) /* 0 <= dropped <= rows_read: no overflow */
        c.bad = 1;
      else
        dropped += s->dropped[k];
    }
    if (s->rows_read < 0 || dropped > s->rows_read || s->returns < 0 || s->returns > s->rows_read - dropped)
      c.bad = 1;
  }
  if (st == BNDL_OK && !c.bad) {
    uint32_t max_examples = take_u32(&c);
    if (max_examples > 1000)
      c.bad = 1;
    rep->max_examples = (int32_t)max_examples;
    for (int k = 1; k <= BNDL_DROP_REASON_COUNT && st == BNDL_OK && !c.bad; k++) {
      uint32_t n = take_u32(&c);
      if (n > max_examples) {
        c.bad = 1;
        break;
      }
      if (n == 0)
        continue;
      rep->examples[k] = bndl_zalloc_array(ds->alloc, n, sizeof(char *));
      if (rep->examples[k] == NULL) {
        st = BNDL_ERR_OUT_OF_MEMORY;
        break;
      }
      for (uint32_t e = 0; e < n && !c.bad; e++) {
        char *s = take_str(&c, ds->alloc, &st);
        if (s == NULL)
          break;
        rep->examples[k][rep->n_examples[k]++] = s;
      }
    }
  }
  if (st != BNDL_OK)
    return st;
  if (c.bad || c.i != c.n)
    return corrupt(r, "report section is malformed");
  return BNDL_OK;
}

static bndl_status decode_config(const reader *r, bndl_dataset *ds) {
  const view *v = find(r, BNDL_SEC_CONFIG);
  if (v == NULL)
    return corrupt(r, "config section missing");
  cursor c = {v->data, v->length, 0, 0};
  uint32_t n = take_u32(&c);
  if (n > 1000)
    return corrupt(r, "config entry count out of range");
  for (uint32_t i = 0; i < n && !c.bad; i++) {
    bndl_key key = (bndl_key)take_u32(&c);
    uint32_t type = take_u32(&c);
    const bndl_key_info *k = bndl_key_lookup(key);
    if (c.bad || k == NULL || (uint32_t)k->type != type)
      return corrupt(r, "config section names an unknown key or a wrong type");
    bndl_status st;
    if (k->type == BNDL_TYPE_INT) {
      st = bndl_config_put_int(ds->cfg, key, take_i64(&c));
    } else if (k->type == BNDL_TYPE_FLOAT) {
      double f;
      take(&c, &f, 8);
      st = bndl_config_put_float(ds->cfg, key, f);
    } else {
      st = BNDL_OK;
      char *s = take_str(&c, ds->alloc, &st);
      if (s == NULL)
        return st != BNDL_OK ? st : corrupt(r, "config string malformed");
      st = bndl_config_put_string(ds->cfg, key, s);
      bndl_free(ds->alloc, s);
    }
    if (st == BNDL_ERR_OUT_OF_MEMORY)
      return st;
    if (st != BNDL_OK)
      return corrupt(r, "config value outside its key's range");
  }
  if (c.bad || c.i != c.n)
    return corrupt(r, "config section is malformed");
  return BNDL_OK;
}

/* Copies a validated array section into a fresh allocation (+1 so zero counts work). */
static bndl_status copy_array(const reader *r, const bndl_allocator *a, uint32_t tag, uint64_t count, size_t elem,
                              void **out) {
  const void *src = NULL;
  BNDL_TRY(need(r, tag, count, elem, &src));
  void *dst = bndl_alloc_array(a, (size_t)count + 1, elem);
  if (dst == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  if (count)
    memcpy(dst, src, (size_t)(count * elem));
  *out = dst;
  return BNDL_OK;
}

static int ids_in_range(const int32_t *v, uint64_t n, int64_t hi, int allow_none) {
  for (uint64_t i = 0; i < n; i++)
    if (v[i] >= hi || v[i] < (allow_none ? -1 : 0))
      return 0;
  return 1;
}

static int bytes_in_range(const uint8_t *v, uint64_t n, int lo, int hi) {
  for (uint64_t i = 0; i < n; i++)
    if (v[i] < lo || v[i] > hi)
      return 0;
  return 1;
}

/* Offsets [count+1] rise from 0 to blob_len. */
static int offsets_ok(const int64_t *off, uint64_t count, uint64_t blob_len) {
  if (off[0] != 0)
    return 0;
  for (uint64_t i = 0; i < count; i++)
    if (off[i + 1] < off[i])
      return 0;
  return (uint64_t)off[count] == blob_len;
}

#define COPY(tag, count, field) BNDL_TRY(copy_array(r, a, tag, count, sizeof *(field), (void **)&(field)))

static bndl_status decode_rows(const reader *r, bndl_dataset *ds, const int64_t *meta) {
  const bndl_allocator *a = ds->alloc;
  uint64_t ne = (uint64_t)meta[META_N_EVENTS], nr = (uint64_t)meta[META_N_REVIEWS];
  uint64_t nbi = (uint64_t)meta[META_N_BUNDLE_ITEMS], nub = (uint64_t)meta[META_N_USER_BUNDLES];
  int64_t nu = meta[META_N_USERS], ni = meta[META_N_ITEMS], nb = meta[META_N_BUNDLES], nc = meta[META_N_CATEGORIES];
  int64_t no = meta[META_N_ORDERS];
  bndl_event_rows *e = &ds->ev;
  COPY(BNDL_SEC_EV_USER, ne, e->user);
  COPY(BNDL_SEC_EV_ITEM, ne, e->item);
  COPY(BNDL_SEC_EV_ORDER, ne, e->order);
  COPY(BNDL_SEC_EV_TS, ne, e->ts);
  COPY(BNDL_SEC_EV_QTY, ne, e->qty);
  COPY(BNDL_SEC_EV_PRICE, ne, e->price);
  COPY(BNDL_SEC_EV_WEIGHT, ne, e->weight);
  COPY(BNDL_SEC_EV_TYPE, ne, e->type);
  COPY(BNDL_SEC_EV_PART, ne, e->part);
  e->n = e->cap = (size_t)ne;
  if (!ids_in_range(e->user, ne, nu, 0) || !ids_in_range(e->item, ne, ni, 0) || !ids_in_range(e->order, ne, no, 1) ||
      !bytes_in_range(e->type, ne, 1, BNDL_EVENT_TYPE_COUNT) || !bytes_in_range(e->part, ne, 0, BNDL_PART_TEST))
    return corrupt(r, "an event refers to an unknown user, item or order, or has an unknown type or part");
  for (uint64_t i = 0; i < ne; i++) {
    if (!isfinite(e->qty[i]) || e->qty[i] == 0 || (!isnan(e->price[i]) && !(e->price[i] > 0 && isfinite(e->price[i]))) ||
        !isfinite(e->weight[i]) || e->weight[i] < 0)
      return corrupt(r, "an event has an invalid quantity or price");
    if (i && (e->user[i] < e->user[i - 1] || (e->user[i] == e->user[i - 1] && e->ts[i] < e->ts[i - 1])))
      return corrupt(r, "events are not in user-then-time order");
  }
  bndl_review_rows *v = &ds->rv;
  COPY(BNDL_SEC_RV_USER, nr, v->user);
  COPY(BNDL_SEC_RV_ITEM, nr, v->item);
  COPY(BNDL_SEC_RV_CAT, nr, v->category);
  COPY(BNDL_SEC_RV_RATING, nr, v->rating);
  COPY(BNDL_SEC_RV_TS, nr, v->ts);
  COPY(BNDL_SEC_RV_PART, nr, v->part);
  COPY(BNDL_SEC_RV_OFF, nr + 1, v->text_off);
  const view *txt = find(r, BNDL_SEC_RV_TEXT);
  if (txt == NULL || txt->count != txt->length)
    return corrupt(r, "review text section missing or inconsistent");
  v->text.data = bndl_alloc(a, (size_t)txt->length + 1);
  if (v->text.data == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memcpy(v->text.data, txt->data, (size_t)txt->length);
  v->text.len = v->text.cap = (size_t)txt->length;
  v->n = v->cap = (size_t)nr;
  if (!ids_in_range(v->user, nr, nu, 1) || !ids_in_range(v->item, nr, ni, 1) || !ids_in_range(v->category, nr, nc, 1) ||
      !bytes_in_range(v->part, nr, 0, BNDL_PART_TEST) || !offsets_ok(v->text_off, nr, txt->length))
    return corrupt(r, "a review refers to an unknown user, item or category, or its text offsets are wrong");
  for (uint64_t i = 0; i < nr; i++)
    if (!isnan(v->rating[i]) && !isfinite(v->rating[i]))
      return corrupt(r, "a review rating is infinite");
  bndl_pair_rows *bi = &ds->bundle_items, *ub = &ds->user_bundles;
  COPY(BNDL_SEC_BI_BUNDLE, nbi, bi->a);
  COPY(BNDL_SEC_BI_ITEM, nbi, bi->b);
  bi->n = bi->cap = (size_t)nbi;
  COPY(BNDL_SEC_UB_USER, nub, ub->a);
  COPY(BNDL_SEC_UB_BUNDLE, nub, ub->b);
  COPY(BNDL_SEC_UB_TS, nub, ub->ts);
  COPY(BNDL_SEC_UB_PART, nub, ub->part);
  ub->n = ub->cap = (size_t)nub;
  if (!ids_in_range(bi->a, nbi, nb, 0) || !ids_in_range(bi->b, nbi, ni, 0) || !ids_in_range(ub->a, nub, nu, 0) ||
      !ids_in_range(ub->b, nub, nb, 0) || !bytes_in_range(ub->part, nub, 0, BNDL_PART_TEST))
    return corrupt(r, "a bundle row refers to an unknown bundle, item or user");
  for (uint64_t i = 1; i < nbi; i++)
    if (bi->a[i] < bi->a[i - 1])
      return corrupt(r, "bundle membership is not grouped by bundle");
  for (uint64_t i = 1; i < nub; i++)
    if (ub->a[i] < ub->a[i - 1])
      return corrupt(r, "user-bundle rows are not grouped by user");
  /* the unused columns of pair tables exist so later pushes never meet NULL */
  bi->ts = bndl_alloc_array(a, (size_t)nbi + 1, sizeof *bi->ts);
  bi->part = bndl_zalloc(a, (size_t)nbi + 1);
  if (!bi->ts || !bi->part)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (uint64_t i = 0; i < nbi; i++)
    bi->ts[i] = INT64_MIN;
  bndl_catalogue *c = &ds->cat;
  COPY(BNDL_SEC_CAT_PRICE, (uint64_t)ni, c->price);
  COPY(BNDL_SEC_CAT_COST, (uint64_t)ni, c->cost);
  COPY(BNDL_SEC_CAT_STOCK, (uint64_t)ni, c->stock);
  COPY(BNDL_SEC_CAT_CATEGORY, (uint64_t)ni, c->category);
  COPY(BNDL_SEC_CAT_LISTED, (uint64_t)ni, c->listed);
  COPY(BNDL_SEC_CAT_TITLE_OFF, (uint64_t)ni + 1, c->title_off);
  const view *tt = find(r, BNDL_SEC_CAT_TITLES);
  if (tt == NULL || tt->count != tt->length)
    return corrupt(r, "catalogue title section missing or inconsistent");
  c->titles.data = bndl_alloc(a, (size_t)tt->length + 1);
  if (c->titles.data == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memcpy(c->titles.data, tt->data, (size_t)tt->length);
  c->titles.len = c->titles.cap = (size_t)tt->length;
  if (!ids_in_range(c->category, (uint64_t)ni, nc, 1) || !bytes_in_range(c->listed, (uint64_t)ni, 0, 2) ||
      !offsets_ok(c->title_off, (uint64_t)ni, tt->length))
    return corrupt(r, "the catalogue refers to an unknown category or its title offsets are wrong");
  for (int64_t i = 0; i < ni; i++)
    if ((!isnan(c->price[i]) && !(c->price[i] > 0 && isfinite(c->price[i]))) ||
        (!isnan(c->cost[i]) && !(c->cost[i] >= 0 && isfinite(c->cost[i]))) || c->stock[i] < -1)
      return corrupt(r, "a catalogue price, cost or stock is invalid");
  return BNDL_OK;
}

static bndl_status decode_ids(const reader *r, bndl_dataset *ds, const int64_t *meta) {
  static const int meta_of[BNDL_IDS_COUNT] = {META_N_USERS, META_N_ITEMS, META_N_BUNDLES, META_N_CATEGORIES,
                                              META_N_ORDERS};
  for (int k = 0; k < BNDL_IDS_COUNT; k++) {
    int64_t count = meta[meta_of[k]];
    const void *off = NULL;
    BNDL_TRY(need(r, BNDL_SEC_IDS_OFF(k), (uint64_t)count + 1, 8, &off));
    const view *txt = find(r, BNDL_SEC_IDS_TXT(k));
    if (txt == NULL || txt->count != txt->length)
      return corrupt(r, "an id map text section is missing or inconsistent");
    /* A caller's buffer (load_buffer) need not be 8-byte aligned: copy before reading. */
    int64_t *aligned = bndl_alloc_array(ds->alloc, (size_t)count + 1, sizeof *aligned);
    if (aligned == NULL)
      return BNDL_ERR_OUT_OF_MEMORY;
    memcpy(aligned, off, ((size_t)count + 1) * sizeof *aligned);
    bndl_status st = bndl_id_map_restore(&ds->ids->map[k], (int32_t)count, aligned, txt->data, (size_t)txt->length);
    bndl_free(ds->alloc, aligned);
    if (st != BNDL_OK)
      return st == BNDL_ERR_OUT_OF_MEMORY ? st : bndl_error_prefix(st, r->label);
  }
  return BNDL_OK;
}

/* Item text vectors (1.2, optional): both sections and a positive dimension, or none. */
static bndl_status decode_text_vectors(const reader *r, bndl_dataset *ds, const int64_t *meta) {
  const bndl_allocator *a = ds->alloc;
  int64_t dim = meta[META_TEXT_VECTOR_DIM];
  uint64_t ni = (uint64_t)meta[META_N_ITEMS];
  int present = (find(r, BNDL_SEC_TV_DATA) != NULL) + (find(r, BNDL_SEC_TV_HAS) != NULL);
  if (present == 0 && dim == 0)
    return BNDL_OK;
  if (present != 2 || dim < 1 || dim > 65536)
    return corrupt(r, "item text vector sections and their dimension in META disagree");
  bndl_item_text_table *t = &ds->text_vectors;
  COPY(BNDL_SEC_TV_DATA, ni * (uint64_t)dim, t->data);
  COPY(BNDL_SEC_TV_HAS, ni, t->has_text);
  t->rows = (int64_t)ni;
  t->cols = (int32_t)dim;
  if (!bytes_in_range(t->has_text, ni, 0, 1))
    return corrupt(r, "an item text vector flag is not 0 or 1");
  for (uint64_t i = 0; i < ni * (uint64_t)dim; i++)
    if (!(fabsf(t->data[i]) <= 1.0f)) /* unit vectors: NaN and infinities fail too */
      return corrupt(r, "an item text vector value is not finite or outside [-1, 1]");
  return BNDL_OK;
}

/* The text step's results (1.1, optional): review sentiment and item keywords. */
static bndl_status decode_text(const reader *r, bndl_dataset *ds, const int64_t *meta) {
  const bndl_allocator *a = ds->alloc;
  uint64_t nr = (uint64_t)meta[META_N_REVIEWS], ni = (uint64_t)meta[META_N_ITEMS];
  if (find(r, BNDL_SEC_RV_SENTIMENT)) {
    COPY(BNDL_SEC_RV_SENTIMENT, nr, ds->review_sentiment);
    for (uint64_t i = 0; i < nr; i++)
      if (!isnan(ds->review_sentiment[i]) && !(ds->review_sentiment[i] >= -1 && ds->review_sentiment[i] <= 1))
        return corrupt(r, "a review sentiment score is outside [-1, 1]");
  }
  const uint32_t kw_tags[] = {BNDL_SEC_KW_OFF, BNDL_SEC_KW_WORD, BNDL_SEC_KW_SCORE, BNDL_SEC_KW_WORD_OFF,
                              BNDL_SEC_KW_TEXT};
  int present = 0;
  for (int k = 0; k < 5; k++)
    present += find(r, kw_tags[k]) != NULL;
  if (present == 0)
    return decode_text_vectors(r, ds, meta);
  if (present != 5)
    return corrupt(r, "some keyword sections are missing");
  bndl_item_keywords *kw = &ds->keywords;
  const view *words = find(r, BNDL_SEC_KW_WORD), *wo = find(r, BNDL_SEC_KW_WORD_OFF), *txt = find(r, BNDL_SEC_KW_TEXT);
  if (wo->count == 0 || wo->count - 1 > INT32_MAX || txt->count != txt->length)
    return corrupt(r, "keyword word table is inconsistent");
  uint64_t nk = words->count, nw = wo->count - 1;
  COPY(BNDL_SEC_KW_OFF, ni + 1, kw->offsets);
  COPY(BNDL_SEC_KW_WORD, nk, kw->word);
  COPY(BNDL_SEC_KW_SCORE, nk, kw->score);
  COPY(BNDL_SEC_KW_WORD_OFF, nw + 1, kw->word_off);
  kw->n_words = (int64_t)nw;
  kw->text = bndl_alloc(a, (size_t)txt->length + 1);
  if (kw->text == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  memcpy(kw->text, txt->data, (size_t)txt->length);
  if (!offsets_ok(kw->offsets, ni, nk) || !offsets_ok(kw->word_off, nw, txt->length) ||
      !ids_in_range(kw->word, nk, (int64_t)nw, 0))
    return corrupt(r, "keyword offsets or word indices are out of range");
  for (uint64_t w = 0; w < nw; w++) {
    int64_t lo = kw->word_off[w], hi = kw->word_off[w + 1];
    if (hi - lo < 2 || kw->text[hi - 1] != '\0' || memchr(kw->text + lo, '\0', (size_t)(hi - lo - 1)))
      return corrupt(r, "a keyword is empty or not one NUL-terminated string");
  }
  for (uint64_t k = 0; k < nk; k++)
    if (!isfinite(kw->score[k]))
      return corrupt(r, "a keyword score is not finite");
  return decode_text_vectors(r, ds, meta);
}

static bndl_status build_frozen(bndl_dataset *ds) {
  const bndl_allocator *a = ds->alloc;
  int32_t nu = bndl_dataset_n(ds, BNDL_IDS_USER), nb = bndl_dataset_n(ds, BNDL_IDS_BUNDLE);
  ds->user_offsets = bndl_zalloc_array(a, (size_t)nu + 1, sizeof *ds->user_offsets);
  ds->bundle_indptr = bndl_zalloc_array(a, (size_t)nb + 1, sizeof *ds->bundle_indptr);
  ds->bundle_members = bndl_alloc_array(a, ds->bundle_items.n + 1, sizeof *ds->bundle_members);
  if (!ds->user_offsets || !ds->bundle_indptr || !ds->bundle_members)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (size_t i = 0; i < ds->ev.n; i++)
    ds->user_offsets[ds->ev.user[i] + 1]++;
  for (int32_t u = 0; u < nu; u++)
    ds->user_offsets[u + 1] += ds->user_offsets[u];
  for (size_t i = 0; i < ds->bundle_items.n; i++) {
    ds->bundle_indptr[ds->bundle_items.a[i] + 1]++;
    ds->bundle_members[i] = ds->bundle_items.b[i];
  }
  for (int32_t b = 0; b < nb; b++)
    ds->bundle_indptr[b + 1] += ds->bundle_indptr[b];
  BNDL_TRY(bndl_build_interactions(ds));
  BNDL_TRY(bndl_build_features(ds));
  ds->finalized = 1;
  return BNDL_OK;
}

bndl_status bndl_snapshot_decode(bndl_context *ctx, const void *data, size_t len, const char *label,
                                 bndl_dataset **out) {
  reader r;
  memset(&r, 0, sizeof r);
  r.buf = data;
  r.len = len;
  r.label = label;
  BNDL_TRY(parse_header(&r));
  const int64_t *meta_src;
  const view *mv = find(&r, BNDL_SEC_META);
  if (mv == NULL || mv->count < META_COUNT_1_0 || mv->length != mv->count * 8)
    return corrupt(&r, "META section missing or too short");
  meta_src = (const int64_t *)mv->data;
  int64_t meta[META_COUNT] = {0}; /* entries a 1.0 file lacks read as 0 */
  memcpy(meta, meta_src, (size_t)(mv->count < META_COUNT ? mv->count : META_COUNT) * 8);
  for (int k = 0; k <= META_N_USER_BUNDLES; k++)
    if (meta[k] < 0 || (k <= META_N_ORDERS && meta[k] > INT32_MAX - 1) || (uint64_t)meta[k] > len)
      return corrupt(&r, "a count in META is negative or larger than the file could hold");
  if ((meta[META_HAS_REAL_TIME] & ~1) || (meta[META_HAS_ORDINAL_TIME] & ~1) ||
      (meta[META_HAS_REAL_TIME] && meta[META_HAS_ORDINAL_TIME]) || meta[META_API_CALLS] < 0 ||
      meta[META_API_CALLS] > INT32_MAX || (meta[META_TEXT_FEATURES] & ~1))
    return corrupt(&r, "META flags are invalid");
  /* every section this reader knows, none it does not */
  for (int i = 0; i < r.n; i++) {
    uint32_t t = r.tags[i];
    int known = t == BNDL_SEC_META || t == BNDL_SEC_REPORT || t == BNDL_SEC_CONFIG;
    for (int k = 0; k < BNDL_IDS_COUNT; k++)
      known |= t == BNDL_SEC_IDS_OFF(k) || t == BNDL_SEC_IDS_TXT(k);
    const uint32_t rows[] = {BNDL_SEC_EV_USER, BNDL_SEC_EV_ITEM, BNDL_SEC_EV_ORDER, BNDL_SEC_EV_TS, BNDL_SEC_EV_QTY,
                             BNDL_SEC_EV_PRICE, BNDL_SEC_EV_WEIGHT, BNDL_SEC_EV_TYPE, BNDL_SEC_EV_PART, BNDL_SEC_RV_USER, BNDL_SEC_RV_ITEM,
                             BNDL_SEC_RV_CAT, BNDL_SEC_RV_RATING, BNDL_SEC_RV_TS, BNDL_SEC_RV_PART, BNDL_SEC_RV_OFF,
                             BNDL_SEC_RV_TEXT, BNDL_SEC_BI_BUNDLE, BNDL_SEC_BI_ITEM, BNDL_SEC_UB_USER,
                             BNDL_SEC_UB_BUNDLE, BNDL_SEC_UB_TS, BNDL_SEC_UB_PART, BNDL_SEC_CAT_PRICE,
                             BNDL_SEC_CAT_COST, BNDL_SEC_CAT_STOCK, BNDL_SEC_CAT_CATEGORY, BNDL_SEC_CAT_LISTED,
                             BNDL_SEC_CAT_TITLE_OFF, BNDL_SEC_CAT_TITLES, BNDL_SEC_RV_SENTIMENT,
                             BNDL_SEC_KW_OFF, BNDL_SEC_KW_WORD, BNDL_SEC_KW_SCORE, BNDL_SEC_KW_WORD_OFF,
                             BNDL_SEC_KW_TEXT, BNDL_SEC_TV_DATA, BNDL_SEC_TV_HAS};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
      known |= t == rows[k];
    if (!known) {
      char tt[5];
      tag_text(t, tt);
      return bndl_fail(BNDL_ERR_FORMAT, "'%s': unknown section %s", label, tt);
    }
  }
  bndl_dataset *ds;
  BNDL_TRY(bndl_dataset_new(ctx, NULL, &ds));
  bndl_status st = decode_ids(&r, ds, meta);
  if (st == BNDL_OK)
    st = decode_config(&r, ds);
  if (st == BNDL_OK)
    st = decode_report(&r, ds);
  if (st == BNDL_OK)
    st = decode_rows(&r, ds, meta);
  if (st == BNDL_OK) {
    ds->has_real_time = (int)meta[META_HAS_REAL_TIME];
    ds->has_ordinal_time = (int)meta[META_HAS_ORDINAL_TIME];
    ds->reference_time = meta[META_REFERENCE_TIME];
    ds->api_calls = (int32_t)meta[META_API_CALLS];
    ds->text_features = (int)meta[META_TEXT_FEATURES];
    st = decode_text(&r, ds, meta);
  }
  if (st == BNDL_OK) {
    st = build_frozen(ds);
  }
  if (st != BNDL_OK) {
    bndl_dataset_destroy(ds);
    return st;
  }
  *out = ds;
  return BNDL_OK;
}
