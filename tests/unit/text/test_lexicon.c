/*
 * test_lexicon.c - the lexicon store and its loaders (lexicon.c, lexicon_load.c).
 *
 * Every real file of ../shared/data/lexicons is loaded with its format and the counts
 * are held to the figures of its SOURCE.md; crafted files check each format's layout,
 * that every malformed line is an error naming path:line, that the documented DUTIR
 * quirk is skipped with a warning (never silently), that a failed load leaves the store
 * as it was, how overlapping lists combine, and failed allocations at every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/context.h"
#include "core/error.h"
#include "text/lexicon.h"
#include "test_support.h"

/* ---- log capture */

typedef struct log_capture {
  int warnings;
  char last_warning[512];
} log_capture;

static void capture_log(void *ud, bndl_log_level level, const char *msg) {
  log_capture *c = ud;
  if (level == BNDL_LOG_WARN) {
    c->warnings++;
    snprintf(c->last_warning, sizeof c->last_warning, "%s", msg);
  }
}

typedef struct fixture {
  test_alloc t;
  bndl_context *ctx;
  bndl_lexicon *lex;
  log_capture log;
} fixture;

static void fixture_init(fixture *f) {
  memset(f, 0, sizeof *f);
  test_alloc_reset(&f->t, 0, 0);
  f->ctx = test_context(&f->t, 1);
  assert_non_null(f->ctx);
  assert_int_equal(bndl_context_set_log(f->ctx, capture_log, &f->log, NULL, BNDL_LOG_DEBUG), BNDL_OK);
  assert_int_equal(bndl_lexicon_new(f->ctx, &f->lex), BNDL_OK);
}

static void fixture_free(fixture *f) {
  bndl_lexicon_destroy(f->lex);
  bndl_context_free(f->ctx);
  assert_int_equal(f->t.live_blocks, 0);
}

static const char *lexdir(void) {
  const char *p = test_shared_path("lexicons/vader_lexicon.txt");
  return p ? test_shared_path("lexicons") : NULL;
}

static bndl_lex_load_stats load_real(fixture *f, const char *name, const char *format) {
  char rel[256];
  snprintf(rel, sizeof rel, "lexicons/%s", name);
  const char *p = test_shared_path(rel);
  assert_non_null(p);
  bndl_lex_load_stats st;
  bndl_status s = bndl_lexicon_load_file(f->lex, p, bndl_lex_format_from_name(format), &st);
  if (s != BNDL_OK)
    fail_msg("%s: %s", name, bndl_error_message());
  return st;
}

static bndl_lex_word word(const bndl_lexicon *lex, const char *w) {
  bndl_lex_word lw;
  memset(&lw, 0, sizeof lw);
  if (!bndl_lexicon_lookup(lex, w, strlen(w), &lw))
    fail_msg("'%s' is not in the lexicon", w);
  return lw;
}

static int has(const bndl_lexicon *lex, const char *w) {
  bndl_lex_word lw;
  return bndl_lexicon_lookup(lex, w, strlen(w), &lw);
}

/* ---- real files */

static void test_real_vader(void **state) {
  (void)state;
  if (!lexdir())
    skip();
  fixture f;
  fixture_init(&f);
  bndl_lex_load_stats st = load_real(&f, "vader_lexicon.txt", "vader");
  assert_int_equal(st.lines, 7520);
  assert_int_equal(st.entries, 7520);
  assert_int_equal(st.skipped, 0);
  /* tokens with capitals (emoticons such as ":D") are stored as written and folded;
   * repeated keys ("d:" -2.9 and 1.2 at lines 227 and 1740, "lol" twice) average */
  assert_int_equal(bndl_lexicon_size(f.lex), 7506); /* distinct keys, counted with Python */
  assert_true(word(f.lex, ":D").valence == 2.3);
  assert_true(fabs(word(f.lex, "d:").valence - (-2.9 + 1.2) / 2) < 1e-12);
  assert_true(fabs(word(f.lex, "lol").valence - (2.9 + 1.8) / 2) < 1e-12);
  bndl_lex_word g = word(f.lex, "good");
  assert_true(g.kinds & BNDL_LEX_SENTIMENT);
  assert_true(g.valence > 1.5 && g.valence < 2.5);
  assert_true(word(f.lex, "horrible").valence < -2.0);
  assert_true(word(f.lex, ":)").valence > 1.0);
  assert_int_equal(f.log.warnings, 0);
  fixture_free(&f);
}

static void test_real_huliu(void **state) {
  (void)state;
  if (!lexdir())
    skip();
  fixture f;
  fixture_init(&f);
  bndl_lex_load_stats p = load_real(&f, "huliu_positive-words.txt", "positive");
  bndl_lex_load_stats n = load_real(&f, "huliu_negative-words.txt", "negative");
  assert_int_equal(p.entries, 2007);
  assert_int_equal(n.entries, 4783);
  assert_true(p.ignored > 20); /* the ';' header */
  assert_true(word(f.lex, "naïve").valence < 0); /* the one non-ASCII entry (UTF-8 here) */
  assert_true(word(f.lex, "love").valence == BNDL_LEX_LIST_VALENCE);
  fixture_free(&f);
}

static void test_real_ntusd(void **state) {
  (void)state;
  if (!lexdir())
    skip();
  fixture f;
  fixture_init(&f);
  bndl_lex_load_stats p = load_real(&f, "ntusd_simplified_positive.txt", "positive");
  bndl_lex_load_stats n = load_real(&f, "ntusd_simplified_negative.txt", "negative");
  /* SOURCE.md: 2,811 lines (2,810 words + blank), 8,277 lines; duplicates kept as lines */
  assert_int_equal(p.lines, 2811);
  assert_int_equal(p.entries, 2810);
  assert_int_equal(n.lines, 8277);
  assert_int_equal(n.entries + n.ignored, 8277);
  assert_true(n.entries >= 8274 && n.entries <= 8276); /* 说明.txt: "8276(8274)" */
  /* 162 + 528 duplicated lines: fewer distinct words than lines */
  assert_true(bndl_lexicon_size(f.lex) < p.entries + n.entries - 600);
  fixture_free(&f);
}

static void test_real_hownet(void **state) {
  (void)state;
  if (!lexdir())
    skip();
  static const struct {
    const char *name, *format;
    int64_t count;
  } files[] = {{"hownet_pos_evaluation_zh.txt", "hownet_positive", 3730},
               {"hownet_neg_evaluation_zh.txt", "hownet_negative", 3116},
               {"hownet_pos_emotion_zh.txt", "hownet_positive", 836},
               {"hownet_neg_emotion_zh.txt", "hownet_negative", 1254},
               {"hownet_pos_evaluation_en.txt", "hownet_positive", 3594},
               {"hownet_neg_evaluation_en.txt", "hownet_negative", 3563},
               {"hownet_pos_emotion_en.txt", "hownet_positive", 769},
               {"hownet_neg_emotion_en.txt", "hownet_negative", 1011}};
  fixture f;
  fixture_init(&f);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    bndl_lex_load_stats st = load_real(&f, files[i].name, files[i].format);
    assert_int_equal(st.header_count, files[i].count);
    assert_int_equal(st.entries, files[i].count);
  }
  /* degree: 6 level headers and 219 / 170 words as stated (some words at two levels,
   * "最"/"most" twice) */
  bndl_lex_load_stats dz = load_real(&f, "hownet_degree_zh.txt", "hownet_degree");
  assert_int_equal(dz.header_count, 219);
  assert_int_equal(dz.entries, 219);
  assert_true(f.log.warnings > 0); /* "多" at levels 2, 3 and 6: the later levels are warned about */
  bndl_lex_load_stats de = load_real(&f, "hownet_degree_en.txt", "hownet_degree");
  assert_int_equal(de.entries, 170);
  assert_true(word(f.lex, "极其").degree == 2.0);
  assert_true(word(f.lex, "很").degree == 1.75);
  assert_true(word(f.lex, "更").degree == 1.5);
  assert_true(word(f.lex, "稍微").degree < 1.0);
  assert_true(word(f.lex, "不怎么").degree == 0.5);
  assert_true(word(f.lex, "过于").degree > 1.0);
  assert_true(word(f.lex, "多").degree == 1.75); /* first level wins */
  assert_true(word(f.lex, "a bit").kinds & BNDL_LEX_DEGREE);
  bndl_lex_load_stats oz = load_real(&f, "hownet_opinion_zh.txt", "hownet_opinion");
  assert_int_equal(oz.header_count, 38);
  assert_true(word(f.lex, "觉得").kinds & BNDL_LEX_OPINION);
  assert_true(word(f.lex, "满意").valence > 0);
  assert_true(word(f.lex, "失望").valence < 0);
  fixture_free(&f);
}

static void test_real_dutir(void **state) {
  (void)state;
  if (!lexdir())
    skip();
  fixture f;
  fixture_init(&f);
  bndl_lex_load_stats st = load_real(&f, "dutir_affective_lexicon_ontology.tsv", "dutir");
  /* 27,466 entries + header: polarity 1: 11,229, 2: 10,783, 0: 5,375, 3: 78, one 7 */
  assert_int_equal(st.lines, 27467);
  assert_int_equal(st.entries, 11229 + 10783);
  assert_int_equal(st.skipped, 1);
  assert_int_equal(st.ignored, 1 + 5375 + 78);
  assert_int_equal(f.log.warnings, 1);
  assert_non_null(strstr(f.log.last_warning, "polarity 7"));
  assert_non_null(strstr(f.log.last_warning, "dutir_affective_lexicon_ontology.tsv:"));
  bndl_lex_word w = word(f.lex, "脏乱"); /* the first row: adj, NN, intensity 7, polarity 2 */
  assert_true(w.valence < -3.0 && w.valence > -3.2);
  fixture_free(&f);
}

static void test_real_negation_and_folder(void **state) {
  (void)state;
  if (!lexdir())
    skip();
  fixture f;
  fixture_init(&f);
  bndl_lex_load_stats st = load_real(&f, "zh_negation_words.txt", "negation");
  assert_int_equal(st.lines, 71);
  assert_true(word(f.lex, "不").kinds & BNDL_LEX_NEGATOR);
  assert_true(word(f.lex, "没有").kinds & BNDL_LEX_NEGATOR);
  fixture_free(&f);

  fixture_init(&f);
  assert_int_equal(bndl_lexicon_load_folder(f.lex, lexdir()), BNDL_OK);
  /* VADER wins over the plain lists: "good" keeps its human-rated mean, not +2 */
  bndl_lex_word g = word(f.lex, "good");
  assert_true(g.valence != BNDL_LEX_LIST_VALENCE && g.valence > 1.5);
  /* a Hu & Liu word VADER lacks has the list valence */
  assert_true(word(f.lex, "well-known").valence == BNDL_LEX_LIST_VALENCE);
  /* DUTIR (intensity) wins over HowNet / NTUSD for a word both list */
  bndl_lex_word zang = word(f.lex, "脏乱");
  assert_true(zang.valence < -3.0);
  assert_true(word(f.lex, "好").valence > 0);
  assert_true(word(f.lex, "不").kinds & BNDL_LEX_NEGATOR);
  assert_true(bndl_lexicon_size(f.lex) > 40000);
  fixture_free(&f);
}

/* ---- for_each_word */

typedef struct walk {
  int64_t n;
  int non_cjk;
  char first[64];
} walk;

static bndl_status count_word(const char *w, size_t n, uint32_t kinds, void *ud) {
  walk *k = ud;
  (void)kinds;
  if (k->n == 0)
    snprintf(k->first, sizeof k->first, "%.*s", (int)n, w);
  k->n++;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)w[i] < 0x80)
      k->non_cjk = 1;
  return w[n] == '\0' ? BNDL_OK : BNDL_ERR_INTERNAL;
}

static bndl_status stop_at_three(const char *w, size_t n, uint32_t kinds, void *ud) {
  (void)w;
  (void)n;
  (void)kinds;
  return ++*(int *)ud == 3 ? BNDL_ERR_CANCELLED : BNDL_OK;
}

static void test_for_each_word(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  const char text[] = "好\nbad\n满意\n愈 ... 愈\n\xe4\xb8\x8dok\n";
  char *p = test_write_tmp(".txt", text, strlen(text));
  assert_int_equal(bndl_lexicon_load_file(f.lex, p, BNDL_LEX_FORMAT_POSITIVE, NULL), BNDL_OK);
  walk all = {0}, cjk = {0};
  assert_int_equal(bndl_lexicon_for_each_word(f.lex, 0, count_word, &all), BNDL_OK);
  assert_int_equal(all.n, 5);
  assert_string_equal(all.first, "好"); /* insertion order */
  assert_int_equal(bndl_lexicon_for_each_word(f.lex, 1, count_word, &cjk), BNDL_OK);
  assert_int_equal(cjk.n, 2); /* 好, 满意: not "bad", the pattern, nor the mixed word */
  assert_int_equal(cjk.non_cjk, 0);
  int calls = 0;
  assert_int_equal(bndl_lexicon_for_each_word(f.lex, 0, stop_at_three, &calls), BNDL_ERR_CANCELLED);
  assert_int_equal(calls, 3);
  fixture_free(&f);
  test_tmp_cleanup();
}

/* ---- crafted files: layouts, combining, errors */

static bndl_status load_text(fixture *f, const char *text, const char *format, bndl_lex_load_stats *st,
                             char **path_out) {
  char *p = test_write_tmp(".txt", text, strlen(text));
  if (path_out)
    *path_out = p;
  return bndl_lexicon_load_file(f->lex, p, bndl_lex_format_from_name(format), st);
}

static void test_vader_layout_and_combining(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  bndl_lex_load_stats st;
  /* CRLF, blank line, upper case folded, only token and valence required */
  assert_int_equal(load_text(&f, "Great\t3.1\t0.7\t[3, 3]\r\n\nmeh\t-0.3\n", "vader", &st, NULL), BNDL_OK);
  assert_int_equal(st.entries, 2);
  assert_int_equal(st.ignored, 1);
  assert_true(word(f.lex, "great").valence == 3.1);
  assert_true(has(f.lex, "Great")); /* VADER keeps a written-with-capitals copy (emoticons) */
  /* a plain list of lower rank does not change VADER's value; of equal rank averages */
  assert_int_equal(load_text(&f, "great\nnovel\n", "negative", NULL, NULL), BNDL_OK);
  assert_true(word(f.lex, "great").valence == 3.1);
  assert_true(word(f.lex, "novel").valence == -BNDL_LEX_LIST_VALENCE);
  assert_int_equal(load_text(&f, "novel\n", "positive", NULL, NULL), BNDL_OK);
  assert_true(word(f.lex, "novel").valence == 0.0); /* ambiguous */
  /* DUTIR outranks the list, VADER outranks DUTIR, whatever the order */
  assert_int_equal(load_text(&f,
                             "词语\t词性种类\t词义数\t词义序号\t情感分类\t强度\t极性\t辅助情感分类\t强度\t极性\n"
                             "novel\tadj\t1\t1\tPH\t9\t1\t\t\t\n"
                             "great\tadj\t1\t1\tNN\t9\t2\t\t\t\n"
                             "两义\tadj\t2\t1\tPH\t9\t1\t\t\t\n"
                             "两义\tadj\t2\t2\tNN\t3\t2\t\t\t\n",
                             "dutir", &st, NULL),
                   BNDL_OK);
  assert_true(word(f.lex, "novel").valence == 4.0);
  assert_true(word(f.lex, "great").valence == 3.1);
  assert_true(fabs(word(f.lex, "两义").valence - (4.0 - 4.0 / 3.0) / 2.0) < 1e-12); /* senses averaged */
  fixture_free(&f);
  test_tmp_cleanup();
}

static void test_hownet_layouts(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  bndl_lex_load_stats st;
  assert_int_equal(load_text(&f, "中文正面评价词语\t3\n\n好 \n满意 \n  \n", "hownet_positive", &st, NULL), BNDL_OK);
  assert_int_equal(st.header_count, 3);
  assert_int_equal(st.entries, 2);
  assert_true(word(f.lex, "满意").valence > 0);
  assert_int_equal(load_text(&f,
                             "中文程度级别词语\t\t4\n\n1. “极其|extreme / 最|most”\t1\n极其 \n\n"
                             "2. “很|very”\t1\n很 \n5. “欠|insufficiently”\t1\n不怎么 \n6. “超|over”\t1\n过于 \n",
                             "hownet_degree", &st, NULL),
                   BNDL_OK);
  assert_int_equal(st.entries, 4);
  assert_true(word(f.lex, "极其").degree == 2.0);
  assert_true(word(f.lex, "很").degree == 1.75);
  assert_true(word(f.lex, "不怎么").degree == 0.5);
  assert_true(word(f.lex, "过于").degree == 1.5);
  assert_false(word(f.lex, "很").kinds & BNDL_LEX_SENTIMENT);
  /* a degree word that is also a sentiment word keeps both */
  assert_int_equal(load_text(&f, "x\t1\n\n2. “很|very”\t1\n好\n", "hownet_degree", NULL, NULL), BNDL_OK);
  bndl_lex_word hao = word(f.lex, "好");
  assert_true((hao.kinds & BNDL_LEX_SENTIMENT) && (hao.kinds & BNDL_LEX_DEGREE));
  fixture_free(&f);
  test_tmp_cleanup();
}

/* Each malformed file: the error is FORMAT and names path:line. */
static void test_malformed_lines(void **state) {
  (void)state;
  static const struct {
    const char *format, *text;
    int line;
    const char *why;
  } cases[] = {
      {"vader", "good\t1.9\nbad\n", 2, "no tab"},
      {"vader", "good\t1.9\nbad\tvery\t0.5\n", 2, "not a number"},
      {"vader", "good\t4.5\n", 1, "outside -4..4"},
      {"vader", "\t1.0\n", 1, "empty word"},
      {"positive", ";c\nok\n\xff\xfe\n", 3, "invalid UTF-8"},
      {"negative", "\xe9\x6e\n", 1, "invalid UTF-8"}, /* ISO-8859-1 "é" */
      {"hownet_positive", "no header here\n\n好\n", 1, "HowNet header"},
      {"hownet_negative", "标题\tmany\n\n坏\n", 1, "HowNet header"},
      {"hownet_degree", "t\t2\n\n很\n", 3, "before the first group"},
      {"hownet_degree", "t\t2\n\n7. “?”\t1\n很\n", 3, "degree level 7"},
      {"dutir", "word\tpos\n", 1, "header"},
      {"dutir", "词语\ta\tb\tc\td\te\tf\n好\tadj\t1\t1\tPH\n", 2, "expected at least 7"},
      {"dutir", "词语\ta\tb\tc\td\te\tf\n好\tadj\t1\t1\tPH\t5\t4\n", 2, "polarity 4 is not 0-3"},
      {"dutir", "词语\ta\tb\tc\td\te\tf\n好\tadj\t1\t1\tPH\t12\t1\n", 2, "intensity"},
      {"dutir", "词语\ta\tb\tc\td\te\tf\n好\tadj\t1\t1\tPH\t0\t1\n", 2, "intensity 0"},
      {"dutir", "词语\ta\tb\tc\td\te\tf\n好\tadj\t1\t1\tPH\t5\tx\n", 2, "not an integer"},
      {"negation", "不\n  \n没有\n", 0, NULL}, /* blank lines are fine */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fixture f;
    fixture_init(&f);
    char *path;
    bndl_status s = load_text(&f, cases[i].text, cases[i].format, NULL, &path);
    if (cases[i].why == NULL) {
      assert_int_equal(s, BNDL_OK);
    } else {
      if (s != BNDL_ERR_FORMAT)
        fail_msg("case %zu (%s): status %d, expected FORMAT", i, cases[i].format, (int)s);
      char where[4200];
      snprintf(where, sizeof where, "%s:%d: ", path, cases[i].line);
      test_assert_error_contains(where);
      test_assert_error_contains(cases[i].why);
      assert_int_equal(bndl_lexicon_size(f.lex), 0); /* rolled back */
    }
    fixture_free(&f);
  }
  test_tmp_cleanup();
}

static void test_failed_load_leaves_store_unchanged(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  assert_int_equal(load_text(&f, "good\t1.9\nbad\t-2.5\n", "vader", NULL, NULL), BNDL_OK);
  /* changes an existing word, adds two, then fails */
  assert_int_equal(load_text(&f, "good\t3.0\nfresh\t1\nnew\t1\nbroken\n", "vader", NULL, NULL), BNDL_ERR_FORMAT);
  assert_int_equal(bndl_lexicon_size(f.lex), 2);
  assert_true(word(f.lex, "good").valence == 1.9);
  assert_false(has(f.lex, "fresh"));
  assert_false(has(f.lex, "new"));
  /* and the store still works */
  assert_int_equal(load_text(&f, "new\t1\n", "vader", NULL, NULL), BNDL_OK);
  assert_true(has(f.lex, "new"));
  /* missing file: IO naming it */
  assert_int_equal(bndl_lexicon_load_file(f.lex, "/nonexistent/lex.txt", BNDL_LEX_FORMAT_VADER, NULL), BNDL_ERR_IO);
  test_assert_error_contains("/nonexistent/lex.txt");
  /* a folder without any known file */
  assert_int_equal(bndl_lexicon_load_folder(f.lex, "/nonexistent"), BNDL_ERR_NOT_FOUND);
  assert_int_equal(bndl_lexicon_size(f.lex), 3);
  fixture_free(&f);
  test_tmp_cleanup();
}

static void test_many_words_grow_index(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  size_t cap = 200000, len = 0;
  char *text = malloc(cap);
  for (int i = 0; i < 20000; i++)
    len += (size_t)snprintf(text + len, cap - len, "w%d\t%d\n", i, (i % 9) - 4);
  char *p = test_write_tmp(".txt", text, len);
  free(text);
  assert_int_equal(bndl_lexicon_load_file(f.lex, p, BNDL_LEX_FORMAT_VADER, NULL), BNDL_OK);
  assert_int_equal(bndl_lexicon_size(f.lex), 20000);
  for (int i = 0; i < 20000; i += 37) {
    char w[16];
    snprintf(w, sizeof w, "w%d", i);
    assert_true(word(f.lex, w).valence == (double)((i % 9) - 4));
  }
  assert_false(has(f.lex, "w20000"));
  fixture_free(&f);
  test_tmp_cleanup();
}

/* Every allocation of a folder load failed in turn: OUT_OF_MEMORY, nothing leaked, the
 * store unchanged; then the same load succeeds. Small crafted files keep it quick. */
static void test_allocation_failures(void **state) {
  (void)state;
  char dir[] = "/tmp/bndl_lexdir_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256];
  static const struct {
    const char *name, *text;
  } files[] = {{"vader_lexicon.txt", "good\t1.9\t0\t[]\nbad\t-2.5\t0\t[]\n"},
               {"huliu_positive-words.txt", ";x\nnice\n"},
               {"hownet_degree_zh.txt", "t\t1\n\n1. “极其”\t1\n极其 \n"},
               {"dutir_affective_lexicon_ontology.tsv", "词语\ta\tb\tc\td\te\tf\n脏\tadj\t1\t1\tNN\t5\t2\n"},
               {"zh_negation_words.txt", "不\n"}};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(files[i].text, fp);
    fclose(fp);
  }
  int64_t fails = 0;
  for (int64_t k = 1;; k++) {
    test_alloc t;
    test_alloc_reset(&t, 0, 0);
    bndl_context *ctx = test_context(&t, 1);
    assert_non_null(ctx);
    bndl_lexicon *lex = NULL;
    assert_int_equal(bndl_lexicon_new(ctx, &lex), BNDL_OK);
    t.fail_at = t.n_allocs + k;
    bndl_status s = bndl_lexicon_load_folder(lex, dir);
    if (s == BNDL_OK) {
      assert_int_equal(bndl_lexicon_size(lex), 6);
      bndl_lexicon_destroy(lex);
      bndl_context_free(ctx);
      assert_int_equal(t.live_blocks, 0);
      break;
    }
    assert_int_equal(s, BNDL_ERR_OUT_OF_MEMORY);
    assert_int_equal(bndl_lexicon_size(lex), 0);
    fails++;
    bndl_lexicon_destroy(lex);
    bndl_context_free(ctx);
    assert_int_equal(t.live_blocks, 0);
  }
  assert_true(fails > 5);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
    remove(path);
  }
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_real_vader),
      cmocka_unit_test(test_real_huliu),
      cmocka_unit_test(test_real_ntusd),
      cmocka_unit_test(test_real_hownet),
      cmocka_unit_test(test_real_dutir),
      cmocka_unit_test(test_real_negation_and_folder),
      cmocka_unit_test(test_for_each_word),
      cmocka_unit_test(test_vader_layout_and_combining),
      cmocka_unit_test(test_hownet_layouts),
      cmocka_unit_test(test_malformed_lines),
      cmocka_unit_test(test_failed_load_leaves_store_unchanged),
      cmocka_unit_test(test_many_words_grow_index),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
