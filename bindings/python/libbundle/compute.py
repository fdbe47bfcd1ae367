"""Similarity, co-purchase mining and closed-form item models over a finalized dataset."""
import ctypes

from . import _arrays
from ._handle import Handle, out_ptr
from ._native import RuleMetrics, TensorView, lib
from .core import config_ptr
from .errors import check

COSINE, DOT = 1, 2
_F32 = 1


class Neighbors(Handle):
    """Sparse top-k rows: for each row, neighbour indices with scores, best first."""
    _free = "bndl_neighbors_free"

    def __len__(self):
        return lib.bndl_neighbors_rows(self.ptr)

    def row(self, r):
        cols, scores, n = ctypes.POINTER(ctypes.c_int32)(), ctypes.POINTER(ctypes.c_float)(), ctypes.c_int32()
        check(lib.bndl_neighbors_row(self.ptr, r, ctypes.byref(cols), ctypes.byref(scores), ctypes.byref(n)))
        return _arrays.vector(cols, n.value, ctypes.c_int32), _arrays.vector(scores, n.value, ctypes.c_float)


def _dataset_call(fn, dataset, config, wrap):
    cptr, _keep = config_ptr(config)
    out = out_ptr()
    check(fn(dataset.ptr, cptr, ctypes.byref(out)))
    return wrap(out)


def similar_items(dataset, config=None):
    """Item-item neighbours (measure and k from the sim.* keys)."""
    return _dataset_call(lib.bndl_similarity_items, dataset, config, Neighbors)


def similar_users(dataset, config=None):
    return _dataset_call(lib.bndl_similarity_users, dataset, config, Neighbors)


def similar_items_text(dataset, word_vectors, config=None):
    """Cold-start item neighbours by cosine of item text vectors (titles, reviews)."""
    cptr, _keep = config_ptr(config)
    out = out_ptr()
    check(lib.bndl_similarity_items_text(dataset.ptr, word_vectors.ptr, cptr, ctypes.byref(out)))
    return Neighbors(out)


def complements(dataset, config=None):
    """Items bought in the same baskets, ranked by lift."""
    return _dataset_call(lib.bndl_copurchase_complements, dataset, config, Neighbors)


def _view(matrix, keep):
    buf, rows, cols = _arrays.float32_matrix(matrix)
    shape = (ctypes.c_int64 * 2)(rows, cols)
    keep.extend([buf, shape])
    view = TensorView(ctypes.sizeof(TensorView), _F32, 2, 1, 0, 0,
                      ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64)), None, _arrays.address(buf))
    return view


def similar_embeddings(ctx, queries, items, k, metric=COSINE, config=None):
    """Top-k item rows for each query row of two float32 matrices (cosine or dot)."""
    keep = []
    q, it = _view(queries, keep), _view(items, keep)
    cptr, _keep = config_ptr(config)
    out = out_ptr()
    check(lib.bndl_similarity_embeddings(ctx.ptr, ctypes.byref(q), ctypes.byref(it), metric, k, cptr,
                                         ctypes.byref(out)))
    return Neighbors(out)


class Rules(Handle):
    _free = "bndl_rules_free"

    def __len__(self):
        return lib.bndl_rules_count(self.ptr)

    def __getitem__(self, i):
        """(antecedent items, consequent items, metrics dict) of rule i."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        a, c = ctypes.POINTER(ctypes.c_int32)(), ctypes.POINTER(ctypes.c_int32)()
        na, nc = ctypes.c_int32(), ctypes.c_int32()
        m = RuleMetrics()
        m.struct_size = ctypes.sizeof(RuleMetrics)
        check(lib.bndl_rules_get(self.ptr, i, ctypes.byref(a), ctypes.byref(na), ctypes.byref(c), ctypes.byref(nc),
                                 ctypes.byref(m)))
        metrics = {name: getattr(m, name) for name, _ in RuleMetrics._fields_[1:]}
        return list(a[:na.value]), list(c[:nc.value]), metrics


class Itemsets(Handle):
    """Frequent itemsets of the dataset's baskets (FP-growth)."""
    _free = "bndl_itemsets_free"

    def __len__(self):
        return lib.bndl_itemsets_count(self.ptr)

    @property
    def baskets(self):
        return lib.bndl_itemsets_baskets(self.ptr)

    def __getitem__(self, i):
        """(items, count) of itemset i."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        items, n, count = ctypes.POINTER(ctypes.c_int32)(), ctypes.c_int32(), ctypes.c_int64()
        check(lib.bndl_itemsets_get(self.ptr, i, ctypes.byref(items), ctypes.byref(n), ctypes.byref(count)))
        return list(items[:n.value]), count.value

    def rules(self, config=None):
        cptr, _keep = config_ptr(config)
        out = out_ptr()
        check(lib.bndl_itemsets_rules(self.ptr, cptr, ctypes.byref(out)))
        return Rules(out)


def itemsets(dataset, config=None):
    return _dataset_call(lib.bndl_copurchase_itemsets, dataset, config, Itemsets)


class ItemModel(Handle):
    """EASE or item factors; score() ranks every item for a history of item indices."""
    _free = "bndl_item_model_free"

    def __init__(self, ptr, num_items):
        super().__init__(ptr)
        self.num_items = num_items

    @property
    def kind(self):
        return lib.bndl_item_model_kind(self.ptr).decode()

    def score(self, items, weights=None):
        arr, n = _arrays.int32_array(items)
        w = None
        if weights is not None:
            w = (ctypes.c_float * max(n, 1))(*map(float, weights))
        out = (ctypes.c_float * self.num_items)()
        check(lib.bndl_item_model_score(self.ptr, arr, w, n, out, self.num_items))
        return _arrays.vector(ctypes.cast(out, ctypes.POINTER(ctypes.c_float)), self.num_items, ctypes.c_float)


def ease(dataset, config=None):
    return _dataset_call(lib.bndl_item_model_ease, dataset, config, lambda p: ItemModel(p, dataset.num_items))


def item_factors(dataset, config=None):
    return _dataset_call(lib.bndl_item_model_factors, dataset, config, lambda p: ItemModel(p, dataset.num_items))
