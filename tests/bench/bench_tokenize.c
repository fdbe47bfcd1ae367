/*
 * bench_tokenize.c - the tokenizer on a whole review corpus: time to tokenize every
 * review on one core, tokens per review, how much of the Chinese text the dictionary
 * covers, and a few segmentations to read.
 *
 *   bench_tokenize [--file reviews_zh/online_shopping_10_cats.csv.gz] [--preset reviews_zh_shopping]
 *                  [--lexicons DIR] [--learn MIN_COUNT] [--show N] [--repeat R] [--dump PREFIX]
 *
 * Dictionaries compared (one line each): built-in words only; + the lexicons' Chinese
 * words (--lexicons, default ../shared/data/lexicons); + words learnt from the corpus
 * itself (--learn, bndl_tokenizer_learn). The time is the best of R passes over all
 * reviews with one reused token list (load and dictionary building are reported
 * apart). --dump writes each dictionary's tokens, one review a line ("offset:text",
 * '*' after dictionary words), for bench_tokenize_vs_jieba.py. Static library: it reads review texts, which bundle.h does not expose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"
#include "core/context.h"
#include "data/dataset.h"
#include "text/lexicon.h"
#include "text/tokenize.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: on a loaded machine the wall clock also counts the time
 * other processes held the core. */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(bndl_status st, const char *what) {
  if (st != BNDL_OK) {
    fprintf(stderr, "%s: %s (%s)\n", what, bndl_status_str(st), bndl_last_error_message());
    exit(1);
  }
}

typedef struct corpus {
  int64_t n;
  const char **text;
  size_t *len;
} corpus;

static const char *dump_path = NULL;

/* One line per review: its tokens as "offset:text" with a '*' on dictionary words. */
static void dump(const char *name, const bndl_tokenizer *t, const corpus *c, const bndl_allocator *a) {
  char path[4096];
  snprintf(path, sizeof path, "%s.%s.txt", dump_path, name);
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return;
  bndl_token_list l;
  bndl_token_list_init(&l, a);
  for (int64_t i = 0; i < c->n; i++) {
    die(bndl_tokenize(t, c->text[i], c->len[i], &l), "bndl_tokenize");
    for (size_t k = 0; k < l.n; k++)
      fprintf(f, "%s%u:%s%s", k ? " " : "", l.tokens[k].offset, l.tokens[k].text,
              bndl_tokenizer_has_word(t, l.tokens[k].text, l.tokens[k].length) ? "*" : "");
    fprintf(f, "\n");
  }
  bndl_token_list_free(&l);
  fclose(f);
}

static void run(const char *name, const bndl_tokenizer *t, const corpus *c, int repeat, int show,
                const bndl_allocator *a) {
  if (dump_path != NULL)
    dump(name, t, c, a);
  bndl_token_list l;
  bndl_token_list_init(&l, a);
  double best = 1e30, best_cpu = 1e30;
  int64_t tokens = 0, cjk = 0, cjk_bigram = 0, negated = 0;
  for (int r = 0; r < repeat; r++) {
    double t0 = now_s(), c0 = cpu_s();
    int64_t nt = 0;
    for (int64_t i = 0; i < c->n; i++) {
      die(bndl_tokenize(t, c->text[i], c->len[i], &l), "bndl_tokenize");
      nt += (int64_t)l.n;
    }
    double dt = now_s() - t0, dc = cpu_s() - c0;
    if (dt < best)
      best = dt;
    if (dc < best_cpu)
      best_cpu = dc;
    tokens = nt;
  }
  for (int64_t i = 0; i < c->n; i++) {
    die(bndl_tokenize(t, c->text[i], c->len[i], &l), "bndl_tokenize");
    for (size_t k = 0; k < l.n; k++) {
      if (l.tokens[k].kind == BNDL_TOKEN_CJK) {
        cjk++;
        if (!bndl_tokenizer_has_word(t, l.tokens[k].text, l.tokens[k].length) && l.tokens[k].length > 4)
          cjk_bigram++;
      }
      negated += l.tokens[k].negated;
    }
  }
  size_t bytes = 0;
  for (int64_t i = 0; i < c->n; i++)
    bytes += c->len[i];
  printf("%-10s %lld reviews, %.1f MB: %.3f s wall, %.3f s CPU (%.1f MB/s), %lld tokens (%.1f per review), CJK tokens %lld of which "
         "%.1f%% fallback bigrams, %lld negated\n",
         name, (long long)c->n, (double)bytes / 1e6, best, best_cpu, (double)bytes / 1e6 / best_cpu, (long long)tokens,
         (double)tokens / (double)c->n, (long long)cjk, 100.0 * (double)cjk_bigram / (double)(cjk ? cjk : 1),
         (long long)negated);
  for (int s = 0; s < show && s < c->n; s++) {
    int64_t i = (int64_t)s * (c->n / (show ? show : 1)) + 7;
    if (i >= c->n)
      break;
    die(bndl_tokenize(t, c->text[i], c->len[i], &l), "bndl_tokenize");
    printf("  [%lld] ", (long long)i);
    for (size_t k = 0; k < l.n && k < 60; k++)
      printf("%s%s%s", k ? " / " : "", l.tokens[k].negated ? "NOT_" : "", l.tokens[k].text);
    printf("\n");
  }
  bndl_token_list_free(&l);
}

int main(int argc, char **argv) {
  const char *file = "reviews_zh/online_shopping_10_cats.csv.gz", *preset = "reviews_zh_shopping";
  const char *lexdir = BNDL_SHARED_DATA_DIR "/lexicons";
  int repeat = 3, show = 6;
  int64_t learn = 0;
  double pmi = -1, pmi_step = -1, entropy = -1;
  const char *probe[64];
  int n_probe = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--file") && i + 1 < argc)
      file = argv[++i];
    else if (!strcmp(argv[i], "--preset") && i + 1 < argc)
      preset = argv[++i];
    else if (!strcmp(argv[i], "--lexicons") && i + 1 < argc)
      lexdir = argv[++i];
    else if (!strcmp(argv[i], "--learn") && i + 1 < argc)
      learn = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--pmi") && i + 2 < argc) {
      pmi = atof(argv[++i]);
      pmi_step = atof(argv[++i]);
    } else if (!strcmp(argv[i], "--entropy") && i + 1 < argc)
      entropy = atof(argv[++i]);
    else if (!strcmp(argv[i], "--probe") && i + 1 < argc && n_probe < 64)
      probe[n_probe++] = argv[++i];
    else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
      dump_path = argv[++i];
    else if (!strcmp(argv[i], "--show") && i + 1 < argc)
      show = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--file F] [--preset P] [--lexicons DIR] [--learn MIN] [--show N] [--repeat R]\n",
              argv[0]);
      return 2;
    }
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", BNDL_SHARED_DATA_DIR, file);
  bndl_context *ctx;
  die(bndl_context_create(NULL, &ctx), "context");
  bndl_dataset *ds;
  die(bndl_dataset_create(ctx, &ds), "dataset");
  bndl_table_spec *spec;
  die(bndl_table_spec_preset(preset, &spec), preset);
  double t0 = now_s();
  die(bndl_dataset_load_table(ds, path, spec), path);
  printf("load %s: %.3f s\n", file, now_s() - t0);
  const bndl_review_rows *rv = &ds->rv;
  corpus c = {(int64_t)rv->n, malloc(rv->n * sizeof(char *)), malloc(rv->n * sizeof(size_t))};
  for (size_t i = 0; i < rv->n; i++) {
    c.text[i] = rv->text.data + rv->text_off[i];
    c.len[i] = (size_t)(rv->text_off[i + 1] - rv->text_off[i]);
  }
  const bndl_allocator *a = &ctx->alloc;
  bndl_tokenizer_options opt = {0, 1, 0};

  bndl_tokenizer *t;
  die(bndl_tokenizer_new(a, &opt, NULL, &t), "tokenizer");
  run("built-in", t, &c, repeat, show, a);
  bndl_tokenizer_free(t);

  struct bndl_lexicon *lex = NULL;
  if (lexdir[0]) {
    die(bndl_lexicon_new(ctx, &lex), "lexicon");
    t0 = now_s();
    die(bndl_lexicon_load_folder(lex, lexdir), lexdir);
    double tl = now_s() - t0;
    t0 = now_s();
    die(bndl_tokenizer_new(a, &opt, lex, &t), "tokenizer");
    printf("lexicons: load %.3f s, dictionary %.3f s\n", tl, now_s() - t0);
    run("lexicon", t, &c, repeat, show, a);
    bndl_tokenizer_free(t);
  }
  if (learn > 0) {
    bndl_word_learn_options o;
    bndl_word_learn_defaults(&o);
    o.min_count = learn;
    if (pmi >= 0) {
      o.min_pmi = pmi;
      o.pmi_step = pmi_step;
    }
    if (entropy >= 0)
      o.min_entropy = entropy;
    bndl_learnt_words w;
    t0 = now_s();
    die(bndl_text_learn_words(a, c.text, c.len, c.n, &o, &w), "learn");
    printf("learn (min_count %lld): %lld words from %lld ideographs in %.3f s; the most frequent:\n  ", (long long)learn,
           (long long)w.n, (long long)w.corpus_chars, now_s() - t0);
    for (int64_t k = 0; k < w.n && k < 100; k++)
      printf("%s(%lld) ", w.words[k], (long long)w.counts[k]);
    printf("\n  the least frequent: ");
    for (int64_t k = w.n > 60 ? w.n - 60 : 0; k < w.n; k++)
      printf("%s(%lld) ", w.words[k], (long long)w.counts[k]);
    printf("\n");
    bndl_learnt_words_free(&w);
    for (int with_lex = 0; with_lex <= (lex != NULL); with_lex++) {
      die(bndl_tokenizer_new(a, &opt, with_lex ? lex : NULL, &t), "tokenizer");
      t0 = now_s();
      /* bndl_tokenizer_learn's steps, with the thresholds given here */
      die(bndl_text_learn_words(a, c.text, c.len, c.n, &o, &w), "learn");
      die(bndl_tokenizer_add_learnt(t, &w, NULL), "add_learnt");
      bndl_learnt_words_free(&w);
      die(bndl_tokenizer_reestimate(t, c.text, c.len, c.n, 2), "reestimate");
      printf("%s + learnt: bndl_tokenizer_learn %.3f s\n", with_lex ? "lexicon" : "built-in", now_s() - t0);
      run(with_lex ? "lex+learn" : "learn", t, &c, repeat, show, a);
      for (int k = 0; k < n_probe; k++)
        printf("  count(%s) = %lld\n", probe[k], (long long)bndl_tokenizer_word_count(t, probe[k], strlen(probe[k])));
      bndl_tokenizer_free(t);
    }
  }
  if (lex)
    bndl_lexicon_destroy(lex);
  free(c.text);
  free(c.len);
  bndl_table_spec_free(spec);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return 0;
}
