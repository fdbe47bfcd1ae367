"""Python binding of libbundle (ctypes over libbundle.so.0; numpy optional).

Every failing call raises BundleError with the library's status and message. Objects
own their C handle; close() or a with block frees it early, and parents stay alive as
long as children need them, so objects may be dropped in any order.
"""
from ._native import ABI_VERSION, library_path
from .compute import (COSINE, DOT, ItemModel, Itemsets, Neighbors, Rules, complements, ease, item_factors,
                      itemsets, similar_embeddings, similar_items, similar_items_text, similar_users)
from .core import Config, Context, backends, build_info, version
from .dataset import Dataset, Entity, TableSpec, drop_reasons
from .errors import BundleError, Status
from .model import Model
from .text import Lexicon, TextModel, WordVectors, item_text_vectors, keywords, tokenize

__all__ = ["ABI_VERSION", "library_path", "BundleError", "Status", "Config", "Context", "backends",
           "build_info", "version", "Dataset", "Entity", "TableSpec", "drop_reasons", "Neighbors", "Rules",
           "Itemsets", "ItemModel", "COSINE", "DOT", "similar_items", "similar_users", "similar_embeddings",
           "complements", "itemsets", "ease", "item_factors", "Lexicon", "TextModel", "tokenize", "Model", "WordVectors", "item_text_vectors", "keywords",
           "similar_items_text"]
