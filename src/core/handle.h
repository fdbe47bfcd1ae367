/*
 * handle.h - magic tags at the start of every public object.
 *
 * The API layer checks the tag before touching an object, so a NULL, foreign or freed
 * handle is answered with BNDL_ERR_INVALID_ARGUMENT instead of a crash. Freeing writes
 * BNDL_MAGIC_FREED first; a later call with the stale pointer is caught as long as the
 * memory has not been reused (a best effort, as in every C library).
 */
#ifndef BNDL_CORE_HANDLE_H
#define BNDL_CORE_HANDLE_H

#include <stdint.h>

/* Internal header: plain macros (an enum cannot hold values above INT_MAX in ISO C). */
#define BNDL_MAGIC_CONTEXT 0x58544342u    /* "BCTX" */
#define BNDL_MAGIC_CONFIG 0x47464342u     /* "BCFG" */
#define BNDL_MAGIC_TABLE_SPEC 0x43505342u /* "BSPC" */
#define BNDL_MAGIC_DATASET 0x54534442u    /* "BDST" */
#define BNDL_MAGIC_BUFFER 0x46554242u     /* "BBUF" */
#define BNDL_MAGIC_NEIGHBORS 0x52424e42u  /* "BNBR" */
#define BNDL_MAGIC_ITEMSETS 0x53544942u   /* "BITS" */
#define BNDL_MAGIC_RULES 0x4c555242u      /* "BRUL" */
#define BNDL_MAGIC_ITEM_MODEL 0x444f4d42u /* "BMOD" */
#define BNDL_MAGIC_LEXICON 0x58454c42u    /* "BLEX" */
#define BNDL_MAGIC_TEXT_MODEL 0x54584d42u /* "BMXT" */
#define BNDL_MAGIC_MODEL 0x51455342u      /* "BSEQ" */
#define BNDL_MAGIC_WORD_VECTORS 0x43455642u /* "BVEC" */
#define BNDL_MAGIC_FREED 0xDEADB0B0u

static inline int bndl_handle_is(const void *h, uint32_t magic) {
  return h != 0 && *(const uint32_t *)h == magic;
}

#endif
