/*
 * utf8.c - UTF-8 validation with a 16- (SSE2) or 8-bytes-at-a-time ASCII fast path
 * (almost every id and number is ASCII, so the multibyte decoder rarely runs). NUL is
 * refused like an invalid byte: every string the library keeps is handed back as a C
 * string, where a NUL would silently cut it.
 */
#include "data/utf8.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

size_t bndl_utf8_invalid_at(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    while (i + 16 <= n) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
      /* stop at a byte with its top bit set (not ASCII) or at a NUL */
      if (_mm_movemask_epi8(_mm_or_si128(x, _mm_cmpeq_epi8(x, zero))) != 0)
        break;
      i += 16;
    }
    if (i == n)
      break; /* the vector loop may end exactly at the end */
#endif
    if (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      uint64_t has_nul = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
      if (((w & 0x8080808080808080ull) | has_nul) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = s[i];
    if (c == 0)
      return i; /* U+0000: ids and texts are returned as C strings and cannot hold it */
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n)
      return i;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80)
        return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += len;
  }
  return n;
}
