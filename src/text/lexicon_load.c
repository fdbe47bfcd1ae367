/*
 * lexicon_load.c - readers of the lexicon file formats (../shared/data/lexicons/SOURCE.md
 * describes each file; the layouts are repeated here where the code depends on them).
 *
 *   vader            token \t mean valence (-4..4) \t std \t [ratings]    rank 3
 *   positive/negative one word per line, ';' starts a comment line         rank 1, +-2
 *                    (Hu & Liu, NTUSD)
 *   hownet_positive/negative  line 1 "title \t count", then one word per line (with a
 *                    trailing space)                                        rank 1, +-2
 *   hownet_degree    the same header, then six groups "N. “极其|extreme ...” \t count"
 *                    followed by their words; level N -> multiplier (degree_level_mult)
 *   hownet_opinion   the same grouped layout; words marked BNDL_LEX_OPINION
 *   dutir            TSV with a header row: word, POS, #senses, sense#, emotion class,
 *                    intensity (1..9), polarity (0 neutral, 1 +, 2 -, 3 both), then
 *                    the auxiliary emotion (not used)                     rank 2
 *   negation         one negator per line
 *
 * Every word is normalised the same way: surrounding ASCII blanks trimmed, ASCII letters
 * lower-cased (the tokenizer case-folds tokens), UTF-8 checked. Blank lines are
 * ignored everywhere. Anything else that does not fit the layout is BNDL_ERR_FORMAT
 * "path:line: why", except the documented quirk of the DUTIR file (one row with
 * polarity 7), which is skipped with a warning in the log.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "core/log.h"
#include "data/input.h"
#include "data/number.h"
#include "data/utf8.h"
#include "text/lexicon.h"
#include "text/lexicon_internal.h"

/* Longest word or line accepted: lexicon entries are words and short phrases. */
enum { MAX_WORD = 256, MAX_LINE = 1 << 16 };

/* HowNet degree levels -> multipliers of the valence they modify (Chinese rules; the
 * English rules only use the side of 1: above is a booster, below a dampener).
 *   1 极其|extreme / 最|most   2.0   "极其满意", "最差"
 *   2 很|very                  1.75  "很好"
 *   3 较|more                  1.5   "更好", "越来越差"
 *   4 稍|-ish                  0.8   "有点贵", "稍微", "挺"/"蛮" are mild
 *   5 欠|insufficiently        0.5   "不怎么", "不大"
 *   6 超|over                  1.5   "超好", "过于", "太" (excess reads as emphasis)
 * The values follow the common practice of HowNet-based scorers (2 / 1.5-1.75 / 1.25-1.5
 * / 0.5-0.8 / 0.5 / 1.5); the order is what matters, and the bench in
 * tests/bench/eval_sentiment_lexicon.c shows how little the exact values move accuracy. */
static const double degree_level_mult[7] = {0, 2.0, 1.75, 1.5, 0.8, 0.5, 1.5};

bndl_lex_format bndl_lex_format_from_name(const char *name) {
  static const struct {
    const char *name;
    bndl_lex_format format;
  } names[] = {{"vader", BNDL_LEX_FORMAT_VADER},
               {"positive", BNDL_LEX_FORMAT_POSITIVE},
               {"negative", BNDL_LEX_FORMAT_NEGATIVE},
               {"hownet_positive", BNDL_LEX_FORMAT_HOWNET_POSITIVE},
               {"hownet_negative", BNDL_LEX_FORMAT_HOWNET_NEGATIVE},
               {"hownet_degree", BNDL_LEX_FORMAT_HOWNET_DEGREE},
               {"hownet_opinion", BNDL_LEX_FORMAT_HOWNET_OPINION},
               {"dutir", BNDL_LEX_FORMAT_DUTIR},
               {"negation", BNDL_LEX_FORMAT_NEGATION}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(name, names[i].name) == 0)
      return names[i].format;
  return (bndl_lex_format)0;
}

/* ---- line reading over data/input (plain or gzip, BOM stripped) */

typedef struct line_reader {
  bndl_input in;
  const char *path;
  int64_t line_no;
} line_reader;

/* Next line without its '\n' (and '\r'); *got = 0 at the end. The pointer is valid
 * until the next call. */
static bndl_status next_line(line_reader *r, const char **s, size_t *n, int *got) {
  bndl_input *in = &r->in;
  for (;;) {
    const char *b = in->buf + in->begin;
    const char *nl = memchr(b, '\n', in->end - in->begin);
    if (nl != NULL || (in->eof && in->begin < in->end)) {
      size_t len = nl ? (size_t)(nl - b) : in->end - in->begin;
      in->begin += nl ? len + 1 : len;
      if (len > 0 && b[len - 1] == '\r')
        len--;
      r->line_no++;
      *s = b;
      *n = len;
      *got = 1;
      return BNDL_OK;
    }
    if (in->eof) {
      *got = 0;
      return BNDL_OK;
    }
    if (bndl_input_more(in, MAX_LINE) != BNDL_OK)
      return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: line longer than %d bytes", r->path, (long long)r->line_no + 1,
                       MAX_LINE);
  }
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static void trim(const char **s, size_t *n) {
  while (*n > 0 && is_blank(**s)) {
    (*s)++;
    (*n)--;
  }
  while (*n > 0 && is_blank((*s)[*n - 1]))
    (*n)--;
}

/* Field i (0-based) of a tab-separated line; 0 when the line has fewer fields. */
static int tab_field(const char *s, size_t n, int i, const char **f, size_t *fn) {
  size_t start = 0;
  for (int k = 0;; k++) {
    const char *tab = memchr(s + start, '\t', n - start);
    size_t end = tab ? (size_t)(tab - s) : n;
    if (k == i) {
      *f = s + start;
      *fn = end - start;
      return 1;
    }
    if (tab == NULL)
      return 0;
    start = end + 1;
  }
}

static int count_fields(const char *s, size_t n) {
  int k = 1;
  for (size_t i = 0; i < n; i++)
    k += s[i] == '\t';
  return k;
}

/* Normalises a word into buf (trim, ASCII lower-case) after checking it. */
static bndl_status normalise(const line_reader *r, const char *s, size_t n, char *buf, size_t *out_n) {
  trim(&s, &n);
  if (n == 0)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: empty word", r->path, (long long)r->line_no);
  if (n >= MAX_WORD)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: word of %zu bytes (at most %d)", r->path, (long long)r->line_no, n,
                     MAX_WORD - 1);
  size_t bad = bndl_utf8_invalid_at(s, n);
  if (bad < n)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: invalid UTF-8 at byte %zu of the word (the file must be UTF-8)",
                     r->path, (long long)r->line_no, bad);
  for (size_t i = 0; i < n; i++)
    buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
  buf[n] = '\0';
  *out_n = n;
  return BNDL_OK;
}

/* ---- one loader state for every format */

typedef struct loader {
  bndl_lexicon *lex;
  line_reader r;
  bndl_lex_load_stats st;
  int level; /* current group of a grouped HowNet file (0: before the first) */
} loader;

static bndl_status take_word(loader *L, const char *s, size_t n, bndl_lex_entry **e) {
  char w[MAX_WORD];
  size_t wn = 0;
  BNDL_TRY(normalise(&L->r, s, n, w, &wn));
  BNDL_TRY(bndl_lexicon_intern(L->lex, w, wn, e));
  L->st.entries++;
  return BNDL_OK;
}

static bndl_status vader_line(loader *L, const char *s, size_t n) {
  const char *f = NULL;
  size_t fn = 0;
  if (count_fields(s, n) < 2)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: expected 'token<TAB>valence<TAB>...', found no tab", L->r.path,
                     (long long)L->r.line_no);
  tab_field(s, n, 1, &f, &fn);
  double v;
  if (!bndl_parse_double(f, fn, &v))
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: valence '%.*s' is not a number", L->r.path,
                     (long long)L->r.line_no, (int)(fn > 40 ? 40 : fn), f);
  if (v < -4.0 || v > 4.0)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: valence %g is outside -4..4", L->r.path, (long long)L->r.line_no, v);
  tab_field(s, n, 0, &f, &fn);
  bndl_lex_entry *e;
  BNDL_TRY(take_word(L, f, fn, &e));
  bndl_lexicon_entry_add_valence(L->lex, e, v, BNDL_LEX_RANK_VADER);
  /* Emoticons are case-sensitive ("D:" is horror, "d:" a tongue) and the tokenizer keeps
   * their case, so a token with capitals is also stored as written; words are looked up
   * folded, and get the mean of the spellings ("lol" and "LOL"). */
  trim(&f, &fn);
  int upper = 0;
  for (size_t i = 0; i < fn; i++)
    upper |= f[i] >= 'A' && f[i] <= 'Z';
  if (upper) {
    BNDL_TRY(bndl_lexicon_intern(L->lex, f, fn, &e));
    bndl_lexicon_entry_add_valence(L->lex, e, v, BNDL_LEX_RANK_VADER);
  }
  return BNDL_OK;
}

/* HowNet line 1: "title \t [\t] count" (the last non-empty field is the count). */
static bndl_status hownet_header(loader *L, const char *s, size_t n) {
  int k = count_fields(s, n);
  const char *f = NULL;
  size_t fn = 0;
  for (int i = k - 1; i >= 1; i--) {
    tab_field(s, n, i, &f, &fn);
    trim(&f, &fn);
    if (fn > 0)
      break;
  }
  int64_t count;
  if (k < 2 || fn == 0 || !bndl_parse_int64(f, fn, &count) || count < 0)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: expected the HowNet header 'title<TAB>count'", L->r.path,
                     (long long)L->r.line_no);
  L->st.header_count = count;
  return BNDL_OK;
}

/* "N. ..." starts a group of a grouped HowNet file; returns N, or 0 when s is a word. */
static int group_number(const char *s, size_t n) {
  size_t i = 0;
  int v = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9' && v < 1000)
    v = v * 10 + (s[i++] - '0');
  return (i > 0 && i + 1 < n && s[i] == '.' && s[i + 1] == ' ') ? v : 0;
}

static bndl_status grouped_line(loader *L, const char *s, size_t n, bndl_lex_format format) {
  int g = group_number(s, n);
  if (g != 0) {
    if (format == BNDL_LEX_FORMAT_HOWNET_DEGREE && g > 6)
      return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: degree level %d (HowNet has levels 1-6)", L->r.path,
                       (long long)L->r.line_no, g);
    L->level = g;
    L->st.ignored++;
    return BNDL_OK;
  }
  if (L->level == 0)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: word before the first group header 'N. ...'", L->r.path,
                     (long long)L->r.line_no);
  bndl_lex_entry *e;
  BNDL_TRY(take_word(L, s, n, &e));
  if (format == BNDL_LEX_FORMAT_HOWNET_OPINION) {
    bndl_lexicon_entry_add_kind(L->lex, e, BNDL_LEX_OPINION);
    return BNDL_OK;
  }
  double before = e->degree;
  if (!bndl_lexicon_entry_set_degree(L->lex, e, degree_level_mult[L->level]))
    bndl_log(L->lex->ctx, BNDL_LOG_WARN, "%s:%lld: '%s' is already a degree word (x%g); level %d ignored", L->r.path,
             (long long)L->r.line_no, L->lex->pool + e->key, before, L->level);
  return BNDL_OK;
}

static bndl_status dutir_line(loader *L, const char *s, size_t n) {
  if (L->r.line_no == 1) {
    const char *f;
    size_t fn;
    tab_field(s, n, 0, &f, &fn);
    trim(&f, &fn);
    if (!(fn == 6 && memcmp(f, "词语", 6) == 0))
      return bndl_fail(BNDL_ERR_FORMAT, "%s:1: expected the DUTIR header row starting with '词语'", L->r.path);
    L->st.ignored++;
    return BNDL_OK;
  }
  if (count_fields(s, n) < 7)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: %d tab-separated fields, expected at least 7 (word .. polarity)",
                     L->r.path, (long long)L->r.line_no, count_fields(s, n));
  const char *f = NULL;
  size_t fn = 0;
  int64_t intensity, polarity;
  tab_field(s, n, 6, &f, &fn);
  if (!bndl_parse_int64(f, fn, &polarity))
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: polarity '%.*s' is not an integer", L->r.path,
                     (long long)L->r.line_no, (int)(fn > 40 ? 40 : fn), f);
  if (polarity == 7) { /* SOURCE.md: one row of the source has polarity 7 */
    bndl_log(L->lex->ctx, BNDL_LOG_WARN, "%s:%lld: polarity 7 is not 0-3 (a known error of the DUTIR source): row skipped",
             L->r.path, (long long)L->r.line_no);
    L->st.skipped++;
    return BNDL_OK;
  }
  if (polarity < 0 || polarity > 3)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: polarity %lld is not 0-3", L->r.path, (long long)L->r.line_no,
                     (long long)polarity);
  tab_field(s, n, 5, &f, &fn);
  if (!bndl_parse_int64(f, fn, &intensity) || intensity < 0 || intensity > 9)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: intensity '%.*s' is not an integer 0-9", L->r.path,
                     (long long)L->r.line_no, (int)(fn > 40 ? 40 : fn), f);
  if (polarity == 0 || polarity == 3) { /* neutral, or both: no valence to give */
    L->st.ignored++;
    return BNDL_OK;
  }
  if (intensity == 0)
    return bndl_fail(BNDL_ERR_FORMAT, "%s:%lld: a %s word with intensity 0", L->r.path, (long long)L->r.line_no,
                     polarity == 1 ? "positive" : "negative");
  tab_field(s, n, 0, &f, &fn);
  bndl_lex_entry *e;
  BNDL_TRY(take_word(L, f, fn, &e));
  /* intensity 1..9 onto VADER's scale: 9 -> 4, 5 -> 2.2 (about a plain list word), 1 -> 0.44 */
  double v = 4.0 * (double)intensity / 9.0;
  bndl_lexicon_entry_add_valence(L->lex, e, polarity == 1 ? v : -v, BNDL_LEX_RANK_DUTIR);
  return BNDL_OK;
}

static bndl_status load_line(loader *L, bndl_lex_format format, const char *s, size_t n) {
  const char *t = s;
  size_t tn = n;
  trim(&t, &tn);
  int hownet = format == BNDL_LEX_FORMAT_HOWNET_POSITIVE || format == BNDL_LEX_FORMAT_HOWNET_NEGATIVE ||
               format == BNDL_LEX_FORMAT_HOWNET_DEGREE || format == BNDL_LEX_FORMAT_HOWNET_OPINION;
  if (hownet && L->r.line_no == 1) {
    L->st.ignored++;
    return hownet_header(L, t, tn);
  }
  if (tn == 0) {
    L->st.ignored++;
    return BNDL_OK;
  }
  bndl_lex_entry *e;
  switch (format) {
  case BNDL_LEX_FORMAT_VADER:
    return vader_line(L, s, n);
  case BNDL_LEX_FORMAT_POSITIVE:
  case BNDL_LEX_FORMAT_NEGATIVE:
    if (t[0] == ';') {
      L->st.ignored++;
      return BNDL_OK;
    }
    /* fall through */
  case BNDL_LEX_FORMAT_HOWNET_POSITIVE:
  case BNDL_LEX_FORMAT_HOWNET_NEGATIVE: {
    int positive = format == BNDL_LEX_FORMAT_POSITIVE || format == BNDL_LEX_FORMAT_HOWNET_POSITIVE;
    BNDL_TRY(take_word(L, t, tn, &e));
    bndl_lexicon_entry_add_valence(L->lex, e, positive ? BNDL_LEX_LIST_VALENCE : -BNDL_LEX_LIST_VALENCE,
                                   BNDL_LEX_RANK_LIST);
    return BNDL_OK;
  }
  case BNDL_LEX_FORMAT_HOWNET_DEGREE:
  case BNDL_LEX_FORMAT_HOWNET_OPINION:
    return grouped_line(L, t, tn, format);
  case BNDL_LEX_FORMAT_DUTIR:
    return dutir_line(L, s, n);
  case BNDL_LEX_FORMAT_NEGATION:
    BNDL_TRY(take_word(L, t, tn, &e));
    bndl_lexicon_entry_add_kind(L->lex, e, BNDL_LEX_NEGATOR);
    return BNDL_OK;
  }
  return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "unknown lexicon format %d", (int)format);
}

bndl_status bndl_lexicon_load_file(bndl_lexicon *lex, const char *path, bndl_lex_format format,
                                   bndl_lex_load_stats *stats) {
  loader L;
  memset(&L, 0, sizeof L);
  L.lex = lex;
  L.r.path = path;
  L.st.header_count = -1;
  bndl_lex_mark mark;
  BNDL_TRY(bndl_lexicon_mark(lex, &mark));
  bndl_status st = bndl_input_open(&L.r.in, &lex->ctx->alloc, path);
  if (st != BNDL_OK) {
    bndl_lexicon_mark_release(lex, &mark);
    return st;
  }
  for (;;) {
    const char *s;
    size_t n;
    int got;
    BNDL_TRY_GOTO(st, next_line(&L.r, &s, &n, &got), fail);
    if (!got)
      break;
    L.st.lines++;
    BNDL_TRY_GOTO(st, load_line(&L, format, s, n), fail);
  }
  if (L.r.line_no == 0 && format != BNDL_LEX_FORMAT_NEGATION && format != BNDL_LEX_FORMAT_POSITIVE &&
      format != BNDL_LEX_FORMAT_NEGATIVE && format != BNDL_LEX_FORMAT_VADER) {
    st = bndl_fail(BNDL_ERR_FORMAT, "%s: empty file (this format starts with a header)", path);
    goto fail;
  }
  if (L.st.header_count >= 0 && L.st.header_count != L.st.entries)
    bndl_log(lex->ctx, BNDL_LOG_INFO, "%s: the header states %lld words, the file lists %lld", path,
             (long long)L.st.header_count, (long long)L.st.entries);
  bndl_log(lex->ctx, BNDL_LOG_DEBUG, "%s: %lld lines, %lld words, %lld ignored, %lld skipped", path,
           (long long)L.st.lines, (long long)L.st.entries, (long long)L.st.ignored, (long long)L.st.skipped);
  bndl_input_close(&L.r.in);
  bndl_lexicon_mark_release(lex, &mark);
  if (stats)
    *stats = L.st;
  return BNDL_OK;
fail:
  bndl_input_close(&L.r.in);
  bndl_lexicon_rollback(lex, &mark);
  return st;
}

/* The files of ../shared/data/lexicons that load_folder knows, in load order (the order
 * does not change the result, see lexicon.h).
 * English: VADER, Hu & Liu, HowNet's English degree words (boosters/dampeners) and
 *          opinion words. HowNet's English evaluation and emotion lists are left out:
 *          they are glosses of Chinese senses and give valences to "your", "back",
 *          "first", "blue", "plastic"; with them, amazon_cells' training rows drop from
 *          0.814 to 0.783 (tests/bench/RESULTS.md). bndl_lexicon_load still reads them.
 * Chinese: HowNet's Chinese lists, NTUSD, DUTIR, the negation words (each list adds to
 *          the others: every subset scores lower on the Chinese corpora). */
static const struct known_file {
  const char *name;
  bndl_lex_format format;
} known_files[] = {
    {"vader_lexicon.txt", BNDL_LEX_FORMAT_VADER},
    {"huliu_positive-words.txt", BNDL_LEX_FORMAT_POSITIVE},
    {"huliu_negative-words.txt", BNDL_LEX_FORMAT_NEGATIVE},
    {"hownet_degree_en.txt", BNDL_LEX_FORMAT_HOWNET_DEGREE},
    {"hownet_opinion_en.txt", BNDL_LEX_FORMAT_HOWNET_OPINION},
    {"hownet_pos_evaluation_zh.txt", BNDL_LEX_FORMAT_HOWNET_POSITIVE},
    {"hownet_pos_emotion_zh.txt", BNDL_LEX_FORMAT_HOWNET_POSITIVE},
    {"hownet_neg_evaluation_zh.txt", BNDL_LEX_FORMAT_HOWNET_NEGATIVE},
    {"hownet_neg_emotion_zh.txt", BNDL_LEX_FORMAT_HOWNET_NEGATIVE},
    {"hownet_degree_zh.txt", BNDL_LEX_FORMAT_HOWNET_DEGREE},
    {"hownet_opinion_zh.txt", BNDL_LEX_FORMAT_HOWNET_OPINION},
    {"ntusd_simplified_positive.txt", BNDL_LEX_FORMAT_POSITIVE},
    {"ntusd_simplified_negative.txt", BNDL_LEX_FORMAT_NEGATIVE},
    {"dutir_affective_lexicon_ontology.tsv", BNDL_LEX_FORMAT_DUTIR},
    {"zh_negation_words.txt", BNDL_LEX_FORMAT_NEGATION},
};

bndl_status bndl_lexicon_load_folder(bndl_lexicon *lex, const char *dir) {
  const bndl_allocator *a = &lex->ctx->alloc;
  size_t dn = strlen(dir);
  char *path = bndl_alloc(a, dn + 64);
  if (path == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_lex_mark mark;
  bndl_status st = bndl_lexicon_mark(lex, &mark);
  if (st != BNDL_OK) {
    bndl_free(a, path);
    return st;
  }
  int loaded = 0;
  for (size_t i = 0; i < sizeof known_files / sizeof known_files[0]; i++) {
    snprintf(path, dn + 64, "%s%s%s", dir, (dn > 0 && dir[dn - 1] == '/') ? "" : "/", known_files[i].name);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
      bndl_log(lex->ctx, BNDL_LOG_INFO, "%s: not there, skipped", path);
      continue;
    }
    bndl_lex_load_stats ls;
    BNDL_TRY_GOTO(st, bndl_lexicon_load_file(lex, path, known_files[i].format, &ls), fail);
    bndl_log(lex->ctx, BNDL_LOG_INFO, "%s: %lld words", path, (long long)ls.entries);
    loaded++;
  }
  if (loaded == 0) {
    st = bndl_fail(BNDL_ERR_NOT_FOUND, "'%s' holds none of the known lexicon files (vader_lexicon.txt, "
                   "huliu_*-words.txt, hownet_*.txt, ntusd_*.txt, dutir_*.tsv, zh_negation_words.txt)", dir);
    goto fail;
  }
  bndl_free(a, path);
  bndl_lexicon_mark_release(lex, &mark);
  return BNDL_OK;
fail:
  bndl_free(a, path);
  bndl_lexicon_rollback(lex, &mark);
  return st;
}
