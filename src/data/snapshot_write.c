/*
 * snapshot_write.c - dataset -> snapshot bytes, and atomic file writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle/bundle_version.h"
#include "core/alloc.h"
#include "core/crc32.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "data/snapshot.h"
#include "data/snapshot_format.h"

typedef struct section {
  uint32_t tag;
  const void *data;
  uint64_t length, count;
} section;

enum { MAX_SECTIONS = 64 };

typedef struct writer {
  section s[MAX_SECTIONS];
  int n;
} writer;

static void add(writer *w, uint32_t tag, const void *data, uint64_t count, size_t elem) {
  w->s[w->n].tag = tag;
  w->s[w->n].data = data;
  w->s[w->n].count = count;
  w->s[w->n].length = count * elem;
  w->n++;
}

static void put_u32(bndl_strbuf *b, uint32_t v) { bndl_strbuf_append(b, (const char *)&v, 4); }
static void put_i64(bndl_strbuf *b, int64_t v) { bndl_strbuf_append(b, (const char *)&v, 8); }
static void put_str(bndl_strbuf *b, const char *s) {
  size_t n = strlen(s);
  put_u32(b, (uint32_t)n);
  bndl_strbuf_append(b, s, n);
}

static void encode_report(const bndl_report *r, bndl_strbuf *b) {
  put_i64(b, (int64_t)r->n_sources);
  for (size_t i = 0; i < r->n_sources; i++) {
    const bndl_source *s = &r->sources[i];
    put_u32(b, (uint32_t)s->kind);
    put_str(b, s->label);
    put_i64(b, s->rows_read);
    put_i64(b, s->returns);
    for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++)
      put_i64(b, s->dropped[k]);
  }
  put_u32(b, (uint32_t)r->max_examples);
  for (int k = 1; k <= BNDL_DROP_REASON_COUNT; k++) {
    put_u32(b, (uint32_t)r->n_examples[k]);
    for (int32_t e = 0; e < r->n_examples[k]; e++)
      put_str(b, r->examples[k][e]);
  }
}

static void encode_config(const bndl_config *c, bndl_strbuf *b) {
  put_u32(b, (uint32_t)c->n);
  for (size_t i = 0; i < c->n; i++) {
    const bndl_config_entry *e = &c->entries[i];
    const bndl_key_info *k = bndl_key_lookup(e->key);
    put_u32(b, (uint32_t)e->key);
    put_u32(b, (uint32_t)k->type);
    if (k->type == BNDL_TYPE_INT)
      put_i64(b, e->i);
    else if (k->type == BNDL_TYPE_FLOAT)
      bndl_strbuf_append(b, (const char *)&e->f, 8);
    else
      put_str(b, e->s);
  }
}

bndl_status bndl_snapshot_encode(const bndl_dataset *ds, char **out, size_t *out_len) {
  const bndl_allocator *a = ds->alloc;
  const bndl_id_maps *ids = ds->ids;
  int64_t n_items = ids->map[BNDL_IDS_ITEM].count;
  int64_t meta[META_COUNT] = {0};
  meta[META_N_USERS] = ids->map[BNDL_IDS_USER].count;
  meta[META_N_ITEMS] = n_items;
  meta[META_N_BUNDLES] = ids->map[BNDL_IDS_BUNDLE].count;
  meta[META_N_CATEGORIES] = ids->map[BNDL_IDS_CATEGORY].count;
  meta[META_N_ORDERS] = ids->map[BNDL_IDS_ORDER].count;
  meta[META_N_EVENTS] = (int64_t)ds->ev.n;
  meta[META_N_REVIEWS] = (int64_t)ds->rv.n;
  meta[META_N_BUNDLE_ITEMS] = (int64_t)ds->bundle_items.n;
  meta[META_N_USER_BUNDLES] = (int64_t)ds->user_bundles.n;
  meta[META_HAS_REAL_TIME] = ds->has_real_time;
  meta[META_HAS_ORDINAL_TIME] = ds->has_ordinal_time;
  meta[META_REFERENCE_TIME] = ds->reference_time;
  meta[META_API_CALLS] = ds->api_calls;
  meta[META_TEXT_FEATURES] = ds->text_features;
  meta[META_TEXT_VECTOR_DIM] = ds->text_vectors.data ? ds->text_vectors.cols : 0;
  static const int64_t zero_offset = 0;

  bndl_strbuf rep, conf;
  bndl_strbuf_init(&rep, a);
  bndl_strbuf_init(&conf, a);
  encode_report(&ds->report, &rep);
  encode_config(ds->cfg, &conf);
  if (rep.status != BNDL_OK || conf.status != BNDL_OK) {
    bndl_strbuf_free(&rep);
    bndl_strbuf_free(&conf);
    return BNDL_ERR_OUT_OF_MEMORY;
  }

  writer w;
  w.n = 0;
  add(&w, BNDL_SEC_META, meta, META_COUNT, 8);
  for (int k = 0; k < BNDL_IDS_COUNT; k++) {
    const bndl_id_map *m = &ids->map[k];
    /* an empty map has no offsets array; its single offset is 0 */
    add(&w, BNDL_SEC_IDS_OFF(k), m->count ? (const void *)m->offsets : (const void *)&zero_offset,
        (uint64_t)m->count + 1, 8);
    add(&w, BNDL_SEC_IDS_TXT(k), m->bytes, m->count ? m->bytes_len : 0, 1);
  }
  const bndl_event_rows *e = &ds->ev;
  add(&w, BNDL_SEC_EV_USER, e->user, e->n, 4);
  add(&w, BNDL_SEC_EV_ITEM, e->item, e->n, 4);
  add(&w, BNDL_SEC_EV_ORDER, e->order, e->n, 4);
  add(&w, BNDL_SEC_EV_TS, e->ts, e->n, 8);
  add(&w, BNDL_SEC_EV_QTY, e->qty, e->n, 8);
  add(&w, BNDL_SEC_EV_PRICE, e->price, e->n, 8);
  add(&w, BNDL_SEC_EV_WEIGHT, e->weight, e->n, 8);
  add(&w, BNDL_SEC_EV_TYPE, e->type, e->n, 1);
  add(&w, BNDL_SEC_EV_PART, e->part, e->n, 1);
  const bndl_review_rows *r = &ds->rv;
  add(&w, BNDL_SEC_RV_USER, r->user, r->n, 4);
  add(&w, BNDL_SEC_RV_ITEM, r->item, r->n, 4);
  add(&w, BNDL_SEC_RV_CAT, r->category, r->n, 4);
  add(&w, BNDL_SEC_RV_RATING, r->rating, r->n, 8);
  add(&w, BNDL_SEC_RV_TS, r->ts, r->n, 8);
  add(&w, BNDL_SEC_RV_PART, r->part, r->n, 1);
  add(&w, BNDL_SEC_RV_OFF, r->n ? (const void *)r->text_off : (const void *)&zero_offset, r->n + 1, 8);
  add(&w, BNDL_SEC_RV_TEXT, r->text.data, r->text.len, 1);
  add(&w, BNDL_SEC_BI_BUNDLE, ds->bundle_items.a, ds->bundle_items.n, 4);
  add(&w, BNDL_SEC_BI_ITEM, ds->bundle_items.b, ds->bundle_items.n, 4);
  add(&w, BNDL_SEC_UB_USER, ds->user_bundles.a, ds->user_bundles.n, 4);
  add(&w, BNDL_SEC_UB_BUNDLE, ds->user_bundles.b, ds->user_bundles.n, 4);
  add(&w, BNDL_SEC_UB_TS, ds->user_bundles.ts, ds->user_bundles.n, 8);
  add(&w, BNDL_SEC_UB_PART, ds->user_bundles.part, ds->user_bundles.n, 1);
  const bndl_catalogue *c = &ds->cat;
  add(&w, BNDL_SEC_CAT_PRICE, c->price, (uint64_t)n_items, 8);
  add(&w, BNDL_SEC_CAT_COST, c->cost, (uint64_t)n_items, 8);
  add(&w, BNDL_SEC_CAT_STOCK, c->stock, (uint64_t)n_items, 8);
  add(&w, BNDL_SEC_CAT_CATEGORY, c->category, (uint64_t)n_items, 4);
  add(&w, BNDL_SEC_CAT_LISTED, c->listed, (uint64_t)n_items, 1);
  add(&w, BNDL_SEC_CAT_TITLE_OFF, c->title_off, (uint64_t)n_items + 1, 8);
  add(&w, BNDL_SEC_CAT_TITLES, c->titles.data, c->titles.len, 1);
  if (ds->review_sentiment)
    add(&w, BNDL_SEC_RV_SENTIMENT, ds->review_sentiment, r->n, 8);
  const bndl_item_keywords *kw = &ds->keywords;
  if (kw->offsets) {
    uint64_t nk = (uint64_t)kw->offsets[n_items];
    add(&w, BNDL_SEC_KW_OFF, kw->offsets, (uint64_t)n_items + 1, 8);
    add(&w, BNDL_SEC_KW_WORD, kw->word, nk, 4);
    add(&w, BNDL_SEC_KW_SCORE, kw->score, nk, 4);
    add(&w, BNDL_SEC_KW_WORD_OFF, kw->word_off, (uint64_t)kw->n_words + 1, 8);
    add(&w, BNDL_SEC_KW_TEXT, kw->text, (uint64_t)kw->word_off[kw->n_words], 1);
  }
  const bndl_item_text_table *tv = &ds->text_vectors;
  if (tv->data) {
    add(&w, BNDL_SEC_TV_DATA, tv->data, (uint64_t)n_items * (uint64_t)tv->cols, 4);
    add(&w, BNDL_SEC_TV_HAS, tv->has_text, (uint64_t)n_items, 1);
  }
  add(&w, BNDL_SEC_REPORT, rep.data, rep.len, 1);
  add(&w, BNDL_SEC_CONFIG, conf.data, conf.len, 1);

  /* layout */
  uint64_t pos = BNDL_SNAPSHOT_HEADER_SIZE + (uint64_t)w.n * BNDL_SNAPSHOT_ENTRY_SIZE;
  uint64_t offsets[MAX_SECTIONS];
  for (int i = 0; i < w.n; i++) {
    pos = (pos + BNDL_SNAPSHOT_ALIGN - 1) / BNDL_SNAPSHOT_ALIGN * BNDL_SNAPSHOT_ALIGN;
    offsets[i] = pos;
    pos += w.s[i].length;
  }
  uint64_t size = pos;
  char *buf = bndl_zalloc(a, (size_t)size);
  if (buf == NULL) {
    bndl_strbuf_free(&rep);
    bndl_strbuf_free(&conf);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  char *table = buf + BNDL_SNAPSHOT_HEADER_SIZE;
  for (int i = 0; i < w.n; i++) {
    if (w.s[i].length)
      memcpy(buf + offsets[i], w.s[i].data, (size_t)w.s[i].length);
    uint32_t crc = bndl_crc32(0, buf + offsets[i], (size_t)w.s[i].length);
    char *ent = table + (size_t)i * BNDL_SNAPSHOT_ENTRY_SIZE;
    memcpy(ent, &w.s[i].tag, 4);
    memcpy(ent + 4, &crc, 4);
    memcpy(ent + 8, &offsets[i], 8);
    memcpy(ent + 16, &w.s[i].length, 8);
    memcpy(ent + 24, &w.s[i].count, 8);
  }
  bndl_strbuf_free(&rep);
  bndl_strbuf_free(&conf);
  /* header */
  uint16_t major = BNDL_DATASET_FORMAT_MAJOR, minor = BNDL_DATASET_FORMAT_MINOR;
  uint32_t header_size = BNDL_SNAPSHOT_HEADER_SIZE, endian = BNDL_SNAPSHOT_ENDIAN_MARK, n_sec = (uint32_t)w.n;
  memcpy(buf, BNDL_SNAPSHOT_MAGIC, 8);
  memcpy(buf + 8, &major, 2);
  memcpy(buf + 10, &minor, 2);
  memcpy(buf + 12, &header_size, 4);
  memcpy(buf + 16, &endian, 4);
  memcpy(buf + 20, &n_sec, 4);
  memcpy(buf + 24, &size, 8);
  snprintf(buf + 32, 24, "libbundle %s", BNDL_VERSION_STRING);
  uint32_t table_crc = bndl_crc32(0, table, (size_t)w.n * BNDL_SNAPSHOT_ENTRY_SIZE);
  memcpy(buf + 56, &table_crc, 4);
  uint32_t header_crc = bndl_crc32(0, buf, 60);
  memcpy(buf + 60, &header_crc, 4);
  *out = buf;
  *out_len = (size_t)size;
  return BNDL_OK;
}

static bndl_status write_all(int fd, const char *path, const void *data, size_t len) {
  const char *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return bndl_fail(BNDL_ERR_IO, "writing '%s' failed: %s", path, n < 0 ? strerror(errno) : "no progress");
    p += n;
    len -= (size_t)n;
  }
  return BNDL_OK;
}

bndl_status bndl_write_file_atomic(const char *path, const void *data, size_t len) {
  size_t plen = strlen(path);
  char tmp[4096], dir[4096];
  if (plen + 16 > sizeof tmp)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "path '%s' is too long", path);
  snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0)
    return bndl_fail(BNDL_ERR_IO, "cannot create a temporary file next to '%s': %s", path, strerror(errno));
  bndl_status st = write_all(fd, tmp, data, len);
  if (st == BNDL_OK && fsync(fd) != 0)
    st = bndl_fail(BNDL_ERR_IO, "fsync of '%s' failed: %s", tmp, strerror(errno));
  if (close(fd) != 0 && st == BNDL_OK)
    st = bndl_fail(BNDL_ERR_IO, "close of '%s' failed: %s", tmp, strerror(errno));
  if (st == BNDL_OK && rename(tmp, path) != 0)
    st = bndl_fail(BNDL_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
  if (st != BNDL_OK) {
    unlink(tmp);
    return st;
  }
  /* Make the rename itself durable. */
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *(slash == dir ? slash + 1 : slash) = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    if (fsync(dfd) != 0 && errno != EINVAL)
      st = bndl_fail(BNDL_ERR_IO, "fsync of folder '%s' failed: %s", dir, strerror(errno));
    close(dfd);
  }
  return st;
}

bndl_status bndl_read_file(const bndl_allocator *a, const char *path, size_t max_bytes, char **out, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return bndl_fail(BNDL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0 || lseek(fd, 0, SEEK_SET) != 0) {
    bndl_status st = bndl_fail(BNDL_ERR_IO, "cannot seek in '%s': %s", path, strerror(errno));
    close(fd);
    return st;
  }
  if ((uint64_t)size > max_bytes) {
    close(fd);
    return bndl_fail(BNDL_ERR_LIMIT, "'%s' is %lld bytes, over the limit of %zu", path, (long long)size, max_bytes);
  }
  char *buf = bndl_alloc(a, (size_t)size + 1);
  if (buf == NULL) {
    close(fd);
    return BNDL_ERR_OUT_OF_MEMORY;
  }
  size_t done = 0;
  while (done < (size_t)size) {
    ssize_t n = read(fd, buf + done, (size_t)size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      bndl_status st = bndl_fail(BNDL_ERR_IO, "reading '%s' failed: %s", path, n < 0 ? strerror(errno) : "file shrank");
      bndl_free(a, buf);
      close(fd);
      return st;
    }
    done += (size_t)n;
  }
  close(fd);
  *out = buf;
  *len = done;
  return BNDL_OK;
}

bndl_status bndl_write_encoded(const bndl_allocator *a, const char *path, bndl_status st, char *data, size_t len) {
  if (st != BNDL_OK)
    return st;
  st = bndl_write_file_atomic(path, data, len);
  bndl_free(a, data);
  return st;
}
