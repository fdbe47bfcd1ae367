/*
 * finalize.h - from the build phase to a frozen, indexed dataset.
 */
#ifndef BNDL_DATA_FINALIZE_H
#define BNDL_DATA_FINALIZE_H

#include <stddef.h>

#include "bundle/bundle_types.h"
#include "data/dataset.h"

/* clean = 1 runs the cleaning steps (user datasets); splits pass 0: their rows were
 * cleaned in the parent. */
bndl_status bndl_finalize(bndl_dataset *ds, int clean);
/* The derived parts (interactions, features), rebuilt from the rows; used by finalize
 * and by snapshot loading. */
bndl_status bndl_build_interactions(bndl_dataset *ds);
bndl_status bndl_build_features(bndl_dataset *ds);
/* Weight of event i (see interactions.c): w by type, quantity, rating and decay. */
double bndl_event_weight(const bndl_dataset *ds, const double w[BNDL_EVENT_TYPE_COUNT + 1], int by_qty,
                         double half_life_s, size_t i);

#endif
