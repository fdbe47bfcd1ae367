/*
 * load.h - reading one input file into a dataset through a table spec.
 *
 * All formats share the frame in load.c: the dataset is marked, a report source is
 * added, the format's reader feeds rows to the ingest layer, and on any failure the
 * dataset is rolled back to the mark so a failed load leaves no trace. Readers only
 * split the file into rows; judging rows is the ingest layer's job.
 */
#ifndef BNDL_DATA_LOAD_H
#define BNDL_DATA_LOAD_H

#include "bundle/bundle_types.h"
#include "data/dataset.h"
#include "data/ingest.h"
#include "data/input.h"

bndl_status bndl_load_file(bndl_dataset *ds, const char *path, const bndl_table_spec *spec);

/* Format readers (input already open). */
bndl_status bndl_read_delimited(bndl_ingest *g, bndl_input *in);
bndl_status bndl_read_sequence_lines(bndl_ingest *g, bndl_input *in);
bndl_status bndl_read_json_lines(bndl_ingest *g, bndl_input *in);
bndl_status bndl_read_basket_json(bndl_ingest *g, bndl_input *in);

/* Longest window a reader may need: a record is at most a few max-size fields. */
size_t bndl_load_max_window(const bndl_ingest *g);

#endif
