/*
 * model_train.h - training a model object (model.h) on datasets: the bridge between the
 * dataset's per-user event sequences and the encoder trainer (train.h).
 *
 * What is trained on. Each user's events in time order (the dataset's frozen
 * sequences), every event type except returns (a return says the item was not wanted;
 * it is not a next item to predict). With model.event_types the encoder also reads the
 * event type of each item (row type - 1 of its type table, as inference does).
 *
 * Validation. With a validation dataset (a split of the same data: it must share the
 * training set's id maps), each user's first validation event is the target after the
 * user's training sequence; users without one are not validated. Without one, the
 * trainer holds out the last item of every training sequence of length >= 3.
 *
 * The model must have been created for the same items (same count and external ids, in
 * the same order) as the training dataset; otherwise its rows would mean other items.
 */
#ifndef BNDL_MODEL_MODEL_TRAIN_H
#define BNDL_MODEL_MODEL_TRAIN_H

#include "model/model.h"
#include "model/train.h"

struct bndl_dataset;

/* Trains m in place (exclusive: no other call may use m meanwhile) and records the run
 * in m->summary. Statuses as bndl_nn_train, plus INVALID_ARGUMENT for datasets that do
 * not match the model or each other. */
bndl_status bndl_model_train_on(bndl_model *m, const struct bndl_dataset *train, const struct bndl_dataset *valid,
                                const bndl_config *cfg, bndl_nn_train_progress_fn fn, void *ud,
                                bndl_nn_train_report *report);

#endif
