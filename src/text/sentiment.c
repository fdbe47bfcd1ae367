/*
 * sentiment.c - VADER-style lexicon sentiment for English and Chinese.
 *
 * Written from the rules as Hutto & Gilbert describe them (VADER, ICWSM 2014), not from
 * vaderSentiment's code; the Chinese rules are the usual dictionary method over HowNet /
 * NTUSD / DUTIR (degree words multiply, negators flip, contrast words shift the weight).
 *
 * The token list is first turned into units: one per token, except that consecutive
 * English words that form a lexicon phrase ("kind of", "a bit", "to some extent") are
 * one unit. Each unit gets a role:
 *   punctuation  ends clauses (',' ':') or sentences ('.' '!' '?' ';' '。'); '!' counted
 *   contrast     "but"; 但是 但 可是 不过 然而 却
 *   sentiment    a word with a non-zero valence ... unless it is also a degree word and
 *                the next unit is a sentiment word: then it modifies it ("好棒", "super
 *                nice", "terribly good" read as degree + word); or it is also a negator
 *                and a sentiment word follows in its clause within the window ("不是
 *                很满意": 不是 negates; "这个不好": 不好 is the word)
 *   degree       HowNet degree words; for English also a built-in list of common
 *                intensifiers and dampeners (VADER keeps one in its code too)
 *   negator      Chinese negation words (zh_negation_words.txt, or any "negation" file)
 *
 * Rules for one sentiment unit with valence v (-4..4):
 *  English (and emoticons):
 *   - ALL CAPS: when the text mixes case, a word written in capitals gains 0.733 in
 *     magnitude.
 *   - boosters: each of the 3 units before it that is a degree word (stopping at
 *     punctuation) adds +-0.293 in the direction of v (+ for an intensifier, - for a
 *     dampener), scaled 1 / 0.95 / 0.9 by distance 1 / 2 / 3; a booster in capitals in
 *     mixed-case text adds 0.733 more.
 *   - negation: the tokenizer marks the words of a negation scope; the first
 *     BNDL_SENT_NEG_WINDOW words of a scope (VADER looks 3 words back for a negator)
 *     are multiplied by -0.74. A "negation"-file word among the 3 units before does the
 *     same (for English negation lists loaded by the caller).
 *  Chinese (a CJK token):
 *   - the units before it in its clause, back to the previous sentiment word and at
 *     most BNDL_SENT_ZH_WINDOW units, are read: degree words multiply v by their level
 *     multiplier; an odd number of negators flips it (two cancel: "不是不好" is
 *     positive); a negator in front of a degree word means "not very": v * -0.5 with
 *     the degree dropped ("不太好" is mildly negative, "太不好" strongly).
 *  Both:
 *   - contrast: inside a sentence, sentiment before a contrast word is weighted 0.5 and
 *     after it 1.5 ("the screen is great, but the battery dies" is negative).
 *   - exclamation marks: each of the first 4 adds 0.292 to the magnitude of the sum.
 *   - compound = s / sqrt(s^2 + 15), in [-1, 1]; no sentiment word gives exactly 0.
 */
#include "text/sentiment.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "text/lexicon_internal.h"

enum { BNDL_SENT_NEG_WINDOW = 3, BNDL_SENT_ZH_WINDOW = 3 };

/* Chinese negative expressions weigh 1.5x (SO-CAL's negativity weighting, Taboada et
 * al., Computational Linguistics 2011): reviews use positive words loosely ("还不错,
 * 就是太慢了"), and the Chinese lists give every word the same magnitude. VADER's English
 * valences are human-rated means and get no such weight (on the training rows it cost
 * amazon_cells 0.6 and All_Beauty 2 points, while it gained 2.4 / 4.6 on shopping / waimai). */
#define BNDL_SENT_ZH_NEGATIVE 1.5

enum role { ROLE_NONE = 0, ROLE_PUNCT, ROLE_CONTRAST, ROLE_SENTIMENT, ROLE_MODIFIER };
enum { MOD_DEGREE = 1, MOD_NEGATOR = 2 };
enum { PUNCT_CLAUSE = 1, PUNCT_SENTENCE = 2 };

typedef struct unit {
  double valence; /* of a sentiment word */
  double degree;  /* of a degree word */
  uint32_t kinds; /* lexicon kinds */
  uint32_t tok;   /* first token */
  uint8_t ntok;   /* tokens in the unit (phrases: 2-3) */
  uint8_t role;
  uint8_t mods;   /* MOD_* of a modifier */
  uint8_t cjk;
  uint8_t punct;  /* PUNCT_* */
  uint8_t bangs;
  uint8_t caps;   /* written in capitals */
  uint8_t negated;
  uint16_t neg_pos; /* position in its negation scope (0 = first marked word) */
} unit;

/* Common English degree adverbs (general English usage; intensifiers then dampeners).
 * They take precedence over HowNet's English levels, which put "quite", "pretty" and
 * "rather" with the dampeners. */
static const char *const en_boosters[] = {
    "absolutely", "amazingly",   "awfully",   "completely", "considerably", "decidedly",  "deeply",
    "enormously", "entirely",    "especially", "exceptionally", "extremely", "fabulously", "greatly",
    "highly",     "hugely",      "incredibly", "insanely",  "intensely",    "majorly",    "more",
    "most",       "particularly", "purely",   "quite",      "really",       "remarkably", "so",
    "substantially", "super",    "thoroughly", "too",       "totally",      "tremendously", "truly",
    "unbelievably", "unusually", "utterly",   "very",       "pretty",       "rather",     "real",
    "seriously",  "such",        "damn",      "fully",      "way"};
static const char *const en_dampeners[] = {"almost", "barely",   "hardly",   "kinda",    "kind of",   "less",
                                           "little", "marginally", "occasionally", "partly", "scarcely", "slightly",
                                           "somewhat", "sorta",  "sort of",  "a bit",    "a little",  "fairly"};
static const char *const en_contrast[] = {"but"};
static const char *const zh_contrast[] = {"但是", "但", "可是", "不过", "然而", "却"};

static int in_list(const char *const *list, size_t n, const char *w, size_t wn) {
  for (size_t i = 0; i < n; i++)
    if (strlen(list[i]) == wn && memcmp(list[i], w, wn) == 0)
      return 1;
  return 0;
}
#define IN_LIST(list, w, n) in_list(list, sizeof list / sizeof list[0], w, n)

static int is_cjk_token(const bndl_token *t) {
  if (t->kind == BNDL_TOKEN_CJK)
    return 1;
  /* a WORD whose first code point is in the CJK blocks (E3..E9 lead bytes) */
  unsigned char c = (unsigned char)t->text[0];
  return t->kind == BNDL_TOKEN_WORD && c >= 0xE3 && c <= 0xE9;
}

/* The token's word: without a "NOT_" prefix (the public tokenize output marks scopes
 * that way; the internal list has the flag only, but accept both). */
static void token_word(const bndl_token *t, const char **w, size_t *n, int *negated) {
  *w = t->text;
  *n = t->length;
  *negated = t->negated;
  if (*n > 4 && memcmp(*w, "NOT_", 4) == 0) {
    *w += 4;
    *n -= 4;
    *negated = 1;
  }
}

static void classify_punct(unit *u, const char *w, size_t n) {
  /* 。！？；… have no ASCII form (the tokenizer folds full-width ！？； to ASCII, but
   * accept them either way) */
  static const char *const ends[] = {"。", "！", "？", "；", "…"};
  u->role = ROLE_PUNCT;
  u->punct = PUNCT_CLAUSE;
  for (size_t i = 0; i < n; i++) {
    char c = w[i];
    if (c == '!' && u->bangs < UINT8_MAX)
      u->bangs++;
    if (c == '.' || c == '!' || c == '?' || c == ';')
      u->punct = PUNCT_SENTENCE;
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
      size_t el = strlen(ends[k]);
      if (i + el <= n && memcmp(w + i, ends[k], el) == 0) {
        u->punct = PUNCT_SENTENCE;
        if (k == 1 && u->bangs < UINT8_MAX)
          u->bangs++;
      }
    }
  }
}

/* Capitals: the token's bytes in the text, compared case-insensitively with the
 * token (so expanded contractions and folded forms never count), all letters upper. */
static int written_in_caps(const char *text, size_t len, const bndl_token *t) {
  if (text == NULL || (size_t)t->offset + t->length > len)
    return 0;
  const char *s = text + t->offset;
  int letters = 0;
  for (uint32_t i = 0; i < t->length; i++) {
    char c = s[i], lc = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    if (lc != t->text[i])
      return 0;
    if (c >= 'a' && c <= 'z')
      return 0;
    letters += c >= 'A' && c <= 'Z';
  }
  return letters > 0;
}

static int has_letter(const bndl_token *t) {
  for (uint32_t i = 0; i < t->length; i++)
    if ((t->text[i] >= 'a' && t->text[i] <= 'z') || (t->text[i] >= 'A' && t->text[i] <= 'Z'))
      return 1;
  return 0;
}

/* Looks up 3- and 2-word English phrases starting at token i; returns the tokens used
 * (1 when no phrase). */
static int match_phrase(const bndl_lexicon *lex, const bndl_token_list *tl, size_t i, bndl_lex_word *out,
                        int *builtin_degree) {
  char buf[256];
  for (int len = 3; len >= 2; len--) {
    if (i + (size_t)len > tl->n)
      continue;
    size_t bl = 0;
    int ok = 1;
    for (int k = 0; k < len && ok; k++) {
      const bndl_token *t = &tl->tokens[i + (size_t)k];
      const char *w;
      size_t wn;
      int negated;
      token_word(t, &w, &wn, &negated);
      if (t->kind != BNDL_TOKEN_WORD || is_cjk_token(t) || bl + wn + 1 >= sizeof buf) {
        ok = 0;
        break;
      }
      if (k > 0)
        buf[bl++] = ' ';
      memcpy(buf + bl, w, wn);
      bl += wn;
    }
    if (!ok)
      continue;
    if (IN_LIST(en_dampeners, buf, bl)) {
      memset(out, 0, sizeof *out);
      *builtin_degree = -1;
      return len;
    }
    if (bndl_lexicon_lookup(lex, buf, bl, out)) {
      *builtin_degree = 0;
      return len;
    }
  }
  return 1;
}

/* 1 when a word with a valence follows unit k in its clause within the negation
 * window: then a negator that has a valence of its own ("不是", "没有") negates it
 * rather than counting as a word ("不是很满意"); alone it is a word ("这个不好"). */
static int sentiment_follows(const unit *units, size_t nu, size_t k) {
  for (size_t d = 1; d <= BNDL_SENT_ZH_WINDOW && k + d < nu; d++) {
    const unit *m = &units[k + d];
    if (m->role == ROLE_PUNCT || m->role == ROLE_CONTRAST)
      return 0;
    if (m->valence != 0.0)
      return 1;
  }
  return 0;
}

/* A one-character Chinese sentiment word counts only where it reads as a predicate:
 * right after a degree word or negator ("很好", "不差", "太贵") or closing its clause,
 * sentence-final particles aside ("味道好。", "凉了,"). HowNet lists about a thousand
 * single characters that are mostly bound morphemes elsewhere (中 in 米饭中, 头 in 头发,
 * 是, 到, 成, 下), and a segmenter without a general dictionary leaves them standing
 * alone; on the training rows this rule gained 7.7 / 4.5 / 5.4 points on shopping /
 * waimai / hotel over counting them everywhere (dropping them all: 3.9 / -1.1 / 2.4). */
static int single_character_counts(const bndl_token_list *tl, const unit *units, size_t nu, size_t k) {
  static const char *const particles[] = {"的", "了", "啊", "呀", "吧", "呢", "哦", "啦",
                                          "嘛", "哈", "喔", "噢", "哟", "耶", "滴", "咯"};
  if (k > 0 && units[k - 1].role == ROLE_MODIFIER)
    return 1;
  size_t j = k + 1;
  while (j < nu && units[j].cjk && units[j].role == ROLE_NONE &&
         IN_LIST(particles, tl->tokens[units[j].tok].text, tl->tokens[units[j].tok].length))
    j++;
  return j >= nu || units[j].role == ROLE_PUNCT || units[j].role == ROLE_CONTRAST;
}

/* Tokens -> units with their lexicon information; returns the unit count. */
static size_t build_units(const bndl_lexicon *lex, const char *text, size_t len, const bndl_token_list *tl,
                          unit *units, int *mixed_case) {
  size_t nu = 0;
  int64_t caps_words = 0, words = 0;
  for (size_t i = 0; i < tl->n;) {
    const bndl_token *t = &tl->tokens[i];
    unit *u = &units[nu++];
    memset(u, 0, sizeof *u);
    u->tok = (uint32_t)i;
    u->ntok = 1;
    u->degree = 1.0;
    const char *w;
    size_t wn;
    int negated;
    token_word(t, &w, &wn, &negated);
    u->negated = (uint8_t)negated;
    if (t->kind == BNDL_TOKEN_PUNCT) {
      classify_punct(u, w, wn);
      i++;
      continue;
    }
    if (t->kind == BNDL_TOKEN_NUMBER) {
      i++;
      continue;
    }
    u->cjk = (uint8_t)is_cjk_token(t);
    if (!u->cjk && t->kind == BNDL_TOKEN_WORD && has_letter(t)) {
      words++;
      u->caps = (uint8_t)written_in_caps(text, len, t);
      caps_words += u->caps;
    }
    if (u->cjk ? IN_LIST(zh_contrast, w, wn) : IN_LIST(en_contrast, w, wn)) {
      u->role = ROLE_CONTRAST;
      i++;
      continue;
    }
    bndl_lex_word lw;
    int found = 0, builtin = 0;
    if (!u->cjk && t->kind == BNDL_TOKEN_WORD) {
      int used = match_phrase(lex, tl, i, &lw, &builtin);
      if (used > 1) {
        u->ntok = (uint8_t)used;
        found = 1;
      }
    }
    if (!found)
      found = bndl_lexicon_lookup(lex, w, wn, &lw);
    if (!found && t->kind == BNDL_TOKEN_EMOJI && wn < 64) { /* emoticons keep their case; try folded */
      char folded[64];
      for (size_t c = 0; c < wn; c++)
        folded[c] = (w[c] >= 'A' && w[c] <= 'Z') ? (char)(w[c] - 'A' + 'a') : w[c];
      found = bndl_lexicon_lookup(lex, folded, wn, &lw);
    }
    if (!found)
      memset(&lw, 0, sizeof lw);
    if (!u->cjk && u->ntok == 1) {
      if (IN_LIST(en_boosters, w, wn))
        builtin = 1;
      else if (IN_LIST(en_dampeners, w, wn))
        builtin = -1;
    }
    u->kinds = lw.kinds;
    u->valence = lw.valence;
    u->degree = lw.degree;
    if (builtin != 0) {
      u->kinds |= BNDL_LEX_DEGREE;
      u->degree = builtin > 0 ? 1.5 : 0.5;
    }
    i += u->ntok;
  }
  *mixed_case = caps_words > 0 && caps_words < words;
  /* roles need the next unit, so a second pass */
  for (size_t k = 0; k < nu; k++) {
    unit *u = &units[k];
    if (u->role != ROLE_NONE)
      continue;
    int senti = u->valence != 0.0;
    if (senti && (u->kinds & BNDL_LEX_NEGATOR) && sentiment_follows(units, nu, k)) {
      u->role = ROLE_MODIFIER;
      u->mods = (uint8_t)(MOD_NEGATOR | ((u->kinds & BNDL_LEX_DEGREE) ? MOD_DEGREE : 0));
    } else if (senti && (u->kinds & BNDL_LEX_DEGREE) && k + 1 < nu && units[k + 1].role == ROLE_NONE &&
               units[k + 1].valence != 0.0) {
      u->role = ROLE_MODIFIER;
      u->mods = MOD_DEGREE;
    } else if (senti) {
      u->role = ROLE_SENTIMENT;
    } else if (u->kinds & (BNDL_LEX_DEGREE | BNDL_LEX_NEGATOR)) {
      u->role = ROLE_MODIFIER;
      u->mods = (uint8_t)(((u->kinds & BNDL_LEX_DEGREE) ? MOD_DEGREE : 0) |
                          ((u->kinds & BNDL_LEX_NEGATOR) ? MOD_NEGATOR : 0));
    }
  }
  for (size_t k = 0; k < nu; k++)
    if (units[k].role == ROLE_SENTIMENT && units[k].cjk && tl->tokens[units[k].tok].length == 3 &&
        !single_character_counts(tl, units, nu, k))
      units[k].role = ROLE_NONE;
  /* position of each English word inside its negation scope (a run of marked tokens) */
  uint16_t pos = 0;
  for (size_t k = 0; k < nu; k++) {
    unit *u = &units[k];
    if (u->negated && !u->cjk) {
      u->neg_pos = pos;
      if (pos < UINT16_MAX)
        pos++;
    } else {
      pos = 0;
    }
  }
  return nu;
}

static double sign_of(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }

static double english_valence(const unit *units, size_t k, int mixed_case) {
  const unit *u = &units[k];
  double v = u->valence, s = sign_of(v);
  if (u->caps && mixed_case)
    v += s * BNDL_SENT_CAPS;
  static const double dist_scale[3] = {1.0, 0.95, 0.9};
  int lexicon_negator = 0;
  for (size_t d = 1; d <= 3 && d <= k; d++) {
    const unit *m = &units[k - d];
    if (m->role == ROLE_PUNCT)
      break;
    if (m->role == ROLE_MODIFIER && (m->mods & MOD_DEGREE) && m->degree != 1.0) {
      double b = (m->degree > 1.0 ? BNDL_SENT_BOOST : -BNDL_SENT_BOOST) * s;
      if (m->caps && mixed_case)
        b += s * BNDL_SENT_CAPS;
      v += b * dist_scale[d - 1];
    }
    if (m->role == ROLE_MODIFIER && (m->mods & MOD_NEGATOR))
      lexicon_negator = 1;
  }
  if ((u->negated && u->neg_pos < BNDL_SENT_NEG_WINDOW) || lexicon_negator)
    v *= BNDL_SENT_NEGATE;
  return v;
}

static double chinese_valence(const unit *units, size_t k) {
  double v = units[k].valence, mult = 1.0;
  int negators = 0, degree_seen = 0, neg_before_degree = 0;
  for (size_t d = 1; d <= BNDL_SENT_ZH_WINDOW && d <= k; d++) {
    const unit *m = &units[k - d];
    if (m->role == ROLE_PUNCT || m->role == ROLE_CONTRAST || m->role == ROLE_SENTIMENT)
      break;
    if (m->role != ROLE_MODIFIER)
      continue;
    if (m->mods & MOD_NEGATOR) { /* reading right to left: a degree word already seen lies after it */
      negators++;
      if (degree_seen)
        neg_before_degree = 1;
    }
    if (m->mods & MOD_DEGREE) {
      mult *= m->degree;
      degree_seen = 1;
    }
  }
  if (negators % 2 == 1)
    return neg_before_degree ? v * -0.5 : v * mult * -1.0;
  return v * mult;
}

bndl_status bndl_sentiment_score_tokens(const bndl_lexicon *lex, const char *text, size_t len,
                                        const bndl_token_list *tokens, double *score,
                                        bndl_sentiment_detail *detail) {
  *score = 0.0;
  if (detail)
    memset(detail, 0, sizeof *detail);
  if (tokens->n == 0)
    return BNDL_OK;
  const bndl_allocator *a = &lex->ctx->alloc;
  unit *units = bndl_alloc_array(a, tokens->n, sizeof *units);
  if (units == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  int mixed_case = 0;
  size_t nu = build_units(lex, text, len, tokens, units, &mixed_case);

  double sum = 0.0;
  int n_sent = 0, bangs = 0;
  /* sentence by sentence, for the contrast weights */
  for (size_t start = 0; start < nu;) {
    size_t end = start;
    while (end < nu && !(units[end].role == ROLE_PUNCT && units[end].punct == PUNCT_SENTENCE))
      end++;
    size_t first_contrast = SIZE_MAX, last_contrast = SIZE_MAX;
    for (size_t k = start; k < end; k++)
      if (units[k].role == ROLE_CONTRAST) {
        if (first_contrast == SIZE_MAX)
          first_contrast = k;
        last_contrast = k;
      }
    for (size_t k = start; k < end; k++) {
      if (units[k].role != ROLE_SENTIMENT)
        continue;
      double v = units[k].cjk ? chinese_valence(units, k) : english_valence(units, k, mixed_case);
      if (last_contrast != SIZE_MAX) {
        if (k < last_contrast)
          v *= BNDL_SENT_BEFORE_BUT;
        else if (k > first_contrast)
          v *= BNDL_SENT_AFTER_BUT;
      }
      if (units[k].cjk && v < 0)
        v *= BNDL_SENT_ZH_NEGATIVE;
      sum += v;
      n_sent++;
    }
    for (size_t k = start; k <= end && k < nu; k++)
      if (units[k].role == ROLE_PUNCT)
        bangs += units[k].bangs;
    start = end + 1;
  }
  bndl_free(a, units);

  if (sum != 0.0) {
    double amp = BNDL_SENT_BANG * (bangs < 4 ? bangs : 4);
    sum += sum > 0 ? amp : -amp;
  }
  double c = sum / sqrt(sum * sum + BNDL_SENT_ALPHA);
  *score = c < -1.0 ? -1.0 : (c > 1.0 ? 1.0 : c);
  if (detail) {
    detail->sum = sum;
    detail->n_sentiment = n_sent;
  }
  return BNDL_OK;
}

/* ---- text in, score out */

static void release_tokenizer(bndl_tokenizer *t) { bndl_tokenizer_free(t); }

bndl_status bndl_sentiment_prepare(bndl_lexicon *lex) {
  bndl_tokenizer_options opt = {0, 1, 0}; /* auto language, negation scopes, keep stopwords */
  bndl_tokenizer *t = NULL;
  BNDL_TRY(bndl_tokenizer_new(&lex->ctx->alloc, &opt, lex, &t));
  if (lex->tokenizer != NULL)
    lex->tokenizer_release(lex->tokenizer);
  lex->tokenizer = t;
  lex->tokenizer_release = release_tokenizer;
  return BNDL_OK;
}

bndl_status bndl_sentiment_load(bndl_lexicon *lex, const char *path, bndl_lex_format format) {
  bndl_lex_mark mark;
  BNDL_TRY(bndl_lexicon_mark(lex, &mark));
  bndl_status st = format != 0 ? bndl_lexicon_load_file(lex, path, format, NULL) : bndl_lexicon_load_folder(lex, path);
  if (st == BNDL_OK)
    st = bndl_sentiment_prepare(lex);
  if (st != BNDL_OK)
    bndl_lexicon_rollback(lex, &mark);
  else
    bndl_lexicon_mark_release(lex, &mark);
  return st;
}

bndl_status bndl_sentiment_score_text(const bndl_lexicon *lex, const char *text, size_t len, double *score,
                                      bndl_sentiment_detail *detail) {
  *score = 0.0;
  if (detail)
    memset(detail, 0, sizeof *detail);
  if (lex->tokenizer == NULL)
    return bndl_fail(BNDL_ERR_STATE, "the lexicon has no tokenizer (not created through bndl_lexicon_create)");
  bndl_token_list tl;
  bndl_token_list_init(&tl, &lex->ctx->alloc);
  bndl_status st = bndl_tokenize(lex->tokenizer, text, len, &tl);
  if (st == BNDL_OK)
    st = bndl_sentiment_score_tokens(lex, text, len, &tl, score, detail);
  bndl_token_list_free(&tl);
  return st;
}
