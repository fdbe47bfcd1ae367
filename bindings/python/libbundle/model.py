"""Sequence models: a Transformer or LSTM over each user's history, trained on a
dataset, saved as one file with its item ids, answering encode and recommend."""
import ctypes

from . import _arrays
from ._handle import Handle, encode, out_ptr, take_buffer
from ._native import TRAIN_PROGRESS_FN, TrainSummary, lib
from .core import config_ptr
from .errors import BundleError, Status, check


class Model(Handle):
    """bndl_model. Model.create(dataset, {"model.kind": "lstm", ...}) or Model.load(ctx, path)."""
    _free = "bndl_model_free"

    @classmethod
    def create(cls, dataset, config=None):
        cptr, _keep = config_ptr(config)
        out = out_ptr()
        check(lib.bndl_model_create(dataset.ptr, cptr, ctypes.byref(out)))
        return cls(out)

    @classmethod
    def load(cls, ctx, path):
        out = out_ptr()
        check(lib.bndl_model_load(ctx.ptr, encode(path), ctypes.byref(out)))
        return cls(out)

    @classmethod
    def from_bytes(cls, ctx, data):
        out = out_ptr()
        check(lib.bndl_model_load_buffer(ctx.ptr, bytes(data), len(data), ctypes.byref(out)))
        return cls(out)

    def save(self, path):
        check(lib.bndl_model_save(self.ptr, encode(path)))

    def to_bytes(self):
        buf = out_ptr()
        check(lib.bndl_model_save_buffer(self.ptr, ctypes.byref(buf)))
        return take_buffer(buf)

    def train(self, train, valid=None, config=None, progress=None):
        """Trains on train (a finalized dataset); progress(dict) after each epoch may
        return True to stop (BundleError CANCELLED; the model keeps its best epoch).
        An exception raised by progress stops training and is raised again here."""
        cptr, _keep = config_ptr(config)
        raised = []

        def on_epoch(_ud, p):
            try:
                info = {name: getattr(p.contents, name) for name, _ in p.contents._fields_[1:]}
                return 1 if progress(info) else 0
            except BaseException as e:  # never let an exception cross the C frames
                raised.append(e)
                return 1

        fn = TRAIN_PROGRESS_FN(on_epoch) if progress is not None else TRAIN_PROGRESS_FN()
        try:
            check(lib.bndl_model_train(self.ptr, train.ptr, valid.ptr if valid is not None else None, cptr, fn, None))
        except BundleError as e:
            if raised and e.status == Status.CANCELLED:
                raise raised[0] from e
            raise
        return self.summary()

    def summary(self):
        s = TrainSummary()
        s.struct_size = ctypes.sizeof(TrainSummary)
        check(lib.bndl_model_train_summary(self.ptr, ctypes.byref(s)))
        return {name: getattr(s, name) for name, _ in TrainSummary._fields_[1:]}

    @property
    def kind(self):
        return lib.bndl_model_kind(self.ptr).decode()

    @property
    def dim(self):
        return lib.bndl_model_embedding_dim(self.ptr)

    @property
    def num_params(self):
        return lib.bndl_model_num_params(self.ptr)

    @property
    def num_items(self):
        return lib.bndl_model_num_items(self.ptr)

    def item_index(self, item_id):
        data, out = encode(item_id), ctypes.c_int32()
        check(lib.bndl_model_item_index(self.ptr, data, len(data), ctypes.byref(out)))
        return out.value

    def item_id(self, index):
        out, n = ctypes.c_char_p(), ctypes.c_size_t()
        check(lib.bndl_model_item_id(self.ptr, index, ctypes.byref(out), ctypes.byref(n)))
        return out.value.decode("utf-8", "replace")

    def _history(self, items, types):
        arr, n = _arrays.int32_array(items)
        t = None
        if types is not None:
            t, nt = _arrays.int32_array(types)
            if nt != n:
                raise ValueError("%d items but %d event types" % (n, nt))
        return arr, t, n

    def encode(self, items, types=None):
        """The user state after a history of item indices (oldest first): a fold-in."""
        arr, t, n = self._history(items, types)
        out = (ctypes.c_float * self.dim)()
        check(lib.bndl_model_encode(self.ptr, arr, t, n, out, self.dim))
        return _arrays.vector(ctypes.cast(out, ctypes.POINTER(ctypes.c_float)), self.dim, ctypes.c_float)

    def recommend(self, items, k=10, types=None, exclude=(), exclude_history=True):
        """(item indices, scores) of the k best items after a history."""
        arr, t, n = self._history(items, types)
        ex, n_ex = _arrays.int32_array(exclude)
        top = (ctypes.c_int32 * max(k, 1))()
        scores = (ctypes.c_float * max(k, 1))()
        n_out = ctypes.c_int64()
        check(lib.bndl_model_recommend(self.ptr, arr, t, n, ex, n_ex, 1 if exclude_history else 0, k, top, scores,
                                       ctypes.byref(n_out)))
        m = n_out.value
        return (_arrays.vector(ctypes.cast(top, ctypes.POINTER(ctypes.c_int32)), m, ctypes.c_int32),
                _arrays.vector(ctypes.cast(scores, ctypes.POINTER(ctypes.c_float)), m, ctypes.c_float))

    def item_embeddings(self):
        data, rows, cols = ctypes.POINTER(ctypes.c_float)(), ctypes.c_int64(), ctypes.c_int64()
        check(lib.bndl_model_item_embeddings(self.ptr, ctypes.byref(data), ctypes.byref(rows), ctypes.byref(cols)))
        return _arrays.matrix(data, rows.value, cols.value, ctypes.c_float)
