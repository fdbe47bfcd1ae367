/*
 * bundle.h - the libbundle application API (umbrella header).
 *
 * Conventions, stated once here and relied on by every declaration below:
 *  - Every fallible function returns bndl_status; results go through out-params, which
 *    are left untouched on failure. On a non-OK return the calling thread's last-error
 *    slot holds the code and a message naming the function, the argument and, for
 *    files, path, line, field and value. Success does not clear the slot.
 *  - Handles are opaque. A NULL, wrong-typed or freed handle gives
 *    BNDL_ERR_INVALID_ARGUMENT. Every *_free(NULL) is a no-op.
 *  - Objects returned through **out are owned by the caller and released with the
 *    matching *_free. Children keep their parents alive (a dataset keeps its context),
 *    so handles may be freed in any order.
 *  - Input pointers are borrowed for the duration of the call only.
 *  - Strings returned by getters belong to the object and live as long as it.
 *  - @thread any: callable concurrently from any thread.
 *    @thread exclusive(x): no other call on x may run at the same time.
 *    @thread init-only: before the first context is created.
 *  - The library never aborts, exits or prints; logging goes to a callback (silent by
 *    default).
 */
#ifndef BUNDLE_H
#define BUNDLE_H

#include "bundle/bundle_export.h"
#include "bundle/bundle_types.h"
#include "bundle/bundle_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================================
 * Library, version and errors
 * =================================================================================== */

/* MAJOR*10000 + MINOR*100 + PATCH of the loaded library. @thread any */
BNDL_API int32_t bndl_version_number(void);
/* "X.Y.Z" of the loaded library (static string). @thread any */
BNDL_API const char *bndl_version_string(void);
/* ABI number of the loaded library; compare with BNDL_ABI_VERSION (BNDL_CHECK_ABI). */
BNDL_API int32_t bndl_abi_version(void);
/* Static JSON object: version, ABI, compiler, build type, optional dependencies found
 * and whether each was compiled in (zlib, openblas, lapacke, onednn, cuda, cudnn),
 * dataset format version. @thread any */
BNDL_API const char *bndl_build_info(void);

/* Static English text for a status code; never NULL (unknown codes get a generic text). */
BNDL_API const char *bndl_status_str(bndl_status status);
/* Code of the last failure on the calling thread (BNDL_OK if none yet). */
BNDL_API bndl_status bndl_last_error_code(void);
/* Message of the last failure on the calling thread, never NULL, no length cap. Owned
 * by the library; valid until the next failing call on this thread. */
BNDL_API const char *bndl_last_error_message(void);
/* Copies the last error message (with its terminating NUL) into buf. `needed`, if not
 * NULL, receives the size including the NUL. Returns BNDL_ERR_BUFFER_TOO_SMALL (and
 * copies a truncated, NUL-terminated prefix when cap > 0) if cap < needed. Does not
 * overwrite the error slot. For binding shims that must copy in the same C frame. */
BNDL_API bndl_status bndl_last_error_copy(char *buf, size_t cap, size_t *needed);

/* Process default allocator for contexts created without one (copied).
 * BNDL_ERR_BUSY once any context exists. NULL restores malloc. @thread init-only */
BNDL_API bndl_status bndl_set_default_allocator(const bndl_allocator *allocator);
/* Process-wide log sink for messages that have no context; contexts inherit it until
 * bndl_context_set_log. `release(user_data)` is called when replaced. Levels below
 * min_level are not delivered. @thread init-only */
BNDL_API bndl_status bndl_set_default_log(bndl_log_fn fn, void *user_data, bndl_release_fn release,
                                          bndl_log_level min_level);

/* ===================================================================================
 * Context: allocator, logger, worker pool, seed
 * =================================================================================== */

/* Creates a context. desc may be NULL (defaults). The worker pool has n_threads
 * threads in all, counting the caller; vendor libraries are pinned so that the total
 * never exceeds it. @thread any */
BNDL_API bndl_status bndl_context_create(const bndl_context_desc *desc, bndl_context **out);
/* Releases the caller's reference; the context lives on while objects created from it
 * exist. @thread exclusive(ctx) */
BNDL_API void bndl_context_free(bndl_context *ctx);
/* Routes the context's log records to fn (NULL = silent). Records may arrive from
 * worker threads. The previous release function, if any, is called. Called from inside
 * a log callback or a library task: BNDL_ERR_STATE. @thread any */
BNDL_API bndl_status bndl_context_set_log(bndl_context *ctx, bndl_log_fn fn, void *user_data,
                                          bndl_release_fn release, bndl_log_level min_level);
/* Resizes the worker pool; 0 = the CPUs this process may use (affinity mask). Waits for
 * running parallel work to finish. From inside a log callback or a library task:
 * BNDL_ERR_STATE. @thread any */
BNDL_API bndl_status bndl_context_set_threads(bndl_context *ctx, int32_t n_threads);
/* Threads the pool uses, counting the caller (0 for an invalid handle). @thread any */
BNDL_API int32_t bndl_context_threads(const bndl_context *ctx);
/* Default seed for randomised steps (random splits, sampling, search). @thread any */
BNDL_API bndl_status bndl_context_set_seed(bndl_context *ctx, uint64_t seed);
BNDL_API uint64_t bndl_context_seed(const bndl_context *ctx);

/* ---- Compute backends. Every numeric algorithm runs on the context's backend: "ref"
 * (portable C, always built, the reference every other backend is tested against),
 * "openblas" and "onednn" when they were found at build time. A new context uses
 * $BNDL_BACKEND if set, else "auto" (the fastest one built: onednn, openblas, ref).
 * Operations a backend lacks run on the next one in that order that has them (onednn's
 * linear-algebra ops on openblas when it is built, else on ref; logged once at INFO). */

/* Selects a backend by name ("auto", "ref", "openblas", "onednn"). A known backend that
 * was not built: BNDL_ERR_UNSUPPORTED naming those that were; an unknown name:
 * BNDL_ERR_NOT_FOUND. Waits for running operations. @thread any */
BNDL_API bndl_status bndl_context_set_backend(bndl_context *ctx, const char *name);
/* Name of the backend in use, and a description of what actually runs (library, ISA,
 * threading). Static strings or owned by the context (valid until the next
 * set_backend). NULL for an invalid handle. @thread any */
BNDL_API const char *bndl_context_backend(const bndl_context *ctx);
BNDL_API const char *bndl_context_backend_info(const bndl_context *ctx);
/* The backends this library knows, built or not: names by index (NULL past the end),
 * and whether a name was built in (1) or not (0). */
BNDL_API const char *bndl_backend_name(int32_t index);
BNDL_API int32_t bndl_backend_available(const char *name);

/* ===================================================================================
 * Config: typed key/value options (keys in bundle_types.h, bndl_key)
 * =================================================================================== */

/* An empty bag: every key reads as its default. Configs are plain values; objects
 * that take one copy what they need. @thread exclusive(cfg) while mutating */
BNDL_API bndl_status bndl_config_create(bndl_config **out);
BNDL_API bndl_status bndl_config_clone(const bndl_config *cfg, bndl_config **out);
BNDL_API void bndl_config_free(bndl_config *cfg);
/* Typed setters: BNDL_ERR_NOT_FOUND for an unknown key, INVALID_ARGUMENT for a wrong
 * type or a value outside the key's documented range. */
BNDL_API bndl_status bndl_config_set_int(bndl_config *cfg, bndl_key key, int64_t value);
BNDL_API bndl_status bndl_config_set_float(bndl_config *cfg, bndl_key key, double value);
BNDL_API bndl_status bndl_config_set_string(bndl_config *cfg, bndl_key key, const char *value);
/* Sets a key by name from text, parsed per the key's type ("clean.anomaly_z", "3.0"). */
BNDL_API bndl_status bndl_config_set(bndl_config *cfg, const char *name, const char *value);
/* Typed getters return the set value or the key's default. cfg may be NULL (defaults).
 * The string stays valid until the key is set again or cfg is freed. */
BNDL_API bndl_status bndl_config_get_int(const bndl_config *cfg, bndl_key key, int64_t *out);
BNDL_API bndl_status bndl_config_get_float(const bndl_config *cfg, bndl_key key, double *out);
BNDL_API bndl_status bndl_config_get_string(const bndl_config *cfg, bndl_key key, const char **out);
/* Key metadata for bindings and tools. Name is NULL and type 0 for unknown keys. */
BNDL_API const char *bndl_config_key_name(bndl_key key);
BNDL_API bndl_value_type bndl_config_key_type(bndl_key key);
BNDL_API bndl_status bndl_config_key_by_name(const char *name, bndl_key *out);

/* ===================================================================================
 * Table specs: how the columns of one input file map onto the dataset
 * =================================================================================== */

/* A blank spec: no columns mapped, comma delimiter, header row expected, time format
 * "auto" (Unix seconds or ISO 8601), default event type PURCHASE. */
BNDL_API bndl_status bndl_table_spec_create(bndl_table_kind kind, bndl_table_format format,
                                            bndl_table_spec **out);
/* A ready-made spec for a known public export; see bndl_table_spec_preset_name for the
 * list (e.g. "online_retail", "youshu_user_item", "amazon_sequences"). The result may be
 * adjusted with the setters below. BNDL_ERR_NOT_FOUND names the known presets. */
BNDL_API bndl_status bndl_table_spec_preset(const char *name, bndl_table_spec **out);
/* Name of the i-th preset (NULL past the end), for listing. */
BNDL_API const char *bndl_table_spec_preset_name(int32_t index);
BNDL_API void bndl_table_spec_free(bndl_table_spec *spec);
/* Field delimiter of BNDL_FORMAT_DELIMITED: a byte, or ' ' for runs of blanks. */
BNDL_API bndl_status bndl_table_spec_set_delimiter(bndl_table_spec *spec, int32_t delimiter);
/* Quote byte of BNDL_FORMAT_DELIMITED (default '"'); 0 turns quoting off (files whose
 * text fields contain bare quotes, such as amazon_cells_labelled.txt). */
BNDL_API bndl_status bndl_table_spec_set_quote(bndl_table_spec *spec, int32_t quote);
/* Whether the first record is a header (1) or data (0). */
BNDL_API bndl_status bndl_table_spec_set_header(bndl_table_spec *spec, int32_t has_header);
/* Maps a field onto a column by header name (delimited with header) or JSON key. */
BNDL_API bndl_status bndl_table_spec_map(bndl_table_spec *spec, bndl_field field, const char *column);
/* Maps a field onto a 0-based column position. */
BNDL_API bndl_status bndl_table_spec_map_index(bndl_table_spec *spec, bndl_field field, int32_t column);
/* Timestamp format: "auto", "unix", "unix_ms", "ordinal" (row order), or a pattern
 * with %Y %y %m %d %H %M %S and literal characters, e.g. "%d/%m/%y". */
BNDL_API bndl_status bndl_table_spec_set_time_format(bndl_table_spec *spec, const char *format);
/* Maps a value of the EVENT_TYPE column onto an event type (case-insensitive). Common
 * names (view, pv, click, cart, addtocart, purchase, buy, return, rating) are known. */
BNDL_API bndl_status bndl_table_spec_set_event_name(bndl_table_spec *spec, const char *name,
                                                   bndl_event_type type);
/* Event type of rows when no EVENT_TYPE column is mapped. */
BNDL_API bndl_status bndl_table_spec_set_default_event(bndl_table_spec *spec, bndl_event_type type);
/* Rows whose `field` starts with `prefix` are returns (Online Retail: ORDER "C"). */
BNDL_API bndl_status bndl_table_spec_set_return_prefix(bndl_table_spec *spec, bndl_field field,
                                                      const char *prefix);
/* Events files: also fill the catalogue from the rows (title, category, latest unit
 * price, unit cost from line profit) for items the catalogue does not list. */
BNDL_API bndl_status bndl_table_spec_set_derive_catalogue(bndl_table_spec *spec, int32_t enable);
/* Tags every row with a split part (pre-split files such as Youshu train/tune/test). */
BNDL_API bndl_status bndl_table_spec_set_split_part(bndl_table_spec *spec, bndl_split_part part);

/* ===================================================================================
 * Dataset: build (exclusive), finalize, then read-only and shareable
 * =================================================================================== */

/* An empty dataset in the build phase. @thread any */
BNDL_API bndl_status bndl_dataset_create(bndl_context *ctx, bndl_dataset **out);
BNDL_API void bndl_dataset_free(bndl_dataset *ds);
/* Copies the dataset keys (200-299) of cfg: loading limits, cleaning, weights, and the
 * text keys (800-899) that finalize reads. Build phase only. @thread exclusive(ds) */
BNDL_API bndl_status bndl_dataset_configure(bndl_dataset *ds, const bndl_config *cfg);

/* Reads one file (plain or .gz) through spec. Row-level problems drop the row and
 * count it in the report (or fail the call under BNDL_KEY_LOAD_STRICT); structural
 * problems (missing file, unterminated quote, missing header column) fail the call
 * with IO or FORMAT and leave the dataset as it was. @thread exclusive(ds) */
BNDL_API bndl_status bndl_dataset_load_table(bndl_dataset *ds, const char *path,
                                             const bndl_table_spec *spec);
/* Appends rows from memory; the same validation as files applies, and rejected rows
 * are reported with the call's sequence number and row index. @thread exclusive(ds) */
BNDL_API bndl_status bndl_dataset_add_events(bndl_dataset *ds, const bndl_event_columns *columns);
BNDL_API bndl_status bndl_dataset_add_catalogue(bndl_dataset *ds, const bndl_catalogue_columns *columns);
BNDL_API bndl_status bndl_dataset_add_bundles(bndl_dataset *ds, const bndl_bundle_csr *bundles);

/* The sentiment scorer of the review text features (sentiment_mean,
 * rating_sentiment_agreement): a lexicon or a trained text classifier (probability p
 * becomes 2p - 1), NULL to detach. Setting one replaces the other. The dataset retains
 * the scorer (bndl_lexicon_free / bndl_text_model_free may come before finalize) and
 * lets it go when bndl_dataset_finalize succeeds or the dataset is freed; it reads it
 * during finalize only, so do not load into the lexicon while that runs. Splits and
 * snapshots keep the review scores, not the scorer. Without a scorer those two
 * columns are NaN. Build phase only. @thread exclusive(ds) */
BNDL_API bndl_status bndl_dataset_set_sentiment_lexicon(bndl_dataset *ds, bndl_lexicon *lexicon);
BNDL_API bndl_status bndl_dataset_set_sentiment_model(bndl_dataset *ds, bndl_text_model *model);
/* Word vectors for item text vectors at finalize, NULL to detach. With them (and
 * text.features, default 1) bndl_dataset_finalize computes each item's text vector
 * from the dataset's own titles and reviews, as bndl_item_text_vectors(ds, wv, cfg)
 * does with the dataset's configuration (text.sif_a, text.sif_remove_pc). The dataset
 * retains wv (bndl_word_vectors_free may come right after this call) and, unlike the
 * sentiment scorer, keeps it after finalize until it is freed, because each part of
 * bndl_dataset_split computes its own vectors from its own rows (no text of another
 * part leaks in) and holds wv too. A dataset loaded from a snapshot has the vectors but
 * no word vectors, so its split parts have none. Build phase only. @thread exclusive(ds) */
BNDL_API bndl_status bndl_dataset_set_word_vectors(bndl_dataset *ds, bndl_word_vectors *wv);

/* Cleans (duplicates, repeats, unknown items, anomalous users), validates, builds the
 * user sequences, the weighted user x item matrix and the behaviour features, then
 * freezes the dataset: afterwards it is immutable and @thread any for readers. With
 * reviews and text.features (default 1) it also scores every review with the attached
 * scorer, appends "sentiment_mean" and "rating_sentiment_agreement" to the user and
 * item feature tables, and extracts each item's keywords from its title and reviews
 * (text.keyword_method tfidf | textrank, text.keywords per item, text.window); review
 * text that is not UTF-8 is BNDL_ERR_FORMAT naming the review, the dataset unchanged.
 * BNDL_ERR_STATE if called twice. @thread exclusive(ds) */
BNDL_API bndl_status bndl_dataset_finalize(bndl_dataset *ds);
BNDL_API int32_t bndl_dataset_is_finalized(const bndl_dataset *ds);

/* Sizes (0 for an invalid handle). Entity counts grow during the build phase. */
BNDL_API int64_t bndl_dataset_count(const bndl_dataset *ds, bndl_entity entity);
/* Kept events after finalize (rows held so far before it). */
BNDL_API int64_t bndl_dataset_num_events(const bndl_dataset *ds);
BNDL_API int64_t bndl_dataset_num_reviews(const bndl_dataset *ds);
BNDL_API int64_t bndl_dataset_num_user_bundles(const bndl_dataset *ds);

/* External id of a dense index, and back. Dense indices are 0..count-1 in order of
 * first appearance and are kept by splits, snapshots and (later) models. */
BNDL_API bndl_status bndl_dataset_external_id(const bndl_dataset *ds, bndl_entity entity,
                                              int64_t index, const char **out);
BNDL_API bndl_status bndl_dataset_find(const bndl_dataset *ds, bndl_entity entity,
                                       const char *external_id, int64_t *out);

/* ---- Report: rows read = rows kept + rows dropped, per input and in total. */
BNDL_API int64_t bndl_dataset_rows_read(const bndl_dataset *ds);
BNDL_API int64_t bndl_dataset_rows_kept(const bndl_dataset *ds);
BNDL_API int64_t bndl_dataset_rows_dropped(const bndl_dataset *ds, bndl_drop_reason reason);
/* Return events kept (they count as kept rows, with negative weight). */
BNDL_API int64_t bndl_dataset_returns_kept(const bndl_dataset *ds);
/* The i-th kept example of a drop reason ("path:line: field 'X' value 'Y': why");
 * BNDL_ERR_NOT_FOUND past the last one. */
BNDL_API bndl_status bndl_dataset_drop_example(const bndl_dataset *ds, bndl_drop_reason reason,
                                               int32_t index, const char **out);
/* Stable snake_case name of a reason ("duplicate"), NULL if unknown. */
BNDL_API const char *bndl_drop_reason_name(bndl_drop_reason reason);
/* The whole report as JSON (per input file: rows read/kept and per-reason counts with
 * examples; totals) or as aligned text for people. */
BNDL_API bndl_status bndl_dataset_report_json(const bndl_dataset *ds, bndl_buffer **out);
BNDL_API bndl_status bndl_dataset_report_text(const bndl_dataset *ds, bndl_buffer **out);

/* ---- Read access after finalize (BNDL_ERR_STATE before). Pointers stay valid for the
 * dataset's lifetime. */
/* Behaviour features as a row-major float table [rows x cols] (users or items), then
 * the review text columns when finalize made them (see bndl_dataset_finalize). */
BNDL_API bndl_status bndl_dataset_features(const bndl_dataset *ds, bndl_entity entity, const float **data,
                                           int64_t *rows, int32_t *cols);
/* Column name of the feature table ("purchases", "recency_days", ...), NULL if out of range. */
BNDL_API const char *bndl_dataset_feature_name(const bndl_dataset *ds, bndl_entity entity, int32_t column);
/* Weighted user x item matrix (event weights, returns negative, time decay) in CSR:
 * row u spans [indptr[u], indptr[u+1]); items ascending within a row. */
BNDL_API bndl_status bndl_dataset_interactions(const bndl_dataset *ds, const int64_t **indptr,
                                               const int32_t **items, const float **weights);
/* One user's events in time order: items, event types (bndl_event_type values as
 * bytes) and times; event_types and timestamps may be NULL. */
BNDL_API bndl_status bndl_dataset_user_events(const bndl_dataset *ds, int64_t user, const int32_t **items,
                                              const uint8_t **event_types, const int64_t **timestamps,
                                              int64_t *count);
/* Catalogue columns indexed by item: price and cost (NaN = unknown), stock (-1 =
 * unknown), category index (-1 = none). */
BNDL_API bndl_status bndl_dataset_catalogue(const bndl_dataset *ds, const double **prices, const double **costs,
                                            const int64_t **stock, const int32_t **categories);
/* Catalogue title of an item as bytes (UTF-8, NOT NUL-terminated: print with "%.*s");
 * length 0 when it has none. */
BNDL_API bndl_status bndl_dataset_item_title(const bndl_dataset *ds, int64_t item, const char **title,
                                             size_t *length);
/* Keywords of an item (text.features at finalize), best first: *count of them (0 when
 * the item has no text or the dataset no keywords), then the index-th one as UTF-8 bytes
 * (NUL-terminated; length without the NUL) with its score (TF-IDF weight of the item's
 * L2-normalised row, or TextRank score). score may be NULL. BNDL_ERR_NOT_FOUND for an
 * item or index out of range. */
BNDL_API bndl_status bndl_dataset_item_keyword_count(const bndl_dataset *ds, int64_t item, int32_t *count);
BNDL_API bndl_status bndl_dataset_item_keyword(const bndl_dataset *ds, int64_t item, int32_t index,
                                               const char **word, size_t *length, float *score);
/* Bundle membership CSR over dense indices. */
BNDL_API bndl_status bndl_dataset_bundles(const bndl_dataset *ds, const int64_t **indptr, const int32_t **items);

/* Splits a finalized dataset without leakage by BNDL_KEY_SPLIT_METHOD:
 *  leave_last_out  each user's last SPLIT_HOLDOUT events (in time order) go to test,
 *                  the ones before to valid when SPLIT_WITH_VALID; users need more events
 *                  than are held out, else they stay wholly in train;
 *  time            events before SPLIT_TIME_CUTOFF train, after it test (validation
 *                  window from SPLIT_VALID_TIME_CUTOFF); reviews follow the same cut;
 *  random          seeded per-event assignment with SPLIT_TEST_RATIO / VALID_RATIO;
 *  fixed           by the split part of each row (bndl_table_spec_set_split_part).
 * User-bundle interactions are split with the events. Outputs are finalized, share the
 * parent's id maps (same dense indices), and carry their own features computed from
 * their own rows only. valid may be NULL. @thread any (ds finalized) */
BNDL_API bndl_status bndl_dataset_split(const bndl_dataset *ds, const bndl_config *cfg, bndl_dataset **train,
                                        bndl_dataset **valid, bndl_dataset **test);

/* ---- Snapshot: one versioned, checksummed binary file of a finalized dataset.
 * Saving is atomic (temporary file, fsync, rename). Loading checks magic, format
 * version (FORMAT / VERSION naming both versions), every section checksum and every
 * index against the dataset's own sizes. A load then save gives identical bytes (a file
 * of an older minor format is saved in the current one). */
BNDL_API bndl_status bndl_dataset_save(const bndl_dataset *ds, const char *path);
BNDL_API bndl_status bndl_dataset_save_buffer(const bndl_dataset *ds, bndl_buffer **out);
BNDL_API bndl_status bndl_dataset_load(bndl_context *ctx, const char *path, bndl_dataset **out);
BNDL_API bndl_status bndl_dataset_load_buffer(bndl_context *ctx, const void *data, size_t size,
                                              bndl_dataset **out);

/* ===================================================================================
 * Similarity: exact top-k neighbours, computed in blocks with bounded memory
 * =================================================================================== */

/* Item-item similarity over the dataset's weighted user x item matrix (interactions
 * with weight <= 0 are ignored; sim.binary = 1 counts each as 1). Measure and
 * parameters from the 500s keys of cfg (NULL = defaults):
 *   cosine, dot; asymmetric_cosine: dot / (|r|^2alpha |c|^2(1-alpha)) with alpha on the
 *   row item, so alpha = 1 gives P(c | r) on binary data (Aiolli 2013); jaccard (Tanimoto
 *   on weights); tfidf and bm25: cosine of idf- / BM25-weighted vectors; lift and pmi:
 *   from co-occurrence counts over all users (weights ignored).
 * sim.min_support (fewest common users) and sim.shrink (added to the denominator; no
 * effect on dot) apply to every measure; pairs that never co-occur are never neighbours.
 * Rows are item indices of the dataset; each row keeps its k best neighbours, score
 * descending, ties by lower index. Memory stays within sim.max_bytes whatever the
 * catalogue size (never an n x n matrix), checked before anything is allocated
 * (BNDL_ERR_LIMIT states the need). Deterministic for any thread count and backend. ds
 * must be finalized. @thread any */
BNDL_API bndl_status bndl_similarity_items(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out);
/* The same between users (rows and columns are user indices). */
BNDL_API bndl_status bndl_similarity_users(const bndl_dataset *ds, const bndl_config *cfg, bndl_neighbors **out);
/* Top-k of each query row against the item rows of two float32 embedding tables
 * (n_queries x dim and n_items x dim, 2-D CPU views, rows may be strided), by cosine or
 * dot, through the context's GEMM in query blocks bounded by sim.max_bytes of cfg (NULL
 * = defaults). A zero vector has cosine 0 with everything. @thread any */
BNDL_API bndl_status bndl_similarity_embeddings(bndl_context *ctx, const bndl_tensor_view *queries,
                                                const bndl_tensor_view *items, bndl_metric metric, int32_t k,
                                                const bndl_config *cfg, bndl_neighbors **out);
/* Cold-start item-item neighbours from text: cosine of the item text vectors
 * (bndl_item_text_vectors, same wv and cfg), so an item with a title or reviews but no
 * interactions has neighbours. sim.k per item, the item itself excluded; items without
 * text get no neighbours and are nobody's. @thread any */
BNDL_API bndl_status bndl_similarity_items_text(const bndl_dataset *ds, const bndl_word_vectors *wv,
                                                const bndl_config *cfg, bndl_neighbors **out);
BNDL_API int64_t bndl_neighbors_rows(const bndl_neighbors *nb);
BNDL_API int64_t bndl_neighbors_nnz(const bndl_neighbors *nb);
/* Neighbours of one row (pointers valid while nb lives). */
BNDL_API bndl_status bndl_neighbors_row(const bndl_neighbors *nb, int64_t row, const int32_t **cols,
                                        const float **scores, int32_t *count);
/* The whole result as CSR (indptr has rows + 1 entries). */
BNDL_API bndl_status bndl_neighbors_csr(const bndl_neighbors *nb, const int64_t **indptr, const int32_t **cols,
                                        const float **scores);
BNDL_API void bndl_neighbors_free(bndl_neighbors *nb);

/* ===================================================================================
 * Co-purchase mining: baskets, frequent itemsets (FP-growth), association rules
 * =================================================================================== */

/* Frequent itemsets of the dataset's baskets with support >= fp.min_support (and count
 * >= fp.min_count), length <= fp.max_len. Items in each set ascending; sets ordered by
 * length, then items. Baskets (basket.by):
 *   order    one basket per order id (events without one: per user and instant);
 *   session  a user's events split where the gap between counted events exceeds
 *            basket.session_gap_s;
 *   window   fixed windows of basket.window_s per user, aligned to Unix time 0;
 *   user     the whole history.
 * Only the event types listed in basket.event_types count ("view", "click", "cart",
 * "purchase", "rating"; returns never do); an item counts once per basket. @thread any */
BNDL_API bndl_status bndl_copurchase_itemsets(const bndl_dataset *ds, const bndl_config *cfg, bndl_itemsets **out);
BNDL_API int64_t bndl_itemsets_count(const bndl_itemsets *sets);
/* Number of baskets mined (the denominator of every support). */
BNDL_API int64_t bndl_itemsets_baskets(const bndl_itemsets *sets);
BNDL_API bndl_status bndl_itemsets_get(const bndl_itemsets *sets, int64_t index, const int32_t **items,
                                       int32_t *length, int64_t *count);
/* Association rules A -> C from the itemsets (rule.min_confidence, rule.min_lift). */
BNDL_API bndl_status bndl_itemsets_rules(const bndl_itemsets *sets, const bndl_config *cfg, bndl_rules **out);
BNDL_API void bndl_itemsets_free(bndl_itemsets *sets);
BNDL_API int64_t bndl_rules_count(const bndl_rules *rules);
BNDL_API bndl_status bndl_rules_get(const bndl_rules *rules, int64_t index, const int32_t **antecedent,
                                    int32_t *n_antecedent, const int32_t **consequent, int32_t *n_consequent,
                                    bndl_rule_metrics *metrics);
BNDL_API void bndl_rules_free(bndl_rules *rules);
/* Complementary items: for each item, the items bought in the same baskets, ranked by
 * lift, k = sim.k. Pairs in fewer than fp.min_count baskets are left out: raise it (the
 * default 1 lets a single rare co-purchase rank first). @thread any */
BNDL_API bndl_status bndl_copurchase_complements(const bndl_dataset *ds, const bndl_config *cfg,
                                                 bndl_neighbors **out);

/* ===================================================================================
 * Closed-form item models: EASE and low-rank item factors
 * =================================================================================== */

/* Bytes a dense item model of `kind` ("ease" or "factors") would need for ds (finalized)
 * under cfg on the context's backend, so callers can decide before building. @thread any */
BNDL_API bndl_status bndl_item_model_memory(const bndl_dataset *ds, const bndl_config *cfg, const char *kind,
                                            int64_t *bytes);
/* EASE (Steck, WWW 2019): B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1, X the
 * binary user x item matrix. Refused with BNDL_ERR_LIMIT above model.max_items items or
 * model.max_bytes bytes (the message states the need). @thread any */
BNDL_API bndl_status bndl_item_model_ease(const bndl_dataset *ds, const bndl_config *cfg, bndl_item_model **out);
/* Item factors: the leading factors.rank eigenvectors of the item Gram matrix X^T X,
 * scaled by the square roots of their eigenvalues (items x rank). @thread any */
BNDL_API bndl_status bndl_item_model_factors(const bndl_dataset *ds, const bndl_config *cfg,
                                             bndl_item_model **out);
/* The model's matrix: items x items (EASE) or items x rank (factors), row-major. */
BNDL_API bndl_status bndl_item_model_weights(const bndl_item_model *model, const float **data, int64_t *rows,
                                             int64_t *cols);
/* Scores of every item for a history (item indices with weights; NULL weights = 1):
 * scores[j] = sum_i w_i B[i][j] (EASE) or the fold-in user factors times item factors.
 * n_scores is the capacity of scores and must be at least the model's item count. */
BNDL_API bndl_status bndl_item_model_score(const bndl_item_model *model, const int32_t *items, const float *weights,
                                           int64_t n, float *scores, int64_t n_scores);
/* Factors model: user factors of an unseen history by ridge least squares
 * (factors.reg). rank is the capacity of user_factors, at least the model's rank. */
BNDL_API bndl_status bndl_item_model_fold_in(const bndl_item_model *model, const int32_t *items,
                                             const float *weights, int64_t n, float *user_factors, int64_t rank);
/* "ease" or "factors" (NULL for an invalid handle). */
BNDL_API const char *bndl_item_model_kind(const bndl_item_model *model);
BNDL_API void bndl_item_model_free(bndl_item_model *model);

/* ===================================================================================
 * Sequence models: a behaviour-sequence encoder (SASRec-style Transformer or LSTM) whose
 * user state after a history scores every item by a dot product with its item table.
 * Immutable once created or loaded: every call below but free is @thread any.
 * =================================================================================== */

/* A model for a finalized dataset's items: the architecture from the model.* keys of
 * cfg (NULL = defaults), the dataset's item count and item ids (so the model answers in
 * the shop's ids without the dataset), with model.item_features its item feature table
 * (standardised per column, unknown values 0) followed by the dataset's item text
 * vectors when it has them (bndl_dataset_text_vectors: dim more columns, as they are),
 * with model.event_types an embedding per
 * bndl_event_type. Parameters are drawn from the context's seed (untrained until
 * trained). The model keeps its context alive, not the dataset. @thread any */
BNDL_API bndl_status bndl_model_create(const bndl_dataset *ds, const bndl_config *cfg, bndl_model **out);
/* One versioned, checksummed file: architecture, tensor directory, parameters, item
 * ids, item features, training summary. Saving is atomic (temporary file + rename);
 * the buffer form holds the same bytes. Loading checks everything (BNDL_ERR_FORMAT naming
 * the damaged section, BNDL_ERR_VERSION for another major format version; newer minors
 * are read). Weights and features are at most 1e6 in magnitude, which keeps every score
 * finite: saving a model past that (a diverged training run) is BNDL_ERR_STATE naming
 * the tensor, loading a file past it BNDL_ERR_FORMAT. */
BNDL_API bndl_status bndl_model_save(const bndl_model *model, const char *path);
BNDL_API bndl_status bndl_model_save_buffer(const bndl_model *model, bndl_buffer **out);
BNDL_API bndl_status bndl_model_load(bndl_context *ctx, const char *path, bndl_model **out);
BNDL_API bndl_status bndl_model_load_buffer(bndl_context *ctx, const void *data, size_t size, bndl_model **out);
/* "transformer" or "lstm" (NULL for an invalid handle). */
BNDL_API const char *bndl_model_kind(const bndl_model *model);
/* Size of a user state and of an item embedding (0 for an invalid handle). */
BNDL_API int64_t bndl_model_embedding_dim(const bndl_model *model);
/* Trainable scalars (0 for an invalid handle). */
BNDL_API int64_t bndl_model_num_params(const bndl_model *model);
/* Items the model scores: dense indices 0..n-1, the dataset's (0 for an invalid handle). */
BNDL_API int64_t bndl_model_num_items(const bndl_model *model);
/* Another reference (for bindings sharing one model); each is released by
 * bndl_model_free. */
BNDL_API bndl_status bndl_model_retain(bndl_model *model);
BNDL_API void bndl_model_free(bndl_model *model);

/* Trains the model on a finalized dataset's user sequences (every event but returns, in
 * time order) with the 400s keys of cfg (NULL = defaults): mini-batches of the most
 * recent model.max_len + 1 items, BCE or sampled-softmax loss, Adam / AdamW / SGD,
 * clipping, learning-rate schedule, seeded (train.seed, else the context's), bit-identical
 * for any thread count on a given backend. valid (may be NULL) is a split of the same data
 * (bndl_dataset_split with split.with_valid): each user's first validation event is the
 * target; NULL holds out the last item of each training sequence of 3 or more. Every
 * train.valid_every epochs, full-ranking NDCG@train.metric_k on up to train.valid_users
 * users picks the best epoch; training stops after train.patience validations without
 * improvement, and the model ends at its best parameters whatever the outcome (also on
 * BNDL_ERR_CANCELLED from progress, which may be NULL). train must have the model's items
 * (the dataset it was created from, or a split of it). BNDL_ERR_STATE when the loss stops
 * being finite. May be called again to train further. @thread exclusive(model) */
BNDL_API bndl_status bndl_model_train(bndl_model *model, const bndl_dataset *train, const bndl_dataset *valid,
                                      const bndl_config *cfg, bndl_train_progress_fn progress, void *user_data);
/* The training record (out->struct_size set by the caller: BNDL_TRAIN_SUMMARY_INIT). */
BNDL_API bndl_status bndl_model_train_summary(const bndl_model *model, bndl_train_summary *out);

/* User state (embedding_dim floats into out, out_cap >= embedding_dim) after a history
 * of n >= 1 dense item indices, oldest first; only the model.max_len most recent are
 * read. types: a bndl_event_type per item, or NULL (all purchases); ignored by models
 * without event types. An unseen user needs no retraining: this is its fold-in. */
BNDL_API bndl_status bndl_model_encode(const bndl_model *model, const int32_t *items, const int32_t *types, int64_t n,
                                       float *out, int64_t out_cap);
/* User states of n_seq histories: history s is items[offsets[s] .. offsets[s+1]) (each
 * non-empty; offsets has n_seq + 1 entries), types likewise or NULL; out is n_seq x
 * embedding_dim, out_cap >= that. Encoded in blocks of fixed size (memory bounded); equal
 * to n_seq calls of bndl_model_encode up to the provider's rounding (bit-identical on
 * "ref"). */
BNDL_API bndl_status bndl_model_encode_batch(const bndl_model *model, int64_t n_seq, const int64_t *offsets,
                                             const int32_t *items, const int32_t *types, float *out,
                                             int64_t out_cap);
/* The k best items after a history: every item scored by the dot product of the user
 * state with its embedding, the history (when exclude_history) and exclude[0..n_exclude)
 * removed, best first, ties by lower index. out_items (and out_scores, which may be
 * NULL) hold k entries; *n_out receives how many were written (< k only when fewer
 * items remain). */
BNDL_API bndl_status bndl_model_recommend(const bndl_model *model, const int32_t *items, const int32_t *types,
                                          int64_t n, const int32_t *exclude, int64_t n_exclude,
                                          int32_t exclude_history, int64_t k, int32_t *out_items,
                                          float *out_scores, int64_t *n_out);
/* The item embedding table, rows = num_items, cols = embedding_dim, row-major,
 * read-only, valid while the model lives. */
BNDL_API bndl_status bndl_model_item_embeddings(const bndl_model *model, const float **data, int64_t *rows,
                                                int64_t *cols);
/* Dense index of an external item id (len bytes; BNDL_ERR_NOT_FOUND if the model does
 * not know it), and the external id of an index (NUL-terminated, owned by the model;
 * len may be NULL). */
BNDL_API bndl_status bndl_model_item_index(const bndl_model *model, const char *id, size_t len, int32_t *index);
BNDL_API bndl_status bndl_model_item_id(const bndl_model *model, int32_t index, const char **id, size_t *len);

/* ===================================================================================
 * Text: tokenization, lexicon sentiment, trained classifiers (English and Chinese)
 * =================================================================================== */

/* Tokens of one UTF-8 text, joined by '\n' in *tokens (so a binding can split them).
 * English: case folding, punctuation split, contractions expanded ("don't" -> "do
 * not"), and with text.negation the words after a negator up to the next punctuation
 * prefixed "NOT_". Chinese: segmented into words (dictionary from the lexicons and
 * corpus statistics, unknown runs as character bigrams). Full-width forms are folded to
 * half-width. text.language picks the tokenizer ("auto": per character run, so mixed
 * text works). Invalid UTF-8: BNDL_ERR_FORMAT with the byte offset. @thread any */
BNDL_API bndl_status bndl_text_tokenize(bndl_context *ctx, const char *text, size_t length, const bndl_config *cfg,
                                        bndl_buffer **tokens);

/* Keywords of each of n documents (texts[i], lengths may be NULL for NUL-terminated
 * texts), as the dataset's item keywords are made: text.keyword_method (tfidf, idf over
 * these n documents; or textrank), text.keywords per document, text.window, stopwords,
 * negators, numbers, punctuation and one-character tokens dropped, Chinese words learnt
 * from the texts when they hold any. *keywords holds one line per keyword, best first
 * within a document, documents in order: "<document index>\t<word>\t<score>\n"
 * (words hold no tab or newline). Invalid UTF-8: BNDL_ERR_FORMAT naming the text.
 * Deterministic for any thread count. @thread any */
BNDL_API bndl_status bndl_text_keywords(bndl_context *ctx, const char *const *texts, const size_t *lengths, int64_t n,
                                        const bndl_config *cfg, bndl_buffer **keywords);

/* An empty lexicon set; load files into it, then score. @thread exclusive while loading,
 * then any. */
BNDL_API bndl_status bndl_lexicon_create(bndl_context *ctx, bndl_lexicon **out);
/* Loads one lexicon file. format: "vader" (token, valence -4..4), "positive" and
 * "negative" (one word per line; lines starting with ';' are comments: Hu & Liu, NTUSD),
 * "hownet_positive", "hownet_negative", "hownet_degree" (HowNet layout with headers and
 * degree levels), "hownet_opinion" (HowNet opinion words), "dutir" (DUTIR ontology TSV:
 * polarity and intensity), "negation" (one negator per line). Errors name the file and
 * line; a failed load leaves the lexicon as it was. */
BNDL_API bndl_status bndl_lexicon_load(bndl_lexicon *lex, const char *path, const char *format);
/* Loads every file of a folder laid out as ../shared/data/lexicons (known names only). */
BNDL_API bndl_status bndl_lexicon_load_dir(bndl_lexicon *lex, const char *dir);
/* Sentiment of a text in [-1, 1] (VADER-style compound: word valences with intensifiers,
 * negation and contrastive "but"/"但是" rules, normalised). Text with no sentiment
 * words scores 0. @thread any */
BNDL_API bndl_status bndl_lexicon_score(const bndl_lexicon *lex, const char *text, size_t length, double *score);
BNDL_API void bndl_lexicon_free(bndl_lexicon *lex);

/* Trains a binary text classifier: TF-IDF of word n-grams (text.word_ngrams) and
 * character n-grams (text.char_ngrams) seen in >= text.min_df documents, L2-regularised
 * logistic regression (text.c, text.class_weight). labels are 0/1. lengths may be NULL
 * (NUL-terminated texts). Deterministic for a seed. @thread any */
BNDL_API bndl_status bndl_text_model_train(bndl_context *ctx, const char *const *texts, const size_t *lengths,
                                           const int32_t *labels, int64_t n, const bndl_config *cfg,
                                           bndl_text_model **out);
/* The same on a dataset's reviews: rating >= text.positive_min is 1, <= text.negative_max
 * is 0, others are skipped. */
BNDL_API bndl_status bndl_text_model_train_reviews(const bndl_dataset *ds, const bndl_config *cfg,
                                                   bndl_text_model **out);
/* Probability that a text is positive. @thread any */
BNDL_API bndl_status bndl_text_model_predict(const bndl_text_model *model, const char *text, size_t length,
                                             double *probability);
BNDL_API bndl_status bndl_text_model_predict_batch(const bndl_text_model *model, const char *const *texts,
                                                   const size_t *lengths, int64_t n, double *probabilities);
/* Versioned, checksummed file (vocabulary, idf, weights, config). */
BNDL_API bndl_status bndl_text_model_save(const bndl_text_model *model, const char *path);
BNDL_API bndl_status bndl_text_model_load(bndl_context *ctx, const char *path, bndl_text_model **out);
BNDL_API void bndl_text_model_free(bndl_text_model *model);

/* Word vectors: word2vec skip-gram with negative sampling (Mikolov et al. 2013) over the
 * tokenizer's tokens (punctuation dropped, no negation marks). Options: text.vector_dim
 * (0 = off: INVALID_ARGUMENT), text.window (dynamic window up to it),
 * text.vector_negatives, text.vector_epochs, text.vector_min_count (rarer words get no
 * vector), text.vector_sample (frequent-word subsampling), text.vector_lr (falling
 * linearly to 1e-4 of it), text.seed (-1 = the context seed), text.language (for a
 * corpus not declared "en", Chinese words are first learnt from the corpus). Words are
 * numbered by count, most frequent first. The same texts and seed give bit-identical
 * vectors on any number of threads. Empty corpus, or no word reaching min_count:
 * INVALID_ARGUMENT; invalid UTF-8: FORMAT naming the text. lengths may be NULL
 * (NUL-terminated texts). The result retains ctx. @thread any */
BNDL_API bndl_status bndl_word_vectors_train(bndl_context *ctx, const char *const *texts, const size_t *lengths,
                                             int64_t n, const bndl_config *cfg, bndl_word_vectors **out);
/* The same on a finalized dataset's catalogue titles and review texts. */
BNDL_API bndl_status bndl_word_vectors_train_dataset(const bndl_dataset *ds, const bndl_config *cfg,
                                                     bndl_word_vectors **out);
/* Number of words with a vector and their dimension (0 for a NULL or invalid handle). */
BNDL_API int64_t bndl_word_vectors_count(const bndl_word_vectors *wv);
BNDL_API int32_t bndl_word_vectors_dim(const bndl_word_vectors *wv);
/* Word `index` (0 .. count-1): its normalised text (length bytes, not NUL-terminated,
 * owned by wv) and its corpus count (may be NULL). */
BNDL_API bndl_status bndl_word_vectors_word(const bndl_word_vectors *wv, int64_t index, const char **word,
                                            size_t *length, int64_t *count);
/* Index of a word, normalised as training did (case folding, half-width forms).
 * NOT_FOUND when it has no vector. @thread any */
BNDL_API bndl_status bndl_word_vectors_find(const bndl_word_vectors *wv, const char *word, size_t length,
                                            int64_t *index);
/* The vector of word `index`: dim floats owned by wv. */
BNDL_API bndl_status bndl_word_vectors_vector(const bndl_word_vectors *wv, int64_t index, const float **vector);
/* The k words nearest to word `index` by cosine (itself excluded): indices and scores
 * (caller arrays of k), score descending, ties by lower index; *found = how many were
 * written (fewer than k only when the vocabulary is smaller). @thread any */
BNDL_API bndl_status bndl_word_vectors_nearest(const bndl_word_vectors *wv, int64_t index, int32_t k,
                                               int64_t *indices, float *scores, int32_t *found);
/* Versioned, checksummed file: words, counts, vectors, options and the tokenizer's
 * Chinese dictionary (a loaded model tokenizes exactly as the trained one). */
BNDL_API bndl_status bndl_word_vectors_save(const bndl_word_vectors *wv, const char *path);
BNDL_API bndl_status bndl_word_vectors_load(bndl_context *ctx, const char *path, bndl_word_vectors **out);
BNDL_API void bndl_word_vectors_free(bndl_word_vectors *wv);

/* The item text vectors computed at finalize (bndl_dataset_set_word_vectors) or kept
 * by a snapshot: *data is rows x cols floats, row-major (rows = count(ITEM), cols = the
 * word vectors' dim), each row unit length, or zero when *has_text (may be NULL; rows
 * flags) is 0. A dataset without them is not an error: *data and *has_text NULL, *rows
 * and *cols 0. Pointers valid while ds lives. STATE before finalize. @thread any */
BNDL_API bndl_status bndl_dataset_text_vectors(const bndl_dataset *ds, const float **data,
                                               const uint8_t **has_text, int64_t *rows, int32_t *cols);

/* Item text vectors of a finalized dataset: for each item, the SIF embedding (Arora et
 * al. 2017: word vectors weighted a / (a + p(w)), a = text.sif_a) of its catalogue
 * title and reviews, with the first principal component removed (text.sif_remove_pc),
 * L2-normalised. vectors: caller array of count(ITEM) x dim floats; has_text (may be
 * NULL): count(ITEM) flags, 0 for an item none of whose words has a vector (its vector
 * is zero). wv NULL: word vectors are trained on the dataset first (cfg). @thread any */
BNDL_API bndl_status bndl_item_text_vectors(const bndl_dataset *ds, const bndl_word_vectors *wv,
                                            const bndl_config *cfg, float *vectors, int32_t *has_text);
/* The vector of one text (a query, or the title and reviews of an item that is in no
 * dataset yet): the same SIF mean (text.sif_a), L2-normalised, without the principal
 * component removal (that belongs to a collection: an item vector with
 * text.sif_remove_pc 0 equals this on the item's text). out: dim floats; *known (may be
 * NULL): the text's tokens that have a vector (0: out is zero). Invalid UTF-8: FORMAT.
 * @thread any */
BNDL_API bndl_status bndl_word_vectors_text_vector(const bndl_word_vectors *wv, const char *text, size_t length,
                                                   const bndl_config *cfg, float *out, int64_t *known);

/* ===================================================================================
 * Buffers
 * =================================================================================== */
BNDL_API const void *bndl_buffer_data(const bndl_buffer *buf);
BNDL_API size_t bndl_buffer_size(const bndl_buffer *buf);
BNDL_API void bndl_buffer_free(bndl_buffer *buf);

#ifdef __cplusplus
}
#endif
#endif /* BUNDLE_H */
