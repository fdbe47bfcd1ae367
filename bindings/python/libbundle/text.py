"""Review text: tokenization, lexicon sentiment, trained sentiment classifiers,
keywords, word vectors and the item text vectors built on them."""
import ctypes

from . import _arrays
from ._handle import Handle, encode, out_ptr, take_buffer
from ._native import lib
from .core import config_ptr
from .errors import check


def _text_arrays(texts):
    data = [encode(t) for t in texts]
    n = len(data)
    return (ctypes.c_char_p * max(n, 1))(*data), (ctypes.c_size_t * max(n, 1))(*map(len, data)), n


def keywords(ctx, texts, config=None):
    """Keywords of each document: a list (one per text) of (word, score), best first
    (text.keyword_method tfidf or textrank, text.keywords per document)."""
    ptrs, lens, n = _text_arrays(texts)
    cptr, _keep = config_ptr(config)
    buf = out_ptr()
    check(lib.bndl_text_keywords(ctx.ptr, ptrs, lens, n, cptr, ctypes.byref(buf)))
    out = [[] for _ in range(n)]
    for line in take_buffer(buf).decode("utf-8").splitlines():
        doc, word, score = line.split("\t")
        out[int(doc)].append((word, float(score)))
    return out


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
        ptrs, lens, n = _text_arrays(texts)
        if n != len(labels):
            raise ValueError("%d texts but %d labels" % (n, len(labels)))
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


class WordVectors(Handle):
    """Skip-gram word vectors (English and Chinese), trained on texts or a dataset."""
    _free = "bndl_word_vectors_free"

    @classmethod
    def train(cls, ctx, texts, config=None):
        ptrs, lens, n = _text_arrays(texts)
        cptr, _keep = config_ptr(config)
        out = out_ptr()
        check(lib.bndl_word_vectors_train(ctx.ptr, ptrs, lens, n, cptr, ctypes.byref(out)))
        return cls(out)

    @classmethod
    def train_dataset(cls, dataset, config=None):
        """On a finalized dataset's catalogue titles and review texts."""
        cptr, _keep = config_ptr(config)
        out = out_ptr()
        check(lib.bndl_word_vectors_train_dataset(dataset.ptr, cptr, ctypes.byref(out)))
        return cls(out)

    @classmethod
    def load(cls, ctx, path):
        out = out_ptr()
        check(lib.bndl_word_vectors_load(ctx.ptr, encode(path), ctypes.byref(out)))
        return cls(out)

    def save(self, path):
        check(lib.bndl_word_vectors_save(self.ptr, encode(path)))

    def __len__(self):
        return lib.bndl_word_vectors_count(self.ptr)

    @property
    def dim(self):
        return lib.bndl_word_vectors_dim(self.ptr)

    def word(self, index):
        text, n, count = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_int64()
        check(lib.bndl_word_vectors_word(self.ptr, index, ctypes.byref(text), ctypes.byref(n), ctypes.byref(count)))
        return ctypes.string_at(text, n.value).decode("utf-8")

    def index(self, word):
        data, out = encode(word), ctypes.c_int64()
        check(lib.bndl_word_vectors_find(self.ptr, data, len(data), ctypes.byref(out)))
        return out.value

    def vector(self, word):
        out = ctypes.POINTER(ctypes.c_float)()
        check(lib.bndl_word_vectors_vector(self.ptr, self.index(word), ctypes.byref(out)))
        return _arrays.vector(out, self.dim, ctypes.c_float)

    def nearest(self, word, k=10):
        """[(word, cosine)] of the k nearest words."""
        idx = (ctypes.c_int64 * k)()
        scores = (ctypes.c_float * k)()
        found = ctypes.c_int32()
        check(lib.bndl_word_vectors_nearest(self.ptr, self.index(word), k, idx, scores, ctypes.byref(found)))
        return [(self.word(idx[i]), scores[i]) for i in range(found.value)]


def item_text_vectors(dataset, word_vectors=None, config=None):
    """(vectors: items x dim, has_text: per item) of SIF title + review embeddings;
    word_vectors None trains them on the dataset first (config's text.* keys)."""
    if word_vectors is None:
        word_vectors = WordVectors.train_dataset(dataset, config)
    cptr, _keep = config_ptr(config)
    n, dim = dataset.num_items, word_vectors.dim
    vectors = (ctypes.c_float * max(n * dim, 1))()
    flags = (ctypes.c_int32 * max(n, 1))()
    check(lib.bndl_item_text_vectors(dataset.ptr, word_vectors.ptr, cptr, vectors, flags))
    return (_arrays.matrix(ctypes.cast(vectors, ctypes.POINTER(ctypes.c_float)), n, dim, ctypes.c_float),
            [bool(f) for f in flags[:n]])
