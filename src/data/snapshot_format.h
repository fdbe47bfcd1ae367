/*
 * snapshot_format.h - layout of the binary dataset snapshot (format 1.x).
 *
 *   offset 0   header, 64 bytes, little-endian:
 *              magic "BNDLDSET" | u16 major | u16 minor | u32 header_size (64)
 *              | u32 endian mark 0x01020304 | u32 n_sections | u64 file_size
 *              | char producer[24] ("libbundle X.Y.Z", NUL padded)
 *              | u32 crc32 of the section table | u32 crc32 of header bytes 0..59
 *   offset 64  section table: n_sections x {u32 tag, u32 crc32, u64 offset, u64 length,
 *              u64 count}; count is the number of elements (length / element size for
 *              arrays; bytes for blobs)
 *   then       section payloads, each starting on a 64-byte boundary (mmap-friendly),
 *              zero padding between them.
 *
 * Sections hold the frozen rows (events in user-then-time order, reviews, bundle
 * membership, user-bundle rows), the per-item catalogue, the id maps, the report and the
 * dataset configuration. Derived data (interactions, features) is rebuilt on load, so a
 * file can never disagree with itself. Two results of the text step are kept instead of
 * rebuilt (1.1): review sentiment scores, because the scorer that made them is not part
 * of the dataset, and item keywords, because recomputing them would cost a tokenizer
 * pass over every review at each load; item text vectors (1.2), because the word
 * vectors they come from are not part of the dataset either. A reader accepts its own major version and any
 * minor up to its own; unknown section tags are an error within a major (a newer minor
 * is refused before that, with both versions named).
 */
#ifndef BNDL_DATA_SNAPSHOT_FORMAT_H
#define BNDL_DATA_SNAPSHOT_FORMAT_H

#include <stdint.h>

#define BNDL_SNAPSHOT_MAGIC "BNDLDSET"
enum { BNDL_SNAPSHOT_HEADER_SIZE = 64, BNDL_SNAPSHOT_ENTRY_SIZE = 32, BNDL_SNAPSHOT_ALIGN = 64 };
#define BNDL_SNAPSHOT_ENDIAN_MARK 0x01020304u

#define BNDL_TAG(a, b, c, d) ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))

/* Section tags; the order here is the order in the file. */
#define BNDL_SEC_META BNDL_TAG('M', 'E', 'T', 'A')   /* i64[]: see snapshot_meta */
#define BNDL_SEC_IDS_OFF(k) BNDL_TAG('I', 'D', 'O', '0' + (k)) /* i64[count+1] per id space */
#define BNDL_SEC_IDS_TXT(k) BNDL_TAG('I', 'D', 'T', '0' + (k)) /* bytes */
#define BNDL_SEC_EV_USER BNDL_TAG('E', 'U', 'S', 'R')
#define BNDL_SEC_EV_ITEM BNDL_TAG('E', 'I', 'T', 'M')
#define BNDL_SEC_EV_ORDER BNDL_TAG('E', 'O', 'R', 'D')
#define BNDL_SEC_EV_TS BNDL_TAG('E', 'T', 'I', 'M')
#define BNDL_SEC_EV_QTY BNDL_TAG('E', 'Q', 'T', 'Y')
#define BNDL_SEC_EV_PRICE BNDL_TAG('E', 'P', 'R', 'C')
#define BNDL_SEC_EV_WEIGHT BNDL_TAG('E', 'W', 'G', 'T')
#define BNDL_SEC_EV_TYPE BNDL_TAG('E', 'T', 'Y', 'P')
#define BNDL_SEC_EV_PART BNDL_TAG('E', 'P', 'R', 'T')
#define BNDL_SEC_RV_USER BNDL_TAG('R', 'U', 'S', 'R')
#define BNDL_SEC_RV_ITEM BNDL_TAG('R', 'I', 'T', 'M')
#define BNDL_SEC_RV_CAT BNDL_TAG('R', 'C', 'A', 'T')
#define BNDL_SEC_RV_RATING BNDL_TAG('R', 'R', 'A', 'T')
#define BNDL_SEC_RV_TS BNDL_TAG('R', 'T', 'I', 'M')
#define BNDL_SEC_RV_PART BNDL_TAG('R', 'P', 'R', 'T')
#define BNDL_SEC_RV_OFF BNDL_TAG('R', 'O', 'F', 'F')
#define BNDL_SEC_RV_TEXT BNDL_TAG('R', 'T', 'X', 'T')
#define BNDL_SEC_BI_BUNDLE BNDL_TAG('B', 'B', 'U', 'N')
#define BNDL_SEC_BI_ITEM BNDL_TAG('B', 'I', 'T', 'M')
#define BNDL_SEC_UB_USER BNDL_TAG('U', 'U', 'S', 'R')
#define BNDL_SEC_UB_BUNDLE BNDL_TAG('U', 'B', 'U', 'N')
#define BNDL_SEC_UB_TS BNDL_TAG('U', 'T', 'I', 'M')
#define BNDL_SEC_UB_PART BNDL_TAG('U', 'P', 'R', 'T')
#define BNDL_SEC_CAT_PRICE BNDL_TAG('C', 'P', 'R', 'C')
#define BNDL_SEC_CAT_COST BNDL_TAG('C', 'C', 'S', 'T')
#define BNDL_SEC_CAT_STOCK BNDL_TAG('C', 'S', 'T', 'K')
#define BNDL_SEC_CAT_CATEGORY BNDL_TAG('C', 'C', 'A', 'T')
#define BNDL_SEC_CAT_LISTED BNDL_TAG('C', 'L', 'S', 'T')
#define BNDL_SEC_CAT_TITLE_OFF BNDL_TAG('C', 'T', 'O', 'F')
#define BNDL_SEC_CAT_TITLES BNDL_TAG('C', 'T', 'T', 'L')
#define BNDL_SEC_REPORT BNDL_TAG('R', 'E', 'P', 'T')
#define BNDL_SEC_CONFIG BNDL_TAG('C', 'O', 'N', 'F')
/* Since 1.1, present only when the dataset has them: review sentiment scores (f64 per
 * review, NaN = no text) and item keywords (bndl_item_keywords: offsets i64[items + 1],
 * word i32[keywords], score f32[keywords], word offsets i64[words + 1], the strings). */
#define BNDL_SEC_RV_SENTIMENT BNDL_TAG('R', 'S', 'N', 'T')
#define BNDL_SEC_KW_OFF BNDL_TAG('K', 'O', 'F', 'F')
#define BNDL_SEC_KW_WORD BNDL_TAG('K', 'W', 'R', 'D')
#define BNDL_SEC_KW_SCORE BNDL_TAG('K', 'S', 'C', 'R')
#define BNDL_SEC_KW_WORD_OFF BNDL_TAG('K', 'W', 'O', 'F')
#define BNDL_SEC_KW_TEXT BNDL_TAG('K', 'T', 'X', 'T')
/* Since 1.2, present only when the dataset has them: item text vectors (f32[items x
 * META_TEXT_VECTOR_DIM], row-major) and their has-text flags (u8[items], 0 or 1). */
#define BNDL_SEC_TV_DATA BNDL_TAG('T', 'V', 'E', 'C')
#define BNDL_SEC_TV_HAS BNDL_TAG('T', 'V', 'H', 'T')

/* META, an i64 array (later minors may append entries; readers ignore extra ones). */
enum {
  META_N_USERS, META_N_ITEMS, META_N_BUNDLES, META_N_CATEGORIES, META_N_ORDERS, META_N_EVENTS, META_N_REVIEWS,
  META_N_BUNDLE_ITEMS, META_N_USER_BUNDLES, META_HAS_REAL_TIME, META_HAS_ORDINAL_TIME, META_REFERENCE_TIME,
  META_API_CALLS, META_COUNT_1_0, /* the entries of format 1.0, which every file has */
  META_TEXT_FEATURES = META_COUNT_1_0, /* 1.1: the review text feature columns exist (0 when absent) */
  META_TEXT_VECTOR_DIM,                /* 1.2: columns of the item text vectors (0: none) */
  META_COUNT
};

#endif
