"""Datasets: load exports through table specs, finalize (clean, index, features), read
back, split without leakage, save and load snapshots."""
import ctypes
import enum
import json

from . import _arrays
from ._handle import Handle, encode, out_ptr, take_buffer
from ._native import lib
from .core import config_ptr
from .errors import check


class Entity(enum.IntEnum):
    USER = 1
    ITEM = 2
    BUNDLE = 3
    CATEGORY = 4


class TableSpec(Handle):
    """How one file maps onto the dataset; presets cover the public exports."""
    _free = "bndl_table_spec_free"

    @classmethod
    def preset(cls, name):
        ptr = out_ptr()
        check(lib.bndl_table_spec_preset(encode(name), ctypes.byref(ptr)))
        return cls(ptr)

    @staticmethod
    def presets():
        out, i = [], 0
        while True:
            name = lib.bndl_table_spec_preset_name(i)
            if name is None:
                return out
            out.append(name.decode())
            i += 1


def drop_reasons():
    """{code: snake_case name} of every reason a row can be dropped for."""
    out, code = {}, 1
    while True:
        name = lib.bndl_drop_reason_name(code)
        if name is None:
            return out
        out[code] = name.decode()
        code += 1


class Dataset(Handle):
    _free = "bndl_dataset_free"

    def __init__(self, ctx, config=None, _ptr=None):
        self.context = ctx
        if _ptr is None:
            _ptr = out_ptr()
            check(lib.bndl_dataset_create(ctx.ptr, ctypes.byref(_ptr)))
        super().__init__(_ptr)
        if config is not None:
            cptr, _keep = config_ptr(config)
            check(lib.bndl_dataset_configure(self.ptr, cptr))

    @classmethod
    def load(cls, ctx, path):
        """A dataset snapshot written by save()."""
        ptr = out_ptr()
        check(lib.bndl_dataset_load(ctx.ptr, encode(path), ctypes.byref(ptr)))
        return cls(ctx, _ptr=ptr)

    def load_table(self, path, spec):
        """Reads one file; spec is a TableSpec or a preset name."""
        if isinstance(spec, str):
            with TableSpec.preset(spec) as s:
                check(lib.bndl_dataset_load_table(self.ptr, encode(path), s.ptr))
        else:
            check(lib.bndl_dataset_load_table(self.ptr, encode(path), spec.ptr))
        return self

    def set_sentiment(self, scorer):
        """Review sentiment at finalize from a Lexicon or a TextModel (None detaches)."""
        from .text import Lexicon, TextModel
        if scorer is None or isinstance(scorer, Lexicon):
            check(lib.bndl_dataset_set_sentiment_lexicon(self.ptr, scorer.ptr if scorer is not None else None))
        elif isinstance(scorer, TextModel):
            check(lib.bndl_dataset_set_sentiment_model(self.ptr, scorer.ptr))
        else:
            raise TypeError("a Lexicon or a TextModel, not %s" % type(scorer).__name__)
        self._scorer = scorer
        return self

    def set_word_vectors(self, word_vectors):
        """Item text vectors at finalize from these WordVectors (None detaches)."""
        check(lib.bndl_dataset_set_word_vectors(self.ptr, word_vectors.ptr if word_vectors is not None else None))
        self._word_vectors = word_vectors
        return self

    def text_vectors(self):
        """(vectors: items x dim, has_text flags) computed at finalize; None when none."""
        data, flags = ctypes.POINTER(ctypes.c_float)(), ctypes.POINTER(ctypes.c_uint8)()
        rows, cols = ctypes.c_int64(), ctypes.c_int32()
        check(lib.bndl_dataset_text_vectors(self.ptr, ctypes.byref(data), ctypes.byref(flags), ctypes.byref(rows),
                                            ctypes.byref(cols)))
        if rows.value == 0:
            return None
        return (_arrays.matrix(data, rows.value, cols.value, ctypes.c_float),
                [bool(f) for f in flags[:rows.value]])

    def item_keywords(self, item):
        """[(word, score)] of an item's keywords, best first (computed at finalize)."""
        count = ctypes.c_int32()
        check(lib.bndl_dataset_item_keyword_count(self.ptr, item, ctypes.byref(count)))
        out = []
        for i in range(count.value):
            word, n, score = ctypes.c_char_p(), ctypes.c_size_t(), ctypes.c_float()
            check(lib.bndl_dataset_item_keyword(self.ptr, item, i, ctypes.byref(word), ctypes.byref(n),
                                                ctypes.byref(score)))
            out.append((ctypes.string_at(word, n.value).decode("utf-8"), score.value))
        return out

    def finalize(self):
        check(lib.bndl_dataset_finalize(self.ptr))
        return self

    @property
    def finalized(self):
        return bool(lib.bndl_dataset_is_finalized(self.ptr))

    def count(self, entity):
        return lib.bndl_dataset_count(self.ptr, int(entity))

    @property
    def num_users(self):
        return self.count(Entity.USER)

    @property
    def num_items(self):
        return self.count(Entity.ITEM)

    @property
    def num_events(self):
        return lib.bndl_dataset_num_events(self.ptr)

    @property
    def num_reviews(self):
        return lib.bndl_dataset_num_reviews(self.ptr)

    def external_id(self, entity, index):
        out = ctypes.c_char_p()
        check(lib.bndl_dataset_external_id(self.ptr, int(entity), index, ctypes.byref(out)))
        return out.value.decode("utf-8", "replace")

    def find(self, entity, external_id):
        out = ctypes.c_int64()
        check(lib.bndl_dataset_find(self.ptr, int(entity), encode(external_id), ctypes.byref(out)))
        return out.value

    def report(self):
        """The cleaning report as a dict (rows read/kept, drops per reason with examples)."""
        buf = out_ptr()
        check(lib.bndl_dataset_report_json(self.ptr, ctypes.byref(buf)))
        return json.loads(take_buffer(buf).decode())

    def rows_dropped(self):
        """{reason name: rows dropped} for the reasons with drops."""
        out = {}
        for code, name in drop_reasons().items():
            n = lib.bndl_dataset_rows_dropped(self.ptr, code)
            if n:
                out[name] = n
        return out

    def features(self, entity):
        """(matrix, column names) of the user or item feature table."""
        data, rows, cols = ctypes.POINTER(ctypes.c_float)(), ctypes.c_int64(), ctypes.c_int32()
        check(lib.bndl_dataset_features(self.ptr, int(entity), ctypes.byref(data), ctypes.byref(rows),
                                        ctypes.byref(cols)))
        names = [lib.bndl_dataset_feature_name(self.ptr, int(entity), c).decode() for c in range(cols.value)]
        return _arrays.matrix(data, rows.value, cols.value, ctypes.c_float), names

    def user_events(self, user):
        """(items, event types, timestamps) of one user in time order."""
        items, types = ctypes.POINTER(ctypes.c_int32)(), ctypes.POINTER(ctypes.c_uint8)()
        times, n = ctypes.POINTER(ctypes.c_int64)(), ctypes.c_int64()
        check(lib.bndl_dataset_user_events(self.ptr, user, ctypes.byref(items), ctypes.byref(types),
                                           ctypes.byref(times), ctypes.byref(n)))
        return (_arrays.vector(items, n.value, ctypes.c_int32), _arrays.vector(types, n.value, ctypes.c_uint8),
                _arrays.vector(times, n.value, ctypes.c_int64))

    def item_title(self, item):
        data, n = ctypes.c_void_p(), ctypes.c_size_t()
        check(lib.bndl_dataset_item_title(self.ptr, item, ctypes.byref(data), ctypes.byref(n)))
        return ctypes.string_at(data, n.value).decode("utf-8") if n.value else ""

    def split(self, config=None):
        """(train, valid or None, test) by split.method; they share this dataset's ids."""
        cptr, _keep = config_ptr(config)
        tr, va, te = out_ptr(), out_ptr(), out_ptr()
        check(lib.bndl_dataset_split(self.ptr, cptr, ctypes.byref(tr), ctypes.byref(va), ctypes.byref(te)))
        wrap = lambda p: Dataset(self.context, _ptr=p) if p else None
        return wrap(tr), wrap(va), wrap(te)

    def save(self, path):
        check(lib.bndl_dataset_save(self.ptr, encode(path)))
