/*
 * tokenize.c - UTF-8 text to tokens: English rules, Chinese segmentation, negation
 * scopes and stopwords in one left-to-right pass.
 *
 * The pass. The text is validated first (bndl_utf8_invalid_at: invalid UTF-8 or NUL is
 * BNDL_ERR_FORMAT with the byte offset, before any token is made). Then each code point
 * is normalised (full-width U+FF01..U+FF5E to ASCII, U+3000 to a space) and classified
 * (char_class), and the text is cut into runs by class, so mixed text needs no language
 * switch:
 *  - letters and digits (any alphabetic script but CJK ideographs): one token per run,
 *    case-folded (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic). A run of digits
 *    with '.' or ',' between digits ("3.5", "1,000") is a NUMBER, any letter makes a
 *    WORD ("mp3", "4g"). English rules (language auto or en): an apostrophe (' or U+2019)
 *    between letters is a contraction when the letters after it are t (after n), re, ve,
 *    ll, d, m or s: "don't" -> "do" "not", "can't" -> "can" "not", "won't" -> "will"
 *    "not", "shan't" -> "shall" "not", "ain't" -> "is" "not", "they're" -> "they" "are",
 *    "'ve" -> "have", "'ll" -> "will", "'d" -> "would", "'m" -> "am"; "'s" reads "is"
 *    after it, that, this, what, there, here, he, she, who, where, when, how, why,
 *    everything, something, nothing ("it's" -> "it" "is"), "us" after "let", and is
 *    dropped otherwise (a possessive: "john's" -> "john"). Other apostrophes stay inside
 *    the word ("o'clock"). Without the apostrophe, dont doesnt didnt isnt arent wasnt
 *    werent cant couldnt wont wouldnt shouldnt havent hasnt hadnt mustnt neednt aint
 *    shant and cannot are expanded the same way. An expansion's offset is that of its
 *    suffix (the apostrophe), or of the word when there is none.
 *  - CJK ideographs: one run, segmented by the dictionary (segment_window): a unigram
 *    language model, the path of least total cost -log p(word) over the dictionary words
 *    (Viterbi), where a character no word covers costs more than any word. Consecutive
 *    characters that no dictionary word covers ("unknown" stretches) are emitted as
 *    overlapping character bigrams, "ABC" -> "AB" "BC" (a lone unknown character is
 *    emitted as itself); every token of a CJK run is BNDL_TOKEN_CJK and its text is the
 *    run's own bytes. Runs longer than SEG_WINDOW characters are cut into windows at a
 *    word boundary of the path at least SEG_MAX_WORD characters before the window end.
 *    With language en, every ideograph is its own token (no dictionary, no Chinese
 *    negators); with language zh, Latin words get no contraction, negator or stopword
 *    rules (their apostrophes stay inside the word).
 *  - emoji: a pictographic code point (U+1F000..U+1FAFF, U+2600..U+27BF and a few
 *    others) with what binds to it (skin tones, keycap, tags, ZWJ + next emoji; a pair
 *    of regional indicators is one flag); variation selectors are dropped from the text.
 *    ASCII emoticons (":)", ":-(", ":D", "<3", ...) at a token boundary are EMOJI
 *    tokens too and keep their case (VADER's keys are case-sensitive).
 *  - punctuation and symbols: a run of one repeated character is one PUNCT token ("!!!");
 *    two or more '.' and any run of U+2026 read "...". Whitespace, controls, BOM and
 *    zero-width characters separate tokens and make none.
 *
 * Negation (opt.negation): after a negator word (English: not, no, never, nothing,
 * nobody, none, neither, nor, nowhere, without, hardly, barely, scarcely, rarely, seldom,
 * nope, and the "not" of every contraction; Chinese: 不 没 没有 别 未 无 非 莫 勿 毋 甭
 * and a few compounds such as 不是 不会 不能 不太 从不 从未 并非 毫无 无法), every WORD and CJK
 * token up to the next clause punctuation (. , ; : ! ? 。 、 ... and their full-width
 * forms), line break, or contrast word (but, however, although, though, whereas, 但 但是
 * 可是 不过 然而 却) has negated = 1. The negator itself is not marked; a negator inside a
 * scope keeps the scope open (no double-negation arithmetic).
 *
 * Stopwords (opt.stopwords) are dropped after negation marking, so "not the best" still
 * marks "best". The lists are builtin_en and builtin_zh below (W_STOP): function words
 * (articles, pronouns, prepositions, auxiliaries, conjunctions, particles), never a
 * negator, contrast or degree word.
 *
 * Where the dictionary's words and counts come from: the built-in words below (count
 * 50), the Chinese words of a lexicon (bndl_lexicon_for_each_word, count 2 each),
 * bndl_tokenizer_add_words (given counts, or 2), and corpus learning (word_learn.c),
 * after which bndl_tokenizer_reestimate replaces every count by how often the Viterbi
 * path chose the word over the corpus. A word's cost is ln(total) - ln(max(count, 1)).
 *
 * The dictionary is one open-addressing hash table (linear probing, load <= 1/2) from
 * the word's bytes to its flags, count and cost; every proper prefix of a Chinese word is
 * in it too (W_PREFIX), so segmentation stops extending a candidate at the first miss and
 * hashes incrementally (FNV-1a, one step per byte, then a finaliser), so a lookup costs
 * one probe sequence and no allocation. Two small side tables answer the commonest
 * lookups without touching it: one-character entries by code point (first) and a
 * 2^20-bit filter of two-character entries (pairs); with them, tokenizing the 62,774
 * shopping reviews takes 0.11-0.19 s of one core (bench/RESULTS.md). Tokens are written
 * into the list's arena, which grows by doubling and keeps its memory between calls.
 */
#include "text/tokenize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/utf8.h"
#include "text/lexicon.h"

/* ---- dictionary ------------------------------------------------------------------ */

enum {
  W_ZH = 1u << 0,       /* a Chinese word of the segmentation dictionary */
  W_PREFIX = 1u << 1,   /* a proper prefix of a longer Chinese word */
  W_STOP = 1u << 2,     /* stopword */
  W_NEGATOR = 1u << 3,  /* opens a negation scope */
  W_CONTRAST = 1u << 4, /* closes a negation scope ("but", "但是") */
  W_S_IS = 1u << 5,     /* "<word>'s" reads "<word> is" */
  W_NT = 1u << 6,       /* apostrophe-less negative contraction ("dont") */
  W_PARTICLE = 1u << 7  /* a Chinese particle that ends phrases, not words (的 了 吗) */
};

/* Longest dictionary word used for segmentation, in characters (longer ones are not
 * added: lexicon phrases beyond it are sentences, not words). */
#define SEG_MAX_WORD 8
/* Characters segmented at once (the Viterbi arrays live on the stack). */
#define SEG_WINDOW 512
/* Count given to words added without one (lexicon words, counts == NULL). */
#define DEFAULT_COUNT 2
/* Count of the built-in Chinese function words before any corpus is learnt. */
#define BUILTIN_COUNT 50
/* An uncovered character costs this much more than a word of count 1. */
#define UNKNOWN_PENALTY 3.0

typedef struct dict_slot {
  uint32_t hash;
  uint32_t len; /* bytes of the key; 0 = empty slot */
  uint32_t key; /* offset of the NUL-terminated key in keys */
  uint32_t flags;
  int64_t count;
  double cost; /* -log p(word) of a W_ZH word */
} dict_slot;

/* The one-character entries of the common ideograph blocks (U+3400..U+9FFF) by code
 * point, so the most frequent lookup of segmentation is an array read. */
#define FIRST_LO 0x3400u
#define FIRST_HI 0xA000u

struct bndl_tokenizer {
  bndl_allocator alloc;
  bndl_tokenizer_options opt;
  dict_slot *slots;
  size_t cap, used; /* cap is a power of two */
  char *keys;
  size_t keys_len, keys_cap;
  double unknown_cost;
  uint32_t *first; /* code point - FIRST_LO -> slot index + 1 (0: not in the dictionary) */
  uint64_t *pairs; /* bit (hash >> PAIR_SHIFT) set for every two-character entry */
};

/* A 2^20-bit filter of the two-character entries (128 KB, stays in cache): most
 * character pairs of a text are not dictionary words or prefixes, and the filter answers
 * them without touching the table. */
#define PAIR_SHIFT 12
#define PAIR_WORDS ((1u << (32 - PAIR_SHIFT)) / 64)

#define FNV_INIT 2166136261u
static inline uint32_t fnv_step(uint32_t h, unsigned char b) { return (h ^ b) * 16777619u; }
static inline uint32_t hash_finish(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = FNV_INIT;
  for (size_t i = 0; i < n; i++)
    h = fnv_step(h, (unsigned char)s[i]);
  return hash_finish(h);
}

static dict_slot *dict_find(const bndl_tokenizer *t, const char *s, size_t n, uint32_t h) {
  size_t mask = t->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    dict_slot *e = &t->slots[i];
    if (e->len == 0)
      return NULL;
    if (e->hash == h && e->len == n && memcmp(t->keys + e->key, s, n) == 0)
      return e;
  }
}

static bndl_status dict_grow(bndl_tokenizer *t) {
  size_t cap = t->cap ? t->cap * 2 : 1024;
  dict_slot *s = bndl_zalloc_array(&t->alloc, cap, sizeof *s);
  if (s == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  for (size_t k = 0; k < t->cap; k++) {
    const dict_slot *e = &t->slots[k];
    if (e->len == 0)
      continue;
    size_t i = e->hash & (cap - 1);
    while (s[i].len != 0)
      i = (i + 1) & (cap - 1);
    s[i] = *e;
  }
  bndl_free(&t->alloc, t->slots);
  t->slots = s;
  t->cap = cap;
  return BNDL_OK;
}

/* Adds flags and count to word (inserting it if new). */
static bndl_status dict_add(bndl_tokenizer *t, const char *w, size_t n, uint32_t flags, int64_t count) {
  if (n == 0 || n > UINT32_MAX / 2)
    return BNDL_OK;
  uint32_t h = hash_bytes(w, n);
  dict_slot *e = dict_find(t, w, n, h);
  if (e == NULL) {
    if ((t->used + 1) * 2 > t->cap)
      BNDL_TRY(dict_grow(t));
    if (t->keys_len + n + 1 > UINT32_MAX)
      return bndl_fail(BNDL_ERR_LIMIT, "the tokenizer dictionary is limited to 4 GiB of words");
    BNDL_TRY(bndl_grow(&t->alloc, (void **)&t->keys, &t->keys_cap, t->keys_len + n + 1, 1));
    size_t i = h & (t->cap - 1);
    while (t->slots[i].len != 0)
      i = (i + 1) & (t->cap - 1);
    e = &t->slots[i];
    e->hash = h;
    e->len = (uint32_t)n;
    e->key = (uint32_t)t->keys_len;
    e->flags = 0;
    e->count = 0;
    e->cost = 0;
    memcpy(t->keys + t->keys_len, w, n);
    t->keys[t->keys_len + n] = '\0';
    t->keys_len += n + 1;
    t->used++;
  }
  e->flags |= flags;
  if (count > INT64_MAX - e->count)
    e->count = INT64_MAX;
  else
    e->count += count;
  return BNDL_OK;
}

/* ---- characters ------------------------------------------------------------------ */

enum {
  C_SPACE = 0,
  C_NEWLINE, /* line breaks: they close negation scopes */
  C_IGNORE,  /* controls, BOM, zero-width and private-use characters */
  C_LETTER,
  C_DIGIT,
  C_APOS,
  C_CJK,
  C_PUNCT,
  C_EMOJI,
  C_VS, /* variation selectors: dropped, part of an emoji sequence */
  C_ZWJ /* U+200D: joins emoji, otherwise ignored */
};

static const uint8_t ascii_class[128] = {
    C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE, /* 0x00 */
    C_IGNORE,  C_SPACE,   C_NEWLINE, C_SPACE,   C_SPACE,   C_NEWLINE, C_IGNORE,  C_IGNORE, /* \t \n \v \f \r */
    C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE, /* 0x10 */
    C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE,  C_IGNORE, /* 0x18 */
    C_SPACE,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_APOS,   /* ' ' .. '\'' */
    C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,  /* ( .. / */
    C_DIGIT,   C_DIGIT,   C_DIGIT,   C_DIGIT,   C_DIGIT,   C_DIGIT,   C_DIGIT,   C_DIGIT,  /* 0 .. 7 */
    C_DIGIT,   C_DIGIT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,  /* 8 9 : ; < = > ? */
    C_PUNCT,   C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER, /* @ A .. G */
    C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,
    C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,
    C_LETTER,  C_LETTER,  C_LETTER,  C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,  /* X Y Z [ \ ] ^ _ */
    C_PUNCT,   C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER, /* ` a .. g */
    C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,
    C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,  C_LETTER,
    C_LETTER,  C_LETTER,  C_LETTER,  C_PUNCT,   C_PUNCT,   C_PUNCT,   C_PUNCT,   C_IGNORE, /* x y z { | } ~ DEL */
};

/* Decodes one code point of already validated UTF-8. */
static inline uint32_t decode(const unsigned char *s, size_t *nb) {
  unsigned c = s[0];
  if (c < 0x80) {
    *nb = 1;
    return c;
  }
  if (c < 0xE0) {
    *nb = 2;
    return ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
  }
  if (c < 0xF0) {
    *nb = 3;
    return ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
  }
  *nb = 4;
  return ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
         (s[3] & 0x3F);
}

static inline size_t encode(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Full-width ASCII and the ideographic space to their ASCII forms. */
static inline uint32_t fold_width(uint32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E)
    return cp - 0xFEE0;
  if (cp == 0x3000)
    return ' ';
  return cp;
}

static inline int is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x3FFFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2E80 && cp <= 0x2FDF) || (cp >= 0x3005 && cp <= 0x3007) ||
         (cp >= 0x3021 && cp <= 0x3029);
}

static int is_emoji_cp(uint32_t cp) {
  if (cp >= 0x1F000 && cp <= 0x1FAFF)
    return 1;
  if (cp >= 0x2600 && cp <= 0x27BF)
    return 1;
  switch (cp) {
  case 0x231A: case 0x231B: case 0x2328: case 0x23CF: case 0x25AA: case 0x25AB: case 0x25B6: case 0x25C0:
  case 0x2934: case 0x2935: case 0x2B05: case 0x2B06: case 0x2B07: case 0x2B1B: case 0x2B1C: case 0x2B50:
  case 0x2B55: case 0x3030: case 0x303D: case 0x3297: case 0x3299:
    return 1;
  default:
    break;
  }
  return (cp >= 0x23E9 && cp <= 0x23F3) || (cp >= 0x23F8 && cp <= 0x23FA) || (cp >= 0x25FB && cp <= 0x25FE);
}

/* Class of a width-folded code point. */
static int char_class(uint32_t cp) {
  if (cp < 0x80)
    return ascii_class[cp];
  if (cp >= 0x4E00 && cp <= 0x9FFF)
    return C_CJK;
  if (cp < 0x100) {
    if (cp < 0xA0 || cp == 0xAD)
      return C_IGNORE;
    if (cp == 0xA0)
      return C_SPACE;
    if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7)
      return C_PUNCT;
    return C_LETTER;
  }
  if (cp < 0x2000)
    return C_LETTER; /* Latin extended, IPA, combining marks, Greek, Cyrillic, ... */
  if (cp < 0x2070) {
    if (cp <= 0x200A || cp == 0x202F || cp == 0x205F)
      return C_SPACE;
    if (cp == 0x200D)
      return C_ZWJ;
    if (cp == 0x2019)
      return C_APOS;
    if (cp == 0x2028 || cp == 0x2029)
      return C_NEWLINE;
    if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || cp >= 0x2060)
      return C_IGNORE;
    return C_PUNCT;
  }
  if (is_emoji_cp(cp))
    return C_EMOJI;
  if (is_cjk(cp))
    return C_CJK;
  if (cp < 0x2C00)
    return (cp >= 0x20D0 && cp <= 0x20FF) ? C_IGNORE : C_PUNCT; /* symbols; combining marks for symbols */
  if (cp < 0x2E00)
    return C_LETTER;
  if (cp < 0x3040)
    return C_PUNCT; /* supplemental and CJK punctuation (、。「」【】...) */
  if (cp < 0x3200)
    return cp == 0x30FB ? C_PUNCT : C_LETTER; /* kana, bopomofo, hangul jamo */
  if (cp < 0x3400)
    return C_PUNCT; /* enclosed CJK, compatibility */
  if (cp < 0xA000)
    return C_PUNCT; /* hexagram symbols between the ideograph blocks */
  if (cp < 0xD800)
    return C_LETTER; /* Yi, Hangul syllables, ... */
  if (cp < 0xF900)
    return C_IGNORE; /* private use */
  if (cp < 0xFE00)
    return C_LETTER; /* presentation forms */
  if (cp < 0xFE10)
    return C_VS;
  if (cp < 0xFE20 || (cp >= 0xFE30 && cp < 0xFE70))
    return C_PUNCT;
  if (cp < 0xFE30)
    return C_IGNORE;
  if (cp == 0xFEFF)
    return C_IGNORE;
  if (cp < 0xFF00)
    return C_LETTER;
  if (cp < 0xFF66)
    return C_PUNCT; /* U+FF00 and half-width CJK punctuation (full-width ASCII is folded before) */
  if (cp < 0xFFE0)
    return C_LETTER;
  if (cp < 0xFFF0)
    return C_PUNCT;
  if (cp < 0x10000)
    return C_IGNORE;
  if (cp >= 0x1FB00 && cp < 0x20000)
    return C_PUNCT;
  if (cp >= 0xE0000)
    return (cp >= 0xE0100 && cp <= 0xE01EF) ? C_VS : C_IGNORE;
  return C_LETTER; /* other scripts of the supplementary planes */
}

/* Simple lower-casing of the scripts that have case and are common in reviews. */
static inline uint32_t fold_case(uint32_t cp) {
  if (cp < 0x80)
    return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
    return cp + 32;
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x130)
      return 'i';
    if (cp == 0x178)
      return 0xFF;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
      return (cp & 1) ? cp + 1 : cp;
    if (cp == 0x138 || cp == 0x149 || cp == 0x17F)
      return cp;
    return (cp & 1) ? cp : cp + 1;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
    return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F)
    return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F)
    return cp + 80;
  return cp;
}

/* ---- built-in words -------------------------------------------------------------- */

typedef struct builtin_word {
  const char *word;
  uint32_t flags;
} builtin_word;

/* English negators, contrast words and the words whose "'s" reads "is". */
static const builtin_word builtin_en[] = {
    {"not", W_NEGATOR}, {"no", W_NEGATOR}, {"never", W_NEGATOR}, {"nothing", W_NEGATOR | W_S_IS},
    {"nobody", W_NEGATOR}, {"none", W_NEGATOR}, {"neither", W_NEGATOR}, {"nor", W_NEGATOR},
    {"nowhere", W_NEGATOR}, {"without", W_NEGATOR}, {"hardly", W_NEGATOR}, {"barely", W_NEGATOR},
    {"scarcely", W_NEGATOR}, {"rarely", W_NEGATOR}, {"seldom", W_NEGATOR}, {"nope", W_NEGATOR},
    {"but", W_CONTRAST}, {"however", W_CONTRAST}, {"although", W_CONTRAST}, {"though", W_CONTRAST},
    {"whereas", W_CONTRAST},
    {"it", W_S_IS | W_STOP}, {"that", W_S_IS | W_STOP}, {"this", W_S_IS | W_STOP}, {"what", W_S_IS | W_STOP},
    {"there", W_S_IS | W_STOP}, {"here", W_S_IS | W_STOP}, {"he", W_S_IS | W_STOP}, {"she", W_S_IS | W_STOP},
    {"who", W_S_IS | W_STOP}, {"where", W_S_IS | W_STOP}, {"when", W_S_IS | W_STOP}, {"how", W_S_IS | W_STOP},
    {"why", W_S_IS | W_STOP}, {"everything", W_S_IS}, {"something", W_S_IS},
    /* stopwords: articles, pronouns, prepositions, auxiliaries, conjunctions */
    {"a", W_STOP}, {"an", W_STOP}, {"the", W_STOP}, {"and", W_STOP}, {"or", W_STOP}, {"of", W_STOP},
    {"to", W_STOP}, {"in", W_STOP}, {"on", W_STOP}, {"at", W_STOP}, {"by", W_STOP}, {"for", W_STOP},
    {"from", W_STOP}, {"with", W_STOP}, {"as", W_STOP}, {"into", W_STOP}, {"onto", W_STOP},
    {"about", W_STOP}, {"than", W_STOP}, {"then", W_STOP}, {"so", W_STOP}, {"if", W_STOP},
    {"is", W_STOP}, {"am", W_STOP}, {"are", W_STOP}, {"was", W_STOP}, {"were", W_STOP}, {"be", W_STOP},
    {"been", W_STOP}, {"being", W_STOP}, {"do", W_STOP}, {"does", W_STOP}, {"did", W_STOP},
    {"has", W_STOP}, {"have", W_STOP}, {"had", W_STOP}, {"i", W_STOP}, {"me", W_STOP}, {"my", W_STOP},
    {"mine", W_STOP}, {"we", W_STOP}, {"us", W_STOP}, {"our", W_STOP}, {"ours", W_STOP}, {"you", W_STOP},
    {"your", W_STOP}, {"yours", W_STOP}, {"him", W_STOP}, {"his", W_STOP}, {"her", W_STOP},
    {"hers", W_STOP}, {"its", W_STOP}, {"they", W_STOP}, {"them", W_STOP}, {"their", W_STOP},
    {"theirs", W_STOP}, {"these", W_STOP}, {"those", W_STOP}, {"which", W_STOP}, {"whom", W_STOP},
    {"whose", W_STOP}, {"will", W_STOP}, {"would", W_STOP}, {"shall", W_STOP}, {"should", W_STOP},
    {"can", W_STOP}, {"could", W_STOP}, {"may", W_STOP}, {"might", W_STOP}, {"must", W_STOP},
    {"also", W_STOP}, {"just", W_STOP}, {"myself", W_STOP}, {"yourself", W_STOP}, {"itself", W_STOP},
    {"themselves", W_STOP}, {"while", W_STOP}, {"because", W_STOP}, {"until", W_STOP}, {"each", W_STOP},
    {"such", W_STOP}, {"own", W_STOP}, {"same", W_STOP}, {"other", W_STOP}, {"some", W_STOP},
    {"any", W_STOP}, {"all", W_STOP}, {"both", W_STOP}, {"again", W_STOP}, {"further", W_STOP},
    {"once", W_STOP}, {"during", W_STOP}, {"before", W_STOP}, {"after", W_STOP}, {"through", W_STOP},
    {"between", W_STOP}, {"above", W_STOP}, {"below", W_STOP}, {"under", W_STOP}, {"s", W_STOP},
};

/* The apostrophe-less negative contractions: word -> the word before "not". */
static const struct {
  const char *word, *stem;
} nt_forms[] = {
    {"dont", "do"},         {"doesnt", "does"},   {"didnt", "did"},   {"isnt", "is"},     {"arent", "are"},
    {"wasnt", "was"},       {"werent", "were"},   {"cant", "can"},    {"cannot", "can"},  {"couldnt", "could"},
    {"wont", "will"},       {"wouldnt", "would"}, {"shouldnt", "should"}, {"havent", "have"}, {"hasnt", "has"},
    {"hadnt", "had"},       {"mustnt", "must"},   {"neednt", "need"}, {"aint", "is"},     {"shant", "shall"},
};

/* Chinese: negators, contrast words, stopwords, and common words that start with a
 * negator character but do not negate (非常 "very", 不错 "good", 无论 "regardless"), and
 * the interrogatives built on 么 (怎么, 这么, ...), so that the segmenter keeps them whole
 * even without a lexicon or corpus. W_PARTICLE marks the sentence-final particles that
 * end phrases rather than words (bndl_tokenizer_add_learnt). */
static const builtin_word builtin_zh[] = {
    {"不", W_NEGATOR}, {"没", W_NEGATOR}, {"没有", W_NEGATOR}, {"别", W_NEGATOR}, {"未", W_NEGATOR},
    {"无", W_NEGATOR}, {"非", W_NEGATOR}, {"莫", W_NEGATOR}, {"勿", W_NEGATOR}, {"毋", W_NEGATOR},
    {"甭", W_NEGATOR}, {"不是", W_NEGATOR}, {"不会", W_NEGATOR}, {"不能", W_NEGATOR}, {"不要", W_NEGATOR},
    {"不用", W_NEGATOR}, {"不必", W_NEGATOR}, {"不曾", W_NEGATOR}, {"不太", W_NEGATOR}, {"不够", W_NEGATOR},
    {"不怎么", W_NEGATOR}, {"未曾", W_NEGATOR}, {"从不", W_NEGATOR}, {"从未", W_NEGATOR}, {"从没", W_NEGATOR},
    {"并不", W_NEGATOR}, {"并非", W_NEGATOR}, {"并未", W_NEGATOR}, {"并没有", W_NEGATOR}, {"绝不", W_NEGATOR},
    {"决不", W_NEGATOR}, {"毫无", W_NEGATOR}, {"毫不", W_NEGATOR}, {"永不", W_NEGATOR}, {"尚未", W_NEGATOR},
    {"无法", W_NEGATOR}, {"没法", W_NEGATOR},
    {"但", W_CONTRAST}, {"但是", W_CONTRAST}, {"可是", W_CONTRAST}, {"不过", W_CONTRAST}, {"然而", W_CONTRAST},
    {"却", W_CONTRAST},
    {"的", W_STOP | W_PARTICLE}, {"地", W_STOP}, {"得", W_STOP}, {"了", W_STOP | W_PARTICLE}, {"着", W_STOP}, {"过", W_STOP},
    {"吧", W_STOP | W_PARTICLE}, {"吗", W_STOP | W_PARTICLE}, {"呢", W_STOP | W_PARTICLE}, {"啊", W_STOP | W_PARTICLE}, {"呀", W_STOP | W_PARTICLE}, {"哦", W_STOP | W_PARTICLE},
    {"嘛", W_STOP | W_PARTICLE}, {"之", W_STOP}, {"其", W_STOP}, {"和", W_STOP}, {"与", W_STOP},
    {"及", W_STOP}, {"而", W_STOP}, {"或", W_STOP}, {"在", W_STOP}, {"于", W_STOP}, {"从", W_STOP},
    {"向", W_STOP}, {"对", W_STOP}, {"把", W_STOP}, {"被", W_STOP}, {"让", W_STOP}, {"给", W_STOP},
    {"为", W_STOP}, {"以", W_STOP}, {"所", W_STOP}, {"就", W_STOP}, {"也", W_STOP}, {"都", W_STOP},
    {"是", W_STOP}, {"有", W_STOP}, {"我", W_STOP}, {"你", W_STOP}, {"您", W_STOP}, {"他", W_STOP},
    {"她", W_STOP}, {"它", W_STOP}, {"我们", W_STOP}, {"你们", W_STOP}, {"他们", W_STOP}, {"她们", W_STOP},
    {"它们", W_STOP}, {"自己", W_STOP}, {"这", W_STOP}, {"那", W_STOP}, {"这个", W_STOP}, {"那个", W_STOP},
    {"这些", W_STOP}, {"那些", W_STOP}, {"这样", W_STOP}, {"那样", W_STOP}, {"这里", W_STOP},
    {"那里", W_STOP}, {"一个", W_STOP}, {"什么", W_STOP}, {"因为", W_STOP}, {"所以", W_STOP},
    {"如果", W_STOP}, {"虽然", W_STOP}, {"而且", W_STOP}, {"并且", W_STOP}, {"然后", W_STOP},
    {"以及", W_STOP}, {"或者", W_STOP}, {"等", W_STOP}, {"等等", W_STOP}, {"就是", W_STOP},
    {"非常", 0}, {"无论", 0}, {"未来", 0}, {"别人", 0}, {"别的", 0}, {"特别", 0}, {"差不多", 0},
    {"不错", 0}, {"不仅", 0}, {"不但", 0}, {"不断", 0}, {"不少", 0}, {"不久", 0}, {"不管", 0},
    {"不论", 0}, {"不同", 0}, {"不得不", 0}, {"无疑", 0}, {"无线", 0}, {"无比", 0}, {"没关系", 0},
    {"没事", 0}, {"不如", 0}, {"不然", 0}, {"非得", 0}, {"怎么", 0}, {"这么", 0}, {"那么", 0},
    {"为什么", 0}, {"怎么样", 0}, {"多么", 0},
};

/* Number of UTF-8 characters of s[0..n) if all are CJK ideographs, else 0. */
static size_t cjk_chars(const char *s, size_t n) {
  if (bndl_utf8_invalid_at(s, n) != n)
    return 0;
  size_t chars = 0;
  for (size_t i = 0; i < n;) {
    size_t nb;
    uint32_t cp = decode((const unsigned char *)s + i, &nb);
    if (char_class(fold_width(cp)) != C_CJK)
      return 0;
    i += nb;
    chars++;
  }
  return chars;
}

/* Adds a Chinese word and its proper prefixes. Words that are not 1..SEG_MAX_WORD CJK
 * ideographs are skipped. */
static bndl_status add_zh_word(bndl_tokenizer *t, const char *w, size_t n, uint32_t flags, int64_t count) {
  while (n > 0 && (w[0] == ' ' || w[0] == '\t' || w[0] == '\r' || w[0] == '\n'))
    w++, n--;
  while (n > 0 && (w[n - 1] == ' ' || w[n - 1] == '\t' || w[n - 1] == '\r' || w[n - 1] == '\n'))
    n--;
  size_t chars = cjk_chars(w, n);
  if (chars == 0 || chars > SEG_MAX_WORD)
    return BNDL_OK;
  size_t i = 0;
  for (size_t c = 1; c < chars; c++) {
    size_t nb;
    decode((const unsigned char *)w + i, &nb);
    i += nb;
    BNDL_TRY(dict_add(t, w, i, W_PREFIX, 0));
  }
  return dict_add(t, w, n, W_ZH | flags, count);
}

/* Recomputes every word's cost from the counts: cost = log(total) - log(count). */
static void update_costs(bndl_tokenizer *t) {
  double total = 0;
  for (size_t k = 0; k < t->cap; k++)
    if (t->slots[k].len != 0 && (t->slots[k].flags & W_ZH))
      total += (double)(t->slots[k].count > 1 ? t->slots[k].count : 1);
  if (total < 1)
    total = 1;
  double lt = log(total);
  for (size_t k = 0; k < t->cap; k++) {
    dict_slot *e = &t->slots[k];
    if (e->len != 0 && (e->flags & W_ZH))
      e->cost = lt - log((double)(e->count > 1 ? e->count : 1));
  }
  t->unknown_cost = lt + UNKNOWN_PENALTY;
  memset(t->first, 0, (FIRST_HI - FIRST_LO) * sizeof *t->first);
  memset(t->pairs, 0, PAIR_WORDS * sizeof *t->pairs);
  for (size_t k = 0; k < t->cap; k++) {
    const dict_slot *e = &t->slots[k];
    size_t chars = 0;
    for (uint32_t x = 0; x < e->len; x++)
      chars += ((unsigned char)t->keys[e->key + x] & 0xC0) != 0x80;
    if (chars == 2)
      t->pairs[(e->hash >> PAIR_SHIFT) / 64] |= 1ull << ((e->hash >> PAIR_SHIFT) % 64);
    if (e->len == 3) {
      size_t nb;
      uint32_t cp = decode((const unsigned char *)t->keys + e->key, &nb);
      if (cp >= FIRST_LO && cp < FIRST_HI)
        t->first[cp - FIRST_LO] = (uint32_t)k + 1;
    }
  }
}

static bndl_status seed_from_lexicon(const char *word, size_t length, uint32_t kinds, void *user_data) {
  (void)kinds;
  return add_zh_word(user_data, word, length, 0, DEFAULT_COUNT);
}

bndl_status bndl_tokenizer_new(const bndl_allocator *a, const bndl_tokenizer_options *opt,
                               const struct bndl_lexicon *lexicon, bndl_tokenizer **out) {
  bndl_tokenizer_options o = {0, 1, 0};
  if (opt != NULL)
    o = *opt;
  if (o.language < 0 || o.language > 2)
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "tokenizer language %d is not 0 (auto), 1 (en) or 2 (zh)",
                     o.language);
  bndl_tokenizer *t = bndl_zalloc(a, sizeof *t);
  if (t == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  t->alloc = *a;
  t->opt = o;
  t->opt.negation = o.negation != 0;
  t->opt.stopwords = o.stopwords != 0;
  bndl_status st = BNDL_ERR_OUT_OF_MEMORY;
  t->first = bndl_alloc_array(a, FIRST_HI - FIRST_LO, sizeof *t->first);
  t->pairs = bndl_alloc_array(a, PAIR_WORDS, sizeof *t->pairs);
  if (t->first == NULL || t->pairs == NULL)
    goto fail;
  BNDL_TRY_GOTO(st, dict_grow(t), fail);
  for (size_t k = 0; k < sizeof builtin_en / sizeof builtin_en[0]; k++)
    BNDL_TRY_GOTO(st, dict_add(t, builtin_en[k].word, strlen(builtin_en[k].word), builtin_en[k].flags, 0), fail);
  for (size_t k = 0; k < sizeof nt_forms / sizeof nt_forms[0]; k++)
    BNDL_TRY_GOTO(st, dict_add(t, nt_forms[k].word, strlen(nt_forms[k].word), W_NT, 0), fail);
  for (size_t k = 0; k < sizeof builtin_zh / sizeof builtin_zh[0]; k++)
    BNDL_TRY_GOTO(st, add_zh_word(t, builtin_zh[k].word, strlen(builtin_zh[k].word), builtin_zh[k].flags, BUILTIN_COUNT),
                  fail);
  if (lexicon != NULL)
    BNDL_TRY_GOTO(st, bndl_lexicon_for_each_word(lexicon, 1, seed_from_lexicon, t), fail);
  update_costs(t);
  *out = t;
  return BNDL_OK;
fail:
  bndl_tokenizer_free(t);
  return st;
}

void bndl_tokenizer_free(bndl_tokenizer *t) {
  if (t == NULL)
    return;
  bndl_allocator a = t->alloc;
  bndl_free(&a, t->slots);
  bndl_free(&a, t->keys);
  bndl_free(&a, t->first);
  bndl_free(&a, t->pairs);
  bndl_free(&a, t);
}

bndl_status bndl_tokenizer_add_words(bndl_tokenizer *t, const char *const *words, const int64_t *counts, int64_t n) {
  if (n < 0 || (n > 0 && words == NULL))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "bndl_tokenizer_add_words: %lld words at %p", (long long)n,
                     (const void *)words);
  for (int64_t k = 0; k < n; k++) {
    if (words[k] == NULL)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "bndl_tokenizer_add_words: word %lld is NULL", (long long)k);
    if (counts != NULL && counts[k] < 0)
      return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "bndl_tokenizer_add_words: count %lld of word %lld is negative",
                       (long long)counts[k], (long long)k);
  }
  bndl_status st = BNDL_OK;
  for (int64_t k = 0; k < n && st == BNDL_OK; k++)
    st = add_zh_word(t, words[k], strlen(words[k]), 0, counts != NULL ? counts[k] : DEFAULT_COUNT);
  update_costs(t); /* also after a failure: the words added so far stay, with right costs */
  return st;
}

bndl_status bndl_tokenizer_add_learnt(bndl_tokenizer *t, const bndl_learnt_words *w, int64_t *added) {
  int64_t n_added = 0;
  bndl_status st = BNDL_OK;
  for (int64_t k = 0; k < w->n && st == BNDL_OK; k++) {
    const char *word = w->words[k];
    size_t len = strlen(word), last = len;
    while (last > 0 && ((unsigned char)word[last - 1] & 0xC0) == 0x80)
      last--;
    if (last > 0)
      last--;
    const dict_slot *e = dict_find(t, word + last, len - last, hash_bytes(word + last, len - last));
    if (e != NULL && (e->flags & W_ZH) && (e->flags & (W_NEGATOR | W_PARTICLE)))
      continue;
    st = add_zh_word(t, word, len, 0, w->counts[k]);
    n_added++;
  }
  update_costs(t);
  if (added != NULL)
    *added = n_added;
  return st;
}

typedef struct word_ref {
  const char *key;
  uint32_t len;
} word_ref;

static int word_ref_order(const void *pa, const void *pb) {
  const word_ref *a = pa, *b = pb;
  uint32_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->key, b->key, n);
  return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

bndl_status bndl_tokenizer_for_each_word(const bndl_tokenizer *t, bndl_tokenizer_word_fn fn, void *user_data) {
  size_t n = 0;
  for (size_t k = 0; k < t->cap; k++)
    n += t->slots[k].len != 0 && (t->slots[k].flags & W_ZH);
  word_ref *refs = bndl_alloc_array(&t->alloc, n ? n : 1, sizeof *refs);
  if (refs == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  bndl_status st = BNDL_OK;
  n = 0;
  for (size_t k = 0; k < t->cap; k++)
    if (t->slots[k].len != 0 && (t->slots[k].flags & W_ZH))
      refs[n++] = (word_ref){t->keys + t->slots[k].key, t->slots[k].len};
  qsort(refs, n, sizeof *refs, word_ref_order);
  for (size_t k = 0; k < n && st == BNDL_OK; k++)
    st = fn(refs[k].key, refs[k].len, bndl_tokenizer_word_count(t, refs[k].key, refs[k].len), user_data);
  bndl_free(&t->alloc, refs);
  return st;
}

bndl_status bndl_tokenizer_set_words(bndl_tokenizer *t, const char *const *words, const int64_t *counts, int64_t n) {
  if (n < 0 || (n > 0 && (words == NULL || counts == NULL)))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "bndl_tokenizer_set_words: %lld words at %p, counts at %p",
                     (long long)n, (const void *)words, (const void *)counts);
  bndl_status st = BNDL_OK;
  for (int64_t k = 0; k < n && st == BNDL_OK; k++) {
    if (words[k] == NULL || counts[k] < 0) {
      st = bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "bndl_tokenizer_set_words: word %lld is NULL or its count negative",
                     (long long)k);
      break;
    }
    size_t len = strlen(words[k]);
    st = add_zh_word(t, words[k], len, 0, 0);
    dict_slot *e = dict_find(t, words[k], len, hash_bytes(words[k], len));
    if (st == BNDL_OK && e != NULL && (e->flags & W_ZH))
      e->count = counts[k];
  }
  update_costs(t);
  return st;
}

int64_t bndl_tokenizer_word_count(const bndl_tokenizer *t, const char *word, size_t length) {
  const dict_slot *e = dict_find(t, word, length, hash_bytes(word, length));
  return e != NULL && (e->flags & W_ZH) ? e->count : -1;
}

int bndl_tokenizer_has_word(const bndl_tokenizer *t, const char *word, size_t length) {
  const dict_slot *e = dict_find(t, word, length, hash_bytes(word, length));
  return e != NULL && (e->flags & W_ZH) != 0;
}

/* ---- token lists ----------------------------------------------------------------- */

void bndl_token_list_init(bndl_token_list *l, const bndl_allocator *a) {
  memset(l, 0, sizeof *l);
  l->alloc = a;
}

void bndl_token_list_clear(bndl_token_list *l) {
  l->n = 0;
  l->arena_len = 0;
}

void bndl_token_list_free(bndl_token_list *l) {
  bndl_free(l->alloc, l->tokens);
  bndl_free(l->alloc, l->arena);
  const bndl_allocator *a = l->alloc;
  memset(l, 0, sizeof *l);
  l->alloc = a;
}

/* Makes room for `extra` bytes after the committed arena_len + `pending` bytes of the
 * token being written. Moving the arena re-points the committed tokens (done while the
 * old block is still allocated). */
static bndl_status arena_reserve(bndl_token_list *l, size_t pending, size_t extra) {
  size_t need;
  if (!bndl_add_size(l->arena_len, pending, &need) || !bndl_add_size(need, extra, &need))
    return bndl_fail(BNDL_ERR_OUT_OF_MEMORY, "token arena size overflows");
  if (need <= l->arena_cap)
    return BNDL_OK;
  size_t cap = l->arena_cap ? l->arena_cap : 256;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *p = bndl_alloc(l->alloc, cap);
  if (p == NULL)
    return BNDL_ERR_OUT_OF_MEMORY;
  if (l->arena != NULL) {
    memcpy(p, l->arena, l->arena_len + pending);
    for (size_t k = 0; k < l->n; k++)
      l->tokens[k].text = p + (l->tokens[k].text - l->arena);
    bndl_free(l->alloc, l->arena);
  }
  l->arena = p;
  l->arena_cap = cap;
  return BNDL_OK;
}

/* ---- the pass -------------------------------------------------------------------- */

typedef struct tok_pass {
  const bndl_tokenizer *t;
  bndl_token_list *l;
  const unsigned char *s;
  size_t n;
  int scope;     /* a negation scope is open */
  int english;   /* English contraction and word rules apply */
  int after_word; /* the previous token was a letter/digit run (no emoticon may start) */
} tok_pass;

/* Makes the `len` pending bytes at the arena end a token, applying negation scopes and
 * stopwords (a dropped stopword leaves the arena as it was). */
static bndl_status commit(tok_pass *p, size_t len, int kind, uint32_t flags, size_t offset) {
  bndl_token_list *l = p->l;
  int negated = 0;
  if (kind == BNDL_TOKEN_WORD || kind == BNDL_TOKEN_CJK) {
    if (flags & W_CONTRAST)
      p->scope = 0;
    else if (flags & W_NEGATOR)
      p->scope = p->t->opt.negation;
    else
      negated = p->scope;
    if (p->t->opt.stopwords && (flags & W_STOP))
      return BNDL_OK;
  }
  if (l->n == l->cap)
    BNDL_TRY(bndl_grow(l->alloc, (void **)&l->tokens, &l->cap, l->n + 1, sizeof *l->tokens));
  char *text = l->arena + l->arena_len;
  text[len] = '\0';
  bndl_token *tok = &l->tokens[l->n++];
  tok->text = text;
  tok->length = (uint32_t)len;
  tok->kind = (uint8_t)kind;
  tok->negated = (uint8_t)negated;
  tok->offset = (uint32_t)offset;
  l->arena_len += len + 1;
  return BNDL_OK;
}

static bndl_status emit_copy(tok_pass *p, const char *src, size_t len, int kind, uint32_t flags, size_t offset) {
  BNDL_TRY(arena_reserve(p->l, 0, len + 1));
  memcpy(p->l->arena + p->l->arena_len, src, len);
  return commit(p, len, kind, flags, offset);
}

static uint32_t word_flags(const tok_pass *p, const char *w, size_t n) {
  const dict_slot *e = dict_find(p->t, w, n, hash_bytes(w, n));
  return e != NULL ? e->flags : 0;
}

/* Commits a pending English word (or number), expanding "dont"-like forms. */
static bndl_status commit_word(tok_pass *p, size_t len, int kind, size_t offset) {
  if (kind == BNDL_TOKEN_NUMBER || !p->english)
    return commit(p, len, kind, 0, offset);
  const char *w = p->l->arena + p->l->arena_len;
  uint32_t flags = word_flags(p, w, len);
  if (flags & W_NT) {
    for (size_t k = 0; k < sizeof nt_forms / sizeof nt_forms[0]; k++) {
      if (strlen(nt_forms[k].word) == len && memcmp(nt_forms[k].word, w, len) == 0) {
        const char *stem = nt_forms[k].stem;
        BNDL_TRY(emit_copy(p, stem, strlen(stem), BNDL_TOKEN_WORD, word_flags(p, stem, strlen(stem)), offset));
        return emit_copy(p, "not", 3, BNDL_TOKEN_WORD, W_NEGATOR, offset);
      }
    }
  }
  return commit(p, len, kind, flags, offset);
}

/* The folded code point at i (and its byte length and class); i < n. */
static inline uint32_t peek(const tok_pass *p, size_t i, size_t *nb, int *cls) {
  uint32_t cp = fold_width(decode(p->s + i, nb));
  *cls = char_class(cp);
  return cp;
}

/* If the apostrophe at i (of nb bytes) starts a contraction suffix, returns its
 * expansion code (1 t, 2 re, 3 ve, 4 ll, 5 d, 6 m, 7 s) and sets *end past it. */
static int contraction_at(const tok_pass *p, size_t i, size_t nb, size_t *end) {
  char suf[3];
  size_t k = 0, j = i + nb;
  while (j < p->n && k < 3) {
    size_t cnb;
    int cls;
    uint32_t cp = peek(p, j, &cnb, &cls);
    if (cls != C_LETTER && cls != C_DIGIT)
      break;
    if (cp >= 0x80 || cls == C_DIGIT)
      return 0;
    suf[k++] = (char)fold_case(cp);
    j += cnb;
  }
  if (k == 0 || k == 3)
    return 0;
  if (j < p->n) { /* the suffix must end the word */
    size_t cnb;
    int cls;
    peek(p, j, &cnb, &cls);
    if (cls == C_LETTER || cls == C_DIGIT)
      return 0;
    if (cls == C_APOS && j + cnb < p->n) {
      peek(p, j + cnb, &cnb, &cls);
      if (cls == C_LETTER)
        return 0;
    }
  }
  *end = j;
  if (k == 1) {
    switch (suf[0]) {
    case 't': return 1;
    case 'd': return 5;
    case 'm': return 6;
    case 's': return 7;
    default: return 0;
    }
  }
  if (suf[0] == 'r' && suf[1] == 'e')
    return 2;
  if (suf[0] == 'v' && suf[1] == 'e')
    return 3;
  if (suf[0] == 'l' && suf[1] == 'l')
    return 4;
  return 0;
}

/* Emits the pending word (len bytes) and the expansion of its contraction `code`. */
static bndl_status emit_contraction(tok_pass *p, size_t len, int code, size_t word_offset, size_t suffix_offset) {
  char *w = p->l->arena + p->l->arena_len;
  static const char *const expansion[] = {NULL, "not", "are", "have", "will", "would", "am", NULL};
  if (code == 1) {
    /* n't: the word ends in n, which belongs to the suffix (except can't, won't, ...) */
    static const struct {
      const char *word, *stem;
    } special[] = {{"can", "can"}, {"won", "will"}, {"shan", "shall"}, {"ain", "is"}};
    const char *stem = NULL;
    for (size_t k = 0; k < 4; k++)
      if (strlen(special[k].word) == len && memcmp(special[k].word, w, len) == 0)
        stem = special[k].stem;
    if (stem != NULL)
      BNDL_TRY(emit_copy(p, stem, strlen(stem), BNDL_TOKEN_WORD, word_flags(p, stem, strlen(stem)), word_offset));
    else if (len > 1)
      BNDL_TRY(commit_word(p, len - 1, BNDL_TOKEN_WORD, word_offset));
    return emit_copy(p, "not", 3, BNDL_TOKEN_WORD, W_NEGATOR, suffix_offset);
  }
  if (code == 7) {
    uint32_t flags = word_flags(p, w, len);
    int is_let = len == 3 && memcmp(w, "let", 3) == 0;
    BNDL_TRY(commit_word(p, len, BNDL_TOKEN_WORD, word_offset));
    if (flags & W_S_IS)
      return emit_copy(p, "is", 2, BNDL_TOKEN_WORD, word_flags(p, "is", 2), suffix_offset);
    if (is_let)
      return emit_copy(p, "us", 2, BNDL_TOKEN_WORD, word_flags(p, "us", 2), suffix_offset);
    return BNDL_OK;
  }
  BNDL_TRY(commit_word(p, len, BNDL_TOKEN_WORD, word_offset));
  const char *x = expansion[code];
  return emit_copy(p, x, strlen(x), BNDL_TOKEN_WORD, word_flags(p, x, strlen(x)), suffix_offset);
}

/* A run of letters and digits starting at *pos. */
static bndl_status scan_word(tok_pass *p, size_t *pos) {
  size_t i = *pos, len = 0;
  int digits_only = 1;
  while (i < p->n) {
    size_t nb;
    int cls;
    uint32_t cp = peek(p, i, &nb, &cls);
    if (cls == C_LETTER || cls == C_DIGIT) {
      BNDL_TRY(arena_reserve(p->l, len, 5));
      if (cls == C_LETTER) {
        digits_only = 0;
        cp = fold_case(cp);
      }
      len += encode(cp, p->l->arena + p->l->arena_len + len);
      i += nb;
      continue;
    }
    if (i + nb < p->n && (cp == '.' || cp == ',') && digits_only) {
      size_t nnb;
      int ncls;
      peek(p, i + nb, &nnb, &ncls);
      if (ncls == C_DIGIT) {
        BNDL_TRY(arena_reserve(p->l, len, 5));
        p->l->arena[p->l->arena_len + len++] = (char)cp;
        i += nb;
        continue;
      }
      break;
    }
    if (cls == C_APOS && !digits_only && i + nb < p->n) {
      size_t nnb;
      int ncls;
      peek(p, i + nb, &nnb, &ncls);
      if (ncls != C_LETTER)
        break;
      size_t end;
      int code = p->english ? contraction_at(p, i, nb, &end) : 0;
      if (code == 1 && p->l->arena[p->l->arena_len + len - 1] != 'n')
        code = 0; /* "'t" is a contraction only after n */
      if (code != 0) {
        BNDL_TRY(emit_contraction(p, len, code, *pos, i));
        *pos = end;
        return BNDL_OK;
      }
      BNDL_TRY(arena_reserve(p->l, len, 5));
      p->l->arena[p->l->arena_len + len++] = '\'';
      i += nb;
      continue;
    }
    break;
  }
  BNDL_TRY(commit_word(p, len, digits_only ? BNDL_TOKEN_NUMBER : BNDL_TOKEN_WORD, *pos));
  *pos = i;
  return BNDL_OK;
}

/* ASCII emoticons, longest first within a shared start. */
static const char *const emoticons[] = {
    ">:(", ">:)", ":-)", ":-(", ":-D", ":-P", ":-p", ":-/", ":-|", ":-O", ":-o", ":-*", ":'(", ":'-(", ":))",
    ":((", ":)",  ":(",  ":D",  ":P",  ":p",  ":/",  ":|",  ":O",  ":o",  ":*",  ":]",  ":[",  ";-)", ";)",
    ";(",  "=)",  "=(",  "=D",  "</3", "<3",  "^_^", "^^",  "-_-",
};

/* Length of the emoticon at i, 0 if none. */
static size_t emoticon_at(const tok_pass *p, size_t i) {
  size_t best = 0;
  for (size_t k = 0; k < sizeof emoticons / sizeof emoticons[0]; k++) {
    size_t m = strlen(emoticons[k]);
    if (m > best && i + m <= p->n && memcmp(p->s + i, emoticons[k], m) == 0)
      best = m;
  }
  if (best == 0)
    return 0;
  unsigned char last = p->s[i + best - 1];
  int alnum_end = (last >= '0' && last <= '9') || (last >= 'A' && last <= 'Z') || (last >= 'a' && last <= 'z');
  if (alnum_end && i + best < p->n) {
    size_t nb;
    int cls;
    peek(p, i + best, &nb, &cls);
    if (cls == C_LETTER || cls == C_DIGIT)
      return 0;
  }
  return best;
}

static int is_clause_punct(uint32_t cp) {
  switch (cp) {
  case '.': case ',': case ';': case ':': case '!': case '?':
  case 0x3001: case 0x3002: case 0xFF61: case 0xFF64: case 0x2026:
    return 1;
  default:
    return 0;
  }
}

/* Punctuation or an emoticon at *pos. */
static bndl_status scan_punct(tok_pass *p, size_t *pos, uint32_t cp, size_t nb) {
  size_t i = *pos;
  if (!p->after_word && (cp == ':' || cp == ';' || cp == '=' || cp == '<' || cp == '^' || cp == '>' || cp == '-')) {
    size_t m = emoticon_at(p, i);
    if (m > 0) {
      BNDL_TRY(emit_copy(p, (const char *)p->s + i, m, BNDL_TOKEN_EMOJI, 0, i));
      *pos = i + m;
      return BNDL_OK;
    }
  }
  size_t j = i + nb, reps = 1;
  while (j < p->n) {
    size_t nnb;
    int cls;
    uint32_t next = peek(p, j, &nnb, &cls);
    if ((next == 0x2019 ? '\'' : next) != cp)
      break;
    j += nnb;
    reps++;
  }
  uint32_t flags = is_clause_punct(cp) ? 1u : 0u;
  if (flags)
    p->scope = 0;
  *pos = j;
  if (cp == 0x2026 || (cp == '.' && reps >= 2))
    return emit_copy(p, "...", 3, BNDL_TOKEN_PUNCT, 0, i);
  char one[4];
  size_t m = encode(cp, one);
  BNDL_TRY(arena_reserve(p->l, 0, reps * m + 1));
  char *w = p->l->arena + p->l->arena_len;
  for (size_t k = 0; k < reps; k++)
    memcpy(w + k * m, one, m);
  return commit(p, reps * m, BNDL_TOKEN_PUNCT, 0, i);
}

/* An emoji with the code points that bind to it. */
static bndl_status scan_emoji(tok_pass *p, size_t *pos, uint32_t cp, size_t nb) {
  size_t i = *pos, len = 0;
  BNDL_TRY(arena_reserve(p->l, 0, 8));
  len += encode(cp, p->l->arena + p->l->arena_len);
  i += nb;
  int regional = cp >= 0x1F1E6 && cp <= 0x1F1FF;
  while (i < p->n) {
    size_t cnb;
    uint32_t c = decode(p->s + i, &cnb);
    int take = 0;
    if (c == 0xFE0E || c == 0xFE0F) {
      i += cnb;
      continue;
    }
    if ((c >= 0x1F3FB && c <= 0x1F3FF) || c == 0x20E3 || (c >= 0xE0020 && c <= 0xE007F)) {
      take = 1;
    } else if (regional && c >= 0x1F1E6 && c <= 0x1F1FF) {
      take = 1;
      regional = 0;
    } else if (c == 0x200D && i + cnb < p->n) {
      size_t nnb;
      uint32_t next = decode(p->s + i + cnb, &nnb);
      if (char_class(next) == C_EMOJI) {
        BNDL_TRY(arena_reserve(p->l, len, 8));
        len += encode(c, p->l->arena + p->l->arena_len + len);
        i += cnb;
        c = next;
        cnb = nnb;
        take = 1;
      }
    }
    if (!take)
      break;
    BNDL_TRY(arena_reserve(p->l, len, 8));
    len += encode(c, p->l->arena + p->l->arena_len + len);
    i += cnb;
  }
  BNDL_TRY(commit(p, len, BNDL_TOKEN_EMOJI, 0, *pos));
  *pos = i;
  return BNDL_OK;
}

/* Emits the first nseg segments of a segmented window (off: byte offsets of its
 * characters): dictionary words whole, stretches of uncovered characters as overlapping
 * bigrams. `carry` is the byte offset of the uncovered character that ended the previous
 * window of the same run (UINT32_MAX if none): a stretch at the start of this window
 * continues it, so a window cut loses no bigram. */
static bndl_status emit_segments(tok_pass *p, const uint32_t *off, const uint8_t *seg_len,
                                 const dict_slot *const *seg_word, size_t nseg, uint32_t carry) {
  size_t k = 0, c = 0; /* segment k starts at character c */
  if (carry != UINT32_MAX && nseg > 0 && seg_word[0] == NULL)
    BNDL_TRY(emit_copy(p, (const char *)p->s + carry, off[1] - carry, BNDL_TOKEN_CJK, 0, carry));
  else
    carry = UINT32_MAX;
  while (k < nseg) {
    if (seg_word[k] != NULL) {
      BNDL_TRY(emit_copy(p, (const char *)p->s + off[c], off[c + seg_len[k]] - off[c], BNDL_TOKEN_CJK,
                         seg_word[k]->flags, off[c]));
      c += seg_len[k++];
      continue;
    }
    size_t first = c;
    while (k < nseg && seg_word[k] == NULL)
      c += seg_len[k++];
    if (c - first == 1 && !(first == 0 && carry != UINT32_MAX)) {
      BNDL_TRY(emit_copy(p, (const char *)p->s + off[first], off[c] - off[first], BNDL_TOKEN_CJK, 0, off[first]));
      continue;
    }
    for (size_t x = first; x + 1 < c; x++)
      BNDL_TRY(emit_copy(p, (const char *)p->s + off[x], off[x + 2] - off[x], BNDL_TOKEN_CJK, 0, off[x]));
  }
  return BNDL_OK;
}

/* Scratch of one segmentation window (on the caller's stack, about 22 KB). */
typedef struct seg_window {
  uint32_t off[SEG_WINDOW + 1]; /* byte offsets of the characters, and of the end */
  uint32_t cp[SEG_WINDOW];      /* their code points */
  double best[SEG_WINDOW + 1];
  uint8_t back_len[SEG_WINDOW + 1];
  const dict_slot *back_word[SEG_WINDOW + 1];
  uint8_t seg_len[SEG_WINDOW]; /* the path: segment lengths in characters, in order */
  const dict_slot *seg_word[SEG_WINDOW]; /* its dictionary words (NULL: uncovered) */
} seg_window;

/* Viterbi over the m characters of w->off in s: the least total cost path, where a word
 * costs its -log p and an uncovered character unknown_cost. best[b] is the least cost of
 * characters [0, b); ties keep the first relaxation, i.e. the longer last word. Fills
 * w->seg_len and w->seg_word and returns the number of segments. */
static size_t segment_window(const bndl_tokenizer *t, const unsigned char *s, size_t m, seg_window *w) {
  const uint32_t *off = w->off;
  double *best = w->best;
  best[0] = 0;
  for (size_t b = 1; b <= m; b++)
    best[b] = HUGE_VAL;
  for (size_t a = 0; a < m; a++) {
    if (best[a] + t->unknown_cost < best[a + 1]) {
      best[a + 1] = best[a] + t->unknown_cost;
      w->back_len[a + 1] = 1;
      w->back_word[a + 1] = NULL;
    }
    uint32_t h = FNV_INIT;
    size_t lim = a + SEG_MAX_WORD < m ? a + SEG_MAX_WORD : m;
    for (size_t b = a + 1; b <= lim; b++) {
      for (uint32_t x = off[b - 1]; x < off[b]; x++)
        h = fnv_step(h, s[x]);
      const dict_slot *e;
      if (b == a + 1 && w->cp[a] >= FIRST_LO && w->cp[a] < FIRST_HI) {
        uint32_t slot = t->first[w->cp[a] - FIRST_LO];
        e = slot ? &t->slots[slot - 1] : NULL;
      } else {
        uint32_t hf = hash_finish(h);
        if (b == a + 2 && !(t->pairs[(hf >> PAIR_SHIFT) / 64] & (1ull << ((hf >> PAIR_SHIFT) % 64))))
          break;
        e = dict_find(t, (const char *)s + off[a], off[b] - off[a], hf);
      }
      if (e == NULL)
        break;
      if ((e->flags & W_ZH) && best[a] + e->cost < best[b]) {
        best[b] = best[a] + e->cost;
        w->back_len[b] = (uint8_t)(b - a);
        w->back_word[b] = e;
      }
      if (!(e->flags & W_PREFIX))
        break;
    }
  }
  size_t nseg = 0;
  for (size_t b = m; b > 0; b -= w->back_len[b])
    nseg++;
  size_t k = nseg;
  for (size_t b = m; b > 0; b -= w->back_len[b]) {
    k--;
    w->seg_len[k] = w->back_len[b];
    w->seg_word[k] = w->back_word[b];
  }
  return nseg;
}

/* The next window of a CJK run from byte i of s[0..n): fills w->off, returns the
 * character count; *more is set when the run goes on past the window. */
static size_t collect_window(const unsigned char *s, size_t n, size_t i, seg_window *w, int *more) {
  size_t m = 0;
  *more = 0;
  while (i < n) {
    size_t nb;
    uint32_t cp = fold_width(decode(s + i, &nb));
    if (char_class(cp) != C_CJK)
      break;
    if (m == SEG_WINDOW) {
      *more = 1;
      break;
    }
    w->cp[m] = cp;
    w->off[m++] = (uint32_t)i;
    i += nb;
  }
  w->off[m] = (uint32_t)i;
  return m;
}

/* A run of CJK ideographs starting at *pos: segmented window by window. */
static bndl_status scan_cjk(tok_pass *p, size_t *pos) {
  seg_window win;
  const uint32_t *off = win.off;
  const uint8_t *seg_len = win.seg_len;
  const dict_slot *const *seg_word = win.seg_word;
  const bndl_tokenizer *t = p->t;
  uint32_t carry = UINT32_MAX;
  for (;;) {
    int more;
    size_t m = collect_window(p->s, p->n, *pos, &win, &more);
    if (t->opt.language == 1) { /* English: one token per ideograph */
      for (size_t c = 0; c < m; c++)
        BNDL_TRY(emit_copy(p, (const char *)p->s + off[c], off[c + 1] - off[c], BNDL_TOKEN_CJK, 0, off[c]));
      *pos = off[m];
      if (!more)
        return BNDL_OK;
      continue;
    }
    /* With more to come, stop at the last path boundary at least SEG_MAX_WORD
     * characters before the window end. */
    size_t nseg = segment_window(t, p->s, m, &win);
    size_t end = m;
    uint32_t next_carry = UINT32_MAX;
    if (more) {
      size_t c = 0, keep = 0;
      for (size_t s = 0; s < nseg; s++) {
        if (c + seg_len[s] + SEG_MAX_WORD > m)
          break;
        c += seg_len[s];
        keep = s + 1;
      }
      /* A stretch of uncovered characters at the cut is left to the next window; one
       * that fills the whole kept part is emitted and its last character carried. */
      size_t stretch = keep, sc = c;
      while (stretch > 0 && seg_word[stretch - 1] == NULL)
        sc -= seg_len[--stretch];
      if (stretch > 0 && stretch < keep) {
        keep = stretch;
        c = sc;
      } else if (stretch == 0 && keep > 0) {
        next_carry = off[c - 1];
      }
      nseg = keep;
      end = c;
    }
    BNDL_TRY(emit_segments(p, off, seg_len, seg_word, nseg, carry));
    carry = next_carry;
    *pos = off[end];
    if (!more)
      return BNDL_OK;
  }
}

bndl_status bndl_tokenize(const bndl_tokenizer *t, const char *text, size_t len, bndl_token_list *l) {
  bndl_token_list_clear(l);
  if (len == 0)
    return BNDL_OK;
  if (len > UINT32_MAX)
    return bndl_fail(BNDL_ERR_LIMIT, "text of %zu bytes: the tokenizer takes at most 4 GiB", len);
  size_t bad = bndl_utf8_invalid_at(text, len);
  if (bad < len)
    return bndl_fail(BNDL_ERR_FORMAT, "invalid UTF-8 at byte %zu (0x%02x)", bad, (unsigned)(unsigned char)text[bad]);
  BNDL_TRY(arena_reserve(l, 0, len + len / 2 + 64));
  tok_pass p = {t, l, (const unsigned char *)text, len, 0, t->opt.language != 2, 0};
  size_t i = 0;
  while (i < len) {
    size_t nb;
    int cls;
    uint32_t cp = peek(&p, i, &nb, &cls);
    int word = 0;
    switch (cls) {
    case C_LETTER:
    case C_DIGIT:
      BNDL_TRY(scan_word(&p, &i));
      word = 1;
      break;
    case C_CJK:
      BNDL_TRY(scan_cjk(&p, &i));
      break;
    case C_EMOJI:
      BNDL_TRY(scan_emoji(&p, &i, cp, nb));
      break;
    case C_PUNCT:
    case C_APOS:
      BNDL_TRY(scan_punct(&p, &i, cp == 0x2019 ? '\'' : cp, nb));
      break;
    case C_NEWLINE:
      p.scope = 0;
      i += nb;
      break;
    default: /* spaces, ignorables, stray joiners and selectors */
      i += nb;
      break;
    }
    p.after_word = word;
  }
  return BNDL_OK;
}

/* ---- corpus statistics ----------------------------------------------------------- */

int bndl_text_is_ideograph(uint32_t cp) { return is_cjk(cp); }

const bndl_allocator *bndl_tokenizer_allocator(const bndl_tokenizer *t) { return &t->alloc; }

bndl_status bndl_tokenizer_reestimate(bndl_tokenizer *t, const char *const *texts, const size_t *lengths, int64_t n,
                                      int iterations) {
  if (n < 0 || (n > 0 && texts == NULL))
    return bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "%lld texts at %p", (long long)n, (const void *)texts);
  int64_t *chosen = bndl_alloc_array(&t->alloc, t->cap, sizeof *chosen);
  seg_window *win = bndl_alloc(&t->alloc, sizeof *win);
  bndl_status st = BNDL_OK;
  if (chosen == NULL || win == NULL) {
    st = BNDL_ERR_OUT_OF_MEMORY;
    goto done;
  }
  for (int it = 0; it < iterations; it++) {
    memset(chosen, 0, t->cap * sizeof *chosen);
    for (int64_t k = 0; k < n; k++) {
      const unsigned char *s = (const unsigned char *)texts[k];
      size_t len = lengths != NULL ? lengths[k] : (s != NULL ? strlen((const char *)s) : 0);
      if (len == 0)
        continue;
      if (s == NULL) {
        st = bndl_fail(BNDL_ERR_INVALID_ARGUMENT, "text %lld is NULL", (long long)k);
        goto done;
      }
      size_t bad = bndl_utf8_invalid_at((const char *)s, len);
      if (bad < len || len > UINT32_MAX) {
        st = bndl_fail(BNDL_ERR_FORMAT, "text %lld: invalid UTF-8 at byte %zu", (long long)k, bad);
        goto done;
      }
      for (size_t i = 0; i < len;) {
        size_t nb;
        if (char_class(fold_width(decode(s + i, &nb))) != C_CJK) {
          i += nb;
          continue;
        }
        int more;
        size_t m = collect_window(s, len, i, win, &more);
        size_t nseg = segment_window(t, s, m, win);
        for (size_t g = 0; g < nseg; g++)
          if (win->seg_word[g] != NULL)
            chosen[win->seg_word[g] - t->slots]++;
        i = win->off[m];
      }
    }
    for (size_t k = 0; k < t->cap; k++)
      if (t->slots[k].len != 0 && (t->slots[k].flags & W_ZH))
        t->slots[k].count = chosen[k];
    update_costs(t);
  }
done:
  bndl_free(&t->alloc, chosen);
  bndl_free(&t->alloc, win);
  return st;
}
