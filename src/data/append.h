/*
 * append.h - the in-memory append path (embedders passing arrays instead of files).
 *
 * Descriptor problems (NULL arrays, both or neither id kind given, a CSR that does not
 * add up) fail the whole call with INVALID_ARGUMENT naming the array and index; value
 * problems in single rows drop those rows into the report, as for files. A failed call
 * leaves the dataset as it was.
 */
#ifndef BNDL_DATA_APPEND_H
#define BNDL_DATA_APPEND_H

#include "bundle/bundle_types.h"
#include "data/dataset.h"

bndl_status bndl_append_events(bndl_dataset *ds, const bndl_event_columns *c);
bndl_status bndl_append_catalogue(bndl_dataset *ds, const bndl_catalogue_columns *c);
bndl_status bndl_append_bundles(bndl_dataset *ds, const bndl_bundle_csr *c);

#endif
