/*
 * eval_sentiment_lexicon.c - accuracy of lexicon sentiment (bndl_lexicon_score) on the
 * review corpora of ../shared/data, on all labelled rows and on the held-out 20% of
 * text_eval_split.h (the rows the trained classifier is scored on).
 *
 *   eval_sentiment_lexicon [--data DIR] [--lexicons DIR] [--load FORMAT=PATH]...
 *                          [--part all|train|test] [--errors N] [DATASET...]
 *
 * DATASET: shopping (online_shopping_10_cats), waimai (waimai_10k), hotel
 * (ChnSentiCorp_htl_all), beauty (All_Beauty_5: rating >= 4 positive, <= 2 negative, 3
 * skipped; text = reviewText + ". " + summary), cells (amazon_cells_labelled); default all
 * five. Rows come through the presets exactly as in eval_text_classifier (the static
 * library is linked only to read review texts and ratings, which bundle.h does not
 * expose); All_Beauty's summaries, which the preset does not read, are taken from the
 * same JSON lines by line number.
 *
 * The lexicon is bndl_lexicon_load_dir(--lexicons, default DATA/lexicons), or, with
 * --load, only the files given (for ablations).
 *
 * Prediction: sign of the score. A score of exactly 0 (no sentiment word, or cancelling
 * ones) is reported three ways: counted wrong ("accuracy"), given the majority class
 * ("accuracy_majority": the majority of the training positions, so the held-out rows are
 * never looked at), and left out ("accuracy_covered", over the rows with a non-zero
 * score); "coverage" is the fraction with a non-zero score. --part train evaluates the
 * training positions only (what the rules were tuned on), test the held-out ones, all
 * (default) both plus all rows. --errors N prints N misclassified held-out texts per
 * dataset to stderr. One JSON line per dataset and part.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"
#include "core/alloc.h"
#include "core/json_scan.h"
#include "core/strbuf.h"
#include "data/dataset.h"
#include "data/input.h"
#include "text_eval_split.h"

enum { MAX_LOADS = 32 };

typedef struct source {
  const char *name, *file, *preset;
  double pos_min, neg_max;
  int summary; /* append the JSON "summary" field */
} source;

static const source sources[] = {
    {"shopping", "reviews_zh/online_shopping_10_cats.csv.gz", "reviews_zh_shopping", 1, 0, 0},
    {"waimai", "reviews_zh/waimai_10k.csv.gz", "reviews_zh", 1, 0, 0},
    {"hotel", "reviews_zh/ChnSentiCorp_htl_all.csv.gz", "reviews_zh", 1, 0, 0},
    {"beauty", "reviews_en/All_Beauty_5.json.gz", "amazon_reviews_json", 4, 2, 1},
    {"cells", "reviews_en/amazon_cells_labelled.txt", "amazon_cells", 1, 0, 0},
};
enum { N_SOURCES = sizeof sources / sizeof sources[0] };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return;
  fprintf(stderr, "eval_sentiment_lexicon: %s failed: %s (%s)\n", what, bndl_last_error_message(),
          bndl_status_str(st));
  exit(1);
}

typedef struct rows {
  int64_t n;
  char **text; /* owned copies (beauty: review + summary) */
  size_t *len;
  int32_t *label;
} rows;

/* "summary" of every line of a JSON-lines file, indexed by 1-based line (NULL when
 * absent). */
static char **read_summaries(const char *path, int64_t *n_lines) {
  bndl_input in;
  die(bndl_input_open(&in, bndl_default_allocator(), path), path);
  int64_t cap = 1024, n = 0;
  char **out = calloc((size_t)cap, sizeof *out);
  bndl_strbuf key, val;
  bndl_strbuf_init(&key, bndl_default_allocator());
  bndl_strbuf_init(&val, bndl_default_allocator());
  for (;;) {
    const char *b = in.buf + in.begin;
    const char *nl = memchr(b, '\n', in.end - in.begin);
    if (nl == NULL && !in.eof) {
      die(bndl_input_more(&in, (size_t)1 << 26), path);
      continue;
    }
    size_t len = nl ? (size_t)(nl - b) : in.end - in.begin;
    if (len == 0 && nl == NULL)
      break;
    if (++n >= cap) {
      out = realloc(out, (size_t)cap * 2 * sizeof *out);
      memset(out + cap, 0, (size_t)cap * sizeof *out);
      cap *= 2;
    }
    bndl_json j;
    bndl_json_init(&j, b, len);
    int first = 1;
    if (bndl_json_enter(&j, '{'))
      while (bndl_json_next(&j, '}', &first)) {
        key.len = 0;
        if (!bndl_json_key(&j, &key))
          break;
        if (key.len == 7 && memcmp(key.data, "summary", 7) == 0 && bndl_json_peek(&j) == BNDL_JSON_STRING) {
          val.len = 0;
          if (bndl_json_string(&j, &val))
            out[n] = strndup(val.data ? val.data : "", val.len);
        } else if (!bndl_json_skip(&j)) {
          break;
        }
      }
    in.begin += nl ? len + 1 : len;
  }
  bndl_strbuf_free(&key);
  bndl_strbuf_free(&val);
  bndl_input_close(&in);
  *n_lines = n;
  return out;
}

/* The labelled reviews of ds in load order (text_eval_split.h's rows). */
static void labelled_rows(const bndl_dataset *ds, const source *s, const char *path, rows *r) {
  const bndl_review_rows *rv = &ds->rv;
  int64_t n_lines = 0;
  char **summaries = s->summary ? read_summaries(path, &n_lines) : NULL;
  r->text = malloc((rv->n + 1) * sizeof *r->text);
  r->len = malloc((rv->n + 1) * sizeof *r->len);
  r->label = malloc((rv->n + 1) * sizeof *r->label);
  r->n = 0;
  for (size_t i = 0; i < rv->n; i++) {
    double g = rv->rating[i];
    int label = g >= s->pos_min ? 1 : g <= s->neg_max ? 0 : -1;
    if (label < 0)
      continue;
    const char *t = rv->text.data + rv->text_off[i];
    size_t tl = (size_t)(rv->text_off[i + 1] - rv->text_off[i]);
    const char *sum = summaries && rv->line[i] >= 1 && rv->line[i] <= n_lines ? summaries[rv->line[i]] : NULL;
    size_t sl = sum ? strlen(sum) : 0;
    char *c = malloc(tl + sl + 3);
    memcpy(c, t, tl);
    size_t cl = tl;
    if (sl > 0) {
      if (cl > 0) {
        memcpy(c + cl, ". ", 2);
        cl += 2;
      }
      memcpy(c + cl, sum, sl);
      cl += sl;
    }
    c[cl] = '\0';
    r->text[r->n] = c;
    r->len[r->n] = cl;
    r->label[r->n] = label;
    r->n++;
  }
  for (int64_t i = 0; summaries && i <= n_lines; i++)
    free(summaries[i]);
  free(summaries);
}

typedef struct tally {
  int64_t n, pos, correct, correct_majority, covered, covered_correct, pos_correct, neg_correct;
} tally;

static void add(tally *t, int label, double score, int majority) {
  t->n++;
  t->pos += label;
  int pred = score > 0 ? 1 : score < 0 ? 0 : -1;
  t->correct += pred == label;
  t->pos_correct += pred == label && label == 1;
  t->neg_correct += pred == label && label == 0;
  t->correct_majority += (pred < 0 ? majority : pred) == label;
  if (pred >= 0) {
    t->covered++;
    t->covered_correct += pred == label;
  }
}

static void print_tally(const char *dataset, const char *part, const tally *t, int majority, double score_s,
                        const char *lexicons) {
  printf("{\"dataset\":\"%s\",\"part\":\"%s\",\"rows\":%lld,\"positive\":%lld,\"accuracy\":%.4f,"
         "\"accuracy_majority\":%.4f,\"majority\":%d,\"coverage\":%.4f,\"accuracy_covered\":%.4f,"
         "\"recall_pos\":%.4f,\"recall_neg\":%.4f,\"score_s\":%.3f,\"lexicons\":\"%s\"}\n",
         dataset, part, (long long)t->n, (long long)t->pos, t->n ? (double)t->correct / (double)t->n : NAN,
         t->n ? (double)t->correct_majority / (double)t->n : NAN, majority,
         t->n ? (double)t->covered / (double)t->n : NAN,
         t->covered ? (double)t->covered_correct / (double)t->covered : NAN,
         t->pos ? (double)t->pos_correct / (double)t->pos : NAN,
         t->n > t->pos ? (double)t->neg_correct / (double)(t->n - t->pos) : NAN, score_s, lexicons);
}

int main(int argc, char **argv) {
  const char *data = BNDL_SHARED_DATA_DIR, *lexdir = NULL, *part = "all";
  const char *loads[MAX_LOADS];
  int n_loads = 0, n_errors = 0;
  const char *only[N_SOURCES];
  int n_only = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
      data = argv[++i];
    else if (strcmp(argv[i], "--lexicons") == 0 && i + 1 < argc)
      lexdir = argv[++i];
    else if (strcmp(argv[i], "--load") == 0 && i + 1 < argc && n_loads < MAX_LOADS)
      loads[n_loads++] = argv[++i];
    else if (strcmp(argv[i], "--part") == 0 && i + 1 < argc)
      part = argv[++i];
    else if (strcmp(argv[i], "--errors") == 0 && i + 1 < argc)
      n_errors = atoi(argv[++i]);
    else if (argv[i][0] != '-' && n_only < N_SOURCES)
      only[n_only++] = argv[i];
    else {
      fprintf(stderr, "usage: eval_sentiment_lexicon [--data DIR] [--lexicons DIR] [--load FORMAT=PATH]... "
                      "[--part all|train|test] [--errors N] [shopping|waimai|hotel|beauty|cells]...\n");
      return 2;
    }
  }
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = 1;
  bndl_context *ctx;
  die(bndl_context_create(&desc, &ctx), "bndl_context_create");
  bndl_lexicon *lex;
  die(bndl_lexicon_create(ctx, &lex), "bndl_lexicon_create");
  char lexdesc[512] = "";
  if (n_loads == 0) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/lexicons", data);
    die(bndl_lexicon_load_dir(lex, lexdir ? lexdir : dir), "bndl_lexicon_load_dir");
    snprintf(lexdesc, sizeof lexdesc, "load_dir");
  }
  for (int i = 0; i < n_loads; i++) {
    char fmt[64];
    const char *eq = strchr(loads[i], '=');
    if (eq == NULL || (size_t)(eq - loads[i]) >= sizeof fmt) {
      fprintf(stderr, "eval_sentiment_lexicon: --load wants FORMAT=PATH, not '%s'\n", loads[i]);
      return 2;
    }
    memcpy(fmt, loads[i], (size_t)(eq - loads[i]));
    fmt[eq - loads[i]] = '\0';
    die(bndl_lexicon_load(lex, eq + 1, fmt), loads[i]);
    const char *base = strrchr(eq + 1, '/');
    size_t used = strlen(lexdesc);
    snprintf(lexdesc + used, sizeof lexdesc - used, "%s%s", i ? "+" : "", base ? base + 1 : eq + 1);
  }
  for (int k = 0; k < N_SOURCES; k++) {
    const source *s = &sources[k];
    int wanted = n_only == 0;
    for (int o = 0; o < n_only; o++)
      wanted |= strcmp(only[o], s->name) == 0;
    if (!wanted)
      continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data, s->file);
    bndl_dataset *ds;
    bndl_table_spec *spec;
    die(bndl_dataset_create(ctx, &ds), "bndl_dataset_create");
    die(bndl_table_spec_preset(s->preset, &spec), s->preset);
    die(bndl_dataset_load_table(ds, path, spec), path);
    die(bndl_dataset_finalize(ds), "bndl_dataset_finalize");
    bndl_table_spec_free(spec);
    rows r;
    labelled_rows(ds, s, path, &r);
    int64_t *perm = malloc((size_t)(r.n + 1) * sizeof *perm);
    text_eval_shuffle(perm, r.n);
    int64_t n_train = text_eval_n_train(r.n);
    int64_t train_pos = 0;
    for (int64_t p = 0; p < n_train; p++)
      train_pos += r.label[perm[p]];
    int majority = 2 * train_pos >= n_train;
    double *score = malloc((size_t)(r.n + 1) * sizeof *score);
    double t0 = now_s();
    for (int64_t i = 0; i < r.n; i++)
      die(bndl_lexicon_score(lex, r.text[i], r.len[i], &score[i]), "bndl_lexicon_score");
    double score_s = now_s() - t0;
    tally all = {0}, train = {0}, test = {0};
    for (int64_t p = 0; p < r.n; p++) {
      int64_t i = perm[p];
      add(&all, r.label[i], score[i], majority);
      add(p < n_train ? &train : &test, r.label[i], score[i], majority);
    }
    if (strcmp(part, "all") == 0) {
      print_tally(s->name, "all", &all, majority, score_s, lexdesc);
      print_tally(s->name, "test", &test, majority, score_s, lexdesc);
    } else {
      print_tally(s->name, part, strcmp(part, "train") == 0 ? &train : &test, majority, score_s, lexdesc);
    }
    int shown = 0;
    for (int64_t p = n_train; p < r.n && shown < n_errors; p++) {
      int64_t i = perm[p];
      int pred = score[i] > 0 ? 1 : score[i] < 0 ? 0 : -1;
      if (pred != r.label[i]) {
        fprintf(stderr, "[%s label %d score %+.3f] %.*s\n", s->name, r.label[i], score[i],
                (int)(r.len[i] > 300 ? 300 : r.len[i]), r.text[i]);
        shown++;
      }
    }
    fflush(stdout);
    for (int64_t i = 0; i < r.n; i++)
      free(r.text[i]);
    free(r.text);
    free(r.len);
    free(r.label);
    free(perm);
    free(score);
    bndl_dataset_free(ds);
  }
  bndl_lexicon_free(lex);
  bndl_context_free(ctx);
  return 0;
}
