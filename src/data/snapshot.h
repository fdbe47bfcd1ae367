/*
 * snapshot.h - versioned, checksummed binary files of finalized datasets
 * (layout in snapshot_format.h).
 */
#ifndef BNDL_DATA_SNAPSHOT_H
#define BNDL_DATA_SNAPSHOT_H

#include <stddef.h>

#include "bundle/bundle_types.h"
#include "data/dataset.h"

struct bndl_context;

/* Serialises ds into one buffer (caller frees with ds's allocator). */
bndl_status bndl_snapshot_encode(const bndl_dataset *ds, char **out, size_t *len);
/* Builds a finalized dataset from a buffer; `label` names the source in messages. */
bndl_status bndl_snapshot_decode(struct bndl_context *ctx, const void *data, size_t len, const char *label,
                                 bndl_dataset **out);
/* Writes bytes to path atomically: temporary file in the same folder, fsync, rename,
 * fsync of the folder. On failure the old file at path is untouched. */
bndl_status bndl_write_file_atomic(const char *path, const void *data, size_t len);
/* The end of every save of a file-backed object (dataset, models, word vectors): st and
 * data/len are what its encoder returned. When st is OK the bytes are written with
 * bndl_write_file_atomic and freed with a; otherwise there are none and st is returned. */
bndl_status bndl_write_encoded(const bndl_allocator *a, const char *path, bndl_status st, char *data, size_t len);
/* Reads a whole file with the allocator (at most max_bytes). */
bndl_status bndl_read_file(const bndl_allocator *a, const char *path, size_t max_bytes, char **out, size_t *len);

#endif
