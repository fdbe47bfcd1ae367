"""Loading libbundle.so and declaring the C prototypes the binding calls.

Why ctypes and not a compiled extension: the binding must work against any installed
libbundle.so.0 without a compiler on the shop's machine. Every prototype is declared
here once, so a wrong argument type fails in Python instead of corrupting memory.

The library is found, in order: $LIBBUNDLE_PATH (a file), the directory of this package
(a wheel that bundles the .so), then the system search path (libbundle.so.0). The ABI
number the binding was written for is checked at load, as bndl_abi_version() vs
BNDL_ABI_VERSION in C (BNDL_CHECK_ABI); a mismatch names the loaded path.
"""
import ctypes
import ctypes.util
import os

ABI_VERSION = 0  # BNDL_ABI_VERSION of the headers this binding mirrors

c_int32, c_int64, c_uint32, c_uint64 = ctypes.c_int32, ctypes.c_int64, ctypes.c_uint32, ctypes.c_uint64
c_float_p = ctypes.POINTER(ctypes.c_float)
c_double_p = ctypes.POINTER(ctypes.c_double)
c_int32_p = ctypes.POINTER(ctypes.c_int32)
c_int64_p = ctypes.POINTER(ctypes.c_int64)
c_uint8_p = ctypes.POINTER(ctypes.c_uint8)
c_char_p_p = ctypes.POINTER(ctypes.c_char_p)
c_size_t = ctypes.c_size_t
c_void_p = ctypes.c_void_p
c_char_p = ctypes.c_char_p
Status = ctypes.c_int


class TensorView(ctypes.Structure):
    """bndl_tensor_view (bundle_types.h): a borrowed 2-D float32 array."""
    _fields_ = [("struct_size", c_uint32), ("dtype", c_int32), ("ndim", c_int32),
                ("device_kind", c_int32), ("device_index", c_int32), ("flags", c_int32),
                ("shape", c_int64_p), ("strides", c_int64_p), ("data", c_void_p)]


class RuleMetrics(ctypes.Structure):
    """bndl_rule_metrics (bundle_types.h)."""
    _fields_ = [("struct_size", c_uint32), ("count", c_int64), ("support", ctypes.c_double),
                ("confidence", ctypes.c_double), ("lift", ctypes.c_double),
                ("leverage", ctypes.c_double), ("conviction", ctypes.c_double)]


class ContextDesc(ctypes.Structure):
    """bndl_context_desc (bundle_types.h); the allocator hook is not offered to Python."""
    _fields_ = [("struct_size", c_uint32), ("n_threads", c_int32), ("allocator", c_void_p),
                ("seed", c_uint64)]


class TrainProgress(ctypes.Structure):
    """bndl_train_progress (bundle_types.h)."""
    _fields_ = [("struct_size", c_uint32), ("epoch", c_int64), ("epochs", c_int64), ("step", c_int64),
                ("loss", ctypes.c_double), ("metric", ctypes.c_double), ("best_metric", ctypes.c_double),
                ("best_epoch", c_int64), ("seconds", ctypes.c_double), ("eta_seconds", ctypes.c_double)]


class TrainSummary(ctypes.Structure):
    """bndl_train_summary (bundle_types.h)."""
    _fields_ = [("struct_size", c_uint32), ("epochs", c_int64), ("steps", c_int64), ("best_epoch", c_int64),
                ("best_metric", ctypes.c_double), ("final_loss", ctypes.c_double)]


TRAIN_PROGRESS_FN = ctypes.CFUNCTYPE(c_int32, c_void_p, ctypes.POINTER(TrainProgress))

P = c_void_p  # every opaque handle
# name: (restype, argtypes)
_PROTOTYPES = {
    "bndl_version_string": (c_char_p, []),
    "bndl_abi_version": (c_int32, []),
    "bndl_build_info": (c_char_p, []),
    "bndl_status_str": (c_char_p, [Status]),
    "bndl_last_error_code": (Status, []),
    "bndl_last_error_message": (c_char_p, []),
    "bndl_context_create": (Status, [ctypes.POINTER(ContextDesc), ctypes.POINTER(P)]),
    "bndl_context_free": (None, [P]),
    "bndl_context_set_threads": (Status, [P, c_int32]),
    "bndl_context_threads": (c_int32, [P]),
    "bndl_context_set_seed": (Status, [P, c_uint64]),
    "bndl_context_seed": (c_uint64, [P]),
    "bndl_context_set_backend": (Status, [P, c_char_p]),
    "bndl_context_backend": (c_char_p, [P]),
    "bndl_context_backend_info": (c_char_p, [P]),
    "bndl_backend_name": (c_char_p, [c_int32]),
    "bndl_backend_available": (c_int32, [c_char_p]),
    "bndl_config_create": (Status, [ctypes.POINTER(P)]),
    "bndl_config_free": (None, [P]),
    "bndl_config_set": (Status, [P, c_char_p, c_char_p]),
    "bndl_config_key_by_name": (Status, [c_char_p, ctypes.POINTER(ctypes.c_int)]),
    "bndl_config_key_type": (ctypes.c_int, [ctypes.c_int]),
    "bndl_config_get_int": (Status, [P, ctypes.c_int, c_int64_p]),
    "bndl_config_get_float": (Status, [P, ctypes.c_int, c_double_p]),
    "bndl_config_get_string": (Status, [P, ctypes.c_int, c_char_p_p]),
    "bndl_table_spec_preset": (Status, [c_char_p, ctypes.POINTER(P)]),
    "bndl_table_spec_preset_name": (c_char_p, [c_int32]),
    "bndl_table_spec_free": (None, [P]),
    "bndl_dataset_create": (Status, [P, ctypes.POINTER(P)]),
    "bndl_dataset_free": (None, [P]),
    "bndl_dataset_configure": (Status, [P, P]),
    "bndl_dataset_load_table": (Status, [P, c_char_p, P]),
    "bndl_dataset_finalize": (Status, [P]),
    "bndl_dataset_is_finalized": (c_int32, [P]),
    "bndl_dataset_count": (c_int64, [P, ctypes.c_int]),
    "bndl_dataset_num_events": (c_int64, [P]),
    "bndl_dataset_num_reviews": (c_int64, [P]),
    "bndl_dataset_external_id": (Status, [P, ctypes.c_int, c_int64, c_char_p_p]),
    "bndl_dataset_find": (Status, [P, ctypes.c_int, c_char_p, c_int64_p]),
    "bndl_dataset_rows_read": (c_int64, [P]),
    "bndl_dataset_rows_kept": (c_int64, [P]),
    "bndl_dataset_rows_dropped": (c_int64, [P, ctypes.c_int]),
    "bndl_drop_reason_name": (c_char_p, [ctypes.c_int]),
    "bndl_dataset_report_json": (Status, [P, ctypes.POINTER(P)]),
    "bndl_dataset_features": (Status, [P, ctypes.c_int, ctypes.POINTER(c_float_p), c_int64_p, c_int32_p]),
    "bndl_dataset_feature_name": (c_char_p, [P, ctypes.c_int, c_int32]),
    "bndl_dataset_user_events": (Status, [P, c_int64, ctypes.POINTER(c_int32_p), ctypes.POINTER(c_uint8_p),
                                          ctypes.POINTER(c_int64_p), c_int64_p]),
    "bndl_dataset_item_title": (Status, [P, c_int64, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(c_size_t)]),
    "bndl_dataset_split": (Status, [P, P, ctypes.POINTER(P), ctypes.POINTER(P), ctypes.POINTER(P)]),
    "bndl_dataset_save": (Status, [P, c_char_p]),
    "bndl_dataset_load": (Status, [P, c_char_p, ctypes.POINTER(P)]),
    "bndl_similarity_items": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_similarity_users": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_similarity_embeddings": (Status, [P, ctypes.POINTER(TensorView), ctypes.POINTER(TensorView),
                                            ctypes.c_int, c_int32, P, ctypes.POINTER(P)]),
    "bndl_neighbors_rows": (c_int64, [P]),
    "bndl_neighbors_row": (Status, [P, c_int64, ctypes.POINTER(c_int32_p), ctypes.POINTER(c_float_p), c_int32_p]),
    "bndl_neighbors_free": (None, [P]),
    "bndl_copurchase_itemsets": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_copurchase_complements": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_itemsets_count": (c_int64, [P]),
    "bndl_itemsets_baskets": (c_int64, [P]),
    "bndl_itemsets_get": (Status, [P, c_int64, ctypes.POINTER(c_int32_p), c_int32_p, c_int64_p]),
    "bndl_itemsets_rules": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_itemsets_free": (None, [P]),
    "bndl_rules_count": (c_int64, [P]),
    "bndl_rules_get": (Status, [P, c_int64, ctypes.POINTER(c_int32_p), c_int32_p, ctypes.POINTER(c_int32_p),
                                c_int32_p, ctypes.POINTER(RuleMetrics)]),
    "bndl_rules_free": (None, [P]),
    "bndl_item_model_ease": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_item_model_factors": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_item_model_score": (Status, [P, c_int32_p, c_float_p, c_int64, c_float_p, c_int64]),
    "bndl_item_model_kind": (c_char_p, [P]),
    "bndl_item_model_free": (None, [P]),
    "bndl_text_tokenize": (Status, [P, ctypes.c_char_p, c_size_t, P, ctypes.POINTER(P)]),
    "bndl_lexicon_create": (Status, [P, ctypes.POINTER(P)]),
    "bndl_lexicon_load": (Status, [P, c_char_p, c_char_p]),
    "bndl_lexicon_load_dir": (Status, [P, c_char_p]),
    "bndl_lexicon_score": (Status, [P, ctypes.c_char_p, c_size_t, c_double_p]),
    "bndl_lexicon_free": (None, [P]),
    "bndl_text_model_train": (Status, [P, c_char_p_p, ctypes.POINTER(c_size_t), c_int32_p, c_int64, P,
                                       ctypes.POINTER(P)]),
    "bndl_text_model_train_reviews": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_text_model_predict": (Status, [P, ctypes.c_char_p, c_size_t, c_double_p]),
    "bndl_text_model_save": (Status, [P, c_char_p]),
    "bndl_text_model_load": (Status, [P, c_char_p, ctypes.POINTER(P)]),
    "bndl_text_model_free": (None, [P]),
    "bndl_model_create": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_model_train": (Status, [P, P, P, P, TRAIN_PROGRESS_FN, c_void_p]),
    "bndl_model_train_summary": (Status, [P, ctypes.POINTER(TrainSummary)]),
    "bndl_model_save": (Status, [P, c_char_p]),
    "bndl_model_save_buffer": (Status, [P, ctypes.POINTER(P)]),
    "bndl_model_load": (Status, [P, c_char_p, ctypes.POINTER(P)]),
    "bndl_model_load_buffer": (Status, [P, ctypes.c_char_p, c_size_t, ctypes.POINTER(P)]),
    "bndl_model_kind": (c_char_p, [P]),
    "bndl_model_embedding_dim": (c_int64, [P]),
    "bndl_model_num_params": (c_int64, [P]),
    "bndl_model_num_items": (c_int64, [P]),
    "bndl_model_free": (None, [P]),
    "bndl_model_encode": (Status, [P, c_int32_p, c_int32_p, c_int64, c_float_p, c_int64]),
    "bndl_model_recommend": (Status, [P, c_int32_p, c_int32_p, c_int64, c_int32_p, c_int64, c_int32, c_int64,
                                      c_int32_p, c_float_p, c_int64_p]),
    "bndl_model_item_embeddings": (Status, [P, ctypes.POINTER(c_float_p), c_int64_p, c_int64_p]),
    "bndl_model_item_index": (Status, [P, ctypes.c_char_p, c_size_t, c_int32_p]),
    "bndl_model_item_id": (Status, [P, c_int32, c_char_p_p, ctypes.POINTER(c_size_t)]),
    "bndl_dataset_set_sentiment_lexicon": (Status, [P, P]),
    "bndl_dataset_set_sentiment_model": (Status, [P, P]),
    "bndl_dataset_set_word_vectors": (Status, [P, P]),
    "bndl_dataset_text_vectors": (Status, [P, ctypes.POINTER(c_float_p), ctypes.POINTER(c_uint8_p), c_int64_p,
                                           c_int32_p]),
    "bndl_dataset_item_keyword_count": (Status, [P, c_int64, c_int32_p]),
    "bndl_dataset_item_keyword": (Status, [P, c_int64, c_int32, c_char_p_p, ctypes.POINTER(c_size_t), c_float_p]),
    "bndl_text_keywords": (Status, [P, c_char_p_p, ctypes.POINTER(c_size_t), c_int64, P, ctypes.POINTER(P)]),
    "bndl_word_vectors_train": (Status, [P, c_char_p_p, ctypes.POINTER(c_size_t), c_int64, P, ctypes.POINTER(P)]),
    "bndl_word_vectors_train_dataset": (Status, [P, P, ctypes.POINTER(P)]),
    "bndl_word_vectors_count": (c_int64, [P]),
    "bndl_word_vectors_dim": (c_int32, [P]),
    "bndl_word_vectors_word": (Status, [P, c_int64, ctypes.POINTER(c_void_p), ctypes.POINTER(c_size_t), c_int64_p]),
    "bndl_word_vectors_find": (Status, [P, ctypes.c_char_p, c_size_t, c_int64_p]),
    "bndl_word_vectors_vector": (Status, [P, c_int64, ctypes.POINTER(c_float_p)]),
    "bndl_word_vectors_nearest": (Status, [P, c_int64, c_int32, c_int64_p, c_float_p, c_int32_p]),
    "bndl_word_vectors_save": (Status, [P, c_char_p]),
    "bndl_word_vectors_load": (Status, [P, c_char_p, ctypes.POINTER(P)]),
    "bndl_word_vectors_free": (None, [P]),
    "bndl_item_text_vectors": (Status, [P, P, P, c_float_p, c_int32_p]),
    "bndl_similarity_items_text": (Status, [P, P, P, ctypes.POINTER(P)]),
    "bndl_buffer_data": (c_void_p, [P]),
    "bndl_buffer_size": (c_size_t, [P]),
    "bndl_buffer_free": (None, [P]),
}


def _candidates():
    env = os.environ.get("LIBBUNDLE_PATH")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("libbundle.so.0", "libbundle.so"):
        path = os.path.join(here, name)
        if os.path.exists(path):
            yield path
    yield "libbundle.so.0"
    found = ctypes.util.find_library("bundle")
    if found:
        yield found


def _load():
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            errors.append("%s: %s" % (path, e))
            continue
        for name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        abi = lib.bndl_abi_version()
        if abi != ABI_VERSION:
            raise ImportError("libbundle at %s has ABI %d; this binding needs ABI %d" % (path, abi, ABI_VERSION))
        return lib, path
    raise ImportError("libbundle shared library not found (set LIBBUNDLE_PATH): " + "; ".join(errors))


lib, library_path = _load()
