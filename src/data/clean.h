/*
 * clean.h - the cleaning steps run by finalize on the event table.
 *
 * Each step marks rows in drop[] (0 = kept, else a bndl_drop_reason) and never touches a
 * row an earlier step dropped, so every row ends with at most one reason. Order:
 * exact duplicates, unknown items, repeats within the window, anomalous users.
 */
#ifndef BNDL_DATA_CLEAN_H
#define BNDL_DATA_CLEAN_H

#include <stdint.h>

#include "bundle/bundle_types.h"
#include "data/dataset.h"

/* Marks exact duplicates (same user, item, type, time, quantity, price, order) after the
 * first occurrence in arrival order. */
bndl_status bndl_clean_duplicates(bndl_dataset *ds, uint8_t *drop);
/* Marks events whose item the catalogue does not list (only when the catalogue lists
 * anything and clean.unknown_items is "drop"). */
void bndl_clean_unknown_items(bndl_dataset *ds, uint8_t *drop);
/* order: kept events sorted by (user, time, arrival); user_off: n_users + 1 offsets into
 * order. Marks a repeat of the same (user, item, type) within the window of the last kept
 * one, for the configured types. */
bndl_status bndl_clean_repeats(bndl_dataset *ds, const uint32_t *order, const int64_t *user_off, uint8_t *drop);
/* Marks every event of users whose activity (log of kept events) has a robust z-score
 * above clean.anomaly_z: z = 0.6745 (x - median) / MAD (Iglewicz and Hoaglin), with the
 * MAD floored at log 2. Each user marked is logged at INFO level. */
bndl_status bndl_clean_anomalous_users(bndl_dataset *ds, const uint32_t *order, const int64_t *user_off,
                                       uint8_t *drop);
/* Counts every mark in the report under its row's source and keeps examples. */
bndl_status bndl_clean_report(bndl_dataset *ds, const uint8_t *drop);

#endif
