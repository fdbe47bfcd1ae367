/*
 * split.h - leakage-free train / validation / test splits of a finalized dataset
 * (methods documented at bndl_dataset_split in bundle.h).
 */
#ifndef BNDL_DATA_SPLIT_H
#define BNDL_DATA_SPLIT_H

#include "bundle/bundle_types.h"
#include "data/dataset.h"

bndl_status bndl_split(const bndl_dataset *ds, const bndl_config *cfg, bndl_dataset **train, bndl_dataset **valid,
                       bndl_dataset **test);

#endif
