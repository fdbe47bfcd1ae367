/*
 * text_features.h - the text step of a dataset's finalize: review sentiment scores (for
 * the sentiment_mean and rating_sentiment_agreement columns that data/features.c
 * appends), item keywords and, with word vectors attached, item text vectors.
 *
 * The API layer calls it around the data layer's finalize, so data/ never includes
 * text/ (src/README.md): bndl_text_prepare_finalize before it (the scores must exist
 * when the feature tables are built), bndl_text_item_keywords after it (the keywords
 * read the merged catalogue titles) and after the finalize of each split part, which
 * gets its keywords from its own reviews only and its scores copied from the parent.
 *
 * Sentiment of a review, in [-1, 1]: the lexicon's VADER-style compound score, or 2p - 1
 * for a trained classifier's probability p of "positive"; NaN for a review without text.
 * Keyword tokenization depends on the dataset's texts alone (text.language, the built-in
 * dictionaries, no lexicon, and Chinese words learnt from the item titles and reviews
 * when they hold any ideograph: bndl_tokenizer_learn, min count 5), so whichever scorer
 * a dataset had, its keywords are a function of its rows and config; a split part learns
 * from its own rows, as its features come from them.
 */
#ifndef BNDL_TEXT_TEXT_FEATURES_H
#define BNDL_TEXT_TEXT_FEATURES_H

#include "bundle/bundle_types.h"
#include "data/dataset.h"

/* Decides ds->text_features (text.features and at least one review) and, with a scorer
 * attached, scores every review into ds->review_sentiment on the context pool (fixed
 * blocks: thread-count independent). Review text that is not UTF-8 (the loaders drop
 * such rows, so only rows that bypassed them) is BNDL_ERR_FORMAT naming the review and
 * its source line; the dataset is then unchanged and may be finalized again. */
bndl_status bndl_text_prepare_finalize(bndl_dataset *ds);

/* Item keywords (keywords.h; text.keyword_method, text.keywords, text.window) from each
 * item's catalogue title and reviews into ds->keywords; nothing when !ds->text_features. */
bndl_status bndl_text_item_keywords(bndl_dataset *ds);

/* Item text vectors (text_vectors.h; text.sif_a, text.sif_remove_pc) of the finalized
 * dataset from the word vectors it holds (ds->word_vectors) into ds->text_vectors:
 * n_items x dim with has-text flags, from the dataset's own titles and reviews. Nothing
 * without word vectors or with text.features 0. Called after finalize and after the
 * finalize of each split part (which holds its parent's word vectors). */
bndl_status bndl_text_item_vectors(bndl_dataset *ds);

#endif
