/*
 * bench_word_vectors.c - skip-gram word vectors (bndl_word_vectors_*) on a whole review
 * corpus of ../shared/data: training time split (dictionary, tokenizing, skip-gram),
 * words per second, and the nearest words of a few probes.
 *
 *   bench_word_vectors [--threads N] [--data DIR] [--set KEY=VALUE]... [--runs R]
 *                      [--probe WORD]... [--dump-corpus FILE] [--dump-vectors FILE]
 *                      DATASET
 *
 * DATASET: shopping (online_shopping_10_cats), waimai, hotel (ChnSentiCorp_htl_all),
 * beauty (All_Beauty_5), cells (amazon_cells_labelled). The texts are the review texts
 * in file order. --dump-corpus writes each text as the trainer saw it (its tokens with a
 * vector, space-separated, one text per line) and --dump-vectors the vectors in
 * word2vec's text format: bench_word_vectors_vs_gensim.py trains gensim on the same
 * sentences and compares. One JSON line on stdout. Static library: it reads the review
 * texts and the trainer's time split, which bundle.h does not expose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"
#include "data/dataset.h"
#include "text/word_vectors.h"

enum { MAX_SETS = 32, MAX_PROBES = 32, NEAREST = 10 };

typedef struct source {
  const char *name, *file, *preset;
} source;

static const source sources[] = {
    {"shopping", "reviews_zh/online_shopping_10_cats.csv.gz", "reviews_zh_shopping"},
    {"waimai", "reviews_zh/waimai_10k.csv.gz", "reviews_zh"},
    {"hotel", "reviews_zh/ChnSentiCorp_htl_all.csv.gz", "reviews_zh"},
    {"beauty", "reviews_en/All_Beauty_5.json.gz", "amazon_reviews_json"},
    {"cells", "reviews_en/amazon_cells_labelled.txt", "amazon_cells"},
};
enum { N_SOURCES = sizeof sources / sizeof sources[0] };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return;
  fprintf(stderr, "bench_word_vectors: %s failed: %s (%s)\n", what, bndl_last_error_message(), bndl_status_str(st));
  exit(1);
}

static void json_string(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void dump_corpus(const bndl_word_vectors *wv, const char *const *texts, const size_t *lens, int64_t n,
                        const char *path) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  bndl_token_list toks;
  bndl_token_list_init(&toks, wv->alloc);
  for (int64_t i = 0; i < n; i++) {
    die(bndl_tokenize(wv->tok, texts[i], lens[i], &toks), "bndl_tokenize");
    int first = 1;
    for (size_t t = 0; t < toks.n; t++) {
      const bndl_token *k = &toks.tokens[t];
      if (k->kind == BNDL_TOKEN_PUNCT ||
          bndl_vocab_find(&wv->vocab, k->text, k->length, bndl_vocab_hash(k->text, k->length)) < 0)
        continue;
      fprintf(f, "%s%.*s", first ? "" : " ", (int)k->length, k->text);
      first = 0;
    }
    fputc('\n', f);
  }
  bndl_token_list_free(&toks);
  fclose(f);
}

static void dump_vectors(const bndl_word_vectors *wv, const char *path) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  int32_t dim = bndl_word_vectors_dim(wv);
  fprintf(f, "%lld %d\n", (long long)bndl_word_vectors_count(wv), (int)dim);
  for (int64_t w = 0; w < bndl_word_vectors_count(wv); w++) {
    const char *word;
    size_t len;
    const float *v;
    die(bndl_word_vectors_word(wv, w, &word, &len, NULL), "word");
    die(bndl_word_vectors_vector(wv, w, &v), "vector");
    fprintf(f, "%.*s", (int)len, word);
    for (int32_t d = 0; d < dim; d++)
      fprintf(f, " %.7g", v[d]);
    fputc('\n', f);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  int threads = 1, runs = 1, n_sets = 0, n_probes = 0;
  const char *data = BNDL_SHARED_DATA_DIR, *sets[MAX_SETS], *probes[MAX_PROBES], *name = NULL;
  const char *corpus_path = NULL, *vectors_path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
      data = argv[++i];
    else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && n_sets < MAX_SETS)
      sets[n_sets++] = argv[++i];
    else if (strcmp(argv[i], "--probe") == 0 && i + 1 < argc && n_probes < MAX_PROBES)
      probes[n_probes++] = argv[++i];
    else if (strcmp(argv[i], "--dump-corpus") == 0 && i + 1 < argc)
      corpus_path = argv[++i];
    else if (strcmp(argv[i], "--dump-vectors") == 0 && i + 1 < argc)
      vectors_path = argv[++i];
    else if (argv[i][0] != '-' && name == NULL)
      name = argv[i];
    else {
      fprintf(stderr, "usage: bench_word_vectors [--threads N] [--data DIR] [--set K=V]... [--runs R] "
                      "[--probe WORD]... [--dump-corpus FILE] [--dump-vectors FILE] DATASET\n");
      return 2;
    }
  }
  const source *s = NULL;
  for (int k = 0; k < N_SOURCES; k++)
    if (name && strcmp(name, sources[k].name) == 0)
      s = &sources[k];
  if (s == NULL) {
    fprintf(stderr, "bench_word_vectors: name a dataset: shopping, waimai, hotel, beauty, cells\n");
    return 2;
  }
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  bndl_context *ctx;
  die(bndl_context_create(&desc, &ctx), "bndl_context_create");
  bndl_config *cfg;
  die(bndl_config_create(&cfg), "bndl_config_create");
  for (int i = 0; i < n_sets; i++) {
    char key[256];
    const char *eq = strchr(sets[i], '=');
    if (eq == NULL || (size_t)(eq - sets[i]) >= sizeof key) {
      fprintf(stderr, "bench_word_vectors: --set wants KEY=VALUE\n");
      return 2;
    }
    memcpy(key, sets[i], (size_t)(eq - sets[i]));
    key[eq - sets[i]] = '\0';
    die(bndl_config_set(cfg, key, eq + 1), sets[i]);
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", data, s->file);
  bndl_dataset *ds;
  bndl_table_spec *spec;
  die(bndl_dataset_create(ctx, &ds), "bndl_dataset_create");
  die(bndl_table_spec_preset(s->preset, &spec), s->preset);
  die(bndl_dataset_load_table(ds, path, spec), path);
  die(bndl_dataset_finalize(ds), "bndl_dataset_finalize");
  bndl_table_spec_free(spec);
  const bndl_review_rows *rv = &ds->rv;
  const char **texts = malloc((rv->n + 1) * sizeof *texts);
  size_t *lens = malloc((rv->n + 1) * sizeof *lens);
  int64_t n = 0;
  for (size_t i = 0; i < rv->n; i++) {
    texts[n] = rv->text.data + rv->text_off[i];
    lens[n++] = (size_t)(rv->text_off[i + 1] - rv->text_off[i]);
  }
  bndl_word_vectors *wv = NULL;
  double best = 1e300, best_cpu = 0, best_sg = 0, best_dict = 0, best_corpus = 0;
  for (int r = 0; r < runs; r++) {
    bndl_word_vectors_free(wv);
    double t0 = now_s(), c0 = cpu_s();
    die(bndl_word_vectors_train(ctx, texts, lens, n, cfg, &wv), "bndl_word_vectors_train");
    double t = now_s() - t0;
    if (t < best) {
      best = t;
      best_cpu = cpu_s() - c0;
      best_sg = wv->seconds_skipgram;
      best_dict = wv->seconds_dictionary;
      best_corpus = wv->seconds_corpus;
    }
  }
  printf("{\"dataset\":\"%s\",\"threads\":%d,\"texts\":%lld,\"tokens\":%lld,\"words\":%lld,\"dim\":%d,"
         "\"epochs\":%d,\"train_s\":%.3f,\"train_cpu_s\":%.3f,\"dictionary_s\":%.3f,\"corpus_s\":%.3f,"
         "\"skipgram_s\":%.3f,\"words_per_s\":%.0f,\"nearest\":{",
         s->name, threads, (long long)n, (long long)wv->total, (long long)bndl_word_vectors_count(wv),
         (int)bndl_word_vectors_dim(wv), (int)wv->opt.epochs, best, best_cpu, best_dict, best_corpus, best_sg,
         (double)wv->total * wv->opt.epochs / best_sg);
  for (int p = 0; p < n_probes; p++) {
    int64_t id, ids[NEAREST];
    float scores[NEAREST];
    int32_t found = 0;
    json_string(stdout, probes[p], strlen(probes[p]));
    printf(":[");
    if (bndl_word_vectors_find(wv, probes[p], strlen(probes[p]), &id) == BNDL_OK) {
      die(bndl_word_vectors_nearest(wv, id, NEAREST, ids, scores, &found), "nearest");
      for (int32_t k = 0; k < found; k++) {
        const char *word;
        size_t len;
        die(bndl_word_vectors_word(wv, ids[k], &word, &len, NULL), "word");
        printf("%s", k ? "," : "");
        json_string(stdout, word, len);
      }
    }
    printf("]%s", p + 1 < n_probes ? "," : "");
  }
  printf("}}\n");
  if (corpus_path)
    dump_corpus(wv, texts, lens, n, corpus_path);
  if (vectors_path)
    dump_vectors(wv, vectors_path);
  bndl_word_vectors_free(wv);
  free(texts);
  free(lens);
  bndl_dataset_free(ds);
  bndl_config_free(cfg);
  bndl_context_free(ctx);
  return 0;
}
