"""Review text: tokenization, lexicon sentiment, trained sentiment classifiers."""
import ctypes

from ._handle import Handle, encode, out_ptr, take_buffer
from ._native import lib
from .core import config_ptr
from .errors import check


def tokenize(ctx, text, config=None):
    """Tokens of one UTF-8 text (English and Chinese; negation scopes marked NOT_)."""
    data = encode(text)
    cptr, _keep = config_ptr(config)
    buf = out_ptr()
    check(lib.bndl_text_tokenize(ctx.ptr, data, len(data), cptr, ctypes.byref(buf)))
    joined = take_buffer(buf).decode("utf-8")
    return joined.split("\n") if joined else []


class Lexicon(Handle):
    """Sentiment lexicons with their rules; score() is in [-1, 1]."""
    _free = "bndl_lexicon_free"

    def __init__(self, ctx, directory=None):
        ptr = out_ptr()
        check(lib.bndl_lexicon_create(ctx.ptr, ctypes.byref(ptr)))
        super().__init__(ptr)
        if directory is not None:
            self.load_dir(directory)

    def load(self, path, fmt):
        check(lib.bndl_lexicon_load(self.ptr, encode(path), encode(fmt)))

    def load_dir(self, directory):
        check(lib.bndl_lexicon_load_dir(self.ptr, encode(directory)))

    def score(self, text):
        data, out = encode(text), ctypes.c_double()
        check(lib.bndl_lexicon_score(self.ptr, data, len(data), ctypes.byref(out)))
        return out.value


class TextModel(Handle):
    """TF-IDF n-grams + logistic regression; predict() is P(positive)."""
    _free = "bndl_text_model_free"

    @classmethod
    def train(cls, ctx, texts, labels, config=None):
        data = [encode(t) for t in texts]
        if len(data) != len(labels):
            raise ValueError("%d texts but %d labels" % (len(data), len(labels)))
        n = len(data)
        ptrs = (ctypes.c_char_p * max(n, 1))(*data)
        lens = (ctypes.c_size_t * max(n, 1))(*map(len, data))
        labs = (ctypes.c_int32 * max(n, 1))(*map(int, labels))
        cptr, _keep = config_ptr(config)
        out = out_ptr()
        check(lib.bndl_text_model_train(ctx.ptr, ptrs, lens, labs, n, cptr, ctypes.byref(out)))
        return cls(out)

    @classmethod
    def train_reviews(cls, dataset, config=None):
        cptr, _keep = config_ptr(config)
        out = out_ptr()
        check(lib.bndl_text_model_train_reviews(dataset.ptr, cptr, ctypes.byref(out)))
        return cls(out)

    @classmethod
    def load(cls, ctx, path):
        out = out_ptr()
        check(lib.bndl_text_model_load(ctx.ptr, encode(path), ctypes.byref(out)))
        return cls(out)

    def save(self, path):
        check(lib.bndl_text_model_save(self.ptr, encode(path)))

    def predict(self, text):
        data, out = encode(text), ctypes.c_double()
        check(lib.bndl_text_model_predict(self.ptr, data, len(data), ctypes.byref(out)))
        return out.value
